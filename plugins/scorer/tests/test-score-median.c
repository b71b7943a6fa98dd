/* test-score-median.c: algorithm `recentmedian`, spec/scorer.md §16.7–16.9
 * (TV-87 … TV-109)
 *
 * §16.8 runs against an in-memory model of the `GetScorerRecentScores`
 * query (history-model.c); the SQL itself is exercised by the runner's
 * database tests.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "scorer-test.h"

#include <math.h>
#include <string.h>

#include "history-model.h"
#include "ntpmon-score-error.h"
#include "ntpmon-score-median.h"

#define T         G_GINT64_CONSTANT (1735732800)
#define SERVER    42
#define SCORER_ID 9001
#define NO_RTT    G_MININT32

/* ---- §16.7: choosing the row ---- */

typedef struct
{
  guint32 monitor;
  gint64 ts;
  gdouble score;
  gint32 rtt; /* NO_RTT: NULL */
} Cand;

static GPtrArray *
candidates (const Cand *c, guint n)
{
  GPtrArray *rows = ntpmon_score_rows_new ();

  for (guint i = 0; i < n; i++)
    {
      NtpmonLogScore *row = g_new0 (NtpmonLogScore, 1);

      row->id = 100 + i;
      row->server_id = SERVER;
      row->monitor_id = c[i].monitor;
      row->ts = c[i].ts;
      row->score = c[i].score;
      row->has_rtt = c[i].rtt != NO_RTT;
      row->rtt = row->has_rtt ? c[i].rtt : 0;
      g_ptr_array_add (rows, row);
    }
  return rows;
}

#define CHOOSE(monitor_, score_, ...)                                                              \
  G_STMT_START                                                                                     \
  {                                                                                                \
    const Cand c[] = { __VA_ARGS__ };                                                              \
    g_autoptr (GPtrArray) rows = candidates (c, G_N_ELEMENTS (c));                                 \
    const NtpmonLogScore *chosen = ntpmon_score_median_choose (rows);                              \
    if ((monitor_) != 0)                                                                           \
      g_assert_cmpuint (chosen->monitor_id, ==, (monitor_));                                       \
    g_assert_cmpfloat (chosen->score, ==, (score_));                                               \
  }                                                                                                \
  G_STMT_END

static void
test_tv87 (void)
{
  CHOOSE (1, 15.2, { 1, T - 100, 15.2, 5000 });
}

static void
test_tv88 (void)
{
  CHOOSE (1, 18, { 1, T - 300, 18, 9000 }, { 2, T - 10, -5, 1000 });
}

static void
test_tv89 (void)
{
  CHOOSE (3, 12.0, { 1, T - 50, 19.0, 1 }, { 2, T - 40, -20.0, 1 }, { 3, T - 30, 12.0, 1 });
}

static void
test_tv90 (void)
{
  CHOOSE (0, 2, { 1, T, 1, 0 }, { 2, T, 2, 0 }, { 3, T, 3, 0 }, { 4, T, 4, 0 });
}

static void
test_tv91 (void)
{
  CHOOSE (0, 3, { 1, T, 5, 0 }, { 2, T, 1, 0 }, { 3, T, 4, 0 }, { 4, T, 2, 0 }, { 5, T, 3, 0 });
}

static void
test_tv92 (void)
{
  CHOOSE (0, 3, { 1, T, 9, 0 }, { 2, T, 1, 0 }, { 3, T, 8, 0 }, { 4, T, 2, 0 }, { 5, T, 7, 0 },
          { 6, T, 3, 0 });
}

static void
test_tv93 (void)
{
  CHOOSE (3, 10.0, { 1, T, 10.0, 30000 }, { 2, T, 10.0, 10000 }, { 3, T, 10.0, 20000 });
}

static void
test_tv94 (void)
{
  CHOOSE (1, 10.0, { 1, T, 10.0, NO_RTT }, { 2, T, 10.0, 5000 }, { 3, T, 5.0, 0 });
}

static void
test_tv95 (void)
{
  CHOOSE (2, 10.0, { 1, T - 30, 10.0, 100 }, { 2, T - 20, 10.0, 100 }, { 3, T - 10, 10.0, 100 });
}

/* Index n/2, minus one when n is even, for n = 3 … 7. */
static void
test_median_index (void)
{
  static const guint expected[] = { 0, 0, 0, 1, 1, 2, 2, 3 };

  for (guint n = 3; n <= 7; n++)
    {
      g_autoptr (GPtrArray) rows = ntpmon_score_rows_new ();

      for (guint i = 0; i < n; i++)
        {
          NtpmonLogScore *row = g_new0 (NtpmonLogScore, 1);

          row->score = (gdouble)(n - i); /* descending input */
          g_ptr_array_add (rows, row);
        }
      g_assert_cmpfloat (ntpmon_score_median_choose (rows)->score, ==, expected[n] + 1);
    }
}

/* ---- §16.8: windows and statuses ---- */

