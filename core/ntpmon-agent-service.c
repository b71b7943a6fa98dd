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

#include "ntpmon-agent-service.h"
#include "ntpmon-dbus-generated.h"

struct _NtpmonAgentService
{
  GObject parent_instance;

  NtpmonAgentContext *ctx;
  NtpmonDBusAgent1 *skeleton;
  GDBusConnection *bus;
  guint name_ids[2];
};

G_DEFINE_TYPE (NtpmonAgentService, ntpmon_agent_service, G_TYPE_OBJECT)

static void
ntpmon_agent_service_finalize (GObject *object)
{
  NtpmonAgentService *self = NTPMON_AGENT_SERVICE (object);

  ntpmon_agent_service_stop (self);
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
ntpmon_agent_service_init (NtpmonAgentService *self)
{
  self->skeleton = ntpmon_dbus_agent1_skeleton_new ();
  g_signal_connect (self->skeleton, "handle-reload", G_CALLBACK (handle_reload), self);
}

NtpmonAgentService *
ntpmon_agent_service_new (NtpmonAgentContext *ctx)
{
  NtpmonAgentService *self = g_object_new (NTPMON_TYPE_AGENT_SERVICE, NULL);

  self->ctx = ctx;
  ntpmon_dbus_agent1_set_version (self->skeleton, PACKAGE_VERSION);
  ntpmon_dbus_agent1_set_environment (self->skeleton, ctx->env);
  ntpmon_dbus_agent1_set_state (self->skeleton, "starting");
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
