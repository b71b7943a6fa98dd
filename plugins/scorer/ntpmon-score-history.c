/* ntpmon-score-history.c: de-duplication of scorer log rows (spec/scorer.md §7)
 *
 * Per server, the (ts, score) of the last input row that was accepted as
 * new. In memory only; safe to call from several threads.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-history.h"

#include <math.h>

#define MIN_INTERVAL  (15 * 60) /* seconds */
#define FAST_INTERVAL (MIN_INTERVAL / 3)
#define EQUAL_EPS     1e-12
#define CLOSE_PCT     0.05

typedef struct
{
  gint64 ts;
  gdouble score;
} LastScore;

struct _NtpmonScoreHistory
{
  GMutex lock;
  GHashTable *last; /* GUINT_TO_POINTER (server_id) → LastScore */
};

NtpmonScoreHistory *
ntpmon_score_history_new (void)
{
  NtpmonScoreHistory *self = g_new0 (NtpmonScoreHistory, 1);

  g_mutex_init (&self->lock);
  self->last = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  return self;
}

void
ntpmon_score_history_free (NtpmonScoreHistory *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->last);
  g_mutex_clear (&self->lock);
  g_free (self);
}

gboolean
ntpmon_score_almost_equal (gdouble a, gdouble b)
{
  return fabs (a - b) <= EQUAL_EPS;
}

/**
 * ntpmon_score_pct_close:
 *
 * Whether @new_score is within 5 % of @last_score (relative to the latter;
 * with a zero on one side only an almost-equal test).
 */
gboolean
ntpmon_score_pct_close (gdouble new_score, gdouble last_score)
{
  gdouble limit;

  if (new_score == 0 && last_score == 0)
    return TRUE;
  if (new_score == 0 || last_score == 0)
    return ntpmon_score_almost_equal (new_score, last_score);
  limit = fabs (last_score) * CLOSE_PCT;
  return fabs (new_score - last_score) <= limit;
}

/**
 * ntpmon_score_history_is_new:
 * @ts: the input row's `ts`, unix seconds
 *
 * Returns: whether a scorer row should be written for this input row; the
 *   row is remembered when TRUE
 */
gboolean
ntpmon_score_history_is_new (NtpmonScoreHistory *self, guint32 server_id, gint64 ts, gdouble score)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  LastScore *last = g_hash_table_lookup (self->last, GUINT_TO_POINTER (server_id));

  if (last != NULL)
    {
      if (ts < last->ts)
        return FALSE;
      if (ntpmon_score_almost_equal (score, last->score) && last->ts + MIN_INTERVAL > ts)
        return FALSE;
      if (ntpmon_score_pct_close (score, last->score) && last->ts + FAST_INTERVAL > ts)
        return FALSE;
    }
  else
    {
      last = g_new0 (LastScore, 1);
      g_hash_table_insert (self->last, GUINT_TO_POINTER (server_id), last);
    }
  last->ts = ts;
  last->score = score;
  return TRUE;
}

/**
 * ntpmon_score_history_lookup:
 *
 * Returns: whether a row is remembered for @server_id (then sets @ts, @score)
 */
gboolean
ntpmon_score_history_lookup (NtpmonScoreHistory *self, guint32 server_id, gint64 *ts,
                             gdouble *score)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  LastScore *last = g_hash_table_lookup (self->last, GUINT_TO_POINTER (server_id));

  if (last == NULL)
    return FALSE;
  *ts = last->ts;
  *score = last->score;
  return TRUE;
}

void
ntpmon_score_history_reset (NtpmonScoreHistory *self)
{
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_hash_table_remove_all (self->last);
}
