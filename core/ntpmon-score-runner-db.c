/* ntpmon-score-runner-db.c: the scorer runner's reads and writes
 *
 * SPDX-License-Identifier: MIT
 *
 * The statements of spec/api-server.md §18 the scorer uses, and the
 * per-row work of spec/scorer.md §6.4–6.6.
 */
#include "config.h"

#include "ntpmon-score-runner-private.h"

#define LOG_SCORE_COLUMNS                                                                          \
  "ls.id, ls.monitor_id, ls.server_id, ls.ts, ls.score, ls.step, ls.`offset`, ls.rtt, "            \
  "ls.attributes"

#define SQL_BATCH                                                                                  \
  "SELECT " LOG_SCORE_COLUMNS " FROM log_scores ls USE INDEX (PRIMARY), monitors m"                \
  " WHERE ls.id > ? AND ls.id < (? + 10000) AND m.type = 'monitor' AND ls.monitor_id = m.id"       \
  " ORDER BY ls.id LIMIT ?"
#define SQL_NEXT_ID                                                                                \
  "SELECT ls.id FROM log_scores ls USE INDEX (PRIMARY), monitors m"                                \
  " WHERE ls.id > ? AND m.type = 'monitor' AND ls.monitor_id = m.id ORDER BY ls.id LIMIT 1"
#define SQL_GET_SERVER_SCORE                                                                       \
  "SELECT id, monitor_id, server_id, score_ts, score_raw, status FROM server_scores"               \
  " WHERE server_id = ? AND monitor_id = ?"
#define SQL_INSERT_SERVER_SCORE                                                                    \
  "INSERT INTO server_scores (monitor_id, server_id, score_raw, created_on) VALUES (?, ?, ?, ?)"   \
  " ON DUPLICATE KEY UPDATE score_raw = VALUES(score_raw)"
#define SQL_SET_SERVER_SCORE_STATUS                                                                \
  "UPDATE server_scores SET status = ? WHERE monitor_id = ? AND server_id = ?"
#define SQL_INSERT_LOG_SCORE                                                                       \
  "INSERT INTO log_scores (server_id, monitor_id, ts, score, step, `offset`, rtt, attributes)"     \
  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
#define SQL_UPDATE_SERVER_SCORE "UPDATE server_scores SET score_ts = ?, score_raw = ? WHERE id = ?"
#define SQL_UPDATE_SERVER                                                                          \
  "UPDATE servers SET score_ts = ?, score_raw = ? WHERE id = ? AND (score_ts < ? OR score_ts IS "  \
  "NULL)"

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

/* NtpmonScoreFetchRecentFunc for recentmedian: GetScorerRecentScores. */
gboolean
_ntpmon_score_fetch_recent (NtpmonDbConn *db, guint32 server_id, gint64 ts, gint lookback_seconds,
                            const gchar *status1, const gchar *status2, GPtrArray *rows_out,
                            gpointer user_data, GError **error)
{
  gint64 ts_usec = ts * G_USEC_PER_SEC;
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

static gboolean
get_server_score (NtpmonDbConn *conn, guint32 server_id, guint32 monitor_id, NtpmonServerScore *ss,
                  GError **error)
{
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, SQL_GET_SERVER_SCORE, error, "ii",
                                                      (gint64)server_id, (gint64)monitor_id);

  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    return FALSE;
  ss->id = ntpmon_db_stmt_get_uint (st, 0);
  ss->monitor_id = (guint32)ntpmon_db_stmt_get_uint (st, 1);
  ss->server_id = (guint32)ntpmon_db_stmt_get_uint (st, 2);
  ss->score_ts
      = ntpmon_db_stmt_is_null (st, 3) ? 0 : ntpmon_db_stmt_get_unix_usec (st, 3) / G_USEC_PER_SEC;
  ss->score_raw = ntpmon_db_stmt_get_double (st, 4);
  g_free (ss->status);
  ss->status = ntpmon_db_stmt_dup_text (st, 5);
  return TRUE;
}

