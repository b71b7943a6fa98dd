/* test-score-runner.c: the scorer runner on MariaDB (spec/scorer.md §16.10)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-host.h"
#include "ntpmon-score-runner-private.h"
#include "ntpmon-reviewer.h"
#include "scorer-db-test.h"

#define EVERY  900
#define MEDIAN 901

/* g_test_expect_message() does not see structured logging: warnings are
 * caught here; everything else goes to the default writer. */
static GPtrArray *caught_warnings;

static GLogWriterOutput
test_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (caught_warnings != NULL && (level & G_LOG_LEVEL_WARNING))
    {
      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "MESSAGE"))
          g_ptr_array_add (caught_warnings, g_strdup (fields[i].value));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_one_warning (const gchar *pattern)
{
  g_assert_cmpuint (caught_warnings->len, ==, 1);
  g_assert_true (g_pattern_match_simple (pattern, caught_warnings->pdata[0]));
  g_ptr_array_set_size (caught_warnings, 0);
}

typedef struct
{
  TestDb db;
  NtpmonHost *host;
  GPtrArray *scorers;
  NtpmonScoreRunner *runner;
} Fixture;

static GPtrArray *
plugin_scorers (NtpmonHost *host)
{
  g_autoptr (GKeyFile) empty = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  PeasPluginInfo *info;
  GPtrArray *scorers;

  ntpmon_host_apply_config (host, empty, &error);
  g_assert_no_error (error);
  info = peas_engine_get_plugin_info (ntpmon_host_get_engine (host), "ntpmon-scorer");
  g_assert_nonnull (info);
  scorers = ntpmon_scorer_create_from_plugin (ntpmon_host_get_engine (host), info, &error);
  g_assert_no_error (error);
  return scorers;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  test_db_open (&f->db);
  f->host = ntpmon_host_new ("scorer", NULL);
  f->scorers = plugin_scorers (f->host);
  f->runner = ntpmon_score_runner_new (f->db.conn, f->scorers);
  ntpmon_score_runner_set_retry (f->runner, 10, 0);
  test_db_add_monitor (&f->db, 1, "monitor", "active", "10.1.0.1", 0);
  test_db_add_monitor (&f->db, 2, "monitor", "active", "10.2.0.1", 0);
  test_db_add_server (&f->db, 1, "192.0.2.1", 0);
  test_db_add_server (&f->db, 2, "192.0.2.2", 0);
  test_db_add_server_score (&f->db, 1, 1, "active");
  test_db_add_server_score (&f->db, 1, 2, "active");
  test_db_add_server_score (&f->db, 2, 2, "paused");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->runner);
  g_clear_pointer (&f->scorers, g_ptr_array_unref);
  g_clear_object (&f->host);
  test_db_close (&f->db);
}

static void
add_scorer (Fixture *f, gint64 id, const gchar *name, gint64 cursor)
{
  test_db_exec (&f->db,
                "INSERT INTO monitors (id, type, hostname, tls_name, status, config, created_on) "
                "VALUES (%" G_GINT64_FORMAT ", 'score', '%s', '%s.scores.ntp.dev', 'active', '', "
                "NOW())",
                id, name, name);
  test_db_exec (&f->db,
                "INSERT INTO scorer_status (scorer_id, log_score_id) VALUES (%" G_GINT64_FORMAT
                ", %" G_GINT64_FORMAT ")",
                id, cursor);
}

/* The `every` scorer at cursor 1000 and one monitor row (1001) for it. */
static void
every_and_one_row (Fixture *f)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  test_db_add_log_score (&f->db, 1001, 1, 1, 10, 10, 1, 1000);
}

/* Another connection with a transaction begun. */
static NtpmonDbConn *
open_begun (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  NtpmonDbConn *conn = ntpmon_db_conn_open (f->db.config, &error);

  g_assert_no_error (error);
  ntpmon_db_conn_begin (conn, &error);
  g_assert_no_error (error);
  return conn;
}

static gint64
cursor (Fixture *f, gint64 scorer)
{
  return test_db_int (
      &f->db, "SELECT log_score_id FROM scorer_status WHERE scorer_id = %" G_GINT64_FORMAT, scorer);
}

static guint
run_pass (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  guint count = 0;

  ntpmon_score_runner_run (f->runner, NULL, &count, &error);
  g_assert_no_error (error);
  return count;
}

