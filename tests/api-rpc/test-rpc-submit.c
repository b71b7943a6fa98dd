/* test-rpc-submit.c: SubmitResults, stratum updates and resubmissions
 *
 * SPDX-License-Identifier: MIT
 *
 * The fixture is in rpc-fixture.h. Case names carry the numbers of spec
 * api-server.md §19 where the spec has one; "resubmit" are the
 * exactly-once rules of this implementation (README, "The spool").
 */
#include "config.h"

#include <string.h>

#include "rpc-fixture.h"

/* Submits a fresh batch for servers 1, 3 and 5 with @stratum, one
 * interval after the previous results. */
static void
submit_again (Fixture *f, gint32 stratum)
{
  Monitor__V2__GetServersResponse *r;
  g_autoptr (ApiTestResponse) resp = NULL;
  g_autofree gchar *ips = NULL;

  db_exec (f, "UPDATE server_scores SET queue_ts = NULL WHERE server_id IN (1, 3, 5)");
  g_usleep (2000); /* a newer batch id */
  f->ts += 540;
  r = get_servers (f, "192.0.2.10");
  ips = server_ips (r);
  g_assert_cmpuint (r->n_servers, ==, 3); /* the only due ones */
  g_assert_nonnull (strstr (ips, "1"));
  g_assert_nonnull (strstr (ips, "3"));
  g_assert_nonnull (strstr (ips, "5"));
  resp = submit (f, r, 4, 10000000, stratum, stratum == 0 ? "RATE" : NULL, -1);
  g_assert_cmpuint (resp->status, ==, 200);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* §19 47: an unchanged stratum issues no UPDATE of servers. A row trigger
 * records every row an UPDATE of servers touches, also one that writes the
 * value the row has already (which neither ROW_COUNT nor a timestamp
 * column would show). */
static void
test_submit_stratum_unchanged (Fixture *f, gconstpointer data)
{
  seed_servers (f);
  db_exec (f, "UPDATE servers SET stratum = 2 WHERE id = 1");
  db_exec (f, "UPDATE servers SET stratum = 3 WHERE id = 3");
  db_exec (f, "CREATE TABLE servers_writes (seq int AUTO_INCREMENT PRIMARY KEY,"
              " server_id int unsigned NOT NULL, stratum int)");
  db_exec (f, "CREATE TRIGGER servers_record_write BEFORE UPDATE ON servers FOR EACH ROW"
              " INSERT INTO servers_writes (server_id, stratum) VALUES (OLD.id, NEW.stratum)");

  /* the control: 3 (3 → 2) and 5 (NULL → 2) change, 1 keeps its 2 */
  submit_again (f, 2);
  assert_sql (f,
              "SELECT GROUP_CONCAT(CONCAT(server_id, ':', stratum) ORDER BY server_id)"
              " FROM servers_writes",
              "3:2,5:2");
  assert_sql (f, "SELECT GROUP_CONCAT(stratum ORDER BY id) FROM servers WHERE id IN (1,3,5)",
              "2,2,2");

  /* the same stratum again: stored, and not one row of servers written */
  db_exec (f, "DELETE FROM servers_writes");
  submit_again (f, 2);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "6");
  assert_sql (f, "SELECT COUNT(*) FROM servers_writes", "0");

  /* stratum 0 (a kiss code) never writes the stratum */
  submit_again (f, 0);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "9");
  assert_sql (f, "SELECT COUNT(*) FROM servers_writes", "0");
  assert_sql (f, "SELECT GROUP_CONCAT(stratum ORDER BY id) FROM servers WHERE id IN (1,3,5)",
              "2,2,2");
  assert_sql (f,
              "SELECT GROUP_CONCAT(stratum ORDER BY server_id) FROM server_scores"
              " WHERE monitor_id = 11 AND server_id IN (1,3,5)",
              "2,2,2");

  /* and a change after all that is written again */
  submit_again (f, 3);
  assert_sql (f,
              "SELECT GROUP_CONCAT(CONCAT(server_id, ':', stratum) ORDER BY server_id)"
              " FROM servers_writes",
              "1:3,3:3,5:3");
}
static gdouble
metric (Fixture *f, const gchar *name, const gchar *const *labels)
{
  return ntpmon_metric_get (ntpmon_metrics_lookup (f->metrics, name), labels);
}

