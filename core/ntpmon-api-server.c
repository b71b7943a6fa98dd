/* ntpmon-api-server.c: the HTTPS listener of the monitor RPC API
 *
 * SPDX-License-Identifier: MIT
 *
 * TLS: the server certificate comes from two PEM files and is replaced
 * when they change (the directories are watched, so atomic renames and
 * the symlink swaps of Kubernetes secret volumes are seen); a pair that
 * does not load keeps the old certificate. Client certificates are
 * requested, not required, and accepted at the TLS layer; NtpmonApiAuth
 * decides per request.
 *
 * TLS >= 1.2: glib-networking's GnuTLS backend takes its priority string
 * from $G_TLS_GNUTLS_PRIORITY, read once when the first TLS connection is
 * set up; the server object removes TLS 1.0/1.1 there (added to an
 * operator's own string), so it must be created before any TLS is used.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "ntpmon-api-request-private.h"
#include "ntpmon-api-server.h"

#define DEFAULT_MAX_BODY (1024 * 1024)
#define RELOAD_DELAY_MS  200

typedef struct
{
  NtpmonApiHandler handler;
  gpointer user_data;
  GDestroyNotify destroy;
} Route;

struct _NtpmonApiServer
{
  GObject parent_instance;

  SoupServer *soup;
  NtpmonApiAuth *auth;
  NtpmonMetrics *metrics;
  NtpmonMetric *requests;
  NtpmonMetric *durations;
  GHashTable *routes; /* path -> Route */
  gsize max_body;

  gchar *cert_file;
  gchar *key_file;
  GTlsCertificate *certificate;
  GPtrArray *monitors;
  guint reload_id;
};

G_DEFINE_TYPE (NtpmonApiServer, ntpmon_api_server, G_TYPE_OBJECT)

enum
{
  SIGNAL_CERTIFICATE_CHANGED,
  SIGNAL_CERTIFICATE_ERROR,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
route_free (Route *route)
{
  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route);
}

static void
ntpmon_api_server_dispose (GObject *object)
{
  NtpmonApiServer *self = NTPMON_API_SERVER (object);

  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_clear_pointer (&self->monitors, g_ptr_array_unref);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  G_OBJECT_CLASS (ntpmon_api_server_parent_class)->dispose (object);
}

static void
ntpmon_api_server_finalize (GObject *object)
{
  NtpmonApiServer *self = NTPMON_API_SERVER (object);

  g_clear_object (&self->auth);
  g_clear_pointer (&self->metrics, ntpmon_metrics_unref);
  g_hash_table_unref (self->routes);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_clear_object (&self->certificate);
  G_OBJECT_CLASS (ntpmon_api_server_parent_class)->finalize (object);
}

