/* ntpmon-selector-rules.c: preparation, removals, pool sizes and unpausing (selector.md §9)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-selector-rules.h"

#define REASON_GRADUAL "gradual removal (health or constraints)"

static gboolean
is_out (const NtpmonSelectorMonitor *m)
{
  return m->disposition == NTPMON_SELECTOR_DISPOSITION_OUT;
}

static gboolean
is_healthy_in (const NtpmonSelectorMonitor *m)
{
  return m->healthy && m->disposition == NTPMON_SELECTOR_DISPOSITION_IN;
}

static gint
count_healthy_in (GPtrArray *list)
{
  gint n = 0;

  for (guint i = 0; i < list->len; i++)
    n += is_healthy_in (list->pdata[i]) ? 1 : 0;
  return n;
}

static void
add_change (NtpmonSelectorRun *run, const NtpmonSelectorMonitor *m, NtpmonSelectorStatus from,
            NtpmonSelectorStatus to, const gchar *reason)
{
  g_ptr_array_add (run->changes, ntpmon_selector_change_new (m->id, from, to, reason));
}

/* §9.1 steps 1–5 and 7 */
void
ntpmon_selector_run_init (NtpmonSelectorRun *run, NtpmonSelectorEngine *engine,
                          NtpmonSelectorContext *ctx, GPtrArray *evaluated,
                          NtpmonSelectorAccountTable *table, GDateTime *now, GArray *events)
{
  gint base = 2;

  memset (run, 0, sizeof *run);
  run->engine = g_object_ref (engine);
  run->ctx = ctx;
  run->changes = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_change_free);
  run->evaluated = g_ptr_array_ref (evaluated);
  run->act = g_ptr_array_new ();
  run->tst = g_ptr_array_new ();
  run->can = g_ptr_array_new ();
  run->pau = g_ptr_array_new ();
  for (guint i = 0; i < evaluated->len; i++)
    {
      NtpmonSelectorMonitor *m = evaluated->pdata[i];

      switch (ntpmon_selector_monitor_get_status (m))
        {
        case NTPMON_SELECTOR_STATUS_ACTIVE:
          g_ptr_array_add (run->act, m);
          break;
        case NTPMON_SELECTOR_STATUS_TESTING:
          g_ptr_array_add (run->tst, m);
          break;
        case NTPMON_SELECTOR_STATUS_PAUSED:
          g_ptr_array_add (run->pau, m);
          break;
        case NTPMON_SELECTOR_STATUS_CANDIDATE:
        case NTPMON_SELECTOR_STATUS_NONE:
        default:
          g_ptr_array_add (run->can, m);
          break;
        }
      if (m->disposition == NTPMON_SELECTOR_DISPOSITION_BLOCK)
        run->blocked++;
    }

  if (run->blocked > 1)
    base = 3;
  if (run->act->len == 0)
    base = 4;
  run->active_removals = run->testing_removals = run->promotions = base;
  run->wa = (gint)run->act->len;
  run->wt = (gint)run->tst->len;
  run->healthy_active = count_healthy_in (run->act);
  run->healthy_testing = count_healthy_in (run->tst);
  run->emergency = run->act->len == 0;
  run->table = table != NULL ? ntpmon_selector_account_table_copy (table)
                             : ntpmon_selector_account_table_new ();
  run->now = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  run->events = events;
}

void
ntpmon_selector_run_clear (NtpmonSelectorRun *run)
{
  g_clear_object (&run->engine);
  g_clear_pointer (&run->changes, g_ptr_array_unref);
  g_clear_pointer (&run->evaluated, g_ptr_array_unref);
  g_clear_pointer (&run->act, g_ptr_array_unref);
  g_clear_pointer (&run->tst, g_ptr_array_unref);
  g_clear_pointer (&run->can, g_ptr_array_unref);
  g_clear_pointer (&run->pau, g_ptr_array_unref);
  g_clear_pointer (&run->table, g_array_unref);
  g_clear_pointer (&run->now, g_date_time_unref);
}

static gboolean
has_bootstrap_candidate (NtpmonSelectorRun *run)
{
  for (guint i = 0; i < run->can->len; i++)
    {
      const NtpmonSelectorMonitor *m = run->can->pdata[i];

      if (m->healthy
          && (m->global_status == NTPMON_SELECTOR_GLOBAL_ACTIVE
              || m->global_status == NTPMON_SELECTOR_GLOBAL_TESTING))
        return TRUE;
    }
  return FALSE;
}

/* §9.1 step 6. The reference also stops here for a new server whose only
 * monitors are healthy candidates, so it is never bootstrapped (§12 item 2);
 * unless NTPMON_SELECTOR_FLAG_REFERENCE_BLOCK_ALL is set, such a server
 * goes on to the rules. */
