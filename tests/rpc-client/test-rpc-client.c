/* test-rpc-client.c: the monitor RPC client against a real HTTPS server
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ntpmon-rpc-client.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"
#include "ntpmon-rpc-status.h"
#include "rpc-test-server.h"

static RpcTestCerts *certs;

typedef struct
{
  RpcTestServer *server;
  NtpmonRpcClient *client;
  gboolean done;
  GAsyncResult *result;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->server = rpc_test_server_new (certs);
  f->client = ntpmon_rpc_client_new (f->server->base_url, certs->ca_pem, &error);
  g_assert_no_error (error);
  ntpmon_rpc_client_set_certificate_files (f->client, certs->client1_pem, certs->client1_key,
                                           &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->result);
  g_clear_object (&f->client);
  rpc_test_server_free (f->server);
  /* let the closed connections finish */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->result);
  f->result = g_object_ref (result);
  f->done = TRUE;
}

static void
wait_call (Fixture *f)
{
  rpc_test_wait (&f->done);
  f->done = FALSE;
}

static Monitor__V2__GetConfigResponse *
get_config (Fixture *f, GError **error)
{
  g_clear_object (&f->result);
  ntpmon_rpc_client_get_config (f->client, "192.0.2.7", NULL, on_done, f);
  wait_call (f);
  return ntpmon_rpc_client_get_config_finish (f->client, f->result, error);
}

static Monitor__V2__GetServersResponse *
get_servers (Fixture *f, GCancellable *cancellable, GError **error)
{
  g_clear_object (&f->result);
  ntpmon_rpc_client_get_servers (f->client, "2001:db8::7", cancellable, on_done, f);
  wait_call (f);
  return ntpmon_rpc_client_get_servers_finish (f->client, f->result, error);
}

static const gchar *
header (Fixture *f, const gchar *name)
{
  return g_hash_table_lookup (f->server->headers, name);
}

static void
assert_peer (Fixture *f, const gchar *name)
{
  g_autofree gchar *peer = NULL;

  g_assert_nonnull (f->server->peer_certificate);
  g_assert_cmpuint (f->server->peer_errors, ==, 0);
  peer = rpc_test_certificate_dns_name (f->server->peer_certificate);
  g_assert_cmpstr (peer, ==, name);
}

/* ---- base URLs ----------------------------------------------------------- */

