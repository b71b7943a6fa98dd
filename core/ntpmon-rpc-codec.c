/* ntpmon-rpc-codec.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"

void
ntpmon_proto_message_free (ProtobufCMessage *message)
{
  if (message != NULL)
    protobuf_c_message_free_unpacked (message, NULL);
}

gboolean
ntpmon_rpc_media_type_is (const gchar *content_type, const gchar *media_type)
{
  if (content_type == NULL)
    return FALSE;

  const gchar *end = strchr (content_type, ';');
  g_autofree gchar *type = end != NULL ? g_strndup (content_type, (gsize)(end - content_type))
                                       : g_strdup (content_type);
  g_strstrip (type);
  return g_ascii_strcasecmp (type, media_type) == 0;
}

gboolean
ntpmon_rpc_codec_for_content_type (const gchar *content_type, const gchar *proto_media_type,
                                   NtpmonRpcCodec *codec)
{
  if (ntpmon_rpc_media_type_is (content_type, proto_media_type))
    *codec = NTPMON_RPC_CODEC_PROTO;
  else if (ntpmon_rpc_media_type_is (content_type, "application/json"))
    *codec = NTPMON_RPC_CODEC_JSON;
  else
    return FALSE;
  return TRUE;
}

const ProtobufCMethodDescriptor *
ntpmon_rpc_find_method (const ProtobufCServiceDescriptor *service, const gchar *prefix,
                        const gchar *path)
{
  g_autofree gchar *service_path = g_strconcat (prefix, "/", service->name, "/", NULL);

  if (path == NULL || !g_str_has_prefix (path, service_path))
    return NULL;
  const gchar *method = path + strlen (service_path);
  for (guint i = 0; i < service->n_methods; i++)
    if (g_str_equal (method, service->methods[i].name))
      return &service->methods[i];
  return NULL;
}

gboolean
ntpmon_rpc_accepts_gzip (const gchar *accept_encoding)
{
  if (accept_encoding == NULL)
    return FALSE;

  g_auto (GStrv) items = g_strsplit (accept_encoding, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (items[i], ";", -1);
      if (g_ascii_strcasecmp (g_strstrip (parts[0]), "gzip") != 0)
        continue;
      gboolean refused = FALSE;
      for (guint j = 1; parts[j] != NULL; j++)
        {
          const gchar *param = g_strstrip (parts[j]);
          if (g_ascii_strncasecmp (param, "q=", 2) == 0 && g_ascii_strtod (param + 2, NULL) <= 0)
            refused = TRUE;
        }
      if (!refused)
        return TRUE;
    }
  return FALSE;
}

static gboolean
too_large (gsize limit, GError **error)
{
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED,
               "message is larger than the limit of %" G_GSIZE_FORMAT " bytes", limit);
  return FALSE;
}

/* Inflates gzip data (several members in a row are allowed) up to @limit. */
static GBytes *
gunzip (const guint8 *data, gsize len, gsize limit, GError **error)
{
  z_stream zs = { 0 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 chunk[16384];
  int ret = Z_OK;

  if (inflateInit2 (&zs, 16 + MAX_WBITS) != Z_OK)
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL,
                           "cannot initialise zlib");
      return NULL;
    }
  zs.next_in = (Bytef *)data;
  zs.avail_in = (uInt)MIN (len, G_MAXUINT);
  gsize fed = zs.avail_in;
  do
    {
      if (zs.avail_in == 0 && fed < len)
        {
          zs.next_in = (Bytef *)data + fed;
          zs.avail_in = (uInt)MIN (len - fed, G_MAXUINT);
          fed += zs.avail_in;
        }
      zs.next_out = chunk;
      zs.avail_out = sizeof chunk;
      ret = inflate (&zs, Z_NO_FLUSH);
      gsize produced = sizeof chunk - zs.avail_out;
      if (out->len + produced > limit)
        {
          inflateEnd (&zs);
          too_large (limit, error);
          return NULL;
        }
      g_byte_array_append (out, chunk, (guint)produced);
      if (ret == Z_STREAM_END && (zs.avail_in > 0 || fed < len))
        {
          /* another gzip member follows */
          if (inflateReset (&zs) != Z_OK)
            break;
          ret = Z_OK;
        }
      else if (ret == Z_BUF_ERROR && zs.avail_in == 0 && fed >= len)
        break; /* input ended inside the stream */
    }
  while (ret == Z_OK);
  inflateEnd (&zs);

  if (ret != Z_STREAM_END)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "invalid gzip data: %s",
                   ret == Z_BUF_ERROR ? "unexpected end of data"
                   : zs.msg != NULL   ? zs.msg
                                      : "corrupt stream");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
