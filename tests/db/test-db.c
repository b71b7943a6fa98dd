/* test-db.c: the database layer against a real MariaDB server
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "test-db-helpers.h"

static NtpmonTestMariadb *server;

/* checks the error before the result, so that a failure shows the message */
#define g_assert_ok(call, err)                                                                     \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gboolean ok_ = (call);                                                                         \
    g_assert_no_error (err);                                                                       \
    g_assert_true (ok_);                                                                           \
  }                                                                                                \
  G_STMT_END

static gchar *
new_database (gboolean schema)
{
  g_autoptr (GError) error = NULL;
  gchar *dsn = ntpmon_test_mariadb_create_database (server, schema, NULL, &error);

  g_assert_no_error (error);
  return dsn;
}

/* a fresh database and a connection to it */
typedef struct
{
  gchar *dsn;
  NtpmonDbConn *conn;
} DbFixture;

static void
db_setup (DbFixture *f, gconstpointer data)
{
  f->dsn = new_database (FALSE);
  f->conn = open_conn (f->dsn);
}

static void
db_teardown (DbFixture *f, gconstpointer data)
{
  ntpmon_db_conn_free (f->conn);
  g_free (f->dsn);
}

/* jobs run on N workers at once, each with its own connection */

#define N_WORKERS 4

typedef struct
{
  GMutex lock;
  GCond cond;
  guint arrived;
} Barrier;

/* Waits until @n threads arrived; FALSE after 30 s (the jobs did not run
 * at the same time). */
static gboolean
barrier_wait (Barrier *b, guint n)
{
  gint64 end = g_get_monotonic_time () + (gint64)30 * G_USEC_PER_SEC;
  gboolean ok = TRUE;

  g_mutex_lock (&b->lock);
  b->arrived++;
  g_cond_broadcast (&b->cond);
  while (b->arrived < n && ok)
    ok = g_cond_wait_until (&b->cond, &b->lock, end);
  g_mutex_unlock (&b->lock);
  return ok;
}

typedef struct
{
  Barrier *barrier;
  guint64 connection_id;
  GThread *thread;
} ConcurrentJob;

static gboolean
concurrent_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  ConcurrentJob *job = data;
  g_autoptr (NtpmonDbStmt) st = NULL;

  job->thread = g_thread_self ();
  if (!barrier_wait (job->barrier, N_WORKERS))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "jobs did not run in parallel");
      return FALSE;
    }
  st = ntpmon_db_conn_query (conn, "SELECT CONNECTION_ID()", error, "");
  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    return FALSE;
  job->connection_id = ntpmon_db_stmt_get_uint (st, 0);
  return TRUE;
}

static void
test_pool_concurrent (void)
{
  g_autofree gchar *dsn = new_database (FALSE);
  g_autoptr (NtpmonDb) db = new_pool (dsn, N_WORKERS);
  Barrier barrier = { 0 };
  ConcurrentJob jobs[N_WORKERS] = { 0 };
  gpointer data[N_WORKERS];
  JobResult results[N_WORKERS] = { 0 };

  for (guint i = 0; i < N_WORKERS; i++)
    {
      jobs[i].barrier = &barrier;
      data[i] = &jobs[i];
    }
  NtpmonDbStats stats;

  run_jobs (db, concurrent_job, data, results, N_WORKERS);
  ntpmon_db_get_stats (db, &stats);
  g_assert_cmpuint (stats.n_connections, ==, N_WORKERS);
  g_assert_cmpuint (stats.jobs_ok, ==, N_WORKERS);
  g_assert_cmpuint (stats.jobs_failed, ==, 0);
  g_assert_cmpuint (stats.connects, ==, N_WORKERS);
  g_assert_cmpuint (stats.queued, ==, 0);
  for (guint i = 0; i < N_WORKERS; i++)
    {
      g_assert_no_error (results[i].error);
      g_assert_true (results[i].ok);
      /* results come back on the main thread, work ran elsewhere */
      g_assert_true (results[i].callback_thread == g_thread_self ());
      g_assert_true (jobs[i].thread != g_thread_self ());
      for (guint j = 0; j < i; j++)
        {
          g_assert_cmpuint (jobs[i].connection_id, !=, jobs[j].connection_id);
          g_assert_true (jobs[i].thread != jobs[j].thread);
        }
    }
}

/* column types of schema.sql, with and without NULLs */

static const gchar types_table[]
    = "CREATE TABLE types (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,"
      " u64 bigint unsigned, i32 int, u8 tinyint unsigned, m24 mediumint, d double,"
      " dt6 datetime(6), dt datetime, day date, ts timestamp NULL DEFAULT NULL,"
      " e enum('candidate','testing','active','paused'), t text, j json, v varchar(40),"
      " vb varbinary(16)) ENGINE=InnoDB";

static const gchar types_insert[]
    = "INSERT INTO types (u64, i32, u8, m24, d, dt6, dt, day, ts, e, t, j, v, vb)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static const gchar types_select[]
    = "SELECT id, u64, i32, u8, m24, d, dt6, dt, day, ts, e, t, j, v, vb FROM types WHERE id = ?";

