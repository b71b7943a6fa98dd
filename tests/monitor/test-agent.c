/* test-agent.c: the real `ntppool-agent` process monitoring: --once, the
 * spool across kill -9, D-Bus, `api ok`
 *
 * SPDX-License-Identifier: MIT
 *
 * The agent talks to the in-test web API of tests/agent (API key,
 * certificate, JWT) and to the scripted RPC API (DEVEL_API_SERVER, trusted
 * through `[monitor] ca-file`), which hands out fake NTP servers on
 * loopback (`[ntp] allow-private-targets=true`, `[monitor] ntp-port=`).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "agent-test.h"
#include "monitor-test-api.h"
#include "ntpmon-state.h"

#define API_KEY "monitor-key"

typedef struct
{
  MonitorTestApi *api;
  FakeWebapi *fake;
  gchar *base;
  gchar *conf;
  gchar *spool;
  guint want_results; /* for results_arrived () */
  guint want_calls;   /* for token_issued () */
} Fixture;

/* Asserts that @text contains each of the NULL-terminated strings. */
static void G_GNUC_NULL_TERMINATED
assert_contains (const gchar *text, ...)
{
  va_list ap;
  const gchar *want;

  va_start (ap, text);
  while ((want = va_arg (ap, const gchar *)) != NULL)
    if (strstr (text, want) == NULL)
      g_error ("\"%s\" not found in:\n%s", want, text);
  va_end (ap);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonState) state = NULL;
  g_autofree gchar *text = NULL;

  f->api = monitor_test_api_new ();
  f->fake = fake_webapi_new (FALSE);
  f->fake->api_key = g_strdup (API_KEY);
  f->fake->config_json = g_strdup ("{\"name\":\"host1\",\"tls_name\":\"" RPC_TEST_CLIENT1_NAME
                                   "\",\"ipv4\":{\"status\":\"active\",\"ip\":\"127.0.0.1\"}}");
  g_file_get_contents (f->api->certs->client1_pem, &f->fake->client_cert, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (f->api->certs->client1_key, &f->fake->client_key, NULL, &error);
  g_assert_no_error (error);

  f->base = agent_test_make_tmpdir ("monitor-agent-XXXXXX");
  state = ntpmon_state_new (f->base, "test");
  g_assert_true (ntpmon_state_set_api_key (state, API_KEY, &error));
  g_assert_no_error (error);
  f->spool = g_build_filename (f->base, "test", "spool", NULL);

  f->conf = g_build_filename (f->base, "agent.conf", NULL);
  text = g_strdup_printf ("[plugins]\nenabled=ntp\n[ntp]\nallow-private-targets=true\n"
                          "[monitor]\nca-file=%s\nntp-port=%u\n",
                          f->api->certs->ca_pem, monitor_test_api_ntp_port (f->api));
  g_file_set_contents (f->conf, text, -1, &error);
  g_assert_no_error (error);
  g_setenv ("DEVEL_API_SERVER", f->api->server->base_url, TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unsetenv ("DEVEL_API_SERVER");
  fake_webapi_free (f->fake);
  monitor_test_api_free (f->api);
  agent_test_rm_rf (f->base);
  g_free (f->base);
  g_free (f->conf);
  g_free (f->spool);
}

static gint
run (Fixture *f, const gchar *command, const gchar *arg, gchar **out, gchar **err)
{
  const gchar *args[] = { "--config", f->conf, "--no-ipv6", command, arg, NULL };

  return agent_test_run (f->fake, f->base, NULL, args, out, err);
}

static GSubprocess *
spawn (Fixture *f, const gchar *extra)
{
  const gchar *args[] = { "--config", f->conf, "--no-ipv6", "monitor", extra, NULL };

  return agent_test_spawn (f->fake, f->base, NULL, args);
}

static void
test_once (Fixture *f, gconstpointer data)
{
  g_autofree gchar *err = NULL;

  f->api->batches_left = 1;
  f->api->per_batch = 3;
  g_assert_cmpint (run (f, "monitor", "--once", NULL, &err), ==, 0);
  g_test_message ("%s", err);
  g_assert_cmpuint (f->api->got->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    monitor_test_assert_result (g_ptr_array_index (f->api->got, i), i);
  g_assert_nonnull (strstr (err, "batch processing count=3"));
}

static void
test_sanity_only (Fixture *f, gconstpointer data)
{
  g_autofree gchar *err = NULL;
  g_autofree gchar *err2 = NULL;

  g_assert_cmpint (run (f, "monitor", "--sanity-only", NULL, &err), ==, 0);
  g_assert_nonnull (strstr (err, "local clock ok"));
  g_assert_cmpuint (f->api->n_get_servers, ==, 0);

  /* the base check says our clock is 100 ms off */
  ntpmon_fake_ntp_get_behaviour (f->api->reference)->offset_ns = 100000000;
  g_assert_cmpint (run (f, "monitor", "--sanity-only", NULL, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "health check failed"));
  g_assert_cmpuint (f->api->n_get_servers, ==, 0);
}

static guint
spool_files (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += g_str_has_suffix (name, ".batch");
  return n;
}

static gboolean
spool_nonempty (gpointer data)
{
  Fixture *f = data;

  return spool_files (f->spool) > 0;
}

static gboolean
first_batch_arrived (gpointer data)
{
  Fixture *f = data;

  /* delivered, and taken out of the spool */
  return f->api->got->len >= 2 && spool_files (f->spool) == 0;
}

static void
kill_and_wait (GSubprocess *process)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_force_exit (process);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
}

static void
test_kill_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocess) first = NULL;
  g_autoptr (GSubprocess) second = NULL;
  g_autofree gchar *batch = NULL;

  /* the API takes no results: the first batch ends up in the spool */
  f->api->batches_left = 1;
  f->api->per_batch = 2;
  f->api->submit_failures = 1000;
  first = spawn (f, NULL);
  monitor_test_wait (spool_nonempty, f);
  kill_and_wait (first);
  g_assert_cmpuint (f->api->got->len, ==, 0);
  g_assert_cmpuint (spool_files (f->spool), ==, 1);
  batch = g_strdup (g_ptr_array_index (f->api->handed_out, 0));

  /* a new agent delivers it once the API takes results again */
  f->api->submit_failures = 0;
  second = spawn (f, NULL);
  monitor_test_wait (first_batch_arrived, f);
  agent_test_stop (second, NULL);
  g_assert_cmpuint (f->api->got->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const MonitorTestResult *r = g_ptr_array_index (f->api->got, i);

      g_assert_cmpstr (r->batch_id, ==, batch);
      monitor_test_assert_result (r, i);
    }
  g_assert_cmpuint (spool_files (f->spool), ==, 0);
}

