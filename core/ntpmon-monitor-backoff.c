/* ntpmon-monitor-backoff.c: the batch loop's retry schedule (agent.md §5.4)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-monitor-backoff.h"

void
ntpmon_monitor_backoff_init (NtpmonMonitorBackoff *self, guint32 seed)
{
  self->initial_ms = NTPMON_MONITOR_BACKOFF_INITIAL_MS;
  self->max_ms = NTPMON_MONITOR_BACKOFF_MAX_MS;
  self->budget_ms = NTPMON_MONITOR_BACKOFF_BUDGET_MS;
  self->rand = seed != 0 ? g_rand_new_with_seed (seed) : g_rand_new ();
  ntpmon_monitor_backoff_reset (self);
}

void
ntpmon_monitor_backoff_clear (NtpmonMonitorBackoff *self)
{
  g_clear_pointer (&self->rand, g_rand_free);
}

void
ntpmon_monitor_backoff_reset (NtpmonMonitorBackoff *self)
{
  self->interval_ms = (gdouble)self->initial_ms;
}

gboolean
ntpmon_monitor_backoff_next (NtpmonMonitorBackoff *self, guint64 elapsed_ms, guint64 *delay_ms)
{
  gdouble factor = g_rand_double_range (self->rand, 1.0 - NTPMON_MONITOR_BACKOFF_JITTER,
                                        1.0 + NTPMON_MONITOR_BACKOFF_JITTER);
  guint64 delay = (guint64)(self->interval_ms * factor);

  self->interval_ms *= NTPMON_MONITOR_BACKOFF_MULTIPLIER;
  if (self->interval_ms > (gdouble)self->max_ms)
    self->interval_ms = (gdouble)self->max_ms;
  if (elapsed_ms + delay > self->budget_ms)
    return FALSE;
  *delay_ms = delay;
  return TRUE;
}
