/* ntpmon-api-getconfig.c: the GetConfig RPC (spec api-server.md §8)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-api-handlers-private.h"
#include "ntpmon-ip.h"
#include "ntpmon-version.h"

#define MQTT_HOST "mqtt.ntppool.net"
#define MQTT_PORT 1883

gboolean
ntpmon_api_check_live (const NtpmonApiMonitor *monitor, GError **error)
{
  if (ntpmon_api_monitor_is_live (monitor))
    return TRUE;
  g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_PERMISSION_DENIED,
                       "monitor not active");
  return FALSE;
}

gboolean
ntpmon_api_check_legacy_block (const NtpmonApiMonitor *monitor, GError **error)
{
  /* §8.7, §12.7: the leading version token, dev-snapshot counts as new */
  if (monitor->client_version == NULL
      || !ntpmon_version_at_least (monitor->client_version, "v4.0.0"))
    return TRUE;
  g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_PERMISSION_DENIED,
                       "This monitor has used ntppool-agent >= 4.0.0. Please disable "
                       "ntppool-monitor and use ntppool-agent");
  return FALSE;
}

/**
 * ntpmon_api_config_reply_init:
 * @merged_json: the effective config (§8.2)
 *
 * Decodes the config and the addresses (§8.4); errors are `internal`.
 */
gboolean
ntpmon_api_config_reply_init (NtpmonApiConfigReply *reply, const NtpmonApiMonitor *monitor,
                              const gchar *merged_json, GError **error)
{
  g_autoptr (GError) local = NULL;

  memset (reply, 0, sizeof *reply);
  reply->config = ntpmon_api_monitor_config_parse (merged_json, &local);
  if (reply->config == NULL)
    {
      g_message ("monitor %s: config: %s", monitor->tls_name, local->message);
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL,
                           "could not get config");
      return FALSE;
    }
  if (!ntpmon_api_encode_ip_text (monitor->ip, reply->ip, &reply->ip_len, error))
    return FALSE;
  if (reply->config->nat_ip != NULL && *reply->config->nat_ip != '\0'
      && !ntpmon_api_encode_ip_text (reply->config->nat_ip, reply->nat_ip, &reply->nat_ip_len,
                                     error))
    return FALSE;
  if (reply->config->base_checks != NULL)
    {
      reply->n_checks = g_strv_length (reply->config->base_checks);
      reply->checks = g_new0 (ProtobufCBinaryData, reply->n_checks);
      for (gsize i = 0; i < reply->n_checks; i++)
        {
          reply->checks[i].data = (guint8 *)reply->config->base_checks[i];
          reply->checks[i].len = strlen (reply->config->base_checks[i]);
        }
    }
  return TRUE;
}

void
ntpmon_api_config_reply_clear (NtpmonApiConfigReply *reply)
{
  g_clear_pointer (&reply->config, ntpmon_api_monitor_config_free);
  g_clear_pointer (&reply->mqtt_jwt, g_free);
  g_clear_pointer (&reply->mqtt_prefix, g_free);
  g_clear_pointer (&reply->checks, g_free);
}

static ProtobufCBinaryData
text_bytes (const gchar *text)
{
  return (ProtobufCBinaryData){ text != NULL ? strlen (text) : 0, (guint8 *)text };
}

/* Host, port, JWT, prefix: minted ones first, else the config's `MQTT`. */
static gboolean
mqtt_values (NtpmonApiConfigReply *r, ProtobufCBinaryData *host, gint32 *port,
             ProtobufCBinaryData *jwt, ProtobufCBinaryData *prefix)
{
  if (r->mqtt_jwt != NULL)
    {
      *host = text_bytes (MQTT_HOST);
      *port = MQTT_PORT;
      *jwt = text_bytes (r->mqtt_jwt);
      *prefix = text_bytes (r->mqtt_prefix);
      return TRUE;
    }
  if (!r->config->has_mqtt)
    return FALSE;
  *host = text_bytes (r->config->mqtt_host);
  *port = r->config->mqtt_port;
  if (r->config->mqtt_jwt != NULL)
    jwt->data = (guint8 *)g_bytes_get_data (r->config->mqtt_jwt, &jwt->len);
  *prefix = text_bytes (r->config->mqtt_prefix);
  return TRUE;
}

