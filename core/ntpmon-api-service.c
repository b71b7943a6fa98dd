/* ntpmon-api-service.c: the running `ntppool-monitor-api server`
 *
 * SPDX-License-Identifier: MIT
 *
 * Start-up follows spec api-server.md §2.5: server certificate (exit 2 on
 * failure), database settings and a ping (exit 2), own TLS name, then the metrics,
 * health and RPC listeners (exit 2 when a port cannot be bound). A JWKS
 * that cannot be fetched does not stop the server: tokens are refused until
 * a refresh succeeds. SIGINT/SIGTERM stop it, SIGHUP re-reads the keyfile
 * and the certificate files.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "ntpmon-api-auth.h"
#include "ntpmon-api-handlers.h"
#include "ntpmon-api-keys-file.h"
#include "ntpmon-api-ops.h"
#include "ntpmon-api-server.h"
#include "ntpmon-api-service.h"
#include "ntpmon-api-web.h"
#include "ntpmon-db.h"
#include "ntpmon-host.h"

typedef struct
{
  GMainLoop *loop;
  NtpmonConfig *keyfile;
  NtpmonApiServer *server;
} Service;

static gboolean
on_stop (gpointer user_data)
{
  Service *service = user_data;

  g_message ("shutting down");
#ifdef HAVE_LIBSYSTEMD
  sd_notify (0, "STOPPING=1");
#endif
  g_main_loop_quit (service->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_hangup (gpointer user_data)
{
  Service *service = user_data;
  g_autoptr (GError) error = NULL;

  g_message ("SIGHUP: reloading");
  if (service->keyfile != NULL)
    ntpmon_config_reload (service->keyfile);
  if (!ntpmon_api_server_reload_tls (service->server, &error))
    g_message ("server certificate not reloaded: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static void
on_config_changed (NtpmonConfig *keyfile, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!ntpmon_host_apply_config (user_data, ntpmon_config_get_keyfile (keyfile), &error))
    g_message ("plugins: %s", error->message);
}

static gint
startup_failure (GError **error, GError *cause, const gchar *what)
{
  g_set_error (error, cause->domain, cause->code, "%s: %s", what, cause->message);
  g_error_free (cause);
  return NTPMON_API_EXIT_STARTUP;
}

static NtpmonApiKeyStore *
open_key_store (NtpmonApiConfig *config, GError **error)
{
  g_autoptr (NtpmonApiKeyFileStore) store = ntpmon_api_key_file_store_new (config->ticket_key_dir);
  g_autoptr (GBytes) secret = NULL;
  g_autoptr (GError) local_error = NULL;
  guint version;

  if (ntpmon_api_key_store_get_latest (NTPMON_API_KEY_STORE (store), &version, &secret,
                                       &local_error))
    return NTPMON_API_KEY_STORE (g_steal_pointer (&store));
  /* An empty or missing directory gets its first key, as the reference
   * creates the first Vault secret version. */
  if (!g_error_matches (local_error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_NO_KEY)
      && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!ntpmon_api_key_file_store_add_key (store, &version, error))
    return NULL;
  g_message ("created ticket key version %u in %s", version, config->ticket_key_dir);
  return NTPMON_API_KEY_STORE (g_steal_pointer (&store));
}

static gchar *
own_tls_name (NtpmonApiServer *server)
{
  g_auto (GStrv) names
      = ntpmon_api_certificate_dns_names (ntpmon_api_server_get_certificate (server), NULL);

  return names != NULL && names[0] != NULL ? g_strdup (names[0]) : NULL;
}

/* GetConfig, GetServers, SubmitResults (the status scorer comes from the
 * scorer plugin). */
static gboolean
register_rpc_handlers (NtpmonApiConfig *config, NtpmonHost *host, NtpmonApiServer *server,
                       NtpmonDb *db, NtpmonApiKeyStore *keys, NtpmonMetrics *metrics,
                       GError **error)
{
  g_autoptr (NtpmonScorer) scorer = NULL;
  g_autoptr (NtpmonApiHandlers) handlers = NULL;

  if (host == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no plugin host");
      return FALSE;
    }
  scorer = ntpmon_api_handlers_find_status_scorer (ntpmon_host_get_engine (host), error);
  if (scorer == NULL)
    return FALSE;
  handlers = ntpmon_api_handlers_new (db, keys, scorer, metrics, config->jwt_key,
                                      config->deployment_mode);
  return ntpmon_api_handlers_register (handlers, server, error);
}

/**
 * ntpmon_api_service_run:
 * @keyfile: (nullable): the loaded keyfile config, watched for changes
 * @host: (nullable): the plugin host, configured from @keyfile
 *
 * Runs the server until SIGINT/SIGTERM.
 *
 * Returns: the exit code (with @error set when it is not 0)
 */
