/* test-scorer-cli.c: ntppool-monitor-scorer as a program on MariaDB: help
 * and exit codes, two scorer processes with one lock, selector simulate
 * versus once
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "scorer-db-test.h"

static gchar *
program (void)
{
  return g_build_filename (g_getenv ("NTPMON_BUILD_ROOT"), "core", "ntppool-monitor-scorer", NULL);
}

typedef struct
{
  TestDb db;
  gchar *dir;
  gchar *config;
  gboolean warnings_expected; /* children run without G_DEBUG=fatal-warnings */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  test_db_open (&f->db);
  f->dir = g_dir_make_tmp ("ntpmon-scorer-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->config = g_build_filename (f->dir, "monitor-scorer.conf", NULL);
  g_file_set_contents (f->config, "[database]\nlock-wait=1\n", -1, &error);
  g_assert_no_error (error);
}

static void
remove_dir (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->config);
  test_db_close (&f->db);
}

/* children die with the test, also when an assertion aborts it */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn (Fixture *f, const gchar *log_name, const gchar *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *log = g_build_filename (f->dir, log_name, NULL);
  g_autoptr (GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, program ());
  g_ptr_array_add (argv, g_strconcat ("--config=", f->config, NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "DATABASE_DSN", f->db.dsn, TRUE);
  if (f->warnings_expected)
    g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_set_cwd (launcher, f->dir);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar *const *)argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* Runs to the end; returns stdout, *log the stderr log. */
static gchar *
run (Fixture *f, const gchar *log_name, gchar **log, gint *status, const gchar *const *args)
{
  g_autoptr (GSubprocess) process = spawn (f, log_name, args);
  g_autofree gchar *path = g_build_filename (f->dir, log_name, NULL);
  g_autoptr (GError) error = NULL;
  gchar *out = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_exit_status (process);
  if (log != NULL)
    g_file_get_contents (path, log, NULL, NULL);
  return out;
}

static gboolean
log_contains (Fixture *f, const gchar *log_name, const gchar *text)
{
  g_autofree gchar *path = g_build_filename (f->dir, log_name, NULL);
  g_autofree gchar *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, text) != NULL;
}

