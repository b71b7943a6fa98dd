/* ntpmon-score-runner.c: the scorer runner (spec/scorer.md §4–6)
 *
 * SPDX-License-Identifier: MIT
 *
 * Walks log_scores through each scorer monitor's cursor
 * (scorer_status.log_score_id), one transaction per batch, with the
 * algorithms given as NtpmonScorer objects. Runs on the caller's thread
 * with the caller's connection, or, when concurrent, each algorithm's
 * batch on a thread and a connection of its own.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ntpmon-score-runner-private.h"

#define SQL_GET_SCORERS                                                                            \
  "SELECT m.id, s.id, m.status, s.log_score_id, m.hostname FROM monitors m, scorer_status s"       \
  " WHERE m.type = 'score' AND m.status = 'active' AND m.id = s.scorer_id ORDER BY m.id"
#define SQL_MIN_LOG_SCORE_ID "SELECT id FROM log_scores ORDER BY id LIMIT 1"
#define SQL_INSERT_SCORER                                                                          \
  "INSERT INTO monitors (type, user_id, account_id, hostname, location, ip, ip_version,"           \
  " tls_name, api_key, status, config, client_version, created_on)"                                \
  " VALUES ('score', NULL, NULL, ?, '', NULL, NULL, ?, NULL, 'active', '', '', NOW())"
#define SQL_INSERT_SCORER_STATUS                                                                   \
  "INSERT INTO scorer_status (scorer_id, log_score_id, modified_on) VALUES (?, ?, NOW())"
#define SQL_UPDATE_SCORER_STATUS "UPDATE scorer_status SET log_score_id = ? WHERE scorer_id = ?"
#define SQL_GET_SETTING          "SELECT value FROM system_settings WHERE `key` = ?"

#define RETRY_INITIAL_MS       5000
#define RETRY_MAX_INTERVAL_MS  60000
#define RETRY_MAX_ELAPSED_MS   (10 * 60 * 1000)
#define QUICK_DEADLOCK_RETRIES 3

struct _NtpmonScoreRunner
{
  GObject parent_instance;
  NtpmonDbConn *conn;
  NtpmonDbConfig *concurrent; /* opens the slots' connections */
  guint pass_ms;              /* how long a concurrent pass takes batches */
  GMutex create_lock;
  GPtrArray *slots; /* NtpmonScoreSlot */
  NtpmonScoreRunnerStats stats;
  guint retry_initial_ms;
  guint retry_max_elapsed_ms;

  /* spec/scorer.md §11, when a registry is set */
  NtpmonMetrics *metrics;
  NtpmonScoreRunnerStats exported;
  NtpmonMetric *m_processed, *m_errors, *m_runs, *m_duration, *m_size, *m_deadlocks, *m_retries,
      *m_updates;
};

G_DEFINE_FINAL_TYPE (NtpmonScoreRunner, ntpmon_score_runner, G_TYPE_OBJECT)

static void
slot_free (NtpmonScoreSlot *slot)
{
  ntpmon_scorer_set_history_source (slot->scorer, NULL);
  g_object_unref (slot->scorer);
  g_free (slot->name);
  g_clear_pointer (&slot->conn, ntpmon_db_conn_free);
  _ntpmon_score_ahead_clear (&slot->ahead);
  g_clear_pointer (&slot->ahead.conn, ntpmon_db_conn_free);
  _ntpmon_score_recent_cache_clear (&slot->cache);
  g_clear_pointer (&slot->own_prev, g_hash_table_unref);
  g_clear_error (&slot->error);
  g_free (slot);
}

static void
ntpmon_score_runner_finalize (GObject *object)
{
  NtpmonScoreRunner *self = NTPMON_SCORE_RUNNER (object);

  g_ptr_array_unref (self->slots);
  g_clear_pointer (&self->concurrent, ntpmon_db_config_free);
  g_mutex_clear (&self->create_lock);
  g_clear_pointer (&self->metrics, ntpmon_metrics_unref);
  G_OBJECT_CLASS (ntpmon_score_runner_parent_class)->finalize (object);
}

