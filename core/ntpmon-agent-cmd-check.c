/* ntpmon-agent-cmd-check.c: `ntppool-agent check [--json] [--samples N] TARGET...`
 *
 * Checks every target concurrently with the `ntp` probe and prints one
 * block (or one JSON line) per target, in the order given.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ntpmon-agent-cmd-check.h"
#include "ntpmon-agent.h"

#define DEFAULT_NTP_PORT 123

/* The whole `check` run is bounded, as the reference's is (60 s). */
static guint check_timeout_s = 60;

/**
 * ntpmon_agent_cmd_check_set_timeout:
 * @seconds: the bound of a whole ntpmon_agent_cmd_check_run()
 */
void
ntpmon_agent_cmd_check_set_timeout (guint seconds)
{
  check_timeout_s = seconds;
}

static gboolean
deadline_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  const gchar *target;
  GInetAddress *address;
  guint16 port;
  NtpmonNtpResult *result;
  gchar *error; /* the check could not run (bad target, refused) */
  gboolean done;
} CheckItem;

typedef struct
{
  NtpmonProbe *probe;
  guint pending;
} CheckRun;

typedef struct
{
  CheckRun *run;
  CheckItem *item;
} CheckCall;

static gboolean
parse_port (const gchar *text, guint16 *port)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &value, NULL))
    return FALSE;
  *port = (guint16)value;
  return TRUE;
}

/**
 * ntpmon_agent_check_parse_target:
 * @target: `IP`, `IPv4:PORT`, `[IPv6]:PORT` or `[IPv6]`
 *
 * Returns: whether @target names an address; the port is 123 unless given.
 */
gboolean
ntpmon_agent_check_parse_target (const gchar *target, GInetAddress **address, guint16 *port,
                                 GError **error)
{
  g_autofree gchar *host = NULL;
  const gchar *colon;

  *port = DEFAULT_NTP_PORT;
  if (target[0] == '[')
    {
      const gchar *end = strchr (target, ']');

      if (end == NULL || (end[1] != '\0' && (end[1] != ':' || !parse_port (end + 2, port))))
        goto bad;
      host = g_strndup (target + 1, (gsize)(end - target - 1));
      if (strchr (host, ':') == NULL)
        goto bad;
    }
  else if ((colon = strchr (target, ':')) != NULL && strchr (colon + 1, ':') == NULL)
    {
      if (!parse_port (colon + 1, port))
        goto bad;
      host = g_strndup (target, (gsize)(colon - target));
    }
  else
    host = g_strdup (target);

  *address = g_inet_address_new_from_string (host);
  if (*address != NULL)
    return TRUE;
bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "invalid target \"%s\" (expected IP, IPv4:PORT or [IPv6]:PORT)", target);
  return FALSE;
}

/**
 * ntpmon_agent_check_format_refid:
 *
 * Returns: the reference id as people read it: the four characters for
 * stratum 0 and 1 (kiss codes, reference clock names) when printable, a
 * dotted quad for higher strata, hex otherwise.
 */
gchar *
ntpmon_agent_check_format_refid (gint stratum, guint32 refid)
{
  gchar text[5];
  gboolean printable = TRUE;

  for (guint i = 0; i < 4; i++)
    {
      guint8 ch = (guint8)(refid >> (24 - 8 * i));

      text[i] = (gchar)ch;
      if (ch != 0 && (ch < 32 || ch > 126))
        printable = FALSE;
    }
  text[4] = '\0';
  if (stratum <= 1 && printable)
    return g_strdup (text);
  if (stratum >= 2)
    return g_strdup_printf ("%u.%u.%u.%u", refid >> 24, (refid >> 16) & 0xff, (refid >> 8) & 0xff,
                            refid & 0xff);
  return g_strdup_printf ("0x%08x", refid);
}

static void
check_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CheckCall *call = user_data;
  g_autoptr (GError) error = NULL;

  call->item->result = ntpmon_probe_run_finish (NTPMON_PROBE (source), res, &error);
  if (call->item->result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    call->item->error = g_strdup_printf ("check did not finish within %u s", check_timeout_s);
  else if (call->item->result == NULL)
    call->item->error = g_strdup (error->message);
  call->item->done = TRUE;
  call->run->pending--;
  g_free (call);
}

static gboolean
item_answered (const CheckItem *item)
{
  return item->result != NULL && !item->result->no_response;
}

static void
print_json (const CheckItem *item)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;
  const NtpmonNtpResult *r = item->result;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, item->target);
  if (item->address != NULL)
    {
      g_autofree gchar *ip = g_inet_address_to_string (item->address);

      json_builder_set_member_name (b, "ip");
      json_builder_add_string_value (b, ip);
      json_builder_set_member_name (b, "port");
      json_builder_add_int_value (b, item->port);
    }
  if (r != NULL)
    {
      g_autofree gchar *refid = ntpmon_agent_check_format_refid (r->stratum, r->refid);

      if (r->has_offset)
        {
          json_builder_set_member_name (b, "offset");
          json_builder_add_double_value (b, (gdouble)r->offset_ns / 1e9);
        }
      if (r->has_rtt)
        {
          json_builder_set_member_name (b, "rtt");
          json_builder_add_double_value (b, (gdouble)r->rtt_ns / 1e9);
        }
      json_builder_set_member_name (b, "stratum");
      json_builder_add_int_value (b, r->stratum);
      json_builder_set_member_name (b, "leap");
      json_builder_add_int_value (b, r->leap);
      json_builder_set_member_name (b, "refid");
      json_builder_add_string_value (b, refid);
    }
  if (item->error != NULL || (r != NULL && r->error != NULL))
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, item->error != NULL ? item->error : r->error);
    }
  json_builder_set_member_name (b, "no_response");
  json_builder_add_boolean_value (b, !item_answered (item));
  if (r != NULL)
    {
      json_builder_set_member_name (b, "timestamps");
      json_builder_add_string_value (b,
                                     r->timestamps == NTPMON_TIMESTAMPS_KERNEL ? "kernel" : "user");
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  g_print ("%s\n", text);
}

