/* rpc-test-server.c: certificates and a Connect HTTPS server for the tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "rpc-test-server.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ntpmon-connect.h"
#include "ntpmon-rpc-error.h"

static const gchar openssl_conf[] = "[req]\n"
                                    "distinguished_name = dn\n"
                                    "[dn]\n"
                                    "[ca]\n"
                                    "basicConstraints = critical,CA:TRUE\n"
                                    "keyUsage = critical,keyCertSign,cRLSign\n"
                                    "subjectKeyIdentifier = hash\n"
                                    "[server]\n"
                                    "basicConstraints = CA:FALSE\n"
                                    "keyUsage = critical,digitalSignature\n"
                                    "extendedKeyUsage = serverAuth\n"
                                    "subjectAltName = IP:127.0.0.1\n"
                                    "[client1]\n"
                                    "basicConstraints = CA:FALSE\n"
                                    "keyUsage = critical,digitalSignature\n"
                                    "extendedKeyUsage = clientAuth,serverAuth\n"
                                    "subjectAltName = DNS:" RPC_TEST_CLIENT1_NAME "\n"
                                    "[client2]\n"
                                    "basicConstraints = CA:FALSE\n"
                                    "keyUsage = critical,digitalSignature\n"
                                    "extendedKeyUsage = clientAuth,serverAuth\n"
                                    "subjectAltName = DNS:" RPC_TEST_CLIENT2_NAME "\n";

static void
run_openssl (const gchar *dir, const gchar *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GError) error = NULL;
  gint status = 0;

  if (openssl == NULL)
    g_error ("the openssl program is missing: install the Debian package openssl");
  g_ptr_array_add (argv, openssl);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (gpointer)*args);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (dir, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("openssl: %s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", (const gchar *)argv->pdata[1], error->message, err);
}

static void
make_ca (const gchar *dir, const gchar *name)
{
  g_autofree gchar *key = g_strconcat (name, ".key", NULL);
  g_autofree gchar *pem = g_strconcat (name, ".pem", NULL);
  g_autofree gchar *subject = g_strconcat ("/CN=", name, NULL);
  const gchar *args[]
      = { "req",    "-x509",   "-config", "openssl.cnf", "-extensions",
          "ca",     "-newkey", "ec",      "-pkeyopt",    "ec_paramgen_curve:prime256v1",
          "-nodes", "-keyout", key,       "-out",        pem,
          "-days",  "2",       "-subj",   subject,       NULL };

  run_openssl (dir, args);
}

static void
make_leaf (const gchar *dir, const gchar *name, const gchar *serial)
{
  g_autofree gchar *key = g_strconcat (name, ".key", NULL);
  g_autofree gchar *csr = g_strconcat (name, ".csr", NULL);
  g_autofree gchar *pem = g_strconcat (name, ".pem", NULL);
  g_autofree gchar *subject = g_strconcat ("/CN=", name, NULL);
  const gchar *req[] = { "req",     "-new",    "-config",  "openssl.cnf",
                         "-newkey", "ec",      "-pkeyopt", "ec_paramgen_curve:prime256v1",
                         "-nodes",  "-keyout", key,        "-out",
                         csr,       "-subj",   subject,    NULL };
  const gchar *sign[]
      = { "x509",        "-req",        "-in",  csr,     "-CA", "ca.pem",   "-CAkey",
          "ca.key",      "-set_serial", serial, "-days", "2",   "-extfile", "openssl.cnf",
          "-extensions", name,          "-out", pem,     NULL };

  run_openssl (dir, req);
  run_openssl (dir, sign);
}

RpcTestCerts *
rpc_test_certs_new (void)
{
  g_autoptr (GError) error = NULL;
  RpcTestCerts *certs = g_new0 (RpcTestCerts, 1);
  g_autofree gchar *conf = NULL;

  certs->dir = g_dir_make_tmp ("rpc-client-XXXXXX", &error);
  g_assert_no_error (error);
  conf = g_build_filename (certs->dir, "openssl.cnf", NULL);
  g_file_set_contents (conf, openssl_conf, -1, &error);
  g_assert_no_error (error);

  make_ca (certs->dir, "ca");
  make_ca (certs->dir, "other-ca");
  make_leaf (certs->dir, "server", "1001");
  make_leaf (certs->dir, "client1", "1002");
  make_leaf (certs->dir, "client2", "1003");

  certs->ca_pem = g_build_filename (certs->dir, "ca.pem", NULL);
  certs->other_ca_pem = g_build_filename (certs->dir, "other-ca.pem", NULL);
  certs->server_pem = g_build_filename (certs->dir, "server.pem", NULL);
  certs->server_key = g_build_filename (certs->dir, "server.key", NULL);
  certs->client1_pem = g_build_filename (certs->dir, "client1.pem", NULL);
  certs->client1_key = g_build_filename (certs->dir, "client1.key", NULL);
  certs->client2_pem = g_build_filename (certs->dir, "client2.pem", NULL);
  certs->client2_key = g_build_filename (certs->dir, "client2.key", NULL);
  return certs;
}

void
rpc_test_certs_free (RpcTestCerts *certs)
{
  g_autoptr (GDir) dir = g_dir_open (certs->dir, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = g_build_filename (certs->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (certs->dir);
  g_free (certs->dir);
  g_free (certs->ca_pem);
  g_free (certs->other_ca_pem);
  g_free (certs->server_pem);
  g_free (certs->server_key);
  g_free (certs->client1_pem);
  g_free (certs->client1_key);
  g_free (certs->client2_pem);
  g_free (certs->client2_key);
  g_free (certs);
}

gchar *
rpc_test_certificate_dns_name (GTlsCertificate *certificate)
{
  g_autoptr (GPtrArray) names = NULL;
  gsize len;
  const gchar *data;

  g_object_get (certificate, "dns-names", &names, NULL);
  if (names == NULL || names->len == 0)
    return NULL;
  data = g_bytes_get_data (names->pdata[0], &len);
  return g_strndup (data, len);
}

void
rpc_test_wait (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- the server ---------------------------------------------------------- */

