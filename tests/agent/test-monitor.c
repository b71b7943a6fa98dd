/* test-monitor.c: `ntppool-agent monitor` waiting for setup, hot reload
 *
 * SPDX-License-Identifier: MIT
 *
 * Runs the real daemon and the real `setup` as separate processes against
 * the in-test web API: the daemon waits for an API key, notices the key
 * `setup` writes, gets its certificate and JWT and becomes ready without a
 * restart. Also: a corrupt state.json stops the daemon with an error that
 * names the file; state in $RUNTIME_DIRECTORY is migrated at startup.
 */
#include <glib/gstdio.h>
#include <signal.h>

#include "agent-test.h"
#include "ntpmon-state.h"

typedef struct
{
  FakeWebapi *fake;
  gchar *base;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->fake = fake_webapi_new (FALSE);
  f->base = agent_test_make_tmpdir ("agent-monitor-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  fake_webapi_free (f->fake);
  agent_test_rm_rf (f->base);
  g_free (f->base);
}

static gint
run_agent (Fixture *f, const gchar *runtime_dir, const gchar *const *args, gchar **err_text)
{
  return agent_test_run (f->fake, f->base, runtime_dir, args, NULL, err_text);
}

typedef struct
{
  GDataInputStream *in;
  GString *text;
  gboolean eof;
  gboolean pending;
} Reader;

static void
line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reader *reader = user_data;
  g_autofree gchar *line
      = g_data_input_stream_read_line_finish_utf8 (reader->in, result, NULL, NULL);

  reader->pending = FALSE;
  if (line == NULL)
    {
      reader->eof = TRUE;
      return;
    }
  g_test_message ("daemon: %s", line);
  g_string_append_printf (reader->text, "%s\n", line);
}

static void
reader_start (Reader *reader, GSubprocess *daemon)
{
  reader->in = g_data_input_stream_new (g_subprocess_get_stderr_pipe (daemon));
  reader->text = g_string_new (NULL);
}

