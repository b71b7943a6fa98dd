/* test-api-server.c: the HTTPS server with real TLS and certificates
 *
 * SPDX-License-Identifier: MIT
 *
 * The server runs in-process on a loopback port; clients are libsoup and
 * the openssl s_client tool. Certificates come from the openssl CLI, the
 * JWKS from a loopback HTTP server.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "api-test-util.h"
#include "ntpmon-api-ops.h"
#include "ntpmon-api-server.h"

#define TEST_ROUTE  NTPMON_API_CONNECT_PREFIX "Test"
#define TWIRP_ROUTE NTPMON_API_TWIRP_PREFIX "api.Monitor/Test"

static ApiTestCerts *certs;
static EVP_PKEY *ec_key;

typedef struct
{
  gchar *tls_dir; /* the server's own copy of its certificate files */
  gchar *crt, *key;
  ApiTestJwks *jwks;
  NtpmonMetrics *metrics;
  NtpmonApiAuth *auth;
  NtpmonApiServer *server;
  GTlsDatabase *trust;
  gchar *url;
  guint handled;
  NtpmonApiRequest *held; /* a request the hang handler keeps unanswered */
} Fixture;

static void
copy_file (const gchar *from, const gchar *to)
{
  g_autofree gchar *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, len, NULL));
}

/* Replies from a worker thread, as a DB-backed handler would. */
static void
reply_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  NtpmonApiRequest *request = data;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (GBytes) body = NULL;
  GBytes *request_body = ntpmon_api_request_get_body (request);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "identity");
  json_builder_add_string_value (builder, ntpmon_api_request_get_identity (request));
  json_builder_set_member_name (builder, "auth");
  json_builder_add_string_value (
      builder, ntpmon_api_auth_method_to_string (ntpmon_api_request_get_auth_method (request)));
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, ntpmon_api_request_get_path (request));
  json_builder_set_member_name (builder, "content_type");
  json_builder_add_string_value (builder, ntpmon_api_request_get_content_type (request));
  json_builder_set_member_name (builder, "body_size");
  json_builder_add_int_value (builder, (gint64)g_bytes_get_size (request_body));
  json_builder_set_member_name (builder, "twirp");
  json_builder_add_boolean_value (builder, ntpmon_api_request_get_protocol (request)
                                               == NTPMON_API_PROTOCOL_TWIRP);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  body = g_bytes_new (text, strlen (text));
  ntpmon_api_request_add_response_header (request, "X-Test", "yes");
  ntpmon_api_request_reply (request, 200, "application/json", body);
  g_task_return_boolean (task, TRUE);
}

static void
test_handler (NtpmonApiRequest *request, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  f->handled++;
  g_task_set_task_data (task, ntpmon_api_request_ref (request),
                        (GDestroyNotify)ntpmon_api_request_unref);
  g_task_run_in_thread (task, reply_in_thread);
}

static void
hang_handler (NtpmonApiRequest *request, gpointer user_data)
{
  Fixture *f = user_data;

  f->handled++;
  f->held = ntpmon_api_request_ref (request);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *jwk = api_test_jwk (ec_key, "ec1");
  g_autoptr (NtpmonApiJwt) jwt = NULL;

  f->tls_dir = g_dir_make_tmp ("ntpmon-api-tls-XXXXXX", &error);
  g_assert_no_error (error);
  f->crt = g_build_filename (f->tls_dir, "tls.crt", NULL);
  f->key = g_build_filename (f->tls_dir, "tls.key", NULL);
  copy_file (certs->server_crt, f->crt);
  copy_file (certs->server_key, f->key);

  f->jwks = api_test_jwks_new ();
  api_test_jwks_set (f->jwks, (const gchar *[]){ jwk, NULL });
  jwt = ntpmon_api_jwt_new (f->jwks->url, API_TEST_ISSUER);
  ntpmon_api_jwt_set_refresh (jwt, 3600, 0);

  f->metrics = ntpmon_metrics_new ();
  f->auth = ntpmon_api_auth_new (certs->ca_crt, API_TEST_DOMAIN, &error);
  g_assert_no_error (error);
  ntpmon_api_auth_set_jwt (f->auth, jwt);
  f->server = ntpmon_api_server_new (f->auth, f->metrics);
  g_assert_true (ntpmon_api_server_set_tls_files (f->server, f->crt, f->key, &error));
  g_assert_no_error (error);
  ntpmon_api_server_add_route (f->server, TEST_ROUTE, test_handler, f, NULL);
  ntpmon_api_server_add_route (f->server, TWIRP_ROUTE, test_handler, f, NULL);
  ntpmon_api_server_add_route (f->server, NTPMON_API_CONNECT_PREFIX "Hang", hang_handler, f, NULL);
  f->url = api_test_listen (f->server, certs, &f->trust);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_object_unref (f->server);
  g_object_unref (f->auth);
  ntpmon_metrics_unref (f->metrics);
  api_test_jwks_free (f->jwks);
  g_object_unref (f->trust);
  api_test_rmtree (f->tls_dir);
  g_free (f->tls_dir);
  g_free (f->crt);
  g_free (f->key);
  g_free (f->url);
}

