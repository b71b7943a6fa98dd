/* ntpmon-connect.h: the Connect protocol, unary calls
 *
 * What a Connect server or client needs around the HTTP library: routes,
 * content types, bodies (binary protobuf or proto3 JSON, optionally gzip),
 * the error JSON and the code <-> HTTP status tables. No HTTP library here.
 *
 * A server handles one POST like this:
 *   method = ntpmon_connect_find_method (service, path, &error)      -> 404
 *   ntpmon_connect_parse_content_type (content_type, &codec, &error) -> 415
 *   req = ntpmon_connect_decode_request (content_type, content_encoding,
 *                                        body, method->input, limit, &error)
 *   ...
 *   body = ntpmon_connect_encode_response (codec, resp, accept_encoding,
 *                                          &content_encoding, &error)
 * and on any error answers ntpmon_connect_error_to_json() with its status.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>
#include <protobuf-c/protobuf-c.h>

#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"

G_BEGIN_DECLS

#define NTPMON_CONNECT_PROTOCOL_VERSION   "1"
#define NTPMON_CONNECT_ERROR_CONTENT_TYPE "application/json"
/* Responses smaller than this are not worth compressing. */
#define NTPMON_CONNECT_GZIP_MIN_BYTES 256

/* "application/proto" or "application/json". */
const gchar *ntpmon_connect_content_type (NtpmonRpcCodec codec);

/* Accepts application/proto and application/json (parameters such as
 * charset ignored). Anything else: NTPMON_RPC_ERROR_UNIMPLEMENTED; a
 * server answers that with HTTP 415. */
gboolean ntpmon_connect_parse_content_type (const gchar *content_type, NtpmonRpcCodec *codec,
                                            GError **error);

/* The method for a request path "/<package.Service>/<Method>"; an unknown
 * path gives NTPMON_RPC_ERROR_NOT_FOUND (HTTP 404). */
const ProtobufCMethodDescriptor *
ntpmon_connect_find_method (const ProtobufCServiceDescriptor *service, const gchar *path,
                            GError **error);

/* Checks a Connect-Protocol-Version header value (NULL = absent is fine). */
gboolean ntpmon_connect_check_protocol_version (const gchar *value, GError **error);

/* Parses a Connect-Timeout-Ms header value (up to 10 digits). */
gboolean ntpmon_connect_parse_timeout (const gchar *value, gint64 *timeout_ms, GError **error);

/* Server side: the request message from its headers and body. @limit
 * bounds the body before and after decompression. */
ProtobufCMessage *ntpmon_connect_decode_request (const gchar *content_type,
                                                 const gchar *content_encoding, GBytes *body,
                                                 const ProtobufCMessageDescriptor *descriptor,
                                                 gsize limit, GError **error);

/* Server side: the response body. gzip-compressed when @accept_encoding
 * allows it and the body is at least NTPMON_CONNECT_GZIP_MIN_BYTES long;
 * *@content_encoding is then "gzip", otherwise NULL. */
GBytes *ntpmon_connect_encode_response (NtpmonRpcCodec codec, const ProtobufCMessage *message,
                                        const gchar *accept_encoding,
                                        const gchar **content_encoding, GError **error);

/* Client side: the request body (send Content-Type
 * ntpmon_connect_content_type (codec), and Content-Encoding: gzip if
 * @gzip). */
GBytes *ntpmon_connect_encode_request (NtpmonRpcCodec codec, const ProtobufCMessage *message,
                                       gboolean gzip, GError **error);

/* Client side: the response message, or for a status other than 200 the
 * server's error (code and message from its JSON body, or derived from the
 * HTTP status when the body is not a Connect error). */
ProtobufCMessage *ntpmon_connect_decode_response (guint http_status, const gchar *content_type,
                                                  const gchar *content_encoding, GBytes *body,
                                                  const ProtobufCMessageDescriptor *descriptor,
                                                  gsize limit, GError **error);

/* The HTTP status Connect uses for @code. */
guint ntpmon_connect_code_to_http_status (NtpmonRpcError code);

/* The code a client assumes for an HTTP error status without a Connect
 * error body. */
NtpmonRpcError ntpmon_connect_code_from_http_status (guint http_status);

/* The JSON error body {"code":"…","message":"…"} for @error and, in
 * @http_status, the status to send. Errors of other domains become
 * `unknown` (cancellation and timeouts `canceled`/`deadline_exceeded`). */
GBytes *ntpmon_connect_error_to_json (const GError *error, guint *http_status);

/* Parses a Connect error body into a GError of NTPMON_RPC_ERROR; when the
 * body is not one, the code comes from @http_status. Never NULL. */
GError *ntpmon_connect_error_from_json (guint http_status, GBytes *body);

G_END_DECLS
