/* test-rpc-handlers.c: GetConfig, GetServers and SubmitResults end to end
 *
 * SPDX-License-Identifier: MIT
 *
 * The fixture is in rpc-fixture.h. Case names carry the numbers of spec
 * api-server.md §19.
 */
#include "config.h"

#include <string.h>

#include "rpc-fixture.h"

static Monitor__V2__GetConfigResponse *
get_config (Fixture *f, const gchar *mon_id, guint expect_status)
{
  Monitor__V2__GetConfigRequest req = MONITOR__V2__GET_CONFIG_REQUEST__INIT;
  g_autoptr (ApiTestResponse) r = NULL;

  req.mon_id = (gchar *)mon_id;
  r = rpc (f, V2 ("GetConfig"), &req.base, "ntppool-agent/v4.1.5/abc1234 (x)");
  g_assert_cmpuint (r->status, ==, expect_status);
  if (expect_status != 200)
    return NULL;
  return monitor__v2__get_config_response__unpack (NULL, g_bytes_get_size (r->raw),
                                                   g_bytes_get_data (r->raw, NULL));
}

/* §19 29, 28 */
static void
test_getconfig_merge (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetConfigResponse *c = get_config (f, "192.0.2.10", 200);
  static const guint8 ip[] = { 192, 0, 2, 10 };

  g_assert_nonnull (c);
  g_assert_cmpint (c->samples, ==, 3);
  g_assert_cmpuint (c->n_base_checks, ==, 2);
  g_assert_cmpmem (c->base_checks[0].data, c->base_checks[0].len, "a.example", 9);
  g_assert_cmpmem (c->base_checks[1].data, c->base_checks[1].len, "b.example", 9);
  g_assert_cmpstr (c->otlp_log_level, ==, "");
  g_assert_cmpmem (c->ip_bytes.data, c->ip_bytes.len, ip, 4);
  g_assert_null (c->mqtt_config);
  monitor__v2__get_config_response__free_unpacked (c, NULL);
  assert_sql (f, "SELECT client_version FROM monitors WHERE id = 11", "v4.1.5/abc1234 (x)");
  assert_sql (f, "SELECT last_seen IS NOT NULL FROM monitors WHERE id = 11", "1");

  /* the v6 row: no settings-v6.system row → its own config alone */
  c = get_config (f, "2001:db8::10", 200);
  g_assert_cmpint (c->samples, ==, 0);
  g_assert_cmpuint (c->n_base_checks, ==, 0);
  g_assert_cmpuint (c->ip_bytes.len, ==, 16);
  monitor__v2__get_config_response__free_unpacked (c, NULL);

  db_exec (f, "UPDATE monitors SET config = '' WHERE id = 11");
  g_assert_null (get_config (f, "192.0.2.10", 500));
}

/* §19 26, 27 */
static void
test_getconfig_unknown_inactive (Fixture *f, gconstpointer data)
{
  g_assert_null (get_config (f, "198.51.100.1", 404));
  db_exec (f, "UPDATE monitors SET status = 'paused', client_version = 'old' WHERE id = 11");
  g_assert_null (get_config (f, "192.0.2.10", 403));
  assert_sql (f, "SELECT last_seen IS NOT NULL FROM monitors WHERE id = 11", "1");
  assert_sql (f, "SELECT client_version FROM monitors WHERE id = 11", "old");
}

