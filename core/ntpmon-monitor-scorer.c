/* ntpmon-monitor-scorer.c: ntppool-monitor-scorer, the pool's scorer and
 * monitor selector
 *
 * SPDX-License-Identifier: MIT
 *
 * `ntppool-monitor-scorer [global flags] GROUP COMMAND [flags] [args]`.
 * Command-line mistakes exit with 80 after the help text, other failures
 * with 1, as ntppool-agent does.
 */
#include "config.h"

#include <glib-unix.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "ntpmon-cli.h"
#include "ntpmon-log.h"
#include "ntpmon-monitor-scorer.h"

#define EXIT_SYNTAX NTPMON_CLI_EXIT_SYNTAX
#define PROGRAM     NTPMON_SCORER_PROGRAM

static gchar *opt_config;
static gchar **opt_plugin_dirs;
static gchar *opt_log_level;
static gboolean opt_debug;
static gint opt_metrics_port = 9000;
static gboolean opt_verbose;

static const GOptionEntry global_entries[]
    = { { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config,
          N_ ("Config file (default /etc/ntppool-monitor/monitor-scorer.conf)"), "FILE" },
        { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
          N_ ("Look for plugins in DIR first (repeatable; also $NTPMON_PLUGIN_PATH)"), "DIR" },
        { "log-level", 0, 0, G_OPTION_ARG_STRING, &opt_log_level,
          N_ ("Log level: debug, info, warn, error ($MONITOR_LOG_LEVEL, default info)"), "LEVEL" },
        { "debug", 0, 0, G_OPTION_ARG_NONE, &opt_debug, N_ ("Log everything"), NULL },
        { NULL } };

static const GOptionEntry metrics_entries[]
    = { { "metrics-port", 0, 0, G_OPTION_ARG_INT, &opt_metrics_port,
          N_ ("Prometheus metrics port (default 9000, 0: none)"), "PORT" },
        { NULL } };

static const GOptionEntry verbose_entries[]
    = { { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, N_ ("Enable verbose debug logging"),
          NULL },
        { NULL } };

static gchar *
command_title (const NtpmonScorerCommand *cmd)
{
  return g_strdup_printf ("%s%s%s%s%s", cmd->group ? cmd->group : "", cmd->group ? " " : "",
                          cmd->name, cmd->parameter_string ? " " : "",
                          cmd->parameter_string ? cmd->parameter_string : "");
}

