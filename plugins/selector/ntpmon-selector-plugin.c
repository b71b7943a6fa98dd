/* ntpmon-selector-plugin.c: libpeas entry point of the selector constraints
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-selector-constraint.h"

/* Builds the constraint named by the "name" construct property; libpeas
 * checked that the property exists on NtpmonConstraint. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static GObject *
create_constraint (guint n_parameters, GParameter *parameters, gpointer user_data)
{
  const gchar *name = NULL;

  for (guint i = 0; i < n_parameters; i++)
    if (g_str_equal (parameters[i].name, "name") && G_VALUE_HOLDS_STRING (&parameters[i].value))
      name = g_value_get_string (&parameters[i].value);
  if (name == NULL)
    {
      g_message ("selector plugin: a constraint needs a name (one of %s)",
                 "subnet, account, diversity, limits");
      return NULL;
    }
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
}
