/* test-host.c: the plugin host with the real plugins of the build tree
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ntpmon-constraint.h"
#include "ntpmon-host.h"
#include "ntpmon-probe.h"
#include "ntpmon-scorer.h"
#include "ntpmon-transport.h"

static GKeyFile *
keyfile_with (const gchar *enabled)
{
  GKeyFile *kf = g_key_file_new ();

  if (enabled != NULL)
    g_key_file_set_string (kf, "plugins", "enabled", enabled);
  return kf;
}

static gchar *
joined (gchar **names)
{
  gchar *text = g_strjoinv (" ", names);

  g_strfreev (names);
  return text;
}

static void
count_cb (PeasExtensionSet *set, PeasPluginInfo *info, PeasExtension *exten, gpointer data)
{
  (*(guint *)data)++;
}

static guint
count_extensions (NtpmonHost *host, GType iface)
{
  guint n = 0;

  peas_extension_set_foreach (ntpmon_host_get_extensions (host, iface), count_cb, &n);
  return n;
}

static void
test_load_all (void)
{
  g_autoptr (NtpmonHost) agent = ntpmon_host_new ("agent", NULL);
  g_autoptr (NtpmonHost) scorer = ntpmon_host_new ("scorer", NULL);
  g_autoptr (NtpmonHost) api = ntpmon_host_new ("api", NULL);
  g_autoptr (GKeyFile) kf = keyfile_with (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *agent_loaded = NULL;
  g_autofree gchar *scorer_loaded = NULL;
  g_autofree gchar *api_loaded = NULL;

  g_assert_true (ntpmon_host_apply_config (agent, kf, &error));
  g_assert_no_error (error);
  agent_loaded = joined (ntpmon_host_dup_loaded (agent));
  g_assert_cmpstr (agent_loaded, ==, "mqtt ntp traceroute");
  g_assert_nonnull (ntpmon_host_find_extension (agent, NTPMON_TYPE_PROBE, "ntp"));
  g_assert_nonnull (ntpmon_host_find_extension (agent, NTPMON_TYPE_PROBE, "traceroute"));
  g_assert_nonnull (ntpmon_host_find_extension (agent, NTPMON_TYPE_TRANSPORT, "mqtt"));
  g_assert_null (ntpmon_host_find_extension (agent, NTPMON_TYPE_SCORER, "status"));

  g_assert_true (ntpmon_host_apply_config (scorer, kf, &error));
  scorer_loaded = joined (ntpmon_host_dup_loaded (scorer));
  g_assert_cmpstr (scorer_loaded, ==, "scorer selector");
  g_assert_cmpuint (count_extensions (scorer, NTPMON_TYPE_CONSTRAINT), ==, 1);
  g_assert_cmpuint (count_extensions (scorer, NTPMON_TYPE_SCORER), ==, 1);

  g_assert_true (ntpmon_host_apply_config (api, kf, &error));
  api_loaded = joined (ntpmon_host_dup_loaded (api));
  g_assert_cmpstr (api_loaded, ==, "mqtt scorer");
}

typedef struct
{
  GPtrArray *added;
  GPtrArray *removed;
} Seen;

static void
seen_cb (NtpmonHost *host, PeasPluginInfo *info, GObject *extension, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (ntpmon_probe_get_name (NTPMON_PROBE (extension))));
}

static void
test_enable_disable (void)
{
  g_autoptr (NtpmonHost) host = ntpmon_host_new ("agent", NULL);
  g_autoptr (GObject) lifetime = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GKeyFile) all = keyfile_with (NULL);
  g_autoptr (GKeyFile) only_ntp = keyfile_with ("ntp");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *loaded = NULL;
  g_autofree gchar *enabled = NULL;

  /* plugins loaded before the watch (and its extension set) exist are
   * handed over when the watch starts */
  g_assert_true (ntpmon_host_apply_config (host, all, &error));
  ntpmon_host_watch_extensions (host, NTPMON_TYPE_PROBE, seen_cb, seen_cb, added, lifetime);
  g_assert_cmpuint (added->len, ==, 2);

  g_signal_handlers_disconnect_matched (ntpmon_host_get_extensions (host, NTPMON_TYPE_PROBE),
                                        G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, NULL);
  g_clear_object (&lifetime);
  lifetime = g_object_new (G_TYPE_OBJECT, NULL);
  ntpmon_host_watch_extensions (host, NTPMON_TYPE_PROBE, NULL, seen_cb, removed, lifetime);

  g_assert_true (ntpmon_host_apply_config (host, only_ntp, &error));
  loaded = joined (ntpmon_host_dup_loaded (host));
  enabled = joined (ntpmon_host_dup_enabled (host));
  g_assert_cmpstr (loaded, ==, "ntp");
  g_assert_cmpstr (enabled, ==, "ntp");
  g_assert_cmpuint (removed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (removed, 0), ==, "traceroute");
  g_assert_null (ntpmon_host_find_extension (host, NTPMON_TYPE_PROBE, "traceroute"));
  g_assert_nonnull (ntpmon_host_find_extension (host, NTPMON_TYPE_PROBE, "ntp"));
  g_assert_null (ntpmon_host_find_extension (host, NTPMON_TYPE_TRANSPORT, "mqtt"));

  g_assert_true (ntpmon_host_apply_config (host, all, &error));
  g_assert_nonnull (ntpmon_host_find_extension (host, NTPMON_TYPE_PROBE, "traceroute"));
  g_assert_nonnull (ntpmon_host_find_extension (host, NTPMON_TYPE_TRANSPORT, "mqtt"));
}

