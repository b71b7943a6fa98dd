/* ntpmon-selector-promote.c: promotions, swaps and bootstrap (selector.md §7.7, §9.5–9.8, §9.11)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-rules.h"

static gboolean
globally_eligible (const NtpmonSelectorMonitor *m)
{
  return m->global_status == NTPMON_SELECTOR_GLOBAL_ACTIVE
         || m->global_status == NTPMON_SELECTOR_GLOBAL_TESTING;
}

/* §9.5: does @a significantly outperform @b? */
gboolean
ntpmon_selector_outperforms (const NtpmonSelectorMonitor *a, const NtpmonSelectorMonitor *b)
{
  gint64 diff;
  gdouble pct;

  if (a->healthy && !b->healthy)
    return TRUE;
  if (!a->healthy && b->healthy)
    return FALSE;
  diff = a->priority - b->priority;
  if (b->priority == 0)
    pct = a->priority < 0 ? -100.0 : 100.0;
  else
    pct = (gdouble)diff / (gdouble)b->priority * 100.0;
  return pct <= -5.0 && (gdouble)diff <= -5.0;
}

gchar *
ntpmon_selector_emergency_reason (const gchar *base, NtpmonSelectorStatus to, gboolean bootstrap)
{
  const gchar *prefix = bootstrap ? "bootstrap emergency promotion" : "emergency promotion";

  if (to == NTPMON_SELECTOR_STATUS_ACTIVE)
    return g_strconcat (prefix, ": zero active monitors", NULL);
  if (to == NTPMON_SELECTOR_STATUS_TESTING)
    return g_strconcat (prefix, " to testing: zero active monitors", NULL);
  return g_strdup (base);
}

/* §7.7 can_promote_to_active / can_promote_to_testing against @table */
gboolean
ntpmon_selector_can_promote (NtpmonSelectorRun *run, NtpmonSelectorAccountTable *table,
                             const NtpmonSelectorMonitor *monitor, NtpmonSelectorStatus to)
{
  if (to == NTPMON_SELECTOR_STATUS_ACTIVE)
    {
      if (monitor->global_status != NTPMON_SELECTOR_GLOBAL_ACTIVE)
        return FALSE;
      if (monitor->has_metrics && !monitor->healthy)
        return FALSE;
    }
  else if (to == NTPMON_SELECTOR_STATUS_TESTING)
    {
      if (!globally_eligible (monitor))
        return FALSE;
    }
  else
    return FALSE;

  if (run->emergency)
    return TRUE;
  return !ntpmon_selector_engine_promotion_violates (run->engine, run->ctx, table, monitor, to,
                                                     run->events);
}

/* One promotion against the run's working table: on success the change is
 * recorded (with the emergency wording when there is no active monitor),
 * the table and the working counts are updated. */
gboolean
ntpmon_selector_promote (NtpmonSelectorRun *run, const NtpmonSelectorMonitor *monitor,
                         NtpmonSelectorStatus from, NtpmonSelectorStatus to, const gchar *reason,
                         gboolean bootstrap)
{
  g_autofree gchar *text = NULL;

  if (!ntpmon_selector_can_promote (run, run->table, monitor, to))
    return FALSE;
  text = run->emergency ? ntpmon_selector_emergency_reason (reason, to, bootstrap)
                        : g_strdup (reason);
  g_ptr_array_add (run->changes, ntpmon_selector_change_new (monitor->id, from, to, text));
  ntpmon_selector_account_table_move (run->table, monitor, from, to);
  if (from == NTPMON_SELECTOR_STATUS_ACTIVE)
    run->wa--;
  if (to == NTPMON_SELECTOR_STATUS_ACTIVE)
    run->wa++;
  if (from == NTPMON_SELECTOR_STATUS_TESTING)
    run->wt--;
  if (to == NTPMON_SELECTOR_STATUS_TESTING)
    run->wt++;
  return TRUE;
}

