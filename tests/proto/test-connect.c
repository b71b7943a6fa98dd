/* test-connect.c: the Connect unary protocol codec
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-connect.h"
#include "proto-test-util.h"

static GBytes *
bytes_of (const gchar *text)
{
  return g_bytes_new (text, strlen (text));
}

static void
test_routes (void)
{
  const ProtobufCServiceDescriptor *svc = &monitor__v2__monitor_service__descriptor;
  g_autoptr (GError) error = NULL;
  const ProtobufCMethodDescriptor *m;

  m = ntpmon_connect_find_method (svc, "/monitor.v2.MonitorService/GetConfig", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (m->name, ==, "GetConfig");
  g_assert_true (m->input == &monitor__v2__get_config_request__descriptor);
  g_assert_true (m->output == &monitor__v2__get_config_response__descriptor);
  m = ntpmon_connect_find_method (svc, "/monitor.v2.MonitorService/SubmitResults", &error);
  g_assert_no_error (error);
  g_assert_true (m->input == &monitor__v2__submit_results_request__descriptor);

  const gchar *bad[]
      = { "/monitor.v2.MonitorService/Nope",      "/monitor.v2.MonitorService/",
          "/monitor.v2.MonitorService",           "monitor.v2.MonitorService/GetConfig",
          "/api/v1/api.Monitor/GetConfig",        "/monitor.v2.MonitorServiceX/GetConfig",
          "/monitor.v2.MonitorService/getconfig", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_null (ntpmon_connect_find_method (svc, bad[i], &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_NOT_FOUND);
    }
}

static void
test_headers (void)
{
  NtpmonRpcCodec codec = 99;
  g_autoptr (GError) error = NULL;
  gint64 ms = 0;

  g_assert_true (ntpmon_connect_parse_content_type ("application/proto", &codec, &error));
  g_assert_cmpint (codec, ==, NTPMON_RPC_CODEC_PROTO);
  g_assert_true (
      ntpmon_connect_parse_content_type ("application/json; charset=utf-8", &codec, &error));
  g_assert_cmpint (codec, ==, NTPMON_RPC_CODEC_JSON);
  g_assert_no_error (error);
  const gchar *bad[] = { "application/protobuf", "application/grpc", "text/plain", "", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (ntpmon_connect_parse_content_type (bad[i], &codec, &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED);
    }
  g_assert_cmpstr (ntpmon_connect_content_type (NTPMON_RPC_CODEC_PROTO), ==, "application/proto");
  g_assert_cmpstr (ntpmon_connect_content_type (NTPMON_RPC_CODEC_JSON), ==, "application/json");

  g_clear_error (&error);
  g_assert_true (ntpmon_connect_check_protocol_version (NULL, &error));
  g_assert_true (ntpmon_connect_check_protocol_version ("1", &error));
  g_assert_no_error (error);
  g_assert_false (ntpmon_connect_check_protocol_version ("2", &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);

  g_clear_error (&error);
  g_assert_true (ntpmon_connect_parse_timeout ("35000", &ms, &error));
  g_assert_cmpint (ms, ==, 35000);
  g_assert_true (ntpmon_connect_parse_timeout ("9999999999", &ms, &error));
  g_assert_no_error (error);
  const gchar *bad_timeouts[] = { "", "-1", "1.5", "12345678901", "1s", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (bad_timeouts); i++)
    {
      g_clear_error (&error);
      g_assert_false (ntpmon_connect_parse_timeout (bad_timeouts[i], &ms, &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
    }
}

/* A GetServersResponse with 20 servers: large enough to be compressed. */
static ProtobufCMessage *
big_response (guint seed)
{
  Monitor__V2__GetServersResponse *resp = (Monitor__V2__GetServersResponse *)proto_test_fill (
      &monitor__v2__get_servers_response__descriptor, seed);

  for (gsize i = 0; i < resp->n_servers; i++)
    protobuf_c_message_free_unpacked (&resp->servers[i]->base, NULL);
  free (resp->servers);
  resp->n_servers = 20;
  resp->servers = calloc (resp->n_servers, sizeof *resp->servers);
  for (gsize i = 0; i < resp->n_servers; i++)
    resp->servers[i] = (Monitor__V2__Server *)proto_test_fill (&monitor__v2__server__descriptor,
                                                               seed + (guint)i);
  g_assert_cmpuint (protobuf_c_message_get_packed_size (&resp->base), >=,
                    NTPMON_CONNECT_GZIP_MIN_BYTES);
  return &resp->base;
}

