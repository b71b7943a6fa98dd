/* ntpmon-selector-runner.h: the monitor selector's runs against the database
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db.h"
#include "ntpmon-metrics.h"
#include "ntpmon-reviewer.h"

G_BEGIN_DECLS

/**
 * NtpmonSelectorRunnerStats:
 *
 * Counters of the runs (spec/selector.md §11); they only grow.
 */
typedef struct
{
  guint64 batches;
  guint64 servers;
  guint64 failed_servers;
  guint64 monitors_evaluated;
  guint64 changes_applied;
  guint64 changes_failed;
  guint64 violations;
} NtpmonSelectorRunnerStats;

#define NTPMON_TYPE_SELECTOR_RUNNER (ntpmon_selector_runner_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonSelectorRunner, ntpmon_selector_runner, NTPMON, SELECTOR_RUNNER,
                      GObject)

NtpmonSelectorRunner *ntpmon_selector_runner_new (NtpmonDbConn *conn, NtpmonReviewer *reviewer);
gboolean ntpmon_selector_runner_run_batch (NtpmonSelectorRunner *self, guint *count,
                                           GError **error);
gboolean ntpmon_selector_runner_run_batches (NtpmonSelectorRunner **runners, guint n_runners,
                                             guint *count, GError **error);
gboolean ntpmon_selector_runner_run_server (NtpmonSelectorRunner *self, gint64 server_id,
                                            gboolean *changed, GError **error);
NtpmonReviewResult *ntpmon_selector_runner_simulate (NtpmonSelectorRunner *self, gint64 server_id,
                                                     GError **error);
void ntpmon_selector_runner_set_metrics (NtpmonSelectorRunner *self, NtpmonMetrics *metrics);
void ntpmon_selector_runner_get_stats (NtpmonSelectorRunner *self, NtpmonSelectorRunnerStats *out);

G_END_DECLS
