/* test-db-helpers.h: small helpers shared by the database tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-db.h"
#include "ntpmon-test-mariadb.h"

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
  GThread *callback_thread;
} JobResult;

void job_result_clear (JobResult *r);
void job_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);
void run_jobs (NtpmonDb *db, NtpmonDbJobFunc func, gpointer *data, JobResult *results, guint n);
gboolean run_one (NtpmonDb *db, NtpmonDbJobFunc func, gpointer data, GError **error);
NtpmonDb *new_pool (const gchar *dsn, guint n);
NtpmonDbConn *open_conn (const gchar *dsn);
gint64 query_int (NtpmonDbConn *conn, const gchar *sql);
void exec_ok (NtpmonDbConn *conn, const gchar *sql);
