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

void ntpmon_scorer_class_add_name (GObjectClass *klass);

G_END_DECLS
