/* test-selector-batch.c: the selector's batch path against the one-server
 * path on MariaDB (spec/selector.md §3.1, §4.2)
 *
 * A batch reads the inputs of its servers up front with a query of its own
 * (ntpmon-selector-loader.c); `selector once SERVER_ID` reads one server
 * with the one-server query. Both must give the same change lists and the
 * same database state, and the port's monitor query must return the rows
 * of the spec's query.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>

#include "ntpmon-constraint.h"
#include "ntpmon-host.h"
#include "ntpmon-reviewer.h"
#include "ntpmon-selector-review.h"
#include "ntpmon-selector-runner.h"
#include "scorer-db-test.h"

#define N_SERVERS   12
#define NULL_SERVER 7 /* one of its monitors has only NULL RTTs */

/* "applied status change" records by server: server id -> GString
 * (written by concurrent batches too) */
static GHashTable *applied;
static GMutex applied_lock;

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  const gchar *message = NULL, *server = NULL, *monitor = NULL, *from = NULL, *to = NULL,
              *reason = NULL;
  GString *list;

  for (gsize i = 0; i < n_fields; i++)
    {
      const gchar *key = fields[i].key, *value = fields[i].value;

      if (fields[i].length >= 0)
        continue;
      if (g_str_equal (key, "MESSAGE"))
        message = value;
      else if (g_str_equal (key, "SERVER_ID"))
        server = value;
      else if (g_str_equal (key, "MONITOR_ID"))
        monitor = value;
      else if (g_str_equal (key, "FROM"))
        from = value;
      else if (g_str_equal (key, "TO"))
        to = value;
      else if (g_str_equal (key, "REASON"))
        reason = value;
    }
  if (message == NULL || !g_str_has_prefix (message, "applied status change") || server == NULL)
    return g_log_writer_default (level, fields, n_fields, data);
  g_mutex_lock (&applied_lock);
  list = g_hash_table_lookup (applied, server);
  if (list == NULL)
    g_hash_table_insert (applied, g_strdup (server), list = g_string_new (NULL));
  g_string_append_printf (list, "%s %s>%s %s; ", monitor, from, to, reason);
  g_mutex_unlock (&applied_lock);
  return G_LOG_WRITER_HANDLED;
}

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

/* The changes applied to each server, one line per server. */
static gchar *
take_applied (void)
{
  GString *out = g_string_new (NULL);

  for (gint64 s = 1; s <= N_SERVERS; s++)
    {
      g_autofree gchar *key = g_strdup_printf ("%" G_GINT64_FORMAT, s);
      GString *list = g_hash_table_lookup (applied, key);

      g_string_append_printf (out, "%s: %s\n", key, list != NULL ? list->str : "");
    }
  g_hash_table_remove_all (applied);
  return g_string_free (out, FALSE);
}

/*
 * Twelve servers, fifteen monitors (one a scorer), reviewed from scratch:
 * - monitors 1-4 of account 500 (limit 3), 5-8 of account 501 (no flags),
 *   9-10 of account 502 (flags not an object) and in one /20; 13 is
 *   globally paused, 14 globally testing, 15 is a scorer;
 * - server 5 shares monitor 3's /24, server 6 monitor 1's account;
 * - server_scores statuses vary, some rows are missing, some hold a stored
 *   violation or a constraint pause;
 * - monitors m and m + 4 tie on priority, step and RTT where both have
 *   rows (same RTTs and steps, counts differ);
 * - server 7: monitor 2 has only NULL RTTs, its review fails; server 8:
 *   monitor 3 has some NULL RTTs; server 9 has no results at all;
 * - results older than 24 h, and a result without a monitor.
 */
