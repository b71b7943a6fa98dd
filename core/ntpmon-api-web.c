/* ntpmon-api-web.c: the web API the agent's `setup` talks to
 *
 * SPDX-License-Identifier: MIT
 *
 * Replies the agent's client handles (spec agent.md §3.2–3.4):
 * registration polls get JSON {URL, Status, APIToken}, or text/plain for
 * a final word (rejected: 403; bad request: 400) which `setup` prints;
 * database trouble is a 503, which `setup` retries. Config and token
 * requests without a valid API key get 401.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ntpmon-api-server.h"
#include "ntpmon-api-web-private.h"
#include "ntpmon-api-web.h"

#define TOKEN_MAX_LIFETIME (24 * 3600)
#define TOKEN_MIN_LIFETIME 60

G_DEFINE_TYPE (NtpmonApiWeb, ntpmon_api_web, G_TYPE_OBJECT)

static void
ntpmon_api_web_dispose (GObject *object)
{
  NtpmonApiWeb *self = NTPMON_API_WEB (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->db);
  g_clear_object (&self->own_verifier);
  g_clear_object (&self->ca);
  G_OBJECT_CLASS (ntpmon_api_web_parent_class)->dispose (object);
}

static void
ntpmon_api_web_finalize (GObject *object)
{
  NtpmonApiWeb *self = NTPMON_API_WEB (object);

  g_clear_pointer (&self->signer, web_signer_free);
  g_free (self->bundle_file);
  g_free (self->issuer);
  g_free (self->registration_url);
  g_free (self->listen);
  G_OBJECT_CLASS (ntpmon_api_web_parent_class)->finalize (object);
}

static void
ntpmon_api_web_class_init (NtpmonApiWebClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ntpmon_api_web_dispose;
  G_OBJECT_CLASS (klass)->finalize = ntpmon_api_web_finalize;
}

static void
ntpmon_api_web_init (NtpmonApiWeb *self)
{
}

/**
 * ntpmon_api_web_new:
 *
 * Opens (first time: creates) the CA and the token signing key in
 * `config->ca_dir`, and writes the client CA bundle (`config->client_ca`
 * plus the CA) that the RPC listener should trust.
 */
NtpmonApiWeb *
ntpmon_api_web_new (const NtpmonApiConfig *config, GError **error)
{
  g_autoptr (NtpmonApiWeb) self = g_object_new (NTPMON_API_TYPE_WEB, NULL);
  g_autofree gchar *key_file = g_build_filename (config->ca_dir, "oidc-es384.key", NULL);
  g_autofree gchar *key_pem = NULL;
  gboolean created;

  self->ca = ntpmon_ca_open (config->ca_dir, error);
  if (self->ca == NULL)
    return NULL;
  key_pem = ntpmon_ca_load_or_create_key (key_file, &created, error);
  if (key_pem == NULL)
    return NULL;
  if (created)
    g_message ("created token signing key %s", key_file);
  self->signer = web_signer_new (key_pem, error);
  if (self->signer == NULL)
    return NULL;
  self->bundle_file = ntpmon_ca_write_trust_bundle (self->ca, config->client_ca, error);
  if (self->bundle_file == NULL)
    return NULL;
  self->issuer = g_strdup (config->api_host);
  self->registration_url = g_strdup (config->registration_url);
  self->listen = g_strdup (config->web_listen);
  self->cert_lifetime = config->cert_lifetime;
  self->jwks_refresh = config->jwks_refresh;
  return g_steal_pointer (&self);
}

const gchar *
ntpmon_api_web_get_client_ca_file (NtpmonApiWeb *self)
{
  return self->bundle_file;
}

/**
 * ntpmon_api_web_set_metrics:
 *
 * Counts requests per route and status, and issued certificates, in
 * @metrics (call before ntpmon_api_web_start()).
 */
void
ntpmon_api_web_set_metrics (NtpmonApiWeb *self, NtpmonMetrics *metrics)
{
  self->requests = ntpmon_metrics_counter (metrics, "monitorapi_web_requests_total",
                                           "Web API requests by route and HTTP status.",
                                           (const gchar *[]){ "route", "code", NULL });
  self->certificates
      = ntpmon_metrics_counter (metrics, "monitorapi_web_certificates_issued_total",
                                "Client certificates issued by the built-in CA.", NULL);
}

NtpmonCa *
ntpmon_api_web_get_ca (NtpmonApiWeb *self)
{
  return self->ca;
}

/* replies */

