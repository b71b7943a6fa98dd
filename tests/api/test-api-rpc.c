/* test-api-rpc.c: protobuf methods on the server, over real TLS
 *
 * SPDX-License-Identifier: MIT
 *
 * Connect (binary and JSON) and Twirp calls reach a handler as decoded
 * messages; bad bodies and content types get the protocol's errors.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "api-test-util.h"
#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-api-rpc.h"

static ApiTestCerts *certs;

typedef struct
{
  NtpmonMetrics *metrics;
  NtpmonApiAuth *auth;
  NtpmonApiServer *server;
  GTlsDatabase *trust;
  GTlsCertificate *client;
  gchar *url;
  guint calls;
} Fixture;

/* Connect GetConfig: samples = length of mon_id, otlp_log_level = identity;
 * mon_id "missing" is an error. Answers from a worker thread. */
static void
get_config_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  NtpmonApiCall *call = data;
  const Monitor__V2__GetConfigRequest *request
      = (const Monitor__V2__GetConfigRequest *)ntpmon_api_call_get_message (call);
  Monitor__V2__GetConfigResponse response = MONITOR__V2__GET_CONFIG_RESPONSE__INIT;

  if (g_strcmp0 (request->mon_id, "missing") == 0)
    {
      g_autoptr (GError) error
          = g_error_new_literal (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_NOT_FOUND, "no such monitor");

      ntpmon_api_call_return_error (call, error);
    }
  else
    {
      response.samples = (gint32)strlen (request->mon_id);
      response.otlp_log_level
          = (gchar *)ntpmon_api_request_get_identity (ntpmon_api_call_get_request (call));
      ntpmon_api_call_return (call, &response.base);
    }
  g_task_return_boolean (task, TRUE);
}

static void
get_config (NtpmonApiCall *call, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  f->calls++;
  g_task_set_task_data (task, ntpmon_api_call_ref (call), (GDestroyNotify)ntpmon_api_call_unref);
  g_task_run_in_thread (task, get_config_thread);
}

