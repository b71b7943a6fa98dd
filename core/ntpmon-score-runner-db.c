/* ntpmon-score-runner-db.c: the scorer runner's reads and writes
 *
 * SPDX-License-Identifier: MIT
 *
 * The statements of spec/api-server.md §18 the scorer uses, and the
 * per-row work of spec/scorer.md §6.4–6.6.
 */
#include "config.h"

#include "ntpmon-reviewer.h"
#include "ntpmon-score-runner-private.h"

#define LOG_SCORE_COLUMNS                                                                          \
  "ls.id, ls.monitor_id, ls.server_id, ls.ts, ls.score, ls.step, ls.`offset`, ls.rtt, "            \
  "ls.attributes"

/* Rows of monitors only, each looked up by its id: left to itself the
 * optimizer walks the monitors of type 'monitor' for every row. */
#define MONITOR_JOIN                                                                               \
  "STRAIGHT_JOIN monitors m FORCE INDEX (PRIMARY) ON m.id = ls.monitor_id AND m.type = 'monitor'"

#define SQL_BATCH                                                                                  \
  "SELECT " LOG_SCORE_COLUMNS " FROM log_scores ls USE INDEX (PRIMARY) " MONITOR_JOIN              \
  " WHERE ls.id > ? AND ls.id < (? + 10000) ORDER BY ls.id LIMIT ?"
#define SQL_NEXT_ID                                                                                \
  "SELECT ls.id FROM log_scores ls USE INDEX (PRIMARY) " MONITOR_JOIN                              \
  " WHERE ls.id > ? ORDER BY ls.id LIMIT 1"
/* statements over a list of servers: the list follows, then ")" and the end */
#define SQL_GET_OWN                                                                                \
  "SELECT id, monitor_id, server_id, score_ts, score_raw, status FROM server_scores"               \
  " WHERE monitor_id = ? AND server_id IN ("
#define SQL_INSERT_SERVER_SCORES                                                                   \
  "INSERT INTO server_scores (monitor_id, server_id, score_raw, created_on) VALUES "
#define SQL_INSERT_SERVER_SCORES_END " ON DUPLICATE KEY UPDATE score_raw = VALUES(score_raw)"
#define SQL_SHARE_LOCK_SERVERS       "SELECT id FROM servers WHERE id IN ("
#define SQL_SHARE_LOCK_SERVERS_END   " ORDER BY id LOCK IN SHARE MODE"
#define SQL_ACTIVATE_SERVER_SCORES                                                                 \
  "UPDATE server_scores SET status = 'active' WHERE monitor_id = ? AND server_id IN ("
#define SQL_INSERT_LOG_SCORE                                                                       \
  "INSERT INTO log_scores (server_id, monitor_id, ts, score, step, `offset`, rtt, attributes)"     \
  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
static void
read_log_score (NtpmonDbStmt *st, NtpmonLogScore *row)
{
  row->id = ntpmon_db_stmt_get_uint (st, 0);
  row->monitor_id = (guint32)ntpmon_db_stmt_get_uint (st, 1);
  row->server_id = (guint32)ntpmon_db_stmt_get_uint (st, 2);
  row->ts = ntpmon_db_stmt_get_unix_usec (st, 3) / G_USEC_PER_SEC;
  row->score = ntpmon_db_stmt_get_double (st, 4);
  row->step = ntpmon_db_stmt_get_double (st, 5);
  row->has_offset = !ntpmon_db_stmt_is_null (st, 6);
  row->offset = ntpmon_db_stmt_get_double (st, 6);
  row->has_rtt = !ntpmon_db_stmt_is_null (st, 7);
  row->rtt = (gint32)ntpmon_db_stmt_get_int (st, 7);
  row->attributes = ntpmon_db_stmt_dup_text (st, 8);
}

