/* ntpmon-api-config.c: settings of `ntppool-monitor-api server`
 *
 * SPDX-License-Identifier: MIT
 *
 * The keyfile holds what has no flag:
 *
 *   [api]
 *   api-host = https://api.ntppool.dev       # JWT issuer ($API_HOST)
 *   jwks-url = https://…/.well-known/jwks.json
 *   jwks-refresh = 900                       # seconds
 *   jwks-min-interval = 30                   # seconds, refetch for unknown kid
 *   ticket-key-dir = /var/lib/ntppool-monitor-api/ticket-keys
 *   max-body = 1048576
 *   client-ca = …   monitor-domain = …   health-listen = …   metrics-listen = …
 *   db-connections = 10                      # database pool size
 *   web-listen = :8001                       # registration web API, "" = off
 *   state-dir = /var/lib/ntppool-monitor-api
 *   registration-url = <api-host>/monitor/registration/
 *
 *   [ca]
 *   dir = <state-dir>/ca                     # built-in CA and token signing key
 *   cert-lifetime = 604800                   # seconds
 *
 * With the web API on and no jwks-url, bearer tokens are verified with the
 * web API's own signing keys (the document it serves at
 * /.well-known/jwks.json).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-api-config.h"
#include "ntpmon-ca.h"

#define GROUP "api"

NtpmonApiConfig *
ntpmon_api_config_new (void)
{
  return g_new0 (NtpmonApiConfig, 1);
}

void
ntpmon_api_config_free (NtpmonApiConfig *self)
{
  g_free (self->deployment_mode);
  g_free (self->listen);
  g_free (self->metrics_listen);
  g_free (self->health_listen);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_free (self->jwt_key);
  g_free (self->client_ca);
  g_free (self->monitor_domain);
  g_free (self->api_host);
  g_free (self->jwks_url);
  g_free (self->ticket_key_dir);
  g_free (self->web_listen);
  g_free (self->state_dir);
  g_free (self->ca_dir);
  g_free (self->registration_url);
  g_clear_pointer (&self->database, ntpmon_db_config_free);
  g_free (self);
}

/**
 * ntpmon_api_config_default_api_host:
 *
 * Returns: (nullable): the web API host of a deployment environment (spec §3)
 */
const gchar *
ntpmon_api_config_default_api_host (const gchar *deployment_mode)
{
  if (g_strcmp0 (deployment_mode, "prod") == 0)
    return "https://api.ntppool.dev";
  if (g_strcmp0 (deployment_mode, "test") == 0)
    return "https://beta-api.ntppool.dev";
  if (g_strcmp0 (deployment_mode, "devel") == 0)
    return "https://dev-api.ntppool.dev";
  return NULL;
}

/**
 * ntpmon_api_config_declare_keys:
 *
 * Declares the `[api]` keys and their types on @config.
 */
void
ntpmon_api_config_declare_keys (NtpmonConfig *config)
{
  static const gchar *const strings[]
      = { "api-host",      "jwks-url",       "ticket-key-dir", "client-ca", "monitor-domain",
          "health-listen", "metrics-listen", "web-listen",     "state-dir", "registration-url" };
  static const gchar *const integers[]
      = { "jwks-refresh", "jwks-min-interval", "max-body", "db-connections" };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    ntpmon_config_add_key (config, GROUP, strings[i], NTPMON_CONFIG_STRING);
  for (guint i = 0; i < G_N_ELEMENTS (integers); i++)
    ntpmon_config_add_key (config, GROUP, integers[i], NTPMON_CONFIG_INTEGER);
  ntpmon_config_add_key (config, "ca", "dir", NTPMON_CONFIG_STRING);
  ntpmon_config_add_key (config, "ca", "cert-lifetime", NTPMON_CONFIG_INTEGER);
}

/* Sets *field from the keyfile when no flag set it, else the default. */
static void
take_string (gchar **field, NtpmonConfig *config, const gchar *key, const gchar *fallback)
{
  if (*field != NULL)
    return;
  *field = config != NULL ? ntpmon_config_get_string (config, GROUP, key, fallback)
                          : g_strdup (fallback);
}

static const gchar *
nonempty_env (const gchar *name)
{
  const gchar *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

static gboolean
positive (NtpmonConfig *config, const gchar *key, gint fallback, guint *out, GError **error)
{
  gint value = config != NULL ? ntpmon_config_get_integer (config, GROUP, key, fallback) : fallback;

  if (value <= 0)
    {
      g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_VALUE,
                   _ ("[%s] %s must be a positive number"), GROUP, key);
      return FALSE;
    }
  *out = (guint)value;
  return TRUE;
}

