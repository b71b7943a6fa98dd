/* ntpmon-api-rpc.c: unary protobuf methods on the API server (Connect, Twirp)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-api-rpc.h"
#include "ntpmon-connect.h"
#include "ntpmon-twirp.h"

typedef struct
{
  NtpmonApiServer *server; /* not a reference: the server owns the route */
  NtpmonApiProtocol protocol;
  const ProtobufCMethodDescriptor *method;
  NtpmonApiMethodFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Method;

struct _NtpmonApiCall
{
  gatomicrefcount ref;
  NtpmonApiRequest *request;
  const ProtobufCMethodDescriptor *method;
  ProtobufCMessage *message;
  NtpmonRpcCodec codec;
  gint answered;        /* atomic */
  GSource *deadline;    /* Connect-Timeout-Ms, until answered */
  gint deadline_passed; /* atomic */
};

static void
method_free (Method *method)
{
  if (method->destroy != NULL)
    method->destroy (method->user_data);
  g_free (method);
}

/* Errors before the handler: Connect answers an unsupported content type
 * with HTTP 415, everything else with the code's status. */
static void
reply_decode_error (NtpmonApiRequest *request, const GError *error, gboolean content_type)
{
  guint status;
  g_autoptr (GBytes) body
      = ntpmon_api_error_body (ntpmon_api_request_get_protocol (request), error, &status);

  if (content_type && ntpmon_api_request_get_protocol (request) == NTPMON_API_PROTOCOL_CONNECT)
    status = SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
  ntpmon_api_request_reply (request, status, "application/json", body);
}

/* The deadline passed before an answer: the call's work is cancelled, as
 * connect-go cancels the handler's context. A database job that has not
 * started does not run; a running one stops before its next statement and
 * rolls back, and the call is answered `deadline_exceeded` then; work that
 * completed is answered as it came out. */
static gboolean
deadline_passed (gpointer data)
{
  NtpmonApiCall *call = data;

  g_atomic_int_set (&call->deadline_passed, TRUE);
  g_cancellable_cancel (ntpmon_api_request_get_cancellable (call->request));
  return G_SOURCE_REMOVE;
}

/* A Connect client's deadline (`Connect-Timeout-Ms`): a malformed value
 * is refused; the timer runs from the decoded request. */
static gboolean
parse_deadline (NtpmonApiRequest *request, gint64 *timeout_ms, GError **error)
{
  const gchar *value = ntpmon_api_request_get_header (request, "Connect-Timeout-Ms");

  *timeout_ms = -1;
  return value == NULL || ntpmon_connect_parse_timeout (value, timeout_ms, error);
}

static void
start_deadline (NtpmonApiCall *call, gint64 timeout_ms)
{
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

  call->deadline = g_timeout_source_new ((guint)MIN (timeout_ms, G_MAXUINT));
  g_source_set_callback (call->deadline, deadline_passed, ntpmon_api_call_ref (call),
                         (GDestroyNotify)ntpmon_api_call_unref);
  g_source_attach (call->deadline, context);
}

/* Whether this is the call's first answer; ends its deadline. */
static gboolean
first_answer (NtpmonApiCall *self)
{
  if (!g_atomic_int_compare_and_exchange (&self->answered, FALSE, TRUE))
    return FALSE;
  if (self->deadline != NULL)
    g_source_destroy (self->deadline);
  return TRUE;
}

static void
method_route (NtpmonApiRequest *request, gpointer user_data)
{
  Method *method = user_data;
  const gchar *content_type = ntpmon_api_request_get_content_type (request);
  gsize limit = ntpmon_api_server_get_max_body (method->server);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonApiCall) call = g_new0 (NtpmonApiCall, 1);
  gint64 timeout_ms = -1;

  g_atomic_ref_count_init (&call->ref);
  call->request = ntpmon_api_request_ref (request);
  call->method = method->method;
  if (method->protocol == NTPMON_API_PROTOCOL_CONNECT)
    {
      if (!ntpmon_connect_check_protocol_version (
              ntpmon_api_request_get_header (request, "Connect-Protocol-Version"), &error))
        {
          reply_decode_error (request, error, FALSE);
          return;
        }
      if (!ntpmon_connect_parse_content_type (content_type, &call->codec, &error))
        {
          reply_decode_error (request, error, TRUE);
          return;
        }
      if (!parse_deadline (request, &timeout_ms, &error))
        {
          reply_decode_error (request, error, FALSE);
          return;
        }
      call->message = ntpmon_connect_decode_request (
          content_type, ntpmon_api_request_get_content_encoding (request),
          ntpmon_api_request_get_body (request), method->method->input, limit, &error);
    }
  else
    call->message
        = ntpmon_twirp_decode_request (content_type, ntpmon_api_request_get_body (request),
                                       method->method->input, limit, &call->codec, &error);
  if (call->message == NULL)
    {
      reply_decode_error (request, error, FALSE);
      return;
    }
  if (timeout_ms >= 0)
    start_deadline (call, timeout_ms);
  method->func (call, method->user_data);
}

