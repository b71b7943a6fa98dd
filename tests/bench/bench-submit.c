/* bench-submit.c: SubmitResults throughput against a real MariaDB
 *
 * SPDX-License-Identifier: MIT
 *
 * 8 clients (threads; one monitor each, own client certificate, one
 * kept-alive HTTPS connection, one request in flight each: bench-https.c)
 * submit 100 results per request, 50,000 results in all, with valid
 * tickets (version 4). Printed: results/s and the p50/p99 request latency, and beside them
 * the rate of plain multi-row INSERTs of the same log_scores rows (100 per
 * statement, autocommit, 8 connections): the practical limit of the
 * database.
 *
 * Like with like: both sides run against the same server with the same
 * durability settings, one transaction (one commit) per 100 rows and 8
 * connections, and both are timed once all 8 are connected: a client first
 * calls GetConfig (its TLS handshake, as an agent starts), and the rate
 * counts the results submitted after the last of them connected; the
 * INSERT threads connect to MariaDB before their common start.
 *
 * The load of a shared machine drifts by tens of percent within seconds,
 * so the two are measured in turns: ten rounds of a limit run (12,500
 * rows) followed by a tenth of the submissions (5,000 results, the
 * clients connecting anew), and the ratio of each round is taken. The
 * figure is their median (ten rounds rather than five: the medians of
 * repeated runs spread less); the rates of all rounds are printed beside
 * it.
 * A phase ends when InnoDB has purged the old row versions it left: each
 * side pays for its own background work (the updates of SubmitResults
 * leave more of it than the INSERTs), and neither for the other's.
 */
#include "config.h"

#include <sys/resource.h>
#include <unistd.h>

#include <libpeas/peas.h>

#include "api-test-util.h"
#include "bench-https.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-api-handlers.h"
#include "ntpmon-api-keys-file.h"
#include "ntpmon-db.h"
#include "ntpmon-test-mariadb.h"
#include "ntpmon-ulid.h"

#define N_CLIENTS   8
#define PER_REQUEST 100
#define TOTAL       50000
#define N_REQUESTS  (TOTAL / PER_REQUEST)
#define ROUNDS      10
#define LIMIT_ROWS  12500

typedef struct
{
  GMutex lock;
  GCond cond;
  guint ready; /* threads connected */
  gboolean go; /* the timed part has started */
} Start;

typedef struct
{
  guint index;
  guint64 monitor_id;
  guint16 port;
  NtpmonApiKeyStore *keys;
  const gchar *ca;
  gchar *crt;
  gchar *key;
  guint next;         /* the number of the client's next request */
  GPtrArray *bodies;  /* the round's requests */
  Start *start;       /* the round's */
  gint *running;      /* the round's clients not done */
  gdouble *latencies; /* seconds, one per request */
  guint n_latencies;
  guint n_ok;     /* of the round */
  guint failures; /* of all rounds */
  gdouble cpu;    /* seconds, the round's timed part */
} Client;

static guint64
now_us (void)
{
  return (guint64)g_get_monotonic_time ();
}

/* Request @n of client @c: results a minute after those of request n - 1
 * (the server stores a result of a monitor, server and time once). */
