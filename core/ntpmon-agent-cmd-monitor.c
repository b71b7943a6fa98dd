/* ntpmon-agent-cmd-monitor.c: `ntppool-agent monitor`, the daemon
 *
 * SPDX-License-Identifier: MIT
 *
 * Brings up the plugin host with the config, follows config changes (file
 * edits, drop-ins, SIGHUP, D-Bus Reload) without a restart, publishes its
 * state on D-Bus and runs until SIGINT/SIGTERM.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "ntpmon-agent-service.h"
#include "ntpmon-agent.h"
#include "ntpmon-monitor-rpc.h"
#include "ntpmon-monitor-worker.h"
#include "ntpmon-probe.h"
#include "ntpmon-state-manager.h"
#include "ntpmon-transport.h"

static gboolean opt_once;
static gboolean opt_sanity_only;

static const GOptionEntry monitor_entries[]
    = { { "once", 0, 0, G_OPTION_ARG_NONE, &opt_once, N_ ("Run one batch per IP family, then exit"),
          NULL },
        { "sanity-only", 0, 0, G_OPTION_ARG_NONE, &opt_sanity_only,
          N_ ("Only check that the local clock is sane, then exit"), NULL },
        { NULL } };

typedef struct
{
  NtpmonAgentContext *ctx;
  GMainLoop *loop;
  NtpmonAgentService *service;
  NtpmonStateManager *manager;
  GCancellable *cancellable;
  GError *error; /* why the daemon stopped, NULL for a clean stop */
  NtpmonRpcClient *rpc;
  NtpmonMonitorSpool *spool;
  GPtrArray *workers; /* NtpmonMonitorWorker */
  NtpmonMonitorMetrics *metrics;
  guint running; /* workers not finished */
  gulong token_id;
  gulong token_changed_id;
  gboolean start_pending; /* monitoring failed to start; retry on config changes */
} Daemon;

static void
configure_extension (GObject *extension, GKeyFile *keyfile)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  if (NTPMON_IS_PROBE (extension))
    ok = ntpmon_probe_configure (NTPMON_PROBE (extension), keyfile, &error);
  else if (NTPMON_IS_TRANSPORT (extension))
    return; /* configured with connection settings once the API provides them */
  if (!ok)
    g_warning (_ ("plugin settings rejected, keeping the previous ones: %s"), error->message);
}

static void
extension_added_cb (NtpmonHost *host, PeasPluginInfo *info, GObject *extension, gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("extension %s of plugin %s loaded", G_OBJECT_TYPE_NAME (extension),
           peas_plugin_info_get_module_name (info));
  configure_extension (extension, ntpmon_config_get_keyfile (daemon->ctx->config));
}

static void
configure_each (PeasExtensionSet *set, PeasPluginInfo *info, PeasExtension *extension,
                gpointer user_data)
{
  configure_extension (G_OBJECT (extension), user_data);
}

static void
apply_config (Daemon *daemon)
{
  g_autoptr (GError) error = NULL;
  GKeyFile *keyfile = ntpmon_config_get_keyfile (daemon->ctx->config);

  if (!ntpmon_host_apply_config (daemon->ctx->host, keyfile, &error))
    g_warning ("%s", error->message);
  peas_extension_set_foreach (ntpmon_host_get_extensions (daemon->ctx->host, NTPMON_TYPE_PROBE),
                              configure_each, keyfile);
  ntpmon_agent_service_update (daemon->service);
}

static void try_start_workers (Daemon *daemon);

static void
config_changed_cb (NtpmonConfig *config, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_auto (GStrv) files = g_strdupv ((gchar **)ntpmon_config_get_files (config));
  g_autofree gchar *list = g_strjoinv (", ", files);

  g_message (_ ("config reloaded from %s"), *list != '\0' ? list : _ ("(no files)"));
  apply_config (daemon);
  if (daemon->start_pending)
    {
      ntpmon_agent_service_set_state (daemon->service,
                                      ntpmon_state_manager_get_phase (daemon->manager));
      try_start_workers (daemon);
    }
}

