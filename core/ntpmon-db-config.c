/* ntpmon-db-config.c: Go MySQL driver DSN and database.yaml
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <yaml.h>

#include "ntpmon-db-config.h"
#include "ntpmon-db-error.h"

#define DEFAULT_PORT   3306
#define DEFAULT_SOCKET "/tmp/mysql.sock"

void
ntpmon_db_config_free (NtpmonDbConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->user);
  if (config->password != NULL)
    explicit_bzero (config->password, strlen (config->password));
  g_free (config->password);
  g_free (config->net);
  g_free (config->host);
  g_free (config->socket);
  g_free (config->dbname);
  g_clear_pointer (&config->params, g_hash_table_unref);
  g_free (config->yaml_path);
  g_free (config->env_dsn);
  g_free (config);
}

NtpmonDbConfig *
ntpmon_db_config_copy (const NtpmonDbConfig *config)
{
  NtpmonDbConfig *copy = g_new0 (NtpmonDbConfig, 1);
  GHashTableIter iter;
  gpointer key, value;

  *copy = *config;
  copy->user = g_strdup (config->user);
  copy->password = g_strdup (config->password);
  copy->net = g_strdup (config->net);
  copy->host = g_strdup (config->host);
  copy->socket = g_strdup (config->socket);
  copy->dbname = g_strdup (config->dbname);
  copy->yaml_path = g_strdup (config->yaml_path);
  copy->env_dsn = g_strdup (config->env_dsn);
  copy->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, config->params);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->params, g_strdup (key), g_strdup (value));
  return copy;
}

const gchar *
ntpmon_db_config_get_param (const NtpmonDbConfig *config, const gchar *name)
{
  return g_hash_table_lookup (config->params, name);
}

/**
 * ntpmon_db_config_describe:
 *
 * Returns: a text for logs naming user, address and database, never the
 *   password.
 */
gchar *
ntpmon_db_config_describe (const NtpmonDbConfig *config)
{
  g_autofree gchar *addr = NULL;

  if (g_strcmp0 (config->net, "unix") == 0)
    addr = g_strdup_printf ("unix(%s)", config->socket);
  else if (strchr (config->host, ':') != NULL)
    addr = g_strdup_printf ("tcp([%s]:%u)", config->host, config->port);
  else
    addr = g_strdup_printf ("tcp(%s:%u)", config->host, config->port);
  return g_strdup_printf ("%s@%s/%s", config->user ? config->user : "", addr,
                          config->dbname ? config->dbname : "");
}

static gboolean set_config_error (GError **error, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_config_error (GError **error, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_CONFIG, msg);
  return FALSE;
}

