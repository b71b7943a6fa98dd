/* ntpmon-api.c: ntppool-monitor-api, the NTP Pool monitor RPC server
 *
 * SPDX-License-Identifier: MIT
 *
 * `ntppool-monitor-api [global flags] COMMAND [flags]`. Command-line
 * mistakes exit with 80 after the help (as the agent does), bad settings
 * with 1, start-up failures (certificate, database, ports) with 2.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "ntpmon-api-config.h"
#include "ntpmon-cli.h"
#include "ntpmon-api-keys-file.h"
#include "ntpmon-api-queries.h"
#include "ntpmon-api-registration.h"
#include "ntpmon-api-server.h"
#include "ntpmon-api-service.h"
#include "ntpmon-db-conn.h"
#include "ntpmon-db-schema.h"
#include "ntpmon-log.h"

#define PROGRAM "ntppool-monitor-api"

static NtpmonApiConfig *opts;
static gchar *opt_config;
static gchar *opt_log_level;
static gboolean opt_debug;
static gchar **opt_plugin_dirs;
static gint opt_metrics_port = -1;

static GOptionEntry global_entries[]
    = { { "deployment-mode", 0, 0, G_OPTION_ARG_STRING, NULL,
          N_ ("Deployment mode: devel, test or prod ($DEPLOYMENT_MODE)"), "MODE" },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config,
          N_ ("Config file (default /etc/ntppool-monitor/monitor-api.conf)"), "FILE" },
        { "log-level", 0, 0, G_OPTION_ARG_STRING, &opt_log_level,
          N_ ("Log level: debug, info, warn, error ($MONITOR_LOG_LEVEL, default info)"), "LEVEL" },
        { "debug", 0, 0, G_OPTION_ARG_NONE, &opt_debug, N_ ("Log everything"), NULL },
        { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
          N_ ("Look for plugins in DIR first (repeatable; also $NTPMON_PLUGIN_PATH)"), "DIR" },
        { NULL } };

static GOptionEntry server_entries[] = {
  { "listen", 0, 0, G_OPTION_ARG_STRING, NULL, N_ ("RPC listen address (default :8000)"), "ADDR" },
  { "metrics-port", 0, 0, G_OPTION_ARG_INT, &opt_metrics_port,
    N_ ("Prometheus metrics port (default 9000, 0 disables)"), "PORT" },
  { "health-listen", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_ ("Health check listen address (default :8080)"), "ADDR" },
  { "tls.cert", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_ ("Server certificate chain, PEM (default /etc/tls/tls.crt)"), "FILE" },
  { "tls.crt", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL, NULL, "FILE" },
  { "tls.key", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_ ("Server private key, PEM (default /etc/tls/tls.key)"), "FILE" },
  { "jwtkey", 0, 0, G_OPTION_ARG_STRING, NULL, N_ ("MQTT JWT signing key ($JWT_KEY)"), "KEY" },
  { "client-ca", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_ ("CA bundle trusted for client certificates (default: the NTP Pool CA)"), "FILE" },
  { "monitor-domain", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_ ("Domain of monitor names (default mon.ntppool.dev)"), "DOMAIN" },
  { "web-listen", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_ ("Registration web API listen address (default :8001, \"\" disables it and the CA)"),
    "ADDR" },
  { NULL }
};

static gchar *opt_schema;

static GOptionEntry db_entries[]
    = { { "schema", 0, 0, G_OPTION_ARG_FILENAME, &opt_schema,
          N_ ("Schema to load (default: the installed schema.sql)"), "FILE" },
        { NULL } };

static GOptionEntry keys_entries[]
    = { { "ticket-key-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
          N_ ("Ticket key directory (default from the config file)"), "DIR" },
        { NULL } };

typedef struct
{
  NtpmonCliCommand cli;
  gint (*run) (NtpmonConfig *keyfile, gchar **args, GError **error);
} Command;

static gint
cmd_version (NtpmonConfig *keyfile, gchar **args, GError **error)
{
  g_print ("%s %s\n", PROGRAM, PACKAGE_VERSION);
  return 0;
}

static gint
cmd_server (NtpmonConfig *keyfile, gchar **args, GError **error)
{
  g_autoptr (NtpmonHost) host = ntpmon_host_new ("api", (const gchar *const *)opt_plugin_dirs);

  if (opt_metrics_port > 65535)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("invalid --metrics-port %d"),
                   opt_metrics_port);
      return NTPMON_API_EXIT_CONFIG;
    }
  opts->metrics_port = opt_metrics_port >= 0 ? (guint)opt_metrics_port : 9000;
  opts->metrics_port_given = opt_metrics_port >= 0;
  ntpmon_host_declare_config (host, keyfile);
  if (!ntpmon_config_load (keyfile, error))
    return NTPMON_API_EXIT_CONFIG;
  if (!ntpmon_api_config_resolve (opts, keyfile, error))
    return NTPMON_API_EXIT_CONFIG;
  ntpmon_log_add_field ("env", opts->deployment_mode);
  return ntpmon_api_service_run (opts, keyfile, host, error);
}

static gint
cmd_keys (NtpmonConfig *keyfile, gchar **args, GError **error)
{
  g_autoptr (NtpmonApiKeyFileStore) store = NULL;
  guint version;

  if (g_strcmp0 (args[0], "add") != 0 || args[1] != NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _ ("expected \"keys add\""));
      return NTPMON_CLI_EXIT_SYNTAX;
    }
  if (!ntpmon_config_load (keyfile, error))
    return NTPMON_API_EXIT_CONFIG;
  if (opts->deployment_mode == NULL)
    opts->deployment_mode = g_strdup ("devel"); /* not used by this command */
  if (!ntpmon_api_config_resolve (opts, keyfile, error))
    return NTPMON_API_EXIT_CONFIG;
  store = ntpmon_api_key_file_store_new (opts->ticket_key_dir);
  if (!ntpmon_api_key_file_store_add_key (store, &version, error))
    return 1;
  g_print ("%u\n", version);
  return 0;
}

