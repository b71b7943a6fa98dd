/* ntpmon-scorer-plugin.c: scoring algorithms (not implemented yet, see README.md)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-scorer.h"

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

static void
ntpmon_status_scorer_iface_init (NtpmonScorerInterface *iface)
{
  /* No vfunc but the name yet: ntpmon_scorer_compute_step() reports
   * "not implemented" until the algorithm lands. */
  iface->get_name = ntpmon_status_scorer_get_name;
}

static void
ntpmon_status_scorer_class_init (NtpmonStatusScorerClass *klass)
{
}

static void
ntpmon_status_scorer_class_finalize (NtpmonStatusScorerClass *klass)
{
}

static void
ntpmon_status_scorer_init (NtpmonStatusScorer *self)
{
}

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  ntpmon_status_scorer_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_SCORER,
                                              NTPMON_TYPE_STATUS_SCORER);
}
