/* ntpmon-test-mariadb.h: a private MariaDB server for tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * NtpmonTestMariadb:
 *
 * A MariaDB server in a temporary data directory, listening on a unix
 * socket and on a free port of 127.0.0.1, user `root` without password.
 * Start one per test binary and create a database per test case. The
 * server and its directory are removed by ntpmon_test_mariadb_free(), and
 * by a watchdog process when the test process dies without doing so.
 */
typedef struct _NtpmonTestMariadb NtpmonTestMariadb;

NtpmonTestMariadb *ntpmon_test_mariadb_start (GError **error);
NtpmonTestMariadb *ntpmon_test_mariadb_start_or_fail (void);
const gchar *ntpmon_test_mariadb_get_socket (NtpmonTestMariadb *self);
guint16 ntpmon_test_mariadb_get_port (NtpmonTestMariadb *self);
gchar *ntpmon_test_mariadb_get_dsn (NtpmonTestMariadb *self, const gchar *dbname);
gchar *ntpmon_test_mariadb_create_database (NtpmonTestMariadb *self, gboolean load_schema,
                                            gchar **out_dbname, GError **error);
gchar *ntpmon_test_mariadb_get_schema_path (void);
gboolean ntpmon_test_mariadb_stop (NtpmonTestMariadb *self, GError **error);
gboolean ntpmon_test_mariadb_restart (NtpmonTestMariadb *self, GError **error);
void ntpmon_test_mariadb_free (NtpmonTestMariadb *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonTestMariadb, ntpmon_test_mariadb_free)

G_END_DECLS