static ProtobufCMessage *
make_response (RpcTestServer *ts, const ProtobufCMethodDescriptor *method)
{
  ProtobufCMessage *message = g_malloc0 (method->output->sizeof_message);

  protobuf_c_message_init (method->output, message);
  if (method->output == &monitor__v2__get_config_response__descriptor)
    {
      Monitor__V2__GetConfigResponse *config = (Monitor__V2__GetConfigResponse *)message;
      static guint8 ip[] = { 192, 0, 2, 7 };
      static ProtobufCBinaryData checks[64];
      static const gchar host[] = "time.example.net";

      config->samples = 5;
      config->ip_bytes.data = ip;
      config->ip_bytes.len = sizeof ip;
      config->otlp_log_level = (gchar *)"info";
      config->n_base_checks = ts->reply == RPC_TEST_REPLY_GZIP ? G_N_ELEMENTS (checks) : 2;
      for (gsize i = 0; i < config->n_base_checks; i++)
        {
          checks[i].data = (guint8 *)host;
          checks[i].len = strlen (host);
        }
      config->base_checks = checks;
    }
  else if (method->output == &monitor__v2__get_servers_response__descriptor)
    {
      Monitor__V2__GetServersResponse *servers = (Monitor__V2__GetServersResponse *)message;
      static guint8 batch[] = "01J0000000000000000000ABCD";
      static guint8 ip4[] = { 198, 51, 100, 1 };
      static guint8 ip6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
      static Monitor__V2__Server s1 = MONITOR__V2__SERVER__INIT;
      static Monitor__V2__Server s2 = MONITOR__V2__SERVER__INIT;
      static Monitor__V2__Server *list[] = { &s1, &s2 };

      servers->batch_id.data = batch;
      servers->batch_id.len = 26;
      s1.ip_bytes.data = ip4;
      s1.ip_bytes.len = sizeof ip4;
      s1.ticket.data = (guint8 *)"T1";
      s1.ticket.len = 2;
      s2.ip_bytes.data = ip6;
      s2.ip_bytes.len = sizeof ip6;
      s2.ticket.data = (guint8 *)"T2";
      s2.ticket.len = 2;
      servers->servers = list;
      servers->n_servers = G_N_ELEMENTS (list);
    }
  else if (method->output == &monitor__v2__submit_results_response__descriptor)
    ((Monitor__V2__SubmitResultsResponse *)message)->ok = ts->reply != RPC_TEST_REPLY_NOT_OKAY;
  return message;
}

static void
record_header (const char *name, const char *value, gpointer user_data)
{
  g_hash_table_insert (user_data, g_ascii_strdown (name, -1), g_strdup (value));
}

