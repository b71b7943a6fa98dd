/* test-api-names.c: monitor names, certificate SANs and server settings
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "api-test-util.h"
#include "ntpmon-api-auth.h"
#include "ntpmon-api-config.h"
#include "ntpmon-api-queries.h"

static ApiTestCerts *certs;

/* spec §19 scenario 21 */
static void
test_monitor_names (void)
{
  const gchar *valid[] = { "uspao1-21wase0.test.mon.ntppool.dev", "a.devel.mon.ntppool.dev",
                           "a-b.prod.mon.ntppool.dev" };
  g_autofree gchar *long_label = g_strnfill (64, 'a');
  g_autofree gchar *label63 = g_strnfill (63, 'a');
  g_autofree gchar *too_long = g_strconcat (long_label, ".test.mon.ntppool.dev", NULL);
  g_autofree gchar *ok63 = g_strconcat (label63, ".test.mon.ntppool.dev", NULL);
  const gchar *invalid[] = { "uspao1.mon.ntppool.dev",
                             "x.y.test.mon.ntppool.dev",
                             "*.test.mon.ntppool.dev",
                             "-abc.test.mon.ntppool.dev",
                             "abc-.test.mon.ntppool.dev",
                             "ab_c.test.mon.ntppool.dev",
                             "abc.test.mon.ntppool.org",
                             too_long,
                             ".test.mon.ntppool.dev",
                             "a..mon.ntppool.dev",
                             "mon.ntppool.dev",
                             "a.test.xmon.ntppool.dev",
                             "",
                             NULL };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (ntpmon_api_valid_monitor_name (valid[i], "mon.ntppool.dev"));
  g_assert_true (ntpmon_api_valid_monitor_name (ok63, "mon.ntppool.dev"));
  for (guint i = 0; invalid[i] != NULL; i++)
    {
      g_test_message ("invalid: %s", invalid[i]);
      g_assert_false (ntpmon_api_valid_monitor_name (invalid[i], "mon.ntppool.dev"));
    }
  g_assert_false (ntpmon_api_valid_monitor_name (NULL, "mon.ntppool.dev"));
  /* the domain is configurable */
  g_assert_true (ntpmon_api_valid_monitor_name ("a.test.monitors.example", "monitors.example"));
  g_assert_false (ntpmon_api_valid_monitor_name ("a.test.mon.ntppool.dev", "monitors.example"));
}

static void
test_certificate_sans (void)
{
  g_autoptr (GTlsCertificate) good = api_test_load_pair (certs->good_crt, certs->good_key);
  g_autoptr (GTlsCertificate) bad = api_test_load_pair (certs->badname_crt, certs->badname_key);
  g_autoptr (GTlsCertificate) server = api_test_load_pair (certs->server_crt, certs->server_key);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;

  names = ntpmon_api_certificate_dns_names (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, ((const gchar *[]){ API_TEST_MONITOR, NULL }));
  g_clear_pointer (&names, g_strfreev);
  names = ntpmon_api_certificate_dns_names (bad, &error);
  g_assert_cmpstrv (
      names, ((const gchar *[]){ "good1.test.mon.example.org", "x.y.test.mon.ntppool.dev", NULL }));
  g_clear_pointer (&names, g_strfreev);
  /* IP SANs are not DNS names */
  names = ntpmon_api_certificate_dns_names (server, &error);
  g_assert_cmpstrv (names, ((const gchar *[]){ "api.test.mon.ntppool.dev", "localhost", NULL }));
}

