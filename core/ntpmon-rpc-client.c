/* ntpmon-rpc-client.c: Connect calls to the monitor API over libsoup
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-rpc-client.h"
#include "ntpmon-rpc-client-private.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ntpmon-connect.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"

struct _NtpmonRpcClient
{
  GObject parent_instance;

  gchar *base_url;
  gchar *user_agent;
  gchar *token;
  GTlsDatabase *database;

  gchar *cert_file;
  gchar *key_file;
  NtpmonFileStamp cert_stamp;
  NtpmonFileStamp key_stamp;
  GTlsCertificate *certificate;

  guint timeout_ms;
  guint io_timeout_s;
  guint handshake_timeout_ms;

  /* The current connection pool; replaced to drop idle connections.
   * Calls in flight keep the one they started with. */
  SoupSession *session;
};

G_DEFINE_FINAL_TYPE (NtpmonRpcClient, ntpmon_rpc_client, G_TYPE_OBJECT)

static void
ntpmon_rpc_client_finalize (GObject *object)
{
  NtpmonRpcClient *self = NTPMON_RPC_CLIENT (object);

  g_free (self->base_url);
  g_free (self->user_agent);
  g_free (self->token);
  g_clear_object (&self->database);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_clear_object (&self->certificate);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ntpmon_rpc_client_parent_class)->finalize (object);
}

static void
ntpmon_rpc_client_class_init (NtpmonRpcClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_rpc_client_finalize;
}

static void
ntpmon_rpc_client_init (NtpmonRpcClient *self)
{
  self->user_agent
      = g_strdup ("ntppool-agent/" NTPMON_RPC_CLIENT_PROTOCOL_VERSION "/ntpmon-" PACKAGE_VERSION);
  self->timeout_ms = NTPMON_RPC_CLIENT_TIMEOUT_MS;
  self->io_timeout_s = NTPMON_RPC_CLIENT_IO_TIMEOUT_S;
  self->handshake_timeout_ms = NTPMON_RPC_CLIENT_HANDSHAKE_TIMEOUT_MS;
}

/* ---- construction and settings ----------------------------------------- */

NtpmonRpcClient *
ntpmon_rpc_client_new (const gchar *base_url, const gchar *ca_file, GError **error)
{
  g_autoptr (NtpmonRpcClient) self = NULL;
  g_autoptr (GUri) uri = NULL;
  const gchar *scheme;

  g_return_val_if_fail (base_url != NULL, NULL);

  uri = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "invalid API server URL \"%s\"", base_url);
      return NULL;
    }

  self = g_object_new (NTPMON_TYPE_RPC_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  if (!ntpmon_rpc_client_set_ca_file (self, ca_file, error))
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
ntpmon_rpc_client_get_base_url (NtpmonRpcClient *self)
{
  g_return_val_if_fail (NTPMON_IS_RPC_CLIENT (self), NULL);
  return self->base_url;
}

void
ntpmon_rpc_client_flush_connections (NtpmonRpcClient *self)
{
  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  g_clear_object (&self->session);
}

gboolean
ntpmon_rpc_client_set_ca_file (NtpmonRpcClient *self, const gchar *ca_file, GError **error)
{
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GList) anchors = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (NTPMON_IS_RPC_CLIENT (self), FALSE);

  if (ca_file == NULL)
    ca_file = ntpmon_rpc_client_default_ca_file ();
  /* g_tls_file_database_new() accepts an empty file; an empty trust
   * anchor would only show as failed handshakes later. */
  anchors = g_tls_certificate_list_new_from_file (ca_file, &local_error);
  if (anchors == NULL)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_FAILED_PRECONDITION,
                   "trust anchor %s: %s", ca_file,
                   local_error != NULL ? local_error->message : "no certificate in file");
      return FALSE;
    }
  g_list_free_full (g_steal_pointer (&anchors), g_object_unref);

  database = g_tls_file_database_new (ca_file, &local_error);
  if (database == NULL)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_FAILED_PRECONDITION,
                   "trust anchor %s: %s", ca_file, local_error->message);
      return FALSE;
    }
  g_set_object (&self->database, database);
  ntpmon_rpc_client_flush_connections (self);
  return TRUE;
}

