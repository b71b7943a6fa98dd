/* ntpmon-webapi.c: client of the NTP Pool web API
 *
 * SPDX-License-Identifier: MIT
 *
 * Three calls (spec agent.md §3): `POST monitor/api/registration` (setup),
 * `GET monitor/api/config` (monitor data and the client certificate) and
 * `POST api/oidc/token` (a JWT kept in memory until 5 minutes before it
 * expires). Every request has an overall deadline; JSON keys are matched
 * case-insensitively as the reference does.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ntpmon-webapi-private.h"

G_DEFINE_QUARK (ntpmon - webapi - error - quark, ntpmon_webapi_error)

G_DEFINE_TYPE (NtpmonWebapi, ntpmon_webapi, G_TYPE_OBJECT)

enum
{
  SIGNAL_TOKEN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ntpmon_webapi_finalize (GObject *object)
{
  NtpmonWebapi *self = NTPMON_WEBAPI (object);

  g_free (self->base_url);
  g_clear_object (&self->extra_ca);
  g_clear_object (&self->session);
  g_free (self->token);
  g_clear_pointer (&self->token_waiters, g_ptr_array_unref);
  G_OBJECT_CLASS (ntpmon_webapi_parent_class)->finalize (object);
}

static void
ntpmon_webapi_class_init (NtpmonWebapiClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_webapi_finalize;

  /**
   * NtpmonWebapi::token-changed:
   *
   * A new JWT was stored, or the cached one was dropped (see
   * ntpmon_webapi_peek_token()).
   */
  signals[SIGNAL_TOKEN_CHANGED]
      = g_signal_new ("token-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
}

static void
ntpmon_webapi_init (NtpmonWebapi *self)
{
}

/**
 * ntpmon_webapi_default_base_url:
 *
 * Returns: (nullable): the web API of @env (`prod`, `test`, `devel`)
 */
const gchar *
ntpmon_webapi_default_base_url (const gchar *env)
{
  if (g_strcmp0 (env, "prod") == 0)
    return "https://api.ntppool.dev";
  if (g_strcmp0 (env, "test") == 0)
    return "https://beta-api.ntppool.dev";
  if (g_strcmp0 (env, "devel") == 0)
    return "https://dev-api.ntppool.dev";
  return NULL;
}

/* Sessions dial directly, as the reference agent's web API client does (it
 * sets no proxy); this also keeps the system's proxy lookup (libproxy) out
 * of the process. */
SoupSession *
ntpmon_webapi_new_session (GSocketConnectable *connectable)
{
  SoupSession *session = g_object_new (SOUP_TYPE_SESSION, "timeout", NTPMON_WEBAPI_CONFIG_TIMEOUT_S,
                                       "remote-connectable", connectable, NULL);

  soup_session_set_proxy_resolver (session, NULL);
  return session;
}

/**
 * ntpmon_webapi_new_for_url:
 * @base_url: http or https URL of the web API
 */
