/* ntpmon-score-attributes.c: the `log_scores.attributes` JSON document
 *
 * Decoding uses json-glib. Encoding is written out here because the bytes
 * must equal the reference's (spec/scorer.md §10): a fixed key order and
 * Go's string escaping (`<`, `>`, `&`, U+2028/U+2029 and invalid UTF-8
 * are escaped), which json-glib's generator does not produce.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-attributes.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ntpmon-score-error.h"

void
ntpmon_score_attributes_clear (NtpmonScoreAttributes *attrs)
{
  g_clear_pointer (&attrs->error, g_free);
  g_clear_pointer (&attrs->warning, g_free);
  memset (attrs, 0, sizeof *attrs);
}

static void
append_escape (GString *out, gunichar c)
{
  g_string_append_printf (out, "\\u%04x", c);
}

/**
 * ntpmon_score_json_append_string:
 *
 * Appends @s as a JSON string literal with Go encoding/json's escaping.
 */
void
ntpmon_score_json_append_string (GString *out, const gchar *s)
{
  const gchar *p = s;
  const gchar *end = s + strlen (s);

  g_string_append_c (out, '"');
  while (p < end)
    {
      guchar b = (guchar)*p;
      gunichar c;

      if (b < 0x80)
        {
          switch (b)
            {
            case '"':
              g_string_append (out, "\\\"");
              break;
            case '\\':
              g_string_append (out, "\\\\");
              break;
            case '\n':
              g_string_append (out, "\\n");
              break;
            case '\r':
              g_string_append (out, "\\r");
              break;
            case '\t':
              g_string_append (out, "\\t");
              break;
            case '\b':
              g_string_append (out, "\\b");
              break;
            case '\f':
              g_string_append (out, "\\f");
              break;
            case '<':
            case '>':
            case '&':
              append_escape (out, b);
              break;
            default:
              if (b < 0x20)
                append_escape (out, b);
              else
                g_string_append_c (out, (gchar)b);
            }
          p++;
          continue;
        }
      c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar)-1 || c == (gunichar)-2)
        {
          g_string_append (out, "\\ufffd");
          p++;
          continue;
        }
      if (c == 0x2028 || c == 0x2029)
        append_escape (out, c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  g_string_append_c (out, '"');
}

static void
append_key (GString *out, const gchar *key)
{
  if (out->len > 1)
    g_string_append_c (out, ',');
  g_string_append_printf (out, "\"%s\":", key);
}

/**
 * ntpmon_score_attributes_encode:
 *
 * Returns: (transfer full): compact JSON, keys in the order of §10, zero
 *   values left out (`{}` when all are zero)
 */
