/* ntpmon-agent.c: ntppool-agent, the NTP Pool monitoring agent
 *
 * SPDX-License-Identifier: MIT
 *
 * `ntppool-agent [global flags] COMMAND [flags] [args]`. Global flags may
 * stand before or after the command word. Command-line mistakes exit with
 * 80 after printing the help (as the reference agent does); other failures
 * exit with 1.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-agent.h"
#include "ntpmon-defaults.h"
#include "ntpmon-log.h"

#define PROGRAM "ntppool-agent"

static gint
cmd_version (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  g_print ("%s %s\n", PROGRAM, PACKAGE_VERSION);
  return 0;
}

static const NtpmonAgentCommand cmd_version_def = {
  { "version", NULL, N_ ("Print the program name and version"), NULL, 0 },
  FALSE,
  cmd_version,
};

static const NtpmonCliCommand *const commands[] = {
  &ntpmon_agent_cmd_api.cli,
  &ntpmon_agent_cmd_check.cli,
  &ntpmon_agent_cmd_monitor.cli,
  &ntpmon_agent_cmd_setup.cli,
  &ntpmon_agent_cmd_status.cli,
  &cmd_version_def.cli,
  NULL,
};

/* Values of the global flags as parsed; NULL/unset when not given. */
static gchar *opt_env;
static gchar *opt_state_dir;
static gchar *opt_log_level;
static gboolean opt_debug;
static gboolean opt_ipv4 = TRUE;
static gboolean opt_ipv6 = TRUE;
static gchar *opt_config;
static gchar **opt_plugin_dirs;
static gchar *opt_dbus;

static const GOptionEntry global_entries[] = {
  { "env", 'e', 0, G_OPTION_ARG_STRING, &opt_env,
    N_ ("Deployment environment: prod, test or devel ($DEPLOYMENT_MODE, default test)"), "ENV" },
  { "deploy-env", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_env, NULL, "ENV" },
  { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_state_dir,
    N_ ("Base state directory ($MONITOR_STATE_DIR)"), "DIR" },
  { "log-level", 0, 0, G_OPTION_ARG_STRING, &opt_log_level,
    N_ ("Log level: debug, info, warn, error ($MONITOR_LOG_LEVEL, default info)"), "LEVEL" },
  { "debug", 0, 0, G_OPTION_ARG_NONE, &opt_debug, N_ ("Log everything ($MONITOR_DEBUG=true)"),
    NULL },
  { "ipv4", 0, 0, G_OPTION_ARG_NONE, &opt_ipv4, N_ ("Use IPv4 (default)"), NULL },
  { "no-ipv4", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &opt_ipv4, N_ ("Do not use IPv4"),
    NULL },
  { "ipv6", 0, 0, G_OPTION_ARG_NONE, &opt_ipv6, N_ ("Use IPv6 (default)"), NULL },
  { "no-ipv6", 0, G_OPTION_FLAG_REVERSE, G_OPTION_ARG_NONE, &opt_ipv6, N_ ("Do not use IPv6"),
    NULL },
  { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config,
    N_ ("Config file (default /etc/ntppool-agent/ntppool-agent.conf)"), "FILE" },
  { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
    N_ ("Look for plugins in DIR first (repeatable; also $NTPMON_PLUGIN_PATH)"), "DIR" },
  { "dbus", 0, 0, G_OPTION_ARG_STRING, &opt_dbus,
    N_ ("D-Bus to use: system, session or none (default: system under systemd, else session)"),
    "BUS" },
  { NULL }
};

/**
 * ntpmon_agent_parse_env:
 * @canonical: (out): `prod`, `test` or `devel`
 */
gboolean
ntpmon_agent_parse_env (const gchar *name, gchar **canonical)
{
  static const struct
  {
    const gchar *name, *canonical;
  } envs[] = {
    { "prod", "prod" }, { "production", "prod" }, { "test", "test" },
    { "beta", "test" }, { "devel", "devel" },     { "dev", "devel" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (envs); i++)
    if (g_strcmp0 (name, envs[i].name) == 0)
      {
        *canonical = g_strdup (envs[i].canonical);
        return TRUE;
      }
  return FALSE;
}

static gchar *
resolve_state_dir (GError **error)
{
  const gchar *dir = opt_state_dir;
  g_autofree gchar *fallback = NULL;

  if (dir == NULL && g_strcmp0 (g_getenv ("MONITOR_STATE_DIR"), "") != 0)
    dir = g_getenv ("MONITOR_STATE_DIR");
  if (dir == NULL && g_strcmp0 (g_getenv ("STATE_DIRECTORY"), "") != 0)
    dir = g_getenv ("STATE_DIRECTORY");
  if (dir == NULL)
    dir = fallback = g_build_filename (g_get_user_config_dir (), PROGRAM, NULL);
  if (*dir == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _ ("state directory not set"));
      return NULL;
    }
  if (g_str_has_prefix (dir, "~/"))
    return g_build_filename (g_get_home_dir (), dir + 2, NULL);
  return g_canonicalize_filename (dir, NULL);
}

