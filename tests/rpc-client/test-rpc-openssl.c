/* test-rpc-openssl.c: the RPC client's TLS against an independent peer
 *
 * `openssl s_server` requires a client certificate from the test CA and
 * prints the peer's certificate subject and everything it receives: the
 * test reads the request the client sent through an OpenSSL handshake.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ntpmon-rpc-client.h"
#include "ntpmon-rpc-error.h"
#include "rpc-test-server.h"

static RpcTestCerts *certs;

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  gchar *url;
  GString *seen; /* what s_server printed after ACCEPT */
  gboolean eof;
  gboolean reading;
  GCancellable *cancellable;
} OpensslServer;

static void
openssl_server_start (OpensslServer *server)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    g_error ("the openssl program is missing: install the Debian package openssl");
  /* stdin stays an open pipe: s_server stops when it reads EOF there */
  server->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                          | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                      &error, openssl, "s_server", "-accept", "127.0.0.1:0",
                                      "-cert", certs->server_pem, "-key", certs->server_key,
                                      "-CAfile", certs->ca_pem, "-Verify", "1", NULL);
  g_assert_no_error (error);

  /* it prints "ACCEPT 127.0.0.1:<port>" once it listens */
  server->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  server->seen = g_string_new (NULL);
  server->cancellable = g_cancellable_new ();
  for (;;)
    {
      g_autofree gchar *line = g_data_input_stream_read_line (server->out, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line); /* s_server ended without listening */
      if (g_str_has_prefix (line, "ACCEPT "))
        {
          server->url = g_strconcat ("https://", line + strlen ("ACCEPT "), NULL);
          break;
        }
    }
}

static void
openssl_server_stop (OpensslServer *server)
{
  g_subprocess_force_exit (server->process);
  g_subprocess_wait (server->process, NULL, NULL);
  g_cancellable_cancel (server->cancellable);
  while (server->reading)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&server->cancellable);
  g_clear_object (&server->out);
  g_clear_object (&server->process);
  g_string_free (server->seen, TRUE);
  g_free (server->url);
}

static void on_line (GObject *source, GAsyncResult *result, gpointer user_data);

static void
openssl_server_read (OpensslServer *server)
{
  server->reading = TRUE;
  g_data_input_stream_read_line_async (server->out, G_PRIORITY_DEFAULT, server->cancellable,
                                       on_line, server);
}

static void
on_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpensslServer *server = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = g_data_input_stream_read_line_finish (server->out, result, NULL, &error);

  server->reading = FALSE;
  if (line == NULL)
    {
      server->eof = TRUE;
      return;
    }
  g_string_append_printf (server->seen, "%s\n", line);
  openssl_server_read (server);
}

/* Runs the main context until s_server printed @text (or ended). */
static void
openssl_server_wait_for (OpensslServer *server, const gchar *text)
{
  while (strstr (server->seen->str, text) == NULL && !server->eof)
    g_main_context_iteration (NULL, TRUE);
  if (strstr (server->seen->str, text) == NULL)
    g_printerr ("s_server printed:\n%s\n", server->seen->str);
  g_assert_nonnull (strstr (server->seen->str, text));
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static NtpmonRpcClient *
new_client (OpensslServer *server, gboolean with_certificate)
{
  g_autoptr (GError) error = NULL;
  NtpmonRpcClient *client = ntpmon_rpc_client_new (server->url, certs->ca_pem, &error);

  g_assert_no_error (error);
  if (with_certificate)
    ntpmon_rpc_client_set_certificate_files (client, certs->client1_pem, certs->client1_key,
                                             &error);
  g_assert_no_error (error);
  return client;
}

/* The error of a GetConfig call started before. */
static GError *
finish_get_config (NtpmonRpcClient *client, GAsyncResult **result)
{
  GError *error = NULL;

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ntpmon_rpc_client_get_config_finish (client, *result, &error));
  g_clear_object (result);
  return error;
}

static void
test_with_client_certificate (void)
{
  OpensslServer server = { 0 };
  g_autoptr (NtpmonRpcClient) client = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *result = NULL;

  openssl_server_start (&server);
  client = new_client (&server, TRUE);
  ntpmon_rpc_client_set_token (client, "jwt-xyz");

  openssl_server_read (&server);
  ntpmon_rpc_client_get_config (client, "192.0.2.7", NULL, on_done, &result);
  openssl_server_wait_for (&server, "POST /monitor.v2.MonitorService/GetConfig HTTP/1.1");
  openssl_server_wait_for (&server, "Authorization: Bearer jwt-xyz");
  openssl_server_wait_for (&server, "Content-Type: application/proto");
  openssl_server_wait_for (&server, "Connect-Timeout-Ms: 35000");
  /* the client certificate s_server verified */
  g_assert_nonnull (strstr (server.seen->str, "client1"));

  /* s_server never answers: stop it; the call fails as "API down" */
  g_subprocess_force_exit (server.process);
  error = finish_get_config (client, &result);
  g_assert_true (ntpmon_rpc_client_error_is_transient (error));
  openssl_server_stop (&server);
}

static void
test_without_client_certificate (void)
{
  OpensslServer server = { 0 };
  g_autoptr (NtpmonRpcClient) client = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *result = NULL;

  openssl_server_start (&server);
  client = new_client (&server, FALSE);
  ntpmon_rpc_client_get_config (client, "192.0.2.7", NULL, on_done, &result);
  error = finish_get_config (client, &result);
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE);
  openssl_server_stop (&server);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  certs = rpc_test_certs_new ();
  g_test_add_func ("/rpc-client/openssl/client-certificate", test_with_client_certificate);
  g_test_add_func ("/rpc-client/openssl/no-client-certificate", test_without_client_certificate);
  ret = g_test_run ();
  rpc_test_certs_free (certs);
  return ret;
}
