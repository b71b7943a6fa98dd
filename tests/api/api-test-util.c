/* api-test-util.c: fixtures of the API server tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <string.h>

#include "api-test-util.h"
#include "ntpmon-api-util.h"

/**
 * api_test_init:
 *
 * g_test_init() and the common set-up of the test programs: HTTP clients (the tests' and the
 * server's JWKS fetcher, also in spawned servers) go direct, never through
 * a proxy from the environment. (libproxy also breaks under clang's
 * AddressSanitizer.)
 */
void
api_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
}

/**
 * api_test_get:
 * @status: (out): the HTTP status
 *
 * Returns: the body of a plain GET of @url
 */
gchar *
api_test_get (const gchar *url, guint *status)
{
  g_autoptr (ApiTestResponse) response = api_test_request (url, NULL, NULL, NULL, NULL);

  g_assert_no_error (response->error);
  *status = response->status;
  return g_steal_pointer (&response->body);
}

void
api_test_require_program (const gchar *program, const gchar *package)
{
  g_autofree gchar *path = g_find_program_in_path (program);

  if (path == NULL)
    g_error ("%s not found: install the Debian package %s", program, package);
}

static void
run (const gchar *dir, const gchar *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = 0;

  if (!g_spawn_sync (dir, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s %s failed: %s\n%s", argv[0], argv[1], error->message, err);
}

static void
make_ca (const gchar *dir, const gchar *name, const gchar *cn)
{
  g_autofree gchar *key = g_strconcat (name, ".key", NULL);
  g_autofree gchar *crt = g_strconcat (name, ".crt", NULL);
  g_autofree gchar *subj = g_strconcat ("/CN=", cn, NULL);
  const gchar *argv[] = { "openssl",
                          "req",
                          "-x509",
                          "-newkey",
                          "ec",
                          "-pkeyopt",
                          "ec_paramgen_curve:P-384",
                          "-nodes",
                          "-keyout",
                          key,
                          "-out",
                          crt,
                          "-days",
                          "3650",
                          "-subj",
                          subj,
                          "-addext",
                          "basicConstraints=critical,CA:TRUE",
                          "-addext",
                          "keyUsage=critical,keyCertSign,cRLSign",
                          NULL };

  run (dir, argv);
}

/* A leaf certificate NAME.crt/NAME.key signed by CA.crt with the SANs. */
static void
make_leaf_eku (const gchar *dir, const gchar *ca, const gchar *name, const gchar *san,
               const gchar *days, const gchar *eku)
{
  g_autofree gchar *key = g_strconcat (name, ".key", NULL);
  g_autofree gchar *csr = g_strconcat (name, ".csr", NULL);
  g_autofree gchar *crt = g_strconcat (name, ".crt", NULL);
  g_autofree gchar *ext = g_strconcat (name, ".ext", NULL);
  g_autofree gchar *ext_path = g_build_filename (dir, ext, NULL);
  g_autofree gchar *ext_text
      = g_strdup_printf ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                         "extendedKeyUsage=%s\nsubjectAltName=%s\n",
                         eku, san);
  g_autofree gchar *ca_crt = g_strconcat (ca, ".crt", NULL);
  g_autofree gchar *ca_key = g_strconcat (ca, ".key", NULL);
  const gchar *req[]
      = { "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", key,   "-out",    csr,  "-subj",    "/CN=ntpmon test",         NULL };
  const gchar *sign[]
      = { "openssl",         "x509",  "-req", "-in",  csr, "-CA",      ca_crt, "-CAkey", ca_key,
          "-CAcreateserial", "-days", days,   "-out", crt, "-extfile", ext,    NULL };

  g_assert_true (g_file_set_contents (ext_path, ext_text, -1, NULL));
  run (dir, req);
  run (dir, sign);
}

static void
make_leaf (const gchar *dir, const gchar *ca, const gchar *name, const gchar *san,
           const gchar *days)
{
  make_leaf_eku (dir, ca, name, san, days, "serverAuth,clientAuth");
}

/**
 * api_test_certs_new:
 *
 * Makes a CA, server and client certificates in a new temporary directory.
 */
ApiTestCerts *
api_test_certs_new (void)
{
  ApiTestCerts *certs = g_new0 (ApiTestCerts, 1);
  g_autoptr (GError) error = NULL;
  const gchar *monitor_san = "DNS:" API_TEST_MONITOR;

  api_test_require_program ("openssl", "openssl");
  certs->dir = g_dir_make_tmp ("ntpmon-api-test-XXXXXX", &error);
  g_assert_no_error (error);
  make_ca (certs->dir, "ca", "ntpmon test CA");
  make_ca (certs->dir, "other-ca", "ntpmon foreign CA");
  make_leaf (certs->dir, "ca", "server", "DNS:api.test.mon.ntppool.dev,DNS:localhost,IP:127.0.0.1",
             "30");
  make_leaf (certs->dir, "ca", "server2",
             "DNS:api2.test.mon.ntppool.dev,DNS:localhost,IP:127.0.0.1", "30");
  make_leaf (certs->dir, "ca", "good", monitor_san, "30");
  make_leaf (certs->dir, "other-ca", "foreign", monitor_san, "30");
  make_leaf (certs->dir, "ca", "expired", monitor_san, "-1");
  make_leaf_eku (certs->dir, "ca", "serveronly", monitor_san, "30", "serverAuth");
  make_leaf_eku (certs->dir, "ca", "codesign", monitor_san, "30", "codeSigning");
  make_leaf (certs->dir, "ca", "badname",
             "DNS:good1.test.mon.example.org,DNS:x.y.test.mon.ntppool.dev", "30");

#define PAIR(field, name)                                                                          \
  certs->field##_crt = g_build_filename (certs->dir, name ".crt", NULL);                           \
  certs->field##_key = g_build_filename (certs->dir, name ".key", NULL)
  PAIR (server, "server");
  PAIR (server2, "server2");
  PAIR (good, "good");
  PAIR (foreign, "foreign");
  PAIR (expired, "expired");
  PAIR (badname, "badname");
  PAIR (serveronly, "serveronly");
  PAIR (codesign, "codesign");
#undef PAIR
  certs->ca_crt = g_build_filename (certs->dir, "ca.crt", NULL);
  return certs;
}

/**
 * api_test_certs_add_client:
 * @name: file name stem in the certificate directory
 * @san: e.g. "DNS:mon2.test.mon.ntppool.dev"
 * @crt: (out): certificate path
 * @key: (out): key path
 *
 * One more client certificate from the test CA.
 */
void
api_test_certs_add_client (ApiTestCerts *certs, const gchar *name, const gchar *san, gchar **crt,
                           gchar **key)
{
  g_autofree gchar *crt_name = g_strconcat (name, ".crt", NULL);
  g_autofree gchar *key_name = g_strconcat (name, ".key", NULL);

  make_leaf (certs->dir, "ca", name, san, "30");
  *crt = g_build_filename (certs->dir, crt_name, NULL);
  *key = g_build_filename (certs->dir, key_name, NULL);
}

void
api_test_rmtree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        api_test_rmtree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/**
 * api_test_listen:
 * @trust: (out): a database trusting the test CA, for the clients
 *
 * Makes @server listen on a free loopback port.
 *
 * Returns: the base URL, `https://127.0.0.1:<port>`
 */
gchar *
api_test_listen (NtpmonApiServer *server, ApiTestCerts *certs, GTlsDatabase **trust)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_api_server_listen (server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  *trust = g_tls_file_database_new (certs->ca_crt, &error);
  g_assert_no_error (error);
  return g_strdup_printf ("https://127.0.0.1:%u", ntpmon_api_server_get_port (server));
}

void
api_test_certs_free (ApiTestCerts *certs)
{
  api_test_rmtree (certs->dir);
  g_free (certs->dir);
  g_free (certs->ca_crt);
  g_free (certs->server_crt);
  g_free (certs->server_key);
  g_free (certs->server2_crt);
  g_free (certs->server2_key);
  g_free (certs->good_crt);
  g_free (certs->good_key);
  g_free (certs->foreign_crt);
  g_free (certs->foreign_key);
  g_free (certs->expired_crt);
  g_free (certs->expired_key);
  g_free (certs->badname_crt);
  g_free (certs->badname_key);
  g_free (certs->serveronly_crt);
  g_free (certs->serveronly_key);
  g_free (certs->codesign_crt);
  g_free (certs->codesign_key);
  g_free (certs);
}

GTlsCertificate *
api_test_load_pair (const gchar *crt, const gchar *key)
{
  g_autoptr (GError) error = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_files (crt, key, &error);

  g_assert_no_error (error);
  return cert;
}

void
api_test_response_free (ApiTestResponse *response)
{
  g_free (response->body);
  g_free (response->content_type);
  g_free (response->allow);
  g_clear_pointer (&response->raw, g_bytes_unref);
  g_clear_object (&response->peer);
  g_clear_error (&response->error);
  g_free (response);
}

/* Iterates the default main context until *flag is set. */
void
api_test_wait (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  gboolean done;
  GBytes *body;
  GError *error;
} Pending;

static void
request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;

  pending->body
      = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &pending->error);
  pending->done = TRUE;
}