static gboolean
results_arrived (gpointer data)
{
  Fixture *f = data;

  return f->api->got->len >= f->want_results;
}

/* Starts the daemon and waits for its first batch (one server). */
static GSubprocess *
spawn_first_batch (Fixture *f)
{
  GSubprocess *daemon;

  f->api->batches_left = 1;
  f->api->per_batch = 1;
  daemon = spawn (f, NULL);
  f->want_results = 1;
  monitor_test_wait (results_arrived, f);
  return daemon;
}

/* cert.pem and key.pem replaced under the running daemon (as a renewal by
 * another process does, key first): the next connection presents the new
 * certificate, no restart. */
static void
test_cert_replaced (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cert = g_build_filename (f->base, "test", "cert.pem", NULL);
  g_autofree gchar *key = g_build_filename (f->base, "test", "key.pem", NULL);
  g_autofree gchar *pem = NULL;
  g_autofree gchar *key_pem = NULL;
  const MonitorTestResult *last;

  daemon = spawn_first_batch (f);
  g_assert_cmpuint (f->api->got->len, ==, 1);
  g_assert_cmpstr (((MonitorTestResult *)g_ptr_array_index (f->api->got, 0))->peer, ==,
                   RPC_TEST_CLIENT1_NAME);

  g_file_get_contents (f->api->certs->client2_key, &key_pem, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (f->api->certs->client2_pem, &pem, NULL, &error);
  g_assert_no_error (error);
  g_file_set_contents_full (key, key_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
  g_file_set_contents_full (cert, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
  g_assert_no_error (error);
  /* the daemon, idle (no servers due), asks again within its backoff */
  f->api->batches_left = 1;
  f->want_results = 2;
  monitor_test_wait (results_arrived, f);
  g_assert_cmpuint (f->api->got->len, ==, 2);
  last = g_ptr_array_index (f->api->got, 1);
  g_assert_cmpstr (last->batch_id, ==, g_ptr_array_index (f->api->handed_out, 1));
  g_assert_cmpstr (last->peer, ==, RPC_TEST_CLIENT2_NAME);

  agent_test_stop (daemon, NULL);
}

typedef struct
{
  GDBusConnection *bus;
  GVariant *families;       /* the last Families value */
  const gchar *state_error; /* what StateError must contain ("": be empty) */
} BusWait;

static GVariant *
get_property (GDBusConnection *bus, const gchar *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.ntppool.Agent1.test", "/org/ntppool/Agent1", "org.freedesktop.DBus.Properties",
      "Get", g_variant_new ("(ss)", "org.ntppool.Agent1", name), G_VARIANT_TYPE ("(v)"),
      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  GVariant *value = NULL;

  if (reply == NULL)
    return NULL; /* not on the bus yet */
  g_variant_get (reply, "(v)", &value);
  return value;
}

static gboolean
batch_published (gpointer data)
{
  BusWait *w = data;
  g_autoptr (GVariant) v4 = NULL;
  guint64 submits = 0;

  g_clear_pointer (&w->families, g_variant_unref);
  w->families = get_property (w->bus, "Families");
  if (w->families == NULL)
    return FALSE;
  v4 = g_variant_lookup_value (w->families, "v4", G_VARIANT_TYPE_VARDICT);
  return v4 != NULL && g_variant_lookup (v4, "SubmitsDone", "t", &submits) && submits >= 1;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static GVariant *
check_now (GDBusConnection *bus, const gchar *target, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  g_dbus_connection_call (bus, "org.ntppool.Agent1.test", "/org/ntppool/Agent1",
                          "org.ntppool.Agent1", "CheckNow", g_variant_new ("(s)", target),
                          G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
                          agent_test_store_result, &result);
  return g_dbus_connection_call_finish (bus, agent_test_wait_for (&result), error);
}

/* A port that was free a moment ago. */
static guint16
free_port (void)
{
  guint16 port;
  g_autoptr (GSocket) socket = agent_test_bind_port (&port);

  g_assert_nonnull (socket); /* closed on return */
  return port;
}

/* Turns the metrics endpoint on, on a free port, which it returns. */
static guint16
enable_metrics (Fixture *f)
{
  guint16 port = free_port ();
  g_autofree gchar *extra = g_strdup_printf ("[metrics]\nlisten=127.0.0.1:%u\n", port);
  g_autofree gchar *old_conf = NULL;
  g_autofree gchar *conf = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (f->conf, &old_conf, NULL, &error);
  g_assert_no_error (error);
  conf = g_strconcat (old_conf, extra, NULL);
  g_file_set_contents (f->conf, conf, -1, &error);
  g_assert_no_error (error);
  return port;
}

static gchar *
fetch_metrics (guint16 port)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u/metrics", port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, agent_test_store_result,
                                    &result);
  body = soup_session_send_and_read_finish (session, agent_test_wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
last_peer_is_client2 (gpointer data)
{
  Fixture *f = data;
  const MonitorTestResult *last
      = f->api->got->len > 0 ? g_ptr_array_index (f->api->got, f->api->got->len - 1) : NULL;

  return last != NULL && g_strcmp0 (last->peer, RPC_TEST_CLIENT2_NAME) == 0;
}

/* The running agent's certificate is due for renewal (two thirds of its
 * lifetime gone; here it is swapped for such a one): the next reload asks
 * the web API for a new one and the following connections present it. */
static void
test_renewal_while_running (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autofree gchar *due_cert = NULL;
  g_autofree gchar *due_key = NULL;
  g_autofree gchar *on_disk = NULL;
  g_autofree gchar *cert_path = g_build_filename (f->base, "test", "cert.pem", NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint requests;

  daemon = spawn_first_batch (f);
  g_assert_cmpstr (((MonitorTestResult *)g_ptr_array_index (f->api->got, 0))->peer, ==,
                   RPC_TEST_CLIENT1_NAME);
  requests = f->fake->cert_requests;

  /* from now on the web API hands out client2 */
  g_clear_pointer (&f->fake->client_cert, g_free);
  g_clear_pointer (&f->fake->client_key, g_free);
  g_file_get_contents (f->api->certs->client2_pem, &f->fake->client_cert, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (f->api->certs->client2_key, &f->fake->client_key, NULL, &error);
  g_assert_no_error (error);
  /* 20 of 30 hours gone, from the RPC API's CA */
  fake_make_dated_cert (f->fake, f->api->certs->dir, now - 20 * 3600 - 60, now + 10 * 3600,
                        &due_cert, &due_key);
  g_assert_true (ntpmon_state_save_certificates (state, due_cert, due_key, &error));
  g_assert_no_error (error);

  /* the next reload (every 5 minutes; SIGHUP now) renews it */
  g_subprocess_send_signal (daemon, SIGHUP);
  f->api->batches_left = 1000;
  monitor_test_wait (last_peer_is_client2, f);
  f->api->batches_left = 0;
  g_assert_cmpuint (f->fake->cert_requests, >, requests);
  g_assert_true (g_file_get_contents (cert_path, &on_disk, NULL, &error));
  g_assert_cmpstr (on_disk, ==, f->fake->client_cert);
  agent_test_stop (daemon, NULL);
}

static gboolean
token_issued (gpointer data)
{
  Fixture *f = data;

  return f->fake->token_calls > f->want_calls;
}

/* The JWT is fetched before monitoring starts and sent with each call; a
 * reload refreshes it when it is close to expiry, and the RPC client takes
 * the new one at once: of the submissions after the new token was issued,
 * only those already under way (one per family, and one more whose request
 * may have been built meanwhile) carry the old one. The fakes run on this
 * main loop, so "after" is the order in which it saw them. */
static void
test_jwt_refresh (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocess) daemon = NULL;
  g_autofree gchar *want = NULL;
  const MonitorTestResult *first;
  guint calls, before;

  /* less than 5 minutes left: every reload gets a new token */
  f->fake->token_expires_in = 120;
  daemon = spawn_first_batch (f);
  first = g_ptr_array_index (f->api->got, 0);
  calls = f->fake->token_calls;
  g_assert_cmpuint (calls, >=, 1);
  g_assert_true (g_str_has_prefix (first->authorization, "Bearer token-"));
  g_assert_cmpuint (g_ascii_strtoull (first->authorization + strlen ("Bearer token-"), NULL, 10),
                    <=, calls);

  f->api->batches_left = 1000;
  f->want_calls = calls;
  g_subprocess_send_signal (daemon, SIGHUP);
  monitor_test_wait (token_issued, f);
  before = f->api->got->len;
  want = g_strdup_printf ("Bearer token-%u", f->fake->token_calls);
  f->want_results = before + 6;
  monitor_test_wait (results_arrived, f);
  f->api->batches_left = 0;
  for (guint i = before + 2; i < f->api->got->len; i++)
    {
      const MonitorTestResult *r = g_ptr_array_index (f->api->got, i);

      g_assert_cmpstr (r->authorization, ==, want);
    }

  agent_test_stop (daemon, NULL);
}

/* The spool cannot be written (its directory replaced by a file, as good
 * as a full disk for the write): the batch the API did not take is
 * counted as lost, the agent keeps running and delivers the next one. */
static void
test_spool_unwritable (Fixture *f, gconstpointer data)
{
  guint16 metrics_port = enable_metrics (f);
  g_autofree gchar *metrics = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GError) error = NULL;
  const MonitorTestResult *last;

  daemon = spawn_first_batch (f);

  monitor_test_rm_rf (f->spool);
  g_file_set_contents (f->spool, "", 0, &error);
  g_assert_no_error (error);
  f->api->submit_failures = 1;
  f->api->batches_left = 2;
  f->want_results = 2;
  monitor_test_wait (results_arrived, f);
  g_assert_cmpuint (f->api->got->len, ==, 2);
  g_assert_cmpuint (f->api->handed_out->len, ==, 3);
  last = g_ptr_array_index (f->api->got, 1);
  g_assert_cmpstr (last->batch_id, ==, g_ptr_array_index (f->api->handed_out, 2));

  metrics = fetch_metrics (metrics_port);
  g_test_message ("%s", metrics);
  g_assert_nonnull (strstr (metrics, "monitor_spool_write_failures_total 1\n"));
  g_assert_nonnull (strstr (metrics, "monitor_spool_batches 0\n"));
  g_assert_nonnull (strstr (
      metrics, "monitor_rpc_requests_total{type=\"submitResults\",status_code=\"error\"} 1\n"));

  agent_test_stop (daemon, &err);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "cannot spool the batch, its results are lost: "));
  g_assert_cmpint (g_remove (f->spool), ==, 0);
}

static gboolean
state_error_is (gpointer data)
{
  BusWait *w = data;
  g_autoptr (GVariant) value = get_property (w->bus, "StateError");
  const gchar *text = value != NULL ? g_variant_get_string (value, NULL) : NULL;

  if (text == NULL)
    return FALSE;
  return *w->state_error == '\0' ? *text == '\0' : strstr (text, w->state_error) != NULL;
}

/* state.json turns corrupt under the running daemon: it keeps running with
 * what it had, StateError and `status` name the file; fixed, the error
 * clears. */
static void
check_corrupt_state (Fixture *f, BusWait *w, const gchar *const *status_args)
{
  g_autofree gchar *path = g_build_filename (f->base, "test", "state.json", NULL);
  g_autofree gchar *good = NULL;
  g_autofree gchar *want = g_strdup_printf ("%s: invalid JSON", path);
  g_autofree gchar *out = NULL;
  g_autoptr (GError) error = NULL;
  guint tick = g_timeout_add (100, tick_cb, NULL);

  g_assert_true (g_file_get_contents (path, &good, NULL, &error));
  g_assert_true (g_file_set_contents (path, "{\"API\": {\"APIKey\": \"", -1, &error));
  w->state_error = want;
  monitor_test_wait (state_error_is, w);
  g_assert_cmpint (agent_test_run (f->fake, f->base, NULL, status_args, &out, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "StateError"));
  g_assert_nonnull (strstr (out, want));
  g_assert_nonnull (strstr (out, "State            ready\n"));

  g_assert_true (g_file_set_contents (path, good, -1, &error));
  w->state_error = "";
  monitor_test_wait (state_error_is, w);
  g_source_remove (tick);
}

static void
test_dbus (Fixture *f, gconstpointer data)
{
  g_autoptr (GTestDBus) dbus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr (GSubprocess) daemon = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v4 = NULL;
  g_autoptr (GVariant) spool_length = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *out = NULL;
  const gchar *s = NULL;
  guint64 t = 0;
  guint32 u = 0;
  gdouble offset = 0;
  BusWait w = { 0 };
  guint tick;
  const gchar *args[] = { "--dbus", "session", "--config", f->conf, "--no-ipv6", "monitor", NULL };
  const gchar *status_args[] = { "--dbus", "session", "--config", f->conf, "status", NULL };

  guint16 metrics_port = enable_metrics (f);
  g_autofree gchar *metrics = NULL;

  g_test_dbus_up (dbus);
  w.bus = g_dbus_connection_new_for_address_sync (
      g_test_dbus_get_bus_address (dbus),
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  g_assert_no_error (error);
  f->api->batches_left = 1;
  f->api->per_batch = 2;
  f->api->config.samples = 2;
  /* the second server answers with a kiss code: a failed check, one query */
  ntpmon_fake_ntp_get_behaviour (f->api->ntp[1])->refid = ntpmon_fake_ntp_refid ("RATE");
  ntpmon_fake_ntp_get_behaviour (f->api->ntp[1])->stratum = 0;
  daemon = agent_test_spawn (f->fake, f->base, NULL, args);
  tick = g_timeout_add (100, tick_cb, NULL);
  monitor_test_wait (batch_published, &w);
  g_source_remove (tick);

  v4 = g_variant_lookup_value (w.families, "v4", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (v4, "Name", "&s", &s));
  g_assert_cmpstr (s, ==, RPC_TEST_CLIENT1_NAME);
  g_assert_true (g_variant_lookup (v4, "IP", "&s", &s));
  g_assert_cmpstr (s, ==, "127.0.0.1");
  g_assert_true (g_variant_lookup (v4, "Status", "&s", &s));
  g_assert_cmpstr (s, ==, "active");
  g_assert_true (g_variant_lookup (v4, "LocalOK", "&s", &s));
  g_assert_cmpstr (s, ==, "ok");
  g_assert_true (g_variant_lookup (v4, "LastBatchSize", "u", &u));
  g_assert_cmpuint (u, ==, 2);
  g_assert_true (g_variant_lookup (v4, "ChecksDone", "t", &t));
  g_assert_cmpuint (t, ==, 1);
  g_assert_true (g_variant_lookup (v4, "ChecksFailed", "t", &t));
  g_assert_cmpuint (t, ==, 1);
  g_assert_true (g_variant_lookup (v4, "SubmitsDone", "t", &t));
  g_assert_cmpuint (t, ==, 1);
  g_assert_true (g_variant_lookup (v4, "SubmitsFailed", "t", &t));
  g_assert_cmpuint (t, ==, 0);
  g_assert_true (g_variant_lookup (v4, "State", "&s", &s));
  g_assert_cmpstr (s, ==, "monitoring");
  g_assert_true (g_variant_lookup (v4, "LastBatchTime", "x", &t));
  g_assert_cmpint ((gint64)t, >, 0);
  g_assert_null (g_variant_lookup_value (w.families, "v6", NULL));
  spool_length = get_property (w.bus, "SpoolLength");
  g_assert_cmpuint (g_variant_get_uint32 (spool_length), ==, 0);

  /* the metrics endpoint counts the same */
  metrics = fetch_metrics (metrics_port);
  g_test_message ("%s", metrics);
  g_assert_nonnull (strstr (
      metrics, "monitor_rpc_requests_total{type=\"submitResults\",status_code=\"success\"} 1\n"));
  g_assert_nonnull (
      strstr (metrics, "monitor_rpc_requests_total{type=\"config\",status_code=\"success\"} 1\n"));
  g_assert_nonnull (
      strstr (metrics, "monitor_local_check_up{host=\"127.0.0.2\",ip_version=\"v4\"} 1\n"));
  /* one local clock check (127.0.0.2) and the batch of two, two samples
   * each but for the kiss code, which stops after one */
  assert_contains (metrics, "monitor_servers_checked_total{ip_version=\"ipv4\"} 3\n",
                   "monitor_ntp_queries_sent_total{ip_version=\"ipv4\"} 5\n",
                   "monitor_spool_batches 0\n", "monitor_ssl_earliest_cert_expiry ", NULL);

  /* CheckNow runs the ntp probe against a fake server */
  target = g_strdup_printf ("127.0.1.3:%u", monitor_test_api_ntp_port (f->api));
  /* asynchronously: the fake NTP servers are served by this main loop */
  reply = check_now (w.bus, target, &error);
  g_assert_no_error (error);
  result = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (result, "ip", "&s", &s));
  g_assert_cmpstr (s, ==, "127.0.1.3");
  g_assert_true (g_variant_lookup (result, "offset", "d", &offset));
  g_assert_cmpfloat (offset, >, 0.055);
  g_assert_cmpfloat (offset, <, 0.065);
  /* counted as a check, with its three samples (the probe's default) */
  g_free (metrics);
  metrics = fetch_metrics (metrics_port);
  assert_contains (metrics, "monitor_servers_checked_total{ip_version=\"ipv4\"} 4\n",
                   "monitor_ntp_queries_sent_total{ip_version=\"ipv4\"} 8\n", NULL);
  /* a bad target is an error */
  g_clear_pointer (&reply, g_variant_unref);
  reply = check_now (w.bus, "ntp.example", &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* `status` shows the monitoring state */
  g_assert_cmpint (agent_test_run (f->fake, f->base, NULL, status_args, &out, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "IPv4             " RPC_TEST_CLIENT1_NAME
                                 " 127.0.0.1, status active, monitoring\n"));
  assert_contains (out, "  last batch     20", " UTC, 2 servers\n",
                   "  checks         1 ok, 1 failed\n", "  submissions    1 ok, 0 failed\n",
                   "  local clock    ok\n", NULL);
  g_assert_null (strstr (out, "IPv6"));
  assert_contains (out, "SpoolDropped     0\n", "SpoolWriteFailures 0\n", "SpoolLength", NULL);
  check_corrupt_state (f, &w, status_args);

  agent_test_stop (daemon, NULL);
  g_clear_pointer (&w.families, g_variant_unref);
  g_dbus_connection_close_sync (w.bus, NULL, NULL);
  g_object_unref (w.bus);
  g_test_dbus_down (dbus);
}

static void
test_api_ok (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_assert_cmpint (run (f, "api", "ok", &out, &err), ==, 0);
  g_test_message ("%s%s", out, err);
  assert_contains (out, "ok    API key: present\n", "ok    web API (https://",
                   "ok    certificate: valid until ", "ok    IPv4: 127.0.0.1, status active\n",
                   "warn  IPv6: not configured\n", "ok    JWT: received\n",
                   "ok    RPC GetConfig (https://127.0.0.1:", "samples 1, 1 base checks", NULL);
  g_assert_null (strstr (out, "FAIL"));
  g_assert_cmpuint (f->api->n_get_config, ==, 1);
}

static void
test_api_ok_broken (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *out2 = NULL;
  g_autofree gchar *err2 = NULL;
  g_autofree gchar *state_file = g_build_filename (f->base, "test", "state.json", NULL);

  /* the RPC API does not know the monitor: still exit 0, the line says why */
  rpc_test_server_free (f->api->server);
  f->api->server = rpc_test_server_new (f->api->certs);
  f->api->server->reply = RPC_TEST_REPLY_ERROR;
  f->api->server->error_code = 7; /* permission_denied */
  f->api->server->error_message = g_strdup ("monitor not active");
  g_setenv ("DEVEL_API_SERVER", f->api->server->base_url, TRUE);
  g_assert_cmpint (run (f, "api", "ok", &out, &err), ==, 0);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (out, "FAIL  RPC GetConfig (https://127.0.0.1:"));
  g_assert_nonnull (strstr (out, "): permission denied: GetConfig: monitor not active\n"));

  /* the web API is down: said so, then what the files on disk tell */
  {
    g_autofree gchar *url = g_steal_pointer (&f->fake->base_url);
    g_autofree gchar *down_out = NULL;
    g_autofree gchar *down_err = NULL;
    guint16 port;
    g_autoptr (GSocket) closed = agent_test_bind_port (&port);

    g_assert_nonnull (closed);
    f->fake->base_url = g_strdup_printf ("https://127.0.0.1:%u", port);
    g_assert_cmpint (run (f, "api", "ok", &down_out, &down_err), ==, 0);
    g_test_message ("%s%s", down_out, down_err);
    assert_contains (down_out, "FAIL  web API (https://127.0.0.1:",
                     "): cannot reach the web API: https://127.0.0.1:",
                     "Connection refused (the address comes from API_HOST)\n",
                     "ok    certificate: valid until ", "FAIL  JWT: ", NULL);
    g_free (f->fake->base_url);
    f->fake->base_url = g_steal_pointer (&url);
  }

  /* the certificate has expired and the web API sends no new one */
  {
    g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
    g_autofree gchar *cert = NULL;
    g_autofree gchar *key = NULL;
    g_autofree gchar *old_out = NULL;
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    g_autoptr (GError) error = NULL;

    fake_make_dated_cert (f->fake, NULL, now - 10 * 86400, now - 3600, &cert, &key);
    g_assert_true (ntpmon_state_save_certificates (state, cert, key, &error));
    g_assert_no_error (error);
    g_clear_pointer (&f->fake->client_cert, g_free);
    g_assert_cmpint (run (f, "api", "ok", &old_out, NULL), ==, 0);
    g_test_message ("%s", old_out);
    g_assert_nonnull (strstr (old_out, "FAIL  certificate: expired "));
    g_assert_nonnull (strstr (old_out, " s ago); the web API must send a new one\n"));
    /* the server drops the connection; the line says the likely reason */
    g_assert_nonnull (strstr (old_out, "FAIL  RPC GetConfig (https://127.0.0.1:"));
    g_assert_nonnull (strstr (old_out, "(the client certificate expired at "));
  }

  /* the web API rejects the key: exit 1 */
  f->fake->config_status = 401;
  g_assert_cmpint (run (f, "api", "ok", &out2, &err2), ==, 1);
  g_test_message ("%s%s", out2, err2);
  g_assert_nonnull (strstr (out2, "FAIL  web API (https://"));
  g_assert_nonnull (strstr (out2, "API key rejected"));
  g_assert_nonnull (strstr (err2, "api key unauthorized"));

  /* no key at all: exit 1 */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (g_remove (state_file), ==, 0);
  g_assert_cmpint (run (f, "api", "ok", &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "FAIL  API key: none"));
  g_assert_nonnull (strstr (err, "no API key configured"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/monitor/agent/once", test_once);
  ADD ("/monitor/agent/sanity-only", test_sanity_only);
  ADD ("/monitor/agent/kill-restart", test_kill_restart);
  ADD ("/monitor/agent/cert-replaced", test_cert_replaced);
  ADD ("/monitor/agent/renewal-while-running", test_renewal_while_running);
  ADD ("/monitor/agent/spool-unwritable", test_spool_unwritable);
  ADD ("/monitor/agent/jwt-refresh", test_jwt_refresh);
  ADD ("/monitor/agent/dbus", test_dbus);
  ADD ("/monitor/agent/api-ok", test_api_ok);
  ADD ("/monitor/agent/api-ok-broken", test_api_ok_broken);
  return g_test_run ();
}
