/* ntpmon-ntp-packet.c: NTP packet codec, timestamp arithmetic, reply
 * validation and sample selection (spec agent.md §5.6)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "ntpmon-ntp-packet.h"

#define NSEC_PER_SEC G_GUINT64_CONSTANT (1000000000)

/* 1970-01-01 as an era-0 NTP timestamp; smaller raw values are taken to
 * belong to era 1 (2036 onwards). */
#define NTP_TIME_1970 G_GUINT64_CONSTANT (0x83aa7e8000000000)

/**
 * ntpmon_ntp_time_from_unix_ns:
 * @unix_ns: nanoseconds since 1970
 *
 * Returns: the NTP timestamp of @unix_ns; the fraction is rounded half up.
 * Times after 2036 wrap into era 1 as the wire format requires.
 */
guint64
ntpmon_ntp_time_from_unix_ns (gint64 unix_ns)
{
  guint64 ns = (guint64)unix_ns + (guint64)NTPMON_NTP_UNIX_EPOCH_OFFSET * NSEC_PER_SEC;
  guint64 sec = ns / NSEC_PER_SEC;
  guint64 rem = (ns - sec * NSEC_PER_SEC) << 32;
  guint64 frac = rem / NSEC_PER_SEC;

  if (rem % NSEC_PER_SEC >= NSEC_PER_SEC / 2)
    frac++;
  return (sec << 32) | frac;
}

/**
 * ntpmon_ntp_time_duration_ns:
 * @ntp_time: a 32.32 fixed point number of seconds
 *
 * Returns: @ntp_time in nanoseconds, the fraction rounded half up
 * (wrapping like the reference for values beyond 292 years).
 */
gint64
ntpmon_ntp_time_duration_ns (guint64 ntp_time)
{
  guint64 sec = (ntp_time >> 32) * NSEC_PER_SEC;
  guint64 frac = (ntp_time & 0xffffffffu) * NSEC_PER_SEC;
  guint64 nsec = frac >> 32;

  if ((guint32)frac >= 0x80000000u)
    nsec++;
  return (gint64)(sec + nsec);
}

/**
 * ntpmon_ntp_time_to_unix_ns:
 *
 * Returns: the Unix time (ns) of an absolute NTP timestamp, assuming era 1
 * for raw values before 1970.
 */
gint64
ntpmon_ntp_time_to_unix_ns (guint64 ntp_time)
{
  gint64 era0 = -NTPMON_NTP_UNIX_EPOCH_OFFSET * (gint64)NSEC_PER_SEC;

  if (ntp_time < NTP_TIME_1970)
    return era0 + (gint64)(G_GUINT64_CONSTANT (1) << 32) * (gint64)NSEC_PER_SEC
           + ntpmon_ntp_time_duration_ns (ntp_time);
  return era0 + ntpmon_ntp_time_duration_ns (ntp_time);
}

gint64
ntpmon_ntp_short_duration_ns (guint32 ntp_short)
{
  guint64 sec = (guint64)(ntp_short >> 16) * NSEC_PER_SEC;
  guint64 frac = (guint64)(ntp_short & 0xffffu) * NSEC_PER_SEC;
  guint64 nsec = frac >> 16;

  if ((guint16)frac >= 0x8000u)
    nsec++;
  return (gint64)(sec + nsec);
}

/**
 * ntpmon_ntp_offset_ns:
 *
 * Returns: the clock offset ((T2 - T1) + (T3 - T4)) / 2 computed on 64-bit
 * differences so that an era boundary between the timestamps is harmless.
 */
/* x - y and x + y with two's complement wrap-around like the reference's
 * Go int64, spelt with unsigned operations to stay defined in C */
static gint64
wrap_sub (gint64 x, gint64 y)
{
  guint64 r = (guint64)x - (guint64)y;

  return (gint64)r;
}

static gint64
wrap_add (gint64 x, gint64 y)
{
  guint64 r = (guint64)x + (guint64)y;

  return (gint64)r;
}

gint64
ntpmon_ntp_offset_ns (guint64 org, guint64 rec, guint64 xmt, guint64 dst)
{
  gint64 a = (gint64)(rec - org);
  gint64 b = (gint64)(xmt - dst);
  gint64 offset = wrap_add (a, wrap_sub (b, a) / 2);

  if (offset < 0)
    return wrap_sub (0, ntpmon_ntp_time_duration_ns ((guint64)wrap_sub (0, offset)));
  return ntpmon_ntp_time_duration_ns ((guint64)offset);
}

