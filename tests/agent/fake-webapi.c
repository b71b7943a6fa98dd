/* fake-webapi.c: an in-test HTTPS server implementing the pool's web API
 *
 * SPDX-License-Identifier: MIT
 */
#include "fake-webapi.h"

#include "agent-test.h"

#include <glib/gstdio.h>

/**
 * fake_run_openssl:
 * @script: shell commands run in @dir
 *
 * Fails the test, naming the Debian package, when openssl is missing.
 */
gboolean
fake_run_openssl (const gchar *dir, const gchar *script, GError **error)
{
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  g_autofree gchar *err = NULL;
  gint status;
  const gchar *argv[] = { "/bin/sh", "-ec", script, NULL };

  if (openssl == NULL)
    g_error ("the openssl program is missing: install the Debian package openssl");
  if (!g_spawn_sync (dir, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "openssl failed: %s: ", err);
      return FALSE;
    }
  return TRUE;
}

static gchar *
read_text (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  gchar *text = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/**
 * fake_make_client_cert:
 * @days: validity in days
 *
 * A self-signed EC certificate and its PKCS#8 key for @name.
 */
void
fake_make_client_cert (FakeWebapi *fake, const gchar *name, const gchar *days, gchar **cert_pem,
                       gchar **key_pem)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *script
      = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                         "-keyout client.key -out client.pem -days %s -subj /CN=%s 2>/dev/null",
                         days, name);

  fake_run_openssl (fake->dir, script, &error);
  g_assert_no_error (error);
  *cert_pem = read_text (fake->dir, "client.pem");
  *key_pem = read_text (fake->dir, "client.key");
}

/**
 * fake_make_dated_cert:
 * @ca_dir: (nullable): directory with ca.pem and ca.key to sign with;
 *   NULL: self-signed
 * @start: notBefore, UTC seconds
 * @end: notAfter, UTC seconds
 *
 * An EC client certificate for CN=mon, DNS name FAKE_DATED_CERT_NAME,
 * valid from @start to @end (in the past, for expired ones), and its key.
 */
void
fake_make_dated_cert (FakeWebapi *fake, const gchar *ca_dir, gint64 start, gint64 end,
                      gchar **cert_pem, gchar **key_pem)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) from = g_date_time_new_from_unix_utc (start);
  g_autoptr (GDateTime) until = g_date_time_new_from_unix_utc (end);
  g_autofree gchar *from_text = g_date_time_format (from, "%Y%m%d%H%M%SZ");
  g_autofree gchar *until_text = g_date_time_format (until, "%Y%m%d%H%M%SZ");
  g_autofree gchar *signer
      = ca_dir != NULL ? g_strdup_printf ("-cert '%s/ca.pem' -keyfile '%s/ca.key'", ca_dir, ca_dir)
                       : g_strdup ("-selfsign -keyfile dated.key");
  g_autofree gchar *script = g_strdup_printf (
      "printf '[ca]\\ndefault_ca = d\\n[d]\\ndir = .\\ndatabase = index.txt\\n"
      "new_certs_dir = .\\nserial = serial\\ndefault_md = sha256\\npolicy = p\\n"
      "[p]\\ncommonName = supplied\\n[x]\\nbasicConstraints = CA:FALSE\\n"
      "extendedKeyUsage = clientAuth\\nsubjectAltName = DNS:" FAKE_DATED_CERT_NAME "\\n' > ca.cnf\n"
      ": > index.txt\necho 01 > serial\n"
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dated.key "
      "-out dated.csr -subj /CN=mon 2>/dev/null\n"
      "openssl ca -batch %s -config ca.cnf -extensions x -in dated.csr -out dated.pem "
      "-startdate %s -enddate %s 2>/dev/null\n",
      signer, from_text, until_text);

  fake_run_openssl (fake->dir, script, &error);
  g_assert_no_error (error);
  *cert_pem = read_text (fake->dir, "dated.pem");
  *key_pem = read_text (fake->dir, "dated.key");
}

static void
reply_free (gpointer data)
{
  FakeReply *reply = data;

  g_free (reply->content_type);
  g_free (reply->body);
  g_free (reply);
}

static void
request_free (gpointer data)
{
  FakeRequest *request = data;

  g_free (request->registration_id);
  g_free (request->authorization);
  g_free (request->content_type);
  g_free (request->body);
  g_free (request->user_agent);
  g_free (request->accept);
  g_free (request);
}

void
fake_webapi_add_reply (FakeWebapi *fake, guint status, const gchar *content_type, const gchar *body)
{
  FakeReply *reply = g_new0 (FakeReply, 1);

  reply->status = status;
  reply->content_type = g_strdup (content_type);
  reply->body = g_strdup (body);
  g_ptr_array_add (fake->replies, reply);
}

static gboolean
authorized (FakeWebapi *fake, SoupServerMessage *msg)
{
  const gchar *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Authorization");
  g_autofree gchar *want = NULL;

  if (auth == NULL || !g_str_has_prefix (auth, "Bearer ") || auth[7] == '\0')
    return FALSE;
  if (fake->api_key == NULL)
    return TRUE;
  want = g_strconcat ("Bearer ", fake->api_key, NULL);
  return g_str_equal (auth, want);
}

static void
respond (SoupServerMessage *msg, guint status, const gchar *content_type, const gchar *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "TraceID",
                                "trace-1");
  if (body != NULL)
    soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, strlen (body));
}