#define OK_LABELS                                                                                  \
  (const gchar *[])                                                                                \
  {                                                                                                \
    API_TEST_MONITOR, "v4", "ok", "4", "acct7", "7"                                                \
  }
#define DUP_LABELS                                                                                 \
  (const gchar *[])                                                                                \
  {                                                                                                \
    API_TEST_MONITOR, "v4"                                                                         \
  }

/* Seeded scores 10 (1–3), -95 (4, 5) and 0 (6) after one step of 1 each. */
#define ONE_STEP "10.5,10.5,10.5,-89.25,-89.25,1"

/* Servers 1, 3 and 5 (the first batch) stepped once. */
static void
assert_batch_scored_once (Fixture *f)
{
  assert_sql (f,
              "SELECT GROUP_CONCAT(score_raw ORDER BY server_id) FROM server_scores"
              " WHERE server_id IN (1, 3, 5)",
              "10.5,10.5,-89.25");
}

/* The same batch twice, as an agent resends what it spooled when it never
 * learnt that the first submission was committed: stored once. */
static void
test_resubmit_same_batch (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  Monitor__V2__Server *kept;
  const gchar *state = "SELECT CONCAT((SELECT GROUP_CONCAT(CONCAT_WS('|', id, server_id, ts,"
                       " score, step) ORDER BY id) FROM log_scores), '/',"
                       " (SELECT GROUP_CONCAT(CONCAT_WS('|', server_id, score_raw, score_ts)"
                       " ORDER BY server_id) FROM server_scores))";

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, ==, 3);
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 4, 10000000, 2, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  first = db_text (f, state);
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 4, 10000000, 2, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  second = db_text (f, state);
  g_assert_cmpstr (second, ==, first);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "3");
  assert_batch_scored_once (f);
  g_assert_cmpfloat (metric (f, "tests_completed_total", OK_LABELS), ==, 3);
  g_assert_cmpfloat (metric (f, "tests_duplicate_total", DUP_LABELS), ==, 3);

  /* a list that repeats a result (with a new time): one row */
  f->ts += 540;
  kept = r->servers[1];
  r->servers[1] = r->servers[0];
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 4, 10000000, 2, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  r->servers[1] = kept;
  assert_sql (f, "SELECT GROUP_CONCAT(server_id ORDER BY id) FROM log_scores", "1,5,3,1,3");
  assert_sql (f, "SELECT score_raw FROM server_scores WHERE server_id = 1", "10.975");
  g_assert_cmpfloat (metric (f, "tests_duplicate_total", DUP_LABELS), ==, 4);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* A batch of which the first half was stored before: the second half is
 * stored, and every score stepped once. */
static void
test_resubmit_half_stored (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autofree gchar *ips = NULL;
  gsize n;

  seed_servers (f);
  db_exec (f, "UPDATE server_scores SET queue_ts = NULL");
  r = get_servers (f, "192.0.2.10");
  n = r->n_servers;
  g_assert_cmpuint (n, ==, 6);
  ips = server_ips (r);
  r->n_servers = n / 2;
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 4, 10000000, 2, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  r->n_servers = n;
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 4, 10000000, 2, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  /* ids in list order: the first half from the first request */
  assert_sql (f, "SELECT GROUP_CONCAT(server_id ORDER BY id) FROM log_scores", ips);
  assert_sql (f, "SELECT GROUP_CONCAT(score ORDER BY server_id) FROM log_scores", ONE_STEP);
  assert_sql (f,
              "SELECT GROUP_CONCAT(score_raw ORDER BY server_id) FROM server_scores"
              " WHERE server_id <= 6",
              ONE_STEP);
  g_assert_cmpfloat (metric (f, "tests_completed_total", OK_LABELS), ==, 6);
  g_assert_cmpfloat (metric (f, "tests_duplicate_total", DUP_LABELS), ==, 3);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

static void
submit_ok (Fixture *f, Monitor__V2__GetServersResponse *r, gint32 version)
{
  g_autoptr (ApiTestResponse) resp = submit (f, r, version, 10000000, 2, NULL, -1);

  g_assert_cmpuint (resp->status, ==, 200);
}

typedef struct
{
  gboolean done;
  guint status;
  gchar *body;
} Pending;

static void
pending_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;
  g_autoptr (GBytes) body = NULL;

  pending->status = soup_message_get_status (
      soup_session_get_async_result_message (SOUP_SESSION (source), result));
  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  if (body == NULL)
    pending->status = 0;
  else
    pending->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  pending->done = TRUE;
}

