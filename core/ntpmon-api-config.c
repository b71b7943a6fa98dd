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
 *
 * database.yaml (spec §2.2) is YAML: `mysql: {dsn, user, pass, dbname}`.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <yaml.h>

#include "ntpmon-api-config.h"

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
  g_free (self->database_file);
  g_free (self->database_dsn);
  g_free (self->database_user);
  g_free (self->database_pass);
  g_free (self->database_name);
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
      = { "api-host",       "jwks-url",      "ticket-key-dir", "client-ca",
          "monitor-domain", "health-listen", "metrics-listen" };
  static const gchar *const integers[] = { "jwks-refresh", "jwks-min-interval", "max-body" };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    ntpmon_config_add_key (config, GROUP, strings[i], NTPMON_CONFIG_STRING);
  for (guint i = 0; i < G_N_ELEMENTS (integers); i++)
    ntpmon_config_add_key (config, GROUP, integers[i], NTPMON_CONFIG_INTEGER);
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

  if (self->deployment_mode == NULL)
    self->deployment_mode = g_strdup (g_getenv ("DEPLOYMENT_MODE"));
  if (self->deployment_mode == NULL || *self->deployment_mode == '\0')
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
  take_string (&self->metrics_listen, config, "metrics-listen", NULL);
  if (self->api_host == NULL && nonempty_env ("API_HOST") != NULL)
    self->api_host = g_strdup (nonempty_env ("API_HOST"));
  take_string (&self->api_host, config, "api-host",
               ntpmon_api_config_default_api_host (self->deployment_mode));
  jwks_default = g_strconcat (self->api_host, "/.well-known/jwks.json", NULL);
  take_string (&self->jwks_url, config, "jwks-url", jwks_default);
  take_string (&self->ticket_key_dir, config, "ticket-key-dir",
               "/var/lib/ntppool-monitor-api/ticket-keys");
  if (!positive (config, "jwks-refresh", 15 * 60, &self->jwks_refresh, error)
      || !positive (config, "jwks-min-interval", 30, &self->jwks_min_interval, error)
      || !positive (config, "max-body", 1024 * 1024, &max_body, error))
    return FALSE;
  self->max_body = max_body;
  return TRUE;
}

static yaml_node_t *
mapping_get (yaml_document_t *doc, yaml_node_t *map, const gchar *key)
{
  if (map == NULL || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
       pair++)
    {
      yaml_node_t *k = yaml_document_get_node (doc, pair->key);

      if (k != NULL && k->type == YAML_SCALAR_NODE
          && g_strcmp0 ((const gchar *)k->data.scalar.value, key) == 0)
        return yaml_document_get_node (doc, pair->value);
    }
  return NULL;
}

/* A scalar member of `mysql`; absent or empty gives NULL. */
static gchar *
mysql_value (yaml_document_t *doc, yaml_node_t *mysql, const gchar *key)
{
  yaml_node_t *node = mapping_get (doc, mysql, key);

  if (node == NULL || node->type != YAML_SCALAR_NODE || node->data.scalar.length == 0)
    return NULL;
  return g_strndup ((const gchar *)node->data.scalar.value, node->data.scalar.length);
}

static gboolean
parse_database_yaml (NtpmonApiConfig *self, const gchar *path, GError **error)
{
  g_autofree gchar *text = NULL;
  gsize len;
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_node_t *root, *mysql;
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &text, &len, error))
    return FALSE;
  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const guchar *)text, len);
  if (!yaml_parser_load (&parser, &doc))
    {
      g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_PARSE, _ ("%s: %s (line %zu)"),
                   path, parser.problem != NULL ? parser.problem : "bad YAML",
                   parser.problem_mark.line + 1);
      yaml_parser_delete (&parser);
      return FALSE;
    }
  root = yaml_document_get_root_node (&doc);
  mysql = mapping_get (&doc, root, "mysql");
  if (root != NULL && (mysql == NULL || mysql->type != YAML_MAPPING_NODE))
    {
      g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_PARSE,
                   _ ("%s: no \"mysql\" mapping"), path);
      ok = FALSE;
    }
  else if (root != NULL)
    {
      self->database_dsn = mysql_value (&doc, mysql, "dsn");
      self->database_user = mysql_value (&doc, mysql, "user");
      self->database_pass = mysql_value (&doc, mysql, "pass");
      self->database_name = mysql_value (&doc, mysql, "dbname");
      self->database_file = g_strdup (path);
    }
  yaml_document_delete (&doc);
  yaml_parser_delete (&parser);
  return ok;
}

/**
 * ntpmon_api_config_load_database:
 * @yaml_files: candidate database.yaml paths; the first that exists is read
 *
 * Resolves the database settings: `mysql.dsn` of the file, else
 * `$DATABASE_DSN`; the file's user, pass and dbname override the DSN's.
 * No file is fine when `$DATABASE_DSN` is set; no DSN at all is an error.
 */
gboolean
ntpmon_api_config_load_database (NtpmonApiConfig *self, const gchar *const *yaml_files,
                                 GError **error)
{
  g_clear_pointer (&self->database_dsn, g_free);
  for (guint i = 0; yaml_files != NULL && yaml_files[i] != NULL; i++)
    if (g_file_test (yaml_files[i], G_FILE_TEST_EXISTS))
      {
        if (!parse_database_yaml (self, yaml_files[i], error))
          return FALSE;
        break;
      }
  if (self->database_dsn == NULL && nonempty_env ("DATABASE_DSN") != NULL)
    self->database_dsn = g_strdup (nonempty_env ("DATABASE_DSN"));
  if (self->database_dsn == NULL)
    {
      g_set_error_literal (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_VALUE,
                           _ ("no database configured: set DATABASE_DSN or mysql.dsn in "
                              "database.yaml"));
      return FALSE;
    }
  return TRUE;
}