static void
add_data_set (TestDb *db)
{
  test_db_exec (db, "INSERT INTO accounts (id, flags, created_on) VALUES "
                    "(500, '{\"monitors_per_server_limit\": 3}', NOW()), (501, NULL, NOW()), "
                    "(502, '\"x\"', NOW())");
  test_db_exec (db, "INSERT INTO servers (id, ip, account_id, created_on) SELECT seq, "
                    "IF(seq = 5, '10.3.0.9', CONCAT('10.200.', seq, '.1')), "
                    "IF(seq = 6, 500, NULL), NOW() FROM seq_1_to_12");
  test_db_exec (db, "INSERT INTO monitors (id, id_token, type, account_id, hostname, ip, tls_name, "
                    "status, config, created_on) SELECT seq, CONCAT('tok', seq), "
                    "IF(seq = 15, 'score', 'monitor'), CASE WHEN seq <= 4 THEN 500 WHEN seq <= 8 "
                    "THEN 501 WHEN seq <= 10 THEN 502 END, CONCAT('m', seq), "
                    "IF(seq = 10, '10.9.1.1', CONCAT('10.', seq, '.0.1')), "
                    "CONCAT('m', seq, '.test'), ELT(1 + (seq = 13) + 2 * (seq = 14), 'active', "
                    "'paused', 'testing'), '', NOW() FROM seq_1_to_15");
  test_db_exec (db, "INSERT INTO server_scores (monitor_id, server_id, score_raw, status, "
                    "created_on, constraint_violation_type, constraint_violation_since, "
                    "last_constraint_check, pause_reason) SELECT m.seq, s.seq, 10, "
                    "ELT(1 + (m.seq * 7 + s.seq) MOD 4, 'active', 'testing', 'candidate', "
                    "'paused'), NOW(), IF((m.seq * s.seq) MOD 13 = 0, 'limit', NULL), "
                    "IF((m.seq * s.seq) MOD 13 = 0, NOW() - INTERVAL 2 DAY, NULL), "
                    "IF((m.seq * 7 + s.seq) MOD 4 = 3, NOW() - INTERVAL 10 HOUR, NULL), "
                    "IF((m.seq * 7 + s.seq) MOD 8 = 3, 'constraint', NULL) "
                    "FROM seq_1_to_15 m, seq_1_to_12 s WHERE (m.seq + s.seq) MOD 9 != 0");
  test_db_exec (db, "INSERT INTO log_scores (monitor_id, server_id, ts, score, step, rtt) SELECT "
                    "m.seq, s.seq, NOW() - INTERVAL k.seq * 20 MINUTE, 10, "
                    "IF((m.seq + 2 * s.seq) MOD 7 = 0, -1, IF(m.seq MOD 3 = 0, 0.5, 1)), "
                    "IF(s.seq = 7 AND m.seq = 2, NULL, IF(s.seq = 8 AND m.seq = 3 AND k.seq MOD 2 "
                    "= 0, NULL, 1000 * (10 + (m.seq MOD 4) * 5))) "
                    "FROM seq_1_to_15 m, seq_1_to_12 s, seq_1_to_45 k "
                    "WHERE (m.seq + 3 * s.seq) MOD 5 != 0 AND s.seq != 9 "
                    "AND k.seq <= 5 + (m.seq + s.seq) MOD 40");
  test_db_exec (db, "INSERT INTO log_scores (monitor_id, server_id, ts, score, step, rtt) SELECT "
                    "1, seq, NOW() - INTERVAL 30 HOUR, 10, -1, 999000 FROM seq_1_to_12");
  test_db_exec (db, "INSERT INTO log_scores (monitor_id, server_id, ts, score, step, rtt) "
                    "VALUES (NULL, 1, NOW(), 10, -1, 1000)");
  test_db_exec (db, "INSERT INTO servers_monitor_review (server_id) SELECT id FROM servers");
}

