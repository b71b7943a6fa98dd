/* ntpmon-every-scorer.c: `every`, an average over all monitors' steps (§8)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-scorer.h"
#include "ntpmon-scorer-types.h"
#include "ntpmon-score-every.h"
#include "ntpmon-score-history.h"

#define NTPMON_TYPE_EVERY_SCORER (ntpmon_every_scorer_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonEveryScorer, ntpmon_every_scorer, NTPMON, EVERY_SCORER, GObject)

struct _NtpmonEveryScorer
{
  GObject parent_instance;
  NtpmonScoreHistory *history;
};

static void ntpmon_every_scorer_iface_init (NtpmonScorerInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonEveryScorer, ntpmon_every_scorer, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_SCORER,
                                                               ntpmon_every_scorer_iface_init))

static const gchar *
ntpmon_every_scorer_get_name (NtpmonScorer *scorer)
{
  return "every";
}

static gboolean
ntpmon_every_scorer_score (NtpmonScorer *scorer, NtpmonDbConn *db, const NtpmonServerScore *own,
                           const NtpmonLogScore *latest, NtpmonLogScore *out, GError **error)
{
  return ntpmon_score_every (own, latest, out, error);
}

static gboolean
ntpmon_every_scorer_is_new (NtpmonScorer *scorer, const NtpmonLogScore *ls)
{
  NtpmonEveryScorer *self = NTPMON_EVERY_SCORER (scorer);

  return ntpmon_score_history_is_new (self->history, ls->server_id, ls->ts, ls->score);
}

static void
ntpmon_every_scorer_reset (NtpmonScorer *scorer)
{
  ntpmon_score_history_reset (NTPMON_EVERY_SCORER (scorer)->history);
}

static void
ntpmon_every_scorer_iface_init (NtpmonScorerInterface *iface)
{
  iface->get_name = ntpmon_every_scorer_get_name;
  iface->score = ntpmon_every_scorer_score;
  iface->is_new = ntpmon_every_scorer_is_new;
  iface->reset = ntpmon_every_scorer_reset;
}

static void
ntpmon_every_scorer_finalize (GObject *object)
{
  NtpmonEveryScorer *self = NTPMON_EVERY_SCORER (object);

  g_clear_pointer (&self->history, ntpmon_score_history_free);
  G_OBJECT_CLASS (ntpmon_every_scorer_parent_class)->finalize (object);
}

static void
ntpmon_every_scorer_class_init (NtpmonEveryScorerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_every_scorer_finalize;
  ntpmon_scorer_class_add_name (G_OBJECT_CLASS (klass));
}

static void
ntpmon_every_scorer_class_finalize (NtpmonEveryScorerClass *klass)
{
}

static void
ntpmon_every_scorer_init (NtpmonEveryScorer *self)
{
  self->history = ntpmon_score_history_new ();
}

GType
ntpmon_every_scorer_register (GTypeModule *module)
{
  ntpmon_every_scorer_register_type (module);
  return NTPMON_TYPE_EVERY_SCORER;
}