static void
test_help (Fixture *f, gconstpointer data)
{
  const gchar *const *cases[] = {
    (const gchar *const[]){ "--help", NULL },
    (const gchar *const[]){ "scorer", "--help", NULL },
    (const gchar *const[]){ "scorer", "server", "--help", NULL },
    (const gchar *const[]){ "selector", "simulate", "--help", NULL },
    (const gchar *const[]){ "selector", "once", "-h", NULL },
    (const gchar *const[]){ "db", "--help", NULL },
  };
  const gchar *const *bad[] = {
    (const gchar *const[]){ NULL },
    (const gchar *const[]){ "scorer", NULL },
    (const gchar *const[]){ "selector", "simulate", NULL },
    (const gchar *const[]){ "selector", "once", "1", "2", NULL },
    (const gchar *const[]){ "scorer", "run", "--no-such-flag", NULL },
    (const gchar *const[]){ "frobnicate", NULL },
  };
  gint status;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *out = run (f, "help.log", NULL, &status, cases[i]);
      g_assert_cmpint (status, ==, 0);
      g_assert_true (g_str_has_prefix (out, "Usage:"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *log = NULL;
      g_autofree gchar *out = run (f, "bad.log", &log, &status, bad[i]);
      g_assert_cmpint (status, ==, 80);
      g_assert_true (g_str_has_prefix (out, "Usage:"));
      g_assert_true (g_str_has_prefix (log, "ntppool-monitor-scorer: error: "));
    }
  {
    g_autofree gchar *out
        = run (f, "v.log", NULL, &status, (const gchar *const[]){ "version", NULL });
    g_assert_cmpstr (out, ==, "monitor-scorer " PACKAGE_VERSION "\n");
  }
}

static void
wait_for (gboolean (*cond) (Fixture *f, gconstpointer data), Fixture *f, gconstpointer data)
{
  /* bounded by the test's meson timeout */
  while (!cond (f, data))
    g_usleep (20000);
}

static gint64 n_rows;

static gboolean
some_progress (Fixture *f, gconstpointer data)
{
  return test_db_int (&f->db, "SELECT COALESCE(MIN(log_score_id), 0) FROM scorer_status") > 200;
}

static gboolean
all_done (Fixture *f, gconstpointer data)
{
  return test_db_int (&f->db,
                      "SELECT COUNT(*) FROM scorer_status WHERE log_score_id = %" G_GINT64_FORMAT,
                      n_rows + 1)
         == 2;
}

static gboolean
log_has (Fixture *f, gconstpointer name)
{
  return log_contains (f, name, "holding the lock");
}

static gboolean
log_waits (Fixture *f, gconstpointer name)
{
  return log_contains (f, name, "another process holds the lock");
}

/* Two `scorer server` processes: one scores, the other waits; kill -9 the
 * first, the second takes over; every monitor row is scored exactly once. */
static void
test_two_runners (Fixture *f, gconstpointer data)
{
  const gchar *const args[] = { "scorer", "server", "--metrics-port=0", NULL };
  g_autoptr (GSubprocess) a = NULL;
  g_autoptr (GSubprocess) b = NULL;
  GSubprocess *holder, *other;
  const gchar *holder_log, *other_log;
  g_autoptr (GError) error = NULL;

  n_rows = 3000;
  test_db_add_monitor (&f->db, 1, "monitor", "active", "10.1.0.1", 0);
  for (gint64 s = 1; s <= 20; s++)
    {
      g_autofree gchar *ip = g_strdup_printf ("192.0.2.%" G_GINT64_FORMAT, s);

      test_db_add_server (&f->db, s, ip, 0);
      test_db_add_server_score (&f->db, 1, s, "active");
    }
  test_db_exec (&f->db, "INSERT INTO system_settings (`key`, value, created_on) VALUES "
                        "('scorer', '{\"batch_size\":20}', NOW())");
  /* row 1 is where `scorer setup` starts; scores alternate by server so
   * that every row passes de-duplication */
  test_db_add_log_score (&f->db, 1, 1, 1, n_rows + 10, 10, 1, 1000);
  test_db_exec (&f->db, "CREATE TEMPORARY TABLE seq (n INT PRIMARY KEY)");
  test_db_exec (&f->db, "INSERT INTO seq SELECT seq FROM seq_1_to_%" G_GINT64_FORMAT, n_rows);
  test_db_exec (&f->db,
                "INSERT INTO log_scores (id, monitor_id, server_id, ts, score, step, rtt) "
                "SELECT n + 1, 1, 1 + n %% 20, NOW() - INTERVAL (%" G_GINT64_FORMAT
                " - n) SECOND, IF((n DIV 20) %% 2 = 0, 10, 20), 1, 1000 FROM seq",
                n_rows);

  a = spawn (f, "a.log", args);
  b = spawn (f, "b.log", args);
  wait_for (some_progress, f, NULL);
  g_assert_true (log_contains (f, "a.log", "holding the lock")
                 != log_contains (f, "b.log", "holding the lock"));
  holder = log_contains (f, "a.log", "holding the lock") ? a : b;
  other = holder == a ? b : a;
  holder_log = holder == a ? "a.log" : "b.log";
  other_log = holder == a ? "b.log" : "a.log";
  wait_for (log_waits, f, other_log);
  g_assert_false (all_done (f, NULL));

  g_subprocess_send_signal (holder, SIGKILL);
  g_subprocess_wait (holder, NULL, &error);
  g_assert_no_error (error);
  wait_for (log_has, f, other_log);
  wait_for (all_done, f, NULL);
  g_assert_true (log_contains (f, holder_log, "holding the lock"));

  g_subprocess_send_signal (other, SIGTERM);
  g_subprocess_wait (other, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (other));
  g_assert_cmpint (g_subprocess_get_exit_status (other), ==, 0);

  /* recentmedian logs every input row once (from_ls_id); every scored all */
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT COUNT(*) FROM log_scores l JOIN monitors m ON m.id = "
                                "l.monitor_id WHERE m.hostname = 'recentmedian'"),
                   ==, n_rows);
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT COUNT(DISTINCT JSON_VALUE(l.attributes, '$.from_ls_id')) "
                                "FROM log_scores l JOIN monitors m ON m.id = l.monitor_id WHERE "
                                "m.hostname = 'recentmedian'"),
                   ==, n_rows);
  g_assert_cmpint (test_db_int (&f->db, "SELECT COUNT(*) FROM monitors WHERE type = 'score'"), ==,
                   2);
}

/* The "applied status change" records of a log, from msg= on. */
static gchar *
applied_changes (const gchar *log)
{
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const gchar *msg = strstr (lines[i], "msg=\"applied status change\"");

      if (msg != NULL)
        g_string_append_printf (out, "%s\n", msg);
    }
  return g_string_free (out, FALSE);
}

/* `simulate` writes nothing; `once SERVER_ID` applies exactly what it
 * showed; `once` without an id reviews the due servers. */