static void
reply (SoupServerMessage *msg, guint status, const gchar *type, const gchar *body)
{
  g_autofree gchar *trace = web_random_token (16);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "TraceID", trace);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, body, strlen (body));
}

void
web_reply_text (SoupServerMessage *msg, guint status, const gchar *text)
{
  reply (msg, status, "text/plain; charset=utf-8", text);
}

void
web_reply_builder (SoupServerMessage *msg, JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = json_to_string (root, FALSE);

  reply (msg, SOUP_STATUS_OK, "application/json", text);
}

static void
reply_db_error (SoupServerMessage *msg, const gchar *what, GError *error)
{
  g_message ("%s: %s", what, error->message);
  if (g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE))
    web_reply_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                    "database unavailable, try again later\n");
  else
    web_reply_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal error\n");
}

static void
request_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_db_run_finish (NTPMON_DB (source), result, &error))
    reply_db_error (request->msg, g_uri_get_path (soup_server_message_get_uri (request->msg)),
                    error);
  else
    request->done (request->web, request->msg, request->call, request);
  soup_server_message_unpause (request->msg);
  web_request_drop (request);
}

Request *
web_request_start (NtpmonApiWeb *web, SoupServerMessage *msg,
                   void (*done) (NtpmonApiWeb *, SoupServerMessage *, WebCall *, gpointer))
{
  Request *request = g_new0 (Request, 1);

  request->web = g_object_ref (web);
  request->msg = g_object_ref (msg);
  request->call = g_new0 (WebCall, 1);
  request->done = done;
  return request;
}

/* for a request answered before its job */
void
web_request_drop (Request *request)
{
  g_object_unref (request->msg);
  g_object_unref (request->web);
  web_call_free (request->call);
  g_free (request);
}

void
web_request_run (Request *request, NtpmonDbJobFunc job)
{
  soup_server_message_pause (request->msg);
  ntpmon_db_run_async (request->web->db, job, request->call, NULL, NULL, request_done, request);
}

/* Looks up the bearer API key's monitors, or answers 401 when there is no key. */
static void
run_with_key (Request *request)
{
  const gchar *auth = soup_message_headers_get_one (
      soup_server_message_get_request_headers (request->msg), "Authorization");

  if (auth == NULL || !g_str_has_prefix (auth, "Bearer ") || auth[7] == '\0')
    {
      web_reply_text (request->msg, SOUP_STATUS_UNAUTHORIZED, "api key unauthorized\n");
      web_request_drop (request);
      return;
    }
  web_api_key_digest (auth + 7, &request->call->key_lookup, &request->call->key_hash);
  web_request_run (request, web_db_lookup_key);
}

/* The key's first monitor; NULL (answered 401) when the key is unknown. */
static const WebMonitor *
key_monitor (SoupServerMessage *msg, WebCall *call)
{
  if (call->monitors->len > 0)
    return g_ptr_array_index (call->monitors, 0);
  web_reply_text (msg, SOUP_STATUS_UNAUTHORIZED, "api key unauthorized\n");
  return NULL;
}

/* The first label of a TLS name: the monitor's short name. */
static gchar *
short_name (const gchar *tls_name)
{
  return g_strndup (tls_name, strcspn (tls_name, "."));
}

/* GET /monitor/api/config */

static void
add_family (JsonBuilder *builder, GPtrArray *monitors, const gchar *version)
{
  const WebMonitor *found = NULL;

  for (guint i = 0; i < monitors->len && found == NULL; i++)
    {
      const WebMonitor *monitor = g_ptr_array_index (monitors, i);
      if (g_strcmp0 (monitor->ip_version, version) == 0)
        found = monitor;
    }
  json_builder_set_member_name (builder, g_str_equal (version, "v4") ? "ipv4" : "ipv6");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, found != NULL ? found->status : "");
  json_builder_set_member_name (builder, "ip");
  json_builder_add_string_value (builder, found != NULL && found->ip != NULL ? found->ip : "");
  json_builder_end_object (builder);
}

static gboolean
may_have_certificate (GPtrArray *monitors)
{
  for (guint i = 0; i < monitors->len; i++)
    {
      const WebMonitor *monitor = g_ptr_array_index (monitors, i);
      if (g_strcmp0 (monitor->status, "testing") == 0 || g_strcmp0 (monitor->status, "active") == 0)
        return TRUE;
    }
  return FALSE;
}

