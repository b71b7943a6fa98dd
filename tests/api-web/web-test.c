/* web-test.c: the API server with its web API, run as a program for tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "web-test.h"

#define WAIT_STEP_US 50000
#define WAIT_LIMIT   (60 * G_USEC_PER_SEC) /* a hung server fails the test instead of hanging it */

static gchar *
program (const gchar *name)
{
  const gchar *root = g_getenv ("NTPMON_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "core", name, NULL);
}

/* The port in the first log line matching @pattern (one group), 0 if none yet. */
static guint
port_from_log (WebTest *t, const gchar *pattern)
{
  g_autofree gchar *log = NULL;
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree gchar *port = NULL;

  if (!g_file_get_contents (t->log_file, &log, NULL, NULL)
      || !g_regex_match (regex, log, 0, &match))
    return 0;
  port = g_match_info_fetch (match, 1);
  return (guint)g_ascii_strtoull (port, NULL, 10);
}

void
web_test_copy (const gchar *from, const gchar *to)
{
  g_autofree gchar *text = NULL;

  g_assert_true (g_file_get_contents (from, &text, NULL, NULL));
  g_assert_true (g_file_set_contents (to, text, -1, NULL));
}

/* Waits until the server's log contains @text. */
void
web_test_wait_log (WebTest *t, const gchar *text)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT;

  for (;;)
    {
      g_autofree gchar *log = NULL;

      g_file_get_contents (t->log_file, &log, NULL, NULL);
      if (log != NULL && strstr (log, text) != NULL)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (WAIT_STEP_US);
    }
}

static void
start_server (WebTest *t)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree gchar *conf = g_build_filename (t->dir, "monitor-api.conf", NULL);
  g_autofree gchar *text = g_strdup_printf ("[api]\nmetrics-listen=127.0.0.1:0\napi-host=%s\n"
                                            "state-dir=%s\n\n[ca]\ncert-lifetime=%d\n",
                                            WEB_TEST_ISSUER, t->dir, WEB_TEST_LIFETIME);
  g_autofree gchar *binary = program ("ntppool-monitor-api");
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT;

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  /* copies: a test may replace them */
  t->tls_crt = g_build_filename (t->dir, "tls.crt", NULL);
  t->tls_key = g_build_filename (t->dir, "tls.key", NULL);
  web_test_copy (t->certs->server_crt, t->tls_crt);
  web_test_copy (t->certs->server_key, t->tls_key);
  t->log_file = g_build_filename (t->dir, "server.log", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, t->log_file);
  g_subprocess_launcher_setenv (launcher, "DEPLOYMENT_MODE", "test", TRUE);
  g_subprocess_launcher_setenv (launcher, "DATABASE_DSN", t->dsn, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "API_HOST");
  g_subprocess_launcher_set_cwd (launcher, t->dir);
  t->server = g_subprocess_launcher_spawn (
      launcher, &error, binary, "--config", conf, "server", "--listen", "127.0.0.1:0",
      "--health-listen", "127.0.0.1:0", "--web-listen", "localhost:0", "--tls.cert", t->tls_crt,
      "--tls.key", t->tls_key, "--client-ca", t->certs->ca_crt, NULL);
  g_assert_no_error (error);
  while ((t->rpc_port = port_from_log (t, "ready: RPC on \\S+ \\(port (\\d+)\\)")) == 0)
    {
      g_autofree gchar *log = NULL;

      g_file_get_contents (t->log_file, &log, NULL, NULL);
      if (g_subprocess_get_identifier (t->server) == NULL || g_get_monotonic_time () > deadline)
        g_error ("the server did not start:\n%s", log);
      g_usleep (WAIT_STEP_US);
    }
  t->web_port = port_from_log (t, "web API on \\S+ \\(port (\\d+)\\)");
  t->metrics_port = port_from_log (t, "metrics on port (\\d+)");
  g_assert_cmpuint (t->web_port, >, 0);
  t->web_url = g_strdup_printf ("https://localhost:%u", t->web_port);
  t->rpc_url = g_strdup_printf ("https://127.0.0.1:%u", t->rpc_port);
}

void
web_test_setup (WebTest *t, NtpmonTestMariadb *mariadb, ApiTestCerts *certs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) config = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;

  t->certs = certs;
  t->dir = g_dir_make_tmp ("api-web-XXXXXX", &error);
  g_assert_no_error (error);
  t->dsn = ntpmon_test_mariadb_create_database (mariadb, TRUE, NULL, &error);
  g_assert_no_error (error);
  config = ntpmon_db_config_parse_dsn (t->dsn, &error);
  g_assert_no_error (error);
  t->conn = ntpmon_db_conn_open (config, &error);
  g_assert_no_error (error);
  st = ntpmon_db_conn_query (t->conn,
                             "INSERT INTO accounts (id_token, name, created_on) "
                             "VALUES (?, 'Test account', NOW())",
                             &error, "s", WEB_TEST_ACCOUNT_TOKEN);
  g_assert_no_error (error);
  t->account_id = ntpmon_db_stmt_get_insert_id (st);
  t->trust = g_tls_file_database_new (certs->ca_crt, &error);
  g_assert_no_error (error);
  start_server (t);
}