static ApiTestResponse *
post (Fixture *f, const gchar *path, const gchar *crt, const gchar *key, const gchar *authorization)
{
  g_autofree gchar *url = g_strconcat (f->url, path, NULL);
  g_autoptr (GTlsCertificate) client = crt != NULL ? api_test_load_pair (crt, key) : NULL;
  ApiTestResponse *response = api_test_request (url, "hello", client, authorization, f->trust);

  g_assert_no_error (response->error);
  return response;
}

static JsonObject *
parse_object (const gchar *text, JsonParser **parser)
{
  g_autoptr (GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (*parser)));
  return json_node_get_object (json_parser_get_root (*parser));
}

/* Checks a protocol error reply: status, content type, code and message. */
static void
assert_error (ApiTestResponse *response, guint status, const gchar *code, const gchar *message,
              gboolean twirp)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *obj;

  g_test_message ("%u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (response->content_type, ==, "application/json");
  obj = parse_object (response->body, &parser);
  g_assert_cmpstr (json_object_get_string_member (obj, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (obj, twirp ? "msg" : "message"), ==, message);
  g_assert_cmpuint (json_object_get_size (obj), ==, 2);
}

/* §4.4: a refusal is plain text, not framed by the protocol (Connect
 * clients read status 401 as `unauthenticated`). */
static void
assert_refused (ApiTestResponse *response, const gchar *reason)
{
  g_autofree gchar *body = g_strconcat (reason, "\n", NULL);

  g_test_message ("%u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, 401);
  g_assert_cmpstr (response->content_type, ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (response->body, ==, body);
}

static void
assert_handled (ApiTestResponse *response, const gchar *identity, const gchar *auth)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *obj;

  g_test_message ("%u %s", response->status, response->body);
  g_assert_cmpuint (response->status, ==, 200);
  obj = parse_object (response->body, &parser);
  g_assert_cmpstr (json_object_get_string_member (obj, "identity"), ==, identity);
  g_assert_cmpstr (json_object_get_string_member (obj, "auth"), ==, auth);
  g_assert_cmpstr (json_object_get_string_member (obj, "content_type"), ==, "application/proto");
  g_assert_cmpint (json_object_get_int_member (obj, "body_size"), ==, 5);
}

static void
test_no_credentials (Fixture *f, gconstpointer data)
{
  g_autoptr (ApiTestResponse) connect = post (f, TEST_ROUTE, NULL, NULL, NULL);
  g_autoptr (ApiTestResponse) twirp = post (f, TWIRP_ROUTE, NULL, NULL, NULL);
  g_autoptr (ApiTestResponse) basic = post (f, TEST_ROUTE, NULL, NULL, "Basic Zm9vOmJhcg==");
  g_autoptr (ApiTestResponse) unknown
      = post (f, NTPMON_API_CONNECT_PREFIX "Nope", NULL, NULL, NULL);

  assert_refused (connect, "Authentication required");
  assert_refused (twirp, "Authentication required");
  assert_refused (basic, "Authentication required");
  /* authentication comes before routing under the RPC prefixes */
  assert_refused (unknown, "Authentication required");
  g_assert_cmpuint (f->handled, ==, 0);
}

static void
test_good_certificate (Fixture *f, gconstpointer data)
{
  g_autoptr (ApiTestResponse) connect
      = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, NULL);
  g_autoptr (ApiTestResponse) twirp = post (f, TWIRP_ROUTE, certs->good_crt, certs->good_key, NULL);
  /* spec §19 scenario 22: a certificate wins over a bearer header */
  g_autoptr (ApiTestResponse) garbage
      = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, "Bearer garbage");

  assert_handled (connect, API_TEST_MONITOR, "mtls");
  assert_handled (twirp, API_TEST_MONITOR, "mtls");
  assert_handled (garbage, API_TEST_MONITOR, "mtls");
  g_assert_true (
      g_tls_certificate_is_same (connect->peer, ntpmon_api_server_get_certificate (f->server)));
  g_assert_cmpuint (f->handled, ==, 3);
}

