/* ntpmon-state-json.c: state.json as the reference agent writes and reads it
 *
 * SPDX-License-Identifier: MIT
 *
 * Written like Go's encoding/json MarshalIndent (two spaces, ": ", `<`, `>`
 * and `&` escaped as \u003c etc., no trailing newline); DataSha hashes the
 * compact form of Data. Read leniently like Go's Unmarshal: keys in any
 * case, unknown keys ignored, absent or null members keep their value.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "ntpmon-state-private.h"

void
ntpmon_state_ip_clear (NtpmonStateIp *ip)
{
  g_clear_pointer (&ip->status, g_free);
  g_clear_pointer (&ip->ip, g_free);
}

/* --- JSON writing, byte for byte as Go's encoding/json ---------------- */

static void
append_json_string (GString *out, const gchar *s)
{
  static const gchar hex[] = "0123456789abcdef";
  const gchar *p = s != NULL ? s : "";

  g_string_append_c (out, '"');
  while (*p != '\0')
    {
      guchar c = (guchar)*p;
      gunichar u;

      if (c < 0x80)
        {
          if (c == '"' || c == '\\')
            g_string_append_c (out, '\\'), g_string_append_c (out, c);
          else if (c == '\n')
            g_string_append (out, "\\n");
          else if (c == '\r')
            g_string_append (out, "\\r");
          else if (c == '\t')
            g_string_append (out, "\\t");
          else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            g_string_append_printf (out, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
          else
            g_string_append_c (out, c);
          p++;
          continue;
        }
      u = g_utf8_get_char_validated (p, -1);
      if (u == (gunichar)-1 || u == (gunichar)-2)
        {
          g_string_append (out, "\\ufffd");
          p++;
          continue;
        }
      if (u == 0x2028 || u == 0x2029)
        g_string_append_printf (out, "\\u%04x", u);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  g_string_append_c (out, '"');
}

/* A tiny writer for the fixed shape of state.json: @indent < 0 writes
 * compact JSON, otherwise MarshalIndent style with two spaces. */
typedef struct
{
  GString *out;
  gint indent;
  gint depth;
  gboolean first;
} Writer;

static void
writer_newline (Writer *w)
{
  if (w->indent < 0)
    return;
  g_string_append_c (w->out, '\n');
  for (gint i = 0; i < w->depth * w->indent; i++)
    g_string_append_c (w->out, ' ');
}

static void
writer_key (Writer *w, const gchar *key)
{
  if (!w->first)
    g_string_append_c (w->out, ',');
  w->first = FALSE;
  writer_newline (w);
  append_json_string (w->out, key);
  g_string_append (w->out, w->indent < 0 ? ":" : ": ");
}

static void
writer_begin (Writer *w, const gchar *key)
{
  if (key != NULL)
    writer_key (w, key);
  g_string_append_c (w->out, '{');
  w->depth++;
  w->first = TRUE;
}

static void
writer_end (Writer *w)
{
  w->depth--;
  if (!w->first)
    writer_newline (w);
  g_string_append_c (w->out, '}');
  w->first = FALSE;
}

static void
writer_string (Writer *w, const gchar *key, const gchar *value)
{
  writer_key (w, key);
  if (value == NULL)
    g_string_append (w->out, "null");
  else
    append_json_string (w->out, value);
}

static void
write_ip (Writer *w, const gchar *key, const NtpmonStateIp *ip)
{
  writer_begin (w, key);
  writer_string (w, "Status", ip->status);
  writer_string (w, "IP", ip->ip);
  writer_end (w);
}

static void
write_data (NtpmonState *self, Writer *w)
{
  writer_begin (w, w->depth == 0 ? NULL : "Data");
  writer_string (w, "Name", self->name);
  writer_string (w, "TLSName", self->tls_name);
  write_ip (w, "IPv4", &self->ipv4);
  write_ip (w, "IPv6", &self->ipv6);
  writer_string (w, "OtlpLogLevel", self->otlp_log_level);
  writer_end (w);
}

/**
 * ntpmon_state_compute_data_sha:
 *
 * Returns: the lowercase hex SHA-256 of the compact JSON of Data
 */
gchar *
ntpmon_state_compute_data_sha (NtpmonState *self)
{
  g_autoptr (GString) out = g_string_new (NULL);
  Writer w = { out, -1, 0, TRUE };

  write_data (self, &w);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)out->str, out->len);
}

/**
 * ntpmon_state_to_json:
 *
 * Returns: state.json as the reference agent writes it
 */
gchar *
ntpmon_state_to_json (NtpmonState *self)
{
  GString *out = g_string_new (NULL);
  Writer w = { out, 2, 0, TRUE };

  writer_begin (&w, NULL);
  writer_begin (&w, "API");
  writer_string (&w, "APIKey", self->api_key);
  writer_end (&w);
  write_data (self, &w);
  writer_string (&w, "DataSha", self->data_sha);
  writer_end (&w);
  return g_string_free (out, FALSE);
}

/* --- JSON reading ------------------------------------------------------ */

/* The member of @object named @key ignoring ASCII case (the last one if
 * several match, as a later key overrides an earlier one in Go). */
static JsonNode *
member (JsonObject *object, const gchar *key)
{
  g_autoptr (GList) members = json_object_get_members (object);
  JsonNode *found = NULL;

  for (GList *l = members; l != NULL; l = l->next)
    if (g_ascii_strcasecmp (l->data, key) == 0)
      found = json_object_get_member (object, l->data);
  return found;
}

typedef struct
{
  const gchar *origin;
  GError **error;
} ParseCtx;

