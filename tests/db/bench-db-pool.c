/* bench-db-pool.c: throughput of the database layer with a
 * SubmitResults-shaped workload, next to plain multi-row INSERTs
 *
 * SPDX-License-Identifier: MIT
 *
 * Prints figures; asserts nothing about speed. NTPMON_BENCH_RESULTS sets
 * the number of results (default 50000).
 */
#include "config.h"

#include <stdio.h>

#include "test-db-helpers.h"

#define N_SERVERS   1000
#define PER_REQUEST 100
#define IN_FLIGHT   8

typedef struct
{
  guint first; /* first server index of this request */
  gint64 submitted;
  gint64 latency;
} Request;

/* per result: GetServerIP, GetServerScore, UpdateServerScore, InsertLogScore */
static gboolean
store_results (NtpmonDbConn *conn, gpointer data, GError **error)
{
  Request *req = data;

  for (guint i = 0; i < PER_REQUEST; i++)
    {
      g_autofree gchar *ip = g_strdup_printf ("10.0.%u.%u", (req->first + i) % N_SERVERS / 250,
                                              (req->first + i) % N_SERVERS % 250 + 1);
      g_autoptr (NtpmonDbStmt) server = NULL;
      g_autoptr (NtpmonDbStmt) score = NULL;
      guint64 server_id, score_id;
      gdouble old;

      server = ntpmon_db_conn_query (conn, "SELECT id, stratum FROM servers WHERE ip = ?", error,
                                     "s", ip);
      if (server == NULL || !ntpmon_db_stmt_fetch_one (server, error))
        return FALSE;
      server_id = ntpmon_db_stmt_get_uint (server, 0);
      score = ntpmon_db_conn_query (conn,
                                    "SELECT id, score_raw FROM server_scores"
                                    " WHERE server_id = ? AND monitor_id = ?",
                                    error, "ui", server_id, (gint64)1);
      if (score == NULL || !ntpmon_db_stmt_fetch_one (score, error))
        return FALSE;
      score_id = ntpmon_db_stmt_get_uint (score, 0);
      old = ntpmon_db_stmt_get_double (score, 1);
      if (!ntpmon_db_conn_exec (conn,
                                "UPDATE server_scores SET score_ts = ?, score_raw = ? WHERE id = ?",
                                NULL, error, "Tdu", g_get_real_time (), old * 0.95 + 1, score_id)
          || !ntpmon_db_conn_exec (conn,
                                   "INSERT INTO log_scores (server_id, monitor_id, ts, score, step,"
                                   " `offset`, rtt, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   NULL, error, "uiTdddis", server_id, (gint64)1,
                                   g_get_real_time (), old * 0.95 + 1, 1.0, 0.0012, (gint64)23456,
                                   NULL))
        return FALSE;
    }
  return TRUE;
}

static gboolean
submit_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_transaction (conn, store_results, data, error);
}

typedef struct
{
  Request *requests;
  guint n_requests;
  guint next;
  guint done;
  NtpmonDb *db;
  gboolean failed;
} Run;

static void submit_next (Run *run);

static void
submit_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_db_run_finish (NTPMON_DB (source), result, &error))
    {
      g_printerr ("request failed: %s\n", error->message);
      run->failed = TRUE;
    }
  run->done++;
  submit_next (run);
}

static gboolean
timed_submit_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  Request *req = data;
  gboolean ok = submit_job (conn, data, error);

  req->latency = g_get_monotonic_time () - req->submitted;
  return ok;
}

static void
submit_next (Run *run)
{
  Request *req;

  if (run->next >= run->n_requests)
    return;
  req = &run->requests[run->next++];
  req->submitted = g_get_monotonic_time ();
  ntpmon_db_run_async (run->db, timed_submit_job, req, NULL, NULL, submit_done, run);
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return (x > y) - (x < y);
}

