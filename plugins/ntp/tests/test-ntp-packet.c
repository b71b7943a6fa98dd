/* test-ntp-packet.c: codec, arithmetic, validation and sample choice
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "ntpmon-ntp-packet.h"

#define NTP_1970 G_GUINT64_CONSTANT (0x83aa7e8000000000)
#define SEC(s)   ((guint64)(s) << 32)

static void
test_era_conversion (void)
{
  /* 1970-01-01 is NTP second 2208988800 = 0x83aa7e80 */
  g_assert_cmphex (ntpmon_ntp_time_from_unix_ns (0), ==, NTP_1970);
  g_assert_cmphex (ntpmon_ntp_time_from_unix_ns (500000000), ==, NTP_1970 | 0x80000000u);
  /* 1 ns = 4.29 fraction units -> 4; 3 ns = 12.88 -> 13 (half up) */
  g_assert_cmphex (ntpmon_ntp_time_from_unix_ns (1), ==, NTP_1970 | 4);
  g_assert_cmphex (ntpmon_ntp_time_from_unix_ns (3), ==, NTP_1970 | 13);
  /* 2036-02-07T06:28:16Z starts era 1: the seconds field wraps to 0 */
  g_assert_cmphex (ntpmon_ntp_time_from_unix_ns (G_GINT64_CONSTANT (2085978496000000000)), ==, 0);
  g_assert_cmphex (ntpmon_ntp_time_from_unix_ns (G_GINT64_CONSTANT (2085978497500000000)), ==,
                   SEC (1) | 0x80000000u);
  g_assert_cmpint (ntpmon_ntp_time_to_unix_ns (0), ==, G_GINT64_CONSTANT (2085978496000000000));
  g_assert_cmpint (ntpmon_ntp_time_to_unix_ns (NTP_1970), ==, 0);
  g_assert_cmpint (ntpmon_ntp_time_to_unix_ns (NTP_1970 | 0x80000000u), ==, 500000000);
  /* round trip of a 2026 time at ns resolution within 1 ns */
  {
    gint64 t = G_GINT64_CONSTANT (1795000000123456789);
    gint64 back = ntpmon_ntp_time_to_unix_ns (ntpmon_ntp_time_from_unix_ns (t));

    g_assert_cmpint (ABS (back - t), <=, 1);
  }
}

static void
test_durations (void)
{
  g_assert_cmpint (ntpmon_ntp_time_duration_ns (SEC (1) | 0x80000000u), ==, 1500000000);
  /* 1 unit = 0.23 ns -> 0; 3 units = 0.698 ns -> 1 */
  g_assert_cmpint (ntpmon_ntp_time_duration_ns (1), ==, 0);
  g_assert_cmpint (ntpmon_ntp_time_duration_ns (3), ==, 1);
  g_assert_cmpint (ntpmon_ntp_short_duration_ns (0x00010000), ==, 1000000000);
  g_assert_cmpint (ntpmon_ntp_short_duration_ns (0x00008000), ==, 500000000);
  /* 1/65536 s = 15258.789 ns -> 15259 */
  g_assert_cmpint (ntpmon_ntp_short_duration_ns (1), ==, 15259);
}

static void
test_offset_rtt (void)
{
  guint64 org, rec, xmt, dst;

  /* symmetric: T1=10, T2=T3=10.5, T4=11 -> offset 0, rtt 1 s */
  org = SEC (10);
  rec = xmt = SEC (10) | 0x80000000u;
  dst = SEC (11);
  g_assert_cmpint (ntpmon_ntp_offset_ns (org, rec, xmt, dst), ==, 0);
  g_assert_cmpint (ntpmon_ntp_rtt_ns (org, rec, xmt, dst), ==, 1000000000);

  /* server 1.125 s behind: T1=10, T2=T3=9, T4=10.25 */
  org = SEC (10);
  rec = xmt = SEC (9);
  dst = SEC (10) | 0x40000000u;
  g_assert_cmpint (ntpmon_ntp_offset_ns (org, rec, xmt, dst), ==, -1125000000);
  g_assert_cmpint (ntpmon_ntp_rtt_ns (org, rec, xmt, dst), ==, 250000000);

  /* integer division truncates toward zero: a=0, b=-7 units -> -3 units
   * = -0.698 ns -> -1 ns; b=+7 -> +1 ns; b=-3 -> -1 unit -> 0 */
  org = SEC (10);
  rec = SEC (10);
  xmt = SEC (10);
  g_assert_cmpint (ntpmon_ntp_offset_ns (org, rec, xmt, xmt + 7), ==, -1);
  g_assert_cmpint (ntpmon_ntp_offset_ns (org, rec, xmt, xmt - 7), ==, 1);
  g_assert_cmpint (ntpmon_ntp_offset_ns (org, rec, xmt, xmt + 3), ==, 0);

  /* era rollover between T1 and T2: T1 = last second of era 0,
   * T2=T3 = 0.5 s into era 1, T4 = first instant of era 1 */
  org = G_GUINT64_CONSTANT (0xffffffff00000000);
  rec = xmt = 0x80000000u;
  dst = 0;
  g_assert_cmpint (ntpmon_ntp_offset_ns (org, rec, xmt, dst), ==, 1000000000);
  g_assert_cmpint (ntpmon_ntp_rtt_ns (org, rec, xmt, dst), ==, 1000000000);

  /* server processing longer than the round trip -> rtt clamps to 0 */
  org = SEC (10);
  rec = SEC (10);
  xmt = SEC (11);
  dst = SEC (10) + 1;
  g_assert_cmpint (ntpmon_ntp_rtt_ns (org, rec, xmt, dst), ==, 0);
}

