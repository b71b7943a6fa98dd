/* ntpmon-twirp.h: the Twirp v1 protocol (legacy agents, routes under /api/v1)
 *
 * A server handles one request like this:
 *   method = ntpmon_twirp_find_method (service, http_method, path, &error)
 *   req = ntpmon_twirp_decode_request (content_type, body, method->input,
 *                                      limit, &codec, &error)
 *   ...
 *   body = ntpmon_twirp_encode_response (codec, resp, &error)
 *     sent with Content-Type ntpmon_twirp_content_type (codec)
 * and on any error answers ntpmon_twirp_error_to_json() with its status.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>
#include <protobuf-c/protobuf-c.h>

#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"

G_BEGIN_DECLS

#define NTPMON_TWIRP_PATH_PREFIX "/api/v1"

/* "application/protobuf" or "application/json". */
const gchar *ntpmon_twirp_content_type (NtpmonRpcCodec codec);

/* The method for POST "/api/v1/<package.Service>/<Method>". Another HTTP
 * method or an unknown path: NTPMON_RPC_ERROR_BAD_ROUTE. */
const ProtobufCMethodDescriptor *
ntpmon_twirp_find_method (const ProtobufCServiceDescriptor *service, const gchar *http_method,
                          const gchar *path, GError **error);

/* application/protobuf or application/json (parameters ignored,
 * case-insensitive); anything else is NTPMON_RPC_ERROR_BAD_ROUTE. */
gboolean ntpmon_twirp_parse_content_type (const gchar *content_type, NtpmonRpcCodec *codec,
                                          GError **error);

/* The request message. A body that cannot be decoded gives
 * NTPMON_RPC_ERROR_MALFORMED; one over @limit bytes
 * NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED. @codec receives the codec to answer
 * with. */
ProtobufCMessage *ntpmon_twirp_decode_request (const gchar *content_type, GBytes *body,
                                               const ProtobufCMessageDescriptor *descriptor,
                                               gsize limit, NtpmonRpcCodec *codec, GError **error);

/* The response body: binary, or JSON with .proto field names and default
 * values included, as Twirp servers send it. */
GBytes *ntpmon_twirp_encode_response (NtpmonRpcCodec codec, const ProtobufCMessage *message,
                                      GError **error);

/* Twirp's name for @code ("dataloss" and "malformed" differ from Connect). */
const gchar *ntpmon_twirp_code_name (NtpmonRpcError code);

/* The HTTP status Twirp uses for @code. */
guint ntpmon_twirp_code_to_http_status (NtpmonRpcError code);

/* The Twirp error body {"code":"…","msg":"…","meta":{…}} for @error and,
 * in @http_status, the status to send. @meta is NULL or a NULL-terminated
 * list of key, value, key, value …; "meta" is left out when empty. Errors
 * of other domains become `internal` with their message. */
GBytes *ntpmon_twirp_error_to_json (const GError *error, const gchar *const *meta,
                                    guint *http_status);

G_END_DECLS
