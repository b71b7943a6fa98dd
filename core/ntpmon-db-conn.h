/* ntpmon-db-conn.h: one database connection
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db-config.h"
#include "ntpmon-db-error.h"
/* also declared by ntpmon-scorer.h (C11 allows the repetition) */
typedef struct _NtpmonDbConn NtpmonDbConn;

G_BEGIN_DECLS

typedef struct _NtpmonDbStmt NtpmonDbStmt;

/**
 * NtpmonDbJobFunc:
 * @conn: a connection, exclusively the job's while it runs
 * @data: the job's data
 * @error: return location for an error
 *
 * Work done with one connection, on a worker thread (ntpmon_db_run_async())
 * or on the caller's thread (ntpmon_db_run_sync(), ntpmon_db_conn_transaction()).
 *
 * Returns: %TRUE on success
 */
typedef gboolean (*NtpmonDbJobFunc) (NtpmonDbConn *conn, gpointer data, GError **error);

NtpmonDbConn *ntpmon_db_conn_open (const NtpmonDbConfig *config, GError **error);
void ntpmon_db_conn_free (NtpmonDbConn *conn);

NtpmonDbStmt *ntpmon_db_conn_prepare (NtpmonDbConn *conn, const gchar *sql, GError **error);
NtpmonDbStmt *ntpmon_db_conn_query (NtpmonDbConn *conn, const gchar *sql, GError **error,
                                    const gchar *types, ...);
NtpmonDbStmt *ntpmon_db_conn_query_valist (NtpmonDbConn *conn, const gchar *sql, GError **error,
                                           const gchar *types, va_list args);
gboolean ntpmon_db_conn_exec (NtpmonDbConn *conn, const gchar *sql, guint64 *affected_rows,
                              GError **error, const gchar *types, ...);
gboolean ntpmon_db_conn_exec_direct (NtpmonDbConn *conn, const gchar *sql, GError **error);

gboolean ntpmon_db_conn_begin (NtpmonDbConn *conn, GError **error);
gboolean ntpmon_db_conn_commit (NtpmonDbConn *conn, GError **error);
gboolean ntpmon_db_conn_rollback (NtpmonDbConn *conn, GError **error);
gboolean ntpmon_db_conn_in_transaction (NtpmonDbConn *conn);
gboolean ntpmon_db_conn_transaction (NtpmonDbConn *conn, NtpmonDbJobFunc func, gpointer data,
                                     GError **error);
void ntpmon_db_conn_set_max_attempts (NtpmonDbConn *conn, guint attempts);
void ntpmon_db_conn_set_implicit_begin (NtpmonDbConn *conn, gboolean implicit_begin);
void ntpmon_db_conn_set_read_committed (NtpmonDbConn *conn, gboolean read_committed);
void ntpmon_db_json_append_datetime (GString *json, gint64 usec);

GCancellable *ntpmon_db_conn_get_cancellable (NtpmonDbConn *conn);
guint64 ntpmon_db_conn_get_server_thread_id (NtpmonDbConn *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonDbConn, ntpmon_db_conn_free)

G_END_DECLS
