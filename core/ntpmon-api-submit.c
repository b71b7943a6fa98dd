/* ntpmon-api-submit.c: the SubmitResults RPC (spec api-server.md §10)
 *
 * SPDX-License-Identifier: MIT
 *
 * The list is processed in one transaction with a fixed number of
 * statements per request: one SELECT for all results' servers and
 * server_scores rows (by primary key when the row cache knows their ids,
 * ntpmon-api-row-cache.c; a second one by address when an id is stale),
 * (only when some result can be a repeat) one SELECT of the log_scores
 * rows they may have already, the results applied in list order in
 * memory, then one UPDATE of the scores, the (rare) stratum updates, and
 * one multi-row INSERT into log_scores. The stored outcome is the one of
 * the per-result statements of §10.2, with one addition: a result is
 * stored once. One that log_scores holds already (same monitor, server
 * and ts), or that repeats an earlier one of the list, is skipped, so an
 * agent's resubmission of a batch that was committed before changes
 * nothing.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "ntpmon-api-handlers-private.h"
#include "ntpmon-ip.h"
#include "ntpmon-proto-wkt.h"
#include "ntpmon-ulid.h"

enum
{
  COUNT_OK,
  COUNT_OFFSET,
  COUNT_TIMEOUT,
  COUNT_SIGNATURE,
  COUNT_OUT_OF_ORDER,
  N_COUNTS
};

static const gchar *const count_names[N_COUNTS]
    = { "ok", "offset", "timeout", "signature_validation", "batch_out_of_order" };

typedef struct
{
  GBytes *ticket;
  guint8 ip[16];
  gsize ip_len;
  gchar *ip_text;
  NtpmonNtpResult *result;
  gint64 ts_usec; /* whole seconds */
  NtpmonScoreStep step;
  gboolean has_step;
} Item;

/* A stratum column: NULL or a value, and whether this request changes it. */
typedef struct
{
  gboolean known;
  gint64 value;
  gboolean changed;
} Stratum;

/* A server of the list with this monitor's server_scores row, as read and
 * then as changed by the list (in memory until written). */
typedef struct
{
  guint64 server_id;
  Stratum server_stratum; /* servers.stratum */
  gboolean assigned;      /* the monitor has a server_scores row */
  guint64 score_id;
  gdouble score;
  gint64 score_ts;
  gboolean has_stored_ts; /* server_scores.score_ts as read was not NULL */
  gint64 stored_ts;
  guint n_results; /* of the list */
  Stratum stratum; /* server_scores.stratum */
  gboolean touched;
} ServerRow;

/* What the transaction found for one result (per attempt). */
typedef struct
{
  ServerRow *row; /* NULL: no server has the address */
  gint64 ts_usec;
  gboolean stored; /* log_scores has a row with the result's key */
  gboolean skip;   /* stored already, or an earlier result of the list has its key */
} Slot;

typedef struct
{
  NtpmonApiHandlers *handlers;
  gchar *identity;
  gchar *mon_id;
  gint32 version;
  GBytes *batch_raw;
  gchar batch_id[NTPMON_ULID_TEXT_LEN + 1];
  Item *items;
  guint n_items;
  NtpmonApiMonitor *monitor;
  gboolean counted; /* found, live, version accepted (§10.6) */
  guint64 counts[N_COUNTS];
  guint n_duplicates; /* results skipped: stored before */
  GError *failure;
  gboolean bad_version;   /* failure: the version */
  gboolean batch_refused; /* failure: the batch id or its time */
} SubmitJob;

static void
submit_job_free (gpointer data)
{
  SubmitJob *job = data;

  for (guint i = 0; i < job->n_items; i++)
    {
      g_clear_pointer (&job->items[i].ticket, g_bytes_unref);
      g_free (job->items[i].ip_text);
      g_clear_pointer (&job->items[i].result, ntpmon_ntp_result_unref);
      ntpmon_score_step_clear (&job->items[i].step);
    }
  g_free (job->items);
  ntpmon_api_handlers_unref (job->handlers);
  g_free (job->identity);
  g_free (job->mon_id);
  g_clear_pointer (&job->batch_raw, g_bytes_unref);
  ntpmon_api_monitor_free (job->monitor);
  g_clear_error (&job->failure);
  g_free (job);
}

