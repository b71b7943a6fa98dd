/* ntpmon-ntp-probe.h: the `ntp` probe (spec agent.md §5.6)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-probe.h"

G_BEGIN_DECLS

#define NTPMON_TYPE_NTP_PROBE (ntpmon_ntp_probe_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonNtpProbe, ntpmon_ntp_probe, NTPMON, NTP_PROBE, GObject)

NtpmonProbe *ntpmon_ntp_probe_new (void);
void ntpmon_ntp_probe_set_timing (NtpmonNtpProbe *self, guint sample_interval_ms, guint timeout_ms);

G_END_DECLS
