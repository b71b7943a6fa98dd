/* ntpmon-agent-service.c: the agent's D-Bus object org.ntppool.Agent1
 *
 * SPDX-License-Identifier: MIT
 *
 * The agent owns org.ntppool.Agent1 (queued behind an agent that has it
 * already) and org.ntppool.Agent1.<env>, so that a prod and a test agent can
 * run side by side and `status --env` finds the right one.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-agent-cmd-check.h"
#include "ntpmon-agent-service.h"
#include "ntpmon-dbus-generated.h"
#include "ntpmon-monitor-worker.h"

struct _NtpmonAgentService
{
  GObject parent_instance;

  NtpmonAgentContext *ctx;
  NtpmonDBusAgent1 *skeleton;
  GDBusConnection *bus;
  guint name_ids[2];
  GPtrArray *workers;
  NtpmonMonitorSpool *spool;
  NtpmonMonitorMetrics *metrics; /* borrowed, see set_monitor () */
};

G_DEFINE_TYPE (NtpmonAgentService, ntpmon_agent_service, G_TYPE_OBJECT)

static void
ntpmon_agent_service_finalize (GObject *object)
{
  NtpmonAgentService *self = NTPMON_AGENT_SERVICE (object);

  ntpmon_agent_service_stop (self);
  ntpmon_agent_service_set_monitor (self, NULL, NULL, NULL);
  g_clear_object (&self->skeleton);
  G_OBJECT_CLASS (ntpmon_agent_service_parent_class)->finalize (object);
}

static void
ntpmon_agent_service_class_init (NtpmonAgentServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_agent_service_finalize;
}

static gboolean
handle_reload (NtpmonDBusAgent1 *skeleton, GDBusMethodInvocation *invocation, gpointer user_data)
{
  NtpmonAgentService *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ntpmon_config_load (self->ctx->config, &error))
    {
      ntpmon_dbus_agent1_set_config_error (self->skeleton, error->message);
      g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR,
                                                     G_IO_ERROR_INVALID_DATA, error->message);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  ntpmon_agent_service_update (self);
  ntpmon_dbus_agent1_complete_reload (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
check_now_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GDBusMethodInvocation) invocation = user_data;
  NtpmonAgentService *self = g_object_get_data (G_OBJECT (invocation), "ntpmon-service");
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonNtpResult) r = ntpmon_probe_run_finish (NTPMON_PROBE (source), result, &error);

  if (r == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  /* an ad-hoc check counts as the reference counts it */
  ntpmon_monitor_metrics_checked (
      self->metrics, g_inet_address_get_family (r->ip) == G_SOCKET_FAMILY_IPV6, 1, r->queries_sent);
  g_dbus_method_invocation_return_value (
      invocation, g_variant_new ("(@a{sv})", ntpmon_ntp_result_to_variant (r)));
}

static gboolean
handle_check_now (NtpmonDBusAgent1 *skeleton, GDBusMethodInvocation *invocation,
                  const gchar *target, gpointer user_data)
{
  NtpmonAgentService *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) address = NULL;
  NtpmonProbeRequest request = { 0 };
  GObject *probe = self->ctx->host != NULL
                       ? ntpmon_host_find_extension (self->ctx->host, NTPMON_TYPE_PROBE, "ntp")
                       : NULL;

  if (probe == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                     _ ("the ntp plugin is not enabled"));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (!ntpmon_agent_check_parse_target (target, &address, &request.port, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  request.target = address;
  g_object_set_data_full (G_OBJECT (invocation), "ntpmon-service", g_object_ref (self),
                          g_object_unref);
  ntpmon_probe_run_async (NTPMON_PROBE (probe), &request, NULL, check_now_cb,
                          g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
ntpmon_agent_service_init (NtpmonAgentService *self)
{
  self->skeleton = ntpmon_dbus_agent1_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-reload", G_CALLBACK (handle_reload), self);
  g_signal_connect (self->skeleton, "handle-check-now", G_CALLBACK (handle_check_now), self);
  ntpmon_dbus_agent1_set_families (self->skeleton,
                                   g_variant_new_array (G_VARIANT_TYPE ("{sa{sv}}"), NULL, 0));
}

NtpmonAgentService *
ntpmon_agent_service_new (NtpmonAgentContext *ctx)
{
  NtpmonAgentService *self = g_object_new (NTPMON_TYPE_AGENT_SERVICE, NULL);

  self->ctx = ctx;
  ntpmon_dbus_agent1_set_version (self->skeleton, PACKAGE_VERSION);
  ntpmon_dbus_agent1_set_environment (self->skeleton, ctx->env);
  ntpmon_dbus_agent1_set_state (self->skeleton, "starting");
  ntpmon_dbus_agent1_set_state_error (self->skeleton, "");
  ntpmon_agent_service_update (self);
  return self;
}

/**
 * ntpmon_agent_open_bus:
 *
 * Returns: (transfer full) (nullable): the bus @choice names; for
 *   %NTPMON_BUS_AUTO the system bus under systemd, else the session bus if
 *   there is one; NULL without error for %NTPMON_BUS_NONE or no bus at all
 */
GDBusConnection *
ntpmon_agent_open_bus (NtpmonBusChoice choice, GError **error)
{
  if (choice == NTPMON_BUS_AUTO)
    {
      if (g_getenv ("INVOCATION_ID") != NULL)
        choice = NTPMON_BUS_SYSTEM;
      else if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
        choice = NTPMON_BUS_SESSION;
      else
        choice = NTPMON_BUS_NONE;
    }
  if (choice == NTPMON_BUS_NONE)
    return NULL;
  return g_bus_get_sync (choice == NTPMON_BUS_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL,
                         error);
}

static void
name_lost_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  if (connection != NULL)
    g_debug ("D-Bus name %s is owned by another process", name);
}

void
ntpmon_agent_service_start (NtpmonAgentService *self, NtpmonBusChoice choice)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *env_name = NULL;

  self->bus = ntpmon_agent_open_bus (choice, &error);
  if (self->bus == NULL)
    {
      if (error != NULL)
        g_warning (_ ("D-Bus not available, running without it: %s"), error->message);
      return;
    }
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), self->bus,
                                         NTPMON_AGENT_DBUS_PATH, &error))
    {
      g_warning (_ ("cannot export %s on D-Bus: %s"), NTPMON_AGENT_DBUS_PATH, error->message);
      g_clear_object (&self->bus);
      return;
    }
  env_name = g_strdup_printf ("%s.%s", NTPMON_AGENT_DBUS_NAME, self->ctx->env);
  self->name_ids[0]
      = g_bus_own_name_on_connection (self->bus, NTPMON_AGENT_DBUS_NAME,
                                      G_BUS_NAME_OWNER_FLAGS_NONE, NULL, name_lost_cb, self, NULL);
  self->name_ids[1] = g_bus_own_name_on_connection (
      self->bus, env_name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, NULL, name_lost_cb, self, NULL);
}

