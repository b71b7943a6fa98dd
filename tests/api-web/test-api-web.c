/* test-api-web.c: registration, certificates and tokens, agent to server
 *
 * SPDX-License-Identifier: MIT
 *
 * The real `ntppool-agent setup` registers with the real
 * `ntppool-monitor-api server` (real MariaDB, TLS on loopback); an
 * operator decides with `ntppool-monitor-api registration`. The agent's
 * own web API client then gets a certificate from the built-in CA and a
 * token, and both authenticate on the RPC listener.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <signal.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/stat.h>

#include "ntpmon-api-util.h"
#include "ntpmon-state.h"
#include "ntpmon-webapi.h"
#include "web-test.h"

static ApiTestCerts *certs;
static NtpmonTestMariadb *mariadb;

/* an RPC route that does not exist: 404 once authenticated, 401 before */
#define PROBE_PATH "/monitor.v2.MonitorService/NoSuchMethod"

static void
setup (WebTest *t, gconstpointer data)
{
  web_test_setup (t, mariadb, certs);
}

static void
teardown (WebTest *t, gconstpointer data)
{
  web_test_teardown (t);
}

static gchar *
stored_api_key (const gchar *state_dir)
{
  g_autofree gchar *path = g_build_filename (state_dir, "test", "state.json", NULL);
  g_autofree gchar *text = NULL;
  const gchar *start;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  start = strstr (text, "\"APIKey\": \"");
  g_assert_nonnull (start);
  start += strlen ("\"APIKey\": \"");
  return g_strndup (start, strchr (start, '"') - start);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static NtpmonWebapi *
client (WebTest *t)
{
  g_autoptr (GError) error = NULL;
  NtpmonWebapi *webapi = ntpmon_webapi_new_for_url (t->web_url, &error);

  g_assert_no_error (error);
  g_assert_true (ntpmon_webapi_set_extra_ca_file (webapi, certs->ca_crt, &error));
  return webapi;
}

static NtpmonWebapiConfig *
fetch_config (NtpmonWebapi *webapi, const gchar *key, gboolean want_cert, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ntpmon_webapi_fetch_config_async (webapi, key, want_cert, NULL, store_result, &result);
  return ntpmon_webapi_fetch_config_finish (webapi, wait_result (&result), error);
}

static gchar *
fetch_token (NtpmonWebapi *webapi, const gchar *key, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ntpmon_webapi_get_token_async (webapi, key, NULL, store_result, &result);
  return ntpmon_webapi_get_token_finish (webapi, wait_result (&result), error);
}

static X509 *
parse_cert (const gchar *pem)
{
  BIO *bio = BIO_new_mem_buf (pem, -1);
  X509 *cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);

  BIO_free (bio);
  g_assert_nonnull (cert);
  return cert;
}

/* Checks @pem: issued by the built-in CA, DNS SAN @name, the configured
 * lifetime. */
static void
check_certificate (WebTest *t, const gchar *pem, const gchar *name)
{
  g_autofree gchar *ca_file = g_build_filename (t->dir, "ca", "ca.crt", NULL);
  g_autofree gchar *ca_pem = NULL;
  X509 *cert = parse_cert (pem);
  X509 *ca;
  EVP_PKEY *ca_key;
  int days, seconds;

  g_assert_true (g_file_get_contents (ca_file, &ca_pem, NULL, NULL));
  ca = parse_cert (ca_pem);
  ca_key = X509_get0_pubkey (ca);
  g_assert_cmpint (X509_verify (cert, ca_key), ==, 1);
  g_assert_cmpint (X509_check_host (cert, name, 0, X509_CHECK_FLAG_NO_WILDCARDS, NULL), ==, 1);
  g_assert_cmpint (
      ASN1_TIME_diff (&days, &seconds, X509_get0_notBefore (cert), X509_get0_notAfter (cert)), ==,
      1);
  g_assert_cmpint (days * 86400 + seconds, ==, WEB_TEST_LIFETIME);
  g_assert_true (X509_get_extended_key_usage (cert) & XKU_SSL_CLIENT);
  X509_free (cert);
  X509_free (ca);
}

