/* ntpmon-agent-cmd-check.h: `ntppool-agent check [--json] [--samples N] TARGET...`
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-probe.h"

G_BEGIN_DECLS

gboolean ntpmon_agent_check_parse_target (const gchar *target, GInetAddress **address,
                                          guint16 *port, GError **error);
gchar *ntpmon_agent_check_format_refid (gint stratum, guint32 refid);
int ntpmon_agent_cmd_check_run (NtpmonProbe *probe, gboolean json, gint samples, gchar **targets,
                                GError **error);

void ntpmon_agent_cmd_check_set_timeout (guint seconds);

G_END_DECLS
