/* ntpmon-api-handlers.c: what the three monitor RPCs share
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-api-handlers-private.h"
#include "ntpmon-ip.h"

/**
 * ntpmon_api_handlers_new:
 * @status_scorer: the `status` algorithm of the scorer plugin (§10.3)
 * @jwt_key: (nullable): `JWT_KEY`; NULL or empty: no MQTT token
 *
 * The handlers' shared state; register the routes with
 * ntpmon_api_handlers_register().
 */
NtpmonApiHandlers *
ntpmon_api_handlers_new (NtpmonDb *db, NtpmonApiKeyStore *keys, NtpmonScorer *status_scorer,
                         NtpmonMetrics *metrics, const gchar *jwt_key, const gchar *deployment_mode)
{
  NtpmonApiHandlers *self = g_new0 (NtpmonApiHandlers, 1);

  self->ref_count = 1;
  self->db = g_object_ref (db);
  self->keys = g_object_ref (keys);
  self->status_scorer = g_object_ref (status_scorer);
  self->metrics = ntpmon_metrics_ref (metrics);
  self->tests_requested = ntpmon_metrics_counter (
      metrics, "tests_requested_total", "Servers handed out by GetServers.",
      (const gchar *[]){ "monitor", "ip_version", "account", "account_id", NULL });
  self->tests_completed
      = ntpmon_metrics_counter (metrics, "tests_completed_total", "Submitted results by outcome.",
                                (const gchar *[]){ "monitor", "ip_version", "result", "version",
                                                   "account", "account_id", NULL });
  self->tests_duplicate = ntpmon_metrics_counter (
      metrics, "tests_duplicate_total",
      "Submitted results skipped because they were stored before (resubmissions).",
      (const gchar *[]){ "monitor", "ip_version", NULL });
  /* about 80 bytes an entry: room for every assignment of the pool */
  self->row_cache = ntpmon_api_row_cache_new (1u << 18);
  self->jwt_key = jwt_key != NULL && *jwt_key != '\0' ? g_strdup (jwt_key) : NULL;
  self->deployment_mode = g_strdup (deployment_mode != NULL ? deployment_mode : "devel");
  return self;
}

NtpmonApiHandlers *
ntpmon_api_handlers_ref (NtpmonApiHandlers *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
ntpmon_api_handlers_unref (NtpmonApiHandlers *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_object_unref (self->db);
  g_object_unref (self->keys);
  g_object_unref (self->status_scorer);
  ntpmon_metrics_unref (self->metrics);
  ntpmon_api_row_cache_free (self->row_cache);
  g_free (self->jwt_key);
  g_free (self->deployment_mode);
  g_free (self);
}

/**
 * ntpmon_api_handlers_register:
 *
 * Adds GetConfig, GetServers and SubmitResults on the Connect and the
 * legacy Twirp routes of @server.
 */
gboolean
ntpmon_api_handlers_register (NtpmonApiHandlers *self, NtpmonApiServer *server, GError **error)
{
  return ntpmon_api_getconfig_register (self, server, error)
         && ntpmon_api_getservers_register (self, server, error)
         && ntpmon_api_submit_register (self, server, error);
}

/**
 * ntpmon_api_handlers_find_status_scorer:
 *
 * The `status` scorer of the loaded `ntpmon-scorer` plugin of @engine.
 */
NtpmonScorer *
ntpmon_api_handlers_find_status_scorer (PeasEngine *engine, GError **error)
{
  PeasPluginInfo *info = peas_engine_get_plugin_info (engine, "ntpmon-scorer");
  g_autoptr (GPtrArray) scorers = NULL;

  if (info == NULL || !peas_plugin_info_is_loaded (info))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "the scorer plugin is not loaded (needed for SubmitResults)");
      return NULL;
    }
  scorers = ntpmon_scorer_create_from_plugin (engine, info, error);
  if (scorers == NULL)
    return NULL;
  for (guint i = 0; i < scorers->len; i++)
    if (g_strcmp0 (ntpmon_scorer_get_name (g_ptr_array_index (scorers, i)), "status") == 0)
      return g_object_ref (g_ptr_array_index (scorers, i));
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "the scorer plugin has no status algorithm");
  return NULL;
}

