/* ntpmon-score-every.h: algorithm `every` (spec/scorer.md §8)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-scorer.h"

G_BEGIN_DECLS

gint64 ntpmon_score_seconds_to_ns (gdouble seconds);
gdouble ntpmon_score_every_score (gdouble own_score, const NtpmonLogScore *ls);
gboolean ntpmon_score_every (const NtpmonServerScore *own, const NtpmonLogScore *ls,
                             NtpmonLogScore *out, GError **error);

G_END_DECLS