static void
count_step (SubmitJob *job, const NtpmonScoreStep *step)
{
  if (step->step == -5)
    job->counts[COUNT_TIMEOUT]++;
  else if (step->step < 1)
    job->counts[COUNT_OFFSET]++;
  else
    job->counts[COUNT_OK]++;
}

/* Slots by the key of their log_scores row: server and time. */
static guint
slot_key_hash (gconstpointer key)
{
  const Slot *slot = key;

  return g_int64_hash (&slot->ts_usec) ^ g_direct_hash (slot->row);
}

static gboolean
slot_key_equal (gconstpointer a, gconstpointer b)
{
  const Slot *x = a, *y = b;

  return x->ts_usec == y->ts_usec && x->row == y->row;
}

static void
stratum_update (Stratum *stratum, gint64 value)
{
  if (!stratum->known || stratum->value != value)
    {
      stratum->known = stratum->changed = TRUE;
      stratum->value = value;
    }
}

static ServerRow *
row_new (NtpmonDbStmt *st)
{
  ServerRow *row = g_new0 (ServerRow, 1);

  row->server_id = ntpmon_db_stmt_get_uint (st, 1);
  row->server_stratum.known = !ntpmon_db_stmt_is_null (st, 2);
  row->server_stratum.value = row->server_stratum.known ? ntpmon_db_stmt_get_int (st, 2) : 0;
  row->assigned = !ntpmon_db_stmt_is_null (st, 3);
  if (row->assigned)
    {
      row->score_id = ntpmon_db_stmt_get_uint (st, 3);
      row->score = ntpmon_db_stmt_get_double (st, 4);
      row->stratum.known = !ntpmon_db_stmt_is_null (st, 5);
      row->stratum.value = row->stratum.known ? ntpmon_db_stmt_get_int (st, 5) : 0;
      row->has_stored_ts = !ntpmon_db_stmt_is_null (st, 6);
      row->stored_ts = row->has_stored_ts ? ntpmon_db_stmt_get_unix_usec (st, 6) : 0;
    }
  return row;
}

/* servers.ip as the column's collation compares it, without regard to
 * case and trailing spaces (only spaces): what the address as the list
 * has it (canonical, lower case) finds. */
static gchar *
ip_key (const gchar *ip)
{
  gchar *key = g_ascii_strdown (ip, -1);
  gsize len = strlen (key);

  while (len > 0 && key[len - 1] == ' ')
    key[--len] = '\0';
  return key;
}

/* GetServerIP and GetServerScore for the whole list in one statement: the
 * servers and the monitor's server_scores row of each, found by address
 * (through the unique servers.ip index) or, with @score_ids, by the
 * server_scores ids the row cache gave. The IN list is padded with
 * repetitions to a multiple of 16 (to a power of two beyond 256), so that
 * a few prepared statements serve every list length. A result gets the
 * row of the server with its address, if one came. */
