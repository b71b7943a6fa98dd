/* test-api-program.c: the ntppool-monitor-api program itself
 *
 * SPDX-License-Identifier: MIT
 *
 * Runs the built binary: exit codes of spec §2.5, and a server started
 * with real certificates on loopback ports it chooses itself (port 0; the
 * test reads the ports from the "ready" log line).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "api-test-util.h"
#include "ntpmon-db-conn.h"
#include "ntpmon-db-stmt.h"
#include "ntpmon-test-mariadb.h"

static ApiTestCerts *certs;
static NtpmonTestMariadb *mariadb;

typedef struct
{
  gint status;
  gchar *out;
  gchar *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

/* Runs the program to its end with @env added to the environment. */
static void
run_program (const gchar *const *args, const gchar *const *env, Run *run)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_unsetenv (launcher, "DEPLOYMENT_MODE");
  g_subprocess_launcher_unsetenv (launcher, "DATABASE_DSN");
  g_subprocess_launcher_set_cwd (launcher, certs->dir);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  g_ptr_array_add (argv, (gpointer)NTPMON_API_BINARY);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (proc);
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

static void
test_version (void)
{
  Run run = { 0 };

  run_program ((const gchar *[]){ "version", NULL }, NULL, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "ntppool-monitor-api " PACKAGE_VERSION "\n");
  run_clear (&run);
}

static void
expect_exit (const gchar *const *args, const gchar *const *env, gint status, const gchar *message)
{
  Run run = { 0 };

  run_program (args, env, &run);
  g_assert_cmpint (run.status, ==, status);
  g_assert_nonnull (strstr (run.err, message));
  run_clear (&run);
}

static void
test_exit_codes (void)
{
  const gchar *mode[] = { "DEPLOYMENT_MODE", "test", NULL };
  /* nothing listens on port 1 */
  const gchar *mode_dsn[]
      = { "DEPLOYMENT_MODE", "test", "DATABASE_DSN", "x@tcp(127.0.0.1:1)/ntp", NULL };
  const gchar *const tls[] = { "server",          "--tls.cert",  certs->server_crt, "--tls.key",
                               certs->server_key, "--client-ca", certs->ca_crt,     NULL };

  expect_exit ((const gchar *[]){ "--bogus", NULL }, NULL, 80, "unknown flag --bogus");
  expect_exit ((const gchar *[]){ "server", "--bogus", NULL }, NULL, 80, "--bogus");
  expect_exit ((const gchar *[]){ "--deployment-mode", "", "server", NULL }, NULL, 1,
               "deployment_mode configuration required");
  expect_exit ((const gchar *[]){ "--deployment-mode", "staging", "server", NULL }, NULL, 1,
               "invalid deployment mode");
  expect_exit ((const gchar *[]){ "server", "--tls.cert", "/nonexistent.crt", "--tls.key",
                                  "/nonexistent.key", "--client-ca", certs->ca_crt, NULL },
               mode, 2, "certificate error");
  expect_exit ((const gchar *[]){ "server", "--tls.cert", certs->server_crt, "--tls.key",
                                  certs->good_key, "--client-ca", certs->ca_crt, NULL },
               mode, 2, "certificate error");
  expect_exit (tls, mode, 2, "database: no database DSN");
  expect_exit (tls, mode_dsn, 2, "database: ");
  expect_exit ((const gchar *[]){ "server", "--tls.cert", certs->server_crt, "--tls.key",
                                  certs->server_key, "--client-ca", "/nonexistent.pem", NULL },
               mode_dsn, 2, "client CA bundle");
}

static void
test_keys_add (void)
{
  g_autofree gchar *dir = g_build_filename (certs->dir, "rotated-keys", NULL);
  g_autofree gchar *second = g_build_filename (dir, "2.key", NULL);
  Run first = { 0 }, again = { 0 };

  run_program ((const gchar *[]){ "keys", "add", "--ticket-key-dir", dir, NULL }, NULL, &first);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_cmpstr (first.out, ==, "1\n");
  run_program ((const gchar *[]){ "keys", "add", "--ticket-key-dir", dir, NULL }, NULL, &again);
  g_assert_cmpint (again.status, ==, 0);
  g_assert_cmpstr (again.out, ==, "2\n");
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
  run_clear (&first);
  run_clear (&again);
  expect_exit ((const gchar *[]){ "keys", "remove", NULL }, NULL, 80, "expected \"keys add\"");
}

