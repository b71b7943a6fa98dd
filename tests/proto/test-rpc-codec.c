/* test-rpc-codec.c: bodies, gzip, size limits and hostile input
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"
#include "proto-test-util.h"

/* gzip written by zlib directly, independent of the code under test. */
static GBytes *
zlib_gzip (const guint8 *data, gsize len)
{
  z_stream zs = { 0 };
  gsize cap = len + len / 100 + 1024;
  guint8 *out = g_malloc (cap);

  g_assert_cmpint (deflateInit2 (&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), ==,
                   Z_OK);
  zs.next_in = (Bytef *)data;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  g_assert_cmpint (deflate (&zs, Z_FINISH), ==, Z_STREAM_END);
  gsize n = zs.total_out;
  deflateEnd (&zs);
  return g_bytes_new_take (out, n);
}

static GBytes *
zlib_gunzip (GBytes *gz)
{
  z_stream zs = { 0 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 buf[4096];
  gsize len;
  const guint8 *data = g_bytes_get_data (gz, &len);
  int ret;

  g_assert_cmpint (inflateInit2 (&zs, 16 + MAX_WBITS), ==, Z_OK);
  zs.next_in = (Bytef *)data;
  zs.avail_in = (uInt)len;
  do
    {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      ret = inflate (&zs, Z_NO_FLUSH);
      g_assert_true (ret == Z_OK || ret == Z_STREAM_END);
      g_byte_array_append (out, buf, sizeof buf - zs.avail_out);
    }
  while (ret != Z_STREAM_END);
  inflateEnd (&zs);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
test_gzip (void)
{
  g_autoptr (ProtobufCMessage) msg
      = proto_test_fill (&monitor__v2__submit_results_request__descriptor, 3);
  g_autoptr (GBytes) plain = proto_test_pack (msg);
  g_autoptr (GBytes) gz = zlib_gzip (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
  g_autoptr (GError) error = NULL;

  /* in: a body compressed by zlib decodes to the same message */
  g_autoptr (ProtobufCMessage) back = ntpmon_rpc_body_decode (
      NTPMON_RPC_CODEC_PROTO, "gzip", gz, &monitor__v2__submit_results_request__descriptor,
      NTPMON_RPC_DEFAULT_BODY_LIMIT, &error);
  g_assert_no_error (error);
  proto_test_assert_same (msg, back);

  /* "GZIP" and identity spellings */
  g_autoptr (GBytes) same = ntpmon_rpc_body_decompress (gz, "GZIP", 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (same, plain));
  g_autoptr (GBytes) ident = ntpmon_rpc_body_decompress (plain, "identity", 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (ident, plain));

  /* two gzip members in a row are one body */
  g_autoptr (GByteArray) two = g_byte_array_new ();
  g_byte_array_append (two, g_bytes_get_data (gz, NULL), (guint)g_bytes_get_size (gz));
  g_byte_array_append (two, g_bytes_get_data (gz, NULL), (guint)g_bytes_get_size (gz));
  g_autoptr (GBytes) two_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&two));
  g_autoptr (GBytes) doubled = ntpmon_rpc_body_decompress (two_bytes, "gzip", 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (doubled), ==, 2 * g_bytes_get_size (plain));

  /* out: what we compress, zlib inflates back */
  g_autoptr (GBytes) ours = ntpmon_rpc_body_gzip (plain);
  g_autoptr (GBytes) inflated = zlib_gunzip (ours);
  g_assert_true (g_bytes_equal (inflated, plain));

  /* an unsupported encoding */
  g_autoptr (GBytes) br = ntpmon_rpc_body_decompress (plain, "br", 1 << 20, &error);
  g_assert_null (br);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED);
}

static void
test_broken_gzip (void)
{
  static const guint8 text[] = "some text that is long enough to be compressed somewhat";
  g_autoptr (GBytes) gz = zlib_gzip (text, sizeof text);
  gsize len;
  const guint8 *data = g_bytes_get_data (gz, &len);

  /* every truncation (but to nothing: an empty body is an empty message,
   * as connect-go has it), and a flipped byte in each position */
  {
    g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) out = ntpmon_rpc_body_decompress (empty, "gzip", 1 << 20, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (out), ==, 0);
  }
  for (gsize cut = 1; cut < len; cut++)
    {
      g_autoptr (GBytes) part = g_bytes_new (data, cut);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) out = ntpmon_rpc_body_decompress (part, "gzip", 1 << 20, &error);
      g_assert_null (out);
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
    }
  /* header bytes 4-9 (time, flags, OS) are informational: start at 10 */
  for (gsize pos = 10; pos < len; pos++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      copy[pos] ^= 0x55;
      g_autoptr (GBytes) bad = g_bytes_new (copy, len);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) out = ntpmon_rpc_body_decompress (bad, "gzip", 1 << 20, &error);
      /* the deflate data may still decode; the CRC and length catch that */
      g_assert_null (out);
      g_assert_nonnull (error);
    }

  /* trailing garbage after the stream */
  g_autoptr (GByteArray) trailing = g_byte_array_new ();
  g_byte_array_append (trailing, data, (guint)len);
  g_byte_array_append (trailing, (const guint8 *)"junk", 4);
  g_autoptr (GBytes) tb = g_byte_array_free_to_bytes (g_steal_pointer (&trailing));
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = ntpmon_rpc_body_decompress (tb, "gzip", 1 << 20, &error);
  g_assert_null (out);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
}