static void
test_simulate_then_once (Fixture *f, gconstpointer data)
{
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;
  g_autofree gchar *sim_log = NULL;
  g_autofree gchar *once_log = NULL;
  g_autofree gchar *batch_log = NULL;
  g_autofree gchar *sim_changes = NULL;
  g_autofree gchar *once_changes = NULL;
  g_autofree gchar *out = NULL;
  gint status;

  test_db_add_server (&f->db, 1, "192.0.2.1", 1);
  test_db_add_server (&f->db, 2, "192.0.2.2", 1);
  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, NULL);
  test_db_add_selector_monitor (&f->db, 1, 32, "candidate", 60, NULL);
  test_db_add_selector_monitor (&f->db, 1, 8, "candidate", 80, "192.0.2.77");
  test_db_exec (&f->db, "INSERT INTO servers_monitor_review (server_id, next_review) VALUES "
                        "(1, NOW() + INTERVAL 1 DAY), (2, NULL)");

  before = test_db_checksum (&f->db);
  out = run (f, "simulate.log", &sim_log, &status,
             (const gchar *const[]){ "selector", "simulate", "1", NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "✓ Simulation complete: Changes would be applied for server 1\n");
  after = test_db_checksum (&f->db);
  g_assert_cmpstr (before, ==, after);
  sim_changes = applied_changes (sim_log);
  g_assert_cmpstr (sim_changes, !=, "");

  g_clear_pointer (&out, g_free);
  out = run (f, "once.log", &once_log, &status,
             (const gchar *const[]){ "selector", "once", "1", "--metrics-port=0", NULL });
  g_assert_cmpint (status, ==, 0);
  once_changes = applied_changes (once_log);
  g_assert_cmpstr (once_changes, ==, sim_changes);
  g_assert_cmpint (test_db_int (&f->db, "SELECT COUNT(*) FROM server_scores WHERE server_id = 1 "
                                        "AND status = 'testing' AND monitor_id IN (31, 32)"),
                   ==, 2);
  g_assert_cmpint (test_db_int (&f->db, "SELECT status = 'paused' FROM server_scores WHERE "
                                        "server_id = 1 AND monitor_id = 8"),
                   ==, 1);
  g_assert_cmpint (test_db_int (&f->db, "SELECT last_change IS NOT NULL AND next_review > NOW() + "
                                        "INTERVAL 55 MINUTE FROM servers_monitor_review WHERE "
                                        "server_id = 1"),
                   ==, 1);

  /* batch: only server 2 is due; nothing to change there (20 minutes) */
  g_clear_pointer (&out, g_free);
  out = run (f, "batch.log", &batch_log, &status,
             (const gchar *const[]){ "selector", "once", "--metrics-port=0", NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (batch_log, "processed servers: 1"));
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT last_change IS NULL AND next_review BETWEEN NOW() + "
                                "INTERVAL 15 MINUTE AND NOW() + INTERVAL 25 MINUTE FROM "
                                "servers_monitor_review WHERE server_id = 2"),
                   ==, 1);
}

/* A constraint left out of `[selector] constraints` takes no part, and
 * the program says so at start. */
static void
test_disabled_constraint (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *out = NULL;
  gint status;

  g_file_set_contents (f->config, "[selector]\nconstraints=account;diversity;limits\n", -1, &error);
  g_assert_no_error (error);
  test_db_add_server (&f->db, 1, "192.0.2.1", 1);
  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, "192.0.2.77");
  f->warnings_expected = TRUE;
  out = run (f, "disabled.log", &log, &status,
             (const gchar *const[]){ "selector", "once", "1", "--metrics-port=0", NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (log, "level=WARN msg=\"selector: constraint 'subnet' is DISABLED"));
  g_assert_cmpint (test_db_int (&f->db, "SELECT constraint_violation_type IS NULL AND status = "
                                        "'testing' FROM server_scores WHERE monitor_id = 31"),
                   ==, 1);
}

static guint16
free_port (void)
{
  g_autoptr (GSocket) socket
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gchar *
http_get (guint16 port, const gchar *path)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *request
      = g_strdup_printf ("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  g_autoptr (GByteArray) reply = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf,
                                   sizeof buf, NULL, &error))
         > 0)
    g_byte_array_append (reply, buf, n);
  g_assert_no_error (error);
  g_byte_array_append (reply, (const guint8 *)"", 1);
  return g_strdup ((const gchar *)reply->data);
}

