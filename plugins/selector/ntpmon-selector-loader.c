/* ntpmon-selector-loader.c: the inputs of selector.md §4 from the database
 *
 * One server: NTPMON_SELECTOR_SQL_GET_SERVER and
 * NTPMON_SELECTOR_SQL_GET_MONITORS. Several servers (a batch): the same
 * rows with two statements for up to ten servers (a prefetch), read at the
 * start of the batch's transaction. The reviews of a batch write only rows
 * of the server under review (server_scores of that server,
 * servers_monitor_review) and no review reads another server's rows, so a
 * server's rows read at the start of the batch are the rows it would read
 * after the reviews before it (in either isolation level the batches use). A prefetch that fails
 * as a whole, or a server it did not find, falls back to the one-server
 * statements, whose errors are the pipeline errors of selector.md §3.1.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-engine.h"
#include "ntpmon-selector-loader.h"
#include "ntpmon-selector-review.h"
#include "ntpmon-selector-row.h"

/* the column after the row of ntpmon-selector-row.h */
#define COL_SERVER_ID NTPMON_SELECTOR_N_COLUMNS

/* One monitor row and the server it belongs to. */
static NtpmonSelectorMonitor *
read_row (NtpmonDbStmt *st, gint64 *server_id, GError **error)
{
  const gchar *values[NTPMON_SELECTOR_N_COLUMNS];
  NtpmonSelectorMonitor *m;

  *server_id = ntpmon_db_stmt_get_int (st, COL_SERVER_ID);
  for (guint i = 0; i < NTPMON_SELECTOR_N_COLUMNS; i++)
    values[i] = ntpmon_db_stmt_get_text (st, i);
  m = ntpmon_selector_monitor_new_from_row (values, NTPMON_SELECTOR_N_COLUMNS, error);
  if (m == NULL)
    g_prefix_error (error, "server %" G_GINT64_FORMAT ": ", *server_id);
  return m;
}

static gboolean
check_columns (NtpmonDbStmt *st, guint expected, GError **error)
{
  if (ntpmon_db_stmt_get_n_columns (st) == expected)
    return TRUE;
  g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW,
               "query returned %u columns, not %u", ntpmon_db_stmt_get_n_columns (st), expected);
  return FALSE;
}

static GPtrArray *
monitor_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_monitor_free);
}