/**
 * api_test_request:
 * @body: (nullable): POST this body, else GET
 * @trust: (nullable): CAs for the server certificate (for https)
 *
 * One request on a fresh session (so no connection or client certificate
 * is shared between requests).
 */
ApiTestResponse *
api_test_request (const gchar *url, const gchar *body, GTlsCertificate *client,
                  const gchar *authorization, GTlsDatabase *trust)
{
  return api_test_request_full (url, body, FALSE, client, authorization, trust);
}

/**
 * api_test_request_full:
 * @chunked: send @body with chunked transfer encoding (no Content-Length)
 */
ApiTestResponse *
api_test_request_full (const gchar *url, const gchar *body, gboolean chunked,
                       GTlsCertificate *client, const gchar *authorization, GTlsDatabase *trust)
{
  g_autoptr (GBytes) bytes = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;
  const gchar *headers[] = { "Authorization", authorization, NULL };

  return api_test_send (url, "application/proto", bytes, chunked, client,
                        authorization != NULL ? headers : NULL, trust);
}

/**
 * api_test_send:
 * @body: (nullable): POST this body (as @content_type), else GET
 * @headers: (nullable): request headers, name, value, …, NULL
 */
ApiTestResponse *
api_test_send (const gchar *url, const gchar *content_type, GBytes *body, gboolean chunked,
               GTlsCertificate *client, const gchar *const *headers, GTlsDatabase *trust)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg
      = soup_message_new (body != NULL ? SOUP_METHOD_POST : SOUP_METHOD_GET, url);
  ApiTestResponse *response = g_new0 (ApiTestResponse, 1);
  Pending pending = { 0 };

  g_assert_nonnull (msg);
  if (trust != NULL)
    soup_session_set_tls_database (session, trust);
  if (client != NULL)
    soup_message_set_tls_client_certificate (msg, client);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                  headers[i + 1]);
  if (body != NULL && chunked)
    {
      g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (body);

      soup_message_set_request_body (msg, content_type, stream, -1);
    }
  else if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, request_done, &pending);
  api_test_wait (&pending.done);
  response->error = pending.error;
  if (pending.body != NULL)
    {
      response->status = soup_message_get_status (msg);
      response->body
          = g_strndup (g_bytes_get_data (pending.body, NULL), g_bytes_get_size (pending.body));
      response->raw = pending.body;
      response->content_type = g_strdup (
          soup_message_headers_get_one (soup_message_get_response_headers (msg), "Content-Type"));
      response->allow = g_strdup (
          soup_message_headers_get_one (soup_message_get_response_headers (msg), "Allow"));
    }
  if (soup_message_get_tls_peer_certificate (msg) != NULL)
    response->peer = g_object_ref (soup_message_get_tls_peer_certificate (msg));
  return response;
}