static gboolean
resolve_web (NtpmonApiConfig *self, NtpmonConfig *config, GError **error)
{
  g_autofree gchar *ca_default = NULL;
  g_autofree gchar *url_default = NULL;
  gint lifetime;

  take_string (&self->state_dir, config, "state-dir", "/var/lib/ntppool-monitor-api");
  ca_default = g_build_filename (self->state_dir, "ca", NULL);
  if (self->ca_dir == NULL)
    self->ca_dir = config != NULL ? ntpmon_config_get_string (config, "ca", "dir", ca_default)
                                  : g_strdup (ca_default);
  url_default = g_strconcat (self->api_host, "/monitor/registration/", NULL);
  take_string (&self->registration_url, config, "registration-url", url_default);
  lifetime = config != NULL ? ntpmon_config_get_integer (config, "ca", "cert-lifetime",
                                                         NTPMON_CA_DEFAULT_LIFETIME)
                            : NTPMON_CA_DEFAULT_LIFETIME;
  if (lifetime < 60)
    {
      g_set_error_literal (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_VALUE,
                           _ ("[ca] cert-lifetime must be at least 60 seconds"));
      return FALSE;
    }
  self->cert_lifetime = (guint)lifetime;
  return TRUE;
}

/**
 * ntpmon_api_config_resolve:
 * @config: (nullable): the loaded keyfile config
 *
 * Fills what flags left unset from the environment, @config and defaults,
 * and checks the deployment mode.
 */
gboolean
ntpmon_api_config_resolve (NtpmonApiConfig *self, NtpmonConfig *config, GError **error)
{
  g_autofree gchar *jwks_default = NULL;
  guint max_body;

  /* the flag, else the variable, else devel; set but empty is refused */
  if (self->deployment_mode == NULL)
    self->deployment_mode = g_strdup (g_getenv ("DEPLOYMENT_MODE"));
  if (self->deployment_mode == NULL)
    self->deployment_mode = g_strdup ("devel");
  if (*self->deployment_mode == '\0')
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "deployment_mode configuration required");
      return FALSE;
    }
  if (ntpmon_api_config_default_api_host (self->deployment_mode) == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("invalid deployment mode \"%s\" (valid: devel, test, prod)"),
                   self->deployment_mode);
      return FALSE;
    }
  if (self->jwt_key == NULL)
    self->jwt_key = g_strdup (g_getenv ("JWT_KEY"));
  if (self->listen == NULL)
    self->listen = g_strdup (":8000");
  if (self->tls_cert == NULL)
    self->tls_cert = g_strdup ("/etc/tls/tls.crt");
  if (self->tls_key == NULL)
    self->tls_key = g_strdup ("/etc/tls/tls.key");
  take_string (&self->client_ca, config, "client-ca", NTPMON_PKGDATADIR "/ntppool-ca.pem");
  take_string (&self->monitor_domain, config, "monitor-domain", "mon.ntppool.dev");
  take_string (&self->health_listen, config, "health-listen", ":8080");
  if (!self->metrics_port_given)
    take_string (&self->metrics_listen, config, "metrics-listen", NULL);
  if (self->api_host == NULL && nonempty_env ("API_HOST") != NULL)
    self->api_host = g_strdup (nonempty_env ("API_HOST"));
  take_string (&self->api_host, config, "api-host",
               ntpmon_api_config_default_api_host (self->deployment_mode));
  take_string (&self->web_listen, config, "web-listen", ":8001");
  jwks_default = g_strconcat (self->api_host, "/.well-known/jwks.json", NULL);
  take_string (&self->jwks_url, config, "jwks-url", NULL);
  /* with the web API on, tokens are checked against its own keys (those it
   * publishes at the default URL) unless a JWKS URL is configured */
  self->jwks_own = *self->web_listen != '\0' && self->jwks_url == NULL;
  if (self->jwks_url == NULL)
    self->jwks_url = g_steal_pointer (&jwks_default);
  take_string (&self->ticket_key_dir, config, "ticket-key-dir",
               "/var/lib/ntppool-monitor-api/ticket-keys");
  if (!positive (config, "jwks-refresh", 15 * 60, &self->jwks_refresh, error)
      || !positive (config, "jwks-min-interval", 30, &self->jwks_min_interval, error)
      || !positive (config, "max-body", 1024 * 1024, &max_body, error)
      || !positive (config, "db-connections", 10, &self->db_connections, error))
    return FALSE;
  self->max_body = max_body;
  return resolve_web (self, config, error);
}

/**
 * ntpmon_api_config_load_database:
 * @yaml_files: candidate database.yaml paths; the first that exists is read
 *
 * Resolves the database settings as spec §2.2 (the DB layer's
 * ntpmon_db_config_load() with `$DATABASE_DSN`).
 */
gboolean
ntpmon_api_config_load_database (NtpmonApiConfig *self, const gchar *const *yaml_files,
                                 GError **error)
{
  NtpmonDbConfig *database = ntpmon_db_config_load (yaml_files, g_getenv ("DATABASE_DSN"), error);

  if (database == NULL)
    return FALSE;
  g_clear_pointer (&self->database, ntpmon_db_config_free);
  self->database = database;
  return TRUE;
}