static void
use_certificate (NtpmonRpcClient *self, GTlsCertificate *certificate)
{
  if (self->certificate == certificate)
    return;
  g_set_object (&self->certificate, certificate);
  /* Connections made with the old certificate must not be reused. */
  ntpmon_rpc_client_flush_connections (self);
}

gboolean
ntpmon_rpc_client_reload_certificate (NtpmonRpcClient *self, GError **error)
{
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) local_error = NULL;
  NtpmonFileStamp cert_stamp, key_stamp;

  g_return_val_if_fail (NTPMON_IS_RPC_CLIENT (self), FALSE);

  if (self->cert_file == NULL)
    return TRUE;
  /* Stamps first: a file replaced while we read it shows as changed again
   * on the next check. */
  ntpmon_file_stamp_read (self->cert_file, &cert_stamp);
  ntpmon_file_stamp_read (self->key_file, &key_stamp);
  certificate = g_tls_certificate_new_from_files (self->cert_file, self->key_file, &local_error);
  if (certificate != NULL
      && !ntpmon_rpc_client_check_key_pair (self->cert_file, self->key_file, &local_error))
    g_clear_object (&certificate);
  if (certificate == NULL)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_FAILED_PRECONDITION,
                   "client certificate %s / %s: %s", self->cert_file, self->key_file,
                   local_error->message);
      return FALSE;
    }
  self->cert_stamp = cert_stamp;
  self->key_stamp = key_stamp;
  use_certificate (self, certificate);
  return TRUE;
}

gboolean
ntpmon_rpc_client_set_certificate_files (NtpmonRpcClient *self, const gchar *cert_file,
                                         const gchar *key_file, GError **error)
{
  g_return_val_if_fail (NTPMON_IS_RPC_CLIENT (self), FALSE);
  g_return_val_if_fail (cert_file != NULL && key_file != NULL, FALSE);

  g_free (self->cert_file);
  g_free (self->key_file);
  self->cert_file = g_strdup (cert_file);
  self->key_file = g_strdup (key_file);
  return ntpmon_rpc_client_reload_certificate (self, error);
}

void
ntpmon_rpc_client_set_certificate (NtpmonRpcClient *self, GTlsCertificate *certificate)
{
  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  g_clear_pointer (&self->cert_file, g_free);
  g_clear_pointer (&self->key_file, g_free);
  use_certificate (self, certificate);
}

GTlsCertificate *
ntpmon_rpc_client_get_certificate (NtpmonRpcClient *self)
{
  g_return_val_if_fail (NTPMON_IS_RPC_CLIENT (self), NULL);
  return self->certificate;
}

/* Before a call: switch to the certificate files' new contents if they
 * changed. A pair that does not load (e.g. cert.pem replaced, key.pem not
 * yet) leaves the old certificate in use and is tried again next time. */
static void
check_certificate_files (NtpmonRpcClient *self)
{
  g_autoptr (GError) error = NULL;
  NtpmonFileStamp cert_stamp, key_stamp;

  if (self->cert_file == NULL)
    return;
  ntpmon_file_stamp_read (self->cert_file, &cert_stamp);
  ntpmon_file_stamp_read (self->key_file, &key_stamp);
  if (ntpmon_file_stamp_equal (&cert_stamp, &self->cert_stamp)
      && ntpmon_file_stamp_equal (&key_stamp, &self->key_stamp))
    return;
  if (ntpmon_rpc_client_reload_certificate (self, &error))
    g_info ("client certificate reloaded from %s", self->cert_file);
  else
    g_debug ("keeping the previous client certificate: %s", error->message);
}

void
ntpmon_rpc_client_set_token (NtpmonRpcClient *self, const gchar *token)
{
  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  g_free (self->token);
  self->token = g_strdup (token);
}

