/* ntpmon-api-queries.h: the SQL of the monitor RPCs (spec api-server.md §18)
 *
 * SPDX-License-Identifier: MIT
 *
 * Everything here runs on a database worker thread, inside a job of
 * ntpmon_db_run_async(); nothing touches the main loop.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ntpmon-db.h"

G_BEGIN_DECLS

/**
 * NtpmonApiMonitor:
 *
 * The `monitors` row of the caller (§4.6) and its account. Text columns
 * that are NULL are NULL here.
 */
typedef struct
{
  guint64 id;
  gchar *tls_name;
  gchar *hostname;
  gchar *ip;
  gchar *ip_version; /* "v4", "v6" or NULL */
  gchar *status;
  gchar *config;
  gchar *client_version;
  gboolean has_last_submit;
  gint64 last_submit_usec;
  guint64 account_id;   /* 0 when there is none */
  gchar *account_token; /* accounts.id_token, "" when there is none */
} NtpmonApiMonitor;

void ntpmon_api_monitor_free (NtpmonApiMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiMonitor, ntpmon_api_monitor_free)

/* GetMonitorTLSNameIP: NTPMON_RPC_ERROR_NOT_FOUND "no such monitor". */
NtpmonApiMonitor *ntpmon_api_query_monitor (NtpmonDbConn *conn, const gchar *tls_name,
                                            const gchar *mon_id, GError **error);
/* GetMonitorsTLSName: all current rows of a name (element-type NtpmonApiMonitor). */
GPtrArray *ntpmon_api_query_monitors_by_name (NtpmonDbConn *conn, const gchar *tls_name,
                                              GError **error);
gboolean ntpmon_api_monitor_is_live (const NtpmonApiMonitor *monitor);

/* UpdateMonitorSeen with now; errors are logged and ignored. */
void ntpmon_api_query_update_seen (NtpmonDbConn *conn, guint64 monitor_id);

/**
 * NtpmonApiMonitorConfig:
 *
 * The effective monitor configuration (§8.3).
 */
typedef struct
{
  gint32 samples;
  gchar *nat_ip;
  gchar **base_checks;
  gchar *otlp_log_level;
  gboolean has_mqtt;
  gchar *mqtt_host;
  gint32 mqtt_port;
  GBytes *mqtt_jwt;
  gchar *mqtt_prefix;
} NtpmonApiMonitorConfig;

void ntpmon_api_monitor_config_free (NtpmonApiMonitorConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiMonitorConfig, ntpmon_api_monitor_config_free)

/* RFC 7386: applies @patch to @target (both JSON text); the merged text. */
gchar *ntpmon_api_json_merge_patch (const gchar *target, const gchar *patch, GError **error);
/* Decodes the config JSON (keys case-insensitive, unknown keys ignored). */
NtpmonApiMonitorConfig *ntpmon_api_monitor_config_parse (const gchar *json, GError **error);
/* The merged JSON of §8.2 for @monitor: the system row of its IP version
 * patched with its own config, or its own config alone. */
gchar *ntpmon_api_query_effective_config (NtpmonDbConn *conn, const NtpmonApiMonitor *monitor,
                                          GError **error);

/**
 * NtpmonApiSettings:
 *
 * `system_settings` key `monitors` with the minimums of §9.2 applied.
 */
typedef struct
{
  gint64 interval_active_s;
  gint64 interval_testing_s;
  gint64 interval_all_s;
  gint64 batch_size;
} NtpmonApiSettings;

gchar *ntpmon_api_describe_monitors (NtpmonDbConn *conn, const gchar *tls_name, GError **error);

void ntpmon_api_settings_parse (const gchar *json, NtpmonApiSettings *out);
void ntpmon_api_query_settings (NtpmonDbConn *conn, NtpmonApiSettings *out);

G_END_DECLS