static void
test_encode_decode (void)
{
  guint8 buf[NTPMON_NTP_PACKET_SIZE];
  NtpmonNtpPacket in, out;
  g_autoptr (GError) error = NULL;

  memset (&in, 0, sizeof in);
  memset (&out, 0, sizeof out);

  ntpmon_ntp_request_encode (buf, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmphex (buf[0], ==, 0x23);
  g_assert_cmphex (buf[1], ==, 0);
  g_assert_cmphex (buf[2], ==, 0);
  g_assert_cmphex (buf[3], ==, 0x20);
  for (guint i = 4; i < 40; i++)
    g_assert_cmphex (buf[i], ==, 0);
  for (guint i = 40; i < 48; i++)
    g_assert_cmphex (buf[i], ==, i - 39);

  in.leap = 3;
  in.version = 4;
  in.mode = 4;
  in.stratum = 2;
  in.poll = -6;
  in.precision = -20;
  in.root_delay = 0x00012345;
  in.root_dispersion = 0x00000678;
  in.refid = 0xc0a80001;
  in.reference_time = G_GUINT64_CONSTANT (0xe1e2e3e4e5e6e7e8);
  in.origin_time = 1;
  in.receive_time = 2;
  in.transmit_time = G_GUINT64_CONSTANT (0xffffffffffffffff);
  ntpmon_ntp_packet_encode (&in, buf);
  g_assert_cmphex (buf[0], ==, 0xe4);
  g_assert_cmphex (buf[2], ==, 0xfa);
  g_assert_cmphex (buf[12], ==, 0xc0);
  g_assert_true (ntpmon_ntp_packet_decode (buf, sizeof buf, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&in, sizeof in, &out, sizeof out);
}

static void
assert_invalid (const guint8 *buf, gsize len, guint64 xmt, const gchar *message)
{
  g_autoptr (GError) error = NULL;
  NtpmonNtpPacket packet;

  g_assert_false (ntpmon_ntp_reply_validate (buf, len, xmt, &packet, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, message);
}

static void
make_reply (NtpmonNtpPacket *p, guint64 xmt)
{
  memset (p, 0, sizeof *p);
  p->version = 4;
  p->mode = 4;
  p->stratum = 2;
  p->origin_time = xmt;
  p->receive_time = SEC (100);
  p->transmit_time = SEC (100) + 5;
}

static void
test_validate (void)
{
  guint64 xmt = G_GUINT64_CONSTANT (0x1122334455667788);
  NtpmonNtpPacket p, out;
  guint8 buf[NTPMON_NTP_PACKET_SIZE];

  make_reply (&p, xmt);
  ntpmon_ntp_packet_encode (&p, buf);
  g_assert_true (ntpmon_ntp_reply_validate (buf, sizeof buf, xmt, &out, NULL));

  assert_invalid (buf, 0, xmt, "EOF");
  assert_invalid (buf, 47, xmt, "unexpected EOF");
  assert_invalid (buf, 1, xmt, "unexpected EOF");

  p.mode = 3;
  p.transmit_time = 0; /* mode is checked first */
  ntpmon_ntp_packet_encode (&p, buf);
  assert_invalid (buf, sizeof buf, xmt, "invalid mode in response");

  make_reply (&p, xmt);
  p.transmit_time = 0;
  p.origin_time = 0; /* transmit time is checked before origin */
  ntpmon_ntp_packet_encode (&p, buf);
  assert_invalid (buf, sizeof buf, xmt, "invalid transmit time in response");

  make_reply (&p, xmt);
  p.origin_time = xmt + 1;
  p.receive_time = p.transmit_time + 1; /* origin is checked before order */
  ntpmon_ntp_packet_encode (&p, buf);
  assert_invalid (buf, sizeof buf, xmt, "server response didn't match request");

  make_reply (&p, xmt);
  p.receive_time = p.transmit_time + 1;
  ntpmon_ntp_packet_encode (&p, buf);
  assert_invalid (buf, sizeof buf, xmt, "server clock ticked backwards");

  /* unsigned compare: receive 0xffff... > transmit 1 */
  make_reply (&p, xmt);
  p.receive_time = G_GUINT64_CONSTANT (0xffffffffffffffff);
  p.transmit_time = 1;
  ntpmon_ntp_packet_encode (&p, buf);
  assert_invalid (buf, sizeof buf, xmt, "server clock ticked backwards");

  /* extra bytes (extension fields, MAC) are ignored */
  {
    guint8 big[100] = { 0 };

    make_reply (&p, xmt);
    ntpmon_ntp_packet_encode (&p, big);
    g_assert_true (ntpmon_ntp_reply_validate (big, sizeof big, xmt, &out, NULL));
  }
}

static void
test_kiss_code (void)
{
  gchar code[5];

  g_assert_true (ntpmon_ntp_kiss_code (0x52415445, code));
  g_assert_cmpstr (code, ==, "RATE");
  g_assert_true (ntpmon_ntp_kiss_code (0x20202020, code));
  g_assert_cmpstr (code, ==, "    ");
  g_assert_true (ntpmon_ntp_kiss_code (0x7e7e7e7e, code));
  g_assert_false (ntpmon_ntp_kiss_code (0x7f000001, code));
  g_assert_false (ntpmon_ntp_kiss_code (0, code));
  g_assert_false (ntpmon_ntp_kiss_code (0x41424319, code));
  g_assert_false (ntpmon_ntp_kiss_code (0x4142437f, code));
}

static void
test_bad_stratum_text (void)
{
  struct
  {
    guint stratum;
    guint32 refid;
    const gchar *text;
  } cases[] = {
    { 16, 0x494e4954, "bad stratum 16 (referenceID: 0x494e4954, INIT)" },
    { 0, 0, "bad stratum 0 (referenceID: 0x0, )" },
    { 16, 0x7f000001, "bad stratum 16 (referenceID: 0x7f000001, \x7f\x01)" },
    { 0, 0x01020304, "bad stratum 0 (referenceID: 0x1020304, \x01\x02\x03\x04)" },
    { 16, 0xc3a94142,
      "bad stratum 16 (referenceID: 0xc3a94142, \xc3\xa9"
      "AB)" },
    { 0, 0xffffffff, "bad stratum 0 (referenceID: 0xffffffff)" },
    { 16, 0xc0a80001, "bad stratum 16 (referenceID: 0xc0a80001)" },
    { 0, 0xc3004142, "bad stratum 0 (referenceID: 0xc3004142)" },
    { 16, 0xeda08041, "bad stratum 16 (referenceID: 0xeda08041)" }, /* surrogate */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = ntpmon_ntp_bad_stratum_text (cases[i].stratum, cases[i].refid);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static NtpmonNtpSample *
sample_for (guint8 stratum, guint32 refid)
{
  guint64 xmt = 42;
  NtpmonNtpPacket p;
  guint8 buf[NTPMON_NTP_PACKET_SIZE];
  gint64 t1 = G_GINT64_CONSTANT (1795000000000000000);

  make_reply (&p, xmt);
  p.stratum = stratum;
  p.refid = refid;
  /* server 2 ms ahead, 10 ms round trip, 0.5 ms processing */
  p.receive_time = ntpmon_ntp_time_from_unix_ns (t1 + 4750000 + 2000000);
  p.transmit_time = ntpmon_ntp_time_from_unix_ns (t1 + 5250000 + 2000000);
  ntpmon_ntp_packet_encode (&p, buf);
  return ntpmon_ntp_sample_from_reply (buf, sizeof buf, xmt, t1, t1 + 10000000);
}

static void
test_sample_good (void)
{
  g_autoptr (NtpmonNtpSample) s = sample_for (2, 0x7f000001);

  g_assert_null (s->error);
  g_assert_false (s->stop);
  g_assert_false (s->no_response);
  g_assert_true (s->has_offset);
  g_assert_true (s->has_rtt);
  g_assert_cmpint (ABS (s->offset_ns - 2000000), <=, 1);
  g_assert_cmpint (ABS (s->rtt_ns - 9500000), <=, 1);
  g_assert_nonnull (s->raw_reply);
  g_assert_cmpuint (g_bytes_get_size (s->raw_reply), ==, 48);
}

static void
test_sample_kiss (void)
{
  const gchar *codes[] = { "RATE", "DENY", "RSTR", "INIT", "STEP" };

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      guint32 refid = ((guint32)codes[i][0] << 24) | ((guint32)codes[i][1] << 16)
                      | ((guint32)codes[i][2] << 8) | (guint32)codes[i][3];
      g_autoptr (NtpmonNtpSample) s = sample_for (0, refid);

      g_assert_cmpstr (s->error, ==, codes[i]);
      g_assert_true (s->stop);
      g_assert_false (s->no_response);
      g_assert_true (s->has_rtt);
      g_assert_cmpint (s->has_offset, ==, i != 0);
    }
}

static void
test_sample_stratum (void)
{
  g_autoptr (NtpmonNtpSample) s16 = sample_for (16, 0x494e4954);
  g_autoptr (NtpmonNtpSample) s0 = sample_for (0, 0x7f000001);
  g_autoptr (NtpmonNtpSample) s11 = sample_for (11, 0x52415445);
  g_autoptr (NtpmonNtpSample) s15 = sample_for (15, 0);
  g_autoptr (NtpmonNtpSample) s10 = sample_for (10, 0);
  g_autoptr (NtpmonNtpSample) s1 = sample_for (1, 0x47505300);

  /* stratum 16 never counts as a kiss code, even with a printable refid */
  g_assert_cmpstr (s16->error, ==, "bad stratum 16 (referenceID: 0x494e4954, INIT)");
  g_assert_true (s16->stop && s16->has_offset && !s16->no_response);
  g_assert_cmpstr (s0->error, ==, "bad stratum 0 (referenceID: 0x7f000001, \x7f\x01)");
  g_assert_true (s0->stop && s0->has_offset);
  g_assert_cmpstr (s11->error, ==, "bad stratum 11");
  g_assert_true (s11->stop && s11->has_offset);
  g_assert_cmpstr (s15->error, ==, "bad stratum 15");
  g_assert_null (s10->error);
  g_assert_false (s10->stop);
  g_assert_null (s1->error);
}

static NtpmonNtpSample *
fake_sample (const gchar *error, gboolean no_response, gint64 rtt)
{
  NtpmonNtpSample *s = ntpmon_ntp_sample_new ();

  s->error = g_strdup (error);
  s->no_response = no_response;
  s->has_rtt = rtt >= 0;
  s->rtt_ns = rtt;
  return s;
}

static const NtpmonNtpSample *
choose (GPtrArray *samples, guint *index)
{
  const NtpmonNtpSample *best = ntpmon_ntp_sample_choose_best (samples);

  g_assert_true (g_ptr_array_find (samples, best, index));
  return best;
}

static void
test_best_sample (void)
{
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_ntp_sample_free);
  guint index;

  g_assert_null (ntpmon_ntp_sample_choose_best (a));

  /* rule 1: an ok sample replaces an erroneous best, never the reverse */
  g_ptr_array_add (a, fake_sample ("network: i/o timeout", TRUE, -1));
  g_ptr_array_add (a, fake_sample (NULL, FALSE, 9000));
  g_ptr_array_add (a, fake_sample ("network: i/o timeout", TRUE, -1));
  choose (a, &index);
  g_assert_cmpuint (index, ==, 1);
  g_ptr_array_set_size (a, 0);

  /* rule 2: an error with a reply beats an error without */
  g_ptr_array_add (a, fake_sample ("network: i/o timeout", TRUE, -1));
  g_ptr_array_add (a, fake_sample ("some error", FALSE, 500));
  g_ptr_array_add (a, fake_sample ("network: i/o timeout", TRUE, -1));
  choose (a, &index);
  g_assert_cmpuint (index, ==, 1);
  g_ptr_array_set_size (a, 0);

  /* rule 3: among ok samples the strictly lowest rtt, first on ties */
  g_ptr_array_add (a, fake_sample (NULL, FALSE, 5000));
  g_ptr_array_add (a, fake_sample (NULL, FALSE, 3000));
  g_ptr_array_add (a, fake_sample (NULL, FALSE, 3000));
  g_ptr_array_add (a, fake_sample (NULL, FALSE, 4000));
  choose (a, &index);
  g_assert_cmpuint (index, ==, 1);
  g_ptr_array_set_size (a, 0);

  /* rule 4: errors with equal no_response compare rtt; without rtt the
   * first one stays */
  g_ptr_array_add (a, fake_sample ("e1", FALSE, 5000));
  g_ptr_array_add (a, fake_sample ("e2", FALSE, 2000));
  g_ptr_array_add (a, fake_sample ("e3", FALSE, -1));
  choose (a, &index);
  g_assert_cmpuint (index, ==, 1);
  g_ptr_array_set_size (a, 0);

  g_ptr_array_add (a, fake_sample ("network: read: connection refused", TRUE, -1));
  g_ptr_array_add (a, fake_sample ("network: i/o timeout", TRUE, -1));
  choose (a, &index);
  g_assert_cmpuint (index, ==, 0);
  g_ptr_array_set_size (a, 0);

  /* an ok sample without rtt is not replaced by rtt comparison */
  g_ptr_array_add (a, fake_sample (NULL, FALSE, -1));
  g_ptr_array_add (a, fake_sample (NULL, FALSE, 1));
  choose (a, &index);
  g_assert_cmpuint (index, ==, 0);
}

static void
test_target_refusal (void)
{
  struct
  {
    const gchar *ip;
    const gchar *refusal;
  } cases[] = {
    { "127.0.0.1", "loopback address" },
    { "127.255.0.9", "loopback address" },
    { "10.1.2.3", "private address" },
    { "172.16.0.1", "private address" },
    { "172.31.255.1", "private address" },
    { "172.32.0.1", NULL },
    { "192.168.1.1", "private address" },
    { "192.169.1.1", NULL },
    { "224.0.0.1", "multicast address" },
    { "239.1.1.1", "multicast address" },
    { "::1", "loopback address" },
    { "fd00::1", "private address" },
    { "fc00::1", "private address" },
    { "fe80::1", NULL },
    { "ff02::1", "multicast address" },
    { "::ffff:127.0.0.1", "loopback address" },
    { "::ffff:10.0.0.1", "private address" },
    { "::ffff:8.8.8.8", NULL },
    { "169.254.1.1", NULL },
    { "100.64.0.1", NULL },
    { "0.0.0.0", NULL },
    { "::", NULL },
    { "8.8.8.8", NULL },
    { "2001:db8::1", NULL },
  };
  guint8 three[3] = { 1, 2, 3 };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GInetAddress) a = g_inet_address_new_from_string (cases[i].ip);

      g_assert_nonnull (a);
      g_assert_cmpstr (ntpmon_ntp_target_refusal (g_inet_address_to_bytes (a),
                                                  g_inet_address_get_native_size (a)),
                       ==, cases[i].refusal);
    }
  g_assert_cmpstr (ntpmon_ntp_target_refusal (three, 3), ==, "invalid IP");
}

static void
test_errno_text (void)
{
  g_assert_cmpstr (ntpmon_ntp_errno_text (ECONNREFUSED), ==, "connection refused");
  g_assert_cmpstr (ntpmon_ntp_errno_text (EHOSTUNREACH), ==, "no route to host");
  g_assert_cmpstr (ntpmon_ntp_errno_text (ENETUNREACH), ==, "network is unreachable");
  g_assert_cmpstr (ntpmon_ntp_errno_text (EADDRNOTAVAIL), ==, "cannot assign requested address");
  g_assert_cmpstr (ntpmon_ntp_errno_text (EAFNOSUPPORT), ==,
                   "address family not supported by protocol");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ntp/time/era", test_era_conversion);
  g_test_add_func ("/ntp/time/durations", test_durations);
  g_test_add_func ("/ntp/time/offset-rtt", test_offset_rtt);
  g_test_add_func ("/ntp/packet/encode-decode", test_encode_decode);
  g_test_add_func ("/ntp/packet/validate", test_validate);
  g_test_add_func ("/ntp/kiss-code/detect", test_kiss_code);
  g_test_add_func ("/ntp/sample/bad-stratum-text", test_bad_stratum_text);
  g_test_add_func ("/ntp/sample/good", test_sample_good);
  g_test_add_func ("/ntp/sample/kiss", test_sample_kiss);
  g_test_add_func ("/ntp/sample/stratum", test_sample_stratum);
  g_test_add_func ("/ntp/sample/best", test_best_sample);
  g_test_add_func ("/ntp/target/refusal", test_target_refusal);
  g_test_add_func ("/ntp/errno-text", test_errno_text);
  return g_test_run ();
}