static void
test_db_init (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dsn = ntpmon_test_mariadb_create_database (mariadb, FALSE, NULL, &error);
  g_autofree gchar *schema = ntpmon_test_mariadb_get_schema_path ();
  g_autoptr (NtpmonDbConfig) config = NULL;
  g_autoptr (NtpmonDbConn) conn = NULL;
  const gchar *env[] = { "DATABASE_DSN", dsn, NULL };
  Run first = { 0 };
  g_autoptr (NtpmonDbStmt) st = NULL;

  g_assert_no_error (error);
  run_program ((const gchar *[]){ "db", "init", "--schema", schema, NULL }, env, &first);
  g_assert_cmpint (first.status, ==, 0);
  run_clear (&first);

  config = ntpmon_db_config_parse_dsn (dsn, &error);
  conn = ntpmon_db_conn_open (config, &error);
  g_assert_no_error (error);
  st = ntpmon_db_conn_query (conn,
                             "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema "
                             "= DATABASE() AND table_name IN ('monitors', 'servers', "
                             "'log_scores', 'server_scores', 'system_settings')",
                             &error, "");
  g_assert_no_error (error);
  g_assert_true (ntpmon_db_stmt_fetch_one (st, &error));
  g_assert_cmpint (ntpmon_db_stmt_get_int (st, 0), ==, 5);

  /* not again into a database that has tables */
  expect_exit ((const gchar *[]){ "db", "init", "--schema", schema, NULL }, env, 1, "error:");
  expect_exit ((const gchar *[]){ "db", "drop", NULL }, env, 80, "expected \"db init\"");
  expect_exit ((const gchar *[]){ "db", "init", NULL },
               (const gchar *[]){ "DATABASE_DSN", "x@tcp(127.0.0.1:1)/ntp", NULL }, 2, "error:");
}

typedef struct
{
  GSubprocess *proc;
  GDataInputStream *err;
  GString *log;
  gboolean ready;
  gboolean exited;
  guint rpc_port, health_port, metrics_port;
} Server;

static void read_line (Server *server);

static void
line_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Server *server = user_data;
  g_autofree gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, NULL);
  const gchar *ports;

  if (line == NULL)
    {
      server->exited = TRUE;
      return;
    }
  g_string_append_printf (server->log, "%s\n", line);
  if (!server->ready && (ports = strstr (line, "ready: RPC on")) != NULL)
    {
      g_autoptr (GRegex) regex = g_regex_new (
          "port (\\d+)\\), health on .* \\(port (\\d+)\\), metrics on port (\\d+)", 0, 0, NULL);
      g_autoptr (GMatchInfo) match = NULL;
      g_autofree gchar *rpc = NULL;
      g_autofree gchar *health = NULL;
      g_autofree gchar *metrics = NULL;

      g_assert_true (g_regex_match (regex, ports, 0, &match));
      rpc = g_match_info_fetch (match, 1);
      health = g_match_info_fetch (match, 2);
      metrics = g_match_info_fetch (match, 3);
      server->rpc_port = (guint)g_ascii_strtoull (rpc, NULL, 10);
      server->health_port = (guint)g_ascii_strtoull (health, NULL, 10);
      server->metrics_port = (guint)g_ascii_strtoull (metrics, NULL, 10);
      server->ready = TRUE;
    }
  read_line (server);
}

static void
read_line (Server *server)
{
  g_data_input_stream_read_line_async (server->err, G_PRIORITY_DEFAULT, NULL, line_read, server);
}

