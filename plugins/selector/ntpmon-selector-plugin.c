/* ntpmon-selector-plugin.c: libpeas entry point of the selector constraints
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-selector-constraint.h"
#include "ntpmon-selector-reviewer.h"

/* Builds the constraint named by the "name" construct property (libpeas
 * checked that the property exists on NtpmonConstraint). Without a name, as
 * when a PeasExtensionSet makes one extension per plugin, it builds the
 * first one, `subnet`. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static GObject *
create_constraint (guint n_parameters, GParameter *parameters, gpointer user_data)
{
  const gchar *name = ntpmon_selector_constraint_names ()[0];

  for (guint i = 0; i < n_parameters; i++)
    if (g_str_equal (parameters[i].name, "name") && G_VALUE_HOLDS_STRING (&parameters[i].value)
        && g_value_get_string (&parameters[i].value) != NULL)
      name = g_value_get_string (&parameters[i].value);
  return (GObject *)ntpmon_selector_constraint_new (name);
}
G_GNUC_END_IGNORE_DEPRECATIONS

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  ntpmon_selector_constraint_register (G_TYPE_MODULE (module));
  peas_object_module_register_extension_factory (module, NTPMON_TYPE_CONSTRAINT, create_constraint,
                                                 NULL, NULL);
  peas_object_module_register_extension_type (
      module, NTPMON_TYPE_REVIEWER, ntpmon_selector_reviewer_register (G_TYPE_MODULE (module)));
}