/* Statements that update the monitor's row: while the test holds the row,
 * they wait for it. */
static guint
lock_waits (Fixture *f)
{
  g_autofree gchar *n
      = db_text (f, "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                    " WHERE COMMAND = 'Execute' AND INFO LIKE 'UPDATE monitors SET last_submit%'");

  return (guint)g_ascii_strtoull (n, NULL, 10);
}

/* The same batch twice at the same time (an agent that timed out and sent
 * it again while the first was still being stored): the test holds the
 * monitor's row until both submissions wait for it, then lets them go. */
static void
test_resubmit_concurrent (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autoptr (GBytes) body = NULL;
  SoupSession *sessions[2];
  Pending pending[2] = { { 0 } };
  gint64 give_up;

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  body = submit_body (f, r, 4, 10000000, 2, NULL, -1);
  db_exec (f, "START TRANSACTION");
  db_exec (f, "UPDATE monitors SET last_seen = NOW() WHERE id = 11");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (SoupMessage) msg = rpc_message (f, V2 ("SubmitResults"), body, NULL);

      sessions[i] = soup_session_new ();
      soup_session_set_tls_database (sessions[i], f->trust);
      soup_session_send_and_read_async (sessions[i], msg, G_PRIORITY_DEFAULT, NULL, pending_done,
                                        &pending[i]);
    }
  /* a guard against a hang, not a timing assumption */
  give_up = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (lock_waits (f) < 2)
    {
      g_assert_false (pending[0].done || pending[1].done);
      if (g_get_monotonic_time () > give_up)
        g_error ("the submissions never waited for the monitor's row");
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  db_exec (f, "COMMIT");
  api_test_wait (&pending[0].done);
  api_test_wait (&pending[1].done);
  g_assert_cmpuint (pending[0].status, ==, 200);
  g_assert_cmpuint (pending[1].status, ==, 200);
  assert_sql (f, "SELECT GROUP_CONCAT(server_id ORDER BY server_id) FROM log_scores", "1,3,5");
  assert_batch_scored_once (f);
  g_assert_cmpfloat (metric (f, "tests_duplicate_total", DUP_LABELS), ==, 3);
  for (guint i = 0; i < 2; i++)
    {
      g_object_unref (sessions[i]);
      g_free (pending[i].body);
    }
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* A submission of @body with Connect-Timeout-Ms @timeout_ms. */
static SoupMessage *
deadline_message (Fixture *f, GBytes *body, const gchar *timeout_ms)
{
  SoupMessage *msg = rpc_message (f, V2 ("SubmitResults"), body, NULL);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Connect-Timeout-Ms",
                                timeout_ms);
  return msg;
}

static gboolean
set_flag (gpointer flag)
{
  *(gboolean *)flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop (the server) for @ms milliseconds. */
static void
serve_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  api_test_wait (&done);
}

/* A Connect client's deadline (Connect-Timeout-Ms) cancels the call's
 * work, as connect-go cancels the handler's context: a submission that
 * waits for the monitor's row past its deadline stops before its next
 * statement, stores nothing and is answered `deadline_exceeded` (HTTP
 * 504); sent again, the list is stored. A malformed deadline is refused. */
static void
test_submit_deadline (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  Pending pending = { 0 };

  seed_servers (f);
  r = get_servers (f, "192.0.2.10");
  body = submit_body (f, r, 4, 10000000, 2, NULL, -1);
  soup_session_set_tls_database (session, f->trust);
  db_exec (f, "START TRANSACTION");
  db_exec (f, "UPDATE monitors SET last_seen = NOW() WHERE id = 11");
  msg = deadline_message (f, body, "200");
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, pending_done, &pending);
  /* the deadline (200 ms) passes while the submission waits for the row
   * (or, on a slow machine, before its job started: answered at once) */
  while (lock_waits (f) < 1 && !pending.done)
    serve_for (10);
  serve_for (1000);
  db_exec (f, "COMMIT");
  api_test_wait (&pending.done);
  g_assert_cmpuint (pending.status, ==, 504);
  g_assert_nonnull (strstr (pending.body, "\"deadline_exceeded\""));
  g_clear_pointer (&pending.body, g_free);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores", "0");

  submit_ok (f, r, 4);
  assert_sql (f, "SELECT GROUP_CONCAT(server_id ORDER BY server_id) FROM log_scores", "1,3,5");

  g_clear_object (&msg);
  msg = deadline_message (f, body, "soon");
  pending = (Pending){ 0 };
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, pending_done, &pending);
  api_test_wait (&pending.done);
  g_assert_cmpuint (pending.status, ==, 400);
  g_assert_nonnull (strstr (pending.body, "connect-timeout-ms"));
  g_free (pending.body);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