static void
config_handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  FakeWebapi *fake = user_data;
  gboolean want_cert
      = query != NULL
        && g_strcmp0 (g_hash_table_lookup (query, "request_certificate"), "true") == 0;
  GString *json;

  fake->config_calls++;
  if (!authorized (fake, msg))
    {
      respond (msg, 401, "text/plain", "unauthorized");
      return;
    }
  if (fake->config_status != 0)
    {
      respond (msg, fake->config_status, "text/plain", "failed");
      return;
    }
  json = g_string_new (fake->config_json != NULL ? fake->config_json : "{}");
  if (want_cert)
    fake->cert_requests++;
  if (want_cert && fake->client_cert != NULL)
    {
      g_autofree gchar *cert = g_strescape (fake->client_cert, NULL);
      g_autofree gchar *key = g_strescape (fake->client_key, NULL);
      gsize end = json->len - 1;

      while (end > 0 && json->str[end] != '}')
        end--;
      g_string_truncate (json, end);
      g_string_append_printf (json, "%s\"tls\":{\"cert\":\"%s\",\"key\":\"%s\"}}",
                              end > 1 ? "," : "", cert, key);
    }
  respond (msg, 200, "application/json", json->str);
  g_string_free (json, TRUE);
}

static void
token_handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  FakeWebapi *fake = user_data;
  g_autofree gchar *body = NULL;

  fake->token_calls++;
  if (!authorized (fake, msg) || g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      respond (msg, 401, "text/plain", "unauthorized");
      return;
    }
  if (fake->token_status != 0)
    {
      respond (msg, fake->token_status, "text/plain", "failed");
      return;
    }
  body = g_strdup_printf (
      "{\"access_token\":\"token-%u\",\"token_type\":\"Bearer\",\"expires_in\":%d}",
      fake->token_calls, fake->token_expires_in);
  respond (msg, 200, "application/json", body);
}

static gchar *
header (SoupServerMessage *msg, const gchar *name)
{
  return g_strdup (
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), name));
}

static void
registration_handler (SoupServer *server, SoupServerMessage *msg, const char *path,
                      GHashTable *query, gpointer user_data)
{
  FakeWebapi *fake = user_data;
  FakeRequest *request = g_new0 (FakeRequest, 1);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  FakeReply *reply;

  request->registration_id = header (msg, "Registration-ID");
  request->authorization = header (msg, "Authorization");
  request->content_type = header (msg, "Content-Type");
  request->user_agent = header (msg, "User-Agent");
  request->accept = header (msg, "Accept");
  request->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  request->family = g_socket_address_get_family (remote);
  g_ptr_array_add (fake->requests, request);

  g_assert_cmpuint (fake->replies->len, >, 0);
  reply = g_ptr_array_index (fake->replies, MIN (fake->requests->len, fake->replies->len) - 1);
  respond (msg, reply->status, reply->content_type, reply->body);
}

/**
 * fake_webapi_new:
 * @ipv6: listen on ::1 as well as on 127.0.0.1
 */
FakeWebapi *
fake_webapi_new (gboolean ipv6)
{
  FakeWebapi *fake = g_new0 (FakeWebapi, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autofree gchar *cert_file = NULL;
  g_autofree gchar *key_file = NULL;
  g_autoptr (GSList) uris = NULL;

  fake->dir = g_dir_make_tmp ("fake-webapi-XXXXXX", &error);
  g_assert_no_error (error);
  fake_run_openssl (fake->dir,
                    "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\\n' > san.ext\n"
                    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                    "-keyout ca.key -out ca.pem -days 2 -subj /CN=fake-webapi-ca 2>/dev/null\n"
                    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                    "-keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null\n"
                    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                    "-out server.pem -days 2 -extfile san.ext 2>/dev/null\n",
                    &error);
  g_assert_no_error (error);
  fake->ca_file = g_build_filename (fake->dir, "ca.pem", NULL);
  cert_file = g_build_filename (fake->dir, "server.pem", NULL);
  key_file = g_build_filename (fake->dir, "server.key", NULL);
  cert = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);

  fake->replies = g_ptr_array_new_with_free_func (reply_free);
  fake->requests = g_ptr_array_new_with_free_func (request_free);
  fake->token_expires_in = 3600;
  fake->server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (fake->server, "/monitor/api/config", config_handler, fake, NULL);
  soup_server_add_handler (fake->server, "/api/oidc/token", token_handler, fake, NULL);
  soup_server_add_handler (fake->server, "/monitor/api/registration", registration_handler, fake,
                           NULL);
  soup_server_listen_local (fake->server, 0,
                            SOUP_SERVER_LISTEN_HTTPS | (ipv6 ? 0 : SOUP_SERVER_LISTEN_IPV4_ONLY),
                            &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  g_assert_nonnull (uris);
  fake->base_url = g_strdup_printf ("https://localhost:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify)g_uri_unref);
  return fake;
}

void
fake_webapi_free (FakeWebapi *fake)
{
  soup_server_disconnect (fake->server);
  g_object_unref (fake->server);
  agent_test_rm_rf (fake->dir);
  g_free (fake->dir);
  g_free (fake->ca_file);
  g_free (fake->base_url);
  g_free (fake->api_key);
  g_free (fake->config_json);
  g_free (fake->client_cert);
  g_free (fake->client_key);
  g_ptr_array_unref (fake->replies);
  g_ptr_array_unref (fake->requests);
  g_free (fake);
}
