/* ntpmon-monitor-metrics.h: the agent's metrics (agent.md §7.2) and its
 * optional Prometheus endpoint
 *
 * SPDX-License-Identifier: MIT
 *
 * The reference's meter `monitor.client` in Prometheus names (dots become
 * underscores): monitor_local_check_up / monitor_local_check_time {host,
 * ip_version=v4|v6}, monitor_servers_checked_total and
 * monitor_ntp_queries_sent_total {ip_version=ipv4|ipv6} (batch, local
 * clock and D-Bus CheckNow checks),
 * monitor_rpc_requests_total {type=config|getServers|submitResults,
 * status_code=success|error}, monitor_ssl_earliest_cert_expiry; and the
 * spool: monitor_spool_batches, monitor_spool_dropped_total,
 * monitor_spool_write_failures_total.
 */
#pragma once

#include "ntpmon-metrics.h"
#include "ntpmon-monitor-spool.h"
#include "ntpmon-state.h"

G_BEGIN_DECLS

typedef struct _NtpmonMonitorMetrics NtpmonMonitorMetrics;

NtpmonMonitorMetrics *ntpmon_monitor_metrics_new (void);
void ntpmon_monitor_metrics_free (NtpmonMonitorMetrics *self);
NtpmonMetrics *ntpmon_monitor_metrics_get_registry (NtpmonMonitorMetrics *self);

/* Where the gauges read at render time come from (either may be NULL). */
void ntpmon_monitor_metrics_set_sources (NtpmonMonitorMetrics *self, NtpmonMonitorSpool *spool,
                                         NtpmonState *state);

/* type: "config", "getServers" or "submitResults". All accept self NULL. */
void ntpmon_monitor_metrics_rpc (NtpmonMonitorMetrics *self, const gchar *type, gboolean ok);
/* @checks NTP checks run, which sent @queries request datagrams
 * (NtpmonNtpResult.queries_sent) */
void ntpmon_monitor_metrics_checked (NtpmonMonitorMetrics *self, gboolean ipv6, guint checks,
                                     guint queries);
void ntpmon_monitor_metrics_local_check (NtpmonMonitorMetrics *self, const gchar *host,
                                         gboolean ipv6, gboolean up, gint64 started_unix);

/* The metrics in the Prometheus text format, gauges refreshed. */
gchar *ntpmon_monitor_metrics_render (NtpmonMonitorMetrics *self);

/* Serves GET /metrics on @address ("host:port", e.g. "127.0.0.1:9123";
 * port 0 picks one); the port in use in *@port. */
gboolean ntpmon_monitor_metrics_listen (NtpmonMonitorMetrics *self, const gchar *address,
                                        guint16 *port, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonMonitorMetrics, ntpmon_monitor_metrics_free)

G_END_DECLS