gchar *
ntpmon_score_attributes_encode (const NtpmonScoreAttributes *attrs)
{
  GString *out = g_string_new ("{");

  if (attrs->leap != 0)
    {
      append_key (out, "leap");
      g_string_append_printf (out, "%d", attrs->leap);
    }
  if (attrs->stratum != 0)
    {
      append_key (out, "stratum");
      g_string_append_printf (out, "%d", attrs->stratum);
    }
  if (attrs->no_response)
    {
      append_key (out, "no_response");
      g_string_append (out, "true");
    }
  if (attrs->error != NULL && attrs->error[0] != '\0')
    {
      append_key (out, "error");
      ntpmon_score_json_append_string (out, attrs->error);
    }
  if (attrs->warning != NULL && attrs->warning[0] != '\0')
    {
      append_key (out, "warning");
      ntpmon_score_json_append_string (out, attrs->warning);
    }
  if (attrs->from_ls_id != 0)
    {
      append_key (out, "from_ls_id");
      g_string_append_printf (out, "%" G_GINT64_FORMAT, attrs->from_ls_id);
    }
  if (attrs->from_ss_id != 0)
    {
      append_key (out, "from_ss_id");
      g_string_append_printf (out, "%" G_GINT64_FORMAT, attrs->from_ss_id);
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

typedef enum
{
  FIELD_LEAP,
  FIELD_STRATUM,
  FIELD_NO_RESPONSE,
  FIELD_ERROR,
  FIELD_WARNING,
  FIELD_FROM_LS_ID,
  FIELD_FROM_SS_ID,
  N_FIELDS
} Field;

static const gchar *const field_names[N_FIELDS] = {
  "leap", "stratum", "no_response", "error", "warning", "from_ls_id", "from_ss_id",
};

/* Exact match first, then a case-insensitive one (Unicode upper-casing). */
static gint
find_field (const gchar *key)
{
  g_autofree gchar *upper = NULL;

  for (gint i = 0; i < N_FIELDS; i++)
    if (strcmp (key, field_names[i]) == 0)
      return i;
  if (!g_utf8_validate (key, -1, NULL))
    return -1;
  upper = g_utf8_strup (key, -1);
  for (gint i = 0; i < N_FIELDS; i++)
    {
      g_autofree gchar *name = g_ascii_strup (field_names[i], -1);

      if (strcmp (upper, name) == 0)
        return i;
    }
  return -1;
}

static gboolean
type_error (const gchar *key, const gchar *want, GError **error)
{
  g_set_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES,
               "attributes: field \"%s\" is not %s", key, want);
  return FALSE;
}

static gboolean
get_int (JsonNode *node, const gchar *key, gint64 min, gint64 max, gint64 *out, GError **error)
{
  gint64 v;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return type_error (key, "an integer", error);
  v = json_node_get_int (node);
  if (v < min || v > max)
    return type_error (key, "in range", error);
  *out = v;
  return TRUE;
}

static gboolean
get_string (JsonNode *node, const gchar *key, gchar **out, GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return type_error (key, "a string", error);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
set_field (NtpmonScoreAttributes *attrs, Field field, const gchar *key, JsonNode *node,
           GError **error)
{
  gint64 v = 0;

  switch (field)
    {
    case FIELD_LEAP:
    case FIELD_STRATUM:
      if (!get_int (node, key, G_MININT8, G_MAXINT8, &v, error))
        return FALSE;
      if (field == FIELD_LEAP)
        attrs->leap = (gint8)v;
      else
        attrs->stratum = (gint8)v;
      return TRUE;
    case FIELD_NO_RESPONSE:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return type_error (key, "a boolean", error);
      attrs->no_response = json_node_get_boolean (node);
      return TRUE;
    case FIELD_ERROR:
      return get_string (node, key, &attrs->error, error);
    case FIELD_WARNING:
      return get_string (node, key, &attrs->warning, error);
    case FIELD_FROM_LS_ID:
    case FIELD_FROM_SS_ID:
      if (!get_int (node, key, G_MININT64, G_MAXINT64, &v, error))
        return FALSE;
      if (field == FIELD_FROM_LS_ID)
        attrs->from_ls_id = v;
      else
        attrs->from_ss_id = v;
      return TRUE;
    case N_FIELDS:
    default:
      break;
    }
  g_assert_not_reached ();
}

/**
 * ntpmon_score_attributes_decode:
 * @attrs: (out caller-allocates): zeroed first; clear with
 *   ntpmon_score_attributes_clear() even on failure
 *
 * Decodes an attributes document as the reference does: unknown keys are
 * ignored, keys match case-insensitively, `null` leaves a field alone, a
 * top-level `null` gives all zeros; empty or malformed input, non-integer
 * or out-of-range numbers and wrong JSON types are errors.
 */
gboolean
ntpmon_score_attributes_decode (const gchar *json, NtpmonScoreAttributes *attrs, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GList) members = NULL;
  JsonObject *object;
  JsonNode *root;

  memset (attrs, 0, sizeof *attrs);
  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    {
      g_set_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES,
                   "attributes: %s", local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES,
                           "attributes: empty document");
      return FALSE;
    }
  if (JSON_NODE_HOLDS_NULL (root))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES,
                           "attributes: not a JSON object");
      return FALSE;
    }
  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *key = l->data;
      JsonNode *node = json_object_get_member (object, key);
      gint field = find_field (key);

      if (field < 0 || JSON_NODE_HOLDS_NULL (node))
        continue;
      if (!set_field (attrs, field, key, node, error))
        return FALSE;
    }
  return TRUE;
}