static GPtrArray *
load_monitors (NtpmonDbConn *conn, gint64 server_id, GError **error)
{
  g_autoptr (GPtrArray) rows = monitor_array_new ();
  g_autoptr (NtpmonDbStmt) st
      = ntpmon_db_conn_query (conn, NTPMON_SELECTOR_SQL_GET_MONITORS, error, "i", server_id);
  g_autoptr (GError) local = NULL;

  if (st == NULL || !check_columns (st, COL_SERVER_ID + 1, error))
    return NULL;
  while (ntpmon_db_stmt_next (st, &local))
    {
      gint64 id;
      NtpmonSelectorMonitor *m = read_row (st, &id, error);

      if (m == NULL)
        return NULL;
      g_ptr_array_add (rows, m);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * ntpmon_selector_load_context:
 *
 * One server and its monitor rows (selector.md §4.1, §4.2).
 *
 * Returns: (transfer full) (nullable): NULL with @error when the server or
 *   a monitor row cannot be loaded
 */
NtpmonSelectorContext *
ntpmon_selector_load_context (NtpmonDbConn *conn, gint64 server_id, GError **error)
{
  g_autoptr (NtpmonDbStmt) st
      = ntpmon_db_conn_query (conn, NTPMON_SELECTOR_SQL_GET_SERVER, error, "i", server_id);
  g_autofree gchar *ip = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  gboolean has_account;
  gint64 account;

  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    {
      g_prefix_error (error, "failed to load server info: ");
      return NULL;
    }
  ip = ntpmon_db_stmt_dup_text (st, 0);
  has_account = !ntpmon_db_stmt_is_null (st, 1);
  account = ntpmon_db_stmt_get_int (st, 1);
  g_clear_pointer (&st, ntpmon_db_stmt_free);
  rows = load_monitors (conn, server_id, error);
  if (rows == NULL)
    return NULL;
  return ntpmon_selector_context_new (server_id, ip, has_account, account, rows);
}

typedef struct
{
  gint64 server_id;
  gchar *ip;
  gboolean has_account;
  gint64 account;
  GPtrArray *rows;
  GError *error; /* a monitor row of this server could not be read */
} Entry;

static void
entry_free (Entry *e)
{
  g_free (e->ip);
  g_clear_pointer (&e->rows, g_ptr_array_unref);
  g_clear_error (&e->error);
  g_free (e);
}

struct _NtpmonSelectorPrefetch
{
  GHashTable *entries; /* &Entry.server_id -> Entry */
};

void
ntpmon_selector_prefetch_free (NtpmonSelectorPrefetch *prefetch)
{
  if (prefetch == NULL)
    return;
  g_hash_table_unref (prefetch->entries);
  g_free (prefetch);
}

typedef void (*RowFunc) (NtpmonSelectorPrefetch *prefetch, NtpmonDbStmt *st);

/* Runs @sql for up to ten servers (the last id repeated to fill) and hands
 * each row to @func. */
static gboolean
each_row (NtpmonSelectorPrefetch *prefetch, NtpmonDbConn *conn, const gchar *sql, guint n_columns,
          const gint64 *ids, guint n, RowFunc func, GError **error)
{
  gint64 v[NTPMON_SELECTOR_LOAD_MAX];
  g_autoptr (NtpmonDbStmt) st = NULL;
  g_autoptr (GError) local = NULL;

  for (guint i = 0; i < NTPMON_SELECTOR_LOAD_MAX; i++)
    v[i] = ids[MIN (i, n - 1)];
  st = ntpmon_db_conn_query (conn, sql, error, "iiiiiiiiii", v[0], v[1], v[2], v[3], v[4], v[5],
                             v[6], v[7], v[8], v[9]);
  if (st == NULL || !check_columns (st, n_columns, error))
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    func (prefetch, st);
  if (local == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

static void
add_server (NtpmonSelectorPrefetch *prefetch, NtpmonDbStmt *st)
{
  Entry *e = g_new0 (Entry, 1);

  e->server_id = ntpmon_db_stmt_get_int (st, 0);
  e->ip = ntpmon_db_stmt_dup_text (st, 1);
  e->has_account = !ntpmon_db_stmt_is_null (st, 2);
  e->account = ntpmon_db_stmt_get_int (st, 2);
  e->rows = monitor_array_new ();
  g_hash_table_replace (prefetch->entries, &e->server_id, e);
}

static void
add_monitor (NtpmonSelectorPrefetch *prefetch, NtpmonDbStmt *st)
{
  gint64 server_id = ntpmon_db_stmt_get_int (st, COL_SERVER_ID);
  Entry *e = g_hash_table_lookup (prefetch->entries, &server_id);
  NtpmonSelectorMonitor *m;

  /* a server that failed keeps its first error, as the one-server query
   * stops at its first bad row */
  if (e == NULL || e->error != NULL)
    return;
  m = read_row (st, &server_id, &e->error);
  if (m != NULL)
    g_ptr_array_add (e->rows, m);
}

/**
 * ntpmon_selector_prefetch:
 * @server_ids: (array length=n_servers): the servers of a batch, in any order
 *
 * Reads the inputs of these servers with two statements per ten servers.
 * Call it inside the transaction of the reviews that take the servers.
 *
 * Returns: (transfer full) (nullable): NULL with @error when a statement
 *   failed (the caller then loads each server alone)
 */
NtpmonSelectorPrefetch *
ntpmon_selector_prefetch (NtpmonDbConn *conn, const gint64 *server_ids, guint n_servers,
                          GError **error)
{
  g_autoptr (NtpmonSelectorPrefetch) prefetch = g_new0 (NtpmonSelectorPrefetch, 1);

  prefetch->entries
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)entry_free);
  for (guint i = 0; i < n_servers; i += NTPMON_SELECTOR_LOAD_MAX)
    {
      guint n = MIN (n_servers - i, NTPMON_SELECTOR_LOAD_MAX);

      if (!each_row (prefetch, conn, NTPMON_SELECTOR_SQL_GET_SERVERS_MANY, 3, server_ids + i, n,
                     add_server, error)
          || !each_row (prefetch, conn, NTPMON_SELECTOR_SQL_GET_MONITORS_MANY, COL_SERVER_ID + 1,
                        server_ids + i, n, add_monitor, error))
        return NULL;
    }
  return g_steal_pointer (&prefetch);
}

/**
 * ntpmon_selector_prefetch_take:
 * @prefetch: (nullable): what ntpmon_selector_prefetch() read
 *
 * The context of @server_id from @prefetch, which forgets it (a second
 * review of the same server reads it again, after the first one's
 * writes); from ntpmon_selector_load_context() when @prefetch does not
 * hold the server.
 *
 * Returns: (transfer full) (nullable): as ntpmon_selector_load_context()
 */
NtpmonSelectorContext *
ntpmon_selector_prefetch_take (NtpmonSelectorPrefetch *prefetch, NtpmonDbConn *conn,
                               gint64 server_id, GError **error)
{
  Entry *e = prefetch != NULL ? g_hash_table_lookup (prefetch->entries, &server_id) : NULL;
  NtpmonSelectorContext *ctx = NULL;

  if (e == NULL)
    return ntpmon_selector_load_context (conn, server_id, error);
  if (e->error != NULL)
    g_propagate_error (error, g_steal_pointer (&e->error));
  else
    ctx = ntpmon_selector_context_new (server_id, e->ip, e->has_account, e->account, e->rows);
  g_hash_table_remove (prefetch->entries, &server_id);
  return ctx;
}
