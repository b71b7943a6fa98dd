/* ntpmon-recentmedian-scorer.c: `recentmedian`, the main scorer (§9)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-scorer.h"
#include "ntpmon-scorer-types.h"
#include "ntpmon-score-history.h"
#include "ntpmon-score-median.h"

#define NTPMON_TYPE_RECENTMEDIAN_SCORER (ntpmon_recentmedian_scorer_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonRecentmedianScorer, ntpmon_recentmedian_scorer, NTPMON,
                      RECENTMEDIAN_SCORER, GObject)

struct _NtpmonRecentmedianScorer
{
  GObject parent_instance;
  NtpmonScoreHistory *history;
  GMutex lock;
  NtpmonScoreHistorySource source;
};

static void ntpmon_recentmedian_scorer_iface_init (NtpmonScorerInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (
    NtpmonRecentmedianScorer, ntpmon_recentmedian_scorer, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
    G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_SCORER, ntpmon_recentmedian_scorer_iface_init))

static const gchar *
ntpmon_recentmedian_scorer_get_name (NtpmonScorer *scorer)
{
  return "recentmedian";
}

static gboolean
ntpmon_recentmedian_scorer_score (NtpmonScorer *scorer, NtpmonDbConn *db,
                                  const NtpmonServerScore *own, const NtpmonLogScore *latest,
                                  NtpmonLogScore *out, GError **error)
{
  NtpmonRecentmedianScorer *self = NTPMON_RECENTMEDIAN_SCORER (scorer);
  NtpmonScoreHistorySource source;

  g_mutex_lock (&self->lock);
  source = self->source;
  g_mutex_unlock (&self->lock);
  return ntpmon_score_recent_median (&source, db, own, latest, out, error);
}

static gboolean
ntpmon_recentmedian_scorer_is_new (NtpmonScorer *scorer, const NtpmonLogScore *ls)
{
  NtpmonRecentmedianScorer *self = NTPMON_RECENTMEDIAN_SCORER (scorer);

  return ntpmon_score_history_is_new (self->history, ls->server_id, ls->ts, ls->score);
}

static void
ntpmon_recentmedian_scorer_reset (NtpmonScorer *scorer)
{
  ntpmon_score_history_reset (NTPMON_RECENTMEDIAN_SCORER (scorer)->history);
}

static void
ntpmon_recentmedian_scorer_set_history_source (NtpmonScorer *scorer,
                                               const NtpmonScoreHistorySource *source)
{
  NtpmonRecentmedianScorer *self = NTPMON_RECENTMEDIAN_SCORER (scorer);
  NtpmonScoreHistorySource none = { NULL, NULL };

  g_mutex_lock (&self->lock);
  self->source = source != NULL ? *source : none;
  g_mutex_unlock (&self->lock);
}

static void
ntpmon_recentmedian_scorer_iface_init (NtpmonScorerInterface *iface)
{
  iface->get_name = ntpmon_recentmedian_scorer_get_name;
  iface->score = ntpmon_recentmedian_scorer_score;
  iface->is_new = ntpmon_recentmedian_scorer_is_new;
  iface->reset = ntpmon_recentmedian_scorer_reset;
  iface->set_history_source = ntpmon_recentmedian_scorer_set_history_source;
}

static void
ntpmon_recentmedian_scorer_finalize (GObject *object)
{
  NtpmonRecentmedianScorer *self = NTPMON_RECENTMEDIAN_SCORER (object);

  g_clear_pointer (&self->history, ntpmon_score_history_free);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ntpmon_recentmedian_scorer_parent_class)->finalize (object);
}

static void
ntpmon_recentmedian_scorer_class_init (NtpmonRecentmedianScorerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_recentmedian_scorer_finalize;
  ntpmon_scorer_class_add_name (G_OBJECT_CLASS (klass));
}

static void
ntpmon_recentmedian_scorer_class_finalize (NtpmonRecentmedianScorerClass *klass)
{
}

static void
ntpmon_recentmedian_scorer_init (NtpmonRecentmedianScorer *self)
{
  self->history = ntpmon_score_history_new ();
  g_mutex_init (&self->lock);
}

GType
ntpmon_recentmedian_scorer_register (GTypeModule *module)
{
  ntpmon_recentmedian_scorer_register_type (module);
  return NTPMON_TYPE_RECENTMEDIAN_SCORER;
}