static gboolean
read_log_scores (NtpmonDbStmt *st, GPtrArray *rows, GError **error)
{
  g_autoptr (GError) local = NULL;

  while (ntpmon_db_stmt_next (st, &local))
    {
      NtpmonLogScore *row = g_new0 (NtpmonLogScore, 1);

      read_log_score (st, row);
      g_ptr_array_add (rows, row);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

#define FIRST_LOOKBACK_SECONDS 1200

typedef struct
{
  NtpmonLogScore row;
  gchar *status; /* the monitor's server_scores.status for the server */
} CachedRow;

static void
cached_row_free (CachedRow *c)
{
  ntpmon_log_score_clear (&c->row);
  g_free (c->status);
  g_free (c);
}

void
_ntpmon_score_recent_cache_clear (NtpmonScoreRecentCache *cache)
{
  g_clear_pointer (&cache->by_server, g_hash_table_unref);
  cache->valid = FALSE;
}

/**
 * _ntpmon_score_recent_cache_load:
 * @rows: the batch
 *
 * Reads, for the servers of @rows, the monitor results (with the monitors'
 * server_scores status) from the earliest first-attempt window start to
 * the latest row time: the first look-back of every row of the batch is
 * then answered from memory. Inside the batch's transaction this is the
 * same snapshot the per-row query would read.
 */
gboolean
_ntpmon_score_recent_cache_load (NtpmonScoreRecentCache *cache, NtpmonDbConn *conn, GPtrArray *rows,
                                 GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr (GString) sql = g_string_new (
      "SELECT " LOG_SCORE_COLUMNS ", ss.status FROM log_scores ls"
      " " MONITOR_JOIN
      " JOIN server_scores ss ON ss.monitor_id = ls.monitor_id AND ss.server_id = ls.server_id"
      " WHERE ls.ts >= ? AND ls.ts <= ? AND ls.server_id IN (");
  g_autoptr (NtpmonDbStmt) st = NULL;
  g_autoptr (GError) local = NULL;
  gint64 lo = G_MAXINT64, hi = G_MININT64;
  guint n = 0;

  _ntpmon_score_recent_cache_clear (cache);
  for (guint i = 0; i < rows->len; i++)
    {
      const NtpmonLogScore *ls = rows->pdata[i];

      lo = MIN (lo, ls->ts - FIRST_LOOKBACK_SECONDS);
      hi = MAX (hi, ls->ts);
      if (g_hash_table_add (seen, GUINT_TO_POINTER (ls->server_id)))
        g_string_append (sql, n++ ? ", ?" : "?");
    }
  if (n == 0)
    return TRUE;
  g_string_append (sql, ")");
  st = ntpmon_db_conn_prepare (conn, sql->str, error);
  if (st == NULL)
    return FALSE;
  ntpmon_db_stmt_bind (st, "TT", lo * G_USEC_PER_SEC, hi * G_USEC_PER_SEC);
  cache->by_server = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < rows->len; i++)
    {
      guint32 id = ((NtpmonLogScore *)rows->pdata[i])->server_id;

      if (g_hash_table_contains (cache->by_server, GUINT_TO_POINTER (id)))
        continue;
      ntpmon_db_stmt_bind_int (st, id);
      g_hash_table_insert (cache->by_server, GUINT_TO_POINTER (id),
                           g_ptr_array_new_with_free_func ((GDestroyNotify)cached_row_free));
    }
  if (!ntpmon_db_stmt_execute (st, error))
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      CachedRow *c = g_new0 (CachedRow, 1);

      read_log_score (st, &c->row);
      c->status = ntpmon_db_stmt_dup_text (st, 9);
      g_ptr_array_add (g_hash_table_lookup (cache->by_server, GUINT_TO_POINTER (c->row.server_id)),
                       c);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  cache->from_ts = lo;
  cache->to_ts = hi;
  cache->valid = TRUE;
  return TRUE;
}

static gint
by_ts_then_id (gconstpointer a, gconstpointer b)
{
  const NtpmonLogScore *x = *(NtpmonLogScore *const *)a, *y = *(NtpmonLogScore *const *)b;

  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* GetScorerRecentScores on the cached rows: per monitor with a wanted
 * status, its rows at its latest ts within [ts - lookback, ts]. */
static void
recent_from_cache (GPtrArray *cached, gint64 ts, gint lookback, const gchar *status1,
                   const gchar *status2, GPtrArray *rows_out)
{
  g_autoptr (GHashTable) latest = g_hash_table_new (NULL, NULL); /* monitor -> ts */
  guint first = rows_out->len;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < cached->len; i++)
      {
        const CachedRow *c = cached->pdata[i];
        gpointer key = GUINT_TO_POINTER (c->row.monitor_id);
        gpointer found;

        if (c->row.ts > ts || c->row.ts < ts - lookback
            || (g_strcmp0 (c->status, status1) != 0 && g_strcmp0 (c->status, status2) != 0))
          continue;
        found = g_hash_table_lookup (latest, key);
        if (pass == 0 && (found == NULL || c->row.ts > *(gint64 *)found))
          g_hash_table_insert (latest, key, (gpointer)&c->row.ts);
        else if (pass == 1 && c->row.ts == *(gint64 *)found)
          {
            NtpmonLogScore *copy = g_new (NtpmonLogScore, 1);

            *copy = c->row;
            copy->attributes = g_strdup (c->row.attributes);
            g_ptr_array_add (rows_out, copy);
          }
      }
  if (rows_out->len > first)
    qsort (rows_out->pdata + first, rows_out->len - first, sizeof (gpointer), by_ts_then_id);
}

/* NtpmonScoreFetchRecentFunc for recentmedian: GetScorerRecentScores, from
 * the batch's cache when it covers the window (@user_data). */
gboolean
_ntpmon_score_fetch_recent (NtpmonDbConn *db, guint32 server_id, gint64 ts, gint lookback_seconds,
                            const gchar *status1, const gchar *status2, GPtrArray *rows_out,
                            gpointer user_data, GError **error)
{
  NtpmonScoreRecentCache *cache = user_data;
  gint64 ts_usec = ts * G_USEC_PER_SEC;
  GPtrArray *cached;

  if (cache != NULL && cache->valid && ts <= cache->to_ts && ts - lookback_seconds >= cache->from_ts
      && (cached = g_hash_table_lookup (cache->by_server, GUINT_TO_POINTER (server_id))) != NULL)
    {
      recent_from_cache (cached, ts, lookback_seconds, status1, status2, rows_out);
      return TRUE;
    }
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      db, NTPMON_SCORER_RECENT_SCORES_SQL, error, "issTTii", (gint64)server_id, status1, status2,
      ts_usec, ts_usec, (gint64)lookback_seconds, (gint64)server_id);

  return st != NULL && read_log_scores (st, rows_out, error);
}