/* §9.6; @to_active selects testing→active swaps, else candidate→testing */
static void
replace (NtpmonSelectorRun *run, GPtrArray *replacers, GPtrArray *targets, gint budget,
         gboolean to_active)
{
  NtpmonSelectorStatus r_from
      = to_active ? NTPMON_SELECTOR_STATUS_TESTING : NTPMON_SELECTOR_STATUS_CANDIDATE;
  NtpmonSelectorStatus r_to
      = to_active ? NTPMON_SELECTOR_STATUS_ACTIVE : NTPMON_SELECTOR_STATUS_TESTING;
  NtpmonSelectorStatus t_from = r_to, t_to = r_from;
  const gchar *r_reason = to_active ? "active-testing swap (promote)" : "replacement promotion";
  const gchar *t_reason
      = to_active ? "active-testing swap (demote)" : "replaced by better candidate";
  gint cost = to_active ? 2 : 1;
  gint64 min_count = to_active ? NTPMON_SELECTOR_MIN_COUNT_ACTIVE : NTPMON_SELECTOR_MIN_COUNT_TEST;
  g_autoptr (GPtrArray) eligible_targets = g_ptr_array_new ();
  g_autoptr (GPtrArray) eligible_replacers = g_ptr_array_new ();
  gint swaps = 0;

  for (guint i = 0; i < targets->len; i++)
    {
      NtpmonSelectorMonitor *m = targets->pdata[i];

      if (m->disposition != NTPMON_SELECTOR_DISPOSITION_OUT && m->violation == NULL)
        g_ptr_array_add (eligible_targets, m);
    }
  for (guint i = 0; i < replacers->len; i++)
    if (globally_eligible (replacers->pdata[i]))
      g_ptr_array_add (eligible_replacers, replacers->pdata[i]);
  if (eligible_targets->len == 0 || eligible_replacers->len == 0)
    return;

  for (guint i = eligible_targets->len; i > 0; i--)
    {
      const NtpmonSelectorMonitor *target = eligible_targets->pdata[i - 1];

      if (swaps * cost >= budget)
        break;
      for (guint j = 0; j < eligible_replacers->len; j++)
        {
          const NtpmonSelectorMonitor *r = eligible_replacers->pdata[j];
          g_autoptr (GArray) trial = NULL;

          if (!ntpmon_selector_outperforms (r, target))
            break;
          if (r->count < min_count)
            continue;
          trial = ntpmon_selector_account_table_copy (run->table);
          ntpmon_selector_account_table_move (trial, target, t_from, t_to);
          if (!ntpmon_selector_can_promote (run, trial, r, r_to))
            continue;

          g_ptr_array_add (run->changes,
                           ntpmon_selector_change_new (target->id, t_from, t_to, t_reason));
          g_ptr_array_add (run->changes,
                           ntpmon_selector_change_new (r->id, r_from, r_to, r_reason));
          ntpmon_selector_account_table_move (run->table, target, t_from, t_to);
          ntpmon_selector_account_table_move (run->table, r, r_from, r_to);
          g_ptr_array_remove_index (eligible_replacers, j);
          swaps++;
          break;
        }
    }
}

/* §9.7 */
void
ntpmon_selector_rule3 (NtpmonSelectorRun *run)
{
  guint first = run->changes->len;
  gint budget = run->promotions, to_add = MAX (0, NTPMON_SELECTOR_TARGET_ACTIVE - run->wa);
  gint remaining;

  if (to_add > 0 && budget > 0)
    {
      gint need = MIN (to_add, budget), promoted = 0;

      for (guint i = 0; i < run->tst->len && promoted < need; i++)
        {
          const NtpmonSelectorMonitor *m = run->tst->pdata[i];

          if (m->count < NTPMON_SELECTOR_MIN_COUNT_ACTIVE)
            continue;
          if (ntpmon_selector_promote (run, m, NTPMON_SELECTOR_STATUS_TESTING,
                                       NTPMON_SELECTOR_STATUS_ACTIVE, "promotion to active", FALSE))
            promoted++;
        }
    }

  remaining = budget - (gint)(run->changes->len - first);
  if (remaining > 0 && run->tst->len > 0 && run->act->len > 0)
    {
      /* swaps leave the working counts as they are */
      gint wa = run->wa, wt = run->wt;

      replace (run, run->tst, run->act, remaining, TRUE);
      run->wa = wa;
      run->wt = wt;
    }
  run->promotions = MAX (0, run->promotions - (gint)(run->changes->len - first));
}

/* §9.8 */
void
ntpmon_selector_rule5 (NtpmonSelectorRun *run)
{
  gint budget = run->promotions, capacity, need, promoted = 0;

  if (budget <= 0 || run->can->len == 0)
    return;
  capacity = MAX (0, NTPMON_SELECTOR_BASE_TESTING + MAX (0, NTPMON_SELECTOR_TARGET_ACTIVE - run->wa)
                         - run->wt);
  need = MIN (MIN (budget, 2), capacity);
  for (guint i = 0; i < run->can->len && promoted < need; i++)
    {
      const NtpmonSelectorMonitor *m = run->can->pdata[i];

      if (!globally_eligible (m) || m->count < NTPMON_SELECTOR_MIN_COUNT_TEST)
        continue;
      if (ntpmon_selector_promote (run, m, NTPMON_SELECTOR_STATUS_CANDIDATE,
                                   NTPMON_SELECTOR_STATUS_TESTING, "candidate to testing", FALSE))
        promoted++;
    }
  if (budget - promoted > 0 && run->tst->len > 0)
    replace (run, run->can, run->tst, budget - promoted, FALSE);
}

/* §9.11: candidates that may be bootstrapped, healthy ones apart */
void
ntpmon_selector_bootstrap_split (GPtrArray *candidates, GPtrArray *healthy, GPtrArray *other)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      NtpmonSelectorMonitor *m = candidates->pdata[i];

      if (globally_eligible (m))
        g_ptr_array_add (m->healthy ? healthy : other, m);
    }
}

/* §9.11 */
void
ntpmon_selector_rule6 (NtpmonSelectorRun *run)
{
  g_autoptr (GPtrArray) healthy = g_ptr_array_new ();
  g_autoptr (GPtrArray) other = g_ptr_array_new ();
  GPtrArray *groups[] = { healthy, other };
  const gchar *reasons[]
      = { "bootstrap: promoting healthy candidate", "bootstrap: promoting candidate" };
  gint promoted = 0;

  if (run->tst->len != 0 || run->can->len == 0)
    return;
  ntpmon_selector_bootstrap_split (run->can, healthy, other);
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint i = 0; i < groups[g]->len && promoted < NTPMON_SELECTOR_BASE_TESTING; i++)
      if (ntpmon_selector_promote (run, groups[g]->pdata[i], NTPMON_SELECTOR_STATUS_CANDIDATE,
                                   NTPMON_SELECTOR_STATUS_TESTING, reasons[g], TRUE))
        promoted++;
}
