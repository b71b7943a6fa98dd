/* test-db-config.c: DSN, database.yaml and duration parsing
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ntpmon-db.h"

typedef struct
{
  const gchar *dsn;
  const gchar *user;
  const gchar *password;
  const gchar *net;
  const gchar *host;
  guint port;
  const gchar *socket;
  const gchar *dbname;
} DsnVector;

static const DsnVector dsn_vectors[] = {
  { "tcp(ntp-db-mysql)/betadb?charset=utf8&parseTime=true", NULL, NULL, "tcp", "ntp-db-mysql", 3306,
    NULL, "betadb" },
  { "user:pass@tcp(127.0.0.1:3307)/db", "user", "pass", "tcp", "127.0.0.1", 3307, NULL, "db" },
  { "user:p@ss:w/rd@unix(/run/mysqld/mysqld.sock)/ntp", "user", "p@ss:w/rd", "unix", NULL, 0,
    "/run/mysqld/mysqld.sock", "ntp" },
  { "/dbname", NULL, NULL, "tcp", "127.0.0.1", 3306, NULL, "dbname" },
  { "root@/x", "root", NULL, "tcp", "127.0.0.1", 3306, NULL, "x" },
  { "root:@tcp/x", "root", "", "tcp", "127.0.0.1", 3306, NULL, "x" },
  { "u@tcp([::1]:3306)/d", "u", NULL, "tcp", "::1", 3306, NULL, "d" },
  { "u@tcp([fd00::5])/d", "u", NULL, "tcp", "fd00::5", 3306, NULL, "d" },
  { "u@tcp6(db.example:4000)/", "u", NULL, "tcp", "db.example", 4000, NULL, "" },
  { "u@unix/d", "u", NULL, "unix", NULL, 0, "/tmp/mysql.sock", "d" },
  { "/my%20db", NULL, NULL, "tcp", "127.0.0.1", 3306, NULL, "my db" },
  /* as the Go driver reads them: an IPv6 address without brackets (and
   * port), an address without a network (tcp), a parameter without a
   * value (skipped) */
  { "u@tcp(::1)/db", "u", NULL, "tcp", "::1", 3306, NULL, "db" },
  { "u@(host:3310)/db", "u", NULL, "tcp", "host", 3310, NULL, "db" },
  { "/db?x&charset=utf8", NULL, NULL, "tcp", "127.0.0.1", 3306, NULL, "db" },
};

static void
test_dsn_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (dsn_vectors); i++)
    {
      const DsnVector *v = &dsn_vectors[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (NtpmonDbConfig) c = ntpmon_db_config_parse_dsn (v->dsn, &error);

      g_test_message ("DSN %s", v->dsn);
      g_assert_no_error (error);
      g_assert_nonnull (c);
      g_assert_cmpstr (c->user, ==, v->user);
      g_assert_cmpstr (c->password, ==, v->password);
      g_assert_cmpstr (c->net, ==, v->net);
      g_assert_cmpstr (c->host, ==, v->host);
      if (v->host != NULL)
        g_assert_cmpuint (c->port, ==, v->port);
      g_assert_cmpstr (c->socket, ==, v->socket);
      g_assert_cmpstr (c->dbname, ==, v->dbname);
    }
}

static void
test_dsn_params (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) c = ntpmon_db_config_parse_dsn (
      "u@tcp(db)/d?timeout=1m30s&readTimeout=500ms&writeTimeout=2s&unknown=x%2Fy+z&charset=utf8",
      &error);
  g_autoptr (NtpmonDbConfig) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (c->connect_timeout_ms, ==, 90000);
  g_assert_cmpuint (c->read_timeout_ms, ==, 500);
  g_assert_cmpuint (c->write_timeout_ms, ==, 2000);
  g_assert_cmpstr (ntpmon_db_config_get_param (c, "unknown"), ==, "x/y z");
  g_assert_cmpstr (ntpmon_db_config_get_param (c, "charset"), ==, "utf8");
  g_assert_null (ntpmon_db_config_get_param (c, "parseTime"));

  copy = ntpmon_db_config_copy (c);
  g_assert_cmpstr (ntpmon_db_config_get_param (copy, "unknown"), ==, "x/y z");
  g_assert_cmpuint (copy->connect_timeout_ms, ==, 90000);
  g_assert_cmpstr (copy->host, ==, "db");
}

