/* ntpmon-monitor-backoff.h: the batch loop's retry schedule (agent.md §5.4)
 *
 * SPDX-License-Identifier: MIT
 *
 * An exponential backoff: the first delay is drawn around 3 s, each draw
 * multiplies the interval by 1.5 up to 2 min, and each delay is the
 * interval times a uniform factor in [0.7, 1.3]. Retrying ends when the
 * time spent plus the next delay would pass the 15 min budget.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NTPMON_MONITOR_BACKOFF_INITIAL_MS 3000
#define NTPMON_MONITOR_BACKOFF_MAX_MS     120000
#define NTPMON_MONITOR_BACKOFF_BUDGET_MS  900000
#define NTPMON_MONITOR_BACKOFF_MULTIPLIER 1.5
#define NTPMON_MONITOR_BACKOFF_JITTER     0.3

typedef struct
{
  guint64 initial_ms;
  guint64 max_ms;
  guint64 budget_ms;
  gdouble interval_ms; /* the next draw's nominal delay */
  GRand *rand;         /* owned */
} NtpmonMonitorBackoff;

/* The reference's numbers; @seed makes the jitter reproducible, 0 seeds
 * from the system. */
void ntpmon_monitor_backoff_init (NtpmonMonitorBackoff *self, guint32 seed);
void ntpmon_monitor_backoff_clear (NtpmonMonitorBackoff *self);
/* Starts over with the initial interval (the next iteration). */
void ntpmon_monitor_backoff_reset (NtpmonMonitorBackoff *self);
/* The delay before the next attempt in *@delay_ms, given that @elapsed_ms
 * passed since the first attempt of this iteration; FALSE when the budget
 * is used up (the iteration ends). */
gboolean ntpmon_monitor_backoff_next (NtpmonMonitorBackoff *self, guint64 elapsed_ms,
                                      guint64 *delay_ms);

G_END_DECLS
