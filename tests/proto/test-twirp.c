/* test-twirp.c: the Twirp v1 codec for legacy agents
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "api/monitor_manager.pb-c.h"
#include "ntpmon-twirp.h"
#include "proto-test-util.h"

static void
assert_body (GBytes *body, const gchar *expected)
{
  g_autofree gchar *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_routes (void)
{
  const ProtobufCServiceDescriptor *svc = &api__monitor__descriptor;
  g_autoptr (GError) error = NULL;
  const ProtobufCMethodDescriptor *m;

  m = ntpmon_twirp_find_method (svc, "POST", "/api/v1/api.Monitor/GetServers", &error);
  g_assert_no_error (error);
  g_assert_true (m->input == &api__get_servers_params__descriptor);
  g_assert_true (m->output == &api__server_list__descriptor);
  m = ntpmon_twirp_find_method (svc, "POST", "/api/v1/api.Monitor/SubmitResults", &error);
  g_assert_no_error (error);
  g_assert_true (m->input == &api__server_status_list__descriptor);
  g_assert_true (m->output == &api__server_status_result__descriptor);

  g_assert_null (ntpmon_twirp_find_method (svc, "GET", "/api/v1/api.Monitor/GetConfig", &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE);
  const gchar *bad[] = { "/api/v1/api.Monitor/Nope",
                         "/api.Monitor/GetConfig",
                         "/api/v2/api.Monitor/GetConfig",
                         "/api/v1/api.Monitor/GetConfig/x",
                         "/monitor.v2.MonitorService/GetConfig",
                         "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_null (ntpmon_twirp_find_method (svc, "POST", bad[i], &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE);
    }
}

static void
test_content_types (void)
{
  NtpmonRpcCodec codec = 99;
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_twirp_parse_content_type ("application/protobuf", &codec, &error));
  g_assert_cmpint (codec, ==, NTPMON_RPC_CODEC_PROTO);
  g_assert_true (
      ntpmon_twirp_parse_content_type ("Application/JSON; charset=utf-8", &codec, &error));
  g_assert_cmpint (codec, ==, NTPMON_RPC_CODEC_JSON);
  g_assert_no_error (error);
  const gchar *bad[] = { "application/proto", "text/plain", "", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (ntpmon_twirp_parse_content_type (bad[i], &codec, &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE);
    }
  g_assert_cmpstr (ntpmon_twirp_content_type (NTPMON_RPC_CODEC_PROTO), ==, "application/protobuf");
  g_assert_cmpstr (ntpmon_twirp_content_type (NTPMON_RPC_CODEC_JSON), ==, "application/json");
}

static void
test_bodies (void)
{
  g_autoptr (GError) error = NULL;
  NtpmonRpcCodec codec;

  /* JSON request in the legacy field spelling, leap as a (zig-zag) sint32 */
  const gchar *json = "{\"version\":3,\"List\":[{\"ip_bytes\":\"wAACAQ==\",\"leap\":-1,"
                      "\"offset\":\"-0.001s\",\"unknown\":1}],\"batch_id\":\"QUJD\"}";
  g_autoptr (GBytes) body = g_bytes_new (json, strlen (json));
  Api__ServerStatusList *list = (Api__ServerStatusList *)ntpmon_twirp_decode_request (
      "application/json", body, &api__server_status_list__descriptor, 1024, &codec, &error);
  g_assert_no_error (error);
  g_assert_cmpint (codec, ==, NTPMON_RPC_CODEC_JSON);
  g_assert_cmpint (list->version, ==, 3);
  g_assert_cmpuint (list->n_list, ==, 1);
  g_assert_cmpmem (list->list[0]->ip_bytes.data, list->list[0]->ip_bytes.len, "\xc0\x00\x02\x01",
                   4);
  g_assert_cmpint (list->list[0]->leap, ==, -1);
  g_assert_cmpint (list->list[0]->offset->nanos, ==, -1000000);
  g_assert_cmpmem (list->batch_id.data, list->batch_id.len, "ABC", 3);

  /* binary: the sint32 leap -1 is zig-zag 1 in field 7 */
  g_autoptr (GBytes) bin
      = ntpmon_twirp_encode_response (NTPMON_RPC_CODEC_PROTO, &list->list[0]->base, &error);
  g_assert_no_error (error);
  const guint8 *b = g_bytes_get_data (bin, NULL);
  gsize len = g_bytes_get_size (bin);
  g_assert_cmpuint (len, >=, 2);
  g_assert_cmpmem (b + len - 2, 2, "\x38\x01", 2);
  protobuf_c_message_free_unpacked (&list->base, NULL);

  /* JSON responses: .proto names and every default written */
  Api__ServerStatusResult result = API__SERVER_STATUS_RESULT__INIT;
  g_autoptr (GBytes) r1 = ntpmon_twirp_encode_response (NTPMON_RPC_CODEC_JSON, &result.base, NULL);
  assert_body (r1, "{\"ok\":false}");
  Api__ServerList sl = API__SERVER_LIST__INIT;
  Api__Config config = API__CONFIG__INIT;
  config.samples = 3;
  sl.config = &config;
  g_autoptr (GBytes) r2 = ntpmon_twirp_encode_response (NTPMON_RPC_CODEC_JSON, &sl.base, NULL);
  assert_body (r2, "{\"config\":{\"samples\":3,\"ip_bytes\":\"\",\"ip_nat_bytes\":\"\","
                   "\"base_checks\":[],\"mqtt_config\":null},\"servers\":[],\"batch_id\":\"\"}");

  /* a body that does not decode is "malformed" */
  g_autoptr (GBytes) junk = g_bytes_new ("\xff\xff\xff", 3);
  g_assert_null (ntpmon_twirp_decode_request (
      "application/protobuf", junk, &api__server_status_list__descriptor, 1024, &codec, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_MALFORMED);
  g_clear_error (&error);
  g_autoptr (GBytes) wrong = g_bytes_new ("{\"version\":\"x\"}", 15);
  g_assert_null (ntpmon_twirp_decode_request (
      "application/json", wrong, &api__server_status_list__descriptor, 1024, &codec, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "version"));
  g_clear_error (&error);
  /* too large */
  g_assert_null (ntpmon_twirp_decode_request (
      "application/json", wrong, &api__server_status_list__descriptor, 8, &codec, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED);
  g_clear_error (&error);
  /* wrong content type */
  g_assert_null (ntpmon_twirp_decode_request (
      "text/plain", wrong, &api__server_status_list__descriptor, 1024, &codec, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE);
  g_clear_error (&error);

  /* round trip of every legacy message in both codecs */
  const ProtobufCMessageDescriptor *const *all = proto_test_all_descriptors ();
  for (guint i = 0; all[i] != NULL; i++)
    {
      if (!g_str_has_prefix (all[i]->name, "api."))
        continue;
      for (NtpmonRpcCodec c = NTPMON_RPC_CODEC_PROTO; c <= NTPMON_RPC_CODEC_JSON; c++)
        {
          g_autoptr (ProtobufCMessage) msg = proto_test_fill (all[i], i);
          g_autoptr (GBytes) enc = ntpmon_twirp_encode_response (c, msg, &error);
          g_assert_no_error (error);
          g_autoptr (ProtobufCMessage) dec = ntpmon_twirp_decode_request (
              ntpmon_twirp_content_type (c), enc, all[i], 1 << 20, &codec, &error);
          g_assert_no_error (error);
          g_assert_cmpint (codec, ==, c);
          proto_test_assert_same (msg, dec);
        }
    }
}

static void
test_errors (void)
{
  const struct
  {
    NtpmonRpcError code;
    const gchar *name;
    guint status;
  } table[] = {
    { NTPMON_RPC_ERROR_CANCELED, "canceled", 408 },
    { NTPMON_RPC_ERROR_UNKNOWN, "unknown", 500 },
    { NTPMON_RPC_ERROR_INVALID_ARGUMENT, "invalid_argument", 400 },
    { NTPMON_RPC_ERROR_MALFORMED, "malformed", 400 },
    { NTPMON_RPC_ERROR_DEADLINE_EXCEEDED, "deadline_exceeded", 408 },
    { NTPMON_RPC_ERROR_NOT_FOUND, "not_found", 404 },
    { NTPMON_RPC_ERROR_BAD_ROUTE, "bad_route", 404 },
    { NTPMON_RPC_ERROR_ALREADY_EXISTS, "already_exists", 409 },
    { NTPMON_RPC_ERROR_PERMISSION_DENIED, "permission_denied", 403 },
    { NTPMON_RPC_ERROR_UNAUTHENTICATED, "unauthenticated", 401 },
    { NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED, "resource_exhausted", 429 },
    { NTPMON_RPC_ERROR_FAILED_PRECONDITION, "failed_precondition", 412 },
    { NTPMON_RPC_ERROR_ABORTED, "aborted", 409 },
    { NTPMON_RPC_ERROR_OUT_OF_RANGE, "out_of_range", 400 },
    { NTPMON_RPC_ERROR_UNIMPLEMENTED, "unimplemented", 501 },
    { NTPMON_RPC_ERROR_INTERNAL, "internal", 500 },
    { NTPMON_RPC_ERROR_UNAVAILABLE, "unavailable", 503 },
    { NTPMON_RPC_ERROR_DATA_LOSS, "dataloss", 500 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (NTPMON_RPC_ERROR, table[i].code, "m");
      guint status = 0;
      g_autoptr (GBytes) body = ntpmon_twirp_error_to_json (error, NULL, &status);
      g_autofree gchar *expected
          = g_strdup_printf ("{\"code\":\"%s\",\"msg\":\"m\"}", table[i].name);
      assert_body (body, expected);
      g_assert_cmpuint (status, ==, table[i].status);
      g_assert_cmpuint (ntpmon_twirp_code_to_http_status (table[i].code), ==, table[i].status);
    }

  /* meta, as the reference sends for a bad version */
  g_autoptr (GError) version = g_error_new_literal (
      NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT, "Version Unsupported data version");
  const gchar *meta[] = { "argument", "Version", NULL };
  g_autoptr (GBytes) vbody = ntpmon_twirp_error_to_json (version, meta, NULL);
  assert_body (vbody, "{\"code\":\"invalid_argument\",\"msg\":\"Version Unsupported data "
                      "version\",\"meta\":{\"argument\":\"Version\"}}");
  const gchar *no_meta[] = { NULL };
  g_autoptr (GBytes) nbody = ntpmon_twirp_error_to_json (version, no_meta, NULL);
  assert_body (nbody,
               "{\"code\":\"invalid_argument\",\"msg\":\"Version Unsupported data version\"}");

  /* errors that are not RPC errors become internal with their text */
  g_autoptr (GError) db
      = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "sql: no rows in result set");
  guint status = 0;
  g_autoptr (GBytes) dbody = ntpmon_twirp_error_to_json (db, NULL, &status);
  assert_body (dbody, "{\"code\":\"internal\",\"msg\":\"sql: no rows in result set\"}");
  g_assert_cmpuint (status, ==, 500);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/twirp/routes", test_routes);
  g_test_add_func ("/proto/twirp/content-types", test_content_types);
  g_test_add_func ("/proto/twirp/bodies", test_bodies);
  g_test_add_func ("/proto/twirp/errors", test_errors);

  return g_test_run ();
}
