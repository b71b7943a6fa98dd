/* ntpmon-cli.h: command-line parsing shared by the programs
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The exit status of a command-line mistake (the reference's kong parser). */
#define NTPMON_CLI_EXIT_SYNTAX 80

/**
 * NtpmonCliCommand:
 * @name: the command word
 * @parameter_string: its positional arguments for the help (`TARGET…`), NULL for none
 * @summary: one line for the help (untranslated; N_() it)
 * @entries: (nullable): the command's own flags
 * @min_args: positional arguments required
 *
 * Programs embed this as the first member of their own command type.
 */
typedef struct
{
  const gchar *name;
  const gchar *parameter_string;
  const gchar *summary;
  const GOptionEntry *entries;
  guint min_args;
} NtpmonCliCommand;

/**
 * NtpmonCli:
 * @program: the program name, as in its error messages
 * @summary: what the program does (untranslated)
 * @global_entries: flags that may stand before or after the command
 * @commands: NULL-terminated
 */
typedef struct
{
  const gchar *program;
  const gchar *summary;
  const GOptionEntry *global_entries;
  const NtpmonCliCommand *const *commands;
} NtpmonCli;

void ntpmon_cli_init_i18n (void);
const NtpmonCliCommand *ntpmon_cli_parse (const NtpmonCli *cli, gchar **argv, GStrv *args,
                                          gint *exit_status);
void ntpmon_cli_print_help (const NtpmonCli *cli, const NtpmonCliCommand *cmd);
gint ntpmon_cli_fail (const NtpmonCli *cli, const NtpmonCliCommand *cmd, gint status,
                      gboolean with_help, const gchar *message);

G_END_DECLS
