/* ntpmon-score-runner.h: the scorer runner (spec/scorer.md §4–6)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db.h"
#include "ntpmon-metrics.h"
#include "ntpmon-scorer.h"

G_BEGIN_DECLS

#define NTPMON_SCORE_RUNNER_DEFAULT_BATCH_SIZE 50
#define NTPMON_SCORE_RUNNER_ID_WINDOW          10000
#define NTPMON_SCORE_RUNNER_SKIP_AGE_SECONDS   (3 * 3600)
#define NTPMON_SCORE_RUNNER_MAIN_SCORER        "recentmedian"
#define NTPMON_SCORE_RUNNER_PASS_MS            1000

/**
 * NtpmonScoreRunnerStats:
 *
 * The runner's counters (spec/scorer.md §11); they only grow.
 */
typedef struct
{
  guint64 runs;
  guint64 errors;
  guint64 deadlocks;
  guint64 insert_server_score;
  guint64 update_server_score_status;
  guint64 insert_log_score;
  guint64 update_server_score;
  guint64 update_server;
  guint64 update_scorer_status;
  guint64 batches;
  guint64 skipped;
  guint64 batches_read_ahead; /* batches whose reads were done while the last one was written */
} NtpmonScoreRunnerStats;

#define NTPMON_TYPE_SCORE_RUNNER (ntpmon_score_runner_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonScoreRunner, ntpmon_score_runner, NTPMON, SCORE_RUNNER, GObject)

NtpmonScoreRunner *ntpmon_score_runner_new (NtpmonDbConn *conn, GPtrArray *scorers);
void ntpmon_score_runner_set_concurrent (NtpmonScoreRunner *self, const NtpmonDbConfig *config);
void ntpmon_score_runner_set_pass_time (NtpmonScoreRunner *self, guint ms);
void ntpmon_score_runner_set_retry (NtpmonScoreRunner *self, guint initial_ms,
                                    guint max_elapsed_ms);
gboolean ntpmon_score_runner_setup (NtpmonScoreRunner *self, GError **error);
gboolean ntpmon_score_runner_run (NtpmonScoreRunner *self, GCancellable *cancellable, guint *count,
                                  GError **error);
void ntpmon_score_runner_set_metrics (NtpmonScoreRunner *self, NtpmonMetrics *metrics);
void ntpmon_score_runner_get_stats (NtpmonScoreRunner *self, NtpmonScoreRunnerStats *out);
guint64 ntpmon_score_runner_get_processed (NtpmonScoreRunner *self, const gchar *name);
guint64 ntpmon_score_runner_get_retries (NtpmonScoreRunner *self, const gchar *name);

gint ntpmon_score_runner_parse_batch_size (const gchar *json);
gboolean ntpmon_score_error_is_connection (const GError *error);
gboolean ntpmon_score_error_is_deadlock (const GError *error);

G_END_DECLS
