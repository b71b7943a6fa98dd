/* ntpmon-score-every.c: algorithm `every` (spec/scorer.md §8)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-every.h"

#include <math.h>
#include <string.h>

#include "ntpmon-score-error.h"

/**
 * ntpmon_score_seconds_to_ns:
 *
 * `seconds × 1e9` truncated toward zero to 64 bits. Out of range or NaN
 * gives G_MININT64, as the reference's conversion does on amd64.
 */
gint64
ntpmon_score_seconds_to_ns (gdouble seconds)
{
  gdouble ns = seconds * 1e9;

  if (isnan (ns) || ns >= 9223372036854775808.0 || ns < -9223372036854775808.0)
    return G_MININT64;
  return (gint64)ns;
}

/**
 * ntpmon_score_every_score:
 * @own_score: the scorer's `server_scores.score_raw`
 * @ls: the monitor row
 *
 * `step + own × 0.95`, replaced by −20 when |offset| exceeds 3 s.
 */
gdouble
ntpmon_score_every_score (gdouble own_score, const NtpmonLogScore *ls)
{
  gdouble decayed = own_score * 0.95;
  gdouble score = ls->step + decayed;

  if (ls->has_offset)
    {
      gint64 d = ntpmon_score_seconds_to_ns (ls->offset);

      if (d < 0)
        d = (gint64)(0 - (guint64)d);
      if (d > G_GINT64_CONSTANT (3000000000))
        score = -20;
    }
  return score;
}

/**
 * ntpmon_score_every:
 * @own: the scorer's `server_scores` row (its `monitor_id` is the scorer id)
 * @ls: the monitor row
 * @out: (out caller-allocates): overwritten; clear with
 *   ntpmon_log_score_clear()
 *
 * The scorer's output row: @ls with the new score and the scorer's id.
 */
gboolean
ntpmon_score_every (const NtpmonServerScore *own, const NtpmonLogScore *ls, NtpmonLogScore *out,
                    GError **error)
{
  if (own->monitor_id == 0)
    {
      g_set_error_literal (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_NOT_CONFIGURED,
                           "every: scorer id not set");
      return FALSE;
    }
  memset (out, 0, sizeof *out);
  out->server_id = ls->server_id;
  out->monitor_id = own->monitor_id;
  out->ts = ls->ts;
  out->score = ntpmon_score_every_score (own->score_raw, ls);
  out->step = ls->step;
  out->has_offset = ls->has_offset;
  out->offset = ls->offset;
  out->has_rtt = ls->has_rtt;
  out->rtt = ls->rtt;
  out->attributes = g_strdup (ls->attributes);
  return TRUE;
}