static void
test_serve (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  ApiTestJwks *jwks = api_test_jwks_new ();
  EVP_PKEY *key = api_test_key_new ("EC");
  g_autofree gchar *jwk = api_test_jwk (key, "k1");
  g_autofree gchar *keys_dir = g_build_filename (certs->dir, "ticket-keys", NULL);
  g_autofree gchar *key_file = g_build_filename (keys_dir, "1.key", NULL);
  g_autofree gchar *conf = g_build_filename (certs->dir, "monitor-api.conf", NULL);
  g_autofree gchar *conf_text = g_strdup_printf ("[api]\nmetrics-listen=127.0.0.1:0\n"
                                                 "jwks-url=%s\napi-host=%s\n"
                                                 "ticket-key-dir=%s\n",
                                                 jwks->url, API_TEST_ISSUER, keys_dir);
  g_autoptr (GTlsDatabase) trust = g_tls_file_database_new (certs->ca_crt, &error);
  g_autoptr (GTlsCertificate) good = api_test_load_pair (certs->good_crt, certs->good_key);
  g_autofree gchar *claims = api_test_claims (API_TEST_MONITOR, API_TEST_ISSUER, "\"monitor-api\"",
                                              "\"monitor:data\"", 600);
  g_autofree gchar *token = api_test_jwt (key, "ES384", "k1", claims);
  g_autofree gchar *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autofree gchar *url = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *dsn = NULL;
  Server server = { 0 };
  guint status;

  api_test_jwks_set (jwks, (const gchar *[]){ jwk, NULL });
  g_assert_true (g_file_set_contents (conf, conf_text, -1, NULL));
  g_subprocess_launcher_setenv (launcher, "DEPLOYMENT_MODE", "test", TRUE);
  dsn = ntpmon_test_mariadb_create_database (mariadb, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_launcher_setenv (launcher, "DATABASE_DSN", dsn, TRUE);
  g_subprocess_launcher_set_cwd (launcher, certs->dir);
  server.log = g_string_new (NULL);
  server.proc = g_subprocess_launcher_spawn (
      launcher, &error, NTPMON_API_BINARY, "--config", conf, "server", "--listen", "127.0.0.1:0",
      "--health-listen", "127.0.0.1:0", "--web-listen", "", "--tls.cert", certs->server_crt,
      "--tls.key", certs->server_key, "--client-ca", certs->ca_crt, NULL);
  g_assert_no_error (error);
  server.err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (server.proc));
  read_line (&server);
  while (!server.ready && !server.exited)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("%s", server.log->str);
  g_assert_true (server.ready);
  g_assert_cmpuint (server.rpc_port, >, 0);
  g_assert_cmpuint (server.health_port, >, 0);
  g_assert_cmpuint (server.metrics_port, >, 0);

  /* the first ticket key was created */
  g_assert_true (g_file_test (key_file, G_FILE_TEST_IS_REGULAR));

  url = g_strdup_printf ("http://127.0.0.1:%u/__health", server.health_port);
  text = api_test_get (url, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (text, ==, "ok");
  g_clear_pointer (&url, g_free);
  g_clear_pointer (&text, g_free);

  url = g_strdup_printf ("https://127.0.0.1:%u/monitor.v2.MonitorService/GetConfig",
                         server.rpc_port);
  {
    g_autoptr (ApiTestResponse) anonymous = api_test_request (url, "", NULL, NULL, trust);
    g_autoptr (ApiTestResponse) mtls = api_test_request (url, "", good, NULL, trust);
    g_autoptr (ApiTestResponse) jwt = api_test_request (url, "", NULL, bearer, trust);
    g_autoptr (ApiTestResponse) bad_jwt = api_test_request (url, "", NULL, "Bearer x.y.z", trust);

    g_assert_cmpuint (anonymous->status, ==, 401);
    g_assert_cmpstr (anonymous->body, ==, "Authentication required\n");
    /* authenticated: GetConfig runs and finds no monitor row */
    g_assert_cmpuint (mtls->status, ==, 404);
    g_assert_nonnull (strstr (mtls->body, "no such monitor"));
    g_assert_cmpuint (jwt->status, ==, 404);
    g_assert_nonnull (strstr (jwt->body, "no such monitor"));
    g_assert_cmpuint (bad_jwt->status, ==, 401);
    g_assert_cmpstr (bad_jwt->body, ==, "Invalid JWT token\n");
  }
  g_clear_pointer (&url, g_free);

  url = g_strdup_printf ("http://127.0.0.1:%u/metrics", server.metrics_port);
  text = api_test_get (url, &status);
  g_assert_cmpuint (status, ==, 200);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (
      text, "api_requests_total{route=\"/monitor.v2.MonitorService/GetConfig\",code=\"401\"} 2\n"));
  g_assert_nonnull (strstr (
      text, "api_requests_total{route=\"/monitor.v2.MonitorService/GetConfig\",code=\"404\"} 2\n"));
  g_assert_nonnull (strstr (text, "monitorapi_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
  g_assert_true (jwks->fetches >= 1);

  /* SIGHUP: re-read config and certificate, keep serving */
  g_subprocess_send_signal (server.proc, SIGHUP);
  while (strstr (server.log->str, "SIGHUP: reloading") == NULL && !server.exited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (server.exited);
  g_clear_pointer (&text, g_free);
  text = api_test_get (url, &status);
  g_assert_cmpuint (status, ==, 200);

  /* SIGTERM: a clean stop */
  g_subprocess_send_signal (server.proc, SIGTERM);
  g_subprocess_wait (server.proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server.proc));
  g_assert_cmpint (g_subprocess_get_exit_status (server.proc), ==, 0);
  while (!server.exited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (strstr (server.log->str, "shutting down"));
  g_test_message ("%s", server.log->str);
  /* the access log names the monitor */
  g_assert_nonnull (strstr (server.log->str, "monitor=" API_TEST_MONITOR));

  g_object_unref (server.err);
  g_object_unref (server.proc);
  g_string_free (server.log, TRUE);
  EVP_PKEY_free (key);
  api_test_jwks_free (jwks);
}

int
main (int argc, char **argv)
{
  int status;

  api_test_init (&argc, &argv);
  certs = api_test_certs_new ();
  mariadb = ntpmon_test_mariadb_start_or_fail ();
  g_test_add_func ("/api/program/version", test_version);
  g_test_add_func ("/api/program/exit-codes", test_exit_codes);
  g_test_add_func ("/api/program/keys-add", test_keys_add);
  g_test_add_func ("/api/program/db-init", test_db_init);
  g_test_add_func ("/api/program/serve", test_serve);
  status = g_test_run ();
  ntpmon_test_mariadb_free (mariadb);
  api_test_certs_free (certs);
  return status;
}
