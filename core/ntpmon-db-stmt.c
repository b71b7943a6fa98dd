/* ntpmon-db-stmt.c: prepared statement with typed parameters and rows
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errmsg.h>
#include <string.h>

#include "ntpmon-db-private.h"

typedef union
{
  long long i;
  double d;
  MYSQL_TIME t;
} Value;

typedef struct
{
  enum enum_field_types type;
  my_bool is_unsigned;
  my_bool is_null;
  Value v;
  gchar *buf;
  unsigned long len;
} Param;

typedef enum
{
  COL_INT,
  COL_DOUBLE,
  COL_TIME,
  COL_STRING,
} ColumnKind;

typedef struct
{
  ColumnKind kind;
  my_bool is_unsigned;
  my_bool is_null;
  my_bool truncated;
  unsigned long length;
  Value v;
  gchar *buf;
  gsize buf_size;
  gchar *scratch; /* text form of a non-string value */
  gchar *name;
} Column;

struct _NtpmonDbStmt
{
  NtpmonDbConn *conn;
  MYSQL_STMT *stmt;
  gchar *sql;
  guint generation;
  GArray *params;
  Column *columns;
  MYSQL_BIND *result_binds;
  guint n_columns;
  gboolean has_row;
};

static void
param_clear (gpointer p)
{
  g_free (((Param *)p)->buf);
}

NtpmonDbStmt *
_ntpmon_db_stmt_new (NtpmonDbConn *conn, MYSQL_STMT *stmt, const gchar *sql)
{
  NtpmonDbStmt *self = g_new0 (NtpmonDbStmt, 1);

  self->conn = conn;
  self->stmt = stmt;
  self->sql = g_strdup (sql);
  self->generation = conn->generation;
  self->params = g_array_sized_new (FALSE, TRUE, sizeof (Param),
                                    stmt != NULL ? (guint)mysql_stmt_param_count (stmt) : 0);
  g_array_set_clear_func (self->params, param_clear);
  return self;
}

static void
clear_result (NtpmonDbStmt *self)
{
  for (guint i = 0; i < self->n_columns; i++)
    {
      g_free (self->columns[i].buf);
      g_free (self->columns[i].scratch);
      g_free (self->columns[i].name);
    }
  g_clear_pointer (&self->columns, g_free);
  g_clear_pointer (&self->result_binds, g_free);
  self->n_columns = 0;
  self->has_row = FALSE;
}

void
ntpmon_db_stmt_free (NtpmonDbStmt *self)
{
  if (self == NULL)
    return;
  clear_result (self);
  if (self->stmt != NULL)
    _ntpmon_db_conn_release_stmt (self->conn, self->sql, self->stmt, self->generation);
  g_array_unref (self->params);
  g_free (self->sql);
  g_free (self);
}

/* civil date <-> days since 1970-01-01 (proleptic Gregorian) */

static gint64
days_from_civil (gint64 y, guint m, guint d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint)(y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (gint64)doe - 719468;
}

