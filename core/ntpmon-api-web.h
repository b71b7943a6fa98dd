/* ntpmon-api-web.h: the web API the agent's `setup` talks to
 *
 * SPDX-License-Identifier: MIT
 *
 * On its own HTTPS listener (same server certificate as the RPC API) it
 * serves, as spec agent.md §3 describes from the client side:
 *
 *   POST /monitor/api/registration   registration polls (Registration-ID)
 *   GET  /monitor/api/config         monitor config; with
 *                                    ?request_certificate=true a client
 *                                    certificate from the built-in CA
 *   POST /api/oidc/token             a JWT for the RPC API
 *   GET  /.well-known/jwks.json      the public keys of those JWTs
 *
 * backed by `monitor_registrations`, `api_keys`, `api_keys_monitors`,
 * `monitors` and `oidc_public_keys`. Operators decide registrations with
 * `ntppool-monitor-api registration` (ntpmon-api-registration.h).
 */
#pragma once

#include <libsoup/soup.h>

#include "ntpmon-api-config.h"
#include "ntpmon-api-jwt.h"
#include "ntpmon-ca.h"
#include "ntpmon-db.h"
#include "ntpmon-metrics.h"

G_BEGIN_DECLS

#define NTPMON_API_TYPE_WEB (ntpmon_api_web_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonApiWeb, ntpmon_api_web, NTPMON_API, WEB, GObject)

NtpmonApiWeb *ntpmon_api_web_new (const NtpmonApiConfig *config, GError **error);
const gchar *ntpmon_api_web_get_client_ca_file (NtpmonApiWeb *self);
NtpmonCa *ntpmon_api_web_get_ca (NtpmonApiWeb *self);
void ntpmon_api_web_set_metrics (NtpmonApiWeb *self, NtpmonMetrics *metrics);
gboolean ntpmon_api_web_start (NtpmonApiWeb *self, NtpmonDb *db, SoupServer *rpc,
                               NtpmonApiJwt *own_verifier, GError **error);
guint ntpmon_api_web_get_port (NtpmonApiWeb *self);

G_END_DECLS
