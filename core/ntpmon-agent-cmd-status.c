/* ntpmon-agent-cmd-status.c: `ntppool-agent status`
 *
 * SPDX-License-Identifier: MIT
 *
 * Asks the running agent over D-Bus and prints its properties. Looks for
 * the agent of the selected environment first, then for any agent; on the
 * bus --dbus names, else on the system bus and then the session bus.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-agent.h"

static gboolean
has_owner (GDBusConnection *bus, const gchar *name)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
      g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
      NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
print_value (const gchar *name, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    g_print ("%-16s %s\n", name, g_variant_get_string (value, NULL));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const gchar **items = g_variant_get_strv (value, NULL);
      g_autofree gchar *joined = g_strjoinv (" ", (gchar **)items);

      g_print ("%-16s %s\n", name, joined);
    }
  else
    {
      g_autofree gchar *text = g_variant_print (value, FALSE);

      g_print ("%-16s %s\n", name, text);
    }
}

static guint64
lookup_u64 (GVariant *dict, const gchar *key)
{
  guint64 value = 0;

  g_variant_lookup (dict, key, "t", &value);
  return value;
}

static const gchar *
lookup_str (GVariant *dict, const gchar *key)
{
  const gchar *value = NULL;

  return g_variant_lookup (dict, key, "&s", &value) && *value != '\0' ? value : "-";
}

/* The monitoring state, one block per IP family. */
static void
print_families (GVariant *families)
{
  GVariantIter iter;
  const gchar *family;
  GVariant *dict;

  if (g_variant_n_children (families) == 0)
    {
      g_print ("%-16s %s\n", "Families", _ ("none (not set up, or no IP family active yet)"));
      return;
    }
  g_variant_iter_init (&iter, families);
  while (g_variant_iter_loop (&iter, "{&s@a{sv}}", &family, &dict))
    {
      gint64 batch_time = 0;
      guint32 batch_size = 0;
      g_autofree gchar *batch = NULL;

      g_variant_lookup (dict, "LastBatchTime", "x", &batch_time);
      g_variant_lookup (dict, "LastBatchSize", "u", &batch_size);
      if (batch_time > 0)
        {
          g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (batch_time);
          g_autofree gchar *when = g_date_time_format (t, "%Y-%m-%d %H:%M:%S UTC");

          batch = g_strdup_printf (_ ("%s, %u servers"), when, batch_size);
        }
      g_print ("%-16s %s %s, status %s, %s\n", g_str_equal (family, "v6") ? "IPv6" : "IPv4",
               lookup_str (dict, "Name"), lookup_str (dict, "IP"), lookup_str (dict, "Status"),
               lookup_str (dict, "State"));
      g_print ("  %-14s %s\n", _ ("last batch"), batch != NULL ? batch : _ ("none yet"));
      g_print ("  %-14s %" G_GUINT64_FORMAT " ok, %" G_GUINT64_FORMAT " failed\n", _ ("checks"),
               lookup_u64 (dict, "ChecksDone"), lookup_u64 (dict, "ChecksFailed"));
      g_print ("  %-14s %" G_GUINT64_FORMAT " ok, %" G_GUINT64_FORMAT " failed\n",
               _ ("submissions"), lookup_u64 (dict, "SubmitsDone"),
               lookup_u64 (dict, "SubmitsFailed"));
      g_print ("  %-14s %s\n", _ ("local clock"), lookup_str (dict, "LocalOK"));
    }
}

static gint
run_status (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  static const NtpmonBusChoice order[] = { NTPMON_BUS_SYSTEM, NTPMON_BUS_SESSION };
  g_autofree gchar *env_name = g_strdup_printf ("%s.%s", NTPMON_AGENT_DBUS_NAME, ctx->env);

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      const gchar *names[] = { env_name, NTPMON_AGENT_DBUS_NAME };
      g_autoptr (GDBusConnection) bus = NULL;
      g_autoptr (GVariant) reply = NULL;
      g_autoptr (GVariantIter) iter = NULL;
      const gchar *key;
      GVariant *value;

      if (ctx->bus != NTPMON_BUS_AUTO && ctx->bus != order[i])
        continue;
      bus = ntpmon_agent_open_bus (order[i], NULL);
      for (guint n = 0; bus != NULL && reply == NULL && n < G_N_ELEMENTS (names); n++)
        if (has_owner (bus, names[n]))
          reply = g_dbus_connection_call_sync (
              bus, names[n], NTPMON_AGENT_DBUS_PATH, "org.freedesktop.DBus.Properties", "GetAll",
              g_variant_new ("(s)", NTPMON_AGENT_DBUS_NAME), G_VARIANT_TYPE ("(a{sv})"),
              G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
      if (reply == NULL)
        {
          if (error != NULL && *error != NULL)
            return 1;
          continue;
        }
      g_variant_get (reply, "(a{sv})", &iter);
      while (g_variant_iter_loop (iter, "{&sv}", &key, &value))
        if (g_str_equal (key, "Families"))
          print_families (value);
        else
          print_value (key, value);
      return 0;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _ ("no running ntppool-agent found on D-Bus (is the agent running, and on "
                          "which bus? see --dbus)"));
  return 1;
}

const NtpmonAgentCommand ntpmon_agent_cmd_status = {
  { "status", NULL, N_ ("Show the state of the running agent (over D-Bus)"), NULL, 0 },
  FALSE,
  run_status,
};
