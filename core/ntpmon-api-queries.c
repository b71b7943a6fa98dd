/* ntpmon-api-queries.c: the SQL of the monitor RPCs (spec api-server.md §18)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-api-queries.h"
#include "ntpmon-rpc-error.h"

#define MONITOR_COLUMNS                                                                            \
  "m.id, m.tls_name, m.hostname, m.ip, m.ip_version, m.status, m.config, m.client_version,"        \
  " m.last_submit, a.id, a.id_token"

void
ntpmon_api_monitor_free (NtpmonApiMonitor *monitor)
{
  if (monitor == NULL)
    return;
  g_free (monitor->tls_name);
  g_free (monitor->hostname);
  g_free (monitor->ip);
  g_free (monitor->ip_version);
  g_free (monitor->status);
  g_free (monitor->config);
  g_free (monitor->client_version);
  g_free (monitor->account_token);
  g_free (monitor);
}

static NtpmonApiMonitor *
monitor_from_row (NtpmonDbStmt *st)
{
  NtpmonApiMonitor *m = g_new0 (NtpmonApiMonitor, 1);

  m->id = ntpmon_db_stmt_get_uint (st, 0);
  m->tls_name = ntpmon_db_stmt_dup_text (st, 1);
  m->hostname = ntpmon_db_stmt_dup_text (st, 2);
  m->ip = ntpmon_db_stmt_dup_text (st, 3);
  m->ip_version = ntpmon_db_stmt_dup_text (st, 4);
  m->status = ntpmon_db_stmt_dup_text (st, 5);
  m->config = ntpmon_db_stmt_dup_text (st, 6);
  m->client_version = ntpmon_db_stmt_dup_text (st, 7);
  m->has_last_submit = !ntpmon_db_stmt_is_null (st, 8);
  if (m->has_last_submit)
    m->last_submit_usec = ntpmon_db_stmt_get_unix_usec (st, 8);
  m->account_id = ntpmon_db_stmt_is_null (st, 9) ? 0 : ntpmon_db_stmt_get_uint (st, 9);
  m->account_token
      = ntpmon_db_stmt_is_null (st, 10) ? g_strdup ("") : ntpmon_db_stmt_dup_text (st, 10);
  return m;
}

/**
 * ntpmon_api_query_monitor:
 * @mon_id: the request's `mon_id`; "" matches any row of the name
 *
 * The account is optional (a C implementation may, §4.6).
 */
NtpmonApiMonitor *
ntpmon_api_query_monitor (NtpmonDbConn *conn, const gchar *tls_name, const gchar *mon_id,
                          GError **error)
{
  g_autoptr (GError) local = NULL;
  const gchar *ip = mon_id != NULL ? mon_id : "";
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn,
      "SELECT " MONITOR_COLUMNS " FROM monitors m LEFT JOIN accounts a ON m.account_id = a.id"
      " WHERE m.tls_name = ? AND (m.ip = ? OR '' = ?) AND m.is_current = 1"
      " AND m.deleted_on IS NULL LIMIT 1",
      error, "sss", tls_name, ip, ip);

  if (st == NULL)
    return NULL;
  if (!ntpmon_db_stmt_fetch_one (st, &local))
    {
      if (g_error_matches (local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND))
        g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_NOT_FOUND,
                             "no such monitor");
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return monitor_from_row (st);
}

GPtrArray *
ntpmon_api_query_monitors_by_name (NtpmonDbConn *conn, const gchar *tls_name, GError **error)
{
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_api_monitor_free);
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn,
      "SELECT " MONITOR_COLUMNS " FROM monitors m LEFT JOIN accounts a ON m.account_id = a.id"
      " WHERE m.tls_name = ? AND m.is_current = 1 AND m.deleted_on IS NULL ORDER BY m.id",
      error, "s", tls_name);
  GError *local = NULL;

  if (st == NULL)
    return NULL;
  while (ntpmon_db_stmt_next (st, &local))
    g_ptr_array_add (rows, monitor_from_row (st));
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

