/* ntpmon-scorer.h: extension point for a scoring algorithm
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libpeas/peas.h>

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
 * @has_offset: FALSE when the `log_scores.offset` column is NULL (offset
 *   absent, or removed by the zero-offset trust rule)
 * @offset: the `log_scores.offset` column, seconds
 * @rtt: the `log_scores.rtt` column, microseconds (never NULL in stage 1)
 *
 * Everything stage 1 stores for one result apart from `ts` and the score
 * (use ntpmon_score_apply_step() for that).
 */
typedef struct
{
  gdouble step;
  gboolean has_cap;
  gdouble cap;
  gchar *attributes;
  gboolean has_offset;
  gdouble offset;
  gint32 rtt;
} NtpmonScoreStep;

void ntpmon_log_score_clear (NtpmonLogScore *row);
void ntpmon_log_score_free (NtpmonLogScore *row);
void ntpmon_server_score_clear (NtpmonServerScore *row);
void ntpmon_score_step_clear (NtpmonScoreStep *step);

gdouble ntpmon_score_apply_step (gdouble old_score, const NtpmonScoreStep *step);
gint64 ntpmon_duration_to_ns (gint64 seconds, gint32 nanos);

/**
 * NtpmonScoreFetchRecentFunc:
 * @db: the connection passed to ntpmon_scorer_score()
 * @server_id: the server
 * @ts: reference time T, unix seconds
 * @lookback_seconds: window length; rows with T − lookback ≤ ts ≤ T count
 * @status1: a `server_scores.status` value
 * @status2: a second status, "" when unused (matches nothing)
 * @rows_out: append one #NtpmonLogScore (allocated with g_new0(), freed by
 *   the array with ntpmon_log_score_free()) per row, ordered by `ts`
 * @user_data: #NtpmonScoreHistorySource.user_data
 * @error: return location for a database error
 *
 * Runs `GetScorerRecentScores` (%NTPMON_SCORER_RECENT_SCORES_SQL) for one
 * look-back attempt of `recentmedian` (spec/scorer.md §9.1).
 *
 * Returns: FALSE with @error when the query failed (an empty result is TRUE)
 */
typedef gboolean (*NtpmonScoreFetchRecentFunc) (NtpmonDbConn *db, guint32 server_id, gint64 ts,
                                                gint lookback_seconds, const gchar *status1,
                                                const gchar *status2, GPtrArray *rows_out,
                                                gpointer user_data, GError **error);

/**
 * NtpmonScoreHistorySource:
 *
 * How a stage-2 scorer reads `log_scores` history; supplied by the runner
 * through ntpmon_scorer_set_history_source().
 */
typedef struct
{
  NtpmonScoreFetchRecentFunc fetch_recent;
  gpointer user_data;
} NtpmonScoreHistorySource;

/**
 * NTPMON_SCORER_RECENT_SCORES_SQL:
 *
 * `GetScorerRecentScores` (spec/api-server.md §18.4). Parameters in order:
 * server_id, status1, status2, ts, ts, lookback_seconds, server_id.
 * Columns: id, monitor_id, server_id, ts, score, step, offset, rtt,
 * attributes.
 */
#define NTPMON_SCORER_RECENT_SCORES_SQL                                                            \
  "SELECT ls.id, ls.monitor_id, ls.server_id, ls.ts, ls.score, ls.step,"                           \
  " ls.`offset`, ls.rtt, ls.attributes"                                                            \
  " FROM log_scores ls"                                                                            \
  " INNER JOIN"                                                                                    \
  " (SELECT ls2.monitor_id, MAX(ls2.ts) AS sts"                                                    \
  " FROM log_scores ls2, monitors m FORCE INDEX (PRIMARY), server_scores ss"                       \
  " WHERE ls2.server_id = ?"                                                                       \
  " AND ls2.monitor_id = m.id AND m.type = 'monitor'"                                              \
  " AND (ls2.monitor_id = ss.monitor_id AND ls2.server_id = ss.server_id)"                         \
  " AND ss.status IN (?, ?)"                                                                       \
  " AND ls2.ts <= ?"                                                                               \
  " AND ls2.ts >= DATE_SUB(?, INTERVAL ? SECOND)"                                                  \
  " GROUP BY ls2.monitor_id) AS g"                                                                 \
  " WHERE ls.server_id = ?"                                                                        \
  " AND g.sts = ls.ts"                                                                             \
  " AND g.monitor_id = ls.monitor_id"                                                              \
  " ORDER BY ls.ts"