static gboolean
fetch_rows_by (NtpmonDbConn *conn, SubmitJob *job, const guint64 *score_ids, GHashTable *rows,
               Slot *slots, GError **error)
{
  g_autoptr (GHashTable) by_ip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gchar *sql = NULL;
  g_autofree gchar *placeholders = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  GError *local = NULL;
  guint n = (job->n_items + 15) / 16 * 16;

  if (n > 256)
    n = 1u << g_bit_storage (n - 1);
  placeholders = ntpmon_db_sql_placeholders (n);
  sql = g_strconcat ("SELECT s.ip, s.id, s.stratum, ss.id, ss.score_raw, ss.stratum, ss.score_ts",
                     score_ids != NULL ? " FROM server_scores ss FORCE INDEX (PRIMARY)"
                                         " STRAIGHT_JOIN servers s ON s.id = ss.server_id"
                                         " WHERE ss.monitor_id = ? AND ss.id IN ("
                                       : " FROM servers s LEFT JOIN server_scores ss"
                                         " FORCE INDEX (server_id) ON ss.server_id = s.id"
                                         " AND ss.monitor_id = ? WHERE s.ip IN (",
                     placeholders, ")", NULL);
  st = ntpmon_db_conn_prepare (conn, sql, error);
  if (st == NULL)
    return FALSE;
  ntpmon_db_stmt_bind_uint (st, job->monitor->id);
  for (guint i = 0; i < n; i++)
    {
      guint k = MIN (i, job->n_items - 1);

      if (score_ids != NULL)
        ntpmon_db_stmt_bind_uint (st, score_ids[k]);
      else
        ntpmon_db_stmt_bind_text (st, job->items[k].ip_text);
    }
  if (!ntpmon_db_stmt_execute (st, error))
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      ServerRow *row = row_new (st);

      g_hash_table_insert (rows, &row->server_id, row);
      g_hash_table_insert (by_ip, ip_key (ntpmon_db_stmt_get_text (st, 0)), row);
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  for (guint i = 0; i < job->n_items; i++)
    {
      slots[i].row = g_hash_table_lookup (by_ip, job->items[i].ip_text);
      if (slots[i].row != NULL)
        slots[i].row->n_results++;
    }
  return TRUE;
}

/* The rows by the cached server_scores ids when the cache knows every
 * result's, else by address, and the cache learns them from that. Also by
 * address (a second SELECT) when a row read by id does not match its
 * entry: deleted, given to another monitor, or its server's address
 * changed. */
static gboolean
fetch_rows (NtpmonDbConn *conn, SubmitJob *job, GHashTable *rows, Slot *slots, GError **error)
{
  NtpmonApiRowCache *cache = job->handlers->row_cache;
  guint64 monitor_id = job->monitor->id;
  g_autofree guint64 *ids = g_new (guint64, job->n_items);
  guint n_cached = 0;

  while (n_cached < job->n_items
         && ntpmon_api_row_cache_lookup (cache, monitor_id, job->items[n_cached].ip,
                                         job->items[n_cached].ip_len, &ids[n_cached]))
    n_cached++;
  if (n_cached == job->n_items)
    {
      gboolean all = TRUE;

      if (!fetch_rows_by (conn, job, ids, rows, slots, error))
        return FALSE;
      for (guint i = 0; i < job->n_items; i++)
        if (slots[i].row == NULL)
          {
            all = FALSE;
            ntpmon_api_row_cache_forget (cache, monitor_id, job->items[i].ip, job->items[i].ip_len);
          }
      if (all)
        return TRUE;
      g_hash_table_remove_all (rows);
    }
  if (!fetch_rows_by (conn, job, NULL, rows, slots, error))
    return FALSE;
  for (guint i = 0; i < job->n_items; i++)
    if (slots[i].row != NULL && slots[i].row->assigned)
      ntpmon_api_row_cache_store (cache, monitor_id, job->items[i].ip, job->items[i].ip_len,
                                  slots[i].row->score_id);
  return TRUE;
}

/* Whether the result in @slot can have a log_scores row already. A stored
 * result's time is at most the score time it left on its server_scores row,
 * and later lists (later tests) move that time on: so a result newer than
 * the row's score time is new. Not so when the list has the server more
 * than once (the last of them sets the time, maybe an earlier one), or when
 * the row has no score time. This holds for what resends a batch: the
 * agent's spool sends the list unchanged, and a batch older than the
 * monitor's last one is refused (§10.1 step 5). A client that regroups
 * results of a list it sent before into a new one can get a result stored
 * twice, as every result of the reference is. */
static gboolean
may_be_stored (const Slot *slot, gint64 ts_usec)
{
  const ServerRow *row = slot->row;

  return row != NULL && row->assigned
         && (!row->has_stored_ts || ts_usec <= row->stored_ts || row->n_results > 1);
}

/* Marks the results that log_scores holds already (same monitor, server
 * and time), looking up only those that may be there: usually none, as a
 * list's results are newer than the last ones stored, except when an agent
 * sends a batch again. (The candidates come as one JSON parameter: MariaDB
 * 10.11 drops placeholders in a VALUES table. The index is forced: with
 * stale statistics the optimizer looked log_scores up by ts alone, reading
 * every row of that second.) */