/* §19 30 */
static void
test_getconfig_mqtt (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetConfigResponse *c = get_config (f, "192.0.2.10", 200);
  g_auto (GStrv) parts = NULL;
  g_autofree gchar *jwt = NULL;

  g_assert_nonnull (c->mqtt_config);
  g_assert_cmpmem (c->mqtt_config->host.data, c->mqtt_config->host.len, "mqtt.ntppool.net", 16);
  g_assert_cmpint (c->mqtt_config->port, ==, 1883);
  g_assert_cmpmem (c->mqtt_config->prefix.data, c->mqtt_config->prefix.len, "/test/monitors", 14);
  jwt = g_strndup ((const gchar *)c->mqtt_config->jwt.data, c->mqtt_config->jwt.len);
  parts = g_strsplit (jwt, ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  monitor__v2__get_config_response__free_unpacked (c, NULL);
  {
    gsize len;
    g_autofree gchar *b64 = g_strdup (parts[1]);
    g_autofree guchar *claims = NULL;
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *o;

    g_strdelimit (b64, "-", '+');
    g_strdelimit (b64, "_", '/');
    b64 = g_realloc (b64, strlen (b64) + 4);
    strcat (b64, &"==="[(strlen (b64) % 4 == 0) ? 3 : strlen (b64) % 4 - 1]);
    claims = g_base64_decode (b64, &len);
    g_assert_true (json_parser_load_from_data (parser, (gchar *)claims, len, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (o, "sub"), ==, API_TEST_MONITOR);
    g_assert_cmpint (json_object_get_int_member (o, "exp") - json_object_get_int_member (o, "iat"),
                     ==, 21600);
    g_assert_cmpint (json_object_get_int_member (o, "iat") - json_object_get_int_member (o, "nbf"),
                     ==, 30);
    g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o, "subs"), 0),
                     ==, "/test/monitors/requests/" API_TEST_MONITOR "/+");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "publ")), ==, 4);
  }
}