void
web_test_teardown (WebTest *t)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *log = NULL;

  g_subprocess_send_signal (t->server, SIGTERM);
  g_subprocess_wait (t->server, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (t->log_file, &log, NULL, NULL);
  g_test_message ("server log:\n%s", log);
  g_assert_cmpint (g_subprocess_get_exit_status (t->server), ==, 0);
  g_object_unref (t->server);
  g_object_unref (t->trust);
  ntpmon_db_conn_free (t->conn);
  api_test_rmtree (t->dir);
  g_free (t->dir);
  g_free (t->dsn);
  g_free (t->log_file);
  g_free (t->tls_crt);
  g_free (t->tls_key);
  g_free (t->web_url);
  g_free (t->rpc_url);
}

/**
 * web_test_cli:
 * @dsn: (nullable): the database, default the case's
 *
 * Runs `ntppool-monitor-api ARGS…` to its end.
 *
 * Returns: the exit status
 */
gint
web_test_cli (WebTest *t, const gchar *const *args, const gchar *dsn, gchar **out, gchar **err)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "DEPLOYMENT_MODE", "test", TRUE);
  g_subprocess_launcher_setenv (launcher, "DATABASE_DSN", dsn != NULL ? dsn : t->dsn, TRUE);
  g_subprocess_launcher_set_cwd (launcher, t->dir);
  g_ptr_array_add (argv, program ("ntppool-monitor-api"));
  g_ptr_array_add (argv, g_strdup ("--config"));
  g_ptr_array_add (argv, g_strdup ("/dev/null"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("registration %s: exit %d\n%s%s", args[1] != NULL ? args[1] : "",
                  g_subprocess_get_exit_status (proc), *out, *err);
  return g_subprocess_get_exit_status (proc);
}

/* Starts `ntppool-agent --state-dir DIR ARGS…` against the case's web API. */
GSubprocess *
web_test_spawn_agent (WebTest *t, const gchar *state_dir, const gchar *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  GSubprocess *agent;

  g_ptr_array_add (argv, program ("ntppool-agent"));
  g_ptr_array_add (argv, g_strdup ("--state-dir"));
  g_ptr_array_add (argv, g_strdup (state_dir));
  g_ptr_array_add (argv, g_strdup ("--dbus"));
  g_ptr_array_add (argv, g_strdup ("none"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG"); /* it logs warnings on purpose */
  g_subprocess_launcher_unsetenv (launcher, "MONITOR_STATE_DIR");
  g_subprocess_launcher_unsetenv (launcher, "RUNTIME_DIRECTORY");
  g_subprocess_launcher_unsetenv (launcher, "DEPLOYMENT_MODE");
  g_subprocess_launcher_setenv (launcher, "API_HOST", t->web_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "NTPMON_WEBAPI_CA_FILE", t->certs->ca_crt, TRUE);
  g_subprocess_launcher_setenv (launcher, "NTPMON_DEFAULTS_FILE", "/dev/null", TRUE);
  agent = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  return agent;
}

/* Waits for the agent's end; returns its exit status. */
gint
web_test_wait_agent (GSubprocess *agent, gchar **out)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_communicate_utf8 (agent, NULL, NULL, out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("agent: exit %d\n%s", g_subprocess_get_exit_status (agent), *out);
  g_assert_true (g_subprocess_get_if_exited (agent));
  return g_subprocess_get_exit_status (agent);
}

/* Waits until a pending registration (with both addresses) exists. */
guint64
web_test_wait_registration (WebTest *t, gboolean both_families)
{
  const gchar *sql = both_families
                         ? "SELECT MAX(id) FROM monitor_registrations WHERE status = 'pending' "
                           "AND ip4 <> '' AND ip6 <> ''"
                         : "SELECT MAX(id) FROM monitor_registrations WHERE status = 'pending'";
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT;
  gint64 id;

  while ((id = web_test_count (t, sql, NULL)) <= 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (WAIT_STEP_US);
    }
  return (guint64)id;
}

static NtpmonDbStmt *
query_one (WebTest *t, const gchar *sql, const gchar *arg)
{
  g_autoptr (GError) error = NULL;
  NtpmonDbStmt *st = arg != NULL ? ntpmon_db_conn_query (t->conn, sql, &error, "s", arg)
                                 : ntpmon_db_conn_query (t->conn, sql, &error, "");

  g_assert_no_error (error);
  g_assert_true (ntpmon_db_stmt_fetch_one (st, &error));
  g_assert_no_error (error);
  return st;
}

/* The first column of the one row of @sql as a number (NULL: -1). */
gint64
web_test_count (WebTest *t, const gchar *sql, const gchar *arg)
{
  g_autoptr (NtpmonDbStmt) st = query_one (t, sql, arg);

  return ntpmon_db_stmt_is_null (st, 0) ? -1 : ntpmon_db_stmt_get_int (st, 0);
}

gchar *
web_test_text (WebTest *t, const gchar *sql, const gchar *arg)
{
  g_autoptr (NtpmonDbStmt) st = query_one (t, sql, arg);

  return ntpmon_db_stmt_dup_text (st, 0);
}