static void
setup_rows (NtpmonDbConn *conn)
{
  exec_ok (conn, "INSERT INTO monitors (id, type, hostname, tls_name, status, config, created_on)"
                 " VALUES (1, 'monitor', 'bench', 'bench.test.mon.ntppool.dev', 'active', '{}',"
                 " NOW())");
  for (guint i = 0; i < N_SERVERS; i++)
    {
      g_autofree gchar *ip = g_strdup_printf ("10.0.%u.%u", i / 250, i % 250 + 1);
      g_autoptr (GError) error = NULL;

      ntpmon_db_conn_exec (conn, "INSERT INTO servers (id, ip, created_on) VALUES (?, ?, NOW())",
                           NULL, &error, "is", (gint64)i + 1, ip);
      g_assert_no_error (error);
      ntpmon_db_conn_exec (
          conn,
          "INSERT INTO server_scores (monitor_id, server_id, score_raw, created_on)"
          " VALUES (1, ?, 0, NOW())",
          NULL, &error, "i", (gint64)i + 1);
      g_assert_no_error (error);
    }
}

static gdouble
bench_multirow_insert (NtpmonDbConn *conn, guint n_requests)
{
  g_autoptr (GString) sql
      = g_string_new ("INSERT INTO log_scores (server_id, monitor_id, ts, score, step, `offset`,"
                      " rtt, attributes) VALUES ");
  g_autoptr (GError) error = NULL;
  gint64 start;

  for (guint i = 0; i < PER_REQUEST; i++)
    g_string_append (sql, i ? ", (?, 1, ?, ?, 1, 0.0012, 23456, NULL)"
                            : "(?, 1, ?, ?, 1, 0.0012, 23456, NULL)");
  start = g_get_monotonic_time ();
  for (guint r = 0; r < n_requests; r++)
    {
      g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_prepare (conn, sql->str, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < PER_REQUEST; i++)
        ntpmon_db_stmt_bind (st, "uTd", (guint64)((r * PER_REQUEST + i) % N_SERVERS + 1),
                             g_get_real_time (), 19.5);
      ntpmon_db_stmt_execute (st, &error);
      g_assert_no_error (error);
    }
  return (gdouble)n_requests * PER_REQUEST / ((g_get_monotonic_time () - start) / 1e6);
}

int
main (int argc, char **argv)
{
  g_autoptr (NtpmonTestMariadb) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dsn = NULL;
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (NtpmonDb) db = NULL;
  g_autofree gint64 *latencies = NULL;
  const gchar *env = g_getenv ("NTPMON_BENCH_RESULTS");
  guint n_results = env ? (guint)g_ascii_strtoull (env, NULL, 10) : 50000;
  Run run = { 0 };
  gint64 start, elapsed;
  gdouble rate, limit;

  server = ntpmon_test_mariadb_start_or_fail ();
  dsn = ntpmon_test_mariadb_create_database (server, TRUE, NULL, &error);
  g_assert_no_error (error);
  conn = open_conn (dsn);
  setup_rows (conn);

  run.n_requests = MAX (1, n_results / PER_REQUEST);
  run.requests = g_new0 (Request, run.n_requests);
  for (guint i = 0; i < run.n_requests; i++)
    run.requests[i].first = i * PER_REQUEST;
  run.db = db = new_pool (dsn, IN_FLIGHT);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < IN_FLIGHT; i++)
    submit_next (&run);
  while (run.done < run.n_requests)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - start;
  if (run.failed)
    return 1;

  latencies = g_new (gint64, run.n_requests);
  for (guint i = 0; i < run.n_requests; i++)
    latencies[i] = run.requests[i].latency;
  qsort (latencies, run.n_requests, sizeof (gint64), compare_gint64);
  rate = (gdouble)run.n_requests * PER_REQUEST / (elapsed / 1e6);
  limit = bench_multirow_insert (conn, run.n_requests);

  printf ("db pool, %u requests x %u results, %u in flight, %u connections:\n", run.n_requests,
          PER_REQUEST, IN_FLIGHT, IN_FLIGHT);
  printf ("  transactions (4 statements per result): %.0f results/s\n", rate);
  printf ("  request latency p50 %.1f ms, p99 %.1f ms\n", latencies[run.n_requests / 2] / 1e3,
          latencies[run.n_requests * 99 / 100] / 1e3);
  printf ("  plain multi-row INSERT, %u rows per statement: %.0f rows/s\n", PER_REQUEST, limit);
  printf ("  ratio: %.0f%%\n", 100 * rate / limit);
  g_free (run.requests);
  return 0;
}
