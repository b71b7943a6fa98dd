/* ntpmon-proto-json.c: proto3 JSON mapping driven by protobuf-c descriptors;
 * message -> JSON (JSON -> message is in ntpmon-proto-json-reader.c)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ntpmon-proto-json-private.h"
#include "ntpmon-proto-wkt.h"
#include "ntpmon-rpc-error.h"

WellKnown
ntpmon_proto_json_well_known_of (const ProtobufCMessageDescriptor *desc)
{
  if (g_str_equal (desc->name, "google.protobuf.Timestamp"))
    return WKT_TIMESTAMP;
  if (g_str_equal (desc->name, "google.protobuf.Duration"))
    return WKT_DURATION;
  return WKT_NONE;
}

gchar *
ntpmon_proto_json_name (const ProtobufCFieldDescriptor *field)
{
  GString *out = g_string_new (NULL);
  gboolean upper_next = FALSE;

  for (const gchar *p = field->name; *p; p++)
    {
      if (*p == '_')
        upper_next = TRUE;
      else if (upper_next)
        {
          g_string_append_c (out, g_ascii_toupper (*p));
          upper_next = FALSE;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

gsize
ntpmon_proto_json_element_size (ProtobufCType type)
{
  switch (type)
    {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      return 8;
    case PROTOBUF_C_TYPE_FLOAT:
      return sizeof (float);
    case PROTOBUF_C_TYPE_DOUBLE:
      return sizeof (double);
    case PROTOBUF_C_TYPE_BOOL:
      return sizeof (protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
      return sizeof (int);
    case PROTOBUF_C_TYPE_STRING:
      return sizeof (char *);
    case PROTOBUF_C_TYPE_BYTES:
      return sizeof (ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
    default:
      return sizeof (ProtobufCMessage *);
    }
}

/* Whether a singular value holds its type's default (zero) value. */
static gboolean
value_is_default (const ProtobufCFieldDescriptor *field, const void *member)
{
  switch (field->type)
    {
    case PROTOBUF_C_TYPE_FLOAT:
      return *(const float *)member == 0 && !signbit (*(const float *)member);
    case PROTOBUF_C_TYPE_DOUBLE:
      return *(const double *)member == 0 && !signbit (*(const double *)member);
    case PROTOBUF_C_TYPE_STRING:
      return *(char *const *)member == NULL || **(char *const *)member == '\0';
    case PROTOBUF_C_TYPE_BYTES:
      return ((const ProtobufCBinaryData *)member)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
      return *(ProtobufCMessage *const *)member == NULL;
    case PROTOBUF_C_TYPE_BOOL:
    case PROTOBUF_C_TYPE_ENUM:
      return *(const int *)member == 0;
    default:
      if (ntpmon_proto_json_element_size (field->type) == 8)
        return *(const guint64 *)member == 0;
      return *(const guint32 *)member == 0;
    }
}

/* Present: -1 = absent, never written; 0 = default value; 1 = set. */
static gint
field_presence (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
  const void *member = CMEMBER (msg, field->offset);

  if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    return *(const guint32 *)CMEMBER (msg, field->quantifier_offset) == field->id ? 1 : -1;
  if (field->label == PROTOBUF_C_LABEL_OPTIONAL)
    {
      if (field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void *const *)member != NULL ? 1 : -1;
      return *(const protobuf_c_boolean *)CMEMBER (msg, field->quantifier_offset) ? 1 : -1;
    }
  if (field->label == PROTOBUF_C_LABEL_REQUIRED)
    return 1;
  return value_is_default (field, member) ? 0 : 1;
}

static JsonNode *serialize_message (const ProtobufCMessage *msg, NtpmonProtoJsonFlags flags,
                                    GError **error);

static JsonNode *
string_node_take (gchar *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  g_free (text);
  return node;
}

static JsonNode *
serialize_float (double v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  if (isnan (v))
    json_node_set_string (node, "NaN");
  else if (isinf (v))
    json_node_set_string (node, v > 0 ? "Infinity" : "-Infinity");
  else
    json_node_set_double (node, v);
  return node;
}

