/* ntpmon-agent-cmd-setup.c: `ntppool-agent setup`, registration with the pool
 *
 * SPDX-License-Identifier: MIT
 *
 * Registers the monitor through the web API (spec agent.md §3.2): the same
 * POST is repeated, once over each wanted IP family so that the pool learns
 * both addresses, then every 5 s until the operator has accepted the
 * registration in the browser; the API key of the answer goes into
 * state.json, where a running daemon picks it up.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "ntpmon-agent.h"
#include "ntpmon-state-load.h"
#include "ntpmon-ulid.h"

#define FAST_POLL_MS   200
#define SLOW_POLL_MS   5000
#define SERVER_WAIT_MS 10000
#define CHECK_TIMEOUT  5

static gchar *opt_hostname;
static gchar *opt_account;

static const GOptionEntry setup_entries[]
    = { { "hostname", 0, 0, G_OPTION_ARG_STRING, &opt_hostname,
          N_ ("Hostname to register (default: the system's host name)"), "NAME" },
        { "account", 'a', 0, G_OPTION_ARG_STRING, &opt_account,
          N_ ("Account identifier for the registration"), "ACCOUNT" },
        { NULL } };

typedef struct
{
  NtpmonAgentContext *ctx;
  NtpmonState *state;
  NtpmonWebapi *webapi;
  GCancellable *cancellable;
  gboolean want4, want6, try4, try6;
  gchar *url;
  gboolean url_printed;
} Setup;

/* Runs the main context until *@slot holds a result. */
static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sleeps @ms unless cancelled first; FALSE when cancelled. */
static gboolean
sleep_ms (Setup *setup, guint ms)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &done);

  while (!done && !g_cancellable_is_cancelled (setup->cancellable))
    g_main_context_iteration (NULL, TRUE);
  if (!done)
    g_source_remove (id);
  return done;
}

static gboolean
interrupt_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

static void
wake_cb (GCancellable *cancellable, gpointer user_data)
{
  g_main_context_wakeup (NULL);
}

/* The startup load and, with an API key, a check of the current config. */
static gboolean
check_current (Setup *setup, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GCancellable) check = NULL;
  guint check_id;

  if (!ntpmon_state_load_at_startup (setup->state, setup->webapi, error))
    return FALSE;
  if (*ntpmon_state_get_api_key (setup->state) == '\0')
    return TRUE;

  g_message (_ ("API key already set"));
  if (!ntpmon_state_have_certificate (setup->state))
    {
      g_message (_ ("API key exists but no certificates, attempting to load config"));
      check = g_cancellable_new ();
      check_id = g_timeout_add_seconds (CHECK_TIMEOUT, interrupt_cb, check);
      if (!ntpmon_state_load_sync (setup->state, setup->webapi, TRUE, check, &local))
        {
          if (g_error_matches (local, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED))
            g_warning (_ ("API key is invalid or unauthorized, continuing with setup"));
          else
            g_message (_ ("could not load config: %s"), local->message);
        }
      g_source_remove (check_id);
    }
  for (guint f = 4; f <= 6; f += 2)
    {
      const gchar *ip = ntpmon_state_get_ip (setup->state, (NtpmonStateFamily)f);

      if (ip != NULL)
        g_message (_ ("IPv%u address already set: %s"), f, ip);
      else
        g_message (_ ("IPv%u address not set"), f);
    }
  return TRUE;
}

static GSocketFamily
request_family (Setup *setup)
{
  gboolean v4 = setup->try4 || setup->try6 ? setup->try4 : setup->want4;
  gboolean v6 = setup->try4 || setup->try6 ? setup->try6 : setup->want6;

  if (v4 && v6)
    return G_SOCKET_FAMILY_INVALID;
  return v6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
}

/* Handles one answer; returns TRUE when setup is finished (successfully if
 * @error is not set), FALSE to poll again after *@wait_ms. */