static GPtrArray *
fetch_window (NtpmonDbConn *conn, guint64 from_id, guint batch_size, GError **error)
{
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_log_score_free);
  g_autoptr (NtpmonDbStmt) st
      = ntpmon_db_conn_query (conn, SQL_BATCH, error, "uui", from_id, from_id, (gint64)batch_size);

  if (st == NULL || !read_log_scores (st, rows, error))
    return NULL;
  return g_steal_pointer (&rows);
}

/**
 * _ntpmon_score_fetch_batch:
 * @from_id: the scorer's `scorer_status.log_score_id`
 *
 * The next batch of monitor rows after @from_id (spec/scorer.md §6.4): the
 * rows of the 10 000-id window, or, when that window has none, the rows
 * from the next monitor row on. Unlike the reference, that next row itself
 * is part of the batch (§15 item 1: the reference skips it, and stalls when
 * nothing follows it within the window).
 *
 * Returns: (transfer full) (element-type NtpmonLogScore): the rows, empty
 *   at the end of the queue; NULL on error
 */
GPtrArray *
_ntpmon_score_fetch_batch (NtpmonDbConn *conn, guint64 from_id, guint batch_size, GError **error)
{
  g_autoptr (GPtrArray) rows = fetch_window (conn, from_id, batch_size, error);
  g_autoptr (NtpmonDbStmt) st = NULL;
  g_autoptr (GError) local = NULL;
  guint64 next;

  if (rows == NULL || rows->len > 0)
    return g_steal_pointer (&rows);
  st = ntpmon_db_conn_query (conn, SQL_NEXT_ID, error, "u", from_id);
  if (st == NULL)
    return NULL;
  if (!ntpmon_db_stmt_next (st, &local))
    {
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      return g_steal_pointer (&rows); /* end of the queue */
    }
  next = ntpmon_db_stmt_get_uint (st, 0);
  g_clear_pointer (&st, ntpmon_db_stmt_free);
  g_clear_pointer (&rows, g_ptr_array_unref);
  return fetch_window (conn, next - 1, batch_size, error);
}

