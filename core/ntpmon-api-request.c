/* ntpmon-api-request.c: one authenticated RPC request and its reply
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-api-request-private.h"
#include "ntpmon-connect.h"
#include "ntpmon-twirp.h"

struct _NtpmonApiRequest
{
  gatomicrefcount ref;
  GMainContext *context; /* where the message lives */
  SoupServerMessage *msg;
  NtpmonApiProtocol protocol;
  gchar *path;
  gchar *identity;
  NtpmonApiAuthMethod auth_method;
  gchar *remote_address;
  GBytes *body;
  GCancellable *cancellable;
  gint64 start_time;
  gulong finished_id;
  gint replied;       /* atomic: a reply was given (or the message is gone) */
  GPtrArray *headers; /* name, value, name, value, … */
  NtpmonApiRequestDone done;
  gpointer done_data;
};

static void
message_finished (SoupServerMessage *msg, NtpmonApiRequest *self)
{
  /* The connection closed before the handler replied. */
  g_cancellable_cancel (self->cancellable);
  if (g_atomic_int_compare_and_exchange (&self->replied, FALSE, TRUE) && self->done != NULL)
    self->done (self, 0, self->done_data);
}

NtpmonApiRequest *
ntpmon_api_request_new (SoupServerMessage *msg, NtpmonApiProtocol protocol, const gchar *path,
                        GBytes *body, NtpmonApiRequestDone done, gpointer user_data)
{
  NtpmonApiRequest *self = g_new0 (NtpmonApiRequest, 1);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  g_atomic_ref_count_init (&self->ref);
  self->context = g_main_context_ref_thread_default ();
  self->msg = g_object_ref (msg);
  self->protocol = protocol;
  self->path = g_strdup (path);
  self->cancellable = g_cancellable_new ();
  self->start_time = g_get_monotonic_time ();
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->done = done;
  self->done_data = user_data;
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_autofree gchar *ip = g_inet_address_to_string (
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      self->remote_address = g_strdup_printf (
          "%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
    }
  self->body = g_bytes_ref (body);
  self->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (message_finished), self);
  return self;
}

NtpmonApiRequest *
ntpmon_api_request_ref (NtpmonApiRequest *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

static gboolean
request_free (gpointer data)
{
  NtpmonApiRequest *self = data;

  g_clear_signal_handler (&self->finished_id, self->msg);
  g_object_unref (self->msg);
  g_main_context_unref (self->context);
  g_free (self->path);
  g_free (self->identity);
  g_free (self->remote_address);
  g_bytes_unref (self->body);
  g_object_unref (self->cancellable);
  g_ptr_array_unref (self->headers);
  g_free (self);
  return G_SOURCE_REMOVE;
}

void
ntpmon_api_request_unref (NtpmonApiRequest *self)
{
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  /* The message belongs to the server's main context: a handler thread
   * dropping the last reference hands the cleanup over to it. */
  if (g_main_context_is_owner (self->context))
    request_free (self);
  else
    g_main_context_invoke (self->context, request_free, self);
}

void
ntpmon_api_request_set_identity (NtpmonApiRequest *self, const gchar *identity,
                                 NtpmonApiAuthMethod method)
{
  g_free (self->identity);
  self->identity = g_strdup (identity);
  self->auth_method = method;
}

gint64
ntpmon_api_request_get_start_time (NtpmonApiRequest *self)
{
  return self->start_time;
}

SoupServerMessage *
ntpmon_api_request_get_message (NtpmonApiRequest *self)
{
  return self->msg;
}

NtpmonApiProtocol
ntpmon_api_request_get_protocol (NtpmonApiRequest *self)
{
  return self->protocol;
}

const gchar *
ntpmon_api_request_get_path (NtpmonApiRequest *self)
{
  return self->path;
}

const gchar *
ntpmon_api_request_get_method (NtpmonApiRequest *self)
{
  return soup_server_message_get_method (self->msg);
}

/**
 * ntpmon_api_request_get_identity:
 *
 * Returns: the authenticated monitor name (certificate SAN or JWT `sub`)
 */
const gchar *
ntpmon_api_request_get_identity (NtpmonApiRequest *self)
{
  return self->identity;
}

NtpmonApiAuthMethod
ntpmon_api_request_get_auth_method (NtpmonApiRequest *self)
{
  return self->auth_method;
}

/**
 * ntpmon_api_request_get_header:
 *
 * Returns: (nullable): a request header (several joined with `, `)
 */
const gchar *
ntpmon_api_request_get_header (NtpmonApiRequest *self, const gchar *name)
{
  return soup_message_headers_get_list (soup_server_message_get_request_headers (self->msg), name);
}

/**
 * ntpmon_api_request_get_content_type:
 *
 * Returns: (nullable): the `Content-Type` header as sent, parameters included
 */
const gchar *
ntpmon_api_request_get_content_type (NtpmonApiRequest *self)
{
  return ntpmon_api_request_get_header (self, "Content-Type");
}

const gchar *
ntpmon_api_request_get_content_encoding (NtpmonApiRequest *self)
{
  return ntpmon_api_request_get_header (self, "Content-Encoding");
}

const gchar *
ntpmon_api_request_get_user_agent (NtpmonApiRequest *self)
{
  return ntpmon_api_request_get_header (self, "User-Agent");
}

/**
 * ntpmon_api_request_get_remote_address:
 *
 * Returns: (nullable): `ip:port` of the client
 */
const gchar *
ntpmon_api_request_get_remote_address (NtpmonApiRequest *self)
{
  return self->remote_address;
}

/**
 * ntpmon_api_request_get_body:
 *
 * Returns: (transfer none): the request body as received (not decompressed)
 */
GBytes *
ntpmon_api_request_get_body (NtpmonApiRequest *self)
{
  return self->body;
}

/**
 * ntpmon_api_request_get_cancellable:
 *
 * Returns: (transfer none): cancelled when the server learns that the
 *   connection is gone, or when the client's deadline passes
 */
GCancellable *
ntpmon_api_request_get_cancellable (NtpmonApiRequest *self)
{
  return self->cancellable;
}

/**
 * ntpmon_api_request_add_response_header:
 *
 * Adds a header to the reply; call before ntpmon_api_request_reply(), from
 * the thread that replies.
 */
void
ntpmon_api_request_add_response_header (NtpmonApiRequest *self, const gchar *name,
                                        const gchar *value)
{
  g_ptr_array_add (self->headers, g_strdup (name));
  g_ptr_array_add (self->headers, g_strdup (value));
}

typedef struct
{
  NtpmonApiRequest *request;
  guint status;
  gchar *content_type;
  GBytes *body;
} Reply;

static gboolean
send_reply (gpointer data)
{
  Reply *reply = data;
  NtpmonApiRequest *self = reply->request;
  SoupMessageHeaders *headers;

  if (g_atomic_int_compare_and_exchange (&self->replied, FALSE, TRUE))
    {
      headers = soup_server_message_get_response_headers (self->msg);
      for (guint i = 0; i + 1 < self->headers->len; i += 2)
        soup_message_headers_append (headers, g_ptr_array_index (self->headers, i),
                                     g_ptr_array_index (self->headers, i + 1));
      soup_server_message_set_status (self->msg, reply->status, NULL);
      if (reply->body != NULL)
        {
          gsize len;
          const gchar *data_ptr = g_bytes_get_data (reply->body, &len);

          soup_server_message_set_response (self->msg, reply->content_type, SOUP_MEMORY_COPY,
                                            data_ptr, len);
        }
      soup_server_message_unpause (self->msg);
      if (self->done != NULL)
        self->done (self, reply->status, self->done_data);
    }
  return G_SOURCE_REMOVE;
}

static void
reply_free (gpointer data)
{
  Reply *reply = data;

  ntpmon_api_request_unref (reply->request);
  g_free (reply->content_type);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

/**
 * ntpmon_api_request_reply:
 * @content_type: (nullable): the response's content type
 * @body: (nullable): the response body
 *
 * Sends the response. May be called from any thread; only the first reply
 * counts.
 */
void
ntpmon_api_request_reply (NtpmonApiRequest *self, guint http_status, const gchar *content_type,
                          GBytes *body)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->request = ntpmon_api_request_ref (self);
  reply->status = http_status;
  reply->content_type = g_strdup (content_type);
  reply->body = body != NULL ? g_bytes_ref (body) : NULL;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, send_reply, reply, reply_free);
}