/**
 * ntpmon_api_answer_error:
 *
 * Answers with @error mapped to an RPC code: RPC errors keep theirs, an
 * unreachable database is `unavailable`, anything else `internal`.
 */
void
ntpmon_api_answer_error (NtpmonApiCall *call, const GError *error)
{
  g_autoptr (GError) mapped = NULL;

  if (error->domain == NTPMON_RPC_ERROR)
    {
      ntpmon_api_call_return_error (call, error);
      return;
    }
  /* cancelled: the client's deadline passed (or the client is gone) */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      mapped
          = ntpmon_api_call_deadline_passed (call)
                ? g_error_new_literal (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_DEADLINE_EXCEEDED,
                                       "the request's deadline passed")
                : g_error_new_literal (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_CANCELED, error->message);
      ntpmon_api_call_return_error (call, mapped);
      return;
    }
  if (g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE))
    mapped = g_error_new (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE, "database unavailable");
  else
    mapped = g_error_new_literal (NTPMON_RPC_ERROR,
                                  ntpmon_rpc_error_code_of (error, NTPMON_RPC_ERROR_INTERNAL),
                                  error->message);
  if (!g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE))
    g_message ("%s: %s", ntpmon_api_call_get_method (call)->name, error->message);
  ntpmon_api_call_return_error (call, mapped);
}

typedef struct
{
  NtpmonApiCall *call;
  gpointer job;
  GDestroyNotify job_free;
  NtpmonApiJobDone done;
  NtpmonDbJobFunc func;
  gboolean ran; /* the job ran and succeeded (a cancellation came after it) */
} Pending;

static void
pending_free (gpointer data)
{
  Pending *p = data;

  if (p->job_free != NULL)
    p->job_free (p->job);
  ntpmon_api_call_unref (p->call);
  g_free (p);
}

static gboolean
pending_run (NtpmonDbConn *conn, gpointer data, GError **error)
{
  Pending *p = data;

  p->ran = p->func (conn, p->job, error);
  return p->ran;
}

static void
pending_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;
  g_autoptr (GError) error = NULL;

  /* work that completed is answered as it came out, also when the call
   * was cancelled after it (the task then reports the cancellation) */
  if (!ntpmon_db_run_finish (NTPMON_DB (source), result, &error) && !p->ran)
    ntpmon_api_answer_error (p->call, error);
  else
    p->done (p->call, p->job);
}

void
ntpmon_api_handlers_run (NtpmonApiHandlers *self, NtpmonApiCall *call, NtpmonDbJobFunc func,
                         gpointer job, GDestroyNotify job_free, NtpmonApiJobDone done)
{
  Pending *p = g_new0 (Pending, 1);

  p->call = ntpmon_api_call_ref (call);
  p->job = job;
  p->job_free = job_free;
  p->done = done;
  p->func = func;
  ntpmon_db_run_async (self->db, pending_run, p, pending_free,
                       ntpmon_api_request_get_cancellable (ntpmon_api_call_get_request (call)),
                       pending_done, p);
}

/* IP text from the database → 4 or 16 bytes (§6.3). */
gboolean
ntpmon_api_encode_ip_text (const gchar *text, guint8 out[16], gsize *len, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL,
                           "no IP address stored");
      return FALSE;
    }
  address = ntpmon_ip_parse (text, error);
  if (address == NULL)
    {
      if (error != NULL && *error != NULL)
        (*error)->code = NTPMON_RPC_ERROR_INTERNAL;
      return FALSE;
    }
  *len = ntpmon_ip_to_bytes (address, out);
  return TRUE;
}

