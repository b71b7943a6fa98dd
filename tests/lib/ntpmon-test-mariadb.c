/* ntpmon-test-mariadb.c: a private MariaDB server for tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ntpmon-db.h"
#include "ntpmon-test-mariadb.h"

#define READY_TIMEOUT_USEC (60 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_USEC  (30 * G_USEC_PER_SEC)
#define POLL_USEC          (20 * 1000)

struct _NtpmonTestMariadb
{
  gchar *dir;
  gchar *datadir;
  gchar *tmpdir;
  gchar *socket;
  guint16 port;
  gchar *mariadbd;
  GSubprocess *server;
  GSubprocess *watchdog;
  guint n_databases;
};

static const gchar *const sbin_dirs[] = { "/usr/sbin", "/usr/local/sbin", "/sbin", NULL };

/* Looks in NTPMON_TEST_MARIADB_PATH (directories separated by ':') when
 * set, else in PATH and the sbin directories. */
static gchar *
find_program (const gchar *name, GError **error)
{
  const gchar *override = g_getenv ("NTPMON_TEST_MARIADB_PATH");
  g_auto (GStrv) dirs = g_strsplit (override ? override : "", ":", -1);
  gchar *path = override ? NULL : g_find_program_in_path (name);

  for (gsize i = 0; path == NULL && (override ? dirs[i] : sbin_dirs[i]) != NULL; i++)
    {
      g_autofree gchar *candidate
          = g_build_filename (override ? dirs[i] : sbin_dirs[i], name, NULL);
      if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE))
        path = g_steal_pointer (&candidate);
    }
  if (path == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "%s not found: the MariaDB tests need the Debian package mariadb-server", name);
  return path;
}

/* Child setup: a process group of its own (the watchdog kills the whole
 * group) that is killed when the test process dies. */
static void
die_with_parent (gpointer data)
{
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Tells the watchdog which process groups are alive (and only those: a
 * group id may be reused once its processes are gone). */
static void
note_groups (NtpmonTestMariadb *self, GSubprocess *install)
{
  g_autofree gchar *path = g_build_filename (self->dir, "groups", NULL);
  const gchar *install_id = install ? g_subprocess_get_identifier (install) : NULL;
  const gchar *server_id = self->server ? g_subprocess_get_identifier (self->server) : NULL;
  g_autofree gchar *text
      = g_strdup_printf ("%s\n%s\n", install_id ? install_id : "", server_id ? server_id : "");

  g_file_set_contents (path, text, -1, NULL);
}

static void
own_session (gpointer data)
{
  setsid ();
}

/* Removes the directory (and kills the server) once the test process is
 * gone: it waits for the end of its stdin, which only this process holds. */
static gboolean
start_watchdog (NtpmonTestMariadb *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);

  g_subprocess_launcher_set_child_setup (launcher, own_session, NULL, NULL);
  self->watchdog = g_subprocess_launcher_spawn (
      launcher, error, "/bin/sh", "-c",
      "cat >/dev/null;"
      " if [ -s \"$1/groups\" ]; then for g in $(cat \"$1/groups\"); do kill -9 -- \"-$g\";"
      " done 2>/dev/null; fi;"
      " for i in 1 2 3 4 5 6 7 8 9 10; do rm -rf \"$1\" 2>/dev/null; [ -e \"$1\" ] || break;"
      " sleep 0.5; done",
      "ntpmon-test-mariadb-watchdog", self->dir, NULL);
  return self->watchdog != NULL;
}

static gboolean
run_install_db (NtpmonTestMariadb *self, GError **error)
{
  g_autofree gchar *install = find_program ("mariadb-install-db", error);
  g_autofree gchar *user = NULL;
  g_autofree gchar *datadir_arg = NULL;
  g_autofree gchar *tmpdir_arg = g_strdup_printf ("--tmpdir=%s", self->tmpdir);
  g_autofree gchar *log_path = g_build_filename (self->dir, "install.log", NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;

  if (install == NULL)
    return FALSE;
  user = g_strdup_printf ("--user=%s", geteuid () == 0 ? "root" : g_get_user_name ());
  datadir_arg = g_strdup_printf ("--datadir=%s", self->datadir);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawn (launcher, error, install, "--no-defaults",
                                      "--auth-root-authentication-method=normal", datadir_arg, user,
                                      "--skip-test-db", "--skip-name-resolve", tmpdir_arg, NULL);
  if (proc != NULL)
    note_groups (self, proc);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, error))
    {
      g_autofree gchar *log = NULL;
      g_file_get_contents (log_path, &log, NULL, NULL);
      g_prefix_error (error, "mariadb-install-db failed (%s): ", log ? log : "no log");
      return FALSE;
    }
  note_groups (self, NULL);
  return TRUE;
}