static gboolean
mark_stored (NtpmonDbConn *conn, SubmitJob *job, Slot *slots, GError **error)
{
  g_autoptr (GString) json = g_string_new ("[");
  g_autoptr (NtpmonDbStmt) st = NULL;
  GError *local = NULL;

  for (guint i = 0; i < job->n_items; i++)
    if (may_be_stored (&slots[i], job->items[i].ts_usec))
      {
        g_string_append_printf (json, "%s[%u,%" G_GUINT64_FORMAT ",", json->len > 1 ? "," : "", i,
                                slots[i].row->server_id);
        ntpmon_db_json_append_datetime (json, job->items[i].ts_usec);
        g_string_append_c (json, ']');
      }
  if (json->len == 1)
    return TRUE;
  g_string_append_c (json, ']');
  st = ntpmon_db_conn_query (
      conn,
      "SELECT req.n FROM JSON_TABLE(?, '$[*]' COLUMNS (n int unsigned PATH '$[0]',"
      " server_id int unsigned PATH '$[1]', ts datetime PATH '$[2]')) AS req"
      " STRAIGHT_JOIN log_scores ls FORCE INDEX (log_scores_server_ts_idx)"
      " ON ls.server_id = req.server_id AND ls.ts = req.ts AND ls.monitor_id = ?",
      error, "su", json->str, job->monitor->id);
  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      guint64 n = ntpmon_db_stmt_get_uint (st, 0);

      if (n < job->n_items)
        slots[n].stored = TRUE;
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* UpdateServerScoreStratum / UpdateServerStratum for all changed rows:
 * @pairs holds (id, stratum) pairs; only rows whose stratum differs (or is
 * NULL) are listed, so the servers guard of §18.2 holds. */
static gboolean
write_stratum_case (NtpmonDbConn *conn, const gchar *table, GArray *pairs, GError **error)
{
  g_autoptr (GString) sql = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  guint n = pairs->len / 2;

  if (n == 0)
    return TRUE;
  sql = g_string_new (NULL);
  g_string_printf (sql, "UPDATE %s SET stratum = CASE id", table);
  for (guint i = 0; i < n; i++)
    g_string_append (sql, " WHEN ? THEN ?");
  g_string_append (sql, " END WHERE id IN (");
  for (guint i = 0; i < n; i++)
    g_string_append (sql, i > 0 ? ", ?" : "?");
  g_string_append (sql, ")");
  st = ntpmon_db_conn_prepare (conn, sql->str, error);
  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    ntpmon_db_stmt_bind (st, "ui", g_array_index (pairs, guint64, 2 * i),
                         (gint64)g_array_index (pairs, guint64, 2 * i + 1));
  for (guint i = 0; i < n; i++)
    ntpmon_db_stmt_bind_uint (st, g_array_index (pairs, guint64, 2 * i));
  return ntpmon_db_stmt_execute (st, error);
}

static void
add_pair (GArray *pairs, guint64 id, const Stratum *stratum)
{
  guint64 pair[2] = { id, (guint64)stratum->value };

  if (stratum->changed)
    g_array_append_vals (pairs, pair, 2);
}

static gint
compare_score_id (gconstpointer a, gconstpointer b)
{
  guint64 x = (*(ServerRow *const *)a)->score_id, y = (*(ServerRow *const *)b)->score_id;

  return (x > y) - (x < y);
}

/* The score columns of every touched server_scores row in one UPDATE
 * (joined with the new values as a JSON table: unlike CASE id WHEN ... and
 * id IN (...) this costs the server no range analysis and no list search
 * per row), then the changed strata of server_scores and of servers. */
static gboolean
write_rows (NtpmonDbConn *conn, GHashTable *rows, GError **error)
{
  g_autoptr (GString) json = g_string_new ("[");
  g_autoptr (GArray) scores_strata = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) servers_strata = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GPtrArray) touched = g_ptr_array_new ();
  GHashTableIter iter;
  ServerRow *row;

  g_hash_table_iter_init (&iter, rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&row))
    if (row->touched)
      g_ptr_array_add (touched, row);
  if (touched->len == 0)
    return TRUE;
  /* in the order of the primary key: locked in a fixed order, and read
   * page by page */
  g_ptr_array_sort (touched, compare_score_id);
  for (guint i = 0; i < touched->len; i++)
    {
      gchar score[G_ASCII_DTOSTR_BUF_SIZE];

      row = touched->pdata[i];
      /* 17 significant digits: reads back as the same double */
      g_ascii_dtostr (score, sizeof score, row->score);
      g_string_append_printf (json, "%s[%" G_GUINT64_FORMAT ",%s,", i > 0 ? "," : "", row->score_id,
                              score);
      ntpmon_db_json_append_datetime (json, row->score_ts);
      g_string_append_c (json, ']');
      add_pair (scores_strata, row->score_id, &row->stratum);
      add_pair (servers_strata, row->server_id, &row->server_stratum);
    }
  g_string_append_c (json, ']');
  return ntpmon_db_conn_exec (
             conn,
             "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id bigint unsigned PATH '$[0]',"
             " score double PATH '$[1]', ts datetime PATH '$[2]')) AS v"
             " STRAIGHT_JOIN server_scores ss FORCE INDEX (PRIMARY) ON ss.id = v.id"
             " SET ss.score_raw = v.score, ss.score_ts = v.ts",
             NULL, error, "s", json->str)
         && write_stratum_case (conn, "server_scores", scores_strata, error)
         && write_stratum_case (conn, "servers", servers_strata, error);
}