/* server_scores after the reviews (times as n(ull)/old/new). */
static gchar *
dump_scores (TestDb *db)
{
  test_db_exec (db, "SET SESSION group_concat_max_len = 1000000");
  return test_db_text (
      db, "SELECT GROUP_CONCAT(CONCAT_WS('/', server_id, monitor_id, status, "
          "COALESCE(constraint_violation_type, '-'), COALESCE(pause_reason, '-'), "
          "IF(constraint_violation_since IS NULL, 'n', IF(constraint_violation_since < NOW() - "
          "INTERVAL 1 HOUR, 'old', 'new')), IF(last_constraint_check IS NULL, 'n', "
          "IF(last_constraint_check < NOW() - INTERVAL 1 HOUR, 'old', 'new'))) "
          "ORDER BY server_id, monitor_id SEPARATOR '\\n') FROM server_scores");
}

static NtpmonSelectorRunner *
runner_new_on (NtpmonHost *host, NtpmonDbConn *conn)
{
  PeasEngine *engine = ntpmon_host_get_engine (host);
  PeasPluginInfo *info = peas_engine_get_plugin_info (engine, "ntpmon-selector");
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonReviewer) reviewer = NULL;
  g_autoptr (GPtrArray) constraints = NULL;

  g_assert_nonnull (info);
  reviewer
      = NTPMON_REVIEWER (peas_engine_create_extension (engine, info, NTPMON_TYPE_REVIEWER, NULL));
  constraints = ntpmon_constraint_create_from_plugin (engine, info, &error);
  g_assert_no_error (error);
  ntpmon_reviewer_set_constraints (reviewer, constraints);
  return ntpmon_selector_runner_new (conn, reviewer);
}

static NtpmonSelectorRunner *
runner_new (NtpmonHost *host, TestDb *db)
{
  return runner_new_on (host, db->conn);
}

/* Every server reviewed once by one runner: the reference outcome. */
static void
review_one_by_one (NtpmonHost *host, TestDb *db, gchar **changes, gchar **scores,
                   NtpmonSelectorRunnerStats *stats)
{
  g_autoptr (NtpmonSelectorRunner) runner = runner_new (host, db);

  for (gint64 s = 1; s <= N_SERVERS; s++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = ntpmon_selector_runner_run_server (runner, s, NULL, &error);

      /* only the server whose monitor has no priority fails */
      g_assert_true (ok == (s != NULL_SERVER));
      g_assert_true (ok == (error == NULL));
    }
  *changes = take_applied ();
  *scores = dump_scores (db);
  ntpmon_selector_runner_get_stats (runner, stats);
}

/* `selector once SERVER_ID` for every server against the batches of
 * `selector once`/`server`: same changes, same server_scores, and the
 * server whose monitor has no priority fails alone. */