NtpmonWebapi *
ntpmon_webapi_new_for_url (const gchar *base_url, GError **error)
{
  g_autoptr (NtpmonWebapi) self = NULL;
  g_autoptr (GUri) uri = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, NULL);
  const gchar *ca_file = g_getenv ("NTPMON_WEBAPI_CA_FILE");

  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_SETUP,
                   _ ("invalid web API URL \"%s\""), base_url);
      return NULL;
    }
  self = g_object_new (NTPMON_TYPE_WEBAPI, NULL);
  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->session = ntpmon_webapi_new_session (NULL);
  if (ca_file != NULL && *ca_file != '\0'
      && !ntpmon_webapi_set_extra_ca_file (self, ca_file, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * ntpmon_webapi_new:
 *
 * The web API of @env, or `$API_HOST` when set.
 */
NtpmonWebapi *
ntpmon_webapi_new (const gchar *env, GError **error)
{
  const gchar *base = g_getenv ("API_HOST");
  gboolean from_env = base != NULL && *base != '\0';
  NtpmonWebapi *self;

  if (!from_env)
    base = ntpmon_webapi_default_base_url (env);
  if (base == NULL)
    {
      g_set_error_literal (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_SETUP,
                           _ ("deployment environment invalid or undefined"));
      return NULL;
    }
  self = ntpmon_webapi_new_for_url (base, error);
  if (self != NULL)
    self->url_from_env = from_env;
  return self;
}

const gchar *
ntpmon_webapi_get_base_url (NtpmonWebapi *self)
{
  return self->base_url;
}

/**
 * ntpmon_webapi_set_extra_ca_file:
 *
 * Trusts the CA certificates of the PEM file @path too (besides the
 * system's), for servers with a private CA such as test servers.
 */
gboolean
ntpmon_webapi_set_extra_ca_file (NtpmonWebapi *self, const gchar *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  GTlsDatabase *db = g_tls_file_database_new (path, &local);

  if (db == NULL)
    {
      g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_SETUP,
                   _ ("could not load CA file %s: %s"), path, local->message);
      return FALSE;
    }
  g_clear_object (&self->extra_ca);
  self->extra_ca = db;
  return TRUE;
}

/**
 * ntpmon_webapi_build_url:
 * @path: without leading slash, e.g. `monitor/api/config`
 */
gchar *
ntpmon_webapi_build_url (NtpmonWebapi *self, const gchar *path)
{
  return g_strconcat (self->base_url, "/", path, NULL);
}

/* --- sending ------------------------------------------------------------- */

static gboolean
accept_certificate_cb (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  NtpmonWebapi *self = user_data;
  GUri *uri = soup_message_get_uri (msg);
  g_autoptr (GSocketConnectable) identity = NULL;
  GTlsCertificateFlags flags;

  if (self->extra_ca == NULL)
    return FALSE;
  identity = g_network_address_new (g_uri_get_host (uri), g_uri_get_port (uri));
  flags = g_tls_database_verify_chain (self->extra_ca, certificate,
                                       G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, NULL,
                                       G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);
  return flags == 0;
}

static void
request_free (NtpmonWebapiRequest *req)
{
  if (req->caller != NULL)
    g_cancellable_disconnect (req->caller, req->caller_handler);
  g_clear_object (&req->caller);
  g_clear_handle_id (&req->deadline_id, g_source_remove);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->msg);
  g_clear_object (&req->session);
  g_free (req);
}

static gboolean
deadline_cb (gpointer user_data)
{
  NtpmonWebapiRequest *req = user_data;

  req->deadline_id = 0;
  req->timed_out = TRUE;
  g_cancellable_cancel (req->cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

/* Starts @msg; @task's task data becomes the NtpmonWebapiRequest. */
void
ntpmon_webapi_send (NtpmonWebapi *self, SoupSession *session, SoupMessage *msg, guint timeout_s,
                    GTask *task, GAsyncReadyCallback done)
{
  NtpmonWebapiRequest *req = g_new0 (NtpmonWebapiRequest, 1);
  GCancellable *caller = g_task_get_cancellable (task);

  req->session = g_object_ref (session);
  req->msg = g_object_ref (msg);
  req->cancellable = g_cancellable_new ();
  req->timeout_s = timeout_s;
  req->url_from_env = self->url_from_env;
  if (caller != NULL)
    {
      req->caller = g_object_ref (caller);
      req->caller_handler = g_cancellable_connect (caller, G_CALLBACK (caller_cancelled_cb),
                                                   g_object_ref (req->cancellable), g_object_unref);
    }
  req->deadline_id = g_timeout_add_seconds (timeout_s, deadline_cb, req);
  g_task_set_task_data (task, req, (GDestroyNotify)request_free);
  g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), self, 0);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, req->cancellable, done, task);
}

