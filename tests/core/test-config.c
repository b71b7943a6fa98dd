/* test-config.c: keyfile config, drop-ins, typed keys, reload, /etc/default
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ntpmon-config.h"
#include "ntpmon-defaults.h"

/* g_test_expect_message() does not see structured logging: catch the
 * warnings here instead, let everything else through to the default writer
 * (where G_DEBUG=fatal-warnings makes an unexpected warning fatal). */
static GPtrArray *caught_warnings;

static GLogWriterOutput
test_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (caught_warnings != NULL && (level & G_LOG_LEVEL_WARNING))
    {
      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "MESSAGE"))
          g_ptr_array_add (caught_warnings, g_strdup (fields[i].value));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct
{
  gchar *dir;
  gchar *path;
  gchar *dropins;
} Fixture;

static void
write_file (const gchar *path, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ntpmon-config-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "agent.conf", NULL);
  f->dropins = g_build_filename (f->dir, "agent.conf.d", NULL);
  g_assert_cmpint (g_mkdir (f->dropins, 0700), ==, 0);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dropins, 0, NULL);
  const gchar *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *file = g_build_filename (f->dropins, name, NULL);
      g_unlink (file);
    }
  g_rmdir (f->dropins);
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_free (f->dropins);
}

static void
write_dropin (Fixture *f, const gchar *name, const gchar *text)
{
  g_autofree gchar *file = g_build_filename (f->dropins, name, NULL);

  write_file (file, text);
}

static NtpmonConfig *
new_config (Fixture *f)
{
  NtpmonConfig *config = ntpmon_config_new (f->path);

  ntpmon_config_add_key (config, "ntp", "samples", NTPMON_CONFIG_INTEGER);
  ntpmon_config_add_key (config, "ntp", "allow-private-targets", NTPMON_CONFIG_BOOLEAN);
  ntpmon_config_add_key (config, "ntp", "timestamps", NTPMON_CONFIG_STRING);
  ntpmon_config_add_key (config, "plugins", "enabled", NTPMON_CONFIG_STRING_LIST);
  ntpmon_config_set_choices (config, "plugins", "enabled",
                             (const gchar *const[]){ "ntp", "traceroute", "mqtt", NULL });
  return config;
}

static void
test_merge_order (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonConfig) config = new_config (f);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *timestamps = NULL;
  const gchar *const *files;

  write_file (f->path, "[ntp]\nsamples=3\ntimestamps=kernel\n");
  /* read in name order: 10 before 20 before 9 (strcmp), last one wins */
  write_dropin (f, "20-b.conf", "[ntp]\nsamples=7\n");
  write_dropin (f, "10-a.conf", "[ntp]\nsamples=5\ntimestamps=user\n");
  write_dropin (f, "9-c.conf", "[ntp]\nsamples=9\n");
  write_dropin (f, "ignored.txt", "[ntp]\nsamples=100\n");

  g_assert_true (ntpmon_config_load (config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 0), ==, 9);
  timestamps = ntpmon_config_get_string (config, "ntp", "timestamps", NULL);
  g_assert_cmpstr (timestamps, ==, "user");

  files = ntpmon_config_get_files (config);
  g_assert_cmpuint (g_strv_length ((gchar **)files), ==, 4);
  g_assert_true (g_str_equal (files[0], f->path));
  g_assert_true (g_str_has_suffix (files[1], "/10-a.conf"));
  g_assert_true (g_str_has_suffix (files[2], "/20-b.conf"));
  g_assert_true (g_str_has_suffix (files[3], "/9-c.conf"));
}

static void
test_typed_getters (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonConfig) config = new_config (f);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) enabled = NULL;
  g_auto (GStrv) absent = NULL;
  g_autofree gchar *fallback = NULL;

  write_file (f->path, "[ntp]\nallow-private-targets=true\n[plugins]\nenabled=ntp; mqtt;;\n");
  g_assert_true (ntpmon_config_load (config, &error));
  g_assert_true (ntpmon_config_get_boolean (config, "ntp", "allow-private-targets", FALSE));
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 3), ==, 3);
  fallback = ntpmon_config_get_string (config, "ntp", "timestamps", "kernel");
  g_assert_cmpstr (fallback, ==, "kernel");
  g_assert_cmpfloat (ntpmon_config_get_double (config, "x", "y", 1.5), ==, 1.5);

  enabled = ntpmon_config_get_string_list (config, "plugins", "enabled");
  g_assert_cmpuint (g_strv_length (enabled), ==, 2);
  g_assert_cmpstr (enabled[0], ==, "ntp");
  g_assert_cmpstr (enabled[1], ==, "mqtt");
  absent = ntpmon_config_get_string_list (config, "plugins", "missing");
  g_assert_null (absent);
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonConfig) config = new_config (f);
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_config_load (config, &error));
  g_assert_cmpuint (g_strv_length ((gchar **)ntpmon_config_get_files (config)), ==, 0);
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 3), ==, 3);
}