/**
 * api_test_key_new:
 * @type: `RSA` (2048 bits) or `EC` (P-384)
 */
EVP_PKEY *
api_test_key_new (const gchar *type)
{
  EVP_PKEY *key = g_str_equal (type, "RSA") ? EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t)2048)
                                            : EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-384");

  g_assert_nonnull (key);
  return key;
}

static gchar *
b64_bn (EVP_PKEY *key, const gchar *param, gsize pad)
{
  BIGNUM *bn = NULL;
  guint8 buf[512];
  int len;

  g_assert_true (EVP_PKEY_get_bn_param (key, param, &bn));
  len = pad > 0 ? BN_bn2binpad (bn, buf, (int)pad) : BN_bn2bin (bn, buf);
  BN_free (bn);
  return ntpmon_api_base64url_encode (buf, len, FALSE);
}

/**
 * api_test_jwk:
 *
 * Returns: the public JWK of @key as a JSON object text
 */
gchar *
api_test_jwk (EVP_PKEY *key, const gchar *kid)
{
  if (EVP_PKEY_is_a (key, "RSA"))
    {
      g_autofree gchar *n = b64_bn (key, OSSL_PKEY_PARAM_RSA_N, 0);
      g_autofree gchar *e = b64_bn (key, OSSL_PKEY_PARAM_RSA_E, 0);

      return g_strdup_printf ("{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\","
                              "\"n\":\"%s\",\"e\":\"%s\"}",
                              kid, n, e);
    }
  else
    {
      g_autofree gchar *x = b64_bn (key, OSSL_PKEY_PARAM_EC_PUB_X, 48);
      g_autofree gchar *y = b64_bn (key, OSSL_PKEY_PARAM_EC_PUB_Y, 48);

      return g_strdup_printf ("{\"kty\":\"EC\",\"kid\":\"%s\",\"use\":\"sig\",\"crv\":\"P-384\","
                              "\"x\":\"%s\",\"y\":\"%s\"}",
                              kid, x, y);
    }
}

