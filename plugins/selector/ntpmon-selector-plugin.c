/* ntpmon-selector-plugin.c: selector constraints (not implemented yet, see README.md)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-constraint.h"

#define NTPMON_TYPE_SUBNET_CONSTRAINT (ntpmon_subnet_constraint_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonSubnetConstraint, ntpmon_subnet_constraint, NTPMON, SUBNET_CONSTRAINT,
                      GObject)

struct _NtpmonSubnetConstraint
{
  GObject parent_instance;
};

static void ntpmon_subnet_constraint_iface_init (NtpmonConstraintInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonSubnetConstraint, ntpmon_subnet_constraint, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_CONSTRAINT,
                                                               ntpmon_subnet_constraint_iface_init))

static const gchar *
ntpmon_subnet_constraint_get_name (NtpmonConstraint *constraint)
{
  return "subnet";
}

static const gchar *
ntpmon_subnet_constraint_get_violation_type (NtpmonConstraint *constraint)
{
  return "network_same_subnet";
}

static gboolean
ntpmon_subnet_constraint_is_unchangeable (NtpmonConstraint *constraint)
{
  return TRUE;
}

static gboolean
ntpmon_subnet_constraint_check (NtpmonConstraint *constraint, const NtpmonSelectorContext *ctx,
                                const NtpmonSelectorMonitor *monitor, NtpmonConstraintTarget target)
{
  g_critical ("the subnet constraint is not implemented yet");
  return TRUE;
}

static void
ntpmon_subnet_constraint_iface_init (NtpmonConstraintInterface *iface)
{
  iface->get_name = ntpmon_subnet_constraint_get_name;
  iface->get_violation_type = ntpmon_subnet_constraint_get_violation_type;
  iface->is_unchangeable = ntpmon_subnet_constraint_is_unchangeable;
  iface->check = ntpmon_subnet_constraint_check;
}

static void
ntpmon_subnet_constraint_class_init (NtpmonSubnetConstraintClass *klass)
{
}

static void
ntpmon_subnet_constraint_class_finalize (NtpmonSubnetConstraintClass *klass)
{
}

static void
ntpmon_subnet_constraint_init (NtpmonSubnetConstraint *self)
{
}

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  ntpmon_subnet_constraint_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_CONSTRAINT,
                                              NTPMON_TYPE_SUBNET_CONSTRAINT);
}