static GBytes *
build_request (Client *c, guint n)
{
  Monitor__V2__SubmitResultsRequest req = MONITOR__V2__SUBMIT_RESULTS_REQUEST__INIT;
  Monitor__V2__ServerStatus st[PER_REQUEST];
  Monitor__V2__ServerStatus *list[PER_REQUEST];
  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  Google__Protobuf__Duration off = GOOGLE__PROTOBUF__DURATION__INIT;
  Google__Protobuf__Duration rtt = GOOGLE__PROTOBUF__DURATION__INIT;
  guint8 ips[PER_REQUEST][4];
  GBytes *tickets[PER_REQUEST];
  gchar batch[NTPMON_ULID_TEXT_LEN + 1];
  NtpmonUlid ulid;
  gsize len;
  guint8 *data;

  ntpmon_ulid_generate (&ulid);
  ntpmon_ulid_format (&ulid, batch);
  ts.seconds = g_get_real_time () / G_USEC_PER_SEC - 86400 + 60 * (gint64)n;
  rtt.nanos = 20000000;
  for (guint i = 0; i < PER_REQUEST; i++)
    {
      ips[i][0] = 10;
      ips[i][1] = (guint8)c->index;
      ips[i][2] = 0;
      ips[i][3] = (guint8)(i + 1);
      tickets[i] = ntpmon_api_ticket_sign (c->keys, c->monitor_id, batch, ips[i], 4, NULL);
      g_assert_nonnull (tickets[i]);
      monitor__v2__server_status__init (&st[i]);
      st[i].ip_bytes = (ProtobufCBinaryData){ 4, ips[i] };
      st[i].ticket.data = (guint8 *)g_bytes_get_data (tickets[i], &st[i].ticket.len);
      st[i].ts = &ts;
      off.nanos = (gint32)(i * 100000);
      st[i].offset = &off;
      st[i].rtt = &rtt;
      st[i].stratum = 2;
      list[i] = &st[i];
    }
  req.version = 4;
  req.batch_id = (ProtobufCBinaryData){ NTPMON_ULID_TEXT_LEN, (guint8 *)batch };
  req.n_list = PER_REQUEST;
  req.list = list;
  len = protobuf_c_message_get_packed_size (&req.base);
  data = g_malloc (len);
  protobuf_c_message_pack (&req.base, data);
  for (guint i = 0; i < PER_REQUEST; i++)
    g_bytes_unref (tickets[i]);
  return g_bytes_new_take (data, len);
}

static void
seed (NtpmonDbConn *conn)
{
  g_autoptr (GString) servers = g_string_new ("INSERT INTO servers (ip, ip_version, created_on)"
                                              " VALUES ");
  g_autoptr (GString) scores = g_string_new (
      "INSERT INTO server_scores (monitor_id, server_id, status, created_on) SELECT m.id, s.id,"
      " 'active', NOW() FROM monitors m, servers s WHERE s.ip LIKE CONCAT('10.', m.id - 1, '.%')");
  g_autoptr (GString) monitors = g_string_new ("INSERT INTO monitors (id, tls_name, hostname, ip,"
                                               " ip_version, status, config, created_on) VALUES ");
  g_autoptr (GError) error = NULL;

  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_string_append_printf (monitors,
                              "%s(%u, 'bench%u.test.mon.ntppool.dev', 'b%u', '192.0.2.%u', 'v4',"
                              " 'active', '{}', NOW())",
                              c ? "," : "", c + 1, c, c, c + 1);
      for (guint i = 0; i < PER_REQUEST; i++)
        g_string_append_printf (servers, "%s('10.%u.0.%u', 'v4', NOW())", c || i ? "," : "", c,
                                i + 1);
    }
  g_assert_true (ntpmon_db_conn_exec_direct (conn, monitors->str, &error));
  g_assert_true (ntpmon_db_conn_exec_direct (conn, servers->str, &error));
  g_assert_true (ntpmon_db_conn_exec_direct (conn, scores->str, &error));
  g_assert_no_error (error);
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

  return x < y ? -1 : x > y;
}

/* Waits until all clients are connected and the main thread says go. */
static void
start_wait (Start *start)
{
  g_mutex_lock (&start->lock);
  start->ready++;
  g_main_context_wakeup (NULL);
  while (!start->go)
    g_cond_wait (&start->cond, &start->lock);
  g_mutex_unlock (&start->lock);
}

typedef struct
{
  const gchar *dsn;
  gint next;
  gint n_statements;
  Start start;
} Inserter;

