/* bench-scorer.c: scorer and selector throughput on MariaDB
 *
 * SPDX-License-Identifier: MIT
 *
 * `bench-scorer scorer`: 200,000 monitor rows in log_scores over 2,000
 * servers and 30 monitors; rows scored per second by the runner (both
 * algorithms, default batch size or BENCH_BATCH), concurrently as
 * `scorer server` runs them and one after the other, next to the rate of
 * only reading the rows with one SELECT per batch.
 * `bench-scorer selector`: 5,000 servers with 20 monitors each and 24 hours
 * of results; servers reviewed (and written back) per second, and where
 * the time of one review goes (query, engine, write-back).
 * Each timed phase stops after BENCH_SECONDS (default 40) and reports the
 * rate over what it did, so a run stays within two minutes.
 */
#include "config.h"

#include "ntpmon-constraint.h"
#include "ntpmon-host.h"
#include "ntpmon-reviewer.h"
#include "ntpmon-score-runner.h"
#include "ntpmon-selector-review.h"
#include "ntpmon-selector-runner.h"
#include "scorer-db-test.h"

static gdouble
budget (void)
{
  const gchar *s = g_getenv ("BENCH_SECONDS");

  return s != NULL ? g_ascii_strtod (s, NULL) : 40.0;
}

static gdouble
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static gint64
env_int (const gchar *name, gint64 fallback)
{
  const gchar *s = g_getenv (name);

  return s != NULL ? g_ascii_strtoll (s, NULL, 10) : fallback;
}

/* Scores the queue with a runner and algorithms of its own (they keep
 * state between batches), one algorithm after the other or concurrently;
 * returns the rows scored, counting a row once per algorithm. */
static guint64
score_queue (TestDb *db, NtpmonHost *host, gboolean concurrent, gdouble *seconds, guint64 *batches)
{
  g_autoptr (GPtrArray) scorers = test_host_scorers (host);
  g_autoptr (NtpmonScoreRunner) runner = ntpmon_score_runner_new (db->conn, scorers);
  g_autoptr (GError) error = NULL;
  NtpmonScoreRunnerStats stats;
  guint64 scored = 0;
  gint64 start;

  if (concurrent)
    ntpmon_score_runner_set_concurrent (runner, db->config);
  /* the pages the set-up changed on disk, so that both runs start alike */
  test_db_exec (db, "FLUSH TABLES log_scores, server_scores, servers FOR EXPORT");
  test_db_exec (db, "UNLOCK TABLES");
  start = g_get_monotonic_time ();
  while (seconds_since (start) < budget ())
    {
      guint count = 0;

      ntpmon_score_runner_run (runner, NULL, &count, &error);
      g_assert_no_error (error);
      if (count == 0)
        break;
      scored += count;
    }
  *seconds = seconds_since (start);
  ntpmon_score_runner_get_stats (runner, &stats);
  *batches = stats.batches;
  return scored;
}

/* Back to before the first score: the scorers' rows gone, cursors at the
 * start, the tables rebuilt (their freed pages would make the next run
 * faster than one on fresh tables). */
static void
reset_scores (TestDb *db)
{
  test_db_exec (db, "DELETE ls FROM log_scores ls JOIN monitors m ON m.id = ls.monitor_id "
                    "WHERE m.type = 'score'");
  test_db_exec (db, "DELETE ss FROM server_scores ss JOIN monitors m ON m.id = ss.monitor_id "
                    "WHERE m.type = 'score'");
  test_db_exec (db, "UPDATE scorer_status SET log_score_id = (SELECT MIN(id) FROM log_scores)");
  test_db_exec (db, "UPDATE servers SET score_ts = NULL, score_raw = 0");
  test_db_exec (db, "OPTIMIZE TABLE log_scores, server_scores");
  test_db_exec (db, "ANALYZE TABLE log_scores, server_scores");
}

static void
print_scored (const gchar *how, guint64 scored, gdouble seconds, guint64 batches)
{
  g_print ("scorer: %s: %" G_GUINT64_FORMAT " rows scored (a row counts once per algorithm) in "
           "%.1f s, %" G_GUINT64_FORMAT " batches: %.0f rows/s; %.0f monitor rows/s through both "
           "algorithms (goal >= 10000: %s)\n",
           how, scored, seconds, batches, scored / seconds, scored / 2 / seconds,
           scored / 2 / seconds >= 10000 ? "met" : "NOT met");
}