static void
ntpmon_score_runner_class_init (NtpmonScoreRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_score_runner_finalize;
}

static void
ntpmon_score_runner_init (NtpmonScoreRunner *self)
{
  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify)slot_free);
  g_mutex_init (&self->create_lock);
  self->pass_ms = NTPMON_SCORE_RUNNER_PASS_MS;
  self->retry_initial_ms = RETRY_INITIAL_MS;
  self->retry_max_elapsed_ms = RETRY_MAX_ELAPSED_MS;
}

/**
 * ntpmon_score_runner_new:
 * @conn: (transfer none): the connection the runner works on; it must
 *   outlive the runner and is used on the caller's thread only
 * @scorers: (element-type NtpmonScorer): the algorithms; stage-1 ones
 *   (without a score function) are left out
 */
NtpmonScoreRunner *
ntpmon_score_runner_new (NtpmonDbConn *conn, GPtrArray *scorers)
{
  NtpmonScoreRunner *self = g_object_new (NTPMON_TYPE_SCORE_RUNNER, NULL);

  self->conn = conn;
  for (guint i = 0; scorers != NULL && i < scorers->len; i++)
    {
      NtpmonScorer *scorer = scorers->pdata[i];
      NtpmonScoreSlot *slot;

      if (NTPMON_SCORER_GET_IFACE (scorer)->score == NULL)
        continue;
      slot = g_new0 (NtpmonScoreSlot, 1);
      slot->scorer = g_object_ref (scorer);
      slot->name = g_strdup (ntpmon_scorer_get_name (scorer));
      slot->reads_history = NTPMON_SCORER_GET_IFACE (scorer)->set_history_source != NULL;
      ntpmon_scorer_set_history_source (
          scorer, &(NtpmonScoreHistorySource){ _ntpmon_score_fetch_recent, &slot->cache });
      g_ptr_array_add (self->slots, slot);
    }
  return self;
}

/**
 * ntpmon_score_runner_set_concurrent:
 * @config: (nullable): where the algorithms' connections connect to; NULL
 *   for one algorithm after the other on the runner's connection
 *
 * Runs the batches of a pass at the same time, each algorithm on a thread
 * and a connection of its own (opened on first use and kept). Each
 * algorithm goes on with its next batch while its batches come full, for
 * up to the pass time (ntpmon_score_runner_set_pass_time()), instead of
 * waiting for the slower one after every batch. The
 * algorithms write disjoint rows (their own server_scores, log_scores and
 * scorer_status rows; only the main scorer writes `servers`), so each
 * batch ends as it would alone; the reference leaves the order of the
 * algorithms in a pass unspecified (spec/scorer.md §6.3).
 */
void
ntpmon_score_runner_set_concurrent (NtpmonScoreRunner *self, const NtpmonDbConfig *config)
{
  g_clear_pointer (&self->concurrent, ntpmon_db_config_free);
  if (config != NULL)
    self->concurrent = ntpmon_db_config_copy (config);
  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];

      slot->share_lock_servers
          = config != NULL && !g_str_equal (slot->name, NTPMON_SCORE_RUNNER_MAIN_SCORER);
      slot->create_lock = config != NULL ? &self->create_lock : NULL;
      g_clear_pointer (&slot->conn, ntpmon_db_conn_free);
      _ntpmon_score_ahead_clear (&slot->ahead);
      g_clear_pointer (&slot->ahead.conn, ntpmon_db_conn_free);
      g_clear_pointer (&slot->own_prev, g_hash_table_unref);
    }
}

/**
 * ntpmon_score_runner_set_pass_time:
 * @ms: how long a concurrent pass goes on taking batches (default
 *   %NTPMON_SCORE_RUNNER_PASS_MS); 0 for one batch per algorithm
 */
void
ntpmon_score_runner_set_pass_time (NtpmonScoreRunner *self, guint ms)
{
  self->pass_ms = ms;
}

/**
 * ntpmon_score_runner_set_retry:
 * @initial_ms: first retry delay (default 5 s; grows by 1.5 up to 60 s)
 * @max_elapsed_ms: give up when the next delay would pass this (default
 *   10 min); 0 means a single attempt
 */