static void
ntpmon_api_server_class_init (NtpmonApiServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ntpmon_api_server_dispose;
  G_OBJECT_CLASS (klass)->finalize = ntpmon_api_server_finalize;

  /**
   * NtpmonApiServer::certificate-changed:
   * @certificate: the new server certificate
   *
   * Emitted after the certificate files changed and the new pair loaded.
   */
  signals[SIGNAL_CERTIFICATE_CHANGED]
      = g_signal_new ("certificate-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_TLS_CERTIFICATE);
  /**
   * NtpmonApiServer::certificate-error:
   * @message: why the changed files did not load; the old pair stays
   */
  signals[SIGNAL_CERTIFICATE_ERROR]
      = g_signal_new ("certificate-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static gboolean
accept_any_certificate (SoupServerMessage *msg, GTlsCertificate *certificate,
                        GTlsCertificateFlags errors, gpointer user_data)
{
  /* Checked per request by NtpmonApiAuth against the client CA bundle. */
  return TRUE;
}

/* libsoup 3.2 reports the client certificate only on the first message of
 * a connection; later requests on a kept-alive connection would look
 * anonymous. The certificate is remembered on the connection's socket. */
static GTlsCertificate *
connection_peer_certificate (SoupServerMessage *msg)
{
  GTlsCertificate *peer = soup_server_message_get_tls_peer_certificate (msg);
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket == NULL)
    return peer;
  if (peer != NULL)
    g_object_set_data_full (G_OBJECT (socket), "ntpmon-api-peer", g_object_ref (peer),
                            g_object_unref);
  else
    peer = g_object_get_data (G_OBJECT (socket), "ntpmon-api-peer");
  return peer;
}

static void
request_started (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
}

static const gchar *
route_label (NtpmonApiServer *self, const gchar *path)
{
  return g_hash_table_contains (self->routes, path) ? path : "unknown";
}

static void
count_request (NtpmonApiServer *self, const gchar *path, guint status, gint64 start_time)
{
  g_autofree gchar *code = g_strdup_printf ("%u", status);
  const gchar *labels[] = { route_label (self, path), status != 0 ? code : "aborted" };

  ntpmon_metric_add (self->requests, labels, 1);
  ntpmon_metric_observe (self->durations, labels,
                         (gdouble)(g_get_monotonic_time () - start_time) / G_USEC_PER_SEC);
}

/* The access log line of spec §5.4, and the request metrics. */
static void
request_done (NtpmonApiRequest *request, guint status, gpointer user_data)
{
  NtpmonApiServer *self = user_data;
  const gchar *identity = ntpmon_api_request_get_identity (request);
  const gchar *agent = ntpmon_api_request_get_user_agent (request);
  const gchar *host = ntpmon_api_request_get_header (request, "Host");
  const gchar *remote = ntpmon_api_request_get_remote_address (request);
  g_autofree gchar *code = g_strdup_printf ("%u", status);
  g_autofree gchar *duration = g_strdup_printf (
      "%.3fms",
      (gdouble)(g_get_monotonic_time () - ntpmon_api_request_get_start_time (request)) / 1000.0);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MONITOR",
                    identity != NULL ? identity : "unknown", "PATH",
                    ntpmon_api_request_get_path (request), "METHOD",
                    ntpmon_api_request_get_method (request), "STATUS", code, "REMOTE",
                    remote != NULL ? remote : "", "USER_AGENT", agent != NULL ? agent : "", "HOST",
                    host != NULL ? host : "", "DURATION", duration, "MESSAGE", "request");
  count_request (self, ntpmon_api_request_get_path (request), status,
                 ntpmon_api_request_get_start_time (request));
}

/* An error reply before a request object exists. */
static void
reply_error_now (NtpmonApiServer *self, SoupServerMessage *msg, NtpmonApiProtocol protocol,
                 const gchar *path, NtpmonRpcError code, const gchar *message)
{
  g_autoptr (GError) error = g_error_new_literal (NTPMON_RPC_ERROR, code, message);
  guint status;
  g_autoptr (GBytes) body = ntpmon_api_error_body (protocol, error, &status);
  gsize len;
  const gchar *data = g_bytes_get_data (body, &len);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, data, len);
  count_request (self, path, status, g_get_monotonic_time ());
}

/* §4.4: a refusal is plain HTTP, not framed by the protocol (a Connect
 * client takes status 401 for `unauthenticated`): the reason and a
 * newline, "Invalid JWT token" for a refused token and "Authentication
 * required" without credentials. A refused client certificate (which the
 * reference refuses in the handshake) gets the same 401 with its reason. */
static void
reply_unauthenticated (NtpmonApiRequest *request, const GError *error)
{
  gchar *text = g_strconcat (error->message, "\n", NULL);
  g_autoptr (GBytes) body = g_bytes_new_take (text, strlen (text));

  ntpmon_api_request_reply (request, SOUP_STATUS_UNAUTHORIZED, "text/plain; charset=utf-8", body);
}