static void
test_stmt_types (DbFixture *f, gconstpointer data)
{
  NtpmonDbConn *conn = f->conn;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) ins = NULL;
  g_autoptr (NtpmonDbStmt) sel = NULL;
  g_autoptr (GDateTime) when = g_date_time_new_utc (2024, 2, 29, 23, 59, 58.123456);
  g_autoptr (GDateTime) got = NULL;
  g_autoptr (GBytes) blob = g_bytes_new ("\x00\x01\xfe\xff\x00z", 6);
  g_autoptr (GBytes) got_blob = NULL;
  g_autoptr (GString) big = g_string_new (NULL);
  guint64 id1, id2;

  exec_ok (conn, types_table);
  for (guint i = 0; i < 6000; i++)
    g_string_append (big, "long text ");

  ins = ntpmon_db_conn_prepare (conn, types_insert, &error);
  g_assert_no_error (error);
  ntpmon_db_stmt_bind (ins, "uiiid", G_MAXUINT64, (gint64)G_MININT32, (gint64)255, (gint64)-8388608,
                       -0.000123456789);
  ntpmon_db_stmt_bind_datetime (ins, when);
  ntpmon_db_stmt_bind_unix_usec (ins,
                                 (gint64)1700000000 * G_USEC_PER_SEC + 999999); /* dt: truncates */
  ntpmon_db_stmt_bind_unix_usec (ins, (gint64)86400 * G_USEC_PER_SEC);          /* 1970-01-02 */
  ntpmon_db_stmt_bind_unix_usec (ins, (gint64)1000000000 * G_USEC_PER_SEC);
  ntpmon_db_stmt_bind_text (ins, "testing");
  ntpmon_db_stmt_bind_text (ins, big->str);
  ntpmon_db_stmt_bind_text (ins, "{\"a\": [1, 2.5, \"ü\"]}");
  ntpmon_db_stmt_bind_text (ins, "ünïcode ✓");
  ntpmon_db_stmt_bind_bytes (ins, blob);
  g_assert_ok (ntpmon_db_stmt_execute (ins, &error), error);
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_db_stmt_get_affected_rows (ins), ==, 1);
  id1 = ntpmon_db_stmt_get_insert_id (ins);
  g_assert_cmpuint (id1, >, 0);

  /* the same statement again, every value NULL */
  ntpmon_db_stmt_bind (ins, "nnnnnntnn", NULL);
  ntpmon_db_stmt_bind_text (ins, NULL);
  ntpmon_db_stmt_bind_text (ins, NULL);
  ntpmon_db_stmt_bind_text (ins, NULL);
  ntpmon_db_stmt_bind_text (ins, NULL);
  ntpmon_db_stmt_bind_bytes (ins, NULL);
  g_assert_ok (ntpmon_db_stmt_execute (ins, &error), error);
  g_assert_no_error (error);
  id2 = ntpmon_db_stmt_get_insert_id (ins);
  g_assert_cmpuint (id2, ==, id1 + 1);

  sel = ntpmon_db_conn_prepare (conn, types_select, &error);
  g_assert_no_error (error);
  ntpmon_db_stmt_bind_uint (sel, id1);
  g_assert_ok (ntpmon_db_stmt_execute (sel, &error), error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (sel, &error), error);
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_db_stmt_get_n_columns (sel), ==, 15);
  g_assert_cmpstr (ntpmon_db_stmt_get_column_name (sel, 6), ==, "dt6");
  g_assert_cmpuint (ntpmon_db_stmt_get_uint (sel, 0), ==, id1);
  g_assert_cmpuint (ntpmon_db_stmt_get_uint (sel, 1), ==, G_MAXUINT64);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 1), ==, "18446744073709551615");
  g_assert_cmpint (ntpmon_db_stmt_get_int (sel, 2), ==, G_MININT32);
  g_assert_cmpint (ntpmon_db_stmt_get_int (sel, 3), ==, 255);
  g_assert_cmpint (ntpmon_db_stmt_get_int (sel, 4), ==, -8388608);
  g_assert_cmpfloat (ntpmon_db_stmt_get_double (sel, 5), ==, -0.000123456789);
  got = ntpmon_db_stmt_get_datetime (sel, 6);
  g_assert_nonnull (got);
  g_assert_true (g_date_time_equal (got, when));
  g_assert_cmpint (g_date_time_get_microsecond (got), ==, 123456);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 6), ==, "2024-02-29 23:59:58.123456");
  g_assert_cmpint (ntpmon_db_stmt_get_unix_usec (sel, 7), ==, (gint64)1700000000 * G_USEC_PER_SEC);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 8), ==, "1970-01-02");
  g_assert_cmpint (ntpmon_db_stmt_get_unix_usec (sel, 8), ==, (gint64)86400 * G_USEC_PER_SEC);
  /* TIMESTAMP columns are converted by the session time zone: UTC */
  g_assert_cmpint (ntpmon_db_stmt_get_int (sel, 9), ==, 1000000000);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 10), ==, "testing");
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 11), ==, big->str);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 12), ==, "{\"a\": [1, 2.5, \"ü\"]}");
  g_assert_cmpstr (ntpmon_db_stmt_get_text (sel, 13), ==, "ünïcode ✓");
  got_blob = ntpmon_db_stmt_get_bytes (sel, 14);
  g_assert_true (g_bytes_equal (got_blob, blob));
  for (guint c = 0; c < 15; c++)
    g_assert_false (ntpmon_db_stmt_is_null (sel, c));
  g_assert_false (ntpmon_db_stmt_next (sel, &error));
  g_assert_no_error (error);

  ntpmon_db_stmt_bind_uint (sel, id2);
  g_assert_ok (ntpmon_db_stmt_execute (sel, &error), error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (sel, &error), error);
  g_assert_no_error (error);
  for (guint c = 1; c < 15; c++)
    {
      g_assert_true (ntpmon_db_stmt_is_null (sel, c));
      g_assert_null (ntpmon_db_stmt_get_text (sel, c));
      g_assert_cmpint (ntpmon_db_stmt_get_int (sel, c), ==, 0);
    }
  g_assert_null (ntpmon_db_stmt_get_datetime (sel, 6));
  g_assert_null (ntpmon_db_stmt_get_bytes (sel, 14));
}