/* One row per result not skipped, in list order. */
static gboolean
insert_log_scores (NtpmonDbConn *conn, SubmitJob *job, const Slot *slots, const gdouble *scores,
                   guint n_new, GError **error)
{
  g_autoptr (GString) sql = g_string_sized_new (128 + 26 * n_new);
  g_autoptr (NtpmonDbStmt) st = NULL;

  if (n_new == 0)
    return TRUE;
  g_string_append (sql, "INSERT INTO log_scores (server_id, monitor_id, ts, score, step, `offset`,"
                        " rtt, attributes) VALUES ");
  for (guint i = 0; i < n_new; i++)
    g_string_append (sql, i > 0 ? ", (?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?)");
  st = ntpmon_db_conn_prepare (conn, sql->str, error);
  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < job->n_items; i++)
    {
      const Item *it = &job->items[i];

      if (slots[i].skip)
        continue;
      ntpmon_db_stmt_bind (st, "uuTdd", slots[i].row->server_id, job->monitor->id, it->ts_usec,
                           scores[i], it->step.step);
      if (it->step.has_offset)
        ntpmon_db_stmt_bind_double (st, it->step.offset);
      else
        ntpmon_db_stmt_bind_null (st);
      ntpmon_db_stmt_bind (st, "is", (gint64)it->step.rtt, it->step.attributes);
    }
  return ntpmon_db_stmt_execute (st, error);
}

static gboolean
update_submit (NtpmonDbConn *conn, SubmitJob *job, GError **error)
{
  return ntpmon_db_conn_exec (
      conn, "UPDATE monitors SET last_submit = ?, last_seen = ? WHERE id = ?", NULL, error, "TTu",
      job->monitor->last_submit_usec, g_get_real_time (), job->monitor->id);
}

/* §10.2 for the whole list; retried as a whole on deadlocks.
 *
 * Exactly once: a result whose (monitor, server, ts) has a log_scores row
 * already is skipped (no row, no score step), as is a repetition of a key
 * within the list. An agent that resubmits a batch whose first submission
 * was committed (it died before it knew) thus changes nothing. Concurrent
 * submissions of one monitor are serialised by the monitors row that the
 * transaction's first statement updates (and so locks): the SELECT after it
 * reads what an earlier transaction of the monitor committed. */