static gint64
scored_rows (Fixture *f, gint64 scorer)
{
  return test_db_int (
      &f->db, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = %" G_GINT64_FORMAT, scorer);
}

/* TV-110 */
static void
test_batch_size (void)
{
  const struct
  {
    const gchar *json;
    gint size;
  } cases[] = {
    { "{\"batch_size\": 100}", 100 },
    { NULL, 50 },
    { "{\"batch_size\":0}", 50 },
    { "{\"other\":1}", 50 },
    { "garbage", 50 },
    { "{\"batch_size\":\"100\"}", 50 },
    { "{\"Batch_Size\":7}", 7 },
    { "{\"batch_size\":1.0}", 50 },
    { "{\"batch_size\":-3}", 50 },
    { "{\"batch_size\":4294967296}", 50 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (ntpmon_score_runner_parse_batch_size (cases[i].json), ==, cases[i].size);
}

/* TV-111: the window skips scorer rows; one batch of 50 monitor rows. */
static void
test_tv111 (Fixture *f, gconstpointer data)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 20000, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  for (gint64 id = 1001; id <= 1200; id++)
    test_db_add_log_score (&f->db, id, id % 2 ? 1 : EVERY, 1, 1300 - (id - 1000), 10 + id % 7, 1,
                           1000);
  g_assert_cmpuint (run_pass (f), ==, 50);
  g_assert_cmpint (cursor (f, EVERY), ==, 1099);
  /* every input row moved the scorer's own score (50 updates) */
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT COUNT(*) FROM server_scores WHERE monitor_id = %d "
                                "AND status = 'active'",
                                EVERY),
                   ==, 1);
  g_assert_cmpuint (ntpmon_score_runner_get_processed (f->runner, "every"), ==, 50);
}

/* TV-112 (fixed): the next monitor row after an empty window is scored. */
static void
test_tv112 (Fixture *f, gconstpointer data)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, MEDIAN, "recentmedian", 1000);
  for (gint64 id = 20000; id <= 20002; id++)
    test_db_add_log_score (&f->db, id, 1, 1, 20003 - id, 10, 1, 1000);
  g_assert_cmpuint (run_pass (f), ==, 3);
  g_assert_cmpint (cursor (f, MEDIAN), ==, 20002);
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT COUNT(*) FROM log_scores WHERE monitor_id = %d AND "
                                "attributes LIKE '%%\"from_ls_id\":20000,%%'",
                                MEDIAN),
                   ==, 1);
  g_assert_cmpuint (run_pass (f), ==, 0);
}

/* TV-113 (fixed): a lone row beyond the window is scored, no stall. */
static void
test_tv113 (Fixture *f, gconstpointer data)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  test_db_add_log_score (&f->db, 20000, 1, 1, 10, 10, 1, 1000);
  g_assert_cmpuint (run_pass (f), ==, 1);
  g_assert_cmpint (cursor (f, EVERY), ==, 20000);
  g_assert_cmpuint (run_pass (f), ==, 0);
  g_assert_cmpint (cursor (f, EVERY), ==, 20000);
}

/* TV-114: nothing to do, nothing written. */
static void
test_tv114 (Fixture *f, gconstpointer data)
{
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  add_scorer (f, MEDIAN, "recentmedian", 1000);
  test_db_add_log_score (&f->db, 1001, EVERY, 1, 10, 10, 1, 1000);
  before = test_db_checksum (&f->db);
  g_assert_cmpuint (run_pass (f), ==, 0);
  after = test_db_checksum (&f->db);
  g_assert_cmpstr (before, ==, after);
}

/* TV-115: the scorer's own row is created at -5 and made active. */
static void
test_tv115 (Fixture *f, gconstpointer data)
{
  NtpmonScoreRunnerStats stats;

  every_and_one_row (f);
  g_assert_cmpuint (run_pass (f), ==, 1);
  ntpmon_score_runner_get_stats (f->runner, &stats);
  g_assert_cmpuint (stats.insert_server_score, ==, 1);
  g_assert_cmpuint (stats.update_server_score_status, ==, 1);
  g_assert_cmpuint (stats.update_scorer_status, ==, 1);
  /* every: 1 + (-5 × 0.95) */
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT score_raw = 1 + (-5 * 0.95) AND status = 'active' FROM "
                                "server_scores WHERE monitor_id = %d AND server_id = 1",
                                EVERY),
                   ==, 1);
}

/* Rows for TV-116..118: monitor 1 scores server 1 (active), monitor 2
 * server 2 (paused there, so recentmedian finds no recent scores). */
static void
three_rows (Fixture *f, gint64 age2, gboolean bad_last)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, MEDIAN, "recentmedian", 1000);
  test_db_add_log_score (&f->db, 1001, 1, 1, 30, 11, 1, 1000);
  test_db_add_log_score (&f->db, 1002, bad_last ? 1 : 2, bad_last ? 1 : 2, bad_last ? 20 : age2, 12,
                         1, 1000);
  test_db_add_log_score (&f->db, 1003, bad_last ? 2 : 1, bad_last ? 2 : 1, bad_last ? age2 : 10, 13,
                         1, 1000);
}