/* Go's duration syntax: [-+]? (number unit)+, or "0". */
gboolean
ntpmon_db_parse_go_duration (const gchar *text, gint64 *out_usec, GError **error)
{
  static const struct
  {
    const gchar *unit;
    gdouble nsec;
  } units[] = {
    { "ns", 1 },   { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
    { "ms", 1e6 }, { "s", 1e9 },  { "m", 60e9 },        { "h", 3600e9 },
  };
  const gchar *p = text;
  gboolean negative = FALSE;
  gdouble total = 0;

  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  if (g_strcmp0 (p, "0") == 0)
    {
      *out_usec = 0;
      return TRUE;
    }
  if (*p == '\0')
    return set_config_error (error, "invalid duration “%s”: empty", text);
  while (*p != '\0')
    {
      const gchar *end = p;
      g_autofree gchar *digits = NULL;
      gdouble number;
      gsize best = 0;
      gdouble factor = 0;

      while (g_ascii_isdigit (*end))
        end++;
      if (*end == '.')
        end++;
      while (g_ascii_isdigit (*end))
        end++;
      if (end == p || (end == p + 1 && *p == '.'))
        return set_config_error (error, "invalid duration “%s”: expected a number", text);
      digits = g_strndup (p, end - p);
      number = g_ascii_strtod (digits, NULL);
      p = end;
      for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
        {
          gsize len = strlen (units[i].unit);
          if (len > best && strncmp (p, units[i].unit, len) == 0)
            {
              best = len;
              factor = units[i].nsec;
            }
        }
      if (best == 0)
        return set_config_error (error, "invalid duration “%s”: missing unit", text);
      p += best;
      total += number * factor;
    }
  total = (gdouble)(gint64)(total / 1000 + 0.5); /* to whole microseconds */
  if (total > (gdouble)G_MAXINT64 / 2)
    return set_config_error (error, "invalid duration “%s”: too large", text);
  *out_usec = (gint64)(negative ? -total : total);
  return TRUE;
}

static gboolean
parse_timeout_param (NtpmonDbConfig *config, const gchar *name, guint *out, GError **error)
{
  const gchar *value = ntpmon_db_config_get_param (config, name);
  gint64 usec;
  g_autoptr (GError) local = NULL;

  if (value == NULL)
    return TRUE;
  if (!ntpmon_db_parse_go_duration (value, &usec, &local))
    return set_config_error (error, "invalid DSN: parameter %s: %s", name, local->message);
  if (usec < 0 || usec / 1000 > G_MAXUINT)
    return set_config_error (error, "invalid DSN: parameter %s out of range", name);
  *out = (guint)(usec / 1000);
  if (*out == 0 && usec > 0)
    *out = 1;
  return TRUE;
}

/* URL query unescaping: '+' is a space, %XX an escaped byte. */
static gchar *
query_unescape (const gchar *text, gsize len)
{
  g_autofree gchar *plus = g_strndup (text, len);

  g_strdelimit (plus, "+", ' ');
  return g_uri_unescape_string (plus, NULL);
}

static gboolean
parse_params (NtpmonDbConfig *config, const gchar *query, GError **error)
{
  g_auto (GStrv) pairs = g_strsplit (query, "&", -1);

  for (gsize i = 0; pairs[i] != NULL; i++)
    {
      const gchar *eq = strchr (pairs[i], '=');
      g_autofree gchar *name = NULL;
      g_autofree gchar *value = NULL;

      /* the Go driver skips a parameter without a value */
      if (pairs[i][0] == '\0' || eq == NULL)
        continue;
      name = g_strndup (pairs[i], eq - pairs[i]);
      value = query_unescape (eq + 1, strlen (eq + 1));
      if (value == NULL)
        return set_config_error (error, "invalid DSN: parameter %s: bad %%-escape", name);
      g_hash_table_replace (config->params, g_steal_pointer (&name), g_steal_pointer (&value));
    }
  return TRUE;
}

static gboolean
parse_tcp_addr (NtpmonDbConfig *config, const gchar *addr, GError **error)
{
  const gchar *port = NULL;
  guint64 port_value = DEFAULT_PORT;

  if (addr[0] == '[')
    {
      const gchar *close = strchr (addr, ']');
      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        return set_config_error (error, "invalid DSN: bad IPv6 address “%s”", addr);
      config->host = g_strndup (addr + 1, close - addr - 1);
      if (close[1] == ':')
        port = close + 2;
    }
  else
    {
      const gchar *colon = strrchr (addr, ':');

      /* more than one colon: an IPv6 address without a port, as the Go
       * driver takes it */
      if (colon != NULL && strchr (addr, ':') != colon)
        colon = NULL;
      config->host = colon ? g_strndup (addr, colon - addr) : g_strdup (addr);
      if (colon != NULL)
        port = colon + 1;
    }
  if (config->host[0] == '\0')
    {
      g_free (config->host);
      config->host = g_strdup ("127.0.0.1");
    }
  if (port != NULL
      && (!g_ascii_string_to_unsigned (port, 10, 1, 65535, &port_value, NULL) || port[0] == '+'))
    return set_config_error (error, "invalid DSN: bad port “%s”", port);
  config->port = (guint16)port_value;
  return TRUE;
}

static gboolean
parse_net_addr (NtpmonDbConfig *config, const gchar *net, const gchar *addr, GError **error)
{
  /* no network: tcp, also with an address (the Go driver's default) */
  if (net[0] == '\0' || strcmp (net, "tcp") == 0 || strcmp (net, "tcp4") == 0
      || strcmp (net, "tcp6") == 0)
    {
      config->net = g_strdup ("tcp");
      return parse_tcp_addr (config, addr ? addr : "127.0.0.1", error);
    }
  if (strcmp (net, "unix") == 0)
    {
      config->net = g_strdup ("unix");
      config->socket = g_strdup (addr && addr[0] ? addr : DEFAULT_SOCKET);
      return TRUE;
    }
  return set_config_error (error, "invalid DSN: unsupported network “%s” (use tcp or unix)", net);
}

/**
 * ntpmon_db_config_parse_dsn:
 * @dsn: `[user[:password]@][net[(addr)]]/dbname[?param=value&...]`
 *
 * Parses like the Go MySQL driver: the database name follows the last `/`,
 * the credentials end at the last `@` before it, the password starts at
 * the first `:`. Unknown parameters are kept and ignored.
 */
NtpmonDbConfig *
ntpmon_db_config_parse_dsn (const gchar *dsn, GError **error)
{
  g_autoptr (NtpmonDbConfig) config = g_new0 (NtpmonDbConfig, 1);
  const gchar *slash, *at = NULL, *netp, *paren, *query;
  g_autofree gchar *net = NULL;
  g_autofree gchar *addr = NULL;
  g_autofree gchar *dbname = NULL;

  config->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (dsn == NULL || dsn[0] == '\0')
    {
      set_config_error (error, "invalid DSN: empty");
      return NULL;
    }
  slash = strrchr (dsn, '/');
  if (slash == NULL)
    {
      set_config_error (error, "invalid DSN: missing the slash before the database name");
      return NULL;
    }
  for (const gchar *p = slash; p >= dsn; p--)
    if (*p == '@')
      {
        at = p;
        break;
      }
  if (at != NULL)
    {
      const gchar *colon = memchr (dsn, ':', at - dsn);
      config->user = g_strndup (dsn, (colon ? colon : at) - dsn);
      if (colon != NULL)
        config->password = g_strndup (colon + 1, at - colon - 1);
    }
  netp = at ? at + 1 : dsn;
  paren = memchr (netp, '(', slash - netp);
  if (paren != NULL)
    {
      if (slash[-1] != ')')
        {
          set_config_error (error, "invalid DSN: network address not terminated (missing “)”)");
          return NULL;
        }
      net = g_strndup (netp, paren - netp);
      addr = g_strndup (paren + 1, slash - 1 - paren - 1);
    }
  else
    net = g_strndup (netp, slash - netp);
  if (!parse_net_addr (config, net, addr, error))
    return NULL;

  query = strchr (slash + 1, '?');
  dbname = g_strndup (slash + 1, query ? (gsize)(query - slash - 1) : strlen (slash + 1));
  config->dbname = g_uri_unescape_string (dbname, NULL);
  if (config->dbname == NULL)
    {
      set_config_error (error, "invalid DSN: bad %%-escape in the database name");
      return NULL;
    }
  if (query != NULL && !parse_params (config, query + 1, error))
    return NULL;
  if (!parse_timeout_param (config, "timeout", &config->connect_timeout_ms, error)
      || !parse_timeout_param (config, "readTimeout", &config->read_timeout_ms, error)
      || !parse_timeout_param (config, "writeTimeout", &config->write_timeout_ms, error))
    return NULL;
  return g_steal_pointer (&config);
}

/* database.yaml */

typedef struct
{
  gchar *dsn;
  gchar *user;
  gchar *pass;
  gchar *dbname;
} YamlSettings;

static void
yaml_settings_clear (YamlSettings *s)
{
  g_free (s->dsn);
  g_free (s->user);
  if (s->pass != NULL)
    explicit_bzero (s->pass, strlen (s->pass));
  g_free (s->pass);
  g_free (s->dbname);
}

static const gchar *const yaml_nulls[] = { "~", "null", "Null", "NULL", NULL };

static const gchar *
yaml_scalar (yaml_node_t *node)
{
  return node && node->type == YAML_SCALAR_NODE ? (const gchar *)node->data.scalar.value : NULL;
}

static gboolean
read_mysql_mapping (yaml_document_t *doc, yaml_node_t *mysql, const gchar *path, YamlSettings *out,
                    GError **error)
{
  if (mysql->type != YAML_MAPPING_NODE)
    return set_config_error (error, "%s: line %zu: “mysql” must be a mapping", path,
                             mysql->start_mark.line + 1);
  for (yaml_node_pair_t *pair = mysql->data.mapping.pairs.start;
       pair < mysql->data.mapping.pairs.top; pair++)
    {
      yaml_node_t *knode = yaml_document_get_node (doc, pair->key);
      yaml_node_t *vnode = yaml_document_get_node (doc, pair->value);
      const gchar *key = yaml_scalar (knode);
      const gchar *value = yaml_scalar (vnode);
      gchar **slot = NULL;

      if (g_strcmp0 (key, "dsn") == 0)
        slot = &out->dsn;
      else if (g_strcmp0 (key, "user") == 0)
        slot = &out->user;
      else if (g_strcmp0 (key, "pass") == 0)
        slot = &out->pass;
      else if (g_strcmp0 (key, "dbname") == 0)
        slot = &out->dbname;
      else
        continue;
      if (value == NULL)
        return set_config_error (error, "%s: line %zu: mysql.%s must be a string", path,
                                 vnode->start_mark.line + 1, key);
      g_free (*slot);
      /* a plain null (`~`, `null`, nothing) is an empty value */
      if (vnode->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
          && (value[0] == '\0' || g_strv_contains (yaml_nulls, value)))
        *slot = NULL;
      else
        *slot = g_strdup (value);
    }
  return TRUE;
}

static gboolean
read_yaml_settings (const gchar *path, const gchar *text, gsize len, YamlSettings *out,
                    GError **error)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_node_t *root;
  gboolean ok = TRUE;

  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const guchar *)text, len);
  if (!yaml_parser_load (&parser, &doc))
    {
      set_config_error (error, "%s: line %zu: %s", path, parser.problem_mark.line + 1,
                        parser.problem ? parser.problem : "YAML syntax error");
      yaml_parser_delete (&parser);
      return FALSE;
    }
  root = yaml_document_get_root_node (&doc);
  if (root != NULL && root->type != YAML_MAPPING_NODE)
    ok = set_config_error (error, "%s: the document must be a mapping", path);
  else if (root != NULL)
    {
      for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
           ok && pair < root->data.mapping.pairs.top; pair++)
        if (g_strcmp0 (yaml_scalar (yaml_document_get_node (&doc, pair->key)), "mysql") == 0)
          ok = read_mysql_mapping (&doc, yaml_document_get_node (&doc, pair->value), path, out,
                                   error);
    }
  yaml_document_delete (&doc);
  yaml_parser_delete (&parser);
  return ok;
}