static void
test_dsn_describe (void)
{
  g_autoptr (NtpmonDbConfig) c = ntpmon_db_config_parse_dsn ("me:hunter2@tcp([::1]:1)/x", NULL);
  g_autoptr (NtpmonDbConfig) u = ntpmon_db_config_parse_dsn ("me:hunter2@unix(/s)/x", NULL);
  g_autofree gchar *text = ntpmon_db_config_describe (c);
  g_autofree gchar *utext = ntpmon_db_config_describe (u);

  g_assert_cmpstr (text, ==, "me@tcp([::1]:1)/x");
  g_assert_cmpstr (utext, ==, "me@unix(/s)/x");
}

typedef struct
{
  const gchar *dsn;
  const gchar *expect; /* text the error message must contain */
} BadDsn;

static const BadDsn bad_dsns[] = {
  { "", "empty" },
  { "user@tcp(host)", "slash" },
  { "tcp(host/db", "not terminated" },
  { "u:secret@udp(host)/db", "udp" },
  { "u@tcp(host:99999)/db", "port" },
  { "u@tcp(host:)/db", "port" },
  { "u@tcp([::1)/db", "IPv6" },
  { "/db?timeout=abc", "timeout" },
  { "/db?readTimeout=5", "readTimeout" },
  { "/db?a=%zz", "parameter a" },
  { "/d%zzb", "database name" },
};

static void
test_dsn_errors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_dsns); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NtpmonDbConfig) c = ntpmon_db_config_parse_dsn (bad_dsns[i].dsn, &error);

      g_test_message ("DSN %s -> %s", bad_dsns[i].dsn, error ? error->message : "(no error)");
      g_assert_null (c);
      g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, bad_dsns[i].expect));
      g_assert_null (strstr (error->message, "secret"));
    }
}

static void
test_duration (void)
{
  static const struct
  {
    const gchar *text;
    gint64 usec;
  } good[] = {
    { "0", 0 },
    { "1s", 1000000 },
    { "1.5s", 1500000 },
    { "1m30s", 90000000 },
    { "500ms", 500000 },
    { "1h", 3600000000 },
    { "2us", 2 },
    { "-1s", -1000000 },
    { "1h2m3s4ms", 3723004000 },
    { ".5m", 30000000 },
    { "3000ns", 3 },
  };
  static const gchar *const bad[] = { "", "1", "s", "1x", "1e3s", "--1s", "1s x" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 usec = -42;
      g_autoptr (GError) error = NULL;

      g_assert_true (ntpmon_db_parse_go_duration (good[i].text, &usec, &error));
      g_assert_no_error (error);
      g_assert_cmpint (usec, ==, good[i].usec);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 usec = 0;
      g_autoptr (GError) error = NULL;

      g_assert_false (ntpmon_db_parse_go_duration (bad[i], &usec, &error));
      g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, "duration"));
    }
}

/* database.yaml */

typedef struct
{
  gchar *dir;
  gchar *a; /* first candidate path */
  gchar *b; /* second candidate path */
} YamlFixture;

static void
yaml_setup (YamlFixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("ntpmon-yaml-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->a = g_build_filename (f->dir, "database.yaml", NULL);
  f->b = g_build_filename (f->dir, "vault-database.yaml", NULL);
}

static void
yaml_teardown (YamlFixture *f, gconstpointer data)
{
  g_unlink (f->a);
  g_unlink (f->b);
  g_rmdir (f->dir);
  g_free (f->a);
  g_free (f->b);
  g_free (f->dir);
}

static void
write_file (const gchar *path, const gchar *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_yaml_overrides (YamlFixture *f, gconstpointer data)
{
  const gchar *paths[] = { f->a, f->b, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) c = NULL;

  write_file (f->a, "# reference format\n"
                    "mysql:\n"
                    "  dsn: \"tcp(ntp-db-mysql)/betadb?charset=utf8&parseTime=true\"\n"
                    "  user: some-db-user\n"
                    "  pass: 's3cr:et@/x'\n"
                    "  dbname: otherdb\n"
                    "other: [1, 2]\n");
  c = ntpmon_db_config_load (paths, "root:x@tcp(elsewhere)/ignored", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->host, ==, "ntp-db-mysql");
  g_assert_cmpstr (c->user, ==, "some-db-user");
  g_assert_cmpstr (c->password, ==, "s3cr:et@/x");
  g_assert_cmpstr (c->dbname, ==, "otherdb");
  g_assert_cmpstr (c->yaml_path, ==, f->a);
}

static void
test_yaml_env_dsn (YamlFixture *f, gconstpointer data)
{
  const gchar *paths[] = { f->a, f->b, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) c = NULL;

  /* only the second candidate exists; no dsn in it: DATABASE_DSN is used,
   * empty values do not override */
  write_file (f->b, "mysql:\n  dsn: ''\n  user: rotated\n  pass: ''\n  dbname: ~\n");
  c = ntpmon_db_config_load (paths, "root:pw@tcp(db:3310)/ntp", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->host, ==, "db");
  g_assert_cmpuint (c->port, ==, 3310);
  g_assert_cmpstr (c->user, ==, "rotated");
  g_assert_cmpstr (c->password, ==, "pw");
  g_assert_cmpstr (c->dbname, ==, "ntp");
  g_assert_cmpstr (c->yaml_path, ==, f->b);
}

static void
test_yaml_no_file (YamlFixture *f, gconstpointer data)
{
  const gchar *paths[] = { f->a, f->b, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) c = ntpmon_db_config_load (paths, "u:p@unix(/s)/d", &error);
  g_autoptr (NtpmonDbConfig) none = NULL;
  g_autoptr (NtpmonDbConfig) empty = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (c->socket, ==, "/s");
  g_assert_null (c->yaml_path);

  none = ntpmon_db_config_load (paths, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "DATABASE_DSN"));
  g_clear_error (&error);

  write_file (f->a, "mysql:\n  user: x\n");
  empty = ntpmon_db_config_load (paths, "", &error);
  g_assert_null (empty);
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, f->a));
  g_assert_nonnull (strstr (error->message, "mysql.dsn"));
}

