/* ntpmon-log.c: structured logging to stderr (logfmt) or the journal
 *
 * SPDX-License-Identifier: MIT
 *
 * Records go to the journal with their priority when stderr is connected to
 * it (JOURNAL_STREAM matches stderr), otherwise to stderr as
 * `time=… level=INFO msg="…" key=value …`, without the time under systemd.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <unistd.h>

#include "ntpmon-log.h"

static GLogLevelFlags max_level = G_LOG_LEVEL_INFO;
static gboolean to_journal;
static gboolean with_time = TRUE;
static GPtrArray *context_fields; /* "key=value" strings added to every record */

G_LOCK_DEFINE_STATIC (log_lock);

/**
 * ntpmon_log_parse_level:
 * @name: `debug`, `info`, `warn` or `error` (case-insensitive; `warning` too)
 */
gboolean
ntpmon_log_parse_level (const gchar *name, GLogLevelFlags *level, GError **error)
{
  static const struct
  {
    const gchar *name;
    GLogLevelFlags level;
  } levels[] = {
    { "debug", G_LOG_LEVEL_DEBUG },    { "info", G_LOG_LEVEL_INFO },
    { "warn", G_LOG_LEVEL_WARNING },   { "warning", G_LOG_LEVEL_WARNING },
    { "error", G_LOG_LEVEL_CRITICAL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (name != NULL && g_ascii_strcasecmp (name, levels[i].name) == 0)
      {
        *level = levels[i].level;
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _ ("invalid log level \"%s\": unknown level (valid: debug, info, warn, error)"),
               name != NULL ? name : "");
  return FALSE;
}

static gint
level_rank (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return 0;
  if (level & G_LOG_LEVEL_WARNING)
    return 1;
  if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return 2;
  return 3;
}

static const gchar *
level_name (GLogLevelFlags level)
{
  static const gchar *const names[] = { "ERROR", "WARN", "INFO", "DEBUG" };
  return names[level_rank (level)];
}

static void
append_value (GString *out, const gchar *value, gssize length)
{
  gboolean quote = length == 0;
  gsize len = length < 0 ? strlen (value) : (gsize)length;

  for (gsize i = 0; i < len && !quote; i++)
    quote = value[i] == ' ' || value[i] == '"' || value[i] == '=' || (guchar)value[i] < 0x20;
  if (!quote)
    {
      g_string_append_len (out, value, len);
      return;
    }
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (value[i] == '"' || value[i] == '\\')
        g_string_append_c (out, '\\');
      if (value[i] == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, value[i]);
    }
  g_string_append_c (out, '"');
}

static gboolean
is_internal_field (const gchar *key)
{
  return g_str_equal (key, "MESSAGE") || g_str_equal (key, "PRIORITY")
         || g_str_equal (key, "GLIB_OLD_LOG_API") || g_str_has_prefix (key, "CODE_");
}

/**
 * ntpmon_log_format:
 *
 * Returns: (transfer full): one logfmt line (no newline) for a record
 */
gchar *
ntpmon_log_format (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gboolean add_time)
{
  GString *out = g_string_new (NULL);
  const gchar *message = "";
  gssize message_len = -1;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        message = fields[i].value;
        message_len = fields[i].length;
      }
  if (add_time)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      g_autofree gchar *stamp = g_date_time_format (now, "%FT%T.%f%:z");

      /* millisecond precision: cut "%f" microseconds to three digits */
      g_string_append_printf (out, "time=%.23s%s ", stamp, stamp + 26);
    }
  g_string_append_printf (out, "level=%s msg=", level_name (level));
  append_value (out, message, message_len);
  for (guint i = 0; context_fields != NULL && i < context_fields->len; i++)
    g_string_append_printf (out, " %s", (const gchar *)g_ptr_array_index (context_fields, i));
  for (gsize i = 0; i < n_fields; i++)
    {
      g_autofree gchar *key = NULL;

      if (is_internal_field (fields[i].key) || fields[i].length < -1)
        continue;
      if (fields[i].key[0] == '\0' || fields[i].length != -1)
        continue; /* binary fields are for the journal only */
      key = g_ascii_strdown (fields[i].key, -1);
      g_string_append_printf (out, " %s=", g_str_equal (key, "glib_domain") ? "domain" : key);
      append_value (out, fields[i].value, -1);
    }
  return g_string_free (out, FALSE);
}

/**
 * ntpmon_log_priority:
 *
 * Returns: the syslog priority of a GLib level as the reference agent
 *   writes it to the journal: error 3, warn 4, info 6, debug 7
 */
gint
ntpmon_log_priority (GLogLevelFlags level)
{
  static const gint priorities[] = { 3, 4, 6, 7 };
  return priorities[level_rank (level)];
}

/* The journal record with PRIORITY set the reference's way (GLib would
 * file g_message() as notice, 5). */
static GLogWriterOutput
write_journal (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree GLogField *copy = g_new (GLogField, n_fields + 1);
  gchar priority[2] = { (gchar)('0' + ntpmon_log_priority (level)), '\0' };
  gsize n = 0;

  for (gsize i = 0; i < n_fields; i++)
    if (!g_str_equal (fields[i].key, "PRIORITY"))
      copy[n++] = fields[i];
  copy[n++] = (GLogField){ "PRIORITY", priority, -1 };
  return g_log_writer_journald (level, copy, n, user_data);
}

static GLogWriterOutput
writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree gchar *line = NULL;

  if (level_rank (level) > level_rank (max_level))
    return G_LOG_WRITER_HANDLED;
  if (to_journal && write_journal (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  line = ntpmon_log_format (level, fields, n_fields, with_time);
  G_LOCK (log_lock);
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  G_UNLOCK (log_lock);
  return G_LOG_WRITER_HANDLED;
}

/**
 * ntpmon_log_setup:
 * @level: the most verbose level written
 *
 * Installs the program's log writer. Messages below @level are dropped;
 * `DEBUG_INVOCATION` (systemd's debug restart) forces debug.
 */
void
ntpmon_log_setup (GLogLevelFlags level)
{
  to_journal = g_log_writer_is_journald (fileno (stderr));
  with_time = g_getenv ("INVOCATION_ID") == NULL;
  ntpmon_log_set_level (level);
  g_log_set_writer_func (writer, NULL, NULL);
}

void
ntpmon_log_set_level (GLogLevelFlags level)
{
  max_level = g_getenv ("DEBUG_INVOCATION") != NULL ? G_LOG_LEVEL_DEBUG : level;
  if (max_level == G_LOG_LEVEL_DEBUG)
    g_log_set_debug_enabled (TRUE);
}

/**
 * ntpmon_log_add_field:
 *
 * Adds `key=value` to every later stderr record (e.g. `env=test`).
 */
void
ntpmon_log_add_field (const gchar *key, const gchar *value)
{
  GString *field = g_string_new (key);

  g_string_append_c (field, '=');
  append_value (field, value, -1);
  if (context_fields == NULL)
    context_fields = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (context_fields, g_string_free (field, FALSE));
}
