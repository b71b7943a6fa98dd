/* test-rpc-status.c: NtpmonNtpResult -> ServerStatus, checked on the wire
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"
#include "ntpmon-rpc-status.h"

typedef struct
{
  const gchar *name;
  const gchar *ip;
  const gchar *ticket; /* base64 */
  gint64 ts_ns;
  gboolean has_offset;
  gint64 offset_ns;
  gboolean has_rtt;
  gint64 rtt_ns;
  gint stratum;
  gint leap;
  gboolean no_response;
  const gchar *error;
  /* expected */
  const gchar *ip_hex;
  const gchar *ticket_hex;
  gint64 ts_seconds;
  gint32 ts_nanos;
  gint64 offset_seconds;
  gint32 offset_nanos;
  gint64 rtt_seconds;
  gint32 rtt_nanos;
} Vector;

static const Vector vectors[] = {
  { "negative-offset",
    "192.0.2.1",
    "AAEC/w==",
    G_GINT64_CONSTANT (1700000000123456789),
    TRUE,
    G_GINT64_CONSTANT (-1500000000),
    TRUE,
    12345678,
    2,
    0,
    FALSE,
    NULL,
    "c0000201",
    "000102ff",
    1700000000,
    123456789,
    -1,
    -500000000,
    0,
    12345678 },
  { "small-negative-offset",
    "192.0.2.1",
    "AAEC/w",
    G_GINT64_CONSTANT (1700000000000000001),
    TRUE,
    -1,
    TRUE,
    1,
    1,
    0,
    FALSE,
    NULL,
    "c0000201",
    "000102ff",
    1700000000,
    1,
    0,
    -1,
    0,
    1 },
  { "large-offset",
    "2001:db8::1",
    "VDE=",
    G_GINT64_CONSTANT (1700000001999999999),
    TRUE,
    G_GINT64_CONSTANT (3000000000),
    TRUE,
    G_GINT64_CONSTANT (1000000000),
    3,
    3,
    FALSE,
    NULL,
    "20010db8000000000000000000000001",
    "5431",
    1700000001,
    999999999,
    3,
    0,
    1,
    0 },
  { "zero-offset",
    "198.51.100.9",
    NULL,
    G_GINT64_CONSTANT (1700000000000000000),
    TRUE,
    0,
    TRUE,
    0,
    1,
    0,
    FALSE,
    NULL,
    "c6336409",
    "",
    1700000000,
    0,
    0,
    0,
    0,
    0 },
  /* RATE: reply accepted, offset removed */
  { "rate",     "192.0.2.1", "VDE=",     G_GINT64_CONSTANT (1700000000500000000),
    FALSE,      0,           TRUE,       20000000,
    0,          0,           FALSE,      "RATE",
    "c0000201", "5431",      1700000000, 500000000,
    0,          0,           0,          20000000 },
  /* no reply at all */
  { "timeout",
    "::ffff:192.0.2.1",
    "VDE=",
    G_GINT64_CONSTANT (1700000000000000999),
    FALSE,
    0,
    FALSE,
    0,
    0,
    0,
    TRUE,
    "network: i/o timeout",
    "00000000000000000000ffffc0000201",
    "5431",
    1700000000,
    999,
    0,
    0,
    0,
    0 },
  /* before the epoch: nanos stay non-negative */
  { "pre-epoch", "192.0.2.1", NULL,       -1, FALSE, 0,         FALSE, 0, 0, 0,
    TRUE,        "x",         "c0000201", "", -1,    999999999, 0,     0, 0, 0 },
};