static void
reader_clear (Reader *reader)
{
  g_clear_object (&reader->in);
  g_string_free (reader->text, TRUE);
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Reads the daemon's log until @needle shows up; fails after 60 s. */
static void
wait_for_log (Reader *reader, const gchar *needle)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (60, deadline_cb, &expired);

  while (strstr (reader->text->str, needle) == NULL && !reader->eof && !expired)
    {
      if (!reader->pending)
        {
          reader->pending = TRUE;
          g_data_input_stream_read_line_async (reader->in, G_PRIORITY_DEFAULT, NULL, line_cb,
                                               reader);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (id);
  if (strstr (reader->text->str, needle) == NULL)
    g_error ("the daemon did not log \"%s\"; it logged:\n%s", needle, reader->text->str);
}

static void
test_setup_while_running (Fixture *f, gconstpointer data)
{
  const gchar *monitor_args[] = { "monitor", NULL };
  const gchar *setup_args[] = { "setup", "--no-ipv6", NULL };
  g_autoptr (GSubprocess) daemon = NULL;
  g_autofree gchar *cert = g_build_filename (f->base, "test", "cert.pem", NULL);
  Reader reader = { 0 };

  f->fake->api_key = g_strdup ("registered-key");
  f->fake->config_json = g_strdup ("{\"name\":\"mon1\",\"tls_name\":\"mon1.test.mon.ntppool.dev\","
                                   "\"ipv4\":{\"status\":\"testing\",\"ip\":\"192.0.2.1\"}}");
  fake_make_client_cert (f->fake, "mon1.test.mon.ntppool.dev", "30", &f->fake->client_cert,
                         &f->fake->client_key);
  fake_webapi_add_reply (f->fake, 200, "application/json",
                         "{\"Status\":\"accepted\",\"APIToken\":\"registered-key\"}");

  daemon = agent_test_spawn (f->fake, f->base, NULL, monitor_args);
  reader_start (&reader, daemon);
  wait_for_log (&reader, "agent state: waiting-for-setup");
  wait_for_log (&reader, "no API key, please run ntppool-agent setup");
  g_assert_cmpuint (f->fake->config_calls, ==, 0);

  g_assert_cmpint (run_agent (f, NULL, setup_args, NULL), ==, 0);
  wait_for_log (&reader, "agent state: ready");
  wait_for_log (&reader, "monitor is now live");
  g_assert_cmpuint (f->fake->cert_requests, >=, 1);
  g_assert_cmpuint (f->fake->token_calls, >=, 1);
  g_assert_true (g_file_test (cert, G_FILE_TEST_EXISTS));
  /* the reloads racing with the wait all used the new key */
  g_assert_null (strstr (reader.text->str, "failed to reload"));

  agent_test_stop (daemon, NULL);
  reader_clear (&reader);
}

/* The certificate has expired and the web API sends no new one, then
 * fails: the daemon keeps waiting and retrying, saying what is wrong with
 * the certificate and with the web API; once a certificate comes it goes
 * live without a restart. */
static void
test_certificate_expired (Fixture *f, gconstpointer data)
{
  const gchar *monitor_args[] = { "monitor", NULL };
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autofree gchar *cert = NULL;
  g_autofree gchar *key = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  Reader reader = { 0 };

  f->fake->api_key = g_strdup ("the-key");
  f->fake->config_json = g_strdup ("{\"name\":\"mon1\",\"tls_name\":\"mon1.test.mon.ntppool.dev\","
                                   "\"ipv4\":{\"status\":\"testing\",\"ip\":\"192.0.2.1\"}}");
  fake_make_dated_cert (f->fake, NULL, now - 10 * 86400, now - 86400, &cert, &key);
  g_assert_true (ntpmon_state_set_api_key (state, "the-key", &error));
  g_assert_true (ntpmon_state_save_certificates (state, cert, key, &error));
  g_assert_no_error (error);

  daemon = agent_test_spawn (f->fake, f->base, NULL, monitor_args);
  reader_start (&reader, daemon);
  wait_for_log (&reader, "agent state: waiting-for-certificate");
  g_assert_cmpuint (f->fake->cert_requests, >=, 1);
  f->fake->config_status = 500;
  wait_for_log (&reader, "waiting for a certificate: the client certificate expired at ");
  wait_for_log (&reader, "; the web API: unexpected response code: 500");

  /* the web API is back with a certificate */
  fake_make_client_cert (f->fake, "mon1.test.mon.ntppool.dev", "30", &f->fake->client_cert,
                         &f->fake->client_key);
  f->fake->config_status = 0;
  wait_for_log (&reader, "monitor is now live");

  agent_test_stop (daemon, NULL);
  reader_clear (&reader);
}

/* The web API cannot be reached and a key is stored: like the reference,
 * the program stops at startup (systemd starts it again), with an error
 * that says which address could not be reached and where it came from. */
static void
test_web_api_unreachable (Fixture *f, gconstpointer data)
{
  const gchar *const commands[][3] = { { "monitor", NULL }, { "setup", "--no-ipv6", NULL } };
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  guint16 port;
  g_autoptr (GSocket) socket = agent_test_bind_port (&port);

  g_assert_nonnull (socket); /* refuses connections until the end */
  g_free (f->fake->base_url);
  f->fake->base_url = g_strdup_printf ("https://127.0.0.1:%u", port);
  g_assert_true (ntpmon_state_set_api_key (state, "the-key", &error));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *err = NULL;
      g_autofree gchar *want = g_strdup_printf (
          "ntppool-agent: error: cannot reach the web API: %s/monitor/api/config",
          f->fake->base_url);

      g_assert_cmpint (run_agent (f, NULL, commands[i], &err), ==, 1);
      g_test_message ("%s", err);
      g_assert_nonnull (strstr (err, want));
      g_assert_nonnull (strstr (err, "Connection refused (the address comes from API_HOST)\n"));
    }
}

/* Every command that reads state.json stops with an error naming the file
 * (the daemon's `status` is checked with a running agent, in tests/monitor). */
static void
test_corrupt_state (Fixture *f, gconstpointer data)
{
  const gchar *const commands[][4] = {
    { "monitor", NULL },
    { "setup", "--no-ipv6", NULL },
    { "api", "ok", NULL },
  };
  g_autofree gchar *dir = g_build_filename (f->base, "test", NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);
  g_autofree gchar *want = g_strdup_printf ("ntppool-agent: error: %s: invalid JSON", path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"API\":{\"APIKey\":\"k\"", -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree gchar *out = NULL;
      g_autofree gchar *err = NULL;

      g_test_message ("%s", commands[i][0]);
      g_assert_cmpint (agent_test_run (f->fake, f->base, NULL, commands[i], &out, &err), ==, 1);
      g_test_message ("%s%s", out, err);
      g_assert_nonnull (strstr (err, want));
      /* one error, no follow-up errors that would hide it */
      g_assert_null (strstr (strstr (err, want) + 1, "ntppool-agent: error:"));
      g_assert_null (strstr (out, "API key: none"));
    }
  g_assert_cmpuint (f->fake->config_calls, ==, 0);
  g_assert_cmpuint (f->fake->requests->len, ==, 0);
}

static void
test_startup_migration (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--no-ipv4", "--no-ipv6", NULL };
  g_autofree gchar *runtime = g_build_filename (f->base, "run", NULL);
  g_autofree gchar *old_dir = g_build_filename (runtime, "test", NULL);
  g_autofree gchar *old = g_build_filename (old_dir, "state.json", NULL);
  g_autofree gchar *new_path = g_build_filename (f->base, "test", "state.json", NULL);
  g_autofree gchar *contents = NULL;

  f->fake->config_json = g_strdup ("{\"name\":\"migrated.example.com\"}");
  g_assert_cmpint (g_mkdir_with_parents (old_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (
      old, "{\"API\":{\"APIKey\":\"migrated-key\"},\"Data\":{\"Name\":\"migrated.example.com\"}}",
      -1, NULL));
  g_assert_cmpint (run_agent (f, runtime, args, NULL), ==, 0);
  g_assert_true (g_file_get_contents (new_path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"APIKey\": \"migrated-key\""));
  g_assert_nonnull (strstr (contents, "\"Name\": \"migrated.example.com\""));
  g_assert_cmpuint (f->fake->config_calls, >=, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/agent/monitor/setup-while-running", test_setup_while_running);
  ADD ("/agent/monitor/corrupt-state", test_corrupt_state);
  ADD ("/agent/monitor/certificate-expired", test_certificate_expired);
  ADD ("/agent/monitor/web-api-unreachable", test_web_api_unreachable);
  ADD ("/agent/monitor/startup-migration", test_startup_migration);
  return g_test_run ();
}
