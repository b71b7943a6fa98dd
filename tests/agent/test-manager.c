/* test-manager.c: waiting until live, hot reload, backoff
 *
 * SPDX-License-Identifier: MIT
 *
 * Against fake-webapi on loopback. Nothing here depends on timing: the
 * tests wait for events (phase changes, notifications) with generous
 * deadlines that only bound a failing run.
 */
#include <glib/gstdio.h>

#include "agent-test.h"
#include "ntpmon-state-manager.h"

typedef struct
{
  AgentTestEnv env;
  NtpmonState *state;
  NtpmonStateManager *manager;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  agent_test_env_setup (&f->env, "agent-manager-XXXXXX");
  f->state = ntpmon_state_new (f->env.base, "test");
  f->manager = ntpmon_state_manager_new (f->state, f->env.webapi);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->manager);
  g_clear_object (&f->state);
  agent_test_env_teardown (&f->env);
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until *@done or until the manager is in @phase. */
static void
iterate_until (Fixture *f, GAsyncResult **done, const gchar *phase)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (30, deadline_cb, &expired);

  while (!expired && (done == NULL || *done == NULL)
         && (phase == NULL || g_strcmp0 (ntpmon_state_manager_get_phase (f->manager), phase) != 0))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (id);
}

static void
write_state (Fixture *f, const gchar *json)
{
  g_autofree gchar *dir = g_build_filename (f->env.base, "test", NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
}

static void
give_certificate (Fixture *f)
{
  g_autofree gchar *cert = NULL, *key = NULL;
  g_autoptr (GError) error = NULL;

  fake_make_client_cert (f->env.fake, "mon.test.mon.ntppool.dev", "30", &cert, &key);
  g_assert_true (ntpmon_state_save_certificates (f->state, cert, key, &error));
  g_assert_no_error (error);
}

static void
test_backoff (void)
{
  NtpmonBackoff backoff;
  gdouble expected = 30000;

  ntpmon_backoff_init (&backoff, 30000, 300000);
  for (guint i = 0; i < 12; i++)
    {
      guint64 wait = ntpmon_backoff_next (&backoff);

      g_assert_cmpfloat ((gdouble)wait, >=, expected * 0.9 - 1);
      g_assert_cmpfloat ((gdouble)wait, <=, expected * 1.1 + 1);
      expected = MIN (expected * 1.5, 300000);
    }
  ntpmon_backoff_reset (&backoff);
  g_assert_cmpuint (ntpmon_backoff_next (&backoff), <=, 33001);
}

/* A valid certificate on disk, an API key, a live IPv4: ready at once,
 * with one token call. */
static void
test_wait_ready (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  f->env.fake->api_key = g_strdup ("k");
  f->env.fake->config_json = g_strdup ("{\"ipv4\":{\"status\":\"testing\",\"ip\":\"192.0.2.1\"}}");
  write_state (f, "{\"API\":{\"APIKey\":\"k\"}}");
  give_certificate (f);
  g_assert_true (ntpmon_state_load_at_startup (f->state, f->env.webapi, &error));
  g_assert_true (ntpmon_state_have_certificate (f->state));
  ntpmon_state_manager_wait_until_live_async (f->manager, NULL, agent_test_store_result, &result);
  g_assert_true (ntpmon_state_manager_wait_until_live_finish (
      f->manager, agent_test_wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_manager_get_phase (f->manager), ==, NTPMON_PHASE_READY);
  g_assert_cmpuint (f->env.fake->token_calls, ==, 1);
  g_assert_cmpuint (f->env.fake->cert_requests, ==, 0);
}

/* Pending: the wait blocks in waiting-for-activation; activation seen by
 * a reload ends it. */
static void
test_wait_activation (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  f->env.fake->config_json = g_strdup ("{\"ipv4\":{\"status\":\"pending\",\"ip\":\"192.0.2.1\"}}");
  fake_make_client_cert (f->env.fake, "mon", "30", &f->env.fake->client_cert,
                         &f->env.fake->client_key);
  write_state (f, "{\"API\":{\"APIKey\":\"k\"}}");
  g_assert_true (ntpmon_state_load_at_startup (f->state, f->env.webapi, &error));
  ntpmon_state_manager_wait_until_live_async (f->manager, NULL, agent_test_store_result, &result);
  iterate_until (f, &result, NTPMON_PHASE_WAITING_FOR_ACTIVATION);
  g_assert_null (result);

  g_free (f->env.fake->config_json);
  f->env.fake->config_json = g_strdup ("{\"ipv4\":{\"status\":\"active\",\"ip\":\"192.0.2.1\"}}");
  ntpmon_state_manager_reload (f->manager);
  g_assert_true (ntpmon_state_manager_wait_until_live_finish (
      f->manager, agent_test_wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_manager_get_phase (f->manager), ==, NTPMON_PHASE_READY);
}

/* No key: waiting-for-setup with the hint logged; cancelling ends it. */
static void
test_wait_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();

  agent_test_capture_warnings ();
  ntpmon_state_manager_wait_until_live_async (f->manager, cancellable, agent_test_store_result,
                                              &result);
  iterate_until (f, &result, NTPMON_PHASE_WAITING_FOR_SETUP);
  g_assert_null (result);
  while (agent_test_captured_warnings ()->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (agent_test_captured_warnings (), 0), ==,
                   "no API key, please run ntppool-agent setup");
  g_cancellable_cancel (cancellable);
  g_assert_false (ntpmon_state_manager_wait_until_live_finish (
      f->manager, agent_test_wait_for (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->env.fake->config_calls, ==, 0);
}

/* A key that the web API rejects while waiting for a certificate. */
static void
test_wait_unauthorized (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  f->env.fake->api_key = g_strdup ("right");
  ntpmon_state_parse (f->state, "{\"API\":{\"APIKey\":\"wrong\"}}", -1, "test", &error);
  ntpmon_state_manager_wait_until_live_async (f->manager, NULL, agent_test_store_result, &result);
  g_assert_false (ntpmon_state_manager_wait_until_live_finish (
      f->manager, agent_test_wait_for (&result), &error));
  g_assert_error (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (ntpmon_state_manager_get_phase (f->manager), ==,
                   NTPMON_PHASE_WAITING_FOR_CERTIFICATE);
}

/* The running manager notices state.json written by another process: the
 * new key is loaded and the web API asked (scenario 31). */
static void
test_reload_on_change (Fixture *f, gconstpointer data)
{
  g_autofree gchar *dir = g_build_filename (f->env.base, "test", NULL);
  g_autoptr (GError) error = NULL;
  const gchar *argv[] = { "/bin/sh", "-ec",
                          "printf '{\"API\":{\"APIKey\":\"changed-key\"}}' > state.json.tmp\n"
                          "mv state.json.tmp state.json\n",
                          NULL };
  guint notified = 0;
  gboolean expired = FALSE;
  guint id;

  write_state (f, "{\"API\":{\"APIKey\":\"\"}}");
  g_assert_true (ntpmon_state_load_at_startup (f->state, f->env.webapi, &error));
  ntpmon_state_manager_start (f->manager);
  g_signal_connect (f->state, "config-changed", G_CALLBACK (agent_test_count_cb), &notified);
  g_assert_true (g_spawn_sync (dir, (gchar **)argv, NULL, 0, NULL, NULL, NULL, NULL, NULL, &error));
  id = g_timeout_add_seconds (30, deadline_cb, &expired);
  while (!expired && f->env.fake->config_calls == 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  g_assert_cmpuint (notified, >=, 1);
  g_assert_cmpstr (ntpmon_state_get_api_key (f->state), ==, "changed-key");
  g_assert_cmpuint (f->env.fake->config_calls, >=, 1);
  /* a successful reload with a key fetches the JWT */
  id = g_timeout_add_seconds (30, deadline_cb, &expired);
  while (!expired && ntpmon_webapi_token_needs_refresh (f->env.webapi))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  g_assert_false (ntpmon_webapi_token_needs_refresh (f->env.webapi));
  g_assert_cmpuint (f->env.fake->token_calls, ==, 1);
  ntpmon_state_manager_stop (f->manager);
}

/* A reload that fails says why in the manager's error (the agent's
 * StateError property), and adds that the renewal failed too when the
 * certificate is due for one; not when it is not. */
static void
test_reload_error_renewal (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  f->env.fake->api_key = g_strdup ("key-1");
  f->env.fake->config_status = 500;
  write_state (f, "{\"API\":{\"APIKey\":\"key-1\"}}");
  for (guint due = 0; due < 2; due++)
    {
      g_autofree gchar *cert = NULL, *key = NULL;
      g_autoptr (GError) error = NULL;
      gboolean expired = FALSE;
      guint id;

      /* the renewal is due in the last third of the validity */
      fake_make_dated_cert (f->env.fake, NULL, now - 20 * 86400,
                            due ? now + 3600 : now + 40 * 86400, &cert, &key);
      g_assert_true (ntpmon_state_save_certificates (f->state, cert, key, &error));
      g_assert_no_error (error);
      agent_test_capture_warnings ();
      ntpmon_state_manager_reload (f->manager);
      id = g_timeout_add_seconds (30, deadline_cb, &expired);
      /* until this reload fails */
      while (!expired && agent_test_captured_warnings ()->len == 0)
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (id);
      g_assert_false (expired);
      g_assert_cmpuint (agent_test_captured_warnings ()->len, ==, 1);
      g_assert_true (g_str_has_prefix (g_ptr_array_index (agent_test_captured_warnings (), 0),
                                       "failed to reload the state: "));
      g_test_message ("%s", ntpmon_state_manager_get_error (f->manager));
      g_assert_true (
          (strstr (ntpmon_state_manager_get_error (f->manager), "renewal failed") != NULL) == due);
      if (due)
        g_assert_nonnull (strstr (ntpmon_state_manager_get_error (f->manager),
                                  "is due for renewal (valid until"));
    }
  ntpmon_state_manager_stop (f->manager);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/agent/manager/backoff", test_backoff);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/agent/manager/wait-ready", test_wait_ready);
  ADD ("/agent/manager/wait-activation", test_wait_activation);
  ADD ("/agent/manager/wait-cancel", test_wait_cancel);
  ADD ("/agent/manager/wait-unauthorized", test_wait_unauthorized);
  ADD ("/agent/manager/reload-on-change", test_reload_on_change);
  ADD ("/agent/manager/reload-error-renewal", test_reload_error_renewal);
  return g_test_run ();
}
