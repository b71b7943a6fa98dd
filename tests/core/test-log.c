/* test-log.c: log levels, journal priorities and the stderr line format
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-log.h"

static void
test_levels (void)
{
  GLogLevelFlags level = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_log_parse_level ("debug", &level, NULL));
  g_assert_cmpint (level, ==, G_LOG_LEVEL_DEBUG);
  g_assert_true (ntpmon_log_parse_level ("WARN", &level, NULL));
  g_assert_cmpint (level, ==, G_LOG_LEVEL_WARNING);
  g_assert_true (ntpmon_log_parse_level ("error", &level, NULL));
  g_assert_cmpint (level, ==, G_LOG_LEVEL_CRITICAL);
  g_assert_false (ntpmon_log_parse_level ("verbose", &level, &error));
  g_assert_cmpstr (
      error->message, ==,
      "invalid log level \"verbose\": unknown level (valid: debug, info, warn, error)");
}

static void
test_priorities (void)
{
  g_assert_cmpint (ntpmon_log_priority (G_LOG_LEVEL_CRITICAL), ==, 3);
  g_assert_cmpint (ntpmon_log_priority (G_LOG_LEVEL_WARNING), ==, 4);
  g_assert_cmpint (ntpmon_log_priority (G_LOG_LEVEL_MESSAGE), ==, 6);
  g_assert_cmpint (ntpmon_log_priority (G_LOG_LEVEL_INFO), ==, 6);
  g_assert_cmpint (ntpmon_log_priority (G_LOG_LEVEL_DEBUG), ==, 7);
}

static void
test_format (void)
{
  const GLogField fields[] = {
    { "MESSAGE", "batch processing done", -1 },
    { "PRIORITY", "6", -1 },
    { "GLIB_DOMAIN", "ntppool-agent", -1 },
    { "IP_VERSION", "v4", -1 },
    { "ERR", "network: i/o timeout", -1 },
    { "CODE_FILE", "x.c", -1 },
    { "BINARY", "\\001", 1 },
  };
  g_autofree gchar *line = NULL;
  g_autofree gchar *timed = NULL;

  ntpmon_log_add_field ("env", "test");
  line = ntpmon_log_format (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields), FALSE);
  g_assert_cmpstr (line, ==,
                   "level=INFO msg=\"batch processing done\" env=test domain=ntppool-agent "
                   "ip_version=v4 err=\"network: i/o timeout\"");
  timed = ntpmon_log_format (G_LOG_LEVEL_WARNING, fields, 1, TRUE);
  g_assert_true (g_str_has_prefix (timed, "time="));
  g_assert_nonnull (strstr (timed, " level=WARN msg=\"batch processing done\" env=test"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/log/levels", test_levels);
  g_test_add_func ("/log/journal-priorities", test_priorities);
  g_test_add_func ("/log/format", test_format);
  return g_test_run ();
}
