/* ntpmon-db-stmt.h: a prepared statement: parameters in, typed rows out
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db-conn.h"

G_BEGIN_DECLS

/* Parameters are bound in placeholder order; a value used twice by the SQL
 * is bound twice. NULL pointers (text, bytes, date-times) bind SQL NULL. */
void ntpmon_db_stmt_bind_null (NtpmonDbStmt *stmt);
void ntpmon_db_stmt_bind_int (NtpmonDbStmt *stmt, gint64 value);
void ntpmon_db_stmt_bind_uint (NtpmonDbStmt *stmt, guint64 value);
void ntpmon_db_stmt_bind_double (NtpmonDbStmt *stmt, gdouble value);
void ntpmon_db_stmt_bind_text (NtpmonDbStmt *stmt, const gchar *value);
void ntpmon_db_stmt_bind_blob (NtpmonDbStmt *stmt, gconstpointer data, gsize len);
void ntpmon_db_stmt_bind_bytes (NtpmonDbStmt *stmt, GBytes *value);
void ntpmon_db_stmt_bind_datetime (NtpmonDbStmt *stmt, GDateTime *value);
void ntpmon_db_stmt_bind_unix_usec (NtpmonDbStmt *stmt, gint64 usec);
void ntpmon_db_stmt_bind (NtpmonDbStmt *stmt, const gchar *types, ...);
void ntpmon_db_stmt_bind_valist (NtpmonDbStmt *stmt, const gchar *types, va_list args);

gboolean ntpmon_db_stmt_execute (NtpmonDbStmt *stmt, GError **error);
guint64 ntpmon_db_stmt_get_affected_rows (NtpmonDbStmt *stmt);
guint64 ntpmon_db_stmt_get_insert_id (NtpmonDbStmt *stmt);

gboolean ntpmon_db_stmt_next (NtpmonDbStmt *stmt, GError **error);
gboolean ntpmon_db_stmt_fetch_one (NtpmonDbStmt *stmt, GError **error);
guint ntpmon_db_stmt_get_n_columns (NtpmonDbStmt *stmt);
const gchar *ntpmon_db_stmt_get_column_name (NtpmonDbStmt *stmt, guint column);

gboolean ntpmon_db_stmt_is_null (NtpmonDbStmt *stmt, guint column);
gint64 ntpmon_db_stmt_get_int (NtpmonDbStmt *stmt, guint column);
guint64 ntpmon_db_stmt_get_uint (NtpmonDbStmt *stmt, guint column);
gdouble ntpmon_db_stmt_get_double (NtpmonDbStmt *stmt, guint column);
const gchar *ntpmon_db_stmt_get_text (NtpmonDbStmt *stmt, guint column);
gchar *ntpmon_db_stmt_dup_text (NtpmonDbStmt *stmt, guint column);
GBytes *ntpmon_db_stmt_get_bytes (NtpmonDbStmt *stmt, guint column);
GDateTime *ntpmon_db_stmt_get_datetime (NtpmonDbStmt *stmt, guint column);
gint64 ntpmon_db_stmt_get_unix_usec (NtpmonDbStmt *stmt, guint column);

void ntpmon_db_stmt_free (NtpmonDbStmt *stmt);

gchar *ntpmon_db_sql_placeholders (guint n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonDbStmt, ntpmon_db_stmt_free)

G_END_DECLS