/**
 * ntpmon_ntp_rtt_ns:
 *
 * Returns: the round trip (T4 - T1) - (T3 - T2), never negative.
 */
gint64
ntpmon_ntp_rtt_ns (guint64 org, guint64 rec, guint64 xmt, guint64 dst)
{
  gint64 a = (gint64)(dst - org);
  gint64 b = (gint64)(xmt - rec);
  gint64 rtt = wrap_sub (a, b);

  if (rtt < 0)
    rtt = 0;
  return ntpmon_ntp_time_duration_ns ((guint64)rtt);
}

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void
put64 (guint8 *p, guint64 v)
{
  put32 (p, v >> 32);
  put32 (p + 4, (guint32)v);
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static guint64
get64 (const guint8 *p)
{
  return ((guint64)get32 (p) << 32) | get32 (p + 4);
}

void
ntpmon_ntp_packet_encode (const NtpmonNtpPacket *packet, guint8 buf[NTPMON_NTP_PACKET_SIZE])
{
  buf[0] = (guint8)(((packet->leap & 3) << 6) | ((packet->version & 7) << 3) | (packet->mode & 7));
  buf[1] = packet->stratum;
  buf[2] = (guint8)packet->poll;
  buf[3] = (guint8)packet->precision;
  put32 (buf + 4, packet->root_delay);
  put32 (buf + 8, packet->root_dispersion);
  put32 (buf + 12, packet->refid);
  put64 (buf + 16, packet->reference_time);
  put64 (buf + 24, packet->origin_time);
  put64 (buf + 32, packet->receive_time);
  put64 (buf + 40, packet->transmit_time);
}

/**
 * ntpmon_ntp_request_encode:
 *
 * Writes the client request: NTPv4, mode 3, precision 0x20, all other
 * fields zero except the (random) @transmit_time.
 */
void
ntpmon_ntp_request_encode (guint8 buf[NTPMON_NTP_PACKET_SIZE], guint64 transmit_time)
{
  NtpmonNtpPacket req = { 0 };

  req.version = 4;
  req.mode = 3;
  req.precision = 0x20;
  req.transmit_time = transmit_time;
  ntpmon_ntp_packet_encode (&req, buf);
}

/**
 * ntpmon_ntp_packet_decode:
 *
 * Reads the header of a datagram. Fails like the reference's binary
 * reader: `EOF` for an empty datagram, `unexpected EOF` for a short one.
 */
gboolean
ntpmon_ntp_packet_decode (const guint8 *buf, gsize len, NtpmonNtpPacket *packet, GError **error)
{
  if (len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "EOF");
      return FALSE;
    }
  if (len < NTPMON_NTP_PACKET_SIZE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unexpected EOF");
      return FALSE;
    }
  packet->leap = buf[0] >> 6;
  packet->version = (buf[0] >> 3) & 7;
  packet->mode = buf[0] & 7;
  packet->stratum = buf[1];
  packet->poll = (gint8)buf[2];
  packet->precision = (gint8)buf[3];
  packet->root_delay = get32 (buf + 4);
  packet->root_dispersion = get32 (buf + 8);
  packet->refid = get32 (buf + 12);
  packet->reference_time = get64 (buf + 16);
  packet->origin_time = get64 (buf + 24);
  packet->receive_time = get64 (buf + 32);
  packet->transmit_time = get64 (buf + 40);
  return TRUE;
}

/**
 * ntpmon_ntp_reply_validate:
 * @request_transmit_time: the random transmit timestamp we sent
 *
 * Decodes and checks a reply in the reference's order; the first failure
 * is reported with its error text.
 */
gboolean
ntpmon_ntp_reply_validate (const guint8 *buf, gsize len, guint64 request_transmit_time,
                           NtpmonNtpPacket *packet, GError **error)
{
  const gchar *msg = NULL;

  if (!ntpmon_ntp_packet_decode (buf, len, packet, error))
    return FALSE;
  if (packet->mode != 4)
    msg = "invalid mode in response";
  else if (packet->transmit_time == 0)
    msg = "invalid transmit time in response";
  else if (packet->origin_time != request_transmit_time)
    msg = "server response didn't match request";
  else if (packet->receive_time > packet->transmit_time)
    msg = "server clock ticked backwards";
  if (msg != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, msg);
      return FALSE;
    }
  return TRUE;
}

/**
 * ntpmon_ntp_kiss_code:
 * @code: (out): the four refid bytes and a NUL
 *
 * Returns: whether @refid reads as a kiss code (all bytes printable ASCII).
 */
