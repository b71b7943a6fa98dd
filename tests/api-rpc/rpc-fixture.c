/* rpc-fixture.c: the fixture of the monitor RPC tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "rpc-fixture.h"

ApiTestCerts *certs;
NtpmonTestMariadb *mariadb;
PeasEngine *engine;

/* Before g_test_run(): the scorer plugin, certificates, MariaDB. */
void
fixture_init (int *argc, char ***argv)
{
  const gchar *path = g_getenv ("NTPMON_PLUGIN_PATH");
  PeasPluginInfo *info;

  api_test_init (argc, argv);
  if (path == NULL)
    g_error ("NTPMON_PLUGIN_PATH is not set; run the test through meson test");
  engine = peas_engine_new ();
  peas_engine_add_search_path (engine, path, NULL);
  info = peas_engine_get_plugin_info (engine, "ntpmon-scorer");
  g_assert_nonnull (info);
  g_assert_true (peas_engine_load_plugin (engine, info));
  certs = api_test_certs_new ();
  mariadb = ntpmon_test_mariadb_start_or_fail ();
}

void
fixture_cleanup (void)
{
  ntpmon_test_mariadb_free (mariadb);
  api_test_certs_free (certs);
  g_object_unref (engine);
}

void
db_exec (Fixture *f, const gchar *sql)
{
  g_autoptr (GError) error = NULL;

  ntpmon_db_conn_exec_direct (f->conn, sql, &error);
  g_assert_no_error (error);
}

gchar *
db_text (Fixture *f, const gchar *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (f->conn, sql, &error, "");

  g_assert_no_error (error);
  if (!ntpmon_db_stmt_fetch_one (st, &error))
    return NULL;
  return ntpmon_db_stmt_is_null (st, 0) ? g_strdup ("NULL") : ntpmon_db_stmt_dup_text (st, 0);
}

void
assert_sql (Fixture *f, const gchar *sql, const gchar *expected)
{
  g_autofree gchar *value = db_text (f, sql);

  if (g_strcmp0 (value, expected) != 0)
    g_error ("%s: got %s, expected %s", sql, value, expected);
}

void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) config = NULL;
  g_autoptr (NtpmonScorer) scorer = NULL;
  g_autoptr (NtpmonApiHandlers) handlers = NULL;
  guint version;

  f->dsn = ntpmon_test_mariadb_create_database (mariadb, TRUE, NULL, &error);
  g_assert_no_error (error);
  config = ntpmon_db_config_parse_dsn (f->dsn, &error);
  g_assert_no_error (error);
  f->conn = ntpmon_db_conn_open (config, &error);
  g_assert_no_error (error);
  f->db = ntpmon_db_new (config, 2);
  ntpmon_db_set_retry_interval (f->db, 100);
  f->keydir = g_dir_make_tmp ("rpc-keys-XXXXXX", &error);
  g_assert_no_error (error);
  f->keys = ntpmon_api_key_file_store_new (f->keydir);
  g_assert_true (ntpmon_api_key_file_store_add_key (f->keys, &version, &error));
  scorer = ntpmon_api_handlers_find_status_scorer (engine, &error);
  g_assert_no_error (error);
  f->metrics = ntpmon_metrics_new ();
  f->auth = ntpmon_api_auth_new (certs->ca_crt, NULL, &error);
  g_assert_no_error (error);
  f->server = ntpmon_api_server_new (f->auth, f->metrics);
  g_assert_true (
      ntpmon_api_server_set_tls_files (f->server, certs->server_crt, certs->server_key, &error));
  handlers = ntpmon_api_handlers_new (f->db, NTPMON_API_KEY_STORE (f->keys), scorer, f->metrics,
                                      data, "test");
  g_assert_true (ntpmon_api_handlers_register (handlers, f->server, &error));
  g_assert_no_error (error);
  f->url = api_test_listen (f->server, certs, &f->trust);
  f->client = api_test_load_pair (certs->good_crt, certs->good_key);
  f->ts = 1767225600; /* 2026-01-01 00:00:00 */

  db_exec (
      f,
      "INSERT INTO accounts (id, id_token, name, created_on) VALUES (7, 'acct7', 'Seven', NOW())");
  db_exec (f, "INSERT INTO monitors (id, tls_name, hostname, ip, ip_version, status, config,"
              " account_id, created_on) VALUES (11, '" API_TEST_MONITOR "', 'good1',"
              " '192.0.2.10', 'v4', 'active', '{\"samples\":3,\"otlp_log_level\":null}', 7, NOW()),"
              " (12, '" API_TEST_MONITOR "', 'good1', '2001:db8::10', 'v6', 'active', '{}', 7,"
              " NOW()),"
              " (13, 'settings-v4.system', 'sys', NULL, 'v4', 'active',"
              " '{\"samples\":4,\"base_checks\":[\"a.example\",\"b.example\"],"
              "\"otlp_log_level\":\"info\"}', NULL, NOW())");
}