gboolean
ntpmon_api_monitor_is_live (const NtpmonApiMonitor *monitor)
{
  return g_strcmp0 (monitor->status, "active") == 0 || g_strcmp0 (monitor->status, "testing") == 0;
}

void
ntpmon_api_query_update_seen (NtpmonDbConn *conn, guint64 monitor_id)
{
  g_autoptr (GError) error = NULL;

  if (!ntpmon_db_conn_exec (conn, "UPDATE monitors SET last_seen = ? WHERE id = ?", NULL, &error,
                            "Tu", g_get_real_time (), monitor_id))
    g_message ("monitor %" G_GUINT64_FORMAT ": last_seen not updated: %s", monitor_id,
               error->message);
}

void
ntpmon_api_monitor_config_free (NtpmonApiMonitorConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->nat_ip);
  g_strfreev (config->base_checks);
  g_free (config->otlp_log_level);
  g_free (config->mqtt_host);
  g_clear_pointer (&config->mqtt_jwt, g_bytes_unref);
  g_free (config->mqtt_prefix);
  g_free (config);
}

static JsonNode *
parse_json (const gchar *text, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty JSON");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  return json_parser_steal_root (parser);
}

/* RFC 7386 MergePatch(target, patch); takes ownership of both. */
static JsonNode *
merge_patch (JsonNode *target, JsonNode *patch)
{
  JsonObject *result;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  if (!JSON_NODE_HOLDS_OBJECT (patch))
    {
      if (target != NULL)
        json_node_unref (target);
      return patch;
    }
  if (target == NULL || !JSON_NODE_HOLDS_OBJECT (target))
    {
      if (target != NULL)
        json_node_unref (target);
      target = json_node_init_object (json_node_alloc (), json_object_new ());
    }
  result = json_node_get_object (target);
  json_object_iter_init (&iter, json_node_get_object (patch));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (JSON_NODE_HOLDS_NULL (value))
        json_object_remove_member (result, name);
      else
        {
          JsonNode *old = json_object_get_member (result, name);

          json_object_set_member (
              result, name,
              merge_patch (old != NULL ? json_node_copy (old) : NULL, json_node_copy (value)));
        }
    }
  json_node_unref (patch);
  return target;
}

gchar *
ntpmon_api_json_merge_patch (const gchar *target, const gchar *patch, GError **error)
{
  g_autoptr (JsonNode) t = parse_json (target, error);
  g_autoptr (JsonNode) p = NULL;
  g_autoptr (JsonNode) merged = NULL;

  if (t == NULL)
    return NULL;
  p = parse_json (patch, error);
  if (p == NULL)
    return NULL;
  merged = merge_patch (g_steal_pointer (&t), g_steal_pointer (&p));
  return json_to_string (merged, FALSE);
}

static JsonNode *
member_ci (JsonObject *object, const gchar *key)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;
  JsonNode *found = NULL;

  /* Go's decoder prefers an exact match, else any case-insensitive one. */
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    if (g_str_equal (name, key))
      return value;
    else if (found == NULL && g_ascii_strcasecmp (name, key) == 0)
      found = value;
  return found;
}

static gboolean
wrong_type (const gchar *key, GError **error)
{
  g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
               "config key %s has the wrong type", key);
  return FALSE;
}

