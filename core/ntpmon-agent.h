/* ntpmon-agent.h: the ntppool-agent program: global options and commands
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-cli.h"
#include "ntpmon-config.h"
#include "ntpmon-host.h"

G_BEGIN_DECLS

#define NTPMON_AGENT_DBUS_NAME "org.ntppool.Agent1"
#define NTPMON_AGENT_DBUS_PATH "/org/ntppool/Agent1"

typedef enum
{
  NTPMON_BUS_AUTO,
  NTPMON_BUS_SYSTEM,
  NTPMON_BUS_SESSION,
  NTPMON_BUS_NONE,
} NtpmonBusChoice;

/* Everything the global flags, the environment and the defaults file set up
 * before a command runs. */
typedef struct
{
  gchar *env;       /* prod, test or devel */
  gchar *state_dir; /* absolute */
  gchar *config_path;
  GStrv plugin_dirs;
  NtpmonBusChoice bus;
  gboolean ipv4;
  gboolean ipv6;
  gboolean debug;
  NtpmonConfig *config; /* loaded, NULL for `version` */
  NtpmonHost *host;     /* plugins of the config loaded, NULL for `version` */
} NtpmonAgentContext;

/* Returns the process exit status; sets @error for `ntppool-agent: error: …`. */
typedef gint (*NtpmonAgentCommandFunc) (NtpmonAgentContext *ctx, gchar **args, GError **error);

typedef struct
{
  NtpmonCliCommand cli; /* name, parameters, summary, flags, minimum of arguments */
  gboolean needs_setup; /* runs the startup config load (all but `version`) */
  NtpmonAgentCommandFunc run;
} NtpmonAgentCommand;

extern const NtpmonAgentCommand ntpmon_agent_cmd_api;
extern const NtpmonAgentCommand ntpmon_agent_cmd_check;
extern const NtpmonAgentCommand ntpmon_agent_cmd_monitor;
extern const NtpmonAgentCommand ntpmon_agent_cmd_setup;
extern const NtpmonAgentCommand ntpmon_agent_cmd_status;

gboolean ntpmon_agent_parse_env (const gchar *name, gchar **canonical);
GDBusConnection *ntpmon_agent_open_bus (NtpmonBusChoice choice, GError **error);

G_END_DECLS
