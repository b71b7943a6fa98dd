/* ntpmon-selector-rules.h: the rules of one run, callable one by one (selector.md §9)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-selector-engine.h"

G_BEGIN_DECLS

/**
 * NtpmonSelectorRun:
 *
 * The working state of one rule-engine run. ntpmon_selector_run_init()
 * prepares it as §9.1 does; tests may then override budgets and counts and
 * call single rules.
 */
typedef struct
{
  NtpmonSelectorEngine *engine;
  NtpmonSelectorContext *ctx;
  GPtrArray *changes;                           /* NtpmonSelectorChange, owned */
  GPtrArray *evaluated, *act, *tst, *can, *pau; /* borrowed monitors */
  gint blocked;
  gint active_removals, testing_removals, promotions;
  gint wa, wt, healthy_active, healthy_testing;
  gboolean emergency;
  NtpmonSelectorAccountTable *table; /* working copy, owned */
  GDateTime *now;
  GArray *events; /* nullable */
} NtpmonSelectorRun;

void ntpmon_selector_run_init (NtpmonSelectorRun *run, NtpmonSelectorEngine *engine,
                               NtpmonSelectorContext *ctx, GPtrArray *evaluated,
                               NtpmonSelectorAccountTable *table, GDateTime *now, GArray *events);
void ntpmon_selector_run_clear (NtpmonSelectorRun *run);
gboolean ntpmon_selector_run_block_all (NtpmonSelectorRun *run);
gint ntpmon_selector_run_max_removals (gint target, gint evaluated, gint healthy_active, gint wa,
                                       gint active_removals);

void ntpmon_selector_rule1 (NtpmonSelectorRun *run);
void ntpmon_selector_rule2 (NtpmonSelectorRun *run);
void ntpmon_selector_rule1_5 (NtpmonSelectorRun *run);
void ntpmon_selector_rule3 (NtpmonSelectorRun *run);
void ntpmon_selector_rule5 (NtpmonSelectorRun *run);
void ntpmon_selector_rule2_5 (NtpmonSelectorRun *run);
void ntpmon_selector_rule7 (NtpmonSelectorRun *run);
void ntpmon_selector_rule6 (NtpmonSelectorRun *run);

/* helpers (ntpmon-selector-promote.c) */
gboolean ntpmon_selector_outperforms (const NtpmonSelectorMonitor *a,
                                      const NtpmonSelectorMonitor *b);
gchar *ntpmon_selector_emergency_reason (const gchar *base, NtpmonSelectorStatus to,
                                         gboolean bootstrap);
gboolean ntpmon_selector_can_promote (NtpmonSelectorRun *run, NtpmonSelectorAccountTable *table,
                                      const NtpmonSelectorMonitor *monitor,
                                      NtpmonSelectorStatus to);
gboolean ntpmon_selector_promote (NtpmonSelectorRun *run, const NtpmonSelectorMonitor *monitor,
                                  NtpmonSelectorStatus from, NtpmonSelectorStatus to,
                                  const gchar *reason, gboolean bootstrap);
void ntpmon_selector_bootstrap_split (GPtrArray *candidates, GPtrArray *healthy, GPtrArray *other);
gboolean ntpmon_selector_is_due (const NtpmonSelectorMonitor *monitor, GDateTime *now);

G_END_DECLS