static void
test_session_utc (DbFixture *f, gconstpointer data)
{
  NtpmonDbConn *conn = f->conn;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn, "SELECT @@session.time_zone, NOW() = UTC_TIMESTAMP()", &error, "");

  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (st, &error), error);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (st, 0), ==, "+00:00");
  g_assert_cmpint (ntpmon_db_stmt_get_int (st, 1), ==, 1);
}

static void
test_stmt_errors (DbFixture *f, gconstpointer data)
{
  NtpmonDbConn *conn = f->conn;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  g_autoptr (NtpmonDbStmt) none = NULL;
  guint64 affected = 99;

  exec_ok (conn, "CREATE TABLE k (id int PRIMARY KEY, s varchar(10))");
  g_assert_true (ntpmon_db_conn_exec (conn, "INSERT INTO k VALUES (?, ?)", &affected, &error, "is",
                                      (gint64)1, "one"));
  g_assert_no_error (error);
  g_assert_cmpuint (affected, ==, 1);

  g_assert_false (ntpmon_db_conn_exec (conn, "INSERT INTO k VALUES (?, ?)", NULL, &error, "is",
                                       (gint64)1, "again"));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DUPLICATE);
  g_clear_error (&error);

  g_assert_false (
      ntpmon_db_conn_exec (conn, "INSERT INTO k VALUES (?, ?)", NULL, &error, "i", (gint64)2));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_TYPE);
  g_assert_nonnull (strstr (error->message, "2 parameters but 1"));
  g_clear_error (&error);

  st = ntpmon_db_conn_prepare (conn, "SELEC nonsense FROM k", &error);
  g_assert_null (st);
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_QUERY);
  g_assert_nonnull (strstr (error->message, "SELEC nonsense"));
  g_assert_nonnull (strstr (error->message, "1064"));
  g_clear_error (&error);

  none = ntpmon_db_conn_query (conn, "SELECT s FROM k WHERE id = ?", &error, "i", (gint64)42);
  g_assert_no_error (error);
  g_assert_false (ntpmon_db_stmt_fetch_one (none, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* the connection is still fine afterwards */
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM k"), ==, 1);
}

static gint64
count_in (NtpmonDbConn *conn, const gint64 *ids, guint n)
{
  g_autofree gchar *list = ntpmon_db_sql_placeholders (n);
  g_autofree gchar *sql = g_strdup_printf ("SELECT COUNT(*) FROM k WHERE id IN (%s)", list);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_prepare (conn, sql, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    ntpmon_db_stmt_bind_int (st, ids[i]);
  g_assert_ok (ntpmon_db_stmt_execute (st, &error), error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (st, &error), error);
  return ntpmon_db_stmt_get_int (st, 0);
}

static void
test_stmt_in_list (DbFixture *f, gconstpointer data)
{
  static const gint64 ids[] = { 1, 3, 5, 7 };
  g_autofree gchar *none = ntpmon_db_sql_placeholders (0);
  g_autofree gchar *three = ntpmon_db_sql_placeholders (3);

  g_assert_cmpstr (none, ==, "NULL");
  g_assert_cmpstr (three, ==, "?, ?, ?");
  exec_ok (f->conn, "CREATE TABLE k (id int PRIMARY KEY)");
  exec_ok (f->conn, "INSERT INTO k VALUES (1), (2), (3), (4), (5)");
  g_assert_cmpint (count_in (f->conn, ids, 4), ==, 3);
  g_assert_cmpint (count_in (f->conn, ids, 1), ==, 1);
  g_assert_cmpint (count_in (f->conn, ids, 0), ==, 0);
}

/* Times written as JSON_TABLE reads them come back as the same DATETIME
 * (to the second); years beyond 9999 are written as "" (NULL). */
static void
test_json_datetime (DbFixture *f, gconstpointer data)
{
  static const gint64 secs[] = { 0, 1767225600, 951782400, -1, 253402300799, 1000000000 };
  g_autoptr (GString) json = g_string_new ("[");
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (secs); i++)
    {
      g_string_append (json, i > 0 ? ",[" : "[");
      /* the fraction is dropped */
      ntpmon_db_json_append_datetime (json, secs[i] * G_USEC_PER_SEC + 999999);
      g_string_append_c (json, ']');
    }
  g_string_append_c (json, ']');
  st = ntpmon_db_conn_query (f->conn,
                             "SELECT ts FROM JSON_TABLE(?, '$[*]' COLUMNS (i FOR ORDINALITY,"
                             " ts datetime PATH '$[0]')) AS t ORDER BY i",
                             &error, "s", json->str);
  g_assert_no_error (error);
  while (ntpmon_db_stmt_next (st, &error))
    {
      g_assert_false (ntpmon_db_stmt_is_null (st, 0));
      g_assert_cmpint (ntpmon_db_stmt_get_unix_usec (st, 0), ==, secs[n] * G_USEC_PER_SEC);
      n++;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (secs));

  ntpmon_db_json_append_datetime (text, (gint64)1767225600 * G_USEC_PER_SEC);
  ntpmon_db_json_append_datetime (text, 253402300800 * G_USEC_PER_SEC);
  ntpmon_db_json_append_datetime (text, -62167219201 * G_USEC_PER_SEC);
  ntpmon_db_json_append_datetime (text, -62167219200 * G_USEC_PER_SEC);
  ntpmon_db_json_append_datetime (text, G_MININT64);
  g_assert_cmpstr (text->str, ==, "\"2026-01-01 00:00:00\"\"\"\"\"\"0000-01-01 00:00:00\"\"\"");
}

static gint64
prepare_count (NtpmonDbConn *conn)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st
      = ntpmon_db_conn_query (conn, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'", &error, "");

  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (st, &error), error);
  return ntpmon_db_stmt_get_int (st, 1);
}

