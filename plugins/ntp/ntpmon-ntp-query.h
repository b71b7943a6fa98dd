/* ntpmon-ntp-query.h: one NTP request/reply exchange on the main loop
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-ntp-packet.h"

G_BEGIN_DECLS

/**
 * NtpmonNtpQueryOptions:
 * @target: server address (IPv4-mapped IPv6 addresses are used as IPv4)
 * @port: server UDP port
 * @bind_address: (nullable): local address to bind (port 0)
 * @kernel_timestamps: ask the kernel for TX/RX timestamps
 * @timeout_ms: deadline for send + receive (3000 in production)
 */
typedef struct
{
  GInetAddress *target;
  guint16 port;
  GInetAddress *bind_address;
  gboolean kernel_timestamps;
  guint timeout_ms;
} NtpmonNtpQueryOptions;

void ntpmon_ntp_query_async (const NtpmonNtpQueryOptions *options, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
NtpmonNtpSample *ntpmon_ntp_query_finish (GAsyncResult *result, GError **error);

void ntpmon_ntp_clear_source (GSource **source);
void ntpmon_ntp_prime_kernel_timestamps (void);

G_END_DECLS