/* §19 32, 33, 35, 36 */
static void
test_getservers_due (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autofree gchar *ips = NULL;
  NtpmonUlid ulid;
  gint64 now_ms = g_get_real_time () / 1000;

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  ips = server_ips (r);
  /* NULL queue_ts first (1), then oldest queue_ts: 5 (121 min), 3 (10 min) */
  g_assert_cmpstr (ips, ==, "1,5,3");
  g_assert_cmpuint (r->batch_id.len, ==, 26);
  g_assert_true (ntpmon_ulid_parse ((const gchar *)r->batch_id.data, 26, &ulid, NULL));
  g_assert_cmpint (ABS ((gint64)ntpmon_ulid_get_time_ms (&ulid) - now_ms), <, 1000);
  g_assert_cmpint (r->config->samples, ==, 3);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
  assert_sql (f,
              "SELECT COUNT(*) FROM server_scores WHERE monitor_id = 11 AND server_id IN (1,3,5)"
              " AND queue_ts >= DATE_SUB(NOW(), INTERVAL 5 SECOND)",
              "3");
  /* the second call does not return them again */
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, ==, 0);
  g_assert_cmpuint (r->batch_id.len, ==, 26);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);

  /* batch size from the settings */
  db_exec (f, "UPDATE server_scores SET queue_ts = NULL WHERE monitor_id = 11");
  db_exec (f, "INSERT INTO system_settings (`key`, value, created_on) VALUES"
              " ('monitors', '{\"batch_size\":2}', NOW())");
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, ==, 2);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* §19 34 */
static void
test_getservers_testing_interval (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autofree gchar *ips = NULL;

  seed_servers (f);
  db_exec (f, "UPDATE monitors SET status = 'testing' WHERE id = 11");
  db_exec (f, "UPDATE server_scores SET queue_ts = NOW() WHERE server_id IN (1, 5)");
  r = get_servers (f, "192.0.2.10");
  ips = server_ips (r);
  g_assert_cmpstr (ips, ==, "");
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* A due server whose servers.ip does not parse fails the RPC (internal),
 * also for the tickets of the good ones; the API still serves after it. */
static void
test_getservers_bad_ip (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersRequest req = MONITOR__V2__GET_SERVERS_REQUEST__INIT;
  g_autoptr (ApiTestResponse) bad = NULL;
  Monitor__V2__GetServersResponse *r;

  seed_servers (f);
  db_exec (f, "UPDATE servers SET ip = 'not-an-address' WHERE id = 3");
  req.mon_id = "192.0.2.10";
  bad = rpc (f, V2 ("GetServers"), &req.base, NULL);
  g_assert_cmpuint (bad->status, ==, 500);
  g_assert_nonnull (strstr (bad->body, "\"internal\""));
  db_exec (f, "UPDATE servers SET ip = '192.0.2.3' WHERE id = 3");
  db_exec (f, "UPDATE server_scores SET queue_ts = NULL");
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, >, 0);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* A monitor config that does not decode (a value of the wrong type) fails
 * GetServers before any server is taken: no queue_ts is stamped. */
static void
test_getservers_bad_config (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersRequest req = MONITOR__V2__GET_SERVERS_REQUEST__INIT;
  g_autoptr (ApiTestResponse) bad = NULL;
  g_autofree gchar *before = NULL, *after = NULL;
  const gchar *queue = "SELECT GROUP_CONCAT(CONCAT(server_id, ':', COALESCE(queue_ts, '-'))"
                       " ORDER BY server_id) FROM server_scores WHERE monitor_id = 11";

  seed_servers (f);
  db_exec (f, "UPDATE monitors SET config = '{\"samples\":\"four\"}' WHERE id = 11");
  before = db_text (f, queue);
  req.mon_id = "192.0.2.10";
  bad = rpc (f, V2 ("GetServers"), &req.base, NULL);
  g_assert_cmpuint (bad->status, ==, 500);
  g_assert_nonnull (strstr (bad->body, "could not get config"));
  after = db_text (f, queue);
  g_assert_cmpstr (after, ==, before);
  g_assert_nonnull (strstr (before, ":-")); /* some were due */
}

/* §19 37, 47 */
static void
test_submit_happy (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autoptr (ApiTestResponse) resp = NULL;
  NtpmonUlid ulid;
  g_autofree gchar *expect_submit = NULL;

  seed_servers (f);
  db_exec (f, "UPDATE servers SET stratum = 2 WHERE id = 5");
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, ==, 3);
  resp = submit (f, r, 4, 10000000, 2, NULL, -1);
  g_assert_cmpuint (resp->status, ==, 200);
  assert_sql (f,
              "SELECT GROUP_CONCAT(CONCAT_WS('|', server_id, monitor_id, ts, score, step,"
              " `offset`, rtt, IFNULL(attributes, 'NULL')) ORDER BY id) FROM log_scores",
              "1|11|2026-01-01 00:00:00|10.5|1|0.01|25000|NULL,"
              "5|11|2026-01-01 00:00:00|-89.25|1|0.01|25000|NULL,"
              "3|11|2026-01-01 00:00:00|10.5|1|0.01|25000|NULL");
  assert_sql (f,
              "SELECT GROUP_CONCAT(CONCAT_WS('|', server_id, score_raw, score_ts, stratum)"
              " ORDER BY server_id) FROM server_scores WHERE server_id IN (1,3,5)",
              "1|10.5|2026-01-01 00:00:00|2,3|10.5|2026-01-01 00:00:00|2,"
              "5|-89.25|2026-01-01 00:00:00|2");
  assert_sql (f, "SELECT GROUP_CONCAT(stratum ORDER BY id) FROM servers WHERE id IN (1,3,5)",
              "2,2,2");
  g_assert_true (ntpmon_ulid_parse ((const gchar *)r->batch_id.data, 26, &ulid, NULL));
  {
    g_autoptr (GDateTime) t = ntpmon_ulid_get_datetime (&ulid);
    expect_submit = g_date_time_format (t, "%Y-%m-%d %H:%M:%S.%f");
  }
  assert_sql (f, "SELECT last_submit FROM monitors WHERE id = 11", expect_submit);
  g_assert_cmpfloat (
      ntpmon_metric_get (ntpmon_metrics_lookup (f->metrics, "tests_completed_total"),
                         (const gchar *[]){ API_TEST_MONITOR, "v4", "ok", "4", "acct7", "7" }),
      ==, 3);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* §19 38, 40, 41, 42 */
static void
test_submit_rejections (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  Monitor__V2__GetServersResponse *r2;
  NtpmonMetric *completed;

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, ==, 3);
  {
    g_autoptr (ApiTestResponse) bad = submit (f, r, 4, 0, 2, NULL, 1);

    g_assert_cmpuint (bad->status, ==, 400);
    g_assert_nonnull (strstr (bad->body, "signature validation failed"));
  }
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "0");
  assert_sql (f, "SELECT last_submit IS NOT NULL FROM monitors WHERE id = 11", "1");
  completed = ntpmon_metrics_lookup (f->metrics, "tests_completed_total");
  g_assert_cmpfloat (
      ntpmon_metric_get (completed, (const gchar *[]){ API_TEST_MONITOR, "v4",
                                                       "signature_validation", "4", "acct7", "7" }),
      ==, 2);
  {
    g_autoptr (ApiTestResponse) v1 = submit (f, r, 1, 0, 2, NULL, -1);
    g_autoptr (ApiTestResponse) v5 = submit (f, r, 5, 0, 2, NULL, -1);

    g_assert_cmpuint (v1->status, ==, 400);
    g_assert_cmpuint (v5->status, ==, 400);
    g_assert_nonnull (strstr (v5->body, "Version Unsupported data version"));
  }
  /* a newer batch, then the older one is refused */
  db_exec (f, "UPDATE server_scores SET queue_ts = NULL");
  g_usleep (2000);
  r2 = get_servers (f, "192.0.2.10");
  {
    g_autoptr (ApiTestResponse) ok2 = submit (f, r2, 4, 0, 2, NULL, -1);
    g_autoptr (ApiTestResponse) old = submit (f, r, 4, 0, 2, NULL, -1);
    g_autoptr (ApiTestResponse) again = NULL;

    /* B2 again, with later results (the same ones would be stored once) */
    f->ts += 540;
    again = submit (f, r2, 4, 0, 2, NULL, -1);

    g_assert_cmpuint (ok2->status, ==, 200);
    g_assert_cmpuint (old->status, ==, 400);
    g_assert_nonnull (strstr (old->body, "invalid batch submission"));
    g_assert_cmpuint (again->status, ==, 200);
  }
  {
    g_autofree gchar *twice = g_strdup_printf ("%" G_GSIZE_FORMAT, 2 * r2->n_servers);

    g_assert_cmpuint (r2->n_servers, ==, 6); /* 1–6 with queue_ts NULL */
    assert_sql (f, "SELECT COUNT(*) FROM log_scores", twice);
  }
  r2->batch_id.len = 25;
  {
    g_autoptr (ApiTestResponse) short_id = submit (f, r2, 4, 0, 2, NULL, -1);

    g_assert_cmpuint (short_id->status, ==, 400);
    g_assert_nonnull (strstr (short_id->body, "invalid batch ID"));
  }
  r2->batch_id.len = 26;
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
  monitor__v2__get_servers_response__free_unpacked (r2, NULL);
}