void
ntpmon_agent_service_stop (NtpmonAgentService *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->name_ids); i++)
    g_clear_handle_id (&self->name_ids[i], g_bus_unown_name);
  if (self->bus != NULL)
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
      g_dbus_connection_flush_sync (self->bus, NULL, NULL);
      g_clear_object (&self->bus);
    }
}

static const gchar *const empty[] = { NULL };

/**
 * ntpmon_agent_service_update:
 *
 * Copies the plugin and config state into the D-Bus properties; the
 * skeleton emits PropertiesChanged for those that changed.
 */
void
ntpmon_agent_service_update (NtpmonAgentService *self)
{
  NtpmonAgentContext *ctx = self->ctx;
  g_auto (GStrv) enabled = ctx->host ? ntpmon_host_dup_enabled (ctx->host) : NULL;
  g_auto (GStrv) loaded = ctx->host ? ntpmon_host_dup_loaded (ctx->host) : NULL;
  const gchar *config_error = ctx->config ? ntpmon_config_get_last_error (ctx->config) : NULL;

  ntpmon_dbus_agent1_set_enabled_plugins (self->skeleton,
                                          enabled ? (const gchar *const *)enabled : empty);
  ntpmon_dbus_agent1_set_loaded_plugins (self->skeleton,
                                         loaded ? (const gchar *const *)loaded : empty);
  ntpmon_dbus_agent1_set_config_files (self->skeleton,
                                       ctx->config ? ntpmon_config_get_files (ctx->config) : empty);
  ntpmon_dbus_agent1_set_config_error (self->skeleton, config_error ? config_error : "");
}

void
ntpmon_agent_service_set_state (NtpmonAgentService *self, const gchar *state)
{
  ntpmon_dbus_agent1_set_state (self->skeleton, state);
}

void
ntpmon_agent_service_set_state_error (NtpmonAgentService *self, const gchar *error)
{
  ntpmon_dbus_agent1_set_state_error (self->skeleton, error != NULL ? error : "");
}

static void
monitor_changed_cb (GObject *object, gpointer user_data)
{
  NtpmonAgentService *self = user_data;
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (guint i = 0; self->workers != NULL && i < self->workers->len; i++)
    {
      NtpmonMonitorWorker *w = g_ptr_array_index (self->workers, i);

      g_variant_builder_add (
          &b, "{s@a{sv}}", ntpmon_monitor_worker_get_family (w) == NTPMON_STATE_IPV4 ? "v4" : "v6",
          ntpmon_monitor_worker_to_variant (w));
    }
  ntpmon_dbus_agent1_set_families (self->skeleton, g_variant_builder_end (&b));
  if (self->spool != NULL)
    {
      ntpmon_dbus_agent1_set_spool_length (self->skeleton,
                                           ntpmon_monitor_spool_get_length (self->spool));
      ntpmon_dbus_agent1_set_spool_dropped (self->skeleton,
                                            ntpmon_monitor_spool_get_dropped (self->spool));
      ntpmon_dbus_agent1_set_spool_write_failures (
          self->skeleton, ntpmon_monitor_spool_get_write_failures (self->spool));
    }
}

static void
spool_notify_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  monitor_changed_cb (object, user_data);
}

void
ntpmon_agent_service_set_monitor (NtpmonAgentService *self, GPtrArray *workers,
                                  NtpmonMonitorSpool *spool, NtpmonMonitorMetrics *metrics)
{
  self->metrics = metrics;
  for (guint i = 0; self->workers != NULL && i < self->workers->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->workers, i), self);
  if (self->spool != NULL)
    g_signal_handlers_disconnect_by_data (self->spool, self);
  g_clear_pointer (&self->workers, g_ptr_array_unref);
  g_clear_object (&self->spool);
  if (workers != NULL)
    {
      self->workers = g_ptr_array_ref (workers);
      for (guint i = 0; i < workers->len; i++)
        g_signal_connect (g_ptr_array_index (workers, i), "stats-changed",
                          G_CALLBACK (monitor_changed_cb), self);
    }
  if (spool != NULL)
    {
      self->spool = g_object_ref (spool);
      g_signal_connect (spool, "notify", G_CALLBACK (spool_notify_cb), self);
    }
  monitor_changed_cb (NULL, self);
}