typedef struct
{
  NtpmonHistoryModel *model;
  NtpmonScoreHistorySource source;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->model = ntpmon_history_model_new ();
  f->source.fetch_recent = ntpmon_history_model_fetch;
  f->source.user_data = f->model;
  /* M0 wrote the triggering row and is paused for S. */
  ntpmon_history_model_set_status (f->model, 10, SERVER, "paused");
  ntpmon_history_model_add (f->model, 1234, 10, SERVER, T, -1, -1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ntpmon_history_model_free (f->model);
}

static gboolean
run_median (Fixture *f, NtpmonLogScore *out, GError **error)
{
  NtpmonServerScore own = { .id = 77, .monitor_id = SCORER_ID, .server_id = SERVER };
  NtpmonLogScore latest = { .id = 1234, .server_id = SERVER, .monitor_id = 10, .ts = T };

  return ntpmon_score_recent_median (&f->source, NULL, &own, &latest, out, error);
}

/* One vector of §16.8: monitors with their status for S, their rows, and
 * the expected choice (a NAN score: "no recent scores"). */
typedef struct
{
  guint32 monitor;
  const gchar *status;
} MonitorStatus;

typedef struct
{
  guint32 monitor;
  gint64 ts_from_t;
  gdouble score;
} ModelRow;

typedef struct
{
  const gchar *name;
  MonitorStatus monitors[3];
  ModelRow rows[4];
  gdouble score;
  guint attempts;
} WindowVector;

static const WindowVector window_vectors[] = {
  { "TV-96",
    { { 1, "active" }, { 2, "active" } },
    { { 1, -1200, 11 }, { 1, -1500, 12 }, { 2, -1201, 13 } },
    11,
    1 },
  { "TV-97", { { 1, "active" } }, { { 1, -60, 11 }, { 1, 30, 12 } }, 11, 1 },
  { "TV-98", { { 1, "active" }, { 2, "testing" } }, { { 1, -2500, 11 }, { 2, -2000, 12 } }, 11, 2 },
  { "TV-99",
    { { 1, "active" }, { 2, "candidate" } },
    { { 1, -3000, 11 }, { 2, -5000, 12 } },
    12,
    3 },
  { "TV-100", { { 1, "active" } }, { { 1, -3000, 11 } }, NAN, 3 },
  { "TV-101", { { 0, NULL } }, { { 0, 0, 0 } }, NAN, 3 },
  { "TV-102",
    { { 1, "active" }, { 2, "active" } },
    { { 1, -60, 3 }, { 1, -60, 4 }, { 2, -30, 5 } },
    4,
    1 },
};

static void
test_window_vector (Fixture *f, gconstpointer data)
{
  const WindowVector *v = data;
  NtpmonLogScore out;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *msg = g_strdup_printf ("no recent scores found for %u", SERVER);

  for (guint i = 0; i < G_N_ELEMENTS (v->monitors) && v->monitors[i].monitor != 0; i++)
    ntpmon_history_model_set_status (f->model, v->monitors[i].monitor, SERVER,
                                     v->monitors[i].status);
  for (guint i = 0; i < G_N_ELEMENTS (v->rows) && v->rows[i].monitor != 0; i++)
    ntpmon_history_model_add (f->model, i + 1, v->rows[i].monitor, SERVER, T + v->rows[i].ts_from_t,
                              v->rows[i].score, 1000);

  if (isnan (v->score))
    {
      g_assert_false (run_median (f, &out, &error));
      g_assert_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_NO_RECENT_SCORES);
      g_assert_cmpstr (error->message, ==, msg);
    }
  else
    {
      g_assert_true (run_median (f, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (out.score, ==, v->score);
      g_assert_cmpint (out.ts, ==, T);
      ntpmon_log_score_clear (&out);
    }
  g_assert_cmpuint (ntpmon_history_model_queries (f->model), ==, v->attempts);
}

/* The attempts run with exactly the look-backs and statuses of §9.1. */
static void
test_attempts (void)
{
  g_assert_cmpint (ntpmon_score_recent_attempts[0].lookback_seconds, ==, 1200);
  g_assert_cmpstr (ntpmon_score_recent_attempts[0].status1, ==, "active");
  g_assert_cmpstr (ntpmon_score_recent_attempts[0].status2, ==, "");
  g_assert_cmpint (ntpmon_score_recent_attempts[1].lookback_seconds, ==, 2700);
  g_assert_cmpstr (ntpmon_score_recent_attempts[1].status1, ==, "active");
  g_assert_cmpstr (ntpmon_score_recent_attempts[1].status2, ==, "testing");
  g_assert_cmpint (ntpmon_score_recent_attempts[2].lookback_seconds, ==, 7200);
  g_assert_cmpstr (ntpmon_score_recent_attempts[2].status1, ==, "candidate");
  g_assert_cmpstr (ntpmon_score_recent_attempts[2].status2, ==, "testing");
}

/* A failing query is the scoring error; a missing source is reported. */
static void
test_source_errors (Fixture *f, gconstpointer data)
{
  NtpmonLogScore out;
  g_autoptr (GError) error = NULL;

  ntpmon_history_model_fail (f->model, "Error 1213 (40001): Deadlock found");
  g_assert_false (run_median (f, &out, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Error 1213 (40001): Deadlock found");
  g_clear_error (&error);

  f->source.fetch_recent = NULL;
  g_assert_false (run_median (f, &out, &error));
  g_assert_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_NOT_CONFIGURED);
}

/* ---- §16.9: output and attributes ---- */

typedef struct
{
  const gchar *name;
  const gchar *attributes; /* of the chosen row */
  const gchar *expected;   /* NULL: scoring error */
} OutputVector;

static const OutputVector output_vectors[] = {
  { "TV-103", NULL, "{\"from_ls_id\":1234,\"from_ss_id\":77}" },
  { "TV-104", "{\"leap\":1,\"error\":\"RATE\"}",
    "{\"leap\":1,\"error\":\"RATE\",\"from_ls_id\":1234,\"from_ss_id\":77}" },
  { "TV-105", "{\"Error\":\"x\",\"foo\":1}",
    "{\"error\":\"x\",\"from_ls_id\":1234,\"from_ss_id\":77}" },
  { "TV-106", "{\"error\":\"a<b\"}",
    "{\"error\":\"a\\u003cb\",\"from_ls_id\":1234,\"from_ss_id\":77}" },
  { "TV-107", "not json", NULL },
  { "TV-108", "", NULL },
  { "TV-109", "{\"leap\":1.5}", NULL },
};

static void
test_output_vector (gconstpointer data)
{
  const OutputVector *v = data;
  NtpmonServerScore own = { .id = 77, .monitor_id = SCORER_ID, .server_id = SERVER };
  NtpmonLogScore latest = { .id = 1234, .server_id = SERVER, .monitor_id = 10, .ts = T };
  NtpmonLogScore chosen = { .id = 99,
                            .server_id = SERVER,
                            .monitor_id = 3,
                            .ts = T - 100,
                            .score = 17.5,
                            .step = 1,
                            .has_offset = TRUE,
                            .offset = 0.002,
                            .has_rtt = TRUE,
                            .rtt = 5000 };
  NtpmonLogScore out;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (g_str_equal (v->name, "TV-104"))
    {
      chosen.score = 12.1;
      chosen.step = -3.5;
    }
  chosen.attributes = (gchar *)v->attributes;
  ok = ntpmon_score_median_output (&own, &latest, &chosen, &out, &error);
  if (v->expected == NULL)
    {
      g_assert_false (ok);
      g_assert_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpstr (out.attributes, ==, v->expected);
  g_assert_cmpfloat (out.score, ==, chosen.score);
  g_assert_cmpfloat (out.step, ==, chosen.step);
  g_assert_false (out.has_offset);
  g_assert_false (out.has_rtt);
  g_assert_cmpint (out.ts, ==, T);
  g_assert_cmpuint (out.monitor_id, ==, SCORER_ID);
  g_assert_cmpuint (out.server_id, ==, SERVER);
  ntpmon_log_score_clear (&out);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scorer/16.7/TV-87", test_tv87);
  g_test_add_func ("/scorer/16.7/TV-88", test_tv88);
  g_test_add_func ("/scorer/16.7/TV-89", test_tv89);
  g_test_add_func ("/scorer/16.7/TV-90", test_tv90);
  g_test_add_func ("/scorer/16.7/TV-91", test_tv91);
  g_test_add_func ("/scorer/16.7/TV-92", test_tv92);
  g_test_add_func ("/scorer/16.7/TV-93", test_tv93);
  g_test_add_func ("/scorer/16.7/TV-94", test_tv94);
  g_test_add_func ("/scorer/16.7/TV-95", test_tv95);
  g_test_add_func ("/scorer/median/index", test_median_index);
  g_test_add_func ("/scorer/quirk/2-two-candidates-oldest-not-median-TV-88", test_tv88);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  for (guint i = 0; i < G_N_ELEMENTS (window_vectors); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/scorer/16.8/%s", window_vectors[i].name);
      g_test_add (path, Fixture, &window_vectors[i], fixture_setup, test_window_vector,
                  fixture_teardown);
    }
  ADD ("/scorer/median/source-errors", test_source_errors);
  /* §15 quirks, by number */
  g_test_add ("/scorer/quirk/3-attempt3-excludes-active-TV-99", Fixture,
              SCORER_TEST_FIND_VECTOR (window_vectors, "TV-99"), fixture_setup, test_window_vector,
              fixture_teardown);
  g_test_add ("/scorer/quirk/2-two-candidates-oldest-TV-98", Fixture,
              SCORER_TEST_FIND_VECTOR (window_vectors, "TV-98"), fixture_setup, test_window_vector,
              fixture_teardown);
#undef ADD
  g_test_add_func ("/scorer/median/attempts", test_attempts);
  SCORER_TEST_ADD_VECTORS ("16.9", output_vectors, test_output_vector);
  return g_test_run ();
}