/* TV-116: a row older than 3 hours that cannot be scored is skipped. */
static void
test_tv116 (Fixture *f, gconstpointer data)
{
  three_rows (f, 4 * 3600, FALSE);
  g_assert_cmpuint (run_pass (f), ==, 3);
  assert_one_warning ("*skipping log_scores row 1002 *no recent scores found for 2");
  g_assert_cmpint (cursor (f, MEDIAN), ==, 1003);
  g_assert_cmpint (scored_rows (f, MEDIAN), ==, 2);
  g_assert_cmpuint (ntpmon_score_runner_get_processed (f->runner, "recentmedian"), ==, 3);
  /* steps 1-2 of the skipped row stay: the scorer's row for server 2 */
  g_assert_cmpint (
      test_db_int (&f->db, "SELECT COUNT(*) FROM server_scores WHERE monitor_id = %d", MEDIAN), ==,
      2);
}

/* TV-117: a recent row that cannot be scored fails the pass; nothing kept. */
static void
test_tv117 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint count = 99;

  three_rows (f, 2 * 3600, FALSE);
  g_assert_false (ntpmon_score_runner_run (f->runner, NULL, &count, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, "scorer \"recentmedian\": no recent scores found for 2");
  g_assert_false (ntpmon_score_error_is_connection (error));
  g_assert_cmpuint (count, ==, 0);
  g_assert_cmpint (cursor (f, MEDIAN), ==, 1000);
  g_assert_cmpint (scored_rows (f, MEDIAN), ==, 0);
  g_assert_cmpint (
      test_db_int (&f->db, "SELECT COUNT(*) FROM server_scores WHERE monitor_id = %d", MEDIAN), ==,
      0);
}

/* TV-118: a skipped last row still moves the cursor. */
static void
test_tv118 (Fixture *f, gconstpointer data)
{
  three_rows (f, 4 * 3600, TRUE);
  g_assert_cmpuint (run_pass (f), ==, 3);
  assert_one_warning ("*skipping log_scores row 1003 *");
  g_assert_cmpint (cursor (f, MEDIAN), ==, 1003);
  g_assert_cmpint (scored_rows (f, MEDIAN), ==, 2);
}

/* TV-119: servers.score_ts only moves forward. */
static void
test_tv119 (Fixture *f, gconstpointer data)
{
  const gint64 offsets[] = { 0, -1, 60 }; /* score_ts = T, T-1 s, T+60 s */
  const gboolean updated[] = { FALSE, TRUE, FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      NtpmonScoreRunnerStats stats;
      gint64 id = 2001 + 1000 * i;

      if (i == 0)
        {
          test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
          add_scorer (f, MEDIAN, "recentmedian", 1000);
        }
      test_db_add_log_score (&f->db, id, 1, 1, 50 - i, 7 + i, 1, 1000);
      test_db_exec (&f->db,
                    "UPDATE servers SET score_raw = -1, score_ts = (SELECT ts FROM log_scores "
                    "WHERE id = %" G_GINT64_FORMAT ") + INTERVAL %" G_GINT64_FORMAT
                    " SECOND WHERE id = 1",
                    id, offsets[i]);
      g_assert_cmpuint (run_pass (f), ==, 1);
      ntpmon_score_runner_get_stats (f->runner, &stats);
      g_assert_cmpuint (stats.update_server, ==, i + 1);
      g_assert_cmpint (test_db_int (&f->db, "SELECT score_raw != -1 FROM servers WHERE id = 1"), ==,
                       updated[i]);
      g_assert_cmpint (test_db_int (&f->db,
                                    "SELECT score_ts = (SELECT ts FROM log_scores WHERE id = "
                                    "%" G_GINT64_FORMAT ") FROM server_scores WHERE "
                                    "monitor_id = %d AND server_id = 1",
                                    id, MEDIAN),
                       ==, 1);
    }
}

/* TV-120 */
static void
test_tv120 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint count;

  g_assert_false (ntpmon_score_runner_run (f->runner, NULL, &count, &error));
  g_assert_cmpstr (error->message, ==, "no scorers configured");
  g_assert_false (ntpmon_score_error_is_connection (error));
}

/* TV-121 */
static void
test_tv121 (void)
{
  const struct
  {
    const gchar *text;
    gboolean connection, deadlock;
  } cases[] = {
    { "dial tcp 10.0.0.1:3306: connect: connection refused", TRUE, FALSE },
    { "unexpected EOF", TRUE, FALSE },
    { "Error 1213 (40001): Deadlock found when trying to get lock", FALSE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, cases[i].text);

      g_assert_cmpint (ntpmon_score_error_is_connection (error), ==, cases[i].connection);
      g_assert_cmpint (ntpmon_score_error_is_deadlock (error), ==, cases[i].deadlock);
    }
}

