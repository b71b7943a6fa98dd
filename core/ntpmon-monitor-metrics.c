/* ntpmon-monitor-metrics.c: the agent's metrics (agent.md §7.2) and its
 * optional Prometheus endpoint
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ntpmon-monitor-metrics.h"

struct _NtpmonMonitorMetrics
{
  NtpmonMetrics *registry;
  NtpmonMetric *local_up;
  NtpmonMetric *local_time;
  NtpmonMetric *checked;
  NtpmonMetric *queries;
  NtpmonMetric *rpc;
  NtpmonMetric *cert_expiry;
  NtpmonMetric *spool_batches;
  NtpmonMetric *spool_dropped;
  NtpmonMetric *spool_write_failures;
  NtpmonMonitorSpool *spool;
  NtpmonState *state;
  SoupServer *server;
};

NtpmonMonitorMetrics *
ntpmon_monitor_metrics_new (void)
{
  NtpmonMonitorMetrics *self = g_new0 (NtpmonMonitorMetrics, 1);
  const gchar *const host_labels[] = { "host", "ip_version", NULL };
  const gchar *const version_label[] = { "ip_version", NULL };
  const gchar *const rpc_labels[] = { "type", "status_code", NULL };
  const gchar *const none[] = { NULL };

  self->registry = ntpmon_metrics_new ();
  self->local_up = ntpmon_metrics_gauge (self->registry, "monitor_local_check_up",
                                         "1 when the local clock check host passed.", host_labels);
  self->local_time
      = ntpmon_metrics_gauge (self->registry, "monitor_local_check_time",
                              "Unix time the local clock check of the host started.", host_labels);
  self->checked = ntpmon_metrics_counter (self->registry, "monitor_servers_checked_total",
                                          "NTP checks of servers run.", version_label);
  self->queries = ntpmon_metrics_counter (self->registry, "monitor_ntp_queries_sent_total",
                                          "NTP queries sent.", version_label);
  self->rpc = ntpmon_metrics_counter (self->registry, "monitor_rpc_requests_total",
                                      "Monitor RPC API calls.", rpc_labels);
  self->cert_expiry = ntpmon_metrics_gauge (self->registry, "monitor_ssl_earliest_cert_expiry",
                                            "Unix time the client certificate expires.", none);
  self->spool_batches = ntpmon_metrics_gauge (self->registry, "monitor_spool_batches",
                                              "Batches waiting in the spool.", none);
  self->spool_dropped = ntpmon_metrics_gauge (
      self->registry, "monitor_spool_dropped_total",
      "Spooled batches given up (spool full or rejected by the API).", none);
  self->spool_write_failures
      = ntpmon_metrics_gauge (self->registry, "monitor_spool_write_failures_total",
                              "Batches that could not be written to the spool.", none);
  return self;
}

void
ntpmon_monitor_metrics_free (NtpmonMonitorMetrics *self)
{
  if (self == NULL)
    return;
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->spool);
  g_clear_object (&self->state);
  ntpmon_metrics_unref (self->registry);
  g_free (self);
}

NtpmonMetrics *
ntpmon_monitor_metrics_get_registry (NtpmonMonitorMetrics *self)
{
  return self->registry;
}

void
ntpmon_monitor_metrics_set_sources (NtpmonMonitorMetrics *self, NtpmonMonitorSpool *spool,
                                    NtpmonState *state)
{
  g_set_object (&self->spool, spool);
  g_set_object (&self->state, state);
}

void
ntpmon_monitor_metrics_rpc (NtpmonMonitorMetrics *self, const gchar *type, gboolean ok)
{
  if (self != NULL)
    ntpmon_metric_add (self->rpc, (const gchar *const[]){ type, ok ? "success" : "error" }, 1);
}

void
ntpmon_monitor_metrics_checked (NtpmonMonitorMetrics *self, gboolean ipv6, guint checks,
                                guint queries)
{
  const gchar *const labels[] = { ipv6 ? "ipv6" : "ipv4" };

  if (self == NULL)
    return;
  ntpmon_metric_add (self->checked, labels, checks);
  ntpmon_metric_add (self->queries, labels, queries);
}

void
ntpmon_monitor_metrics_local_check (NtpmonMonitorMetrics *self, const gchar *host, gboolean ipv6,
                                    gboolean up, gint64 started_unix)
{
  const gchar *const labels[] = { host, ipv6 ? "v6" : "v4" };

  if (self == NULL)
    return;
  ntpmon_metric_set (self->local_up, labels, up ? 1 : 0);
  ntpmon_metric_set (self->local_time, labels, (gdouble)started_unix);
}

gchar *
ntpmon_monitor_metrics_render (NtpmonMonitorMetrics *self)
{
  gint64 not_after = 0;

  if (self->spool != NULL)
    {
      ntpmon_metric_set (self->spool_batches, NULL, ntpmon_monitor_spool_get_length (self->spool));
      ntpmon_metric_set (self->spool_dropped, NULL,
                         (gdouble)ntpmon_monitor_spool_get_dropped (self->spool));
      ntpmon_metric_set (self->spool_write_failures, NULL,
                         (gdouble)ntpmon_monitor_spool_get_write_failures (self->spool));
    }
  if (self->state != NULL && ntpmon_state_have_certificate (self->state)
      && ntpmon_state_certificate_dates (self->state, NULL, &not_after, NULL))
    ntpmon_metric_set (self->cert_expiry, NULL, (gdouble)not_after);
  return ntpmon_metrics_render (self->registry);
}

static void
handle_metrics (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  gchar *text;

  if (g_strcmp0 (path, "/metrics") != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  text = ntpmon_monitor_metrics_render (user_data);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, NTPMON_METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

gboolean
ntpmon_monitor_metrics_listen (NtpmonMonitorMetrics *self, const gchar *address, guint16 *port,
                               GError **error)
{
  g_autoptr (GSocketConnectable) parsed = g_network_address_parse (address, 0, error);
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSList) uris = NULL;

  if (parsed == NULL)
    return FALSE;
  inet = g_inet_address_new_from_string (
      g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("[metrics] listen: “%s” is not an IP address and port"), address);
      return FALSE;
    }
  sa = g_inet_socket_address_new (inet, g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
  self->server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (self->server, NULL, handle_metrics, self, NULL);
  if (!soup_server_listen (self->server, sa, 0, error))
    {
      g_clear_object (&self->server);
      return FALSE;
    }
  uris = soup_server_get_uris (self->server);
  if (port != NULL)
    *port = uris != NULL ? (guint16)g_uri_get_port (uris->data) : 0;
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify)g_uri_unref);
  return TRUE;
}