void
ntpmon_rpc_client_set_user_agent (NtpmonRpcClient *self, const gchar *user_agent)
{
  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  g_return_if_fail (user_agent != NULL);
  g_free (self->user_agent);
  self->user_agent = g_strdup (user_agent);
}

const gchar *
ntpmon_rpc_client_get_user_agent (NtpmonRpcClient *self)
{
  g_return_val_if_fail (NTPMON_IS_RPC_CLIENT (self), NULL);
  return self->user_agent;
}

void
ntpmon_rpc_client_set_timeouts (NtpmonRpcClient *self, guint timeout_ms, guint io_timeout_s,
                                guint handshake_timeout_ms)
{
  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  if (timeout_ms > 0)
    self->timeout_ms = timeout_ms;
  if (io_timeout_s > 0)
    self->io_timeout_s = io_timeout_s;
  if (handshake_timeout_ms > 0)
    self->handshake_timeout_ms = handshake_timeout_ms;
  ntpmon_rpc_client_flush_connections (self);
}

static SoupSession *
get_session (NtpmonRpcClient *self)
{
  if (self->session == NULL)
    {
      /* HTTP/1.1 keep-alive as the reference agent: at most 10 idle
       * connections, dropped after 120 s, and no proxy (the reference's
       * RPC transport has none either). gzip is undone by the Connect
       * codec (with its size limit), not by libsoup. */
      self->session = soup_session_new_with_options (
          "tls-database", self->database, "timeout", self->io_timeout_s, "idle-timeout", 120,
          "max-conns-per-host", 10, "user-agent", self->user_agent, NULL);
      soup_session_set_proxy_resolver (self->session, NULL);
      soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
    }
  return g_object_ref (self->session);
}

/* ---- calls ------------------------------------------------------------- */

typedef enum
{
  EXPIRED_NONE,
  EXPIRED_DEADLINE,
  EXPIRED_HANDSHAKE,
} Expired;

typedef struct
{
  NtpmonRpcClient *self;
  const ProtobufCMethodDescriptor *method;
  gchar *url;
  GBytes *body;
  guint deadline_ms; /* sent as Connect-Timeout-Ms; 0: none */
  guint attempts;

  GCancellable *cancellable; /* ours; cancelled by the caller's or a timer */
  GCancellable *caller_cancellable;
  gulong caller_cancel_id;
  GSource *deadline;
  GSource *handshake;
  Expired expired;

  SoupSession *session;
  SoupMessage *message;
} RpcCall;

static void on_network_event (SoupMessage *message, GSocketClientEvent event, GIOStream *connection,
                              gpointer user_data);

static void
rpc_call_clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
rpc_call_clear_message (RpcCall *call)
{
  if (call->message != NULL)
    g_signal_handlers_disconnect_matched (call->message, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                          on_network_event, NULL);
  g_clear_object (&call->message);
}

static void
rpc_call_free (RpcCall *call)
{
  rpc_call_clear_source (&call->deadline);
  rpc_call_clear_source (&call->handshake);
  if (call->caller_cancel_id != 0)
    g_cancellable_disconnect (call->caller_cancellable, call->caller_cancel_id);
  g_clear_object (&call->caller_cancellable);
  g_clear_object (&call->cancellable);
  rpc_call_clear_message (call);
  g_clear_object (&call->session);
  g_free (call->url);
  g_bytes_unref (call->body);
  g_object_unref (call->self);
  g_free (call);
}

typedef struct
{
  RpcCall *call;
  Expired what;
} Timer;

static gboolean
on_timer (gpointer user_data)
{
  Timer *timer = user_data;

  timer->call->expired = timer->what;
  g_cancellable_cancel (timer->call->cancellable);
  return G_SOURCE_REMOVE;
}

static GSource *
rpc_call_timer (RpcCall *call, GTask *task, guint ms, Expired what)
{
  GSource *source = g_timeout_source_new (ms);
  Timer *timer = g_new (Timer, 1);

  timer->call = call;
  timer->what = what;
  g_source_set_callback (source, on_timer, timer, g_free);
  g_source_attach (source, g_task_get_context (task));
  return source;
}

