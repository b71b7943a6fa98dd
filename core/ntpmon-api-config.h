/* ntpmon-api-config.h: settings of `ntppool-monitor-api server`
 *
 * SPDX-License-Identifier: MIT
 *
 * Sources, strongest first: command-line flags, environment
 * (`DEPLOYMENT_MODE`, `JWT_KEY`, `API_HOST`, `DATABASE_DSN`), the keyfile
 * (`/etc/ntppool-monitor/monitor-api.conf` and its `.d/` drop-ins), then
 * built-in defaults (spec api-server.md §2).
 */
#pragma once

#include "ntpmon-config.h"
#include "ntpmon-db-config.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *deployment_mode;      /* devel, test or prod */
  gchar *listen;               /* RPC, default ":8000" */
  guint metrics_port;          /* default 9000; 0 disables the metrics server */
  gboolean metrics_port_given; /* --metrics-port: beats the file's metrics-listen */
  gchar *metrics_listen;       /* when set, overrides metrics_port, e.g. "127.0.0.1:9000" */
  gchar *health_listen;        /* default ":8080" */
  gchar *tls_cert;
  gchar *tls_key;
  gchar *jwt_key; /* HMAC key for MQTT JWTs (raw bytes of the string) */
  gchar *client_ca;
  gchar *monitor_domain;
  gchar *api_host; /* web API base URL: JWT issuer */
  gchar *jwks_url; /* empty disables bearer tokens */
  guint jwks_refresh;
  guint jwks_min_interval;
  gchar *ticket_key_dir;
  guint64 max_body;

  /* registration web API and built-in CA (ntpmon-api-web.h, ntpmon-ca.h) */
  gchar *web_listen;       /* default ":8001"; "" disables the web API and the CA */
  gchar *state_dir;        /* default /var/lib/ntppool-monitor-api */
  gchar *ca_dir;           /* [ca] dir, default <state_dir>/ca */
  guint cert_lifetime;     /* [ca] cert-lifetime, seconds, default 7 days */
  gchar *registration_url; /* URL shown by `setup`, the registration id appended */
  gboolean jwks_own;       /* no JWKS URL configured: verify with the web API's own keys */

  NtpmonDbConfig *database; /* after ntpmon_api_config_load_database() */
  guint db_connections;     /* pool size, default 10 */
} NtpmonApiConfig;

NtpmonApiConfig *ntpmon_api_config_new (void);
void ntpmon_api_config_free (NtpmonApiConfig *self);

const gchar *ntpmon_api_config_default_api_host (const gchar *deployment_mode);
void ntpmon_api_config_declare_keys (NtpmonConfig *config);
gboolean ntpmon_api_config_resolve (NtpmonApiConfig *self, NtpmonConfig *config, GError **error);
gboolean ntpmon_api_config_load_database (NtpmonApiConfig *self, const gchar *const *yaml_files,
                                          GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiConfig, ntpmon_api_config_free)

G_END_DECLS
