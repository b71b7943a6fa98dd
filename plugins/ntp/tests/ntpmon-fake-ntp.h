/* ntpmon-fake-ntp.h: a scriptable NTP server on loopback for tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * NtpmonFakeNtpBehaviour:
 * @offset_ns: added to the server's clock (T2/T3)
 * @reply_len: bytes of the reply to send (0 = the full 48)
 * @mode: mode field of the reply (0 = 4, server)
 * @zero_transmit: send a transmit timestamp of 0
 * @bad_origin: echo a different origin timestamp
 * @backwards: receive timestamp after transmit timestamp
 * @silent: never reply
 * @empty: reply with an empty datagram
 * @drop_next: leave this many of the next requests unanswered (counted
 *   down per request)
 */
typedef struct
{
  guint8 stratum;
  guint8 leap;
  guint32 refid;
  gint64 offset_ns;
  gsize reply_len;
  guint8 mode;
  gboolean zero_transmit;
  gboolean bad_origin;
  gboolean backwards;
  gboolean silent;
  gboolean empty;
  guint drop_next;
} NtpmonFakeNtpBehaviour;

typedef struct _NtpmonFakeNtp NtpmonFakeNtp;

NtpmonFakeNtp *ntpmon_fake_ntp_new (const gchar *address, GError **error);
NtpmonFakeNtp *ntpmon_fake_ntp_new_full (const gchar *address, guint16 port, GError **error);
void ntpmon_fake_ntp_free (NtpmonFakeNtp *self);
guint16 ntpmon_fake_ntp_get_port (NtpmonFakeNtp *self);
GInetAddress *ntpmon_fake_ntp_get_address (NtpmonFakeNtp *self);
NtpmonFakeNtpBehaviour *ntpmon_fake_ntp_get_behaviour (NtpmonFakeNtp *self);
guint ntpmon_fake_ntp_get_requests (NtpmonFakeNtp *self);

guint32 ntpmon_fake_ntp_refid (const gchar *code);

#include "ntpmon-probe.h"

NtpmonNtpResult *ntpmon_test_run_probe (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                                        GCancellable *cancellable, GError **error);
guint ntpmon_test_count_fds (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonFakeNtp, ntpmon_fake_ntp_free)

G_END_DECLS
