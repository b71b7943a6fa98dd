/* ntpmon-score-ahead.c: a concurrent scorer runner's read-ahead
 *
 * SPDX-License-Identifier: MIT
 *
 * While an algorithm's batch is being written, the rows of its next batch,
 * their history for the batch cache and the scorer's own server_scores
 * rows for them are read on a second connection. The first two do not
 * depend on the writes: the batch query takes monitor rows only and the
 * history query the monitors' rows and server_scores, none of which a
 * scorer writes. The own rows are brought up to date with the writing
 * batch's own rows once it has committed (_ntpmon_score_own_overlay()).
 * The next batch then starts with its reads done, as if it had begun a few
 * milliseconds earlier. A read-ahead is used only for the cursor and batch
 * size it was made for.
 */
#include "config.h"

#include "ntpmon-score-runner-private.h"

static gpointer
ahead_thread (gpointer data)
{
  NtpmonScoreAhead *ahead = data;
  g_autoptr (GError) error = NULL;

  /* one transaction: the rows and their history from one snapshot */
  if (!ntpmon_db_conn_begin (ahead->conn, &error))
    goto out;
  ahead->rows = _ntpmon_score_fetch_batch (ahead->conn, ahead->from_id, ahead->batch_size, &error);
  if (ahead->rows != NULL && ahead->rows->len > 0
      && ((ahead->reads_history
           && !_ntpmon_score_recent_cache_load (&ahead->cache, ahead->conn, ahead->rows, &error))
          || (ahead->own
              = _ntpmon_score_own_read (ahead->conn, ahead->scorer_id, ahead->rows, &error))
                 == NULL))
    g_clear_pointer (&ahead->rows, g_ptr_array_unref);
  if (ahead->rows != NULL && !ntpmon_db_conn_commit (ahead->conn, &error))
    g_clear_pointer (&ahead->rows, g_ptr_array_unref);
out:
  if (ntpmon_db_conn_in_transaction (ahead->conn))
    ntpmon_db_conn_rollback (ahead->conn, NULL);
  if (error != NULL)
    g_debug ("scorer read-ahead failed, the batch reads again: %s", error->message);
  return NULL;
}

/**
 * _ntpmon_score_ahead_clear:
 *
 * Waits for a read-ahead in progress and drops what it read; the
 * connection stays for the next one.
 */
void
_ntpmon_score_ahead_clear (NtpmonScoreAhead *ahead)
{
  if (ahead->thread != NULL)
    g_thread_join (g_steal_pointer (&ahead->thread));
  g_clear_pointer (&ahead->rows, g_ptr_array_unref);
  g_clear_pointer (&ahead->own, g_hash_table_unref);
  _ntpmon_score_recent_cache_clear (&ahead->cache);
}

NtpmonDbConn *
_ntpmon_score_conn_open (const NtpmonDbConfig *config, GError **error)
{
  NtpmonDbConn *conn = ntpmon_db_conn_open (config, error);

  if (conn != NULL)
    ntpmon_db_conn_set_implicit_begin (conn, TRUE);
  return conn;
}

/**
 * _ntpmon_score_ahead_start:
 * @config: where to connect the first time
 * @from_id: the cursor the batch will start from
 * @slot: the algorithm
 *
 * Starts reading the batch after @from_id on a thread. Without a
 * connection nothing is read ahead and the batch reads for itself.
 */
void
_ntpmon_score_ahead_start (NtpmonScoreAhead *ahead, const NtpmonDbConfig *config, guint64 from_id,
                           guint batch_size, NtpmonScoreSlot *slot)
{
  g_autoptr (GError) error = NULL;

  _ntpmon_score_ahead_clear (ahead);
  if (ahead->conn == NULL && (ahead->conn = _ntpmon_score_conn_open (config, &error)) == NULL)
    {
      g_debug ("scorer read-ahead: %s", error->message);
      return;
    }
  ahead->from_id = from_id;
  ahead->batch_size = batch_size;
  ahead->reads_history = slot->reads_history;
  ahead->scorer_id = slot->scorer_id;
  ahead->thread = g_thread_new ("scorer-ahead", ahead_thread, ahead);
}

/**
 * _ntpmon_score_ahead_take:
 * @cache: (out caller-allocates): receives the rows' history when the
 *   algorithm reads history
 * @own: (out) (transfer full): receives the own rows read with them
 *
 * Returns: (transfer full) (nullable): the batch after @from_id, or NULL
 *   when none was read ahead for @from_id and @batch_size
 */
GPtrArray *
_ntpmon_score_ahead_take (NtpmonScoreAhead *ahead, guint64 from_id, guint batch_size,
                          NtpmonScoreRecentCache *cache, GHashTable **own)
{
  GPtrArray *rows = NULL;

  if (ahead->thread != NULL)
    g_thread_join (g_steal_pointer (&ahead->thread));
  if (ahead->rows != NULL && ahead->from_id == from_id && ahead->batch_size == batch_size)
    {
      rows = g_steal_pointer (&ahead->rows);
      *own = g_steal_pointer (&ahead->own);
      _ntpmon_score_recent_cache_clear (cache);
      *cache = ahead->cache;
      ahead->cache = (NtpmonScoreRecentCache){ 0 };
    }
  _ntpmon_score_ahead_clear (ahead);
  return rows;
}