/* Finishes a send_message(); on error names the URL and the deadline. */
GBytes *
ntpmon_webapi_finish_send (SoupSession *session, GAsyncResult *result, GTask *task, GError **error)
{
  NtpmonWebapiRequest *req = g_task_get_task_data (task);
  g_autoptr (GError) local = NULL;
  GBytes *body = soup_session_send_and_read_finish (session, result, &local);
  g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (req->msg));

  g_clear_handle_id (&req->deadline_id, g_source_remove);
  if (body != NULL)
    return body;
  if (req->timed_out)
    g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_TIMEOUT,
                 _ ("%s: no answer within %u s"), url, req->timeout_s);
  else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local));
  else
    g_set_error (error, local->domain, local->code, _ ("cannot reach the web API: %s: %s%s"), url,
                 local->message, req->url_from_env ? _ (" (the address comes from API_HOST)") : "");
  return NULL;
}

void
ntpmon_webapi_set_bearer (SoupMessage *msg, const gchar *api_key)
{
  g_autofree gchar *value = g_strconcat ("Bearer ", api_key, NULL);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
}

static const gchar *
trace_id (SoupMessage *msg)
{
  const gchar *id
      = soup_message_headers_get_one (soup_message_get_response_headers (msg), "TraceID");
  return id != NULL ? id : "";
}

/* --- JSON helpers --------------------------------------------------------- */

static JsonNode *
member (JsonObject *object, const gchar *key)
{
  g_autoptr (GList) members = object != NULL ? json_object_get_members (object) : NULL;
  JsonNode *found = NULL;

  for (GList *l = members; l != NULL; l = l->next)
    if (g_ascii_strcasecmp (l->data, key) == 0)
      found = json_object_get_member (object, l->data);
  return found;
}

gboolean
ntpmon_webapi_json_string (JsonObject *object, const gchar *key, const gchar *what, gchar **out,
                           GError **error)
{
  JsonNode *node = member (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out = g_strdup ("");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE,
                   _ ("%s: \"%s\" must be a string"), what, key);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_object (JsonObject *parent, const gchar *key, const gchar *what, JsonObject **out,
            GError **error)
{
  JsonNode *node = member (parent, key);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE,
                   _ ("%s: \"%s\" must be an object"), what, key);
      return FALSE;
    }
  *out = json_node_get_object (node);
  return TRUE;
}

JsonObject *
ntpmon_webapi_json_object (JsonParser *parser, const gchar *json, gsize length, const gchar *what,
                           GError **error)
{
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json, length, &local))
    {
      g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE,
                   _ ("%s: invalid JSON: %s"), what, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE,
                   _ ("%s: expected a JSON object"), what);
      return NULL;
    }
  return json_node_get_object (root);
}

/* --- config ---------------------------------------------------------------- */

void
ntpmon_webapi_config_free (NtpmonWebapiConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->name);
  g_free (config->tls_name);
  g_free (config->ipv4_status);
  g_free (config->ipv4_ip);
  g_free (config->ipv6_status);
  g_free (config->ipv6_ip);
  g_free (config->cert);
  if (config->key != NULL)
    memset (config->key, 0, strlen (config->key));
  g_free (config->key);
  g_free (config);
}

/**
 * ntpmon_webapi_parse_config:
 *
 * Parses the body of a `GET monitor/api/config` answer. Absent members are
 * empty strings.
 */
NtpmonWebapiConfig *
ntpmon_webapi_parse_config (const gchar *json, gsize length, GError **error)
{
  static const gchar what[] = "monitor config";
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (NtpmonWebapiConfig) config = g_new0 (NtpmonWebapiConfig, 1);
  JsonObject *top = ntpmon_webapi_json_object (parser, json, length, what, error);
  JsonObject *v4, *v6, *tls;

  if (top == NULL)
    return NULL;
  if (!ntpmon_webapi_json_string (top, "name", what, &config->name, error)
      || !ntpmon_webapi_json_string (top, "tls_name", what, &config->tls_name, error)
      || !get_object (top, "ipv4", what, &v4, error) || !get_object (top, "ipv6", what, &v6, error)
      || !get_object (top, "tls", what, &tls, error)
      || !ntpmon_webapi_json_string (v4, "status", what, &config->ipv4_status, error)
      || !ntpmon_webapi_json_string (v4, "ip", what, &config->ipv4_ip, error)
      || !ntpmon_webapi_json_string (v6, "status", what, &config->ipv6_status, error)
      || !ntpmon_webapi_json_string (v6, "ip", what, &config->ipv6_ip, error)
      || !ntpmon_webapi_json_string (tls, "cert", what, &config->cert, error)
      || !ntpmon_webapi_json_string (tls, "key", what, &config->key, error))
    return NULL;
  return g_steal_pointer (&config);
}