/* `db init`: loads the schema into the configured, empty database;
 * `db mon NAME`: shows the monitor rows of NAME (spec §15). */
static gint
cmd_db (NtpmonConfig *keyfile, gchar **args, GError **error)
{
  static const gchar *const yaml_files[]
      = { "database.yaml", "/vault/secrets/database.yaml", NULL };
  g_autoptr (NtpmonDbConn) conn = NULL;
  const gchar *schema = opt_schema != NULL ? opt_schema : NTPMON_PKGDATADIR "/schema.sql";

  gboolean mon = g_strcmp0 (args[0], "mon") == 0 && args[1] != NULL && args[2] == NULL;

  if (!mon && (g_strcmp0 (args[0], "init") != 0 || args[1] != NULL))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _ ("expected \"db init\" or \"db mon NAME\""));
      return NTPMON_CLI_EXIT_SYNTAX;
    }
  if (!ntpmon_api_config_load_database (opts, yaml_files, error))
    return NTPMON_API_EXIT_STARTUP;
  conn = ntpmon_db_conn_open (opts->database, error);
  if (conn == NULL)
    return NTPMON_API_EXIT_STARTUP;
  if (mon)
    {
      g_autofree gchar *text = ntpmon_api_describe_monitors (conn, args[1], error);

      if (text == NULL)
        return 1;
      g_print ("%s", text);
      return 0;
    }
  if (!ntpmon_db_load_schema (conn, schema, error))
    return 1;
  g_print (_ ("schema %s loaded\n"), schema);
  return 0;
}

static gint64 opt_account;

static GOptionEntry registration_entries[]
    = { { "account", 0, 0, G_OPTION_ARG_INT64, &opt_account,
          N_ ("accept: the account of the monitor (default: the registration's)"), "N" },
        { NULL } };

/* `registration list | accept ID [--account N] | reject ID` */
static gint
cmd_registration (NtpmonConfig *keyfile, gchar **args, GError **error)
{
  static const gchar *const yaml_files[]
      = { "database.yaml", "/vault/secrets/database.yaml", NULL };
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree gchar *tls_name = NULL;
  gboolean list = g_strcmp0 (args[0], "list") == 0 && args[1] == NULL;
  guint64 id = 0;
  gboolean ok;

  if (!list
      && (args[0] == NULL || args[1] == NULL || args[2] != NULL
          || (!g_str_equal (args[0], "accept") && !g_str_equal (args[0], "reject"))
          || !g_ascii_string_to_unsigned (args[1], 10, 1, G_MAXUINT32, &id, NULL)
          || opt_account < 0))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _ ("expected \"registration list\", \"registration accept ID\" or "
                              "\"registration reject ID\""));
      return NTPMON_CLI_EXIT_SYNTAX;
    }
  if (!ntpmon_config_load (keyfile, error) || !ntpmon_api_config_resolve (opts, keyfile, error))
    return NTPMON_API_EXIT_CONFIG;
  if (!ntpmon_api_config_load_database (opts, yaml_files, error)
      || (conn = ntpmon_db_conn_open (opts->database, error)) == NULL)
    return NTPMON_API_EXIT_STARTUP;
  if (list)
    ok = ntpmon_api_registration_list (conn, out, error);
  else if (g_str_equal (args[0], "reject"))
    {
      ok = ntpmon_api_registration_reject (conn, id, error);
      g_string_printf (out, _ ("registration %" G_GUINT64_FORMAT " rejected\n"), id);
    }
  else
    {
      NtpmonApiRegistrationOptions options
          = { opts->deployment_mode, opts->monitor_domain, (guint64)opt_account };
      ok = ntpmon_api_registration_accept (conn, id, &options, &tls_name, error);
      g_string_printf (out, _ ("registration %" G_GUINT64_FORMAT " accepted: monitor %s\n"), id,
                       tls_name);
    }
  if (!ok)
    return g_error_matches (*error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE)
               ? NTPMON_API_EXIT_STARTUP
               : 1;
  fputs (out->str, stdout);
  return 0;
}