static void
on_network_event (SoupMessage *message, GSocketClientEvent event, GIOStream *connection,
                  gpointer user_data)
{
  GTask *task = user_data;
  RpcCall *call = g_task_get_task_data (task);

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && call->handshake == NULL)
    call->handshake
        = rpc_call_timer (call, task, call->self->handshake_timeout_ms, EXPIRED_HANDSHAKE);
  else if (event == G_SOCKET_CLIENT_TLS_HANDSHAKED)
    rpc_call_clear_source (&call->handshake);
}

static void
on_caller_cancelled (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void rpc_call_send (GTask *task);

/* " (the client certificate expired at …)" when the one in use has, which
 * is likely why the server dropped the connection; else "". */
static gchar *
expired_certificate_note (NtpmonRpcClient *self)
{
  GTlsCertificate *cert = self->certificate;
  g_autoptr (GDateTime) until = cert != NULL ? g_tls_certificate_get_not_valid_after (cert) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *when = NULL;

  if (until == NULL || g_date_time_compare (until, now) > 0)
    return g_strdup ("");
  when = g_date_time_format (until, "%Y-%m-%d %H:%M:%S UTC");
  return g_strdup_printf (" (the client certificate expired at %s)", when);
}

/* The RPC error for a failure below HTTP. */
static GError *
transport_error (RpcCall *call, const GError *error)
{
  const gchar *host = g_uri_get_host (soup_message_get_uri (call->message));
  g_autofree gchar *note = NULL;

  switch (call->expired)
    {
    case EXPIRED_DEADLINE:
      return g_error_new (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_DEADLINE_EXCEEDED,
                          "%s: no answer from %s within %u ms", call->method->name, host,
                          call->deadline_ms > 0 ? call->deadline_ms : call->self->timeout_ms);
    case EXPIRED_HANDSHAKE:
      return g_error_new (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_DEADLINE_EXCEEDED,
                          "%s: TLS handshake with %s took longer than %u ms", call->method->name,
                          host, call->self->handshake_timeout_ms);
    case EXPIRED_NONE:
    default:
      break;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_DEADLINE_EXCEEDED, "%s: %s: %s",
                        call->method->name, host, error->message);
  note = expired_certificate_note (call->self);
  if (error->domain == G_TLS_ERROR)
    return g_error_new (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE,
                        "%s: TLS with %s failed: %s%s", call->method->name, host, error->message,
                        note);
  return g_error_new (NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE, "%s: %s: %s%s",
                      call->method->name, host, error->message, note);
}

/* Fails the call for a transport error, or tries once more on a new
 * connection when the error is one of those after which the reference
 * does. Takes @task. */
static void
rpc_call_failed (GTask *task, const GError *error)
{
  RpcCall *call = g_task_get_task_data (task);

  if (call->expired == EXPIRED_NONE && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && ntpmon_rpc_client_is_flush_error (error))
    {
      if (call->session == call->self->session)
        ntpmon_rpc_client_flush_connections (call->self);
      if (call->attempts < 2)
        {
          g_debug ("%s: %s; trying once more on a new connection", call->method->name,
                   error->message);
          rpc_call_send (task);
          return;
        }
    }
  g_task_return_error (task, transport_error (call, error));
  g_object_unref (task);
}

/* Grows the response buffer up to the body limit only: a larger body fails
 * the splice with G_IO_ERROR_NO_SPACE instead of filling memory. */
static gpointer
limited_realloc (gpointer data, gsize size)
{
  if (size > NTPMON_RPC_DEFAULT_BODY_LIMIT)
    return NULL;
  return g_realloc (data, size);
}

static void
on_body_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  RpcCall *call = g_task_get_task_data (task);
  GMemoryOutputStream *out = G_MEMORY_OUTPUT_STREAM (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (ProtobufCMessage) response = NULL;
  SoupMessageHeaders *headers;
  guint status;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (out), result, &error) < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        g_task_return_new_error (task, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED,
                                 "%s: response larger than %u bytes", call->method->name,
                                 (guint)NTPMON_RPC_DEFAULT_BODY_LIMIT);
      else
        rpc_call_failed (g_steal_pointer (&task), error);
      return;
    }
  body = g_memory_output_stream_steal_as_bytes (out);

  status = soup_message_get_status (call->message);
  if (ntpmon_rpc_client_is_flush_status (status) && call->session == call->self->session)
    ntpmon_rpc_client_flush_connections (call->self);
  headers = soup_message_get_response_headers (call->message);
  response = ntpmon_connect_decode_response (
      status, soup_message_headers_get_one (headers, "Content-Type"),
      soup_message_headers_get_one (headers, "Content-Encoding"), body, call->method->output,
      NTPMON_RPC_DEFAULT_BODY_LIMIT, &error);
  if (response == NULL)
    {
      ntpmon_rpc_client_refine_error (error);
      g_prefix_error (&error, "%s: ", call->method->name);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&response),
                         (GDestroyNotify)ntpmon_proto_message_free);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  RpcCall *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = NULL;

  in = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  rpc_call_clear_source (&call->handshake);
  if (in == NULL)
    {
      rpc_call_failed (task, error);
      return;
    }
  out = g_memory_output_stream_new (NULL, 0, limited_realloc, g_free);
  g_output_stream_splice_async (
      out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
      G_PRIORITY_DEFAULT, call->cancellable, on_body_read, task);
}