static void
config_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  NtpmonWebapi *self = g_task_get_source_object (task);
  NtpmonWebapiRequest *req = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GBytes) body = ntpmon_webapi_finish_send (SOUP_SESSION (source), result, task, &error);
  guint status;
  NtpmonWebapiConfig *config;
  gsize length;
  const gchar *data;

  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  status = soup_message_get_status (req->msg);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      ntpmon_webapi_clear_token (self);
      g_task_return_new_error (task, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED,
                               _ ("api key unauthorized"));
      return;
    }
  if (status < 200 || status > 299)
    {
      g_task_return_new_error (task, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_HTTP_STATUS,
                               _ ("unexpected response code: %u (trace %s)"), status,
                               trace_id (req->msg));
      return;
    }
  data = g_bytes_get_data (body, &length);
  config = ntpmon_webapi_parse_config (data != NULL ? data : "", length, &error);
  if (config == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, config, (GDestroyNotify)ntpmon_webapi_config_free);
}

/**
 * ntpmon_webapi_fetch_config_async:
 * @request_certificate: ask for a (new) client certificate
 *
 * `GET monitor/api/config` with the API key. 401 fails with
 * NTPMON_WEBAPI_ERROR_UNAUTHORIZED and forgets the cached JWT.
 */
void
ntpmon_webapi_fetch_config_async (NtpmonWebapi *self, const gchar *api_key,
                                  gboolean request_certificate, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree gchar *url = ntpmon_webapi_build_url (
      self,
      request_certificate ? "monitor/api/config?request_certificate=true" : "monitor/api/config");
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);

  g_task_set_source_tag (task, ntpmon_webapi_fetch_config_async);
  ntpmon_webapi_set_bearer (msg, api_key != NULL ? api_key : "");
  g_debug ("loading config from %s", url);
  ntpmon_webapi_send (self, self->session, msg, NTPMON_WEBAPI_CONFIG_TIMEOUT_S, task, config_cb);
}

NtpmonWebapiConfig *
ntpmon_webapi_fetch_config_finish (NtpmonWebapi *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- JWT -------------------------------------------------------------------- */

static gboolean
token_fresh (NtpmonWebapi *self)
{
  return self->token != NULL
         && self->token_expiry - g_get_monotonic_time ()
                > (gint64)NTPMON_WEBAPI_TOKEN_REFRESH_S * G_USEC_PER_SEC;
}

/**
 * ntpmon_webapi_token_needs_refresh:
 *
 * TRUE when there is no token or 5 minutes or less of it remain.
 */
gboolean
ntpmon_webapi_token_needs_refresh (NtpmonWebapi *self)
{
  return !token_fresh (self);
}

/**
 * ntpmon_webapi_peek_token:
 *
 * Returns: (nullable): the cached token, fresh or not
 */
const gchar *
ntpmon_webapi_peek_token (NtpmonWebapi *self)
{
  return self->token;
}

void
ntpmon_webapi_clear_token (NtpmonWebapi *self)
{
  gboolean had = self->token != NULL;

  g_clear_pointer (&self->token, g_free);
  self->token_expiry = 0;
  if (had)
    g_signal_emit (self, signals[SIGNAL_TOKEN_CHANGED], 0);
}

static void
finish_token_waiters (NtpmonWebapi *self, const GError *error)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&self->token_waiters);

  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_strdup (self->token), g_free);
    }
}