static void
override_nonempty (gchar **slot, const gchar *value)
{
  if (value != NULL && value[0] != '\0')
    {
      g_free (*slot);
      *slot = g_strdup (value);
    }
}

/**
 * ntpmon_db_config_load:
 * @yaml_paths: (nullable): candidate database.yaml files, the first existing
 *   one is used
 * @env_dsn: (nullable): the value of DATABASE_DSN
 *
 * Resolves the settings as the reference does: `mysql.dsn` from the file,
 * else @env_dsn; then non-empty `user`, `pass`, `dbname` from the file
 * override the DSN's. No file at all is fine when @env_dsn is set.
 */
NtpmonDbConfig *
ntpmon_db_config_load (const gchar *const *yaml_paths, const gchar *env_dsn, GError **error)
{
  YamlSettings yaml = { 0 };
  const gchar *used_path = NULL;
  const gchar *dsn;
  NtpmonDbConfig *config;

  for (gsize i = 0; yaml_paths != NULL && yaml_paths[i] != NULL && used_path == NULL; i++)
    {
      g_autofree gchar *text = NULL;
      gsize len = 0;
      g_autoptr (GError) local = NULL;

      if (!g_file_get_contents (yaml_paths[i], &text, &len, &local))
        {
          if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            continue;
          set_config_error (error, "%s", local->message);
          return NULL;
        }
      used_path = yaml_paths[i];
      if (!read_yaml_settings (used_path, text, len, &yaml, error))
        {
          yaml_settings_clear (&yaml);
          return NULL;
        }
    }

  dsn = yaml.dsn && yaml.dsn[0] ? yaml.dsn : env_dsn;
  if (dsn == NULL || dsn[0] == '\0')
    {
      if (used_path != NULL)
        set_config_error (error, "no database DSN: %s has no mysql.dsn and DATABASE_DSN is not set",
                          used_path);
      else
        set_config_error (error, "no database DSN: DATABASE_DSN is not set and there is no "
                                 "database.yaml");
      yaml_settings_clear (&yaml);
      return NULL;
    }
  config = ntpmon_db_config_parse_dsn (dsn, error);
  if (config != NULL)
    {
      override_nonempty (&config->user, yaml.user);
      override_nonempty (&config->password, yaml.pass);
      override_nonempty (&config->dbname, yaml.dbname);
      config->yaml_path = g_strdup (used_path);
      config->env_dsn = g_strdup (env_dsn);
    }
  yaml_settings_clear (&yaml);
  return config;
}

/**
 * ntpmon_db_config_load_default:
 *
 * ntpmon_db_config_load() with `database.yaml` in the working directory,
 * `/vault/secrets/database.yaml` and the environment's DATABASE_DSN.
 */
NtpmonDbConfig *
ntpmon_db_config_load_default (GError **error)
{
  static const gchar *const paths[] = { "database.yaml", "/vault/secrets/database.yaml", NULL };

  return ntpmon_db_config_load (paths, g_getenv ("DATABASE_DSN"), error);
}

/**
 * ntpmon_db_config_reload:
 *
 * Re-reads the database.yaml @config came from (for a new connection).
 * Returns a copy of @config when it did not come from a file.
 */
NtpmonDbConfig *
ntpmon_db_config_reload (const NtpmonDbConfig *config, GError **error)
{
  const gchar *paths[] = { config->yaml_path, NULL };

  if (config->yaml_path == NULL)
    return ntpmon_db_config_copy (config);
  return ntpmon_db_config_load (paths, config->env_dsn, error);
}