static void
rpc_call_send (GTask *task)
{
  RpcCall *call = g_task_get_task_data (task);
  NtpmonRpcClient *self = call->self;
  SoupMessageHeaders *headers;

  call->attempts++;
  g_clear_object (&call->session);
  rpc_call_clear_message (call);
  call->session = get_session (self);
  call->message = soup_message_new ("POST", call->url);
  headers = soup_message_get_request_headers (call->message);
  soup_message_headers_replace (headers, "Connect-Protocol-Version",
                                NTPMON_CONNECT_PROTOCOL_VERSION);
  soup_message_headers_replace (headers, "Accept-Encoding", "gzip");
  soup_message_headers_replace (headers, "User-Agent", self->user_agent);
  if (self->token != NULL && *self->token != '\0')
    {
      g_autofree gchar *bearer = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  if (call->deadline_ms > 0)
    {
      g_autofree gchar *ms = g_strdup_printf ("%u", call->deadline_ms);
      soup_message_headers_replace (headers, "Connect-Timeout-Ms", ms);
    }
  soup_message_set_request_body_from_bytes (
      call->message, ntpmon_connect_content_type (NTPMON_RPC_CODEC_PROTO), call->body);
  /* Offered whenever the server asks; also keeps libsoup from emitting
   * request-certificate when we have none. */
  soup_message_set_tls_client_certificate (call->message, self->certificate);
  g_signal_connect (call->message, "network-event", G_CALLBACK (on_network_event), task);
  soup_session_send_async (call->session, call->message, G_PRIORITY_DEFAULT, call->cancellable,
                           on_sent, task);
}

static void
rpc_call_start (NtpmonRpcClient *self, const gchar *method_name, const ProtobufCMessage *request,
                guint deadline_ms, GCancellable *cancellable, GAsyncReadyCallback callback,
                gpointer user_data, gpointer source_tag)
{
  const ProtobufCServiceDescriptor *service = &monitor__v2__monitor_service__descriptor;
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  RpcCall *call;

  g_task_set_source_tag (task, source_tag);
  call = g_new0 (RpcCall, 1);
  call->self = g_object_ref (self);
  call->method = protobuf_c_service_descriptor_get_method_by_name (service, method_name);
  g_assert (call->method != NULL);
  call->url = g_strdup_printf ("%s/%s/%s", self->base_url, service->name, method_name);
  call->deadline_ms = deadline_ms;
  call->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, call, (GDestroyNotify)rpc_call_free);

  call->body = ntpmon_connect_encode_request (NTPMON_RPC_CODEC_PROTO, request, FALSE, &error);
  if (call->body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (cancellable != NULL)
    {
      call->caller_cancellable = g_object_ref (cancellable);
      call->caller_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                      call->cancellable, NULL);
    }
  check_certificate_files (self);
  call->deadline = rpc_call_timer (
      call, task, deadline_ms > 0 ? MIN (deadline_ms, self->timeout_ms) : self->timeout_ms,
      EXPIRED_DEADLINE);
  rpc_call_send (g_steal_pointer (&task));
}

