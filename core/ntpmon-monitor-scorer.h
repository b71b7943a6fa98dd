/* ntpmon-monitor-scorer.h: the ntppool-monitor-scorer program's commands
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-config.h"
#include "ntpmon-db.h"
#include "ntpmon-host.h"
#include "ntpmon-metrics.h"

G_BEGIN_DECLS

#define NTPMON_SCORER_PROGRAM "ntppool-monitor-scorer"

/* What the global flags and the config set up before a command runs. */
typedef struct
{
  NtpmonConfig *config;
  NtpmonHost *host;
  NtpmonDbConfig *db_config;
  GCancellable *cancellable; /* cancelled by SIGTERM/SIGINT */
  gint metrics_port;
  NtpmonMetrics *metrics; /* served on metrics_port; NULL when off */
  gboolean verbose;
} NtpmonScorerContext;

/* Returns the exit status; sets @error for `ntppool-monitor-scorer: error: …`. */
typedef gint (*NtpmonScorerCommandFunc) (NtpmonScorerContext *ctx, gchar **args, GError **error);

typedef struct
{
  const gchar *group; /* "scorer", "selector" or NULL for a top-level command */
  const gchar *name;
  const gchar *parameter_string;
  const gchar *summary;
  guint min_args;
  guint max_args;
  gboolean uses_metrics_port;
  gboolean uses_verbose;
  gboolean needs_db;
  NtpmonScorerCommandFunc run;
} NtpmonScorerCommand;

extern const NtpmonScorerCommand ntpmon_scorer_commands[];
extern const guint ntpmon_scorer_n_commands;

G_END_DECLS
