/* ntpmon-rpc-status.h: an NTP check result as a monitor.v2 ServerStatus
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-ntp-result.h"

G_BEGIN_DECLS

/* The ServerStatus the agent submits for @result (agent.md §4.3): `ts` with
 * nanosecond precision, `offset` and `rtt` as Durations only when the result
 * has them (a zero offset is still sent), stratum, leap, error (empty when
 * none), no_response, ip_bytes (4 or 16 bytes of the target address) and the
 * ticket (the base64 text of the result decoded back to the server's bytes).
 * Fails with NTPMON_RPC_ERROR_INVALID_ARGUMENT when the result has no target
 * address or its ticket is not base64.
 *
 * Returns: (transfer full): allocated like a decoded message; free with
 * ntpmon_proto_message_free(). */
Monitor__V2__ServerStatus *ntpmon_rpc_status_from_ntp_result (const NtpmonNtpResult *result,
                                                              GError **error);

/* A Timestamp for @unix_ns nanoseconds since the epoch (nanos always in
 * [0, 1e9), as the type requires), allocated with malloc(). */
Google__Protobuf__Timestamp *ntpmon_rpc_status_timestamp_new (gint64 unix_ns);

G_END_DECLS
