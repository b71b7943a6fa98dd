/* test-agent-check.c: `ntppool-agent check` against fake NTP servers
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ntpmon-agent-cmd-check.h"
#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-probe.h"

static void
test_parse_target (void)
{
  struct
  {
    const gchar *text;
    const gchar *ip;
    guint16 port;
  } good[] = {
    { "192.0.2.1", "192.0.2.1", 123 },
    { "192.0.2.1:1234", "192.0.2.1", 1234 },
    { "[2001:db8::1]:5", "2001:db8::1", 5 },
    { "2001:db8::1", "2001:db8::1", 123 },
    { "[::1]", "::1", 123 },
    { "::ffff:1.2.3.4", "::ffff:1.2.3.4", 123 },
  };
  const gchar *bad[] = { "ntp.example",  "192.0.2.1:0", "192.0.2.1:70000", "[::1",
                         "[1.2.3.4]:5",  "192.0.2.1:",  "[::1]x",          "",
                         "[::1]:123abc", "1.2.3:123",   "192.0.2.1:-5" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GInetAddress) a = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree gchar *ip = NULL;
      guint16 port = 0;

      g_assert_true (ntpmon_agent_check_parse_target (good[i].text, &a, &port, &error));
      g_assert_no_error (error);
      ip = g_inet_address_to_string (a);
      g_assert_cmpstr (ip, ==, good[i].ip);
      g_assert_cmpuint (port, ==, good[i].port);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GInetAddress *a = NULL;
      g_autoptr (GError) error = NULL;
      guint16 port = 0;

      g_assert_false (ntpmon_agent_check_parse_target (bad[i], &a, &port, &error));
      g_assert_null (a);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_format_refid (void)
{
  struct
  {
    gint stratum;
    guint32 refid;
    const gchar *text;
  } cases[] = {
    { 0, 0x52415445, "RATE" },
    { 1, 0x47505300, "GPS" },
    { 2, 0xc0000201, "192.0.2.1" },
    { 1, 0x01020304, "0x01020304" },
    { 0, 0, "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = ntpmon_agent_check_format_refid (cases[i].stratum, cases[i].refid);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* Runs the command with stdout captured into a string. */
static int
run_captured (NtpmonProbe *probe, gboolean json, gint samples, gchar **targets, gchar **output)
{
  g_autoptr (GError) error = NULL;
  gchar path[] = "/tmp/ntpmon-check-out-XXXXXX";
  int fd = g_mkstemp (path);
  int saved = dup (STDOUT_FILENO);
  int status;

  g_assert_cmpint (fd, >=, 0);
  fflush (stdout);
  dup2 (fd, STDOUT_FILENO);
  status = ntpmon_agent_cmd_check_run (probe, json, samples, targets, &error);
  fflush (stdout);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  close (fd);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, output, NULL, NULL));
  unlink (path);
  return status;
}

static NtpmonProbe *
make_probe (void)
{
  NtpmonProbe *probe = ntpmon_ntp_probe_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();

  g_key_file_set_boolean (config, "ntp", "allow-private-targets", TRUE);
  g_assert_true (ntpmon_probe_configure (probe, config, NULL));
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (probe), 10, 300);
  return probe;
}

static gchar *
target_of (NtpmonFakeNtp *server)
{
  return g_strdup_printf ("127.0.0.1:%u", ntpmon_fake_ntp_get_port (server));
}