static gchar *
hex (const guint8 *data, gsize len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

static NtpmonNtpResult *
result_from_vector (const Vector *v)
{
  NtpmonNtpResult *r = ntpmon_ntp_result_new ();

  r->ip = g_inet_address_new_from_string (v->ip);
  g_assert_nonnull (r->ip);
  r->ticket = g_strdup (v->ticket);
  r->ts_ns = v->ts_ns;
  r->has_offset = v->has_offset;
  r->offset_ns = v->offset_ns;
  r->has_rtt = v->has_rtt;
  r->rtt_ns = v->rtt_ns;
  r->stratum = v->stratum;
  r->leap = v->leap;
  r->no_response = v->no_response;
  ntpmon_ntp_result_set_error (r, v->error);
  return r;
}

static void
test_vector (gconstpointer data)
{
  const Vector *v = data;
  g_autoptr (NtpmonNtpResult) result = result_from_vector (v);
  g_autoptr (GError) error = NULL;
  g_autoptr (ProtobufCMessage) built = NULL;
  g_autoptr (ProtobufCMessage) decoded = NULL;
  g_autoptr (GBytes) wire = NULL;
  const Monitor__V2__ServerStatus *s;
  g_autofree gchar *ip_hex = NULL;
  g_autofree gchar *ticket_hex = NULL;

  built = (ProtobufCMessage *)ntpmon_rpc_status_from_ntp_result (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (built);

  /* through the wire and back, as the server sees it */
  wire = ntpmon_rpc_message_encode (NTPMON_RPC_CODEC_PROTO, built, 0, &error);
  g_assert_no_error (error);
  decoded = ntpmon_rpc_message_decode (NTPMON_RPC_CODEC_PROTO, wire,
                                       &monitor__v2__server_status__descriptor, &error);
  g_assert_no_error (error);
  s = (const Monitor__V2__ServerStatus *)decoded;

  ip_hex = hex (s->ip_bytes.data, s->ip_bytes.len);
  g_assert_cmpstr (ip_hex, ==, v->ip_hex);
  ticket_hex = hex (s->ticket.data, s->ticket.len);
  g_assert_cmpstr (ticket_hex, ==, v->ticket_hex);
  g_assert_cmpuint (s->test_id.len, ==, 0);
  g_assert_nonnull (s->ts);
  g_assert_cmpint (s->ts->seconds, ==, v->ts_seconds);
  g_assert_cmpint (s->ts->nanos, ==, v->ts_nanos);
  if (v->has_offset)
    {
      g_assert_nonnull (s->offset);
      g_assert_cmpint (s->offset->seconds, ==, v->offset_seconds);
      g_assert_cmpint (s->offset->nanos, ==, v->offset_nanos);
    }
  else
    g_assert_null (s->offset);
  if (v->has_rtt)
    {
      g_assert_nonnull (s->rtt);
      g_assert_cmpint (s->rtt->seconds, ==, v->rtt_seconds);
      g_assert_cmpint (s->rtt->nanos, ==, v->rtt_nanos);
    }
  else
    g_assert_null (s->rtt);
  g_assert_cmpint (s->stratum, ==, v->stratum);
  g_assert_cmpint (s->leap, ==, v->leap);
  g_assert_cmpint (s->no_response, ==, v->no_response);
  g_assert_cmpstr (s->error, ==, v->error != NULL ? v->error : "");
}

/* A present zero offset is field 7 with length 0 on the wire. */
static void
test_zero_offset_bytes (void)
{
  g_autoptr (NtpmonNtpResult) result = result_from_vector (&vectors[3]);
  g_autoptr (GError) error = NULL;
  g_autoptr (ProtobufCMessage) built = NULL;
  g_autoptr (GBytes) wire = NULL;
  const guint8 *data;
  gsize len;
  gboolean found = FALSE;

  built = (ProtobufCMessage *)ntpmon_rpc_status_from_ntp_result (result, &error);
  g_assert_no_error (error);
  wire = ntpmon_rpc_message_encode (NTPMON_RPC_CODEC_PROTO, built, 0, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (wire, &len);
  for (gsize i = 0; i + 1 < len; i++)
    if (data[i] == 0x3a && data[i + 1] == 0x00)
      found = TRUE;
  g_assert_true (found);
}

static void
test_invalid (void)
{
  g_autoptr (NtpmonNtpResult) result = result_from_vector (&vectors[0]);
  g_autoptr (NtpmonNtpResult) no_ip = ntpmon_ntp_result_new ();
  g_autoptr (GError) error = NULL;

  g_free (result->ticket);
  result->ticket = g_strdup ("not base64!");
  g_assert_null (ntpmon_rpc_status_from_ntp_result (result, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (ntpmon_rpc_status_from_ntp_result (no_ip, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree gchar *path = g_strconcat ("/rpc-status/vector/", vectors[i].name, NULL);
      g_test_add_data_func (path, &vectors[i], test_vector);
    }
  g_test_add_func ("/rpc-status/zero-offset-on-wire", test_zero_offset_bytes);
  g_test_add_func ("/rpc-status/invalid", test_invalid);
  return g_test_run ();
}