static void
test_base_url_tls_name (void)
{
  static const struct
  {
    const gchar *name;
    const gchar *url;
  } vectors[] = {
    { "jphnd1-21wase0.devel.mon.ntppool.dev", "https://api.devel.mon.ntppool.dev" },
    { "uspao1-21wase0.test.mon.ntppool.dev", "https://api.test.mon.ntppool.dev" },
    { "deber1-1a2b3c.prod.mon.ntppool.dev", "https://api.mon.ntppool.dev" },
    { "api.mon.ntppool.dev", "https://api.mon.ntppool.dev" },
    { "a.b.test.mon.ntppool.dev", NULL },
    { "test.mon.ntppool.dev", NULL },
    { "host.beta.mon.ntppool.dev", NULL },
    { "host.test.mon.ntppool.org", NULL },
    { ".test.mon.ntppool.dev", NULL },
    { "", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *url = ntpmon_rpc_client_base_url_for_tls_name (vectors[i].name, &error);
      g_assert_cmpstr (url, ==, vectors[i].url);
      if (vectors[i].url == NULL)
        g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_base_url_devel_override (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *bad = NULL;

  g_setenv ("DEVEL_API_SERVER", "https://localhost:8000", TRUE);
  url = ntpmon_rpc_client_resolve_base_url ("not a monitor name", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://localhost:8000");
  g_clear_pointer (&url, g_free);

  g_setenv ("DEVEL_API_SERVER", "", TRUE);
  url = ntpmon_rpc_client_resolve_base_url ("x1.devel.mon.ntppool.dev", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://api.devel.mon.ntppool.dev");
  g_unsetenv ("DEVEL_API_SERVER");
  bad = ntpmon_rpc_client_resolve_base_url ("not a monitor name", &error);
  g_assert_null (bad);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
}

static void
test_new_bad_arguments (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonRpcClient) client = NULL;
  g_autofree gchar *empty = g_build_filename (certs->dir, "empty.pem", NULL);

  client = ntpmon_rpc_client_new ("ftp://example.net", certs->ca_pem, &error);
  g_assert_null (client);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_file_set_contents (empty, "", 0, &error);
  g_assert_no_error (error);
  client = ntpmon_rpc_client_new ("https://127.0.0.1:1", empty, &error);
  g_assert_null (client);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_FAILED_PRECONDITION);
  g_unlink (empty);
}

/* The pool's CA bundle shipped as the default trust anchor. */
static void
test_shipped_ca_bundle (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *root = g_getenv ("NTPMON_SOURCE_ROOT"); /* set by meson test */
  g_autofree gchar *path = NULL;
  g_autoptr (NtpmonRpcClient) client = NULL;
  GList *list;

  g_assert_nonnull (root);
  path = g_build_filename (root, "data", "ntppool-ca.pem", NULL);
  list = g_tls_certificate_list_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (list), ==, 2);
  g_list_free_full (list, g_object_unref);
  client = ntpmon_rpc_client_new ("https://api.test.mon.ntppool.dev", path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_rpc_client_get_base_url (client), ==, "https://api.test.mon.ntppool.dev");
  g_assert_true (g_str_has_suffix (ntpmon_rpc_client_default_ca_file (), "/ntppool-ca.pem"));
}

/* ---- round trips ----------------------------------------------------------- */

static void
test_get_config (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetConfigResponse *config;
  const Monitor__V2__GetConfigRequest *request;

  ntpmon_rpc_client_set_token (f->client, "jwt-token-1");
  config = get_config (f, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpint (config->samples, ==, 5);
  g_assert_cmpuint (config->ip_bytes.len, ==, 4);
  g_assert_cmpuint (config->n_base_checks, ==, 2);
  g_assert_cmpstr (config->otlp_log_level, ==, "info");
  ntpmon_proto_message_free (&config->base);

  g_assert_cmpstr (f->server->path, ==, "/monitor.v2.MonitorService/GetConfig");
  request = (const Monitor__V2__GetConfigRequest *)f->server->request;
  g_assert_cmpstr (request->mon_id, ==, "192.0.2.7");
  g_assert_cmpstr (header (f, "content-type"), ==, "application/proto");
  g_assert_cmpstr (header (f, "connect-protocol-version"), ==, "1");
  g_assert_cmpstr (header (f, "connect-timeout-ms"), ==, "35000");
  g_assert_cmpstr (header (f, "accept-encoding"), ==, "gzip");
  g_assert_cmpstr (header (f, "authorization"), ==, "Bearer jwt-token-1");
  g_assert_true (g_str_has_prefix (header (f, "user-agent"), "ntppool-agent/v4."));
  assert_peer (f, RPC_TEST_CLIENT1_NAME);
}

static void
test_get_servers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetServersResponse *servers;

  ntpmon_rpc_client_set_user_agent (f->client, "ntppool-agent/v4.9.9/test");
  servers = get_servers (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (servers);
  g_assert_cmpuint (servers->batch_id.len, ==, 26);
  g_assert_cmpmem (servers->batch_id.data, 26, "01J0000000000000000000ABCD", 26);
  g_assert_cmpuint (servers->n_servers, ==, 2);
  g_assert_cmpuint (servers->servers[0]->ip_bytes.len, ==, 4);
  g_assert_cmpuint (servers->servers[1]->ip_bytes.len, ==, 16);
  g_assert_cmpmem (servers->servers[1]->ticket.data, servers->servers[1]->ticket.len, "T2", 2);
  ntpmon_proto_message_free (&servers->base);

  g_assert_cmpstr (f->server->path, ==, "/monitor.v2.MonitorService/GetServers");
  g_assert_cmpstr (((Monitor__V2__GetServersRequest *)f->server->request)->mon_id, ==,
                   "2001:db8::7");
  /* no deadline, no token */
  g_assert_null (header (f, "connect-timeout-ms"));
  g_assert_null (header (f, "authorization"));
  g_assert_cmpstr (header (f, "user-agent"), ==, "ntppool-agent/v4.9.9/test");
}

static NtpmonNtpResult *
make_result (const gchar *ip, const gchar *ticket, gint64 offset_ns)
{
  NtpmonNtpResult *result = ntpmon_ntp_result_new ();

  result->ip = g_inet_address_new_from_string (ip);
  result->ticket = g_strdup (ticket);
  result->ts_ns = G_GINT64_CONSTANT (1700000000123456789);
  result->has_offset = TRUE;
  result->offset_ns = offset_ns;
  result->has_rtt = TRUE;
  result->rtt_ns = 2500000;
  result->stratum = 2;
  return result;
}

static void
submit (Fixture *f, GError **error, gboolean *ok)
{
  g_autoptr (NtpmonNtpResult) r1 = make_result ("198.51.100.1", "VDE=", -1500000000);
  g_autoptr (NtpmonNtpResult) r2 = make_result ("2001:db8::1", "VDI=", 0);
  Monitor__V2__ServerStatus *list[2];
  g_autoptr (GBytes) batch = g_bytes_new_static ("01J0000000000000000000ABCD", 26);

  list[0] = ntpmon_rpc_status_from_ntp_result (r1, error);
  g_assert_nonnull (list[0]);
  list[1] = ntpmon_rpc_status_from_ntp_result (r2, error);
  g_assert_nonnull (list[1]);
  g_clear_object (&f->result);
  ntpmon_rpc_client_submit_results (f->client, "192.0.2.7", batch, list, 2, NULL, on_done, f);
  /* the request is encoded already */
  ntpmon_proto_message_free (&list[0]->base);
  ntpmon_proto_message_free (&list[1]->base);
  wait_call (f);
  *ok = ntpmon_rpc_client_submit_results_finish (f->client, f->result, error);
}

static void
test_submit_results (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const Monitor__V2__SubmitResultsRequest *request;
  gboolean ok = FALSE;

  submit (f, &error, &ok);
  g_assert_no_error (error);
  g_assert_true (ok);

  g_assert_cmpstr (f->server->path, ==, "/monitor.v2.MonitorService/SubmitResults");
  request = (const Monitor__V2__SubmitResultsRequest *)f->server->request;
  g_assert_cmpint (request->version, ==, 4);
  g_assert_cmpstr (request->mon_id, ==, "192.0.2.7");
  g_assert_cmpmem (request->batch_id.data, request->batch_id.len, "01J0000000000000000000ABCD", 26);
  g_assert_cmpuint (request->n_list, ==, 2);
  g_assert_cmpmem (request->list[0]->ticket.data, request->list[0]->ticket.len, "T1", 2);
  g_assert_cmpuint (request->list[0]->ip_bytes.len, ==, 4);
  g_assert_cmpint (request->list[0]->offset->seconds, ==, -1);
  g_assert_cmpint (request->list[0]->offset->nanos, ==, -500000000);
  g_assert_cmpmem (request->list[1]->ticket.data, request->list[1]->ticket.len, "T2", 2);
  g_assert_cmpuint (request->list[1]->ip_bytes.len, ==, 16);
  /* a zero offset survives the wire */
  g_assert_nonnull (request->list[1]->offset);
  g_assert_cmpint (request->list[1]->offset->seconds, ==, 0);
  g_assert_cmpint (request->list[1]->ts->nanos, ==, 123456789);
}

static void
test_submit_not_okay (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  f->server->reply = RPC_TEST_REPLY_NOT_OKAY;
  submit (f, &error, &ok);
  g_assert_false (ok);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNKNOWN);
  g_assert_cmpstr (error->message, ==, "SubmitResults not okay");
}

static void
test_gzip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetConfigResponse *config;

  f->server->reply = RPC_TEST_REPLY_GZIP;
  config = get_config (f, &error);
  g_assert_no_error (error);
  g_assert_true (f->server->response_gzipped);
  g_assert_nonnull (config);
  g_assert_cmpuint (config->n_base_checks, ==, 64);
  g_assert_cmpmem (config->base_checks[63].data, config->base_checks[63].len, "time.example.net",
                   16);
  ntpmon_proto_message_free (&config->base);
}

/* A response body over the limit is refused, not read into memory. */
static void
test_error_huge_response (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->server->reply = RPC_TEST_REPLY_HUGE;
  g_assert_null (get_servers (f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED);
}

/* ---- errors ------------------------------------------------------------- */

/* The server answers with Connect error JSON of @sent and @message; the
 * call fails with @expected, keeping the message. */
static void
assert_server_error (Fixture *f, NtpmonRpcError sent, const gchar *message, gint expected,
                     gboolean transient)
{
  g_autoptr (GError) error = NULL;

  f->server->reply = RPC_TEST_REPLY_ERROR;
  f->server->error_code = sent;
  g_free (f->server->error_message);
  f->server->error_message = g_strdup (message);
  g_assert_null (get_servers (f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, expected);
  g_assert_nonnull (
      strstr (error->message, strchr (message, ':') ? strchr (message, ':') + 2 : message));
  g_assert_cmpint (ntpmon_rpc_client_error_is_transient (error), ==, transient);
}

/* Connect errors as the server sends them, and what the caller gets. The
 * reference server sends everything as `unknown`. */
static const struct
{
  NtpmonRpcError sent;
  const gchar *message;
  gint expected;
  gboolean transient;
} server_errors[] = {
  { NTPMON_RPC_ERROR_PERMISSION_DENIED, "monitor not active", NTPMON_RPC_ERROR_PERMISSION_DENIED },
  { NTPMON_RPC_ERROR_INVALID_ARGUMENT, "signature validation failed",
    NTPMON_RPC_ERROR_INVALID_ARGUMENT },
  { NTPMON_RPC_ERROR_FAILED_PRECONDITION, "invalid batch submission",
    NTPMON_RPC_ERROR_FAILED_PRECONDITION },
  { NTPMON_RPC_ERROR_INTERNAL, "database is gone", NTPMON_RPC_ERROR_INTERNAL, TRUE },
  { NTPMON_RPC_ERROR_UNKNOWN, "twirp error not_found: no such monitor",
    NTPMON_RPC_ERROR_NOT_FOUND },
  { NTPMON_RPC_ERROR_UNKNOWN, "twirp error permission_denied: monitor not active",
    NTPMON_RPC_ERROR_PERMISSION_DENIED },
  { NTPMON_RPC_ERROR_UNKNOWN, "invalid batch ID: bad", NTPMON_RPC_ERROR_INVALID_ARGUMENT },
  { NTPMON_RPC_ERROR_UNKNOWN, "invalid batch submission", NTPMON_RPC_ERROR_FAILED_PRECONDITION },
  { NTPMON_RPC_ERROR_UNKNOWN, "sql: no rows in result set", NTPMON_RPC_ERROR_UNKNOWN, TRUE },
};

static void
test_error_connect_json (Fixture *f, gconstpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (server_errors); i++)
    assert_server_error (f, server_errors[i].sent, server_errors[i].message,
                         server_errors[i].expected, server_errors[i].transient);
}

static void
test_error_http_status (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint before;

  f->server->reply = RPC_TEST_REPLY_STATUS;
  f->server->http_status = 503;
  g_assert_null (get_servers (f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
  g_assert_true (ntpmon_rpc_client_error_is_transient (error));
  g_clear_error (&error);

  /* a plain 401 from the auth middleware: no retry */
  f->server->http_status = 401;
  before = f->server->n_requests;
  g_assert_null (get_servers (f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAUTHENTICATED);
  g_assert_false (ntpmon_rpc_client_error_is_transient (error));
  g_assert_cmpuint (f->server->n_requests, ==, before + 1);
}

static void
test_error_connection_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree gchar *url = NULL;
  Fixture f = { 0 };

  /* a port nobody listens on: bound but not listening */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("https://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  f.client = ntpmon_rpc_client_new (url, certs->ca_pem, &error);
  g_assert_no_error (error);
  g_assert_null (get_servers (&f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
  g_assert_true (ntpmon_rpc_client_error_is_transient (error));
  g_clear_object (&f.result);
  g_clear_object (&f.client);
}

/* A connection reset without an answer is tried once more on a new one
 * (agent.md §4.2), and only once. */
static void
test_retry_once (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetServersResponse *servers;

  f->server->reply = RPC_TEST_REPLY_DROP;
  f->server->drop_count = 1;
  servers = get_servers (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (servers);
  ntpmon_proto_message_free (&servers->base);
  g_assert_cmpuint (f->server->n_requests, ==, 2);

  f->server->drop_count = 10;
  g_assert_null (get_servers (f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
  g_assert_true (ntpmon_rpc_client_error_is_transient (error));
  g_assert_cmpuint (f->server->n_requests, ==, 4);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  /* hold the connection and never speak TLS */
  g_ptr_array_add (user_data, g_object_ref (connection));
  return TRUE;
}

static void
test_error_handshake_timeout (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree gchar *url = NULL;
  Fixture f = { 0 };

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), any, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), held);
  g_socket_service_start (service);
  url = g_strdup_printf ("https://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  f.client = ntpmon_rpc_client_new (url, certs->ca_pem, &error);
  g_assert_no_error (error);
  ntpmon_rpc_client_set_timeouts (f.client, 0, 0, 200);
  g_assert_null (get_config (&f, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_DEADLINE_EXCEEDED);
  g_assert_nonnull (strstr (error->message, "handshake"));
  g_socket_service_stop (service);
  g_clear_object (&f.result);
  g_clear_object (&f.client);
}

static void
test_error_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->server->reply = RPC_TEST_REPLY_HANG;
  /* The server never answers, so the outcome does not depend on how far
   * the call got before its deadline. */
  ntpmon_rpc_client_set_timeouts (f->client, 200, 0, 0);
  g_assert_null (get_servers (f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_DEADLINE_EXCEEDED);
  g_assert_true (ntpmon_rpc_client_error_is_transient (error));
  g_assert_cmpuint (f->server->n_requests, <=, 1);
}

static void
test_error_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();

  f->server->reply = RPC_TEST_REPLY_HANG;
  ntpmon_rpc_client_get_servers (f->client, "192.0.2.7", cancellable, on_done, f);
  /* cancel once the server holds the request */
  while (f->server->n_requests == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->done);
  g_cancellable_cancel (cancellable);
  wait_call (f);
  g_assert_null (ntpmon_rpc_client_get_servers_finish (f->client, f->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_error_wrong_ca (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  ntpmon_rpc_client_set_ca_file (f->client, certs->other_ca_pem, &error);
  g_assert_no_error (error);
  g_assert_null (get_config (f, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "TLS"));
  g_assert_cmpuint (f->server->n_requests, ==, 0);
}

static void
test_error_no_client_cert (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  /* the test server requires one */
  ntpmon_rpc_client_set_certificate (f->client, NULL);
  g_assert_null (get_config (f, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
  g_assert_cmpuint (f->server->n_requests, ==, 0);
}

/* ---- certificate rotation -------------------------------------------------- */

static void
install_file (const gchar *from, const gchar *to)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *contents = NULL;
  g_autofree gchar *tmp = g_strconcat (to, ".tmp", NULL);
  gsize len;

  g_file_get_contents (from, &contents, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (tmp, contents, len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (tmp, to), ==, 0);
}

static void
test_cert_rotation (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cert = g_build_filename (certs->dir, "cert.pem", NULL);
  g_autofree gchar *key = g_build_filename (certs->dir, "key.pem", NULL);
  g_autofree gchar *in_use = NULL;
  Monitor__V2__GetConfigResponse *config;

  install_file (certs->client1_pem, cert);
  install_file (certs->client1_key, key);
  ntpmon_rpc_client_set_certificate_files (f->client, cert, key, &error);
  g_assert_no_error (error);
  config = get_config (f, &error);
  g_assert_no_error (error);
  ntpmon_proto_message_free (&config->base);
  assert_peer (f, RPC_TEST_CLIENT1_NAME);

  /* renewed on disk, as the state dir does it (key first, then cert) */
  install_file (certs->client2_key, key);
  install_file (certs->client2_pem, cert);
  config = get_config (f, &error);
  g_assert_no_error (error);
  ntpmon_proto_message_free (&config->base);
  assert_peer (f, RPC_TEST_CLIENT2_NAME);
  in_use = rpc_test_certificate_dns_name (ntpmon_rpc_client_get_certificate (f->client));
  g_assert_cmpstr (in_use, ==, RPC_TEST_CLIENT2_NAME);

  /* a broken pair on disk: the last good certificate stays in use */
  install_file (certs->client1_key, key);
  config = get_config (f, &error);
  g_assert_no_error (error);
  ntpmon_proto_message_free (&config->base);
  assert_peer (f, RPC_TEST_CLIENT2_NAME);

  g_unlink (cert);
  g_unlink (key);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  certs = rpc_test_certs_new ();

#define ADD(path, func)                                                                            \
  g_test_add ("/rpc-client/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/rpc-client/base-url/tls-name", test_base_url_tls_name);
  g_test_add_func ("/rpc-client/base-url/devel-override", test_base_url_devel_override);
  g_test_add_func ("/rpc-client/new/bad-arguments", test_new_bad_arguments);
  g_test_add_func ("/rpc-client/new/shipped-ca-bundle", test_shipped_ca_bundle);
  ADD ("get-config", test_get_config);
  ADD ("get-servers", test_get_servers);
  ADD ("submit-results", test_submit_results);
  ADD ("submit-results/not-okay", test_submit_not_okay);
  ADD ("gzip-response", test_gzip);
  ADD ("error/connect-json", test_error_connect_json);
  ADD ("error/http-status", test_error_http_status);
  ADD ("error/huge-response", test_error_huge_response);
  g_test_add_func ("/rpc-client/error/connection-refused", test_error_connection_refused);
  ADD ("retry-once", test_retry_once);
  ADD ("error/timeout", test_error_timeout);
  g_test_add_func ("/rpc-client/error/handshake-timeout", test_error_handshake_timeout);
  ADD ("error/cancel", test_error_cancel);
  ADD ("error/wrong-ca", test_error_wrong_ca);
  ADD ("error/no-client-cert", test_error_no_client_cert);
  ADD ("cert-rotation", test_cert_rotation);
#undef ADD

  ret = g_test_run ();
  rpc_test_certs_free (certs);
  return ret;
}