void
ntpmon_api_config_reply_to_v2 (NtpmonApiConfigReply *r, Monitor__V2__GetConfigResponse *out,
                               Monitor__V2__MQTTConfig *mqtt)
{
  monitor__v2__get_config_response__init (out);
  monitor__v2__mqttconfig__init (mqtt);
  out->samples = r->config->samples;
  out->ip_bytes = (ProtobufCBinaryData){ r->ip_len, r->ip };
  out->ip_nat_bytes = (ProtobufCBinaryData){ r->nat_ip_len, r->nat_ip };
  out->n_base_checks = r->n_checks;
  out->base_checks = r->checks;
  out->otlp_log_level = r->config->otlp_log_level != NULL ? r->config->otlp_log_level : "";
  if (mqtt_values (r, &mqtt->host, &mqtt->port, &mqtt->jwt, &mqtt->prefix))
    out->mqtt_config = mqtt;
}

void
ntpmon_api_config_reply_to_legacy (NtpmonApiConfigReply *r, Api__Config *out, Api__MQTTConfig *mqtt)
{
  api__config__init (out);
  api__mqttconfig__init (mqtt);
  out->samples = r->config->samples;
  out->ip_bytes = (ProtobufCBinaryData){ r->ip_len, r->ip };
  out->ip_nat_bytes = (ProtobufCBinaryData){ r->nat_ip_len, r->nat_ip };
  out->n_base_checks = r->n_checks;
  out->base_checks = r->checks;
  if (mqtt_values (r, &mqtt->host, &mqtt->port, &mqtt->jwt, &mqtt->prefix))
    out->mqtt_config = mqtt;
}

typedef struct
{
  NtpmonApiHandlers *handlers;
  gboolean legacy;
  gchar *identity;
  gchar *mon_id;
  gchar *client_version;
  NtpmonApiMonitor *monitor;
  gchar *merged;
} ConfigJob;

static void
config_job_free (gpointer data)
{
  ConfigJob *job = data;

  ntpmon_api_handlers_unref (job->handlers);
  g_free (job->identity);
  g_free (job->mon_id);
  g_free (job->client_version);
  ntpmon_api_monitor_free (job->monitor);
  g_free (job->merged);
  g_free (job);
}

/**
 * ntpmon_api_preamble:
 *
 * §7 for GetConfig and GetServers: the monitor row (with the legacy v4
 * block first on Twirp), `last_seen`, liveness.
 */
NtpmonApiMonitor *
ntpmon_api_preamble (NtpmonDbConn *conn, const gchar *identity, const gchar *mon_id,
                     gboolean legacy, GError **error)
{
  g_autoptr (NtpmonApiMonitor) monitor = ntpmon_api_query_monitor (conn, identity, mon_id, error);

  if (monitor == NULL)
    return NULL;
  if (legacy && !ntpmon_api_check_legacy_block (monitor, error))
    return NULL;
  ntpmon_api_query_update_seen (conn, monitor->id);
  if (!ntpmon_api_check_live (monitor, error))
    return NULL;
  return g_steal_pointer (&monitor);
}

/* The effective config (§8.2); a bad document is `internal` "could not
 * get config". */