static void
test_bad_certificates (Fixture *f, gconstpointer data)
{
  g_autoptr (ApiTestResponse) foreign
      = post (f, TEST_ROUTE, certs->foreign_crt, certs->foreign_key, NULL);
  g_autoptr (ApiTestResponse) expired
      = post (f, TEST_ROUTE, certs->expired_crt, certs->expired_key, NULL);
  g_autoptr (ApiTestResponse) badname
      = post (f, TWIRP_ROUTE, certs->badname_crt, certs->badname_key, NULL);
  g_autofree gchar *claims = api_test_claims (API_TEST_MONITOR, API_TEST_ISSUER, "\"monitor-api\"",
                                              "\"monitor:read\"", 600);
  g_autofree gchar *token = api_test_jwt (ec_key, "ES384", "ec1", claims);
  g_autofree gchar *bearer = g_strconcat ("Bearer ", token, NULL);
  /* a valid token does not rescue a bad certificate */
  g_autoptr (ApiTestResponse) with_token
      = post (f, TEST_ROUTE, certs->foreign_crt, certs->foreign_key, bearer);

  assert_refused (foreign, "certificate is not signed by a trusted CA");
  assert_refused (expired, "certificate has expired");
  assert_refused (badname, "certificate missing required DNS suffix");
  assert_refused (with_token, "certificate is not signed by a trusted CA");
  g_assert_cmpuint (f->handled, ==, 0);
}

static void
test_bearer_token (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claims = api_test_claims (API_TEST_MONITOR, API_TEST_ISSUER, "\"monitor-api\"",
                                              "\"monitor:read monitor:data\"", 600);
  g_autofree gchar *expired_claims = api_test_claims (API_TEST_MONITOR, API_TEST_ISSUER,
                                                      "\"monitor-api\"", "\"monitor:read\"", -5);
  g_autofree gchar *token = api_test_jwt (ec_key, "ES384", "ec1", claims);
  g_autofree gchar *expired = api_test_jwt (ec_key, "ES384", "ec1", expired_claims);
  g_autofree gchar *none = api_test_jwt (NULL, "none", "ec1", claims);
  g_autofree gchar *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autofree gchar *bearer_expired = g_strconcat ("Bearer ", expired, NULL);
  g_autofree gchar *bearer_none = g_strconcat ("Bearer ", none, NULL);
  g_autofree gchar *lower = g_strconcat ("bearer ", token, NULL);
  g_autoptr (ApiTestResponse) good = post (f, TEST_ROUTE, NULL, NULL, bearer);
  g_autoptr (ApiTestResponse) bad_exp = post (f, TEST_ROUTE, NULL, NULL, bearer_expired);
  g_autoptr (ApiTestResponse) bad_none = post (f, TWIRP_ROUTE, NULL, NULL, bearer_none);
  g_autoptr (ApiTestResponse) api_key = post (f, TEST_ROUTE, NULL, NULL, "Bearer abcdef");
  g_autoptr (ApiTestResponse) bad_case = post (f, TEST_ROUTE, NULL, NULL, lower);

  assert_handled (good, API_TEST_MONITOR, "jwt");
  assert_refused (bad_exp, "Invalid JWT token");
  assert_refused (bad_none, "Invalid JWT token");
  assert_refused (api_key, "Invalid JWT token");
  assert_refused (bad_case, "Authentication required");
  g_assert_cmpuint (f->handled, ==, 1);
}