static void
civil_from_days (gint64 z, gint64 *y, guint *m, guint *d)
{
  gint64 era;
  guint doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (guint)(z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (gint64)yoe + era * 400 + (*m <= 2);
}

static gint64
mysql_time_to_usec (const MYSQL_TIME *t)
{
  gint64 secs;

  if (t->time_type == MYSQL_TIMESTAMP_TIME)
    {
      secs = ((gint64)t->day * 24 + t->hour) * 3600 + t->minute * 60 + t->second;
      return (t->neg ? -1 : 1) * (secs * G_USEC_PER_SEC + t->second_part);
    }
  secs = days_from_civil (t->year, t->month ? t->month : 1, t->day ? t->day : 1) * 86400
         + t->hour * 3600 + t->minute * 60 + t->second;
  return secs * G_USEC_PER_SEC + t->second_part;
}

static void
usec_to_mysql_time (gint64 usec, MYSQL_TIME *t)
{
  gint64 secs
      = usec >= 0 ? usec / G_USEC_PER_SEC : -((-usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  gint64 days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  gint64 rem = secs - days * 86400;
  gint64 y;
  guint m, d;

  civil_from_days (days, &y, &m, &d);
  memset (t, 0, sizeof *t);
  t->year = (unsigned int)y;
  t->month = m;
  t->day = d;
  t->hour = (unsigned int)(rem / 3600);
  t->minute = (unsigned int)(rem / 60 % 60);
  t->second = (unsigned int)(rem % 60);
  t->second_part = (unsigned long)(usec - secs * G_USEC_PER_SEC);
  t->time_type = MYSQL_TIMESTAMP_DATETIME;
}

static gchar *
put_digits (gchar *out, guint value, guint n)
{
  for (guint i = n; i > 0; i--, value /= 10)
    out[i - 1] = (gchar)('0' + value % 10);
  return out + n;
}

/**
 * ntpmon_db_json_append_datetime:
 * @usec: unix time in microseconds (UTC); the fraction is dropped
 *
 * Appends a DATETIME value as JSON_TABLE reads it, `"YYYY-MM-DD hh:mm:ss"`,
 * or `""` (NULL in the table) for a time outside the years 0 to 9999. For
 * statements that take many rows as one JSON parameter.
 */
void
ntpmon_db_json_append_datetime (GString *json, gint64 usec)
{
  MYSQL_TIME t;
  gchar text[24], *p = text;

  *p++ = '"';
  /* 0000-01-01 to 9999-12-31 */
  if (usec >= -62167219200 * G_USEC_PER_SEC && usec < 253402300800 * G_USEC_PER_SEC)
    {
      usec_to_mysql_time (usec, &t);
      p = put_digits (p, t.year, 4);
      *p++ = '-';
      p = put_digits (p, t.month, 2);
      *p++ = '-';
      p = put_digits (p, t.day, 2);
      *p++ = ' ';
      p = put_digits (p, t.hour, 2);
      *p++ = ':';
      p = put_digits (p, t.minute, 2);
      *p++ = ':';
      p = put_digits (p, t.second, 2);
    }
  *p++ = '"';
  g_string_append_len (json, text, p - text);
}

/* parameters */

/* bind scratch a connection keeps between executions: 4,096 parameters
 * (a 500-row INSERT of 8 columns) take about 450 KiB */
#define MAX_KEPT_BINDS 4096

static Param *
add_param (NtpmonDbStmt *self, enum enum_field_types type)
{
  Param p = { .type = type };

  g_array_append_val (self->params, p);
  return &g_array_index (self->params, Param, self->params->len - 1);
}

void
ntpmon_db_stmt_bind_null (NtpmonDbStmt *self)
{
  add_param (self, MYSQL_TYPE_NULL)->is_null = 1;
}

void
ntpmon_db_stmt_bind_int (NtpmonDbStmt *self, gint64 value)
{
  add_param (self, MYSQL_TYPE_LONGLONG)->v.i = value;
}

void
ntpmon_db_stmt_bind_uint (NtpmonDbStmt *self, guint64 value)
{
  Param *p = add_param (self, MYSQL_TYPE_LONGLONG);

  p->is_unsigned = 1;
  p->v.i = (long long)value;
}

void
ntpmon_db_stmt_bind_double (NtpmonDbStmt *self, gdouble value)
{
  add_param (self, MYSQL_TYPE_DOUBLE)->v.d = value;
}

void
ntpmon_db_stmt_bind_text (NtpmonDbStmt *self, const gchar *value)
{
  Param *p;

  if (value == NULL)
    {
      ntpmon_db_stmt_bind_null (self);
      return;
    }
  p = add_param (self, MYSQL_TYPE_STRING);
  p->len = strlen (value);
  p->buf = g_strdup (value);
}

void
ntpmon_db_stmt_bind_blob (NtpmonDbStmt *self, gconstpointer data, gsize len)
{
  Param *p;

  if (data == NULL)
    {
      ntpmon_db_stmt_bind_null (self);
      return;
    }
  p = add_param (self, MYSQL_TYPE_BLOB);
  p->len = len;
  p->buf = g_memdup2 (data, MAX (len, 1));
}

void
ntpmon_db_stmt_bind_bytes (NtpmonDbStmt *self, GBytes *value)
{
  gsize len = 0;
  gconstpointer data = value ? g_bytes_get_data (value, &len) : NULL;

  ntpmon_db_stmt_bind_blob (self, value ? (data ? data : "") : NULL, len);
}

void
ntpmon_db_stmt_bind_unix_usec (NtpmonDbStmt *self, gint64 usec)
{
  usec_to_mysql_time (usec, &add_param (self, MYSQL_TYPE_DATETIME)->v.t);
}

void
ntpmon_db_stmt_bind_datetime (NtpmonDbStmt *self, GDateTime *value)
{
  if (value == NULL)
    ntpmon_db_stmt_bind_null (self);
  else
    ntpmon_db_stmt_bind_unix_usec (self, g_date_time_to_unix (value) * G_USEC_PER_SEC
                                             + g_date_time_get_microsecond (value));
}

/**
 * ntpmon_db_stmt_bind_valist:
 * @types: one character per parameter: `n` NULL (no argument), `i` gint64,
 *   `u` guint64, `d` gdouble, `s` const gchar * (NULL: SQL NULL), `b` GBytes *,
 *   `t` GDateTime *, `T` gint64 microseconds since the epoch (UTC)
 *
 * Binds several parameters. Integer arguments must really be 64 bits wide:
 * cast literals and narrower variables (`(gint64) 5`).
 */
void
ntpmon_db_stmt_bind_valist (NtpmonDbStmt *self, const gchar *types, va_list args)
{
  for (const gchar *t = types; t && *t; t++)
    switch (*t)
      {
      case 'n':
        ntpmon_db_stmt_bind_null (self);
        break;
      case 'i':
        ntpmon_db_stmt_bind_int (self, va_arg (args, gint64));
        break;
      case 'u':
        ntpmon_db_stmt_bind_uint (self, va_arg (args, guint64));
        break;
      case 'd':
        ntpmon_db_stmt_bind_double (self, va_arg (args, gdouble));
        break;
      case 's':
        ntpmon_db_stmt_bind_text (self, va_arg (args, const gchar *));
        break;
      case 'b':
        ntpmon_db_stmt_bind_bytes (self, va_arg (args, GBytes *));
        break;
      case 't':
        ntpmon_db_stmt_bind_datetime (self, va_arg (args, GDateTime *));
        break;
      case 'T':
        ntpmon_db_stmt_bind_unix_usec (self, va_arg (args, gint64));
        break;
      default:
        g_critical ("ntpmon_db_stmt_bind: unknown type character '%c'", *t);
        return;
      }
}

void
ntpmon_db_stmt_bind (NtpmonDbStmt *self, const gchar *types, ...)
{
  va_list args;

  va_start (args, types);
  ntpmon_db_stmt_bind_valist (self, types, args);
  va_end (args);
}

/* execution */

static void
bind_result_column (NtpmonDbStmt *self, guint i)
{
  Column *c = &self->columns[i];
  MYSQL_BIND *b = &self->result_binds[i];

  memset (b, 0, sizeof *b);
  b->is_null = &c->is_null;
  b->length = &c->length;
  b->error = &c->truncated;
  b->is_unsigned = c->is_unsigned;
  switch (c->kind)
    {
    case COL_INT:
      b->buffer_type = MYSQL_TYPE_LONGLONG;
      b->buffer = &c->v.i;
      break;
    case COL_DOUBLE:
      b->buffer_type = MYSQL_TYPE_DOUBLE;
      b->buffer = &c->v.d;
      break;
    case COL_TIME:
      b->buffer_type = MYSQL_TYPE_DATETIME;
      b->buffer = &c->v.t;
      break;
    case COL_STRING:
      b->buffer_type = MYSQL_TYPE_STRING;
      b->buffer = c->buf;
      b->buffer_length = c->buf_size - 1; /* room for the NUL */
      break;
    }
}

static ColumnKind
column_kind (const MYSQL_FIELD *f)
{
  switch (f->type)
    {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return COL_INT;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return COL_DOUBLE;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIME:
      return COL_TIME;
    default:
      return COL_STRING;
    }
}

static gboolean
setup_result (NtpmonDbStmt *self, GError **error)
{
  MYSQL_RES *meta = mysql_stmt_result_metadata (self->stmt);
  MYSQL_FIELD *fields;

  if (meta == NULL)
    return TRUE; /* no result set */
  if (mysql_stmt_store_result (self->stmt) != 0)
    {
      mysql_free_result (meta);
      return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
    }
  self->n_columns = mysql_num_fields (meta);
  fields = mysql_fetch_fields (meta);
  self->columns = g_new0 (Column, self->n_columns);
  self->result_binds = g_new0 (MYSQL_BIND, self->n_columns);
  for (guint i = 0; i < self->n_columns; i++)
    {
      Column *c = &self->columns[i];

      c->kind = column_kind (&fields[i]);
      c->is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
      c->name = g_strdup (fields[i].name);
      if (c->kind == COL_STRING)
        {
          c->buf_size = (gsize)fields[i].max_length + 1;
          c->buf = g_malloc (c->buf_size);
        }
      bind_result_column (self, i);
    }
  mysql_free_result (meta);
  if (mysql_stmt_bind_result (self->stmt, self->result_binds) != 0)
    return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
  return TRUE;
}

static gboolean
execute_once (NtpmonDbStmt *self, MYSQL_BIND *binds, GError **error)
{
  if (self->params->len > 0 && mysql_stmt_bind_param (self->stmt, binds) != 0)
    return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
  if (mysql_stmt_execute (self->stmt) != 0)
    return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
  return TRUE;
}

/* Replaces the server-side statement by one prepared on the connection's
 * current session. */
static gboolean
reprepare (NtpmonDbStmt *self, GError **error)
{
  g_autoptr (NtpmonDbStmt) fresh = NULL;

  g_clear_pointer (&self->stmt, mysql_stmt_close);
  fresh = ntpmon_db_conn_prepare (self->conn, self->sql, error);
  if (fresh == NULL)
    return FALSE;
  self->stmt = g_steal_pointer (&fresh->stmt);
  self->generation = fresh->generation;
  return TRUE;
}

/**
 * ntpmon_db_stmt_execute:
 *
 * Runs the statement with the bound parameters. A statement returning rows
 * has them all read into memory; step through them with
 * ntpmon_db_stmt_next(). The statement may be executed again after binding
 * a new set of parameters.
 */
gboolean
ntpmon_db_stmt_execute (NtpmonDbStmt *self, GError **error)
{
  MYSQL_BIND *binds;
  guint expected;

  clear_result (self);
  if (g_cancellable_set_error_if_cancelled (self->conn->cancellable, error)
      /* prepared before the connection was replaced: prepare it again */
      || ((self->stmt == NULL || self->generation != self->conn->generation)
          && !reprepare (self, error)))
    {
      g_array_set_size (self->params, 0);
      return FALSE;
    }
  expected = mysql_stmt_param_count (self->stmt);
  if (self->params->len != expected)
    {
      g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_TYPE,
                   "statement has %u parameters but %u were bound: %.60s", expected,
                   self->params->len, self->sql);
      g_array_set_size (self->params, 0);
      return FALSE;
    }
  /* the client library copies the array when it binds it: the
   * connection's scratch serves every statement (no large allocation for
   * a statement of many rows; an array grown beyond MAX_KEPT_BINDS is
   * given back by the next execution) */
  if (self->conn->n_binds < self->params->len + 1 || self->conn->n_binds > MAX_KEPT_BINDS)
    {
      self->conn->n_binds
          = MAX (self->params->len + 1, MIN (2 * self->conn->n_binds, MAX_KEPT_BINDS));
      g_free (self->conn->binds);
      self->conn->binds = g_new (MYSQL_BIND, self->conn->n_binds);
    }
  binds = self->conn->binds;
  memset (binds, 0, sizeof *binds * (self->params->len + 1));
  for (guint i = 0; i < self->params->len; i++)
    {
      Param *p = &g_array_index (self->params, Param, i);
      MYSQL_BIND *b = &binds[i];

      b->buffer_type = p->type;
      b->is_null = &p->is_null;
      b->is_unsigned = p->is_unsigned;
      if (p->buf != NULL)
        {
          b->buffer = p->buf;
          b->buffer_length = p->len;
          b->length = &p->len;
        }
      else
        b->buffer = &p->v;
    }

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr (GError) local = NULL;

      if (execute_once (self, binds, &local))
        break;
      if (attempt > 0 || !_ntpmon_db_conn_can_retry (self->conn, local, FALSE))
        {
          g_array_set_size (self->params, 0);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* the connection was gone before the statement was sent: prepare it
       * again on a new connection and run it there */
      if (!reprepare (self, error))
        {
          g_array_set_size (self->params, 0);
          return FALSE;
        }
    }
  g_array_set_size (self->params, 0);
  _ntpmon_db_conn_note_success (self->conn);
  return setup_result (self, error);
}

guint64
ntpmon_db_stmt_get_affected_rows (NtpmonDbStmt *self)
{
  return mysql_stmt_affected_rows (self->stmt);
}

guint64
ntpmon_db_stmt_get_insert_id (NtpmonDbStmt *self)
{
  return mysql_stmt_insert_id (self->stmt);
}

static gboolean
refetch_truncated (NtpmonDbStmt *self, GError **error)
{
  for (guint i = 0; i < self->n_columns; i++)
    {
      Column *c = &self->columns[i];

      if (c->kind != COL_STRING || c->is_null || c->length < c->buf_size)
        continue;
      c->buf_size = c->length + 1;
      c->buf = g_realloc (c->buf, c->buf_size);
      bind_result_column (self, i);
      if (mysql_stmt_fetch_column (self->stmt, &self->result_binds[i], i, 0) != 0)
        return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
    }
  if (mysql_stmt_bind_result (self->stmt, self->result_binds) != 0)
    return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
  return TRUE;
}

/**
 * ntpmon_db_stmt_next:
 *
 * Moves to the next row. Returns %FALSE at the end (@error unset) or on an
 * error (@error set).
 */
gboolean
ntpmon_db_stmt_next (NtpmonDbStmt *self, GError **error)
{
  int rc;

  self->has_row = FALSE;
  if (self->n_columns == 0)
    return FALSE;
  rc = mysql_stmt_fetch (self->stmt);
  if (rc == MYSQL_NO_DATA)
    return FALSE;
  if (rc == 1)
    return _ntpmon_db_conn_fail_stmt (self->conn, self->stmt, self->sql, error);
  if (rc == MYSQL_DATA_TRUNCATED && !refetch_truncated (self, error))
    return FALSE;
  for (guint i = 0; i < self->n_columns; i++)
    {
      Column *c = &self->columns[i];
      g_clear_pointer (&c->scratch, g_free);
      if (c->kind == COL_STRING)
        c->buf[c->is_null ? 0 : MIN (c->length, c->buf_size - 1)] = '\0';
    }
  self->has_row = TRUE;
  return TRUE;
}

/**
 * ntpmon_db_stmt_fetch_one:
 *
 * Moves to the first row; no row is the error %NTPMON_DB_ERROR_NOT_FOUND.
 */
gboolean
ntpmon_db_stmt_fetch_one (NtpmonDbStmt *self, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (ntpmon_db_stmt_next (self, &local))
    return TRUE;
  if (local != NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  else
    g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND, "no row for “%.60s”",
                 self->sql);
  return FALSE;
}

guint
ntpmon_db_stmt_get_n_columns (NtpmonDbStmt *self)
{
  return self->n_columns;
}

const gchar *
ntpmon_db_stmt_get_column_name (NtpmonDbStmt *self, guint column)
{
  g_return_val_if_fail (column < self->n_columns, NULL);
  return self->columns[column].name;
}

static Column *
get_column (NtpmonDbStmt *self, guint column)
{
  if (!self->has_row || column >= self->n_columns)
    {
      g_critical ("ntpmon_db_stmt: no column %u in the current row of “%.60s”", column, self->sql);
      return NULL;
    }
  return &self->columns[column];
}

gboolean
ntpmon_db_stmt_is_null (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);

  return c == NULL || c->is_null;
}

gint64
ntpmon_db_stmt_get_int (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);

  if (c == NULL || c->is_null)
    return 0;
  switch (c->kind)
    {
    case COL_INT:
      return c->is_unsigned && (unsigned long long)c->v.i > G_MAXINT64 ? G_MAXINT64 : c->v.i;
    case COL_DOUBLE:
      return (gint64)c->v.d;
    case COL_TIME:
      return mysql_time_to_usec (&c->v.t) / G_USEC_PER_SEC;
    case COL_STRING:
    default:
      return g_ascii_strtoll (c->buf, NULL, 10);
    }
}

