/* ntpmon-db-schema.c: split an SQL script into statements and load it
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-db-error.h"
#include "ntpmon-db-schema.h"
#include "ntpmon-db-stmt.h"

static void
statement_free (gpointer p)
{
  NtpmonDbSqlStatement *st = p;

  g_free (st->sql);
  g_free (st);
}

typedef struct
{
  GPtrArray *out;
  GString *cur;
  gboolean has_content;
  guint start_line;
} Splitter;

static void
splitter_content (Splitter *s, guint line)
{
  if (!s->has_content)
    {
      s->has_content = TRUE;
      s->start_line = line;
      g_string_truncate (s->cur, 0);
    }
}

static void
splitter_flush (Splitter *s)
{
  NtpmonDbSqlStatement *st;

  if (s->has_content)
    {
      st = g_new0 (NtpmonDbSqlStatement, 1);
      while (s->cur->len > 0 && g_ascii_isspace (s->cur->str[s->cur->len - 1]))
        g_string_truncate (s->cur, s->cur->len - 1);
      st->sql = g_strdup (s->cur->str);
      st->line = s->start_line;
      g_ptr_array_add (s->out, st);
    }
  g_string_truncate (s->cur, 0);
  s->has_content = FALSE;
}

/* Copies a quoted string, identifier or executable comment starting at
 * *p; returns FALSE when it is not terminated. */
static gboolean
copy_quoted (Splitter *s, const gchar **p, guint *line, const gchar *close, gboolean backslash)
{
  const gchar *q = *p;
  gsize close_len = strlen (close);
  gsize open_len = close_len == 2 ? 2 : 1;

  g_string_append_len (s->cur, q, open_len);
  q += open_len;
  while (*q != '\0')
    {
      if (*q == '\n')
        (*line)++;
      if (backslash && *q == '\\' && q[1] != '\0')
        {
          if (q[1] == '\n')
            (*line)++;
          g_string_append_len (s->cur, q, 2);
          q += 2;
          continue;
        }
      if (strncmp (q, close, close_len) == 0)
        {
          /* a doubled quote character stands for itself */
          if (close_len == 1 && q[1] == close[0])
            {
              g_string_append_len (s->cur, q, 2);
              q += 2;
              continue;
            }
          g_string_append_len (s->cur, q, close_len);
          *p = q + close_len;
          return TRUE;
        }
      g_string_append_c (s->cur, *q++);
    }
  *p = q;
  return FALSE;
}

/**
 * ntpmon_db_split_sql:
 * @script: SQL statements separated by `;`
 *
 * Splits a script (as mysqldump and schema files are written) into
 * statements: `;` inside quotes, backticks and comments does not end a
 * statement; `--`, `#` and plain block comments are dropped; executable
 * comments (`/` `*!...*` `/`) are kept. `DELIMITER` is not supported.
 *
 * Returns: (transfer full) (element-type NtpmonDbSqlStatement): the statements
 */
GPtrArray *
ntpmon_db_split_sql (const gchar *script, GError **error)
{
  Splitter s
      = { .out = g_ptr_array_new_with_free_func (statement_free), .cur = g_string_new (NULL) };
  const gchar *p = script;
  guint line = 1;

  while (*p != '\0')
    {
      guint start = line;

      if (*p == '\'' || *p == '"' || *p == '`' || strncmp (p, "/*!", 3) == 0
          || strncmp (p, "/*M!", 4) == 0)
        {
          gchar close[3] = { *p, '\0', '\0' };
          if (*p == '/')
            memcpy (close, "*/", 2);
          splitter_content (&s, line);
          if (!copy_quoted (&s, &p, &line, close, *p == '\'' || *p == '"'))
            {
              g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA,
                           "line %u: %s not terminated", start,
                           close[0] == '*' ? "comment" : "quoted text");
              goto fail;
            }
        }
      else if (*p == '#'
               || (p[0] == '-' && p[1] == '-' && (p[2] == '\0' || g_ascii_isspace (p[2]))))
        {
          p += strcspn (p, "\n");
        }
      else if (p[0] == '/' && p[1] == '*')
        {
          const gchar *end = strstr (p + 2, "*/");
          if (end == NULL)
            {
              g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA,
                           "line %u: comment not terminated", start);
              goto fail;
            }
          for (const gchar *q = p; q < end; q++)
            line += *q == '\n';
          g_string_append_c (s.cur, ' ');
          p = end + 2;
        }
      else if (*p == ';')
        {
          splitter_flush (&s);
          p++;
        }
      else
        {
          if (*p == '\n')
            line++;
          if (!g_ascii_isspace (*p))
            splitter_content (&s, line);
          if (s.has_content)
            g_string_append_c (s.cur, *p);
          p++;
        }
    }
  splitter_flush (&s);
  g_string_free (s.cur, TRUE);
  return s.out;

fail:
  g_string_free (s.cur, TRUE);
  g_ptr_array_unref (s.out);
  return NULL;
}

static gboolean
check_empty_database (NtpmonDbConn *conn, GError **error)
{
  g_autoptr (NtpmonDbStmt) stmt = NULL;
  g_autofree gchar *name = NULL;
  gint64 tables;

  stmt = ntpmon_db_conn_query (conn,
                               "SELECT DATABASE(), (SELECT COUNT(*) FROM information_schema.tables"
                               " WHERE table_schema = DATABASE())",
                               error, "");
  if (stmt == NULL || !ntpmon_db_stmt_fetch_one (stmt, error))
    return FALSE;
  name = ntpmon_db_stmt_dup_text (stmt, 0);
  tables = ntpmon_db_stmt_get_int (stmt, 1);
  if (name == NULL)
    {
      g_set_error_literal (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA,
                           "no database selected (the DSN names none)");
      return FALSE;
    }
  if (tables > 0)
    {
      g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA,
                   "database “%s” is not empty (%" G_GINT64_FORMAT " tables); the schema is "
                   "loaded only into an empty database",
                   name, tables);
      return FALSE;
    }
  return TRUE;
}

/**
 * ntpmon_db_load_sql:
 * @name: the script's name for error messages
 *
 * Runs every statement of @script in order; stops at the first error,
 * which names the line of the failing statement.
 */
gboolean
ntpmon_db_load_sql (NtpmonDbConn *conn, const gchar *name, const gchar *script, GError **error)
{
  g_autoptr (GPtrArray) statements = ntpmon_db_split_sql (script, error);

  if (statements == NULL)
    {
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
  for (guint i = 0; i < statements->len; i++)
    {
      NtpmonDbSqlStatement *st = g_ptr_array_index (statements, i);

      if (!ntpmon_db_conn_exec_direct (conn, st->sql, error))
        {
          g_prefix_error (error, "%s line %u: ", name, st->line);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * ntpmon_db_load_schema:
 * @path: the schema file (data/schema.sql)
 *
 * Loads the schema into the connection's database, which must be empty.
 */
gboolean
ntpmon_db_load_schema (NtpmonDbConn *conn, const gchar *path, GError **error)
{
  g_autofree gchar *script = NULL;
  g_autofree gchar *name = g_path_get_basename (path);
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (path, &script, NULL, &local))
    {
      g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA, "cannot read the schema: %s",
                   local->message);
      return FALSE;
    }
  if (!check_empty_database (conn, error))
    return FALSE;
  return ntpmon_db_load_sql (conn, name, script, error);
}