static gboolean
get_string (JsonObject *object, const gchar *key, gchar **out, GError **error)
{
  JsonNode *node = member_ci (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (key, error);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_int32 (JsonObject *object, const gchar *key, gint32 *out, GError **error)
{
  JsonNode *node = member_ci (object, key);
  gdouble d;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) == G_TYPE_STRING
      || json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return wrong_type (key, error);
  d = json_node_get_double (node);
  if (d != (gdouble)(gint64)d || d < G_MININT32 || d > G_MAXINT32)
    return wrong_type (key, error);
  *out = (gint32)d;
  return TRUE;
}

static gboolean
parse_mqtt (JsonObject *object, NtpmonApiMonitorConfig *config, GError **error)
{
  JsonNode *node = member_ci (object, "MQTT");
  g_autofree gchar *jwt = NULL;
  JsonObject *mqtt;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type ("MQTT", error);
  mqtt = json_node_get_object (node);
  config->has_mqtt = TRUE;
  if (!get_string (mqtt, "Host", &config->mqtt_host, error)
      || !get_int32 (mqtt, "Port", &config->mqtt_port, error)
      || !get_string (mqtt, "JWT", &jwt, error)
      || !get_string (mqtt, "Prefix", &config->mqtt_prefix, error))
    return FALSE;
  if (jwt != NULL)
    {
      gsize len;
      guchar *raw = g_base64_decode (jwt, &len);

      config->mqtt_jwt = g_bytes_new_take (raw, len);
    }
  return TRUE;
}

NtpmonApiMonitorConfig *
ntpmon_api_monitor_config_parse (const gchar *json, GError **error)
{
  g_autoptr (NtpmonApiMonitorConfig) config = g_new0 (NtpmonApiMonitorConfig, 1);
  g_autoptr (JsonNode) root = parse_json (json, error);
  JsonObject *object;
  JsonNode *checks;

  if (root == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_NULL (root))
    return g_steal_pointer (&config);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                           "config is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);
  if (!get_int32 (object, "samples", &config->samples, error)
      || !get_string (object, "nat_ip", &config->nat_ip, error)
      || !get_string (object, "otlp_log_level", &config->otlp_log_level, error)
      || !parse_mqtt (object, config, error))
    return NULL;
  checks = member_ci (object, "base_checks");
  if (checks != NULL && !JSON_NODE_HOLDS_NULL (checks))
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (checks))
        {
          wrong_type ("base_checks", error);
          return NULL;
        }
      array = json_node_get_array (checks);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (json_node_get_value_type (item) != G_TYPE_STRING)
            {
              wrong_type ("base_checks", error);
              return NULL;
            }
          g_strv_builder_add (builder, json_node_get_string (item));
        }
      config->base_checks = g_strv_builder_end (builder);
    }
  return g_steal_pointer (&config);
}

gchar *
ntpmon_api_query_effective_config (NtpmonDbConn *conn, const NtpmonApiMonitor *monitor,
                                   GError **error)
{
  g_autofree gchar *name = g_strdup_printf ("settings-%s.system",
                                            monitor->ip_version != NULL ? monitor->ip_version : "");
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) rows = ntpmon_api_query_monitors_by_name (conn, name, &local);

  if (rows == NULL)
    g_message ("%s: %s", name, local->message);
  if (rows != NULL && rows->len == 1)
    {
      const NtpmonApiMonitor *system = g_ptr_array_index (rows, 0);

      return ntpmon_api_json_merge_patch (system->config, monitor->config, error);
    }
  /* Still validated, as the merge would. */
  {
    g_autoptr (JsonNode) own = parse_json (monitor->config, error);

    return own != NULL ? g_strdup (monitor->config) : NULL;
  }
}

/* A member of the setting as the reference decodes it: absent (or null),
 * or of its type; otherwise the whole setting is refused. */
static gboolean
member_type (JsonObject *object, const gchar *key, GType type, JsonNode **node, GError **error)
{
  *node = json_object_get_member (object, key);
  if (*node == NULL || JSON_NODE_HOLDS_NULL (*node))
    {
      *node = NULL;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (*node) && json_node_get_value_type (*node) == type)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not %s", key,
               type == G_TYPE_INT64 ? "an integer" : "a string");
  return FALSE;
}

/* A Go duration: text ("90s") or integer nanoseconds; *seconds is -1 when
 * absent. */
static gboolean
member_duration (JsonObject *object, const gchar *key, gint64 *seconds, GError **error)
{
  JsonNode *node = json_object_get_member (object, key);
  gint64 usec;

  *seconds = -1;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      if (!ntpmon_db_parse_go_duration (json_node_get_string (node), &usec, error))
        {
          g_prefix_error (error, "%s: ", key);
          return FALSE;
        }
      *seconds = usec / G_USEC_PER_SEC;
      return TRUE;
    }
  if (!member_type (object, key, G_TYPE_INT64, &node, error))
    return FALSE;
  if (node != NULL)
    *seconds = json_node_get_int (node) / (1000 * G_USEC_PER_SEC);
  return TRUE;
}

