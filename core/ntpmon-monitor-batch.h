/* ntpmon-monitor-batch.h: checking the servers of one batch, and handing
 * the results to the API (with the spool for when it is down)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-monitor-metrics.h"
#include "ntpmon-monitor-spool.h"
#include "ntpmon-probe.h"
#include "ntpmon-rpc-client.h"

G_BEGIN_DECLS

/* With --once, a batch of more than this many servers is cut to
 * NTPMON_MONITOR_ONCE_KEEP (agent.md §5.5 quirk). */
#define NTPMON_MONITOR_ONCE_LIMIT 10
#define NTPMON_MONITOR_ONCE_KEEP  9

/* Checks all @n_servers servers concurrently with @probe; @request is the
 * template (port, samples, bind address, allow_private; its target is
 * ignored). A `trace` server is checked with NTP too (logged). A target the
 * probe refuses becomes a result with no_response and the error text.
 * Results (NtpmonNtpResult, in server order, with ticket and ts) from
 * _finish(); fails only when cancelled. */
void ntpmon_monitor_batch_check_async (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                                       Monitor__V2__Server *const *servers, gsize n_servers,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
GPtrArray *ntpmon_monitor_batch_check_finish (GAsyncResult *result, GError **error);

/* The encoded SubmitResults request for @results (what the spool keeps). */
GBytes *ntpmon_monitor_batch_encode (const gchar *mon_id, GBytes *batch_id, GPtrArray *results,
                                     GError **error);

/* Delivers what the spool holds (oldest first), then @request (an encoded
 * SubmitResults request, or NULL for only the spool). A batch the server
 * rejects for good is dropped and counted; while the API is down (a
 * transient error) the rest stays in, and @request is added to, the spool.
 * _finish() fails with the transient error when the API was down (the
 * results are then spooled, *@spooled TRUE), or with the rejection of
 * @request. Each call is counted in @metrics (may be NULL). */
void ntpmon_monitor_batch_submit_async (NtpmonRpcClient *rpc, NtpmonMonitorSpool *spool,
                                        NtpmonMonitorMetrics *metrics, GBytes *request,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean ntpmon_monitor_batch_submit_finish (GAsyncResult *result, gboolean *spooled,
                                             GError **error);

G_END_DECLS