static void
authenticated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NtpmonApiRequest) request = user_data;
  SoupServerMessage *msg = ntpmon_api_request_get_message (request);
  NtpmonApiServer *self = g_object_get_data (G_OBJECT (msg), "ntpmon-api-server");
  g_autoptr (GError) error = NULL;
  NtpmonApiAuthMethod method = NTPMON_API_AUTH_NONE;
  g_autofree gchar *identity = NULL;
  gboolean twirp = ntpmon_api_request_get_protocol (request) == NTPMON_API_PROTOCOL_TWIRP;
  gboolean post = g_strcmp0 (ntpmon_api_request_get_method (request), SOUP_METHOD_POST) == 0;
  Route *route;

  identity
      = ntpmon_api_auth_authenticate_finish (NTPMON_API_AUTH (source), result, &method, &error);
  if (identity == NULL)
    {
      g_info ("unauthenticated request from %s to %s: %s",
              ntpmon_api_request_get_remote_address (request),
              ntpmon_api_request_get_path (request), error->message);
      reply_unauthenticated (request, error);
      return;
    }
  ntpmon_api_request_set_identity (request, identity, method);
  route = self != NULL ? g_hash_table_lookup (self->routes, ntpmon_api_request_get_path (request))
                       : NULL;
  if (route == NULL)
    ntpmon_api_request_reply_error (request,
                                    twirp ? NTPMON_RPC_ERROR_BAD_ROUTE : NTPMON_RPC_ERROR_NOT_FOUND,
                                    _ ("no such method"));
  else if (!post && twirp)
    ntpmon_api_request_reply_error (request, NTPMON_RPC_ERROR_BAD_ROUTE,
                                    _ ("unsupported HTTP method; use POST"));
  else if (!post)
    {
      /* as connect-go answers a unary method (no GET): 405, no body */
      ntpmon_api_request_add_response_header (request, "Allow", SOUP_METHOD_POST);
      ntpmon_api_request_reply (request, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL, NULL);
    }
  else
    route->handler (request, route->user_data);
}

typedef struct
{
  GByteArray *data;
  gsize limit;
  gboolean overflow;
} BodyLimit;

static void
body_limit_free (BodyLimit *limit)
{
  g_byte_array_unref (limit->data);
  g_free (limit);
}

static void
got_chunk (SoupServerMessage *msg, GBytes *chunk, BodyLimit *limit)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (chunk, &len);

  if (limit->overflow || len > limit->limit - limit->data->len)
    limit->overflow = TRUE;
  else
    g_byte_array_append (limit->data, data, (guint)len);
}

static void
server_callback (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  NtpmonApiServer *self = user_data;
  NtpmonApiProtocol protocol;
  NtpmonApiRequest *request;
  g_autoptr (GBytes) body = NULL;
  BodyLimit *limit;

  if (g_str_has_prefix (path, NTPMON_API_CONNECT_PREFIX))
    protocol = NTPMON_API_PROTOCOL_CONNECT;
  else if (g_str_has_prefix (path, NTPMON_API_TWIRP_PREFIX))
    protocol = NTPMON_API_PROTOCOL_TWIRP;
  else
    {
      reply_error_now (self, msg, NTPMON_API_PROTOCOL_CONNECT, path, NTPMON_RPC_ERROR_NOT_FOUND,
                       _ ("no such route"));
      return;
    }
  limit = g_object_get_data (G_OBJECT (msg), "ntpmon-api-body");
  if (limit == NULL || limit->overflow)
    {
      reply_error_now (self, msg, protocol, path, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED,
                       _ ("request body too large"));
      return;
    }
  body = g_bytes_new (limit->data->data, limit->data->len);
  request = ntpmon_api_request_new (msg, protocol, path, body, request_done, self);
  g_object_set_data_full (G_OBJECT (msg), "ntpmon-api-server", g_object_ref (self), g_object_unref);
  soup_server_message_pause (msg);
  ntpmon_api_auth_authenticate_async (
      self->auth, connection_peer_certificate (msg),
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization"),
      ntpmon_api_request_get_cancellable (request), authenticated, request);
}

