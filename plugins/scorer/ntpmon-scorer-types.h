/* ntpmon-scorer-types.h: the plugin's NtpmonScorer extensions
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

GType ntpmon_status_scorer_register (GTypeModule *module);
GType ntpmon_every_scorer_register (GTypeModule *module);
GType ntpmon_recentmedian_scorer_register (GTypeModule *module);

G_END_DECLS
