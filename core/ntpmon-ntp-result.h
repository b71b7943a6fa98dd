/* ntpmon-ntp-result.h: the outcome of one NTP check (a monitor's ServerStatus)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * NtpmonTimestampSource:
 * @NTPMON_TIMESTAMPS_USER: T1/T4 read with clock_gettime() around send/receive
 * @NTPMON_TIMESTAMPS_KERNEL: T1/T4 taken by the kernel (SO_TIMESTAMPING / SO_TIMESTAMPNS)
 */
typedef enum
{
  NTPMON_TIMESTAMPS_USER,
  NTPMON_TIMESTAMPS_KERNEL,
} NtpmonTimestampSource;

/**
 * NtpmonNtpResult:
 *
 * One result as produced by the `ntp` probe, submitted by the agent and
 * scored by the API. Times are nanoseconds; absent values have their
 * `has_` flag cleared. Reference-counted boxed type.
 */
typedef struct
{
  /*< private >*/
  gint ref_count;
  /*< public >*/
  GInetAddress *ip; /* target address */
  guint16 port;     /* target port (123 unless a test says otherwise) */
  gint64 ts_ns;     /* unix time of the result */
  gboolean has_offset;
  gint64 offset_ns;
  gboolean has_rtt;
  gint64 rtt_ns;
  gint stratum;
  gint leap;
  guint32 refid;
  gint precision; /* log2 seconds */
  gint64 root_delay_ns;
  gint64 root_dispersion_ns;
  gboolean no_response;
  gchar *error;      /* the reference's error text, NULL when none */
  GBytes *raw_reply; /* the reply datagram of the chosen sample, or NULL */
  NtpmonTimestampSource timestamps;
  gchar *ticket;      /* opaque ticket from GetServers (base64 of bytes), or NULL */
  guint queries_sent; /* request datagrams sent for this result, over all samples */
} NtpmonNtpResult;

#define NTPMON_TYPE_NTP_RESULT (ntpmon_ntp_result_get_type ())
GType ntpmon_ntp_result_get_type (void) G_GNUC_CONST;

NtpmonNtpResult *ntpmon_ntp_result_new (void);
NtpmonNtpResult *ntpmon_ntp_result_ref (NtpmonNtpResult *self);
void ntpmon_ntp_result_unref (NtpmonNtpResult *self);
void ntpmon_ntp_result_set_error (NtpmonNtpResult *self, const gchar *error);
GVariant *ntpmon_ntp_result_to_variant (const NtpmonNtpResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonNtpResult, ntpmon_ntp_result_unref)

G_END_DECLS