static void
test_batch_same_as_one_by_one (void)
{
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (NtpmonSelectorRunner) batch_runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *one_changes = NULL, *batch_changes = NULL;
  g_autofree gchar *one_scores = NULL, *batch_scores = NULL;
  NtpmonSelectorRunnerStats one_stats, batch_stats;
  TestDb one = { 0 }, batch = { 0 };
  guint count, total = 0, batches = 0;

  test_db_open (&one);
  test_db_open (&batch);
  add_data_set (&one);
  add_data_set (&batch);
  batch_runner = runner_new (host, &batch);

  review_one_by_one (host, &one, &one_changes, &one_scores, &one_stats);

  do
    {
      ntpmon_selector_runner_run_batch (batch_runner, &count, &error);
      g_assert_no_error (error);
      total += count;
      batches++;
    }
  while (count > 0);
  batch_changes = take_applied ();
  batch_scores = dump_scores (&batch);

  g_assert_cmpuint (total, ==, N_SERVERS);
  g_assert_cmpuint (batches, ==, 3); /* 10 + 2 + the empty one */
  g_assert_cmpstr (batch_changes, ==, one_changes);
  g_assert_cmpstr (batch_scores, ==, one_scores);
  /* the data set is not trivial: several servers changed, violations were
   * tracked, the NULL server changed nothing */
  g_assert_nonnull (strstr (one_changes, "\n7: \n"));
  g_assert_cmpuint (strlen (one_changes), >, 500);
  g_assert_nonnull (strstr (one_scores, "/network_same_subnet/constraint/"));
  g_assert_nonnull (strstr (one_scores, "/limit/"));
  g_assert_nonnull (strstr (one_scores, "/network_diversity/"));
  g_assert_nonnull (strstr (one_scores, "/account/constraint/"));

  ntpmon_selector_runner_get_stats (batch_runner, &batch_stats);
  g_assert_cmpuint (batch_stats.servers, ==, N_SERVERS - 1);
  g_assert_cmpuint (batch_stats.failed_servers, ==, 1);
  g_assert_cmpuint (one_stats.servers, ==, N_SERVERS - 1);
  g_assert_cmpuint (batch_stats.changes_applied, ==, one_stats.changes_applied);
  g_assert_cmpuint (batch_stats.changes_applied, >, 10);
  g_assert_cmpuint (batch_stats.monitors_evaluated, ==, one_stats.monitors_evaluated);
  g_assert_cmpuint (batch_stats.violations, ==, one_stats.violations);
  /* every server was rescheduled by the batches, the failed one as
   * unchanged (§3.1 steps 3 and 4) */
  g_assert_cmpint (test_db_int (&batch, "SELECT COUNT(*) FROM servers_monitor_review WHERE "
                                        "last_review IS NOT NULL AND next_review > NOW()"),
                   ==, N_SERVERS);
  g_assert_cmpint (test_db_int (&batch,
                                "SELECT last_change IS NULL FROM servers_monitor_review "
                                "WHERE server_id = %d",
                                NULL_SERVER),
                   ==, 1);
  g_assert_cmpint (test_db_int (&batch, "SELECT COUNT(*) FROM servers_monitor_review WHERE "
                                        "last_change IS NOT NULL"),
                   ==,
                   test_db_int (&one, "SELECT COUNT(*) FROM servers_monitor_review WHERE "
                                      "last_change IS NOT NULL"));
  test_db_close (&one);
  test_db_close (&batch);
}

/* `selector server` with two concurrent batches (two connections): every
 * server reviewed exactly once, with the decisions of one-by-one reviews. */
static void
test_batch_concurrent (void)
{
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *one_changes = NULL, *one_scores = NULL;
  g_autofree gchar *changes = NULL, *scores = NULL;
  g_autoptr (NtpmonDbConn) second = NULL;
  NtpmonSelectorRunner *runners[2];
  TestDb one = { 0 }, batch = { 0 };
  NtpmonSelectorRunnerStats one_stats;
  guint64 servers = 0, failed = 0, n_applied = 0;
  guint count, total = 0;

  test_db_open (&one);
  test_db_open (&batch);
  add_data_set (&one);
  add_data_set (&batch);
  review_one_by_one (host, &one, &one_changes, &one_scores, &one_stats);

  second = ntpmon_db_conn_open (batch.config, &error);
  g_assert_no_error (error);
  runners[0] = runner_new (host, &batch);
  runners[1] = runner_new_on (host, second);
  do
    {
      g_assert_true (ntpmon_selector_runner_run_batches (runners, 2, &count, &error));
      g_assert_no_error (error);
      total += count;
    }
  while (count > 0);
  changes = take_applied ();
  scores = dump_scores (&batch);
  for (guint i = 0; i < 2; i++)
    {
      NtpmonSelectorRunnerStats stats;

      ntpmon_selector_runner_get_stats (runners[i], &stats);
      servers += stats.servers;
      failed += stats.failed_servers;
      n_applied += stats.changes_applied;
      g_object_unref (runners[i]);
    }
  g_assert_cmpuint (total, ==, N_SERVERS);
  g_assert_cmpuint (servers, ==, N_SERVERS - 1);
  g_assert_cmpuint (failed, ==, 1);
  g_assert_cmpuint (n_applied, ==, one_stats.changes_applied);
  g_assert_cmpstr (changes, ==, one_changes);
  g_assert_cmpstr (scores, ==, one_scores);
  test_db_close (&one);
  test_db_close (&batch);
}

