/* ntpmon-log.h: structured logging to stderr (logfmt) or the journal
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ntpmon_log_parse_level (const gchar *name, GLogLevelFlags *level, GError **error);
gint ntpmon_log_priority (GLogLevelFlags level);
void ntpmon_log_setup (GLogLevelFlags level);
void ntpmon_log_set_level (GLogLevelFlags level);
void ntpmon_log_add_field (const gchar *key, const gchar *value);
gchar *ntpmon_log_format (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                          gboolean with_time);

G_END_DECLS