static void
test_routing (Fixture *f, gconstpointer data)
{
  g_autoptr (ApiTestResponse) unknown
      = post (f, NTPMON_API_CONNECT_PREFIX "Nope", certs->good_crt, certs->good_key, NULL);
  g_autoptr (ApiTestResponse) twirp_unknown = post (f, NTPMON_API_TWIRP_PREFIX "api.Monitor/Nope",
                                                    certs->good_crt, certs->good_key, NULL);
  g_autoptr (ApiTestResponse) elsewhere = post (f, "/somewhere", NULL, NULL, NULL);
  g_autofree gchar *url = g_strconcat (f->url, TEST_ROUTE, NULL);
  g_autoptr (GTlsCertificate) good = api_test_load_pair (certs->good_crt, certs->good_key);
  g_autoptr (ApiTestResponse) get = api_test_request (url, NULL, good, NULL, f->trust);
  g_autofree gchar *big = g_strnfill (300, 'x');
  g_autoptr (ApiTestResponse) huge = NULL;

  assert_error (unknown, 404, "not_found", "no such method", FALSE);
  assert_error (twirp_unknown, 404, "bad_route", "no such method", TRUE);
  assert_error (elsewhere, 404, "not_found", "no such route", FALSE);
  /* a unary Connect method allows POST only, as connect-go answers it */
  g_assert_cmpuint (get->status, ==, 405);
  g_assert_cmpstr (get->allow, ==, "POST");
  g_assert_true (get->body == NULL || *get->body == '\0');

  ntpmon_api_server_set_max_body (f->server, 100);
  huge = api_test_request (url, big, good, NULL, f->trust);
  g_assert_no_error (huge->error);
  assert_error (huge, 429, "resource_exhausted", "request body too large", FALSE);
  g_assert_cmpuint (f->handled, ==, 0);
  /* without a Content-Length the limit holds while the body arrives */
  {
    g_autoptr (ApiTestResponse) chunked
        = api_test_request_full (url, big, TRUE, good, NULL, f->trust);
    g_autoptr (ApiTestResponse) small
        = api_test_request_full (url, "hello", TRUE, good, NULL, f->trust);

    g_assert_no_error (chunked->error);
    assert_error (chunked, 429, "resource_exhausted", "request body too large", FALSE);
    g_assert_no_error (small->error);
    assert_handled (small, API_TEST_MONITOR, "mtls");
    g_assert_cmpuint (f->handled, ==, 1);
  }
}