typedef struct
{
  TestDb *db;
  gint64 server_id, monitor_id;
  gint held;
} Hold;

/* The transaction that waits for a lock, 0 when none. InnoDB refreshes
 * the table at most every 100 ms, and only when it was not read for that
 * long: callers poll more slowly. */
static guint64
waiting_trx (NtpmonDbConn *conn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn, "SELECT CAST(trx_id AS UNSIGNED), trx_state FROM information_schema.INNODB_TRX", &error,
      "");
  guint64 id = 0;

  g_assert_no_error (error);
  while (ntpmon_db_stmt_next (st, &error))
    if (g_strcmp0 (ntpmon_db_stmt_get_text (st, 1), "LOCK WAIT") == 0)
      id = ntpmon_db_stmt_get_uint (st, 0);
  g_assert_no_error (error);
  return id;
}

/* Holds a server_scores row until the first transaction that waits for it
 * has given up (its lock wait timed out), then lets it go. */
static gpointer
hold_row (gpointer data)
{
  Hold *hold = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConn) holder = ntpmon_db_conn_open (hold->db->config, &error);
  g_autoptr (NtpmonDbConn) watcher = ntpmon_db_conn_open (hold->db->config, &error);
  guint64 first = 0, now;
  gint64 give_up;

  g_assert_no_error (error);
  g_assert_true (ntpmon_db_conn_begin (holder, &error));
  {
    g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
        holder, "SELECT id FROM server_scores WHERE server_id = ? AND monitor_id = ? FOR UPDATE",
        &error, "ii", hold->server_id, hold->monitor_id);

    g_assert_no_error (error);
    g_assert_true (ntpmon_db_stmt_fetch_one (st, &error));
  }
  g_atomic_int_set (&hold->held, 1);
  /* a guard against a hang, not a timing assumption */
  give_up = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((first = waiting_trx (watcher)) == 0)
    {
      if (g_get_monotonic_time () > give_up)
        g_error ("the batch never waited for server %" G_GINT64_FORMAT "'s row", hold->server_id);
      g_usleep (150 * 1000);
    }
  while ((now = waiting_trx (watcher)) == first)
    g_usleep (150 * 1000);
  g_assert_true (ntpmon_db_conn_rollback (holder, &error));
  return NULL;
}

/* Metrics as text, without the review times (which differ run to run). */
static gchar *
render_counts (NtpmonMetrics *metrics)
{
  g_autofree gchar *text = ntpmon_metrics_render (metrics);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_str_has_prefix (lines[i], "selector_process_duration_seconds_bucket")
        && !g_str_has_prefix (lines[i], "selector_process_duration_seconds_sum"))
      g_string_append_printf (out, "%s\n", lines[i]);
  return g_string_free (out, FALSE);
}

/* A batch that a lock wait timeout rolls back part way (a server's row
 * held by another transaction) is tried again, and the servers it had
 * reviewed before are counted once, in the stats and in the metrics: the
 * same as a batch that met no lock. */