/* Batches follow system_settings' batch_size; ids with gaps. */
static void
test_batches (Fixture *f, gconstpointer data)
{
  const gint64 ids[] = { 1003, 1004, 1010, 15000, 15001 };
  const guint expect[] = { 2, 1, 2, 0 }; /* window (1004, 11004) holds only 1010 */

  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  add_scorer (f, MEDIAN, "recentmedian", 1000);
  test_db_exec (&f->db, "INSERT INTO system_settings (`key`, value, created_on) VALUES "
                        "('scorer', '{\"batch_size\":2}', NOW())");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    test_db_add_log_score (&f->db, ids[i], 1, 1, 60 - i, 10 + i, 1, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      guint n = run_pass (f);
      g_test_message ("pass %u: every %" G_GUINT64_FORMAT " recentmedian %" G_GUINT64_FORMAT, i,
                      ntpmon_score_runner_get_processed (f->runner, "every"),
                      ntpmon_score_runner_get_processed (f->runner, "recentmedian"));
      g_assert_cmpuint (n, ==, expect[i] * 2);
    }
  g_assert_cmpint (cursor (f, EVERY), ==, 15001);
  g_assert_cmpint (cursor (f, MEDIAN), ==, 15001);
  /* each input row is scored once by each scorer (de-dup keeps all: scores differ) */
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT COUNT(DISTINCT JSON_VALUE(attributes, '$.from_ls_id')) "
                                "FROM log_scores WHERE monitor_id = %d",
                                MEDIAN),
                   ==, G_N_ELEMENTS (ids));
}

/* TV-79 through the runner: three rows of one server in one batch chain
 * through the scorer's own score (-5 → -3.75 → -2.5625 → -1.434375). */
static void
test_every_chain (Fixture *f, gconstpointer data)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  for (gint64 id = 1001; id <= 1003; id++)
    test_db_add_log_score (&f->db, id, 1, 1, 1010 - id, 10, 1, 1000);
  g_assert_cmpuint (run_pass (f), ==, 3);
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT score_raw = -1.4343749999999997 FROM server_scores "
                                "WHERE monitor_id = %d AND server_id = 1",
                                EVERY),
                   ==, 1);
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT score_ts = (SELECT ts FROM log_scores WHERE id = 1003) "
                                "FROM server_scores WHERE monitor_id = %d AND server_id = 1",
                                EVERY),
                   ==, 1);
}

static gint
compare_ts_id (gconstpointer a, gconstpointer b)
{
  const NtpmonLogScore *x = *(NtpmonLogScore *const *)a, *y = *(NtpmonLogScore *const *)b;

  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static gchar *
format_ids (GPtrArray *rows)
{
  GString *out = g_string_new (NULL);

  g_ptr_array_sort (rows, compare_ts_id);
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (out, "%" G_GUINT64_FORMAT " ", ((NtpmonLogScore *)rows->pdata[i])->id);
  return g_string_free (out, FALSE);
}

/* The batch's history cache answers GetScorerRecentScores as the query does
 * (rows of equal ts compared in id order: the query leaves that open). */
static void
test_history_cache (Fixture *f, gconstpointer data)
{
  const struct
  {
    gint lookback;
    const gchar *s1, *s2;
  } attempts[]
      = { { 1200, "active", "" }, { 2700, "active", "testing" }, { 7200, "candidate", "testing" } };
  g_autoptr (GPtrArray) batch
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_log_score_free);
  NtpmonScoreRecentCache cache = { 0 };
  g_autoptr (GError) error = NULL;
  guint compared = 0, nonempty = 0, several = 0;

  test_db_add_monitor (&f->db, 3, "monitor", "active", "10.3.0.1", 0);
  test_db_add_server_score (&f->db, 3, 1, "testing");
  test_db_add_server_score (&f->db, 2, 1, "candidate");
  for (gint i = 0; i < 120; i++)
    test_db_add_log_score (&f->db, 0, 1 + i % 3, 1 + (i / 3) % 2, 7000 - 40 * i + (i % 4 == 0), i,
                           1, 1000);
  /* two results of monitor 1 at the same time */
  test_db_exec (&f->db, "UPDATE log_scores SET ts = (SELECT ts FROM (SELECT ts FROM log_scores "
                        "WHERE id = 4) t) WHERE id = 7");
  for (guint64 id = 1; id <= 120; id += 7)
    {
      NtpmonLogScore *row = g_new0 (NtpmonLogScore, 1);

      row->id = id;
      row->server_id = (guint32)test_db_int (&f->db,
                                             "SELECT server_id FROM log_scores WHERE id = "
                                             "%" G_GUINT64_FORMAT,
                                             id);
      row->ts = test_db_int (&f->db,
                             "SELECT UNIX_TIMESTAMP(ts) FROM log_scores WHERE id = "
                             "%" G_GUINT64_FORMAT,
                             id);
      g_ptr_array_add (batch, row);
    }
  _ntpmon_score_recent_cache_load (&cache, f->db.conn, batch, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < batch->len; i++)
    for (guint a = 0; a < G_N_ELEMENTS (attempts); a++)
      {
        const NtpmonLogScore *row = batch->pdata[i];
        g_autoptr (GPtrArray) from_sql
            = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_log_score_free);
        g_autoptr (GPtrArray) from_cache
            = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_log_score_free);
        g_autofree gchar *want = NULL;
        g_autofree gchar *got = NULL;
        gint lookback = attempts[a].lookback;

        _ntpmon_score_fetch_recent (f->db.conn, row->server_id, row->ts, lookback, attempts[a].s1,
                                    attempts[a].s2, from_sql, NULL, &error);
        g_assert_no_error (error);
        /* the cache covers the first look-back only; compare that one and
         * the others where their window starts inside the cache */
        if (row->ts - lookback < cache.from_ts)
          continue;
        _ntpmon_score_fetch_recent (f->db.conn, row->server_id, row->ts, lookback, attempts[a].s1,
                                    attempts[a].s2, from_cache, &cache, &error);
        g_assert_no_error (error);
        want = format_ids (from_sql);
        got = format_ids (from_cache);
        g_assert_cmpstr (got, ==, want);
        compared++;
        nonempty += from_sql->len > 0;
        several += from_sql->len > 1;
      }
  g_assert_cmpuint (compared, >=, batch->len);
  g_test_message ("%u comparisons, %u with rows, %u with several", compared, nonempty, several);
  g_assert_cmpuint (nonempty, >=, batch->len);
  g_assert_cmpuint (several, >=, 3);
  _ntpmon_score_recent_cache_clear (&cache);
}