/* §8.6: the User-Agent without the program prefixes. */
gchar *
ntpmon_api_client_version_from_agent (const gchar *user_agent)
{
  static const gchar *const prefixes[] = { "ntppool-monitor/", "ntpmon/", "ntppool-agent/" };
  const gchar *v = user_agent != NULL ? user_agent : "";

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (v, prefixes[i]))
      v += strlen (prefixes[i]);
  return g_strdup (v);
}

static gchar *
base64url (gconstpointer data, gsize len)
{
  gchar *text = g_base64_encode (data, len);
  gsize n = strlen (text);

  while (n > 0 && text[n - 1] == '=')
    text[--n] = '\0';
  for (gchar *c = text; *c != '\0'; c++)
    if (*c == '+')
      *c = '-';
    else if (*c == '/')
      *c = '_';
  return text;
}

/* §3: the deployment environment of a name. */
static const gchar *
env_of_name (const gchar *name, GError **error)
{
  static const gchar *const envs[] = { "devel", "test", "prod" };
  g_autofree gchar *lower = g_ascii_strdown (name, -1);
  g_auto (GStrv) labels = NULL;
  gsize n;

  if (g_str_equal (lower, "monitor-api-dev.ntppool.net")
      || g_str_equal (lower, "mqtt-admin.mon.ntppool.dev")
      || g_str_equal (lower, "exporter.mqtt.ntppool.net"))
    return "devel";
  if (g_str_equal (lower, "api.mon.ntppool.dev"))
    return "prod";
  if (g_str_has_suffix (lower, ".mon.ntppool.dev"))
    {
      lower[strlen (lower) - strlen (".mon.ntppool.dev")] = '\0';
      labels = g_strsplit (lower, ".", -1);
      n = g_strv_length (labels);
      if (n == 2 && *labels[0] != '\0')
        for (guint i = 0; i < G_N_ELEMENTS (envs); i++)
          if (g_str_equal (labels[1], envs[i]))
            return envs[i];
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "no deployment environment in the name %s", name);
  return NULL;
}

/**
 * ntpmon_api_mqtt_jwt:
 * @now: Unix seconds
 *
 * The standard broker token of §8.5 for the monitor @name (HS384).
 */
gchar *
ntpmon_api_mqtt_jwt (const gchar *key, const gchar *name, gint64 now, GError **error)
{
  const gchar *env = env_of_name (name, error);
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *claims = NULL;
  g_autofree gchar *subs = NULL;
  g_autofree gchar *h64 = NULL;
  g_autofree gchar *c64 = NULL;
  g_autofree gchar *input = NULL;
  g_autofree gchar *s64 = NULL;
  g_autoptr (GHmac) hmac = NULL;
  guint8 digest[48];
  gsize digest_len = sizeof digest;
  static const gchar *const publ[][2]
      = { { "status", "status" }, { "status", "api-test" }, { "data", "+" }, { "data", "+/+" } };

  if (env == NULL)
    return NULL;
  subs = g_strdup_printf ("/%s/monitors/requests/%s/+", env, name);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "subs");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, subs);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "publ");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (publ); i++)
    {
      g_autofree gchar *topic
          = g_strdup_printf ("/%s/monitors/%s/%s/%s", env, publ[i][0], name, publ[i][1]);

      json_builder_add_string_value (b, topic);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "sub");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "exp");
  json_builder_add_int_value (b, now + 6 * 3600);
  json_builder_set_member_name (b, "nbf");
  json_builder_add_int_value (b, now - 30);
  json_builder_set_member_name (b, "iat");
  json_builder_add_int_value (b, now);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  claims = json_to_string (root, FALSE);

  h64 = base64url ("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", 27);
  c64 = base64url (claims, strlen (claims));
  input = g_strconcat (h64, ".", c64, NULL);
  hmac = g_hmac_new (G_CHECKSUM_SHA384, (const guchar *)key, strlen (key));
  g_hmac_update (hmac, (const guchar *)input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  s64 = base64url (digest, digest_len);
  return g_strconcat (input, ".", s64, NULL);
}
