/* ntpmon-status-scorer.c: `status`, the API's stage-1 step (spec/scorer.md §3)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-scorer.h"
#include "ntpmon-scorer-types.h"
#include "ntpmon-score-step.h"

#define NTPMON_TYPE_STATUS_SCORER (ntpmon_status_scorer_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonStatusScorer, ntpmon_status_scorer, NTPMON, STATUS_SCORER, GObject)

struct _NtpmonStatusScorer
{
  GObject parent_instance;
};

static void ntpmon_status_scorer_iface_init (NtpmonScorerInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonStatusScorer, ntpmon_status_scorer, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_SCORER,
                                                               ntpmon_status_scorer_iface_init))

static const gchar *
ntpmon_status_scorer_get_name (NtpmonScorer *scorer)
{
  return "status";
}

static gboolean
ntpmon_status_scorer_compute_step (NtpmonScorer *scorer, const gchar *client_version,
                                   const NtpmonNtpResult *result, NtpmonScoreStep *out,
                                   GError **error)
{
  ntpmon_score_compute_step (client_version, result, out);
  return TRUE;
}

static void
ntpmon_status_scorer_iface_init (NtpmonScorerInterface *iface)
{
  iface->get_name = ntpmon_status_scorer_get_name;
  iface->compute_step = ntpmon_status_scorer_compute_step;
}

static void
ntpmon_status_scorer_class_init (NtpmonStatusScorerClass *klass)
{
  ntpmon_scorer_class_add_name (G_OBJECT_CLASS (klass));
}

static void
ntpmon_status_scorer_class_finalize (NtpmonStatusScorerClass *klass)
{
}

static void
ntpmon_status_scorer_init (NtpmonStatusScorer *self)
{
}

GType
ntpmon_status_scorer_register (GTypeModule *module)
{
  ntpmon_status_scorer_register_type (module);
  return NTPMON_TYPE_STATUS_SCORER;
}