static void
test_metrics_and_health (Fixture *f, gconstpointer data)
{
  g_autoptr (SoupServer) metrics_server = ntpmon_api_metrics_server_new (f->metrics);
  g_autoptr (SoupServer) health_server = ntpmon_api_health_server_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *metrics_url = NULL;
  g_autofree gchar *health_url = NULL;
  g_autofree gchar *other_url = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *health = NULL;
  g_autofree gchar *other = NULL;
  guint status;
  const gchar *ok_labels[] = { TEST_ROUTE, "200" };
  const gchar *denied_labels[] = { TEST_ROUTE, "401" };

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (ApiTestResponse) r = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, NULL);
      g_assert_cmpuint (r->status, ==, 200);
    }
  {
    g_autoptr (ApiTestResponse) r = post (f, TEST_ROUTE, NULL, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 401);
  }
  {
    g_autoptr (ApiTestResponse) r = post (f, "/nowhere", NULL, NULL, NULL);
    g_assert_cmpuint (r->status, ==, 404);
  }
  g_assert_cmpfloat (
      ntpmon_metric_get (ntpmon_metrics_lookup (f->metrics, "api_requests_total"), ok_labels), ==,
      2);
  g_assert_cmpfloat (
      ntpmon_metric_get (ntpmon_metrics_lookup (f->metrics, "api_requests_total"), denied_labels),
      ==, 1);
  g_assert_cmpuint (
      ntpmon_metric_get_count (ntpmon_metrics_lookup (f->metrics, "api_request_duration_seconds"),
                               ok_labels),
      ==, 2);

  g_assert_true (ntpmon_api_listen (metrics_server, "127.0.0.1:0", 0, &error));
  g_assert_true (
      ntpmon_api_listen (health_server, "localhost:0", SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  metrics_url
      = g_strdup_printf ("http://127.0.0.1:%u/metrics", ntpmon_api_listening_port (metrics_server));
  health_url
      = g_strdup_printf ("http://127.0.0.1:%u/__health", ntpmon_api_listening_port (health_server));
  other_url
      = g_strdup_printf ("http://127.0.0.1:%u/other", ntpmon_api_listening_port (health_server));
  text = api_test_get (metrics_url, &status);
  g_assert_cmpuint (status, ==, 200);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "# TYPE api_requests_total counter\n"));
  g_assert_nonnull (strstr (text, "api_requests_total{route=\"" TEST_ROUTE "\",code=\"200\"} 2\n"));
  g_assert_nonnull (strstr (text, "api_requests_total{route=\"" TEST_ROUTE "\",code=\"401\"} 1\n"));
  g_assert_nonnull (strstr (text, "api_requests_total{route=\"unknown\",code=\"404\"} 1\n"));
  g_assert_nonnull (strstr (text, "api_request_duration_seconds_bucket{route=\"" TEST_ROUTE
                                  "\",code=\"200\",le=\"+Inf\"} 2\n"));
  health = api_test_get (health_url, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (health, ==, "ok");
  other = api_test_get (other_url, &status);
  g_assert_cmpuint (status, ==, 404);
}

static void
on_changed (NtpmonApiServer *server, GTlsCertificate *cert, gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

static void
replace_file (const gchar *from, const gchar *to)
{
  g_autofree gchar *tmp = g_strconcat (to, ".new", NULL);

  copy_file (from, tmp);
  g_assert_cmpint (g_rename (tmp, to), ==, 0);
}

static void
test_certificate_reload (Fixture *f, gconstpointer data)
{
  g_autoptr (GTlsCertificate) first = api_test_load_pair (certs->server_crt, certs->server_key);
  g_autoptr (GTlsCertificate) second = api_test_load_pair (certs->server2_crt, certs->server2_key);
  g_autoptr (ApiTestResponse) before = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, NULL);
  g_autoptr (ApiTestResponse) after = NULL;
  g_autoptr (ApiTestResponse) still = NULL;
  gboolean changed = FALSE, failed = FALSE;
  gulong id1
      = g_signal_connect (f->server, "certificate-changed", G_CALLBACK (on_changed), &changed);
  gulong id2 = g_signal_connect (f->server, "certificate-error", G_CALLBACK (on_changed), &failed);

  g_assert_true (g_tls_certificate_is_same (before->peer, first));

  /* A broken file is refused and the old certificate stays. */
  g_assert_true (g_file_set_contents (f->crt, "-----BEGIN CERTIFICATE-----\ngarbage\n", -1, NULL));
  api_test_wait (&failed);
  still = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, NULL);
  g_assert_cmpuint (still->status, ==, 200);
  g_assert_true (g_tls_certificate_is_same (still->peer, first));
  g_assert_false (changed);

  /* The new pair is replaced file by file, as a certificate manager does. */
  replace_file (certs->server2_key, f->key);
  replace_file (certs->server2_crt, f->crt);
  api_test_wait (&changed);
  g_assert_true (g_tls_certificate_is_same (ntpmon_api_server_get_certificate (f->server), second));
  after = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, NULL);
  assert_handled (after, API_TEST_MONITOR, "mtls");
  g_assert_true (g_tls_certificate_is_same (after->peer, second));
  g_signal_handler_disconnect (f->server, id1);
  g_signal_handler_disconnect (f->server, id2);
}

typedef struct
{
  gboolean done;
  gboolean success;
  gchar *out;
  gchar *err;
} Process;

static void
process_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Process *p = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &p->out,
                                                       &p->err, &error));
  g_assert_no_error (error);
  p->success = g_subprocess_get_successful (G_SUBPROCESS (source));
  p->done = TRUE;
}