static void
test_batch_retried_counts_once (void)
{
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (NtpmonSelectorRunner) ref_runner = NULL, runner = NULL;
  g_autoptr (NtpmonMetrics) ref_metrics = ntpmon_metrics_new ();
  g_autoptr (NtpmonMetrics) metrics = ntpmon_metrics_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ref_changes = NULL, *ref_counts = NULL, *counts = NULL;
  g_auto (GStrv) lines = NULL;
  NtpmonSelectorRunnerStats ref_stats, stats;
  TestDb ref = { 0 }, db = { 0 };
  Hold hold = { &db, 0, 0, 0 };
  GThread *holder;
  guint ref_count = 0, count = 0;

  test_db_open (&ref);
  test_db_open (&db);
  add_data_set (&ref);
  add_data_set (&db);
  ref_runner = runner_new (host, &ref);
  ntpmon_selector_runner_set_metrics (ref_runner, ref_metrics);
  g_assert_true (ntpmon_selector_runner_run_batch (ref_runner, &ref_count, &error));
  g_assert_no_error (error);
  ref_changes = take_applied ();
  ntpmon_selector_runner_get_stats (ref_runner, &ref_stats);
  ref_counts = render_counts (ref_metrics);

  /* the last server of the batch with two changes or more (their write,
   * all at once, passes a lock wait up; a single change's failure is
   * counted as failed instead): its row is written after the reviews of
   * several others */
  lines = g_strsplit (ref_changes, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gint64 server = 0, monitor = 0;

      if (sscanf (lines[i], "%" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " ", &server, &monitor) == 2
          && server <= 10 && strchr (strchr (lines[i], ';') + 1, ';') != NULL)
        hold = (Hold){ &db, server, monitor, 0 };
    }
  g_assert_cmpint (hold.server_id, >, 2);

  test_db_exec (&db, "SET SESSION innodb_lock_wait_timeout = 1");
  runner = runner_new (host, &db);
  ntpmon_selector_runner_set_metrics (runner, metrics);
  holder = g_thread_new ("holder", hold_row, &hold);
  while (!g_atomic_int_get (&hold.held))
    g_usleep (1000);
  g_assert_true (ntpmon_selector_runner_run_batch (runner, &count, &error));
  g_assert_no_error (error);
  g_thread_join (holder);
  take_applied ();

  ntpmon_selector_runner_get_stats (runner, &stats);
  g_assert_cmpuint (count, ==, ref_count);
  g_assert_cmpuint (stats.batches, ==, 1);
  g_assert_cmpuint (stats.servers, ==, ref_stats.servers);
  g_assert_cmpuint (stats.failed_servers, ==, ref_stats.failed_servers);
  g_assert_cmpuint (stats.monitors_evaluated, ==, ref_stats.monitors_evaluated);
  g_assert_cmpuint (stats.changes_applied, ==, ref_stats.changes_applied);
  g_assert_cmpuint (stats.violations, ==, ref_stats.violations);
  counts = render_counts (metrics);
  g_assert_cmpstr (counts, ==, ref_counts);
  g_assert_nonnull (strstr (counts, "selector_changes_applied_total"));
  test_db_close (&ref);
  test_db_close (&db);
}

/* A batch leaves the servers that another batch holds (FOR UPDATE SKIP
 * LOCKED) and takes the next due ones. */
static void
test_batch_skips_locked (void)
{
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (NtpmonSelectorRunner) runner = NULL;
  g_autoptr (NtpmonDbConn) holder = NULL;
  g_autoptr (GError) error = NULL;
  TestDb db = { 0 };
  guint count = 0;

  test_db_open (&db);
  add_data_set (&db);
  holder = ntpmon_db_conn_open (db.config, &error);
  g_assert_no_error (error);
  g_assert_true (ntpmon_db_conn_begin (holder, &error));
  /* record locks only: one primary key lookup each */
  for (gint64 id = 1; id <= 3; id++)
    {
      g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
          holder, "SELECT server_id FROM servers_monitor_review WHERE server_id = ? FOR UPDATE",
          &error, "i", id);

      g_assert_no_error (error);
      g_assert_true (ntpmon_db_stmt_fetch_one (st, &error));
    }

  runner = runner_new (host, &db);
  g_assert_true (ntpmon_selector_runner_run_batch (runner, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, N_SERVERS - 3);
  g_assert_cmpint (test_db_int (&db, "SELECT COUNT(*) FROM servers_monitor_review WHERE "
                                     "last_review IS NOT NULL AND server_id > 3"),
                   ==, N_SERVERS - 3);
  g_assert_true (ntpmon_db_conn_rollback (holder, &error));
  g_assert_true (ntpmon_selector_runner_run_batch (runner, &count, &error));
  g_assert_cmpuint (count, ==, 3);
  g_assert_cmpint (test_db_int (&db, "SELECT COUNT(*) FROM servers_monitor_review WHERE "
                                     "last_review IS NULL"),
                   ==, 0);
  take_applied ();
  test_db_close (&db);
}

