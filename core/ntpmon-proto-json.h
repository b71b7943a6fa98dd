/* ntpmon-proto-json.h: the proto3 JSON mapping for protobuf-c messages
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>
#include <protobuf-c/protobuf-c.h>

G_BEGIN_DECLS

/**
 * NtpmonProtoJsonFlags:
 * @NTPMON_PROTO_JSON_NONE: lowerCamelCase names, default values left out
 *   (what Connect sends)
 * @NTPMON_PROTO_JSON_PROTO_NAMES: use the .proto field names
 * @NTPMON_PROTO_JSON_EMIT_DEFAULTS: also write fields that hold their default
 *   value (`0`, `""`, `false`, `[]`, `null` for an absent message)
 *
 * Twirp sends NTPMON_PROTO_JSON_PROTO_NAMES | NTPMON_PROTO_JSON_EMIT_DEFAULTS.
 */
typedef enum
{
  NTPMON_PROTO_JSON_NONE = 0,
  NTPMON_PROTO_JSON_PROTO_NAMES = 1 << 0,
  NTPMON_PROTO_JSON_EMIT_DEFAULTS = 1 << 1,
} NtpmonProtoJsonFlags;

/* The message as a JSON object node. 64-bit integers are strings, bytes are
 * padded standard base64, enums their names, google.protobuf.Timestamp is
 * RFC 3339 in UTC ("Z") and google.protobuf.Duration is "1.000340s".
 * Fails (NTPMON_RPC_ERROR_INTERNAL) only for values that have no JSON form:
 * out-of-range timestamps or durations, strings that are not UTF-8. */
JsonNode *ntpmon_proto_json_serialize (const ProtobufCMessage *message, NtpmonProtoJsonFlags flags,
                                       GError **error);

/* As ntpmon_proto_json_serialize(), written out as compact JSON text. */
gchar *ntpmon_proto_json_to_data (const ProtobufCMessage *message, NtpmonProtoJsonFlags flags,
                                  gsize *length, GError **error);

/* Builds a message of type @descriptor from a JSON node. Field names are
 * accepted in lowerCamelCase and in their .proto spelling; unknown fields
 * are ignored; `null` means the default value. 64-bit integers may be
 * numbers or strings, bytes any base64 variant (standard or URL alphabet,
 * with or without padding). A value of the wrong type gives
 * NTPMON_RPC_ERROR_INVALID_ARGUMENT naming the field. Free the result with
 * protobuf_c_message_free_unpacked (msg, NULL). */
ProtobufCMessage *ntpmon_proto_json_deserialize (const ProtobufCMessageDescriptor *descriptor,
                                                 JsonNode *node, GError **error);

/* As ntpmon_proto_json_deserialize(), from JSON text of @length bytes. */
ProtobufCMessage *ntpmon_proto_json_from_data (const ProtobufCMessageDescriptor *descriptor,
                                               const gchar *data, gsize length, GError **error);

/* Arrays and objects nested deeper than this are refused. */
#define NTPMON_PROTO_JSON_MAX_DEPTH 100

/* Parses untrusted JSON text of @length bytes. The nesting depth is checked
 * before the (recursive) JSON parser sees the text, so hostile input cannot
 * exhaust the stack. NTPMON_RPC_ERROR_INVALID_ARGUMENT on failure. */
JsonNode *ntpmon_proto_json_parse (const gchar *data, gsize length, GError **error);

/* The JSON (lowerCamelCase) name of a field, as protoc derives it. */
gchar *ntpmon_proto_json_name (const ProtobufCFieldDescriptor *field);

G_END_DECLS
