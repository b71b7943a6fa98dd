/* ntpmon-api-handlers-private.h: shared parts of the three RPC handlers
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-api-handlers.h"
#include "ntpmon-api-row-cache.h"

G_BEGIN_DECLS

struct _NtpmonApiHandlers
{
  gint ref_count;
  NtpmonDb *db;
  NtpmonApiKeyStore *keys;
  NtpmonScorer *status_scorer;
  NtpmonMetrics *metrics;
  NtpmonMetric *tests_requested;
  NtpmonMetric *tests_completed;
  NtpmonMetric *tests_duplicate;
  NtpmonApiRowCache *row_cache; /* SubmitResults */
  gchar *jwt_key;
  gchar *deployment_mode;
};

/* Runs @func for @call on the pool; @done gets the call back on the main
 * thread when @func succeeded. Errors are answered here. */
typedef void (*NtpmonApiJobDone) (NtpmonApiCall *call, gpointer job);

void ntpmon_api_handlers_run (NtpmonApiHandlers *self, NtpmonApiCall *call, NtpmonDbJobFunc func,
                              gpointer job, GDestroyNotify job_free, NtpmonApiJobDone done);
void ntpmon_api_answer_error (NtpmonApiCall *call, const GError *error);
gboolean ntpmon_api_encode_ip_text (const gchar *text, guint8 out[16], gsize *len, GError **error);

/* Registration of each RPC (both protocols). */
gboolean ntpmon_api_getconfig_register (NtpmonApiHandlers *self, NtpmonApiServer *server,
                                        GError **error);
gboolean ntpmon_api_getservers_register (NtpmonApiHandlers *self, NtpmonApiServer *server,
                                         GError **error);
gboolean ntpmon_api_submit_register (NtpmonApiHandlers *self, NtpmonApiServer *server,
                                     GError **error);

/* GetConfig's response body, used by GetServers too. */
typedef struct
{
  NtpmonApiMonitorConfig *config;
  guint8 ip[16];
  gsize ip_len;
  guint8 nat_ip[16];
  gsize nat_ip_len;
  gchar *mqtt_jwt; /* minted token or NULL */
  gchar *mqtt_prefix;
  ProtobufCBinaryData *checks;
  gsize n_checks;
} NtpmonApiConfigReply;

gboolean ntpmon_api_config_reply_init (NtpmonApiConfigReply *reply, const NtpmonApiMonitor *monitor,
                                       const gchar *merged_json, GError **error);
void ntpmon_api_config_reply_clear (NtpmonApiConfigReply *reply);
/* Fill response messages that point into @reply (valid while it lives). */
void ntpmon_api_config_reply_to_v2 (NtpmonApiConfigReply *reply,
                                    Monitor__V2__GetConfigResponse *out,
                                    Monitor__V2__MQTTConfig *mqtt);
void ntpmon_api_config_reply_to_legacy (NtpmonApiConfigReply *reply, Api__Config *out,
                                        Api__MQTTConfig *mqtt);
/* The legacy route's refusal of agents that ran v4 (§8.7). */
gboolean ntpmon_api_check_legacy_block (const NtpmonApiMonitor *monitor, GError **error);
NtpmonApiMonitor *ntpmon_api_preamble (NtpmonDbConn *conn, const gchar *identity,
                                       const gchar *mon_id, gboolean legacy, GError **error);
gchar *ntpmon_api_config_for (NtpmonDbConn *conn, const NtpmonApiMonitor *monitor, GError **error);
/* §7 step 3 */
gboolean ntpmon_api_check_live (const NtpmonApiMonitor *monitor, GError **error);

G_END_DECLS