/* The scorer's own server_scores row of one server during a batch. Every
 * write to it is made in memory and flushed once at the end of the batch
 * (the rows are the scorer's own: nothing else in the batch reads them
 * from the database). */
typedef struct
{
  NtpmonServerScore ss;
  gboolean scored;
  gboolean has_public;
  gint64 public_ts;
  gdouble public_score;
} OwnRow;

static void
own_row_free (OwnRow *own)
{
  ntpmon_server_score_clear (&own->ss);
  g_free (own);
}

/* Runs @head, the placeholders of @ids (GArray of guint32), ")" and
 * @tail, with the scorer's id first when @scorer_id is not 0. */
static NtpmonDbStmt *
run_for_servers (NtpmonDbConn *conn, const gchar *head, const gchar *tail, guint32 scorer_id,
                 GArray *ids, GError **error)
{
  g_autofree gchar *in = ntpmon_db_sql_placeholders (ids->len);
  g_autofree gchar *sql = g_strconcat (head, in, ")", tail, NULL);
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_prepare (conn, sql, error);

  if (st == NULL)
    return NULL;
  if (scorer_id != 0)
    ntpmon_db_stmt_bind_int (st, scorer_id);
  for (guint i = 0; i < ids->len; i++)
    ntpmon_db_stmt_bind_int (st, g_array_index (ids, guint32, i));
  if (!ntpmon_db_stmt_execute (st, error))
    return NULL;
  return g_steal_pointer (&st);
}

/* Reads the scorer's rows for @ids (GArray of guint32) into @own. */
static gboolean
load_own (NtpmonDbConn *conn, guint32 scorer_id, GArray *ids, GHashTable *own, GError **error)
{
  g_autoptr (NtpmonDbStmt) st = run_for_servers (conn, SQL_GET_OWN, "", scorer_id, ids, error);
  g_autoptr (GError) local = NULL;

  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      OwnRow *row = g_new0 (OwnRow, 1);

      row->ss.id = ntpmon_db_stmt_get_uint (st, 0);
      row->ss.monitor_id = (guint32)ntpmon_db_stmt_get_uint (st, 1);
      row->ss.server_id = (guint32)ntpmon_db_stmt_get_uint (st, 2);
      row->ss.score_ts = ntpmon_db_stmt_is_null (st, 3)
                             ? 0
                             : ntpmon_db_stmt_get_unix_usec (st, 3) / G_USEC_PER_SEC;
      row->ss.score_raw = ntpmon_db_stmt_get_double (st, 4);
      row->ss.status = ntpmon_db_stmt_dup_text (st, 5);
      g_hash_table_replace (own, GUINT_TO_POINTER (row->ss.server_id), row);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

/* The scorer's rows for @ids (GArray of guint32), created at -5. */
static gboolean
insert_own (NtpmonDbConn *conn, guint32 scorer_id, GArray *ids, gint64 now_usec, GError **error)
{
  g_autoptr (GString) sql = g_string_new (SQL_INSERT_SERVER_SCORES);
  g_autoptr (NtpmonDbStmt) st = NULL;

  for (guint i = 0; i < ids->len; i++)
    g_string_append (sql, i > 0 ? ", (?, ?, ?, ?)" : "(?, ?, ?, ?)");
  g_string_append (sql, SQL_INSERT_SERVER_SCORES_END);
  st = ntpmon_db_conn_prepare (conn, sql->str, error);
  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    ntpmon_db_stmt_bind (st, "iidT", (gint64)scorer_id, (gint64)g_array_index (ids, guint32, i),
                         -5.0, ntpmon_review_round_usec (now_usec));
  return ntpmon_db_stmt_execute (st, error);
}

/* Sets the scorer's rows for @ids active. */
static gboolean
activate_own (NtpmonDbConn *conn, guint32 scorer_id, GArray *ids, GError **error)
{
  g_autoptr (NtpmonDbStmt) st
      = run_for_servers (conn, SQL_ACTIVATE_SERVER_SCORES, "", scorer_id, ids, error);

  return st != NULL;
}

/* The servers of @rows, each once, in the order of their first row. */
static GArray *
server_ids (GPtrArray *rows)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < rows->len; i++)
    {
      guint32 id = ((NtpmonLogScore *)rows->pdata[i])->server_id;

      if (g_hash_table_add (seen, GUINT_TO_POINTER (id)))
        g_array_append_val (ids, id);
    }
  return ids;
}

