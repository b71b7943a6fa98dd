/* ntpmon-scorer.h: extension point for a scoring algorithm
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-ntp-result.h"

G_BEGIN_DECLS

/* A database connection of the DB layer (core/ntpmon-db.h); scorers that
 * read history use it on the worker thread that called them. */
typedef struct _NtpmonDbConn NtpmonDbConn;

/**
 * NtpmonLogScore:
 *
 * One `log_scores` row (spec/schema.sql). @ts is whole unix seconds.
 */
typedef struct
{
  guint64 id;
  guint32 server_id;
  guint32 monitor_id; /* 0 when NULL */
  gint64 ts;
  gdouble score;
  gdouble step;
  gboolean has_offset;
  gdouble offset; /* seconds */
  gboolean has_rtt;
  gint32 rtt;        /* microseconds */
  gchar *attributes; /* JSON text or NULL */
} NtpmonLogScore;

/**
 * NtpmonServerScore:
 *
 * One `server_scores` row.
 */
typedef struct
{
  guint64 id;
  guint32 monitor_id;
  guint32 server_id;
  gint64 score_ts;
  gdouble score_raw;
  gchar *status; /* candidate, testing, active, paused */
} NtpmonServerScore;

/**
 * NtpmonScoreStep:
 * @step: the step, -10 … +1
 * @has_cap: whether the new running score is capped
 * @cap: the cap
 * @attributes: (nullable): attributes JSON for the `log_scores` row
 */
typedef struct
{
  gdouble step;
  gboolean has_cap;
  gdouble cap;
  gchar *attributes;
} NtpmonScoreStep;

void ntpmon_log_score_clear (NtpmonLogScore *row);
void ntpmon_server_score_clear (NtpmonServerScore *row);
void ntpmon_score_step_clear (NtpmonScoreStep *step);

#define NTPMON_TYPE_SCORER (ntpmon_scorer_get_type ())
G_DECLARE_INTERFACE (NtpmonScorer, ntpmon_scorer, NTPMON, SCORER, GObject)

/**
 * NtpmonScorerInterface:
 * @get_name: algorithm name; for stage-2 scorers this is the `monitors.hostname`
 *   of the scorer's `type='score'` row (`every`, `recentmedian`); the API's
 *   stage-1 algorithm is `status`.
 * @compute_step: stage 1 (API): the step for one submitted result. Pure
 *   function, callable from any thread. NULL for stage-2 algorithms.
 * @score: stage 2 (scorer runner): compute the scorer's row @out for the
 *   server of @latest, given the scorer's own `server_scores` row @own.
 *   Runs on a DB worker thread and may query through @db. Returns FALSE with
 *   @error when the row cannot be scored (the runner's 3-hour rule applies).
 *   NULL for the stage-1 algorithm.
 * @reset: forget in-memory state (de-duplication history); may be NULL.
 */
struct _NtpmonScorerInterface
{
  GTypeInterface g_iface;

  const gchar *(*get_name) (NtpmonScorer *self);
  gboolean (*compute_step) (NtpmonScorer *self, const NtpmonNtpResult *result, NtpmonScoreStep *out,
                            GError **error);
  gboolean (*score) (NtpmonScorer *self, NtpmonDbConn *db, const NtpmonServerScore *own,
                     const NtpmonLogScore *latest, NtpmonLogScore *out, GError **error);
  void (*reset) (NtpmonScorer *self);
};

const gchar *ntpmon_scorer_get_name (NtpmonScorer *self);
gboolean ntpmon_scorer_compute_step (NtpmonScorer *self, const NtpmonNtpResult *result,
                                     NtpmonScoreStep *out, GError **error);
gboolean ntpmon_scorer_score (NtpmonScorer *self, NtpmonDbConn *db, const NtpmonServerScore *own,
                              const NtpmonLogScore *latest, NtpmonLogScore *out, GError **error);
void ntpmon_scorer_reset (NtpmonScorer *self);

G_END_DECLS
