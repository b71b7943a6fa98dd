/* ntpmon-rpc-codec.h: message bodies shared by the Connect and Twirp codecs
 *
 * Decoding and encoding of protobuf-c messages in binary or JSON form,
 * gzip, and the body size limit. Free of any HTTP library so client and
 * server can both use it.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>
#include <protobuf-c/protobuf-c.h>

#include "ntpmon-proto-json.h"

G_BEGIN_DECLS

/* Default limit for a request or response body, compressed or not. */
#define NTPMON_RPC_DEFAULT_BODY_LIMIT (1024 * 1024)

typedef enum
{
  NTPMON_RPC_CODEC_PROTO,
  NTPMON_RPC_CODEC_JSON,
} NtpmonRpcCodec;

/* Frees a message from protobuf_c_message_unpack() or the JSON decoder. */
void ntpmon_proto_message_free (ProtobufCMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProtobufCMessage, ntpmon_proto_message_free)

/* Whether the media type of @content_type (parameters after ';' ignored,
 * case-insensitive, surrounding blanks ignored) is @media_type. */
gboolean ntpmon_rpc_media_type_is (const gchar *content_type, const gchar *media_type);

/* The codec for @content_type: @proto_media_type (which differs between
 * Connect and Twirp) or application/json. FALSE for anything else. */
gboolean ntpmon_rpc_codec_for_content_type (const gchar *content_type,
                                            const gchar *proto_media_type, NtpmonRpcCodec *codec);

/* The method of @service that @path names: "<prefix>/<package.Service>/<Method>"
 * (@prefix is "" for Connect). NULL when it names none. */
const ProtobufCMethodDescriptor *ntpmon_rpc_find_method (const ProtobufCServiceDescriptor *service,
                                                         const gchar *prefix, const gchar *path);

/* Whether an Accept-Encoding header value allows gzip. */
gboolean ntpmon_rpc_accepts_gzip (const gchar *accept_encoding);

/* Undoes a Content-Encoding (NULL, "", "identity" or "gzip"). Fails with
 * NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED when @body, or its decompressed form,
 * is larger than @limit bytes (decompression stops there, so a gzip bomb
 * costs no more than @limit), NTPMON_RPC_ERROR_UNIMPLEMENTED for another
 * encoding, NTPMON_RPC_ERROR_INVALID_ARGUMENT for broken gzip data. */
GBytes *ntpmon_rpc_body_decompress (GBytes *body, const gchar *content_encoding, gsize limit,
                                    GError **error);

/* gzip-compresses @data. */
GBytes *ntpmon_rpc_body_gzip (GBytes *data);

/* Decodes an uncompressed body into a message of type @descriptor. Garbage
 * gives NTPMON_RPC_ERROR_INVALID_ARGUMENT (binary strings must be UTF-8,
 * as proto3 requires). */
ProtobufCMessage *ntpmon_rpc_message_decode (NtpmonRpcCodec codec, GBytes *data,
                                             const ProtobufCMessageDescriptor *descriptor,
                                             GError **error);

/* Encodes @message; @json_flags apply to NTPMON_RPC_CODEC_JSON only. */
GBytes *ntpmon_rpc_message_encode (NtpmonRpcCodec codec, const ProtobufCMessage *message,
                                   NtpmonProtoJsonFlags json_flags, GError **error);

/* ntpmon_rpc_body_decompress() followed by ntpmon_rpc_message_decode(). */
ProtobufCMessage *ntpmon_rpc_body_decode (NtpmonRpcCodec codec, const gchar *content_encoding,
                                          GBytes *body,
                                          const ProtobufCMessageDescriptor *descriptor, gsize limit,
                                          GError **error);

/* The builder's document as compact JSON text. */
GBytes *ntpmon_rpc_json_builder_to_bytes (JsonBuilder *builder);

G_END_DECLS
