/* ntpmon-version.h: client version comparison (semantic versions)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ntpmon_semver_valid (const gchar *v, gssize len);
gint ntpmon_semver_compare (const gchar *a, gssize a_len, const gchar *b, gssize b_len);
gboolean ntpmon_version_at_least (const gchar *client_version, const gchar *min);

G_END_DECLS