void
ntpmon_score_runner_set_retry (NtpmonScoreRunner *self, guint initial_ms, guint max_elapsed_ms)
{
  self->retry_initial_ms = MAX (1, initial_ms);
  self->retry_max_elapsed_ms = max_elapsed_ms;
}

/**
 * ntpmon_score_runner_set_metrics:
 *
 * Counts into @metrics from now on, with the names and labels of
 * spec/scorer.md §11.
 */
void
ntpmon_score_runner_set_metrics (NtpmonScoreRunner *self, NtpmonMetrics *metrics)
{
  static const gdouble duration_buckets[]
      = { 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12 };
  gdouble size_buckets[20];
  const gchar *scorer_label[] = { "scorer", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (size_buckets); i++)
    size_buckets[i] = 10.0 * (i + 1);
  g_clear_pointer (&self->metrics, ntpmon_metrics_unref);
  self->metrics = ntpmon_metrics_ref (metrics);
  self->exported = self->stats;
  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];

      slot->exported_processed = slot->processed;
      slot->exported_retries = slot->retries;
    }
  self->m_processed = ntpmon_metrics_counter (metrics, "scorer_processed_count",
                                              "log_scores processed", scorer_label);
  self->m_errors = ntpmon_metrics_counter (metrics, "scorer_errors", "scorer errors", NULL);
  self->m_runs = ntpmon_metrics_counter (metrics, "scorer_runs", "scorer batches executed", NULL);
  self->m_duration = ntpmon_metrics_histogram (metrics, "scorer_batch_duration_seconds",
                                               "Time taken to process each batch", scorer_label,
                                               duration_buckets, G_N_ELEMENTS (duration_buckets));
  self->m_size = ntpmon_metrics_histogram (metrics, "scorer_batch_size",
                                           "Number of records processed per batch", scorer_label,
                                           size_buckets, G_N_ELEMENTS (size_buckets));
  self->m_deadlocks = ntpmon_metrics_counter (
      metrics, "scorer_deadlocks_total", "Total number of database deadlocks encountered", NULL);
  self->m_retries = ntpmon_metrics_counter (metrics, "scorer_retries_total",
                                            "Total number of retry attempts by reason",
                                            (const gchar *[]){ "scorer", "reason", NULL });
  self->m_updates = ntpmon_metrics_counter (metrics, "scorer_sql_updates_total",
                                            "Total number of SQL update operations by type",
                                            (const gchar *[]){ "operation", NULL });
}

/* Adds what the counters gained since the last export to the registry. */
static void
export_metrics (NtpmonScoreRunner *self)
{
  NtpmonScoreRunnerStats *now = &self->stats, *then = &self->exported;
  const struct
  {
    const gchar *operation;
    guint64 now, then;
  } updates[] = {
    { "insert_server_score", now->insert_server_score, then->insert_server_score },
    { "update_server_score_status", now->update_server_score_status,
      then->update_server_score_status },
    { "insert_log_score", now->insert_log_score, then->insert_log_score },
    { "update_server_score", now->update_server_score, then->update_server_score },
    { "update_server", now->update_server, then->update_server },
    { "update_scorer_status", now->update_scorer_status, then->update_scorer_status },
  };

  if (self->metrics == NULL)
    return;
  ntpmon_metric_add (self->m_runs, NULL, now->runs - then->runs);
  ntpmon_metric_add (self->m_errors, NULL, now->errors - then->errors);
  ntpmon_metric_add (self->m_deadlocks, NULL, now->deadlocks - then->deadlocks);
  for (guint i = 0; i < G_N_ELEMENTS (updates); i++)
    ntpmon_metric_add (self->m_updates, (const gchar *[]){ updates[i].operation },
                       updates[i].now - updates[i].then);
  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];

      if (!slot->configured && slot->processed == slot->exported_processed)
        continue;
      ntpmon_metric_add (self->m_processed, (const gchar *[]){ slot->name },
                         slot->processed - slot->exported_processed);
      if (slot->retries > slot->exported_retries)
        ntpmon_metric_add (self->m_retries, (const gchar *[]){ slot->name, "deadlock" },
                           slot->retries - slot->exported_retries);
      slot->exported_processed = slot->processed;
      slot->exported_retries = slot->retries;
    }
  self->exported = self->stats;
}

