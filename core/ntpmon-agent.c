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
#include <locale.h>
#include <stdio.h>

#include "ntpmon-agent.h"
#include "ntpmon-defaults.h"
#include "ntpmon-log.h"

#define EXIT_SYNTAX 80
#define PROGRAM     "ntppool-agent"

static gint
cmd_version (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  g_print ("%s %s\n", PROGRAM, PACKAGE_VERSION);
  return 0;
}

static const NtpmonAgentCommand cmd_version_def = {
  "version", NULL, N_ ("Print the program name and version"), NULL, 0, FALSE, cmd_version,
};

static const NtpmonAgentCommand *const commands[] = {
  &ntpmon_agent_cmd_api,   &ntpmon_agent_cmd_check,  &ntpmon_agent_cmd_monitor,
  &ntpmon_agent_cmd_setup, &ntpmon_agent_cmd_status, &cmd_version_def,
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

static GOptionContext *
make_context (const NtpmonAgentCommand *cmd)
{
  GOptionContext *context;
  GOptionGroup *global;
  g_autoptr (GString) description = g_string_new (NULL);

  if (cmd != NULL)
    {
      g_autofree gchar *usage
          = g_strdup_printf ("%s%s%s", cmd->name, cmd->parameter_string ? " " : "",
                             cmd->parameter_string ? cmd->parameter_string : "");
      context = g_option_context_new (usage);
      g_option_context_set_summary (context, _ (cmd->summary));
      if (cmd->entries != NULL)
        {
          GOptionGroup *own
              = g_option_group_new (cmd->name, _ ("Flags:"), _ ("Show the flags"), NULL, NULL);
          g_option_group_add_entries (own, cmd->entries);
          g_option_group_set_translation_domain (own, GETTEXT_PACKAGE);
          g_option_context_add_group (context, own);
        }
    }
  else
    {
      context = g_option_context_new (_ ("COMMAND [FLAGS…] [ARGS…]"));
      g_option_context_set_summary (context,
                                    _ ("Monitor NTP Pool servers and report to the pool."));
      g_string_append (description, _ ("Commands:\n"));
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        g_string_append_printf (description, "  %-12s %s\n", commands[i]->name,
                                _ (commands[i]->summary));
      g_string_append_printf (description, _ ("\nRun “%s COMMAND --help” for a command's flags.\n"),
                              PROGRAM);
      g_option_context_set_description (context, description->str);
    }
  global
      = g_option_group_new ("global", _ ("Global flags:"), _ ("Show the global flags"), NULL, NULL);
  g_option_group_add_entries (global, global_entries);
  g_option_group_set_translation_domain (global, GETTEXT_PACKAGE);
  if (cmd != NULL)
    g_option_context_add_group (context, global);
  else
    g_option_context_set_main_group (context, global);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  return context;
}

static void
print_help (const NtpmonAgentCommand *cmd)
{
  g_autoptr (GOptionContext) context = make_context (cmd);
  g_autofree gchar *help = g_option_context_get_help (context, FALSE, NULL);

  fputs (help, stdout);
  fflush (stdout);
}

static gint
fail (gint status, const NtpmonAgentCommand *cmd, gboolean with_help, const gchar *message)
{
  if (with_help)
    print_help (cmd);
  g_printerr ("%s: error: %s\n", PROGRAM, message);
  return status;
}

static const NtpmonAgentCommand *
find_command (const gchar *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i]->name, name) == 0)
      return commands[i];
  return NULL;
}

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
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _ ("deployment environment invalid or undefined"));
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

static gboolean
wants_help (gint argc, gchar **argv)
{
  for (gint i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        return FALSE;
      if (g_str_equal (argv[i], "-h") || g_str_equal (argv[i], "--help")
          || g_str_equal (argv[i], "-?"))
        return TRUE;
    }
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) global = NULL;
  g_autoptr (GOptionContext) local = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  const NtpmonAgentCommand *cmd = NULL;
  NtpmonAgentContext ctx = { 0 };
  gint status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, NTPMON_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  ntpmon_log_setup (G_LOG_LEVEL_INFO);

  /* Pass 1: global flags wherever they stand; the rest is the command. */
  args = g_strdupv (argv);
  global = make_context (NULL);
  g_option_context_set_ignore_unknown_options (global, TRUE);
  if (!g_option_context_parse_strv (global, &args, &error))
    return fail (EXIT_SYNTAX, NULL, TRUE, error->message);

  if (args[1] != NULL && args[1][0] != '-')
    cmd = find_command (args[1]);
  if (wants_help (g_strv_length (args), args))
    {
      print_help (cmd);
      return 0;
    }
  if (args[1] == NULL)
    return fail (EXIT_SYNTAX, NULL, TRUE, _ ("expected a command"));
  if (cmd == NULL)
    {
      g_autofree gchar *message = args[1][0] == '-'
                                      ? g_strdup_printf (_ ("unknown flag %s"), args[1])
                                      : g_strdup_printf (_ ("unexpected argument %s"), args[1]);
      return fail (EXIT_SYNTAX, NULL, TRUE, message);
    }

  /* Pass 2: the command's own flags, strictly; what remains are its
   * positional arguments. */
  local = make_context (cmd);
  if (!g_option_context_parse_strv (local, &args, &error))
    return fail (EXIT_SYNTAX, cmd, TRUE, error->message);
  if (g_strv_length (args) - 2 < cmd->min_args)
    {
      g_autofree gchar *message = g_strdup_printf (_ ("expected \"%s\""), cmd->parameter_string);
      return fail (EXIT_SYNTAX, cmd, TRUE, message);
    }
  if (cmd->parameter_string == NULL && args[2] != NULL)
    {
      g_autofree gchar *message = g_strdup_printf (_ ("unexpected argument %s"), args[2]);
      return fail (EXIT_SYNTAX, cmd, TRUE, message);
    }

  if (!prepare (&ctx, cmd, &error))
    status = fail (1, cmd, TRUE, error->message);
  else
    {
      status = cmd->run (&ctx, args + 2, &error);
      if (error != NULL)
        status = fail (status != 0 ? status : 1, cmd, FALSE, error->message);
    }
  context_clear (&ctx);
  return status;
}