/* The limit: the same rows with plain 100-row INSERTs, autocommit. */
static gpointer
insert_thread (gpointer data)
{
  Inserter *in = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) config = ntpmon_db_config_parse_dsn (in->dsn, &error);
  g_autoptr (NtpmonDbConn) conn = ntpmon_db_conn_open (config, &error);
  g_autoptr (GString) sql = g_string_new ("INSERT INTO log_scores (server_id, monitor_id, ts,"
                                          " score, step, `offset`, rtt, attributes) VALUES ");
  gint n;

  g_assert_no_error (error);
  for (guint i = 0; i < PER_REQUEST; i++)
    g_string_append (sql, i ? ", (?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?)");
  start_wait (&in->start);
  while ((n = g_atomic_int_add (&in->next, 1)) < in->n_statements)
    {
      g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_prepare (conn, sql->str, &error);
      guint monitor = (guint)n % N_CLIENTS;

      g_assert_no_error (error);
      for (guint i = 0; i < PER_REQUEST; i++)
        ntpmon_db_stmt_bind (st, "uuTdddun", (guint64)(monitor * PER_REQUEST + i + 1),
                             (guint64)(monitor + 1), g_get_real_time (), 10.0, 1.0, i * 0.0001,
                             (guint64)20000, NULL);
      g_assert_true (ntpmon_db_stmt_execute (st, &error));
    }
  return NULL;
}

/* Lets the threads that wait in start_wait() go once all @n are ready;
 * the start time. */
static guint64
start_all (Start *start, guint n)
{
  guint64 t0;

  for (;;)
    {
      gboolean all;

      g_mutex_lock (&start->lock);
      all = start->ready == n;
      if (all)
        {
          start->go = TRUE;
          t0 = now_us ();
          g_cond_broadcast (&start->cond);
        }
      g_mutex_unlock (&start->lock);
      if (all)
        return t0;
      g_main_context_iteration (NULL, TRUE);
    }
}

/* The seconds 8 connections take for LIMIT_ROWS rows. */
static gdouble
insert_seconds (const gchar *dsn)
{
  Inserter in = { .dsn = dsn, .n_statements = LIMIT_ROWS / PER_REQUEST };
  GThread *threads[N_CLIENTS];
  guint64 t0;

  g_mutex_init (&in.start.lock);
  g_cond_init (&in.start.cond);
  for (guint c = 0; c < N_CLIENTS; c++)
    threads[c] = g_thread_new ("insert", insert_thread, &in);
  t0 = start_all (&in.start, N_CLIENTS);
  for (guint c = 0; c < N_CLIENTS; c++)
    g_thread_join (threads[c]);
  g_mutex_clear (&in.start.lock);
  g_cond_clear (&in.start.cond);
  return (gdouble)(now_us () - t0) / 1e6;
}

/* CPU seconds used so far: by this process (the API server; the INSERT
 * threads are idle while it serves) and by MariaDB, from /proc. */
typedef struct
{
  gdouble self;
  gdouble db;
} Cpu;

static gdouble
proc_cpu (const gchar *pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree gchar *text = NULL;
  g_auto (GStrv) fields = NULL;
  const gchar *end;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  /* the fields after the command name: utime and stime are the 12th and
   * 13th of them */
  end = strrchr (text, ')');
  g_assert_nonnull (end);
  fields = g_strsplit (end + 2, " ", 14);
  g_assert_cmpuint (g_strv_length (fields), ==, 14);
  return (gdouble)(g_ascii_strtoull (fields[11], NULL, 10)
                   + g_ascii_strtoull (fields[12], NULL, 10))
         / (gdouble)sysconf (_SC_CLK_TCK);
}

static gchar *db_pid;

static gchar *
mariadb_pid (NtpmonDbConn *conn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, "SELECT @@pid_file", &error, "");
  gchar *pid = NULL;

  g_assert_true (st != NULL && ntpmon_db_stmt_fetch_one (st, &error));
  g_assert_true (g_file_get_contents (ntpmon_db_stmt_get_text (st, 0), &pid, NULL, &error));
  return g_strstrip (pid);
}

static Cpu
cpu_now (void)
{
  return (Cpu){ proc_cpu ("self"), proc_cpu (db_pid) };
}

typedef struct
{
  gdouble results; /* submitted after all clients connected */
  gdouble seconds;
  Cpu start;          /* when the clients were connected */
  Cpu end;            /* when they were done */
  gdouble client_cpu; /* seconds, the client threads' */
} Round;

