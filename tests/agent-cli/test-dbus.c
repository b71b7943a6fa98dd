/* test-dbus.c: the real agent on a private bus: properties, hot reload,
 * bad config kept out, Reload(), `status`, clean stop
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

typedef struct
{
  GTestDBus *bus;
  GDBusConnection *conn;
  gchar *dir;
  gchar *config;
  gchar *dropin;
  GSubprocess *agent;
  GDBusProxy *proxy;
  GMainLoop *loop;
} Fixture;

static gchar *
agent_path (void)
{
  return g_build_filename (g_getenv ("NTPMON_BUILD_ROOT"), "core", "ntppool-agent", NULL);
}

static void
write_file (const gchar *path, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
name_appeared_cb (GDBusConnection *conn, const gchar *name, const gchar *owner, gpointer data)
{
  g_main_loop_quit (data);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *agent = agent_path ();
  g_autofree gchar *state = NULL;
  guint watch, timeout;

  f->loop = g_main_loop_new (NULL, FALSE);
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->conn = g_dbus_connection_new_for_address_sync (
      g_test_dbus_get_bus_address (f->bus),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("ntpmon-dbus-XXXXXX", NULL);
  f->config = g_build_filename (f->dir, "agent.conf", NULL);
  f->dropin = g_build_filename (f->dir, "agent.conf.d", NULL);
  state = g_build_filename (f->dir, "state", NULL);
  g_mkdir (f->dropin, 0700);
  write_file (f->config, "[plugins]\nenabled=ntp;traceroute;mqtt\n");

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (f->bus), TRUE);
  g_subprocess_launcher_setenv (launcher, "NTPMON_DEFAULTS_FILE", "/nonexistent", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "INVOCATION_ID");
  f->agent = g_subprocess_launcher_spawn (launcher, &error, agent, "--env", "devel", "--config",
                                          f->config, "--state-dir", state, "--dbus=session",
                                          "monitor", NULL);
  g_assert_no_error (error);

  watch = g_bus_watch_name_on_connection (f->conn, "org.ntppool.Agent1.devel",
                                          G_BUS_NAME_WATCHER_FLAGS_NONE, name_appeared_cb, NULL,
                                          f->loop, NULL);
  timeout = g_timeout_add_seconds (20, timeout_cb, f->loop);
  g_main_loop_run (f->loop);
  g_source_remove (timeout);
  g_bus_unwatch_name (watch);

  f->proxy
      = g_dbus_proxy_new_sync (f->conn, G_DBUS_PROXY_FLAGS_NONE, NULL, "org.ntppool.Agent1.devel",
                               "/org/ntppool/Agent1", "org.ntppool.Agent1", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_dbus_proxy_get_name_owner (f->proxy));
}

static void
remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  if (g_rmdir (path) != 0)
    g_unlink (path);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->agent != NULL)
    {
      g_subprocess_force_exit (f->agent);
      g_subprocess_wait (f->agent, NULL, NULL);
    }
  g_clear_object (&f->agent);
  g_clear_object (&f->proxy);
  g_clear_object (&f->conn);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->config);
  g_free (f->dropin);
  g_main_loop_unref (f->loop);
}

static gchar *
prop_string (Fixture *f, const gchar *name)
{
  g_autoptr (GVariant) value = g_dbus_proxy_get_cached_property (f->proxy, name);

  g_assert_nonnull (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const gchar **items = g_variant_get_strv (value, NULL);
      return g_strjoinv (" ", (gchar **)items);
    }
  return g_variant_dup_string (value, NULL);
}

static void
properties_changed_cb (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer data)
{
  Fixture *f = data;

  if (g_variant_lookup_value (changed, "LoadedPlugins", NULL) != NULL
      || g_variant_lookup_value (changed, "ConfigError", NULL) != NULL)
    g_main_loop_quit (f->loop);
}

/* Waits for LoadedPlugins or ConfigError to change; returns the seconds it
 * took (or more than 10 when nothing came). */
static gdouble
wait_for_change (Fixture *f)
{
  gint64 start = g_get_monotonic_time ();
  gulong handler
      = g_signal_connect (f->proxy, "g-properties-changed", G_CALLBACK (properties_changed_cb), f);
  guint timeout = g_timeout_add_seconds (11, timeout_cb, f->loop);

  g_main_loop_run (f->loop);
  g_source_remove (timeout);
  g_signal_handler_disconnect (f->proxy, handler);
  return (g_get_monotonic_time () - start) / 1e6;
}

/* Waits until LoadedPlugins is @want; returns the seconds it took. */
static gdouble
wait_for_plugins (Fixture *f, const gchar *want)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < 5; i++)
    {
      g_autofree gchar *loaded = prop_string (f, "LoadedPlugins");

      if (g_strcmp0 (loaded, want) == 0)
        return (g_get_monotonic_time () - start) / 1e6;
      wait_for_change (f);
    }
  g_error ("LoadedPlugins did not become \"%s\"", want);
}