gboolean
ntpmon_ntp_kiss_code (guint32 refid, gchar code[5])
{
  for (guint i = 0; i < 4; i++)
    {
      guint8 ch = (guint8)(refid >> (24 - 8 * i));

      if (ch < 32 || ch > 126)
        {
          code[0] = '\0';
          return FALSE;
        }
      code[i] = (gchar)ch;
    }
  code[4] = '\0';
  return TRUE;
}

/**
 * ntpmon_ntp_bad_stratum_text:
 *
 * Returns: `bad stratum N (referenceID: 0xHEX[, RAW])` where RAW, the four
 * refid bytes, is added when they are valid UTF-8. NUL bytes, which the
 * reference keeps, are left out since a C string cannot carry them.
 */
gchar *
ntpmon_ntp_bad_stratum_text (guint stratum, guint32 refid)
{
  guint8 raw[4];
  gchar probe[4];
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "bad stratum %u (referenceID: 0x%x", stratum, refid);
  for (guint i = 0; i < 4; i++)
    {
      raw[i] = (guint8)(refid >> (24 - 8 * i));
      probe[i] = raw[i] == 0 ? 'A' : (gchar)raw[i];
    }
  if (g_utf8_validate_len (probe, 4, NULL))
    {
      g_string_append (text, ", ");
      for (guint i = 0; i < 4; i++)
        if (raw[i] != 0)
          g_string_append_c (text, (gchar)raw[i]);
    }
  g_string_append_c (text, ')');
  return g_string_free (text, FALSE);
}

NtpmonNtpSample *
ntpmon_ntp_sample_new (void)
{
  return g_new0 (NtpmonNtpSample, 1);
}

void
ntpmon_ntp_sample_free (NtpmonNtpSample *sample)
{
  if (sample == NULL)
    return;
  g_free (sample->error);
  g_clear_pointer (&sample->raw_reply, g_bytes_unref);
  g_free (sample);
}

/**
 * ntpmon_ntp_sample_new_error:
 *
 * Returns: a sample for an exchange that failed before a valid reply:
 * no_response set, no offset/rtt, stratum 0.
 */
NtpmonNtpSample *
ntpmon_ntp_sample_new_error (const gchar *error)
{
  NtpmonNtpSample *sample = ntpmon_ntp_sample_new ();

  sample->error = g_strdup (error);
  sample->no_response = TRUE;
  return sample;
}

/**
 * ntpmon_ntp_sample_from_reply:
 * @t1_unix_ns: when the request left
 * @t4_unix_ns: when the reply arrived (not before @t1_unix_ns)
 *
 * Validates a reply and turns it into a sample with the reference's
 * offset/rtt and its stratum/kiss-code verdict.
 */
NtpmonNtpSample *
ntpmon_ntp_sample_from_reply (const guint8 *buf, gsize len, guint64 request_transmit_time,
                              gint64 t1_unix_ns, gint64 t4_unix_ns)
{
  g_autoptr (GError) error = NULL;
  NtpmonNtpPacket packet;
  NtpmonNtpSample *sample;
  guint64 org, dst;
  gchar kiss[5];

  if (!ntpmon_ntp_reply_validate (buf, len, request_transmit_time, &packet, &error))
    {
      sample = ntpmon_ntp_sample_new_error (error->message);
      if (len > 0)
        sample->raw_reply = g_bytes_new (buf, len);
      return sample;
    }

  sample = ntpmon_ntp_sample_new ();
  sample->raw_reply = g_bytes_new (buf, len);
  sample->has_packet = TRUE;
  sample->packet = packet;
  org = ntpmon_ntp_time_from_unix_ns (t1_unix_ns);
  dst = ntpmon_ntp_time_from_unix_ns (t4_unix_ns);
  sample->offset_ns = ntpmon_ntp_offset_ns (org, packet.receive_time, packet.transmit_time, dst);
  sample->rtt_ns = ntpmon_ntp_rtt_ns (org, packet.receive_time, packet.transmit_time, dst);
  sample->has_offset = TRUE;
  sample->has_rtt = TRUE;

  if (packet.stratum == 0 && ntpmon_ntp_kiss_code (packet.refid, kiss))
    {
      sample->stop = TRUE;
      sample->error = g_strdup (kiss);
      if (strcmp (kiss, "RATE") == 0)
        sample->has_offset = FALSE;
    }
  else if (packet.stratum == 0 || packet.stratum == 16)
    {
      sample->stop = TRUE;
      sample->error = ntpmon_ntp_bad_stratum_text (packet.stratum, packet.refid);
    }
  else if (packet.stratum > 10)
    {
      sample->stop = TRUE;
      sample->error = g_strdup_printf ("bad stratum %u", packet.stratum);
    }
  return sample;
}