guint64
ntpmon_db_stmt_get_uint (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);

  if (c == NULL || c->is_null)
    return 0;
  if (c->kind == COL_INT)
    return c->is_unsigned || c->v.i >= 0 ? (guint64)c->v.i : 0;
  if (c->kind == COL_STRING)
    return c->buf[0] == '-' ? 0 : g_ascii_strtoull (c->buf, NULL, 10);
  return (guint64)MAX (0, ntpmon_db_stmt_get_int (self, column));
}

gdouble
ntpmon_db_stmt_get_double (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);

  if (c == NULL || c->is_null)
    return 0;
  switch (c->kind)
    {
    case COL_INT:
      return c->is_unsigned ? (gdouble)(unsigned long long)c->v.i : (gdouble)c->v.i;
    case COL_DOUBLE:
      return c->v.d;
    case COL_TIME:
      return mysql_time_to_usec (&c->v.t) / 1e6;
    case COL_STRING:
    default:
      return g_ascii_strtod (c->buf, NULL);
    }
}

/**
 * ntpmon_db_stmt_get_text:
 *
 * Returns: (nullable): the value as text (numbers and date-times formatted
 *   as MariaDB does), %NULL for NULL; valid until the next row
 */
const gchar *
ntpmon_db_stmt_get_text (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);
  const MYSQL_TIME *t;

  if (c == NULL || c->is_null)
    return NULL;
  if (c->kind == COL_STRING)
    return c->buf;
  if (c->scratch != NULL)
    return c->scratch;
  switch (c->kind)
    {
    case COL_INT:
      c->scratch = c->is_unsigned ? g_strdup_printf ("%llu", (unsigned long long)c->v.i)
                                  : g_strdup_printf ("%lld", c->v.i);
      break;
    case COL_DOUBLE:
      c->scratch = g_malloc (G_ASCII_DTOSTR_BUF_SIZE);
      g_ascii_dtostr (c->scratch, G_ASCII_DTOSTR_BUF_SIZE, c->v.d);
      break;
    case COL_TIME:
    default:
      t = &c->v.t;
      if (t->time_type == MYSQL_TIMESTAMP_DATE)
        c->scratch = g_strdup_printf ("%04u-%02u-%02u", t->year, t->month, t->day);
      else if (t->time_type == MYSQL_TIMESTAMP_TIME)
        c->scratch = g_strdup_printf ("%s%02u:%02u:%02u", t->neg ? "-" : "", t->day * 24 + t->hour,
                                      t->minute, t->second);
      else
        c->scratch = g_strdup_printf ("%04u-%02u-%02u %02u:%02u:%02u", t->year, t->month, t->day,
                                      t->hour, t->minute, t->second);
      if (t->second_part != 0)
        {
          gchar *with_frac = g_strdup_printf ("%s.%06lu", c->scratch, t->second_part);
          g_free (c->scratch);
          c->scratch = with_frac;
        }
      break;
    }
  return c->scratch;
}

