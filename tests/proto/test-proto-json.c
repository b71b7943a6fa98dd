/* test-proto-json.c: the proto3 JSON mapping and binary round trips
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-proto-json.h"
#include "ntpmon-proto-wkt.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"
#include "ntpmon_test.pb-c.h"
#include "proto-test-util.h"

static ProtobufCMessage *
from_json (const ProtobufCMessageDescriptor *desc, const gchar *json, GError **error)
{
  return ntpmon_proto_json_from_data (desc, json, strlen (json), error);
}

static gchar *
to_json (const ProtobufCMessage *msg, NtpmonProtoJsonFlags flags)
{
  g_autoptr (GError) error = NULL;
  gchar *text = ntpmon_proto_json_to_data (msg, flags, NULL, &error);

  g_assert_no_error (error);
  return text;
}

/* Parses @json into a Scalars message, which must succeed. */
static Ntpmon__Test__Scalars *
scalars (const gchar *json)
{
  g_autoptr (GError) error = NULL;
  ProtobufCMessage *msg = from_json (&ntpmon__test__scalars__descriptor, json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return (Ntpmon__Test__Scalars *)msg;
}

/* Parsing @json as @desc must fail with invalid_argument naming @field. */
static void
assert_rejected (const ProtobufCMessageDescriptor *desc, const gchar *json, const gchar *field)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ProtobufCMessage) msg = from_json (desc, json, &error);

  g_assert_null (msg);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  if (field != NULL && strstr (error->message, field) == NULL)
    g_error ("error for %s does not name \"%s\": %s", json, field, error->message);
}

static void
round_trip_one (const ProtobufCMessageDescriptor *desc)
{
  static const NtpmonProtoJsonFlags flag_sets[] = {
    NTPMON_PROTO_JSON_NONE,
    NTPMON_PROTO_JSON_PROTO_NAMES | NTPMON_PROTO_JSON_EMIT_DEFAULTS,
  };

  for (guint seed = 0; seed < 3; seed++)
    {
      g_autoptr (ProtobufCMessage) msg = proto_test_fill (desc, seed);
      g_autoptr (GBytes) packed = proto_test_pack (msg);
      g_autoptr (GError) error = NULL;

      /* binary */
      g_autoptr (ProtobufCMessage) unpacked
          = ntpmon_rpc_message_decode (NTPMON_RPC_CODEC_PROTO, packed, desc, &error);
      g_assert_no_error (error);
      proto_test_assert_same (msg, unpacked);

      /* JSON, both styles */
      for (guint i = 0; i < G_N_ELEMENTS (flag_sets); i++)
        {
          g_autofree gchar *json = to_json (msg, flag_sets[i]);
          g_autoptr (ProtobufCMessage) back = from_json (desc, json, &error);
          g_assert_no_error (error);
          proto_test_assert_same (msg, back);
        }
    }

  g_autoptr (ProtobufCMessage) empty = from_json (desc, "{}", NULL);
  g_assert_nonnull (empty);
  g_assert_cmpuint (protobuf_c_message_get_packed_size (empty), ==, 0);
  g_autofree gchar *json = to_json (empty, NTPMON_PROTO_JSON_NONE);
  g_assert_cmpstr (json, ==, "{}");
}

static void
test_round_trip_all (void)
{
  const ProtobufCMessageDescriptor *const *all = proto_test_all_descriptors ();

  for (guint i = 0; all[i] != NULL; i++)
    {
      g_test_message ("round trip %s", all[i]->name);
      round_trip_one (all[i]);
    }
  round_trip_one (&ntpmon__test__scalars__descriptor);
}

