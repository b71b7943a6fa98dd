/* test-cli.c: ntppool-agent's command line: commands, help, exit codes
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

typedef struct
{
  gint status;
  gchar *out;
  gchar *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static gchar *
agent_path (void)
{
  return g_build_filename (g_getenv ("NTPMON_BUILD_ROOT"), "core", "ntppool-agent", NULL);
}

/* Runs the agent with the arguments (NULL-terminated) and an environment
 * without the variables the agent reads. */
static void
run_agent (Run *run, const gchar *first, ...)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *state = g_dir_make_tmp ("ntpmon-cli-XXXXXX", NULL);
  va_list ap;

  g_ptr_array_add (argv, agent_path ());
  va_start (ap, first);
  for (const gchar *arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  for (const gchar *const *v
       = (const gchar *const[]){ "DEPLOYMENT_MODE", "MONITOR_LOG_LEVEL", "MONITOR_DEBUG",
                                 "MONITOR_STATE_DIR", "DBUS_SESSION_BUS_ADDRESS", NULL };
       *v != NULL; v++)
    g_subprocess_launcher_unsetenv (launcher, *v);
  g_subprocess_launcher_setenv (launcher, "NTPMON_DEFAULTS_FILE", "/nonexistent", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", state, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent",
                                TRUE);

  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (proc);
  g_rmdir (state);
}

static void
assert_syntax_error (Run *run, const gchar *message)
{
  g_autofree gchar *expected = g_strdup_printf ("ntppool-agent: error: %s\n", message);

  g_assert_cmpint (run->status, ==, 80);
  g_assert_true (g_str_has_prefix (run->out, "Usage:"));
  g_assert_cmpstr (run->err, ==, expected);
}

static void
test_version (void)
{
  g_auto (Run) run = { 0 };
  g_auto (Run) after = { 0 };

  run_agent (&run, "version", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "ntppool-agent " PACKAGE_VERSION "\n");
  /* global flags may come after the command */
  run_agent (&after, "version", "--env", "prod", "--log-level=warn", NULL);
  g_assert_cmpint (after.status, ==, 0);
}

static void
test_help (void)
{
  g_auto (Run) top = { 0 };
  g_auto (Run) monitor = { 0 };
  g_auto (Run) status = { 0 };

  run_agent (&top, "--help", NULL);
  g_assert_cmpint (top.status, ==, 0);
  g_assert_nonnull (strstr (top.out, "monitor "));
  g_assert_nonnull (strstr (top.out, "status "));
  g_assert_nonnull (strstr (top.out, "version "));
  g_assert_nonnull (strstr (top.out, "--state-dir"));

  run_agent (&monitor, "monitor", "-h", NULL);
  g_assert_cmpint (monitor.status, ==, 0);
  g_assert_nonnull (strstr (monitor.out, "--once"));
  g_assert_nonnull (strstr (monitor.out, "--sanity-only"));
  g_assert_nonnull (strstr (monitor.out, "--env"));

  run_agent (&status, "--env=prod", "status", "--help", NULL);
  g_assert_cmpint (status.status, ==, 0);
  g_assert_nonnull (strstr (status.out, "status"));
}

static void
test_syntax_errors (void)
{
  g_auto (Run) none = { 0 };
  g_auto (Run) command = { 0 };
  g_auto (Run) flag = { 0 };
  g_auto (Run) command_flag = { 0 };
  g_auto (Run) extra = { 0 };
  g_auto (Run) missing_value = { 0 };

  run_agent (&none, NULL, NULL);
  assert_syntax_error (&none, "expected a command");
  run_agent (&command, "frobnicate", NULL);
  assert_syntax_error (&command, "unexpected argument frobnicate");
  run_agent (&flag, "--frobnicate", "version", NULL);
  assert_syntax_error (&flag, "unknown flag --frobnicate");
  run_agent (&command_flag, "monitor", "--frobnicate", NULL);
  assert_syntax_error (&command_flag, "Unknown option --frobnicate");
  run_agent (&extra, "status", "extra", NULL);
  assert_syntax_error (&extra, "unexpected argument extra");
  run_agent (&missing_value, "version", "--env", NULL);
  assert_syntax_error (&missing_value, "Missing argument for --env");
}

static void
test_startup_errors (void)
{
  g_auto (Run) level = { 0 };
  g_auto (Run) env = { 0 };
  g_auto (Run) config = { 0 };
  g_auto (Run) bus = { 0 };

  run_agent (&level, "--log-level", "loud", "version", NULL);
  g_assert_cmpint (level.status, ==, 1);
  g_assert_cmpstr (level.err, ==,
                   "ntppool-agent: error: invalid log level \"loud\": unknown level (valid: "
                   "debug, info, warn, error)\n");
  run_agent (&env, "--env", "staging", "version", NULL);
  g_assert_cmpint (env.status, ==, 1);
  g_assert_cmpstr (env.err, ==,
                   "ntppool-agent: error: deployment environment invalid or undefined: “staging” "
                   "(from --env; valid: prod, test, devel)\n");
  run_agent (&config, "--config", "/nonexistent/agent.conf", "monitor", NULL);
  g_assert_cmpint (config.status, ==, 1);
  g_assert_cmpstr (config.err, ==,
                   "ntppool-agent: error: config file /nonexistent/agent.conf does not exist\n");
  run_agent (&bus, "--dbus", "carrier-pigeon", "status", NULL);
  g_assert_cmpint (bus.status, ==, 1);
}

static void
test_status_without_agent (void)
{
  g_auto (Run) run = { 0 };

  run_agent (&run, "status", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "ntppool-agent: error: no running ntppool-agent"));
  g_assert_cmpstr (run.out, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent-cli/version", test_version);
  g_test_add_func ("/agent-cli/help", test_help);
  g_test_add_func ("/agent-cli/syntax-errors", test_syntax_errors);
  g_test_add_func ("/agent-cli/startup-errors", test_startup_errors);
  g_test_add_func ("/agent-cli/status-without-agent", test_status_without_agent);
  return g_test_run ();
}