static gdouble
thread_cpu (void)
{
  struct rusage ru;

  g_assert_cmpint (getrusage (RUSAGE_THREAD, &ru), ==, 0);
  return (gdouble)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + (gdouble)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* A client connects and calls GetConfig (its TLS handshake, as an agent
 * starts), waits for the start, then submits its requests one after the
 * other on the kept-alive connection, as an agent does. */
static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  BenchHttps *conn = bench_https_connect (c->port, c->ca, c->crt, c->key);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  gdouble cpu0;

  if (bench_https_post (conn, "/monitor.v2.MonitorService/GetConfig", "application/proto", empty)
      != 200)
    c->failures++;
  start_wait (c->start);
  cpu0 = thread_cpu ();
  c->n_ok = 0;
  for (guint i = 0; i < c->bodies->len; i++)
    {
      guint64 t0 = now_us ();
      guint status = bench_https_post (conn, "/monitor.v2.MonitorService/SubmitResults",
                                       "application/proto", c->bodies->pdata[i]);

      c->latencies[c->n_latencies++] = (gdouble)(now_us () - t0) / 1e6;
      if (status == 200)
        c->n_ok++;
      else
        c->failures++;
    }
  bench_https_close (conn);
  c->cpu = thread_cpu () - cpu0;
  g_atomic_int_add (c->running, -1);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* The clients connect and send @n_requests between them (built before,
 * untimed); timed from the moment the last one has connected, against
 * the server on this thread's main loop. */
static Round
submit_round (Client *clients, guint n_requests)
{
  Start start = { 0 };
  GThread *threads[N_CLIENTS];
  gint running = N_CLIENTS;
  guint64 t0;
  Round round = { 0 };

  g_mutex_init (&start.lock);
  g_cond_init (&start.cond);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      guint n = n_requests / N_CLIENTS + (c < n_requests % N_CLIENTS ? 1 : 0);

      clients[c].bodies = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (clients[c].bodies, build_request (&clients[c], clients[c].next++));
      clients[c].start = &start;
      clients[c].running = &running;
      threads[c] = g_thread_new ("client", client_thread, &clients[c]);
    }
  t0 = start_all (&start, N_CLIENTS);
  round.start = cpu_now ();
  while (g_atomic_int_get (&running) > 0)
    g_main_context_iteration (NULL, TRUE);
  round.seconds = (gdouble)(now_us () - t0) / 1e6;
  round.end = cpu_now ();
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      round.results += clients[c].n_ok * PER_REQUEST;
      round.client_cpu += clients[c].cpu;
      g_ptr_array_unref (clients[c].bodies);
    }
  g_mutex_clear (&start.lock);
  g_cond_clear (&start.cond);
  return round;
}

/* The first column of @sql's one row, as a number. */
static gint64
query_int (NtpmonDbConn *conn, const gchar *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, sql, &error, "");

  g_assert_no_error (error);
  g_assert_true (ntpmon_db_stmt_fetch_one (st, &error));
  return ntpmon_db_stmt_get_int (st, 0);
}

static gpointer
wake_purge (gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbConfig) config = ntpmon_db_config_parse_dsn (data, &error);
  g_autoptr (NtpmonDbConn) conn = ntpmon_db_conn_open (config, &error);

  g_assert_no_error (error);
  /* returns once the history is empty, and wakes the purge at once */
  g_assert_true (
      ntpmon_db_conn_exec_direct (conn, "SET GLOBAL innodb_max_purge_lag_wait = 0", &error));
  return NULL;
}

/* The seconds InnoDB takes to purge the old row versions that a phase
 * left (woken at once, not at its next tick): a phase's time includes its
 * background work, so that the INSERTs do not pay for the updates. */