static void
bench_scorer (TestDb *db)
{
  const gint64 n_rows = 200000, n_servers = 2000, n_monitors = 30;
  static const gchar *const log_scores_indexes[]
      = { "PRIMARY", "log_scores_server_ts_idx", "ts", "log_score_monitor_id_fk" };
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (GPtrArray) scorers = NULL;
  g_autoptr (NtpmonScoreRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  guint64 scored, batches, read = 0, from = 0;
  gdouble t_score, t_read;
  gint64 start;

  /* room for the tables (~150 MB at the end), as on a database server */
  test_db_exec (db, "SET GLOBAL innodb_buffer_pool_size = %" G_GINT64_FORMAT " * 1048576",
                env_int ("BENCH_BUFFER_POOL_MB", 256));
  for (gint64 m = 1; m <= n_monitors; m++)
    test_db_add_monitor (db, m, "monitor", "active", NULL, 0);
  test_db_exec (db,
                "INSERT INTO servers (id, ip, created_on) SELECT seq, CONCAT('10.', seq DIV 250, "
                "'.', seq MOD 250, '.1'), NOW() FROM seq_1_to_%" G_GINT64_FORMAT,
                n_servers);
  test_db_exec (db, "INSERT INTO server_scores (monitor_id, server_id, status, created_on) "
                    "SELECT m.id, s.id, 'active', NOW() FROM monitors m, servers s");
  test_db_exec (db,
                "INSERT INTO log_scores (monitor_id, server_id, ts, score, step, `offset`, rtt) "
                "SELECT 1 + seq MOD %" G_GINT64_FORMAT ", 1 + (seq DIV %" G_GINT64_FORMAT
                ") MOD %" G_GINT64_FORMAT ", NOW() - INTERVAL (%" G_GINT64_FORMAT
                " - seq) SECOND, 5 + (seq * 7) MOD 15, 1, 0.001, 1000 + seq MOD 5000 "
                "FROM seq_1_to_%" G_GINT64_FORMAT,
                n_monitors, n_monitors, n_servers, n_rows, n_rows);
  if (g_getenv ("BENCH_BATCH") != NULL)
    test_db_exec (db,
                  "INSERT INTO system_settings (`key`, value, created_on) VALUES ('scorer', "
                  "'{\"batch_size\": %d}', NOW())",
                  (gint)env_int ("BENCH_BATCH", 50));

  test_db_exec (db, "ANALYZE TABLE log_scores, server_scores, monitors, servers");
  /* into the buffer pool, with the secondary index changes of the load
   * merged, as on a running server */
  for (guint i = 0; i < G_N_ELEMENTS (log_scores_indexes); i++)
    test_db_int (db, "SELECT COUNT(*) FROM log_scores FORCE INDEX (%s)", log_scores_indexes[i]);
  test_db_int (db, "SELECT COUNT(*) FROM server_scores FORCE INDEX (monitor_id_2)");
  scorers = test_host_scorers (host);
  runner = ntpmon_score_runner_new (db->conn, scorers);
  ntpmon_score_runner_setup (runner, &error);
  g_assert_no_error (error);
  if (g_getenv ("BENCH_ONLY") != NULL)
    test_db_exec (db,
                  "UPDATE monitors SET status = 'paused' WHERE type = 'score' AND hostname != '%s'",
                  g_getenv ("BENCH_ONLY"));

  g_print ("scorer: %" G_GINT64_FORMAT " monitor rows, %" G_GINT64_FORMAT
           " servers, %" G_GINT64_FORMAT " monitors, batch size %d, 2 algorithms, InnoDB buffer "
           "pool %" G_GINT64_FORMAT " MB\n",
           n_rows, n_servers, n_monitors, (gint)env_int ("BENCH_BATCH", 50),
           test_db_int (db, "SELECT @@innodb_buffer_pool_size DIV 1048576"));
  scored = score_queue (db, host, TRUE, &t_score, &batches);
  print_scored ("algorithms concurrently (the default)", scored, t_score, batches);
  reset_scores (db);
  scored = score_queue (db, host, FALSE, &t_score, &batches);
  print_scored ("one algorithm after the other", scored, t_score, batches);

  start = g_get_monotonic_time ();
  while (seconds_since (start) < budget ())
    {
      g_autoptr (NtpmonDbStmt) st = NULL;
      guint n = 0;

      ntpmon_db_conn_begin (db->conn, &error);
      g_assert_no_error (error);
      st = ntpmon_db_conn_query (
          db->conn,
          "SELECT ls.id, ls.monitor_id, ls.server_id, ls.ts, ls.score, ls.step, ls.`offset`, "
          "ls.rtt, ls.attributes FROM log_scores ls USE INDEX (PRIMARY) STRAIGHT_JOIN monitors m "
          "FORCE INDEX (PRIMARY) ON m.id = ls.monitor_id AND m.type = 'monitor' WHERE ls.id > ? "
          "AND ls.id < (? + 10000) ORDER BY ls.id LIMIT ?",
          &error, "uui", from, from, env_int ("BENCH_BATCH", 50));
      g_assert_no_error (error);
      while (ntpmon_db_stmt_next (st, &error))
        {
          from = ntpmon_db_stmt_get_uint (st, 0);
          n++;
        }
      g_assert_no_error (error);
      ntpmon_db_conn_commit (db->conn, &error);
      g_assert_no_error (error);
      if (n == 0)
        break;
      read += n;
    }
  t_read = seconds_since (start);
  g_print ("scorer: plain SELECT per batch: read %" G_GUINT64_FORMAT " rows in %.1f s: "
           "%.0f rows/s (the practical limit)\n",
           read, t_read, read / t_read);
}

/* Milliseconds per server of running @sql (one server id bound) and
 * reading its rows, over servers 1..@n. */
static gdouble
time_query (TestDb *db, const gchar *sql, gint64 n)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  for (gint64 id = 1; id <= n; id++)
    {
      g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (db->conn, sql, &error, "i", id);

      g_assert_no_error (error);
      while (ntpmon_db_stmt_next (st, &error))
        ;
      g_assert_no_error (error);
    }
  return seconds_since (start) * 1000 / n;
}