static GHashTable *
own_table_new (void)
{
  return g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)own_row_free);
}

/**
 * _ntpmon_score_own_read:
 * @rows: a batch
 *
 * Returns: (transfer full): the scorer's existing server_scores rows for
 *   the servers of @rows, by server id; NULL on error
 */
GHashTable *
_ntpmon_score_own_read (NtpmonDbConn *conn, guint32 scorer_id, GPtrArray *rows, GError **error)
{
  g_autoptr (GHashTable) own = own_table_new ();
  g_autoptr (GArray) ids = server_ids (rows);

  if (!load_own (conn, scorer_id, ids, own, error))
    return NULL;
  return g_steal_pointer (&own);
}

/**
 * _ntpmon_score_own_overlay:
 * @own: rows read by _ntpmon_score_own_read() for @rows
 * @newer: the rows of the scorer's previous batch as it committed them
 *
 * Brings rows read before the previous batch committed up to date: the
 * previous batch's rows of the servers of @rows replace (or add to) the
 * ones read.
 */
void
_ntpmon_score_own_overlay (GHashTable *own, GHashTable *newer, GPtrArray *rows)
{
  g_autoptr (GArray) ids = server_ids (rows);

  for (guint i = 0; i < ids->len; i++)
    {
      gpointer key = GUINT_TO_POINTER (g_array_index (ids, guint32, i));
      const OwnRow *src = g_hash_table_lookup (newer, key);
      OwnRow *copy;

      if (src == NULL)
        continue;
      copy = g_new0 (OwnRow, 1);
      copy->ss = src->ss;
      copy->ss.status = g_strdup (src->ss.status);
      g_hash_table_replace (own, key, copy);
    }
}

/* The servers of @ids that have no own row in @own yet. */
static GArray *
own_missing (GHashTable *own, GArray *ids)
{
  GArray *missing = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < ids->len; i++)
    {
      guint32 id = g_array_index (ids, guint32, i);

      if (!g_hash_table_contains (own, GUINT_TO_POINTER (id)))
        g_array_append_val (missing, id);
    }
  return missing;
}

/* Takes the shared locks that the batch's inserts take on its servers
 * (foreign keys) at once, in id order. The main scorer, running at the
 * same time, updates those servers, taking their exclusive locks in id
 * order too (one UPDATE … WHERE id IN): two orders of one kind cannot
 * deadlock, while the inserts' row order could. */