static void
config_reload_failed_cb (NtpmonConfig *config, const gchar *message, gpointer user_data)
{
  Daemon *daemon = user_data;

  ntpmon_agent_service_update (daemon->service);
}

static gboolean
reload_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message (_ ("SIGHUP: reloading the config"));
  ntpmon_config_reload (daemon->ctx->config);
  ntpmon_state_manager_reload (daemon->manager);
  ntpmon_agent_service_update (daemon->service);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message (_ ("shutting down"));
  g_cancellable_cancel (daemon->cancellable);
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static void
phase_cb (NtpmonStateManager *manager, GParamSpec *pspec, gpointer user_data)
{
  Daemon *daemon = user_data;

  ntpmon_agent_service_set_state (daemon->service, ntpmon_state_manager_get_phase (manager));
}

static void
state_error_cb (NtpmonStateManager *manager, GParamSpec *pspec, gpointer user_data)
{
  Daemon *daemon = user_data;

  ntpmon_agent_service_set_state_error (daemon->service, ntpmon_state_manager_get_error (manager));
}

static void
worker_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_monitor_worker_run_finish (NTPMON_MONITOR_WORKER (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && daemon->error == NULL)
    {
      daemon->error = g_steal_pointer (&error);
      g_cancellable_cancel (daemon->cancellable);
    }
  if (--daemon->running == 0 || daemon->error != NULL)
    g_main_loop_quit (daemon->loop);
}

static void
update_token (NtpmonState *state, gpointer user_data)
{
  Daemon *daemon = user_data;
  NtpmonWebapi *webapi = ntpmon_state_manager_get_webapi (daemon->manager);
  const gchar *token = ntpmon_webapi_peek_token (webapi);

  ntpmon_rpc_client_set_token (
      daemon->rpc, token != NULL && *token != '\0' ? token : ntpmon_state_get_api_key (state));
}

/* The JWT is refreshed by the state manager; the RPC client gets each new
 * one at once. */
static void
token_changed_cb (NtpmonWebapi *webapi, gpointer user_data)
{
  Daemon *daemon = user_data;

  update_token (ntpmon_state_manager_get_state (daemon->manager), daemon);
}

static gboolean
start_metrics (Daemon *daemon, NtpmonState *state, GError **error)
{
  g_autofree gchar *listen
      = ntpmon_config_get_string (daemon->ctx->config, "metrics", "listen", NULL);
  guint16 port = 0;

  daemon->metrics = ntpmon_monitor_metrics_new ();
  ntpmon_monitor_metrics_set_sources (daemon->metrics, daemon->spool, state);
  if (listen == NULL || *listen == '\0')
    return TRUE;
  if (!ntpmon_monitor_metrics_listen (daemon->metrics, listen, &port, error))
    {
      g_prefix_error (error, _ ("metrics endpoint: "));
      return FALSE;
    }
  g_message (_ ("metrics on http://%s/metrics (port %u)"), listen, port);
  return TRUE;
}

/* The RPC client, the spool and one worker per enabled IP family (spec
 * agent.md §5.1 steps 4 and 6). */