static void
test_unknown_plugin (void)
{
  g_autoptr (NtpmonHost) host = ntpmon_host_new ("agent", NULL);
  g_autoptr (GKeyFile) kf = keyfile_with ("ntp;chrony;mqtt");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *loaded = NULL;

  g_assert_false (ntpmon_host_apply_config (host, kf, &error));
  g_assert_error (error, NTPMON_HOST_ERROR, NTPMON_HOST_ERROR_LOAD_FAILED);
  g_assert_cmpstr (error->message, ==, "unknown plugin “chrony” for agent");
  loaded = joined (ntpmon_host_dup_loaded (host));
  g_assert_cmpstr (loaded, ==, "mqtt ntp");
}

static void
write_plugin (const gchar *dir, const gchar *name)
{
  g_autofree gchar *file = g_strdup_printf ("%s/%s.plugin", dir, name);
  g_autofree gchar *text = g_strdup_printf ("[Plugin]\nModule=ntpmon-%s\nName=%s\n"
                                            "Description=test\nX-Ntpmon-Programs=agent\n",
                                            name, name);

  g_assert_true (g_file_set_contents (file, text, -1, NULL));
}

static void
test_broken_modules (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("ntpmon-plugins-XXXXXX", NULL);
  const gchar *dirs[] = { dir, NULL };
  g_autoptr (NtpmonHost) host = NULL;
  g_autoptr (GKeyFile) kf = keyfile_with (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *loaded = NULL;
  g_autofree gchar *garbage_so = g_build_filename (dir, "libntpmon-garbage.so", NULL);
  g_autofree gchar *missing_plugin = g_build_filename (dir, "missing.plugin", NULL);
  g_autofree gchar *garbage_plugin = g_build_filename (dir, "garbage.plugin", NULL);
  g_autofree gchar *expected = NULL;

  write_plugin (dir, "missing");
  write_plugin (dir, "garbage");
  g_assert_true (g_file_set_contents (garbage_so, "not an ELF file", -1, NULL));

  host = ntpmon_host_new ("agent", dirs);
  g_assert_false (ntpmon_host_apply_config (host, kf, &error));
  expected
      = g_strdup_printf ("plugin “garbage”: cannot load module: %s: file too short", garbage_so);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_assert_nonnull (strstr (error->message, "plugin “missing”: module "));
  g_assert_nonnull (strstr (error->message, "libntpmon-missing.so does not exist"));
  /* the good plugins are loaded all the same */
  loaded = joined (ntpmon_host_dup_loaded (host));
  g_assert_cmpstr (loaded, ==, "mqtt ntp traceroute");

  g_unlink (garbage_so);
  g_unlink (missing_plugin);
  g_unlink (garbage_plugin);
  g_rmdir (dir);
}

static void
test_declare_config (void)
{
  g_autoptr (NtpmonHost) host = ntpmon_host_new ("agent", NULL);
  g_autofree gchar *dir = g_dir_make_tmp ("ntpmon-host-config-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "agent.conf", NULL);
  g_autoptr (NtpmonConfig) config = ntpmon_config_new (path);
  g_autoptr (GError) error = NULL;

  ntpmon_host_declare_config (host, config);
  /* the ntp plugin's .plugin file declares samples as an integer */
  g_assert_true (g_file_set_contents (path, "[ntp]\nsamples=three\n", -1, NULL));
  g_assert_false (ntpmon_config_load (config, &error));
  g_assert_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[plugins]\nenabled=ntp;scorer\n", -1, NULL));
  g_assert_false (ntpmon_config_load (config, &error));
  g_assert_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_VALUE);
  g_assert_nonnull (
      strstr (error->message, "unknown name “scorer” (known: mqtt, ntp, traceroute)"));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host/load-all", test_load_all);
  g_test_add_func ("/host/enable-disable", test_enable_disable);
  g_test_add_func ("/host/unknown-plugin", test_unknown_plugin);
  g_test_add_func ("/host/broken-modules", test_broken_modules);
  g_test_add_func ("/host/declare-config", test_declare_config);
  return g_test_run ();
}