gboolean
ntpmon_selector_run_block_all (NtpmonSelectorRun *run)
{
  if (!(NTPMON_SELECTOR_TARGET_ACTIVE > (gint)run->evaluated->len && run->healthy_active == 0
        && run->healthy_testing == 0))
    return FALSE;
  for (guint i = 0; i < run->evaluated->len; i++)
    if (is_out (run->evaluated->pdata[i]))
      return FALSE;

  if (!(ntpmon_selector_engine_get_flags (run->engine) & NTPMON_SELECTOR_FLAG_REFERENCE_BLOCK_ALL)
      && run->act->len == 0 && run->tst->len == 0 && has_bootstrap_candidate (run))
    {
      g_debug ("server %" G_GINT64_FORMAT ": no active or testing monitor, bootstrapping from "
               "healthy candidates",
               run->ctx->server_id);
      return FALSE;
    }
  return TRUE;
}

/* §9.1 step 8: advisory only, logged, never used for decisions */
gint
ntpmon_selector_run_max_removals (gint target, gint evaluated, gint healthy_active, gint wa,
                                  gint active_removals)
{
  gint value = active_removals;

  if (target > evaluated && healthy_active < wa)
    return 0;
  if (wa <= target && healthy_active < target && wa > 0)
    value = 0;
  if (value >= wa && wa > 0)
    value = wa - 1;
  return value;
}

/* the working-count update applied after Rules 1 and 2 */
static void
update_counts (NtpmonSelectorRun *run, guint first)
{
  for (guint i = first; i < run->changes->len; i++)
    {
      const NtpmonSelectorChange *c = run->changes->pdata[i];

      if (c->from == NTPMON_SELECTOR_STATUS_ACTIVE && c->to != NTPMON_SELECTOR_STATUS_ACTIVE)
        run->wa--;
      if (c->to == NTPMON_SELECTOR_STATUS_TESTING)
        run->wt++;
      if (c->from == NTPMON_SELECTOR_STATUS_TESTING && c->to != NTPMON_SELECTOR_STATUS_TESTING)
        run->wt--;
    }
}

/* §9.2 */
void
ntpmon_selector_rule1 (NtpmonSelectorRun *run)
{
  GPtrArray *lists[] = { run->act, run->tst };
  NtpmonSelectorStatus from[] = { NTPMON_SELECTOR_STATUS_ACTIVE, NTPMON_SELECTOR_STATUS_TESTING };
  guint first = run->changes->len;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const NtpmonSelectorMonitor *m = lists[l]->pdata[i];

        if (m->disposition == NTPMON_SELECTOR_DISPOSITION_BLOCK)
          add_change (run, m, from[l], NTPMON_SELECTOR_STATUS_CANDIDATE,
                      "blocked by constraints or global status");
      }
  update_counts (run, first);
}

/* §9.3 removal procedure; returns the number of changes made */
static gint
remove_out (NtpmonSelectorRun *run, GPtrArray *list, NtpmonSelectorStatus from,
            NtpmonSelectorStatus to, gint current, gint threshold, gint limit,
            gboolean testing_pass)
{
  gint cv = 0, perf = 0, total, allowed, made = 0;
  gboolean skip_perf;

  for (guint i = 0; i < list->len; i++)
    {
      const NtpmonSelectorMonitor *m = list->pdata[i];

      if (is_out (m))
        {
          if (m->violation != NULL)
            cv++;
          else
            perf++;
        }
    }
  total = cv + perf;
  if (total == 0)
    return 0;
  skip_perf = current - cv <= threshold && perf > 0;

  if (testing_pass && run->act->len == 0 && current > threshold)
    allowed = MIN (MIN (total, limit), current - threshold);
  else if ((current <= threshold && cv == 0) || (skip_perf && cv == 0))
    allowed = 0;
  else if (cv > 0 && (current <= threshold || skip_perf))
    allowed = MIN (limit, cv);
  else
    allowed = MIN (limit, current - threshold);

  for (guint i = list->len; i > 0 && allowed > 0; i--)
    {
      const NtpmonSelectorMonitor *m = list->pdata[i - 1];

      if (!is_out (m) || (skip_perf && m->violation == NULL))
        continue;
      add_change (run, m, from, to, REASON_GRADUAL);
      allowed--;
      made++;
    }
  return made;
}

