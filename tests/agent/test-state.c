/* test-state.c: the agent's state directory
 *
 * SPDX-License-Identifier: MIT
 *
 * state.json fixtures in tests/agent/fixtures are written by hand in the
 * reference agent's format (DataSha computed independently with Python's
 * hashlib); certificates come from the openssl CLI.
 */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "agent-test.h"
#include "ntpmon-state.h"

typedef struct
{
  gchar *base;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->base = agent_test_make_tmpdir ("agent-state-XXXXXX");
  g_unsetenv ("RUNTIME_DIRECTORY");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  agent_test_rm_rf (f->base);
  g_free (f->base);
}

static gchar *
read_fixture (const gchar *name)
{
  g_autofree gchar *path = g_test_build_filename (G_TEST_DIST, "agent", "fixtures", name, NULL);
  gchar *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
write_state_file (Fixture *f, const gchar *env, const gchar *contents, gssize length)
{
  g_autofree gchar *dir = g_build_filename (f->base, env, NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static guint
file_mode (const gchar *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* A state.json in the reference format is read, and written back byte for
 * byte identical. */
static void
test_fixture_compat (Fixture *f, gconstpointer data)
{
  const gchar *const names[] = { "state.json", "state-escapes.json" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *fixture = read_fixture (names[i]);
      g_autoptr (NtpmonState) state = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree gchar *written = NULL;
      g_autofree gchar *sha = NULL;
      gboolean existed = FALSE;
      g_autofree gchar *env = g_strdup_printf ("env%u", i);

      write_state_file (f, env, fixture, -1);
      state = ntpmon_state_new (f->base, env);
      g_assert_true (ntpmon_state_read (state, &existed, &error));
      g_assert_no_error (error);
      g_assert_true (existed);
      sha = ntpmon_state_compute_data_sha (state);
      g_assert_cmpstr (sha, ==, ntpmon_state_get_data_sha (state));
      g_assert_true (ntpmon_state_save (state, &error));
      g_assert_no_error (error);
      written = ntpmon_state_to_json (state);
      g_assert_cmpstr (written, ==, fixture);
    }
}

static void
test_fixture_values (Fixture *f, gconstpointer data)
{
  g_autofree gchar *fixture = read_fixture ("state-escapes.json");
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "devel");
  g_autoptr (GError) error = NULL;

  write_state_file (f, "devel", fixture, -1);
  g_assert_true (ntpmon_state_read (state, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_get_api_key (state), ==, "k2");
  g_assert_cmpstr (ntpmon_state_get_name (state), ==, "a<b>&c \"q\"");
  g_assert_cmpstr (ntpmon_state_get_tls_name (state), ==, "x.devel.mon.ntppool.dev");
  g_assert_cmpstr (ntpmon_state_get_status (state, NTPMON_STATE_IPV4), ==, "testing");
  g_assert_cmpstr (ntpmon_state_get_ip (state, NTPMON_STATE_IPV4), ==, "192.0.2.7");
  g_assert_cmpstr (ntpmon_state_get_status (state, NTPMON_STATE_IPV6), ==, "pending");
  g_assert_cmpstr (ntpmon_state_get_ip (state, NTPMON_STATE_IPV6), ==, "2001:db8::7");
  g_assert_cmpstr (ntpmon_state_get_otlp_log_level (state), ==, "debug");
  g_assert_true (ntpmon_state_is_live (state, NTPMON_STATE_IPV4));
  g_assert_false (ntpmon_state_is_live (state, NTPMON_STATE_IPV6));
}

/* Keys in any case, unknown keys ignored, absent keys keep the value. */
static void
test_lenient_keys (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  static const gchar first[]
      = "{\"api\":{\"apikey\":\"k1\"},\"data\":{\"name\":\"n1\",\"ipv4\":{\"status\":\"active\","
        "\"ip\":\"198.51.100.1\"}},\"Extra\":[1,2]}";
  static const gchar second[] = "{\"Data\":{\"TLSName\":\"t2\"}}";

  g_assert_true (ntpmon_state_parse (state, first, -1, "first", &error));
  g_assert_no_error (error);
  g_assert_true (ntpmon_state_parse (state, second, -1, "second", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_get_api_key (state), ==, "k1");
  g_assert_cmpstr (ntpmon_state_get_name (state), ==, "n1");
  g_assert_cmpstr (ntpmon_state_get_tls_name (state), ==, "t2");
  g_assert_cmpstr (ntpmon_state_get_ip (state, NTPMON_STATE_IPV4), ==, "198.51.100.1");
  g_assert_null (ntpmon_state_get_ip (state, NTPMON_STATE_IPV6));
}

/* The example of spec agent.md §2.2, as the reference's tests write it. */
static void
test_spec_example (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;

  write_state_file (f, "test",
                    "{\"API\":{\"APIKey\":\"write-event-key\"},\"Data\":{\"Name\":\"\",\"TLSName\":"
                    "\"\",\"IPv4\":{\"Status\":\"\",\"IP\":null},\"IPv6\":{\"Status\":\"\",\"IP\":"
                    "null}},\"DataSha\":\"\"}",
                    -1);
  g_assert_true (ntpmon_state_read (state, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_get_api_key (state), ==, "write-event-key");
  g_assert_cmpstr (ntpmon_state_get_data_sha (state), ==, "");
}

static void
test_corrupt (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const gchar *contents;
    gssize length;
    const gchar *message;
  } cases[] = {
    { "{\"API\":{\"APIKey\":\"test-key\"\0}", 28, "NUL" },
    { "", 0, "empty" },
    { "  \n", 3, "empty" },
    { "{\"API\":{\"APIKey\":\"test\"", -1, "invalid JSON" },
    { "[1,2]", -1, "object" },
    { "{\"API\":{\"APIKey\":5}}", -1, "API.APIKey" },
    { "{\"Data\":{\"IPv4\":{\"IP\":\"300.1.1.1\"}}}", -1, "Data.IPv4.IP" },
    { "{\"Data\":{\"IPv6\":{\"IP\":7}}}", -1, "Data.IPv6.IP" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
      g_autoptr (GError) error = NULL;
      g_autofree gchar *path = g_build_filename (f->base, "test", "state.json", NULL);

      g_test_message ("case %u", i);
      write_state_file (f, "test", cases[i].contents, cases[i].length);
      g_assert_true (
          ntpmon_state_parse (state, "{\"API\":{\"APIKey\":\"before\"}}", -1, "x", &error));
      g_assert_false (ntpmon_state_read (state, NULL, &error));
      g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, cases[i].message));
      /* nothing of a bad file is applied */
      g_assert_cmpstr (ntpmon_state_get_api_key (state), ==, "before");
    }
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = NULL;
  g_autoptr (NtpmonState) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_build_filename (f->base, "devel", NULL);
  g_autofree gchar *path = g_build_filename (dir, "state.json", NULL);
  gboolean existed = TRUE;

  g_assert_cmpint (g_chmod (f->base, 0755), ==, 0);
  state = ntpmon_state_new (f->base, "devel");
  g_assert_true (ntpmon_state_read (state, &existed, &error));
  g_assert_false (existed);
  g_assert_true (ntpmon_state_set_data (state, "test-server", "test.example.com", "active",
                                        "192.0.2.1", "testing", "2001:db8::1", &error));
  g_assert_no_error (error);
  g_assert_true (ntpmon_state_set_api_key (state, "new-key", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_mode (dir), ==, 0700);
  g_assert_cmpuint (file_mode (path), ==, 0600);

  again = ntpmon_state_new (f->base, "devel");
  g_assert_true (ntpmon_state_read (again, &existed, &error));
  g_assert_true (existed);
  g_assert_cmpstr (ntpmon_state_get_api_key (again), ==, "new-key");
  g_assert_cmpstr (ntpmon_state_get_name (again), ==, "test-server");
  g_assert_cmpstr (ntpmon_state_get_tls_name (again), ==, "test.example.com");
  g_assert_cmpstr (ntpmon_state_get_ip (again, NTPMON_STATE_IPV6), ==, "2001:db8::1");
  g_assert_cmpuint (strlen (ntpmon_state_get_data_sha (again)), ==, 64);
  g_assert_cmpstr (ntpmon_state_get_data_sha (again), ==, ntpmon_state_get_data_sha (state));

  /* no temporary files are left behind */
  {
    g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
    const gchar *name;

    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_cmpstr (name, ==, "state.json");
  }
}

static void
test_set_data_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;

  g_assert_false (
      ntpmon_state_set_data (state, "n", "t", "active", "2001:db8::1", "", NULL, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "expected IPv4 address, got 2001:db8::1");
  g_clear_error (&error);
  g_assert_false (ntpmon_state_set_data (state, "n", "t", "", NULL, "active", "nope", &error));
  g_assert_cmpstr (error->message, ==, "error parsing IPv6 address \"nope\": not an IP address");
  g_assert_cmpstr (ntpmon_state_get_name (state), ==, "");
}

/* The key changes → one notification; the same key again → none. */
static void
test_api_key_notify (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  guint count = 0;

  g_signal_connect (state, "config-changed", G_CALLBACK (agent_test_count_cb), &count);
  g_assert_true (ntpmon_state_set_api_key (state, "k", &error));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (ntpmon_state_set_api_key (state, "k", &error));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (ntpmon_state_set_api_key (state, "", &error));
  g_assert_cmpuint (count, ==, 2);
}

static void
test_liveness (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const gchar *status, *ip;
    gboolean live;
  } cases[] = {
    { "active", "192.0.2.1", TRUE },
    { "testing", "192.0.2.1", TRUE },
    { "paused", "192.0.2.1", FALSE },
    { "active", NULL, FALSE },
    { "", NULL, FALSE },
    { "pending", "192.0.2.1", FALSE },
    { "deleted", "192.0.2.1", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
      g_autoptr (GError) error = NULL;

      g_assert_true (
          ntpmon_state_set_data (state, "", "", cases[i].status, cases[i].ip, "", NULL, &error));
      g_assert_cmpint (ntpmon_state_is_live (state, NTPMON_STATE_IPV4), ==, cases[i].live);
      g_assert_false (ntpmon_state_is_live (state, NTPMON_STATE_IPV6));
    }
}

static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autofree gchar *runtime = g_build_filename (f->base, "run", NULL);
  g_autofree gchar *old = g_build_filename (runtime, "test", NULL);
  g_autofree gchar *state_base = g_build_filename (f->base, "lib", NULL);
  g_autofree gchar *old_state = g_build_filename (old, "state.json", NULL);
  g_autofree gchar *old_cert = g_build_filename (old, "cert.pem", NULL);
  g_autofree gchar *new_state = g_build_filename (state_base, "test", "state.json", NULL);
  g_autofree gchar *new_cert = g_build_filename (state_base, "test", "cert.pem", NULL);
  g_autofree gchar *new_key = g_build_filename (state_base, "test", "key.pem", NULL);
  static const gchar old_json[]
      = "{\"API\":{\"APIKey\":\"test-key-123\"},\"Data\":{\"Name\":\"test.example.com\"}}";
  g_autoptr (NtpmonState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *copied = NULL;
  gboolean migrated = TRUE;

  /* no RUNTIME_DIRECTORY, no old file: no-ops */
  state = ntpmon_state_new (state_base, "test");
  g_assert_true (ntpmon_state_migrate_runtime_dir (state, &migrated, &error));
  g_assert_false (migrated);
  g_setenv ("RUNTIME_DIRECTORY", runtime, TRUE);
  g_assert_true (ntpmon_state_migrate_runtime_dir (state, &migrated, &error));
  g_assert_false (migrated);

  /* old dir with state.json and cert.pem but no key.pem */
  g_assert_cmpint (g_mkdir_with_parents (old, 0700), ==, 0);
  g_assert_true (g_file_set_contents (old_state, old_json, -1, NULL));
  g_assert_true (g_file_set_contents (old_cert, "CERT", -1, NULL));
  g_assert_true (ntpmon_state_read (state, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_state_get_api_key (state), ==, "test-key-123");
  g_assert_cmpstr (ntpmon_state_get_name (state), ==, "test.example.com");
  g_assert_true (g_file_get_contents (new_state, &copied, NULL, NULL));
  g_assert_cmpstr (copied, ==, old_json);
  g_assert_true (g_file_test (new_cert, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (new_key, G_FILE_TEST_EXISTS));
  g_unsetenv ("RUNTIME_DIRECTORY");
}

static void
test_validity (Fixture *f, gconstpointer data)
{
  const gint64 now = 1700000000, h = 3600, d = 86400;
  static const struct
  {
    gint64 before, after;
    gboolean valid;
  } cases[] = {
    { -1 * 3600, 365 * 86400, TRUE }, { -2 * 3600, 600, FALSE },
    { -2 * 3600, -3600, FALSE },      { 300, 86400, TRUE },
    { -48 * 3600, -86400, FALSE },
  };
  gint64 next;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpint (ntpmon_state_certificate_validity (now + cases[i].before,
                                                          now + cases[i].after, now, &next),
                       ==, cases[i].valid);
      g_assert_cmpint (next, >, 0);
    }
  g_assert_true (ntpmon_state_certificate_validity (now - h, now + 90 * d, now, &next));
  g_assert_cmpint (next, >, h);
  g_assert_false (ntpmon_state_certificate_validity (now - 3 * h, now + h / 2, now, &next));
  g_assert_cmpint (next, >, 0);
  g_assert_cmpint (next, <, 3 * h);
}

static void
test_certificates (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *keyfile = g_build_filename (f->base, "test", "key.pem", NULL);
  g_autofree gchar *certfile = g_build_filename (f->base, "test", "cert.pem", NULL);
  g_autofree gchar *cert = NULL, *key = NULL, *sec1 = NULL, *other = NULL;
  g_autoptr (GTlsCertificate) tls = NULL;
  gint64 before, after, next;
  g_autofree gchar *path = NULL;

  g_assert_true (fake_run_openssl (
      f->base,
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem "
      "-out c.pem -days 90 -subj /CN=mon.test 2>/dev/null\n"
      "openssl ec -in k.pem -out sec1.pem 2>/dev/null\n"
      "openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out other.pem\n",
      &error));
  g_assert_no_error (error);
#define SLURP(var, name)                                                                           \
  path = g_build_filename (f->base, name, NULL);                                                   \
  g_assert_true (g_file_get_contents (path, &var, NULL, NULL));                                    \
  g_clear_pointer (&path, g_free)
  SLURP (cert, "c.pem");
  SLURP (key, "k.pem");
  SLURP (sec1, "sec1.pem");
  SLURP (other, "other.pem");
  g_assert_nonnull (strstr (sec1, "BEGIN EC PRIVATE KEY"));

  /* missing */
  g_assert_false (ntpmon_state_load_certificates (state, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_NO_CERTIFICATE);
  g_clear_error (&error);
  g_assert_false (ntpmon_state_check_certificate (state, 0, NULL, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_NO_CERTIFICATE);
  g_assert_cmpstr (error->message, ==, "no certificate");
  g_clear_error (&error);

  /* saving does not load */
  g_assert_true (ntpmon_state_save_certificates (state, cert, key, &error));
  g_assert_false (ntpmon_state_have_certificate (state));
  g_assert_cmpuint (file_mode (keyfile), ==, 0600);
  g_assert_true (ntpmon_state_load_certificates (state, &error));
  g_assert_no_error (error);
  g_assert_true (ntpmon_state_have_certificate (state));
  g_assert_true (ntpmon_state_certificate_dates (state, &before, &after, &error));
  g_assert_cmpint (after - before, >=, 89 * 86400);
  g_assert_cmpint (after - before, <=, 91 * 86400);
  g_assert_true (
      ntpmon_state_check_certificate (state, g_get_real_time () / G_USEC_PER_SEC, &next, NULL));
  tls = ntpmon_state_dup_tls_certificate (state, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tls);

  /* SEC1 "EC PRIVATE KEY" is accepted too */
  g_assert_true (ntpmon_state_save_certificates (state, cert, sec1, &error));
  g_assert_true (ntpmon_state_load_certificates (state, &error));
  g_assert_no_error (error);

  /* a key of another pair, garbage, empty files: errors, old cert kept */
  g_assert_true (ntpmon_state_save_certificates (state, cert, other, &error));
  g_assert_false (ntpmon_state_load_certificates (state, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "does not match"));
  g_clear_error (&error);
  g_assert_true (ntpmon_state_save_certificates (state, "garbage", "garbage", &error));
  g_assert_false (ntpmon_state_load_certificates (state, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, certfile));
  g_clear_error (&error);
  g_assert_true (ntpmon_state_save_certificates (state, "", "", &error));
  g_assert_false (ntpmon_state_load_certificates (state, &error));
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);
  g_assert_true (ntpmon_state_have_certificate (state));
}

/* --- the watcher ---------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  guint changed;
} WatchCtx;

static void
changed_cb (NtpmonState *state, gpointer user_data)
{
  WatchCtx *ctx = user_data;

  ctx->changed++;
  g_main_loop_quit (ctx->loop);
}

static gboolean
give_up_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* Runs @script in another process, then the main loop until `changed` or
 * @timeout_s. */
static void
run_and_wait (WatchCtx *ctx, const gchar *dir, const gchar *script, guint timeout_s)
{
  const gchar *argv[] = { "/bin/sh", "-ec", script, NULL };
  g_autoptr (GError) error = NULL;
  gint status;
  guint id;

  g_assert_true (
      g_spawn_sync (dir, (gchar **)argv, NULL, 0, NULL, NULL, NULL, NULL, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, &error));
  id = g_timeout_add_seconds (timeout_s, give_up_cb, ctx->loop);
  g_main_loop_run (ctx->loop);
  g_source_remove (id);
}

static void
test_watch (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new (f->base, "test");
  g_autoptr (NtpmonState) reader = ntpmon_state_new (f->base, "test");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_build_filename (f->base, "test", NULL);
  WatchCtx ctx = { g_main_loop_new (NULL, FALSE), 0 };

  g_assert_true (ntpmon_state_set_api_key (state, "first", &error));
  g_assert_true (ntpmon_state_watch (state, &error));
  g_assert_no_error (error);
  g_signal_connect (state, "changed", G_CALLBACK (changed_cb), &ctx);

  /* atomic replace by another process, as the reference agent does it */
  run_and_wait (&ctx, dir,
                "printf '{\"API\":{\"APIKey\":\"changed-key\"}}' > state.json.tmp\n"
                "mv state.json.tmp state.json\n",
                20);
  g_assert_cmpuint (ctx.changed, ==, 1);
  g_assert_true (ntpmon_state_read (reader, NULL, &error));
  g_assert_cmpstr (ntpmon_state_get_api_key (reader), ==, "changed-key");

  /* several rewrites in a row give one debounced notification at least */
  run_and_wait (&ctx, dir,
                "for i in 1 2 3 4 5; do printf '{\"API\":{\"APIKey\":\"rapid-change-%s\"}}' $i "
                "> x.tmp; mv x.tmp state.json; done\n",
                20);
  g_assert_cmpuint (ctx.changed, >=, 2);
  g_assert_true (ntpmon_state_read (reader, NULL, &error));
  g_assert_cmpstr (ntpmon_state_get_api_key (reader), ==, "rapid-change-5");

  /* in-place write */
  ctx.changed = 0;
  run_and_wait (&ctx, dir, "printf '{\"API\":{\"APIKey\":\"in-place\"}}' > state.json\n", 20);
  g_assert_cmpuint (ctx.changed, ==, 1);

  /* an unrelated file: no notification while waiting well past the
   * debounce; then state.json is noticed again */
  ctx.changed = 0;
  run_and_wait (&ctx, dir, "echo x > other.tmp\n", 2);
  g_assert_cmpuint (ctx.changed, ==, 0);
  run_and_wait (&ctx, dir, "printf '{}' > state.json\n", 20);
  g_assert_cmpuint (ctx.changed, ==, 1);

  ntpmon_state_unwatch (state);
  g_main_loop_unref (ctx.loop);
}

static void
test_unwatchable (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonState) state = ntpmon_state_new ("/dev/null/not-a-dir", "test");
  g_autoptr (GError) error = NULL;

  g_assert_false (ntpmon_state_watch (state, &error));
  g_assert_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/agent/state/fixture-compat", test_fixture_compat);
  ADD ("/agent/state/fixture-values", test_fixture_values);
  ADD ("/agent/state/lenient-keys", test_lenient_keys);
  ADD ("/agent/state/spec-example", test_spec_example);
  ADD ("/agent/state/corrupt", test_corrupt);
  ADD ("/agent/state/round-trip", test_round_trip);
  ADD ("/agent/state/set-data-errors", test_set_data_errors);
  ADD ("/agent/state/api-key-notify", test_api_key_notify);
  ADD ("/agent/state/liveness", test_liveness);
  ADD ("/agent/state/migration", test_migration);
  ADD ("/agent/state/cert-validity", test_validity);
  ADD ("/agent/state/certificates", test_certificates);
  ADD ("/agent/state/watch", test_watch);
  ADD ("/agent/state/unwatchable", test_unwatchable);
  return g_test_run ();
}
