/* history-model.h: an in-memory model of `GetScorerRecentScores` for tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-scorer.h"

G_BEGIN_DECLS

typedef struct _NtpmonHistoryModel NtpmonHistoryModel;

NtpmonHistoryModel *ntpmon_history_model_new (void);
void ntpmon_history_model_free (NtpmonHistoryModel *self);
void ntpmon_history_model_set_status (NtpmonHistoryModel *self, guint32 monitor_id,
                                      guint32 server_id, const gchar *status);
void ntpmon_history_model_add (NtpmonHistoryModel *self, guint64 id, guint32 monitor_id,
                               guint32 server_id, gint64 ts, gdouble score, gint32 rtt);
void ntpmon_history_model_fail (NtpmonHistoryModel *self, const gchar *message);
guint ntpmon_history_model_queries (NtpmonHistoryModel *self);
gboolean ntpmon_history_model_fetch (NtpmonDbConn *db, guint32 server_id, gint64 ts,
                                     gint lookback_seconds, const gchar *status1,
                                     const gchar *status2, GPtrArray *rows_out, gpointer user_data,
                                     GError **error);

G_END_DECLS