static guint
rpc_status (WebTest *t, GTlsCertificate *cert, const gchar *authorization)
{
  g_autofree gchar *url = g_strconcat (t->rpc_url, PROBE_PATH, NULL);
  g_autoptr (ApiTestResponse) response
      = api_test_request (url, "{}", cert, authorization, t->trust);

  g_assert_no_error (response->error);
  return response->status;
}

static void
check_private (WebTest *t, const gchar *file)
{
  g_autofree gchar *path = g_build_filename (t->dir, "ca", file, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* Registers an agent through `setup` up to the pending registration. */
static guint64
start_setup (WebTest *t, const gchar *state_dir, GSubprocess **agent)
{
  const gchar *args[]
      = { "setup", "--hostname", "box1.example.net", "-a", WEB_TEST_ACCOUNT_TOKEN, NULL };

  *agent = web_test_spawn_agent (t, state_dir, args);
  return web_test_wait_registration (t, TRUE);
}

static void
test_accept_flow (WebTest *t, gconstpointer data)
{
  g_autofree gchar *state_dir = g_build_filename (t->dir, "agent", NULL);
  g_autoptr (GSubprocess) agent = NULL;
  g_autoptr (NtpmonWebapi) webapi = client (t);
  g_autoptr (NtpmonWebapiConfig) config = NULL;
  g_autoptr (NtpmonWebapiConfig) plain = NULL;
  g_autoptr (NtpmonWebapiConfig) renewed = NULL;
  g_autoptr (GTlsCertificate) monitor_cert = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *id_text = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *agent_out = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *hash = NULL;
  g_autofree gchar *tls_name = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *bearer = NULL;
  g_autofree gchar *key_bearer = NULL;
  g_autofree gchar *pem = NULL;
  g_autofree gchar *metrics_url = NULL;
  g_autofree gchar *metrics = NULL;
  g_autofree gchar *page_url = NULL;
  g_autofree gchar *printed_url = NULL;
  g_autoptr (ApiTestResponse) page = NULL;
  g_autoptr (ApiTestResponse) done_page = NULL;
  guint status;
  guint64 id = start_setup (t, state_dir, &agent);

  id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  g_assert_cmpint (
      web_test_cli (t, (const gchar *[]){ "registration", "list", NULL }, NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "box1.example.net"));
  g_assert_nonnull (strstr (out, "127.0.0.1"));
  g_assert_nonnull (strstr (out, "::1"));
  g_assert_nonnull (strstr (out, "pending"));
  g_assert_true (g_str_has_prefix (strchr (out, '\n') + 1, id_text));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the page `setup` points to */
  page_url = g_strdup_printf ("%s/monitor/registration/%s", t->web_url, id_text);
  page = api_test_request (page_url, NULL, NULL, NULL, t->trust);
  g_assert_no_error (page->error);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_nonnull (strstr (page->body, "127.0.0.1 ::1): pending"));
  g_assert_nonnull (strstr (page->body, "registration accept"));

  g_assert_cmpint (web_test_cli (t, (const gchar *[]){ "registration", "accept", id_text, NULL },
                                 NULL, &out, &err),
                   ==, 0);
  g_assert_nonnull (strstr (out, "accepted: monitor box1-"));
  g_assert_cmpint (web_test_wait_agent (agent, &agent_out), ==, 0);
  g_assert_nonnull (strstr (agent_out, "Please visit the following URL"));
  printed_url = g_strdup_printf ("\t" WEB_TEST_ISSUER "/monitor/registration/%s\n", id_text);
  g_assert_nonnull (strstr (agent_out, printed_url));

  /* the monitor rows: one per family, one name, testing, the account */
  tls_name = web_test_text (t, "SELECT tls_name FROM monitor_registrations WHERE status = ?",
                            "completed");
  g_assert_true (g_str_has_prefix (tls_name, "box1-"));
  g_assert_true (g_str_has_suffix (tls_name, ".test.mon.ntppool.dev"));
  g_assert_cmpint (web_test_count (t,
                                   "SELECT COUNT(*) FROM monitors WHERE tls_name = ? AND status = "
                                   "'testing' AND ((ip = '127.0.0.1' AND ip_version = 'v4') OR "
                                   "(ip = '::1' AND ip_version = 'v6'))",
                                   tls_name),
                   ==, 2);
  g_assert_cmpint (web_test_count (t,
                                   "SELECT COUNT(DISTINCT account_id) FROM monitors WHERE "
                                   "tls_name = ? AND account_id IS NOT NULL",
                                   tls_name),
                   ==, 1);
  /* an empty JSON object: GetConfig merges it onto the system defaults */
  g_assert_cmpint (
      web_test_count (t, "SELECT COUNT(*) FROM monitors WHERE tls_name = ? AND config = '{}'",
                      tls_name),
      ==, 2);

  /* the API key: in the agent's state, only hashed in the database */
  key = stored_api_key (state_dir);
  g_assert_cmpuint (strlen (key), >=, 32);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  g_assert_cmpint (web_test_count (t, "SELECT COUNT(*) FROM api_keys WHERE token_hashed = ?", hash),
                   ==, 1);
  g_assert_cmpint (web_test_count (t,
                                   "SELECT COUNT(*) FROM api_keys WHERE INSTR(CONCAT_WS('|', "
                                   "api_key, grants, audience, token_lookup, token_hashed), ?) > 0",
                                   key),
                   ==, 0);
  g_assert_cmpint (web_test_count (t, "SELECT COUNT(*) FROM api_keys_monitors", NULL), ==, 2);
  done_page = api_test_request (page_url, NULL, NULL, NULL, t->trust);
  g_assert_nonnull (strstr (done_page->body, ": completed\nMonitor name: "));
  g_assert_nonnull (strstr (done_page->body, tls_name));

  /* config with a certificate from the built-in CA */
  config = fetch_config (webapi, key, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->tls_name, ==, tls_name);
  g_assert_cmpstr (config->ipv4_ip, ==, "127.0.0.1");
  g_assert_cmpstr (config->ipv4_status, ==, "testing");
  g_assert_cmpstr (config->ipv6_ip, ==, "::1");
  g_assert_true (g_str_has_prefix (config->key, "-----BEGIN PRIVATE KEY-----"));
  check_certificate (t, config->cert, tls_name);
  check_private (t, "ca.key");
  check_private (t, "oidc-es384.key");

  /* without the request no certificate; asked again, a new one (renewal) */
  plain = fetch_config (webapi, key, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain->cert, ==, "");
  renewed = fetch_config (webapi, key, TRUE, &error);
  g_assert_no_error (error);
  check_certificate (t, renewed->cert, tls_name);
  g_assert_cmpstr (renewed->cert, !=, config->cert);

  /* the certificate authenticates on the RPC listener */
  pem = g_strconcat (config->cert, config->key, NULL);
  monitor_cert = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rpc_status (t, NULL, NULL), ==, 401);
  g_assert_cmpuint (rpc_status (t, monitor_cert, NULL), ==, 404);

  /* the token is accepted by the RPC side; the API key itself is not */
  token = fetch_token (webapi, key, &error);
  g_assert_no_error (error);
  bearer = g_strconcat ("Bearer ", token, NULL);
  key_bearer = g_strconcat ("Bearer ", key, NULL);
  g_assert_cmpuint (rpc_status (t, NULL, bearer), ==, 404);
  g_assert_cmpuint (rpc_status (t, NULL, key_bearer), ==, 401);

  /* counted: the registration polls, three config requests, two certificates */
  metrics_url = g_strdup_printf ("http://127.0.0.1:%u/metrics", t->metrics_port);
  metrics = api_test_get (metrics_url, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (
      strstr (metrics, "monitorapi_web_requests_total{route=\"/monitor/api/registration\",code="
                       "\"200\"}"));
  g_assert_nonnull (strstr (
      metrics, "monitorapi_web_requests_total{route=\"/monitor/api/config\",code=\"200\"} 3\n"));
  g_assert_nonnull (strstr (metrics, "monitorapi_web_certificates_issued_total 2\n"));
}

/* Runs `setup` up to its pending registration, decides it with
 * `registration VERB ID`, and waits for the agent's end (exit 0).
 * Returns the agent's output; the registration id in @id_text. */
static gchar *
decided_agent (WebTest *t, const gchar *state_dir, const gchar *verb, gchar **id_text)
{
  g_autoptr (GSubprocess) agent = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gchar *agent_out = NULL;
  gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, start_setup (t, state_dir, &agent));

  g_assert_cmpint (
      web_test_cli (t, (const gchar *[]){ "registration", verb, id, NULL }, NULL, &out, &err), ==,
      0);
  g_assert_nonnull (strstr (out, verb[0] == 'a' ? "accepted" : "rejected"));
  g_assert_cmpint (web_test_wait_agent (agent, &agent_out), ==, 0);
  *id_text = id;
  return agent_out;
}

/* Registers and accepts an agent with state in @state_dir; returns its key. */
static gchar *
accepted_agent (WebTest *t, const gchar *state_dir)
{
  g_autofree gchar *id = NULL;

  g_free (decided_agent (t, state_dir, "accept", &id));
  return stored_api_key (state_dir);
}

static void
test_token_claims (WebTest *t, gconstpointer data)
{
  g_autofree gchar *state_dir = g_build_filename (t->dir, "agent", NULL);
  g_autoptr (NtpmonWebapi) webapi = client (t);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = accepted_agent (t, state_dir);
  g_autofree gchar *token = NULL;
  g_autofree gchar *tls_name = NULL;
  g_autofree gchar *jwks_url = g_strconcat (t->web_url, "/.well-known/jwks.json", NULL);
  g_autoptr (ApiTestResponse) jwks = NULL;
  g_autoptr (GBytes) claims = NULL;
  g_autofree gchar *claims_text = NULL;
  g_autofree gchar *kid = NULL;
  gchar **parts;

  tls_name = web_test_text (t, "SELECT tls_name FROM monitors WHERE ip = ?", "127.0.0.1");
  token = fetch_token (webapi, key, &error);
  g_assert_no_error (error);

  parts = g_strsplit (token, ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  claims = ntpmon_api_base64url_decode (parts[1], -1);
  claims_text = g_strndup (g_bytes_get_data (claims, NULL), g_bytes_get_size (claims));
  g_strfreev (parts);
  g_test_message ("claims %s", claims_text);
  g_assert_nonnull (strstr (claims_text, "\"iss\":\"" WEB_TEST_ISSUER "\""));
  g_assert_nonnull (strstr (claims_text, "\"aud\":[\"monitor-api\"]"));
  g_assert_nonnull (strstr (claims_text, "monitor:data"));
  g_assert_nonnull (strstr (claims_text, tls_name));

  /* the signing key: in the database and served as JWKS */
  kid = web_test_text (t, "SELECT kid FROM oidc_public_keys WHERE algorithm = ?", "ES384");
  jwks = api_test_request (jwks_url, NULL, NULL, NULL, t->trust);
  g_assert_no_error (jwks->error);
  g_assert_cmpuint (jwks->status, ==, 200);
  g_assert_nonnull (strstr (jwks->body, kid));
  g_assert_nonnull (strstr (jwks->body, "\"crv\":\"P-384\""));
}

/* The agent's renewal rule on the server's certificates: due after two
 * thirds of the lifetime; asking again gives a fresh one. */
static void
test_renewal (WebTest *t, gconstpointer data)
{
  g_autofree gchar *state_dir = g_build_filename (t->dir, "agent", NULL);
  g_autoptr (NtpmonWebapi) webapi = client (t);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = accepted_agent (t, state_dir);
  g_autoptr (NtpmonState) state = ntpmon_state_new (state_dir, "test");
  g_autoptr (NtpmonWebapiConfig) first = fetch_config (webapi, key, TRUE, &error);
  g_autoptr (NtpmonWebapiConfig) second = NULL;
  gint64 nb, na, nb2, na2, next;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_assert_true (ntpmon_state_save_certificates (state, first->cert, first->key, &error));
  g_assert_true (ntpmon_state_load_certificates (state, &error));
  g_assert_no_error (error);
  g_assert_true (ntpmon_state_certificate_dates (state, &nb, &na, &error));
  g_assert_cmpint (na - nb, ==, WEB_TEST_LIFETIME);
  g_assert_cmpint (nb, <=, now);
  g_assert_true (ntpmon_state_check_certificate (state, now, &next, &error));
  /* near its end the agent asks for a new one */
  g_assert_false (
      ntpmon_state_check_certificate (state, na - WEB_TEST_LIFETIME / 3 + 1, &next, &error));
  g_assert_no_error (error);
  second = fetch_config (webapi, key, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->cert, !=, first->cert);
  g_assert_true (ntpmon_state_save_certificates (state, second->cert, second->key, &error));
  g_assert_true (ntpmon_state_load_certificates (state, &error));
  g_assert_true (ntpmon_state_certificate_dates (state, &nb2, &na2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (na2, >=, na);
  g_assert_cmpint (na2 - nb2, ==, WEB_TEST_LIFETIME);
  g_assert_true (
      ntpmon_state_check_certificate (state, g_get_real_time () / G_USEC_PER_SEC, &next, &error));
}

static void
test_reject (WebTest *t, gconstpointer data)
{
  g_autofree gchar *state_dir = g_build_filename (t->dir, "agent", NULL);
  g_autofree gchar *state_file = g_build_filename (state_dir, "test", "state.json", NULL);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *id = NULL;
  /* setup prints the server's text/plain answer and ends */
  g_autofree gchar *agent_out = decided_agent (t, state_dir, "reject", &id);

  g_assert_nonnull (strstr (agent_out, "was rejected"));
  if (g_file_test (state_file, G_FILE_TEST_EXISTS))
    {
      g_autofree gchar *state = NULL;
      g_assert_true (g_file_get_contents (state_file, &state, NULL, NULL));
      g_assert_true (strstr (state, "\"APIKey\"") == NULL
                     || strstr (state, "\"APIKey\": \"\"") != NULL);
    }
  g_assert_cmpint (web_test_count (t, "SELECT COUNT(*) FROM api_keys", NULL), ==, 0);
  g_assert_cmpint (web_test_count (t, "SELECT COUNT(*) FROM monitors WHERE type = ?", "monitor"),
                   ==, 0);

  /* decided once */
  g_assert_cmpint (
      web_test_cli (t, (const gchar *[]){ "registration", "accept", id, NULL }, NULL, &out, &err),
      ==, 1);
  g_assert_nonnull (strstr (err, "is already rejected"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
      web_test_cli (t, (const gchar *[]){ "registration", "list", NULL }, NULL, &out, &err), ==, 0);
  g_assert_null (strstr (out, "box1"));
}

/* A registration posted by hand (no account), then the CLI's errors. */
static void
test_cli_errors (WebTest *t, gconstpointer data)
{
  g_autofree gchar *url = g_strconcat (t->web_url, "/monitor/api/registration", NULL);
  const gchar *headers[] = { "Registration-ID", "01JQ0000000000000000000000", NULL };
  g_autoptr (GBytes) form = g_bytes_new_static ("hostname=h2", 11);
  g_autoptr (ApiTestResponse) pending = api_test_send (url, "application/x-www-form-urlencoded",
                                                       form, FALSE, NULL, headers, t->trust);
  g_autofree gchar *id = NULL;
  g_autofree gchar *account = g_strdup_printf ("%" G_GUINT64_FORMAT, t->account_id);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  struct
  {
    const gchar *args[6];
    const gchar *dsn;
    gint status;
    const gchar *message;
  } cases[] = {
    { { "registration", "accept", "9999", NULL }, NULL, 1, "no registration with id 9999" },
    { { "registration", "reject", "9999", NULL }, NULL, 1, "no registration with id 9999" },
    { { "registration", "accept", "x", NULL }, NULL, 80, "expected \"registration list\"" },
    { { "registration", "delete", "1", NULL }, NULL, 80, "expected \"registration list\"" },
    { { "registration", "list", NULL }, "x@tcp(127.0.0.1:1)/ntp", 2, "error:" },
    { { "registration", "accept", NULL, NULL }, NULL, 1, "names no account" },
    { { "registration", "accept", NULL, "--account", "4242", NULL },
      NULL,
      1,
      "no account with id 4242" },
  };

  g_assert_no_error (pending->error);
  g_assert_cmpuint (pending->status, ==, 200);
  g_assert_nonnull (strstr (pending->body, "\"Status\":\"pending\""));
  id = g_strdup_printf (
      "%" G_GINT64_FORMAT,
      web_test_count (t, "SELECT id FROM monitor_registrations WHERE hostname = ?", "h2"));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (cases[i].args[2] == NULL && cases[i].args[1] != NULL
          && g_str_equal (cases[i].args[1], "accept"))
        cases[i].args[2] = id;
      g_assert_cmpint (web_test_cli (t, cases[i].args, cases[i].dsn, &out, &err), ==,
                       cases[i].status);
      g_assert_nonnull (strstr (err, cases[i].message));
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  g_assert_cmpint (
      web_test_cli (t,
                    (const gchar *[]){ "registration", "accept", id, "--account", account, NULL },
                    NULL, &out, &err),
      ==, 0);
  g_assert_nonnull (strstr (out, "accepted: monitor h2-"));
}

/* Answers to requests the agent's client must understand. */
static void
test_http_errors (WebTest *t, gconstpointer data)
{
  g_autoptr (NtpmonWebapi) webapi = client (t);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonWebapiConfig) config = fetch_config (webapi, "no-such-key", TRUE, &error);
  g_autofree gchar *token = NULL;
  g_autofree gchar *reg_url = g_strconcat (t->web_url, "/monitor/api/registration", NULL);
  g_autofree gchar *config_url = g_strconcat (t->web_url, "/monitor/api/config", NULL);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (ApiTestResponse) no_id
      = api_test_send (reg_url, "text/plain", empty, FALSE, NULL, NULL, t->trust);
  g_autoptr (ApiTestResponse) wrong_method = api_test_request (reg_url, NULL, NULL, NULL, t->trust);
  g_autoptr (ApiTestResponse) no_key = api_test_request (config_url, NULL, NULL, NULL, t->trust);
  g_autofree gchar *page_url = g_strconcat (t->web_url, "/monitor/registration/77", NULL);
  g_autoptr (ApiTestResponse) no_page = api_test_request (page_url, NULL, NULL, NULL, t->trust);

  g_assert_null (config);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  token = fetch_token (webapi, "no-such-key", &error);
  g_assert_null (token);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (no_id->status, ==, 400);
  g_assert_true (g_str_has_prefix (no_id->content_type, "text/plain"));
  g_assert_cmpuint (wrong_method->status, ==, 405);
  g_assert_cmpuint (no_page->status, ==, 404);
  g_assert_cmpuint (no_key->status, ==, 401);
}

/* Without the database a registration poll gets 503, which `setup` retries. */
static void
test_db_down (WebTest *t, gconstpointer data)
{
  g_autofree gchar *url = g_strconcat (t->web_url, "/monitor/api/registration", NULL);
  const gchar *headers[] = { "Registration-ID", "01JQ0000000000000000000001", NULL };
  g_autoptr (GBytes) form = g_bytes_new_static ("hostname=h3", 11);
  g_autoptr (ApiTestResponse) down = NULL;
  g_autoptr (ApiTestResponse) up = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_test_mariadb_stop (mariadb, &error));
  g_assert_no_error (error);
  down = api_test_send (url, "application/x-www-form-urlencoded", form, FALSE, NULL, headers,
                        t->trust);
  g_assert_true (ntpmon_test_mariadb_restart (mariadb, &error));
  g_assert_no_error (error);
  g_assert_no_error (down->error);
  g_assert_cmpuint (down->status, ==, 503);
  g_assert_true (g_str_has_prefix (down->content_type, "text/plain"));
  /* as `setup` does: retry while 503, until the pool has reconnected */
  for (guint attempt = 0; attempt < 300 && (up == NULL || up->status == 503); attempt++)
    {
      g_clear_pointer (&up, api_test_response_free);
      g_usleep (attempt > 0 ? 200000 : 0);
      up = api_test_send (url, "application/x-www-form-urlencoded", form, FALSE, NULL, headers,
                          t->trust);
      g_assert_no_error (up->error);
    }
  g_assert_cmpuint (up->status, ==, 200);
  g_assert_nonnull (strstr (up->body, "\"Status\":\"pending\""));
}

/* After SIGHUP the web API presents the new server certificate too. */
static void
test_certificate_reload (WebTest *t, gconstpointer data)
{
  g_autofree gchar *url = g_strconcat (t->web_url, "/.well-known/jwks.json", NULL);
  g_autoptr (GTlsCertificate) first = api_test_load_pair (certs->server_crt, certs->server_key);
  g_autoptr (GTlsCertificate) second = api_test_load_pair (certs->server2_crt, certs->server2_key);
  g_autoptr (ApiTestResponse) before = api_test_request (url, NULL, NULL, NULL, t->trust);
  g_autoptr (ApiTestResponse) after = NULL;

  g_assert_no_error (before->error);
  g_assert_true (g_tls_certificate_is_same (before->peer, first));
  web_test_copy (certs->server2_crt, t->tls_crt);
  web_test_copy (certs->server2_key, t->tls_key);
  g_subprocess_send_signal (t->server, SIGHUP);
  web_test_wait_log (t, "SIGHUP: reloading");
  after = api_test_request (url, NULL, NULL, NULL, t->trust);
  g_assert_no_error (after->error);
  g_assert_cmpuint (after->status, ==, 200);
  g_assert_true (g_tls_certificate_is_same (after->peer, second));
}

int
main (int argc, char **argv)
{
  int status;

  api_test_init (&argc, &argv);
  certs = api_test_certs_new ();
  mariadb = ntpmon_test_mariadb_start_or_fail ();
  g_test_add ("/api-web/accept-flow", WebTest, NULL, setup, test_accept_flow, teardown);
  g_test_add ("/api-web/token-claims", WebTest, NULL, setup, test_token_claims, teardown);
  g_test_add ("/api-web/renewal", WebTest, NULL, setup, test_renewal, teardown);
  g_test_add ("/api-web/reject", WebTest, NULL, setup, test_reject, teardown);
  g_test_add ("/api-web/cli-errors", WebTest, NULL, setup, test_cli_errors, teardown);
  g_test_add ("/api-web/http-errors", WebTest, NULL, setup, test_http_errors, teardown);
  g_test_add ("/api-web/certificate-reload", WebTest, NULL, setup, test_certificate_reload,
              teardown);
  g_test_add ("/api-web/db-down", WebTest, NULL, setup, test_db_down, teardown);
  status = g_test_run ();
  ntpmon_test_mariadb_free (mariadb);
  api_test_certs_free (certs);
  return status;
}