static void
config_done (NtpmonApiWeb *web, SoupServerMessage *msg, WebCall *call, gpointer data)
{
  Request *request = data;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cert = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *name = NULL;
  const WebMonitor *first;

  if ((first = key_monitor (msg, call)) == NULL)
    return;
  if (request->want_certificate && may_have_certificate (call->monitors))
    {
      if (!ntpmon_ca_issue (web->ca, first->tls_name, web->cert_lifetime, &cert, &key, &error))
        {
          g_message ("certificate for %s: %s", first->tls_name, error->message);
          web_reply_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal error\n");
          return;
        }
      g_message ("issued a certificate for %s", first->tls_name);
      if (web->certificates != NULL)
        ntpmon_metric_add (web->certificates, NULL, 1);
    }
  name = short_name (first->tls_name);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "tls_name");
  json_builder_add_string_value (builder, first->tls_name);
  add_family (builder, call->monitors, "v4");
  add_family (builder, call->monitors, "v6");
  json_builder_set_member_name (builder, "tls");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cert");
  json_builder_add_string_value (builder, cert != NULL ? cert : "");
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, key != NULL ? key : "");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  web_reply_builder (msg, builder);
  if (key != NULL)
    memset (key, 0, strlen (key));
}

static void
handle_config (NtpmonApiWeb *web, SoupServerMessage *msg, GHashTable *query)
{
  Request *request = web_request_start (web, msg, config_done);

  request->want_certificate
      = query != NULL
        && g_strcmp0 (g_hash_table_lookup (query, "request_certificate"), "true") == 0;
  run_with_key (request);
}

/* POST /api/oidc/token */

static void
token_done (NtpmonApiWeb *web, SoupServerMessage *msg, WebCall *call, gpointer data)
{
  Request *request = data;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *name = NULL;
  const WebMonitor *first;

  if ((first = key_monitor (msg, call)) == NULL)
    return;
  name = short_name (first->tls_name);
  token = web_signer_sign (web->signer, web->issuer, first->tls_name, name, request->expires_in,
                           &error);
  if (token == NULL)
    {
      g_message ("token for %s: %s", first->tls_name, error->message);
      web_reply_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal error\n");
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, "Bearer");
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, request->expires_in);
  json_builder_end_object (builder);
  web_reply_builder (msg, builder);
}

/* expires_in from the request body; 3600 when absent, clamped */
static gint64
requested_lifetime (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GBytes) bytes = NULL;
  JsonNode *root;
  gint64 lifetime = 3600;

  if (body->length == 0)
    return lifetime;
  bytes = soup_message_body_flatten (body);
  if (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root)
      && json_object_has_member (json_node_get_object (root), "expires_in"))
    lifetime = json_object_get_int_member (json_node_get_object (root), "expires_in");
  if (lifetime <= 0)
    lifetime = 3600;
  return CLAMP (lifetime, TOKEN_MIN_LIFETIME, TOKEN_MAX_LIFETIME);
}

static void
handle_token (NtpmonApiWeb *web, SoupServerMessage *msg)
{
  Request *request = web_request_start (web, msg, token_done);

  request->expires_in = requested_lifetime (msg);
  run_with_key (request);
}

/* GET /.well-known/jwks.json */

static void
jwks_done (NtpmonApiWeb *web, SoupServerMessage *msg, WebCall *call, gpointer data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "public, max-age=300");
  reply (msg, SOUP_STATUS_OK, "application/json", call->jwks);
}

static void
route (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
       gpointer user_data)
{
  NtpmonApiWeb *web = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  gboolean get = g_str_equal (method, SOUP_METHOD_GET);
  gboolean post = g_str_equal (method, SOUP_METHOD_POST);

  if (g_str_equal (path, "/monitor/api/registration") && post)
    web_handle_registration (web, msg);
  else if (g_str_equal (path, "/monitor/api/config") && get)
    handle_config (web, msg, query);
  else if (g_str_equal (path, "/api/oidc/token") && post)
    handle_token (web, msg);
  else if (g_str_equal (path, "/.well-known/jwks.json") && get)
    web_request_run (web_request_start (web, msg, jwks_done), web_db_jwks);
  else if (g_str_has_prefix (path, WEB_PAGE_PREFIX) && get)
    web_handle_page (web, msg, path + strlen (WEB_PAGE_PREFIX));
  else if (g_str_equal (path, "/monitor/api/registration") || g_str_equal (path, "/api/oidc/token")
           || g_str_equal (path, "/monitor/api/config")
           || g_str_equal (path, "/.well-known/jwks.json"))
    web_reply_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
  else
    web_reply_text (msg, SOUP_STATUS_NOT_FOUND, "not found\n");
}

