/* ntpmon-api-server.h: the HTTPS listener of the monitor RPC API
 *
 * SPDX-License-Identifier: MIT
 *
 * Routes map exact paths to handlers. Every request under the RPC prefixes
 * (`/monitor.v2.MonitorService/`, `/api/v1/`) is authenticated first
 * (spec api-server.md §4.4, §5.1); unknown paths and failed authentication
 * get the protocol's error JSON. Request counts and latencies per route
 * and HTTP status go into the metrics registry.
 */
#pragma once

#include <libsoup/soup.h>

#include "ntpmon-api-auth.h"
#include "ntpmon-api-request.h"
#include "ntpmon-metrics.h"

G_BEGIN_DECLS

#define NTPMON_API_CONNECT_PREFIX "/monitor.v2.MonitorService/"
#define NTPMON_API_TWIRP_PREFIX   "/api/v1/"

/**
 * NtpmonApiHandler:
 * @request: the authenticated request; take a reference to keep it
 *
 * Handles one request. It must eventually call ntpmon_api_request_reply()
 * or ntpmon_api_request_reply_error(), from any thread.
 */
typedef void (*NtpmonApiHandler) (NtpmonApiRequest *request, gpointer user_data);

#define NTPMON_API_TYPE_SERVER (ntpmon_api_server_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonApiServer, ntpmon_api_server, NTPMON_API, SERVER, GObject)

NtpmonApiServer *ntpmon_api_server_new (NtpmonApiAuth *auth, NtpmonMetrics *metrics);
gboolean ntpmon_api_server_set_tls_files (NtpmonApiServer *self, const gchar *cert_file,
                                          const gchar *key_file, GError **error);
gboolean ntpmon_api_server_reload_tls (NtpmonApiServer *self, GError **error);
GTlsCertificate *ntpmon_api_server_get_certificate (NtpmonApiServer *self);
void ntpmon_api_server_set_max_body (NtpmonApiServer *self, gsize max_body);
gsize ntpmon_api_server_get_max_body (NtpmonApiServer *self);

void ntpmon_api_server_add_route (NtpmonApiServer *self, const gchar *path,
                                  NtpmonApiHandler handler, gpointer user_data,
                                  GDestroyNotify destroy);
gboolean ntpmon_api_server_listen (NtpmonApiServer *self, const gchar *address, GError **error);
guint ntpmon_api_server_get_port (NtpmonApiServer *self);
SoupServer *ntpmon_api_server_get_soup_server (NtpmonApiServer *self);

void ntpmon_api_restrict_tls_versions (void);
gboolean ntpmon_api_listen (SoupServer *server, const gchar *address,
                            SoupServerListenOptions options, GError **error);
guint ntpmon_api_listening_port (SoupServer *server);

G_END_DECLS
