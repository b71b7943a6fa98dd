/* test-webapi.c: the web API client and the `load` operation
 *
 * SPDX-License-Identifier: MIT
 *
 * Runs against fake-webapi, an HTTPS server on loopback implementing the
 * pool's web API as spec agent.md §3 describes it; its test CA is trusted
 * through NTPMON_WEBAPI_CA_FILE.
 */
#include <glib/gstdio.h>

#include "agent-test.h"
#include "ntpmon-state-load.h"

typedef AgentTestEnv Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  agent_test_env_setup (f, "agent-webapi-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  agent_test_env_teardown (f);
}

static NtpmonWebapiConfig *
fetch_config (Fixture *f, const gchar *key, gboolean want_cert, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ntpmon_webapi_fetch_config_async (f->webapi, key, want_cert, NULL, agent_test_store_result,
                                    &result);
  return ntpmon_webapi_fetch_config_finish (f->webapi, agent_test_wait_for (&result), error);
}

static gchar *
get_token (Fixture *f, const gchar *key, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ntpmon_webapi_get_token_async (f->webapi, key, NULL, agent_test_store_result, &result);
  return ntpmon_webapi_get_token_finish (f->webapi, agent_test_wait_for (&result), error);
}

static void
test_base_url (void)
{
  g_autoptr (NtpmonWebapi) webapi = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = NULL;

  g_assert_cmpstr (ntpmon_webapi_default_base_url ("prod"), ==, "https://api.ntppool.dev");
  g_assert_cmpstr (ntpmon_webapi_default_base_url ("test"), ==, "https://beta-api.ntppool.dev");
  g_assert_cmpstr (ntpmon_webapi_default_base_url ("devel"), ==, "https://dev-api.ntppool.dev");
  g_assert_null (ntpmon_webapi_default_base_url ("nope"));

  g_unsetenv ("NTPMON_WEBAPI_CA_FILE");
  g_unsetenv ("API_HOST");
  webapi = ntpmon_webapi_new ("prod", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_webapi_get_base_url (webapi), ==, "https://api.ntppool.dev");
  g_clear_object (&webapi);

  g_setenv ("API_HOST", "http://127.0.0.1:9/", TRUE);
  webapi = ntpmon_webapi_new ("prod", &error);
  g_assert_no_error (error);
  url = ntpmon_webapi_build_url (webapi, "monitor/api/config");
  g_assert_cmpstr (url, ==, "http://127.0.0.1:9/monitor/api/config");
  g_unsetenv ("API_HOST");

  g_assert_null (ntpmon_webapi_new_for_url ("ftp://x", &error));
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_SETUP);
  g_clear_error (&error);
  g_setenv ("NTPMON_WEBAPI_CA_FILE", "/nonexistent/ca.pem", TRUE);
  g_assert_null (ntpmon_webapi_new_for_url ("https://localhost", &error));
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_SETUP);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ca.pem"));
  g_unsetenv ("NTPMON_WEBAPI_CA_FILE");
}

/* Without the test CA the server's certificate is not trusted. */
static void
test_untrusted (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonWebapi) plain = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (NtpmonWebapiConfig) config = NULL;

  g_unsetenv ("NTPMON_WEBAPI_CA_FILE");
  plain = ntpmon_webapi_new_for_url (f->fake->base_url, &error);
  g_assert_no_error (error);
  ntpmon_webapi_fetch_config_async (plain, "k", FALSE, NULL, agent_test_store_result, &result);
  config = ntpmon_webapi_fetch_config_finish (plain, agent_test_wait_for (&result), &error);
  g_assert_null (config);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (f->fake->config_calls, ==, 0);
}

static void
test_config (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonWebapiConfig) config = NULL;

  f->fake->api_key = g_strdup ("key-1");
  f->fake->config_json = g_strdup (
      "{\"Name\":\"mon1\",\"tls_name\":\"mon1.test.mon.ntppool.dev\",\"IPV4\":{\"status\":"
      "\"testing\",\"ip\":\"192.0.2.1\"},\"ipv6\":{\"status\":\"pending\",\"ip\":\"2001:db8::1\"},"
      "\"unknown\":true}");
  fake_make_client_cert (f->fake, "mon1.test.mon.ntppool.dev", "90", &f->fake->client_cert,
                         &f->fake->client_key);

  config = fetch_config (f, "key-1", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->name, ==, "mon1");
  g_assert_cmpstr (config->tls_name, ==, "mon1.test.mon.ntppool.dev");
  g_assert_cmpstr (config->ipv4_status, ==, "testing");
  g_assert_cmpstr (config->ipv4_ip, ==, "192.0.2.1");
  g_assert_cmpstr (config->ipv6_ip, ==, "2001:db8::1");
  g_assert_cmpstr (config->cert, ==, "");
  g_assert_cmpuint (f->fake->cert_requests, ==, 0);
  g_clear_pointer (&config, ntpmon_webapi_config_free);

  config = fetch_config (f, "key-1", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->fake->cert_requests, ==, 1);
  g_assert_cmpstr (config->cert, ==, f->fake->client_cert);
  g_assert_cmpstr (config->key, ==, f->fake->client_key);
  g_assert_cmpuint (f->fake->config_calls, ==, 2);
}

