/* scorer-db-test.h: a database per test case and rows for the scorer
 * program's tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-db.h"
#include "ntpmon-host.h"
#include "ntpmon-test-mariadb.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *dsn;
  NtpmonDbConfig *config;
  NtpmonDbConn *conn;
} TestDb;

NtpmonTestMariadb *test_db_server (void);
void test_db_open (TestDb *db);
void test_db_close (TestDb *db);
void test_db_exec (TestDb *db, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
gint64 test_db_int (TestDb *db, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
gchar *test_db_text (TestDb *db, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
gchar *test_db_checksum (TestDb *db);

gint64 test_db_add_monitor (TestDb *db, gint64 id, const gchar *type, const gchar *status,
                            const gchar *ip, gint64 account_id);
gint64 test_db_add_server (TestDb *db, gint64 id, const gchar *ip, gint64 account_id);
void test_db_add_log_score (TestDb *db, gint64 id, gint64 monitor_id, gint64 server_id,
                            gint64 age_seconds, gdouble score, gdouble step, gint rtt);
void test_db_add_server_score (TestDb *db, gint64 monitor_id, gint64 server_id,
                               const gchar *status);

G_END_DECLS

G_BEGIN_DECLS
void test_db_add_selector_monitor (TestDb *db, gint64 server_id, gint64 id, const gchar *status,
                                   gint64 priority, const gchar *ip);
NtpmonHost *test_host_new (void);
GPtrArray *test_host_scorers (NtpmonHost *host);

G_END_DECLS
