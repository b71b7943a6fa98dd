/* ntpmon-proto-json-reader.c: JSON -> protobuf-c message
 *
 * Messages built here use the protobuf-c default allocator (malloc), so
 * protobuf_c_message_free_unpacked (msg, NULL) frees them like unpacked ones.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ntpmon-proto-json-private.h"
#include "ntpmon-proto-wkt.h"
#include "ntpmon-rpc-error.h"

static gboolean
type_error (const gchar *path, const gchar *expected, JsonNode *node, GError **error)
{
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "invalid value for field \"%s\": expected %s, got %s", path, expected,
               json_node_type_name (node));
  return FALSE;
}

static gboolean
range_error (const gchar *path, const gchar *type, GError **error)
{
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "invalid value for field \"%s\": not a valid %s", path, type);
  return FALSE;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* A JSON number or a numeric string as a double, for floating fields. */
static gboolean
node_get_double (JsonNode *node, double *out)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE)
    {
      *out = json_node_get_double (node); /* converts integers too */
      return TRUE;
    }
  if (t != G_TYPE_STRING)
    return FALSE;

  const gchar *s = json_node_get_string (node);
  if (g_str_equal (s, "NaN"))
    *out = NAN;
  else if (g_str_equal (s, "Infinity"))
    *out = INFINITY;
  else if (g_str_equal (s, "-Infinity"))
    *out = -INFINITY;
  else
    {
      gchar *end = NULL;
      if (*s == '\0' || g_ascii_isspace (*s))
        return FALSE;
      *out = g_ascii_strtod (s, &end);
      if (*end != '\0' || !isfinite (*out))
        return FALSE;
    }
  return TRUE;
}

/* An integer given as JSON number or string, within [min, max] (signed) or
 * [0, umax] (unsigned). Integral floating values ("1e3", 5.0) are accepted. */
static gboolean
node_get_integer (JsonNode *node, gboolean is_signed, gint64 min, gint64 max, guint64 umax,
                  guint64 *out, gboolean *type_ok)
{
  *type_ok = TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return *type_ok = FALSE;

  GType t = json_node_get_value_type (node);
  if (t == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (node);
      if (is_signed ? (v < min || v > max) : (v < 0 || (guint64)v > umax))
        return FALSE;
      *out = (guint64)v;
      return TRUE;
    }
  if (t == G_TYPE_STRING)
    {
      const gchar *s = json_node_get_string (node);
      if (is_signed)
        {
          gint64 v;
          if (g_ascii_string_to_signed (s, 10, min, max, &v, NULL))
            {
              *out = (guint64)v;
              return TRUE;
            }
        }
      else if (g_ascii_string_to_unsigned (s, 10, 0, umax, out, NULL))
        return TRUE;
    }
  else if (t != G_TYPE_DOUBLE)
    return *type_ok = FALSE;

  /* a floating number, or a string in floating notation */
  double d;
  if (!node_get_double (node, &d) || !isfinite (d) || d != floor (d))
    return FALSE;
  if (is_signed)
    {
      if (d < (double)min || d >= -(double)G_MININT64 || (gint64)d > max)
        return FALSE;
      *out = (guint64)(gint64)d;
    }
  else
    {
      if (d < 0 || d >= 18446744073709551616.0 || (guint64)d > umax)
        return FALSE;
      *out = (guint64)d;
    }
  return TRUE;
}

static ProtobufCMessage *deserialize_message (const ProtobufCMessageDescriptor *desc,
                                              JsonNode *node, const gchar *path, GError **error);

static gboolean
deserialize_integer (const ProtobufCFieldDescriptor *field, JsonNode *node, const gchar *path,
                     void *member, GError **error)
{
  gboolean is_signed = TRUE;
  gint64 min = G_MININT32, max = G_MAXINT32;
  guint64 umax = 0;
  const gchar *name = "int32";

  switch (field->type)
    {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      is_signed = FALSE;
      umax = G_MAXUINT32;
      name = "uint32";
      break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      min = G_MININT64;
      max = G_MAXINT64;
      name = "int64";
      break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      is_signed = FALSE;
      umax = G_MAXUINT64;
      name = "uint64";
      break;
    default:
      break;
    }

  guint64 v;
  gboolean type_ok;
  if (!node_get_integer (node, is_signed, min, max, umax, &v, &type_ok))
    return type_ok ? range_error (path, name, error) : type_error (path, "number", node, error);
  if (ntpmon_proto_json_element_size (field->type) == 4)
    *(guint32 *)member = (guint32)v;
  else
    *(guint64 *)member = v;
  return TRUE;
}