static void
test_check_certificate (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonApiAuth) auth = ntpmon_api_auth_new (certs->ca_crt, NULL, &error);
  struct
  {
    const gchar *crt, *key;
    const gchar *identity, *message;
  } cases[] = {
    { certs->good_crt, certs->good_key, API_TEST_MONITOR, NULL },
    { certs->foreign_crt, certs->foreign_key, NULL, "certificate is not signed by a trusted CA" },
    { certs->expired_crt, certs->expired_key, NULL, "certificate has expired" },
    { certs->badname_crt, certs->badname_key, NULL, "certificate missing required DNS suffix" },
    /* serverAuth is accepted as Go's default verification does */
    { certs->serveronly_crt, certs->serveronly_key, API_TEST_MONITOR, NULL },
    { certs->codesign_crt, certs->codesign_key, NULL,
      "certificate is not for TLS client or server authentication" },
  };

  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_api_auth_get_monitor_domain (auth), ==, "mon.ntppool.dev");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GTlsCertificate) cert = api_test_load_pair (cases[i].crt, cases[i].key);
      g_autofree gchar *identity = ntpmon_api_auth_check_certificate (auth, cert, &error);

      g_assert_cmpstr (identity, ==, cases[i].identity);
      if (cases[i].identity == NULL)
        {
          g_test_message ("refused: %s", error->message);
          g_assert_error (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE);
        }
      if (cases[i].message != NULL)
        {
          g_assert_error (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE);
          g_assert_cmpstr (error->message, ==, cases[i].message);
        }
      g_clear_error (&error);
    }
}

/* A success is remembered on the certificate object, but not for another
 * auth object nor across a change of the trusted CAs. */
static void
test_check_certificate_remembered (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonApiAuth) auth = ntpmon_api_auth_new (certs->ca_crt, NULL, &error);
  g_autoptr (NtpmonApiAuth) other = ntpmon_api_auth_new (certs->ca_crt, "example.org", &error);
  g_autoptr (GTlsCertificate) cert = api_test_load_pair (certs->good_crt, certs->good_key);
  g_autofree gchar *first = ntpmon_api_auth_check_certificate (auth, cert, &error);
  g_autofree gchar *again = NULL;
  g_autofree gchar *elsewhere = NULL;
  g_autofree gchar *after_change = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, API_TEST_MONITOR);
  again = ntpmon_api_auth_check_certificate (auth, cert, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, API_TEST_MONITOR);
  elsewhere = ntpmon_api_auth_check_certificate (other, cert, &error);
  g_assert_null (elsewhere);
  g_assert_error (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  /* another CA only: the remembered success no longer counts */
  g_assert_true (ntpmon_api_auth_set_ca_file (auth, certs->foreign_crt, &error));
  after_change = ntpmon_api_auth_check_certificate (auth, cert, &error);
  g_assert_null (after_change);
  g_assert_error (error, NTPMON_API_AUTH_ERROR, NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE);
}

static void
test_client_ca_bundle (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *shipped
      = g_build_filename (g_getenv ("NTPMON_SOURCE_ROOT"), "data", "ntppool-ca.pem", NULL);
  g_autoptr (NtpmonApiAuth) auth = ntpmon_api_auth_new (shipped, "mon.ntppool.dev", &error);
  g_autoptr (NtpmonApiAuth) missing = NULL;
  g_autoptr (GList) cas = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (auth);
  cas = g_tls_certificate_list_new_from_file (shipped, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (cas), ==, 2);
  g_list_free_full (g_steal_pointer (&cas), g_object_unref);

  missing = ntpmon_api_auth_new (certs->good_key, NULL, &error);
  g_assert_null (missing);
  g_assert_nonnull (error);
}