static gint
compare_lines (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* One server's rows of @sql, one line each; the spec's ORDER BY keys
 * (healthy, priority, avg_step, avg_rtt) into @keys. */
static gchar *
query_rows (TestDb *db, const gchar *sql, gint64 server_id, GString *keys)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (db->conn, sql, &error, "i", server_id);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  while (ntpmon_db_stmt_next (st, &error))
    {
      GString *line = g_string_new (NULL);

      /* the port's query has the server id as an 18th column */
      for (guint i = 0; i < 17; i++)
        g_string_append_printf (line, "%s|", ntpmon_db_stmt_get_text (st, i));
      g_ptr_array_add (lines, g_string_free (line, FALSE));
      g_string_append_printf (keys, "%s %s %s %s; ", ntpmon_db_stmt_get_text (st, 8),
                              ntpmon_db_stmt_get_text (st, 6), ntpmon_db_stmt_get_text (st, 7),
                              ntpmon_db_stmt_get_text (st, 5));
    }
  g_assert_no_error (error);
  /* rows that tie on all keys may come in any order (§4.2) */
  g_ptr_array_sort (lines, compare_lines);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (gchar **)lines->pdata);
}

/* §4.2: the port's GetMonitorPriority returns the spec query's rows, values
 * and order (up to rows that tie on every ORDER BY key). */
static void
test_query_same_rows_as_spec (void)
{
  TestDb db = { 0 };
  guint tied = 0;

  test_db_open (&db);
  add_data_set (&db);
  for (gint64 s = 1; s <= N_SERVERS; s++)
    {
      g_autoptr (GString) spec_keys = g_string_new (NULL);
      g_autoptr (GString) port_keys = g_string_new (NULL);
      g_autofree gchar *spec
          = query_rows (&db, NTPMON_SELECTOR_SQL_GET_MONITORS_SPEC, s, spec_keys);
      g_autofree gchar *port = query_rows (&db, NTPMON_SELECTOR_SQL_GET_MONITORS, s, port_keys);
      g_auto (GStrv) keys = g_strsplit (port_keys->str, "; ", -1);

      g_assert_cmpstr (port, ==, spec);
      g_assert_cmpstr (port_keys->str, ==, spec_keys->str);
      g_assert_cmpuint (strlen (spec) > 0, ==, s != 9);
      for (guint i = 1; keys[0] != NULL && keys[i] != NULL && *keys[i] != '\0'; i++)
        tied += g_str_equal (keys[i], keys[i - 1]);
    }
  /* the data set has ties, NULL priorities and unhealthy monitors */
  g_assert_cmpuint (tied, >, 5);
  g_assert_cmpint (test_db_int (&db, "SELECT COUNT(*) FROM log_scores WHERE rtt IS NULL"), >, 0);
  test_db_close (&db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, string_free);
  g_log_set_writer_func (writer, NULL, NULL);
  test_db_server ();
  g_test_add_func ("/selector/batch/same-as-one-by-one", test_batch_same_as_one_by_one);
  g_test_add_func ("/selector/batch/query-same-rows-as-spec", test_query_same_rows_as_spec);
  g_test_add_func ("/selector/batch/concurrent", test_batch_concurrent);
  g_test_add_func ("/selector/batch/skips-locked", test_batch_skips_locked);
  g_test_add_func ("/selector/batch/retried-counts-once", test_batch_retried_counts_once);
  return g_test_run ();
}