static JsonObject *
parse_line (const gchar *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_json (void)
{
  g_autoptr (NtpmonFakeNtp) good = ntpmon_fake_ntp_new ("127.0.0.1", NULL);
  g_autoptr (NtpmonFakeNtp) rate = ntpmon_fake_ntp_new ("127.0.0.1", NULL);
  g_autoptr (NtpmonFakeNtp) silent = ntpmon_fake_ntp_new ("127.0.0.1", NULL);
  g_autoptr (NtpmonProbe) probe = make_probe ();
  g_autofree gchar *output = NULL;
  g_autofree gchar *t_good = target_of (good);
  g_autofree gchar *t_rate = target_of (rate);
  g_autofree gchar *t_silent = target_of (silent);
  gchar *targets[] = { t_good, t_rate, "not-an-ip", t_silent, NULL };
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) o0 = NULL, o1 = NULL, o2 = NULL, o3 = NULL;

  ntpmon_fake_ntp_get_behaviour (good)->offset_ns = 2000000;
  ntpmon_fake_ntp_get_behaviour (rate)->stratum = 0;
  ntpmon_fake_ntp_get_behaviour (rate)->refid = ntpmon_fake_ntp_refid ("RATE");
  ntpmon_fake_ntp_get_behaviour (silent)->silent = TRUE;

  g_assert_cmpint (run_captured (probe, TRUE, 1, targets, &output), ==, 1);
  lines = g_strsplit (output, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[4], ==, "");
  o0 = parse_line (lines[0]);
  o1 = parse_line (lines[1]);
  o2 = parse_line (lines[2]);
  o3 = parse_line (lines[3]);

  g_assert_cmpstr (json_object_get_string_member (o0, "target"), ==, t_good);
  g_assert_cmpstr (json_object_get_string_member (o0, "ip"), ==, "127.0.0.1");
  g_assert_cmpint (json_object_get_int_member (o0, "port"), ==, ntpmon_fake_ntp_get_port (good));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o0, "offset"), 0.002, 0.001);
  g_assert_true (json_object_get_double_member (o0, "rtt") >= 0);
  g_assert_cmpint (json_object_get_int_member (o0, "stratum"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o0, "leap"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (o0, "refid"), ==, "127.0.0.1");
  g_assert_false (json_object_has_member (o0, "error"));
  g_assert_false (json_object_get_boolean_member (o0, "no_response"));
  g_assert_cmpstr (json_object_get_string_member (o0, "timestamps"), ==, "kernel");

  g_assert_false (json_object_has_member (o1, "offset"));
  g_assert_true (json_object_has_member (o1, "rtt"));
  g_assert_cmpint (json_object_get_int_member (o1, "stratum"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (o1, "refid"), ==, "RATE");
  g_assert_cmpstr (json_object_get_string_member (o1, "error"), ==, "RATE");
  g_assert_false (json_object_get_boolean_member (o1, "no_response"));

  g_assert_cmpstr (json_object_get_string_member (o2, "target"), ==, "not-an-ip");
  g_assert_false (json_object_has_member (o2, "ip"));
  g_assert_nonnull (strstr (json_object_get_string_member (o2, "error"), "invalid target"));
  g_assert_true (json_object_get_boolean_member (o2, "no_response"));

  g_assert_cmpstr (json_object_get_string_member (o3, "error"), ==, "network: i/o timeout");
  g_assert_true (json_object_get_boolean_member (o3, "no_response"));
  g_assert_false (json_object_has_member (o3, "offset"));
  g_assert_false (json_object_has_member (o3, "rtt"));
}

static void
test_text_exit_status (void)
{
  g_autoptr (NtpmonFakeNtp) good = ntpmon_fake_ntp_new ("127.0.0.1", NULL);
  g_autoptr (NtpmonFakeNtp) deny = ntpmon_fake_ntp_new ("::1", NULL);
  g_autoptr (NtpmonProbe) probe = make_probe ();
  g_autofree gchar *output = NULL;
  g_autofree gchar *t_good = target_of (good);
  g_autofree gchar *t_deny = g_strdup_printf ("[::1]:%u", ntpmon_fake_ntp_get_port (deny));
  gchar *targets[] = { t_good, t_deny, NULL };
  g_autofree gchar *expect_deny = NULL;

  ntpmon_fake_ntp_get_behaviour (deny)->stratum = 0;
  ntpmon_fake_ntp_get_behaviour (deny)->refid = ntpmon_fake_ntp_refid ("DENY");
  /* a kiss code is an answer: exit status 0; 2 samples each */
  g_assert_cmpint (run_captured (probe, FALSE, 2, targets, &output), ==, 0);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (good), ==, 2);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (deny), ==, 1);
  g_assert_true (g_str_has_prefix (output, t_good));
  g_assert_nonnull (strstr (output, "  stratum:    2\n"));
  g_assert_nonnull (strstr (output, "  timestamps: kernel\n"));
  expect_deny = g_strdup_printf ("%s\n  offset:     ", t_deny);
  g_assert_nonnull (strstr (output, expect_deny));
  g_assert_nonnull (strstr (output, "  kiss code:  DENY\n  error:      DENY\n"));
}