static void
test_stmt_cache (DbFixture *f, gconstpointer data)
{
  NtpmonDbConn *conn = f->conn;
  g_autoptr (GError) error = NULL;
  gint64 before, after;

  prepare_count (conn); /* prepares the SHOW statement itself once */
  before = prepare_count (conn);
  for (gint64 i = 0; i < 5; i++)
    {
      g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, "SELECT ? + 1", &error, "i", i);
      g_autoptr (NtpmonDbStmt) nested = NULL;

      g_assert_no_error (error);
      /* the same text while the first is in use gets its own statement */
      nested = ntpmon_db_conn_query (conn, "SELECT ? + 1", &error, "i", i * 10);
      g_assert_no_error (error);
      g_assert_ok (ntpmon_db_stmt_fetch_one (st, &error), error);
      g_assert_ok (ntpmon_db_stmt_fetch_one (nested, &error), error);
      g_assert_cmpint (ntpmon_db_stmt_get_int (st, 0), ==, i + 1);
      g_assert_cmpint (ntpmon_db_stmt_get_int (nested, 0), ==, i * 10 + 1);
    }
  after = prepare_count (conn);
  /* first round: two prepares; later rounds: one from the cache, the
   * nested one prepared again */
  g_assert_cmpint (after - before, ==, 2 + 4);
}

/* transactions */

static gboolean
insert_then_fail (NtpmonDbConn *conn, gpointer data, GError **error)
{
  if (!ntpmon_db_conn_exec (conn, "INSERT INTO acct (id, v) VALUES (?, 0)", NULL, error, "i",
                            *(gint64 *)data))
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "business rule failed");
  return FALSE;
}

static gboolean
insert_row (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_exec (conn, "INSERT INTO acct (id, v) VALUES (?, 0)", NULL, error, "i",
                              *(gint64 *)data);
}

static gboolean
insert_in_transaction (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_transaction (conn, insert_row, data, error);
}

static gboolean
begin_and_leave_open (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_begin (conn, error) && insert_row (conn, data, error);
}