static void
test_config_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonWebapiConfig) config = NULL;

  f->fake->api_key = g_strdup ("right");
  config = fetch_config (f, "wrong", FALSE, &error);
  g_assert_null (config);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "api key unauthorized");
  g_clear_error (&error);

  f->fake->config_status = 503;
  config = fetch_config (f, "right", FALSE, &error);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_HTTP_STATUS);
  g_assert_cmpstr (error->message, ==, "unexpected response code: 503 (trace trace-1)");
  g_clear_error (&error);

  f->fake->config_status = 0;
  f->fake->config_json = g_strdup ("{\"name\":");
  config = fetch_config (f, "right", FALSE, &error);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "invalid JSON"));
  g_clear_error (&error);

  g_free (f->fake->config_json);
  f->fake->config_json = g_strdup ("{\"ipv4\":{\"ip\":4}}");
  config = fetch_config (f, "right", FALSE, &error);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "\"ip\" must be a string"));
}

static void
test_token (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
  guint changed = 0;

  g_signal_connect (f->webapi, "token-changed", G_CALLBACK (agent_test_count_cb), &changed);
  g_assert_true (ntpmon_webapi_token_needs_refresh (f->webapi));
  t1 = get_token (f, "k", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t1, ==, "token-1");
  g_assert_false (ntpmon_webapi_token_needs_refresh (f->webapi));
  /* cached */
  t2 = get_token (f, "k", &error);
  g_assert_cmpstr (t2, ==, "token-1");
  g_assert_cmpuint (f->fake->token_calls, ==, 1);
  g_assert_cmpuint (changed, ==, 1);

  /* a token with less than 5 minutes left is refreshed on every use */
  ntpmon_webapi_clear_token (f->webapi);
  g_assert_cmpuint (changed, ==, 2);
  f->fake->token_expires_in = 120;
  t3 = get_token (f, "k", &error);
  g_assert_cmpstr (t3, ==, "token-2");
  g_assert_true (ntpmon_webapi_token_needs_refresh (f->webapi));
  t4 = get_token (f, "k", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t4, ==, "token-3");
  g_assert_cmpuint (f->fake->token_calls, ==, 3);
  g_assert_cmpuint (changed, ==, 4);
}

static void
test_token_concurrent (Fixture *f, gconstpointer data)
{
  GAsyncResult *results[3] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    ntpmon_webapi_get_token_async (f->webapi, "k", NULL, agent_test_store_result, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *token
          = ntpmon_webapi_get_token_finish (f->webapi, agent_test_wait_for (&results[i]), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (token, ==, "token-1");
      g_object_unref (results[i]);
    }
  g_assert_cmpuint (f->fake->token_calls, ==, 1);
}

static void
test_token_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;

  token = get_token (f, "", &error);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_NO_API_KEY);
  g_assert_cmpstr (error->message, ==, "no API key available for JWT token request");
  g_clear_error (&error);
  g_assert_cmpuint (f->fake->token_calls, ==, 0);

  f->fake->api_key = g_strdup ("right");
  token = get_token (f, "wrong", &error);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  f->fake->token_status = 500;
  token = get_token (f, "right", &error);
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_HTTP_STATUS);
  g_assert_cmpstr (error->message, ==, "unexpected OIDC token response: 500 (trace trace-1)");
  g_assert_null (ntpmon_webapi_peek_token (f->webapi));
}

/* The load operation: state.json with a key and no certificate → one
 * config call asking for a certificate, which is saved and loaded; the
 * data is saved; a second load with the same data asks for nothing new. */