/* EXPLAIN of @sql for server 1, one line per table. */
static void
print_explain (TestDb *db, const gchar *name, const gchar *sql)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *explain = g_strconcat ("EXPLAIN ", sql, NULL);
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (db->conn, explain, &error, "i", (gint64)1);

  g_assert_no_error (error);
  g_print ("selector: EXPLAIN %s (id, select_type, table, type, key, ref, rows, extra):\n", name);
  while (ntpmon_db_stmt_next (st, &error))
    g_print ("selector:   %s %s %s %s %s %s %s %s\n", ntpmon_db_stmt_get_text (st, 0),
             ntpmon_db_stmt_get_text (st, 1), ntpmon_db_stmt_get_text (st, 2),
             ntpmon_db_stmt_get_text (st, 3), ntpmon_db_stmt_get_text (st, 5),
             ntpmon_db_stmt_get_text (st, 7), ntpmon_db_stmt_get_text (st, 8),
             ntpmon_db_stmt_get_text (st, 9));
  g_assert_no_error (error);
}

/* Milliseconds per server of ntpmon_reviewer_review() over servers
 * 1..@n in a transaction that is rolled back. */
static gdouble
time_reviews (TestDb *db, NtpmonReviewer *reviewer, gint64 n, gboolean write)
{
  g_autoptr (GError) error = NULL;
  gint64 start;

  ntpmon_db_conn_begin (db->conn, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (gint64 id = 1; id <= n; id++)
    {
      NtpmonReviewResult *result = ntpmon_reviewer_review (reviewer, db->conn, id, write, &error);

      g_assert_no_error (error);
      ntpmon_review_result_free (result);
    }
  start = g_get_monotonic_time () - start;
  ntpmon_db_conn_rollback (db->conn, &error);
  g_assert_no_error (error);
  return start / 1000.0 / n;
}

static gboolean
review_done (gint64 server_id, NtpmonReviewResult *result, const GError *review_error,
             gpointer data, GError **error)
{
  g_assert_no_error (review_error);
  return TRUE;
}

/* Milliseconds per server of ntpmon_reviewer_review_each() on batches of
 * ten (inputs read up front), rolled back. */
static gdouble
time_review_each (TestDb *db, NtpmonReviewer *reviewer, gint64 n)
{
  g_autoptr (GError) error = NULL;
  gint64 start;

  ntpmon_db_conn_begin (db->conn, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (gint64 first = 1; first <= n; first += 10)
    {
      gint64 ids[10];

      for (guint i = 0; i < 10; i++)
        ids[i] = first + i;
      ntpmon_reviewer_review_each (reviewer, db->conn, ids, 10, TRUE, review_done, NULL, &error);
      g_assert_no_error (error);
    }
  start = g_get_monotonic_time () - start;
  ntpmon_db_conn_rollback (db->conn, &error);
  g_assert_no_error (error);
  return start / 1000.0 / (n - n % 10);
}

static void
selector_data (TestDb *db, gint64 n_servers, gint64 n_monitors, gint64 per_pair)
{
  /* per_pair results spread over the last 24 h, the monitors' results
   * spread within each interval */
  gint64 spacing = 86000 / per_pair, offset = spacing / (n_monitors + 1);

  for (gint64 m = 1; m <= n_monitors; m++)
    {
      g_autofree gchar *ip = g_strdup_printf ("172.%" G_GINT64_FORMAT ".0.1", 16 + m);
      test_db_add_monitor (db, m, "monitor", "active", ip, 100 + m);
    }
  test_db_exec (db,
                "INSERT INTO servers (id, ip, created_on) SELECT seq, CONCAT('10.', seq DIV 250, "
                "'.', seq MOD 250, '.1'), NOW() FROM seq_1_to_%" G_GINT64_FORMAT,
                n_servers);
  test_db_exec (db, "INSERT INTO server_scores (monitor_id, server_id, status, created_on) "
                    "SELECT m.id, s.id, ELT(1 + (m.id + s.id) MOD 3, 'active', 'testing', "
                    "'candidate'), NOW() FROM monitors m, servers s");
  /* in the order a live table has them: by time, all servers interleaved */
  test_db_exec (db,
                "INSERT INTO log_scores (monitor_id, server_id, ts, score, step, rtt) SELECT "
                "m.id, s.id, NOW() - INTERVAL (k.seq * %" G_GINT64_FORMAT
                " - m.id * %" G_GINT64_FORMAT ") SECOND, 10, "
                "IF((m.id * s.id) MOD 11 = 0, -1, 1), 1000 * (5 + (m.id * 37 + s.id) MOD 200) "
                "FROM seq_1_to_%" G_GINT64_FORMAT " k, monitors m, servers s "
                "ORDER BY k.seq DESC, m.id, s.id",
                spacing, offset, per_pair);
  test_db_exec (db, "INSERT INTO servers_monitor_review (server_id) SELECT id FROM servers");
  if (g_getenv ("BENCH_COVERING_INDEX") != NULL)
    test_db_exec (db, "ALTER TABLE log_scores ADD INDEX bench_selector_covering "
                      "(server_id, ts, monitor_id, step, rtt)");
  /* statistics as a long-running database has them */
  test_db_exec (db, "ANALYZE TABLE log_scores, server_scores, monitors, servers, accounts");
}

/*
 * The pool's monitors each submit about one result per server every 12 to
 * 15 minutes, ~100 per monitor and server in 24 h. The default here is 12
 * (one every 2 hours), which keeps the data set (1.2 million rows) quick to
 * build; BENCH_PER_PAIR=96 gives the pool's density (9.6 million rows, far
 * beyond the test server's 64 MB buffer pool).
 */
static void
bench_selector (TestDb *db)
{
  const gint64 n_servers = g_getenv ("BENCH_SMALL") ? 500 : 5000, n_monitors = 20;
  const gint64 per_pair = env_int ("BENCH_PER_PAIR", 12), n_probe = 300;
  const gint64 pool_mb = env_int ("BENCH_BUFFER_POOL_MB", 0);
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (NtpmonReviewer) reviewer = NULL;
  g_autoptr (NtpmonSelectorRunner) runner = NULL;
  g_autoptr (GPtrArray) constraints = NULL;
  g_autoptr (GError) error = NULL;
  PeasEngine *engine = ntpmon_host_get_engine (host);
  PeasPluginInfo *info = peas_engine_get_plugin_info (engine, "ntpmon-selector");
  const guint n_workers = (guint)CLAMP (env_int ("BENCH_SELECTOR_WORKERS", 2), 1, 8);
  NtpmonSelectorRunner *runners[8];
  NtpmonDbConn *conns[8];
  guint64 reviewed = 0, applied = 0, failed = 0;
  gdouble t, q_spec, q_port, decide, alone, each;
  g_autofree gchar *pool = NULL;
  gint64 start = g_get_monotonic_time ();

  if (pool_mb > 0)
    test_db_exec (db, "SET GLOBAL innodb_buffer_pool_size = %" G_GINT64_FORMAT " * 1048576",
                  pool_mb);
  selector_data (db, n_servers, n_monitors, per_pair);
  pool = test_db_text (db, "SELECT @@innodb_buffer_pool_size DIV 1048576");
  g_print ("selector: %" G_GINT64_FORMAT " servers x %" G_GINT64_FORMAT
           " monitors, %" G_GINT64_FORMAT
           " results per monitor and server in 24 h (one every %.0f min; the pool's "
           "monitors: one every 12-15 min), %" G_GINT64_FORMAT " log_scores rows, built in %.0f s; "
           "InnoDB buffer pool %s MB%s\n",
           n_servers, n_monitors, per_pair, 1440.0 / per_pair, n_servers * n_monitors * per_pair,
           seconds_since (start), pool,
           g_getenv ("BENCH_COVERING_INDEX") != NULL
               ? "; optional index (server_id, ts, monitor_id, step, rtt) on log_scores"
               : "");

  reviewer
      = NTPMON_REVIEWER (peas_engine_create_extension (engine, info, NTPMON_TYPE_REVIEWER, NULL));
  constraints = ntpmon_constraint_create_from_plugin (engine, info, &error);
  g_assert_no_error (error);
  ntpmon_reviewer_set_constraints (reviewer, constraints);
  runner = ntpmon_selector_runner_new (db->conn, reviewer);

  print_explain (db, "spec query", NTPMON_SELECTOR_SQL_GET_MONITORS_SPEC);
  print_explain (db, "port's query", NTPMON_SELECTOR_SQL_GET_MONITORS);
  /* where the time goes, over servers 1..n_probe (each phase warms the
   * next one's pages) */
  q_port = time_query (db, NTPMON_SELECTOR_SQL_GET_MONITORS, n_probe);
  q_spec = time_query (db, NTPMON_SELECTOR_SQL_GET_MONITORS_SPEC, n_probe);
  q_port = time_query (db, NTPMON_SELECTOR_SQL_GET_MONITORS, n_probe);
  decide = time_reviews (db, reviewer, n_probe, FALSE);
  alone = time_reviews (db, reviewer, n_probe, TRUE);
  each = time_review_each (db, reviewer, n_probe);
  g_print ("selector: per server (ms, servers 1-%" G_GINT64_FORMAT
           "): monitor query as the spec writes it %.2f; the port's query %.2f; "
           "load + engine %.2f (engine ~%.2f); + write-back %.2f (write-back ~%.2f); "
           "batches of 10 read up front + engine + write-back %.2f\n",
           n_probe, q_spec, q_port, decide, decide - q_port, alone, alone - decide, each);

  /* as `selector server` runs: [selector] workers (default 2) concurrent
   * batches, each runner with its own connection */
  runners[0] = g_steal_pointer (&runner);
  for (guint i = 1; i < n_workers; i++)
    {
      g_autoptr (NtpmonReviewer) r = NTPMON_REVIEWER (
          peas_engine_create_extension (engine, info, NTPMON_TYPE_REVIEWER, NULL));

      ntpmon_reviewer_set_constraints (r, constraints);
      conns[i] = ntpmon_db_conn_open (db->config, &error);
      g_assert_no_error (error);
      runners[i] = ntpmon_selector_runner_new (conns[i], r);
    }
  start = g_get_monotonic_time ();
  while (seconds_since (start) < budget ())
    {
      guint count = 0;

      ntpmon_selector_runner_run_batches (runners, n_workers, &count, &error);
      g_assert_no_error (error);
      if (count == 0)
        break;
      reviewed += count;
    }
  t = seconds_since (start);
  for (guint i = 0; i < n_workers; i++)
    {
      NtpmonSelectorRunnerStats one;

      ntpmon_selector_runner_get_stats (runners[i], &one);
      applied += one.changes_applied;
      failed += one.failed_servers;
      g_object_unref (runners[i]);
      if (i > 0)
        ntpmon_db_conn_free (conns[i]);
    }
  g_print ("selector: runner batches (10 servers, one transaction each, schedule updates "
           "included, %u at a time): reviewed %" G_GUINT64_FORMAT
           " servers in %.1f s: %.0f servers/s (%" G_GUINT64_FORMAT
           " changes applied, %" G_GUINT64_FORMAT " failed reviews)\n",
           n_workers, reviewed, t, reviewed / t, applied, failed);
  g_print ("selector: goal >= 500 servers/s: %s\n", reviewed / t >= 500 ? "met" : "NOT met");
}

int
main (int argc, char **argv)
{
  TestDb db = { 0 };

  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: bench-scorer scorer|selector");
  g_log_set_debug_enabled (FALSE);
  test_db_open (&db);
  if (g_str_equal (argv[1], "scorer"))
    bench_scorer (&db);
  else
    bench_selector (&db);
  test_db_close (&db);
  return 0;
}