static guint64
rows_read (Fixture *f)
{
  g_autofree gchar *n
      = db_text (f, "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS"
                    " WHERE VARIABLE_NAME IN ('HANDLER_READ_NEXT', 'HANDLER_READ_RND_NEXT')");

  return g_ascii_strtoull (n, NULL, 10);
}

/* The duplicate check reads log_scores through (server_id, ts), and
 * servers through ip: with thousands of servers and of log rows for the
 * batch's servers (other monitors, other times, the same time from another
 * monitor, a busy second), one submission reads a few hundred rows at most,
 * also when the table's statistics are stale (here: those of the empty
 * table, which once made the optimizer look the rows up by ts alone). */
static void
test_resubmit_check_indexed (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  guint64 before, overhead, used;

  seed_servers (f);
  db_exec (f, "ALTER TABLE log_scores STATS_AUTO_RECALC = 0");
  db_exec (f, "ANALYZE TABLE log_scores");
  db_exec (f, "INSERT INTO servers (ip, ip_version, created_on)"
              " SELECT CONCAT('10.1.', seq DIV 250, '.', seq MOD 250), 'v4', NOW()"
              " FROM seq_1_to_3000");
  db_exec (f, "INSERT INTO log_scores (server_id, monitor_id, ts, score, step)"
              " SELECT s.id, m.id, FROM_UNIXTIME(1767165600 + 60 * seq), 1, 1"
              " FROM servers s, monitors m, seq_1_to_2000"
              " WHERE s.id IN (1, 3, 5) AND m.id IN (11, 12) AND NOT (m.id = 11 AND seq = 1000)");
  db_exec (f, "INSERT INTO log_scores (server_id, monitor_id, ts, score, step)"
              " SELECT id, 12, '2026-01-01', 1, 1 FROM servers WHERE id > 10");
  r = get_servers (f, "192.0.2.10");
  before = rows_read (f);
  overhead = rows_read (f) - before; /* what measuring costs */
  before = rows_read (f);
  {
    g_autoptr (ApiTestResponse) resp = submit (f, r, 4, 10000000, 2, NULL, -1);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  used = rows_read (f) - before - overhead;
  g_test_message ("rows read by the submission: %" G_GUINT64_FORMAT, used);
  g_assert_cmpuint (used, <, 300);
  /* monitor 12's rows at the same time are no duplicates */
  assert_sql (f, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = 11 AND ts = '2026-01-01'",
              "3");
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

/* Rows read through index @index of @table so far (userstat on). */
static guint64
index_reads (Fixture *f, const gchar *table, const gchar *index)
{
  g_autofree gchar *sql = g_strdup_printf (
      "SELECT COALESCE(SUM(ROWS_READ), 0) FROM information_schema.INDEX_STATISTICS"
      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' AND INDEX_NAME = '%s'",
      table, index);
  g_autofree gchar *n = db_text (f, sql);

  return g_ascii_strtoull (n, NULL, 10);
}

static guint64
ts_index_reads (Fixture *f)
{
  return index_reads (f, "log_scores", "log_scores_server_ts_idx");
}

/* The duplicate check looks log_scores up only for results that can be
 * there: not for a list newer than the scores it moves on, but for one
 * sent again, one whose rows have no score time yet, and one naming a
 * server twice. Monitor 12 has rows at every key the test uses, so each
 * lookup reads a row through the index. */
static void
test_resubmit_check_when_needed (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *r;
  Monitor__V2__Server *kept;
  guint64 reads;

  seed_servers (f);
  db_exec (f, "SET GLOBAL userstat = 1");
  db_exec (f, "INSERT INTO log_scores (server_id, monitor_id, ts, score, step)"
              " SELECT s.seq, 12, FROM_UNIXTIME(1767225600 + 540 * k.seq), 1, 1"
              " FROM seq_1_to_6 s, seq_0_to_3 k");
  /* the rows have no score time: looked up */
  r = get_servers (f, "192.0.2.10");
  reads = ts_index_reads (f);
  submit_ok (f, r, 4);
  g_assert_cmpuint (ts_index_reads (f), >=, reads + 3);
  monitor__v2__get_servers_response__free_unpacked (r, NULL);

  /* a later batch with later results: no lookup */
  db_exec (f, "UPDATE server_scores SET queue_ts = NULL WHERE server_id IN (1, 3, 5)");
  g_usleep (2000);
  f->ts += 540;
  r = get_servers (f, "192.0.2.10");
  g_assert_cmpuint (r->n_servers, ==, 3);
  reads = ts_index_reads (f);
  submit_ok (f, r, 4);
  g_assert_cmpuint (ts_index_reads (f), ==, reads);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = 11", "6");

  /* the same batch again: looked up, and stored once */
  submit_ok (f, r, 4);
  g_assert_cmpuint (ts_index_reads (f), >=, reads + 3);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = 11", "6");
  g_assert_cmpfloat (metric (f, "tests_duplicate_total", DUP_LABELS), ==, 3);

  /* later results, but a server twice: its results are looked up */
  f->ts += 540;
  kept = r->servers[1];
  r->servers[1] = r->servers[0];
  reads = ts_index_reads (f);
  submit_ok (f, r, 4);
  g_assert_cmpuint (ts_index_reads (f), >=, reads + 2);
  assert_sql (f, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = 11", "8");
  r->servers[1] = kept;
  monitor__v2__get_servers_response__free_unpacked (r, NULL);
}

typedef guint8 IpBytes[16];

/* A list for the first @ip_len bytes of each of the @n addresses @ips in
 * the batch of @real, without tickets (version 2 submissions need none). */
static Monitor__V2__GetServersResponse *
fake_list (Monitor__V2__GetServersResponse *real, IpBytes *ips, gsize n, gsize ip_len)
{
  Monitor__V2__GetServersResponse *r = g_new0 (Monitor__V2__GetServersResponse, 1);

  monitor__v2__get_servers_response__init (r);
  r->batch_id = real->batch_id;
  r->n_servers = n;
  r->servers = g_new0 (Monitor__V2__Server *, n);
  for (gsize i = 0; i < n; i++)
    {
      r->servers[i] = g_new0 (Monitor__V2__Server, 1);
      monitor__v2__server__init (r->servers[i]);
      r->servers[i]->ip_bytes = (ProtobufCBinaryData){ ip_len, ips[i] };
    }
  return r;
}

static void
fake_list_free (Monitor__V2__GetServersResponse *r)
{
  for (gsize i = 0; i < r->n_servers; i++)
    g_free (r->servers[i]);
  g_free (r->servers);
  g_free (r);
}

/* servers.ip compares without regard to case (as the reference's query
 * does): a server whose address the database holds in upper case takes
 * the results for its canonical text. */
static void
test_submit_ip_case (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *real, *r;
  IpBytes ips[1] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 } };

  seed_servers (f);
  db_exec (f, "UPDATE servers SET ip = '2001:DB8::9' WHERE id = 9");
  real = get_servers (f, "192.0.2.10");
  r = fake_list (real, ips, 1, 16);
  submit_ok (f, r, 2);
  assert_sql (f, "SELECT GROUP_CONCAT(server_id) FROM log_scores WHERE monitor_id = 11", "9");
  fake_list_free (r);
  monitor__v2__get_servers_response__free_unpacked (real, NULL);
}

/* A list longer than the IN lists of the usual batch sizes (1,024
 * placeholders), sent twice: stored once. */
static void
test_submit_long_list (Fixture *f, gconstpointer data)
{
  enum
  {
    N = 600
  };
  Monitor__V2__GetServersResponse *real, *r;
  g_autofree IpBytes *ips = g_malloc0 (N * sizeof (IpBytes));

  seed_servers (f);
  db_exec (f, "INSERT INTO servers (id, ip, ip_version, created_on)"
              " SELECT 1000 + seq, CONCAT('10.7.', seq DIV 256, '.', seq MOD 256), 'v4', NOW()"
              " FROM seq_1_to_600");
  db_exec (f, "INSERT INTO server_scores (monitor_id, server_id, status, score_raw, created_on)"
              " SELECT 11, 1000 + seq, 'active', 10, NOW() FROM seq_1_to_600");
  for (guint i = 0; i < N; i++)
    {
      ips[i][0] = 10;
      ips[i][1] = 7;
      ips[i][2] = (guint8)((i + 1) / 256);
      ips[i][3] = (guint8)((i + 1) % 256);
    }
  real = get_servers (f, "192.0.2.10");
  r = fake_list (real, ips, N, 4);
  submit_ok (f, r, 2);
  submit_ok (f, r, 2);
  assert_sql (f,
              "SELECT CONCAT(COUNT(*), ' ', COUNT(DISTINCT server_id), ' ', MIN(server_id), ' ',"
              " MAX(server_id)) FROM log_scores WHERE monitor_id = 11",
              "600 600 1001 1600");
  assert_sql (f,
              "SELECT COUNT(*) FROM server_scores WHERE monitor_id = 11 AND server_id > 1000"
              " AND score_raw = 10.5",
              "600");
  fake_list_free (r);
  monitor__v2__get_servers_response__free_unpacked (real, NULL);
}

/* Submits 192.0.2.1 and 192.0.2.3 (version 2, one interval later). */
static void
submit_two (Fixture *f, Monitor__V2__GetServersResponse *real, guint expect_status)
{
  IpBytes ips[2] = { { 192, 0, 2, 1 }, { 192, 0, 2, 3 } };
  Monitor__V2__GetServersResponse *r = fake_list (real, ips, 2, 4);
  g_autoptr (ApiTestResponse) resp = NULL;

  f->ts += 540;
  resp = submit (f, r, 2, 10000000, 2, NULL, -1);
  g_assert_cmpuint (resp->status, ==, expect_status);
  fake_list_free (r);
}

/* Monitor 11's scores of the servers @ids, as "id:score,..." (6 decimals). */
static void
assert_scores (Fixture *f, const gchar *ids, const gchar *expect)
{
  g_autofree gchar *sql = g_strdup_printf (
      "SELECT GROUP_CONCAT(CONCAT(server_id, ':', ROUND(score_raw, 6)) ORDER BY server_id)"
      " FROM server_scores WHERE monitor_id = 11 AND server_id IN (%s)",
      ids);

  assert_sql (f, sql, expect);
}

/* submit_two() read by the remembered ids: no read of servers' ip index */
static void
submit_cached (Fixture *f, Monitor__V2__GetServersResponse *real, const gchar *ids,
               const gchar *expect)
{
  guint64 reads = index_reads (f, "servers", "ip");

  submit_two (f, real, 200);
  g_assert_cmpuint (index_reads (f, "servers", "ip"), ==, reads);
  assert_scores (f, ids, expect);
}

/* A monitor's next list reads its rows by the server_scores ids the last
 * one found, not through the address index; and a remembered id that no
 * longer leads to the monitor's row for the address is not used: the
 * results go where the address leads now (the row made anew, the address
 * moved to another server; also when the other result's id is still
 * right), and a row given to another monitor is not the monitor's (the
 * list is refused, as for a server it has no row for). */
static void
test_submit_row_cache (Fixture *f, gconstpointer data)
{
  Monitor__V2__GetServersResponse *real;
  guint64 reads;

  seed_servers (f);
  db_exec (f, "SET GLOBAL userstat = 1");
  real = get_servers (f, "192.0.2.10");
  submit_two (f, real, 200);
  submit_cached (f, real, "1, 3", "1:10.975000,3:10.975000");

  /* server 1's row made anew; 192.0.2.3 now server 10's, assigned too */
  db_exec (f, "DELETE FROM server_scores WHERE monitor_id = 11 AND server_id = 1");
  db_exec (f, "INSERT INTO server_scores (monitor_id, server_id, status, score_raw, created_on)"
              " VALUES (11, 1, 'active', 40, NOW()), (11, 10, 'active', 30, NOW())");
  db_exec (f, "UPDATE servers SET ip = '192.0.2.33' WHERE id = 3");
  db_exec (f, "UPDATE servers SET ip = '192.0.2.3' WHERE id = 10");
  reads = index_reads (f, "servers", "ip");
  submit_two (f, real, 200);
  g_assert_cmpuint (index_reads (f, "servers", "ip"), >, reads);
  assert_scores (f, "1, 3, 10", "1:39.000000,3:10.975000,10:29.500000");
  assert_sql (f,
              "SELECT GROUP_CONCAT(server_id ORDER BY server_id) FROM log_scores"
              " WHERE monitor_id = 11 AND ts = (SELECT MAX(ts) FROM log_scores)",
              "1,10");
  /* and learnt: read by id again */
  submit_cached (f, real, "1, 10", "1:38.050000,10:29.025000");

  /* one stale id (server 10's row made anew), one right (server 1's) */
  db_exec (f, "DELETE FROM server_scores WHERE monitor_id = 11 AND server_id = 10");
  db_exec (f, "INSERT INTO server_scores (monitor_id, server_id, status, score_raw, created_on)"
              " VALUES (11, 10, 'active', 50, NOW())");
  submit_two (f, real, 200);
  assert_scores (f, "1, 10", "1:37.147500,10:48.500000");

  /* server 1's row now monitor 12's: monitor 11 has none, the list fails
   * as a list for an unassigned server does, and 12's row is untouched */
  db_exec (f, "UPDATE server_scores SET monitor_id = 12 WHERE monitor_id = 11 AND server_id = 1");
  submit_two (f, real, 500);
  assert_sql (f,
              "SELECT CONCAT(ROUND(score_raw, 6)) FROM server_scores WHERE monitor_id = 12 AND "
              "server_id = 1",
              "37.147500");
  assert_sql (f, "SELECT COUNT(*) FROM log_scores WHERE monitor_id = 11", "10");
  monitor__v2__get_servers_response__free_unpacked (real, NULL);
}

int
main (int argc, char **argv)
{
  int status;

  fixture_init (&argc, &argv);
#define ADD(name, fn)                                                                              \
  g_test_add ("/api-rpc/submit/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("47-stratum-unchanged", test_submit_stratum_unchanged);
  ADD ("resubmit/same-batch", test_resubmit_same_batch);
  ADD ("resubmit/half-stored", test_resubmit_half_stored);
  ADD ("resubmit/concurrent", test_resubmit_concurrent);
  ADD ("deadline", test_submit_deadline);
  ADD ("resubmit/check-indexed", test_resubmit_check_indexed);
  ADD ("resubmit/check-when-needed", test_resubmit_check_when_needed);
  ADD ("ip-case", test_submit_ip_case);
  ADD ("long-list", test_submit_long_list);
  ADD ("row-cache", test_submit_row_cache);
  status = g_test_run ();
  fixture_cleanup ();
  return status;
}