/* A client request goes through the server decoder and the reply back. */
static void
test_request_response (void)
{
  const gboolean gzip_options[] = { FALSE, TRUE };
  const NtpmonRpcCodec codecs[] = { NTPMON_RPC_CODEC_PROTO, NTPMON_RPC_CODEC_JSON };

  for (guint c = 0; c < G_N_ELEMENTS (codecs); c++)
    for (guint g = 0; g < G_N_ELEMENTS (gzip_options); g++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (ProtobufCMessage) req
            = proto_test_fill (&monitor__v2__submit_results_request__descriptor, c + g);
        g_autoptr (GBytes) body
            = ntpmon_connect_encode_request (codecs[c], req, gzip_options[g], &error);
        g_assert_no_error (error);

        g_autoptr (ProtobufCMessage) got = ntpmon_connect_decode_request (
            ntpmon_connect_content_type (codecs[c]), gzip_options[g] ? "gzip" : NULL, body,
            &monitor__v2__submit_results_request__descriptor, NTPMON_RPC_DEFAULT_BODY_LIMIT,
            &error);
        g_assert_no_error (error);
        proto_test_assert_same (req, got);

        g_autoptr (ProtobufCMessage) resp = big_response (c + g);
        const gchar *encoding = "unset";
        g_autoptr (GBytes) reply = ntpmon_connect_encode_response (
            codecs[c], resp, gzip_options[g] ? "gzip, deflate" : NULL, &encoding, &error);
        g_assert_no_error (error);
        g_assert_cmpstr (encoding, ==, (gzip_options[g] ? "gzip" : NULL));

        g_autoptr (ProtobufCMessage) back = ntpmon_connect_decode_response (
            200, ntpmon_connect_content_type (codecs[c]), encoding, reply,
            &monitor__v2__get_servers_response__descriptor, NTPMON_RPC_DEFAULT_BODY_LIMIT, &error);
        g_assert_no_error (error);
        proto_test_assert_same (resp, back);
      }

  /* small responses are not compressed even when gzip is accepted */
  Monitor__V2__SubmitResultsResponse ok = MONITOR__V2__SUBMIT_RESULTS_RESPONSE__INIT;
  ok.ok = 1;
  const gchar *encoding = "unset";
  g_autoptr (GBytes) small
      = ntpmon_connect_encode_response (NTPMON_RPC_CODEC_PROTO, &ok.base, "gzip", &encoding, NULL);
  g_assert_null (encoding);
  g_assert_cmpmem (g_bytes_get_data (small, NULL), g_bytes_get_size (small), "\x08\x01", 2);
  g_autoptr (GBytes) small_json
      = ntpmon_connect_encode_response (NTPMON_RPC_CODEC_JSON, &ok.base, NULL, &encoding, NULL);
  g_assert_cmpmem (g_bytes_get_data (small_json, NULL), g_bytes_get_size (small_json),
                   "{\"ok\":true}", 11);
}