static gboolean
share_lock_servers (NtpmonDbConn *conn, GArray *ids, GError **error)
{
  g_autoptr (NtpmonDbStmt) st
      = run_for_servers (conn, SQL_SHARE_LOCK_SERVERS, SQL_SHARE_LOCK_SERVERS_END, 0, ids, error);

  return st != NULL;
}

/* Steps 1 and 2 of §6.5 for every server of the batch: the scorer's own
 * rows (in @own as far as they exist) exist (created at -5) and are
 * active. The reference's statements per row are one per batch here, with
 * the same rows in the end. */
static gboolean
prepare_own (NtpmonDbConn *conn, NtpmonScoreSlot *slot, GArray *ids, GArray *missing,
             GHashTable *own, gint64 now_usec, NtpmonScoreRunnerStats *stats, GError **error)
{
  g_autoptr (GArray) inactive = g_array_new (FALSE, FALSE, sizeof (guint32));

  stats->insert_server_score += missing->len;
  if (missing->len > 0
      && (!insert_own (conn, slot->scorer_id, missing, now_usec, error)
          || !load_own (conn, slot->scorer_id, missing, own, error)))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      guint32 id = g_array_index (ids, guint32, i);
      OwnRow *row = g_hash_table_lookup (own, GUINT_TO_POINTER (id));

      if (row == NULL)
        {
          g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND,
                       "server_scores row of scorer %u for server %u missing after insert",
                       slot->scorer_id, id);
          return FALSE;
        }
      if (g_strcmp0 (row->ss.status, "active") == 0)
        continue;
      g_array_append_val (inactive, id);
      g_free (row->ss.status);
      row->ss.status = g_strdup ("active");
    }
  stats->update_server_score_status += inactive->len;
  return inactive->len == 0 || activate_own (conn, slot->scorer_id, inactive, error);
}

#define LOG_INSERT_CHUNK 50

/* The scorer's log_scores rows, LOG_INSERT_CHUNK per statement. */
static gboolean
insert_log_scores (NtpmonDbConn *conn, guint32 scorer_id, GPtrArray *outs, GError **error)
{
  for (guint first = 0; first < outs->len; first += LOG_INSERT_CHUNK)
    {
      guint n = MIN (LOG_INSERT_CHUNK, outs->len - first);
      g_autoptr (GString) sql = g_string_new (SQL_INSERT_LOG_SCORE);
      g_autoptr (NtpmonDbStmt) st = NULL;

      for (guint i = 1; i < n; i++)
        g_string_append (sql, ", (?, ?, ?, ?, ?, ?, ?, ?)");
      st = ntpmon_db_conn_prepare (conn, sql->str, error);
      if (st == NULL)
        return FALSE;
      for (guint i = first; i < first + n; i++)
        {
          const NtpmonLogScore *out = outs->pdata[i];

          ntpmon_db_stmt_bind (st, "iiTdd", (gint64)out->server_id, (gint64)scorer_id,
                               out->ts * G_USEC_PER_SEC, out->score, out->step);
          if (out->has_offset)
            ntpmon_db_stmt_bind_double (st, out->offset);
          else
            ntpmon_db_stmt_bind_null (st);
          if (out->has_rtt)
            ntpmon_db_stmt_bind_int (st, out->rtt);
          else
            ntpmon_db_stmt_bind_null (st);
          ntpmon_db_stmt_bind_text (st, out->attributes);
        }
      if (!ntpmon_db_stmt_execute (st, error))
        return FALSE;
    }
  return TRUE;
}

/* Steps 3–6 of §6.5 for one row against the in-memory own row; @outs
 * collects the log_scores rows to write. */