static gboolean
rtt_less (const NtpmonNtpSample *r, const NtpmonNtpSample *best)
{
  return r->has_rtt && best->has_rtt && r->rtt_ns < best->rtt_ns;
}

/**
 * ntpmon_ntp_sample_choose_best:
 * @samples: (element-type NtpmonNtpSample): the samples in order
 *
 * Returns: (transfer none) (nullable): the sample the reference reports:
 * a good sample beats an error, a reply beats no reply, and among equals
 * the strictly lowest rtt wins (the first one on ties).
 */
const NtpmonNtpSample *
ntpmon_ntp_sample_choose_best (GPtrArray *samples)
{
  const NtpmonNtpSample *best = NULL;

  for (guint i = 0; i < samples->len; i++)
    {
      const NtpmonNtpSample *r = g_ptr_array_index (samples, i);
      gboolean r_ok = r->error == NULL;
      gboolean best_ok;

      if (best == NULL)
        {
          best = r;
          continue;
        }
      best_ok = best->error == NULL;
      if (r_ok && !best_ok)
        best = r;
      else if (!r_ok && !best_ok && !r->no_response && best->no_response)
        best = r;
      else if (r_ok && best_ok)
        {
          if (rtt_less (r, best))
            best = r;
        }
      else if (!r_ok && !best_ok && r->no_response == best->no_response)
        {
          if (rtt_less (r, best))
            best = r;
        }
    }
  return best;
}

/**
 * ntpmon_ntp_errno_text:
 *
 * Returns: the text Go's syscall package gives @errnum (lower case, unlike
 * glibc's strerror), or NULL when it is not one we know.
 */
const gchar *
ntpmon_ntp_errno_text (int errnum)
{
  switch (errnum)
    {
    case ECONNREFUSED:
      return "connection refused";
    case EHOSTUNREACH:
      return "no route to host";
    case ENETUNREACH:
      return "network is unreachable";
    case EADDRNOTAVAIL:
      return "cannot assign requested address";
    case EAFNOSUPPORT:
      return "address family not supported by protocol";
    case EADDRINUSE:
      return "address already in use";
    case EACCES:
      return "permission denied";
    case EPERM:
      return "operation not permitted";
    case EINVAL:
      return "invalid argument";
    case EMSGSIZE:
      return "message too long";
    case ENOBUFS:
      return "no buffer space available";
    case ENOMEM:
      return "cannot allocate memory";
    case EMFILE:
      return "too many open files";
    case ENFILE:
      return "too many open files in system";
    case ECONNRESET:
      return "connection reset by peer";
    case EHOSTDOWN:
      return "host is down";
    case ENETDOWN:
      return "network is down";
    case EPROTONOSUPPORT:
      return "protocol not supported";
    case EAGAIN:
      return "resource temporarily unavailable";
    case ETIMEDOUT:
      return "connection timed out";
    case ENOPROTOOPT:
      return "protocol not available";
    default:
      return NULL;
    }
}

/**
 * ntpmon_ntp_target_refusal:
 * @bytes: the address, 4 or 16 bytes
 *
 * Returns: (nullable): why the reference refuses to check this target
 * (`loopback address`, `private address`, `multicast address`; when several
 * apply the last one wins), or NULL. IPv4-mapped IPv6 addresses are judged
 * by their IPv4 part.
 */
const gchar *
ntpmon_ntp_target_refusal (const guint8 *bytes, gsize len)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  static const guint8 loopback6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
  const gchar *refusal = NULL;

  if (len == 16 && memcmp (bytes, mapped, sizeof mapped) == 0)
    {
      bytes += 12;
      len = 4;
    }
  if (len == 4)
    {
      if (bytes[0] == 127)
        refusal = "loopback address";
      if (bytes[0] == 10 || (bytes[0] == 172 && (bytes[1] & 0xf0) == 16)
          || (bytes[0] == 192 && bytes[1] == 168))
        refusal = "private address";
      if ((bytes[0] & 0xf0) == 224)
        refusal = "multicast address";
      return refusal;
    }
  if (len == 16)
    {
      if (memcmp (bytes, loopback6, 16) == 0)
        refusal = "loopback address";
      if ((bytes[0] & 0xfe) == 0xfc)
        refusal = "private address";
      if (bytes[0] == 0xff)
        refusal = "multicast address";
      return refusal;
    }
  return "invalid IP";
}
