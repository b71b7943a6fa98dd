/* test-db-outage.c: the pool while MariaDB goes away and comes back
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "test-db-helpers.h"

#define N_CONNECTIONS 3
#define N_JOBS        6

static NtpmonTestMariadb *server;

static gboolean
count_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  g_autoptr (NtpmonDbStmt) st
      = ntpmon_db_conn_query (conn, "SELECT COUNT(*) FROM t WHERE v >= ?", error, "i", (gint64)0);

  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    return FALSE;
  return ntpmon_db_stmt_get_int (st, 0) == 3
         || (g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "wrong count"), FALSE);
}

static gboolean
insert_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_exec (conn, "INSERT INTO w (v) VALUES (?)", NULL, error, "i", (gint64)1);
}

/* Runs N_JOBS jobs; returns how many succeeded, checks that the others
 * failed as "unavailable". */
static guint
run_batch (NtpmonDb *db, NtpmonDbJobFunc func, const gchar *expect_in_message)
{
  JobResult results[N_JOBS] = { 0 };
  guint ok = 0;

  run_jobs (db, func, NULL, results, N_JOBS);
  for (guint i = 0; i < N_JOBS; i++)
    {
      if (results[i].ok)
        ok++;
      else
        {
          g_test_message ("job %u: %s", i, results[i].error->message);
          g_assert_error (results[i].error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
          g_assert_true (g_str_has_prefix (results[i].error->message, "database unavailable: "));
          if (expect_in_message != NULL)
            g_assert_nonnull (strstr (results[i].error->message, expect_in_message));
        }
      job_result_clear (&results[i]);
    }
  return ok;
}

/* A new database with tables t (3 rows) and w (empty); returns its DSN. */
static gchar *
new_filled_database (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dsn = ntpmon_test_mariadb_create_database (server, FALSE, NULL, &error);
  g_autoptr (NtpmonDbConn) conn = NULL;

  g_assert_no_error (error);
  conn = open_conn (dsn);
  exec_ok (conn, "CREATE TABLE t (v int)");
  exec_ok (conn, "INSERT INTO t VALUES (1), (2), (3)");
  exec_ok (conn, "CREATE TABLE w (id int AUTO_INCREMENT PRIMARY KEY, v int)");
  return dsn;
}

/* A pool on a new filled database whose jobs all succeed. */
static NtpmonDb *
new_working_pool (gchar **out_dsn)
{
  g_autofree gchar *dsn = new_filled_database ();
  NtpmonDb *db = new_pool (dsn, N_CONNECTIONS);

  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, N_JOBS);
  if (out_dsn != NULL)
    *out_dsn = g_steal_pointer (&dsn);
  return db;
}

static void
test_outage_stop_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDb) db = new_working_pool (NULL);
  NtpmonDbStats stats;

  ntpmon_db_set_retry_interval (db, 0);

  g_assert_true (ntpmon_test_mariadb_stop (server, &error));
  g_assert_no_error (error);
  /* every job fails as unavailable, none hangs */
  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, 0);
  g_assert_cmpuint (run_batch (db, insert_job, NULL), ==, 0);

  g_assert_true (ntpmon_test_mariadb_restart (server, &error));
  g_assert_no_error (error);
  /* the same pool recovers by itself */
  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, N_JOBS);
  g_assert_cmpuint (run_batch (db, insert_job, NULL), ==, N_JOBS);

  ntpmon_db_get_stats (db, &stats);
  g_assert_cmpuint (stats.jobs_ok, ==, 3 * N_JOBS);
  g_assert_cmpuint (stats.jobs_failed, ==, 2 * N_JOBS);
  g_assert_cmpuint (stats.jobs_unavailable, ==, 2 * N_JOBS);
  g_assert_cmpuint (stats.busy, ==, 0);
}

static void
test_outage_retry_window (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDb) db = new_working_pool (NULL);

  /* long enough that this test never reaches its end */
  ntpmon_db_set_retry_interval (db, 600 * 1000);

  g_assert_true (ntpmon_test_mariadb_stop (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, 0);
  /* after a failed connect, jobs fail without trying again */
  g_assert_cmpuint (run_batch (db, count_job, "(will retry)"), ==, 0);

  g_assert_true (ntpmon_test_mariadb_restart (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run_batch (db, count_job, "(will retry)"), ==, 0);
  /* once the window is over (here: cleared), the pool is back */
  ntpmon_db_set_retry_interval (db, 0);
  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, N_JOBS);
}

static void
test_outage_restart_while_idle (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dsn = NULL;
  g_autoptr (NtpmonDb) db = new_working_pool (&dsn);
  g_autoptr (NtpmonDbConn) conn = NULL;

  g_assert_cmpuint (run_batch (db, insert_job, NULL), ==, N_JOBS);

  /* the server restarts between jobs; the pool's connections are stale but
   * no job saw the outage: the first statements notice and reconnect */
  g_assert_true (ntpmon_test_mariadb_restart (server, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, N_JOBS);
  g_assert_cmpuint (run_batch (db, insert_job, NULL), ==, N_JOBS);

  conn = open_conn (dsn);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM w"), ==, 2 * N_JOBS);
}

static void
test_outage_standalone_conn (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dsn = new_filled_database ();
  g_autoptr (NtpmonDbConn) conn = open_conn (dsn);

  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM t"), ==, 3);

  g_assert_true (ntpmon_test_mariadb_stop (server, &error));
  g_assert_false (
      ntpmon_db_conn_exec (conn, "INSERT INTO w (v) VALUES (?)", NULL, &error, "i", (gint64)7));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  g_assert_true (ntpmon_test_mariadb_restart (server, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM t"), ==, 3);
}

static void
test_unreachable_server (void)
{
  g_autoptr (NtpmonDb) db = new_pool ("root@unix(/nonexistent/ntpmon.sock)/x", 2);
  g_autoptr (GError) error = NULL;

  g_assert_false (ntpmon_db_ping (db, NULL, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ntpmon.sock"));
  g_clear_error (&error);
  g_assert_cmpuint (run_batch (db, count_job, NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  server = ntpmon_test_mariadb_start_or_fail ();
  g_test_add_func ("/db/outage/stop-start", test_outage_stop_start);
  g_test_add_func ("/db/outage/retry-window", test_outage_retry_window);
  g_test_add_func ("/db/outage/restart-while-idle", test_outage_restart_while_idle);
  g_test_add_func ("/db/outage/standalone-conn", test_outage_standalone_conn);
  g_test_add_func ("/db/outage/unreachable", test_unreachable_server);
  rc = g_test_run ();
  ntpmon_test_mariadb_free (server);
  return rc;
}