gchar *
ntpmon_api_config_for (NtpmonDbConn *conn, const NtpmonApiMonitor *monitor, GError **error)
{
  g_autoptr (GError) local = NULL;
  gchar *merged = ntpmon_api_query_effective_config (conn, monitor, &local);

  if (merged != NULL)
    return merged;
  if (g_error_matches (local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  g_message ("monitor %s: config: %s", monitor->tls_name, local->message);
  g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL, "could not get config");
  return NULL;
}

static gboolean
config_job_run (NtpmonDbConn *conn, gpointer data, GError **error)
{
  ConfigJob *job = data;
  g_autoptr (GError) local = NULL;

  job->monitor = ntpmon_api_preamble (conn, job->identity, job->mon_id, job->legacy, error);
  if (job->monitor == NULL)
    return FALSE;
  if (g_strcmp0 (job->client_version, job->monitor->client_version) != 0
      && !ntpmon_db_conn_exec (conn, "UPDATE monitors SET client_version = ? WHERE id = ?", NULL,
                               &local, "su", job->client_version, job->monitor->id))
    g_message ("monitor %s: client_version not updated: %s", job->identity, local->message);
  job->merged = ntpmon_api_config_for (conn, job->monitor, error);
  return job->merged != NULL;
}

static void
config_job_done (NtpmonApiCall *call, gpointer data)
{
  ConfigJob *job = data;
  NtpmonApiHandlers *h = job->handlers;
  NtpmonApiConfigReply reply;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_api_config_reply_init (&reply, job->monitor, job->merged, &error))
    {
      ntpmon_api_config_reply_clear (&reply);
      ntpmon_api_answer_error (call, error);
      return;
    }
  if (h->jwt_key != NULL)
    {
      reply.mqtt_jwt = ntpmon_api_mqtt_jwt (h->jwt_key, job->monitor->tls_name,
                                            g_get_real_time () / G_USEC_PER_SEC, &error);
      if (reply.mqtt_jwt == NULL)
        g_message ("monitor %s: no MQTT token: %s", job->monitor->tls_name, error->message);
      reply.mqtt_prefix = g_strdup_printf ("/%s/monitors", h->deployment_mode);
    }
  else
    g_debug ("JWTKey not configured");
  if (job->legacy)
    {
      Api__Config out;
      Api__MQTTConfig mqtt;

      ntpmon_api_config_reply_to_legacy (&reply, &out, &mqtt);
      ntpmon_api_call_return (call, &out.base);
    }
  else
    {
      Monitor__V2__GetConfigResponse out;
      Monitor__V2__MQTTConfig mqtt;

      ntpmon_api_config_reply_to_v2 (&reply, &out, &mqtt);
      ntpmon_api_call_return (call, &out.base);
    }
  ntpmon_api_config_reply_clear (&reply);
}

static void
get_config (NtpmonApiCall *call, gpointer user_data)
{
  NtpmonApiHandlers *h = user_data;
  NtpmonApiRequest *request = ntpmon_api_call_get_request (call);
  ConfigJob *job = g_new0 (ConfigJob, 1);

  job->handlers = ntpmon_api_handlers_ref (h);
  job->legacy = ntpmon_api_request_get_protocol (request) == NTPMON_API_PROTOCOL_TWIRP;
  job->identity = g_strdup (ntpmon_api_request_get_identity (request));
  if (!job->legacy)
    job->mon_id = g_strdup (
        ((const Monitor__V2__GetConfigRequest *)ntpmon_api_call_get_message (call))->mon_id);
  job->client_version
      = ntpmon_api_client_version_from_agent (ntpmon_api_request_get_user_agent (request));
  ntpmon_api_handlers_run (h, call, config_job_run, job, config_job_free, config_job_done);
}

gboolean
ntpmon_api_getconfig_register (NtpmonApiHandlers *self, NtpmonApiServer *server, GError **error)
{
  return ntpmon_api_rpc_add_method (server, NTPMON_API_PROTOCOL_CONNECT,
                                    &monitor__v2__monitor_service__descriptor, "GetConfig",
                                    get_config, ntpmon_api_handlers_ref (self),
                                    (GDestroyNotify)ntpmon_api_handlers_unref, error)
         && ntpmon_api_rpc_add_method (server, NTPMON_API_PROTOCOL_TWIRP, &api__monitor__descriptor,
                                       "GetConfig", get_config, ntpmon_api_handlers_ref (self),
                                       (GDestroyNotify)ntpmon_api_handlers_unref, error);
}