static GBytes *
error_body (NtpmonApiProtocol protocol, const GError *error, const gchar *const *twirp_meta,
            guint *http_status)
{
  if (protocol == NTPMON_API_PROTOCOL_TWIRP)
    return ntpmon_twirp_error_to_json (error, twirp_meta, http_status);
  return ntpmon_connect_error_to_json (error, http_status);
}

/**
 * ntpmon_api_error_body:
 * @error: an error, best of %NTPMON_RPC_ERROR
 * @http_status: (out): the HTTP status of the error in @protocol
 *
 * The protocol's error JSON: Connect `{"code":…,"message":…}`, Twirp
 * `{"code":…,"msg":…}`.
 */
GBytes *
ntpmon_api_error_body (NtpmonApiProtocol protocol, const GError *error, guint *http_status)
{
  return error_body (protocol, error, NULL, http_status);
}

/**
 * ntpmon_api_request_reply_gerror:
 *
 * Replies with @error in the protocol's error format; errors outside
 * %NTPMON_RPC_ERROR become `unknown` (Connect) or `internal` (Twirp).
 */
void
ntpmon_api_request_reply_gerror (NtpmonApiRequest *self, const GError *error)
{
  ntpmon_api_request_reply_gerror_meta (self, error, NULL);
}

/**
 * ntpmon_api_request_reply_gerror_meta:
 * @twirp_meta: (nullable): key, value, …, NULL: the `meta` object of a
 *   Twirp error (Connect errors have none)
 */
void
ntpmon_api_request_reply_gerror_meta (NtpmonApiRequest *self, const GError *error,
                                      const gchar *const *twirp_meta)
{
  guint status;
  g_autoptr (GBytes) body = error_body (self->protocol, error, twirp_meta, &status);

  ntpmon_api_request_reply (self, status, "application/json", body);
}

/**
 * ntpmon_api_request_reply_error:
 *
 * Replies with an error of @code in the protocol's error format.
 */
void
ntpmon_api_request_reply_error (NtpmonApiRequest *self, NtpmonRpcError code, const gchar *message)
{
  g_autoptr (GError) error = g_error_new_literal (NTPMON_RPC_ERROR, code, message);

  ntpmon_api_request_reply_gerror (self, error);
}