static guint16
pick_free_port (GError **error)
{
  g_autoptr (GSocket) sock
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (sock == NULL || !g_socket_bind (sock, addr, FALSE, error))
    return 0;
  bound = g_socket_get_local_address (sock, error);
  if (bound == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
server_exited (NtpmonTestMariadb *self)
{
  return self->server == NULL || g_subprocess_get_identifier (self->server) == NULL;
}

static gchar *
read_error_log (NtpmonTestMariadb *self)
{
  g_autofree gchar *path = g_build_filename (self->dir, "error.log", NULL);
  g_autofree gchar *log = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &log, &len, NULL))
    return g_strdup ("(no error log)");
  return g_strdup (len > 2000 ? log + len - 2000 : log);
}

static gboolean
wait_ready (NtpmonTestMariadb *self, GError **error)
{
  g_autofree gchar *dsn = ntpmon_test_mariadb_get_dsn (self, NULL);
  g_autoptr (NtpmonDbConfig) config = ntpmon_db_config_parse_dsn (dsn, error);
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_USEC;

  if (config == NULL)
    return FALSE;
  for (;;)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (NtpmonDbConn) conn = NULL;

      if (server_exited (self))
        {
          g_autofree gchar *log = read_error_log (self);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "mariadbd exited at start-up: %s",
                       log);
          return FALSE;
        }
      if (g_file_test (self->socket, G_FILE_TEST_EXISTS))
        conn = ntpmon_db_conn_open (config, &local);
      if (conn != NULL)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "mariadbd not ready after 60 s: %s",
                       local ? local->message : "no socket");
          return FALSE;
        }
      g_usleep (POLL_USEC);
    }
}

static gboolean
spawn_server (NtpmonTestMariadb *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_ptr_array_add (args, g_strdup (self->mariadbd));
  g_ptr_array_add (args, g_strdup ("--no-defaults"));
  g_ptr_array_add (args, g_strdup_printf ("--datadir=%s", self->datadir));
  g_ptr_array_add (args, g_strdup_printf ("--socket=%s", self->socket));
  g_ptr_array_add (args, g_strdup_printf ("--tmpdir=%s", self->tmpdir));
  g_ptr_array_add (args, g_strdup_printf ("--pid-file=%s/pid", self->dir));
  g_ptr_array_add (args, g_strdup_printf ("--log-error=%s/error.log", self->dir));
  g_ptr_array_add (args, g_strdup_printf ("--port=%u", self->port));
  g_ptr_array_add (args, g_strdup ("--bind-address=127.0.0.1"));
  g_ptr_array_add (args, g_strdup ("--skip-name-resolve"));
  g_ptr_array_add (args, g_strdup ("--character-set-server=utf8mb4"));
  g_ptr_array_add (args, g_strdup ("--innodb-buffer-pool-size=64M"));
  g_ptr_array_add (args, g_strdup ("--innodb-flush-log-at-trx-commit=2"));
  g_ptr_array_add (args, g_strdup ("--innodb-use-native-aio=0"));
  g_ptr_array_add (args, g_strdup ("--max-connections=500"));
  if (geteuid () == 0)
    g_ptr_array_add (args, g_strdup ("--user=root"));
  g_ptr_array_add (args, NULL);
  self->server = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)args->pdata, error);
  if (self->server == NULL)
    return FALSE;
  note_groups (self, NULL);
  return TRUE;
}

static gboolean
start_server (NtpmonTestMariadb *self, GError **error)
{
  g_clear_object (&self->server);
  if (!spawn_server (self, error))
    return FALSE;
  return wait_ready (self, error);
}

/**
 * ntpmon_test_mariadb_start:
 *
 * Creates a data directory and starts the server; returns when it accepts
 * connections. A missing server is an error naming the package.
 */
NtpmonTestMariadb *
ntpmon_test_mariadb_start (GError **error)
{
  g_autoptr (NtpmonTestMariadb) self = g_new0 (NtpmonTestMariadb, 1);
  g_autoptr (GError) local = NULL;

  self->mariadbd = find_program ("mariadbd", error);
  if (self->mariadbd == NULL)
    return NULL;
  self->dir = g_dir_make_tmp ("ntpmon-mariadb-XXXXXX", error);
  if (self->dir == NULL || !start_watchdog (self, error))
    return NULL;
  self->datadir = g_build_filename (self->dir, "data", NULL);
  self->socket = g_build_filename (self->dir, "sock", NULL);
  /* the server's temporary files must not meet other servers' in /tmp */
  self->tmpdir = g_build_filename (self->dir, "tmp", NULL);
  if (g_mkdir (self->tmpdir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                   self->tmpdir, g_strerror (errno));
      return NULL;
    }
  if (strlen (self->socket) >= 100)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   "socket path %s too long: set TMPDIR to a shorter directory", self->socket);
      return NULL;
    }
  if (!run_install_db (self, error))
    return NULL;
  /* a port picked here may be taken by someone else before the server
   * binds it; try a few */
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_clear_error (&local);
      self->port = pick_free_port (error);
      if (self->port == 0)
        return NULL;
      if (start_server (self, &local))
        return g_steal_pointer (&self);
    }
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

/**
 * ntpmon_test_mariadb_start_or_fail:
 *
 * ntpmon_test_mariadb_start() for test main()s: prints why and exits with
 * status 1 (a failed test) when the server cannot be started.
 */
