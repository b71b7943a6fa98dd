/* test-selector-peas.c: the selector plugin loaded through libpeas from the build tree
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-constraint.h"
#include "ntpmon-selector-engine.h"

static PeasPluginInfo *
find_selector (PeasEngine *engine)
{
  for (const GList *l = peas_engine_get_plugin_list (engine); l != NULL; l = l->next)
    if (g_strcmp0 (peas_plugin_info_get_name (l->data), "selector") == 0)
      return l->data;
  return NULL;
}

static void
test_load (void)
{
  const gchar *path = g_getenv ("NTPMON_PLUGIN_PATH");
  static const struct
  {
    const gchar *name, *type;
    gboolean unchangeable;
  } expected[] = {
    { "subnet", "network_same_subnet", TRUE },
    { "account", "account", TRUE },
    { "diversity", "network_diversity", FALSE },
    { "limits", "limit", FALSE },
  };
  g_autoptr (PeasEngine) engine = NULL;
  g_autoptr (GPtrArray) constraints = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonSelectorEngine) selector = NULL;
  g_autoptr (NtpmonSelectorContext) ctx = NULL;
  g_autoptr (NtpmonSelectorMonitor) monitor = NULL;
  PeasPluginInfo *info;

  if (path == NULL)
    {
      g_test_message ("NTPMON_PLUGIN_PATH is not set; run through meson test");
      g_test_fail ();
      return;
    }
  engine = peas_engine_new ();
  peas_engine_add_search_path (engine, path, NULL);
  info = find_selector (engine);
  g_assert_nonnull (info);
  g_assert_true (peas_engine_load_plugin (engine, info));
  g_assert_true (peas_plugin_info_is_loaded (info));

  constraints = ntpmon_constraint_create_from_plugin (engine, info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (constraints->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < constraints->len; i++)
    {
      NtpmonConstraint *c = constraints->pdata[i];
      g_autofree gchar *name = NULL;

      g_assert_true (NTPMON_IS_CONSTRAINT (c));
      g_object_get (c, "name", &name, NULL);
      g_assert_cmpstr (name, ==, expected[i].name);
      g_assert_cmpstr (ntpmon_constraint_get_name (c), ==, expected[i].name);
      g_assert_cmpstr (ntpmon_constraint_get_violation_type (c), ==, expected[i].type);
      g_assert_cmpint (ntpmon_constraint_is_unchangeable (c), ==, expected[i].unchangeable);
    }

  /* the loaded `subnet` constraint decides through the engine */
  selector = ntpmon_selector_engine_new (constraints, NTPMON_SELECTOR_FLAG_NONE);
  ctx = ntpmon_selector_context_new (1, "192.0.2.1", FALSE, 0, NULL);
  monitor = ntpmon_selector_monitor_new (7);
  monitor->ip = g_strdup ("192.0.2.200");
  ntpmon_selector_engine_evaluate (selector, ctx, monitor, NULL);
  g_assert_cmpstr (monitor->violation, ==, "network_same_subnet");
  g_assert_true (monitor->violation_unchangeable);
  g_assert_cmpint (monitor->disposition, ==, NTPMON_SELECTOR_DISPOSITION_OUT);

  g_clear_object (&selector);
  g_clear_pointer (&constraints, g_ptr_array_unref);
  g_assert_true (peas_engine_unload_plugin (engine, info));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/selector/peas/load-four-constraints", test_load);
  /* §13: the four constraints and no geographic one */
  g_test_add_func ("/selector/doc-vs-code/15-no-geographic-constraint", test_load);

  return g_test_run ();
}