static gboolean
process_list (NtpmonDbConn *conn, gpointer data, GError **error)
{
  SubmitJob *job = data;
  g_autoptr (GHashTable) rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  g_autofree Slot *slots = g_new0 (Slot, job->n_items + 1);
  g_autofree gdouble *scores = g_new0 (gdouble, job->n_items + 1);
  g_autoptr (GHashTable) keys = NULL;
  guint64 counts[N_COUNTS] = { 0 };
  guint n_new = 0;

  job->n_duplicates = 0;
  if (!update_submit (conn, job, error) || !fetch_rows (conn, job, rows, slots, error)
      || !mark_stored (conn, job, slots, error))
    return FALSE;
  keys = g_hash_table_new (slot_key_hash, slot_key_equal);
  for (guint i = 0; i < job->n_items; i++)
    {
      Item *it = &job->items[i];
      Slot *slot = &slots[i];
      ServerRow *row = slot->row;
      gint stratum = it->result->stratum;

      if (row == NULL || !row->assigned)
        {
          memcpy (job->counts, counts, sizeof counts);
          g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INTERNAL,
                               "sql: no rows in result set");
          return FALSE;
        }
      slot->ts_usec = it->ts_usec;
      if (slot->stored || !g_hash_table_add (keys, slot))
        {
          slot->skip = TRUE;
          job->n_duplicates++;
          continue;
        }
      if (stratum > 0)
        {
          stratum_update (&row->stratum, stratum);
          stratum_update (&row->server_stratum, stratum);
        }
      row->score = ntpmon_score_apply_step (row->score, &it->step);
      row->score_ts = it->ts_usec;
      row->touched = TRUE;
      scores[i] = row->score;
      n_new++;
      counts[it->step.step == -5 ? COUNT_TIMEOUT : it->step.step < 1 ? COUNT_OFFSET : COUNT_OK]++;
    }
  memcpy (job->counts, counts, sizeof counts);
  return write_rows (conn, rows, error)
         && insert_log_scores (conn, job, slots, scores, n_new, error);
}

/* Steps and tickets need no database: done before the transaction. The
 * first bad ticket fails the batch (the results before it count). */
static gboolean
prepare_items (SubmitJob *job, GError **error)
{
  NtpmonApiHandlers *h = job->handlers;
  g_autoptr (NtpmonApiTicketVerifier) tickets
      = ntpmon_api_ticket_verifier_new (h->keys, job->monitor->id, job->batch_id);

  for (guint i = 0; i < job->n_items; i++)
    {
      Item *it = &job->items[i];

      if (job->version > 2
          && !ntpmon_api_ticket_verifier_check (tickets, it->ticket, it->ip, it->ip_len, NULL))
        {
          job->counts[COUNT_SIGNATURE] += job->n_items - i;
          g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                               "signature validation failed");
          return FALSE;
        }
      if (!ntpmon_scorer_compute_step_for_client (h->status_scorer, job->monitor->client_version,
                                                  it->result, &it->step, error))
        return FALSE;
      it->has_step = TRUE;
      count_step (job, &it->step);
    }
  memset (job->counts, 0, sizeof job->counts[0] * COUNT_SIGNATURE);
  return TRUE;
}

static gboolean
check_batch (SubmitJob *job, GError **error)
{
  NtpmonUlid ulid;
  gsize len;
  const gchar *raw = g_bytes_get_data (job->batch_raw, &len);
  g_autoptr (GError) local = NULL;
  gint64 batch_usec;

  if (!ntpmon_ulid_parse (raw, len, &ulid, &local))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "invalid batch ID: %s", local->message);
      return FALSE;
    }
  ntpmon_ulid_format (&ulid, job->batch_id);
  batch_usec = (gint64)ntpmon_ulid_get_time_ms (&ulid) * 1000;
  if (job->monitor->has_last_submit && batch_usec < job->monitor->last_submit_usec)
    {
      job->counts[COUNT_OUT_OF_ORDER] += job->n_items;
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_FAILED_PRECONDITION,
                           "invalid batch submission");
      return FALSE;
    }
  job->monitor->last_submit_usec = batch_usec;
  return TRUE;
}

