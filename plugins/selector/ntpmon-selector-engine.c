/* ntpmon-selector-engine.c: evaluation, the rule sequence and violation tracking
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-checks.h"
#include "ntpmon-selector-engine.h"
#include "ntpmon-selector-rules.h"

G_DEFINE_QUARK (ntpmon - selector - error - quark, ntpmon_selector_error)

/* canonical positions of the known constraints */
enum
{
  C_SUBNET,
  C_ACCOUNT,
  C_DIVERSITY,
  C_LIMITS,
  N_KNOWN
};

static const gchar *const known_names[N_KNOWN] = { "subnet", "account", "diversity", "limits" };

struct _NtpmonSelectorEngine
{
  GObject parent_instance;
  NtpmonSelectorFlags flags;
  GPtrArray *evaluation_order; /* NtpmonConstraint: limits, subnet, account, diversity, others */
  GPtrArray *promotion_order;  /* subnet, account, limits, diversity, others */
};

G_DEFINE_FINAL_TYPE (NtpmonSelectorEngine, ntpmon_selector_engine, G_TYPE_OBJECT)

static void
ntpmon_selector_engine_finalize (GObject *object)
{
  NtpmonSelectorEngine *self = NTPMON_SELECTOR_ENGINE (object);

  g_ptr_array_unref (self->evaluation_order);
  g_ptr_array_unref (self->promotion_order);
  G_OBJECT_CLASS (ntpmon_selector_engine_parent_class)->finalize (object);
}

static void
ntpmon_selector_engine_class_init (NtpmonSelectorEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_selector_engine_finalize;
}