/* Runs `openssl s_client` against the server, sends one HTTP request. */
static void
s_client (Fixture *f, const gchar *const *extra, Process *p)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *request = "POST " TEST_ROUTE " HTTP/1.1\r\nHost: localhost\r\n"
                         "Content-Type: application/proto\r\nContent-Length: 5\r\n"
                         "Connection: close\r\n\r\nhello";

  for (const gchar *const *a = (const gchar *const[]){ "openssl", "s_client", "-connect", NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", ntpmon_api_server_get_port (f->server)));
  for (const gchar *const *a
       = (const gchar *const[]){ "-CAfile", certs->ca_crt, "-verify_return_error", "-ign_eof",
                                 "-servername", "localhost", NULL };
       *a != NULL; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const gchar *const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (proc, request, NULL, process_done, p);
  api_test_wait (&p->done);
  g_test_message ("s_client %s: %s\n%s", p->success ? "ok" : "failed", p->out, p->err);
}

static void
process_clear (Process *p)
{
  g_free (p->out);
  g_free (p->err);
}

static void
test_s_client (Fixture *f, gconstpointer data)
{
  Process with_cert = { 0 }, without = { 0 };

  api_test_require_program ("openssl", "openssl");
  s_client (f, (const gchar *const[]){ "-cert", certs->good_crt, "-key", certs->good_key, NULL },
            &with_cert);
  g_assert_true (with_cert.success);
  g_assert_nonnull (strstr (with_cert.out, "Verify return code: 0 (ok)"));
  /* no CA names in the certificate request, as the reference sends none:
   * a Go client then offers its certificate whoever issued it */
  g_assert_nonnull (strstr (with_cert.out, "No client certificate CA names sent"));
  g_assert_nonnull (strstr (with_cert.out, "HTTP/1.1 200 OK"));
  g_assert_nonnull (strstr (with_cert.out, "\"identity\":\"" API_TEST_MONITOR "\""));

  /* the handshake succeeds without a certificate; the request is refused */
  s_client (f, NULL, &without);
  g_assert_true (without.success);
  g_assert_nonnull (strstr (without.out, "Verify return code: 0 (ok)"));
  g_assert_nonnull (strstr (without.out, "HTTP/1.1 401 Unauthorized"));
  g_assert_nonnull (strstr (without.out, "Content-Type: text/plain; charset=utf-8"));
  g_assert_nonnull (strstr (without.out, "\nAuthentication required\n"));
  g_assert_cmpuint (f->handled, ==, 1);
  process_clear (&with_cert);
  process_clear (&without);
}

/* A client that offers to resume its TLS session keeps its identity. */
static void
test_session_resumption (Fixture *f, gconstpointer data)
{
  g_autofree gchar *session = g_build_filename (f->tls_dir, "session.pem", NULL);
  Process first = { 0 }, again = { 0 };

  api_test_require_program ("openssl", "openssl");
  s_client (f,
            (const gchar *const[]){ "-cert", certs->good_crt, "-key", certs->good_key, "-sess_out",
                                    session, "-tls1_2", NULL },
            &first);
  g_assert_true (first.success);
  g_assert_nonnull (strstr (first.out, "HTTP/1.1 200 OK"));
  s_client (f,
            (const gchar *const[]){ "-cert", certs->good_crt, "-key", certs->good_key, "-sess_in",
                                    session, "-tls1_2", NULL },
            &again);
  /* (glib-networking's server does not resume sessions today; should it
   * start to, the identity must survive) */
  g_test_message ("second connection %s", strstr (again.out, "Reused, ") ? "resumed" : "new");
  g_assert_true (again.success);
  g_assert_nonnull (strstr (again.out, "HTTP/1.1 200 OK"));
  g_assert_nonnull (strstr (again.out, "\"identity\":\"" API_TEST_MONITOR "\""));
  process_clear (&first);
  process_clear (&again);
}

static void
test_tls_versions (Fixture *f, gconstpointer data)
{
  Process v11 = { 0 }, v12 = { 0 }, v13 = { 0 };

  api_test_require_program ("openssl", "openssl");
  /* the client would allow TLS 1.1 at security level 0; the server must not */
  s_client (f, (const gchar *const[]){ "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", NULL }, &v11);
  g_assert_false (v11.success);
  g_assert_nonnull (strstr (v11.out, "Cipher is (NONE)"));
  g_assert_null (strstr (v11.out, "HTTP/1.1"));
  s_client (f, (const gchar *const[]){ "-tls1_2", NULL }, &v12);
  g_assert_true (v12.success);
  g_assert_nonnull (strstr (v12.out, "New, TLSv1.2,"));
  s_client (f, (const gchar *const[]){ "-tls1_3", NULL }, &v13);
  g_assert_true (v13.success);
  g_assert_nonnull (strstr (v13.out, "New, TLSv1.3,"));
  process_clear (&v11);
  process_clear (&v12);
  process_clear (&v13);
}

static void
send_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body
      = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  g_assert_null (body);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  *(gboolean *)user_data = TRUE;
}

static gpointer
late_reply (gpointer data)
{
  ntpmon_api_request_reply_error (data, NTPMON_RPC_ERROR_INTERNAL, "too late");
  return NULL;
}

static void
message_finished (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
}

/* The client goes away before the handler answers: the late reply is
 * dropped and the server carries on. */
static void
test_client_gone (Fixture *f, gconstpointer data)
{
  g_autofree gchar *url = g_strconcat (f->url, NTPMON_API_CONNECT_PREFIX "Hang", NULL);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
  g_autoptr (GTlsCertificate) good = api_test_load_pair (certs->good_crt, certs->good_key);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (GBytes) body = g_bytes_new_static ("x", 1);
  g_autoptr (ApiTestResponse) after = NULL;
  const gchar *labels[] = { NTPMON_API_CONNECT_PREFIX "Hang", "500" };
  gboolean sent = FALSE, finished = FALSE;
  SoupServer *soup = ntpmon_api_server_get_soup_server (f->server);
  gulong id, id2;

  soup_session_set_tls_database (session, f->trust);
  soup_message_set_tls_client_certificate (msg, good);
  soup_message_set_request_body_from_bytes (msg, "application/proto", body);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancel, send_done, &sent);
  while (f->held == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancel);
  api_test_wait (&sent);
  g_clear_object (&session);

  /* the reply comes from another thread, after the client left */
  id = g_signal_connect (soup, "request-finished", G_CALLBACK (message_finished), &finished);
  id2 = g_signal_connect (soup, "request-aborted", G_CALLBACK (message_finished), &finished);
  g_thread_join (g_thread_new ("late", late_reply, f->held));
  api_test_wait (&finished);
  g_signal_handler_disconnect (soup, id);
  g_signal_handler_disconnect (soup, id2);
  g_assert_cmpfloat (
      ntpmon_metric_get (ntpmon_metrics_lookup (f->metrics, "api_requests_total"), labels), ==, 1);
  g_clear_pointer (&f->held, ntpmon_api_request_unref);

  after = post (f, TEST_ROUTE, certs->good_crt, certs->good_key, NULL);
  assert_handled (after, API_TEST_MONITOR, "mtls");
}

int
main (int argc, char **argv)
{
  int status;

  api_test_init (&argc, &argv);
  certs = api_test_certs_new ();
  ec_key = api_test_key_new ("EC");
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/api/server/no-credentials", test_no_credentials);
  ADD ("/api/server/good-certificate", test_good_certificate);
  ADD ("/api/server/bad-certificates", test_bad_certificates);
  ADD ("/api/server/bearer-token", test_bearer_token);
  ADD ("/api/server/routing", test_routing);
  ADD ("/api/server/metrics-and-health", test_metrics_and_health);
  ADD ("/api/server/certificate-reload", test_certificate_reload);
  ADD ("/api/server/client-gone", test_client_gone);
  ADD ("/api/server/s-client", test_s_client);
  ADD ("/api/server/session-resumption", test_session_resumption);
  ADD ("/api/server/tls-versions", test_tls_versions);
#undef ADD
  status = g_test_run ();
  EVP_PKEY_free (ec_key);
  api_test_certs_free (certs);
  return status;
}