void
ntpmon_score_runner_get_stats (NtpmonScoreRunner *self, NtpmonScoreRunnerStats *out)
{
  *out = self->stats;
}

static NtpmonScoreSlot *
find_slot (NtpmonScoreRunner *self, const gchar *name)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];

      if (g_strcmp0 (slot->name, name) == 0)
        return slot;
    }
  return NULL;
}

guint64
ntpmon_score_runner_get_processed (NtpmonScoreRunner *self, const gchar *name)
{
  NtpmonScoreSlot *slot = find_slot (self, name);

  return slot != NULL ? slot->processed : 0;
}

guint64
ntpmon_score_runner_get_retries (NtpmonScoreRunner *self, const gchar *name)
{
  NtpmonScoreSlot *slot = find_slot (self, name);

  return slot != NULL ? slot->retries : 0;
}

/**
 * ntpmon_score_runner_parse_batch_size:
 * @json: (nullable): the `system_settings` value of key `scorer`
 *
 * `batch_size` from the settings (spec/scorer.md §6.1): a JSON integer that
 * fits 32 bits, key matched case-insensitively. Anything else, 0, or a
 * negative number (which the reference passes on to LIMIT and fails every
 * pass with) gives the default 50.
 */
gint
ntpmon_score_runner_parse_batch_size (const gchar *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonNode *value = NULL;
  g_autoptr (GList) members = NULL;
  gint64 n;

  if (json == NULL || *json == '\0' || !json_parser_load_from_data (parser, json, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NTPMON_SCORE_RUNNER_DEFAULT_BATCH_SIZE;
  object = json_node_get_object (json_parser_get_root (parser));
  value = json_object_get_member (object, "batch_size");
  members = json_object_get_members (object);
  for (GList *l = members; value == NULL && l != NULL; l = l->next)
    if (g_ascii_strcasecmp (l->data, "batch_size") == 0)
      value = json_object_get_member (object, l->data);
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value)
      || json_node_get_value_type (value) != G_TYPE_INT64)
    return NTPMON_SCORE_RUNNER_DEFAULT_BATCH_SIZE;
  n = json_node_get_int (value);
  if (n <= 0 || n > G_MAXINT32)
    return NTPMON_SCORE_RUNNER_DEFAULT_BATCH_SIZE;
  return (gint)n;
}

static guint
read_batch_size (NtpmonScoreRunner *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st
      = ntpmon_db_conn_query (self->conn, SQL_GET_SETTING, &error, "s", "scorer");

  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, &error))
    {
      if (!g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND))
        g_info ("scorer settings: %s", error->message);
      return NTPMON_SCORE_RUNNER_DEFAULT_BATCH_SIZE;
    }
  return (guint)ntpmon_score_runner_parse_batch_size (ntpmon_db_stmt_get_text (st, 0));
}

/**
 * ntpmon_score_error_is_connection:
 *
 * Whether a pass error is a lost or refused database connection, after
 * which the continuous loop waits and tries again (spec/scorer.md §5.2).
 */
