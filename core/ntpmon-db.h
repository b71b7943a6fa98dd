/* ntpmon-db.h: MariaDB connection pool; SQL runs on worker threads
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db-config.h"
#include "ntpmon-db-conn.h"
#include "ntpmon-db-error.h"
#include "ntpmon-db-schema.h"
#include "ntpmon-db-stmt.h"

G_BEGIN_DECLS

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

G_END_DECLS
