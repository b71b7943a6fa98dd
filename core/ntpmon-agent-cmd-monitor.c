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

static void
config_changed_cb (NtpmonConfig *config, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_auto (GStrv) files = g_strdupv ((gchar **)ntpmon_config_get_files (config));
  g_autofree gchar *list = g_strjoinv (", ", files);

  g_message (_ ("config reloaded from %s"), *list != '\0' ? list : _ ("(no files)"));
  apply_config (daemon);
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
  if (opt_once || opt_sanity_only)
    g_main_loop_quit (daemon->loop);
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