NtpmonTestMariadb *
ntpmon_test_mariadb_start_or_fail (void)
{
  g_autoptr (GError) error = NULL;
  NtpmonTestMariadb *self = ntpmon_test_mariadb_start (&error);

  if (self == NULL)
    {
      g_printerr ("FAIL: cannot start the test MariaDB server: %s\n", error->message);
      exit (1);
    }
  return self;
}

const gchar *
ntpmon_test_mariadb_get_socket (NtpmonTestMariadb *self)
{
  return self->socket;
}

guint16
ntpmon_test_mariadb_get_port (NtpmonTestMariadb *self)
{
  return self->port;
}

/**
 * ntpmon_test_mariadb_get_dsn:
 * @dbname: (nullable): database name
 *
 * Returns: a Go-syntax DSN for user root over the unix socket
 */
gchar *
ntpmon_test_mariadb_get_dsn (NtpmonTestMariadb *self, const gchar *dbname)
{
  return g_strdup_printf ("root@unix(%s)/%s", self->socket, dbname ? dbname : "");
}

gchar *
ntpmon_test_mariadb_get_schema_path (void)
{
  const gchar *root = g_getenv ("NTPMON_SOURCE_ROOT");

  if (root != NULL)
    return g_build_filename (root, "data", "schema.sql", NULL);
  return g_test_build_filename (G_TEST_DIST, "..", "data", "schema.sql", NULL);
}

/**
 * ntpmon_test_mariadb_create_database:
 * @load_schema: load data/schema.sql into it
 * @out_dbname: (out) (optional): the new database's name
 *
 * Returns: the DSN of a new, empty database (or one with the schema)
 */
gchar *
ntpmon_test_mariadb_create_database (NtpmonTestMariadb *self, gboolean load_schema,
                                     gchar **out_dbname, GError **error)
{
  g_autofree gchar *name = g_strdup_printf ("test%u", ++self->n_databases);
  g_autofree gchar *admin_dsn = ntpmon_test_mariadb_get_dsn (self, NULL);
  g_autofree gchar *dsn = ntpmon_test_mariadb_get_dsn (self, name);
  g_autofree gchar *create = g_strdup_printf ("CREATE DATABASE `%s`", name);
  g_autoptr (NtpmonDbConfig) admin = ntpmon_db_config_parse_dsn (admin_dsn, error);
  g_autoptr (NtpmonDbConfig) config = NULL;
  g_autoptr (NtpmonDbConn) conn = NULL;

  if (admin == NULL || (conn = ntpmon_db_conn_open (admin, error)) == NULL
      || !ntpmon_db_conn_exec_direct (conn, create, error))
    return NULL;
  if (load_schema)
    {
      g_autofree gchar *schema = ntpmon_test_mariadb_get_schema_path ();

      g_clear_pointer (&conn, ntpmon_db_conn_free);
      config = ntpmon_db_config_parse_dsn (dsn, error);
      if (config == NULL || (conn = ntpmon_db_conn_open (config, error)) == NULL
          || !ntpmon_db_load_schema (conn, schema, error))
        return NULL;
    }
  if (out_dbname != NULL)
    *out_dbname = g_steal_pointer (&name);
  return g_steal_pointer (&dsn);
}

/**
 * ntpmon_test_mariadb_stop:
 *
 * Shuts the server down (SIGTERM, then SIGKILL after 30 s); the data stays
 * for ntpmon_test_mariadb_restart().
 */
gboolean
ntpmon_test_mariadb_stop (NtpmonTestMariadb *self, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_USEC;

  gboolean ok = TRUE;

  if (server_exited (self))
    return TRUE;
  g_subprocess_send_signal (self->server, SIGTERM);
  while (!server_exited (self))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_subprocess_force_exit (self->server);
          ok = g_subprocess_wait (self->server, NULL, error);
          break;
        }
      g_usleep (POLL_USEC);
    }
  note_groups (self, NULL);
  return ok;
}

/**
 * ntpmon_test_mariadb_restart:
 *
 * Stops the server if it runs and starts it again on the same socket, port
 * and data.
 */
gboolean
ntpmon_test_mariadb_restart (NtpmonTestMariadb *self, GError **error)
{
  return ntpmon_test_mariadb_stop (self, error) && start_server (self, error);
}

void
ntpmon_test_mariadb_free (NtpmonTestMariadb *self)
{
  if (self == NULL)
    return;
  if (self->server != NULL)
    {
      ntpmon_test_mariadb_stop (self, NULL);
      g_clear_object (&self->server);
    }
  if (self->watchdog != NULL)
    {
      /* closing its stdin makes it remove the directory */
      g_output_stream_close (g_subprocess_get_stdin_pipe (self->watchdog), NULL, NULL);
      g_subprocess_wait (self->watchdog, NULL, NULL);
      g_clear_object (&self->watchdog);
    }
  g_free (self->dir);
  g_free (self->datadir);
  g_free (self->tmpdir);
  g_free (self->socket);
  g_free (self->mariadbd);
  g_free (self);
}