/* Refuses bodies announced larger than the limit before reading them, and
 * collects the body itself so that a chunked one cannot grow past it. */
static void
early_callback (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  NtpmonApiServer *self = user_data;
  goffset length
      = soup_message_headers_get_content_length (soup_server_message_get_request_headers (msg));
  BodyLimit *limit;

  if (length > (goffset)self->max_body)
    {
      reply_error_now (self, msg,
                       g_str_has_prefix (path, NTPMON_API_TWIRP_PREFIX)
                           ? NTPMON_API_PROTOCOL_TWIRP
                           : NTPMON_API_PROTOCOL_CONNECT,
                       path, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED, _ ("request body too large"));
      return;
    }
  limit = g_new0 (BodyLimit, 1);
  limit->data = g_byte_array_new ();
  limit->limit = self->max_body;
  g_object_set_data_full (G_OBJECT (msg), "ntpmon-api-body", limit,
                          (GDestroyNotify)body_limit_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), limit);
}

static void
ntpmon_api_server_init (NtpmonApiServer *self)
{
  self->routes
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)route_free);
  self->max_body = DEFAULT_MAX_BODY;
  self->soup = soup_server_new ("server-header", NULL, NULL);
  soup_server_set_tls_auth_mode (self->soup, G_TLS_AUTHENTICATION_REQUESTED);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started), self);
  soup_server_add_early_handler (self->soup, NULL, early_callback, self, NULL);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);
}

/**
 * ntpmon_api_restrict_tls_versions:
 *
 * Removes TLS 1.0 and 1.1 from the GnuTLS priorities of this process. Call
 * before the first TLS connection (ntpmon_api_server_new() calls it too).
 */
void
ntpmon_api_restrict_tls_versions (void)
{
  static gsize done = 0;
  static const gchar *no_old = ":-VERS-TLS1.1:-VERS-TLS1.0:-VERS-SSL3.0";

  if (g_once_init_enter (&done))
    {
      const gchar *priority = g_getenv ("G_TLS_GNUTLS_PRIORITY");
      g_autofree gchar *value = g_strconcat (
          priority != NULL && *priority != '\0' ? priority : "NORMAL:%COMPAT", no_old, NULL);

      g_setenv ("G_TLS_GNUTLS_PRIORITY", value, TRUE);
      g_once_init_leave (&done, 1);
    }
}

/**
 * ntpmon_api_server_new:
 * @metrics: registry for `api_requests_total` and `api_request_duration_seconds`
 */
NtpmonApiServer *
ntpmon_api_server_new (NtpmonApiAuth *auth, NtpmonMetrics *metrics)
{
  NtpmonApiServer *self;
  const gchar *labels[] = { "route", "code", NULL };

  ntpmon_api_restrict_tls_versions ();
  self = g_object_new (NTPMON_API_TYPE_SERVER, NULL);

  self->auth = g_object_ref (auth);
  self->metrics = ntpmon_metrics_ref (metrics);
  self->requests = ntpmon_metrics_counter (metrics, "api_requests_total",
                                           "RPC requests by route and HTTP status.", labels);
  self->durations = ntpmon_metrics_histogram (
      metrics, "api_request_duration_seconds", "RPC request latency by route and HTTP status.",
      labels, ntpmon_metrics_latency_buckets, ntpmon_metrics_n_latency_buckets);
  return self;
}

/**
 * ntpmon_api_server_set_max_body:
 *
 * Requests with a larger body are refused (`resource_exhausted`).
 */
void
ntpmon_api_server_set_max_body (NtpmonApiServer *self, gsize max_body)
{
  self->max_body = max_body;
}

gsize
ntpmon_api_server_get_max_body (NtpmonApiServer *self)
{
  return self->max_body;
}

/**
 * ntpmon_api_server_add_route:
 * @path: the exact request path, e.g. `/monitor.v2.MonitorService/GetConfig`
 */
