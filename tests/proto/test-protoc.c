/* test-protoc.c: wire compatibility with protoc as an independent encoder
 *
 * For each RPC's request and response message (monitor.v2 and the legacy
 * api package): protoc --encode turns a text-format message into bytes that
 * must equal our encoding of the same message built in C and must decode
 * to it; protoc --decode of our bytes must give back the same text.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-rpc-codec.h"
#include "proto-test-util.h"

#define BIN(s)                                                                                     \
  {                                                                                                \
    sizeof (s) - 1, (guint8 *)(s)                                                                  \
  }

static gchar *
bytes_to_string (GBytes *bytes)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);

  return len > 0 ? g_strndup (data, len) : g_strdup ("");
}

/* Runs protoc with @args, feeding @input; returns stdout or NULL after
 * failing the test. */
static GBytes *
run_protoc (const gchar *const *args, GBytes *input)
{
  g_autofree gchar *protoc = g_find_program_in_path ("protoc");
  const gchar *src = g_getenv ("NTPMON_SOURCE_ROOT");

  if (protoc == NULL)
    {
      g_test_fail_printf ("protoc not found: install the Debian package protobuf-compiler");
      return NULL;
    }
  if (src == NULL)
    {
      g_test_fail_printf ("NTPMON_SOURCE_ROOT is not set (run the test through meson)");
      return NULL;
    }

  g_autofree gchar *proto_path = g_strdup_printf ("--proto_path=%s/core/proto", src);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, protoc);
  g_ptr_array_add (argv, proto_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc
      = g_subprocess_newv ((const gchar *const *)argv->pdata,
                           G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_subprocess_communicate (proc, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    {
      g_autofree gchar *msg = bytes_to_string (err);
      g_test_fail_printf ("protoc %s failed: %s", args[0], msg);
      return NULL;
    }
  return g_steal_pointer (&out);
}

typedef struct
{
  const gchar *file;
  const gchar *type;
  const gchar *text; /* as protoc --decode prints it */
  const ProtobufCMessage *built;
} Case;

static void
check_case (const Case *c)
{
  g_autofree gchar *encode = g_strdup_printf ("--encode=%s", c->type);
  g_autofree gchar *decode = g_strdup_printf ("--decode=%s", c->type);
  const gchar *encode_args[] = { encode, c->file, NULL };
  const gchar *decode_args[] = { decode, c->file, NULL };
  g_autoptr (GError) error = NULL;

  g_test_message ("%s", c->type);
  g_assert_cmpstr (c->built->descriptor->name, ==, c->type);

  /* protoc's bytes == our bytes, and they decode to our message */
  g_autoptr (GBytes) text = g_bytes_new_static (c->text, strlen (c->text));
  g_autoptr (GBytes) theirs = run_protoc (encode_args, text);
  if (theirs == NULL)
    return;
  g_autoptr (GBytes) ours = proto_test_pack (c->built);
  g_assert_cmpmem (g_bytes_get_data (theirs, NULL), g_bytes_get_size (theirs),
                   g_bytes_get_data (ours, NULL), g_bytes_get_size (ours));
  g_autoptr (ProtobufCMessage) decoded
      = ntpmon_rpc_message_decode (NTPMON_RPC_CODEC_PROTO, theirs, c->built->descriptor, &error);
  g_assert_no_error (error);
  proto_test_assert_same (decoded, c->built);

  /* protoc reads our bytes as the same text */
  g_autoptr (GBytes) back = run_protoc (decode_args, ours);
  if (back == NULL)
    return;
  g_autofree gchar *back_text = bytes_to_string (back);
  g_assert_cmpstr (back_text, ==, c->text);

  /* and so does our JSON form, once decoded again by us */
  g_autoptr (GBytes) json
      = ntpmon_rpc_message_encode (NTPMON_RPC_CODEC_JSON, c->built, NTPMON_PROTO_JSON_NONE, &error);
  g_assert_no_error (error);
  g_autoptr (ProtobufCMessage) from_json
      = ntpmon_rpc_message_decode (NTPMON_RPC_CODEC_JSON, json, c->built->descriptor, &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) via_json = proto_test_pack (from_json);
  g_autoptr (GBytes) back2 = run_protoc (decode_args, via_json);
  if (back2 == NULL)
    return;
  g_autofree gchar *back2_text = bytes_to_string (back2);
  g_assert_cmpstr (back2_text, ==, c->text);
}

#define V2  "monitor/v2/monitor_manager.proto"
#define API "api/monitor_manager.proto"

static void
test_monitor_v2 (void)
{
  Monitor__V2__GetConfigRequest get_config = MONITOR__V2__GET_CONFIG_REQUEST__INIT;
  get_config.mon_id = (char *)"192.0.2.10";

  Monitor__V2__GetServersRequest get_servers = MONITOR__V2__GET_SERVERS_REQUEST__INIT;
  get_servers.mon_id = (char *)"2001:db8::10";

  Monitor__V2__MQTTConfig mqtt = MONITOR__V2__MQTTCONFIG__INIT;
  mqtt.host = (ProtobufCBinaryData)BIN ("mqtt.ntppool.net");
  mqtt.port = 1883;
  mqtt.jwt = (ProtobufCBinaryData)BIN ("eyJhbGciOiJIUzM4NCJ9.e30.sig");
  mqtt.prefix = (ProtobufCBinaryData)BIN ("/devel/monitors");
  ProtobufCBinaryData checks[] = { BIN ("time.example.org"), BIN ("192.0.2.53") };
  Monitor__V2__GetConfigResponse config = MONITOR__V2__GET_CONFIG_RESPONSE__INIT;
  config.samples = 3;
  config.ip_bytes = (ProtobufCBinaryData)BIN ("\xc0\x00\x02\x0a");
  config.ip_nat_bytes = (ProtobufCBinaryData)BIN ("\x0a\x00\x00\x05");
  config.n_base_checks = 2;
  config.base_checks = checks;
  config.mqtt_config = &mqtt;
  config.otlp_log_level = (char *)"debug";

  Monitor__V2__GetConfigResponse plain_config = MONITOR__V2__GET_CONFIG_RESPONSE__INIT;
  plain_config.samples = 4;
  plain_config.ip_bytes = (ProtobufCBinaryData)BIN ("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10");
  Monitor__V2__Server s1 = MONITOR__V2__SERVER__INIT, s2 = MONITOR__V2__SERVER__INIT;
  s1.ticket = (ProtobufCBinaryData)BIN ("\x01\x02\xff");
  s1.ip_bytes = (ProtobufCBinaryData)BIN ("\xc6\x33\x64\x01");
  s2.test_id = (ProtobufCBinaryData)BIN ("t");
  s2.ip_bytes = (ProtobufCBinaryData)BIN ("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01");
  s2.trace = 1;
  Monitor__V2__Server *servers[] = { &s1, &s2 };
  Monitor__V2__GetServersResponse servers_resp = MONITOR__V2__GET_SERVERS_RESPONSE__INIT;
  servers_resp.batch_id = (ProtobufCBinaryData)BIN ("01ARYZ6S41TSV4RRFFQ69G5FAV");
  servers_resp.config = &plain_config;
  servers_resp.n_servers = 2;
  servers_resp.servers = servers;

  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  ts.seconds = 1700000000;
  ts.nanos = 123456789;
  Google__Protobuf__Duration offset = GOOGLE__PROTOBUF__DURATION__INIT;
  offset.seconds = -1;
  offset.nanos = -500000000;
  Google__Protobuf__Duration rtt = GOOGLE__PROTOBUF__DURATION__INIT;
  rtt.nanos = 25000000;
  Google__Protobuf__Duration zero = GOOGLE__PROTOBUF__DURATION__INIT;
  Monitor__V2__ServerStatus r1 = MONITOR__V2__SERVER_STATUS__INIT;
  r1.ticket = (ProtobufCBinaryData)BIN ("\x01\x02\xff");
  r1.ip_bytes = (ProtobufCBinaryData)BIN ("\xc6\x33\x64\x01");
  r1.ts = &ts;
  r1.offset = &offset;
  r1.rtt = &rtt;
  r1.stratum = 2;
  r1.leap = 3;
  Monitor__V2__ServerStatus r2 = MONITOR__V2__SERVER_STATUS__INIT;
  r2.ip_bytes = (ProtobufCBinaryData)BIN ("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01");
  r2.error = (char *)"RATE";
  r2.no_response = 1;
  r2.ts = &ts;
  r2.offset = &zero; /* present but zero */
  Monitor__V2__ServerStatus *list[] = { &r1, &r2 };
  Monitor__V2__SubmitResultsRequest submit = MONITOR__V2__SUBMIT_RESULTS_REQUEST__INIT;
  submit.version = 4;
  submit.mon_id = (char *)"192.0.2.10";
  submit.n_list = 2;
  submit.list = list;
  submit.batch_id = (ProtobufCBinaryData)BIN ("01ARYZ6S41TSV4RRFFQ69G5FAV");

  Monitor__V2__SubmitResultsResponse submit_resp = MONITOR__V2__SUBMIT_RESULTS_RESPONSE__INIT;
  submit_resp.ok = 1;

  const Case cases[] = {
    { V2, "monitor.v2.GetConfigRequest", "mon_id: \"192.0.2.10\"\n", &get_config.base },
    { V2, "monitor.v2.GetConfigResponse",
      "samples: 3\n"
      "ip_bytes: \"\\300\\000\\002\\n\"\n"
      "ip_nat_bytes: \"\\n\\000\\000\\005\"\n"
      "base_checks: \"time.example.org\"\n"
      "base_checks: \"192.0.2.53\"\n"
      "mqtt_config {\n"
      "  host: \"mqtt.ntppool.net\"\n"
      "  port: 1883\n"
      "  jwt: \"eyJhbGciOiJIUzM4NCJ9.e30.sig\"\n"
      "  prefix: \"/devel/monitors\"\n"
      "}\n"
      "otlp_log_level: \"debug\"\n",
      &config.base },
    { V2, "monitor.v2.GetServersRequest", "mon_id: \"2001:db8::10\"\n", &get_servers.base },
    { V2, "monitor.v2.GetServersResponse",
      "batch_id: \"01ARYZ6S41TSV4RRFFQ69G5FAV\"\n"
      "config {\n"
      "  samples: 4\n"
      "  ip_bytes: \" \\001\\r\\270\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\020\"\n"
      "}\n"
      "servers {\n"
      "  ticket: \"\\001\\002\\377\"\n"
      "  ip_bytes: \"\\3063d\\001\"\n"
      "}\n"
      "servers {\n"
      "  test_id: \"t\"\n"
      "  ip_bytes: \" \\001\\r\\270\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001\"\n"
      "  trace: true\n"
      "}\n",
      &servers_resp.base },
    { V2, "monitor.v2.SubmitResultsRequest",
      "version: 4\n"
      "mon_id: \"192.0.2.10\"\n"
      "list {\n"
      "  ticket: \"\\001\\002\\377\"\n"
      "  ip_bytes: \"\\3063d\\001\"\n"
      "  ts {\n"
      "    seconds: 1700000000\n"
      "    nanos: 123456789\n"
      "  }\n"
      "  offset {\n"
      "    seconds: -1\n"
      "    nanos: -500000000\n"
      "  }\n"
      "  rtt {\n"
      "    nanos: 25000000\n"
      "  }\n"
      "  stratum: 2\n"
      "  leap: 3\n"
      "}\n"
      "list {\n"
      "  ip_bytes: \" \\001\\r\\270\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001\"\n"
      "  error: \"RATE\"\n"
      "  no_response: true\n"
      "  ts {\n"
      "    seconds: 1700000000\n"
      "    nanos: 123456789\n"
      "  }\n"
      "  offset {\n"
      "  }\n"
      "}\n"
      "batch_id: \"01ARYZ6S41TSV4RRFFQ69G5FAV\"\n",
      &submit.base },
    { V2, "monitor.v2.SubmitResultsResponse", "ok: true\n", &submit_resp.base },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (&cases[i]);
}

static void
test_legacy_api (void)
{
  Api__GetConfigParams get_config = API__GET_CONFIG_PARAMS__INIT;
  Api__GetServersParams get_servers = API__GET_SERVERS_PARAMS__INIT;

  Api__MQTTConfig mqtt = API__MQTTCONFIG__INIT;
  mqtt.host = (ProtobufCBinaryData)BIN ("mqtt.ntppool.net");
  mqtt.port = 1883;
  ProtobufCBinaryData checks[] = { BIN ("time.example.org") };
  Api__Config config = API__CONFIG__INIT;
  config.samples = 3;
  config.ip_bytes = (ProtobufCBinaryData)BIN ("\xc0\x00\x02\x0a");
  config.n_base_checks = 1;
  config.base_checks = checks;
  config.mqtt_config = &mqtt;

  Api__Server s1 = API__SERVER__INIT;
  s1.ip_bytes = (ProtobufCBinaryData)BIN ("\xc6\x33\x64\x01");
  s1.ticket = (ProtobufCBinaryData)BIN ("tk");
  s1.trace = 1;
  Api__Server *servers[] = { &s1 };
  Api__ServerList server_list = API__SERVER_LIST__INIT;
  server_list.config = &config;
  server_list.n_servers = 1;
  server_list.servers = servers;
  server_list.batch_id = (ProtobufCBinaryData)BIN ("01ARYZ6S41TSV4RRFFQ69G5FAV");

  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  ts.seconds = 1700000000;
  Google__Protobuf__Duration offset = GOOGLE__PROTOBUF__DURATION__INIT;
  offset.nanos = -340000;
  Google__Protobuf__Duration rtt = GOOGLE__PROTOBUF__DURATION__INIT;
  rtt.seconds = 1;
  Api__ServerStatus st = API__SERVER_STATUS__INIT;
  st.ticket = (ProtobufCBinaryData)BIN ("tk");
  st.ip_bytes = (ProtobufCBinaryData)BIN ("\xc6\x33\x64\x01");
  st.ts = &ts;
  st.offset = &offset;
  st.rtt = &rtt;
  st.stratum = 1;
  st.leap = -1; /* sint32: zig-zag on the wire */
  st.error = (char *)"i/o timeout";
  st.no_response = 1;
  Api__ServerStatus *list[] = { &st };
  Api__ServerStatusList status_list = API__SERVER_STATUS_LIST__INIT;
  status_list.version = 3;
  status_list.n_list = 1;
  status_list.list = list;
  status_list.batch_id = (ProtobufCBinaryData)BIN ("01ARYZ6S41TSV4RRFFQ69G5FAV");

  Api__ServerStatusResult result = API__SERVER_STATUS_RESULT__INIT;
  result.ok = 1;

  const Case cases[] = {
    { API, "api.GetConfigParams", "", &get_config.base },
    { API, "api.Config",
      "samples: 3\n"
      "ip_bytes: \"\\300\\000\\002\\n\"\n"
      "base_checks: \"time.example.org\"\n"
      "mqtt_config {\n"
      "  host: \"mqtt.ntppool.net\"\n"
      "  port: 1883\n"
      "}\n",
      &config.base },
    { API, "api.GetServersParams", "", &get_servers.base },
    { API, "api.ServerList",
      "config {\n"
      "  samples: 3\n"
      "  ip_bytes: \"\\300\\000\\002\\n\"\n"
      "  base_checks: \"time.example.org\"\n"
      "  mqtt_config {\n"
      "    host: \"mqtt.ntppool.net\"\n"
      "    port: 1883\n"
      "  }\n"
      "}\n"
      "servers {\n"
      "  ip_bytes: \"\\3063d\\001\"\n"
      "  ticket: \"tk\"\n"
      "  trace: true\n"
      "}\n"
      "batch_id: \"01ARYZ6S41TSV4RRFFQ69G5FAV\"\n",
      &server_list.base },
    { API, "api.ServerStatusList",
      "version: 3\n"
      "List {\n"
      "  ticket: \"tk\"\n"
      "  ip_bytes: \"\\3063d\\001\"\n"
      "  ts {\n"
      "    seconds: 1700000000\n"
      "  }\n"
      "  offset {\n"
      "    nanos: -340000\n"
      "  }\n"
      "  rtt {\n"
      "    seconds: 1\n"
      "  }\n"
      "  stratum: 1\n"
      "  leap: -1\n"
      "  error: \"i/o timeout\"\n"
      "  no_response: true\n"
      "}\n"
      "batch_id: \"01ARYZ6S41TSV4RRFFQ69G5FAV\"\n",
      &status_list.base },
    { API, "api.ServerStatusResult", "ok: true\n", &result.base },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_case (&cases[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/protoc/monitor-v2", test_monitor_v2);
  g_test_add_func ("/proto/protoc/legacy-api", test_legacy_api);

  return g_test_run ();
}