/* @group_only: help for a group word alone ("scorer", "selector") */
static GOptionContext *
make_context (const NtpmonScorerCommand *cmd, const gchar *group_only)
{
  GOptionContext *context;
  GOptionGroup *global;
  g_autoptr (GString) description = g_string_new (NULL);

  if (cmd != NULL)
    {
      g_autofree gchar *usage = command_title (cmd);
      context = g_option_context_new (usage);
      g_option_context_set_summary (context, _ (cmd->summary));
      if (cmd->uses_metrics_port || cmd->uses_verbose)
        {
          GOptionGroup *own
              = g_option_group_new (cmd->name, _ ("Flags:"), _ ("Show the flags"), NULL, NULL);
          g_option_group_add_entries (own,
                                      cmd->uses_metrics_port ? metrics_entries : verbose_entries);
          g_option_group_set_translation_domain (own, GETTEXT_PACKAGE);
          g_option_context_add_group (context, own);
        }
    }
  else
    {
      g_autofree gchar *usage = group_only ? g_strdup_printf (_ ("%s COMMAND [FLAGS…]"), group_only)
                                           : g_strdup (_ ("COMMAND [FLAGS…] [ARGS…]"));
      context = g_option_context_new (usage);
      g_option_context_set_summary (
          context, _ ("Score NTP Pool servers from their monitors' results and select "
                      "which monitors are active for each server."));
      g_string_append (description, _ ("Commands:\n"));
      for (guint i = 0; i < ntpmon_scorer_n_commands; i++)
        {
          const NtpmonScorerCommand *c = &ntpmon_scorer_commands[i];
          g_autofree gchar *title = command_title (c);

          if (group_only == NULL || g_strcmp0 (c->group, group_only) == 0)
            g_string_append_printf (description, "  %-30s %s\n", title, _ (c->summary));
        }
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
print_help (const NtpmonScorerCommand *cmd, const gchar *group)
{
  g_autoptr (GOptionContext) context = make_context (cmd, group);
  g_autofree gchar *help = g_option_context_get_help (context, FALSE, NULL);

  fputs (help, stdout);
  fflush (stdout);
}

static gint
fail (gint status, const NtpmonScorerCommand *cmd, const gchar *group, gboolean with_help,
      const gchar *message)
{
  if (with_help)
    print_help (cmd, group);
  g_printerr ("%s: error: %s\n", PROGRAM, message);
  return status;
}

static gboolean
is_group (const gchar *word)
{
  return g_strcmp0 (word, "scorer") == 0 || g_strcmp0 (word, "selector") == 0;
}

/* Finds the command of args[1] (and args[2] for a group); sets *n_words. */
static const NtpmonScorerCommand *
find_command (gchar **args, guint *n_words)
{
  const gchar *group = is_group (args[1]) ? args[1] : NULL;
  const gchar *name = group ? (args[2] != NULL ? args[2] : "") : args[1];

  *n_words = group ? 2 : 1;
  for (guint i = 0; name != NULL && i < ntpmon_scorer_n_commands; i++)
    if (g_strcmp0 (ntpmon_scorer_commands[i].group, group) == 0
        && g_strcmp0 (ntpmon_scorer_commands[i].name, name) == 0)
      return &ntpmon_scorer_commands[i];
  return NULL;
}

static gboolean
wants_help (gchar **args)
{
  for (guint i = 1; args[i] != NULL; i++)
    {
      if (g_str_equal (args[i], "--"))
        return FALSE;
      if (g_str_equal (args[i], "-h") || g_str_equal (args[i], "--help")
          || g_str_equal (args[i], "-?"))
        return TRUE;
    }
  return FALSE;
}

static gboolean
prepare (NtpmonScorerContext *ctx, const NtpmonScorerCommand *cmd, GError **error)
{
  const gchar *level_name = opt_log_level ? opt_log_level : g_getenv ("MONITOR_LOG_LEVEL");
  GLogLevelFlags level = G_LOG_LEVEL_INFO;
  const gchar *const constraints[] = { "subnet", "account", "diversity", "limits", NULL };

  if (level_name != NULL && *level_name != '\0'
      && !ntpmon_log_parse_level (level_name, &level, error))
    return FALSE;
  ntpmon_log_set_level (opt_debug || opt_verbose ? G_LOG_LEVEL_DEBUG : level);
  ctx->metrics_port = opt_metrics_port;
  ctx->verbose = opt_verbose;
  if (!cmd->needs_db)
    return TRUE;
  if (opt_config != NULL && !g_file_test (opt_config, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _ ("config file %s does not exist"),
                   opt_config);
      return FALSE;
    }
  ctx->config = ntpmon_config_new (
      opt_config ? opt_config : NTPMON_SYSCONFDIR "/ntppool-monitor/monitor-scorer.conf");
  ctx->host = ntpmon_host_new ("scorer", (const gchar *const *)opt_plugin_dirs);
  ntpmon_host_declare_config (ctx->host, ctx->config);
  ntpmon_config_add_key (ctx->config, "selector", "constraints", NTPMON_CONFIG_STRING_LIST);
  ntpmon_config_set_choices (ctx->config, "selector", "constraints", constraints);
  ntpmon_config_add_key (ctx->config, "database", "lock-wait", NTPMON_CONFIG_INTEGER);
  if (!ntpmon_config_load (ctx->config, error)
      || !ntpmon_host_apply_config (ctx->host, ntpmon_config_get_keyfile (ctx->config), error))
    return FALSE;
  ctx->db_config = ntpmon_db_config_load_default (error);
  return ctx->db_config != NULL;
}

typedef struct
{
  NtpmonScorerContext *ctx;
  const NtpmonScorerCommand *cmd;
  gchar **args;
  GError *error;
  gint status;
  GMainLoop *loop;
} Work;

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
work_thread (gpointer data)
{
  Work *work = data;

  work->status = work->cmd->run (work->ctx, work->args, &work->error);
  /* through the main context: the loop may not be running yet */
  g_idle_add (quit_loop, work->loop);
  return NULL;
}

static gboolean
on_signal (gpointer data)
{
  Work *work = data;

  g_info ("stopping");
  g_cancellable_cancel (work->ctx->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
serve_metrics (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  g_autofree gchar *text = NULL;

  if (g_strcmp0 (path, "/metrics") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  text = ntpmon_metrics_render (user_data);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, NTPMON_METRICS_CONTENT_TYPE, SOUP_MEMORY_COPY, text,
                                    strlen (text));
}

/* The metrics endpoint of `scorer run|server` and `selector server|once`
 * (spec/scorer.md §5.1): a failure to listen is logged, the work goes on. */
static SoupServer *
start_metrics (NtpmonScorerContext *ctx, const NtpmonScorerCommand *cmd)
{
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *name = g_strconcat (cmd->group, "_build_info", NULL);

  if (!cmd->uses_metrics_port || ctx->metrics_port <= 0)
    return NULL;
  ctx->metrics = ntpmon_metrics_new ();
  ntpmon_metric_set (ntpmon_metrics_gauge (ctx->metrics, name, "Build information.",
                                           (const gchar *[]){ "version", NULL }),
                     (const gchar *[]){ PACKAGE_VERSION }, 1);
  server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (server, NULL, serve_metrics, ctx->metrics, NULL);
  if (!soup_server_listen_all (server, (guint)ctx->metrics_port, 0, &error))
    {
      g_message ("metrics server error: port %d: %s", ctx->metrics_port, error->message);
      return NULL;
    }
  return g_steal_pointer (&server);
}

/* Runs the command on a worker thread while the main loop waits for
 * SIGTERM/SIGINT, which cancel the work. */
static gint
run_command (NtpmonScorerContext *ctx, const NtpmonScorerCommand *cmd, gchar **args, GError **error)
{
  g_autoptr (SoupServer) metrics = start_metrics (ctx, cmd);
  Work work = { ctx, cmd, args, NULL, 0, g_main_loop_new (NULL, FALSE) };
  guint term = g_unix_signal_add (SIGTERM, on_signal, &work);
  guint intr = g_unix_signal_add (SIGINT, on_signal, &work);
  GThread *thread = g_thread_new ("command", work_thread, &work);

  g_main_loop_run (work.loop);
  g_thread_join (thread);
  g_source_remove (term);
  g_source_remove (intr);
  g_main_loop_unref (work.loop);
  if (metrics != NULL)
    soup_server_disconnect (metrics);
  if (work.error != NULL)
    g_propagate_error (error, work.error);
  return work.status;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) global = NULL;
  g_autoptr (GOptionContext) local = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = NULL;
  const NtpmonScorerCommand *cmd = NULL;
  const gchar *group = NULL;
  NtpmonScorerContext ctx = { 0 };
  guint n_words = 1, n_args;
  gint status;

  ntpmon_cli_init_i18n ();
  ntpmon_log_setup (G_LOG_LEVEL_INFO);

  args = g_strdupv (argv);
  global = make_context (NULL, NULL);
  g_option_context_set_ignore_unknown_options (global, TRUE);
  if (!g_option_context_parse_strv (global, &args, &error))
    return fail (EXIT_SYNTAX, NULL, NULL, TRUE, error->message);

  if (args[1] != NULL && args[1][0] != '-')
    {
      group = is_group (args[1]) ? args[1] : NULL;
      cmd = find_command (args, &n_words);
    }
  if (wants_help (args))
    {
      print_help (cmd, cmd == NULL ? group : NULL);
      return 0;
    }
  if (args[1] == NULL)
    return fail (EXIT_SYNTAX, NULL, NULL, TRUE, _ ("expected a command"));
  if (cmd == NULL)
    {
      g_autofree gchar *message = group != NULL
                                      ? g_strdup_printf (_ ("expected a %s command"), group)
                                      : g_strdup_printf (_ ("unexpected argument %s"), args[1]);
      return fail (EXIT_SYNTAX, NULL, group, TRUE, message);
    }

  local = make_context (cmd, NULL);
  if (!g_option_context_parse_strv (local, &args, &error))
    return fail (EXIT_SYNTAX, cmd, NULL, TRUE, error->message);
  n_args = g_strv_length (args) - 1 - n_words;
  if (n_args < cmd->min_args)
    {
      g_autofree gchar *message = g_strdup_printf (_ ("expected \"%s\""), cmd->parameter_string);
      return fail (EXIT_SYNTAX, cmd, NULL, TRUE, message);
    }
  if (n_args > cmd->max_args)
    {
      g_autofree gchar *message
          = g_strdup_printf (_ ("unexpected argument %s"), args[1 + n_words + cmd->max_args]);
      return fail (EXIT_SYNTAX, cmd, NULL, TRUE, message);
    }

  ctx.cancellable = g_cancellable_new ();
  if (!prepare (&ctx, cmd, &error))
    status = fail (1, cmd, NULL, FALSE, error->message);
  else
    {
      status = run_command (&ctx, cmd, args + 1 + n_words, &error);
      if (error != NULL)
        status = fail (status != 0 ? status : 1, cmd, NULL, FALSE, error->message);
    }
  g_clear_object (&ctx.cancellable);
  g_clear_pointer (&ctx.metrics, ntpmon_metrics_unref);
  g_clear_object (&ctx.host);
  g_clear_object (&ctx.config);
  g_clear_pointer (&ctx.db_config, ntpmon_db_config_free);
  return status;
}