static void
reply_error (SoupServerMessage *msg, const GError *error)
{
  guint status = 500;
  g_autoptr (GBytes) json = ntpmon_connect_error_to_json (error, &status);
  gsize len;
  const gchar *data = g_bytes_get_data (json, &len);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, NTPMON_CONNECT_ERROR_CONTENT_TYPE, SOUP_MEMORY_COPY, data,
                                    len);
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  RpcTestServer *ts = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr (GError) error = NULL;
  g_autoptr (ProtobufCMessage) response = NULL;
  const ProtobufCMethodDescriptor *method;
  g_autoptr (GBytes) out = NULL;
  const gchar *encoding = NULL;
  NtpmonRpcCodec codec;

  ts->n_requests++;
  g_free (ts->path);
  ts->path = g_strdup (path);
  g_hash_table_remove_all (ts->headers);
  soup_message_headers_foreach (headers, record_header, ts->headers);
  g_clear_object (&ts->peer_certificate);
  ts->peer_certificate = soup_server_message_get_tls_peer_certificate (msg);
  if (ts->peer_certificate != NULL)
    g_object_ref (ts->peer_certificate);
  ts->peer_errors = soup_server_message_get_tls_peer_certificate_errors (msg);
  g_clear_pointer (&ts->request, ntpmon_proto_message_free);
  ts->response_gzipped = FALSE;

  switch (ts->reply)
    {
    case RPC_TEST_REPLY_HANG:
      soup_server_message_pause (msg);
      g_ptr_array_add (ts->paused, g_object_ref (msg));
      return;
    case RPC_TEST_REPLY_DROP:
      if (ts->drop_count > 0)
        {
          g_autoptr (GSocket) socket = g_object_ref (soup_server_message_get_socket (msg));
          GIOStream *stream = soup_server_message_steal_connection (msg);
          struct linger linger = { .l_onoff = 1, .l_linger = 0 };

          /* reset (RST), not an orderly close */
          g_assert_cmpint (
              setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger),
              ==, 0);
          g_socket_close (socket, NULL);
          g_object_unref (stream);
          ts->drop_count--;
          return;
        }
      break;
    case RPC_TEST_REPLY_HUGE:
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/proto", SOUP_MEMORY_TAKE,
                                        g_malloc0 (2 * NTPMON_RPC_DEFAULT_BODY_LIMIT),
                                        2 * NTPMON_RPC_DEFAULT_BODY_LIMIT);
      return;
    case RPC_TEST_REPLY_STATUS:
      soup_server_message_set_status (msg, ts->http_status, NULL);
      return;
    case RPC_TEST_REPLY_ERROR:
      error = g_error_new_literal (NTPMON_RPC_ERROR, ts->error_code, ts->error_message);
      reply_error (msg, error);
      return;
    default:
      break;
    }

  method = ntpmon_connect_find_method (&monitor__v2__monitor_service__descriptor, path, &error);
  if (method != NULL
      && ntpmon_connect_parse_content_type (soup_message_headers_get_one (headers, "Content-Type"),
                                            &codec, &error))
    ts->request = ntpmon_connect_decode_request (
        soup_message_headers_get_one (headers, "Content-Type"),
        soup_message_headers_get_one (headers, "Content-Encoding"), bytes, method->input,
        NTPMON_RPC_DEFAULT_BODY_LIMIT, &error);
  if (ts->request == NULL)
    {
      reply_error (msg, error);
      return;
    }

  if (ts->respond != NULL)
    {
      const ProtobufCMessage *answer
          = ts->respond (ts, method, ts->request, ts->respond_data, &error);

      if (answer == NULL)
        {
          reply_error (msg, error);
          return;
        }
      out = ntpmon_connect_encode_response (codec, answer, NULL, &encoding, &error);
      g_assert_no_error (error);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, ntpmon_connect_content_type (codec), SOUP_MEMORY_COPY,
                                        g_bytes_get_data (out, NULL), g_bytes_get_size (out));
      return;
    }
  response = make_response (ts, method);
  out = ntpmon_connect_encode_response (
      codec, response,
      ts->reply == RPC_TEST_REPLY_GZIP ? soup_message_headers_get_one (headers, "Accept-Encoding")
                                       : NULL,
      &encoding, &error);
  /* The response only borrows static data: free the shell alone. */
  g_free (g_steal_pointer (&response));
  g_assert_no_error (error);
  ts->response_gzipped = g_strcmp0 (encoding, "gzip") == 0;
  if (encoding != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Content-Encoding", encoding);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, ntpmon_connect_content_type (codec), SOUP_MEMORY_COPY,
                                    g_bytes_get_data (out, NULL), g_bytes_get_size (out));
}

/* A libsoup server asks about every client certificate, verified or not,
 * and refuses when nobody answers: accept exactly the verified ones. */
static gboolean
on_accept_certificate (SoupServerMessage *msg, GTlsCertificate *certificate,
                       GTlsCertificateFlags errors, gpointer user_data)
{
  return errors == 0;
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
}

RpcTestServer *
rpc_test_server_new (RpcTestCerts *certs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GSList) uris = NULL;
  RpcTestServer *ts = g_new0 (RpcTestServer, 1);

  cert = g_tls_certificate_new_from_files (certs->server_pem, certs->server_key, &error);
  g_assert_no_error (error);
  database = g_tls_file_database_new (certs->ca_pem, &error);
  g_assert_no_error (error);
  ts->server = soup_server_new ("tls-certificate", cert, "tls-database", database, "tls-auth-mode",
                                G_TLS_AUTHENTICATION_REQUIRED, NULL);
  g_signal_connect (ts->server, "request-started", G_CALLBACK (on_request_started), NULL);
  soup_server_add_handler (ts->server, NULL, handle, ts, NULL);
  soup_server_listen_local (ts->server, 0, SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY,
                            &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (ts->server);
  g_assert_nonnull (uris);
  ts->base_url = g_strdup_printf ("https://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify)g_uri_unref);
  ts->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ts->paused = g_ptr_array_new_with_free_func (g_object_unref);
  return ts;
}

void
rpc_test_server_free (RpcTestServer *ts)
{
  soup_server_disconnect (ts->server);
  g_ptr_array_unref (ts->paused);
  g_object_unref (ts->server);
  g_free (ts->base_url);
  g_free (ts->error_message);
  g_free (ts->path);
  g_hash_table_unref (ts->headers);
  g_clear_object (&ts->peer_certificate);
  g_clear_pointer (&ts->request, ntpmon_proto_message_free);
  g_free (ts);
}