static void
ntpmon_selector_engine_init (NtpmonSelectorEngine *self)
{
  self->evaluation_order = g_ptr_array_new_with_free_func (g_object_unref);
  self->promotion_order = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * ntpmon_selector_engine_new:
 * @constraints: (nullable) (element-type NtpmonConstraint): the enabled constraints
 * @flags: behaviour flags
 *
 * A constraint that is not in @constraints takes no part in any decision;
 * each missing known constraint is logged.
 */
NtpmonSelectorEngine *
ntpmon_selector_engine_new (GPtrArray *constraints, NtpmonSelectorFlags flags)
{
  NtpmonSelectorEngine *self = g_object_new (NTPMON_TYPE_SELECTOR_ENGINE, NULL);
  NtpmonConstraint *known[N_KNOWN] = { NULL };
  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  static const guint eval_order[] = { C_LIMITS, C_SUBNET, C_ACCOUNT, C_DIVERSITY };
  static const guint promo_order[] = { C_SUBNET, C_ACCOUNT, C_LIMITS, C_DIVERSITY };

  self->flags = flags;
  for (guint i = 0; constraints != NULL && i < constraints->len; i++)
    {
      NtpmonConstraint *c = constraints->pdata[i];
      const gchar *name = ntpmon_constraint_get_name (c);
      gboolean placed = FALSE;

      for (guint k = 0; k < N_KNOWN && !placed; k++)
        if (g_strcmp0 (name, known_names[k]) == 0)
          {
            if (known[k] == NULL)
              known[k] = c;
            placed = TRUE;
          }
      if (!placed)
        g_ptr_array_add (others, c);
    }

  for (guint k = 0; k < N_KNOWN; k++)
    {
      if (known[eval_order[k]] != NULL)
        g_ptr_array_add (self->evaluation_order, g_object_ref (known[eval_order[k]]));
      if (known[promo_order[k]] != NULL)
        g_ptr_array_add (self->promotion_order, g_object_ref (known[promo_order[k]]));
      if (known[k] == NULL)
        g_message ("selector: constraint '%s' is DISABLED; its rule takes no part in monitor "
                   "selection",
                   known_names[k]);
    }
  for (guint i = 0; i < others->len; i++)
    {
      g_ptr_array_add (self->evaluation_order, g_object_ref (others->pdata[i]));
      g_ptr_array_add (self->promotion_order, g_object_ref (others->pdata[i]));
    }
  return self;
}

NtpmonSelectorFlags
ntpmon_selector_engine_get_flags (NtpmonSelectorEngine *self)
{
  return self->flags;
}

/* Returns: (transfer none) (nullable): the enabled constraint called @name */
NtpmonConstraint *
ntpmon_selector_engine_get_constraint (NtpmonSelectorEngine *self, const gchar *name)
{
  for (guint i = 0; i < self->evaluation_order->len; i++)
    if (g_strcmp0 (ntpmon_constraint_get_name (self->evaluation_order->pdata[i]), name) == 0)
      return self->evaluation_order->pdata[i];
  return NULL;
}

static NtpmonConstraint *
constraint_for_type (NtpmonSelectorEngine *self, const gchar *violation_type)
{
  for (guint i = 0; i < self->evaluation_order->len; i++)
    if (g_strcmp0 (ntpmon_constraint_get_violation_type (self->evaluation_order->pdata[i]),
                   violation_type)
        == 0)
      return self->evaluation_order->pdata[i];
  return NULL;
}

/* §8 */
NtpmonSelectorDisposition
ntpmon_selector_disposition (const NtpmonSelectorMonitor *m)
{
  switch (m->global_status)
    {
    case NTPMON_SELECTOR_GLOBAL_PENDING:
      return NTPMON_SELECTOR_DISPOSITION_OUT;
    case NTPMON_SELECTOR_GLOBAL_ACTIVE:
    case NTPMON_SELECTOR_GLOBAL_TESTING:
      break;
    case NTPMON_SELECTOR_GLOBAL_PAUSED:
    case NTPMON_SELECTOR_GLOBAL_DELETED:
    case NTPMON_SELECTOR_GLOBAL_UNKNOWN:
    default:
      return NTPMON_SELECTOR_DISPOSITION_BLOCK;
    }
  if (m->violation != NULL)
    return NTPMON_SELECTOR_DISPOSITION_OUT;
  if (m->has_metrics && !m->healthy)
    return NTPMON_SELECTOR_DISPOSITION_OUT;
  if (ntpmon_selector_monitor_get_status (m) == NTPMON_SELECTOR_STATUS_TESTING
      && m->global_status != NTPMON_SELECTOR_GLOBAL_ACTIVE)
    return NTPMON_SELECTOR_DISPOSITION_PENDING;
  return NTPMON_SELECTOR_DISPOSITION_IN;
}

/* for `selector_globally_active_monitors` (§11) */
guint
ntpmon_selector_count_globally_active (GPtrArray *monitors)
{
  guint n = 0;

  for (guint i = 0; i < monitors->len; i++)
    if (((NtpmonSelectorMonitor *)monitors->pdata[i])->global_status
        == NTPMON_SELECTOR_GLOBAL_ACTIVE)
      n++;
  return n;
}

/* §6 step 4: the first violation in the current status, then the disposition */
void
ntpmon_selector_engine_evaluate (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                                 NtpmonSelectorMonitor *monitor, GArray *events)
{
  monitor->violation = NULL;
  monitor->violation_unchangeable = FALSE;
  for (guint i = 0; i < self->evaluation_order->len; i++)
    {
      NtpmonConstraint *c = self->evaluation_order->pdata[i];

      if (ntpmon_constraint_check (c, ctx, monitor, NTPMON_CONSTRAINT_TARGET_CURRENT))
        {
          monitor->violation = g_intern_string (ntpmon_constraint_get_violation_type (c));
          monitor->violation_unchangeable = ntpmon_constraint_is_unchangeable (c);
          /* the reference counts a limit once and any other type twice */
          ntpmon_selector_add_event (events, monitor->id, monitor->violation,
                                     g_str_equal (monitor->violation, "limit") ? 1 : 2);
          break;
        }
    }
  monitor->disposition = ntpmon_selector_disposition (monitor);
}

/* §7.6 promotion order against @table; records the metric event of §11 */
gboolean
ntpmon_selector_engine_promotion_violates (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                                           NtpmonSelectorAccountTable *table,
                                           const NtpmonSelectorMonitor *monitor,
                                           NtpmonSelectorStatus target, GArray *events)
{
  NtpmonConstraintTarget t = target == NTPMON_SELECTOR_STATUS_ACTIVE
                                 ? NTPMON_CONSTRAINT_TARGET_ACTIVE
                                 : NTPMON_CONSTRAINT_TARGET_TESTING;
  NtpmonSelectorAccountTable *saved = ctx->table;
  gboolean violates = FALSE;

  ctx->table = table;
  for (guint i = 0; i < self->promotion_order->len && !violates; i++)
    {
      NtpmonConstraint *c = self->promotion_order->pdata[i];
      const gchar *type;

      if (!ntpmon_constraint_check (c, ctx, monitor, t))
        continue;
      violates = TRUE;
      type = ntpmon_constraint_get_violation_type (c);
      /* the reference labels a same-account failure `limit` when the
       * monitor's account is in the table */
      if (g_str_equal (type, "account") && monitor->has_account
          && ntpmon_selector_account_table_lookup (table, monitor->account_id) != NULL)
        type = "limit";
      ntpmon_selector_add_event (events, monitor->id, g_intern_string (type), 1);
    }
  ctx->table = saved;
  return violates;
}

/* §9.10 step 3; a violation type whose constraint is disabled counts as resolved */
gboolean
ntpmon_selector_engine_is_resolved (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                                    const NtpmonSelectorMonitor *monitor)
{
  NtpmonConstraint *c;

  if (ntpmon_selector_monitor_get_status (monitor) != NTPMON_SELECTOR_STATUS_PAUSED)
    return FALSE;
  if (monitor->stored_violation_type == NULL)
    return TRUE;
  c = constraint_for_type (self, monitor->stored_violation_type);
  if (c == NULL || !ntpmon_constraint_is_unchangeable (c))
    return TRUE;
  return !ntpmon_constraint_check (c, ctx, monitor, NTPMON_CONSTRAINT_TARGET_CURRENT);
}

/**
 * ntpmon_selector_engine_apply_rules:
 * @evaluated: (element-type NtpmonSelectorMonitor): evaluated monitors in row order
 * @table: the account-limit table (copied, not changed)
 * @now: (nullable): the clock for Rule 7
 * @events: (nullable): receives metric events
 *
 * Returns: (transfer container) (element-type NtpmonSelectorChange): the
 *   ordered changes of Rules 1, 2, 1.5, 3, 5, 2.5, 7 and 6 (§9)
 */
GPtrArray *
ntpmon_selector_engine_apply_rules (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                                    GPtrArray *evaluated, NtpmonSelectorAccountTable *table,
                                    GDateTime *now, GArray *events)
{
  NtpmonSelectorRun run;
  GPtrArray *changes;
  gint dyn;

  ntpmon_selector_run_init (&run, self, ctx, evaluated, table, now, events);
  g_debug ("server %" G_GINT64_FORMAT ": advisory maximum removals %d", ctx->server_id,
           ntpmon_selector_run_max_removals (NTPMON_SELECTOR_TARGET_ACTIVE, (gint)evaluated->len,
                                             run.healthy_active, run.wa, run.active_removals));
  if (!ntpmon_selector_run_block_all (&run))
    {
      ntpmon_selector_rule1 (&run);
      ntpmon_selector_rule2 (&run);
      ntpmon_selector_rule1_5 (&run);
      ntpmon_selector_rule3 (&run);
      ntpmon_selector_rule5 (&run);
      ntpmon_selector_rule2_5 (&run);
      ntpmon_selector_rule7 (&run);
      ntpmon_selector_rule6 (&run);
      dyn = NTPMON_SELECTOR_BASE_TESTING + MAX (0, NTPMON_SELECTOR_TARGET_ACTIVE - run.wa);
      if (run.wa > NTPMON_SELECTOR_TARGET_ACTIVE || run.wt > dyn)
        g_message ("CRITICAL: server %" G_GINT64_FORMAT " active/testing monitor count exceeds "
                   "target after selection (active %d, testing %d > %d)",
                   ctx->server_id, run.wa, run.wt, dyn);
    }
  changes = g_steal_pointer (&run.changes);
  ntpmon_selector_run_clear (&run);
  return changes;
}

/* §10.2 for one monitor; NULL when nothing is to be written */
static NtpmonSelectorViolationUpdate *
track (const NtpmonSelectorMonitor *m, GDateTime *now)
{
  NtpmonSelectorStatus status = ntpmon_selector_monitor_get_status (m);
  NtpmonSelectorViolationUpdate *update;
  gboolean pause, write = FALSE;
  GDateTime *since;

  if (m->violation == NULL)
    {
      if (m->stored_violation_type == NULL)
        return NULL;
      update = g_new0 (NtpmonSelectorViolationUpdate, 1);
      update->monitor_id = m->id;
      return update;
    }
  if (status == NTPMON_SELECTOR_STATUS_CANDIDATE && g_str_equal (m->violation, "limit"))
    return NULL;

  pause = m->violation_unchangeable && status != NTPMON_SELECTOR_STATUS_PAUSED;
  if (m->stored_violation_type == NULL || !g_str_equal (m->stored_violation_type, m->violation))
    {
      write = TRUE;
      since = now;
    }
  else if (m->stored_violation_since != NULL)
    since = m->stored_violation_since;
  else
    {
      write = TRUE;
      since = now;
    }
  if (!write && !pause)
    return NULL;

  update = g_new0 (NtpmonSelectorViolationUpdate, 1);
  update->monitor_id = m->id;
  update->type = g_strdup (m->violation);
  update->since = g_date_time_ref (since);
  update->pause = pause;
  return update;
}

/**
 * ntpmon_selector_engine_review:
 * @ctx: the server and its monitor rows (§4); the rows get their evaluation
 * @now: (nullable): the application clock
 *
 * The whole per-server pipeline of §6 except the database reads and writes.
 *
 * Returns: (transfer full): the review, or NULL when the rows cannot be
 *   reviewed (a monitor without priority, §4.2)
 */
NtpmonSelectorReview *
ntpmon_selector_engine_review (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                               GDateTime *now, GError **error)
{
  g_autoptr (NtpmonSelectorReview) review = NULL;
  g_autoptr (GDateTime) clock = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  g_autoptr (GArray) table = NULL;
  g_autoptr (GHashTable) flagged = NULL;
  g_autoptr (GPtrArray) changes = NULL;
  GPtrArray *rows = ctx->rows;

  for (guint i = 0; i < rows->len; i++)
    {
      const NtpmonSelectorMonitor *m = rows->pdata[i];

      if (m->priority_is_null)
        {
          g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW,
                       "server %" G_GINT64_FORMAT ": monitor %" G_GINT64_FORMAT
                       " has no priority (no RTT in the last 24 hours)",
                       ctx->server_id, m->id);
          return NULL;
        }
    }

  review = ntpmon_selector_review_new ();
  table = ntpmon_selector_account_table_from_rows (rows);
  flagged = ntpmon_selector_iterative_limits (rows);
  ntpmon_selector_context_set_limit_flagged (ctx, flagged);
  ctx->table = table;
  for (guint i = 0; i < rows->len; i++)
    {
      ntpmon_selector_engine_evaluate (self, ctx, rows->pdata[i], review->events);
      g_ptr_array_add (review->evaluated, rows->pdata[i]);
    }

  changes = ntpmon_selector_engine_apply_rules (self, ctx, rows, table, clock, review->events);
  g_ptr_array_extend_and_steal (review->changes, g_steal_pointer (&changes));
  ctx->table = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      NtpmonSelectorViolationUpdate *update = track (rows->pdata[i], clock);

      if (update != NULL)
        g_ptr_array_add (review->updates, update);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const NtpmonSelectorMonitor *m = rows->pdata[i];

      if (ntpmon_selector_is_due (m, clock))
        g_array_append_val (review->checked, m->id);
    }
  return g_steal_pointer (&review);
}