/* §9.3 */
void
ntpmon_selector_rule2 (NtpmonSelectorRun *run)
{
  guint first = run->changes->len;
  gint demoted;

  demoted = remove_out (run, run->act, NTPMON_SELECTOR_STATUS_ACTIVE,
                        NTPMON_SELECTOR_STATUS_TESTING, (gint)run->act->len,
                        MAX (1, NTPMON_SELECTOR_TARGET_ACTIVE - 2), run->active_removals, FALSE);
  remove_out (run, run->tst, NTPMON_SELECTOR_STATUS_TESTING, NTPMON_SELECTOR_STATUS_CANDIDATE,
              (gint)run->tst->len + demoted, MAX (1, NTPMON_SELECTOR_BASE_TESTING - 2),
              run->testing_removals, TRUE);
  update_counts (run, first);
}

/* §9.4 */
void
ntpmon_selector_rule1_5 (NtpmonSelectorRun *run)
{
  gint done = 0, out = 0, reserve, available, n;

  for (guint i = 0; i < run->changes->len; i++)
    {
      const NtpmonSelectorChange *c = run->changes->pdata[i];

      if (c->from == NTPMON_SELECTOR_STATUS_ACTIVE && c->to != NTPMON_SELECTOR_STATUS_ACTIVE)
        done++;
    }
  if (!(run->wa > NTPMON_SELECTOR_TARGET_ACTIVE && run->wa > 1 && !run->emergency
        && run->active_removals > done))
    return;

  for (guint i = 0; i < run->act->len; i++)
    out += is_out (run->act->pdata[i]) ? 1 : 0;
  reserve = MIN (out, run->active_removals - done);
  available = MAX (0, run->active_removals - done - reserve);
  n = MIN (run->wa - NTPMON_SELECTOR_TARGET_ACTIVE, available);
  if (n <= 0)
    return;
  for (guint i = run->act->len - MIN ((guint)n, run->act->len); i < run->act->len; i++)
    {
      const NtpmonSelectorMonitor *m = run->act->pdata[i];

      if (is_out (m))
        continue;
      add_change (run, m, NTPMON_SELECTOR_STATUS_ACTIVE, NTPMON_SELECTOR_STATUS_TESTING,
                  "excess active demotion");
      run->wa--;
      run->wt++;
    }
}

/* §9.9 */
void
ntpmon_selector_rule2_5 (NtpmonSelectorRun *run)
{
  gint dyn = NTPMON_SELECTOR_BASE_TESTING + MAX (0, NTPMON_SELECTOR_TARGET_ACTIVE - run->wa);
  gint done = 0, n, demoted = 0;

  if (run->wt <= dyn)
    return;
  for (guint i = 0; i < run->changes->len; i++)
    {
      const NtpmonSelectorChange *c = run->changes->pdata[i];

      if (c->from == NTPMON_SELECTOR_STATUS_TESTING && c->to == NTPMON_SELECTOR_STATUS_CANDIDATE)
        done++;
    }
  n = MIN (run->wt - dyn, MAX (0, run->testing_removals - done));
  for (guint i = run->tst->len; i > 0 && demoted < n; i--)
    {
      const NtpmonSelectorMonitor *m = run->tst->pdata[i - 1];
      g_autofree gchar *reason = NULL;

      if (is_out (m) || m->violation != NULL)
        continue;
      reason = g_strdup_printf ("excess testing monitors (%d > target %d)", run->wt, dyn);
      add_change (run, m, NTPMON_SELECTOR_STATUS_TESTING, NTPMON_SELECTOR_STATUS_CANDIDATE, reason);
      demoted++;
      run->wt--;
    }
}

/* §9.10 step 2 */
gboolean
ntpmon_selector_is_due (const NtpmonSelectorMonitor *monitor, GDateTime *now)
{
  const gchar *reason = monitor->pause_reason != NULL ? monitor->pause_reason : "constraint";
  GTimeSpan since;

  if (ntpmon_selector_monitor_get_status (monitor) != NTPMON_SELECTOR_STATUS_PAUSED)
    return FALSE;
  if (monitor->last_constraint_check == NULL)
    return TRUE;
  since = g_date_time_difference (now, monitor->last_constraint_check);
  if (g_str_equal (reason, "constraint"))
    return since > 8 * G_TIME_SPAN_HOUR;
  if (g_str_equal (reason, "excess"))
    return since > 120 * G_TIME_SPAN_HOUR;
  return FALSE;
}

/* §9.10 */
void
ntpmon_selector_rule7 (NtpmonSelectorRun *run)
{
  gint made = 0;

  for (guint i = 0; i < run->pau->len && made < 2; i++)
    {
      const NtpmonSelectorMonitor *m = run->pau->pdata[i];

      if (!ntpmon_selector_is_due (m, run->now)
          || !ntpmon_selector_engine_is_resolved (run->engine, run->ctx, m))
        continue;
      add_change (run, m, NTPMON_SELECTOR_STATUS_PAUSED, NTPMON_SELECTOR_STATUS_CANDIDATE,
                  "constraint resolution: unpausing resolved constraint");
      made++;
    }
}