static void
test_names (void)
{
  g_autoptr (ProtobufCMessage) msg = proto_test_fill (&ntpmon__test__scalars__descriptor, 1);
  g_autofree gchar *camel = to_json (msg, NTPMON_PROTO_JSON_NONE);
  g_autofree gchar *orig = to_json (msg, NTPMON_PROTO_JSON_PROTO_NAMES);

  g_assert_nonnull (strstr (camel, "\"snakeCaseName\":"));
  g_assert_nonnull (strstr (camel, "\"manyI64\":"));
  g_assert_null (strstr (camel, "\"snake_case_name\":"));
  g_assert_nonnull (strstr (orig, "\"snake_case_name\":"));
  g_assert_nonnull (strstr (orig, "\"many_i64\":"));

  /* both spellings are accepted on input */
  Ntpmon__Test__Scalars *a = scalars ("{\"snakeCaseName\":\"x\",\"many_i64\":[\"5\"]}");
  Ntpmon__Test__Scalars *b = scalars ("{\"snake_case_name\":\"x\",\"manyI64\":[5]}");
  g_assert_cmpstr (a->snake_case_name, ==, "x");
  g_assert_cmpuint (a->n_many_i64, ==, 1);
  g_assert_cmpint (a->many_i64[0], ==, 5);
  proto_test_assert_same (&a->base, &b->base);
  protobuf_c_message_free_unpacked (&a->base, NULL);
  protobuf_c_message_free_unpacked (&b->base, NULL);

  /* the legacy field "List" keeps its capital: its JSON name is "List" */
  g_autoptr (GError) error = NULL;
  Api__ServerStatusList *list = (Api__ServerStatusList *)from_json (
      &api__server_status_list__descriptor, "{\"List\":[{\"stratum\":2}],\"batchId\":\"QQ==\"}",
      &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->n_list, ==, 1);
  g_assert_cmpint (list->list[0]->stratum, ==, 2);
  g_assert_cmpmem (list->batch_id.data, list->batch_id.len, "A", 1);
  g_autofree gchar *out = to_json (&list->base, NTPMON_PROTO_JSON_NONE);
  g_assert_cmpstr (out, ==, "{\"List\":[{\"stratum\":2}],\"batchId\":\"QQ==\"}");
  protobuf_c_message_free_unpacked (&list->base, NULL);

  /* a differently spelled name is just an unknown field */
  Api__ServerStatusList *lower = (Api__ServerStatusList *)from_json (
      &api__server_status_list__descriptor, "{\"list\":[{\"stratum\":2}]}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lower->n_list, ==, 0);
  protobuf_c_message_free_unpacked (&lower->base, NULL);

  /* the same field twice under its two names */
  assert_rejected (&monitor__v2__get_config_request__descriptor,
                   "{\"monId\":\"a\",\"mon_id\":\"b\"}", "mon_id");
}

static void
test_defaults (void)
{
  Monitor__V2__GetConfigResponse resp = MONITOR__V2__GET_CONFIG_RESPONSE__INIT;
  g_autofree gchar *connect = to_json (&resp.base, NTPMON_PROTO_JSON_NONE);
  g_autofree gchar *twirp
      = to_json (&resp.base, NTPMON_PROTO_JSON_PROTO_NAMES | NTPMON_PROTO_JSON_EMIT_DEFAULTS);

  g_assert_cmpstr (connect, ==, "{}");
  g_assert_cmpstr (twirp, ==,
                   "{\"samples\":0,\"ip_bytes\":\"\",\"ip_nat_bytes\":\"\",\"base_checks\":[],"
                   "\"mqtt_config\":null,\"otlp_log_level\":\"\"}");

  /* explicit nulls mean default values */
  g_autoptr (GError) error = NULL;
  g_autoptr (ProtobufCMessage) msg
      = from_json (&monitor__v2__get_servers_response__descriptor,
                   "{\"batchId\":null,\"config\":null,\"servers\":null}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (protobuf_c_message_get_packed_size (msg), ==, 0);

  /* A present but zero Duration is kept: "offset 0" is not "no offset". */
  Monitor__V2__ServerStatus st = MONITOR__V2__SERVER_STATUS__INIT;
  Google__Protobuf__Duration zero = GOOGLE__PROTOBUF__DURATION__INIT;
  st.offset = &zero;
  g_autofree gchar *json = to_json (&st.base, NTPMON_PROTO_JSON_NONE);
  g_assert_cmpstr (json, ==, "{\"offset\":\"0s\"}");
  g_autoptr (GBytes) packed = proto_test_pack (&st.base);
  g_assert_cmpmem (g_bytes_get_data (packed, NULL), g_bytes_get_size (packed), "\x3a\x00", 2);
  Monitor__V2__ServerStatus *back = (Monitor__V2__ServerStatus *)from_json (
      &monitor__v2__server_status__descriptor, json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back->offset);
  g_assert_null (back->rtt);
  protobuf_c_message_free_unpacked (&back->base, NULL);
}

static void
test_base64 (void)
{
  static const guint8 raw[] = { 0xfb, 0xff, 0xbf, 0xe0 }; /* needs + / and padding */
  g_autofree gchar *std = g_base64_encode (raw, sizeof raw);
  g_autofree gchar *url = g_strdup (std);
  g_strdelimit (url, "+", '-');
  g_strdelimit (url, "/", '_');
  g_assert_true (strchr (std, '+') != NULL && strchr (std, '/') != NULL);
  g_assert_true (g_str_has_suffix (std, "=="));

  const gchar *variants[] = { std, url, NULL, NULL };
  g_autofree gchar *std_raw = g_strndup (std, strcspn (std, "="));
  g_autofree gchar *url_raw = g_strndup (url, strcspn (url, "="));
  variants[2] = std_raw;
  variants[3] = url_raw;

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"data\":\"%s\"}", variants[i]);
      Ntpmon__Test__Scalars *s = scalars (json);
      g_assert_cmpmem (s->data.data, s->data.len, raw, sizeof raw);
      /* output is always standard and padded */
      g_autofree gchar *out = to_json (&s->base, NTPMON_PROTO_JSON_NONE);
      g_autofree gchar *expected = g_strdup_printf ("{\"data\":\"%s\"}", std);
      g_assert_cmpstr (out, ==, expected);
      protobuf_c_message_free_unpacked (&s->base, NULL);
    }

  Ntpmon__Test__Scalars *empty = scalars ("{\"data\":\"\"}");
  g_assert_cmpuint (empty->data.len, ==, 0);
  protobuf_c_message_free_unpacked (&empty->base, NULL);

  const gchar *bad[] = { "!!!!", "A", "QQ=", "QUJD=", "Q=Q=", "+-__", "QQ===", "QQ\\nQQ" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"ipBytes\":\"%s\"}", bad[i]);
      assert_rejected (&monitor__v2__server__descriptor, json, "ip_bytes");
    }
}