static gchar *
signing_input (const gchar *alg, const gchar *kid, const gchar *claims)
{
  g_autofree gchar *header
      = g_strdup_printf ("{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, kid);
  g_autofree gchar *h
      = ntpmon_api_base64url_encode ((const guint8 *)header, strlen (header), FALSE);
  g_autofree gchar *c
      = ntpmon_api_base64url_encode ((const guint8 *)claims, strlen (claims), FALSE);

  return g_strconcat (h, ".", c, NULL);
}

/**
 * api_test_jwt:
 * @key: (nullable): signing key; %NULL gives an unsigned token
 * @alg: the header's alg (`ES384`, `RS256`, `none`, …)
 */
gchar *
api_test_jwt (EVP_PKEY *key, const gchar *alg, const gchar *kid, const gchar *claims)
{
  g_autofree gchar *input = signing_input (alg, kid, claims);
  g_autofree gchar *sig_text = NULL;
  guint8 sig[1024], raw[96];
  size_t sig_len = sizeof sig;
  EVP_MD_CTX *ctx;
  gboolean ec;

  if (key == NULL)
    return g_strconcat (input, ".", NULL);
  ec = EVP_PKEY_is_a (key, "EC");
  ctx = EVP_MD_CTX_new ();
  g_assert_cmpint (EVP_DigestSignInit (ctx, NULL, ec ? EVP_sha384 () : EVP_sha256 (), NULL, key),
                   ==, 1);
  g_assert_cmpint (EVP_DigestSign (ctx, sig, &sig_len, (const guint8 *)input, strlen (input)), ==,
                   1);
  EVP_MD_CTX_free (ctx);
  if (ec)
    {
      const guint8 *p = sig;
      ECDSA_SIG *es = d2i_ECDSA_SIG (NULL, &p, (long)sig_len);

      g_assert_nonnull (es);
      BN_bn2binpad (ECDSA_SIG_get0_r (es), raw, 48);
      BN_bn2binpad (ECDSA_SIG_get0_s (es), raw + 48, 48);
      ECDSA_SIG_free (es);
      sig_text = ntpmon_api_base64url_encode (raw, sizeof raw, FALSE);
    }
  else
    sig_text = ntpmon_api_base64url_encode (sig, sig_len, FALSE);
  return g_strconcat (input, ".", sig_text, NULL);
}

/* An HS256 token keyed with @secret (e.g. the RSA public key). */
gchar *
api_test_jwt_hmac (const guint8 *secret, gsize len, const gchar *kid, const gchar *claims)
{
  g_autofree gchar *input = signing_input ("HS256", kid, claims);
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, secret, len);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree gchar *sig = NULL;

  g_hmac_update (hmac, (const guchar *)input, strlen (input));
  g_hmac_get_digest (hmac, digest, &digest_len);
  sig = ntpmon_api_base64url_encode (digest, digest_len, FALSE);
  return g_strconcat (input, ".", sig, NULL);
}

/**
 * api_test_claims:
 * @aud: (nullable): a JSON value for `aud` (e.g. `"monitor-api"` with quotes)
 * @scope: (nullable): a JSON value for `scope`
 * @exp_offset: `exp` relative to now, in seconds
 */
gchar *
api_test_claims (const gchar *sub, const gchar *iss, const gchar *aud, const gchar *scope,
                 gint64 exp_offset)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GString *text = g_string_new ("{");

  g_string_append_printf (
      text, "\"sub\":\"%s\",\"iss\":\"%s\",\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT,
      sub, iss, now - 10, now + exp_offset);
  if (aud != NULL)
    g_string_append_printf (text, ",\"aud\":%s", aud);
  if (scope != NULL)
    g_string_append_printf (text, ",\"scope\":%s", scope);
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

static void
jwks_callback (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  ApiTestJwks *jwks = user_data;

  if (g_strcmp0 (path, "/.well-known/jwks.json") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  jwks->fetches++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, jwks->jwks,
                                    strlen (jwks->jwks));
}

/* Serves the JWKS on loopback; it stands for the pool's web API. */
ApiTestJwks *
api_test_jwks_new (void)
{
  ApiTestJwks *jwks = g_new0 (ApiTestJwks, 1);
  g_autoptr (GError) error = NULL;
  GSList *uris;

  jwks->jwks = g_strdup ("{\"keys\":[]}");
  jwks->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (jwks->server, NULL, jwks_callback, jwks, NULL);
  soup_server_listen_local (jwks->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (jwks->server);
  jwks->url
      = g_strdup_printf ("http://127.0.0.1:%d/.well-known/jwks.json", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return jwks;
}

void
api_test_jwks_set (ApiTestJwks *jwks, const gchar *const *jwk_objects)
{
  g_autofree gchar *joined = g_strjoinv (",", (gchar **)jwk_objects);

  g_free (jwks->jwks);
  jwks->jwks = g_strdup_printf ("{\"keys\":[%s]}", joined);
}

void
api_test_jwks_free (ApiTestJwks *jwks)
{
  soup_server_disconnect (jwks->server);
  g_object_unref (jwks->server);
  g_free (jwks->jwks);
  g_free (jwks->url);
  g_free (jwks);
}
