/* ntpmon-selector-constraint.c: one GObject type, four constraints chosen by "name"
 *
 * libpeas creates one extension per (plugin, interface); the plugin therefore
 * registers a factory that builds the constraint named by the interface's
 * construct-only "name" property (see core/ntpmon-constraint.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-checks.h"
#include "ntpmon-selector-constraint.h"

typedef struct
{
  const gchar *name;
  const gchar *violation_type;
  gboolean unchangeable;
  gboolean (*check) (const NtpmonSelectorContext *ctx, const NtpmonSelectorMonitor *monitor,
                     NtpmonConstraintTarget target);
} ConstraintKind;

static NtpmonSelectorStatus
target_status (const NtpmonSelectorMonitor *monitor, NtpmonConstraintTarget target)
{
  switch (target)
    {
    case NTPMON_CONSTRAINT_TARGET_TESTING:
      return NTPMON_SELECTOR_STATUS_TESTING;
    case NTPMON_CONSTRAINT_TARGET_ACTIVE:
      return NTPMON_SELECTOR_STATUS_ACTIVE;
    case NTPMON_CONSTRAINT_TARGET_CURRENT:
    default:
      return ntpmon_selector_monitor_get_status (monitor);
    }
}

static gboolean
check_subnet (const NtpmonSelectorContext *ctx, const NtpmonSelectorMonitor *monitor,
              NtpmonConstraintTarget target)
{
  return ntpmon_selector_check_same_subnet (ntpmon_selector_monitor_get_ip (monitor),
                                            ntpmon_selector_context_get_server_ip (ctx));
}

static gboolean
check_account (const NtpmonSelectorContext *ctx, const NtpmonSelectorMonitor *monitor,
               NtpmonConstraintTarget target)
{
  return ntpmon_selector_check_same_account (ctx, monitor);
}

static gboolean
check_diversity (const NtpmonSelectorContext *ctx, const NtpmonSelectorMonitor *monitor,
                 NtpmonConstraintTarget target)
{
  return ntpmon_selector_check_diversity (
      ntpmon_selector_monitor_get_id (monitor), ntpmon_selector_monitor_get_ip (monitor),
      ntpmon_selector_context_get_rows (ctx), target_status (monitor, target));
}

/* In the current status: flagged by the iterative check (§7.5.2); as a
 * promotion: the caps against the context's working table (§7.5.3). */
static gboolean
check_limits (const NtpmonSelectorContext *ctx, const NtpmonSelectorMonitor *monitor,
              NtpmonConstraintTarget target)
{
  if (target == NTPMON_CONSTRAINT_TARGET_CURRENT)
    return ntpmon_selector_context_is_limit_flagged (ctx, ntpmon_selector_monitor_get_id (monitor));
  return ntpmon_selector_check_account_limit (ctx->table, monitor, target_status (monitor, target));
}

static const ConstraintKind kinds[] = {
  { "subnet", "network_same_subnet", TRUE, check_subnet },
  { "account", "account", TRUE, check_account },
  { "diversity", "network_diversity", FALSE, check_diversity },
  { "limits", "limit", FALSE, check_limits },
};

struct _NtpmonSelectorConstraint
{
  GObject parent_instance;
  const ConstraintKind *kind;
};

enum
{
  PROP_0,
  PROP_NAME,
};

static void ntpmon_selector_constraint_iface_init (NtpmonConstraintInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (
    NtpmonSelectorConstraint, ntpmon_selector_constraint, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
    G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_CONSTRAINT, ntpmon_selector_constraint_iface_init))

static const ConstraintKind *
lookup_kind (const gchar *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kinds[i].name, name))
      return &kinds[i];
  return NULL;
}

static const gchar *
constraint_get_name (NtpmonConstraint *constraint)
{
  return NTPMON_SELECTOR_CONSTRAINT (constraint)->kind->name;
}

static const gchar *
constraint_get_violation_type (NtpmonConstraint *constraint)
{
  return NTPMON_SELECTOR_CONSTRAINT (constraint)->kind->violation_type;
}

static gboolean
constraint_is_unchangeable (NtpmonConstraint *constraint)
{
  return NTPMON_SELECTOR_CONSTRAINT (constraint)->kind->unchangeable;
}

static gboolean
constraint_check (NtpmonConstraint *constraint, const NtpmonSelectorContext *ctx,
                  const NtpmonSelectorMonitor *monitor, NtpmonConstraintTarget target)
{
  NtpmonSelectorConstraint *self = NTPMON_SELECTOR_CONSTRAINT (constraint);

  return self->kind->check (ctx, monitor, target);
}

static void
ntpmon_selector_constraint_iface_init (NtpmonConstraintInterface *iface)
{
  iface->get_name = constraint_get_name;
  iface->get_violation_type = constraint_get_violation_type;
  iface->is_unchangeable = constraint_is_unchangeable;
  iface->check = constraint_check;
}

static void
ntpmon_selector_constraint_set_property (GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec)
{
  NtpmonSelectorConstraint *self = NTPMON_SELECTOR_CONSTRAINT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->kind = lookup_kind (g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ntpmon_selector_constraint_get_property (GObject *object, guint prop_id, GValue *value,
                                         GParamSpec *pspec)
{
  NtpmonSelectorConstraint *self = NTPMON_SELECTOR_CONSTRAINT (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->kind->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ntpmon_selector_constraint_constructed (GObject *object)
{
  NtpmonSelectorConstraint *self = NTPMON_SELECTOR_CONSTRAINT (object);

  G_OBJECT_CLASS (ntpmon_selector_constraint_parent_class)->constructed (object);
  /* callers go through ntpmon_selector_constraint_new() or the plugin
   * factory, which only pass known names */
  if (self->kind == NULL)
    self->kind = &kinds[0];
}

static void
ntpmon_selector_constraint_class_init (NtpmonSelectorConstraintClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = ntpmon_selector_constraint_set_property;
  object_class->get_property = ntpmon_selector_constraint_get_property;
  object_class->constructed = ntpmon_selector_constraint_constructed;
  g_object_class_override_property (object_class, PROP_NAME, "name");
}

static void
ntpmon_selector_constraint_class_finalize (NtpmonSelectorConstraintClass *klass)
{
}

static void
ntpmon_selector_constraint_init (NtpmonSelectorConstraint *self)
{
}

void
ntpmon_selector_constraint_register (GTypeModule *module)
{
  ntpmon_selector_constraint_register_type (module);
}

const gchar *const *
ntpmon_selector_constraint_names (void)
{
  static const gchar *const names[] = { "subnet", "account", "diversity", "limits", NULL };

  return names;
}

/**
 * ntpmon_selector_constraint_new:
 * @name: `subnet`, `account`, `diversity` or `limits`
 *
 * Returns: (transfer full) (nullable): the constraint, NULL for an unknown name
 */
NtpmonConstraint *
ntpmon_selector_constraint_new (const gchar *name)
{
  if (lookup_kind (name) == NULL)
    return NULL;
  return g_object_new (NTPMON_TYPE_SELECTOR_CONSTRAINT, "name", name, NULL);
}
