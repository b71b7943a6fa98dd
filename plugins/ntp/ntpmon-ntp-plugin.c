/* ntpmon-ntp-plugin.c: registers the `ntp` probe with libpeas
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-ntp-probe.h"

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  /* The probe type is registered statically, so the module must stay. */
  g_module_make_resident (peas_object_module_get_library (module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_PROBE, NTPMON_TYPE_NTP_PROBE);
}
