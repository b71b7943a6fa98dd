/* ntpmon-db-error.h: the error domain of the database layer
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * NtpmonDbError:
 * @NTPMON_DB_ERROR_UNAVAILABLE: the server cannot be reached (connect failed,
 *   connection lost); the pool retries by itself, callers answer "unavailable"
 * @NTPMON_DB_ERROR_QUERY: the server rejected a statement
 * @NTPMON_DB_ERROR_DEADLOCK: deadlock (1213) or lock wait timeout (1205); the
 *   transaction was rolled back and may be retried
 * @NTPMON_DB_ERROR_DUPLICATE: duplicate key (1062)
 * @NTPMON_DB_ERROR_NOT_FOUND: a query expected to return a row returned none
 * @NTPMON_DB_ERROR_TYPE: a value does not fit the requested type
 * @NTPMON_DB_ERROR_CONFIG: bad DSN or database.yaml
 * @NTPMON_DB_ERROR_SCHEMA: a schema file cannot be loaded
 */
typedef enum
{
  NTPMON_DB_ERROR_UNAVAILABLE,
  NTPMON_DB_ERROR_QUERY,
  NTPMON_DB_ERROR_DEADLOCK,
  NTPMON_DB_ERROR_DUPLICATE,
  NTPMON_DB_ERROR_NOT_FOUND,
  NTPMON_DB_ERROR_TYPE,
  NTPMON_DB_ERROR_CONFIG,
  NTPMON_DB_ERROR_SCHEMA,
} NtpmonDbError;

#define NTPMON_DB_ERROR (ntpmon_db_error_quark ())
GQuark ntpmon_db_error_quark (void);

G_END_DECLS
