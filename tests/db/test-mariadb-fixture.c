/* test-mariadb-fixture.c: the test MariaDB fixture itself
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "test-db-helpers.h"

static void
test_fixture_missing_server (void)
{
  g_autofree gchar *empty = g_dir_make_tmp ("ntpmon-nobin-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonTestMariadb) server = NULL;

  g_setenv ("NTPMON_TEST_MARIADB_PATH", empty, TRUE);
  server = ntpmon_test_mariadb_start (&error);
  g_unsetenv ("NTPMON_TEST_MARIADB_PATH");
  g_rmdir (empty);
  g_assert_null (server);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "mariadbd"));
  g_assert_nonnull (strstr (error->message, "package mariadb-server"));
}

static void
test_fixture_lifecycle (void)
{
  g_autoptr (GError) error = NULL;
  NtpmonTestMariadb *server = ntpmon_test_mariadb_start (&error);
  g_autofree gchar *dir = NULL;
  g_autofree gchar *dbname = NULL;
  g_autofree gchar *dsn = NULL;
  g_autofree gchar *other = NULL;
  g_autoptr (NtpmonDbConn) conn = NULL;

  g_assert_no_error (error);
  dir = g_path_get_dirname (ntpmon_test_mariadb_get_socket (server));
  g_assert_true (g_file_test (ntpmon_test_mariadb_get_socket (server), G_FILE_TEST_EXISTS));
  g_assert_cmpuint (ntpmon_test_mariadb_get_port (server), >, 0);

  /* databases per test case, with or without the schema */
  dsn = ntpmon_test_mariadb_create_database (server, TRUE, &dbname, &error);
  g_assert_no_error (error);
  other = ntpmon_test_mariadb_create_database (server, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dsn, !=, other);
  conn = open_conn (dsn);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM system_settings"), ==, 0);
  g_clear_pointer (&conn, ntpmon_db_conn_free);
  conn = open_conn (other);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM information_schema.tables"
                                    " WHERE table_schema = DATABASE()"),
                   ==, 0);
  g_clear_pointer (&conn, ntpmon_db_conn_free);

  /* stop, restart: the data is kept */
  g_assert_true (ntpmon_test_mariadb_stop (server, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (ntpmon_test_mariadb_get_socket (server), G_FILE_TEST_EXISTS));
  g_assert_true (ntpmon_test_mariadb_restart (server, &error));
  g_assert_no_error (error);
  conn = open_conn (dsn);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM system_settings"), ==, 0);
  g_clear_pointer (&conn, ntpmon_db_conn_free);

  /* freeing stops the server and removes everything */
  ntpmon_test_mariadb_free (server);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/db/fixture/missing-server", test_fixture_missing_server);
  g_test_add_func ("/db/fixture/lifecycle", test_fixture_lifecycle);
  return g_test_run ();
}
