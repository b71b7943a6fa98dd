/* test-ip.c: IP addresses in RPC bytes fields and as canonical text
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-ip.h"
#include "ntpmon-rpc-error.h"

static void
test_bytes (void)
{
  g_autoptr (GError) error = NULL;
  guint8 buf[16];

  g_autoptr (GInetAddress) v4 = ntpmon_ip_parse ("192.0.2.1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_ip_to_bytes (v4, buf), ==, 4);
  g_assert_cmpmem (buf, 4, "\xc0\x00\x02\x01", 4);

  g_autoptr (GInetAddress) v6 = ntpmon_ip_parse ("2001:db8::1", &error);
  g_assert_no_error (error);
  g_autoptr (GBytes) b6 = ntpmon_ip_to_gbytes (v6);
  g_assert_cmpmem (g_bytes_get_data (b6, NULL), g_bytes_get_size (b6),
                   "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);

  /* IPv4-mapped text stays 16 bytes */
  g_autoptr (GInetAddress) mapped = ntpmon_ip_parse ("::ffff:192.0.2.1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_ip_to_bytes (mapped, buf), ==, 16);

  /* strict decoding: 4 or 16 bytes, nothing else */
  g_autoptr (GInetAddress) d4 = ntpmon_ip_from_bytes (buf + 12, 4, &error);
  g_assert_no_error (error);
  g_autofree gchar *t4 = ntpmon_ip_to_string (d4);
  g_assert_cmpstr (t4, ==, "192.0.2.1");
  g_autoptr (GInetAddress) d16 = ntpmon_ip_from_bytes (buf, 16, &error);
  g_assert_no_error (error);
  g_assert_true (g_inet_address_equal (d16, mapped));
  const gsize bad_lengths[] = { 0, 1, 3, 5, 15, 17, 32 };
  guint8 big[32] = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS (bad_lengths); i++)
    {
      g_clear_error (&error);
      g_assert_null (ntpmon_ip_from_bytes (big, bad_lengths[i], &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
    }

  /* the reference's lenient decoding */
  g_autoptr (GInetAddress) empty = ntpmon_ip_from_bytes_lenient (NULL, 0);
  g_autofree gchar *te = ntpmon_ip_to_string (empty);
  g_assert_cmpstr (te, ==, "::");
  g_autoptr (GInetAddress) short5
      = ntpmon_ip_from_bytes_lenient ((const guint8 *)"\x20\x01\x0d\xb8\x01", 5);
  g_autofree gchar *ts = ntpmon_ip_to_string (short5);
  g_assert_cmpstr (ts, ==, "2001:db8:100::");
  big[0] = 0xfe;
  big[1] = 0x80;
  big[20] = 0xff;
  g_autoptr (GInetAddress) long32 = ntpmon_ip_from_bytes_lenient (big, 32);
  g_autofree gchar *tl = ntpmon_ip_to_string (long32);
  g_assert_cmpstr (tl, ==, "fe80::");
  g_autoptr (GInetAddress) l4 = ntpmon_ip_from_bytes_lenient ((const guint8 *)"\x0a\0\0\x01", 4);
  g_assert_cmpint (g_inet_address_get_family (l4), ==, G_SOCKET_FAMILY_IPV4);

  g_clear_error (&error);
  g_assert_null (ntpmon_ip_parse ("192.0.2.256", &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ntpmon_ip_parse ("host.example", &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
}

/* The lenient decoding as bytes: 4 stay IPv4, anything else is the first
 * 16 bytes, zero-padded. */
static void
test_bytes_lenient (void)
{
  static const guint8 big[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9, [16] = 0xff };
  guint8 out[16];
  g_autofree gchar *empty = NULL;
  g_autofree gchar *short5 = NULL;
  g_autofree gchar *long32 = NULL;

  g_assert_cmpuint (ntpmon_ip_bytes_lenient (NULL, 0, out), ==, 16);
  empty = ntpmon_ip_bytes_to_string (out, 16);
  g_assert_cmpstr (empty, ==, "::");
  g_assert_cmpuint (ntpmon_ip_bytes_lenient (big, 5, out), ==, 16);
  short5 = ntpmon_ip_bytes_to_string (out, 16);
  g_assert_cmpstr (short5, ==, "2001:db8::");
  g_assert_cmpuint (ntpmon_ip_bytes_lenient (big, 32, out), ==, 16);
  long32 = ntpmon_ip_bytes_to_string (out, 16);
  g_assert_cmpstr (long32, ==, "2001:db8::9");
  g_assert_cmpuint (ntpmon_ip_bytes_lenient ((const guint8 *)"\x0a\0\0\x01", 4, out), ==, 4);
  g_assert_cmpmem (out, 4, "\x0a\0\0\x01", 4);
}

static void
test_text (void)
{
  /* input -> canonical RFC 5952 / Go netip text */
  const gchar *cases[][2] = {
    { "192.0.2.1", "192.0.2.1" },
    { "0.0.0.0", "0.0.0.0" },
    { "255.255.255.255", "255.255.255.255" },
    { "1.20.100.9", "1.20.100.9" },
    { "::ffff:10.200.3.45", "::ffff:10.200.3.45" },
    { "::", "::" },
    { "::1", "::1" },
    { "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
    { "2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1" },   /* a single 0 group stays */
    { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" }, /* first of equal runs */
    { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },       /* longest run wins */
    { "2001:db8:1:1:1:1:1:0", "2001:db8:1:1:1:1:1:0" },
    { "1:0:0:0:0:0:0:0", "1::" },
    { "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
    { "::ffff:c000:0201", "::ffff:192.0.2.1" },
    { "::192.0.2.1", "::c000:201" }, /* no IPv4-compatible form */
    { "fe80::1:2:3:4", "fe80::1:2:3:4" },
    { "0:0:1::", "0:0:1::" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GInetAddress) addr = ntpmon_ip_parse (cases[i][0], &error);
      g_assert_no_error (error);
      g_autofree gchar *text = ntpmon_ip_to_string (addr);
      guint8 bytes[16];
      gsize len = ntpmon_ip_to_bytes (addr, bytes);
      g_autofree gchar *from_bytes = ntpmon_ip_bytes_to_string (bytes, len);
      guint8 lenient[16];

      g_assert_cmpstr (text, ==, cases[i][1]);
      g_assert_cmpstr (from_bytes, ==, cases[i][1]);
      g_assert_cmpuint (ntpmon_ip_bytes_lenient (bytes, len, lenient), ==, len);
      g_assert_cmpmem (lenient, len, bytes, len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/ip/bytes", test_bytes);
  g_test_add_func ("/proto/ip/text", test_text);
  g_test_add_func ("/proto/ip/bytes-lenient", test_bytes_lenient);

  return g_test_run ();
}