/* Twirp api.Monitor/GetConfig: samples = 7. */
static void
legacy_get_config (NtpmonApiCall *call, gpointer user_data)
{
  Fixture *f = user_data;
  Api__Config config = API__CONFIG__INIT;

  f->calls++;
  g_assert_true (ntpmon_api_call_get_method (call)->input == &api__get_config_params__descriptor);
  config.samples = 7;
  ntpmon_api_call_return (call, &config.base);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->metrics = ntpmon_metrics_new ();
  f->auth = ntpmon_api_auth_new (certs->ca_crt, NULL, &error);
  g_assert_no_error (error);
  f->server = ntpmon_api_server_new (f->auth, f->metrics);
  g_assert_true (
      ntpmon_api_server_set_tls_files (f->server, certs->server_crt, certs->server_key, &error));
  g_assert_true (ntpmon_api_rpc_add_method (f->server, NTPMON_API_PROTOCOL_CONNECT,
                                            &monitor__v2__monitor_service__descriptor, "GetConfig",
                                            get_config, f, NULL, &error));
  g_assert_true (ntpmon_api_rpc_add_method (f->server, NTPMON_API_PROTOCOL_TWIRP,
                                            &api__monitor__descriptor, "GetConfig",
                                            legacy_get_config, f, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ntpmon_api_rpc_add_method (f->server, NTPMON_API_PROTOCOL_CONNECT,
                                             &monitor__v2__monitor_service__descriptor, "Nope",
                                             get_config, f, NULL, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  f->url = api_test_listen (f->server, certs, &f->trust);
  f->client = api_test_load_pair (certs->good_crt, certs->good_key);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_object_unref (f->server);
  g_object_unref (f->auth);
  ntpmon_metrics_unref (f->metrics);
  g_object_unref (f->trust);
  g_object_unref (f->client);
  g_free (f->url);
}

static ApiTestResponse *
call (Fixture *f, const gchar *path, const gchar *content_type, GBytes *body,
      const gchar *const *headers)
{
  g_autofree gchar *url = g_strconcat (f->url, path, NULL);
  ApiTestResponse *response
      = api_test_send (url, content_type, body, FALSE, f->client, headers, f->trust);

  g_assert_no_error (response->error);
  g_test_message ("%u %s %s", response->status, response->content_type, response->body);
  return response;
}

static GBytes *
pack_request (const gchar *mon_id)
{
  Monitor__V2__GetConfigRequest request = MONITOR__V2__GET_CONFIG_REQUEST__INIT;
  gsize len;
  guint8 *data;

  request.mon_id = (gchar *)mon_id;
  len = protobuf_c_message_get_packed_size (&request.base);
  data = g_malloc (len + 1);
  protobuf_c_message_pack (&request.base, data);
  return g_bytes_new_take (data, len);
}

#define GET_CONFIG "/monitor.v2.MonitorService/GetConfig"

static void
test_connect_proto (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) body = pack_request ("192.0.2.1");
  g_autoptr (ApiTestResponse) response
      = call (f, GET_CONFIG, "application/proto", body,
              (const gchar *[]){ "Connect-Protocol-Version", "1", NULL });
  Monitor__V2__GetConfigResponse *config;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (response->content_type, ==, "application/proto");
  config = monitor__v2__get_config_response__unpack (NULL, g_bytes_get_size (response->raw),
                                                     g_bytes_get_data (response->raw, NULL));
  g_assert_nonnull (config);
  g_assert_cmpint (config->samples, ==, 9);
  g_assert_cmpstr (config->otlp_log_level, ==, API_TEST_MONITOR);
  monitor__v2__get_config_response__free_unpacked (config, NULL);
  g_assert_cmpuint (f->calls, ==, 1);
}

static void
test_connect_json (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) body = g_bytes_new_static ("{\"monId\":\"2001:db8::1\"}", 23);
  g_autoptr (ApiTestResponse) response = call (f, GET_CONFIG, "application/json", body, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *obj;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (response->content_type, ==, "application/json");
  g_assert_true (json_parser_load_from_data (parser, response->body, -1, NULL));
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (obj, "samples"), ==, 11);
}

static void
test_connect_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) garbage = g_bytes_new_static ("\xff\xff\xff", 3);
  g_autoptr (GBytes) missing = pack_request ("missing");
  g_autoptr (GBytes) json = g_bytes_new_static ("{\"monId\":", 9);
  g_autoptr (ApiTestResponse) bad_proto = call (f, GET_CONFIG, "application/proto", garbage, NULL);
  g_autoptr (ApiTestResponse) bad_type = call (f, GET_CONFIG, "text/plain", missing, NULL);
  g_autoptr (ApiTestResponse) bad_json = call (f, GET_CONFIG, "application/json", json, NULL);
  g_autoptr (ApiTestResponse) not_found = call (f, GET_CONFIG, "application/proto", missing, NULL);
  g_autoptr (ApiTestResponse) bad_version
      = call (f, GET_CONFIG, "application/proto", missing,
              (const gchar *[]){ "Connect-Protocol-Version", "2", NULL });

  g_assert_cmpuint (bad_proto->status, ==, 400);
  g_assert_nonnull (strstr (bad_proto->body, "\"code\":\"invalid_argument\""));
  g_assert_cmpuint (bad_type->status, ==, 415);
  g_assert_cmpuint (bad_json->status, ==, 400);
  g_assert_cmpuint (bad_version->status, ==, 400);
  g_assert_cmpuint (not_found->status, ==, 404);
  g_assert_cmpstr (not_found->content_type, ==, "application/json");
  g_assert_cmpstr (not_found->body, ==, "{\"code\":\"not_found\",\"message\":\"no such monitor\"}");
  g_assert_cmpuint (f->calls, ==, 1); /* only the well-formed request reached the handler */
}

static void
test_twirp (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) empty = g_bytes_new_static ("{}", 2);
  g_autoptr (GBytes) nothing = g_bytes_new_static ("", 0);
  g_autoptr (ApiTestResponse) json
      = call (f, "/api/v1/api.Monitor/GetConfig", "application/json; charset=utf-8", empty, NULL);
  g_autoptr (ApiTestResponse) proto
      = call (f, "/api/v1/api.Monitor/GetConfig", "application/protobuf", nothing, NULL);
  g_autoptr (ApiTestResponse) bad_type
      = call (f, "/api/v1/api.Monitor/GetConfig", "text/plain", empty, NULL);
  Api__Config *config;

  g_assert_cmpuint (json->status, ==, 200);
  g_assert_cmpstr (json->content_type, ==, "application/json");
  g_assert_nonnull (strstr (json->body, "\"samples\":7"));
  g_assert_cmpuint (proto->status, ==, 200);
  g_assert_cmpstr (proto->content_type, ==, "application/protobuf");
  config = api__config__unpack (NULL, g_bytes_get_size (proto->raw),
                                g_bytes_get_data (proto->raw, NULL));
  g_assert_nonnull (config);
  g_assert_cmpint (config->samples, ==, 7);
  api__config__free_unpacked (config, NULL);
  g_assert_cmpuint (bad_type->status, ==, 404);
  g_assert_nonnull (strstr (bad_type->body, "\"code\":\"bad_route\""));
  g_assert_cmpuint (f->calls, ==, 2);
}

int
main (int argc, char **argv)
{
  int status;

  api_test_init (&argc, &argv);
  certs = api_test_certs_new ();
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/api/rpc/connect-proto", test_connect_proto);
  ADD ("/api/rpc/connect-json", test_connect_json);
  ADD ("/api/rpc/connect-errors", test_connect_errors);
  ADD ("/api/rpc/twirp", test_twirp);
#undef ADD
  status = g_test_run ();
  api_test_certs_free (certs);
  return status;
}