static void
test_load (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (NtpmonState) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_build_filename (f->base, "test", NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);
  g_autofree gchar *cert = g_build_filename (dir, "cert.pem", NULL);
  guint notified = 0;

  f->fake->api_key = g_strdup ("test-key");
  f->fake->config_json = g_strdup ("{\"name\":\"test-server\",\"tls_name\":\"test.example.com\","
                                   "\"ipv4\":{\"status\":\"active\",\"ip\":\"192.0.2.1\"}}");
  fake_make_client_cert (f->fake, "test.example.com", "30", &f->fake->client_cert,
                         &f->fake->client_key);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"API\":{\"APIKey\":\"test-key\"}}", -1, NULL));

  g_signal_connect (state, "config-changed", G_CALLBACK (agent_test_count_cb), &notified);
  g_assert_true (ntpmon_state_load_sync (state, f->webapi, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->fake->config_calls, ==, 1);
  g_assert_cmpuint (f->fake->cert_requests, ==, 1);
  g_assert_true (ntpmon_state_have_certificate (state));
  g_assert_true (g_file_test (cert, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (notified, >=, 2); /* key appeared; certificate and data arrived */
  g_assert_true (ntpmon_state_is_live (state, NTPMON_STATE_IPV4));

  again = ntpmon_state_new (f->base, "test");
  g_assert_true (ntpmon_state_load_sync (again, f->webapi, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_get_name (again), ==, "test-server");
  g_assert_cmpstr (ntpmon_state_get_tls_name (again), ==, "test.example.com");
  g_assert_cmpstr (ntpmon_state_get_data_sha (again), ==, ntpmon_state_get_data_sha (state));
  g_assert_cmpuint (f->fake->config_calls, ==, 2);
  g_assert_cmpuint (f->fake->cert_requests, ==, 1); /* the saved certificate is still fine */

  /* a rejected key */
  g_free (f->fake->api_key);
  f->fake->api_key = g_strdup ("another");
  g_assert_false (ntpmon_state_load_sync (again, f->webapi, FALSE, NULL, &error));
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
}

/* No key: nothing is asked; a missing state.json is created. */
static void
test_load_no_key (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "devel");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = g_build_filename (f->base, "devel", "state.json", NULL);

  g_assert_true (ntpmon_state_load_sync (state, f->webapi, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->fake->config_calls, ==, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* A corrupt state.json makes load fail with the file named. */
static void
test_load_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_build_filename (f->base, "test", NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"API\":", -1, NULL));
  g_assert_false (ntpmon_state_load_sync (state, f->webapi, FALSE, NULL, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpuint (f->fake->config_calls, ==, 0);
}

/* A certificate past two thirds of its lifetime is renewed by the next
 * load: the request asks for a certificate, the new one is loaded. */
static void
test_renewal (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree gchar *old_cert = NULL, *old_key = NULL;
  gint64 old_after, new_after, next;

  /* 30 days of 35 gone */
  fake_make_dated_cert (f->fake, NULL, now - 30 * 86400, now + 5 * 86400, &old_cert, &old_key);
  g_assert_true (ntpmon_state_save_certificates (state, old_cert, old_key, &error));
  g_assert_true (ntpmon_state_load_certificates (state, &error));
  g_assert_no_error (error);
  g_assert_false (
      ntpmon_state_check_certificate (state, g_get_real_time () / G_USEC_PER_SEC, &next, &error));
  g_assert_no_error (error); /* still usable, only due for renewal */
  g_assert_true (ntpmon_state_certificate_dates (state, NULL, &old_after, NULL));

  fake_make_client_cert (f->fake, "mon", "30", &f->fake->client_cert, &f->fake->client_key);
  ntpmon_state_parse (state, "{\"API\":{\"APIKey\":\"k\"}}", -1, "test", &error);
  g_assert_true (ntpmon_state_load_sync (state, f->webapi, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->fake->cert_requests, ==, 1);
  g_assert_true (ntpmon_state_certificate_dates (state, NULL, &new_after, NULL));
  g_assert_cmpint (new_after, >, old_after);
  g_assert_true (
      ntpmon_state_check_certificate (state, g_get_real_time () / G_USEC_PER_SEC, &next, &error));
}

/* The error for an unreachable web API says where its address came from
 * when API_HOST gave it, and only then (not for an address given in code
 * while API_HOST happens to be set). */
static void
test_unreachable_source (void)
{
  g_setenv ("API_HOST", "http://127.0.0.1:9", TRUE);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (NtpmonWebapi) webapi = NULL;
      g_autoptr (NtpmonWebapiConfig) config = NULL;
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GError) error = NULL;

      webapi = i == 0 ? ntpmon_webapi_new ("prod", &error)
                      : ntpmon_webapi_new_for_url ("http://127.0.0.1:9", &error);
      g_assert_no_error (error);
      ntpmon_webapi_fetch_config_async (webapi, "k", FALSE, NULL, agent_test_store_result, &result);
      config = ntpmon_webapi_fetch_config_finish (webapi, agent_test_wait_for (&result), &error);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "cannot reach the web API: http://127.0.0.1:9/"));
      g_assert_true ((strstr (error->message, "(the address comes from API_HOST)") != NULL)
                     == (i == 0));
    }
  g_unsetenv ("API_HOST");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent/webapi/base-url", test_base_url);
  g_test_add_func ("/agent/webapi/unreachable-source", test_unreachable_source);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/agent/webapi/untrusted", test_untrusted);
  ADD ("/agent/webapi/config", test_config);
  ADD ("/agent/webapi/config-errors", test_config_errors);
  ADD ("/agent/webapi/token", test_token);
  ADD ("/agent/webapi/token-concurrent", test_token_concurrent);
  ADD ("/agent/webapi/token-errors", test_token_errors);
  ADD ("/agent/webapi/load", test_load);
  ADD ("/agent/webapi/load-no-key", test_load_no_key);
  ADD ("/agent/webapi/load-corrupt", test_load_corrupt);
  ADD ("/agent/webapi/renewal", test_renewal);
  return g_test_run ();
}
