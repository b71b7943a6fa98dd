/* test-score-concurrent.c: the concurrent scorer runner on MariaDB
 *
 * SPDX-License-Identifier: MIT
 *
 * `scorer server` runs the algorithms' batches at the same time, each on
 * connections of its own, and reads an algorithm's next batch while the
 * current one is written. The rows it leaves must be those of one
 * algorithm after the other.
 */
#include "config.h"

#include "ntpmon-host.h"
#include "ntpmon-score-runner.h"
#include "scorer-db-test.h"

#define EVERY  900
#define MEDIAN 901

/* The same rows in any database: 4 monitors with various statuses, 9
 * servers, 300 results over 2 hours before @base (a few without rtt, some
 * at the same time), a gap of more than one id window, both scorers at the
 * start with some of their own rows present (one paused), batches of 13. */
static void
fill (TestDb *db, const gchar *base)
{
  static const gchar *const statuses[] = { "active", "testing", "candidate", "active" };

  for (gint m = 1; m <= 4; m++)
    {
      g_autofree gchar *ip = g_strdup_printf ("10.%d.0.1", m);

      test_db_add_monitor (db, m, "monitor", "active", ip, 0);
    }
  for (gint s = 1; s <= 9; s++)
    {
      g_autofree gchar *ip = g_strdup_printf ("192.0.2.%d", s);

      test_db_add_server (db, s, ip, 0);
      for (gint m = 1; m <= 4; m++)
        test_db_add_server_score (db, m, s, statuses[(m + s) % 4]);
    }
  for (gint i = 0; i < 300; i++)
    {
      gint64 id = 1 + i + (i >= 150 ? 20000 : 0);
      gint age = 7200 - 24 * i + (i % 5 == 0 ? 24 : 0);
      g_autofree gchar *rtt = i % 11 == 0 ? g_strdup ("NULL") : g_strdup_printf ("%d", 900 + i);

      test_db_exec (db,
                    "INSERT INTO log_scores (id, monitor_id, server_id, ts, score, step, `offset`, "
                    "rtt) VALUES (%" G_GINT64_FORMAT ", %d, %d, '%s' - INTERVAL %d SECOND, %d, %s, "
                    "0.001, %s)",
                    id, 1 + i % 4, 1 + (i / 3) % 9, base, age, (i * 7) % 20 - 2,
                    i % 13 == 0 ? "-4" : "1", rtt);
    }
  for (gint64 id = EVERY; id <= MEDIAN; id++)
    {
      test_db_exec (db,
                    "INSERT INTO monitors (id, type, hostname, tls_name, status, config, "
                    "created_on) VALUES (%" G_GINT64_FORMAT ", 'score', '%s', '%s', 'active', '', "
                    "NOW())",
                    id, id == EVERY ? "every" : "recentmedian", id == EVERY ? "e" : "r");
      test_db_exec (db,
                    "INSERT INTO scorer_status (scorer_id, log_score_id) VALUES (%" G_GINT64_FORMAT
                    ", 1)",
                    id);
    }
  test_db_add_server_score (db, EVERY, 2, "paused");
  test_db_add_server_score (db, MEDIAN, 3, "active");
  test_db_exec (db, "INSERT INTO system_settings (`key`, value, created_on) VALUES ('scorer', "
                    "'{\"batch_size\": 13}', NOW())");
}

/* Everything the scorers wrote, without the ids the order of concurrent
 * inserts decides (a row's own server_scores id in the attributes is
 * given as monitor/server). */