static void
test_bad_requests (void)
{
  const ProtobufCMessageDescriptor *desc = &monitor__v2__get_config_request__descriptor;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) json = bytes_of ("{\"monId\":\"192.0.2.1\"}");
  g_autoptr (GBytes) garbage = bytes_of ("\x0a\x10short");
  g_autoptr (GBytes) not_json = bytes_of ("{monId:1}");
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);

  g_assert_null (ntpmon_connect_decode_request ("text/plain", NULL, json, desc, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED);
  g_clear_error (&error);
  g_assert_null (
      ntpmon_connect_decode_request ("application/json", "zstd", json, desc, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED);
  g_clear_error (&error);
  g_assert_null (ntpmon_connect_decode_request ("application/json", NULL, json, desc, 10, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED);
  g_clear_error (&error);
  g_assert_null (
      ntpmon_connect_decode_request ("application/proto", NULL, garbage, desc, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (
      ntpmon_connect_decode_request ("application/json", NULL, not_json, desc, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (
      ntpmon_connect_decode_request ("application/json", NULL, empty, desc, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (
      ntpmon_connect_decode_request ("application/proto", "gzip", json, desc, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
}

static const struct
{
  NtpmonRpcError code;
  const gchar *name;
  guint status;
} connect_table[] = {
  { NTPMON_RPC_ERROR_CANCELED, "canceled", 499 },
  { NTPMON_RPC_ERROR_UNKNOWN, "unknown", 500 },
  { NTPMON_RPC_ERROR_INVALID_ARGUMENT, "invalid_argument", 400 },
  { NTPMON_RPC_ERROR_DEADLINE_EXCEEDED, "deadline_exceeded", 504 },
  { NTPMON_RPC_ERROR_NOT_FOUND, "not_found", 404 },
  { NTPMON_RPC_ERROR_ALREADY_EXISTS, "already_exists", 409 },
  { NTPMON_RPC_ERROR_PERMISSION_DENIED, "permission_denied", 403 },
  { NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED, "resource_exhausted", 429 },
  { NTPMON_RPC_ERROR_FAILED_PRECONDITION, "failed_precondition", 400 },
  { NTPMON_RPC_ERROR_ABORTED, "aborted", 409 },
  { NTPMON_RPC_ERROR_OUT_OF_RANGE, "out_of_range", 400 },
  { NTPMON_RPC_ERROR_UNIMPLEMENTED, "unimplemented", 501 },
  { NTPMON_RPC_ERROR_INTERNAL, "internal", 500 },
  { NTPMON_RPC_ERROR_UNAVAILABLE, "unavailable", 503 },
  { NTPMON_RPC_ERROR_DATA_LOSS, "data_loss", 500 },
  { NTPMON_RPC_ERROR_UNAUTHENTICATED, "unauthenticated", 401 },
};

static void
test_error_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (connect_table); i++)
    {
      NtpmonRpcError parsed;
      g_assert_cmpstr (ntpmon_rpc_error_to_connect_name (connect_table[i].code), ==,
                       connect_table[i].name);
      g_assert_cmpuint (ntpmon_connect_code_to_http_status (connect_table[i].code), ==,
                        connect_table[i].status);
      g_assert_true (ntpmon_rpc_error_from_connect_name (connect_table[i].name, &parsed));
      g_assert_cmpint (parsed, ==, connect_table[i].code);
    }
  NtpmonRpcError parsed;
  g_assert_false (ntpmon_rpc_error_from_connect_name ("dataloss", &parsed));
  g_assert_false (ntpmon_rpc_error_from_connect_name ("bad_route", &parsed));
  g_assert_null (ntpmon_rpc_error_to_connect_name (0));

  /* HTTP status -> code, for error responses without a Connect body */
  const struct
  {
    guint status;
    NtpmonRpcError code;
  } reverse[] = {
    { 400, NTPMON_RPC_ERROR_INTERNAL },          { 401, NTPMON_RPC_ERROR_UNAUTHENTICATED },
    { 403, NTPMON_RPC_ERROR_PERMISSION_DENIED }, { 404, NTPMON_RPC_ERROR_UNIMPLEMENTED },
    { 429, NTPMON_RPC_ERROR_UNAVAILABLE },       { 502, NTPMON_RPC_ERROR_UNAVAILABLE },
    { 503, NTPMON_RPC_ERROR_UNAVAILABLE },       { 504, NTPMON_RPC_ERROR_UNAVAILABLE },
    { 500, NTPMON_RPC_ERROR_UNKNOWN },           { 418, NTPMON_RPC_ERROR_UNKNOWN },
  };
  for (guint i = 0; i < G_N_ELEMENTS (reverse); i++)
    g_assert_cmpint (ntpmon_connect_code_from_http_status (reverse[i].status), ==, reverse[i].code);
}

static void
test_error_json (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (connect_table); i++)
    {
      g_autoptr (GError) error
          = g_error_new (NTPMON_RPC_ERROR, connect_table[i].code, "msg \"%u\"", i);
      guint status = 0;
      g_autoptr (GBytes) body = ntpmon_connect_error_to_json (error, &status);
      g_autofree gchar *expected = g_strdup_printf (
          "{\"code\":\"%s\",\"message\":\"msg \\\"%u\\\"\"}", connect_table[i].name, i);
      g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), expected,
                       strlen (expected));
      g_assert_cmpuint (status, ==, connect_table[i].status);

      /* and the client reads it back */
      g_autoptr (GError) back = ntpmon_connect_error_from_json (status, body);
      g_assert_error (back, NTPMON_RPC_ERROR, (gint)connect_table[i].code);
      g_autofree gchar *msg = g_strdup_printf ("msg \"%u\"", i);
      g_assert_cmpstr (back->message, ==, msg);
    }

  /* errors of other domains */
  g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "disk on fire");
  guint status = 0;
  g_autoptr (GBytes) body = ntpmon_connect_error_to_json (io, &status);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                   "{\"code\":\"unknown\",\"message\":\"disk on fire\"}", 43);
  g_assert_cmpuint (status, ==, 500);
  g_autoptr (GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "c");
  g_autoptr (GBytes) cbody = ntpmon_connect_error_to_json (cancelled, &status);
  g_assert_cmpuint (status, ==, 499);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (cbody, NULL), g_bytes_get_size (cbody),
                                  "\"code\":\"canceled\""));
  g_autoptr (GError) timeout = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "t");
  g_autoptr (GBytes) tbody = ntpmon_connect_error_to_json (timeout, &status);
  g_assert_cmpuint (status, ==, 504);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (tbody, NULL), g_bytes_get_size (tbody),
                                  "\"code\":\"deadline_exceeded\""));
  /* an empty message is left out */
  g_autoptr (GError) bare = g_error_new_literal (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL, "");
  g_autoptr (GBytes) bbody = ntpmon_connect_error_to_json (bare, NULL);
  g_assert_cmpmem (g_bytes_get_data (bbody, NULL), g_bytes_get_size (bbody),
                   "{\"code\":\"internal\"}", 19);

  /* error bodies that are not Connect errors fall back to the status */
  const gchar *junk[] = { "",
                          "<html>502</html>",
                          "[]",
                          "{\"code\":5,\"message\":{}}",
                          "{\"code\":\"bogus\"}",
                          "{\"code\":null}" };
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr (GBytes) jb = bytes_of (junk[i]);
      g_autoptr (GError) e = ntpmon_connect_error_from_json (503, jb);
      g_assert_error (e, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
      g_assert_nonnull (e->message);
    }

  /* the client side of a failed call */
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) denied
      = bytes_of ("{\"code\":\"permission_denied\",\"message\":\"monitor not active\"}");
  g_assert_null (ntpmon_connect_decode_response (403, "application/json", NULL, denied,
                                                 &monitor__v2__get_config_response__descriptor,
                                                 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "monitor not active");
  g_clear_error (&error);
  g_autoptr (GBytes) gz = ntpmon_rpc_body_gzip (denied);
  g_assert_null (ntpmon_connect_decode_response (500, "application/json", "gzip", gz,
                                                 &monitor__v2__get_config_response__descriptor,
                                                 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  /* plain-text 401 from an auth layer */
  g_autoptr (GBytes) text = bytes_of ("Unauthorized");
  g_assert_null (ntpmon_connect_decode_response (
      401, "text/plain", NULL, text, &monitor__v2__get_config_response__descriptor, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAUTHENTICATED);
  g_clear_error (&error);
  /* a 200 with a foreign content type */
  g_assert_null (ntpmon_connect_decode_response (
      200, "text/html", NULL, text, &monitor__v2__get_config_response__descriptor, 1024, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNKNOWN);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/connect/routes", test_routes);
  g_test_add_func ("/proto/connect/headers", test_headers);
  g_test_add_func ("/proto/connect/request-response", test_request_response);
  g_test_add_func ("/proto/connect/bad-requests", test_bad_requests);
  g_test_add_func ("/proto/connect/error-table", test_error_table);
  g_test_add_func ("/proto/connect/error-json", test_error_json);

  return g_test_run ();
}
