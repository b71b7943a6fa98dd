/* ntpmon-scorer.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-host.h"
#include "ntpmon-scorer.h"

G_DEFINE_INTERFACE (NtpmonScorer, ntpmon_scorer, G_TYPE_OBJECT)

static void
ntpmon_scorer_default_init (NtpmonScorerInterface *iface)
{
  g_object_interface_install_property (
      iface,
      g_param_spec_string ("name", "Name", "The algorithm's name", NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
}

void
ntpmon_log_score_clear (NtpmonLogScore *row)
{
  g_clear_pointer (&row->attributes, g_free);
}

void
ntpmon_log_score_free (NtpmonLogScore *row)
{
  if (row == NULL)
    return;
  ntpmon_log_score_clear (row);
  g_free (row);
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

/**
 * ntpmon_score_apply_step:
 * @old_score: the monitor's running score (`server_scores.score_raw`)
 * @step: the step of a new result
 *
 * The stage-1 running score (spec/scorer.md §3.7): `old × 0.95 + step`,
 * then at most the cap when there is one. Every operation is rounded on
 * its own (the project builds with -ffp-contract=off).
 *
 * Returns: the new running score
 */
gdouble
ntpmon_score_apply_step (gdouble old_score, const NtpmonScoreStep *step)
{
  gdouble decayed = old_score * 0.95;
  gdouble score = decayed + step->step;

  if (step->has_cap && score > step->cap)
    score = step->cap;
  return score;
}

/**
 * ntpmon_duration_to_ns:
 * @seconds: protobuf Duration seconds
 * @nanos: protobuf Duration nanos
 *
 * `seconds × 10⁹ + nanos`, saturating at G_MININT64/G_MAXINT64
 * (spec/scorer.md §3.4).
 *
 * Returns: nanoseconds
 */
gint64
ntpmon_duration_to_ns (gint64 seconds, gint32 nanos)
{
  gint64 ns;

  if (__builtin_mul_overflow (seconds, (gint64)1000000000, &ns))
    return seconds < 0 ? G_MININT64 : G_MAXINT64;
  if (__builtin_add_overflow (ns, (gint64)nanos, &ns))
    return nanos < 0 ? G_MININT64 : G_MAXINT64;
  return ns;
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

/**
 * ntpmon_scorer_compute_step:
 *
 * Same as ntpmon_scorer_compute_step_for_client() with a NULL client
 * version: the zero-offset trust rule is not applied.
 */
gboolean
ntpmon_scorer_compute_step (NtpmonScorer *self, const NtpmonNtpResult *result, NtpmonScoreStep *out,
                            GError **error)
{
  return ntpmon_scorer_compute_step_for_client (self, NULL, result, out, error);
}

/**
 * ntpmon_scorer_compute_step_for_client:
 * @client_version: (nullable): the submitting monitor's
 *   `monitors.client_version` as stored (e.g. `v3.8.4/linux`); NULL skips
 *   the zero-offset trust rule
 * @out: (out caller-allocates): cleared with ntpmon_score_step_clear()
 *
 * Stage 1: step, cap, attributes, offset and rtt columns for one result.
 */
gboolean
ntpmon_scorer_compute_step_for_client (NtpmonScorer *self, const gchar *client_version,
                                       const NtpmonNtpResult *result, NtpmonScoreStep *out,
                                       GError **error)
{
  NtpmonScorerInterface *iface;

  g_return_val_if_fail (NTPMON_IS_SCORER (self), FALSE);
  iface = NTPMON_SCORER_GET_IFACE (self);
  if (iface->compute_step == NULL)
    return unsupported (self, "a stage-1 step", error);
  return iface->compute_step (self, client_version, result, out, error);
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

/**
 * ntpmon_scorer_is_new:
 * @ls: the input monitor row (not the scorer's output)
 *
 * Whether the runner should write the scorer's `log_scores` row for @ls
 * (spec/scorer.md §7). Call after a successful ntpmon_scorer_score().
 */
gboolean
ntpmon_scorer_is_new (NtpmonScorer *self, const NtpmonLogScore *ls)
{
  NtpmonScorerInterface *iface;

  g_return_val_if_fail (NTPMON_IS_SCORER (self), TRUE);
  iface = NTPMON_SCORER_GET_IFACE (self);
  if (iface->is_new == NULL)
    return TRUE;
  return iface->is_new (self, ls);
}

/**
 * ntpmon_scorer_set_history_source:
 * @source: (nullable): copied; NULL removes it
 *
 * Tells a stage-2 scorer how to read `log_scores` history. Call before the
 * first ntpmon_scorer_score(); scorers that read no history ignore it.
 */
void
ntpmon_scorer_set_history_source (NtpmonScorer *self, const NtpmonScoreHistorySource *source)
{
  NtpmonScorerInterface *iface;

  g_return_if_fail (NTPMON_IS_SCORER (self));
  iface = NTPMON_SCORER_GET_IFACE (self);
  if (iface->set_history_source != NULL)
    iface->set_history_source (self, source);
}

/**
 * ntpmon_scorer_create_from_plugin:
 * @engine: the engine that loaded @info
 * @info: a loaded plugin
 * @error: set when the plugin lists an algorithm it cannot create
 *
 * Creates every algorithm the plugin lists in `X-Ntpmon-Scorers`.
 *
 * Returns: (transfer full) (element-type NtpmonScorer): the scorers, empty
 *   when the plugin lists none; NULL on error
 */
GPtrArray *
ntpmon_scorer_create_from_plugin (PeasEngine *engine, PeasPluginInfo *info, GError **error)
{
  return ntpmon_host_create_named_extensions (engine, info, NTPMON_TYPE_SCORER, "Ntpmon-Scorers",
                                              "scorer", error);
}