/* `scorer setup` registers both algorithms once, from the first row on. */
static void
test_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (ntpmon_score_runner_setup (f->runner, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  test_db_add_log_score (&f->db, 77, 1, 1, 100, 10, 1, 1000);
  test_db_add_log_score (&f->db, 78, 1, 1, 90, 10, 1, 1000);
  for (guint i = 0; i < 2; i++)
    {
      ntpmon_score_runner_setup (f->runner, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpint (test_db_int (&f->db, "SELECT COUNT(*) FROM monitors m JOIN scorer_status s ON "
                                        "s.scorer_id = m.id WHERE m.type = 'score' AND m.status = "
                                        "'active' AND s.log_score_id = 77 AND m.tls_name = "
                                        "CONCAT(m.hostname, '.scores.ntp.dev')"),
                   ==, 2);
  g_assert_cmpuint (run_pass (f), ==, 2);
}

typedef struct
{
  Fixture *f;
  gboolean ok;
  GError *error;
  guint count;
} Runner;

static gpointer
runner_thread (gpointer data)
{
  Runner *r = data;

  r->ok = ntpmon_score_runner_run (r->f->runner, NULL, &r->count, &r->error);
  return NULL;
}

/* A failing attempt (a lock wait timeout) is retried and the batch is
 * scored once. */
static void
test_retry (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonDbConn) blocker = NULL;
  g_autoptr (GError) error = NULL;
  Runner r = { f, FALSE, NULL, 0 };
  GThread *thread;

  every_and_one_row (f);
  ntpmon_db_conn_exec_direct (f->db.conn, "SET SESSION innodb_lock_wait_timeout = 1", &error);
  g_assert_no_error (error);
  ntpmon_score_runner_set_retry (f->runner, 50, 60000);
  blocker = open_begun (f);
  ntpmon_db_conn_exec_direct (blocker, "SELECT * FROM scorer_status FOR UPDATE", &error);
  g_assert_no_error (error);

  thread = g_thread_new ("runner", runner_thread, &r);
  while (ntpmon_score_runner_get_retries (f->runner, "every") == 0)
    g_usleep (10000);
  ntpmon_db_conn_rollback (blocker, &error);
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpuint (r.count, ==, 1);
  g_assert_cmpint (cursor (f, EVERY), ==, 1001);
  /* scored once: -5 × 0.95 + 1 (twice would give -2.5625) */
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT score_raw = -3.75 FROM server_scores WHERE monitor_id = %d",
                                EVERY),
                   ==, 1);
  /* quirk 5 of §15, kept: the failed attempt already remembered the row for
   * de-duplication, so the retry does not log it */
  g_assert_cmpint (scored_rows (f, EVERY), ==, 0);
}

/* A lock wait timeout that ends the pass (the retry policy leaves no time
 * for another attempt) is one deadlock in the stats, not one for the
 * attempt and one more for the failed batch. */
