/* test-score-history.c: de-duplication, spec/scorer.md §16.5 (TV-66 … TV-77)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-history.h"

#define T      G_GINT64_CONSTANT (1735732800) /* 2025-01-01 12:00:00 UTC */
#define MINUTE 60

typedef struct
{
  guint32 server_id;
  gint64 ts;
  gdouble score;
  gboolean is_new;
} Input;

static void
run (const Input *inputs, guint n)
{
  g_autoptr (NtpmonScoreHistory) h = ntpmon_score_history_new ();

  for (guint i = 0; i < n; i++)
    {
      gboolean got
          = ntpmon_score_history_is_new (h, inputs[i].server_id, inputs[i].ts, inputs[i].score);

      g_test_message ("input %u", i);
      g_assert_cmpint (got, ==, inputs[i].is_new);
    }
}

#define RUN(...)                                                                                   \
  G_STMT_START                                                                                     \
  {                                                                                                \
    const Input in[] = { __VA_ARGS__ };                                                            \
    run (in, G_N_ELEMENTS (in));                                                                   \
  }                                                                                                \
  G_STMT_END

static void
test_tv66 (void)
{
  RUN ({ 1, T, 19.8022327058068, TRUE }, { 1, T + 1 * MINUTE, 19.8022327058068, FALSE },
       { 1, T + 15 * MINUTE, 19.8022327058068, TRUE }, { 1, T + 20 * MINUTE, 19.8022327058, TRUE });
}

static void
test_tv67 (void)
{
  g_autoptr (NtpmonScoreHistory) h = ntpmon_score_history_new ();
  gint64 ts = 0;
  gdouble score = 0;

  g_assert_true (ntpmon_score_history_is_new (h, 1, T, 10));
  g_assert_false (ntpmon_score_history_is_new (h, 1, T - MINUTE, 10));
  g_assert_true (ntpmon_score_history_lookup (h, 1, &ts, &score));
  g_assert_cmpint (ts, ==, T);
  g_assert_cmpfloat (score, ==, 10);
}

static void
test_tv68 (void)
{
  RUN ({ 1, T, 10, TRUE }, { 1, T, 10, FALSE });
}

static void
test_tv69 (void)
{
  RUN ({ 1, T, 20, TRUE }, { 1, T + 4 * MINUTE, 20.9, FALSE });
}

static void
test_tv70 (void)
{
  RUN ({ 1, T, 20, TRUE }, { 1, T + 5 * MINUTE, 20.9, TRUE });
}

static void
test_tv71 (void)
{
  RUN ({ 1, T, 20, TRUE }, { 1, T + 1 * MINUTE, 19, FALSE });
}

static void
test_tv72 (void)
{
  RUN ({ 1, T, 19, TRUE }, { 1, T + 1 * MINUTE, 20, TRUE });
}

static void
test_tv73 (void)
{
  RUN ({ 1, T, 20, TRUE }, { 1, T + 1 * MINUTE, 21.000001, TRUE });
}

static void
test_tv74 (void)
{
  RUN ({ 1, T, 0, TRUE }, { 1, T + 1 * MINUTE, 0.5, TRUE });
}

static void
test_tv75 (void)
{
  RUN ({ 1, T, 0, TRUE }, { 1, T + 14 * MINUTE, 0, FALSE }, { 1, T + 15 * MINUTE, 0, TRUE });
}

static void
test_tv76 (void)
{
  RUN ({ 1, T, -10, TRUE }, { 1, T + 4 * MINUTE, -10.5, FALSE },
       { 1, T + 5 * MINUTE, -10.5, TRUE });
}

static void
test_tv77 (void)
{
  RUN ({ 1, T, 10, TRUE }, { 2, T + 1 * MINUTE, 10, TRUE });
}

/* §15 item 4: the state is per server and holds the input row's score;
 * with two monitors interleaved, each row is compared with the other
 * monitor's row seen last. */
static void
test_quirk4_interleaved (void)
{
  /* monitor A (T, 10), B (T+1m, 10): B's row is not new; A (T+2m, 15),
   * B (T+3m, 10): B differs from A's 15 and is new */
  RUN ({ 1, T, 10, TRUE }, { 1, T + 1 * MINUTE, 10, FALSE }, { 1, T + 2 * MINUTE, 15, TRUE },
       { 1, T + 3 * MINUTE, 10, TRUE });
}

static void
test_pct_close (void)
{
  g_assert_true (ntpmon_score_pct_close (0, 0));
  g_assert_false (ntpmon_score_pct_close (0, 1e-11));
  g_assert_true (ntpmon_score_pct_close (0, 1e-13));
  /* relative to the remembered score: asymmetric */
  g_assert_true (ntpmon_score_pct_close (19, 20));
  g_assert_false (ntpmon_score_pct_close (20, 19));
}

static void
test_reset (void)
{
  g_autoptr (NtpmonScoreHistory) h = ntpmon_score_history_new ();

  g_assert_true (ntpmon_score_history_is_new (h, 1, T, 10));
  g_assert_false (ntpmon_score_history_is_new (h, 1, T, 10));
  ntpmon_score_history_reset (h);
  g_assert_true (ntpmon_score_history_is_new (h, 1, T, 10));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scorer/16.5/TV-66", test_tv66);
  g_test_add_func ("/scorer/16.5/TV-67", test_tv67);
  g_test_add_func ("/scorer/16.5/TV-68", test_tv68);
  g_test_add_func ("/scorer/16.5/TV-69", test_tv69);
  g_test_add_func ("/scorer/16.5/TV-70", test_tv70);
  g_test_add_func ("/scorer/16.5/TV-71", test_tv71);
  g_test_add_func ("/scorer/16.5/TV-72", test_tv72);
  g_test_add_func ("/scorer/16.5/TV-73", test_tv73);
  g_test_add_func ("/scorer/16.5/TV-74", test_tv74);
  g_test_add_func ("/scorer/16.5/TV-75", test_tv75);
  g_test_add_func ("/scorer/16.5/TV-76", test_tv76);
  g_test_add_func ("/scorer/16.5/TV-77", test_tv77);
  g_test_add_func ("/scorer/history/pct-close", test_pct_close);
  g_test_add_func ("/scorer/quirk/4-dedup-last-row-of-any-monitor", test_quirk4_interleaved);
  g_test_add_func ("/scorer/history/reset", test_reset);
  return g_test_run ();
}