static void
count_request (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  NtpmonApiWeb *self = user_data;
  static const gchar *const routes[] = { "/monitor/api/registration", "/monitor/api/config",
                                         "/api/oidc/token", "/.well-known/jwks.json" };
  const gchar *path = g_uri_get_path (soup_server_message_get_uri (msg));
  const gchar *route = "unknown";
  g_autofree gchar *code = g_strdup_printf ("%u", soup_server_message_get_status (msg));

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_strcmp0 (path, routes[i]) == 0)
      route = routes[i];
  if (g_str_has_prefix (path, WEB_PAGE_PREFIX))
    route = WEB_PAGE_PREFIX "{id}";
  ntpmon_metric_add (self->requests, (const gchar *[]){ route, code }, 1);
}

/* the own verifier follows the keys in the database */

static gboolean
load_own_jwks (NtpmonApiWeb *self, WebCall *call, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (call->jwks, strlen (call->jwks));

  return ntpmon_api_jwt_load_jwks (self->own_verifier, bytes, error);
}

static void
own_jwks_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_db_run_finish (NTPMON_DB (source), result, &error)
      || !load_own_jwks (request->web, request->call, &error))
    g_message ("token keys not refreshed: %s", error->message);
  g_object_unref (request->web);
  web_call_free (request->call);
  g_free (request);
}

static gboolean
refresh_own_jwks (gpointer user_data)
{
  Request *request = g_new0 (Request, 1);

  request->web = g_object_ref (user_data);
  request->call = g_new0 (WebCall, 1);
  ntpmon_db_run_async (request->web->db, web_db_jwks, request->call, NULL, NULL, own_jwks_done,
                       request);
  return G_SOURCE_CONTINUE;
}

static void
follow_certificate (GObject *rpc, GParamSpec *pspec, gpointer user_data)
{
  NtpmonApiWeb *self = user_data;
  g_autoptr (GTlsCertificate) certificate = NULL;

  g_object_get (rpc, "tls-certificate", &certificate, NULL);
  if (certificate != NULL && self->server != NULL)
    soup_server_set_tls_certificate (self->server, certificate);
}

/**
 * ntpmon_api_web_start:
 * @rpc: the RPC listener, whose server certificate (also after reloads)
 *   the web API presents
 * @own_verifier: (nullable): a JWT verifier to keep loaded with the
 *   database's token keys
 *
 * Publishes the token signing key and listens on `web-listen`.
 */
gboolean
ntpmon_api_web_start (NtpmonApiWeb *self, NtpmonDb *db, SoupServer *rpc, NtpmonApiJwt *own_verifier,
                      GError **error)
{
  g_autoptr (GTlsCertificate) certificate = NULL;

  g_set_object (&self->db, db);
  if (!ntpmon_db_run_sync (db, web_db_publish_key, self->signer, NULL, error))
    return FALSE;
  if (own_verifier != NULL)
    {
      g_autoptr (WebCall) call = g_new0 (WebCall, 1);

      self->own_verifier = g_object_ref (own_verifier);
      if (!ntpmon_db_run_sync (db, web_db_jwks, call, NULL, error)
          || !load_own_jwks (self, call, error))
        return FALSE;
      /* a database query, cheap: keys of new servers are accepted within a minute */
      self->timer_id = g_timeout_add_seconds (MIN (self->jwks_refresh, 60), refresh_own_jwks, self);
    }
  g_object_get (rpc, "tls-certificate", &certificate, NULL);
  g_signal_connect_object (rpc, "notify::tls-certificate", G_CALLBACK (follow_certificate), self,
                           0);
  self->server = soup_server_new ("tls-certificate", certificate, "server-header",
                                  "ntppool-monitor-api", NULL);
  soup_server_add_handler (self->server, NULL, route, self, NULL);
  if (self->requests != NULL)
    g_signal_connect (self->server, "request-finished", G_CALLBACK (count_request), self);
  if (!ntpmon_api_listen (self->server, self->listen, SOUP_SERVER_LISTEN_HTTPS, error))
    return FALSE;
  g_message ("web API on %s (port %u), token key %s", self->listen,
             ntpmon_api_listening_port (self->server), web_signer_get_kid (self->signer));
  return TRUE;
}

guint
ntpmon_api_web_get_port (NtpmonApiWeb *self)
{
  return self->server != NULL ? ntpmon_api_listening_port (self->server) : 0;
}
