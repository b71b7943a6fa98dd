/* ntpmon-monitor-worker.h: the monitor's work for one IP family
 *
 * SPDX-License-Identifier: MIT
 *
 * One worker per IP family (agent.md §5.2): it waits until the family is
 * live, keeps the operational config fresh with GetConfig (§5.3), gates on
 * the local clock (§5.7) and runs batches (§5.5) with the reference's
 * backoff (§5.4). Results the API could not take go to the spool.
 *
 * Properties (notified on change, for D-Bus and `status`): `last-batch-time`
 * (unix seconds, 0 before the first), `last-batch-size`, `checks-done`,
 * `checks-failed`, `submits-done`, `submits-failed`, `localok` ("unknown",
 * "ok" or "not-ok"); see ntpmon_monitor_worker_to_variant().
 */
#pragma once

#include "ntpmon-host.h"
#include "ntpmon-monitor-metrics.h"
#include "ntpmon-monitor-spool.h"
#include "ntpmon-probe.h"
#include "ntpmon-rpc-client.h"
#include "ntpmon-state.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean once;        /* one batch iteration, then finish */
  gboolean sanity_only; /* config, one local clock check, then finish */
  gboolean allow_private;
  guint16 ntp_port;     /* 0: 123 */
  guint32 backoff_seed; /* 0: random */
} NtpmonMonitorWorkerOptions;

#define NTPMON_TYPE_MONITOR_WORKER (ntpmon_monitor_worker_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonMonitorWorker, ntpmon_monitor_worker, NTPMON, MONITOR_WORKER, GObject)

/* The worker finds the `ntp` probe in @host (may be NULL when a probe is
 * set with ntpmon_monitor_worker_set_probe()) whenever it needs it. */
NtpmonMonitorWorker *ntpmon_monitor_worker_new (NtpmonStateFamily family, NtpmonState *state,
                                                NtpmonRpcClient *rpc, NtpmonMonitorSpool *spool,
                                                NtpmonHost *host,
                                                const NtpmonMonitorWorkerOptions *options);

/* Uses @probe instead of the host's `ntp` extension. */
void ntpmon_monitor_worker_set_probe (NtpmonMonitorWorker *self, NtpmonProbe *probe);

/* Counts into @metrics (must outlive the worker); NULL counts nothing. */
void ntpmon_monitor_worker_set_metrics (NtpmonMonitorWorker *self, NtpmonMonitorMetrics *metrics);

void ntpmon_monitor_worker_set_allow_private (NtpmonMonitorWorker *self, gboolean allow,
                                              guint16 ntp_port);

/* Runs until cancelled, or for --once/--sanity-only until done. Fails with
 * "health check failed" when --sanity-only finds the local clock off. */
void ntpmon_monitor_worker_run_async (NtpmonMonitorWorker *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_monitor_worker_run_finish (NtpmonMonitorWorker *self, GAsyncResult *result,
                                           GError **error);

NtpmonStateFamily ntpmon_monitor_worker_get_family (NtpmonMonitorWorker *self);
/* The worker's state as a{sv}: Name, IP, Status, LastBatchTime,
 * LastBatchSize, ChecksDone, ChecksFailed, SubmitsDone, SubmitsFailed,
 * LocalOK, State ("waiting-for-activation", "waiting-for-config",
 * "monitoring", "stopped"). "stats-changed" is emitted when it changes. */
GVariant *ntpmon_monitor_worker_to_variant (NtpmonMonitorWorker *self);

/* Emitted with the delay (ms) of each retry the batch loop schedules. */
#define NTPMON_MONITOR_WORKER_SIGNAL_RETRY "retry-scheduled"

G_END_DECLS