/**
 * ntpmon_api_rpc_add_method:
 * @service: e.g. `&monitor__v2__monitor_service__descriptor`
 * @method: the method's name, e.g. `GetConfig`
 *
 * Routes `/<service>/<method>` (Connect) or `/api/v1/<service>/<method>`
 * (Twirp) to @func.
 */
gboolean
ntpmon_api_rpc_add_method (NtpmonApiServer *server, NtpmonApiProtocol protocol,
                           const ProtobufCServiceDescriptor *service, const gchar *method_name,
                           NtpmonApiMethodFunc func, gpointer user_data, GDestroyNotify destroy,
                           GError **error)
{
  const ProtobufCMethodDescriptor *descriptor
      = protobuf_c_service_descriptor_get_method_by_name (service, method_name);
  g_autofree gchar *path = NULL;
  Method *method;

  if (descriptor == NULL)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_NOT_FOUND,
                   _ ("service %s has no method %s"), service->name, method_name);
      return FALSE;
    }
  path = g_strdup_printf ("%s/%s/%s",
                          protocol == NTPMON_API_PROTOCOL_TWIRP ? NTPMON_TWIRP_PATH_PREFIX : "",
                          service->name, descriptor->name);
  method = g_new0 (Method, 1);
  method->server = server;
  method->protocol = protocol;
  method->method = descriptor;
  method->func = func;
  method->user_data = user_data;
  method->destroy = destroy;
  ntpmon_api_server_add_route (server, path, method_route, method, (GDestroyNotify)method_free);
  return TRUE;
}

NtpmonApiCall *
ntpmon_api_call_ref (NtpmonApiCall *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
ntpmon_api_call_unref (NtpmonApiCall *self)
{
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  if (self->message != NULL)
    ntpmon_proto_message_free (self->message);
  if (self->deadline != NULL)
    {
      g_source_destroy (self->deadline);
      g_source_unref (self->deadline);
    }
  ntpmon_api_request_unref (self->request);
  g_free (self);
}

/**
 * ntpmon_api_call_get_message:
 *
 * Returns: (transfer none): the decoded request message
 */
const ProtobufCMessage *
ntpmon_api_call_get_message (NtpmonApiCall *self)
{
  return self->message;
}

const ProtobufCMethodDescriptor *
ntpmon_api_call_get_method (NtpmonApiCall *self)
{
  return self->method;
}

/**
 * ntpmon_api_call_deadline_passed:
 *
 * Returns: whether the client's deadline passed before the answer (the
 *   request's cancellable was cancelled for it)
 */
gboolean
ntpmon_api_call_deadline_passed (NtpmonApiCall *self)
{
  return g_atomic_int_get (&self->deadline_passed);
}

/**
 * ntpmon_api_call_get_request:
 *
 * Returns: (transfer none): the HTTP request: identity, headers, cancellable
 */
NtpmonApiRequest *
ntpmon_api_call_get_request (NtpmonApiCall *self)
{
  return self->request;
}

/**
 * ntpmon_api_call_return:
 * @response: a message of the method's output type (not taken)
 *
 * Answers the call; any thread. Only the first answer counts.
 */
void
ntpmon_api_call_return (NtpmonApiCall *self, const ProtobufCMessage *response)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  const gchar *content_encoding = NULL;
  gboolean twirp = ntpmon_api_request_get_protocol (self->request) == NTPMON_API_PROTOCOL_TWIRP;

  g_return_if_fail (response->descriptor == self->method->output);
  if (!first_answer (self))
    return;
  if (twirp)
    body = ntpmon_twirp_encode_response (self->codec, response, &error);
  else
    body = ntpmon_connect_encode_response (
        self->codec, response, ntpmon_api_request_get_header (self->request, "Accept-Encoding"),
        &content_encoding, &error);
  if (body == NULL)
    {
      ntpmon_api_request_reply_gerror (self->request, error);
      return;
    }
  if (content_encoding != NULL)
    ntpmon_api_request_add_response_header (self->request, "Content-Encoding", content_encoding);
  ntpmon_api_request_reply (self->request, SOUP_STATUS_OK,
                            twirp ? ntpmon_twirp_content_type (self->codec)
                                  : ntpmon_connect_content_type (self->codec),
                            body);
}

/**
 * ntpmon_api_call_return_error:
 * @error: best of %NTPMON_RPC_ERROR; others become `unknown`/`internal`
 *
 * Answers the call with an error; any thread.
 */
void
ntpmon_api_call_return_error (NtpmonApiCall *self, const GError *error)
{
  ntpmon_api_call_return_error_meta (self, error, NULL);
}

/**
 * ntpmon_api_call_return_error_meta:
 * @twirp_meta: (nullable): key, value, …, NULL: the Twirp error's `meta`
 */
void
ntpmon_api_call_return_error_meta (NtpmonApiCall *self, const GError *error,
                                   const gchar *const *twirp_meta)
{
  if (first_answer (self))
    ntpmon_api_request_reply_gerror_meta (self->request, error, twirp_meta);
}
