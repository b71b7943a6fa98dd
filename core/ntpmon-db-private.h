/* ntpmon-db-private.h: internals shared by the database layer's files
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <mysql.h>

#include "ntpmon-db-conn.h"
#include "ntpmon-db.h"

G_BEGIN_DECLS

struct _NtpmonDbConn
{
  NtpmonDb *db; /* NULL for a standalone connection */
  NtpmonDbConfig *config;
  MYSQL *mysql;
  GHashTable *stmts; /* SQL text -> MYSQL_STMT*, idle prepared statements */
  gint64 connected_at;
  gint64 last_used;
  guint epoch;
  gboolean broken;
  gboolean in_transaction;
  guint job_statements; /* statements run successfully by the current job */
  guint last_errno;
  gboolean connecting;
  guint generation; /* counts connects; statements of an older one are dead */
  guint max_attempts;
  gboolean read_committed; /* transactions in READ COMMITTED isolation */
  gboolean implicit_begin; /* autocommit off: a transaction begins with its first statement */
  gboolean tx_pending;     /* begun, but nothing sent in it yet */
  GCancellable *cancellable;
  MYSQL_BIND *binds; /* parameter scratch, reused by every execution */
  guint n_binds;
};

NtpmonDbConn *_ntpmon_db_conn_new (NtpmonDb *db, const NtpmonDbConfig *config);
gboolean _ntpmon_db_conn_start_job (NtpmonDbConn *conn, GCancellable *cancellable, GError **error);
void _ntpmon_db_conn_end_job (NtpmonDbConn *conn);
gboolean _ntpmon_db_conn_fail (NtpmonDbConn *conn, guint code, const gchar *sqlstate,
                               const gchar *message, const gchar *sql, GError **error);
gboolean _ntpmon_db_conn_fail_stmt (NtpmonDbConn *conn, MYSQL_STMT *stmt, const gchar *sql,
                                    GError **error);
gboolean _ntpmon_db_conn_can_retry (NtpmonDbConn *conn, const GError *error, gboolean idempotent);
void _ntpmon_db_conn_note_success (NtpmonDbConn *conn);
void _ntpmon_db_conn_release_stmt (NtpmonDbConn *conn, const gchar *sql, MYSQL_STMT *stmt,
                                   guint generation);

NtpmonDbStmt *_ntpmon_db_stmt_new (NtpmonDbConn *conn, MYSQL_STMT *stmt, const gchar *sql);

/* pool side */
gboolean _ntpmon_db_may_connect (NtpmonDb *db, GError **error);
void _ntpmon_db_note_down (NtpmonDb *db, const gchar *message, gboolean connect_failed);
void _ntpmon_db_note_up (NtpmonDb *db);
guint _ntpmon_db_get_epoch (NtpmonDb *db);
gint64 _ntpmon_db_get_max_lifetime (NtpmonDb *db);
NtpmonDbConfig *_ntpmon_db_get_config (NtpmonDb *db, GError **error);

G_END_DECLS