static gboolean
parse_token (NtpmonWebapi *self, GBytes *body, GError **error)
{
  static const gchar what[] = "OIDC token response";
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize length;
  const gchar *data = g_bytes_get_data (body, &length);
  JsonObject *top
      = ntpmon_webapi_json_object (parser, data != NULL ? data : "", length, what, error);
  g_autofree gchar *token = NULL;
  g_autofree gchar *type = NULL;
  JsonNode *expires;
  gint64 expires_in = 0;

  if (top == NULL || !ntpmon_webapi_json_string (top, "access_token", what, &token, error)
      || !ntpmon_webapi_json_string (top, "token_type", what, &type, error))
    return FALSE;
  if (*token == '\0')
    {
      g_set_error_literal (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE,
                           _ ("OIDC response missing access_token"));
      return FALSE;
    }
  expires = member (top, "expires_in");
  if (expires != NULL && !JSON_NODE_HOLDS_NULL (expires))
    {
      if (!JSON_NODE_HOLDS_VALUE (expires) || json_node_get_value_type (expires) != G_TYPE_INT64)
        {
          g_set_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_BAD_RESPONSE,
                       _ ("%s: \"expires_in\" must be an integer"), what);
          return FALSE;
        }
      expires_in = json_node_get_int (expires);
    }
  if (g_strcmp0 (type, "Bearer") != 0)
    g_info ("unexpected token type \"%s\"", type);
  if (expires_in <= 0)
    expires_in = NTPMON_WEBAPI_TOKEN_LIFETIME_S;
  g_free (self->token);
  self->token = g_steal_pointer (&token);
  self->token_expiry = g_get_monotonic_time () + expires_in * G_USEC_PER_SEC;
  g_debug ("JWT refreshed, expires in %" G_GINT64_FORMAT " s", expires_in);
  return TRUE;
}

static void
token_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  NtpmonWebapi *self = g_task_get_source_object (task);
  NtpmonWebapiRequest *req = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = ntpmon_webapi_finish_send (SOUP_SESSION (source), result, task, &error);
  guint status = body != NULL ? soup_message_get_status (req->msg) : 0;

  if (body == NULL)
    ;
  else if (status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error_literal (&error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED,
                         _ ("api key unauthorized"));
  else if (status != SOUP_STATUS_OK)
    g_set_error (&error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_HTTP_STATUS,
                 _ ("unexpected OIDC token response: %u (trace %s)"), status, trace_id (req->msg));
  else if (parse_token (self, body, &error))
    g_signal_emit (self, signals[SIGNAL_TOKEN_CHANGED], 0);
  finish_token_waiters (self, error);
  g_task_return_boolean (task, error == NULL);
}

/**
 * ntpmon_webapi_get_token_async:
 *
 * A JWT for the monitor API: the cached one while more than 5 minutes of it
 * remain, else a new one from `POST api/oidc/token`. Calls made while a
 * request is in flight share its result.
 */
void
ntpmon_webapi_get_token_async (NtpmonWebapi *self, const gchar *api_key, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree gchar *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  static const gchar request[] = "{\"expires_in\":3600}";

  g_task_set_source_tag (task, ntpmon_webapi_get_token_async);
  if (token_fresh (self))
    {
      g_task_return_pointer (task, g_strdup (self->token), g_free);
      g_object_unref (task);
      return;
    }
  if (api_key == NULL || *api_key == '\0')
    {
      g_task_return_new_error (task, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_NO_API_KEY,
                               _ ("no API key available for JWT token request"));
      g_object_unref (task);
      return;
    }
  if (self->token_waiters != NULL)
    {
      g_ptr_array_add (self->token_waiters, task);
      return;
    }
  self->token_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->token_waiters, task);

  url = ntpmon_webapi_build_url (self, "api/oidc/token");
  msg = soup_message_new (SOUP_METHOD_POST, url);
  ntpmon_webapi_set_bearer (msg, api_key);
  body = g_bytes_new_static (request, sizeof request - 1);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  {
    /* the request has its own task so that a cancelled first caller does
     * not cancel the request the others wait for */
    GTask *send = g_task_new (self, NULL, NULL, NULL);
    ntpmon_webapi_send (self, self->session, msg, NTPMON_WEBAPI_CONFIG_TIMEOUT_S, send, token_cb);
  }
}

gchar *
ntpmon_webapi_get_token_finish (NtpmonWebapi *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
