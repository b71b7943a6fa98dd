/* ntpmon-api-ops.c: the plain-HTTP operations endpoints (health, metrics)
 *
 * SPDX-License-Identifier: MIT
 *
 * Health (spec api-server.md §14): `GET /__health` answers 200 `ok`, with
 * no dependency checks. Metrics (§13): `GET /metrics` in the Prometheus
 * text format. Anything else is 404; methods other than GET/HEAD are 405.
 */
#include "config.h"

#include <string.h>

#include "ntpmon-api-ops.h"

static gboolean
check_request (SoupServerMessage *msg, const char *path, const gchar *want)
{
  const gchar *method = soup_server_message_get_method (msg);

  if (g_strcmp0 (path, want) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return FALSE;
    }
  if (g_strcmp0 (method, SOUP_METHOD_GET) != 0 && g_strcmp0 (method, SOUP_METHOD_HEAD) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
health_callback (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  if (!check_request (msg, path, NTPMON_API_HEALTH_PATH))
    return;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC, "ok", 2);
}

/**
 * ntpmon_api_health_server_new:
 *
 * Returns: (transfer full): a server answering the health check; make it
 *   listen with ntpmon_api_listen()
 */
SoupServer *
ntpmon_api_health_server_new (void)
{
  SoupServer *server = soup_server_new ("server-header", NULL, NULL);

  soup_server_add_handler (server, NULL, health_callback, NULL, NULL);
  return server;
}

static void
metrics_callback (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                  gpointer user_data)
{
  gchar *text;

  if (!check_request (msg, path, NTPMON_API_METRICS_PATH))
    return;
  text = ntpmon_metrics_render (user_data);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, NTPMON_METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

/**
 * ntpmon_api_metrics_server_new:
 *
 * Returns: (transfer full): a server exposing @metrics
 */
SoupServer *
ntpmon_api_metrics_server_new (NtpmonMetrics *metrics)
{
  SoupServer *server = soup_server_new ("server-header", NULL, NULL);

  soup_server_add_handler (server, NULL, metrics_callback, ntpmon_metrics_ref (metrics),
                           (GDestroyNotify)ntpmon_metrics_unref);
  return server;
}
