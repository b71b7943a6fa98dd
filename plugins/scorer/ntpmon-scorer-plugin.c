/* ntpmon-scorer-plugin.c: registers the scoring algorithms with libpeas
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-scorer.h"
#include "ntpmon-scorer-types.h"

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  GTypeModule *type_module = G_TYPE_MODULE (module);

  peas_object_module_register_extension_type (module, NTPMON_TYPE_SCORER,
                                              ntpmon_status_scorer_register (type_module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_SCORER,
                                              ntpmon_every_scorer_register (type_module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_SCORER,
                                              ntpmon_recentmedian_scorer_register (type_module));
}
