/* test-backoff.c: the batch loop's retry schedule (agent.md §5.4)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-monitor-backoff.h"

/* The nominal delays of the spec, in ms. */
static const gdouble nominal[]
    = { 3000,      4500,       6750,        10125,         15187.5, 22781.25,
        34171.875, 51257.8125, 76886.71875, 115330.078125, 120000,  120000 };

static void
test_sequence (void)
{
  NtpmonMonitorBackoff a, b;
  guint64 elapsed = 0;

  ntpmon_monitor_backoff_init (&a, 42);
  ntpmon_monitor_backoff_init (&b, 42);
  for (gsize i = 0; i < G_N_ELEMENTS (nominal); i++)
    {
      guint64 da = 0, db = 0;

      g_assert_true (ntpmon_monitor_backoff_next (&a, elapsed, &da));
      g_assert_true (ntpmon_monitor_backoff_next (&b, elapsed, &db));
      /* the same seed gives the same delays */
      g_assert_cmpuint (da, ==, db);
      /* each within ±30 % of the nominal one */
      g_assert_cmpfloat ((gdouble)da, >=, nominal[i] * 0.7 - 1);
      g_assert_cmpfloat ((gdouble)da, <=, nominal[i] * 1.3);
      elapsed += da;
    }
  ntpmon_monitor_backoff_clear (&a);
  ntpmon_monitor_backoff_clear (&b);
}

static void
test_jitter_spread (void)
{
  NtpmonMonitorBackoff a;
  guint64 lo = G_MAXUINT64, hi = 0;

  /* the first delay over many iterations covers most of [2.1 s, 3.9 s] */
  ntpmon_monitor_backoff_init (&a, 7);
  for (guint i = 0; i < 1000; i++)
    {
      guint64 d = 0;

      ntpmon_monitor_backoff_reset (&a);
      g_assert_true (ntpmon_monitor_backoff_next (&a, 0, &d));
      lo = MIN (lo, d);
      hi = MAX (hi, d);
    }
  g_assert_cmpuint (lo, >=, 2100);
  g_assert_cmpuint (lo, <, 2200);
  g_assert_cmpuint (hi, <=, 3900);
  g_assert_cmpuint (hi, >, 3800);
  ntpmon_monitor_backoff_clear (&a);
}

static void
test_budget (void)
{
  NtpmonMonitorBackoff a;
  guint64 elapsed = 0, d = 0;
  guint n = 0;

  ntpmon_monitor_backoff_init (&a, 3);
  while (ntpmon_monitor_backoff_next (&a, elapsed, &d))
    {
      elapsed += d;
      n++;
      g_assert_cmpuint (n, <, 100);
    }
  /* the retries stop within the 15 min budget, after 2 min delays */
  g_assert_cmpuint (elapsed, <=, NTPMON_MONITOR_BACKOFF_BUDGET_MS);
  g_assert_cmpuint (elapsed, >, NTPMON_MONITOR_BACKOFF_BUDGET_MS - 2 * 156000);
  g_assert_cmpuint (n, >=, 12);
  /* a new iteration starts over */
  ntpmon_monitor_backoff_reset (&a);
  g_assert_true (ntpmon_monitor_backoff_next (&a, 0, &d));
  g_assert_cmpuint (d, <=, 3900);
  ntpmon_monitor_backoff_clear (&a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/monitor/backoff/sequence", test_sequence);
  g_test_add_func ("/monitor/backoff/jitter-spread", test_jitter_spread);
  g_test_add_func ("/monitor/backoff/budget", test_budget);
  return g_test_run ();
}