static ProtobufCMessage *
rpc_call_finish (NtpmonRpcClient *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ntpmon_rpc_client_get_config (NtpmonRpcClient *self, const gchar *mon_id, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  Monitor__V2__GetConfigRequest request = MONITOR__V2__GET_CONFIG_REQUEST__INIT;

  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  request.mon_id = (gchar *)(mon_id != NULL ? mon_id : "");
  rpc_call_start (self, "GetConfig", &request.base, NTPMON_RPC_CLIENT_GET_CONFIG_DEADLINE_MS,
                  cancellable, callback, user_data, ntpmon_rpc_client_get_config);
}

Monitor__V2__GetConfigResponse *
ntpmon_rpc_client_get_config_finish (NtpmonRpcClient *self, GAsyncResult *result, GError **error)
{
  return (Monitor__V2__GetConfigResponse *)rpc_call_finish (self, result,
                                                            ntpmon_rpc_client_get_config, error);
}

void
ntpmon_rpc_client_get_servers (NtpmonRpcClient *self, const gchar *mon_id,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  Monitor__V2__GetServersRequest request = MONITOR__V2__GET_SERVERS_REQUEST__INIT;

  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  request.mon_id = (gchar *)(mon_id != NULL ? mon_id : "");
  rpc_call_start (self, "GetServers", &request.base, 0, cancellable, callback, user_data,
                  ntpmon_rpc_client_get_servers);
}

Monitor__V2__GetServersResponse *
ntpmon_rpc_client_get_servers_finish (NtpmonRpcClient *self, GAsyncResult *result, GError **error)
{
  return (Monitor__V2__GetServersResponse *)rpc_call_finish (self, result,
                                                             ntpmon_rpc_client_get_servers, error);
}

void
ntpmon_rpc_client_submit_results (NtpmonRpcClient *self, const gchar *mon_id, GBytes *batch_id,
                                  Monitor__V2__ServerStatus **statuses, gsize n_statuses,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  Monitor__V2__SubmitResultsRequest request = MONITOR__V2__SUBMIT_RESULTS_REQUEST__INIT;

  g_return_if_fail (NTPMON_IS_RPC_CLIENT (self));
  g_return_if_fail (statuses != NULL || n_statuses == 0);
  request.version = NTPMON_RPC_CLIENT_SUBMIT_VERSION;
  request.mon_id = (gchar *)(mon_id != NULL ? mon_id : "");
  if (batch_id != NULL)
    request.batch_id.data = (guint8 *)g_bytes_get_data (batch_id, &request.batch_id.len);
  request.list = statuses;
  request.n_list = n_statuses;
  rpc_call_start (self, "SubmitResults", &request.base, 0, cancellable, callback, user_data,
                  ntpmon_rpc_client_submit_results);
}

gboolean
ntpmon_rpc_client_submit_results_finish (NtpmonRpcClient *self, GAsyncResult *result,
                                         GError **error)
{
  g_autoptr (ProtobufCMessage) message
      = rpc_call_finish (self, result, ntpmon_rpc_client_submit_results, error);
  const Monitor__V2__SubmitResultsResponse *response
      = (const Monitor__V2__SubmitResultsResponse *)message;

  if (response == NULL)
    return FALSE;
  if (!response->ok)
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNKNOWN,
                           "SubmitResults not okay");
      return FALSE;
    }
  return TRUE;
}