static void
test_integers (void)
{
  Ntpmon__Test__Scalars *s = scalars ("{\"i64\":\"-9223372036854775808\","
                                      "\"u64\":\"18446744073709551615\",\"i32\":1e3,"
                                      "\"u32\":\"4294967295\",\"s64\":12345678901,"
                                      "\"sf32\":\"-5\",\"f64\":7.0}");
  g_assert_cmpint (s->i64, ==, G_MININT64);
  g_assert_cmpuint (s->u64, ==, G_MAXUINT64);
  g_assert_cmpint (s->i32, ==, 1000);
  g_assert_cmpuint (s->u32, ==, G_MAXUINT32);
  g_assert_cmpint (s->s64, ==, G_GINT64_CONSTANT (12345678901));
  g_assert_cmpint (s->sf32, ==, -5);
  g_assert_cmpuint (s->f64, ==, 7);

  /* 64-bit integers go out as strings, 32-bit ones as numbers */
  g_autofree gchar *out = to_json (&s->base, NTPMON_PROTO_JSON_NONE);
  g_assert_nonnull (strstr (out, "\"i64\":\"-9223372036854775808\""));
  g_assert_nonnull (strstr (out, "\"u64\":\"18446744073709551615\""));
  g_assert_nonnull (strstr (out, "\"s64\":\"12345678901\""));
  g_assert_nonnull (strstr (out, "\"i32\":1000"));
  g_assert_nonnull (strstr (out, "\"u32\":4294967295"));
  protobuf_c_message_free_unpacked (&s->base, NULL);

  const struct
  {
    const gchar *json, *field;
  } bad[] = {
    { "{\"i32\":2147483648}", "i32" },
    { "{\"i32\":1.5}", "i32" },
    { "{\"i32\":\"abc\"}", "i32" },
    { "{\"i32\":true}", "i32" },
    { "{\"i32\":{}}", "i32" },
    { "{\"u32\":-1}", "u32" },
    { "{\"u64\":\"-1\"}", "u64" },
    { "{\"i64\":\"9223372036854775808\"}", "i64" },
    { "{\"i64\":\" 1\"}", "i64" },
    { "{\"i64\":[1]}", "i64" },
    { "{\"manyI64\":[1,\"x\"]}", "many_i64[1]" },
    { "{\"manyI64\":[null]}", "many_i64[0]" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_rejected (&ntpmon__test__scalars__descriptor, bad[i].json, bad[i].field);
}

static void
test_other_scalars (void)
{
  Ntpmon__Test__Scalars *s
      = scalars ("{\"fl\":\"NaN\",\"db\":\"-Infinity\",\"color\":\"COLOR_RED\","
                 "\"colors\":[2,\"COLOR_RED\"],\"flag\":true,\"choiceNum\":7}");
  g_assert_true (isnan (s->fl));
  g_assert_true (isinf (s->db) && s->db < 0);
  g_assert_cmpint (s->color, ==, NTPMON__TEST__COLOR__COLOR_RED);
  g_assert_cmpuint (s->n_colors, ==, 2);
  g_assert_cmpint (s->colors[0], ==, NTPMON__TEST__COLOR__COLOR_GREEN);
  g_assert_true (s->flag);
  g_assert_cmpint (s->choice_case, ==, NTPMON__TEST__SCALARS__CHOICE_CHOICE_NUM);
  g_assert_cmpint (s->choice_num, ==, 7);
  g_autofree gchar *out = to_json (&s->base, NTPMON_PROTO_JSON_NONE);
  g_assert_cmpstr (out, ==,
                   "{\"fl\":\"NaN\",\"db\":\"-Infinity\",\"flag\":true,\"color\":\"COLOR_RED\","
                   "\"colors\":[\"COLOR_GREEN\",\"COLOR_RED\"],\"choiceNum\":7}");
  protobuf_c_message_free_unpacked (&s->base, NULL);

  const struct
  {
    const gchar *json, *field;
  } bad[] = {
    { "{\"flag\":\"true\"}", "flag" },
    { "{\"flag\":1}", "flag" },
    { "{\"color\":\"COLOR_BLUE\"}", "color" },
    { "{\"color\":1.5}", "color" },
    { "{\"text\":5}", "text" },
    { "{\"text\":[\"a\"]}", "text" },
    { "{\"child\":[]}", "child" },
    { "{\"child\":{\"i32\":\"x\"}}", "child.i32" },
    { "{\"children\":{}}", "children" },
    { "{\"children\":[{\"flag\":0}]}", "children[0].flag" },
    { "{\"choiceText\":\"a\",\"choiceNum\":1}", "oneof" },
    { "{\"fl\":1e300}", "fl" },
    { "{\"db\":\"1x\"}", "db" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_rejected (&ntpmon__test__scalars__descriptor, bad[i].json, bad[i].field);

  /* not an object at all, or not JSON */
  assert_rejected (&ntpmon__test__scalars__descriptor, "[1,2]", NULL);
  assert_rejected (&ntpmon__test__scalars__descriptor, "\"x\"", NULL);
  assert_rejected (&ntpmon__test__scalars__descriptor, "{\"i32\":", "JSON");
  assert_rejected (&ntpmon__test__scalars__descriptor, "", "JSON");
}

static void
test_unknown_fields (void)
{
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetConfigRequest *req = (Monitor__V2__GetConfigRequest *)from_json (
      &monitor__v2__get_config_request__descriptor,
      "{\"foo\":1,\"monId\":\"192.0.2.1\",\"bar\":{\"x\":[1,{\"y\":null}]},\"baz\":\"q\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (req->mon_id, ==, "192.0.2.1");
  protobuf_c_message_free_unpacked (&req->base, NULL);
}

/* "{"x": [[[…]]], "monId": "[[[{"}" with @depth levels of nesting. */
static gchar *
nested (gsize depth)
{
  GString *s = g_string_new ("{\"x\":");
  for (gsize i = 1; i < depth; i++)
    g_string_append_c (s, '[');
  for (gsize i = 1; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append (s, ",\"monId\":\"[[[{\\\"\"}");
  return g_string_free (s, FALSE);
}

static void
test_deep_nesting (void)
{
  g_autoptr (GError) error = NULL;

  /* an unknown field nested as deep as allowed is skipped */
  g_autofree gchar *ok = nested (NTPMON_PROTO_JSON_MAX_DEPTH);
  Monitor__V2__GetConfigRequest *req = (Monitor__V2__GetConfigRequest *)from_json (
      &monitor__v2__get_config_request__descriptor, ok, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (req->mon_id, ==, "[[[{\"");
  protobuf_c_message_free_unpacked (&req->base, NULL);

  /* deeper, up to what a 1 MiB body holds, is refused without recursing */
  g_autofree gchar *deeper = nested (NTPMON_PROTO_JSON_MAX_DEPTH + 1);
  assert_rejected (&monitor__v2__get_config_request__descriptor, deeper, "nested");
  g_autofree gchar *bomb = nested (512 * 1024);
  assert_rejected (&monitor__v2__get_config_request__descriptor, bomb, "nested");
}

/* Timestamp ("ts") or Duration ("rtt") text -> (seconds, nanos) -> canonical
 * text. */
static void
check_well_known (const gchar *field, const gchar *in, gint64 seconds, gint32 nanos,
                  const gchar *canonical)
{
  g_autofree gchar *json = g_strdup_printf ("{\"%s\":\"%s\"}", field, in);
  g_autoptr (GError) error = NULL;
  Monitor__V2__ServerStatus *st = (Monitor__V2__ServerStatus *)from_json (
      &monitor__v2__server_status__descriptor, json, &error);
  gboolean is_ts = g_str_equal (field, "ts");

  g_assert_no_error (error);
  g_assert_nonnull (is_ts ? (gpointer)st->ts : (gpointer)st->rtt);
  g_assert_cmpint (is_ts ? st->ts->seconds : st->rtt->seconds, ==, seconds);
  g_assert_cmpint (is_ts ? st->ts->nanos : st->rtt->nanos, ==, nanos);
  g_autofree gchar *out = to_json (&st->base, NTPMON_PROTO_JSON_NONE);
  g_autofree gchar *expected = g_strdup_printf ("{\"%s\":\"%s\"}", field, canonical);
  g_assert_cmpstr (out, ==, expected);
  protobuf_c_message_free_unpacked (&st->base, NULL);
}

#define check_timestamp(...) check_well_known ("ts", __VA_ARGS__)
#define check_duration(...)  check_well_known ("rtt", __VA_ARGS__)

static void
test_timestamp (void)
{
  check_timestamp ("1970-01-01T00:00:00Z", 0, 0, "1970-01-01T00:00:00Z");
  check_timestamp ("1972-01-01T10:00:20.021Z", 63108020, 21000000, "1972-01-01T10:00:20.021Z");
  check_timestamp ("2024-02-29T23:59:59.123456789Z", 1709251199, 123456789,
                   "2024-02-29T23:59:59.123456789Z");
  check_timestamp ("2024-02-29T23:59:59.000001Z", 1709251199, 1000, "2024-02-29T23:59:59.000001Z");
  check_timestamp ("2024-02-29T23:59:59.1234567Z", 1709251199, 123456700,
                   "2024-02-29T23:59:59.123456700Z");
  check_timestamp ("2024-03-01T01:30:00+01:30", 1709251200, 0, "2024-03-01T00:00:00Z");
  check_timestamp ("2024-02-29T22:00:00-02:00", 1709251200, 0, "2024-03-01T00:00:00Z");
  check_timestamp ("1969-12-31T23:59:59.5Z", -1, 500000000, "1969-12-31T23:59:59.500Z");
  check_timestamp ("0001-01-01T00:00:00Z", G_GINT64_CONSTANT (-62135596800), 0,
                   "0001-01-01T00:00:00Z");
  check_timestamp ("9999-12-31T23:59:59.999999999Z", G_GINT64_CONSTANT (253402300799), 999999999,
                   "9999-12-31T23:59:59.999999999Z");

  const gchar *bad[] = {
    "2024-02-30T00:00:00Z",     "2023-02-29T00:00:00Z",
    "2024-01-01 00:00:00Z",     "2024-01-01T00:00:00",
    "2024-01-01T24:00:00Z",     "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00.Z",    "2024-01-01T00:00:00.1234567890Z",
    "2024-1-01T00:00:00Z",      "0001-01-01T00:00:00+01:00",
    "2024-01-01T00:00:00Zjunk", "",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"ts\":\"%s\"}", bad[i]);
      assert_rejected (&monitor__v2__server_status__descriptor, json, "ts");
    }
  assert_rejected (&monitor__v2__server_status__descriptor, "{\"ts\":1700000000}", "ts");
  assert_rejected (&monitor__v2__server_status__descriptor, "{\"ts\":{\"seconds\":1}}", "ts");

  /* a Timestamp we hold that has no RFC 3339 form cannot be written */
  Monitor__V2__ServerStatus st = MONITOR__V2__SERVER_STATUS__INIT;
  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  ts.nanos = -1;
  st.ts = &ts;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out
      = ntpmon_proto_json_to_data (&st.base, NTPMON_PROTO_JSON_NONE, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL);
}

static void
test_duration (void)
{
  check_duration ("1.000340s", 1, 340000, "1.000340s");
  check_duration ("0s", 0, 0, "0s");
  check_duration ("-1.5s", -1, -500000000, "-1.500s");
  check_duration ("-0.5s", 0, -500000000, "-0.500s");
  check_duration ("0.000000001s", 0, 1, "0.000000001s");
  check_duration ("3s", 3, 0, "3s");
  check_duration ("315576000000.999999999s", G_GINT64_CONSTANT (315576000000), 999999999,
                  "315576000000.999999999s");
  check_duration ("-315576000000s", G_GINT64_CONSTANT (-315576000000), 0, "-315576000000s");

  const gchar *bad[] = {
    "1.5", "1.0000000001s", "abc", "315576000001s", "1000000000000000s", "-s", ".5s", "1.s", "+1s",
    "1s ", "1e3s",          ""
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *json = g_strdup_printf ("{\"rtt\":\"%s\"}", bad[i]);
      assert_rejected (&monitor__v2__server_status__descriptor, json, "rtt");
    }

  /* seconds and nanos with opposite signs have no text form */
  Monitor__V2__ServerStatus st = MONITOR__V2__SERVER_STATUS__INIT;
  Google__Protobuf__Duration d = GOOGLE__PROTOBUF__DURATION__INIT;
  d.seconds = 1;
  d.nanos = -1;
  st.rtt = &d;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out
      = ntpmon_proto_json_to_data (&st.base, NTPMON_PROTO_JSON_NONE, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL);
}

static void
test_wkt_helpers (void)
{
  const struct
  {
    gint64 ns, seconds;
    gint32 nanos;
  } durations[] = {
    { 0, 0, 0 },
    { 1500000000, 1, 500000000 },
    { -1500000000, -1, -500000000 },
    { -500000000, 0, -500000000 },
    { 10000000, 0, 10000000 },
    { G_MAXINT64, G_MAXINT64 / 1000000000, (gint32)(G_MAXINT64 % 1000000000) },
    { G_MININT64, G_MININT64 / 1000000000, (gint32)(G_MININT64 % 1000000000) },
  };
  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      Google__Protobuf__Duration *d = ntpmon_proto_duration_new (durations[i].ns);
      g_assert_cmpint (d->seconds, ==, durations[i].seconds);
      g_assert_cmpint (d->nanos, ==, durations[i].nanos);
      g_assert_cmpint (ntpmon_proto_duration_get_ns (d), ==, durations[i].ns);
      protobuf_c_message_free_unpacked (&d->base, NULL);
    }
  Google__Protobuf__Duration big = GOOGLE__PROTOBUF__DURATION__INIT;
  big.seconds = G_GINT64_CONSTANT (315576000000);
  g_assert_cmpint (ntpmon_proto_duration_get_ns (&big), ==, G_MAXINT64);
  big.seconds = -big.seconds;
  g_assert_cmpint (ntpmon_proto_duration_get_ns (&big), ==, G_MININT64);

  /* a timestamp before 1970 keeps its nanos positive */
  Google__Protobuf__Timestamp *t = ntpmon_proto_timestamp_new (-1500000);
  g_assert_cmpint (t->seconds, ==, -2);
  g_assert_cmpint (t->nanos, ==, 500000000);
  protobuf_c_message_free_unpacked (&t->base, NULL);
  t = ntpmon_proto_timestamp_new (G_GINT64_CONSTANT (1700000000123456));
  g_assert_cmpint (t->seconds, ==, 1700000000);
  g_assert_cmpint (t->nanos, ==, 123456000);
  g_autoptr (GDateTime) dt = ntpmon_proto_timestamp_to_datetime (t);
  g_assert_cmpint (g_date_time_to_unix (dt), ==, 1700000000);
  g_assert_cmpint (g_date_time_get_microsecond (dt), ==, 123456);
  protobuf_c_message_free_unpacked (&t->base, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/json/round-trip/all-messages", test_round_trip_all);
  g_test_add_func ("/proto/json/names", test_names);
  g_test_add_func ("/proto/json/defaults", test_defaults);
  g_test_add_func ("/proto/json/base64", test_base64);
  g_test_add_func ("/proto/json/integers", test_integers);
  g_test_add_func ("/proto/json/other-scalars", test_other_scalars);
  g_test_add_func ("/proto/json/unknown-fields", test_unknown_fields);
  g_test_add_func ("/proto/json/deep-nesting", test_deep_nesting);
  g_test_add_func ("/proto/json/timestamp", test_timestamp);
  g_test_add_func ("/proto/json/duration", test_duration);
  g_test_add_func ("/proto/wkt/helpers", test_wkt_helpers);

  return g_test_run ();
}