void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_object_unref (f->server);
  g_object_unref (f->auth);
  ntpmon_metrics_unref (f->metrics);
  g_object_unref (f->trust);
  g_object_unref (f->client);
  g_object_unref (f->keys);
  api_test_rmtree (f->keydir);
  g_free (f->keydir);
  g_object_unref (f->db);
  ntpmon_db_conn_free (f->conn);
  g_free (f->dsn);
  g_free (f->url);
}

GBytes *
pack (const ProtobufCMessage *message)
{
  gsize len = protobuf_c_message_get_packed_size (message);
  guint8 *data = g_malloc (len + 1);

  protobuf_c_message_pack (message, data);
  return g_bytes_new_take (data, len);
}

SoupMessage *
rpc_message (Fixture *f, const gchar *path, GBytes *body, const gchar *user_agent)
{
  g_autofree gchar *url = g_strconcat (f->url, path, NULL);
  SoupMessage *msg = soup_message_new (SOUP_METHOD_POST, url);

  soup_message_set_tls_client_certificate (msg, f->client);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "User-Agent",
                                user_agent ? user_agent : "ntppool-agent/v4.1.5");
  soup_message_set_request_body_from_bytes (
      msg, g_str_has_prefix (path, "/api/") ? "application/protobuf" : "application/proto", body);
  return msg;
}

ApiTestResponse *
rpc (Fixture *f, const gchar *path, const ProtobufCMessage *request, const gchar *user_agent)
{
  g_autofree gchar *url = g_strconcat (f->url, path, NULL);
  g_autoptr (GBytes) body = pack (request);
  ApiTestResponse *response;

  response = api_test_send (
      url, g_str_has_prefix (path, "/api/") ? "application/protobuf" : "application/proto", body,
      FALSE, f->client,
      (const gchar *[]){ "User-Agent", user_agent ? user_agent : "ntppool-agent/v4.1.5", NULL },
      f->trust);
  g_assert_no_error (response->error);
  g_test_message ("%s → %u %s", path, response->status,
                  response->status == 200 ? "" : response->body);
  return response;
}