static gboolean
scored_five (Fixture *f, gconstpointer data)
{
  return test_db_int (&f->db, "SELECT COUNT(*) FROM scorer_status WHERE log_score_id = 6") == 2;
}

/* `scorer server --metrics-port N` serves spec/scorer.md §11 on /metrics. */
static void
test_metrics (Fixture *f, gconstpointer data)
{
  guint16 port = free_port ();
  g_autofree gchar *port_arg = g_strdup_printf ("--metrics-port=%u", port);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;

  test_db_add_monitor (&f->db, 1, "monitor", "active", "10.1.0.1", 0);
  test_db_add_server (&f->db, 1, "192.0.2.1", 0);
  test_db_add_server_score (&f->db, 1, 1, "active");
  for (gint64 id = 1; id <= 6; id++)
    test_db_add_log_score (&f->db, id, 1, 1, 600 - 60 * id, 10 + 5 * (id % 2), 1, 1000);
  process = spawn (f, "metrics.log", (const gchar *const[]){ "scorer", "server", port_arg, NULL });
  wait_for (scored_five, f, NULL);
  text = http_get (port, "/metrics");
  g_assert_nonnull (strstr (text, "scorer_processed_count{scorer=\"every\"} 5\n"));
  g_assert_nonnull (strstr (text, "scorer_processed_count{scorer=\"recentmedian\"} 5\n"));
  g_assert_nonnull (strstr (text, "# HELP scorer_sql_updates_total Total number of SQL update "
                                  "operations by type\n"));
  g_assert_nonnull (
      strstr (text, "scorer_sql_updates_total{operation=\"update_scorer_status\"} 2\n"));
  g_assert_nonnull (strstr (text, "scorer_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
  g_assert_nonnull (strstr (text, "scorer_batch_size_count{scorer=\"every\"} 1\n"));
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  /* `db`: id (width 5), hostname (20), log_score_id (10), modified_on */
  {
    g_autofree gchar *out = NULL;
    g_auto (GStrv) lines = NULL;
    gint status;

    out = run (f, "db.log", NULL, &status, (const gchar *const[]){ "db", NULL });
    g_assert_cmpint (status, ==, 0);
    lines = g_strsplit (out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 3);
    for (guint i = 0; i < 2; i++)
      g_assert_true (g_regex_match_simple ("^[0-9] {4} (every {15}|recentmedian {8}) 6 {9} "
                                           "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} \\+0000 UTC$",
                                           lines[i], 0, 0));
  }
}

/* scorer.md §15 item 16: `db` on an empty scorer_status prints nothing
 * (the reference's "No scorers found" needs a no-rows error, which a list
 * query never returns) and succeeds. */
static void
test_db_empty (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *log = NULL;
  gint status;

  out = run (f, "db-empty.log", &log, &status, (const gchar *const[]){ "db", NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_null (strstr (log != NULL ? log : "", "No scorers found"));
}

/* `scorer run` is one pass of the reference, concurrent or not: one batch
 * (50 rows) for each algorithm. */
static void
test_run_one_pass (Fixture *f, gconstpointer data)
{
  g_autofree gchar *out = NULL;
  gint status;

  test_db_add_monitor (&f->db, 1, "monitor", "active", "10.1.0.1", 0);
  test_db_add_server (&f->db, 1, "192.0.2.1", 0);
  test_db_add_server_score (&f->db, 1, 1, "active");
  for (gint64 id = 1; id <= 120; id++)
    test_db_add_log_score (&f->db, id, 1, 1, 7200 - 30 * id, 10, 1, 1000);
  out = run (f, "run.log", NULL, &status,
             (const gchar *const[]){ "scorer", "run", "--metrics-port=0", NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpint (test_db_int (&f->db, "SELECT COUNT(*) FROM scorer_status"), ==, 2);
  g_assert_cmpint (test_db_int (&f->db, "SELECT MIN(log_score_id) FROM scorer_status"), ==, 51);
  g_assert_cmpint (test_db_int (&f->db, "SELECT MAX(log_score_id) FROM scorer_status"), ==, 51);
}

static gboolean
reviewed (Fixture *f, gconstpointer data)
{
  return test_db_int (&f->db, "SELECT COUNT(*) FROM servers_monitor_review WHERE last_review IS "
                              "NOT NULL")
         == 1;
}

/* Runs `selector server --metrics-port N` over server 1 with three
 * candidates until it reviewed the server; returns /metrics. */
static gchar *
scrape_selector_metrics (Fixture *f)
{
  guint16 port = free_port ();
  g_autofree gchar *port_arg = g_strdup_printf ("--metrics-port=%u", port);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  gchar *text = NULL;

  test_db_add_server (&f->db, 1, "192.0.2.1", 1);
  for (gint64 m = 31; m <= 33; m++)
    test_db_add_selector_monitor (&f->db, 1, m, "candidate", 10 * m, NULL);
  test_db_exec (&f->db, "INSERT INTO servers_monitor_review (server_id) VALUES (1)");
  process = spawn (f, "selector-metrics.log",
                   (const gchar *const[]){ "selector", "server", port_arg, NULL });
  wait_for (reviewed, f, NULL);
  /* counted before the batch commits, so normally there at once */
  do
    {
      g_free (text);
      text = http_get (port, "/metrics");
    }
  while (strstr (text, "selector_monitors_evaluated_total{server_id=\"1\"}") == NULL);
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  return text;
}

/* `selector server --metrics-port N` serves selector.md §11 on /metrics. */
static void
test_selector_metrics (Fixture *f, gconstpointer data)
{
  g_autofree gchar *text = scrape_selector_metrics (f);

  g_assert_nonnull (strstr (text, "selector_monitors_evaluated_total{server_id=\"1\"} 3\n"));
  g_assert_nonnull (strstr (text, "selector_changes_applied_total{server_id=\"1\"} 5\n"));
  g_assert_nonnull (strstr (
      text, "selector_status_changes_total{monitor_id_token=\"tok31\",monitor_tls_name=\"m31."
            "test.mon.ntppool.dev\",from_status=\"candidate\",to_status=\"testing\",server_"
            "id=\"1\",reason=\"emergency promotion to testing: zero active monitors\"} 1\n"));
  g_assert_nonnull (
      strstr (text, "selector_monitor_pool_size{status=\"candidate\",server_id=\"1\"} 3\n"));
  g_assert_nonnull (strstr (text, "selector_globally_active_monitors{server_id=\"1\"} 3\n"));
  g_assert_nonnull (strstr (text, "selector_build_info{version=\""));
}

/* selector.md §13, selector/README.md versus code: no grandfathering
 * label or metric, no `available` pool status, no server_id label on the
 * duration histogram, `selector_constraint_blocked_monitors` registered
 * but never set, "globally active" counts every evaluated monitor (here
 * three candidates). */
static void
test_selector_readme_metrics (Fixture *f, gconstpointer data)
{
  g_autofree gchar *text = scrape_selector_metrics (f);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint buckets = 0;

  g_assert_null (strstr (text, "grandfather"));
  g_assert_null (strstr (text, "available"));
  g_assert_null (strstr (text, "new candidate"));
  g_assert_nonnull (strstr (text, "# TYPE selector_constraint_blocked_monitors gauge\n"));
  g_assert_nonnull (strstr (text, "selector_globally_active_monitors{server_id=\"1\"} 3\n"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_false (g_str_has_prefix (lines[i], "selector_constraint_blocked_monitors"));
      if (g_str_has_prefix (lines[i], "selector_process_duration_seconds_bucket{"))
        {
          buckets++;
          g_assert_null (strstr (lines[i], "server_id"));
        }
    }
  g_assert_cmpuint (buckets, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_db_server ();
  g_test_add ("/scorer/cli/help-and-exit-codes", Fixture, NULL, fixture_setup, test_help,
              fixture_teardown);
  g_test_add ("/scorer/cli/two-runners-one-lock", Fixture, NULL, fixture_setup, test_two_runners,
              fixture_teardown);
  g_test_add ("/selector/cli/simulate-then-once", Fixture, NULL, fixture_setup,
              test_simulate_then_once, fixture_teardown);
  g_test_add ("/scorer/cli/metrics", Fixture, NULL, fixture_setup, test_metrics, fixture_teardown);
  g_test_add ("/scorer/cli/run-one-pass", Fixture, NULL, fixture_setup, test_run_one_pass,
              fixture_teardown);
  g_test_add ("/scorer/quirk/16-db-command-empty-prints-nothing", Fixture, NULL, fixture_setup,
              test_db_empty, fixture_teardown);
  g_test_add ("/selector/doc-vs-code/14-readme-metrics", Fixture, NULL, fixture_setup,
              test_selector_readme_metrics, fixture_teardown);
  g_test_add ("/selector/cli/metrics", Fixture, NULL, fixture_setup, test_selector_metrics,
              fixture_teardown);
  g_test_add ("/selector/cli/disabled-constraint", Fixture, NULL, fixture_setup,
              test_disabled_constraint, fixture_teardown);
  return g_test_run ();
}
