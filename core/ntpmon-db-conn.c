/* ntpmon-db-conn.c: one MariaDB connection (connect, reconnect, errors,
 * statement cache, transactions)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <string.h>
#include <time.h>

#include "ntpmon-db-private.h"

#define DEFAULT_CONNECT_TIMEOUT_S 5
#define IDLE_PING_USEC            (10 * G_USEC_PER_SEC)
#define DEFAULT_MAX_ATTEMPTS      5

static void
library_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      mysql_library_init (0, NULL, NULL);
      g_once_init_leave (&once, 1);
    }
}

static void
close_stmt (gpointer stmt)
{
  mysql_stmt_close (stmt);
}

NtpmonDbConn *
_ntpmon_db_conn_new (NtpmonDb *db, const NtpmonDbConfig *config)
{
  NtpmonDbConn *conn = g_new0 (NtpmonDbConn, 1);

  library_init ();
  conn->db = db;
  conn->config = config ? ntpmon_db_config_copy (config) : NULL;
  conn->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, close_stmt);
  conn->max_attempts = DEFAULT_MAX_ATTEMPTS;
  return conn;
}

static void
disconnect (NtpmonDbConn *conn)
{
  /* statements belong to the connection; closing them on a dead connection
   * only frees memory */
  g_hash_table_remove_all (conn->stmts);
  g_clear_pointer (&conn->mysql, mysql_close);
  conn->in_transaction = conn->tx_pending = FALSE;
  conn->broken = FALSE;
}

/* A transaction the server knows of: begun, and a statement sent in it. */
static gboolean
tx_open (NtpmonDbConn *conn)
{
  return conn->in_transaction && !conn->tx_pending;
}

void
ntpmon_db_conn_free (NtpmonDbConn *conn)
{
  if (conn == NULL)
    return;
  disconnect (conn);
  g_hash_table_unref (conn->stmts);
  g_free (conn->binds);
  ntpmon_db_config_free (conn->config);
  g_free (conn);
}

static gboolean
is_connection_error (guint code)
{
  switch (code)
    {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_SSL_CONNECTION_ERROR:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_CON_COUNT_ERROR:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_BAD_DB_ERROR:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Maps a server/client error to NTPMON_DB_ERROR; a connection error marks
 * the connection for reconnecting and the pool as down. Returns FALSE. */
gboolean
_ntpmon_db_conn_fail (NtpmonDbConn *conn, guint code, const gchar *sqlstate, const gchar *message,
                      const gchar *sql, GError **error)
{
  NtpmonDbError kind;
  g_autofree gchar *what = NULL;

  if (sql != NULL)
    {
      glong chars = g_utf8_validate (sql, -1, NULL) ? g_utf8_strlen (sql, -1) : 0;
      g_autofree gchar *flat = chars ? g_utf8_substring (sql, 0, MIN (chars, 60)) : g_strdup ("");
      g_strdelimit (g_strstrip (flat), "\n\t", ' ');
      what = g_strdup_printf (" in “%s%s”", flat, chars > 60 ? "…" : "");
    }
  conn->last_errno = code;
  /* a statement that reached the server has begun the transaction there */
  if (!is_connection_error (code))
    conn->tx_pending = FALSE;
  if (is_connection_error (code))
    {
      kind = NTPMON_DB_ERROR_UNAVAILABLE;
      conn->broken = TRUE;
      if (conn->db != NULL)
        _ntpmon_db_note_down (conn->db, message, conn->connecting);
    }
  else if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT)
    kind = NTPMON_DB_ERROR_DEADLOCK;
  else if (code == ER_DUP_ENTRY)
    kind = NTPMON_DB_ERROR_DUPLICATE;
  else
    kind = NTPMON_DB_ERROR_QUERY;
  if (kind == NTPMON_DB_ERROR_UNAVAILABLE)
    g_set_error (error, NTPMON_DB_ERROR, kind, "database unavailable: MariaDB error %u: %s", code,
                 message);
  else
    g_set_error (error, NTPMON_DB_ERROR, kind, "MariaDB error %u (%s)%s: %s", code,
                 sqlstate ? sqlstate : "HY000", what ? what : "", message);
  return FALSE;
}

gboolean
_ntpmon_db_conn_fail_stmt (NtpmonDbConn *conn, MYSQL_STMT *stmt, const gchar *sql, GError **error)
{
  return _ntpmon_db_conn_fail (conn, mysql_stmt_errno (stmt), mysql_stmt_sqlstate (stmt),
                               mysql_stmt_error (stmt), sql, error);
}

static gboolean
fail_mysql (NtpmonDbConn *conn, const gchar *sql, GError **error)
{
  return _ntpmon_db_conn_fail (conn, mysql_errno (conn->mysql), mysql_sqlstate (conn->mysql),
                               mysql_error (conn->mysql), sql, error);
}

/* A statement that failed because the connection was already gone may run
 * again on a new connection when nothing of the job ran before it and it
 * cannot have reached the server (or has no side effects: @idempotent). */
gboolean
_ntpmon_db_conn_can_retry (NtpmonDbConn *conn, const GError *error, gboolean idempotent)
{
  if (!g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE) || tx_open (conn)
      || conn->job_statements != 0)
    return FALSE;
  return idempotent || conn->last_errno == CR_SERVER_GONE_ERROR;
}