/**
 * ntpmon_api_settings_parse:
 * @json: (nullable): the `value` of the `monitors` setting
 *
 * §9.2. A member of the wrong type (or a duration that does not parse)
 * refuses the whole setting, as the reference's decoding does: all the
 * defaults apply then. A value below its minimum gets its default.
 */
void
ntpmon_api_settings_parse (const gchar *json, NtpmonApiSettings *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object = NULL;
  gint64 active, testing, all;
  JsonNode *batch;

  out->interval_active_s = 9 * 60;
  out->interval_testing_s = 45 * 60;
  out->interval_all_s = 60;
  out->batch_size = 10;
  if (json == NULL)
    return;
  root = parse_json (json, &error);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    object = json_node_get_object (root);
  else if (root != NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an object");
  if (object == NULL || !member_duration (object, "interval_active", &active, &error)
      || !member_duration (object, "interval_testing", &testing, &error)
      || !member_duration (object, "interval_all", &all, &error)
      || !member_type (object, "batch_size", G_TYPE_INT64, &batch, &error))
    {
      g_message ("monitors setting: %s; the defaults apply", error->message);
      return;
    }
  if (active >= 20)
    out->interval_active_s = active;
  if (testing >= 60)
    out->interval_testing_s = testing;
  if (all >= 10)
    out->interval_all_s = all;
  if (batch != NULL && json_node_get_int (batch) > 0)
    out->batch_size = json_node_get_int (batch);
}

void
ntpmon_api_query_settings (NtpmonDbConn *conn, NtpmonApiSettings *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn, "SELECT value FROM system_settings WHERE `key` = ?", &error, "s", "monitors");
  g_autofree gchar *value = NULL;

  if (st != NULL && ntpmon_db_stmt_fetch_one (st, &error))
    value = ntpmon_db_stmt_dup_text (st, 0);
  else
    g_message ("monitors setting: %s", error->message);
  ntpmon_api_settings_parse (value, out);
}

/**
 * ntpmon_api_describe_monitors:
 *
 * The text of `db mon NAME` (spec §15): each current row of @tls_name and,
 * where its system settings row exists, the merged config. "" for no rows.
 */
gchar *
ntpmon_api_describe_monitors (NtpmonDbConn *conn, const gchar *tls_name, GError **error)
{
  g_autoptr (GPtrArray) rows = ntpmon_api_query_monitors_by_name (conn, tls_name, error);
  g_autoptr (GString) out = g_string_new ("");

  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < rows->len; i++)
    {
      const NtpmonApiMonitor *m = g_ptr_array_index (rows, i);
      g_autofree gchar *system_name
          = g_strdup_printf ("settings-%s.system", m->ip_version != NULL ? m->ip_version : "");
      g_autoptr (GPtrArray) system = ntpmon_api_query_monitors_by_name (conn, system_name, error);

      if (system == NULL)
        return NULL;
      g_string_append_printf (out,
                              "monitor %" G_GUINT64_FORMAT ": tls_name=%s hostname=%s ip=%s"
                              " ip_version=%s status=%s account_id=%" G_GUINT64_FORMAT
                              " client_version=%s\n  config: %s\n",
                              m->id, m->tls_name, m->hostname ? m->hostname : "",
                              m->ip ? m->ip : "NULL", m->ip_version ? m->ip_version : "NULL",
                              m->status, m->account_id, m->client_version ? m->client_version : "",
                              m->config ? m->config : "");
      if (system->len > 0)
        {
          const NtpmonApiMonitor *s = g_ptr_array_index (system, 0);
          g_autoptr (GError) local = NULL;
          g_autofree gchar *merged = ntpmon_api_json_merge_patch (s->config, m->config, &local);

          g_string_append_printf (out, "  merged config: %s\n",
                                  merged != NULL ? merged : local->message);
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