void
ntpmon_api_server_add_route (NtpmonApiServer *self, const gchar *path, NtpmonApiHandler handler,
                             gpointer user_data, GDestroyNotify destroy)
{
  Route *route = g_new0 (Route, 1);

  g_return_if_fail (g_str_has_prefix (path, NTPMON_API_CONNECT_PREFIX)
                    || g_str_has_prefix (path, NTPMON_API_TWIRP_PREFIX));
  route->handler = handler;
  route->user_data = user_data;
  route->destroy = destroy;
  g_hash_table_replace (self->routes, g_strdup (path), route);
}

/* GnuTLS loads a key that does not belong to the certificate without
 * complaint (the handshakes fail later); check the pair here. */
static gboolean
check_key_matches (GTlsCertificate *certificate, GError **error)
{
  g_autofree gchar *cert_pem = NULL;
  g_autofree gchar *key_pem = NULL;
  BIO *bio;
  X509 *x509 = NULL;
  EVP_PKEY *pkey = NULL;
  gboolean ok;

  g_object_get (certificate, "certificate-pem", &cert_pem, "private-key-pem", &key_pem, NULL);
  if (cert_pem != NULL && (bio = BIO_new_mem_buf (cert_pem, -1)) != NULL)
    {
      x509 = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
      BIO_free (bio);
    }
  if (key_pem != NULL && (bio = BIO_new_mem_buf (key_pem, -1)) != NULL)
    {
      pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
      BIO_free (bio);
    }
  ok = x509 != NULL && pkey != NULL && X509_check_private_key (x509, pkey) == 1;
  X509_free (x509);
  EVP_PKEY_free (pkey);
  if (!ok)
    g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                         _ ("the private key does not belong to the certificate"));
  return ok;
}

/**
 * ntpmon_api_server_reload_tls:
 *
 * Loads the certificate files again; on success new handshakes use the
 * new pair (existing connections keep theirs).
 */
gboolean
ntpmon_api_server_reload_tls (NtpmonApiServer *self, GError **error)
{
  g_autoptr (GTlsCertificate) certificate = NULL;

  certificate = g_tls_certificate_new_from_files (self->cert_file, self->key_file, error);
  if (certificate == NULL || !check_key_matches (certificate, error))
    return FALSE;
  if (self->certificate != NULL && g_tls_certificate_is_same (self->certificate, certificate))
    return TRUE;
  g_set_object (&self->certificate, certificate);
  soup_server_set_tls_certificate (self->soup, certificate);
  return TRUE;
}

static gboolean
reload_timeout (gpointer user_data)
{
  NtpmonApiServer *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) before = g_object_ref (self->certificate);

  self->reload_id = 0;
  if (!ntpmon_api_server_reload_tls (self, &error))
    {
      g_message ("server certificate not reloaded, keeping the old one: %s", error->message);
      g_signal_emit (self, signals[SIGNAL_CERTIFICATE_ERROR], 0, error->message);
    }
  else if (self->certificate != before)
    {
      g_message ("server certificate reloaded from %s", self->cert_file);
      g_signal_emit (self, signals[SIGNAL_CERTIFICATE_CHANGED], 0, self->certificate);
    }
  return G_SOURCE_REMOVE;
}

static void
tls_file_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                  gpointer user_data)
{
  NtpmonApiServer *self = user_data;

  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;
  /* Writers replace the two files one after the other: wait for calm. */
  g_clear_handle_id (&self->reload_id, g_source_remove);
  self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_timeout, self);
}

