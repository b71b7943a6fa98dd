/* ntpmon-score-history.h: de-duplication of scorer log rows (spec/scorer.md §7)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NtpmonScoreHistory NtpmonScoreHistory;

NtpmonScoreHistory *ntpmon_score_history_new (void);
void ntpmon_score_history_free (NtpmonScoreHistory *self);
gboolean ntpmon_score_history_is_new (NtpmonScoreHistory *self, guint32 server_id, gint64 ts,
                                      gdouble score);
gboolean ntpmon_score_history_lookup (NtpmonScoreHistory *self, guint32 server_id, gint64 *ts,
                                      gdouble *score);
void ntpmon_score_history_reset (NtpmonScoreHistory *self);

gboolean ntpmon_score_almost_equal (gdouble a, gdouble b);
gboolean ntpmon_score_pct_close (gdouble new_score, gdouble last_score);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonScoreHistory, ntpmon_score_history_free)

G_END_DECLS