gchar *
ntpmon_db_stmt_dup_text (NtpmonDbStmt *self, guint column)
{
  return g_strdup (ntpmon_db_stmt_get_text (self, column));
}

/**
 * ntpmon_db_stmt_get_bytes:
 *
 * Returns: (nullable): the raw value (VARBINARY, BLOB), %NULL for NULL
 */
GBytes *
ntpmon_db_stmt_get_bytes (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);
  const gchar *text;

  if (c == NULL || c->is_null)
    return NULL;
  if (c->kind == COL_STRING)
    return g_bytes_new (c->buf, c->length);
  text = ntpmon_db_stmt_get_text (self, column);
  return g_bytes_new (text, strlen (text));
}

/**
 * ntpmon_db_stmt_get_unix_usec:
 *
 * Returns: a DATETIME/TIMESTAMP/DATE value (UTC) as microseconds since the
 *   epoch; 0 for NULL and for the zero date
 */
gint64
ntpmon_db_stmt_get_unix_usec (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);

  if (c == NULL || c->is_null)
    return 0;
  if (c->kind == COL_TIME)
    return c->v.t.year == 0 && c->v.t.month == 0 && c->v.t.time_type != MYSQL_TIMESTAMP_TIME
               ? 0
               : mysql_time_to_usec (&c->v.t);
  return ntpmon_db_stmt_get_int (self, column) * G_USEC_PER_SEC;
}