static void
test_refused_and_empty (void)
{
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *output = NULL;
  gchar *targets[] = { "127.0.0.1", NULL };
  gchar *none[] = { NULL };

  /* without allow-private-targets the reference's refusal is printed */
  g_assert_cmpint (run_captured (probe, FALSE, 1, targets, &output), ==, 1);
  g_assert_cmpstr (output, ==, "127.0.0.1\n  error:      loopback address\n\n");
  g_assert_cmpint (ntpmon_agent_cmd_check_run (probe, FALSE, 1, none, &error), ==, 1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* The whole run is bounded: a target that never answers within the bound
 * is reported as such (samples × 3 s would take longer). */
static void
test_overall_timeout (void)
{
  g_autoptr (NtpmonFakeNtp) silent = ntpmon_fake_ntp_new ("127.0.0.1", NULL);
  g_autoptr (NtpmonProbe) probe = make_probe ();
  g_autofree gchar *output = NULL;
  g_autofree gchar *target = target_of (silent);
  g_autofree gchar *expected = NULL;
  gchar *targets[] = { target, NULL };

  ntpmon_fake_ntp_get_behaviour (silent)->silent = TRUE;
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (probe), 3000, 2000); /* the real ones */
  ntpmon_agent_cmd_check_set_timeout (1);
  g_assert_cmpint (run_captured (probe, FALSE, 3, targets, &output), ==, 1);
  ntpmon_agent_cmd_check_set_timeout (60);
  expected = g_strdup_printf ("%s\n  error:      check did not finish within 1 s\n\n", target);
  g_assert_cmpstr (output, ==, expected);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (silent), ==, 1);
}

typedef struct
{
  gchar *out;
  gchar *err;
  gboolean done;
} AgentRun;

static void
communicated_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AgentRun *run = user_data;
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Runs the real ntppool-agent with a private state dir and config while
 * this process's main loop serves the fake NTP servers. */
static gint
run_agent (const gchar *const *args, AgentRun *run)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("ntpmon-check-cli-XXXXXX", NULL);
  g_autofree gchar *conf = g_build_filename (dir, "agent.conf", NULL);
  g_autofree gchar *state = g_build_filename (dir, "state", NULL);

  g_assert_true (
      g_file_set_contents (conf, "[ntp]\nallow-private-targets=true\nsamples=1\n", -1, NULL));
  g_ptr_array_add (
      argv, g_build_filename (g_getenv ("NTPMON_BUILD_ROOT"), "core", "ntppool-agent", NULL));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", state));
  g_ptr_array_add (argv, g_strdup_printf ("--config=%s", conf));
  g_ptr_array_add (argv, g_strdup ("--dbus=none"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "NTPMON_DEFAULTS_FILE", "/nonexistent", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "MONITOR_STATE_DIR");
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, communicated_cb, run);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
  g_unlink (conf);
  g_rmdir (state);
  g_rmdir (dir);
  return g_subprocess_get_exit_status (proc);
}

static void
test_cli (void)
{
  g_autoptr (NtpmonFakeNtp) good = ntpmon_fake_ntp_new ("127.0.0.1", NULL);
  g_autoptr (NtpmonFakeNtp) rate = ntpmon_fake_ntp_new ("::1", NULL);
  g_autofree gchar *t_good = target_of (good);
  g_autofree gchar *t_rate = g_strdup_printf ("[::1]:%u", ntpmon_fake_ntp_get_port (rate));
  const gchar *args[] = { "check", "--json", t_good, t_rate, NULL };
  const gchar *no_targets[] = { "check", NULL };
  AgentRun run = { 0 }, run2 = { 0 };
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonObject) o0 = NULL, o1 = NULL;

  ntpmon_fake_ntp_get_behaviour (rate)->stratum = 0;
  ntpmon_fake_ntp_get_behaviour (rate)->refid = ntpmon_fake_ntp_refid ("RATE");
  g_assert_cmpint (run_agent (args, &run), ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  o0 = parse_line (lines[0]);
  o1 = parse_line (lines[1]);
  g_assert_cmpstr (json_object_get_string_member (o0, "target"), ==, t_good);
  g_assert_true (json_object_has_member (o0, "offset"));
  g_assert_false (json_object_has_member (o0, "error"));
  g_assert_cmpstr (json_object_get_string_member (o1, "ip"), ==, "::1");
  g_assert_cmpstr (json_object_get_string_member (o1, "error"), ==, "RATE");
  g_assert_false (json_object_has_member (o1, "offset"));
  /* [ntp] samples=1 from the config */
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (good), ==, 1);

  g_assert_cmpint (run_agent (no_targets, &run2), ==, 80);
  g_assert_nonnull (strstr (run2.err, "ntppool-agent: error: "));
  g_free (run.out);
  g_free (run.err);
  g_free (run2.out);
  g_free (run2.err);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent/check/parse-target", test_parse_target);
  g_test_add_func ("/agent/check/format-refid", test_format_refid);
  g_test_add_func ("/agent/check/json", test_json);
  g_test_add_func ("/agent/check/text", test_text_exit_status);
  g_test_add_func ("/agent/check/refused", test_refused_and_empty);
  g_test_add_func ("/agent/check/cli", test_cli);
  g_test_add_func ("/agent/check/overall-timeout", test_overall_timeout);
  return g_test_run ();
}