static gchar *
dump (TestDb *db)
{
  g_autoptr (GString) out = g_string_new (NULL);
  static const gchar *const queries[] = {
    "SELECT GROUP_CONCAT(CONCAT_WS(' ', ls.monitor_id, ls.server_id, ls.ts, ls.score, ls.step, "
    "IFNULL(ls.`offset`, '-'), IFNULL(ls.rtt, '-'), JSON_REMOVE(ls.attributes, '$.from_ss_id'), "
    "(SELECT CONCAT(ss.monitor_id, '/', ss.server_id) FROM server_scores ss WHERE ss.id = "
    "JSON_VALUE(ls.attributes, '$.from_ss_id'))) ORDER BY ls.monitor_id, ls.id SEPARATOR '\\n') "
    "FROM log_scores ls WHERE ls.monitor_id >= 900",
    "SELECT GROUP_CONCAT(CONCAT_WS(' ', monitor_id, server_id, IFNULL(score_ts, '-'), score_raw, "
    "status) ORDER BY monitor_id, server_id SEPARATOR '\\n') FROM server_scores",
    "SELECT GROUP_CONCAT(CONCAT_WS(' ', id, IFNULL(score_ts, '-'), score_raw) ORDER BY id "
    "SEPARATOR '\\n') FROM servers",
    "SELECT GROUP_CONCAT(CONCAT_WS(' ', scorer_id, log_score_id) ORDER BY scorer_id) FROM "
    "scorer_status",
  };

  test_db_exec (db, "SET SESSION group_concat_max_len = 1000000");
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree gchar *part = test_db_text (db, "%s", queries[i]);

      g_string_append_printf (out, "%s\n--\n", part);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Runs passes until the queue is empty; returns the runner's counters. */
static void
score_all (TestDb *db, NtpmonHost *host, gboolean concurrent, NtpmonScoreRunnerStats *stats)
{
  g_autoptr (GPtrArray) scorers = test_host_scorers (host);
  g_autoptr (NtpmonScoreRunner) runner = ntpmon_score_runner_new (db->conn, scorers);
  g_autoptr (GError) error = NULL;
  guint count = 1;

  ntpmon_score_runner_set_retry (runner, 10, 0);
  if (concurrent)
    {
      ntpmon_score_runner_set_concurrent (runner, db->config);
      /* no pass ends for its time: the test does not depend on speed */
      ntpmon_score_runner_set_pass_time (runner, G_MAXUINT);
    }
  while (count > 0)
    {
      ntpmon_score_runner_run (runner, NULL, &count, &error);
      g_assert_no_error (error);
    }
  ntpmon_score_runner_get_stats (runner, stats);
}

static void
test_same_rows (void)
{
  g_autoptr (NtpmonHost) host = test_host_new ();
  TestDb one = { 0 }, both = { 0 };
  NtpmonScoreRunnerStats stats_one, stats_both;
  g_autofree gchar *base = NULL;
  g_autofree gchar *want = NULL;
  g_autofree gchar *got = NULL;

  test_db_open (&one);
  test_db_open (&both);
  base = test_db_text (&one, "SELECT UTC_TIMESTAMP()");
  fill (&one, base);
  fill (&both, base);
  score_all (&one, host, FALSE, &stats_one);
  score_all (&both, host, TRUE, &stats_both);
  want = dump (&one);
  got = dump (&both);
  g_assert_cmpstr (got, ==, want);
  /* the algorithms take their locks in one order: no deadlock among them
   * (a retried batch loses log rows: the dedup state of §15 item 5) */
  g_assert_cmpuint (stats_both.deadlocks, ==, 0);
  /* one batch per algorithm and pass one after the other; concurrently,
   * a pass takes batches while they come full (the one after the id gap
   * comes short) */
  g_assert_cmpuint (stats_one.runs, >, stats_one.batches / 2);
  g_assert_cmpuint (stats_both.runs, <=, 3);
  /* both algorithms scored every row after their cursor (1), in batches of 13 */
  g_assert_cmpint (
      test_db_int (&both, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = %d", MEDIAN), ==,
      299);
  g_assert_cmpuint (stats_both.batches, ==, stats_one.batches);
  g_assert_cmpuint (stats_both.batches, >=, 2 * (299 / 13));
  g_assert_cmpuint (stats_one.batches_read_ahead, ==, 0);
  /* all but the first batch of each algorithm and the first after the
   * gap were read while the one before was written */
  g_assert_cmpuint (stats_both.batches_read_ahead, >=, stats_both.batches - 6);
  test_db_close (&one);
  test_db_close (&both);
}

/* Holds the `every` scorer's cursor row for a while. */
static gpointer
hold_cursor (gpointer data)
{
  TestDb *db = data;
  g_autoptr (GError) error = NULL;
  NtpmonDbConn *conn = ntpmon_db_conn_open (db->config, &error);

  g_assert_no_error (error);
  ntpmon_db_conn_begin (conn, &error);
  g_assert_no_error (error);
  ntpmon_db_conn_exec (conn, "SELECT * FROM scorer_status WHERE scorer_id = ? FOR UPDATE", NULL,
                       &error, "i", (gint64)EVERY);
  g_assert_no_error (error);
  g_usleep (1500 * 1000);
  ntpmon_db_conn_rollback (conn, NULL);
  ntpmon_db_conn_free (conn);
  return NULL;
}

/* A batch that waited too long for a lock is tried again at once, not
 * after the retry policy's seconds (here: no second attempt at all). */
static void
test_lock_wait_retried (void)
{
  g_autoptr (NtpmonHost) host = test_host_new ();
  g_autoptr (GPtrArray) scorers = test_host_scorers (host);
  g_autoptr (NtpmonScoreRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *base = NULL;
  GThread *holder;
  TestDb db = { 0 };
  guint count = 0;

  test_db_open (&db);
  base = test_db_text (&db, "SELECT UTC_TIMESTAMP()");
  fill (&db, base);
  test_db_exec (&db, "SET GLOBAL innodb_lock_wait_timeout = 1");
  runner = ntpmon_score_runner_new (db.conn, scorers);
  ntpmon_score_runner_set_retry (runner, 10, 0);
  ntpmon_score_runner_set_concurrent (runner, db.config);
  ntpmon_score_runner_set_pass_time (runner, 0); /* one batch each */
  holder = g_thread_new ("holder", hold_cursor, &db);
  g_usleep (200 * 1000);
  ntpmon_score_runner_run (runner, NULL, &count, &error);
  g_thread_join (holder);
  test_db_exec (&db, "SET GLOBAL innodb_lock_wait_timeout = 50");
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 26);
  g_assert_cmpuint (ntpmon_score_runner_get_retries (runner, "every"), >=, 1);
  g_assert_cmpuint (ntpmon_score_runner_get_retries (runner, "recentmedian"), ==, 0);
  g_assert_cmpint (
      test_db_int (&db, "SELECT log_score_id FROM scorer_status WHERE scorer_id = %d", EVERY), ==,
      14);
  g_clear_object (&runner);
  test_db_close (&db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scorer/concurrent/same-rows-as-one-after-the-other", test_same_rows);
  g_test_add_func ("/scorer/concurrent/lock-wait-retried-at-once", test_lock_wait_retried);
  return g_test_run ();
}