static gboolean
bad_type (ParseCtx *ctx, const gchar *field, const gchar *expected)
{
  g_set_error (ctx->error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE, _ ("%s: %s must be %s"),
               ctx->origin, field, expected);
  return FALSE;
}

/* Sets *@value from a string member; null or absent leaves it alone. */
static gboolean
get_string (ParseCtx *ctx, JsonObject *object, const gchar *key, const gchar *field, gchar **value)
{
  JsonNode *node = object != NULL ? member (object, key) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad_type (ctx, field, _ ("a string"));
  g_free (*value);
  *value = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* Sets *@object to the member's object; null or absent gives NULL. */
static gboolean
get_object (ParseCtx *ctx, JsonObject *parent, const gchar *key, const gchar *field,
            JsonObject **object)
{
  JsonNode *node = parent != NULL ? member (parent, key) : NULL;

  *object = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad_type (ctx, field, _ ("an object"));
  *object = json_node_get_object (node);
  return TRUE;
}

static gboolean
get_ip (ParseCtx *ctx, JsonObject *data, const gchar *key, NtpmonStateIp *ip)
{
  g_autofree gchar *object_field = g_strdup_printf ("Data.%s", key);
  g_autofree gchar *status_field = g_strdup_printf ("Data.%s.Status", key);
  g_autofree gchar *ip_field = g_strdup_printf ("Data.%s.IP", key);
  JsonObject *object;
  JsonNode *node;
  g_autoptr (GInetAddress) address = NULL;

  if (!get_object (ctx, data, key, object_field, &object))
    return FALSE;
  if (object == NULL)
    return TRUE;
  if (!get_string (ctx, object, "Status", status_field, &ip->status))
    return FALSE;
  node = member (object, "IP");
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_clear_pointer (&ip->ip, g_free);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return bad_type (ctx, ip_field, _ ("a string or null"));
  g_clear_pointer (&ip->ip, g_free);
  if (*json_node_get_string (node) == '\0')
    return TRUE;
  address = g_inet_address_new_from_string (json_node_get_string (node));
  if (address == NULL)
    {
      g_set_error (ctx->error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE,
                   _ ("%s: %s \"%s\" is not an IP address"), ctx->origin, ip_field,
                   json_node_get_string (node));
      return FALSE;
    }
  ip->ip = g_inet_address_to_string (address);
  return TRUE;
}

void
ntpmon_state_ip_copy (NtpmonStateIp *to, const NtpmonStateIp *from)
{
  ntpmon_state_ip_clear (to);
  to->status = g_strdup (from->status);
  to->ip = g_strdup (from->ip);
}

/**
 * ntpmon_state_parse:
 * @origin: what to name in errors, e.g. the file's path
 *
 * Applies a state.json document to the state in memory. Either all of it
 * is applied or, on error, nothing.
 */
gboolean
ntpmon_state_parse (NtpmonState *self, const gchar *json, gssize length, const gchar *origin,
                    GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  ParseCtx ctx = { origin, error };
  JsonNode *root;
  JsonObject *top, *api, *data;
  g_autofree gchar *api_key = g_strdup (self->api_key);
  g_autofree gchar *name = g_strdup (self->name);
  g_autofree gchar *tls_name = g_strdup (self->tls_name);
  g_autofree gchar *otlp = g_strdup (self->otlp_log_level);
  g_autofree gchar *sha = g_strdup (self->data_sha);
  NtpmonStateIp v4 = { 0 }, v6 = { 0 };
  gboolean ok;
  gsize len = length < 0 ? strlen (json) : (gsize)length;
  g_autofree gchar *stripped = g_strstrip (g_strndup (json, len));

  if (stripped[0] == '\0' && memchr (json, '\0', len) == NULL)
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE, _ ("%s: file is empty"),
                   origin);
      return FALSE;
    }
  if (memchr (json, '\0', len) != NULL)
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE,
                   _ ("%s: invalid JSON: contains a NUL byte"), origin);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, json, len, &local))
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE, _ ("%s: invalid JSON: %s"),
                   origin, local->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_HOLDS_NULL (root))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return bad_type (&ctx, _ ("the top level"), _ ("an object"));
  top = json_node_get_object (root);

  ntpmon_state_ip_copy (&v4, &self->ipv4);
  ntpmon_state_ip_copy (&v6, &self->ipv6);
  ok = get_object (&ctx, top, "API", "API", &api)
       && get_string (&ctx, api, "APIKey", "API.APIKey", &api_key)
       && get_object (&ctx, top, "Data", "Data", &data)
       && get_string (&ctx, data, "Name", "Data.Name", &name)
       && get_string (&ctx, data, "TLSName", "Data.TLSName", &tls_name)
       && get_ip (&ctx, data, "IPv4", &v4) && get_ip (&ctx, data, "IPv6", &v6)
       && get_string (&ctx, data, "OtlpLogLevel", "Data.OtlpLogLevel", &otlp)
       && get_string (&ctx, top, "DataSha", "DataSha", &sha);
  if (ok)
    {
      g_free (self->api_key);
      self->api_key = g_steal_pointer (&api_key);
      g_free (self->name);
      self->name = g_steal_pointer (&name);
      g_free (self->tls_name);
      self->tls_name = g_steal_pointer (&tls_name);
      g_free (self->otlp_log_level);
      self->otlp_log_level = g_steal_pointer (&otlp);
      g_free (self->data_sha);
      self->data_sha = g_steal_pointer (&sha);
      ntpmon_state_ip_copy (&self->ipv4, &v4);
      ntpmon_state_ip_copy (&self->ipv6, &v6);
    }
  ntpmon_state_ip_clear (&v4);
  ntpmon_state_ip_clear (&v6);
  return ok;
}