static void
test_deadlock_counted_once (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonDbConn) blocker = NULL;
  g_autoptr (GError) error = NULL;
  NtpmonScoreRunnerStats stats;
  guint count = 0;

  every_and_one_row (f);
  ntpmon_db_conn_exec_direct (f->db.conn, "SET SESSION innodb_lock_wait_timeout = 1", &error);
  g_assert_no_error (error);
  ntpmon_score_runner_set_retry (f->runner, 10, 0);
  blocker = open_begun (f);
  ntpmon_db_conn_exec_direct (blocker, "SELECT * FROM scorer_status FOR UPDATE", &error);
  g_assert_no_error (error);
  g_assert_false (ntpmon_score_runner_run (f->runner, NULL, &count, &error));
  g_assert_true (ntpmon_score_error_is_deadlock (error));
  ntpmon_db_conn_rollback (blocker, NULL);
  ntpmon_score_runner_get_stats (f->runner, &stats);
  g_assert_cmpuint (ntpmon_score_runner_get_retries (f->runner, "every"), ==, 1);
  g_assert_cmpuint (stats.deadlocks, ==, 1);
  g_assert_cmpuint (stats.errors, ==, 1);
}

/* §15 item 6: the scorer's own server_scores.score_ts has no ordering
 * guard: it goes back to the row's ts. */
static void
test_quirk6_score_ts_backwards (Fixture *f, gconstpointer data)
{
  every_and_one_row (f);
  test_db_exec (&f->db,
                "INSERT INTO server_scores (monitor_id, server_id, score_raw, score_ts, status, "
                "created_on) VALUES (%d, 1, 10, NOW() + INTERVAL 1 HOUR, 'active', NOW())",
                EVERY);
  g_assert_cmpuint (run_pass (f), ==, 1);
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT score_ts = (SELECT ts FROM log_scores WHERE id = 1001) "
                                "FROM server_scores WHERE monitor_id = %d AND server_id = 1",
                                EVERY),
                   ==, 1);
}

/* §15 item 7, changed on purpose (README): a scorer the database no
 * longer lists as active is not run from its old cursor. */
static void
test_quirk7_unlisted_scorer (Fixture *f, gconstpointer data)
{
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  add_scorer (f, MEDIAN, "recentmedian", 1000);
  test_db_add_log_score (&f->db, 1001, 1, 1, 20, 10, 1, 1000);
  g_assert_cmpuint (run_pass (f), ==, 2);
  test_db_exec (&f->db, "UPDATE monitors SET status = 'paused' WHERE id = %d", EVERY);
  test_db_add_log_score (&f->db, 2000, 1, 1, 10, 11, 1, 1000);
  g_assert_cmpuint (run_pass (f), ==, 1);
  g_assert_cmpint (cursor (f, EVERY), ==, 1001);
  g_assert_cmpint (cursor (f, MEDIAN), ==, 2000);
}

/* §15 item 9: scorers run one after the other (here in the order the
 * plugin lists them; the reference's order is random); when one fails, the
 * ones after it are not processed in that pass. The runner below lists
 * recentmedian first. */
static void
test_quirk9_failing_scorer_stops_pass (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) reversed = g_ptr_array_new ();
  g_autoptr (NtpmonScoreRunner) runner = NULL;
  guint count = 99;

  for (guint i = f->scorers->len; i > 0; i--)
    g_ptr_array_add (reversed, f->scorers->pdata[i - 1]);
  g_assert_cmpstr (ntpmon_scorer_get_name (reversed->pdata[0]), ==, "recentmedian");
  runner = ntpmon_score_runner_new (f->db.conn, reversed);
  ntpmon_score_runner_set_retry (runner, 10, 0);
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, MEDIAN, "recentmedian", 1000);
  add_scorer (f, EVERY, "every", 1000);
  test_db_add_log_score (&f->db, 1001, 1, 1, 30, 11, 1, 1000);
  /* server 2's only monitor is paused there: no recent scores, and the row
   * is too recent to be skipped */
  test_db_add_log_score (&f->db, 1002, 2, 2, 20, 12, 1, 1000);
  g_assert_false (ntpmon_score_runner_run (runner, NULL, &count, &error));
  g_assert_cmpstr (error->message, ==, "scorer \"recentmedian\": no recent scores found for 2");
  g_assert_cmpint (cursor (f, MEDIAN), ==, 1000);
  g_assert_cmpint (cursor (f, EVERY), ==, 1000);
  g_assert_cmpint (scored_rows (f, EVERY), ==, 0);
  /* the fixture's runner (every first) scores with every before failing */
  g_clear_error (&error);
  g_assert_false (ntpmon_score_runner_run (f->runner, NULL, &count, &error));
  g_assert_cmpint (cursor (f, EVERY), ==, 1002);
}

/* The runner's INSERT of its server_scores row is running, that is
 * waiting for the other transaction's row (asked on a connection of its
 * own: a prepared statement over information_schema runs only once). */