static gboolean
score_row (NtpmonDbConn *conn, NtpmonScoreSlot *slot, OwnRow *own, const NtpmonLogScore *ls,
           gint64 now_usec, GPtrArray *outs, NtpmonScoreRunnerStats *stats, GError **error)
{
  g_autoptr (GError) local = NULL;
  NtpmonLogScore *out = g_new0 (NtpmonLogScore, 1);

  if (!ntpmon_scorer_score (slot->scorer, conn, &own->ss, ls, out, &local))
    {
      ntpmon_log_score_free (out);
      if (local->domain == NTPMON_DB_ERROR
          || ls->ts * G_USEC_PER_SEC
                 >= now_usec - (gint64)NTPMON_SCORE_RUNNER_SKIP_AGE_SECONDS * G_USEC_PER_SEC)
        {
          g_set_error (error, local->domain, local->code, "scorer \"%s\": %s", slot->name,
                       local->message);
          return FALSE;
        }
      g_warning ("scorer %s: skipping log_scores row %" G_GUINT64_FORMAT
                 " (older than 3 hours): %s",
                 slot->name, ls->id, local->message);
      stats->skipped++;
      return TRUE;
    }
  if (out->server_id == 0)
    out->server_id = ls->server_id;
  /* no ordering guard on the scorer's own row (§15 item 6) */
  own->ss.score_ts = out->ts;
  own->ss.score_raw = out->score;
  own->scored = TRUE;
  stats->update_server_score++;
  if (g_str_equal (slot->name, NTPMON_SCORE_RUNNER_MAIN_SCORER))
    {
      /* UPDATE servers … WHERE score_ts < ts: of a sequence of updates the
       * first one with the greatest ts wins (one UPDATE at the end) */
      stats->update_server++;
      if (!own->has_public || out->ts > own->public_ts)
        {
          own->has_public = TRUE;
          own->public_ts = out->ts;
          own->public_score = out->score;
        }
    }
  if (ntpmon_scorer_is_new (slot->scorer, ls))
    {
      stats->insert_log_score++;
      g_ptr_array_add (outs, out);
    }
  else
    ntpmon_log_score_free (out);
  return TRUE;
}

/* One row's new score for the batch's UPDATE of server_scores or servers. */
typedef struct
{
  guint64 id;
  gdouble score;
  gint64 ts; /* unix seconds */
} ScoreUpdate;

/* The reference's UPDATE per scored row of @table as one statement for
 * the batch, each row's values picked by its id. With @forward_only, a row
 * whose score_ts is not older keeps its values (`servers`). */
static gboolean
update_rows (NtpmonDbConn *conn, const gchar *table, GArray *updates, gboolean forward_only,
             GError **error)
{
  g_autoptr (GString) when = g_string_new ("CASE id");
  g_autofree gchar *in = ntpmon_db_sql_placeholders (updates->len);
  g_autofree gchar *sql = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;

  if (updates->len == 0)
    return TRUE;
  for (guint i = 0; i < updates->len; i++)
    g_string_append (when, " WHEN ? THEN ?");
  g_string_append (when, " END");
  sql = g_strdup_printf ("UPDATE %s SET score_ts = %s, score_raw = %s WHERE id IN (%s)%s%s%s",
                         table, when->str, when->str, in,
                         forward_only ? " AND (score_ts IS NULL OR score_ts < " : "",
                         forward_only ? when->str : "", forward_only ? ")" : "");
  st = ntpmon_db_conn_prepare (conn, sql, error);
  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < updates->len; i++)
    {
      ScoreUpdate *u = &g_array_index (updates, ScoreUpdate, i);

      ntpmon_db_stmt_bind (st, "uT", u->id, u->ts * G_USEC_PER_SEC);
    }
  for (guint i = 0; i < updates->len; i++)
    {
      ScoreUpdate *u = &g_array_index (updates, ScoreUpdate, i);

      ntpmon_db_stmt_bind (st, "ud", u->id, u->score);
    }
  for (guint i = 0; i < updates->len; i++)
    ntpmon_db_stmt_bind (st, "u", g_array_index (updates, ScoreUpdate, i).id);
  for (guint i = 0; forward_only && i < updates->len; i++)
    {
      ScoreUpdate *u = &g_array_index (updates, ScoreUpdate, i);

      ntpmon_db_stmt_bind (st, "uT", u->id, u->ts * G_USEC_PER_SEC);
    }
  return ntpmon_db_stmt_execute (st, error);
}

