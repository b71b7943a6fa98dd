/* ntpmon-db-schema.h: SQL scripts (schema.sql) split and loaded
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db-conn.h"

G_BEGIN_DECLS

/**
 * NtpmonDbSqlStatement:
 * @sql: one statement, without the terminating `;`
 * @line: the line (1-based) of the script where it starts
 */
typedef struct
{
  gchar *sql;
  guint line;
} NtpmonDbSqlStatement;

GPtrArray *ntpmon_db_split_sql (const gchar *script, GError **error);
gboolean ntpmon_db_load_schema (NtpmonDbConn *conn, const gchar *path, GError **error);
gboolean ntpmon_db_load_sql (NtpmonDbConn *conn, const gchar *name, const gchar *script,
                             GError **error);

G_END_DECLS