/* Steps 1 and 2 of §6.5: the scorer's own server_scores row, active. */
static gboolean
own_row (NtpmonDbConn *conn, NtpmonScoreSlot *slot, guint32 server_id, gint64 now,
         NtpmonServerScore *ss, NtpmonScoreRunnerStats *stats, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!get_server_score (conn, server_id, slot->scorer_id, ss, &local))
    {
      if (!g_error_matches (local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      stats->insert_server_score++;
      if (!ntpmon_db_conn_exec (conn, SQL_INSERT_SERVER_SCORE, NULL, error, "iidT",
                                (gint64)slot->scorer_id, (gint64)server_id, -5.0,
                                now * G_USEC_PER_SEC)
          || !get_server_score (conn, server_id, slot->scorer_id, ss, error))
        return FALSE;
    }
  if (g_strcmp0 (ss->status, "active") != 0)
    {
      stats->update_server_score_status++;
      if (!ntpmon_db_conn_exec (conn, SQL_SET_SERVER_SCORE_STATUS, NULL, error, "sii", "active",
                                (gint64)slot->scorer_id, (gint64)server_id))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_log_score (NtpmonDbConn *conn, guint32 scorer_id, const NtpmonLogScore *out, GError **error)
{
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_prepare (conn, SQL_INSERT_LOG_SCORE, error);

  if (st == NULL)
    return FALSE;
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
  return ntpmon_db_stmt_execute (st, error);
}

/**
 * _ntpmon_score_process_row:
 * @now: wall clock, unix seconds (for the 3-hour rule and created_on)
 *
 * spec/scorer.md §6.5 and §6.6 for one monitor row and one scorer.
 */
gboolean
_ntpmon_score_process_row (NtpmonDbConn *conn, NtpmonScoreSlot *slot, const NtpmonLogScore *ls,
                           gint64 now, NtpmonScoreRunnerStats *stats, GError **error)
{
  NtpmonServerScore ss = { 0 };
  NtpmonLogScore out = { 0 };
  g_autoptr (GError) local = NULL;
  gboolean ok = FALSE;

  if (!own_row (conn, slot, ls->server_id, now, &ss, stats, error))
    goto out;
  if (!ntpmon_scorer_score (slot->scorer, conn, &ss, ls, &out, &local))
    {
      if (local->domain == NTPMON_DB_ERROR || ls->ts >= now - NTPMON_SCORE_RUNNER_SKIP_AGE_SECONDS)
        {
          g_set_error (error, local->domain, local->code, "scorer \"%s\": %s", slot->name,
                       local->message);
          goto out;
        }
      g_warning ("scorer %s: skipping log_scores row %" G_GUINT64_FORMAT
                 " (older than 3 hours): %s",
                 slot->name, ls->id, local->message);
      stats->skipped++;
      ok = TRUE;
      goto out;
    }
  out.server_id = out.server_id != 0 ? out.server_id : ls->server_id;
  if (ntpmon_scorer_is_new (slot->scorer, ls))
    {
      stats->insert_log_score++;
      if (!insert_log_score (conn, slot->scorer_id, &out, error))
        goto out;
    }
  stats->update_server_score++;
  if (!ntpmon_db_conn_exec (conn, SQL_UPDATE_SERVER_SCORE, NULL, error, "Tdu",
                            out.ts * G_USEC_PER_SEC, out.score, ss.id))
    goto out;
  if (g_str_equal (slot->name, NTPMON_SCORE_RUNNER_MAIN_SCORER))
    {
      stats->update_server++;
      if (!ntpmon_db_conn_exec (conn, SQL_UPDATE_SERVER, NULL, error, "TdiT",
                                out.ts * G_USEC_PER_SEC, out.score, (gint64)out.server_id,
                                out.ts * G_USEC_PER_SEC))
        goto out;
    }
  ok = TRUE;
out:
  ntpmon_server_score_clear (&ss);
  ntpmon_log_score_clear (&out);
  return ok;
}