static gboolean
start_workers (Daemon *daemon, GError **error)
{
  NtpmonAgentContext *ctx = daemon->ctx;
  NtpmonState *state = ntpmon_state_manager_get_state (daemon->manager);
  g_autofree gchar *spool_dir = NULL;
  NtpmonMonitorWorkerOptions options = { opt_once, opt_sanity_only };
  gint max_batches;

  daemon->rpc = ntpmon_monitor_rpc_new (ctx->config, state, error);
  if (daemon->rpc == NULL)
    return FALSE;
  update_token (state, daemon);
  daemon->token_id = g_signal_connect (state, "config-changed", G_CALLBACK (update_token), daemon);
  daemon->token_changed_id
      = g_signal_connect (ntpmon_state_manager_get_webapi (daemon->manager), "token-changed",
                          G_CALLBACK (token_changed_cb), daemon);
  spool_dir = ntpmon_state_dup_path (state, NTPMON_MONITOR_SPOOL_DIR_NAME);
  max_batches = ntpmon_config_get_integer (ctx->config, "monitor", "spool-max-batches",
                                           NTPMON_MONITOR_SPOOL_DEFAULT_MAX);
  daemon->spool = ntpmon_monitor_spool_new (spool_dir, (guint)MAX (max_batches, 1), error);
  if (daemon->spool == NULL)
    return FALSE;
  if (ntpmon_monitor_spool_get_length (daemon->spool) > 0)
    g_message (_ ("%u batches in the spool from before"),
               ntpmon_monitor_spool_get_length (daemon->spool));
  options.ntp_port = (guint16)CLAMP (
      ntpmon_config_get_integer (ctx->config, "monitor", "ntp-port", 123), 1, 65535);
  if (!start_metrics (daemon, state, error))
    return FALSE;
  daemon->workers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < 2; i++)
    {
      NtpmonStateFamily family = i == 0 ? NTPMON_STATE_IPV4 : NTPMON_STATE_IPV6;
      NtpmonMonitorWorker *worker;

      if ((family == NTPMON_STATE_IPV4 && !ctx->ipv4)
          || (family == NTPMON_STATE_IPV6 && !ctx->ipv6))
        continue;
      worker = ntpmon_monitor_worker_new (family, state, daemon->rpc, daemon->spool, ctx->host,
                                          &options);
      ntpmon_monitor_worker_set_metrics (worker, daemon->metrics);
      g_ptr_array_add (daemon->workers, worker);
    }
  ntpmon_agent_service_set_monitor (daemon->service, daemon->workers, daemon->spool,
                                    daemon->metrics);
  daemon->running = daemon->workers->len;
  for (guint i = 0; i < daemon->workers->len; i++)
    ntpmon_monitor_worker_run_async (g_ptr_array_index (daemon->workers, i), daemon->cancellable,
                                     worker_done_cb, daemon);
  if (daemon->running == 0)
    g_main_loop_quit (daemon->loop);
  return TRUE;
}

static void
clear_workers (Daemon *daemon)
{
  ntpmon_agent_service_set_monitor (daemon->service, NULL, NULL, NULL);
  g_clear_signal_handler (&daemon->token_changed_id,
                          ntpmon_state_manager_get_webapi (daemon->manager));
  g_clear_signal_handler (&daemon->token_id, ntpmon_state_manager_get_state (daemon->manager));
  g_clear_pointer (&daemon->workers, g_ptr_array_unref);
  g_clear_pointer (&daemon->metrics, ntpmon_monitor_metrics_free);
  g_clear_object (&daemon->spool);
  g_clear_object (&daemon->rpc);
}

/* Starts monitoring. A failure (no trust anchor, spool directory or metrics
 * port unusable) ends --once/--sanity-only; the daemon reports it, stays up
 * and tries again when the config changes. */
static void
try_start_workers (Daemon *daemon)
{
  g_autoptr (GError) error = NULL;

  daemon->start_pending = FALSE;
  if (start_workers (daemon, &error))
    return;
  clear_workers (daemon);
  if (opt_once || opt_sanity_only)
    {
      g_propagate_error (&daemon->error, g_steal_pointer (&error));
      g_main_loop_quit (daemon->loop);
      return;
    }
  g_warning (_ ("cannot start monitoring (will try again when the config changes): %s"),
             error->message);
  ntpmon_agent_service_set_state (daemon->service, "failed");
  daemon->start_pending = TRUE;
}

static void
live_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_state_manager_wait_until_live_finish (NTPMON_STATE_MANAGER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_propagate_prefixed_error (&daemon->error, g_steal_pointer (&error),
                                  _ ("waiting for config: "));
      g_main_loop_quit (daemon->loop);
      return;
    }
  g_message (_ ("monitor is now live"));
  try_start_workers (daemon);
}

