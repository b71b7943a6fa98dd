/* ntpmon-cli.c: command-line parsing shared by the programs
 *
 * SPDX-License-Identifier: MIT
 *
 * `PROGRAM [global flags] COMMAND [flags] [args]`, global flags anywhere.
 * Parsed in two passes: the global flags first (unknown ones left for
 * later), then the command's own flags strictly. Mistakes print the help
 * on stdout and `PROGRAM: error: …` on stderr, and exit with 80.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>

#include "ntpmon-cli.h"

/**
 * ntpmon_cli_init_i18n:
 *
 * Sets the locale and binds the programs' translations.
 */
void
ntpmon_cli_init_i18n (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, NTPMON_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

static GOptionGroup *
make_group (const gchar *name, const gchar *title, const gchar *help, const GOptionEntry *entries)
{
  GOptionGroup *group = g_option_group_new (name, title, help, NULL, NULL);

  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  return group;
}

static GOptionContext *
make_context (const NtpmonCli *cli, const NtpmonCliCommand *cmd)
{
  GOptionContext *context;
  GOptionGroup *global = make_group ("global", _ ("Global flags:"), _ ("Show the global flags"),
                                     cli->global_entries);

  if (cmd != NULL)
    {
      g_autofree gchar *usage
          = g_strdup_printf ("%s%s%s", cmd->name, cmd->parameter_string ? " " : "",
                             cmd->parameter_string ? cmd->parameter_string : "");

      context = g_option_context_new (usage);
      g_option_context_set_summary (context, _ (cmd->summary));
      if (cmd->entries != NULL)
        g_option_context_add_group (
            context, make_group (cmd->name, _ ("Flags:"), _ ("Show the flags"), cmd->entries));
      g_option_context_add_group (context, global);
    }
  else
    {
      g_autoptr (GString) description = g_string_new (_ ("Commands:\n"));

      context = g_option_context_new (_ ("COMMAND [FLAGS…] [ARGS…]"));
      g_option_context_set_summary (context, _ (cli->summary));
      for (guint i = 0; cli->commands[i] != NULL; i++)
        g_string_append_printf (description, "  %-12s %s\n", cli->commands[i]->name,
                                _ (cli->commands[i]->summary));
      g_string_append_printf (description, _ ("\nRun “%s COMMAND --help” for a command's flags.\n"),
                              cli->program);
      g_option_context_set_description (context, description->str);
      g_option_context_set_main_group (context, global);
    }
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  return context;
}

void
ntpmon_cli_print_help (const NtpmonCli *cli, const NtpmonCliCommand *cmd)
{
  g_autoptr (GOptionContext) context = make_context (cli, cmd);
  g_autofree gchar *help = g_option_context_get_help (context, FALSE, NULL);

  fputs (help, stdout);
  fflush (stdout);
}

/**
 * ntpmon_cli_fail:
 * @with_help: print the help of @cmd (or of the program) first
 *
 * Returns: @status, for `return ntpmon_cli_fail (…)`
 */
gint
ntpmon_cli_fail (const NtpmonCli *cli, const NtpmonCliCommand *cmd, gint status, gboolean with_help,
                 const gchar *message)
{
  if (with_help)
    ntpmon_cli_print_help (cli, cmd);
  g_printerr ("%s: error: %s\n", cli->program, message);
  return status;
}

static gboolean
wants_help (gchar **args)
{
  for (guint i = 1; args[i] != NULL && !g_str_equal (args[i], "--"); i++)
    if (g_str_equal (args[i], "-h") || g_str_equal (args[i], "--help")
        || g_str_equal (args[i], "-?"))
      return TRUE;
  return FALSE;
}

G_GNUC_PRINTF (3, 4)
static void
syntax_error (const NtpmonCli *cli, const NtpmonCliCommand *cmd, const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  ntpmon_cli_fail (cli, cmd, NTPMON_CLI_EXIT_SYNTAX, TRUE, message);
}

/**
 * ntpmon_cli_parse:
 * @argv: the program's arguments
 * @args: (out): the command's positional arguments
 * @exit_status: (out): when NULL is returned: 0 after printing a help
 *   asked for, %NTPMON_CLI_EXIT_SYNTAX after a mistake (already reported)
 *
 * Returns: (nullable): the command to run, its flags and the global flags
 *   stored through their entries
 */
const NtpmonCliCommand *
ntpmon_cli_parse (const NtpmonCli *cli, gchar **argv, GStrv *args, gint *exit_status)
{
  g_autoptr (GOptionContext) global = make_context (cli, NULL);
  g_autoptr (GOptionContext) local = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) rest = g_strdupv (argv);
  const NtpmonCliCommand *cmd = NULL;

  *exit_status = NTPMON_CLI_EXIT_SYNTAX;
  g_option_context_set_ignore_unknown_options (global, TRUE);
  if (!g_option_context_parse_strv (global, &rest, &error))
    {
      ntpmon_cli_fail (cli, NULL, NTPMON_CLI_EXIT_SYNTAX, TRUE, error->message);
      return NULL;
    }
  for (guint i = 0; rest[1] != NULL && cli->commands[i] != NULL; i++)
    if (g_str_equal (rest[1], cli->commands[i]->name))
      cmd = cli->commands[i];
  if (wants_help (rest))
    {
      ntpmon_cli_print_help (cli, cmd);
      *exit_status = 0;
      return NULL;
    }
  if (rest[1] == NULL)
    {
      ntpmon_cli_fail (cli, NULL, NTPMON_CLI_EXIT_SYNTAX, TRUE, _ ("expected a command"));
      return NULL;
    }
  if (cmd == NULL)
    {
      if (rest[1][0] == '-')
        syntax_error (cli, NULL, _ ("unknown flag %s"), rest[1]);
      else
        syntax_error (cli, NULL, _ ("unexpected argument %s"), rest[1]);
      return NULL;
    }

  local = make_context (cli, cmd);
  if (!g_option_context_parse_strv (local, &rest, &error))
    {
      ntpmon_cli_fail (cli, cmd, NTPMON_CLI_EXIT_SYNTAX, TRUE, error->message);
      return NULL;
    }
  if (g_strv_length (rest) - 2 < cmd->min_args)
    {
      syntax_error (cli, cmd, _ ("expected \"%s\""), cmd->parameter_string);
      return NULL;
    }
  if (cmd->parameter_string == NULL && rest[2] != NULL)
    {
      syntax_error (cli, cmd, _ ("unexpected argument %s"), rest[2]);
      return NULL;
    }
  *args = g_strdupv (rest + 2);
  return cmd;
}