/* §19 45, 43 */
static void
test_submit_kiss_and_unknown (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  {
    g_autoptr (ApiTestResponse) rate = submit (f, r, 4, 0, 0, "DENY", -1);

    g_assert_cmpuint (rate->status, ==, 200);
  }
  assert_sql (f,
              "SELECT GROUP_CONCAT(CONCAT_WS('|', step, score, attributes) ORDER BY id)"
              " FROM log_scores",
              "-10|-50|{\"error\":\"DENY\"},-10|-100.25|{\"error\":\"DENY\"},"
              "-10|-50|{\"error\":\"DENY\"}");
  /* stratum 0 never updates stratum */
  assert_sql (f, "SELECT COUNT(*) FROM servers WHERE stratum IS NOT NULL", "0");
  /* a server without an assignment: everything rolled back */
  db_exec (f, "DELETE FROM server_scores WHERE server_id = 3");
  db_exec (f, "UPDATE monitors SET last_submit = NULL");
  {
    g_autoptr (ApiTestResponse) missing = submit (f, r, 4, 0, 2, NULL, -1);

    g_assert_cmpuint (missing->status, ==, 500);
  }
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "3");
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* §19 39, 44: version 2 needs no tickets; untrusted zero offsets */
static void
test_submit_v2_zero_offset (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;

  seed_servers (f);
  db_exec (f, "UPDATE monitors SET client_version = 'v3.8.4' WHERE id = 11");
  r = get_servers (f, "192.0.2.10");
  for (gsize i = 0; i < r->n_servers; i++)
    r->servers[i]->ticket.len = 0;
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 2, 0, 0, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  assert_sql (f,
              "SELECT GROUP_CONCAT(CONCAT_WS('|', server_id, step, score, IFNULL(`offset`, 'NULL'),"
              " attributes) ORDER BY id) FROM log_scores",
              "1|-2|5|NULL|{\"error\":\"untrusted zero offset\"},"
              "5|-2|-92.25|NULL|{\"error\":\"untrusted zero offset\"},"
              "3|-2|5|NULL|{\"error\":\"untrusted zero offset\"}");
  db_exec (f, "DELETE FROM log_scores");
  db_exec (f, "UPDATE monitors SET client_version = 'v3.8.5' WHERE id = 11");
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 2, 0, 0, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  assert_sql (f,
              "SELECT GROUP_CONCAT(DISTINCT CONCAT_WS('|', step, `offset`, attributes))"
              " FROM log_scores",
              "-2|0|{\"error\":\"unexpected stratum 0\"}");
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

static ApiTestResponse *
send_raw (Fixture *f, const gchar *path, const gchar *content_type, const void *data, gsize len)
{
  g_autofree gchar *url = g_strconcat (f->url, path, NULL);
  g_autoptr (GBytes) body = g_bytes_new (data, len);
  ApiTestResponse *r = api_test_send (url, content_type, body, FALSE, f->client, NULL, f->trust);

  g_assert_no_error (r->error);
  g_test_message ("%s → %u %s", path, r->status, r->body);
  return r;
}

/* Garbage, truncated and mistyped bodies, bad IP lengths, unknown fields:
 * proper errors, nothing stored, the server keeps serving. */
static void
test_bad_input (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  Monitor__V2__SubmitResultsRequest req = MONITOR__V2__SUBMIT_RESULTS_REQUEST__INIT;
  Monitor__V2__ServerStatus st = MONITOR__V2__SERVER_STATUS__INIT;
  Monitor__V2__ServerStatus *list[] = { &st };
  static const guint8 five[] = { 192, 0, 2, 1, 0 };
  guint8 packed[512];
  gsize len;

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  st.ip_bytes = (ProtobufCBinaryData){ sizeof five, (guint8 *)five };
  req.version = 2;
  req.mon_id = "192.0.2.10";
  req.batch_id = r->batch_id;
  req.n_list = 1;
  req.list = list;
  len = protobuf_c_message_pack (&req.base, packed);
  {
    g_autoptr (ApiTestResponse) garbage
        = send_raw (f, V2 ("SubmitResults"), "application/proto", "\xff\xff\xff\xff", 4);
    g_autoptr (ApiTestResponse) truncated
        = send_raw (f, V2 ("SubmitResults"), "application/proto", packed, len - 3);
    g_autoptr (ApiTestResponse) bad_json
        = send_raw (f, V2 ("SubmitResults"), "application/json", "{\"version\":", 11);
    g_autoptr (ApiTestResponse) wrong_type
        = send_raw (f, V2 ("SubmitResults"), "application/json", "{\"version\":\"four\"}", 18);
    /* 5 address bytes decode as an IPv6 address that is no server */
    g_autoptr (ApiTestResponse) bad_ip
        = send_raw (f, V2 ("SubmitResults"), "application/proto", packed, len);
    g_autoptr (ApiTestResponse) unknown_field = send_raw (
        f, V2 ("GetConfig"), "application/json", "{\"monId\":\"192.0.2.10\",\"extra\":1}", 32);

    g_assert_cmpuint (garbage->status, ==, 400);
    g_assert_nonnull (strstr (garbage->body, "invalid_argument"));
    g_assert_cmpuint (truncated->status, ==, 400);
    g_assert_cmpuint (bad_json->status, ==, 400);
    g_assert_cmpuint (wrong_type->status, ==, 400);
    g_assert_cmpuint (bad_ip->status, ==, 500);
    g_assert_nonnull (strstr (bad_ip->body, "no rows"));
    g_assert_cmpuint (unknown_field->status, ==, 200);
    g_assert_nonnull (strstr (unknown_field->body, "\"samples\":3"));
  }
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "0");
  /* still serving */
  monitor__v2__get_config_response__free_unpacked (get_config (f, "192.0.2.10", 200), NULL);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* §19 31 and the legacy routes */
static void
test_twirp_legacy (Fixture *f, gconstpointer data)
{
  Api__GetConfigParams params = API__GET_CONFIG_PARAMS__INIT;
  Api__GetServersParams sparams = API__GET_SERVERS_PARAMS__INIT;

  seed_servers (f);
  db_exec (f, "UPDATE monitors SET client_version = 'v3.8.6' WHERE id = 11");
  db_exec (f, "DELETE FROM monitors WHERE id = 12");
  {
    g_autoptr (ApiTestResponse) r = rpc (f, TW ("GetServers"), &sparams.base, "ntpmon/v3.8.6");
    Api__ServerList *list;
    Api__ServerStatusList sub = API__SERVER_STATUS_LIST__INIT;
    g_autofree Api__ServerStatus *st = NULL;
    g_autofree Api__ServerStatus **items = NULL;
    Google__Protobuf__Duration off = GOOGLE__PROTOBUF__DURATION__INIT;

    g_assert_cmpuint (r->status, ==, 200);
    list = api__server_list__unpack (NULL, g_bytes_get_size (r->raw),
                                     g_bytes_get_data (r->raw, NULL));
    g_assert_nonnull (list);
    g_assert_cmpuint (list->n_servers, ==, 3);
    g_assert_cmpint (list->config->samples, ==, 3);
    st = g_new0 (Api__ServerStatus, list->n_servers);
    items = g_new0 (Api__ServerStatus *, list->n_servers);
    off.nanos = 1000000;
    for (gsize i = 0; i < list->n_servers; i++)
      {
        api__server_status__init (&st[i]);
        st[i].ticket = list->servers[i]->ticket;
        st[i].ip_bytes = list->servers[i]->ip_bytes;
        st[i].offset = &off;
        st[i].stratum = 3;
        st[i].leap = 1;
        items[i] = &st[i];
      }
    sub.version = 3;
    sub.batch_id = list->batch_id;
    sub.n_list = list->n_servers;
    sub.list = items;
    {
      g_autoptr (ApiTestResponse) s = rpc (f, TW ("SubmitResults"), &sub.base, NULL);

      g_assert_cmpuint (s->status, ==, 200);
    }
    /* §5.5, the legacy route's errors: the version names its argument, a
     * refused batch is `internal` */
    {
      g_autoptr (ApiTestResponse) version = NULL;
      g_autoptr (ApiTestResponse) old = NULL;
      g_autoptr (ApiTestResponse) bad_id = NULL;

      sub.version = 5;
      version = rpc (f, TW ("SubmitResults"), &sub.base, NULL);
      sub.version = 3;
      /* the same batch again is accepted; older than the last one is not */
      old = rpc (f, TW ("SubmitResults"), &sub.base, NULL);
      g_assert_cmpuint (old->status, ==, 200);
      g_clear_pointer (&old, api_test_response_free);
      db_exec (f, "UPDATE monitors SET last_submit = NOW() + INTERVAL 1 HOUR WHERE id = 11");
      old = rpc (f, TW ("SubmitResults"), &sub.base, NULL);
      sub.batch_id.len = 25;
      bad_id = rpc (f, TW ("SubmitResults"), &sub.base, NULL);
      sub.batch_id.len = 26;
      g_assert_cmpuint (version->status, ==, 400);
      g_assert_cmpstr (
          version->body, ==,
          "{\"code\":\"invalid_argument\",\"msg\":\"Version Unsupported data version\","
          "\"meta\":{\"argument\":\"Version\"}}");
      g_assert_cmpuint (old->status, ==, 500);
      g_assert_cmpstr (old->body, ==,
                       "{\"code\":\"internal\",\"msg\":\"invalid batch submission\"}");
      g_assert_cmpuint (bad_id->status, ==, 500);
      g_assert_nonnull (
          strstr (bad_id->body, "{\"code\":\"internal\",\"msg\":\"invalid batch ID: "));
    }
    api__server_list__free_unpacked (list, NULL);
  }
  assert_sql (f, "SELECT GROUP_CONCAT(DISTINCT attributes) FROM log_scores", "{\"leap\":1}");
  assert_sql (f, "SELECT COUNT(*) FROM log_scores WHERE step = 1 AND `offset` = 0.001", "3");

  db_exec (f, "UPDATE monitors SET client_version = 'v4.0.1' WHERE id = 11");
  {
    g_autoptr (ApiTestResponse) r = rpc (f, TW ("GetConfig"), &params.base, NULL);

    g_assert_cmpuint (r->status, ==, 403);
    g_assert_nonnull (strstr (r->body, "Please disable ntppool-monitor"));
  }
}

typedef struct
{
  gboolean done;
  GBytes *out;
  GError *error;
} ToolRun;

static void
tool_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ToolRun *run = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &run->out, NULL, &run->error);
  run->done = TRUE;
}

