/* agent-test.c: helpers shared by the agent's tests
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>

#include "agent-test.h"

#include <glib/gstdio.h>

GSocket *
agent_test_bind_port (guint16 *port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

gchar *
agent_test_make_tmpdir (const gchar *template)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
agent_test_rm_rf (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        agent_test_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A signal handler counting into the guint at @user_data. */
void
agent_test_count_cb (gpointer instance, gpointer user_data)
{
  (*(guint *)user_data)++;
}

/* A GAsyncReadyCallback keeping the result in the GAsyncResult* at @user_data. */
void
agent_test_store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

GAsyncResult *
agent_test_wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

void
agent_test_stop (GSubprocess *agent, gchar **err_text)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (agent, SIGTERM);
  if (err_text != NULL)
    g_assert_true (g_subprocess_communicate_utf8 (agent, NULL, NULL, NULL, err_text, &error));
  else
    g_assert_true (g_subprocess_wait (agent, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (agent));
  g_assert_cmpint (g_subprocess_get_exit_status (agent), ==, 0);
}

/**
 * agent_test_spawn:
 * @runtime_dir: (nullable): $RUNTIME_DIRECTORY for the program
 *
 * Starts `ntppool-agent --state-dir STATE_DIR --dbus none ARGS…` of the
 * build tree, talking to @fake, with stdin, stdout and stderr piped.
 */
GSubprocess *
agent_test_spawn (FakeWebapi *fake, const gchar *state_dir, const gchar *runtime_dir,
                  const gchar *const *args)
{
  const gchar *build_root = g_getenv ("NTPMON_BUILD_ROOT");
  g_autofree gchar *program = NULL;
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                                   | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  g_assert_nonnull (build_root);
  program = g_build_filename (build_root, "core", "ntppool-agent", NULL);
  g_ptr_array_add (argv, program);
  g_ptr_array_add (argv, "--state-dir");
  g_ptr_array_add (argv, (gpointer)state_dir);
  g_ptr_array_add (argv, "--dbus");
  g_ptr_array_add (argv, "none");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);

  /* the program logs warnings on purpose (server errors): not fatal there */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "MONITOR_STATE_DIR");
  if (runtime_dir != NULL)
    g_subprocess_launcher_setenv (launcher, "RUNTIME_DIRECTORY", runtime_dir, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "RUNTIME_DIRECTORY");
  g_subprocess_launcher_setenv (launcher, "API_HOST", fake->base_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "NTPMON_WEBAPI_CA_FILE", fake->ca_file, TRUE);
  g_subprocess_launcher_setenv (launcher, "NTPMON_DEFAULTS_FILE", "/dev/null", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/**
 * agent_test_run:
 *
 * Runs the program to its end while @fake serves.
 *
 * Returns: its exit status
 */
gint
agent_test_run (FakeWebapi *fake, const gchar *state_dir, const gchar *runtime_dir,
                const gchar *const *args, gchar **out_text, gchar **err_text)
{
  g_autoptr (GSubprocess) process = agent_test_spawn (fake, state_dir, runtime_dir, args);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  g_subprocess_communicate_utf8_async (process, NULL, NULL, agent_test_store_result, &result);
  g_assert_true (g_subprocess_communicate_utf8_finish (process, agent_test_wait_for (&result), &out,
                                                       &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_test_message ("%s: exit %d\nstdout:\n%s\nstderr:\n%s", args[0],
                  g_subprocess_get_exit_status (process), out, err);
  if (out_text != NULL)
    *out_text = g_steal_pointer (&out);
  if (err_text != NULL)
    *err_text = g_steal_pointer (&err);
  return g_subprocess_get_exit_status (process);
}

/**
 * agent_test_env_setup:
 * @template: for the temporary directory, e.g. `agent-x-XXXXXX`
 */
void
agent_test_env_setup (AgentTestEnv *env, const gchar *template)
{
  g_autoptr (GError) error = NULL;

  env->fake = fake_webapi_new (FALSE);
  g_setenv ("NTPMON_WEBAPI_CA_FILE", env->fake->ca_file, TRUE);
  env->webapi = ntpmon_webapi_new_for_url (env->fake->base_url, &error);
  g_assert_no_error (error);
  env->base = agent_test_make_tmpdir (template);
}

void
agent_test_env_teardown (AgentTestEnv *env)
{
  g_clear_object (&env->webapi);
  g_clear_pointer (&env->fake, fake_webapi_free);
  agent_test_rm_rf (env->base);
  g_clear_pointer (&env->base, g_free);
}

/* Warnings logged on purpose by the code under test. g_test_expect_message()
 * cannot see structured logging, and G_DEBUG=fatal-warnings would abort on
 * them: while capturing, warnings are kept here instead of written. */
static GPtrArray *captured;

static GLogWriterOutput
capturing_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const gchar *message = NULL;

  if (captured == NULL || !(level & G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields && message == NULL; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  g_ptr_array_add (captured, g_strdup (message != NULL ? message : ""));
  return G_LOG_WRITER_HANDLED;
}

/* Starts (or restarts, emptied) capturing warnings until the process ends. */
void
agent_test_capture_warnings (void)
{
  static gsize installed;

  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (capturing_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
  g_clear_pointer (&captured, g_ptr_array_unref);
  captured = g_ptr_array_new_with_free_func (g_free);
}

GPtrArray *
agent_test_captured_warnings (void)
{
  return captured;
}
