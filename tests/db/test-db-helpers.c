/* test-db-helpers.c: small helpers shared by the database tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "test-db-helpers.h"

void
job_result_clear (JobResult *r)
{
  g_clear_error (&r->error);
}

void
job_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JobResult *r = user_data;

  r->ok = ntpmon_db_run_finish (NTPMON_DB (source), result, &r->error);
  r->callback_thread = g_thread_self ();
  r->done = TRUE;
}

/* Runs jobs through the pool and iterates the main context until all
 * results are back. */
void
run_jobs (NtpmonDb *db, NtpmonDbJobFunc func, gpointer *data, JobResult *results, guint n)
{
  gboolean all;

  for (guint i = 0; i < n; i++)
    ntpmon_db_run_async (db, func, data ? data[i] : NULL, NULL, NULL, job_done_cb, &results[i]);
  do
    {
      g_main_context_iteration (NULL, TRUE);
      all = TRUE;
      for (guint i = 0; i < n; i++)
        all = all && results[i].done;
    }
  while (!all);
}

gboolean
run_one (NtpmonDb *db, NtpmonDbJobFunc func, gpointer data, GError **error)
{
  JobResult r = { 0 };
  gpointer d[] = { data };

  run_jobs (db, func, d, &r, 1);
  if (!r.ok)
    g_propagate_error (error, g_steal_pointer (&r.error));
  return r.ok;
}

NtpmonDb *
new_pool (const gchar *dsn, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) config = ntpmon_db_config_parse_dsn (dsn, &error);

  g_assert_no_error (error);
  return ntpmon_db_new (config, n);
}

NtpmonDbConn *
open_conn (const gchar *dsn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) config = ntpmon_db_config_parse_dsn (dsn, &error);
  NtpmonDbConn *conn;

  g_assert_no_error (error);
  conn = ntpmon_db_conn_open (config, &error);
  g_assert_no_error (error);
  return conn;
}

gint64
query_int (NtpmonDbConn *conn, const gchar *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, sql, &error, "");

  g_assert_no_error (error);
  ntpmon_db_stmt_fetch_one (st, &error);
  g_assert_no_error (error);
  return ntpmon_db_stmt_get_int (st, 0);
}

void
exec_ok (NtpmonDbConn *conn, const gchar *sql)
{
  g_autoptr (GError) error = NULL;

  ntpmon_db_conn_exec_direct (conn, sql, &error);
  g_assert_no_error (error);
}