ntpmon_rpc_body_decompress (GBytes *body, const gchar *content_encoding, gsize limit,
                            GError **error)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (body, &len);

  if (len > limit)
    {
      too_large (limit, error);
      return NULL;
    }
  if (content_encoding == NULL || *content_encoding == '\0'
      || g_ascii_strcasecmp (content_encoding, "identity") == 0)
    return g_bytes_ref (body);
  /* an empty body stays empty, as connect-go has it */
  if (g_ascii_strcasecmp (content_encoding, "gzip") == 0)
    return len > 0 ? gunzip (data, len, limit, error) : g_bytes_ref (body);

  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED,
               "unsupported content encoding \"%s\" (supported: gzip, identity)", content_encoding);
  return NULL;
}

GBytes *
ntpmon_rpc_body_gzip (GBytes *data)
{
  gsize len;
  const guint8 *in = g_bytes_get_data (data, &len);
  z_stream zs = { 0 };

  /* level 6, gzip header (16 + window bits), default memory */
  if (deflateInit2 (&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    g_error ("zlib: deflateInit2 failed"); /* only on out of memory or bad arguments */

  uLong bound = deflateBound (&zs, (uLong)len);
  guint8 *out = g_malloc (bound);
  zs.next_in = (Bytef *)in;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)bound;
  int ret = deflate (&zs, Z_FINISH);
  g_assert (ret == Z_STREAM_END); /* the output buffer is large enough */
  gsize out_len = zs.total_out;
  deflateEnd (&zs);
  return g_bytes_new_take (out, out_len);
}

/* proto3 requires string fields to be UTF-8; protobuf-c does not check. */
static gboolean
check_utf8 (const ProtobufCMessage *msg, GError **error)
{
  const ProtobufCMessageDescriptor *desc = msg->descriptor;

  for (guint i = 0; i < desc->n_fields; i++)
    {
      const ProtobufCFieldDescriptor *f = &desc->fields[i];
      const guint8 *member = (const guint8 *)msg + f->offset;
      gsize n = 1;
      const guint8 *items = member;

      if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
        continue;
      if (f->label == PROTOBUF_C_LABEL_REPEATED)
        {
          n = *(const size_t *)((const guint8 *)msg + f->quantifier_offset);
          items = *(const guint8 *const *)member;
        }
      for (gsize j = 0; j < n; j++)
        {
          const void *p = *(const void *const *)(items + j * sizeof (void *));
          if (p == NULL)
            continue;
          if (f->type == PROTOBUF_C_TYPE_STRING && !g_utf8_validate (p, -1, NULL))
            {
              g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                           "field %s.%s: string is not valid UTF-8", desc->name, f->name);
              return FALSE;
            }
          if (f->type == PROTOBUF_C_TYPE_MESSAGE && !check_utf8 (p, error))
            return FALSE;
        }
    }
  return TRUE;
}

ProtobufCMessage *
ntpmon_rpc_message_decode (NtpmonRpcCodec codec, GBytes *data,
                           const ProtobufCMessageDescriptor *descriptor, GError **error)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  if (codec == NTPMON_RPC_CODEC_JSON)
    {
      if (len == 0)
        {
          g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                               "empty body is not a JSON object");
          return NULL;
        }
      g_autoptr (ProtobufCMessage) parsed
          = ntpmon_proto_json_from_data (descriptor, (const gchar *)bytes, len, error);

      /* JSON escapes can spell invalid UTF-8 (a lone surrogate) */
      return parsed != NULL && check_utf8 (parsed, error) ? g_steal_pointer (&parsed) : NULL;
    }

  g_autoptr (ProtobufCMessage) msg
      = protobuf_c_message_unpack (descriptor, NULL, len, len > 0 ? bytes : (const guint8 *)"");
  if (msg == NULL)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "cannot decode %s: invalid protobuf data", descriptor->name);
      return NULL;
    }
  if (!check_utf8 (msg, error))
    return NULL;
  return g_steal_pointer (&msg);
}

GBytes *
ntpmon_rpc_message_encode (NtpmonRpcCodec codec, const ProtobufCMessage *message,
                           NtpmonProtoJsonFlags json_flags, GError **error)
{
  if (codec == NTPMON_RPC_CODEC_JSON)
    {
      gsize len;
      gchar *text = ntpmon_proto_json_to_data (message, json_flags, &len, error);
      return text != NULL ? g_bytes_new_take (text, len) : NULL;
    }

  gsize len = protobuf_c_message_get_packed_size (message);
  guint8 *buf = g_malloc (MAX (len, 1));
  gsize packed = protobuf_c_message_pack (message, buf);
  g_assert (packed == len);
  return g_bytes_new_take (buf, len);
}

ProtobufCMessage *
ntpmon_rpc_body_decode (NtpmonRpcCodec codec, const gchar *content_encoding, GBytes *body,
                        const ProtobufCMessageDescriptor *descriptor, gsize limit, GError **error)
{
  g_autoptr (GBytes) plain = ntpmon_rpc_body_decompress (body, content_encoding, limit, error);

  if (plain == NULL)
    return NULL;
  return ntpmon_rpc_message_decode (codec, plain, descriptor, error);
}

GBytes *
ntpmon_rpc_json_builder_to_bytes (JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  gsize len;

  json_generator_set_root (gen, root);
  gchar *text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}
