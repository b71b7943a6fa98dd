/* test-setup.c: `ntppool-agent setup` against an in-test web API
 *
 * SPDX-License-Identifier: MIT
 *
 * Runs the real program as a subprocess; fake-webapi plays the pool's web
 * API on loopback (spec agent.md §3.2, scenarios 80-84 of §8).
 */
#include <glib/gstdio.h>
#include <signal.h>

#include "agent-test.h"

typedef struct
{
  FakeWebapi *fake;
  gchar *base;
  gchar *stdout_text;
  gchar *stderr_text;
  gint exit_status;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->fake = fake_webapi_new (GPOINTER_TO_INT (data));
  f->base = agent_test_make_tmpdir ("agent-setup-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  fake_webapi_free (f->fake);
  agent_test_rm_rf (f->base);
  g_free (f->base);
  g_free (f->stdout_text);
  g_free (f->stderr_text);
}

/* Runs `ntppool-agent --state-dir BASE ARGS…` while serving the fake API. */
static void
run_agent (Fixture *f, const gchar *const *args)
{
  f->exit_status = agent_test_run (f->fake, f->base, NULL, args, &f->stdout_text, &f->stderr_text);
}

static gchar *
stored_key (Fixture *f)
{
  g_autofree gchar *path = g_build_filename (f->base, "test", "state.json", NULL);
  g_autofree gchar *contents = NULL;
  const gchar *start;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  start = strstr (contents, "\"APIKey\": \"");
  g_assert_nonnull (start);
  start += strlen ("\"APIKey\": \"");
  return g_strndup (start, strchr (start, '"') - start);
}

static FakeRequest *
request (Fixture *f, guint i)
{
  g_assert_cmpuint (f->fake->requests->len, >, i);
  return g_ptr_array_index (f->fake->requests, i);
}

#define PENDING                                                                                    \
  "{\"URL\":\"https://manage.example/monitors/reg/x\",\"Status\":\"pending\",\"APIToken\":\"\"}"

static void
test_pending_accepted (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--hostname", "h1", "-a", "acct", NULL };
  g_autofree gchar *key = NULL;
  GSocketFamily first, second;

  fake_webapi_add_reply (f->fake, 200, "application/json", PENDING);
  fake_webapi_add_reply (f->fake, 200, "application/json; charset=utf-8", PENDING);
  fake_webapi_add_reply (f->fake, 200, "application/json",
                         "{\"status\":\"accepted\",\"apitoken\":\"new-api-key\"}");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_cmpstr (f->stdout_text, ==,
                   "\nPlease visit the following URL to complete the monitor registration:\n\n"
                   "\thttps://manage.example/monitors/reg/x\n\n");
  g_assert_cmpuint (f->fake->requests->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      FakeRequest *r = request (f, i);

      g_assert_cmpuint (strlen (r->registration_id), ==, 26);
      g_assert_cmpstr (r->registration_id, ==, request (f, 0)->registration_id);
      g_assert_cmpstr (r->body, ==, "a=acct&hostname=h1");
      g_assert_cmpstr (r->content_type, ==, "application/x-www-form-urlencoded");
      g_assert_cmpstr (r->accept, ==, "application/json, text/plain");
      g_assert_true (g_str_has_prefix (r->user_agent, "ntppool-agent/"));
      g_assert_null (r->authorization);
    }
  /* one request over each family */
  first = request (f, 0)->family;
  second = request (f, 1)->family;
  g_assert_true (first == G_SOCKET_FAMILY_IPV4 || first == G_SOCKET_FAMILY_IPV6);
  g_assert_true (second == G_SOCKET_FAMILY_IPV4 || second == G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (first, !=, second);
  key = stored_key (f);
  g_assert_cmpstr (key, ==, "new-api-key");
}

static void
test_text_plain (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", NULL };
  g_autofree gchar *key = NULL;

  fake_webapi_add_reply (f->fake, 200, "text/plain; charset=utf-8", "registration closed");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_cmpstr (f->stdout_text, ==, "registration closed\n");
  g_assert_cmpuint (f->fake->requests->len, ==, 1);
  key = stored_key (f);
  g_assert_cmpstr (key, ==, "");
}

static void
test_content_type (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", NULL };

  fake_webapi_add_reply (f->fake, 200, "text/html", "<p>hi</p>");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 1);
  g_assert_nonnull (
      strstr (f->stderr_text, "ntppool-agent: error: unexpected content type: text/html"));
}

static void
test_server_error_retry (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--hostname", "h2", NULL };

  fake_webapi_add_reply (f->fake, 502, "text/plain", "bad gateway");
  fake_webapi_add_reply (f->fake, 200, "text/plain", "done");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_cmpstr (f->stdout_text, ==, "done\n");
  g_assert_cmpuint (f->fake->requests->len, ==, 2);
  g_assert_cmpstr (request (f, 1)->body, ==, "hostname=h2");
  g_assert_cmpstr (request (f, 1)->registration_id, ==, request (f, 0)->registration_id);
}

/* The server has no IPv6: the forced IPv6 request fails setup (as in the
 * reference); with --no-ipv6 registration works over IPv4 alone. */
static void
test_no_ipv6 (Fixture *f, gconstpointer data)
{
  const gchar *both[] = { "setup", NULL };
  const gchar *v4[] = { "setup", "--no-ipv6", NULL };
  g_autofree gchar *key = NULL;

  fake_webapi_add_reply (f->fake, 200, "application/json", PENDING);
  run_agent (f, both);
  g_assert_cmpint (f->exit_status, ==, 1);
  g_assert_nonnull (strstr (f->stderr_text, "ntppool-agent: error: "));
  g_assert_cmpuint (f->fake->requests->len, ==, 1);
  g_assert_cmpint (request (f, 0)->family, ==, G_SOCKET_FAMILY_IPV4);
  g_free (f->stdout_text);
  g_free (f->stderr_text);

  g_ptr_array_set_size (f->fake->requests, 0);
  g_ptr_array_set_size (f->fake->replies, 0);
  fake_webapi_add_reply (f->fake, 200, "application/json", PENDING);
  fake_webapi_add_reply (f->fake, 200, "application/json",
                         "{\"Status\":\"accepted\",\"APIToken\":\"v4-key\"}");
  run_agent (f, v4);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_nonnull (strstr (f->stdout_text, "\thttps://manage.example/monitors/reg/x\n"));
  g_assert_cmpuint (f->fake->requests->len, ==, 2);
  g_assert_cmpint (request (f, 1)->family, ==, G_SOCKET_FAMILY_IPV4);
  key = stored_key (f);
  g_assert_cmpstr (key, ==, "v4-key");
}

static void
test_both_disabled (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--no-ipv4", "--no-ipv6", NULL };

  fake_webapi_add_reply (f->fake, 200, "text/plain", "unused");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_cmpuint (f->fake->requests->len, ==, 0);
}

/* A state directory that cannot be made: setup stops before it registers
 * (an accepted registration's key would be lost), naming the directory. */
static void
test_unusable_state_dir (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--no-ipv6", NULL };
  g_autofree gchar *dir = g_build_filename (f->base, "test", NULL);
  g_autofree gchar *want
      = g_strdup_printf ("ntppool-agent: error: cannot create the state directory %s: ", dir);

  g_assert_true (g_file_set_contents (dir, "", 0, NULL));
  fake_webapi_add_reply (f->fake, 200, "application/json", PENDING);
  run_agent (f, args);
  g_test_message ("%s", f->stderr_text);
  g_assert_cmpint (f->exit_status, ==, 1);
  g_assert_nonnull (strstr (f->stderr_text, want));
  g_assert_nonnull (strstr (f->stderr_text, "(see --state-dir, MONITOR_STATE_DIR)\n"));
  g_assert_cmpuint (f->fake->requests->len, ==, 0);
}

/* Accepted without a token: nothing stored, still success. */
static void
test_accepted_without_token (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--no-ipv6", NULL };
  g_autofree gchar *key = NULL;

  fake_webapi_add_reply (f->fake, 200, "application/json", "{\"Status\":\"accepted\"}");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  key = stored_key (f);
  g_assert_cmpstr (key, ==, "");
}

/* Only IPv6 wanted: every request dials IPv6. */
static void
test_ipv6_only (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--no-ipv4", NULL };

  fake_webapi_add_reply (f->fake, 200, "application/json", PENDING);
  fake_webapi_add_reply (f->fake, 200, "text/plain", "closed");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_cmpuint (f->fake->requests->len, ==, 2);
  g_assert_cmpint (request (f, 0)->family, ==, G_SOCKET_FAMILY_IPV6);
  g_assert_cmpint (request (f, 1)->family, ==, G_SOCKET_FAMILY_IPV6);
  g_assert_true (g_str_has_suffix (f->stdout_text, "closed\n"));
}

/* Ctrl-C while polling: `setup aborted`, exit 1. */
static void
test_interrupted (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", NULL };
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  fake_webapi_add_reply (f->fake, 200, "application/json", PENDING);
  process = agent_test_spawn (f->fake, f->base, NULL, args);
  /* both families registered: the URL is out, the next poll is 5 s away */
  while (f->fake->requests->len < 2)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_send_signal (process, SIGINT);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, agent_test_store_result, &result);
  g_assert_true (g_subprocess_communicate_utf8_finish (process, agent_test_wait_for (&result),
                                                       &f->stdout_text, &f->stderr_text, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (f->stderr_text, "ntppool-agent: error: setup aborted"));
}

/* An API key on disk: sent as bearer token when the web API accepts it,
 * dropped when it rejects it. */
static void
test_existing_key (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "setup", "--no-ipv6", NULL };
  g_autofree gchar *dir = g_build_filename (f->base, "test", NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{\"API\":{\"APIKey\":\"old-key\"}}", -1, NULL));
  f->fake->api_key = g_strdup ("old-key");
  fake_webapi_add_reply (f->fake, 200, "text/plain", "already registered");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_cmpstr (request (f, 0)->authorization, ==, "Bearer old-key");
  g_assert_cmpuint (f->fake->cert_requests, >=, 1);
  g_free (f->stdout_text);
  g_free (f->stderr_text);

  g_ptr_array_set_size (f->fake->requests, 0);
  g_free (f->fake->api_key);
  f->fake->api_key = g_strdup ("another-key");
  run_agent (f, args);
  g_assert_cmpint (f->exit_status, ==, 0);
  g_assert_null (request (f, 0)->authorization);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, ipv6, fn)                                                                        \
  g_test_add (path, Fixture, GINT_TO_POINTER (ipv6), fixture_setup, fn, fixture_teardown)
  ADD ("/agent/setup/pending-accepted", TRUE, test_pending_accepted);
  ADD ("/agent/setup/text-plain", TRUE, test_text_plain);
  ADD ("/agent/setup/content-type", TRUE, test_content_type);
  ADD ("/agent/setup/server-error-retry", TRUE, test_server_error_retry);
  ADD ("/agent/setup/no-ipv6", FALSE, test_no_ipv6);
  ADD ("/agent/setup/both-disabled", TRUE, test_both_disabled);
  ADD ("/agent/setup/accepted-without-token", FALSE, test_accepted_without_token);
  ADD ("/agent/setup/ipv6-only", TRUE, test_ipv6_only);
  ADD ("/agent/setup/interrupted", TRUE, test_interrupted);
  ADD ("/agent/setup/existing-key", FALSE, test_existing_key);
  ADD ("/agent/setup/unusable-state-dir", FALSE, test_unusable_state_dir);
  return g_test_run ();
}