Monitor__V2__GetServersResponse *
get_servers (Fixture *f, const gchar *mon_id)
{
  Monitor__V2__GetServersRequest req = MONITOR__V2__GET_SERVERS_REQUEST__INIT;
  g_autoptr (ApiTestResponse) r = NULL;

  req.mon_id = (gchar *)mon_id;
  r = rpc (f, V2 ("GetServers"), &req.base, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  return monitor__v2__get_servers_response__unpack (NULL, g_bytes_get_size (r->raw),
                                                    g_bytes_get_data (r->raw, NULL));
}

void
seed_servers (Fixture *f)
{
  /* id: ip, assignment of monitor 11 */
  db_exec (f, "INSERT INTO servers (id, ip, ip_version, created_on, score_ts, deletion_on) VALUES"
              " (1, '192.0.2.1', 'v4', NOW(), NULL, NULL),"
              " (2, '192.0.2.2', 'v4', NOW(), NULL, NULL),"
              " (3, '192.0.2.3', 'v4', NOW(), NULL, NULL),"
              " (4, '192.0.2.4', 'v4', NOW(), NULL, NULL),"
              " (5, '192.0.2.5', 'v4', NOW(), NULL, NULL),"
              " (6, '192.0.2.6', 'v4', NOW(), NULL, NULL),"
              " (7, '192.0.2.7', 'v4', NOW(), DATE_SUB(NOW(), INTERVAL 30 SECOND), NULL),"
              " (8, '192.0.2.8', 'v4', NOW(), NULL, DATE_SUB(CURDATE(), INTERVAL 1 DAY)),"
              " (9, '2001:db8::9', 'v6', NOW(), NULL, NULL),"
              " (10, '192.0.2.100', 'v4', NOW(), NULL, NULL)");
  db_exec (f, "INSERT INTO server_scores (monitor_id, server_id, status, score_raw, queue_ts,"
              " created_on) VALUES"
              " (11, 1, 'active', 10, NULL, NOW()),"
              " (11, 2, 'active', 10, DATE_SUB(NOW(), INTERVAL 5 MINUTE), NOW()),"
              " (11, 3, 'active', 10, DATE_SUB(NOW(), INTERVAL 10 MINUTE), NOW()),"
              " (11, 4, 'active', -95, DATE_SUB(NOW(), INTERVAL 10 MINUTE), NOW()),"
              " (11, 5, 'paused', -95, DATE_SUB(NOW(), INTERVAL 121 MINUTE), NOW()),"
              " (11, 6, 'candidate', 0, DATE_SUB(NOW(), INTERVAL 60 MINUTE), NOW()),"
              " (11, 7, 'active', 10, NULL, NOW()),"
              " (11, 8, 'active', 10, NULL, NOW()),"
              " (11, 9, 'active', 10, NULL, NOW())");
}

gchar *
server_ips (Monitor__V2__GetServersResponse *r)
{
  GString *s = g_string_new ("");

  for (gsize i = 0; i < r->n_servers; i++)
    {
      g_assert_cmpuint (r->servers[i]->ip_bytes.len, ==, 4);
      g_string_append_printf (s, "%s%u", i ? "," : "", r->servers[i]->ip_bytes.data[3]);
      g_assert_cmpuint (r->servers[i]->ticket.len, >, 0);
    }
  return g_string_free (s, FALSE);
}

GBytes *
submit_body (Fixture *f, Monitor__V2__GetServersResponse *servers, gint32 version, gint64 offset_ns,
             gint32 stratum, const gchar *error, gint tamper)
{
  Monitor__V2__SubmitResultsRequest req = MONITOR__V2__SUBMIT_RESULTS_REQUEST__INIT;
  g_autofree Monitor__V2__ServerStatus *st
      = g_new0 (Monitor__V2__ServerStatus, servers->n_servers + 1);
  g_autofree Monitor__V2__ServerStatus **list
      = g_new0 (Monitor__V2__ServerStatus *, servers->n_servers + 1);
  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  Google__Protobuf__Duration off = GOOGLE__PROTOBUF__DURATION__INIT;
  Google__Protobuf__Duration rtt = GOOGLE__PROTOBUF__DURATION__INIT;
  guint8 bad[64];

  ts.seconds = f->ts;
  off.seconds = offset_ns / 1000000000;
  off.nanos = (gint32)(offset_ns % 1000000000);
  rtt.nanos = 25000000;
  for (gsize i = 0; i < servers->n_servers; i++)
    {
      monitor__v2__server_status__init (&st[i]);
      st[i].ticket = servers->servers[i]->ticket;
      st[i].ip_bytes = servers->servers[i]->ip_bytes;
      st[i].ts = &ts;
      st[i].offset = &off;
      st[i].rtt = &rtt;
      st[i].stratum = stratum;
      st[i].error = (gchar *)(error ? error : "");
      list[i] = &st[i];
    }
  if (tamper >= 0)
    {
      memcpy (bad, st[tamper].ticket.data, MIN (st[tamper].ticket.len, sizeof bad));
      bad[0] ^= 1;
      st[tamper].ticket.data = bad;
    }
  req.version = version;
  req.mon_id = "192.0.2.10";
  req.batch_id = servers->batch_id;
  req.n_list = servers->n_servers;
  req.list = list;
  return pack (&req.base);
}

ApiTestResponse *
submit (Fixture *f, Monitor__V2__GetServersResponse *servers, gint32 version, gint64 offset_ns,
        gint32 stratum, const gchar *error, gint tamper)
{
  g_autofree gchar *url = g_strconcat (f->url, V2 ("SubmitResults"), NULL);
  g_autoptr (GBytes) body = submit_body (f, servers, version, offset_ns, stratum, error, tamper);
  ApiTestResponse *response
      = api_test_send (url, "application/proto", body, FALSE, f->client,
                       (const gchar *[]){ "User-Agent", "ntppool-agent/v4.1.5", NULL }, f->trust);

  g_assert_no_error (response->error);
  g_test_message ("SubmitResults → %u %s", response->status,
                  response->status == 200 ? "" : response->body);
  return response;
}
