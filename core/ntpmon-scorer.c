/* ntpmon-scorer.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-scorer.h"

G_DEFINE_INTERFACE (NtpmonScorer, ntpmon_scorer, G_TYPE_OBJECT)

static void
ntpmon_scorer_default_init (NtpmonScorerInterface *iface)
{
}

void
ntpmon_log_score_clear (NtpmonLogScore *row)
{
  g_clear_pointer (&row->attributes, g_free);
}

void
ntpmon_server_score_clear (NtpmonServerScore *row)
{
  g_clear_pointer (&row->status, g_free);
}

void
ntpmon_score_step_clear (NtpmonScoreStep *step)
{
  g_clear_pointer (&step->attributes, g_free);
}

const gchar *
ntpmon_scorer_get_name (NtpmonScorer *self)
{
  g_return_val_if_fail (NTPMON_IS_SCORER (self), NULL);
  return NTPMON_SCORER_GET_IFACE (self)->get_name (self);
}

static gboolean
unsupported (NtpmonScorer *self, const gchar *what, GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "scorer %s does not implement %s",
               ntpmon_scorer_get_name (self), what);
  return FALSE;
}

gboolean
ntpmon_scorer_compute_step (NtpmonScorer *self, const NtpmonNtpResult *result, NtpmonScoreStep *out,
                            GError **error)
{
  NtpmonScorerInterface *iface;

  g_return_val_if_fail (NTPMON_IS_SCORER (self), FALSE);
  iface = NTPMON_SCORER_GET_IFACE (self);
  if (iface->compute_step == NULL)
    return unsupported (self, "a stage-1 step", error);
  return iface->compute_step (self, result, out, error);
}

gboolean
ntpmon_scorer_score (NtpmonScorer *self, NtpmonDbConn *db, const NtpmonServerScore *own,
                     const NtpmonLogScore *latest, NtpmonLogScore *out, GError **error)
{
  NtpmonScorerInterface *iface;

  g_return_val_if_fail (NTPMON_IS_SCORER (self), FALSE);
  iface = NTPMON_SCORER_GET_IFACE (self);
  if (iface->score == NULL)
    return unsupported (self, "stage-2 scoring", error);
  return iface->score (self, db, own, latest, out, error);
}

void
ntpmon_scorer_reset (NtpmonScorer *self)
{
  NtpmonScorerInterface *iface;

  g_return_if_fail (NTPMON_IS_SCORER (self));
  iface = NTPMON_SCORER_GET_IFACE (self);
  if (iface->reset != NULL)
    iface->reset (self);
}
