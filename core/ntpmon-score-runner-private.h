/* ntpmon-score-runner-private.h: the SQL side of the scorer runner
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-score-runner.h"

G_BEGIN_DECLS

/* Monitor results of the batch's servers from the start of the first
 * look-back window on, read once per batch (see _ntpmon_score_fetch_recent). */
typedef struct
{
  gboolean valid;
  gint64 from_ts;
  gint64 to_ts;
  GHashTable *by_server; /* server id -> GPtrArray of NtpmonScoreCachedRow */
} NtpmonScoreRecentCache;

/* The next batch of a concurrent runner's algorithm, read on a connection
 * and a thread of its own while the current batch is written (see
 * ntpmon-score-ahead.c). */
typedef struct
{
  NtpmonDbConn *conn;
  GThread *thread;
  guint64 from_id;
  guint batch_size;
  gboolean reads_history;
  guint32 scorer_id;
  GPtrArray *rows; /* NULL when the reads failed */
  NtpmonScoreRecentCache cache;
  GHashTable *own; /* the scorer's rows for @rows as read */
} NtpmonScoreAhead;

/* One algorithm and the scorer monitor that runs it. */
typedef struct
{
  NtpmonScorer *scorer;
  gchar *name;
  gboolean configured;
  guint32 scorer_id;
  guint64 last_id;
  guint64 processed;
  guint64 retries;
  gboolean reads_history;
  gboolean share_lock_servers; /* see _ntpmon_score_process_rows() */
  GMutex *create_lock;         /* the same for all algorithms running at the same time */
  gboolean holds_create_lock;  /* until the batch's transaction ends */
  guint64 exported_processed;
  guint64 exported_retries;
  NtpmonDbConn *conn; /* its own connection when the runner is concurrent */
  NtpmonScoreRecentCache cache;
  NtpmonScoreAhead ahead;
  GHashTable *own_prev;         /* the own rows as the last batch committed them */
  NtpmonScoreRunnerStats stats; /* this pass */
  guint count;                  /* rows of this pass */
  GError *error;                /* of this pass */
} NtpmonScoreSlot;

void _ntpmon_score_recent_cache_clear (NtpmonScoreRecentCache *cache);
gboolean _ntpmon_score_recent_cache_load (NtpmonScoreRecentCache *cache, NtpmonDbConn *conn,
                                          GPtrArray *rows, GError **error);

gboolean _ntpmon_score_fetch_recent (NtpmonDbConn *db, guint32 server_id, gint64 ts,
                                     gint lookback_seconds, const gchar *status1,
                                     const gchar *status2, GPtrArray *rows_out, gpointer user_data,
                                     GError **error);
GPtrArray *_ntpmon_score_fetch_batch (NtpmonDbConn *conn, guint64 from_id, guint batch_size,
                                      GError **error);
gboolean _ntpmon_score_process_rows (NtpmonDbConn *conn, NtpmonScoreSlot *slot, GPtrArray *rows,
                                     gint64 now_usec, NtpmonScoreRecentCache *cache,
                                     GHashTable **own, NtpmonScoreRunnerStats *stats,
                                     GError **error);
GHashTable *_ntpmon_score_own_read (NtpmonDbConn *conn, guint32 scorer_id, GPtrArray *rows,
                                    GError **error);
void _ntpmon_score_own_overlay (GHashTable *own, GHashTable *newer, GPtrArray *rows);

/* A connection of its own for a slot or its read-ahead: every statement
 * runs in a transaction, begun implicitly by the first. */
NtpmonDbConn *_ntpmon_score_conn_open (const NtpmonDbConfig *config, GError **error);
void _ntpmon_score_ahead_start (NtpmonScoreAhead *ahead, const NtpmonDbConfig *config,
                                guint64 from_id, guint batch_size, NtpmonScoreSlot *slot);
GPtrArray *_ntpmon_score_ahead_take (NtpmonScoreAhead *ahead, guint64 from_id, guint batch_size,
                                     NtpmonScoreRecentCache *cache, GHashTable **own);
void _ntpmon_score_ahead_clear (NtpmonScoreAhead *ahead);

G_END_DECLS
