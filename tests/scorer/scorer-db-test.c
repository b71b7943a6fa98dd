/* scorer-db-test.c: a database per test case and rows for the scorer
 * program's tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "scorer-db-test.h"

#include "ntpmon-scorer.h"

static NtpmonTestMariadb *server;

/* One MariaDB server for the whole test binary (freed at exit by the
 * fixture's watchdog when the process ends). */
NtpmonTestMariadb *
test_db_server (void)
{
  if (server == NULL)
    server = ntpmon_test_mariadb_start_or_fail ();
  return server;
}

void
test_db_open (TestDb *db)
{
  g_autoptr (GError) error = NULL;

  db->dsn = ntpmon_test_mariadb_create_database (test_db_server (), TRUE, NULL, &error);
  g_assert_no_error (error);
  db->config = ntpmon_db_config_parse_dsn (db->dsn, &error);
  g_assert_no_error (error);
  db->conn = ntpmon_db_conn_open (db->config, &error);
  g_assert_no_error (error);
}

void
test_db_close (TestDb *db)
{
  g_clear_pointer (&db->conn, ntpmon_db_conn_free);
  g_clear_pointer (&db->config, ntpmon_db_config_free);
  g_clear_pointer (&db->dsn, g_free);
}

void
test_db_exec (TestDb *db, const gchar *format, ...)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  ntpmon_db_conn_exec_direct (db->conn, sql, &error);
  g_assert_no_error (error);
}

static NtpmonDbStmt *
query_one (TestDb *db, const gchar *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (db->conn, sql, &error, "");

  g_assert_no_error (error);
  ntpmon_db_stmt_fetch_one (st, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&st);
}

G_GNUC_PRINTF (2, 0)
static gchar *
text_valist (TestDb *db, const gchar *format, va_list args)
{
  g_autofree gchar *sql = g_strdup_vprintf (format, args);
  g_autoptr (NtpmonDbStmt) st = query_one (db, sql);

  return ntpmon_db_stmt_dup_text (st, 0);
}

gint64
test_db_int (TestDb *db, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = text_valist (db, format, args);
  va_end (args);
  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
}

gchar *
test_db_text (TestDb *db, const gchar *format, ...)
{
  gchar *text;
  va_list args;

  va_start (args, format);
  text = text_valist (db, format, args);
  va_end (args);
  return text;
}

/* CHECKSUM TABLE of every table the scorer and the selector touch. */
gchar *
test_db_checksum (TestDb *db)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  GString *out = g_string_new (NULL);

  st = ntpmon_db_conn_query (db->conn,
                             "CHECKSUM TABLE server_scores, servers_monitor_review, log_scores, "
                             "servers, monitors, scorer_status EXTENDED",
                             &error, "");
  g_assert_no_error (error);
  while (ntpmon_db_stmt_next (st, &error))
    g_string_append_printf (out, "%s=%s\n", ntpmon_db_stmt_get_text (st, 0),
                            ntpmon_db_stmt_get_text (st, 1));
  g_assert_no_error (error);
  return g_string_free (out, FALSE);
}

/* The SQL value of an account id (0: NULL); creates the account row. */
static gchar *
account_sql (TestDb *db, gint64 account_id)
{
  if (account_id == 0)
    return g_strdup ("NULL");
  test_db_exec (db,
                "INSERT IGNORE INTO accounts (id, created_on) VALUES (%" G_GINT64_FORMAT ", NOW())",
                account_id);
  return g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
}

/* @account_id: 0 for none; the account row is created when missing */
gint64
test_db_add_monitor (TestDb *db, gint64 id, const gchar *type, const gchar *status, const gchar *ip,
                     gint64 account_id)
{
  g_autofree gchar *ip_sql = ip ? g_strdup_printf ("'%s'", ip) : g_strdup ("NULL");
  g_autofree gchar *acct_sql = account_sql (db, account_id);

  test_db_exec (db,
                "INSERT INTO monitors (id, id_token, type, account_id, hostname, ip, tls_name, "
                "status, config, created_on) VALUES (%" G_GINT64_FORMAT ", 'tok%" G_GINT64_FORMAT
                "', '%s', %s, 'm%" G_GINT64_FORMAT "', %s, 'm%" G_GINT64_FORMAT
                ".test.mon.ntppool.dev', '%s', '', NOW())",
                id, id, type, acct_sql, id, ip_sql, id, status);
  return id;
}

