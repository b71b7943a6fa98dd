/* test-version.c: client version comparison (spec api-server.md §12.7)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-version.h"

static void
test_semver (void)
{
  static const struct
  {
    const gchar *a, *b;
    gint cmp;
  } cases[] = {
    { "v3.8.4", "v3.8.5", -1 },
    { "v3.8.5", "v3.8.5", 0 },
    { "v3.10.0", "v3.8.5", 1 },
    { "v4", "v4.0.0", 0 },
    { "v4.1", "v4.1.0", 0 },
    { "v4.0.0-rc1", "v4.0.0", -1 },
    { "v4.0.0-rc.2", "v4.0.0-rc.10", -1 },
    { "v4.0.0-alpha", "v4.0.0-1", 1 },
    { "v4.0.0-a.b", "v4.0.0-a", 1 },
    { "v4.0.0+build", "v4.0.0", 0 },
    { "4.0.0", "v0.0.1", -1 },
    { "v04.0.0", "v0.0.1", -1 },
    { "v4.0.0-01", "v0.0.1", -1 },
    { "garbage", "", 0 },
    { "v4.0-rc1", "v0.0.1", -1 },
    { "v1.2.3.4", "v0.0.1", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (ntpmon_semver_compare (cases[i].a, -1, cases[i].b, -1), ==, cases[i].cmp);
}

/* The thresholds' comparison of a stored client version: its leading
 * token, dev-snapshot newer than all, an invalid one older than all. */
static void
test_at_least (void)
{
  static const struct
  {
    const gchar *version;
    gboolean v4;
  } cases[] = {
    { "v4.0.0", TRUE },
    { "v4.0.1/linux", TRUE },
    { "v4.1.5 (go1.22)", TRUE },
    { "v4", TRUE },
    { "v5", TRUE },
    { "dev-snapshot", TRUE },
    { "dev-snapshot/x", TRUE },
    { "v3.9.9", FALSE },
    { "v4.0.0-rc1", FALSE },
    { "v4.x", FALSE },
    { "v04.0.0", FALSE },
    { "4.0.0", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].version);
      g_assert_cmpint (ntpmon_version_at_least (cases[i].version, "v4.0.0"), ==, cases[i].v4);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/version/semver", test_semver);
  g_test_add_func ("/core/version/at-least", test_at_least);
  return g_test_run ();
}