static gboolean
lock_wait (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConn) conn = ntpmon_db_conn_open (f->db.config, &error);
  g_autoptr (NtpmonDbStmt) st = NULL;

  g_assert_no_error (error);
  st = ntpmon_db_conn_query (conn,
                             "SELECT COUNT(*) FROM information_schema.processlist WHERE "
                             "info LIKE 'INSERT INTO server\\_scores %'",
                             &error, "");
  g_assert_no_error (error);
  ntpmon_db_stmt_fetch_one (st, &error);
  g_assert_no_error (error);
  return ntpmon_db_stmt_get_int (st, 0) > 0;
}

/* §15 item 11: the scorer's row inserted by another process between the
 * runner's read and its insert: the duplicate key resets score_raw to -5,
 * which the row is then scored from (-5 × 0.95 + 1). */
static void
test_quirk11_duplicate_insert_resets (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonDbConn) other = NULL;
  g_autoptr (GError) error = NULL;
  Runner r = { f, FALSE, NULL, 0 };
  GThread *thread;

  every_and_one_row (f);
  other = open_begun (f);
  ntpmon_db_conn_exec_direct (
      other,
      "INSERT INTO server_scores (monitor_id, server_id, score_raw, status, "
      "created_on) VALUES (900, 1, 12, 'active', NOW())",
      &error);
  g_assert_no_error (error);
  thread = g_thread_new ("runner", runner_thread, &r);
  /* the runner's insert waits for the other transaction's row */
  while (!lock_wait (f))
    g_usleep (10000);
  ntpmon_db_conn_commit (other, &error);
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT score_raw = -3.75 FROM server_scores WHERE monitor_id = %d",
                                EVERY),
                   ==, 1);
}

/* §15 item 18: the reference's MySQL rounds a fractional time for a
 * `datetime` column; MariaDB truncates it. The selector's times of the
 * application clock (next_review, constraint_violation_since) are rounded
 * before they are sent, so they are stored as the reference stores them. */
static void
test_quirk18_datetime_rounding (Fixture *f, gconstpointer data)
{
  const gint64 second = 1767225600; /* 2026-01-01 00:00:00 UTC */
  const struct
  {
    gint64 server, usec, rounded;
  } cases[] = {
    { 1, second * G_USEC_PER_SEC + 600000,
      ntpmon_review_round_usec (second * G_USEC_PER_SEC + 600000) },
    { 2, second * G_USEC_PER_SEC + 499999,
      ntpmon_review_round_usec (second * G_USEC_PER_SEC + 499999) },
  };
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (ntpmon_review_round_usec (second * G_USEC_PER_SEC + 500000), ==,
                   (second + 1) * G_USEC_PER_SEC);
  g_assert_cmpint (ntpmon_review_round_usec (-1500000), ==, -1000000);
  g_assert_cmpint (cases[0].rounded, ==, (second + 1) * G_USEC_PER_SEC);
  g_assert_cmpint (cases[1].rounded, ==, second * G_USEC_PER_SEC);
  test_db_exec (&f->db, "INSERT INTO servers_monitor_review (server_id) VALUES (1), (2)");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* unrounded, this server stores the whole second below */
      ntpmon_db_conn_exec (f->db.conn,
                           "UPDATE servers_monitor_review SET next_review = ?, last_review = ? "
                           "WHERE server_id = ?",
                           NULL, &error, "TTi", cases[i].rounded, cases[i].usec, cases[i].server);
      g_assert_no_error (error);
      g_assert_cmpint (test_db_int (&f->db,
                                    "SELECT UNIX_TIMESTAMP(CONVERT_TZ(next_review, '+00:00', "
                                    "@@session.time_zone)) FROM servers_monitor_review WHERE "
                                    "server_id = %" G_GINT64_FORMAT,
                                    cases[i].server),
                       ==, cases[i].rounded / G_USEC_PER_SEC);
      g_assert_cmpint (test_db_int (&f->db,
                                    "SELECT UNIX_TIMESTAMP(CONVERT_TZ(last_review, '+00:00', "
                                    "@@session.time_zone)) FROM servers_monitor_review WHERE "
                                    "server_id = %" G_GINT64_FORMAT,
                                    cases[i].server),
                       ==, second);
    }
}

/* §15 item 18 for the scorer: its own server_scores rows are created at
 * the wall clock rounded to whole seconds, as the reference's MySQL stores
 * its fractional time. */