static gdouble
purge_time (const gchar *dsn, NtpmonDbConn *conn)
{
  guint64 t0 = now_us ();
  GThread *waker = g_thread_new ("purge", wake_purge, (gpointer)dsn);
  gdouble seconds;

  while (query_int (conn, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
                          " WHERE VARIABLE_NAME = 'INNODB_HISTORY_LIST_LENGTH'")
         > 0)
    g_usleep (1000);
  seconds = (gdouble)(now_us () - t0) / 1e6;
  g_thread_join (waker);
  return seconds;
}

static gdouble
median (gdouble *values, guint n)
{
  qsort (values, n, sizeof *values, cmp_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* The API server on this process's main loop; returns its base URL. */
static gchar *
start_server (ApiTestCerts *certs, NtpmonDb *db, NtpmonApiKeyStore *keys, NtpmonMetrics *metrics,
              PeasEngine *engine, NtpmonApiServer **server, NtpmonApiHandlers **handlers)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonScorer) scorer = NULL;
  g_autoptr (NtpmonApiAuth) auth = NULL;
  g_autoptr (GTlsDatabase) trust = NULL;

  peas_engine_add_search_path (engine, g_getenv ("NTPMON_PLUGIN_PATH"), NULL);
  g_assert_true (
      peas_engine_load_plugin (engine, peas_engine_get_plugin_info (engine, "ntpmon-scorer")));
  scorer = ntpmon_api_handlers_find_status_scorer (engine, &error);
  g_assert_no_error (error);
  auth = ntpmon_api_auth_new (certs->ca_crt, NULL, &error);
  g_assert_no_error (error);
  *server = ntpmon_api_server_new (auth, metrics);
  g_assert_true (
      ntpmon_api_server_set_tls_files (*server, certs->server_crt, certs->server_key, &error));
  *handlers = ntpmon_api_handlers_new (db, keys, scorer, metrics, NULL, "test");
  g_assert_true (ntpmon_api_handlers_register (*handlers, *server, &error));
  return api_test_listen (*server, certs, &trust);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  ApiTestCerts *certs;
  g_autoptr (NtpmonTestMariadb) mariadb = NULL;
  g_autofree gchar *dsn = NULL;
  g_autoptr (NtpmonDbConfig) config = NULL;
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (NtpmonDb) db = NULL;
  g_autoptr (NtpmonApiKeyFileStore) keys = NULL;
  g_autoptr (NtpmonMetrics) metrics = ntpmon_metrics_new ();
  g_autoptr (PeasEngine) engine = peas_engine_new ();
  g_autoptr (NtpmonApiServer) server = NULL;
  g_autoptr (NtpmonApiHandlers) handlers = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *keydir = NULL;
  g_autofree gdouble *latencies = g_new0 (gdouble, N_REQUESTS);
  Client clients[N_CLIENTS];
  guint version, failures = 0, n_latencies = 0;
  gint64 stored;
  gdouble limits[ROUNDS], ratios[ROUNDS], results = 0, seconds = 0, limit, ratio;
  gdouble insert_db_cpu = 0, submit_db_cpu = 0, server_cpu = 0, client_cpu = 0;

  api_test_init (&argc, &argv);
  certs = api_test_certs_new ();
  mariadb = ntpmon_test_mariadb_start_or_fail ();
  dsn = ntpmon_test_mariadb_create_database (mariadb, TRUE, NULL, &error);
  g_assert_no_error (error);
  config = ntpmon_db_config_parse_dsn (dsn, &error);
  conn = ntpmon_db_conn_open (config, &error);
  g_assert_no_error (error);
  seed (conn);
  db_pid = mariadb_pid (conn);
  db = ntpmon_db_new (config, N_CLIENTS);
  keydir = g_dir_make_tmp ("bench-keys-XXXXXX", &error);
  keys = ntpmon_api_key_file_store_new (keydir);
  g_assert_true (ntpmon_api_key_file_store_add_key (keys, &version, &error));
  url = start_server (certs, db, NTPMON_API_KEY_STORE (keys), metrics, engine, &server, &handlers);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autofree gchar *stem = g_strdup_printf ("bench%u", c);
      g_autofree gchar *san = g_strdup_printf ("DNS:bench%u.test.mon.ntppool.dev", c);

      clients[c] = (Client){ .index = c,
                             .monitor_id = c + 1,
                             .port = ntpmon_api_server_get_port (server),
                             .ca = certs->ca_crt,
                             .keys = NTPMON_API_KEY_STORE (keys),
                             .latencies = g_new0 (gdouble, N_REQUESTS) };
      api_test_certs_add_client (certs, stem, san, &clients[c].crt, &clients[c].key);
    }

  g_print ("SubmitResults: %d clients, %d results/request, %d results in %d rounds\n", N_CLIENTS,
           PER_REQUEST, TOTAL, ROUNDS);
  purge_time (dsn, conn); /* the seeding's */
  for (guint r = 0; r < ROUNDS; r++)
    {
      Round round;
      Cpu c0 = cpu_now (), c1;
      gdouble insert = insert_seconds (dsn), insert_purge = purge_time (dsn, conn), purge;

      insert_db_cpu += cpu_now ().db - c0.db;

      limits[r] = LIMIT_ROWS / (insert + insert_purge);
      round = submit_round (clients, N_REQUESTS / ROUNDS);
      /* the server's CPU up to its last answer (the purge wait polls from
       * this process), MariaDB's with its purge */
      server_cpu += round.end.self - round.start.self - round.client_cpu;
      purge = purge_time (dsn, conn);
      c1 = cpu_now ();
      submit_db_cpu += c1.db - round.start.db;
      client_cpu += round.client_cpu;
      round.seconds += purge;
      ratios[r] = round.results / round.seconds / limits[r];
      results += round.results;
      seconds += round.seconds;
      g_print ("  round %2u: %6.0f results/s (purge %3.0f ms) beside %6.0f rows/s of plain INSERTs"
               " (purge %3.0f ms): %.0f %%\n",
               r + 1, round.results / round.seconds, purge * 1e3, limits[r], insert_purge * 1e3,
               100 * ratios[r]);
    }
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      failures += clients[c].failures;
      memcpy (latencies + n_latencies, clients[c].latencies,
              clients[c].n_latencies * sizeof *latencies);
      n_latencies += clients[c].n_latencies;
      g_free (clients[c].latencies);
      g_free (clients[c].crt);
      g_free (clients[c].key);
    }
  g_assert_cmpuint (n_latencies, ==, N_REQUESTS);
  stored = query_int (conn, "SELECT COUNT(*) FROM log_scores WHERE ts < NOW() - INTERVAL 1 HOUR");
  qsort (latencies, N_REQUESTS, sizeof *latencies, cmp_double);
  limit = median (limits, ROUNDS);
  ratio = median (ratios, ROUNDS);

  g_print ("  stored rows        %" G_GINT64_FORMAT " (failed requests: %u)\n", stored, failures);
  g_print ("  throughput         %.0f results/s (all rounds, timed once the clients are"
           " connected)\n",
           results / seconds);
  g_print ("  latency p50        %.1f ms\n", latencies[N_REQUESTS / 2] * 1e3);
  g_print ("  latency p99        %.1f ms\n", latencies[N_REQUESTS * 99 / 100] * 1e3);
  g_print ("plain 100-row INSERTs (8 connections): %.0f rows/s (median of the rounds, %.0f to"
           " %.0f)\n",
           limit, limits[0], limits[ROUNDS - 1]);
  g_print ("CPU per result, timed phases and their purge: MariaDB %.1f us (plain INSERTs: %.1f us"
           " a row), API server %.1f us, clients %.1f us\n",
           submit_db_cpu / results * 1e6, insert_db_cpu / (ROUNDS * LIMIT_ROWS) * 1e6,
           server_cpu / results * 1e6, client_cpu / results * 1e6);
  g_print ("  SubmitResults reaches %.0f %% of that (median of the rounds' ratios; goal >= 30 %%,"
           " >= 5000 results/s)\n",
           100.0 * ratio);

  api_test_rmtree (keydir);
  g_free (db_pid);
  api_test_certs_free (certs);
  return stored == TOTAL && failures == 0 ? 0 : 1;
}
