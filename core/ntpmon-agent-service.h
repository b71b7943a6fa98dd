/* ntpmon-agent-service.h: the agent's D-Bus object org.ntppool.Agent1
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-agent.h"
#include "ntpmon-monitor-metrics.h"
#include "ntpmon-monitor-spool.h"

G_BEGIN_DECLS

#define NTPMON_TYPE_AGENT_SERVICE (ntpmon_agent_service_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonAgentService, ntpmon_agent_service, NTPMON, AGENT_SERVICE, GObject)

NtpmonAgentService *ntpmon_agent_service_new (NtpmonAgentContext *ctx);
void ntpmon_agent_service_start (NtpmonAgentService *self, NtpmonBusChoice bus);
void ntpmon_agent_service_stop (NtpmonAgentService *self);
void ntpmon_agent_service_update (NtpmonAgentService *self);
void ntpmon_agent_service_set_state (NtpmonAgentService *self, const gchar *state);
/* StateError: why the last state reload failed; NULL clears it. */
void ntpmon_agent_service_set_state_error (NtpmonAgentService *self, const gchar *error);
/* Publishes the monitoring state of @workers (NtpmonMonitorWorker) and
 * @spool, following their changes, and counts CheckNow() in @metrics
 * (borrowed until the next call); NULL, NULL, NULL stops that. */
void ntpmon_agent_service_set_monitor (NtpmonAgentService *self, GPtrArray *workers,
                                       NtpmonMonitorSpool *spool, NtpmonMonitorMetrics *metrics);

G_END_DECLS