static void
test_limits (void)
{
  const gsize limit = 64 * 1024;
  g_autofree guint8 *zeros = g_malloc0 (limit + 1);
  g_autoptr (GError) error = NULL;

  /* exactly at the limit is fine, one byte more is not */
  g_autoptr (GBytes) at = g_bytes_new (zeros, limit);
  g_autoptr (GBytes) ok = ntpmon_rpc_body_decompress (at, NULL, limit, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
  g_autoptr (GBytes) over = g_bytes_new (zeros, limit + 1);
  g_autoptr (GBytes) rejected = ntpmon_rpc_body_decompress (over, NULL, limit, &error);
  g_assert_null (rejected);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED);
  g_clear_error (&error);

  /* the same after decompression */
  g_autoptr (GBytes) gz_at = zlib_gzip (zeros, limit);
  g_autoptr (GBytes) ok_gz = ntpmon_rpc_body_decompress (gz_at, "gzip", limit, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (ok_gz), ==, limit);
  g_autoptr (GBytes) gz_over = zlib_gzip (zeros, limit + 1);
  g_assert_cmpuint (g_bytes_get_size (gz_over), <, limit);
  g_autoptr (GBytes) rejected_gz = ntpmon_rpc_body_decompress (gz_over, "gzip", limit, &error);
  g_assert_null (rejected_gz);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED);
  g_clear_error (&error);

  /* a gzip bomb: 64 MiB of zeros in ~64 KiB, against the default 1 MiB
   * limit; decoding stops at the limit */
  gsize bomb_size = 64 * 1024 * 1024;
  g_autofree guint8 *big = g_malloc0 (bomb_size);
  g_autoptr (GBytes) bomb = zlib_gzip (big, bomb_size);
  g_clear_pointer (&big, g_free);
  g_assert_cmpuint (g_bytes_get_size (bomb), <, NTPMON_RPC_DEFAULT_BODY_LIMIT);
  g_autoptr (ProtobufCMessage) msg = ntpmon_rpc_body_decode (
      NTPMON_RPC_CODEC_PROTO, "gzip", bomb, &monitor__v2__get_config_request__descriptor,
      NTPMON_RPC_DEFAULT_BODY_LIMIT, &error);
  g_assert_null (msg);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED);
}

/* Decoding @data must either succeed or fail with invalid_argument. */
static gboolean
decode_survives_as (NtpmonRpcCodec codec, const ProtobufCMessageDescriptor *desc,
                    const guint8 *data, gsize len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (ProtobufCMessage) msg = ntpmon_rpc_message_decode (codec, bytes, desc, &error);

  if (msg == NULL)
    g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  return msg != NULL;
}

static gboolean
decode_survives (const ProtobufCMessageDescriptor *desc, const guint8 *data, gsize len)
{
  return decode_survives_as (NTPMON_RPC_CODEC_PROTO, desc, data, len);
}

static void
test_garbage_json (void)
{
  const ProtobufCMessageDescriptor *const *all = proto_test_all_descriptors ();
  static const gchar replacements[] = "{}[]\",:0-e.9tfn\\ x";
  GRand *rand = g_rand_new_with_seed (777);
  guint rejected = 0;

  for (guint d = 0; all[d] != NULL; d++)
    {
      g_autoptr (ProtobufCMessage) msg = proto_test_fill (all[d], d);
      g_autoptr (GBytes) json
          = ntpmon_rpc_message_encode (NTPMON_RPC_CODEC_JSON, msg, NTPMON_PROTO_JSON_NONE, NULL);
      gsize len;
      const guint8 *data = g_bytes_get_data (json, &len);

      for (gsize cut = 0; cut < len; cut++)
        rejected += !decode_survives_as (NTPMON_RPC_CODEC_JSON, all[d], data, cut);
      for (guint round = 0; round < 300; round++)
        {
          g_autofree guint8 *copy = g_memdup2 (data, len);
          for (guint k = 0; k < 3; k++)
            copy[g_rand_int_range (rand, 0, (gint32)len)]
                = (guint8)replacements[g_rand_int_range (rand, 0, sizeof replacements - 1)];
          rejected += !decode_survives_as (NTPMON_RPC_CODEC_JSON, all[d], copy, len);
        }
    }
  g_rand_free (rand);
  g_test_message ("%u hostile JSON inputs rejected", rejected);
  g_assert_cmpuint (rejected, >, 1000);
}