static gboolean
handle_reply (Setup *setup, NtpmonWebapiRegistration *reply, guint *wait_ms, GError **error)
{
  gsize length;
  const gchar *body = g_bytes_get_data (reply->body, &length);

  if (reply->status >= 500)
    {
      g_warning (_ ("server error %u (trace %s): %.*s"), reply->status,
                 reply->trace_id != NULL ? reply->trace_id : "", (int)length,
                 body != NULL ? body : "");
      *wait_ms = SERVER_WAIT_MS;
      return FALSE;
    }
  if (reply->remote_family == G_SOCKET_FAMILY_IPV4)
    setup->try4 = FALSE;
  else if (reply->remote_family == G_SOCKET_FAMILY_IPV6)
    setup->try6 = FALSE;

  if (g_strcmp0 (reply->media_type, "text/plain") == 0)
    {
      fwrite (body, 1, length, stdout);
      fputc ('\n', stdout);
      fflush (stdout);
      return TRUE;
    }
  if (g_strcmp0 (reply->media_type, "application/json") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _ ("unexpected content type: %s"),
                   reply->content_type);
      return TRUE;
    }
  if (!ntpmon_webapi_registration_parse_json (reply, error))
    return TRUE;
  if (*reply->url != '\0')
    {
      g_free (setup->url);
      setup->url = g_strdup (reply->url);
    }
  g_debug ("registration status %s", reply->reg_status);
  if (setup->url != NULL && !setup->try4 && !setup->try6 && !setup->url_printed)
    {
      g_print ("\n%s\n\n\t%s\n\n",
               _ ("Please visit the following URL to complete the monitor registration:"),
               setup->url);
      fflush (stdout);
      setup->url_printed = TRUE;
    }
  if (g_strcmp0 (reply->reg_status, "accepted") == 0)
    {
      g_message (_ ("monitor registration was accepted"));
      if (*reply->api_token == '\0')
        {
          g_warning (_ ("no API token provided"));
          return TRUE;
        }
      if (!ntpmon_state_set_api_key (setup->state, reply->api_token, error))
        {
          g_prefix_error (error, _ ("could not store API key: "));
          return TRUE;
        }
      g_message (_ ("API key stored successfully"));
      g_message (_ ("Setup complete. The monitor must be activated by an administrator before it "
                    "can start."));
      g_message (_ ("Once activated, start monitoring with:"));
      g_message ("  ntppool-agent monitor -e %s --state-dir '%s'", setup->ctx->env,
                 setup->ctx->state_dir);
      return TRUE;
    }
  if (g_strcmp0 (reply->reg_status, "completed") == 0)
    {
      g_message (_ ("registration was marked as completed"));
      return TRUE;
    }
  *wait_ms = setup->url_printed ? SLOW_POLL_MS : FAST_POLL_MS;
  return FALSE;
}

static gint
register_loop (Setup *setup, GError **error)
{
  NtpmonUlid ulid;
  g_autofree gchar *id = NULL;
  const gchar *hostname = opt_hostname;
  const gchar *key = ntpmon_state_get_api_key (setup->state);

  ntpmon_ulid_generate (&ulid);
  id = ntpmon_ulid_to_string (&ulid);

  if (hostname == NULL || *hostname == '\0')
    hostname = g_get_host_name ();
  if (hostname != NULL && *hostname != '\0')
    g_message (_ ("using hostname %s for registration"), hostname);
  else
    g_message (_ ("registering without hostname"));
  g_debug ("registration ID %s", id);

  for (;;)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (NtpmonWebapiRegistration) reply = NULL;
      guint wait_ms = 0;

      ntpmon_webapi_register_async (setup->webapi, id, hostname, opt_account,
                                    *key != '\0' ? key : NULL, request_family (setup),
                                    setup->cancellable, store_result, &result);
      reply = ntpmon_webapi_register_finish (setup->webapi, wait_for (&result), error);
      if (reply == NULL)
        {
          if (g_cancellable_is_cancelled (setup->cancellable))
            {
              g_clear_error (error);
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("setup aborted"));
            }
          return 1;
        }
      if (handle_reply (setup, reply, &wait_ms, error))
        return *error != NULL ? 1 : 0;
      if (!sleep_ms (setup, wait_ms))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("setup aborted"));
          return 1;
        }
    }
}

static gint
run_setup (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  Setup setup = { ctx };
  guint sig_int, sig_term;
  gint status = 1;

  setup.webapi = ntpmon_webapi_new (ctx->env, error);
  if (setup.webapi == NULL)
    return 1;
  setup.state = ntpmon_state_new (ctx->state_dir, ctx->env);
  setup.cancellable = g_cancellable_new ();
  g_cancellable_connect (setup.cancellable, G_CALLBACK (wake_cb), NULL, NULL);
  sig_int = g_unix_signal_add (SIGINT, interrupt_cb, setup.cancellable);
  sig_term = g_unix_signal_add (SIGTERM, interrupt_cb, setup.cancellable);
  setup.want4 = setup.try4 = ctx->ipv4;
  setup.want6 = setup.try6 = ctx->ipv6;

  /* the API key the registration ends with must be storable: find out
   * before an operator accepts it */
  if (check_current (&setup, error) && ntpmon_state_ensure_dir (setup.state, TRUE, error))
    {
      if (!setup.want4 && !setup.want6)
        {
          g_message (_ ("registration for both IP versions disabled"));
          status = 0;
        }
      else
        status = register_loop (&setup, error);
    }
  g_source_remove (sig_int);
  g_source_remove (sig_term);
  g_clear_object (&setup.cancellable);
  g_clear_object (&setup.state);
  g_clear_object (&setup.webapi);
  g_free (setup.url);
  return status;
}

const NtpmonAgentCommand ntpmon_agent_cmd_setup = {
  { "setup", NULL, N_ ("Register this monitor with the NTP Pool"), setup_entries, 0 },
  TRUE,
  run_setup,
};
