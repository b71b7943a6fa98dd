/* ntpmon-fake-ntp-server.c: a stand-alone NTP server for the demo
 *
 * SPDX-License-Identifier: MIT
 *
 * Serves time on ADDRESS:PORT with a configurable error, so the demo can
 * show a server whose clock is off. Test and demo use only; not installed.
 */
#include "config.h"

#include <glib-unix.h>
#include <stdlib.h>

#include "ntpmon-fake-ntp.h"

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  static gchar *address = "127.0.0.1";
  static gint port = 123;
  static gdouble offset_ms = 0;
  static gint stratum = 2;
  static gboolean silent = FALSE;
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, "Address to listen on", "IP" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "UDP port (default 123)", "PORT" },
    { "offset-ms", 'o', 0, G_OPTION_ARG_DOUBLE, &offset_ms, "Clock error to serve", "MS" },
    { "stratum", 's', 0, G_OPTION_ARG_INT, &stratum, "Stratum (default 2)", "N" },
    { "silent", 0, 0, G_OPTION_ARG_NONE, &silent, "Never answer", NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- NTP server for the demo");
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonFakeNtp) server = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  NtpmonFakeNtpBehaviour *behaviour;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || port <= 0 || port > 65535
      || stratum < 0 || stratum > 16)
    {
      g_printerr ("ntpmon-fake-ntp-server: %s\n",
                  error != NULL ? error->message : "port or stratum out of range");
      return 2;
    }
  server = ntpmon_fake_ntp_new_full (address, (guint16)port, &error);
  if (server == NULL)
    {
      g_printerr ("ntpmon-fake-ntp-server: %s:%d: %s\n", address, port, error->message);
      return 1;
    }
  behaviour = ntpmon_fake_ntp_get_behaviour (server);
  behaviour->offset_ns = (gint64)(offset_ms * 1e6);
  behaviour->stratum = (guint8)stratum;
  behaviour->silent = silent;
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  return 0;
}
