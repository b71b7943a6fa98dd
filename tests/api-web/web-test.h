/* web-test.h: the API server with its web API, run as a program for tests
 *
 * SPDX-License-Identifier: MIT
 *
 * Each case gets its own MariaDB database (schema loaded, one account)
 * and its own `ntppool-monitor-api server` with the web API on
 * localhost (IPv4 and IPv6 loopback) and the RPC API on 127.0.0.1; the
 * ports are read from the server's log.
 */
#pragma once

#include "api-test-util.h"
#include "ntpmon-db.h"
#include "ntpmon-test-mariadb.h"

G_BEGIN_DECLS

#define WEB_TEST_ISSUER        "https://issuer.test.example"
#define WEB_TEST_ACCOUNT_TOKEN "acct-token-1"
#define WEB_TEST_LIFETIME      3600 /* [ca] cert-lifetime */

typedef struct
{
  ApiTestCerts *certs;
  gchar *dir;
  gchar *dsn;
  NtpmonDbConn *conn;
  guint64 account_id;
  GSubprocess *server;
  gchar *log_file;
  gchar *tls_crt; /* the server's certificate files (copies) */
  gchar *tls_key;
  guint web_port;
  guint rpc_port;
  guint metrics_port;
  gchar *web_url; /* https://localhost:PORT */
  gchar *rpc_url; /* https://127.0.0.1:PORT */
  GTlsDatabase *trust;
} WebTest;

void web_test_setup (WebTest *t, NtpmonTestMariadb *mariadb, ApiTestCerts *certs);
void web_test_teardown (WebTest *t);

gint web_test_cli (WebTest *t, const gchar *const *args, const gchar *dsn, gchar **out,
                   gchar **err);
GSubprocess *web_test_spawn_agent (WebTest *t, const gchar *state_dir, const gchar *const *args);
gint web_test_wait_agent (GSubprocess *agent, gchar **out);

void web_test_copy (const gchar *from, const gchar *to);
void web_test_wait_log (WebTest *t, const gchar *text);
guint64 web_test_wait_registration (WebTest *t, gboolean both_families);
gint64 web_test_count (WebTest *t, const gchar *sql, const gchar *arg);
gchar *web_test_text (WebTest *t, const gchar *sql, const gchar *arg);

G_END_DECLS
