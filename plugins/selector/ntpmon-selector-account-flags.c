/* ntpmon-selector-account-flags.c: read `monitors_per_server_limit` (selector.md §4.4)
 *
 * The reference decodes the flags with a strict JSON decoder into a typed
 * record; any error (bad syntax, a known key with a value of the wrong type,
 * a non-integer or out-of-range number for an integer key) falls back to the
 * default. json-glib's parser is lenient (comments, single quotes, leading
 * zeros, silent integer wrap-around), so the text is first checked against
 * the JSON grammar and each top-level member's raw value is kept; json-glib
 * then decodes the member names and values.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ntpmon-selector-account-flags.h"

#define MAX_DEPTH 10000

typedef struct
{
  const gchar *p;
  const gchar *end;
  GPtrArray *members; /* alternating raw key, raw value (top-level object only) */
} Scan;

static gboolean scan_value (Scan *s, guint depth);

static void
skip_ws (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_string (Scan *s)
{
  if (s->p >= s->end || *s->p != '"')
    return FALSE;
  for (s->p++; s->p < s->end; s->p++)
    {
      guchar c = (guchar)*s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      if (c < 0x20)
        return FALSE;
      if (c == '\\')
        {
          s->p++;
          if (s->p >= s->end)
            return FALSE;
          if (*s->p == 'u')
            {
              for (guint i = 0; i < 4; i++)
                if (++s->p >= s->end || !g_ascii_isxdigit (*s->p))
                  return FALSE;
            }
          else if (strchr ("\"\\/bfnrt", *s->p) == NULL || *s->p == '\0')
            return FALSE;
        }
    }
  return FALSE;
}

static gboolean
scan_digits (Scan *s)
{
  const gchar *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
scan_number (Scan *s)
{
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_word (Scan *s, const gchar *word)
{
  gsize n = strlen (word);

  if ((gsize)(s->end - s->p) < n || strncmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

static gboolean
scan_container (Scan *s, guint depth, gboolean is_object)
{
  gchar close = is_object ? '}' : ']';

  s->p++;
  skip_ws (s);
  if (s->p < s->end && *s->p == close)
    {
      s->p++;
      return TRUE;
    }
  for (;;)
    {
      const gchar *key = NULL, *value;

      skip_ws (s);
      if (is_object)
        {
          key = s->p;
          if (!scan_string (s))
            return FALSE;
          if (depth == 1 && s->members != NULL)
            g_ptr_array_add (s->members, g_strndup (key, s->p - key));
          skip_ws (s);
          if (s->p >= s->end || *s->p != ':')
            return FALSE;
          s->p++;
          skip_ws (s);
        }
      value = s->p;
      if (!scan_value (s, depth))
        return FALSE;
      if (is_object && depth == 1 && s->members != NULL)
        g_ptr_array_add (s->members, g_strndup (value, s->p - value));
      skip_ws (s);
      if (s->p < s->end && *s->p == ',')
        {
          s->p++;
          continue;
        }
      if (s->p < s->end && *s->p == close)
        {
          s->p++;
          return TRUE;
        }
      return FALSE;
    }
}

static gboolean
scan_value (Scan *s, guint depth)
{
  if (s->p >= s->end)
    return FALSE;
  switch (*s->p)
    {
    case '{':
    case '[':
      if (depth >= MAX_DEPTH)
        return FALSE;
      return scan_container (s, depth + 1, *s->p == '{');
    case '"':
      return scan_string (s);
    case 't':
      return scan_word (s, "true");
    case 'f':
      return scan_word (s, "false");
    case 'n':
      return scan_word (s, "null");
    default:
      return scan_number (s);
    }
}

/* Decodes one JSON string token with json-glib. */
static gchar *
decode_key (const gchar *raw)
{
  g_autoptr (JsonNode) node = json_from_string (raw, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

/* Checks one known key's value; sets *value for the integer keys. */
static gboolean
check_member (const gchar *raw, gboolean integer, gboolean *has_value, gint64 *value,
              GError **error)
{
  g_autoptr (JsonNode) node = json_from_string (raw, NULL);

  *has_value = FALSE;
  if (node == NULL)
    goto wrong;
  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    goto wrong;
  if (!integer)
    {
      if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        goto wrong;
      return TRUE;
    }
  /* a plain integer literal within 64 bits */
  if (json_node_get_value_type (node) != G_TYPE_INT64
      || !g_ascii_string_to_signed (raw, 10, G_MININT64, G_MAXINT64, value, NULL))
    goto wrong;
  *has_value = TRUE;
  return TRUE;

wrong:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "value %s has the wrong type", raw);
  return FALSE;
}

static gboolean
parse_limit (const gchar *flags_json, gint64 *limit, GError **error)
{
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  Scan s = { flags_json, flags_json + strlen (flags_json), members };

  gchar first;

  skip_ws (&s);
  first = s.p < s.end ? *s.p : '\0';
  if (!scan_value (&s, 0) || (skip_ws (&s), s.p != s.end))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "account flags are not valid JSON near offset %d", (gint)(s.p - flags_json));
      return FALSE;
    }
  /* null decodes to nothing; any other non-object is the wrong type */
  if (first == 'n')
    return TRUE;
  if (first != '{')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "account flags are not a JSON object");
      return FALSE;
    }

  for (guint i = 0; i + 1 < members->len; i += 2)
    {
      g_autofree gchar *key = decode_key (members->pdata[i]);
      const gchar *raw = members->pdata[i + 1];
      gboolean has_value;
      gint64 value;

      if (key == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad member name %s",
                       (const gchar *)members->pdata[i]);
          return FALSE;
        }
      if (g_ascii_strcasecmp (key, "monitors_per_server_limit") == 0)
        {
          if (!check_member (raw, TRUE, &has_value, &value, error))
            return FALSE;
          if (has_value)
            *limit = value;
        }
      else if (g_ascii_strcasecmp (key, "monitor_limit") == 0)
        {
          if (!check_member (raw, TRUE, &has_value, &value, error))
            return FALSE;
        }
      else if (g_ascii_strcasecmp (key, "monitor_enabled") == 0)
        {
          if (!check_member (raw, FALSE, &has_value, &value, error))
            return FALSE;
        }
    }
  return TRUE;
}

/**
 * ntpmon_selector_account_flags_limit:
 * @flags_json: (nullable): `accounts.flags`
 * @error: set (only as information) when the flags could not be decoded
 *
 * Returns: X, the account's per-server monitor limit; the default (2) when the
 * flags are NULL, undecodable, or the value is missing, zero or negative.
 * The default is returned even when @error is set: bad flags are not fatal.
 */
gint64
ntpmon_selector_account_flags_limit (const gchar *flags_json, GError **error)
{
  gint64 limit = 0;

  if (flags_json == NULL)
    return NTPMON_SELECTOR_DEFAULT_ACCOUNT_LIMIT;
  if (!parse_limit (flags_json, &limit, error))
    return NTPMON_SELECTOR_DEFAULT_ACCOUNT_LIMIT;
  return limit > 0 ? limit : NTPMON_SELECTOR_DEFAULT_ACCOUNT_LIMIT;
}