/* Runs @argv with @input on stdin while the server keeps serving on this
 * thread's main context; the exit status must be 0. */
static GBytes *
run_tool (const gchar *const *argv, GBytes *input)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (
      argv, (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0) | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
      &error);
  ToolRun run = { 0 };

  g_assert_no_error (error);
  g_subprocess_communicate_async (proc, input, NULL, tool_done, &run);
  api_test_wait (&run.done);
  g_assert_no_error (run.error);
  g_subprocess_wait (proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  return run.out;
}

static GBytes *
protoc (const gchar *mode, const gchar *type, GBytes *input)
{
  g_autofree gchar *include
      = g_build_filename (g_getenv ("NTPMON_SOURCE_ROOT"), "core", "proto", NULL);
  g_autofree gchar *inc_arg = g_strconcat ("-I", include, NULL);
  g_autofree gchar *mode_arg = g_strconcat (mode, "=", type, NULL);

  return run_tool (
      (const gchar *[]){ "protoc", inc_arg, mode_arg, "monitor/v2/monitor_manager.proto", NULL },
      input);
}

/* An independent client: protoc encodes, curl sends two requests on one
 * kept-alive connection (proto, then JSON), protoc decodes. */
static void
test_wire_protoc_curl (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) text = g_bytes_new_static ("mon_id: \"192.0.2.10\"", 20);
  g_autoptr (GBytes) encoded = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) decoded = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("rpc-wire-XXXXXX", NULL);
  g_autofree gchar *req = g_build_filename (dir, "req.bin", NULL);
  g_autofree gchar *resp = g_build_filename (dir, "resp.bin", NULL);
  g_autofree gchar *data_arg = g_strconcat ("@", req, NULL);
  g_autofree gchar *url = g_strconcat (f->url, V2 ("GetConfig"), NULL);
  g_autofree gchar *decoded_text = NULL;
  g_autofree gchar *json = NULL;

  api_test_require_program ("protoc", "protobuf-compiler");
  api_test_require_program ("curl", "curl");
  encoded = protoc ("--encode", "monitor.v2.GetConfigRequest", text);
  g_assert_cmpuint (g_bytes_get_size (encoded), ==, 12);
  g_assert_true (g_file_set_contents (req, g_bytes_get_data (encoded, NULL),
                                      g_bytes_get_size (encoded), NULL));
  out = run_tool ((const gchar *[]){ "curl",
                                     "-sS",
                                     "--cacert",
                                     certs->ca_crt,
                                     "--cert",
                                     certs->good_crt,
                                     "--key",
                                     certs->good_key,
                                     "-H",
                                     "Content-Type: application/proto",
                                     "--data-binary",
                                     data_arg,
                                     "-o",
                                     resp,
                                     url,
                                     "--next",
                                     "-w",
                                     "|connects=%{num_connects}",
                                     "--cacert",
                                     certs->ca_crt,
                                     "--cert",
                                     certs->good_crt,
                                     "--key",
                                     certs->good_key,
                                     "-H",
                                     "Content-Type: application/json",
                                     "-d",
                                     "{\"monId\":\"192.0.2.10\"}",
                                     url,
                                     NULL },
                  NULL);
  json = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_test_message ("JSON: %s", json);
  g_assert_nonnull (strstr (json, "\"samples\":3"));
  /* the second request reused the connection and was still authenticated */
  g_assert_nonnull (strstr (json, "|connects=0"));
  g_assert_nonnull (strstr (json, "\"ipBytes\":\"wAACCg==\""));
  {
    gchar *contents;
    gsize len;

    g_assert_true (g_file_get_contents (resp, &contents, &len, NULL));
    encoded = g_bytes_new_take (contents, len);
  }
  decoded = protoc ("--decode", "monitor.v2.GetConfigResponse", encoded);
  decoded_text = g_strndup (g_bytes_get_data (decoded, NULL), g_bytes_get_size (decoded));
  g_test_message ("%s", decoded_text);
  g_assert_nonnull (strstr (decoded_text, "samples: 3"));
  g_assert_nonnull (strstr (decoded_text, "base_checks: \"a.example\""));
  g_assert_nonnull (strstr (decoded_text, "ip_bytes: \"\\300\\000\\002\\n\""));
  api_test_rmtree (dir);
}

