/* ntpmon-ntp-packet.h: NTP packet codec, timestamp arithmetic, reply
 * validation and sample selection. Pure functions, no I/O.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NTPMON_NTP_PACKET_SIZE   48
#define NTPMON_NTP_RECV_BUF_SIZE 8192

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTPMON_NTP_UNIX_EPOCH_OFFSET G_GINT64_CONSTANT (2208988800)

/**
 * NtpmonNtpPacket:
 *
 * The 48-byte NTP header in host byte order. Timestamps are 32.32 fixed
 * point, the short formats (root delay/dispersion) 16.16.
 */
typedef struct
{
  guint8 leap;
  guint8 version;
  guint8 mode;
  guint8 stratum;
  gint8 poll;
  gint8 precision;
  guint32 root_delay;
  guint32 root_dispersion;
  guint32 refid;
  guint64 reference_time;
  guint64 origin_time;
  guint64 receive_time;
  guint64 transmit_time;
} NtpmonNtpPacket;

/**
 * NtpmonNtpSample:
 * @error: NULL for a good sample, else the reference's error text
 * @stop: sampling must stop after this sample (kiss code, bad stratum)
 * @sent: the request datagram went out (FALSE when socket, bind, connect
 *   or send failed)
 *
 * The outcome of one request/reply exchange, in the shape of the
 * reference's per-sample status. Durations are nanoseconds.
 */
typedef struct
{
  gchar *error;
  gboolean stop;
  gboolean no_response;
  gboolean has_packet;
  gboolean has_offset;
  gboolean has_rtt;
  gint64 offset_ns;
  gint64 rtt_ns;
  NtpmonNtpPacket packet;
  GBytes *raw_reply;
  gboolean kernel_timestamps;
  gint64 ts_ns;
  gboolean sent;
} NtpmonNtpSample;

guint64 ntpmon_ntp_time_from_unix_ns (gint64 unix_ns);
gint64 ntpmon_ntp_time_to_unix_ns (guint64 ntp_time);
gint64 ntpmon_ntp_time_duration_ns (guint64 ntp_time);
gint64 ntpmon_ntp_short_duration_ns (guint32 ntp_short);
gint64 ntpmon_ntp_offset_ns (guint64 org, guint64 rec, guint64 xmt, guint64 dst);
gint64 ntpmon_ntp_rtt_ns (guint64 org, guint64 rec, guint64 xmt, guint64 dst);

void ntpmon_ntp_request_encode (guint8 buf[NTPMON_NTP_PACKET_SIZE], guint64 transmit_time);
void ntpmon_ntp_packet_encode (const NtpmonNtpPacket *packet, guint8 buf[NTPMON_NTP_PACKET_SIZE]);
gboolean ntpmon_ntp_packet_decode (const guint8 *buf, gsize len, NtpmonNtpPacket *packet,
                                   GError **error);
gboolean ntpmon_ntp_reply_validate (const guint8 *buf, gsize len, guint64 request_transmit_time,
                                    NtpmonNtpPacket *packet, GError **error);

gboolean ntpmon_ntp_kiss_code (guint32 refid, gchar code[5]);
gchar *ntpmon_ntp_bad_stratum_text (guint stratum, guint32 refid);

NtpmonNtpSample *ntpmon_ntp_sample_new (void);
void ntpmon_ntp_sample_free (NtpmonNtpSample *sample);
NtpmonNtpSample *ntpmon_ntp_sample_new_error (const gchar *error);
NtpmonNtpSample *ntpmon_ntp_sample_from_reply (const guint8 *buf, gsize len,
                                               guint64 request_transmit_time, gint64 t1_unix_ns,
                                               gint64 t4_unix_ns);
const NtpmonNtpSample *ntpmon_ntp_sample_choose_best (GPtrArray *samples);

const gchar *ntpmon_ntp_errno_text (int errnum);
const gchar *ntpmon_ntp_target_refusal (const guint8 *bytes, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonNtpSample, ntpmon_ntp_sample_free)

G_END_DECLS