static void
print_text (const CheckItem *item)
{
  const NtpmonNtpResult *r = item->result;

  g_print ("%s\n", item->target);
  if (r == NULL)
    {
      g_print ("  error:      %s\n\n", item->error);
      return;
    }
  if (r->has_offset)
    g_print ("  offset:     %+.9f s\n", (gdouble)r->offset_ns / 1e9);
  else
    g_print ("  offset:     -\n");
  if (r->has_rtt)
    g_print ("  rtt:        %.9f s\n", (gdouble)r->rtt_ns / 1e9);
  else
    g_print ("  rtt:        -\n");
  if (!r->no_response)
    {
      g_autofree gchar *refid = ntpmon_agent_check_format_refid (r->stratum, r->refid);

      g_print ("  stratum:    %d\n", r->stratum);
      g_print ("  leap:       %d\n", r->leap);
      g_print ("  %s %s\n", r->stratum == 0 ? "kiss code: " : "refid:     ", refid);
    }
  if (r->error != NULL)
    g_print ("  error:      %s\n", r->error);
  g_print ("  timestamps: %s\n\n", r->timestamps == NTPMON_TIMESTAMPS_KERNEL ? "kernel" : "user");
}

/**
 * ntpmon_agent_cmd_check_run:
 * @probe: the `ntp` probe, configured
 * @samples: samples per target; <= 0 for the probe's configured default
 * @targets: (array zero-terminated=1): the targets as typed
 *
 * Runs the checks to completion on the thread-default main context and
 * prints the results.
 *
 * Returns: 0 when every target answered, 1 otherwise.
 */
int
ntpmon_agent_cmd_check_run (NtpmonProbe *probe, gboolean json, gint samples, gchar **targets,
                            GError **error)
{
  g_autofree CheckItem *items = NULL;
  guint n = targets != NULL ? g_strv_length (targets) : 0;
  GMainContext *context = g_main_context_ref_thread_default ();
  CheckRun run = { probe, 0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GSource) deadline = g_timeout_source_new_seconds (check_timeout_s);
  int status = 0;

  g_return_val_if_fail (NTPMON_IS_PROBE (probe), 1);
  if (n == 0)
    {
      g_main_context_unref (context);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "expected at least one target");
      return 1;
    }

  items = g_new0 (CheckItem, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local_error = NULL;
      CheckItem *item = &items[i];
      NtpmonProbeRequest request = { 0 };
      CheckCall *call;

      item->target = targets[i];
      if (!ntpmon_agent_check_parse_target (targets[i], &item->address, &item->port, &local_error))
        {
          item->error = g_strdup (local_error->message);
          item->done = TRUE;
          continue;
        }
      request.target = item->address;
      request.port = item->port;
      request.samples = samples;
      call = g_new0 (CheckCall, 1);
      call->run = &run;
      call->item = item;
      run.pending++;
      ntpmon_probe_run_async (probe, &request, cancellable, check_done_cb, call);
    }
  g_source_set_callback (deadline, deadline_cb, cancellable, NULL);
  g_source_attach (deadline, context);
  while (run.pending > 0)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);

  for (guint i = 0; i < n; i++)
    {
      if (json)
        print_json (&items[i]);
      else
        print_text (&items[i]);
      if (!item_answered (&items[i]))
        status = 1;
      g_clear_object (&items[i].address);
      g_clear_pointer (&items[i].result, ntpmon_ntp_result_unref);
      g_free (items[i].error);
    }
  g_main_context_unref (context);
  return status;
}

static gboolean opt_json;
static gint opt_samples;

static const GOptionEntry check_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_ ("Print one JSON object per line"), NULL },
  { "samples", 0, 0, G_OPTION_ARG_INT, &opt_samples,
    N_ ("Samples per target (default: [ntp] samples, else 3)"), "N" },
  G_OPTION_ENTRY_NULL,
};

static gint
run_check (NtpmonAgentContext *ctx, gchar **args, GError **error)
{
  GKeyFile *keyfile = ntpmon_config_get_keyfile (ctx->config);
  g_autoptr (GError) load_error = NULL;
  GObject *probe;

  /* other plugins failing to load do not matter here */
  if (!ntpmon_host_apply_config (ctx->host, keyfile, &load_error))
    g_debug ("%s", load_error->message);
  probe = ntpmon_host_find_extension (ctx->host, NTPMON_TYPE_PROBE, "ntp");
  if (probe == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _ ("the ntp plugin is not loaded (see [plugins] in the config)"));
      return 1;
    }
  if (!ntpmon_probe_configure (NTPMON_PROBE (probe), keyfile, error))
    return 1;
  return ntpmon_agent_cmd_check_run (NTPMON_PROBE (probe), opt_json, opt_samples, args, error);
}

const NtpmonAgentCommand ntpmon_agent_cmd_check = {
  { "check", N_ ("TARGET..."),
    N_ ("Check NTP servers (IP, IPv4:PORT or [IPv6]:PORT) and print the results"), check_entries,
    1 },
  TRUE,
  run_check,
};
