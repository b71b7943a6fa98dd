/* ntpmon-defaults.h: /etc/default/ntppool-agent
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ntpmon_defaults_load (const gchar *path, GError **error);

G_END_DECLS