static void
test_config_defaults (void)
{
  g_autoptr (NtpmonApiConfig) config = ntpmon_api_config_new ();
  g_autoptr (NtpmonApiConfig) bad = ntpmon_api_config_new ();
  g_autoptr (NtpmonApiConfig) none = ntpmon_api_config_new ();
  g_autoptr (NtpmonApiConfig) empty = ntpmon_api_config_new ();
  g_autoptr (GError) error = NULL;

  /* §2.1: devel when neither the flag nor the variable is set; set but
   * empty is an error */
  g_unsetenv ("DEPLOYMENT_MODE");
  g_unsetenv ("API_HOST");
  g_assert_true (ntpmon_api_config_resolve (none, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (none->deployment_mode, ==, "devel");
  g_assert_cmpstr (none->api_host, ==, "https://dev-api.ntppool.dev");
  g_setenv ("DEPLOYMENT_MODE", "", TRUE);
  g_assert_false (ntpmon_api_config_resolve (empty, NULL, &error));
  g_assert_cmpstr (error->message, ==, "deployment_mode configuration required");
  g_clear_error (&error);

  bad->deployment_mode = g_strdup ("staging");
  g_assert_false (ntpmon_api_config_resolve (bad, NULL, &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_clear_error (&error);

  g_setenv ("DEPLOYMENT_MODE", "test", TRUE);
  g_setenv ("JWT_KEY", "sekrit", TRUE);
  g_assert_true (ntpmon_api_config_resolve (config, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen, ==, ":8000");
  g_assert_cmpstr (config->health_listen, ==, ":8080");
  g_assert_cmpstr (config->tls_cert, ==, "/etc/tls/tls.crt");
  g_assert_cmpstr (config->tls_key, ==, "/etc/tls/tls.key");
  g_assert_cmpstr (config->jwt_key, ==, "sekrit");
  g_assert_cmpstr (config->monitor_domain, ==, "mon.ntppool.dev");
  g_assert_cmpstr (config->api_host, ==, "https://beta-api.ntppool.dev");
  g_assert_cmpstr (config->jwks_url, ==, "https://beta-api.ntppool.dev/.well-known/jwks.json");
  g_assert_cmpuint (config->max_body, ==, 1024 * 1024);
  g_unsetenv ("JWT_KEY");
  g_unsetenv ("DEPLOYMENT_MODE");
}

static void
test_config_keyfile (void)
{
  g_autoptr (NtpmonApiConfig) config = ntpmon_api_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = g_build_filename (certs->dir, "monitor-api.conf", NULL);
  g_autoptr (NtpmonConfig) keyfile = ntpmon_config_new (path);

  g_assert_true (g_file_set_contents (path,
                                      "[api]\napi-host=https://issuer.example\n"
                                      "monitor-domain=mon.example\nmax-body=2048\n"
                                      "jwks-refresh=60\nmetrics-listen=127.0.0.1:9100\n",
                                      -1, NULL));
  ntpmon_api_config_declare_keys (keyfile);
  g_assert_true (ntpmon_config_load (keyfile, &error));
  g_assert_no_error (error);
  config->deployment_mode = g_strdup ("prod");
  config->monitor_domain = g_strdup ("flag.example"); /* a flag beats the file */
  g_setenv ("API_HOST", "https://env.example", TRUE); /* the environment beats the file */
  g_assert_true (ntpmon_api_config_resolve (config, keyfile, &error));
  g_unsetenv ("API_HOST");
  g_assert_cmpstr (config->monitor_domain, ==, "flag.example");
  g_assert_cmpstr (config->api_host, ==, "https://env.example");
  g_assert_cmpstr (config->jwks_url, ==, "https://env.example/.well-known/jwks.json");
  g_assert_cmpuint (config->max_body, ==, 2048);
  g_assert_cmpuint (config->jwks_refresh, ==, 60);
  g_assert_cmpstr (config->metrics_listen, ==, "127.0.0.1:9100");
  {
    g_autoptr (NtpmonApiConfig) flag = ntpmon_api_config_new ();

    /* --metrics-port beats the file's metrics-listen */
    flag->deployment_mode = g_strdup ("prod");
    flag->metrics_port = 9200;
    flag->metrics_port_given = TRUE;
    g_assert_true (ntpmon_api_config_resolve (flag, keyfile, &error));
    g_assert_null (flag->metrics_listen);
    g_assert_cmpuint (flag->metrics_port, ==, 9200);
  }

  g_assert_true (g_file_set_contents (path, "[api]\nmax-body=-1\n", -1, NULL));
  g_assert_true (ntpmon_config_load (keyfile, &error));
  {
    g_autoptr (NtpmonApiConfig) again = ntpmon_api_config_new ();

    again->deployment_mode = g_strdup ("prod");
    g_assert_false (ntpmon_api_config_resolve (again, keyfile, &error));
    g_assert_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_VALUE);
  }
}

/* The resolution itself is the DB layer's (tests/db); here: it is wired
 * to DATABASE_DSN and the database.yaml candidates. */
static void
test_database_settings (void)
{
  g_autofree gchar *yaml = g_build_filename (certs->dir, "database.yaml", NULL);
  g_autofree gchar *absent = g_build_filename (certs->dir, "absent.yaml", NULL);
  const gchar *files[] = { absent, yaml, NULL };
  g_autoptr (GError) error = NULL;

  g_unsetenv ("DATABASE_DSN");
  {
    g_autoptr (NtpmonApiConfig) config = ntpmon_api_config_new ();

    g_assert_false (ntpmon_api_config_load_database (config, files, &error));
    g_assert_nonnull (error);
    g_assert_null (config->database);
    g_clear_error (&error);
  }
  {
    g_autoptr (NtpmonApiConfig) config = ntpmon_api_config_new ();

    g_setenv ("DATABASE_DSN", "u:p@tcp(db.example:3307)/ntp", TRUE);
    g_assert_true (ntpmon_api_config_load_database (config, files, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (config->database->host, ==, "db.example");
    g_assert_cmpuint (config->database->port, ==, 3307);
    g_assert_cmpstr (config->database->user, ==, "u");
    g_assert_cmpstr (config->database->dbname, ==, "ntp");
  }
  g_assert_true (
      g_file_set_contents (yaml, "mysql:\n  user: someone\n  dbname: otherdb\n", -1, NULL));
  {
    g_autoptr (NtpmonApiConfig) config = ntpmon_api_config_new ();

    g_assert_true (ntpmon_api_config_load_database (config, files, &error));
    g_assert_cmpstr (config->database->user, ==, "someone");
    g_assert_cmpstr (config->database->dbname, ==, "otherdb");
    g_assert_cmpstr (config->database->yaml_path, ==, yaml);
  }
  g_unsetenv ("DATABASE_DSN");
}

/* §9.2: the `monitors` setting, its minimums, and a member of the wrong
 * type refusing the whole setting (all defaults), as the reference's
 * decoding does. */
static void
test_monitors_setting (void)
{
  static const struct
  {
    const gchar *json;
    gint64 active, testing, all, batch;
  } cases[] = {
    { NULL, 540, 2700, 60, 10 },
    { "{\"interval_active\":\"2m\",\"interval_testing\":\"90s\",\"interval_all\":\"15s\","
      "\"batch_size\":5}",
      120, 90, 15, 5 },
    { "{\"interval_active\":600000000000,\"other\":true}", 600, 2700, 60, 10 },
    { "{\"interval_active\":\"10s\",\"interval_testing\":\"59s\",\"batch_size\":0}", 540, 2700, 60,
      10 },
    { "{\"interval_active\":null,\"batch_size\":3}", 540, 2700, 60, 3 },
    { "{\"interval_active\":\"2m\",\"batch_size\":true}", 540, 2700, 60, 10 },
    { "{\"interval_all\":\"15s\",\"batch_size\":5.5}", 540, 2700, 60, 10 },
    { "{\"interval_active\":\"soon\",\"batch_size\":5}", 540, 2700, 60, 10 },
    { "{\"interval_testing\":[],\"batch_size\":5}", 540, 2700, 60, 10 },
    { "[1]", 540, 2700, 60, 10 },
    { "{", 540, 2700, 60, 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      NtpmonApiSettings out;

      g_test_message ("%s", cases[i].json != NULL ? cases[i].json : "(none)");
      ntpmon_api_settings_parse (cases[i].json, &out);
      g_assert_cmpint (out.interval_active_s, ==, cases[i].active);
      g_assert_cmpint (out.interval_testing_s, ==, cases[i].testing);
      g_assert_cmpint (out.interval_all_s, ==, cases[i].all);
      g_assert_cmpint (out.batch_size, ==, cases[i].batch);
    }
}

int
main (int argc, char **argv)
{
  int status;

  api_test_init (&argc, &argv);
  certs = api_test_certs_new ();
  g_test_add_func ("/api/names/monitor-names", test_monitor_names);
  g_test_add_func ("/api/names/certificate-sans", test_certificate_sans);
  g_test_add_func ("/api/names/check-certificate", test_check_certificate);
  g_test_add_func ("/api/names/check-certificate-remembered", test_check_certificate_remembered);
  g_test_add_func ("/api/names/client-ca-bundle", test_client_ca_bundle);
  g_test_add_func ("/api/config/defaults", test_config_defaults);
  g_test_add_func ("/api/config/keyfile", test_config_keyfile);
  g_test_add_func ("/api/config/database", test_database_settings);
  g_test_add_func ("/api/config/monitors-setting", test_monitors_setting);
  status = g_test_run ();
  api_test_certs_free (certs);
  return status;
}
