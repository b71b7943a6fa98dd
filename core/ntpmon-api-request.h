/* ntpmon-api-request.h: one authenticated RPC request and its reply
 *
 * SPDX-License-Identifier: MIT
 *
 * The server hands each request on a registered route to the route's
 * handler after authentication, with the whole (still encoded) body. The
 * handler keeps a reference as long as it needs and replies exactly once,
 * from any thread: the reply is carried over to the server's main context.
 * When the server learns that the connection is gone (libsoup notices it
 * only when it writes to it), the request's cancellable is cancelled and a
 * later reply is dropped.
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-api-auth.h"
#include "ntpmon-rpc-error.h"

G_BEGIN_DECLS

typedef enum
{
  NTPMON_API_PROTOCOL_CONNECT, /* /monitor.v2.MonitorService/… */
  NTPMON_API_PROTOCOL_TWIRP,   /* /api/v1/api.Monitor/… */
} NtpmonApiProtocol;

typedef struct _NtpmonApiRequest NtpmonApiRequest;

NtpmonApiRequest *ntpmon_api_request_ref (NtpmonApiRequest *self);
void ntpmon_api_request_unref (NtpmonApiRequest *self);

NtpmonApiProtocol ntpmon_api_request_get_protocol (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_path (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_method (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_identity (NtpmonApiRequest *self);
NtpmonApiAuthMethod ntpmon_api_request_get_auth_method (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_content_type (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_content_encoding (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_user_agent (NtpmonApiRequest *self);
const gchar *ntpmon_api_request_get_header (NtpmonApiRequest *self, const gchar *name);
const gchar *ntpmon_api_request_get_remote_address (NtpmonApiRequest *self);
GBytes *ntpmon_api_request_get_body (NtpmonApiRequest *self);
GCancellable *ntpmon_api_request_get_cancellable (NtpmonApiRequest *self);

void ntpmon_api_request_add_response_header (NtpmonApiRequest *self, const gchar *name,
                                             const gchar *value);
void ntpmon_api_request_reply (NtpmonApiRequest *self, guint http_status, const gchar *content_type,
                               GBytes *body);
void ntpmon_api_request_reply_error (NtpmonApiRequest *self, NtpmonRpcError code,
                                     const gchar *message);
void ntpmon_api_request_reply_gerror (NtpmonApiRequest *self, const GError *error);
void ntpmon_api_request_reply_gerror_meta (NtpmonApiRequest *self, const GError *error,
                                           const gchar *const *twirp_meta);

GBytes *ntpmon_api_error_body (NtpmonApiProtocol protocol, const GError *error, guint *http_status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiRequest, ntpmon_api_request_unref)

G_END_DECLS