gint
ntpmon_api_service_run (NtpmonApiConfig *config, NtpmonConfig *keyfile, NtpmonHost *host,
                        GError **error)
{
  static const gchar *const yaml_files[]
      = { "database.yaml", "/vault/secrets/database.yaml", NULL };
  g_autoptr (NtpmonMetrics) metrics = ntpmon_metrics_new ();
  g_autoptr (NtpmonApiAuth) auth = NULL;
  g_autoptr (NtpmonApiJwt) jwt = NULL;
  g_autoptr (NtpmonApiServer) server = NULL;
  g_autoptr (NtpmonApiKeyStore) keys = NULL;
  g_autoptr (NtpmonDb) db = NULL;
  g_autoptr (NtpmonApiWeb) web = NULL;
  g_autoptr (SoupServer) metrics_server = NULL;
  g_autoptr (SoupServer) health_server = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gchar *tls_name = NULL;
  g_autofree gchar *metrics_address = NULL;
  GError *cause = NULL;
  Service service = { loop, keyfile, NULL };
  guint sources[3];

  auth = ntpmon_api_auth_new (config->client_ca, config->monitor_domain, &cause);
  if (auth == NULL)
    return startup_failure (error, cause, _ ("client CA bundle"));
  server = ntpmon_api_server_new (auth, metrics);
  ntpmon_metric_set (ntpmon_metrics_gauge (metrics, "monitorapi_build_info", "Build information.",
                                           (const gchar *[]){ "version", NULL }),
                     (const gchar *[]){ PACKAGE_VERSION }, 1);
  service.server = server;
  ntpmon_api_server_set_max_body (server, config->max_body);
  if (!ntpmon_api_server_set_tls_files (server, config->tls_cert, config->tls_key, &cause))
    return startup_failure (error, cause, "certificate error");

  if (!ntpmon_api_config_load_database (config, yaml_files, &cause))
    return startup_failure (error, cause, _ ("database"));
  db = ntpmon_db_new (config->database, config->db_connections);
  if (!ntpmon_db_ping (db, NULL, &cause))
    return startup_failure (error, cause, _ ("database"));

  tls_name = own_tls_name (server);
  g_message ("server TLS name %s, deployment mode %s", tls_name ? tls_name : "(none)",
             config->deployment_mode);

  /* the web API's CA is trusted beside the configured bundle */
  if (*config->web_listen != '\0'
      && ((web = ntpmon_api_web_new (config, &cause)) == NULL
          || !ntpmon_api_auth_set_ca_file (auth, ntpmon_api_web_get_client_ca_file (web), &cause)))
    return startup_failure (error, cause, _ ("certificate authority"));

  if (config->jwks_own && web != NULL)
    {
      jwt = ntpmon_api_jwt_new ("", config->api_host);
      ntpmon_api_auth_set_jwt (auth, jwt);
    }
  else if (config->jwks_url != NULL && *config->jwks_url != '\0')
    {
      jwt = ntpmon_api_jwt_new (config->jwks_url, config->api_host);
      ntpmon_api_jwt_set_refresh (jwt, config->jwks_refresh, config->jwks_min_interval);
      ntpmon_api_jwt_start (jwt);
      ntpmon_api_auth_set_jwt (auth, jwt);
    }
  else
    g_message ("no JWKS URL: bearer tokens are not accepted");

  keys = open_key_store (config, &cause);
  if (keys == NULL)
    return startup_failure (error, cause, _ ("ticket keys"));

  if (host != NULL && keyfile != NULL)
    {
      if (!ntpmon_host_apply_config (host, ntpmon_config_get_keyfile (keyfile), &cause))
        return startup_failure (error, cause, _ ("plugins"));
      g_signal_connect (keyfile, "changed", G_CALLBACK (on_config_changed), host);
      ntpmon_config_watch (keyfile, 300);
    }
  if (!register_rpc_handlers (config, host, server, db, keys, metrics, &cause))
    return startup_failure (error, cause, _ ("RPC handlers"));

  metrics_address = config->metrics_listen != NULL ? g_strdup (config->metrics_listen)
                                                   : g_strdup_printf (":%u", config->metrics_port);
  if (config->metrics_listen != NULL || config->metrics_port != 0)
    {
      metrics_server = ntpmon_api_metrics_server_new (metrics);
      if (!ntpmon_api_listen (metrics_server, metrics_address, 0, &cause))
        return startup_failure (error, cause, _ ("metrics listener"));
    }
  if (web != NULL)
    ntpmon_api_web_set_metrics (web, metrics);
  if (web != NULL
      && !ntpmon_api_web_start (web, db, ntpmon_api_server_get_soup_server (server),
                                config->jwks_own ? jwt : NULL, &cause))
    return startup_failure (error, cause, _ ("web API"));
  health_server = ntpmon_api_health_server_new ();
  if (!ntpmon_api_listen (health_server, config->health_listen, 0, &cause))
    return startup_failure (error, cause, _ ("health listener"));
  if (!ntpmon_api_server_listen (server, config->listen, &cause))
    return startup_failure (error, cause, _ ("RPC listener"));

  g_message ("ready: RPC on %s (port %u), health on %s (port %u), metrics on port %u",
             config->listen, ntpmon_api_server_get_port (server), config->health_listen,
             ntpmon_api_listening_port (health_server),
             metrics_server != NULL ? ntpmon_api_listening_port (metrics_server) : 0);
#ifdef HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1");
#endif
  sources[0] = g_unix_signal_add (SIGINT, on_stop, &service);
  sources[1] = g_unix_signal_add (SIGTERM, on_stop, &service);
  sources[2] = g_unix_signal_add (SIGHUP, on_hangup, &service);
  g_main_loop_run (loop);
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_source_remove (sources[i]);
  soup_server_disconnect (ntpmon_api_server_get_soup_server (server));
  return NTPMON_API_EXIT_OK;
}