static JsonNode *
serialize_value (const ProtobufCFieldDescriptor *field, const void *member,
                 NtpmonProtoJsonFlags flags, GError **error)
{
  JsonNode *node;

  switch (field->type)
    {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, *(const gint32 *)member);
      return node;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, *(const guint32 *)member);
      return node;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      return string_node_take (g_strdup_printf ("%" G_GINT64_FORMAT, *(const gint64 *)member));
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      return string_node_take (g_strdup_printf ("%" G_GUINT64_FORMAT, *(const guint64 *)member));
    case PROTOBUF_C_TYPE_FLOAT:
      return serialize_float (*(const float *)member);
    case PROTOBUF_C_TYPE_DOUBLE:
      return serialize_float (*(const double *)member);
    case PROTOBUF_C_TYPE_BOOL:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, *(const protobuf_c_boolean *)member != 0);
      return node;
    case PROTOBUF_C_TYPE_ENUM:
      {
        const ProtobufCEnumValue *ev
            = protobuf_c_enum_descriptor_get_value (field->descriptor, *(const int *)member);
        if (ev != NULL)
          return string_node_take (g_strdup (ev->name));
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_int (node, *(const int *)member);
        return node;
      }
    case PROTOBUF_C_TYPE_STRING:
      {
        const gchar *s = *(char *const *)member;
        if (s != NULL && !g_utf8_validate (s, -1, NULL))
          {
            g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL,
                         "field %s: string is not valid UTF-8", field->name);
            return NULL;
          }
        return string_node_take (g_strdup (s != NULL ? s : ""));
      }
    case PROTOBUF_C_TYPE_BYTES:
      {
        const ProtobufCBinaryData *b = member;
        return string_node_take (g_base64_encode (b->data, b->len));
      }
    case PROTOBUF_C_TYPE_MESSAGE:
      {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)member;
        if (sub == NULL)
          return json_node_new (JSON_NODE_NULL);
        node = serialize_message (sub, flags, error);
        if (node == NULL)
          g_prefix_error (error, "field %s: ", field->name);
        return node;
      }
    default:
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL,
                   "field %s: unsupported field type %d", field->name, field->type);
      return NULL;
    }
}

static JsonNode *
serialize_well_known (const ProtobufCMessage *msg, WellKnown wkt, GError **error)
{
  const ProtobufCFieldDescriptor *fs
      = protobuf_c_message_descriptor_get_field_by_name (msg->descriptor, "seconds");
  const ProtobufCFieldDescriptor *fn
      = protobuf_c_message_descriptor_get_field_by_name (msg->descriptor, "nanos");
  gint64 seconds = *(const gint64 *)CMEMBER (msg, fs->offset);
  gint32 nanos = *(const gint32 *)CMEMBER (msg, fn->offset);
  gchar *text = wkt == WKT_TIMESTAMP ? ntpmon_proto_timestamp_format (seconds, nanos, error)
                                     : ntpmon_proto_duration_format (seconds, nanos, error);

  if (text == NULL)
    {
      /* a value we hold that has no JSON form is our fault, not the peer's */
      if (error != NULL && *error != NULL)
        (*error)->code = NTPMON_RPC_ERROR_INTERNAL;
      return NULL;
    }
  return string_node_take (text);
}

static JsonNode *
serialize_message (const ProtobufCMessage *msg, NtpmonProtoJsonFlags flags, GError **error)
{
  const ProtobufCMessageDescriptor *desc = msg->descriptor;
  WellKnown wkt = ntpmon_proto_json_well_known_of (desc);

  if (wkt != WKT_NONE)
    return serialize_well_known (msg, wkt, error);

  g_autoptr (JsonObject) object = json_object_new ();
  for (guint i = 0; i < desc->n_fields; i++)
    {
      const ProtobufCFieldDescriptor *field = &desc->fields[i];
      g_autofree gchar *name = (flags & NTPMON_PROTO_JSON_PROTO_NAMES)
                                   ? g_strdup (field->name)
                                   : ntpmon_proto_json_name (field);

      if (field->label == PROTOBUF_C_LABEL_REPEATED)
        {
          gsize n = *(const size_t *)CMEMBER (msg, field->quantifier_offset);
          const guint8 *array = *(void *const *)CMEMBER (msg, field->offset);
          if (n == 0 && !(flags & NTPMON_PROTO_JSON_EMIT_DEFAULTS))
            continue;
          g_autoptr (JsonArray) jarray = json_array_sized_new ((guint)n);
          for (gsize j = 0; j < n; j++)
            {
              JsonNode *el = serialize_value (
                  field, array + j * ntpmon_proto_json_element_size (field->type), flags, error);
              if (el == NULL)
                return NULL;
              json_array_add_element (jarray, el);
            }
          json_object_set_array_member (object, name, g_steal_pointer (&jarray));
          continue;
        }

      gint presence = field_presence (msg, field);
      if (presence < 0 || (presence == 0 && !(flags & NTPMON_PROTO_JSON_EMIT_DEFAULTS)))
        continue;
      JsonNode *value = serialize_value (field, CMEMBER (msg, field->offset), flags, error);
      if (value == NULL)
        return NULL;
      json_object_set_member (object, name, value);
    }

  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return node;
}

JsonNode *
ntpmon_proto_json_serialize (const ProtobufCMessage *message, NtpmonProtoJsonFlags flags,
                             GError **error)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return serialize_message (message, flags, error);
}

gchar *
ntpmon_proto_json_to_data (const ProtobufCMessage *message, NtpmonProtoJsonFlags flags,
                           gsize *length, GError **error)
{
  g_autoptr (JsonNode) root = ntpmon_proto_json_serialize (message, flags, error);
  if (root == NULL)
    return NULL;

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, length);
}