/**
 * ntpmon_db_stmt_get_datetime:
 *
 * Returns: (nullable): a DATETIME value as a UTC #GDateTime, %NULL for NULL
 *   and the zero date
 */
GDateTime *
ntpmon_db_stmt_get_datetime (NtpmonDbStmt *self, guint column)
{
  Column *c = get_column (self, column);
  gint64 usec;
  g_autoptr (GDateTime) whole = NULL;

  if (c == NULL || c->is_null || (c->kind == COL_TIME && c->v.t.year == 0 && c->v.t.month == 0))
    return NULL;
  usec = ntpmon_db_stmt_get_unix_usec (self, column);
  whole = g_date_time_new_from_unix_utc (usec >= 0 ? usec / G_USEC_PER_SEC
                                                   : -((-usec + 999999) / G_USEC_PER_SEC));
  if (whole == NULL)
    return NULL;
  return g_date_time_add (whole, usec - g_date_time_to_unix (whole) * G_USEC_PER_SEC);
}

/**
 * ntpmon_db_sql_placeholders:
 * @n: number of values
 *
 * Builds the inside of an `IN (...)` list for @n values: `?, ?, ?`; for no
 * value `NULL`, which matches nothing (`x IN (NULL)`).
 *
 * Returns: (transfer full): SQL text
 */
gchar *
ntpmon_db_sql_placeholders (guint n)
{
  GString *sql;

  if (n == 0)
    return g_strdup ("NULL");
  sql = g_string_sized_new (n * 3);
  for (guint i = 0; i < n; i++)
    g_string_append (sql, i ? ", ?" : "?");
  return g_string_free (sql, FALSE);
}
