/* test-proto-schema.c: the compiled messages match the spec's field tables
 *
 * Names, numbers, types and labels of every field, written out here from
 * the specification, compared with the protobuf-c descriptors generated
 * from core/proto.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib.h>

#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "proto-test-util.h"

#define R PROTOBUF_C_LABEL_REPEATED
#define S PROTOBUF_C_LABEL_NONE

typedef struct
{
  const gchar *message;
  guint number;
  const gchar *name;
  ProtobufCType type;
  ProtobufCLabel label;
  const gchar *message_type; /* for message fields */
} SpecField;

static const SpecField spec[] = {
  { "monitor.v2.GetConfigRequest", 1, "mon_id", PROTOBUF_C_TYPE_STRING, S, NULL },
  { "monitor.v2.GetServersRequest", 1, "mon_id", PROTOBUF_C_TYPE_STRING, S, NULL },
  { "monitor.v2.GetConfigResponse", 1, "samples", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "monitor.v2.GetConfigResponse", 2, "ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.GetConfigResponse", 3, "ip_nat_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.GetConfigResponse", 4, "base_checks", PROTOBUF_C_TYPE_BYTES, R, NULL },
  { "monitor.v2.GetConfigResponse", 5, "mqtt_config", PROTOBUF_C_TYPE_MESSAGE, S,
    "monitor.v2.MQTTConfig" },
  { "monitor.v2.GetConfigResponse", 6, "otlp_log_level", PROTOBUF_C_TYPE_STRING, S, NULL },
  { "monitor.v2.MQTTConfig", 1, "host", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.MQTTConfig", 2, "port", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "monitor.v2.MQTTConfig", 3, "jwt", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.MQTTConfig", 4, "prefix", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.Server", 1, "test_id", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.Server", 2, "ticket", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.Server", 3, "ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.Server", 4, "trace", PROTOBUF_C_TYPE_BOOL, S, NULL },
  { "monitor.v2.GetServersResponse", 1, "batch_id", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.GetServersResponse", 2, "config", PROTOBUF_C_TYPE_MESSAGE, S,
    "monitor.v2.GetConfigResponse" },
  { "monitor.v2.GetServersResponse", 3, "servers", PROTOBUF_C_TYPE_MESSAGE, R,
    "monitor.v2.Server" },
  { "monitor.v2.SubmitResultsRequest", 1, "version", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "monitor.v2.SubmitResultsRequest", 2, "mon_id", PROTOBUF_C_TYPE_STRING, S, NULL },
  { "monitor.v2.SubmitResultsRequest", 3, "list", PROTOBUF_C_TYPE_MESSAGE, R,
    "monitor.v2.ServerStatus" },
  { "monitor.v2.SubmitResultsRequest", 4, "batch_id", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.SubmitResultsResponse", 1, "ok", PROTOBUF_C_TYPE_BOOL, S, NULL },
  { "monitor.v2.ServerStatus", 1, "test_id", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.ServerStatus", 2, "ticket", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.ServerStatus", 3, "ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.ServerStatus", 4, "error", PROTOBUF_C_TYPE_STRING, S, NULL },
  { "monitor.v2.ServerStatus", 5, "no_response", PROTOBUF_C_TYPE_BOOL, S, NULL },
  { "monitor.v2.ServerStatus", 6, "ts", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Timestamp" },
  { "monitor.v2.ServerStatus", 7, "offset", PROTOBUF_C_TYPE_MESSAGE, S,
    "google.protobuf.Duration" },
  { "monitor.v2.ServerStatus", 8, "rtt", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Duration" },
  { "monitor.v2.ServerStatus", 9, "stratum", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "monitor.v2.ServerStatus", 10, "leap", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "monitor.v2.NTPPacket", 1, "source_ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.NTPPacket", 2, "destination_ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "monitor.v2.NTPPacket", 3, "t1", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Timestamp" },
  { "monitor.v2.NTPPacket", 4, "t4", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Timestamp" },
  { "monitor.v2.NTPPacket", 5, "data", PROTOBUF_C_TYPE_BYTES, S, NULL },

  { "api.Config", 1, "samples", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "api.Config", 2, "ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.Config", 3, "ip_nat_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.Config", 4, "base_checks", PROTOBUF_C_TYPE_BYTES, R, NULL },
  { "api.Config", 5, "mqtt_config", PROTOBUF_C_TYPE_MESSAGE, S, "api.MQTTConfig" },
  { "api.MQTTConfig", 1, "host", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.MQTTConfig", 2, "port", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "api.MQTTConfig", 3, "jwt", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.MQTTConfig", 4, "prefix", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.Server", 1, "ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.Server", 2, "ticket", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.Server", 3, "trace", PROTOBUF_C_TYPE_BOOL, S, NULL },
  { "api.ServerList", 1, "config", PROTOBUF_C_TYPE_MESSAGE, S, "api.Config" },
  { "api.ServerList", 2, "servers", PROTOBUF_C_TYPE_MESSAGE, R, "api.Server" },
  { "api.ServerList", 3, "batch_id", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.ServerStatusList", 1, "version", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "api.ServerStatusList", 2, "List", PROTOBUF_C_TYPE_MESSAGE, R, "api.ServerStatus" },
  { "api.ServerStatusList", 3, "batch_id", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.ServerStatusResult", 1, "ok", PROTOBUF_C_TYPE_BOOL, S, NULL },
  { "api.ServerStatus", 1, "ticket", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.ServerStatus", 2, "ip_bytes", PROTOBUF_C_TYPE_BYTES, S, NULL },
  { "api.ServerStatus", 3, "ts", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Timestamp" },
  { "api.ServerStatus", 4, "offset", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Duration" },
  { "api.ServerStatus", 5, "rtt", PROTOBUF_C_TYPE_MESSAGE, S, "google.protobuf.Duration" },
  { "api.ServerStatus", 6, "stratum", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "api.ServerStatus", 7, "leap", PROTOBUF_C_TYPE_SINT32, S, NULL },
  { "api.ServerStatus", 8, "error", PROTOBUF_C_TYPE_STRING, S, NULL },
  { "api.ServerStatus", 9, "no_response", PROTOBUF_C_TYPE_BOOL, S, NULL },

  { "google.protobuf.Timestamp", 1, "seconds", PROTOBUF_C_TYPE_INT64, S, NULL },
  { "google.protobuf.Timestamp", 2, "nanos", PROTOBUF_C_TYPE_INT32, S, NULL },
  { "google.protobuf.Duration", 1, "seconds", PROTOBUF_C_TYPE_INT64, S, NULL },
  { "google.protobuf.Duration", 2, "nanos", PROTOBUF_C_TYPE_INT32, S, NULL },
};

/* The two well-known types besides the RPC messages. */
static const ProtobufCMessageDescriptor *const well_known[] = {
  &google__protobuf__timestamp__descriptor,
  &google__protobuf__duration__descriptor,
};

static void
check_descriptor (const ProtobufCMessageDescriptor *desc, guint *checked)
{
  guint expected_fields = 0;

  for (guint i = 0; i < G_N_ELEMENTS (spec); i++)
    {
      if (!g_str_equal (spec[i].message, desc->name))
        continue;
      expected_fields++;
      const ProtobufCFieldDescriptor *f
          = protobuf_c_message_descriptor_get_field (desc, spec[i].number);
      if (f == NULL)
        g_error ("%s has no field %u", desc->name, spec[i].number);
      g_assert_cmpstr (f->name, ==, spec[i].name);
      g_assert_cmpint (f->type, ==, spec[i].type);
      g_assert_cmpint (f->label, ==, spec[i].label);
      if (spec[i].message_type != NULL)
        g_assert_cmpstr (((const ProtobufCMessageDescriptor *)f->descriptor)->name, ==,
                         spec[i].message_type);
      (*checked)++;
    }
  /* no extra fields either */
  g_assert_cmpuint (desc->n_fields, ==, expected_fields);
}

static void
test_fields (void)
{
  const ProtobufCMessageDescriptor *const *all = proto_test_all_descriptors ();
  guint checked = 0, messages = 0;

  for (guint d = 0; all[d] != NULL; d++, messages++)
    check_descriptor (all[d], &checked);
  for (guint d = 0; d < G_N_ELEMENTS (well_known); d++)
    check_descriptor (well_known[d], &checked);
  g_assert_cmpuint (checked, ==, G_N_ELEMENTS (spec));
  /* 10 messages in monitor.v2, 9 in api */
  g_assert_cmpuint (messages, ==, 19);
}

static void
test_services (void)
{
  const struct
  {
    const ProtobufCServiceDescriptor *svc;
    const gchar *name;
    const gchar *methods[3][3];
  } services[] = {
    { &monitor__v2__monitor_service__descriptor,
      "monitor.v2.MonitorService",
      { { "GetConfig", "monitor.v2.GetConfigRequest", "monitor.v2.GetConfigResponse" },
        { "GetServers", "monitor.v2.GetServersRequest", "monitor.v2.GetServersResponse" },
        { "SubmitResults", "monitor.v2.SubmitResultsRequest",
          "monitor.v2.SubmitResultsResponse" } } },
    { &api__monitor__descriptor,
      "api.Monitor",
      { { "GetConfig", "api.GetConfigParams", "api.Config" },
        { "GetServers", "api.GetServersParams", "api.ServerList" },
        { "SubmitResults", "api.ServerStatusList", "api.ServerStatusResult" } } },
  };

  for (guint s = 0; s < G_N_ELEMENTS (services); s++)
    {
      const ProtobufCServiceDescriptor *svc = services[s].svc;
      g_assert_cmpstr (svc->name, ==, services[s].name);
      g_assert_cmpuint (svc->n_methods, ==, 3);
      for (guint m = 0; m < 3; m++)
        {
          const ProtobufCMethodDescriptor *md
              = protobuf_c_service_descriptor_get_method_by_name (svc, services[s].methods[m][0]);
          g_assert_nonnull (md);
          g_assert_cmpstr (md->input->name, ==, services[s].methods[m][1]);
          g_assert_cmpstr (md->output->name, ==, services[s].methods[m][2]);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/schema/fields", test_fields);
  g_test_add_func ("/proto/schema/services", test_services);

  return g_test_run ();
}