static gboolean
deserialize_value (const ProtobufCFieldDescriptor *field, JsonNode *node, const gchar *path,
                   void *member, GError **error)
{
  switch (field->type)
    {
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
      {
        double d;
        if (!node_get_double (node, &d))
          return type_error (path, "number", node, error);
        if (field->type == PROTOBUF_C_TYPE_DOUBLE)
          *(double *)member = d;
        else if (isfinite (d) && (d > G_MAXFLOAT || d < -G_MAXFLOAT))
          return range_error (path, "float", error);
        else
          *(float *)member = (float)d;
        return TRUE;
      }
    case PROTOBUF_C_TYPE_BOOL:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return type_error (path, "true or false", node, error);
      *(protobuf_c_boolean *)member = json_node_get_boolean (node) ? 1 : 0;
      return TRUE;
    case PROTOBUF_C_TYPE_ENUM:
      {
        if (node_is_string (node))
          {
            const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name (
                field->descriptor, json_node_get_string (node));
            if (ev == NULL)
              return range_error (path, "enum value name", error);
            *(int *)member = ev->value;
            return TRUE;
          }
        if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
          return type_error (path, "enum name or number", node, error);
        gint64 v = json_node_get_int (node);
        if (v < G_MININT32 || v > G_MAXINT32)
          return range_error (path, "enum number", error);
        *(int *)member = (int)v;
        return TRUE;
      }
    case PROTOBUF_C_TYPE_STRING:
      if (!node_is_string (node))
        return type_error (path, "string", node, error);
      *(char **)member = strdup (json_node_get_string (node));
      return TRUE;
    case PROTOBUF_C_TYPE_BYTES:
      {
        if (!node_is_string (node))
          return type_error (path, "base64 string", node, error);
        const gchar *s = json_node_get_string (node);
        gsize len;
        g_autofree guint8 *data = ntpmon_proto_base64_decode (s, strlen (s), &len, error);
        if (data == NULL)
          {
            g_prefix_error (error, "invalid value for field \"%s\": ", path);
            return FALSE;
          }
        ProtobufCBinaryData *b = member;
        b->data = len > 0 ? malloc (len) : NULL;
        if (len > 0)
          memcpy (b->data, data, len);
        b->len = len;
        return TRUE;
      }
    case PROTOBUF_C_TYPE_MESSAGE:
      {
        ProtobufCMessage *sub = deserialize_message (field->descriptor, node, path, error);
        if (sub == NULL)
          return FALSE;
        *(ProtobufCMessage **)member = sub;
        return TRUE;
      }
    default:
      return deserialize_integer (field, node, path, member, error);
    }
}

static gboolean
deserialize_repeated (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, JsonNode *node,
                      const gchar *path, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return type_error (path, "array", node, error);

  JsonArray *array = json_node_get_array (node);
  guint n = json_array_get_length (array);
  gsize size = ntpmon_proto_json_element_size (field->type);
  size_t *count = MEMBER (msg, field->quantifier_offset);
  guint8 *elements = n > 0 ? calloc (n, size) : NULL;

  if (n > 0 && elements == NULL)
    return range_error (path, "array (out of memory)", error);
  /* Grow the count as elements succeed so a failure frees only those. */
  *(void **)MEMBER (msg, field->offset) = elements;
  *count = 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *el = json_array_get_element (array, i);
      g_autofree gchar *el_path = g_strdup_printf ("%s[%u]", path, i);
      if (JSON_NODE_HOLDS_NULL (el))
        {
          g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                       "invalid value for field \"%s\": null is not allowed in a list", el_path);
          return FALSE;
        }
      if (!deserialize_value (field, el, el_path, elements + i * size, error))
        return FALSE;
      (*count)++;
    }
  return TRUE;
}

static gboolean
deserialize_well_known (ProtobufCMessage *msg, WellKnown wkt, JsonNode *node, const gchar *path,
                        GError **error)
{
  const ProtobufCMessageDescriptor *desc = msg->descriptor;
  gint64 seconds;
  gint32 nanos;

  if (!node_is_string (node))
    return type_error (path, wkt == WKT_TIMESTAMP ? "RFC 3339 string" : "duration string", node,
                       error);
  gboolean ok
      = wkt == WKT_TIMESTAMP
            ? ntpmon_proto_timestamp_parse (json_node_get_string (node), &seconds, &nanos, error)
            : ntpmon_proto_duration_parse (json_node_get_string (node), &seconds, &nanos, error);
  if (!ok)
    {
      g_prefix_error (error, "invalid value for field \"%s\": ", path);
      return FALSE;
    }
  *(gint64 *)MEMBER (msg, protobuf_c_message_descriptor_get_field_by_name (desc, "seconds")->offset)
      = seconds;
  *(gint32 *)MEMBER (msg, protobuf_c_message_descriptor_get_field_by_name (desc, "nanos")->offset)
      = nanos;
  return TRUE;
}

