/* ntpmon-constraint.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-constraint.h"

G_DEFINE_INTERFACE (NtpmonConstraint, ntpmon_constraint, G_TYPE_OBJECT)

static void
ntpmon_constraint_default_init (NtpmonConstraintInterface *iface)
{
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