static gboolean
watch_directory (NtpmonApiServer *self, const gchar *file, GError **error)
{
  g_autofree gchar *dirname = g_path_get_dirname (file);
  g_autoptr (GFile) dir = g_file_new_for_path (dirname);
  GFileMonitor *monitor;

  for (guint i = 0; i < self->monitors->len; i++)
    if (g_file_equal (dir, g_object_get_data (g_ptr_array_index (self->monitors, i), "dir")))
      return TRUE;
  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
  if (monitor == NULL)
    return FALSE;
  g_object_set_data_full (G_OBJECT (monitor), "dir", g_object_ref (dir), g_object_unref);
  g_signal_connect (monitor, "changed", G_CALLBACK (tls_file_changed), self);
  g_ptr_array_add (self->monitors, monitor);
  return TRUE;
}

/**
 * ntpmon_api_server_set_tls_files:
 *
 * Loads the server certificate (PEM chain) and key, and watches both for
 * changes.
 */
gboolean
ntpmon_api_server_set_tls_files (NtpmonApiServer *self, const gchar *cert_file,
                                 const gchar *key_file, GError **error)
{
  g_free (self->cert_file);
  g_free (self->key_file);
  self->cert_file = g_strdup (cert_file);
  self->key_file = g_strdup (key_file);
  if (!ntpmon_api_server_reload_tls (self, error))
    return FALSE;
  g_clear_pointer (&self->monitors, g_ptr_array_unref);
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
  return watch_directory (self, cert_file, error) && watch_directory (self, key_file, error);
}

/**
 * ntpmon_api_server_get_certificate:
 *
 * Returns: (transfer none) (nullable): the certificate new handshakes use
 */
GTlsCertificate *
ntpmon_api_server_get_certificate (NtpmonApiServer *self)
{
  return self->certificate;
}

/**
 * ntpmon_api_server_listen:
 * @address: `host:port`, `:port` for every interface
 */
gboolean
ntpmon_api_server_listen (NtpmonApiServer *self, const gchar *address, GError **error)
{
  if (self->certificate == NULL)
    {
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                           _ ("no server certificate"));
      return FALSE;
    }
  return ntpmon_api_listen (self->soup, address, SOUP_SERVER_LISTEN_HTTPS, error);
}

guint
ntpmon_api_server_get_port (NtpmonApiServer *self)
{
  return ntpmon_api_listening_port (self->soup);
}

/**
 * ntpmon_api_server_get_soup_server:
 *
 * Returns: (transfer none): the underlying server
 */
SoupServer *
ntpmon_api_server_get_soup_server (NtpmonApiServer *self)
{
  return self->soup;
}

/**
 * ntpmon_api_listen:
 * @address: `host:port` (IP literal, `localhost` or `[v6]`), or `:port`
 *   for every interface
 *
 * Makes @server listen on @address.
 */
gboolean
ntpmon_api_listen (SoupServer *server, const gchar *address, SoupServerListenOptions options,
                   GError **error)
{
  g_autoptr (GSocketConnectable) parsed = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  const gchar *host;
  guint64 port;

  if (address != NULL && address[0] == ':')
    {
      if (!g_ascii_string_to_unsigned (address + 1, 10, 0, 65535, &port, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _ ("invalid listen address %s"), address);
          return FALSE;
        }
      return soup_server_listen_all (server, (guint)port, options, error);
    }
  parsed = address != NULL ? g_network_address_parse (address, 0, NULL) : NULL;
  if (parsed == NULL || strrchr (address, ':') == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("invalid listen address %s (want host:port)"), address);
      return FALSE;
    }
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (parsed));
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return soup_server_listen_local (server, (guint)port, options, error);
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("listen address %s: the host must be an IP address"), address);
      return FALSE;
    }
  socket_address = g_inet_socket_address_new (inet, (guint16)port);
  return soup_server_listen (server, socket_address, options, error);
}

/**
 * ntpmon_api_listening_port:
 *
 * Returns: the port @server listens on (the first listener's), or 0
 */
guint
ntpmon_api_listening_port (SoupServer *server)
{
  GSList *uris = soup_server_get_uris (server);
  guint port = 0;

  for (GSList *l = uris; l != NULL; l = l->next)
    if (port == 0)
      port = (guint)g_uri_get_port (l->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return port;
}