static const Command commands[] = {
  { { "server", NULL, N_ ("Run the monitor API server"), server_entries, 0 }, cmd_server },
  { { "keys", "add", N_ ("Add a ticket signing key (rotation); prints its version"), keys_entries,
      0 },
    cmd_keys },
  { { "db", "init | mon NAME",
      N_ ("Load the schema into an empty database, or show the monitor rows of NAME"), db_entries,
      0 },
    cmd_db },
  { { "registration", "list|accept ID|reject ID",
      N_ ("List, accept or reject monitor registrations"), registration_entries, 0 },
    cmd_registration },
  { { "version", NULL, N_ ("Print the program name and version"), NULL, 0 }, cmd_version },
};

static const NtpmonCliCommand *const cli_commands[] = {
  &commands[0].cli, &commands[1].cli, &commands[2].cli, &commands[3].cli, &commands[4].cli, NULL,
};

static const NtpmonCli cli = {
  PROGRAM,
  N_ ("The NTP Pool monitor RPC API server."),
  global_entries,
  cli_commands,
};

static void
bind_entries (void)
{
  global_entries[0].arg_data = &opts->deployment_mode;
  server_entries[0].arg_data = &opts->listen;
  server_entries[2].arg_data = &opts->health_listen;
  server_entries[3].arg_data = &opts->tls_cert;
  server_entries[4].arg_data = &opts->tls_cert;
  server_entries[5].arg_data = &opts->tls_key;
  server_entries[6].arg_data = &opts->jwt_key;
  server_entries[7].arg_data = &opts->client_ca;
  server_entries[8].arg_data = &opts->monitor_domain;
  server_entries[9].arg_data = &opts->web_listen;
  keys_entries[0].arg_data = &opts->ticket_key_dir;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonApiConfig) config = ntpmon_api_config_new ();
  g_autoptr (NtpmonConfig) keyfile = NULL;
  g_auto (GStrv) args = NULL;
  const Command *cmd;
  GLogLevelFlags level = G_LOG_LEVEL_INFO;
  const gchar *level_name;
  gint status;

  ntpmon_cli_init_i18n ();
  ntpmon_log_setup (G_LOG_LEVEL_INFO);
  ntpmon_api_restrict_tls_versions ();
  opts = config;
  bind_entries ();

  cmd = (const Command *)ntpmon_cli_parse (&cli, argv, &args, &status);
  if (cmd == NULL)
    return status;

  level_name = opt_log_level != NULL ? opt_log_level : g_getenv ("MONITOR_LOG_LEVEL");
  if (level_name != NULL && *level_name != '\0'
      && !ntpmon_log_parse_level (level_name, &level, &error))
    return ntpmon_cli_fail (&cli, &cmd->cli, NTPMON_API_EXIT_CONFIG, FALSE, error->message);
  ntpmon_log_set_level (opt_debug ? G_LOG_LEVEL_DEBUG : level);

  keyfile = ntpmon_config_new (
      opt_config != NULL ? opt_config : NTPMON_SYSCONFDIR "/ntppool-monitor/monitor-api.conf");
  ntpmon_api_config_declare_keys (keyfile);
  status = cmd->run (keyfile, args, &error);
  if (error != NULL)
    status = ntpmon_cli_fail (&cli, &cmd->cli, status != 0 ? status : 1,
                              status == NTPMON_CLI_EXIT_SYNTAX, error->message);
  return status;
}
