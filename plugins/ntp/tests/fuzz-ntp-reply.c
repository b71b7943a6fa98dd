/* fuzz-ntp-reply.c: libFuzzer target for the reply parser and validator
 *
 * Input: 8 bytes request transmit timestamp, 8 bytes T1 and 8 bytes T4
 * (big-endian Unix ns), then the reply datagram.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-ntp-packet.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static guint64
read64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  NtpmonNtpSample *sample;
  guint64 xmt;
  gint64 t1, t4;
  gchar kiss[5];

  if (size < 24)
    return 0;
  xmt = read64 (data);
  t1 = (gint64)read64 (data + 8);
  t4 = (gint64)read64 (data + 16);
  /* the query never passes times before 1970 or after 2200, nor T4 < T1 */
  if (t1 < 0 || t1 > G_GINT64_CONSTANT (7258118400000000000) || t4 < t1
      || t4 > G_GINT64_CONSTANT (7258118400000000000))
    return 0;
  data += 24;
  size -= 24;

  sample = ntpmon_ntp_sample_from_reply (data, size, xmt, t1, t4);
  g_assert_nonnull (sample);
  if (sample->error == NULL)
    {
      g_assert_true (sample->has_packet && sample->has_offset && sample->has_rtt);
      g_assert_cmpuint (sample->packet.stratum, >=, 1);
      g_assert_cmpuint (sample->packet.stratum, <=, 10);
      g_assert_cmpint (sample->rtt_ns, >=, 0);
    }
  else if (sample->no_response)
    g_assert_false (sample->has_offset || sample->has_rtt || sample->has_packet);
  else
    {
      g_assert_true (sample->stop && sample->has_packet);
      if (sample->packet.stratum == 0 && ntpmon_ntp_kiss_code (sample->packet.refid, kiss))
        g_assert_cmpstr (sample->error, ==, kiss);
      else
        g_assert_true (g_str_has_prefix (sample->error, "bad stratum "));
    }
  ntpmon_ntp_sample_free (sample);
  return 0;
}