static void
test_yaml_errors (YamlFixture *f, gconstpointer data)
{
  static const struct
  {
    const gchar *text;
    const gchar *expect;
  } cases[] = {
    { "mysql:\n  dsn: [unclosed\n", "line" },
    { "mysql:\n  - a\n  - b\n", "“mysql” must be a mapping" },
    { "mysql:\n  dsn:\n    x: y\n", "mysql.dsn must be a string" },
    { "- just\n- a list\n", "must be a mapping" },
    { "mysql:\n  dsn: \"user@udp(h)/d\"\n", "udp" },
    { "mysql:\n  dsn: null\n", "no mysql.dsn" },
  };
  const gchar *paths[] = { f->a, NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NtpmonDbConfig) c = NULL;

      write_file (f->a, cases[i].text);
      c = ntpmon_db_config_load (paths, i == G_N_ELEMENTS (cases) - 1 ? NULL : "/fallback", &error);
      g_test_message ("%s -> %s", cases[i].text, error ? error->message : "(none)");
      g_assert_null (c);
      g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, cases[i].expect));
    }
}

static void
test_yaml_reload (YamlFixture *f, gconstpointer data)
{
  const gchar *paths[] = { f->a, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) c = NULL;
  g_autoptr (NtpmonDbConfig) again = NULL;
  g_autoptr (NtpmonDbConfig) plain = ntpmon_db_config_parse_dsn ("u:p@tcp(h)/d", NULL);
  g_autoptr (NtpmonDbConfig) plain_again = NULL;

  write_file (f->a, "mysql:\n  user: u1\n  pass: p1\n");
  c = ntpmon_db_config_load (paths, "x@tcp(h)/d", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->password, ==, "p1");

  write_file (f->a, "mysql:\n  user: u2\n  pass: p2\n");
  again = ntpmon_db_config_reload (c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->user, ==, "u2");
  g_assert_cmpstr (again->password, ==, "p2");
  g_assert_cmpstr (again->host, ==, "h");

  plain_again = ntpmon_db_config_reload (plain, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plain_again->password, ==, "p");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/db/config/dsn/vectors", test_dsn_vectors);
  g_test_add_func ("/db/config/dsn/params", test_dsn_params);
  g_test_add_func ("/db/config/dsn/describe", test_dsn_describe);
  g_test_add_func ("/db/config/dsn/errors", test_dsn_errors);
  g_test_add_func ("/db/config/duration", test_duration);
  g_test_add ("/db/config/yaml/overrides", YamlFixture, NULL, yaml_setup, test_yaml_overrides,
              yaml_teardown);
  g_test_add ("/db/config/yaml/env-dsn", YamlFixture, NULL, yaml_setup, test_yaml_env_dsn,
              yaml_teardown);
  g_test_add ("/db/config/yaml/no-file", YamlFixture, NULL, yaml_setup, test_yaml_no_file,
              yaml_teardown);
  g_test_add ("/db/config/yaml/errors", YamlFixture, NULL, yaml_setup, test_yaml_errors,
              yaml_teardown);
  g_test_add ("/db/config/yaml/reload", YamlFixture, NULL, yaml_setup, test_yaml_reload,
              yaml_teardown);
  return g_test_run ();
}