/* The database goes away and comes back; the server keeps running. */
static void
test_db_outage (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetConfigResponse *c;

  c = get_config (f, "192.0.2.10", 200);
  monitor__v2__get_config_response__free_unpacked (c, NULL);
  g_assert_true (ntpmon_test_mariadb_stop (mariadb, &error));
  g_assert_no_error (error);
  {
    Monitor__V2__GetConfigRequest req = MONITOR__V2__GET_CONFIG_REQUEST__INIT;
    g_autoptr (ApiTestResponse) r = NULL;

    req.mon_id = "192.0.2.10";
    r = rpc (f, V2 ("GetConfig"), &req.base, NULL);
    g_assert_cmpuint (r->status, ==, 503);
    g_assert_nonnull (strstr (r->body, "unavailable"));
  }
  g_assert_true (ntpmon_test_mariadb_restart (mariadb, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 50; i++)
    {
      Monitor__V2__GetConfigRequest req = MONITOR__V2__GET_CONFIG_REQUEST__INIT;
      g_autoptr (ApiTestResponse) r = NULL;

      req.mon_id = "192.0.2.10";
      r = rpc (f, V2 ("GetConfig"), &req.base, NULL);
      if (r->status == 200)
        return;
      g_usleep (200000);
    }
  g_assert_not_reached ();
}

/* §15: `db mon NAME` lists the rows and the merged config. */
static void
test_db_mon (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_auto (GStrv) pieces = NULL;

  g_subprocess_launcher_setenv (launcher, "DATABASE_DSN", f->dsn, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, NTPMON_API_BINARY, "db", "mon",
                                      API_TEST_MONITOR, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_nonnull (strstr (out, "monitor 11: tls_name=" API_TEST_MONITOR));
  g_assert_nonnull (strstr (out, "monitor 12: tls_name=" API_TEST_MONITOR));
  /* v4 has a system row: merged (samples 3, otlp_log_level removed) */
  g_assert_nonnull (
      strstr (out, "merged config: {\"samples\":3,\"base_checks\":[\"a.example\",\"b.example\"]}"));
  pieces = g_strsplit (out, "merged", -1);
  g_assert_cmpuint (g_strv_length (pieces), ==, 2); /* not for the v6 row */
}

int
main (int argc, char **argv)
{
  int status;

  fixture_init (&argc, &argv);
#define ADD(name, fn, jwt)                                                                         \
  g_test_add ("/api-rpc/" name, Fixture, jwt, fixture_setup, fn, fixture_teardown)
  ADD ("getconfig/29-merge", test_getconfig_merge, NULL);
  ADD ("getconfig/26-27-unknown-inactive", test_getconfig_unknown_inactive, NULL);
  ADD ("getconfig/30-mqtt", test_getconfig_mqtt, "secret-key");
  ADD ("getservers/33-35-36-due", test_getservers_due, NULL);
  ADD ("getservers/34-testing-interval", test_getservers_testing_interval, NULL);
  ADD ("getservers/bad-server-ip", test_getservers_bad_ip, NULL);
  ADD ("getservers/bad-config-takes-nothing", test_getservers_bad_config, NULL);
  ADD ("submit/37-47-happy", test_submit_happy, NULL);
  ADD ("submit/38-40-41-42-rejections", test_submit_rejections, NULL);
  ADD ("submit/43-45-kiss-unknown", test_submit_kiss_and_unknown, NULL);
  ADD ("submit/39-44-v2-zero-offset", test_submit_v2_zero_offset, NULL);
  ADD ("input/bad-bodies", test_bad_input, NULL);
  ADD ("twirp/31-legacy", test_twirp_legacy, NULL);
  ADD ("cli/db-mon", test_db_mon, NULL);
  ADD ("wire/protoc-curl", test_wire_protoc_curl, NULL);
  ADD ("db/outage", test_db_outage, NULL);
  status = g_test_run ();
  fixture_cleanup ();
  return status;
}