gint64
test_db_add_server (TestDb *db, gint64 id, const gchar *ip, gint64 account_id)
{
  g_autofree gchar *acct_sql = account_sql (db, account_id);

  test_db_exec (db,
                "INSERT INTO servers (id, ip, account_id, created_on) VALUES (%" G_GINT64_FORMAT
                ", '%s', %s, NOW())",
                id, ip, acct_sql);
  return id;
}

/* @id: 0 for the next auto-increment id; @age_seconds: ts = NOW() - age;
 * @rtt: microseconds, negative for NULL */
void
test_db_add_log_score (TestDb *db, gint64 id, gint64 monitor_id, gint64 server_id,
                       gint64 age_seconds, gdouble score, gdouble step, gint rtt)
{
  g_autofree gchar *id_sql = id ? g_strdup_printf ("%" G_GINT64_FORMAT, id) : g_strdup ("NULL");
  g_autofree gchar *rtt_sql = rtt >= 0 ? g_strdup_printf ("%d", rtt) : g_strdup ("NULL");
  gchar score_text[G_ASCII_DTOSTR_BUF_SIZE], step_text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (score_text, sizeof score_text, score);
  g_ascii_dtostr (step_text, sizeof step_text, step);
  test_db_exec (db,
                "INSERT INTO log_scores (id, monitor_id, server_id, ts, score, step, `offset`, "
                "rtt) VALUES (%s, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                ", NOW() - INTERVAL %" G_GINT64_FORMAT " SECOND, %s, %s, 0.001, %s)",
                id_sql, monitor_id, server_id, age_seconds, score_text, step_text, rtt_sql);
}

void
test_db_add_server_score (TestDb *db, gint64 monitor_id, gint64 server_id, const gchar *status)
{
  test_db_exec (db,
                "INSERT INTO server_scores (monitor_id, server_id, score_raw, status, created_on) "
                "VALUES (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 10, '%s', NOW())",
                monitor_id, server_id, status);
}

/**
 * test_db_add_selector_monitor:
 * @status: the monitor's `server_scores.status` for @server_id
 * @priority: the priority the monitor query will compute (step 1 and an
 *   RTT of @priority ms), negative for NULL RTTs
 * @ip: (nullable): NULL for the E-series default `10.<id>.0.1`
 *
 * A globally active, healthy monitor of account 100 + @id with 40 results
 * for @server_id in the last hours (selector.md §14.1 E-series defaults).
 */
void
test_db_add_selector_monitor (TestDb *db, gint64 server_id, gint64 id, const gchar *status,
                              gint64 priority, const gchar *ip)
{
  g_autofree gchar *default_ip = g_strdup_printf ("10.%" G_GINT64_FORMAT ".0.1", id);
  g_autofree gchar *rtt
      = priority >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, priority * 1000) : g_strdup ("NULL");

  test_db_add_monitor (db, id, "monitor", "active", ip ? ip : default_ip, 100 + id);
  test_db_add_server_score (db, id, server_id, status);
  test_db_exec (db,
                "INSERT INTO log_scores (monitor_id, server_id, ts, score, step, rtt) SELECT "
                "%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                ", NOW() - INTERVAL seq MINUTE, 15, 1, %s "
                "FROM seq_1_to_40",
                id, server_id, rtt);
}

/* The scorer program's plugin host with the default configuration. */
NtpmonHost *
test_host_new (void)
{
  g_autoptr (GKeyFile) empty = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  NtpmonHost *host = ntpmon_host_new ("scorer", NULL);

  ntpmon_host_apply_config (host, empty, &error);
  g_assert_no_error (error);
  return host;
}

/* The scorer plugin's algorithms, new (they keep state between batches). */
GPtrArray *
test_host_scorers (NtpmonHost *host)
{
  PeasEngine *engine = ntpmon_host_get_engine (host);
  g_autoptr (GError) error = NULL;
  GPtrArray *scorers = ntpmon_scorer_create_from_plugin (
      engine, peas_engine_get_plugin_info (engine, "ntpmon-scorer"), &error);

  g_assert_no_error (error);
  return scorers;
}
