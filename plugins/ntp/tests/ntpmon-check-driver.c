/* ntpmon-check-driver.c: runs the `check` command with the ntp probe
 * linked in, for manual use and benchmarks until the agent binary has it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>

#include "ntpmon-agent-cmd-check.h"
#include "ntpmon-ntp-probe.h"

int
main (int argc, char **argv)
{
  gboolean json = FALSE, allow_private = FALSE, user = FALSE;
  gint samples = 0;
  g_auto (GStrv) targets = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per line", NULL },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "Samples per target", "N" },
    { "allow-private", 0, 0, G_OPTION_ARG_NONE, &allow_private, "Check private targets", NULL },
    { "user-timestamps", 0, 0, G_OPTION_ARG_NONE, &user, "clock_gettime() timestamps", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &targets, NULL, "TARGET..." },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("TARGET...");
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 80;
    }
  g_key_file_set_boolean (config, "ntp", "allow-private-targets", allow_private);
  g_key_file_set_string (config, "ntp", "timestamps", user ? "user" : "kernel");
  if (!ntpmon_probe_configure (probe, config, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  status = ntpmon_agent_cmd_check_run (probe, json, samples, targets, &error);
  if (error != NULL)
    fprintf (stderr, "error: %s\n", error->message);
  return status;
}