static void
test_quirk18_created_on_rounded (Fixture *f, gconstpointer data)
{
  const gint64 second = 1767225600; /* 2026-01-01 00:00:00 UTC */
  const gint64 fraction[] = { 600000, 499999 };
  NtpmonScoreSlot slot = { .name = (gchar *)"every", .scorer_id = EVERY };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < f->scorers->len; i++)
    if (g_str_equal (ntpmon_scorer_get_name (f->scorers->pdata[i]), "every"))
      slot.scorer = f->scorers->pdata[i];
  g_assert_nonnull (slot.scorer);
  test_db_add_log_score (&f->db, 1000, 1, 1, 100, 10, 1, 1000);
  add_scorer (f, EVERY, "every", 1000);
  test_db_add_log_score (&f->db, 1001, 1, 1, 10, 10, 1, 1000);
  test_db_add_log_score (&f->db, 1002, 1, 2, 10, 10, 1, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (fraction); i++)
    {
      g_autoptr (GPtrArray) rows = _ntpmon_score_fetch_batch (f->db.conn, 1000 + i, 1, &error);
      g_autoptr (GHashTable) own = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, ==, 1);
      ntpmon_db_conn_begin (f->db.conn, &error);
      g_assert_no_error (error);
      _ntpmon_score_process_rows (f->db.conn, &slot, rows, second * G_USEC_PER_SEC + fraction[i],
                                  NULL, &own, &slot.stats, &error);
      g_assert_no_error (error);
      ntpmon_db_conn_commit (f->db.conn, &error);
      g_assert_no_error (error);
      g_assert_cmpint (test_db_int (&f->db,
                                    "SELECT UNIX_TIMESTAMP(CONVERT_TZ(created_on, '+00:00', "
                                    "@@session.time_zone)) FROM server_scores WHERE monitor_id = "
                                    "%d AND server_id = %u",
                                    EVERY, 1 + i),
                       ==, second + (fraction[i] >= 500000));
    }
  g_assert_cmpuint (slot.stats.insert_server_score, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  caught_warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (test_writer, NULL, NULL);
  test_db_server ();

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  g_test_add_func ("/scorer/16.10/TV-110", test_batch_size);
  ADD ("/scorer/16.10/TV-111", test_tv111);
  ADD ("/scorer/16.10/TV-112-fixed", test_tv112);
  ADD ("/scorer/16.10/TV-113-fixed", test_tv113);
  ADD ("/scorer/16.10/TV-114", test_tv114);
  ADD ("/scorer/16.10/TV-115", test_tv115);
  ADD ("/scorer/16.10/TV-116", test_tv116);
  ADD ("/scorer/16.10/TV-117", test_tv117);
  ADD ("/scorer/16.10/TV-118", test_tv118);
  ADD ("/scorer/16.10/TV-119", test_tv119);
  ADD ("/scorer/16.10/TV-120", test_tv120);
  g_test_add_func ("/scorer/16.10/TV-121", test_tv121);
  ADD ("/scorer/runner/batches-and-gaps", test_batches);
  ADD ("/scorer/runner/setup", test_setup);
  ADD ("/scorer/runner/history-cache-equals-query", test_history_cache);
  ADD ("/scorer/runner/every-chain-in-one-batch", test_every_chain);
  ADD ("/scorer/runner/retry", test_retry);
  ADD ("/scorer/runner/deadlock-counted-once", test_deadlock_counted_once);
  /* §15 quirks, by number */
  ADD ("/scorer/quirk/1-id-gap-fixed-row-scored-TV-112", test_tv112);
  ADD ("/scorer/quirk/1-id-gap-fixed-no-stall-TV-113", test_tv113);
  ADD ("/scorer/quirk/5-dedup-state-not-transactional", test_retry);
  ADD ("/scorer/quirk/6-scorer-score-ts-goes-backwards", test_quirk6_score_ts_backwards);
  ADD ("/scorer/quirk/6-servers-score-ts-only-forward-TV-119", test_tv119);
  ADD ("/scorer/quirk/7-unlisted-scorer-stops-changed", test_quirk7_unlisted_scorer);
  ADD ("/scorer/quirk/8-any-error-fails-the-pass-TV-117", test_tv117);
  g_test_add_func ("/scorer/quirk/8-eof-is-a-connection-error-TV-121", test_tv121);
  ADD ("/scorer/quirk/9-failing-scorer-stops-the-pass", test_quirk9_failing_scorer_stops_pass);
  ADD ("/scorer/quirk/10-skipped-row-advances-cursor-TV-118", test_tv118);
  ADD ("/scorer/quirk/10-skipped-row-keeps-own-row-TV-116", test_tv116);
  ADD ("/scorer/quirk/11-duplicate-insert-resets-score", test_quirk11_duplicate_insert_resets);
  g_test_add_func ("/scorer/quirk/13-negative-batch-size-changed-to-default", test_batch_size);
  ADD ("/scorer/quirk/18-datetime-rounds-fractions", test_quirk18_datetime_rounding);
  ADD ("/scorer/quirk/18-own-rows-created-on-rounded", test_quirk18_created_on_rounded);
  return g_test_run ();
}