gboolean
ntpmon_score_error_is_connection (const GError *error)
{
  static const gchar *const patterns[] = {
    "driver: bad connection",
    "invalid connection",
    "connection refused",
    "connection reset by peer",
    "broken pipe",
    "EOF",
    "i/o timeout",
    "network is unreachable",
    "no such host",
    "connection timed out",
    "Too many connections",
    "Can't connect to MySQL server",
  };

  if (error == NULL)
    return FALSE;
  if (g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    if (strstr (error->message, patterns[i]) != NULL)
      return TRUE;
  return FALSE;
}

/**
 * ntpmon_score_error_is_deadlock:
 *
 * Whether an attempt failed on a deadlock (spec/scorer.md §6.3).
 */
gboolean
ntpmon_score_error_is_deadlock (const GError *error)
{
  g_autofree gchar *lower = NULL;

  if (error == NULL)
    return FALSE;
  if (g_error_matches (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DEADLOCK))
    return TRUE;
  lower = g_ascii_strdown (error->message, -1);
  return strstr (lower, "deadlock") != NULL || strstr (lower, "error 1213") != NULL
         || strstr (lower, "transaction has already been committed or rolled back") != NULL;
}

/* §4: one transaction that registers every missing algorithm. */
static gboolean
setup_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  NtpmonScoreRunner *self = data;
  g_autoptr (GHashTable) present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, SQL_GET_SCORERS, error, "");
  g_autoptr (GError) local = NULL;
  guint64 min_id;

  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    g_hash_table_add (present, ntpmon_db_stmt_dup_text (st, 4));
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_clear_pointer (&st, ntpmon_db_stmt_free);
  st = ntpmon_db_conn_query (conn, SQL_MIN_LOG_SCORE_ID, error, "");
  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    {
      g_prefix_error (error, "no log_scores rows to start from: ");
      return FALSE;
    }
  min_id = ntpmon_db_stmt_get_uint (st, 0);
  g_clear_pointer (&st, ntpmon_db_stmt_free);

  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];
      g_autofree gchar *tls_name = g_strconcat (slot->name, ".scores.ntp.dev", NULL);
      guint64 id;

      if (g_hash_table_contains (present, slot->name))
        {
          g_info ("scorer already configured: %s", slot->name);
          continue;
        }
      g_info ("setting up scorer %s", slot->name);
      st = ntpmon_db_conn_query (conn, SQL_INSERT_SCORER, error, "ss", slot->name, tls_name);
      if (st == NULL)
        return FALSE;
      id = ntpmon_db_stmt_get_insert_id (st);
      g_clear_pointer (&st, ntpmon_db_stmt_free);
      if (!ntpmon_db_conn_exec (conn, SQL_INSERT_SCORER_STATUS, NULL, &local, "uu", id, min_id))
        {
          g_info ("failed to insert scorer status for %s: %s", slot->name, local->message);
          g_clear_error (&local);
        }
    }
  return TRUE;
}

/**
 * ntpmon_score_runner_setup:
 *
 * `scorer setup` (spec/scorer.md §4): a `type='score'` monitor and a
 * `scorer_status` row starting at the smallest log_scores id for every
 * algorithm that has none. Fails when log_scores is empty.
 */
gboolean
ntpmon_score_runner_setup (NtpmonScoreRunner *self, GError **error)
{
  return ntpmon_db_conn_transaction (self->conn, setup_job, self, error);
}

/* §6.2: which scorers take part, and their cursors. */
static gboolean
discover (NtpmonScoreRunner *self, GError **error)
{
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (self->conn, SQL_GET_SCORERS, error, "");
  g_autoptr (GError) local = NULL;
  guint n = 0;

  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < self->slots->len; i++)
    ((NtpmonScoreSlot *)self->slots->pdata[i])->configured = FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      const gchar *name = ntpmon_db_stmt_get_text (st, 4);
      NtpmonScoreSlot *slot = find_slot (self, name);

      n++;
      if (slot == NULL)
        {
          g_info ("scorer not implemented: %s", name);
          continue;
        }
      slot->configured = TRUE;
      slot->scorer_id = (guint32)ntpmon_db_stmt_get_uint (st, 0);
      slot->last_id = ntpmon_db_stmt_get_uint (st, 3);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no scorers configured");
      return FALSE;
    }
  return TRUE;
}

