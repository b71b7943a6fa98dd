/* ntpmon-constraint.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-host.h"
#include "ntpmon-constraint.h"

G_DEFINE_INTERFACE (NtpmonConstraint, ntpmon_constraint, G_TYPE_OBJECT)

static void
ntpmon_constraint_default_init (NtpmonConstraintInterface *iface)
{
  g_object_interface_install_property (
      iface,
      g_param_spec_string ("name", "Name", "The constraint's config name", NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

const gchar *
ntpmon_constraint_get_name (NtpmonConstraint *self)
{
  g_return_val_if_fail (NTPMON_IS_CONSTRAINT (self), NULL);
  return NTPMON_CONSTRAINT_GET_IFACE (self)->get_name (self);
}

const gchar *
ntpmon_constraint_get_violation_type (NtpmonConstraint *self)
{
  g_return_val_if_fail (NTPMON_IS_CONSTRAINT (self), NULL);
  return NTPMON_CONSTRAINT_GET_IFACE (self)->get_violation_type (self);
}

gboolean
ntpmon_constraint_is_unchangeable (NtpmonConstraint *self)
{
  g_return_val_if_fail (NTPMON_IS_CONSTRAINT (self), FALSE);
  return NTPMON_CONSTRAINT_GET_IFACE (self)->is_unchangeable (self);
}

gboolean
ntpmon_constraint_check (NtpmonConstraint *self, const NtpmonSelectorContext *ctx,
                         const NtpmonSelectorMonitor *monitor, NtpmonConstraintTarget target)
{
  g_return_val_if_fail (NTPMON_IS_CONSTRAINT (self), FALSE);
  return NTPMON_CONSTRAINT_GET_IFACE (self)->check (self, ctx, monitor, target);
}

/**
 * ntpmon_constraint_create_from_plugin:
 * @engine: the engine that loaded @info
 * @info: a loaded plugin
 * @error: set when the plugin lists a constraint it cannot create
 *
 * Creates every constraint the plugin lists in `X-Ntpmon-Constraints`.
 *
 * Returns: (transfer full) (element-type NtpmonConstraint): the constraints,
 *   empty when the plugin lists none; NULL on error
 */
GPtrArray *
ntpmon_constraint_create_from_plugin (PeasEngine *engine, PeasPluginInfo *info, GError **error)
{
  return ntpmon_host_create_named_extensions (engine, info, NTPMON_TYPE_CONSTRAINT,
                                              "Ntpmon-Constraints", "constraint", error);
}