/* Each bad file: load fails with the given message and the config that was
 * in effect stays. */
static void
assert_rejected (Fixture *f, NtpmonConfig *config, const gchar *dropin, const gchar *text,
                 const gchar *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *expected_full = NULL;
  g_autofree gchar *file = g_build_filename (f->dropins, dropin, NULL);

  write_file (file, text);
  g_assert_false (ntpmon_config_load (config, &error));
  g_assert_nonnull (error);
  expected_full = g_strdup_printf ("%s%s", file, expected);
  g_assert_cmpstr (error->message, ==, expected_full);
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 0), ==, 4);
  g_assert_cmpuint (g_strv_length ((gchar **)ntpmon_config_get_files (config)), ==, 1);
  g_unlink (file);
}

static void
test_bad_files (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonConfig) config = new_config (f);
  g_autoptr (GError) error = NULL;

  write_file (f->path, "[ntp]\nsamples=4\n");
  g_assert_true (ntpmon_config_load (config, &error));

  assert_rejected (f, config, "50-syntax.conf", "[ntp]\nsamples=5\nthis is not a pair\n",
                   ":3: not a key=value pair, group or comment: this is not a pair");
  assert_rejected (f, config, "50-group.conf", "[ntp\nsamples=5\n",
                   ":1: malformed group header: [ntp");
  assert_rejected (f, config, "50-nogroup.conf", "samples=5\n",
                   ":1: key outside of any [group]: samples=5");
  assert_rejected (f, config, "50-type.conf", "[ntp]\nsamples=many\n",
                   ": [ntp] samples: expected an integer, got “many”");
  assert_rejected (f, config, "50-bool.conf", "[ntp]\nallow-private-targets=perhaps\n",
                   ": [ntp] allow-private-targets: expected true or false, got “perhaps”");
  assert_rejected (f, config, "50-plugin.conf", "[plugins]\nenabled=ntp;chrony\n",
                   ": [plugins] enabled: unknown name “chrony” (known: ntp, traceroute, mqtt)");
}

static void
count_cb (gpointer instance, gpointer user_data)
{
  (*(guint *)user_data)++;
}

static void
test_changed_signal (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonConfig) config = new_config (f);
  guint changed = 0;

  write_file (f->path, "[ntp]\nsamples=4\n");
  g_signal_connect (config, "changed", G_CALLBACK (count_cb), &changed);
  g_assert_true (ntpmon_config_load (config, NULL));
  g_assert_cmpuint (changed, ==, 1);
  /* same content again: no signal */
  g_assert_true (ntpmon_config_load (config, NULL));
  g_assert_cmpuint (changed, ==, 1);
  write_dropin (f, "x.conf", "[ntp]\nsamples=8\n");
  g_assert_true (ntpmon_config_reload (config));
  g_assert_cmpuint (changed, ==, 2);
  g_assert_null (ntpmon_config_get_last_error (config));

  /* a failed reload warns once and keeps everything */
  write_dropin (f, "y.conf", "[ntp]\nsamples=x\n");
  caught_warnings = g_ptr_array_new_with_free_func (g_free);
  g_assert_false (ntpmon_config_reload (config));
  g_assert_cmpuint (caught_warnings->len, ==, 1);
  g_assert_true (g_pattern_match_simple (
      "config not reloaded, keeping the previous one: *y.conf: [ntp] samples: *",
      g_ptr_array_index (caught_warnings, 0)));
  /* the same failure again is not logged again */
  g_assert_false (ntpmon_config_reload (config));
  g_assert_cmpuint (caught_warnings->len, ==, 1);
  g_clear_pointer (&caught_warnings, g_ptr_array_unref);
  g_assert_nonnull (ntpmon_config_get_last_error (config));
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 0), ==, 8);
  g_assert_cmpuint (changed, ==, 2);
}

