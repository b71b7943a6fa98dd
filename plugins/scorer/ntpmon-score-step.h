/* ntpmon-score-step.h: stage-1 step of one NTP result (spec/scorer.md §3)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-scorer.h"

G_BEGIN_DECLS

gdouble ntpmon_score_offset_seconds (gint64 offset_ns);
gint64 ntpmon_score_abs_ns (gint64 ns);
gint32 ntpmon_score_rtt_us (gboolean has_rtt, gint64 rtt_ns);
gdouble ntpmon_score_linear_step (gint64 abs_ns);
gboolean ntpmon_score_zero_offset_untrusted (const gchar *client_version,
                                             const NtpmonNtpResult *result);
void ntpmon_score_compute_step (const gchar *client_version, const NtpmonNtpResult *result,
                                NtpmonScoreStep *out);

G_END_DECLS