static gboolean run_direct (NtpmonDbConn *conn, const gchar *sql, GError **error);

/* What every session starts with, and what a change of its modes runs:
 * UTC, autocommit, and the isolation level (the server's default unless
 * READ COMMITTED is asked). */
static const gchar *
session_setup (NtpmonDbConn *conn)
{
  static const gchar *const setups[2][2] = {
    { "SET time_zone = '+00:00', autocommit = 1, tx_isolation = @@GLOBAL.tx_isolation",
      "SET time_zone = '+00:00', autocommit = 1, tx_isolation = 'READ-COMMITTED'" },
    { "SET time_zone = '+00:00', autocommit = 0, tx_isolation = @@GLOBAL.tx_isolation",
      "SET time_zone = '+00:00', autocommit = 0, tx_isolation = 'READ-COMMITTED'" },
  };

  return setups[conn->implicit_begin ? 1 : 0][conn->read_committed ? 1 : 0];
}

/* Applies a changed mode to the session now (a new one sets it itself). */
static void
update_session (NtpmonDbConn *conn)
{
  if (conn->mysql != NULL && !conn->broken && mysql_query (conn->mysql, session_setup (conn)) != 0)
    conn->broken = TRUE;
}

static gboolean
connect_now (NtpmonDbConn *conn, GError **error)
{
  const NtpmonDbConfig *c = conn->config;
  guint timeout_s = DEFAULT_CONNECT_TIMEOUT_S;
  unsigned int protocol;
  const gchar *charset = ntpmon_db_config_get_param (c, "charset");
  const gchar *tls = ntpmon_db_config_get_param (c, "tls");
  g_autofree gchar *charset_first = NULL;

  disconnect (conn);
  conn->mysql = mysql_init (NULL);
  if (conn->mysql == NULL)
    {
      g_set_error_literal (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE,
                           "database unavailable: out of memory for a connection");
      return FALSE;
    }
  if (c->connect_timeout_ms > 0)
    timeout_s = MAX (1, (c->connect_timeout_ms + 999) / 1000);
  mysql_optionsv (conn->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
  if (c->read_timeout_ms > 0)
    {
      guint s = MAX (1, (c->read_timeout_ms + 999) / 1000);
      mysql_optionsv (conn->mysql, MYSQL_OPT_READ_TIMEOUT, &s);
    }
  if (c->write_timeout_ms > 0)
    {
      guint s = MAX (1, (c->write_timeout_ms + 999) / 1000);
      mysql_optionsv (conn->mysql, MYSQL_OPT_WRITE_TIMEOUT, &s);
    }
  protocol = g_strcmp0 (c->net, "unix") == 0 ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
  mysql_optionsv (conn->mysql, MYSQL_OPT_PROTOCOL, &protocol);
  if (charset != NULL && charset[0] != '\0')
    charset_first = g_strndup (charset, strcspn (charset, ","));
  mysql_optionsv (conn->mysql, MYSQL_SET_CHARSET_NAME, charset_first ? charset_first : "utf8mb4");
  if (tls != NULL && (strcmp (tls, "true") == 0 || strcmp (tls, "skip-verify") == 0))
    {
      my_bool on = 1, verify = strcmp (tls, "true") == 0;
      mysql_optionsv (conn->mysql, MYSQL_OPT_SSL_ENFORCE, &on);
      mysql_optionsv (conn->mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }

  conn->connecting = TRUE;
  if (mysql_real_connect (conn->mysql, c->host, c->user, c->password ? c->password : "",
                          c->dbname && c->dbname[0] ? c->dbname : NULL, c->port, c->socket, 0)
      == NULL)
    {
      fail_mysql (conn, NULL, error);
      g_clear_pointer (&conn->mysql, mysql_close);
      conn->broken = conn->connecting = FALSE;
      return FALSE;
    }
  if (!run_direct (conn, session_setup (conn), error))
    {
      g_clear_pointer (&conn->mysql, mysql_close);
      conn->broken = conn->connecting = FALSE;
      return FALSE;
    }
  conn->connecting = FALSE;
  conn->generation++;
  conn->connected_at = conn->last_used = g_get_monotonic_time ();
  if (conn->db != NULL)
    {
      conn->epoch = _ntpmon_db_get_epoch (conn->db);
      _ntpmon_db_note_up (conn->db);
    }
  return TRUE;
}

/**
 * ntpmon_db_conn_open:
 *
 * Opens a connection that belongs to the caller (not to a pool), for
 * programs with their own database thread and for tools. Reconnects by
 * itself when used after the server went away.
 */
NtpmonDbConn *
ntpmon_db_conn_open (const NtpmonDbConfig *config, GError **error)
{
  g_autoptr (NtpmonDbConn) conn = _ntpmon_db_conn_new (NULL, config);

  if (!connect_now (conn, error))
    return NULL;
  return g_steal_pointer (&conn);
}

static gboolean
ensure_connected (NtpmonDbConn *conn, gint64 max_lifetime, GError **error)
{
  gint64 now = g_get_monotonic_time ();

  if (conn->mysql != NULL && !conn->broken && max_lifetime > 0
      && now - conn->connected_at > max_lifetime)
    disconnect (conn);
  if (conn->mysql != NULL && !conn->broken)
    {
      gboolean suspect = now - conn->last_used > IDLE_PING_USEC
                         || (conn->db != NULL && _ntpmon_db_get_epoch (conn->db) != conn->epoch);
      if (!suspect)
        return TRUE;
      if (mysql_ping (conn->mysql) == 0)
        {
          conn->last_used = now;
          if (conn->db != NULL)
            conn->epoch = _ntpmon_db_get_epoch (conn->db);
          return TRUE;
        }
      /* let the other connections of the pool check themselves too */
      if (conn->db != NULL)
        _ntpmon_db_note_down (conn->db, mysql_error (conn->mysql), FALSE);
    }
  if (conn->db != NULL)
    {
      NtpmonDbConfig *fresh;

      disconnect (conn);
      if (!_ntpmon_db_may_connect (conn->db, error))
        return FALSE;
      fresh = _ntpmon_db_get_config (conn->db, error);
      if (fresh == NULL)
        return FALSE;
      ntpmon_db_config_free (conn->config);
      conn->config = fresh;
    }
  return connect_now (conn, error);
}

gboolean
_ntpmon_db_conn_start_job (NtpmonDbConn *conn, GCancellable *cancellable, GError **error)
{
  gint64 lifetime = conn->db ? _ntpmon_db_get_max_lifetime (conn->db) : 0;

  conn->cancellable = cancellable;
  conn->job_statements = 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return ensure_connected (conn, lifetime, error);
}

void
_ntpmon_db_conn_end_job (NtpmonDbConn *conn)
{
  if (conn->in_transaction)
    {
      g_debug ("job left a transaction open; rolling it back");
      if (!ntpmon_db_conn_rollback (conn, NULL))
        conn->broken = TRUE;
    }
  conn->cancellable = NULL;
  conn->last_used = g_get_monotonic_time ();
}

GCancellable *
ntpmon_db_conn_get_cancellable (NtpmonDbConn *conn)
{
  return conn->cancellable;
}

guint64
ntpmon_db_conn_get_server_thread_id (NtpmonDbConn *conn)
{
  return conn->mysql ? mysql_thread_id (conn->mysql) : 0;
}

/* Makes sure there is a live connection before a statement. A pooled
 * connection was checked when its job started; a standalone one checks
 * itself after idling. Never reconnects inside a transaction: the
 * statements after it would silently run outside of it. */
static gboolean
ensure_live (NtpmonDbConn *conn, GError **error)
{
  gboolean lost = conn->mysql == NULL || conn->broken;
  gboolean pending = conn->in_transaction && conn->tx_pending;

  if (tx_open (conn) && lost)
    {
      g_set_error_literal (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE,
                           "database unavailable: connection lost during a transaction (the "
                           "server rolled it back)");
      return FALSE;
    }
  if (!lost && (conn->db != NULL || tx_open (conn)))
    return TRUE;
  if (!ensure_connected (conn, 0, error))
    return FALSE;
  /* nothing of the transaction had been sent: it begins on the new one */
  conn->in_transaction = conn->tx_pending = pending;
  return TRUE;
}

static gboolean
run_direct (NtpmonDbConn *conn, const gchar *sql, GError **error)
{
  if (mysql_real_query (conn->mysql, sql, strlen (sql)) != 0)
    return fail_mysql (conn, sql, error);
  /* discard result sets (e.g. of SHOW or SELECT) */
  do
    {
      MYSQL_RES *res = mysql_store_result (conn->mysql);
      if (res != NULL)
        mysql_free_result (res);
      else if (mysql_field_count (conn->mysql) != 0)
        return fail_mysql (conn, sql, error);
    }
  while (mysql_next_result (conn->mysql) == 0);
  if (mysql_errno (conn->mysql) != 0)
    return fail_mysql (conn, sql, error);
  return TRUE;
}

/**
 * ntpmon_db_conn_exec_direct:
 * @sql: a complete statement without parameters
 *
 * Runs @sql through the text protocol. Only for fixed administrative SQL
 * (schema, session settings, transaction control); everything with values
 * uses prepared statements (ntpmon_db_conn_prepare()).
 */
gboolean
ntpmon_db_conn_exec_direct (NtpmonDbConn *conn, const gchar *sql, GError **error)
{
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr (GError) local = NULL;

      if (!ensure_live (conn, error))
        return FALSE;
      if (run_direct (conn, sql, &local))
        {
          _ntpmon_db_conn_note_success (conn);
          return TRUE;
        }
      if (attempt > 0 || !_ntpmon_db_conn_can_retry (conn, local, FALSE))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
}

/**
 * ntpmon_db_conn_prepare:
 * @sql: one statement with `?` placeholders
 *
 * Returns a prepared statement; prepared statements are cached per
 * connection by their text. Bind the parameters in order with
 * ntpmon_db_stmt_bind_*(), then ntpmon_db_stmt_execute().
 */
NtpmonDbStmt *
ntpmon_db_conn_prepare (NtpmonDbConn *conn, const gchar *sql, GError **error)
{
  MYSQL_STMT *stmt = NULL;
  gpointer key = NULL;

  for (guint attempt = 0;; attempt++)
    {
      g_autoptr (GError) local = NULL;

      if (!ensure_live (conn, error))
        return NULL;
      if (g_hash_table_steal_extended (conn->stmts, sql, &key, (gpointer *)&stmt))
        {
          g_free (key);
          return _ntpmon_db_stmt_new (conn, stmt, sql);
        }
      stmt = mysql_stmt_init (conn->mysql);
      if (stmt == NULL)
        {
          fail_mysql (conn, sql, error);
          return NULL;
        }
      if (mysql_stmt_prepare (stmt, sql, strlen (sql)) == 0)
        {
          my_bool update_max = 1;
          mysql_stmt_attr_set (stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
          return _ntpmon_db_stmt_new (conn, stmt, sql);
        }
      _ntpmon_db_conn_fail_stmt (conn, stmt, sql, &local);
      mysql_stmt_close (stmt);
      /* preparing has no side effects: always safe to repeat */
      if (attempt > 0 || !_ntpmon_db_conn_can_retry (conn, local, TRUE))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
}

void
_ntpmon_db_conn_note_success (NtpmonDbConn *conn)
{
  conn->job_statements++;
  conn->last_errno = 0;
  conn->tx_pending = FALSE;
  conn->last_used = g_get_monotonic_time ();
}

void
_ntpmon_db_conn_release_stmt (NtpmonDbConn *conn, const gchar *sql, MYSQL_STMT *stmt,
                              guint generation)
{
  /* the result was stored and is freed here; nothing else needs a reset
   * (which would cost a round trip) before the next execution */
  if (conn->mysql == NULL || conn->broken || generation != conn->generation
      || g_hash_table_contains (conn->stmts, sql) || mysql_stmt_free_result (stmt) != 0)
    {
      mysql_stmt_close (stmt);
      return;
    }
  g_hash_table_insert (conn->stmts, g_strdup (sql), stmt);
}

/**
 * ntpmon_db_conn_query:
 * @types: parameter types as for ntpmon_db_stmt_bind_valist()
 *
 * Prepares (or takes from the cache), binds and executes @sql.
 *
 * Returns: (transfer full) (nullable): the executed statement; step through
 *   its rows with ntpmon_db_stmt_next()
 */
NtpmonDbStmt *
ntpmon_db_conn_query (NtpmonDbConn *conn, const gchar *sql, GError **error, const gchar *types, ...)
{
  NtpmonDbStmt *stmt;
  va_list args;

  va_start (args, types);
  stmt = ntpmon_db_conn_query_valist (conn, sql, error, types, args);
  va_end (args);
  return stmt;
}

NtpmonDbStmt *
ntpmon_db_conn_query_valist (NtpmonDbConn *conn, const gchar *sql, GError **error,
                             const gchar *types, va_list args)
{
  g_autoptr (NtpmonDbStmt) stmt = ntpmon_db_conn_prepare (conn, sql, error);

  if (stmt == NULL)
    return NULL;
  ntpmon_db_stmt_bind_valist (stmt, types, args);
  if (!ntpmon_db_stmt_execute (stmt, error))
    return NULL;
  return g_steal_pointer (&stmt);
}

/**
 * ntpmon_db_conn_exec:
 * @affected_rows: (out) (optional): rows changed
 * @types: parameter types as for ntpmon_db_stmt_bind_valist()
 *
 * Runs a statement that returns no rows (INSERT, UPDATE, DELETE).
 */
gboolean
ntpmon_db_conn_exec (NtpmonDbConn *conn, const gchar *sql, guint64 *affected_rows, GError **error,
                     const gchar *types, ...)
{
  g_autoptr (NtpmonDbStmt) stmt = NULL;
  va_list args;

  va_start (args, types);
  stmt = ntpmon_db_conn_query_valist (conn, sql, error, types, args);
  va_end (args);
  if (stmt == NULL)
    return FALSE;
  if (affected_rows != NULL)
    *affected_rows = ntpmon_db_stmt_get_affected_rows (stmt);
  return TRUE;
}

/* transactions */

gboolean
ntpmon_db_conn_begin (NtpmonDbConn *conn, GError **error)
{
  g_return_val_if_fail (!conn->in_transaction, FALSE);
  if (conn->implicit_begin)
    {
      conn->in_transaction = conn->tx_pending = TRUE;
      return TRUE;
    }
  if (!ntpmon_db_conn_exec_direct (conn, "START TRANSACTION", error))
    return FALSE;
  conn->in_transaction = TRUE;
  return TRUE;
}

gboolean
ntpmon_db_conn_commit (NtpmonDbConn *conn, GError **error)
{
  /* fails without reconnecting when the connection was lost */
  gboolean ok = conn->tx_pending || ntpmon_db_conn_exec_direct (conn, "COMMIT", error);

  conn->in_transaction = conn->tx_pending = FALSE;
  return ok;
}

gboolean
ntpmon_db_conn_rollback (NtpmonDbConn *conn, GError **error)
{
  gboolean ok = TRUE;

  /* on a lost connection the server has rolled back already */
  if (conn->mysql != NULL && !conn->broken && !conn->tx_pending)
    ok = ntpmon_db_conn_exec_direct (conn, "ROLLBACK", error);
  conn->in_transaction = conn->tx_pending = FALSE;
  return ok;
}

gboolean
ntpmon_db_conn_in_transaction (NtpmonDbConn *conn)
{
  return conn->in_transaction;
}

void
ntpmon_db_conn_set_max_attempts (NtpmonDbConn *conn, guint attempts)
{
  conn->max_attempts = MAX (1, attempts);
}

/**
 * ntpmon_db_conn_set_implicit_begin:
 *
 * Turns autocommit off on the connection, so that a transaction begins
 * with its first statement and ntpmon_db_conn_begin() costs no round trip.
 * Only for a connection whose every statement runs between
 * ntpmon_db_conn_begin() and a commit or rollback: a statement outside
 * would leave a transaction open.
 */
void
ntpmon_db_conn_set_implicit_begin (NtpmonDbConn *conn, gboolean implicit_begin)
{
  g_return_if_fail (!conn->in_transaction);
  if (conn->implicit_begin == implicit_begin)
    return;
  conn->implicit_begin = implicit_begin;
  update_session (conn);
}

/**
 * ntpmon_db_conn_set_read_committed:
 *
 * Runs the transactions that ntpmon_db_conn_begin() starts from now on in
 * READ COMMITTED isolation instead of the server's default (REPEATABLE
 * READ): no gap locks, so transactions that write disjoint rows while
 * scanning overlapping index ranges do not deadlock each other. It is the
 * session's level, set with one statement when it changes (and by the
 * session setup of a new connection), not before each transaction.
 */
void
ntpmon_db_conn_set_read_committed (NtpmonDbConn *conn, gboolean read_committed)
{
  g_return_if_fail (!conn->in_transaction);
  if (conn->read_committed == read_committed)
    return;
  conn->read_committed = read_committed;
  update_session (conn);
}

/**
 * ntpmon_db_conn_transaction:
 * @func: the transaction's work; may run more than once
 *
 * Runs @func between START TRANSACTION and COMMIT. Any error rolls back.
 * A deadlock or lock wait timeout (%NTPMON_DB_ERROR_DEADLOCK) runs the
 * whole transaction again, up to the connection's maximum attempts
 * (default 5), with a short growing pause. @func must therefore not keep
 * state from a failed attempt.
 */
gboolean
ntpmon_db_conn_transaction (NtpmonDbConn *conn, NtpmonDbJobFunc func, gpointer data, GError **error)
{
  for (guint attempt = 1;; attempt++)
    {
      g_autoptr (GError) local = NULL;

      if (ntpmon_db_conn_begin (conn, &local) && func (conn, data, &local)
          && ntpmon_db_conn_commit (conn, &local))
        return TRUE;
      g_assert (local != NULL);
      if (conn->in_transaction)
        ntpmon_db_conn_rollback (conn, NULL);
      if (!g_error_matches (local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DEADLOCK)
          || attempt >= conn->max_attempts || g_cancellable_is_cancelled (conn->cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_debug ("transaction attempt %u: %s; retrying", attempt, local->message);
      g_usleep (g_random_int_range (1000, 5000) * attempt);
    }
}