/* One attempt of §6.4–6.7 for one scorer. */
static gboolean
batch_attempt (NtpmonScoreRunner *self, NtpmonScoreSlot *slot, guint batch_size, guint *count,
               GError **error)
{
  NtpmonDbConn *conn = self->conn;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GHashTable) own = NULL;
  gint64 now_usec = g_get_real_time ();
  gint64 started = g_get_monotonic_time ();
  const NtpmonLogScore *last;
  gboolean ok;

  *count = 0;
  if (self->concurrent != NULL)
    {
      if (slot->conn == NULL
          && (slot->conn = _ntpmon_score_conn_open (self->concurrent, error)) == NULL)
        return FALSE;
      conn = slot->conn;
    }
  if (!ntpmon_db_conn_begin (conn, error))
    return FALSE;
  if (self->concurrent != NULL
      && (rows
          = _ntpmon_score_ahead_take (&slot->ahead, slot->last_id, batch_size, &slot->cache, &own))
             != NULL)
    {
      slot->stats.batches_read_ahead++;
      if (slot->own_prev != NULL)
        _ntpmon_score_own_overlay (own, slot->own_prev, rows);
    }
  if (rows == NULL)
    rows = _ntpmon_score_fetch_batch (conn, slot->last_id, batch_size, error);
  if (rows == NULL)
    goto fail;
  if (rows->len == 0)
    return ntpmon_db_conn_rollback (conn, error);
  last = rows->pdata[rows->len - 1];
  /* a full batch: more rows are likely waiting (for this pass or the next;
   * a pass of one batch, `scorer run`, has no next) */
  if (self->concurrent != NULL && self->pass_ms > 0 && rows->len == batch_size)
    _ntpmon_score_ahead_start (&slot->ahead, self->concurrent, last->id, batch_size, slot);
  ok = _ntpmon_score_process_rows (conn, slot, rows, now_usec,
                                   slot->reads_history ? &slot->cache : NULL, &own, &slot->stats,
                                   error);
  _ntpmon_score_recent_cache_clear (&slot->cache);
  if (!ok)
    goto fail;
  slot->stats.update_scorer_status++;
  if (!ntpmon_db_conn_exec (conn, SQL_UPDATE_SCORER_STATUS, NULL, error, "ui", last->id,
                            (gint64)slot->scorer_id))
    goto fail;
  if (!ntpmon_db_conn_commit (conn, error))
    return FALSE; /* a deadlock is counted by process_with_retry() */
  slot->stats.batches++;
  slot->last_id = last->id; /* the cursor, for the pass's next batch */
  *count = rows->len;
  if (self->concurrent != NULL)
    {
      g_clear_pointer (&slot->own_prev, g_hash_table_unref);
      slot->own_prev = g_steal_pointer (&own);
    }
  if (self->metrics != NULL)
    {
      ntpmon_metric_observe (self->m_duration, (const gchar *[]){ slot->name },
                             (g_get_monotonic_time () - started) / 1e6);
      ntpmon_metric_observe (self->m_size, (const gchar *[]){ slot->name }, rows->len);
    }
  return TRUE;

fail:
  if (ntpmon_db_conn_in_transaction (conn))
    ntpmon_db_conn_rollback (conn, NULL);
  return FALSE;
}

static gboolean
process_batch (NtpmonScoreRunner *self, NtpmonScoreSlot *slot, guint batch_size, guint *count,
               GError **error)
{
  gboolean ok = batch_attempt (self, slot, batch_size, count, error);

  /* the batch's transaction has ended */
  if (slot->holds_create_lock)
    {
      slot->holds_create_lock = FALSE;
      g_mutex_unlock (slot->create_lock);
    }
  return ok;
}