typedef struct
{
  GMainLoop *loop;
  guint changed;
} WatchState;

static void
watch_changed_cb (NtpmonConfig *config, gpointer user_data)
{
  WatchState *state = user_data;

  state->changed++;
  g_main_loop_quit (state->loop);
}

static gboolean
give_up_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
wait_for_change (WatchState *state)
{
  guint id = g_timeout_add_seconds (10, give_up_cb, state->loop);

  g_main_loop_run (state->loop);
  g_source_remove (id);
}

static void
test_watch (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonConfig) config = new_config (f);
  WatchState state = { g_main_loop_new (NULL, FALSE), 0 };
  g_autofree gchar *dropin = g_build_filename (f->dropins, "50-watch.conf", NULL);

  write_file (f->path, "[ntp]\nsamples=4\n");
  g_assert_true (ntpmon_config_load (config, NULL));
  ntpmon_config_watch (config, 50);
  g_signal_connect (config, "changed", G_CALLBACK (watch_changed_cb), &state);

  write_file (dropin, "[ntp]\nsamples=6\n");
  wait_for_change (&state);
  g_assert_cmpuint (state.changed, ==, 1);
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 0), ==, 6);

  g_unlink (dropin);
  wait_for_change (&state);
  g_assert_cmpuint (state.changed, ==, 2);
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 0), ==, 4);

  write_file (f->path, "[ntp]\nsamples=2\n");
  wait_for_change (&state);
  g_assert_cmpuint (state.changed, ==, 3);
  g_assert_cmpint (ntpmon_config_get_integer (config, "ntp", "samples", 0), ==, 2);
  g_main_loop_unref (state.loop);
}

static void
test_defaults_file (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("ntpmon-defaults-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "ntppool-agent", NULL);
  g_autoptr (GError) error = NULL;

  write_file (path, "MONITOR_STATE_DIR = /var/lib/x \n"
                    "no equals sign here\n"
                    "#NTPMON_T_COMMENT=yes\n"
                    "NTPMON_T_QUOTED=\"quoted\"\n"
                    "NTPMON_T_TWICE=a=b\n"
                    "NTPMON_T_SET=from-file\n"
                    "NTPMON_T_EMPTY=from-file\n"
                    " =nokey\n"
                    "export NTPMON_T_EXPORT=1\n");
  g_unsetenv ("MONITOR_STATE_DIR");
  g_setenv ("NTPMON_T_SET", "from-env", TRUE);
  g_setenv ("NTPMON_T_EMPTY", "", TRUE);

  g_assert_true (ntpmon_defaults_load (path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_getenv ("MONITOR_STATE_DIR"), ==, "/var/lib/x");
  g_assert_cmpstr (g_getenv ("#NTPMON_T_COMMENT"), ==, "yes");
  g_assert_cmpstr (g_getenv ("NTPMON_T_QUOTED"), ==, "\"quoted\"");
  g_assert_cmpstr (g_getenv ("NTPMON_T_TWICE"), ==, "a=b");
  g_assert_cmpstr (g_getenv ("NTPMON_T_SET"), ==, "from-env");
  g_assert_cmpstr (g_getenv ("NTPMON_T_EMPTY"), ==, "");
  g_assert_cmpstr (g_getenv ("export NTPMON_T_EXPORT"), ==, "1");

  /* a missing file is fine, an unreadable one is not */
  g_assert_true (ntpmon_defaults_load ("/nonexistent/ntppool-agent", &error));
  g_assert_false (ntpmon_defaults_load (dir, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "error reading defaults file: "));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (test_writer, NULL, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/config/merge-order", test_merge_order);
  ADD ("/config/typed-getters", test_typed_getters);
  ADD ("/config/missing-file", test_missing_file);
  ADD ("/config/bad-files", test_bad_files);
  ADD ("/config/changed-signal", test_changed_signal);
  ADD ("/config/watch", test_watch);
#undef ADD
  g_test_add_func ("/defaults/parse-quirks", test_defaults_file);
  return g_test_run ();
}
