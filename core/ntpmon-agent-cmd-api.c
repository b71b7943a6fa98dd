/* ntpmon-agent-cmd-api.c: `ntppool-agent api ok`, the set-up diagnostic
 *
 * SPDX-License-Identifier: MIT
 *
 * Follows the reference's checks (spec agent.md §1.6) and prints one line
 * per check on stdout, "ok", "warn" or "FAIL" first: the API key, the web
 * API, the certificate and its expiry, the IPv4/IPv6 status and an RPC
 * GetConfig. Exit status 1 only for a missing or rejected API key (as the
 * reference); everything else is reported and the run goes on.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-agent.h"
#include "ntpmon-monitor-rpc.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"
#include "ntpmon-state-load.h"

#define API_OK_TIMEOUT_S 40
#define CERT_WARN_S      (24 * 60 * 60)

static void G_GNUC_PRINTF (2, 3) report (const gchar *verdict, const gchar *format, ...)
{
  va_list ap;
  g_autofree gchar *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_print ("%-4s  %s\n", verdict, text);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
report_certificate (NtpmonState *state, gboolean *have_cert)
{
  g_autoptr (GError) error = NULL;
  gint64 not_after = 0, now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (GDateTime) until = NULL;
  g_autofree gchar *when = NULL;

  *have_cert = ntpmon_state_have_certificate (state)
               && ntpmon_state_certificate_dates (state, NULL, &not_after, &error);
  if (!*have_cert)
    {
      report ("FAIL", _ ("certificate: none loaded%s%s"), error != NULL ? ": " : "",
              error != NULL ? error->message : "");
      return;
    }
  until = g_date_time_new_from_unix_utc (not_after);
  when = g_date_time_format_iso8601 (until);
  if (not_after <= now)
    report ("FAIL",
            _ ("certificate: expired %s (%" G_GINT64_FORMAT " s ago); the web API must "
               "send a new one"),
            when, now - not_after);
  else if (not_after - now < CERT_WARN_S)
    report ("warn", _ ("certificate: expires %s (in %" G_GINT64_FORMAT " s)"), when,
            not_after - now);
  else
    report ("ok", _ ("certificate: valid until %s (%" G_GINT64_FORMAT " days left)"), when,
            (not_after - now) / 86400);
}

static gboolean
report_families (NtpmonState *state)
{
  gboolean any_live = FALSE;

  for (gint family = NTPMON_STATE_IPV4; family <= NTPMON_STATE_IPV6; family += 2)
    {
      const gchar *ip = ntpmon_state_get_ip (state, family);
      const gchar *status = ntpmon_state_get_status (state, family);
      gboolean live = ntpmon_state_is_live (state, family);

      any_live |= live;
      if (ip == NULL || *ip == '\0')
        report ("warn", _ ("IPv%d: not configured"), family);
      else
        report (live ? "ok" : "warn", _ ("IPv%d: %s, status %s%s"), family, ip,
                status != NULL && *status != '\0' ? status : _ ("(none)"),
                live ? "" : _ (" (not monitoring)"));
    }
  if (!any_live)
    report ("warn", _ ("monitor: neither IPv4 nor IPv6 is active or testing"));
  return any_live;
}

static void
report_rpc (NtpmonAgentContext *ctx, NtpmonState *state, NtpmonWebapi *webapi,
            GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonRpcClient) rpc = ntpmon_monitor_rpc_new (ctx->config, state, &error);
  g_autoptr (GAsyncResult) result = NULL;
  Monitor__V2__GetConfigResponse *config;
  const gchar *token = ntpmon_webapi_peek_token (webapi);

  if (rpc == NULL)
    {
      report ("FAIL", _ ("RPC API: %s"), error->message);
      return;
    }
  ntpmon_rpc_client_set_token (rpc, token != NULL ? token : ntpmon_state_get_api_key (state));
  ntpmon_rpc_client_get_config (rpc, "", cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  config = ntpmon_rpc_client_get_config_finish (rpc, result, &error);
  if (config == NULL)
    {
      NtpmonRpcError code = ntpmon_rpc_error_code_of (error, NTPMON_RPC_ERROR_UNKNOWN);
      const gchar *name = ntpmon_rpc_error_to_connect_name (code);

      if (code == NTPMON_RPC_ERROR_PERMISSION_DENIED)
        report ("FAIL", _ ("RPC GetConfig (%s): permission denied: %s"),
                ntpmon_rpc_client_get_base_url (rpc), error->message);
      else if (code == NTPMON_RPC_ERROR_UNAUTHENTICATED)
        report ("FAIL", _ ("RPC GetConfig (%s): authentication failed: %s"),
                ntpmon_rpc_client_get_base_url (rpc), error->message);
      else
        report ("FAIL", _ ("RPC GetConfig (%s): gRPC error (code %s): %s"),
                ntpmon_rpc_client_get_base_url (rpc), name != NULL ? name : "unknown",
                error->message);
      return;
    }
  report ("ok", _ ("RPC GetConfig (%s): samples %d, %zu base checks"),
          ntpmon_rpc_client_get_base_url (rpc), config->samples, config->n_base_checks);
  if (config->mqtt_config != NULL)
    report ("warn", _ ("MQTT: not tested (the agent has no MQTT client yet)"));
  ntpmon_proto_message_free (&config->base);
}

static gint
run_api_ok (NtpmonAgentContext *ctx, GError **error)
{
  g_autoptr (NtpmonWebapi) webapi = ntpmon_webapi_new (ctx->env, error);
  g_autoptr (NtpmonState) state = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) local = NULL;
  gboolean have_cert, live;
  guint timer;
  gint status = 0;

  if (webapi == NULL)
    return 1;
  state = ntpmon_state_new (ctx->state_dir, ctx->env);
  if (!ntpmon_state_read (state, NULL, &local))
    {
      /* nothing further can be checked without the API key in it */
      report ("FAIL", _ ("state: %s"), local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return 1;
    }
  if (*ntpmon_state_get_api_key (state) == '\0')
    {
      report ("FAIL", _ ("API key: none (run ntppool-agent setup)"));
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("no API key configured"));
      return 1;
    }
  report ("ok", _ ("API key: present"));
  timer = g_timeout_add_seconds (API_OK_TIMEOUT_S, timeout_cb, cancellable);

  /* the web API: one config load (asking for a certificate when needed) */
  if (ntpmon_state_load_sync (state, webapi, FALSE, cancellable, &local))
    report ("ok", _ ("web API (%s): reachable, API key accepted"),
            ntpmon_webapi_get_base_url (webapi));
  else if (g_error_matches (local, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED))
    {
      report ("FAIL", _ ("web API (%s): API key rejected"), ntpmon_webapi_get_base_url (webapi));
      g_set_error_literal (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED,
                           _ ("api key unauthorized"));
      status = 1;
      goto out;
    }
  else
    {
      report ("FAIL", _ ("web API (%s): %s"), ntpmon_webapi_get_base_url (webapi), local->message);
      g_clear_error (&local);
      /* what is on disk still tells something */
      ntpmon_state_load_certificates (state, NULL);
    }

  report_certificate (state, &have_cert);
  live = report_families (state);
  if (!live && !have_cert)
    goto out;
  if (have_cert)
    {
      g_autofree gchar *token = NULL;
      g_autoptr (GAsyncResult) result = NULL;

      ntpmon_webapi_get_token_async (webapi, ntpmon_state_get_api_key (state), cancellable,
                                     store_result, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      token = ntpmon_webapi_get_token_finish (webapi, result, &local);
      if (token != NULL)
        report ("ok", _ ("JWT: received"));
      else
        {
          report ("FAIL", _ ("JWT: %s"), local->message);
          g_clear_error (&local);
        }
      report_rpc (ctx, state, webapi, cancellable);
    }

out:
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (timer);
  return status;
}

static gint
run_api (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  if (g_strcmp0 (args[0], "ok") == 0 && args[1] == NULL)
    return run_api_ok (ctx, error);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
               _ ("unknown api command “%s” (known: ok)"), args[0]);
  return 2;
}

const NtpmonAgentCommand ntpmon_agent_cmd_api = {
  { "api", "ok", N_ ("Check the set-up: API key, web API, certificate, RPC API"), NULL, 1 },
  TRUE,
  run_api,
};