/* A JSON escape of a lone surrogate spells no valid UTF-8: refused like
 * invalid UTF-8 in binary strings. */
static void
test_json_lone_surrogate (void)
{
  static const gchar *const bodies[] = { "{\"monId\":\"\\ud800x\"}", "{\"monId\":\"a\\udc00\"}" };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (GBytes) body = g_bytes_new_static (bodies[i], strlen (bodies[i]));
      g_autoptr (GError) error = NULL;
      g_autoptr (ProtobufCMessage) msg = ntpmon_rpc_message_decode (
          NTPMON_RPC_CODEC_JSON, body, &monitor__v2__get_config_request__descriptor, &error);

      g_test_message ("%s", bodies[i]);
      g_assert_null (msg);
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_garbage (void)
{
  const ProtobufCMessageDescriptor *const *all = proto_test_all_descriptors ();
  GRand *rand = g_rand_new_with_seed (4242);
  guint rejected = 0;

  for (guint d = 0; all[d] != NULL; d++)
    {
      g_autoptr (ProtobufCMessage) msg = proto_test_fill (all[d], d);
      g_autoptr (GBytes) packed = proto_test_pack (msg);
      gsize len;
      const guint8 *data = g_bytes_get_data (packed, &len);

      /* every truncation */
      for (gsize cut = 0; cut < len; cut++)
        rejected += !decode_survives (all[d], data, cut);

      /* random bytes and random corruptions */
      for (guint round = 0; round < 200; round++)
        {
          guint8 junk[64];
          gsize n = g_rand_int_range (rand, 1, sizeof junk);
          for (gsize i = 0; i < n; i++)
            junk[i] = (guint8)g_rand_int (rand);
          rejected += !decode_survives (all[d], junk, n);

          g_autofree guint8 *copy = g_memdup2 (data, len);
          if (len > 0)
            copy[g_rand_int_range (rand, 0, (gint32)len)] = (guint8)g_rand_int (rand);
          rejected += !decode_survives (all[d], copy, len);
        }
    }
  g_rand_free (rand);
  g_test_message ("%u hostile inputs rejected", rejected);
  g_assert_cmpuint (rejected, >, 1000);

  /* specific shapes */
  static const guint8 huge_len[] = { 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 'x' };
  g_assert_false (decode_survives (&monitor__v2__server__descriptor, huge_len, sizeof huge_len));
  static const guint8 bad_varint[]
      = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  g_assert_false (
      decode_survives (&monitor__v2__server__descriptor, bad_varint, sizeof bad_varint));
  /* a string that is not UTF-8 */
  static const guint8 latin1[] = { 0x0a, 0x02, 0xe4, 0x41 };
  g_assert_false (
      decode_survives (&monitor__v2__get_config_request__descriptor, latin1, sizeof latin1));
  /* unknown fields are skipped */
  static const guint8 unknown[] = { 0x0a, 0x01, 'a', 0xf8, 0x01, 0x05, 0x7a, 0x00 };
  g_assert_true (
      decode_survives (&monitor__v2__get_config_request__descriptor, unknown, sizeof unknown));
  /* an empty body is the empty message */
  g_assert_true (decode_survives (&monitor__v2__get_config_request__descriptor, NULL, 0));
}

static void
test_headers (void)
{
  g_assert_true (ntpmon_rpc_media_type_is ("application/json", "application/json"));
  g_assert_true (
      ntpmon_rpc_media_type_is (" Application/JSON ; charset=utf-8", "application/json"));
  g_assert_false (ntpmon_rpc_media_type_is ("application/jsonx", "application/json"));
  g_assert_false (ntpmon_rpc_media_type_is (NULL, "application/json"));

  g_assert_true (ntpmon_rpc_accepts_gzip ("gzip"));
  g_assert_true (ntpmon_rpc_accepts_gzip ("br, GZIP;q=0.5, identity"));
  g_assert_false (ntpmon_rpc_accepts_gzip ("gzip;q=0"));
  g_assert_false (ntpmon_rpc_accepts_gzip ("identity"));
  g_assert_false (ntpmon_rpc_accepts_gzip ("xgzip"));
  g_assert_false (ntpmon_rpc_accepts_gzip (NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/codec/gzip", test_gzip);
  g_test_add_func ("/proto/codec/broken-gzip", test_broken_gzip);
  g_test_add_func ("/proto/codec/limits", test_limits);
  g_test_add_func ("/proto/codec/garbage", test_garbage);
  g_test_add_func ("/proto/codec/garbage-json", test_garbage_json);
  g_test_add_func ("/proto/codec/json-lone-surrogate", test_json_lone_surrogate);
  g_test_add_func ("/proto/codec/headers", test_headers);

  return g_test_run ();
}
