/* ntpmon-db-config.h: database connection settings (Go MySQL DSN, database.yaml)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * NtpmonDbConfig:
 * @user: (nullable): user name
 * @password: (nullable): password
 * @net: "tcp" or "unix"
 * @host: (nullable): host for "tcp" (no brackets for IPv6)
 * @port: port for "tcp"
 * @socket: (nullable): socket path for "unix"
 * @dbname: (nullable): database name
 * @params: parameter names to values (URL-unescaped); unknown ones are kept
 *   but ignored
 * @connect_timeout_ms: DSN `timeout` (0: library default)
 * @read_timeout_ms: DSN `readTimeout` (0: none)
 * @write_timeout_ms: DSN `writeTimeout` (0: none)
 * @yaml_path: (nullable): the database.yaml the settings came from; the
 *   pool re-reads it for every new connection (credential rotation)
 * @env_dsn: (nullable): the DATABASE_DSN value used with @yaml_path
 *
 * Connection settings. The DSN syntax is the Go MySQL driver's:
 * `[user[:password]@][net[(addr)]]/dbname[?param=value&...]`.
 */
typedef struct
{
  gchar *user;
  gchar *password;
  gchar *net;
  gchar *host;
  guint16 port;
  gchar *socket;
  gchar *dbname;
  GHashTable *params;
  guint connect_timeout_ms;
  guint read_timeout_ms;
  guint write_timeout_ms;
  gchar *yaml_path;
  gchar *env_dsn;
} NtpmonDbConfig;

NtpmonDbConfig *ntpmon_db_config_parse_dsn (const gchar *dsn, GError **error);
NtpmonDbConfig *ntpmon_db_config_copy (const NtpmonDbConfig *config);
void ntpmon_db_config_free (NtpmonDbConfig *config);
const gchar *ntpmon_db_config_get_param (const NtpmonDbConfig *config, const gchar *name);
gchar *ntpmon_db_config_describe (const NtpmonDbConfig *config);

NtpmonDbConfig *ntpmon_db_config_load (const gchar *const *yaml_paths, const gchar *env_dsn,
                                       GError **error);
NtpmonDbConfig *ntpmon_db_config_load_default (GError **error);
NtpmonDbConfig *ntpmon_db_config_reload (const NtpmonDbConfig *config, GError **error);

gboolean ntpmon_db_parse_go_duration (const gchar *text, gint64 *out_usec, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonDbConfig, ntpmon_db_config_free)

G_END_DECLS
