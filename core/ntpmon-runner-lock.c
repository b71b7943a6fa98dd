/* ntpmon-runner-lock.c: one active runner at a time, by a database lock
 *
 * SPDX-License-Identifier: MIT
 *
 * `GET_LOCK(name, timeout)` on a connection of its own. The server frees
 * the lock when that connection ends, so a runner that is killed (or loses
 * its connection) lets the next one in; a runner checks that it still owns
 * the lock before each pass (ntpmon_runner_lock_is_held()).
 */
#include "config.h"

#include "ntpmon-runner-lock.h"

struct _NtpmonRunnerLock
{
  NtpmonDbConfig *config;
  gchar *name;
  NtpmonDbConn *conn;
  gboolean held;
};

/**
 * ntpmon_runner_lock_new:
 * @name: the lock's name, e.g. `ntppool-monitor-scorer`
 */
NtpmonRunnerLock *
ntpmon_runner_lock_new (const NtpmonDbConfig *config, const gchar *name)
{
  NtpmonRunnerLock *lock = g_new0 (NtpmonRunnerLock, 1);

  lock->config = ntpmon_db_config_copy (config);
  lock->name = g_strdup (name);
  return lock;
}

void
ntpmon_runner_lock_free (NtpmonRunnerLock *lock)
{
  if (lock == NULL)
    return;
  ntpmon_runner_lock_release (lock);
  g_clear_pointer (&lock->conn, ntpmon_db_conn_free);
  ntpmon_db_config_free (lock->config);
  g_free (lock->name);
  g_free (lock);
}

static gboolean
query_flag (NtpmonRunnerLock *lock, const gchar *sql, guint wait_seconds, gboolean *flag,
            GError **error)
{
  g_autoptr (NtpmonDbStmt) st = NULL;

  if (lock->conn == NULL)
    {
      lock->conn = ntpmon_db_conn_open (lock->config, error);
      if (lock->conn == NULL)
        return FALSE;
    }
  st = wait_seconds == G_MAXUINT
           ? ntpmon_db_conn_query (lock->conn, sql, error, "s", lock->name)
           : ntpmon_db_conn_query (lock->conn, sql, error, "si", lock->name, (gint64)wait_seconds);
  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    return FALSE;
  *flag = !ntpmon_db_stmt_is_null (st, 0) && ntpmon_db_stmt_get_int (st, 0) == 1;
  return TRUE;
}

/**
 * ntpmon_runner_lock_acquire:
 * @wait_seconds: how long one GET_LOCK waits before it is tried again
 *
 * Waits until this process holds the lock, logging while another one does.
 *
 * Returns: TRUE when held; FALSE with @error when cancelled or when the
 *   database cannot be reached
 */
gboolean
ntpmon_runner_lock_acquire (NtpmonRunnerLock *lock, guint wait_seconds, GCancellable *cancellable,
                            GError **error)
{
  gboolean logged = FALSE;

  if (ntpmon_runner_lock_is_held (lock))
    return TRUE;
  while (!g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      if (!query_flag (lock, "SELECT GET_LOCK(?, ?)", MAX (1, wait_seconds), &lock->held, error))
        return FALSE;
      if (lock->held)
        {
          g_info ("holding the lock %s; this process does the work", lock->name);
          return TRUE;
        }
      if (!logged)
        g_info ("another process holds the lock %s; waiting to take over", lock->name);
      logged = TRUE;
    }
  return FALSE;
}

/**
 * ntpmon_runner_lock_is_held:
 *
 * Asks the server whether this process still owns the lock (its lock
 * connection may have been lost and reopened without it).
 */
gboolean
ntpmon_runner_lock_is_held (NtpmonRunnerLock *lock)
{
  g_autoptr (GError) error = NULL;
  gboolean mine = FALSE;

  if (!lock->held)
    return FALSE;
  if (!query_flag (lock, "SELECT IS_USED_LOCK(?) = CONNECTION_ID()", G_MAXUINT, &mine, &error))
    g_info ("lock %s: %s", lock->name, error->message);
  lock->held = mine;
  return mine;
}

void
ntpmon_runner_lock_release (NtpmonRunnerLock *lock)
{
  gboolean released;

  if (lock->held && lock->conn != NULL)
    query_flag (lock, "SELECT RELEASE_LOCK(?)", G_MAXUINT, &released, NULL);
  lock->held = FALSE;
}