/* The state and web API of the environment, loaded once (spec agent.md
 * §1.4 step 6): a rejected API key is forgotten, other failures stop. */
static NtpmonStateManager *
open_state (NtpmonAgentContext *ctx, GError **error)
{
  g_autoptr (NtpmonWebapi) webapi = ntpmon_webapi_new (ctx->env, error);
  g_autoptr (NtpmonState) state = NULL;

  if (webapi == NULL)
    return NULL;
  state = ntpmon_state_new (ctx->state_dir, ctx->env);
  if (!ntpmon_state_load_at_startup (state, webapi, error))
    return NULL;
  return ntpmon_state_manager_new (state, webapi);
}

static gint
run_monitor (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  Daemon daemon = { ctx };
  g_autoptr (GObject) watch_lifetime = g_object_new (G_TYPE_OBJECT, NULL);
  guint sig_ids[3];

  g_message (_ ("starting %s %s"), "ntppool-agent", PACKAGE_VERSION);
  daemon.manager = open_state (ctx, error);
  if (daemon.manager == NULL)
    return 1;
  daemon.cancellable = g_cancellable_new ();
  daemon.loop = g_main_loop_new (NULL, FALSE);
  daemon.service = ntpmon_agent_service_new (ctx);

  ntpmon_host_watch_extensions (ctx->host, NTPMON_TYPE_PROBE, extension_added_cb, NULL, &daemon,
                                watch_lifetime);
  apply_config (&daemon);
  if (!opt_once && !opt_sanity_only)
    {
      ntpmon_config_watch (ctx->config, 300);
      g_signal_connect (ctx->config, "changed", G_CALLBACK (config_changed_cb), &daemon);
      g_signal_connect (ctx->config, "reload-failed", G_CALLBACK (config_reload_failed_cb),
                        &daemon);
    }
  ntpmon_agent_service_start (daemon.service, ctx->bus);
  g_signal_connect (daemon.manager, "notify::phase", G_CALLBACK (phase_cb), &daemon);
  g_signal_connect (daemon.manager, "notify::error", G_CALLBACK (state_error_cb), &daemon);
  if (!opt_once && !opt_sanity_only)
    ntpmon_state_manager_start (daemon.manager);
  ntpmon_state_manager_wait_until_live_async (daemon.manager, daemon.cancellable, live_cb, &daemon);

  sig_ids[0] = g_unix_signal_add (SIGHUP, reload_cb, &daemon);
  sig_ids[1] = g_unix_signal_add (SIGINT, quit_cb, &daemon);
  sig_ids[2] = g_unix_signal_add (SIGTERM, quit_cb, &daemon);
#ifdef HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1");
#endif
  g_main_loop_run (daemon.loop);
#ifdef HAVE_LIBSYSTEMD
  sd_notify (0, "STOPPING=1");
#endif

  for (guint i = 0; i < G_N_ELEMENTS (sig_ids); i++)
    g_source_remove (sig_ids[i]);
  g_signal_handlers_disconnect_by_data (ctx->config, &daemon);
  g_cancellable_cancel (daemon.cancellable);
  /* let the workers see the cancellation */
  while (daemon.running > 0 && g_main_context_iteration (NULL, TRUE))
    ;
  clear_workers (&daemon);
  ntpmon_state_manager_stop (daemon.manager);
  g_signal_handlers_disconnect_by_data (daemon.manager, &daemon);
  ntpmon_agent_service_stop (daemon.service);
  g_clear_object (&daemon.service);
  g_clear_object (&daemon.manager);
  g_clear_object (&daemon.cancellable);
  g_main_loop_unref (daemon.loop);
  if (daemon.error != NULL)
    {
      g_propagate_error (error, daemon.error);
      return 1;
    }
  return 0;
}

const NtpmonAgentCommand ntpmon_agent_cmd_monitor = {
  { "monitor", NULL, N_ ("Run the monitor (the daemon)"), monitor_entries, 0 },
  TRUE,
  run_monitor,
};