static gboolean
submit_job_run (NtpmonDbConn *conn, gpointer data, GError **error)
{
  SubmitJob *job = data;
  g_autoptr (GError) local = NULL;
  GError **fail = &job->failure;

  job->monitor = ntpmon_api_query_monitor (conn, job->identity, job->mon_id, error);
  if (job->monitor == NULL)
    return FALSE;
  if (!ntpmon_api_check_live (job->monitor, error))
    return FALSE;
  if (job->version < 2 || job->version > 4)
    {
      g_set_error_literal (fail, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                           "Version Unsupported data version");
      job->bad_version = TRUE;
      return TRUE;
    }
  job->counted = TRUE;
  if (!check_batch (job, fail))
    {
      job->batch_refused = TRUE;
      return TRUE;
    }
  /* UpdateMonitorSubmit (§10.1 step 6) takes effect whatever happens to
   * the list; when the list is stored it shares its transaction (one
   * commit per request), otherwise it runs alone. */
  if (prepare_items (job, fail) && job->n_items > 0
      && ntpmon_db_conn_transaction (conn, process_list, job, fail))
    return TRUE;
  /* no database, or the call was cancelled (its deadline passed) */
  if (g_error_matches (job->failure, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE)
      || g_error_matches (job->failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TRUE;
  if (!update_submit (conn, job, &local))
    g_message ("monitor %s: last_submit not updated: %s", job->identity, local->message);
  return TRUE;
}

static void
submit_job_done (NtpmonApiCall *call, gpointer data)
{
  SubmitJob *job = data;
  NtpmonApiHandlers *h = job->handlers;
  NtpmonApiMonitor *m = job->monitor;
  g_autofree gchar *version = g_strdup_printf ("%d", job->version);
  g_autofree gchar *account_id = g_strdup_printf ("%" G_GUINT64_FORMAT, m->account_id);
  gboolean twirp = ntpmon_api_request_get_protocol (ntpmon_api_call_get_request (call))
                   == NTPMON_API_PROTOCOL_TWIRP;

  if (job->n_duplicates > 0)
    {
      g_debug ("monitor %s: %u of %u results stored before, skipped", m->tls_name,
               job->n_duplicates, job->n_items);
      ntpmon_metric_add (h->tests_duplicate,
                         (const gchar *[]){ m->tls_name, m->ip_version ? m->ip_version : "" },
                         job->n_duplicates);
    }
  for (guint i = 0; job->counted && i < N_COUNTS; i++)
    ntpmon_metric_add (h->tests_completed,
                       (const gchar *[]){ m->tls_name, m->ip_version ? m->ip_version : "",
                                          count_names[i], version, m->account_token, account_id },
                       job->counts[i]);
  if (job->failure != NULL)
    {
      static const gchar *const version_meta[] = { "argument", "Version", NULL };

      /* §5.5: on the legacy route a refused batch is `internal`, and the
       * version error names its argument */
      if (twirp && job->batch_refused)
        job->failure->code = NTPMON_RPC_ERROR_INTERNAL;
      if (twirp && job->bad_version)
        ntpmon_api_call_return_error_meta (call, job->failure, version_meta);
      else
        ntpmon_api_answer_error (call, job->failure);
      return;
    }
  if (twirp)
    {
      Api__ServerStatusResult out = API__SERVER_STATUS_RESULT__INIT;

      out.ok = TRUE;
      ntpmon_api_call_return (call, &out.base);
    }
  else
    {
      Monitor__V2__SubmitResultsResponse out = MONITOR__V2__SUBMIT_RESULTS_RESPONSE__INIT;

      out.ok = TRUE;
      ntpmon_api_call_return (call, &out.base);
    }
}

static void
item_init (Item *it, const ProtobufCBinaryData *ticket, const ProtobufCBinaryData *ip_bytes,
           const gchar *error, gboolean no_response, const Google__Protobuf__Timestamp *ts,
           const Google__Protobuf__Duration *offset, const Google__Protobuf__Duration *rtt,
           gint32 stratum, gint32 leap)
{
  NtpmonNtpResult *r = ntpmon_ntp_result_new ();

  it->ticket = g_bytes_new (ticket->data, ticket->len);
  /* the step needs no address object: bytes and text only */
  it->ip_len = ntpmon_ip_bytes_lenient (ip_bytes->data, ip_bytes->len, it->ip);
  it->ip_text = ntpmon_ip_bytes_to_string (it->ip, it->ip_len);
  /* whole seconds, as log_scores.ts keeps them: the key of a stored row
   * (a time beyond what microseconds hold saturates) */
  it->ts_usec = ts != NULL ? ntpmon_duration_to_ns (ts->seconds, 0) / 1000 : 0;
  r->ts_ns = ts != NULL ? ntpmon_duration_to_ns (ts->seconds, ts->nanos) : 0;
  r->has_offset = offset != NULL;
  r->offset_ns = offset != NULL ? ntpmon_duration_to_ns (offset->seconds, offset->nanos) : 0;
  r->has_rtt = rtt != NULL;
  r->rtt_ns = rtt != NULL ? ntpmon_duration_to_ns (rtt->seconds, rtt->nanos) : 0;
  r->stratum = stratum;
  r->leap = leap;
  r->no_response = no_response;
  if (error != NULL && *error != '\0')
    ntpmon_ntp_result_set_error (r, error);
  it->result = r;
}

static void
submit_results (NtpmonApiCall *call, gpointer user_data)
{
  NtpmonApiHandlers *h = user_data;
  NtpmonApiRequest *request = ntpmon_api_call_get_request (call);
  const ProtobufCMessage *message = ntpmon_api_call_get_message (call);
  SubmitJob *job = g_new0 (SubmitJob, 1);

  job->handlers = ntpmon_api_handlers_ref (h);
  job->identity = g_strdup (ntpmon_api_request_get_identity (request));
  if (ntpmon_api_request_get_protocol (request) == NTPMON_API_PROTOCOL_TWIRP)
    {
      const Api__ServerStatusList *req = (const Api__ServerStatusList *)message;

      job->version = req->version;
      job->batch_raw = g_bytes_new (req->batch_id.data, req->batch_id.len);
      job->n_items = req->n_list;
      job->items = g_new0 (Item, job->n_items + 1);
      for (guint i = 0; i < job->n_items; i++)
        {
          const Api__ServerStatus *s = req->list[i];

          item_init (&job->items[i], &s->ticket, &s->ip_bytes, s->error, s->no_response, s->ts,
                     s->offset, s->rtt, s->stratum, s->leap);
        }
    }
  else
    {
      const Monitor__V2__SubmitResultsRequest *req
          = (const Monitor__V2__SubmitResultsRequest *)message;

      job->version = req->version;
      job->mon_id = g_strdup (req->mon_id);
      job->batch_raw = g_bytes_new (req->batch_id.data, req->batch_id.len);
      job->n_items = req->n_list;
      job->items = g_new0 (Item, job->n_items + 1);
      for (guint i = 0; i < job->n_items; i++)
        {
          const Monitor__V2__ServerStatus *s = req->list[i];

          item_init (&job->items[i], &s->ticket, &s->ip_bytes, s->error, s->no_response, s->ts,
                     s->offset, s->rtt, s->stratum, s->leap);
        }
    }
  ntpmon_api_handlers_run (h, call, submit_job_run, job, submit_job_free, submit_job_done);
}

gboolean
ntpmon_api_submit_register (NtpmonApiHandlers *self, NtpmonApiServer *server, GError **error)
{
  return ntpmon_api_rpc_add_method (server, NTPMON_API_PROTOCOL_CONNECT,
                                    &monitor__v2__monitor_service__descriptor, "SubmitResults",
                                    submit_results, ntpmon_api_handlers_ref (self),
                                    (GDestroyNotify)ntpmon_api_handlers_unref, error)
         && ntpmon_api_rpc_add_method (server, NTPMON_API_PROTOCOL_TWIRP, &api__monitor__descriptor,
                                       "SubmitResults", submit_results,
                                       ntpmon_api_handlers_ref (self),
                                       (GDestroyNotify)ntpmon_api_handlers_unref, error);
}
