/* ntpmon-twirp.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ntpmon-twirp.h"

const gchar *
ntpmon_twirp_content_type (NtpmonRpcCodec codec)
{
  return codec == NTPMON_RPC_CODEC_JSON ? "application/json" : "application/protobuf";
}

const ProtobufCMethodDescriptor *
ntpmon_twirp_find_method (const ProtobufCServiceDescriptor *service, const gchar *http_method,
                          const gchar *path, GError **error)
{
  if (http_method == NULL || !g_str_equal (http_method, "POST"))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE,
                   "unsupported method \"%s\" (only POST is allowed)",
                   http_method != NULL ? http_method : "");
      return NULL;
    }

  const ProtobufCMethodDescriptor *method
      = ntpmon_rpc_find_method (service, NTPMON_TWIRP_PATH_PREFIX, path);
  if (method != NULL)
    return method;
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE, "no handler for path \"%s\"",
               path != NULL ? path : "");
  return NULL;
}

gboolean
ntpmon_twirp_parse_content_type (const gchar *content_type, NtpmonRpcCodec *codec, GError **error)
{
  if (ntpmon_rpc_codec_for_content_type (content_type, "application/protobuf", codec))
    return TRUE;
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_BAD_ROUTE,
               "unexpected Content-Type: \"%s\"", content_type != NULL ? content_type : "");
  return FALSE;
}

ProtobufCMessage *
ntpmon_twirp_decode_request (const gchar *content_type, GBytes *body,
                             const ProtobufCMessageDescriptor *descriptor, gsize limit,
                             NtpmonRpcCodec *codec, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!ntpmon_twirp_parse_content_type (content_type, codec, error))
    return NULL;

  ProtobufCMessage *msg
      = ntpmon_rpc_body_decode (*codec, NULL, body, descriptor, limit, &local_error);
  if (msg == NULL)
    {
      if (g_error_matches (local_error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT))
        {
          local_error->code = NTPMON_RPC_ERROR_MALFORMED;
          g_prefix_error (&local_error, "the %s request could not be decoded: ",
                          *codec == NTPMON_RPC_CODEC_JSON ? "json" : "protobuf");
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return msg;
}

GBytes *
ntpmon_twirp_encode_response (NtpmonRpcCodec codec, const ProtobufCMessage *message, GError **error)
{
  return ntpmon_rpc_message_encode (
      codec, message, NTPMON_PROTO_JSON_PROTO_NAMES | NTPMON_PROTO_JSON_EMIT_DEFAULTS, error);
}

const gchar *
ntpmon_twirp_code_name (NtpmonRpcError code)
{
  switch (code)
    {
    case NTPMON_RPC_ERROR_DATA_LOSS:
      return "dataloss";
    case NTPMON_RPC_ERROR_MALFORMED:
      return "malformed";
    case NTPMON_RPC_ERROR_BAD_ROUTE:
      return "bad_route";
    default:
      return ntpmon_rpc_error_to_connect_name (code) != NULL
                 ? ntpmon_rpc_error_to_connect_name (code)
                 : "internal";
    }
}

guint
ntpmon_twirp_code_to_http_status (NtpmonRpcError code)
{
  switch (code)
    {
    case NTPMON_RPC_ERROR_CANCELED:
    case NTPMON_RPC_ERROR_DEADLINE_EXCEEDED:
      return 408;
    case NTPMON_RPC_ERROR_INVALID_ARGUMENT:
    case NTPMON_RPC_ERROR_MALFORMED:
    case NTPMON_RPC_ERROR_OUT_OF_RANGE:
      return 400;
    case NTPMON_RPC_ERROR_NOT_FOUND:
    case NTPMON_RPC_ERROR_BAD_ROUTE:
      return 404;
    case NTPMON_RPC_ERROR_ALREADY_EXISTS:
    case NTPMON_RPC_ERROR_ABORTED:
      return 409;
    case NTPMON_RPC_ERROR_PERMISSION_DENIED:
      return 403;
    case NTPMON_RPC_ERROR_UNAUTHENTICATED:
      return 401;
    case NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED:
      return 429;
    case NTPMON_RPC_ERROR_FAILED_PRECONDITION:
      return 412;
    case NTPMON_RPC_ERROR_UNIMPLEMENTED:
      return 501;
    case NTPMON_RPC_ERROR_UNAVAILABLE:
      return 503;
    case NTPMON_RPC_ERROR_UNKNOWN:
    case NTPMON_RPC_ERROR_INTERNAL:
    case NTPMON_RPC_ERROR_DATA_LOSS:
    default:
      return 500;
    }
}

GBytes *
ntpmon_twirp_error_to_json (const GError *error, const gchar *const *meta, guint *http_status)
{
  NtpmonRpcError code = ntpmon_rpc_error_code_of (error, NTPMON_RPC_ERROR_INTERNAL);
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, ntpmon_twirp_code_name (code));
  json_builder_set_member_name (builder, "msg");
  json_builder_add_string_value (builder, error != NULL ? error->message : "");
  if (meta != NULL && meta[0] != NULL)
    {
      json_builder_set_member_name (builder, "meta");
      json_builder_begin_object (builder);
      for (guint i = 0; meta[i] != NULL && meta[i + 1] != NULL; i += 2)
        {
          json_builder_set_member_name (builder, meta[i]);
          json_builder_add_string_value (builder, meta[i + 1]);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  if (http_status != NULL)
    *http_status = ntpmon_twirp_code_to_http_status (code);

  return ntpmon_rpc_json_builder_to_bytes (builder);
}