static const ProtobufCFieldDescriptor *
find_field (const ProtobufCMessageDescriptor *desc, const gchar *name)
{
  for (guint i = 0; i < desc->n_fields; i++)
    {
      g_autofree gchar *json_name = ntpmon_proto_json_name (&desc->fields[i]);
      if (g_str_equal (name, desc->fields[i].name) || g_str_equal (name, json_name))
        return &desc->fields[i];
    }
  return NULL;
}

static gboolean
deserialize_member (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, JsonNode *value,
                    const gchar *path, GError **error)
{
  void *member = MEMBER (msg, field->offset);

  if (JSON_NODE_HOLDS_NULL (value))
    return TRUE; /* null: the default value */
  if (field->label == PROTOBUF_C_LABEL_REPEATED)
    return deserialize_repeated (msg, field, value, path, error);
  if ((field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
      && *(const guint32 *)MEMBER (msg, field->quantifier_offset) != 0)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "field \"%s\": another field of the same oneof is already set", path);
      return FALSE;
    }

  /* The initializer may point a string at a shared default: let go of it. */
  if (field->type == PROTOBUF_C_TYPE_STRING)
    *(char **)member = NULL;
  if (!deserialize_value (field, value, path, member, error))
    {
      if (field->type == PROTOBUF_C_TYPE_STRING)
        *(const char **)member = field->default_value;
      return FALSE;
    }
  if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    *(guint32 *)MEMBER (msg, field->quantifier_offset) = field->id;
  else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_STRING
           && field->type != PROTOBUF_C_TYPE_MESSAGE)
    *(protobuf_c_boolean *)MEMBER (msg, field->quantifier_offset) = 1;
  return TRUE;
}

static ProtobufCMessage *
deserialize_message (const ProtobufCMessageDescriptor *desc, JsonNode *node, const gchar *path,
                     GError **error)
{
  WellKnown wkt = ntpmon_proto_json_well_known_of (desc);
  g_autofree gboolean *seen = NULL;

  if (wkt == WKT_NONE && !JSON_NODE_HOLDS_OBJECT (node))
    {
      type_error (*path ? path : "(message)", "object", node, error);
      return NULL;
    }

  ProtobufCMessage *msg = calloc (1, desc->sizeof_message);
  if (msg == NULL)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED, "out of memory");
      return NULL;
    }
  desc->message_init (msg);

  if (wkt != WKT_NONE)
    {
      if (!deserialize_well_known (msg, wkt, node, path, error))
        goto fail;
      return msg;
    }

  seen = g_new0 (gboolean, desc->n_fields + 1);
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &name, &value))
    {
      const ProtobufCFieldDescriptor *field = find_field (desc, name);
      if (field == NULL)
        continue; /* unknown fields are ignored */

      g_autofree gchar *field_path
          = *path ? g_strdup_printf ("%s.%s", path, field->name) : g_strdup (field->name);
      guint index = (guint)(field - desc->fields);
      if (seen[index])
        {
          g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                       "field \"%s\" given more than once", field_path);
          goto fail;
        }
      seen[index] = TRUE;
      if (!deserialize_member (msg, field, value, field_path, error))
        goto fail;
    }
  return msg;

fail:
  protobuf_c_message_free_unpacked (msg, NULL);
  return NULL;
}

ProtobufCMessage *
ntpmon_proto_json_deserialize (const ProtobufCMessageDescriptor *descriptor, JsonNode *node,
                               GError **error)
{
  g_return_val_if_fail (descriptor != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return deserialize_message (descriptor, node, "", error);
}

/* Deepest nesting of arrays and objects in JSON text, ignoring strings. */
static gsize
nesting_depth (const gchar *data, gsize length)
{
  gsize depth = 0, max = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      gchar c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '[' || c == '{') && ++depth > max)
        max = depth;
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return max;
}

JsonNode *
ntpmon_proto_json_parse (const gchar *data, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;

  if (length > G_MAXSSIZE || nesting_depth (data, length) > NTPMON_PROTO_JSON_MAX_DEPTH)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "invalid JSON: nested deeper than %d levels", NTPMON_PROTO_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize)length, &local_error))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT, "invalid JSON: %s",
                   local_error->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                           "invalid JSON: empty document");
      return NULL;
    }
  return json_node_ref (root);
}

ProtobufCMessage *
ntpmon_proto_json_from_data (const ProtobufCMessageDescriptor *descriptor, const gchar *data,
                             gsize length, GError **error)
{
  g_autoptr (JsonNode) root = ntpmon_proto_json_parse (data, length, error);

  if (root == NULL)
    return NULL;
  return ntpmon_proto_json_deserialize (descriptor, root, error);
}