#define NTPMON_TYPE_SCORER (ntpmon_scorer_get_type ())
G_DECLARE_INTERFACE (NtpmonScorer, ntpmon_scorer, NTPMON, SCORER, GObject)

/**
 * NtpmonScorer:name:
 *
 * Every implementation has a construct-only string property `name`, equal
 * to what get_name() returns. libpeas makes one extension per plugin and
 * interface, so a plugin with several algorithms registers a factory that
 * builds the one named by this property and lists the names in its
 * `.plugin` file as `X-Ntpmon-Scorers=name;name;...`; see
 * ntpmon_scorer_create_from_plugin().
 */

/**
 * NtpmonScorerInterface:
 * @get_name: algorithm name; for stage-2 scorers this is the `monitors.hostname`
 *   of the scorer's `type='score'` row (`every`, `recentmedian`); the API's
 *   stage-1 algorithm is `status`.
 * @compute_step: stage 1 (API): the step and the stored columns for one
 *   submitted result of a monitor whose `monitors.client_version` is
 *   @client_version (NULL: skip the zero-offset trust rule of
 *   spec/scorer.md §3.2 step 4). Pure function, callable from any thread.
 *   NULL for stage-2 algorithms.
 * @score: stage 2 (scorer runner): compute the scorer's row @out for the
 *   server of @latest, given the scorer's own `server_scores` row @own.
 *   Runs on a DB worker thread and may query through @db. Returns FALSE with
 *   @error when the row cannot be scored (the runner's 3-hour rule applies).
 *   NULL for the stage-1 algorithm.
 * @reset: forget in-memory state (de-duplication history); may be NULL.
 * @is_new: stage 2: whether the scorer's `log_scores` row for the input
 *   monitor row @ls should be written (de-duplication, spec/scorer.md §7);
 *   remembers @ls when it is. NULL means always.
 * @set_history_source: stage 2: how to read history; may be NULL for
 *   algorithms that read none.
 */
struct _NtpmonScorerInterface
{
  GTypeInterface g_iface;

  const gchar *(*get_name) (NtpmonScorer *self);
  gboolean (*compute_step) (NtpmonScorer *self, const gchar *client_version,
                            const NtpmonNtpResult *result, NtpmonScoreStep *out, GError **error);
  gboolean (*score) (NtpmonScorer *self, NtpmonDbConn *db, const NtpmonServerScore *own,
                     const NtpmonLogScore *latest, NtpmonLogScore *out, GError **error);
  void (*reset) (NtpmonScorer *self);
  gboolean (*is_new) (NtpmonScorer *self, const NtpmonLogScore *ls);
  void (*set_history_source) (NtpmonScorer *self, const NtpmonScoreHistorySource *source);
};

const gchar *ntpmon_scorer_get_name (NtpmonScorer *self);
gboolean ntpmon_scorer_compute_step (NtpmonScorer *self, const NtpmonNtpResult *result,
                                     NtpmonScoreStep *out, GError **error);
gboolean ntpmon_scorer_compute_step_for_client (NtpmonScorer *self, const gchar *client_version,
                                                const NtpmonNtpResult *result, NtpmonScoreStep *out,
                                                GError **error);
gboolean ntpmon_scorer_score (NtpmonScorer *self, NtpmonDbConn *db, const NtpmonServerScore *own,
                              const NtpmonLogScore *latest, NtpmonLogScore *out, GError **error);
void ntpmon_scorer_reset (NtpmonScorer *self);
gboolean ntpmon_scorer_is_new (NtpmonScorer *self, const NtpmonLogScore *ls);
void ntpmon_scorer_set_history_source (NtpmonScorer *self, const NtpmonScoreHistorySource *source);

GPtrArray *ntpmon_scorer_create_from_plugin (PeasEngine *engine, PeasPluginInfo *info,
                                             GError **error);

G_END_DECLS