static void
test_transactions (DbFixture *f, gconstpointer data)
{
  const gchar *dsn = f->dsn;
  NtpmonDbConn *conn = f->conn;
  g_autoptr (NtpmonDb) db = new_pool (dsn, 1);
  g_autoptr (GError) error = NULL;
  gint64 id;

  exec_ok (conn, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB");

  /* explicit rollback */
  g_assert_ok (ntpmon_db_conn_begin (conn, &error), error);
  g_assert_true (ntpmon_db_conn_in_transaction (conn));
  id = 1;
  g_assert_true (insert_row (conn, &id, &error));
  g_assert_ok (ntpmon_db_conn_rollback (conn, &error), error);
  g_assert_no_error (error);
  g_assert_false (ntpmon_db_conn_in_transaction (conn));
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct"), ==, 0);

  /* explicit commit */
  g_assert_ok (ntpmon_db_conn_begin (conn, &error), error);
  g_assert_true (insert_row (conn, &id, &error));
  g_assert_ok (ntpmon_db_conn_commit (conn, &error), error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct"), ==, 1);

  /* the helper rolls back when the work fails, with the work's error */
  id = 2;
  g_assert_false (ntpmon_db_conn_transaction (conn, insert_then_fail, &id, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (ntpmon_db_conn_in_transaction (conn));
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct WHERE id = 2"), ==, 0);

  /* and commits through the pool */
  id = 3;
  g_assert_true (run_one (db, insert_in_transaction, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct WHERE id = 3"), ==, 1);

  /* a job that leaves a transaction open is rolled back */
  id = 4;
  g_assert_true (run_one (db, begin_and_leave_open, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct WHERE id = 4"), ==, 0);
  /* the pooled connection works normally after that */
  id = 5;
  g_assert_true (run_one (db, insert_row, &id, &error));
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct WHERE id = 5"), ==, 1);
}

/* deadlock: two transactions lock two rows in opposite order */

typedef struct
{
  Barrier *barrier;
  gint64 first, second;
  guint attempts;
} DeadlockJob;

static gboolean
cross_update (NtpmonDbConn *conn, gpointer data, GError **error)
{
  DeadlockJob *job = data;
  const gchar *sql = "UPDATE acct SET v = v + 1 WHERE id = ?";

  job->attempts++;
  if (!ntpmon_db_conn_exec (conn, sql, NULL, error, "i", job->first))
    return FALSE;
  /* only the first attempts meet, so the retry runs freely */
  if (job->attempts == 1 && !barrier_wait (job->barrier, 2))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "peer did not arrive");
      return FALSE;
    }
  return ntpmon_db_conn_exec (conn, sql, NULL, error, "i", job->second);
}

typedef struct
{
  const gchar *dsn;
  DeadlockJob *job;
  guint max_attempts;
  GError *error;
  gboolean ok;
} DeadlockThread;

static gpointer
deadlock_thread (gpointer data)
{
  DeadlockThread *t = data;
  g_autoptr (NtpmonDbConfig) config = ntpmon_db_config_parse_dsn (t->dsn, &t->error);
  g_autoptr (NtpmonDbConn) conn = config ? ntpmon_db_conn_open (config, &t->error) : NULL;

  if (conn != NULL && t->max_attempts > 0)
    ntpmon_db_conn_set_max_attempts (conn, t->max_attempts);
  if (conn != NULL)
    t->ok = ntpmon_db_conn_transaction (conn, cross_update, t->job, &t->error);
  return NULL;
}

/* Two transactions on connections of their own update rows 1 and 2 in
 * opposite order; each may run @max_attempts times (0: the default). */
typedef struct
{
  Barrier barrier;
  DeadlockJob a, b;
  DeadlockThread ta, tb;
} CrossUpdates;

static void
run_cross_updates (DbFixture *f, guint max_attempts, CrossUpdates *c)
{
  GThread *threads[2];

  c->a = (DeadlockJob){ &c->barrier, 1, 2, 0 };
  c->b = (DeadlockJob){ &c->barrier, 2, 1, 0 };
  c->ta = (DeadlockThread){ f->dsn, &c->a, max_attempts, NULL, FALSE };
  c->tb = (DeadlockThread){ f->dsn, &c->b, max_attempts, NULL, FALSE };
  exec_ok (f->conn, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB");
  exec_ok (f->conn, "INSERT INTO acct VALUES (1, 0), (2, 0)");
  threads[0] = g_thread_new ("deadlock-a", deadlock_thread, &c->ta);
  threads[1] = g_thread_new ("deadlock-b", deadlock_thread, &c->tb);
  g_thread_join (threads[0]);
  g_thread_join (threads[1]);
}

static void
test_deadlock_retry (DbFixture *f, gconstpointer data)
{
  CrossUpdates c = { 0 };

  run_cross_updates (f, 0, &c);
  g_assert_no_error (c.ta.error);
  g_assert_no_error (c.tb.error);
  g_assert_true (c.ta.ok && c.tb.ok);
  /* exactly one of them was chosen as the deadlock victim and ran again */
  g_assert_cmpuint (c.a.attempts + c.b.attempts, ==, 3);
  g_assert_cmpint (query_int (f->conn, "SELECT v FROM acct WHERE id = 1"), ==, 2);
  g_assert_cmpint (query_int (f->conn, "SELECT v FROM acct WHERE id = 2"), ==, 2);
}

static void
test_deadlock_error (DbFixture *f, gconstpointer data)
{
  CrossUpdates c = { 0 };
  DeadlockThread *victim, *winner;

  /* one attempt only: the victim reports the deadlock, its work is undone */
  run_cross_updates (f, 1, &c);
  g_assert_true (c.ta.ok != c.tb.ok);
  victim = c.ta.ok ? &c.tb : &c.ta;
  winner = c.ta.ok ? &c.ta : &c.tb;
  g_assert_error (victim->error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DEADLOCK);
  g_assert_nonnull (strstr (victim->error->message, "1213"));
  g_assert_no_error (winner->error);
  g_clear_error (&victim->error);
  g_assert_cmpint (query_int (f->conn, "SELECT v FROM acct WHERE id = 1"), ==, 1);
  g_assert_cmpint (query_int (f->conn, "SELECT v FROM acct WHERE id = 2"), ==, 1);
}

/* schema */

static void
test_schema_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dbname = NULL;
  g_autofree gchar *dsn = ntpmon_test_mariadb_create_database (server, FALSE, &dbname, &error);
  g_autofree gchar *schema = ntpmon_test_mariadb_get_schema_path ();
  g_autofree gchar *nodb_dsn = ntpmon_test_mariadb_get_dsn (server, NULL);
  g_autoptr (NtpmonDbConn) conn = open_conn (dsn);
  g_autoptr (NtpmonDbConn) nodb = open_conn (nodb_dsn);
  g_autoptr (NtpmonDbStmt) st = NULL;
  guint64 monitor_id, server_id;

  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_load_schema (conn, schema, &error), error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM information_schema.tables"
                                    " WHERE table_schema = DATABASE()"),
                   ==, 13);

  /* only into an empty database */
  g_assert_false (ntpmon_db_load_schema (conn, schema, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, dbname));
  g_assert_nonnull (strstr (error->message, "not empty"));
  g_clear_error (&error);
  g_assert_false (ntpmon_db_load_schema (nodb, schema, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA);
  g_clear_error (&error);
  g_assert_false (ntpmon_db_load_schema (conn, "/nonexistent/schema.sql", &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA);
  g_clear_error (&error);

  /* a bad statement is reported with its line */
  g_assert_false (ntpmon_db_load_sql (conn, "bad.sql", "SELECT 1;\n\nCREATE TABLE x (;\n", &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_QUERY);
  g_assert_true (g_str_has_prefix (error->message, "bad.sql line 3: "));
  g_clear_error (&error);

  /* the schema works with queries in the style of the spec (§18) */
  g_assert_true (ntpmon_db_conn_exec (
      conn,
      "INSERT INTO monitors (type, hostname, location, ip, ip_version, tls_name, status, config,"
      " created_on) VALUES ('monitor', ?, '', ?, 'v4', ?, 'active', '{}', NOW())",
      NULL, &error, "sss", "mon1", "192.0.2.1", "mon1.test.mon.ntppool.dev"));
  g_assert_no_error (error);
  monitor_id = (guint64)query_int (conn, "SELECT LAST_INSERT_ID()");
  g_assert_true (ntpmon_db_conn_exec (conn,
                                      "INSERT INTO servers (ip, ip_version, created_on)"
                                      " VALUES (?, 'v6', NOW())",
                                      NULL, &error, "s", "2001:db8::1"));
  g_assert_no_error (error);
  server_id = (guint64)query_int (conn, "SELECT LAST_INSERT_ID()");
  g_assert_true (ntpmon_db_conn_exec (
      conn,
      "INSERT INTO log_scores (server_id, monitor_id, ts, score, step, `offset`, rtt, attributes)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      NULL, &error, "uuTddnis", server_id, monitor_id, (gint64)(gint64)1700000000 * G_USEC_PER_SEC,
      19.5, 1.0, (gint64)12345, "{\"leap\":0}"));
  g_assert_no_error (error);
  st = ntpmon_db_conn_query (conn,
                             "SELECT ls.id, ls.monitor_id, ls.server_id, ls.ts, ls.score,"
                             " ls.step, ls.offset, ls.rtt, ls.attributes FROM log_scores ls"
                             " WHERE ls.server_id = ?",
                             &error, "u", server_id);
  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (st, &error), error);
  g_assert_cmpuint (ntpmon_db_stmt_get_uint (st, 1), ==, monitor_id);
  g_assert_cmpint (ntpmon_db_stmt_get_unix_usec (st, 3), ==, (gint64)1700000000 * G_USEC_PER_SEC);
  g_assert_cmpfloat (ntpmon_db_stmt_get_double (st, 4), ==, 19.5);
  g_assert_true (ntpmon_db_stmt_is_null (st, 6));
  g_assert_cmpint (ntpmon_db_stmt_get_int (st, 7), ==, 12345);
  g_assert_cmpstr (ntpmon_db_stmt_get_text (st, 8), ==, "{\"leap\":0}");
}

/* pool: TCP, sync use, cancellation, credentials from database.yaml */

static gboolean
select_host (NtpmonDbConn *conn, gpointer data, GError **error)
{
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn, "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()", error,
      "");

  if (st == NULL || !ntpmon_db_stmt_fetch_one (st, error))
    return FALSE;
  *(gchar **)data = ntpmon_db_stmt_dup_text (st, 0);
  return TRUE;
}

static void
test_pool_tcp_and_sync (void)
{
  g_autofree gchar *dbname = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *unix_dsn = ntpmon_test_mariadb_create_database (server, FALSE, &dbname, &error);
  g_autofree gchar *dsn = g_strdup_printf ("root@tcp(127.0.0.1:%u)/%s?timeout=5s&parseTime=true",
                                           ntpmon_test_mariadb_get_port (server), dbname);
  g_autoptr (NtpmonDb) db = new_pool (dsn, 2);
  g_autofree gchar *host = NULL;
  g_autofree gchar *host2 = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (unix_dsn, "root@unix("));
  g_assert_ok (ntpmon_db_ping (db, NULL, &error), error);
  g_assert_no_error (error);
  g_assert_true (run_one (db, select_host, &host, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (host, "127.0.0.1:"));

  g_assert_ok (ntpmon_db_run_sync (db, select_host, &host2, NULL, &error), error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (host2, "127.0.0.1:"));
}

static void
test_pool_cancel (void)
{
  g_autofree gchar *dsn = new_database (FALSE);
  g_autoptr (NtpmonDb) db = new_pool (dsn, 1);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  JobResult r = { 0 };
  g_autofree gchar *host = NULL;
  g_autoptr (GError) error = NULL;

  g_cancellable_cancel (cancellable);
  ntpmon_db_run_async (db, select_host, &host, NULL, cancellable, job_done_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (host);
  job_result_clear (&r);

  g_assert_false (ntpmon_db_run_sync (db, select_host, &host, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_pool_yaml_rotation (void)
{
  g_autofree gchar *dbname = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *admin_dsn
      = ntpmon_test_mariadb_create_database (server, FALSE, &dbname, &error);
  g_autoptr (NtpmonDbConn) admin = open_conn (admin_dsn);
  g_autofree gchar *dir = g_dir_make_tmp ("ntpmon-yaml-XXXXXX", NULL);
  g_autofree gchar *yaml = g_build_filename (dir, "database.yaml", NULL);
  g_autofree gchar *env_dsn
      = g_strdup_printf ("nobody@unix(%s)/%s", ntpmon_test_mariadb_get_socket (server), dbname);
  g_autofree gchar *grant = g_strdup_printf ("GRANT ALL ON `%s`.* TO 'rotor'@'localhost'", dbname);
  const gchar *paths[] = { yaml, NULL };
  g_autoptr (NtpmonDbConfig) config = NULL;
  g_autoptr (NtpmonDb) db = NULL;
  g_autofree gchar *host = NULL;

  g_assert_no_error (error);
  exec_ok (admin, "CREATE USER 'rotor'@'localhost' IDENTIFIED BY 'new-pass'");
  exec_ok (admin, grant);

  g_file_set_contents (yaml, "mysql:\n  user: rotor\n  pass: old-pass\n", -1, &error);
  g_assert_no_error (error);
  config = ntpmon_db_config_load (paths, env_dsn, &error);
  g_assert_no_error (error);
  db = ntpmon_db_new (config, 1);
  ntpmon_db_set_retry_interval (db, 0);

  g_assert_false (run_one (db, select_host, &host, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "rotor"));
  g_clear_error (&error);

  /* the agent rotated the credentials: the next connection uses them */
  g_file_set_contents (yaml, "mysql:\n  user: rotor\n  pass: new-pass\n", -1, &error);
  g_assert_true (run_one (db, select_host, &host, &error));
  g_assert_no_error (error);
  g_assert_nonnull (host);

  g_unlink (yaml);
  g_rmdir (dir);
}

/* lost connections */

static void
kill_connection (NtpmonDbConn *victim)
{
  g_autofree gchar *dsn = ntpmon_test_mariadb_get_dsn (server, NULL);
  g_autoptr (NtpmonDbConn) admin = open_conn (dsn);
  g_autoptr (GError) error = NULL;

  g_assert_ok (ntpmon_db_conn_exec (admin, "KILL CONNECTION ?", NULL, &error, "u",
                                    ntpmon_db_conn_get_server_thread_id (victim)),
               error);
}

/* The first value of @sql, run in a transaction of @conn. */
static gchar *
text_in_transaction (NtpmonDbConn *conn, const gchar *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  gchar *text;

  g_assert_ok (ntpmon_db_conn_begin (conn, &error), error);
  st = ntpmon_db_conn_query (conn, sql, &error, "");
  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (st, &error), error);
  text = ntpmon_db_stmt_dup_text (st, 0);
  g_clear_pointer (&st, ntpmon_db_stmt_free);
  g_assert_ok (ntpmon_db_conn_commit (conn, &error), error);
  return text;
}

#define ISOLATION "SELECT @@tx_isolation"
#define SET_COUNT                                                                                  \
  "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"                                   \
  " WHERE VARIABLE_NAME = 'COM_SET_OPTION'"

/* READ COMMITTED is set on the session once (not before each transaction),
 * with and without implicit begin, and again on the new session after the
 * connection was lost; turned off, the server's default is back. */
static void
test_read_committed (DbFixture *f, gconstpointer data)
{
  g_autofree gchar *dsn = g_strdup (f->dsn);
  g_autoptr (NtpmonDbConn) conn = open_conn (dsn);

  for (guint implicit = 0; implicit < 2; implicit++)
    {
      g_autofree gchar *first = NULL, *sets = NULL, *second = NULL, *sets_after = NULL;
      g_autofree gchar *lost = NULL, *off = NULL;
      g_autoptr (GError) error = NULL;

      ntpmon_db_conn_set_implicit_begin (conn, implicit);
      ntpmon_db_conn_set_read_committed (conn, TRUE);
      first = text_in_transaction (conn, ISOLATION);
      g_assert_cmpstr (first, ==, "READ-COMMITTED");
      sets = text_in_transaction (conn, SET_COUNT);
      second = text_in_transaction (conn, ISOLATION);
      g_assert_cmpstr (second, ==, "READ-COMMITTED");
      /* the transaction in between set nothing */
      sets_after = text_in_transaction (conn, SET_COUNT);
      g_assert_cmpstr (sets_after, ==, sets);

      kill_connection (conn);
      /* a standalone connection reports the loss once, then reconnects */
      g_assert_false (ntpmon_db_conn_begin (conn, &error)
                      && ntpmon_db_conn_exec (conn, "DO 1", NULL, &error, ""));
      g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
      ntpmon_db_conn_rollback (conn, NULL);
      lost = text_in_transaction (conn, ISOLATION);
      g_assert_cmpstr (lost, ==, "READ-COMMITTED");
      ntpmon_db_conn_set_read_committed (conn, FALSE);
      off = text_in_transaction (conn, ISOLATION);
      g_assert_cmpstr (off, ==, "REPEATABLE-READ");
    }
}

static gboolean
kill_pooled (NtpmonDbConn *conn, gpointer data, GError **error)
{
  kill_connection (conn);
  return TRUE;
}

static void
test_transaction_connection_lost (DbFixture *f, gconstpointer data)
{
  g_autofree gchar *dsn = g_strdup (f->dsn);
  g_autoptr (NtpmonDbConn) conn = open_conn (dsn);
  g_autoptr (GError) error = NULL;
  gint64 id = 1;

  exec_ok (conn, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB");
  g_assert_ok (ntpmon_db_conn_begin (conn, &error), error);
  g_assert_ok (insert_row (conn, &id, &error), error);
  kill_connection (conn);

  /* no silent reconnect: the rest of the transaction would run outside it */
  id = 2;
  g_assert_false (insert_row (conn, &id, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  id = 3;
  g_assert_false (insert_row (conn, &id, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "during a transaction"));
  g_clear_error (&error);
  g_assert_false (ntpmon_db_conn_commit (conn, &error));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (ntpmon_db_conn_in_transaction (conn));

  /* outside the transaction the connection comes back */
  g_assert_cmpint (query_int (conn, "SELECT COUNT(*) FROM acct"), ==, 0);
}

static void
test_pool_connection_killed (DbFixture *f, gconstpointer data)
{
  g_autoptr (NtpmonDb) db = new_pool (f->dsn, 1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *host = NULL;
  g_autofree gchar *host2 = NULL;
  gint64 id = 1;

  exec_ok (f->conn, "CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB");
  g_assert_ok (run_one (db, select_host, &host, &error), error);
  g_assert_ok (ntpmon_db_run_sync (db, kill_pooled, NULL, NULL, &error), error);
  /* the next job notices on its first statement, reconnects and runs it */
  g_assert_ok (run_one (db, select_host, &host2, &error), error);
  g_assert_ok (ntpmon_db_run_sync (db, kill_pooled, NULL, NULL, &error), error);
  g_assert_ok (run_one (db, insert_row, &id, &error), error);
  g_assert_cmpint (query_int (f->conn, "SELECT COUNT(*) FROM acct"), ==, 1);
}

static void
test_stmt_across_reconnect (DbFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) held
      = ntpmon_db_conn_query (f->conn, "SELECT ? * 2", &error, "i", (gint64)21);

  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (held, &error), error);
  g_assert_cmpint (ntpmon_db_stmt_get_int (held, 0), ==, 42);

  kill_connection (f->conn);
  /* a standalone connection reports the loss once, then reconnects */
  g_assert_null (ntpmon_db_conn_query (f->conn, "SELECT 1", &error, ""));
  g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpint (query_int (f->conn, "SELECT 1"), ==, 1);

  /* the statement prepared on the old session still works */
  ntpmon_db_stmt_bind_int (held, 5);
  g_assert_ok (ntpmon_db_stmt_execute (held, &error), error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (held, &error), error);
  g_assert_cmpint (ntpmon_db_stmt_get_int (held, 0), ==, 10);
  g_clear_pointer (&held, ntpmon_db_stmt_free);
  /* and so does the cache */
  held = ntpmon_db_conn_query (f->conn, "SELECT ? * 2", &error, "i", (gint64)4);
  g_assert_no_error (error);
  g_assert_ok (ntpmon_db_stmt_fetch_one (held, &error), error);
  g_assert_cmpint (ntpmon_db_stmt_get_int (held, 0), ==, 8);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  server = ntpmon_test_mariadb_start_or_fail ();
  g_test_add_func ("/db/pool/concurrent", test_pool_concurrent);
  g_test_add_func ("/db/pool/tcp-and-sync", test_pool_tcp_and_sync);
  g_test_add_func ("/db/pool/cancel", test_pool_cancel);
  g_test_add_func ("/db/pool/yaml-rotation", test_pool_yaml_rotation);
  g_test_add ("/db/stmt/types", DbFixture, NULL, db_setup, test_stmt_types, db_teardown);
  g_test_add ("/db/stmt/session-utc", DbFixture, NULL, db_setup, test_session_utc, db_teardown);
  g_test_add ("/db/stmt/errors", DbFixture, NULL, db_setup, test_stmt_errors, db_teardown);
  g_test_add ("/db/stmt/in-list", DbFixture, NULL, db_setup, test_stmt_in_list, db_teardown);
  g_test_add ("/db/stmt/json-datetime", DbFixture, NULL, db_setup, test_json_datetime, db_teardown);
  g_test_add ("/db/stmt/cache", DbFixture, NULL, db_setup, test_stmt_cache, db_teardown);
  g_test_add ("/db/transaction/commit-rollback", DbFixture, NULL, db_setup, test_transactions,
              db_teardown);
  g_test_add ("/db/transaction/connection-lost", DbFixture, NULL, db_setup,
              test_transaction_connection_lost, db_teardown);
  g_test_add ("/db/stmt/across-reconnect", DbFixture, NULL, db_setup, test_stmt_across_reconnect,
              db_teardown);
  g_test_add ("/db/pool/connection-killed", DbFixture, NULL, db_setup, test_pool_connection_killed,
              db_teardown);
  g_test_add ("/db/transaction/deadlock-retry", DbFixture, NULL, db_setup, test_deadlock_retry,
              db_teardown);
  g_test_add ("/db/transaction/read-committed", DbFixture, NULL, db_setup, test_read_committed,
              db_teardown);
  g_test_add ("/db/transaction/deadlock-error", DbFixture, NULL, db_setup, test_deadlock_error,
              db_teardown);
  g_test_add_func ("/db/schema/load", test_schema_load);
  rc = g_test_run ();
  ntpmon_test_mariadb_free (server);
  return rc;
}
