/* ntpmon-connect.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ntpmon-connect.h"

const gchar *
ntpmon_connect_content_type (NtpmonRpcCodec codec)
{
  return codec == NTPMON_RPC_CODEC_JSON ? "application/json" : "application/proto";
}

gboolean
ntpmon_connect_parse_content_type (const gchar *content_type, NtpmonRpcCodec *codec, GError **error)
{
  if (ntpmon_rpc_codec_for_content_type (content_type, "application/proto", codec))
    return TRUE;
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED,
               "unsupported content type \"%s\" (use application/proto or application/json)",
               content_type != NULL ? content_type : "");
  return FALSE;
}

const ProtobufCMethodDescriptor *
ntpmon_connect_find_method (const ProtobufCServiceDescriptor *service, const gchar *path,
                            GError **error)
{
  const ProtobufCMethodDescriptor *method = ntpmon_rpc_find_method (service, "", path);

  if (method != NULL)
    return method;
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_NOT_FOUND, "no such procedure: %s",
               path != NULL ? path : "");
  return NULL;
}

gboolean
ntpmon_connect_check_protocol_version (const gchar *value, GError **error)
{
  if (value == NULL || g_str_equal (value, NTPMON_CONNECT_PROTOCOL_VERSION))
    return TRUE;
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "connect-protocol-version must be \"%s\": got \"%s\"",
               NTPMON_CONNECT_PROTOCOL_VERSION, value);
  return FALSE;
}

gboolean
ntpmon_connect_parse_timeout (const gchar *value, gint64 *timeout_ms, GError **error)
{
  guint64 v;

  if (value == NULL || strlen (value) > 10
      || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "invalid connect-timeout-ms \"%s\"", value != NULL ? value : "");
      return FALSE;
    }
  *timeout_ms = (gint64)v;
  return TRUE;
}

ProtobufCMessage *
ntpmon_connect_decode_request (const gchar *content_type, const gchar *content_encoding,
                               GBytes *body, const ProtobufCMessageDescriptor *descriptor,
                               gsize limit, GError **error)
{
  NtpmonRpcCodec codec;

  if (!ntpmon_connect_parse_content_type (content_type, &codec, error))
    return NULL;
  return ntpmon_rpc_body_decode (codec, content_encoding, body, descriptor, limit, error);
}

GBytes *
ntpmon_connect_encode_response (NtpmonRpcCodec codec, const ProtobufCMessage *message,
                                const gchar *accept_encoding, const gchar **content_encoding,
                                GError **error)
{
  g_autoptr (GBytes) body
      = ntpmon_rpc_message_encode (codec, message, NTPMON_PROTO_JSON_NONE, error);

  *content_encoding = NULL;
  if (body == NULL)
    return NULL;
  if (g_bytes_get_size (body) >= NTPMON_CONNECT_GZIP_MIN_BYTES
      && ntpmon_rpc_accepts_gzip (accept_encoding))
    {
      *content_encoding = "gzip";
      return ntpmon_rpc_body_gzip (body);
    }
  return g_steal_pointer (&body);
}

GBytes *
ntpmon_connect_encode_request (NtpmonRpcCodec codec, const ProtobufCMessage *message, gboolean gzip,
                               GError **error)
{
  g_autoptr (GBytes) body
      = ntpmon_rpc_message_encode (codec, message, NTPMON_PROTO_JSON_NONE, error);

  if (body == NULL || !gzip)
    return g_steal_pointer (&body);
  return ntpmon_rpc_body_gzip (body);
}

ProtobufCMessage *
ntpmon_connect_decode_response (guint http_status, const gchar *content_type,
                                const gchar *content_encoding, GBytes *body,
                                const ProtobufCMessageDescriptor *descriptor, gsize limit,
                                GError **error)
{
  NtpmonRpcCodec codec;

  if (http_status != 200)
    {
      g_autoptr (GBytes) plain = NULL;
      if (ntpmon_rpc_media_type_is (content_type, NTPMON_CONNECT_ERROR_CONTENT_TYPE))
        plain = ntpmon_rpc_body_decompress (body, content_encoding, limit, NULL);
      g_propagate_error (error, ntpmon_connect_error_from_json (http_status, plain));
      return NULL;
    }
  if (!ntpmon_connect_parse_content_type (content_type, &codec, NULL))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNKNOWN,
                   "invalid response content type \"%s\"",
                   content_type != NULL ? content_type : "");
      return NULL;
    }
  return ntpmon_rpc_body_decode (codec, content_encoding, body, descriptor, limit, error);
}

guint
ntpmon_connect_code_to_http_status (NtpmonRpcError code)
{
  switch (code)
    {
    case NTPMON_RPC_ERROR_CANCELED:
      return 499;
    case NTPMON_RPC_ERROR_INVALID_ARGUMENT:
    case NTPMON_RPC_ERROR_FAILED_PRECONDITION:
    case NTPMON_RPC_ERROR_OUT_OF_RANGE:
    case NTPMON_RPC_ERROR_MALFORMED:
      return 400;
    case NTPMON_RPC_ERROR_DEADLINE_EXCEEDED:
      return 504;
    case NTPMON_RPC_ERROR_NOT_FOUND:
      return 404;
    case NTPMON_RPC_ERROR_ALREADY_EXISTS:
    case NTPMON_RPC_ERROR_ABORTED:
      return 409;
    case NTPMON_RPC_ERROR_PERMISSION_DENIED:
      return 403;
    case NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED:
      return 429;
    case NTPMON_RPC_ERROR_UNIMPLEMENTED:
    case NTPMON_RPC_ERROR_BAD_ROUTE:
      return 501;
    case NTPMON_RPC_ERROR_UNAVAILABLE:
      return 503;
    case NTPMON_RPC_ERROR_UNAUTHENTICATED:
      return 401;
    case NTPMON_RPC_ERROR_UNKNOWN:
    case NTPMON_RPC_ERROR_INTERNAL:
    case NTPMON_RPC_ERROR_DATA_LOSS:
    default:
      return 500;
    }
}

NtpmonRpcError
ntpmon_connect_code_from_http_status (guint http_status)
{
  switch (http_status)
    {
    case 400:
      return NTPMON_RPC_ERROR_INTERNAL;
    case 401:
      return NTPMON_RPC_ERROR_UNAUTHENTICATED;
    case 403:
      return NTPMON_RPC_ERROR_PERMISSION_DENIED;
    case 404:
      return NTPMON_RPC_ERROR_UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return NTPMON_RPC_ERROR_UNAVAILABLE;
    default:
      return NTPMON_RPC_ERROR_UNKNOWN;
    }
}

GBytes *
ntpmon_connect_error_to_json (const GError *error, guint *http_status)
{
  NtpmonRpcError code = ntpmon_rpc_error_code_of (error, NTPMON_RPC_ERROR_UNKNOWN);
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, ntpmon_rpc_error_to_connect_name (code));
  if (error != NULL && error->message != NULL && *error->message != '\0')
    {
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
    }
  json_builder_end_object (builder);

  if (http_status != NULL)
    *http_status = ntpmon_connect_code_to_http_status (code);

  return ntpmon_rpc_json_builder_to_bytes (builder);
}

/* A string member of untrusted JSON, or NULL (no criticals on wrong types). */
static const gchar *
string_member (JsonObject *obj, const gchar *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

GError *
ntpmon_connect_error_from_json (guint http_status, GBytes *body)
{
  NtpmonRpcError code = ntpmon_connect_code_from_http_status (http_status);
  g_autofree gchar *message = NULL;

  if (body != NULL && g_bytes_get_size (body) > 0)
    {
      gsize len;
      const gchar *data = g_bytes_get_data (body, &len);
      g_autoptr (JsonNode) root = ntpmon_proto_json_parse (data, len, NULL);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        {
          JsonObject *obj = json_node_get_object (root);
          const gchar *name = string_member (obj, "code");
          NtpmonRpcError parsed;
          if (name != NULL && ntpmon_rpc_error_from_connect_name (name, &parsed))
            code = parsed;
          message = g_strdup (string_member (obj, "message"));
        }
    }
  if (message == NULL)
    message = g_strdup_printf ("HTTP status %u", http_status);
  return g_error_new_literal (NTPMON_RPC_ERROR, code, message);
}
