/* ntpmon-db-error.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>

#include "ntpmon-db-error.h"

static const GDBusErrorEntry db_error_entries[] = {
  { NTPMON_DB_ERROR_UNAVAILABLE, "org.ntppool.Monitor.Db.Unavailable" },
  { NTPMON_DB_ERROR_QUERY, "org.ntppool.Monitor.Db.Query" },
  { NTPMON_DB_ERROR_DEADLOCK, "org.ntppool.Monitor.Db.Deadlock" },
  { NTPMON_DB_ERROR_DUPLICATE, "org.ntppool.Monitor.Db.Duplicate" },
  { NTPMON_DB_ERROR_NOT_FOUND, "org.ntppool.Monitor.Db.NotFound" },
  { NTPMON_DB_ERROR_TYPE, "org.ntppool.Monitor.Db.Type" },
  { NTPMON_DB_ERROR_CONFIG, "org.ntppool.Monitor.Db.Config" },
  { NTPMON_DB_ERROR_SCHEMA, "org.ntppool.Monitor.Db.Schema" },
};

GQuark
ntpmon_db_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("ntpmon-db-error-quark", &quark, db_error_entries,
                                      G_N_ELEMENTS (db_error_entries));
  return (GQuark)quark;
}
