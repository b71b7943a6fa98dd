/* rpc-fixture.h: the fixture of the monitor RPC tests
 *
 * SPDX-License-Identifier: MIT
 *
 * A real MariaDB (fresh database per case, seeded with SQL), the real
 * server over TLS with a client certificate, the status scorer from the
 * scorer plugin. Monitor 11 (192.0.2.10, v4) and 12 (v6) of account 7,
 * and a settings-v4.system row; seed_servers() adds servers 1–10 with the
 * assignments of monitor 11.
 */
#pragma once

#include <libpeas/peas.h>

#include "api-test-util.h"
#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-api-handlers.h"
#include "ntpmon-api-keys-file.h"
#include "ntpmon-db.h"
#include "ntpmon-proto-wkt.h"
#include "ntpmon-test-mariadb.h"
#include "ntpmon-ulid.h"

#define V2(m) "/monitor.v2.MonitorService/" m
#define TW(m) "/api/v1/api.Monitor/" m

extern ApiTestCerts *certs;
extern NtpmonTestMariadb *mariadb;
extern PeasEngine *engine;

typedef struct
{
  gchar *dsn;
  NtpmonDbConn *conn;
  NtpmonDb *db;
  gchar *keydir;
  NtpmonApiKeyFileStore *keys;
  NtpmonMetrics *metrics;
  NtpmonApiAuth *auth;
  NtpmonApiServer *server;
  GTlsDatabase *trust;
  GTlsCertificate *client;
  gchar *url;
  gint64 ts; /* `ts` of the results submit() sends, Unix seconds */
} Fixture;

void fixture_init (int *argc, char ***argv);
void fixture_cleanup (void);
/* g_test_add() setup and teardown; the data is the JWT key (or NULL) */
void fixture_setup (Fixture *f, gconstpointer data);
void fixture_teardown (Fixture *f, gconstpointer data);

void db_exec (Fixture *f, const gchar *sql);
/* The first column of the first row as text, "NULL" for NULL. */
gchar *db_text (Fixture *f, const gchar *sql);
void assert_sql (Fixture *f, const gchar *sql, const gchar *expected);

GBytes *pack (const ProtobufCMessage *message);
/* A request as rpc() sends it, for sending it asynchronously. */
SoupMessage *rpc_message (Fixture *f, const gchar *path, GBytes *body, const gchar *user_agent);
ApiTestResponse *rpc (Fixture *f, const gchar *path, const ProtobufCMessage *request,
                      const gchar *user_agent);

void seed_servers (Fixture *f);
Monitor__V2__GetServersResponse *get_servers (Fixture *f, const gchar *mon_id);
gchar *server_ips (Monitor__V2__GetServersResponse *r);
/* Results for all of @servers at f->ts (offset, rtt 25 ms, @stratum,
 * @error); @tamper ≥ 0 alters that result's ticket. */
GBytes *submit_body (Fixture *f, Monitor__V2__GetServersResponse *servers, gint32 version,
                     gint64 offset_ns, gint32 stratum, const gchar *error, gint tamper);
ApiTestResponse *submit (Fixture *f, Monitor__V2__GetServersResponse *servers, gint32 version,
                         gint64 offset_ns, gint32 stratum, const gchar *error, gint tamper);
