/* ntpmon-score-median.h: algorithm `recentmedian` (spec/scorer.md §9)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-scorer.h"

G_BEGIN_DECLS

/**
 * NtpmonScoreRecentAttempt:
 *
 * One look-back attempt of §9.1.
 */
typedef struct
{
  gint lookback_seconds;
  const gchar *status1;
  const gchar *status2;
} NtpmonScoreRecentAttempt;

extern const NtpmonScoreRecentAttempt ntpmon_score_recent_attempts[3];

GPtrArray *ntpmon_score_rows_new (void);
const NtpmonLogScore *ntpmon_score_median_choose (GPtrArray *rows);
GPtrArray *ntpmon_score_recent_rows (const NtpmonScoreHistorySource *source, NtpmonDbConn *db,
                                     guint32 server_id, gint64 ts, GError **error);
gboolean ntpmon_score_median_output (const NtpmonServerScore *own, const NtpmonLogScore *latest,
                                     const NtpmonLogScore *chosen, NtpmonLogScore *out,
                                     GError **error);
gboolean ntpmon_score_recent_median (const NtpmonScoreHistorySource *source, NtpmonDbConn *db,
                                     const NtpmonServerScore *own, const NtpmonLogScore *latest,
                                     NtpmonLogScore *out, GError **error);

G_END_DECLS