static void
test_properties (Fixture *f, gconstpointer data)
{
  g_autofree gchar *version = prop_string (f, "Version");
  g_autofree gchar *env = prop_string (f, "Environment");
  g_autofree gchar *state = prop_string (f, "State");
  g_autofree gchar *enabled = prop_string (f, "EnabledPlugins");
  g_autofree gchar *loaded = prop_string (f, "LoadedPlugins");
  g_autofree gchar *files = prop_string (f, "ConfigFiles");

  g_assert_cmpstr (version, ==, PACKAGE_VERSION);
  g_assert_cmpstr (env, ==, "devel");
  g_assert_cmpstr (state, ==, "waiting-for-setup");
  g_assert_cmpstr (enabled, ==, "ntp traceroute mqtt");
  g_assert_cmpstr (loaded, ==, "mqtt ntp traceroute");
  g_assert_cmpstr (files, ==, f->config);
}

/* The same through gdbus(1), an independent D-Bus client. */
static void
test_gdbus_cli (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) gdbus = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *path = g_find_program_in_path ("gdbus");

  if (path == NULL)
    g_error ("gdbus is missing: install the Debian package libglib2.0-bin");
  gdbus = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, path, "call", "--address",
                            g_test_dbus_get_bus_address (f->bus), "--dest", "org.ntppool.Agent1",
                            "--object-path", "/org/ntppool/Agent1", "--method",
                            "org.freedesktop.DBus.Properties.Get", "org.ntppool.Agent1",
                            "LoadedPlugins", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (gdbus, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (gdbus), ==, 0);
  g_assert_cmpstr (out, ==, "(<['mqtt', 'ntp', 'traceroute']>,)\n");
}

static void
test_hot_reload (Fixture *f, gconstpointer data)
{
  g_autofree gchar *dropin = g_build_filename (f->dropin, "10-only-ntp.conf", NULL);
  g_autofree gchar *bad = g_build_filename (f->dropin, "20-bad.conf", NULL);
  g_autofree gchar *loaded = NULL;
  g_autofree gchar *loaded_after_bad = NULL;
  g_autofree gchar *config_error = NULL;
  g_autofree gchar *files = NULL;
  g_autofree gchar *expected_files = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  gdouble took;

  /* a drop-in disables plugins: applied within 2 s, no restart */
  write_file (dropin, "[plugins]\nenabled=ntp\n");
  took = wait_for_change (f);
  loaded = prop_string (f, "LoadedPlugins");
  g_assert_cmpstr (loaded, ==, "ntp");
  g_assert_cmpfloat (took, <=, 2.0);
  files = prop_string (f, "ConfigFiles");
  expected_files = g_strdup_printf ("%s %s", f->config, dropin);
  g_assert_cmpstr (files, ==, expected_files);

  /* a broken drop-in: the agent keeps running with the previous config */
  write_file (bad, "[ntp]\nsamples=lots\n");
  wait_for_change (f);
  config_error = prop_string (f, "ConfigError");
  g_assert_true (g_str_has_prefix (config_error, bad));
  g_assert_nonnull (strstr (config_error, "[ntp] samples: expected an integer, got “lots”"));
  loaded_after_bad = prop_string (f, "LoadedPlugins");
  g_assert_cmpstr (loaded_after_bad, ==, "ntp");
  g_assert_nonnull (g_subprocess_get_identifier (f->agent)); /* still running */

  /* Reload() reports the same problem to the caller */
  reply = g_dbus_proxy_call_sync (f->proxy, "Reload", NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                                  &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "samples: expected an integer"));

  /* fixed: Reload() succeeds and the error clears */
  g_clear_error (&error);
  g_unlink (bad);
  g_unlink (dropin);
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_proxy_call_sync (f->proxy, "Reload", NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                                  &error);
  g_assert_no_error (error);
  wait_for_plugins (f, "mqtt ntp traceroute");

  /* the main file edited (replaced, as editors save): applied too */
  write_file (f->config, "[plugins]\nenabled=ntp;mqtt\n");
  g_assert_cmpfloat (wait_for_plugins (f, "mqtt ntp"), <=, 2.0);
}

static void
test_status_and_stop (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) status = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *agent = agent_path ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (f->bus), TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent",
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "NTPMON_DEFAULTS_FILE", "/nonexistent", TRUE);
  status = g_subprocess_launcher_spawn (launcher, &error, agent, "--env=devel", "status", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (status, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (status), ==, 0);
  g_assert_nonnull (strstr (out, "State            waiting-for-setup\n"));
  g_assert_nonnull (strstr (out, "LoadedPlugins    mqtt ntp traceroute\n"));
  g_assert_nonnull (strstr (out, "Environment      devel\n"));
  g_assert_nonnull (
      strstr (out, "Families         none (not set up, or no IP family active yet)\n"));
  g_assert_nonnull (strstr (out, "StateError       \n"));

  /* SIGTERM: clean stop, exit status 0 */
  g_subprocess_send_signal (f->agent, SIGTERM);
  g_subprocess_wait (f->agent, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (f->agent));
  g_assert_cmpint (g_subprocess_get_exit_status (f->agent), ==, 0);
  g_clear_object (&f->agent);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/agent-dbus/properties", test_properties);
  ADD ("/agent-dbus/gdbus-cli", test_gdbus_cli);
  ADD ("/agent-dbus/hot-reload", test_hot_reload);
  ADD ("/agent-dbus/status-and-stop", test_status_and_stop);
#undef ADD
  return g_test_run ();
}