/* The end state of the own rows, and of `servers` for the main scorer. */
static gboolean
update_scores (NtpmonDbConn *conn, GHashTable *own, GError **error)
{
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (ScoreUpdate));
  g_autoptr (GArray) servers = g_array_new (FALSE, FALSE, sizeof (ScoreUpdate));
  GHashTableIter iter;
  OwnRow *row;

  g_hash_table_iter_init (&iter, own);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&row))
    {
      if (row->scored)
        g_array_append_val (scores,
                            ((ScoreUpdate){ row->ss.id, row->ss.score_raw, row->ss.score_ts }));
      if (row->has_public)
        g_array_append_val (
            servers, ((ScoreUpdate){ row->ss.server_id, row->public_score, row->public_ts }));
    }
  return update_rows (conn, "server_scores", scores, FALSE, error)
         && update_rows (conn, "servers", servers, TRUE, error);
}

/**
 * _ntpmon_score_process_rows:
 * @rows: (element-type NtpmonLogScore): the batch, in id order
 * @now_usec: wall clock (for the 3-hour rule and created_on, which is
 *   rounded to whole seconds as the reference's database does, §15 item 18)
 * @cache: (nullable): the history cache of a scorer that reads history
 * @own: (inout) (transfer full) (nullable): in: the scorer's rows for the
 *   batch as read ahead, NULL to read them; out: as the batch wrote them
 *
 * A scorer other than the main one that runs at the same time as the main
 * one (@slot's share_lock_servers) first takes its servers' shared locks
 * in id order. Algorithms running at the same time create their own rows
 * one batch at a time (@slot's create_lock, taken before any database lock
 * of the batch and held until its transaction ends): inserts into the same
 * gaps of the server_scores indexes can deadlock.
 *
 * spec/scorer.md §6.5 and §6.6 for a batch and one scorer, inside the
 * caller's transaction. The writes of the reference's per-row statements
 * are made once per batch with the same end state: the scorer's rows (last
 * score per server), servers (first row with the newest ts, if newer than
 * the stored one) and the log rows in row order.
 */
gboolean
_ntpmon_score_process_rows (NtpmonDbConn *conn, NtpmonScoreSlot *slot, GPtrArray *rows,
                            gint64 now_usec, NtpmonScoreRecentCache *cache, GHashTable **own,
                            NtpmonScoreRunnerStats *stats, GError **error)
{
  g_autoptr (GPtrArray) outs
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_log_score_free);
  g_autoptr (GArray) ids = server_ids (rows);
  g_autoptr (GArray) missing = NULL;

  if (*own == NULL)
    {
      *own = own_table_new ();
      if (!load_own (conn, slot->scorer_id, ids, *own, error))
        return FALSE;
    }
  missing = own_missing (*own, ids);
  if (slot->create_lock != NULL && !slot->holds_create_lock && missing->len > 0)
    {
      g_mutex_lock (slot->create_lock);
      slot->holds_create_lock = TRUE;
    }
  if ((slot->share_lock_servers && !share_lock_servers (conn, ids, error))
      || !prepare_own (conn, slot, ids, missing, *own, now_usec, stats, error))
    return FALSE;
  /* a batch read ahead comes with its history */
  if (cache != NULL && !cache->valid && !_ntpmon_score_recent_cache_load (cache, conn, rows, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      const NtpmonLogScore *ls = rows->pdata[i];

      if (!score_row (conn, slot, g_hash_table_lookup (*own, GUINT_TO_POINTER (ls->server_id)), ls,
                      now_usec, outs, stats, error))
        return FALSE;
    }
  return insert_log_scores (conn, slot->scorer_id, outs, error)
         && update_scores (conn, *own, error);
}