static gboolean
sleep_cancellable (guint ms, GCancellable *cancellable)
{
  GPollFD pfd;

  if (!g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_usleep ((gulong)ms * 1000);
      return TRUE;
    }
  g_poll (&pfd, 1, (gint)ms);
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* §6.3: every failed attempt is retried until the elapsed time plus the
 * next delay would pass the limit. */
static gboolean
process_with_retry (NtpmonScoreRunner *self, NtpmonScoreSlot *slot, guint batch_size,
                    GCancellable *cancellable, guint *count, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gdouble interval = self->retry_initial_ms;
  guint quick = self->concurrent != NULL ? QUICK_DEADLOCK_RETRIES : 0;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      gdouble delay;
      gint64 elapsed_ms;

      if (process_batch (self, slot, batch_size, count, &local))
        return TRUE;
      if (ntpmon_score_error_is_deadlock (local))
        {
          slot->stats.deadlocks++;
          slot->retries++;
          /* with another writer (the algorithms running at the same time
           * take their locks in one order): over once one of them ended */
          if (quick > 0)
            {
              quick--;
              g_usleep ((gulong)g_random_int_range (1000, 20000));
              continue;
            }
        }
      delay = interval * g_random_double_range (0.5, 1.5);
      elapsed_ms = (g_get_monotonic_time () - start) / 1000;
      if (elapsed_ms + delay > self->retry_max_elapsed_ms
          || g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_info ("scorer %s: attempt failed, retrying in %.1f s: %s", slot->name, delay / 1000,
              local->message);
      if (!sleep_cancellable ((guint)delay, cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      interval = interval >= RETRY_MAX_INTERVAL_MS / 1.5 ? RETRY_MAX_INTERVAL_MS : interval * 1.5;
    }
}

typedef struct
{
  NtpmonScoreRunner *self;
  NtpmonScoreSlot *slot;
  GCancellable *cancellable;
  guint batch_size;
} SlotJob;

/* One slot's part of a pass; on a thread of its own when concurrent, and
 * then batch after batch while they come full, until the pass time is up. */
static gpointer
slot_job (gpointer data)
{
  SlotJob *job = data;
  NtpmonScoreSlot *slot = job->slot;
  gint64 end = g_get_monotonic_time () + (gint64)job->self->pass_ms * 1000;
  guint n = 0;

  do
    {
      if (!process_with_retry (job->self, slot, job->batch_size, job->cancellable, &n,
                               &slot->error))
        {
          slot->stats.errors++;
          break;
        }
      slot->count += n;
    }
  while (job->self->concurrent != NULL && n == job->batch_size && g_get_monotonic_time () < end
         && !g_cancellable_is_cancelled (job->cancellable));
  return NULL;
}

/* Adds a pass's counters of a slot to the runner's. */
static void
stats_add (NtpmonScoreRunnerStats *into, NtpmonScoreRunnerStats *from)
{
  guint64 *a = (guint64 *)into, *b = (guint64 *)from;

  G_STATIC_ASSERT (sizeof (NtpmonScoreRunnerStats) % sizeof (guint64) == 0);
  for (guint i = 0; i < sizeof (NtpmonScoreRunnerStats) / sizeof (guint64); i++)
    a[i] += b[i];
  memset (from, 0, sizeof *from);
}

/**
 * ntpmon_score_runner_run:
 * @count: (out): rows processed in this pass (all scorers)
 *
 * One runner pass (spec/scorer.md §6): at most one batch per scorer, in
 * the order of their monitor ids, or, when concurrent, all at once and
 * each for up to the pass time. Only the
 * scorers the database lists in this pass run (the reference keeps running
 * a scorer it saw once; §15 item 7). When a scorer fails, the others still
 * finish their batch; the error is the first failed scorer's.
 */
gboolean
ntpmon_score_runner_run (NtpmonScoreRunner *self, GCancellable *cancellable, guint *count,
                         GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  g_autofree SlotJob *jobs = g_new0 (SlotJob, self->slots->len);
  guint batch_size;

  *count = 0;
  self->stats.runs++;
  if (!discover (self, &local))
    {
      if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        self->stats.errors++;
      export_metrics (self);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  batch_size = read_batch_size (self);
  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];

      if (!slot->configured)
        continue;
      jobs[i] = (SlotJob){ self, slot, cancellable, batch_size };
      if (self->concurrent != NULL)
        {
          g_ptr_array_add (threads, g_thread_new ("scorer-batch", slot_job, &jobs[i]));
          continue;
        }
      slot_job (&jobs[i]);
      if (slot->error != NULL)
        break; /* one after the other: the first failure ends the pass */
    }
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (threads->pdata[i]);
  for (guint i = 0; i < self->slots->len; i++)
    {
      NtpmonScoreSlot *slot = self->slots->pdata[i];

      stats_add (&self->stats, &slot->stats);
      if (slot->error != NULL && local == NULL)
        local = g_steal_pointer (&slot->error);
      g_clear_error (&slot->error);
      slot->processed += slot->count;
      *count += slot->count;
      slot->count = 0;
    }
  export_metrics (self);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}
