/* ntpmon-score-median.c: algorithm `recentmedian` (spec/scorer.md §9)
 *
 * The candidate rows come from a #NtpmonScoreHistorySource (the runner's
 * `GetScorerRecentScores` query); everything after that is pure.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-median.h"

#include <stdlib.h>
#include <string.h>

#include "ntpmon-score-attributes.h"
#include "ntpmon-score-error.h"

/* The second status of attempt 1 is empty: it matches no row. */
const NtpmonScoreRecentAttempt ntpmon_score_recent_attempts[3] = {
  { 1200, "active", "" },
  { 2700, "active", "testing" },
  { 7200, "candidate", "testing" },
};

/**
 * ntpmon_score_rows_new:
 *
 * Returns: (transfer full): an empty array of #NtpmonLogScore rows that
 *   frees them
 */
GPtrArray *
ntpmon_score_rows_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_log_score_free);
}

typedef struct
{
  const NtpmonLogScore *row;
  guint pos;
} Ranked;

static gint
rank_cmp (const void *pa, const void *pb)
{
  const Ranked *a = pa;
  const Ranked *b = pb;
  gint32 a_rtt = a->row->has_rtt ? a->row->rtt : 0;
  gint32 b_rtt = b->row->has_rtt ? b->row->rtt : 0;

  /* Same decisions as the reference's comparator, including for NaN. */
  if (a->row->score != b->row->score)
    {
      if (a->row->score > b->row->score)
        return 1;
      if (a->row->score < b->row->score)
        return -1;
    }
  if (a_rtt != b_rtt)
    return a_rtt > b_rtt ? 1 : -1;
  return a->pos < b->pos ? -1 : (a->pos > b->pos ? 1 : 0);
}

/**
 * ntpmon_score_median_choose:
 * @rows: (element-type NtpmonLogScore): candidate rows in `ts` order, not
 *   empty
 *
 * §9.2: with fewer than three rows the first; otherwise the lower median
 * by score (ties by rtt, NULL as 0, then by position).
 *
 * Returns: (transfer none): the chosen row, an element of @rows
 */
const NtpmonLogScore *
ntpmon_score_median_choose (GPtrArray *rows)
{
  g_autofree Ranked *ranked = NULL;
  guint n = rows->len;
  guint i;

  g_return_val_if_fail (n > 0, NULL);
  if (n < 3)
    return g_ptr_array_index (rows, 0);

  ranked = g_new (Ranked, n);
  for (i = 0; i < n; i++)
    {
      ranked[i].row = g_ptr_array_index (rows, i);
      ranked[i].pos = i;
    }
  qsort (ranked, n, sizeof *ranked, rank_cmp);
  i = n / 2;
  if (n % 2 == 0)
    i--;
  return ranked[i].row;
}

/**
 * ntpmon_score_recent_rows:
 *
 * §9.1: runs the look-back attempts until one returns rows.
 *
 * Returns: (transfer full) (nullable): the non-empty candidate rows, or
 *   NULL with @error (database error, or no recent scores)
 */
GPtrArray *
ntpmon_score_recent_rows (const NtpmonScoreHistorySource *source, NtpmonDbConn *db,
                          guint32 server_id, gint64 ts, GError **error)
{
  if (source == NULL || source->fetch_recent == NULL)
    {
      g_set_error_literal (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_NOT_CONFIGURED,
                           "recentmedian has no history source");
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (ntpmon_score_recent_attempts); i++)
    {
      const NtpmonScoreRecentAttempt *a = &ntpmon_score_recent_attempts[i];
      g_autoptr (GPtrArray) rows = ntpmon_score_rows_new ();

      if (!source->fetch_recent (db, server_id, ts, a->lookback_seconds, a->status1, a->status2,
                                 rows, source->user_data, error))
        return NULL;
      if (rows->len > 0)
        return g_steal_pointer (&rows);
    }
  g_set_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_NO_RECENT_SCORES,
               "no recent scores found for %u", server_id);
  return NULL;
}

/**
 * ntpmon_score_median_output:
 * @own: the scorer's `server_scores` row
 * @latest: the triggering monitor row
 * @chosen: the chosen candidate row
 * @out: (out caller-allocates): overwritten; clear with
 *   ntpmon_log_score_clear()
 *
 * §9.3: the scorer's row; fails when @chosen's attributes do not decode.
 */
gboolean
ntpmon_score_median_output (const NtpmonServerScore *own, const NtpmonLogScore *latest,
                            const NtpmonLogScore *chosen, NtpmonLogScore *out, GError **error)
{
  NtpmonScoreAttributes attrs = { 0 };

  memset (out, 0, sizeof *out);
  if (chosen->attributes != NULL
      && !ntpmon_score_attributes_decode (chosen->attributes, &attrs, error))
    {
      ntpmon_score_attributes_clear (&attrs);
      return FALSE;
    }
  attrs.from_ls_id = (gint64)latest->id;
  attrs.from_ss_id = (gint64)own->id;

  out->server_id = chosen->server_id;
  out->monitor_id = own->monitor_id;
  out->ts = latest->ts;
  out->step = chosen->step;
  out->score = chosen->score;
  out->attributes = ntpmon_score_attributes_encode (&attrs);
  ntpmon_score_attributes_clear (&attrs);
  return TRUE;
}

/**
 * ntpmon_score_recent_median:
 *
 * The whole `recentmedian` step for one triggering row.
 */
gboolean
ntpmon_score_recent_median (const NtpmonScoreHistorySource *source, NtpmonDbConn *db,
                            const NtpmonServerScore *own, const NtpmonLogScore *latest,
                            NtpmonLogScore *out, GError **error)
{
  g_autoptr (GPtrArray) rows = NULL;

  if (own->monitor_id == 0)
    {
      g_set_error_literal (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_NOT_CONFIGURED,
                           "recentmedian: scorer id not set");
      return FALSE;
    }
  rows = ntpmon_score_recent_rows (source, db, own->server_id, latest->ts, error);
  if (rows == NULL)
    return FALSE;
  return ntpmon_score_median_output (own, latest, ntpmon_score_median_choose (rows), out, error);
}