static gboolean
parse_bus (const gchar *name, NtpmonBusChoice *bus, GError **error)
{
  static const gchar *const names[] = { "auto", "system", "session", "none" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *bus = (NtpmonBusChoice)i;
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _ ("invalid --dbus value \"%s\" (valid: system, session, none)"), name);
  return FALSE;
}

static void
warn_volatile_state_dir (const gchar *state_dir)
{
  const gchar *runtime = g_getenv ("RUNTIME_DIRECTORY");

  if ((g_str_has_prefix (state_dir, "/var/run/ntppool-agent")
       || g_str_has_prefix (state_dir, "/run/ntppool-agent"))
      && runtime != NULL && *runtime != '\0' && g_str_has_prefix (state_dir, runtime))
    g_warning (_ ("state directory %s is in the runtime directory: its contents are lost on "
                  "reboot"),
               state_dir);
}

/* The startup sequence of spec agent.md §1.4 that runs before any command:
 * errors here are reported with the help text and exit status 1. */
static gboolean
prepare (NtpmonAgentContext *ctx, const NtpmonAgentCommand *cmd, GError **error)
{
  const gchar *defaults = g_getenv ("NTPMON_DEFAULTS_FILE");
  const gchar *level_name;
  GLogLevelFlags level = G_LOG_LEVEL_INFO;
  const gchar *env_name;

  if (!ntpmon_defaults_load (defaults != NULL ? defaults : "/etc/default/" PROGRAM, error))
    return FALSE;

  env_name = opt_env != NULL ? opt_env : g_getenv ("DEPLOYMENT_MODE");
  if (env_name == NULL || *env_name == '\0')
    env_name = "test";
  if (!ntpmon_agent_parse_env (env_name, &ctx->env))
    {
      /* the reference's text, then what was given and what would do */
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("deployment environment invalid or undefined: “%s” (from %s; valid: prod, "
                      "test, devel)"),
                   env_name, opt_env != NULL ? "--env" : "DEPLOYMENT_MODE");
      return FALSE;
    }

  ctx->state_dir = resolve_state_dir (error);
  if (ctx->state_dir == NULL)
    return FALSE;

  level_name = opt_log_level != NULL ? opt_log_level : g_getenv ("MONITOR_LOG_LEVEL");
  if (level_name != NULL && *level_name != '\0'
      && !ntpmon_log_parse_level (level_name, &level, error))
    return FALSE;
  ctx->debug = opt_debug || g_strcmp0 (g_getenv ("MONITOR_DEBUG"), "true") == 0;
  if (opt_debug)
    g_setenv ("MONITOR_DEBUG", "true", TRUE);
  ntpmon_log_set_level (ctx->debug ? G_LOG_LEVEL_DEBUG : level);
  ntpmon_log_add_field ("env", ctx->env);
  warn_volatile_state_dir (ctx->state_dir);

  if (opt_dbus != NULL && !parse_bus (opt_dbus, &ctx->bus, error))
    return FALSE;
  ctx->ipv4 = opt_ipv4;
  ctx->ipv6 = opt_ipv6;
  ctx->plugin_dirs = g_strdupv (opt_plugin_dirs);
  ctx->config_path = g_strdup (
      opt_config != NULL ? opt_config : NTPMON_SYSCONFDIR "/" PROGRAM "/" PROGRAM ".conf");
  if (!cmd->needs_setup)
    return TRUE;

  if (opt_config != NULL && !g_file_test (opt_config, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _ ("config file %s does not exist"),
                   opt_config);
      return FALSE;
    }
  ctx->config = ntpmon_config_new (ctx->config_path);
  ctx->host = ntpmon_host_new ("agent", (const gchar *const *)ctx->plugin_dirs);
  ntpmon_host_declare_config (ctx->host, ctx->config);
  if (!ntpmon_config_load (ctx->config, error))
    return FALSE;
  return TRUE;
}

static void
context_clear (NtpmonAgentContext *ctx)
{
  g_free (ctx->env);
  g_free (ctx->state_dir);
  g_free (ctx->config_path);
  g_strfreev (ctx->plugin_dirs);
  g_clear_object (&ctx->host);
  g_clear_object (&ctx->config);
}

static const NtpmonCli cli = {
  PROGRAM,
  N_ ("Monitor NTP Pool servers and report to the pool."),
  global_entries,
  commands,
};

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  const NtpmonAgentCommand *cmd;
  NtpmonAgentContext ctx = { 0 };
  gint status;

  ntpmon_cli_init_i18n ();
  ntpmon_log_setup (G_LOG_LEVEL_INFO);

  cmd = (const NtpmonAgentCommand *)ntpmon_cli_parse (&cli, argv, &args, &status);
  if (cmd == NULL)
    return status;

  /* Startup errors are reported with the help, as the reference does. */
  if (!prepare (&ctx, cmd, &error))
    status = ntpmon_cli_fail (&cli, &cmd->cli, 1, TRUE, error->message);
  else
    {
      status = cmd->run (&ctx, args, &error);
      if (error != NULL)
        status = ntpmon_cli_fail (&cli, &cmd->cli, status != 0 ? status : 1, FALSE, error->message);
    }
  context_clear (&ctx);
  return status;
}
