/* ntpmon-db.h: MariaDB connection pool; SQL runs on worker threads
 *
 * SPDX-License-Identifier: MIT
 *
 * The database layer:
 *   ntpmon-db-config.h  settings from a Go-syntax DSN and database.yaml
 *   ntpmon-db.h         NtpmonDb, the pool: jobs on worker threads
 *   ntpmon-db-conn.h    NtpmonDbConn: statements and transactions
 *   ntpmon-db-stmt.h    NtpmonDbStmt: prepared statements, typed rows
 *   ntpmon-db-schema.h  loading schema.sql
 *   ntpmon-db-error.h   NTPMON_DB_ERROR
 *
 * A query of the API server, as a job:
 *
 *   static gboolean
 *   get_server_ip (NtpmonDbConn *conn, gpointer data, GError **error)
 *   {
 *     Lookup *l = data;
 *     g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
 *         conn, "SELECT id, stratum, score_ts FROM servers WHERE ip = ?", error, "s", l->ip);
 *
 *     if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
 *       return FALSE;   // NTPMON_DB_ERROR_NOT_FOUND when there is no row
 *     l->id = ntpmon_db_stmt_get_uint (st, 0);
 *     l->has_stratum = !ntpmon_db_stmt_is_null (st, 1);
 *     l->stratum = ntpmon_db_stmt_get_int (st, 1);
 *     l->score_ts = ntpmon_db_stmt_get_unix_usec (st, 2);
 *     return TRUE;
 *   }
 *
 *   ntpmon_db_run_async (db, get_server_ip, lookup, lookup_free, cancellable, done_cb, lookup);
 *   // in done_cb: ntpmon_db_run_finish (); NTPMON_DB_ERROR_UNAVAILABLE -> "unavailable"
 *
 * Work that must be atomic goes through ntpmon_db_conn_transaction() inside
 * the job; it retries the whole transaction on deadlocks.
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db-config.h"
#include "ntpmon-db-conn.h"
#include "ntpmon-db-error.h"
#include "ntpmon-db-schema.h"
#include "ntpmon-db-stmt.h"

G_BEGIN_DECLS

/**
 * NtpmonDbStats:
 * @n_connections: pool size
 * @busy: connections in use by jobs now
 * @queued: jobs waiting for a worker
 * @jobs_ok: jobs that succeeded
 * @jobs_failed: jobs that failed (any error)
 * @jobs_unavailable: jobs that failed with %NTPMON_DB_ERROR_UNAVAILABLE
 * @connects: connections opened (first ones and reconnects)
 *
 * Figures for metrics; counters only grow.
 */
typedef struct
{
  guint n_connections;
  guint busy;
  guint queued;
  guint64 jobs_ok;
  guint64 jobs_failed;
  guint64 jobs_unavailable;
  guint64 connects;
} NtpmonDbStats;

#define NTPMON_TYPE_DB (ntpmon_db_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonDb, ntpmon_db, NTPMON, DB, GObject)

NtpmonDb *ntpmon_db_new (const NtpmonDbConfig *config, guint n_connections);
guint ntpmon_db_get_n_connections (NtpmonDb *self);
void ntpmon_db_set_retry_interval (NtpmonDb *self, guint msec);
void ntpmon_db_set_max_lifetime (NtpmonDb *self, guint seconds);

void ntpmon_db_run_async (NtpmonDb *self, NtpmonDbJobFunc func, gpointer data,
                          GDestroyNotify data_destroy, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_db_run_finish (NtpmonDb *self, GAsyncResult *result, GError **error);

gboolean ntpmon_db_run_sync (NtpmonDb *self, NtpmonDbJobFunc func, gpointer data,
                             GCancellable *cancellable, GError **error);
gboolean ntpmon_db_ping (NtpmonDb *self, GCancellable *cancellable, GError **error);
void ntpmon_db_get_stats (NtpmonDb *self, NtpmonDbStats *out);

G_END_DECLS
