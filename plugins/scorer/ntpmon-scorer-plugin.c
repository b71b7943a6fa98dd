/* ntpmon-scorer-plugin.c: registers the scoring algorithms with libpeas
 *
 * libpeas creates one extension per plugin and interface, so the plugin
 * registers a factory that builds the algorithm named by the interface's
 * `name` property (`status` when none is given).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>
#include <string.h>

#include "ntpmon-scorer.h"
#include "ntpmon-scorer-types.h"

enum
{
  PROP_0,
  PROP_NAME,
};

/* Same order as X-Ntpmon-Scorers in scorer.plugin. */
static const gchar *const scorer_names[] = { "status", "every", "recentmedian" };
static GType scorer_types[G_N_ELEMENTS (scorer_names)];

static void
scorer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  /* The name is fixed by the type; the factory only passes matching ones. */
  if (prop_id != PROP_NAME)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
scorer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_NAME)
    g_value_set_string (value, ntpmon_scorer_get_name (NTPMON_SCORER (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

/**
 * ntpmon_scorer_class_add_name:
 *
 * Implements the interface's `name` property for a scorer class.
 */
void
ntpmon_scorer_class_add_name (GObjectClass *klass)
{
  klass->set_property = scorer_set_property;
  klass->get_property = scorer_get_property;
  g_object_class_override_property (klass, PROP_NAME, "name");
}

static GType
type_for_name (const gchar *name)
{
  if (name == NULL)
    return scorer_types[0];
  for (guint i = 0; i < G_N_ELEMENTS (scorer_names); i++)
    if (strcmp (scorer_names[i], name) == 0)
      return scorer_types[i];
  return G_TYPE_INVALID;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* libpeas passes `plugin-info` too, for PeasExtensionBase subclasses; only
 * the properties the chosen class has are used. */
static GObject *
create_scorer (guint n_parameters, GParameter *parameters, gpointer user_data)
{
  g_autofree const gchar **names = g_new0 (const gchar *, n_parameters + 1);
  g_autofree GValue *values = g_new0 (GValue, n_parameters + 1);
  g_autoptr (GTypeClass) klass = NULL;
  const gchar *name = NULL;
  guint n = 0;
  GType type;

  for (guint i = 0; i < n_parameters; i++)
    if (strcmp (parameters[i].name, "name") == 0 && G_VALUE_HOLDS_STRING (&parameters[i].value))
      name = g_value_get_string (&parameters[i].value);
  type = type_for_name (name);
  if (type == G_TYPE_INVALID)
    return NULL;
  klass = g_type_class_ref (type);
  for (guint i = 0; i < n_parameters; i++)
    if (g_object_class_find_property (G_OBJECT_CLASS (klass), parameters[i].name) != NULL)
      {
        names[n] = parameters[i].name;
        values[n] = parameters[i].value;
        n++;
      }
  return g_object_new_with_properties (type, n, names, values);
}

G_GNUC_END_IGNORE_DEPRECATIONS

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  GTypeModule *type_module = G_TYPE_MODULE (module);

  scorer_types[0] = ntpmon_status_scorer_register (type_module);
  scorer_types[1] = ntpmon_every_scorer_register (type_module);
  scorer_types[2] = ntpmon_recentmedian_scorer_register (type_module);
  peas_object_module_register_extension_factory (module, NTPMON_TYPE_SCORER, create_scorer, NULL,
                                                 NULL);
}
