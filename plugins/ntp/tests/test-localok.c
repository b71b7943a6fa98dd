/* test-localok.c: the local clock gate against fake NTP servers on
 * 127.0.0.1-8, with host names resolved by a test GResolver.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-fake-ntp.h"
#include "ntpmon-localok.h"
#include "ntpmon-ntp-probe.h"

/* ---- a resolver answering from a table ---- */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver parent_instance;
  GHashTable *names; /* name -> comma-separated addresses */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_lookup_by_name (GResolver *resolver, const gchar *hostname, GCancellable *cancellable,
                              GError **error)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  const gchar *entry = g_hash_table_lookup (self->names, hostname);
  g_auto (GStrv) parts = NULL;
  GList *list = NULL;

  if (entry == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no such host %s",
                   hostname);
      return NULL;
    }
  parts = g_strsplit (entry, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    list = g_list_append (list, g_inet_address_new_from_string (parts[i]));
  return list;
}

static void
test_resolver_lookup_by_name_async (GResolver *resolver, const gchar *hostname,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *list = test_resolver_lookup_by_name (resolver, hostname, cancellable, &error);

  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify)g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  g_hash_table_unref (TEST_RESOLVER (object)->names);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init (TestResolver *self)
{
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* ---- fixture ---- */

#define N_SERVERS 8

typedef struct
{
  NtpmonFakeNtp *servers[N_SERVERS];
  guint16 port;
  NtpmonProbe *probe;
  NtpmonProbeRequest request;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_autoptr (GError) error = NULL;

  f->servers[0] = ntpmon_fake_ntp_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  f->port = ntpmon_fake_ntp_get_port (f->servers[0]);
  for (guint i = 0; i < N_SERVERS; i++)
    {
      g_autofree gchar *ip = g_strdup_printf ("127.0.0.%u", i + 1);
      g_autofree gchar *name = g_strdup_printf ("host%u.test", i + 1);

      if (i > 0)
        f->servers[i] = ntpmon_fake_ntp_new_full (ip, f->port, &error);
      g_assert_no_error (error);
      g_hash_table_insert (resolver->names, g_steal_pointer (&name), g_steal_pointer (&ip));
    }
  g_hash_table_insert (resolver->names, g_strdup ("v6only.test"), g_strdup ("::1"));
  g_hash_table_insert (resolver->names, g_strdup ("mapped.test"),
                       g_strdup ("::1,::ffff:127.0.0.2"));
  g_hash_table_insert (resolver->names, g_strdup ("both.test"),
                       g_strdup ("::1,127.0.0.3,127.0.0.4"));
  g_resolver_set_default (G_RESOLVER (resolver));

  f->probe = ntpmon_ntp_probe_new ();
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 10, 500);
  f->request.port = f->port;
  f->request.samples = 1;
  f->request.allow_private = TRUE;
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < N_SERVERS; i++)
    ntpmon_fake_ntp_free (f->servers[i]);
  g_clear_object (&f->probe);
}

typedef struct
{
  gboolean ok;
  GError *error;
  gboolean done;
} CheckData;

static void
check_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CheckData *d = user_data;

  if (!ntpmon_localok_check_finish (NTPMON_LOCALOK (source), res, &d->ok, &d->error))
    d->ok = FALSE;
  d->done = TRUE;
}

static gboolean
run_check (NtpmonLocalok *localok)
{
  CheckData d = { 0 };

  ntpmon_localok_check_async (localok, NULL, check_cb, &d);
  while (!d.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (d.error);
  return d.ok;
}

static NtpmonLocalok *
make_localok (Fixture *f, const gchar *names)
{
  g_auto (GStrv) list = g_strsplit (names, " ", -1);

  return ntpmon_localok_new (f->probe, (const gchar *const *)list, G_SOCKET_FAMILY_IPV4,
                             &f->request);
}

static gchar *
host_names (guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 1; i <= n; i++)
    g_string_append_printf (s, "%shost%u.test", i > 1 ? " " : "", i);
  return g_string_free (s, FALSE);
}

static void
test_allowed_failures (Fixture *f, gconstpointer data)
{
  gint expect[] = { -1, 0, 0, 1, 1, 2, 2, 3, 3 };

  for (gint n = 0; n <= 8; n++)
    g_assert_cmpint (ntpmon_localok_allowed_failures (n), ==, expect[n]);
}

/* For 1..8 hosts, failures at the threshold pass and one more fails;
 * failing hosts are 10.5 ms off (alternating sign), passing ones 9.5 ms. */
static void
test_majority (Fixture *f, gconstpointer data)
{
  for (guint n = 1; n <= N_SERVERS; n++)
    {
      g_autofree gchar *names = host_names (n);
      gint allowed = ntpmon_localok_allowed_failures ((gint)n);
      gint cases[] = { 0, allowed, allowed + 1, (gint)n };

      for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
        {
          g_autoptr (NtpmonLocalok) localok = make_localok (f, names);
          gint fails = cases[c];

          for (guint i = 0; i < N_SERVERS; i++)
            {
              gint64 sign = i % 2 == 0 ? 1 : -1;

              ntpmon_fake_ntp_get_behaviour (f->servers[i])->offset_ns
                  = sign * ((gint)i < fails ? 10500000 : 9500000);
            }
          g_assert_cmpint (run_check (localok), ==, fails <= allowed);
          g_assert_cmpint (ntpmon_localok_get_next_check_in (localok), >, 0);
        }
    }
}

static void
host_checked_cb (NtpmonLocalok *localok, const gchar *name, GInetAddress *address, gboolean ok,
                 gint64 started_at, guint queries_sent, gpointer user_data)
{
  GString *seen = user_data;
  g_autofree gchar *ip = g_inet_address_to_string (address);

  g_assert_cmpint (started_at, >, 0);
  g_string_append_printf (seen, "%s=%s:%s/%u ", name, ip, ok ? "ok" : "bad", queries_sent);
}

static void
test_host_checked_signal (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) localok = make_localok (f, "host1.test missing.test 127.0.0.2");
  g_autoptr (GString) seen = g_string_new (NULL);

  ntpmon_fake_ntp_get_behaviour (f->servers[1])->offset_ns = 20000000;
  g_signal_connect (localok, "host-checked", G_CALLBACK (host_checked_cb), seen);
  g_assert_false (run_check (localok));
  g_assert_cmpstr (seen->str, ==, "host1.test=127.0.0.1:ok/1 127.0.0.2=127.0.0.2:bad/1 ");
}

static void
test_leap (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) one = make_localok (f, "host1.test");
  g_autoptr (NtpmonLocalok) three = make_localok (f, "host1.test host2.test host3.test");

  ntpmon_fake_ntp_get_behaviour (f->servers[0])->leap = 3;
  g_assert_false (run_check (one));
  g_assert_true (run_check (three));
  ntpmon_fake_ntp_get_behaviour (f->servers[2])->leap = 3;
  ntpmon_localok_expire (three);
  g_assert_false (run_check (three));
  /* leap 1 and 2 are fine */
  ntpmon_fake_ntp_get_behaviour (f->servers[0])->leap = 1;
  ntpmon_fake_ntp_get_behaviour (f->servers[2])->leap = 2;
  ntpmon_localok_expire (three);
  g_assert_true (run_check (three));
}

static void
test_errors_fail (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) localok = make_localok (f, "host1.test host2.test host3.test");

  /* a kiss code and no reply are failures too: 2 of 3 fail */
  ntpmon_fake_ntp_get_behaviour (f->servers[0])->stratum = 0;
  ntpmon_fake_ntp_get_behaviour (f->servers[0])->refid = ntpmon_fake_ntp_refid ("RATE");
  ntpmon_fake_ntp_get_behaviour (f->servers[1])->silent = TRUE;
  g_assert_false (run_check (localok));
  ntpmon_fake_ntp_get_behaviour (f->servers[1])->silent = FALSE;
  ntpmon_localok_expire (localok);
  g_assert_true (run_check (localok));
}

static void
test_skipped_hosts (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) none = make_localok (f, "v6only.test missing.test");
  g_autoptr (NtpmonLocalok) some = make_localok (f, "missing.test v6only.test host1.test");
  g_autoptr (NtpmonLocalok) mapped = make_localok (f, "mapped.test both.test");

  /* no checkable host: never ok, nothing sent */
  g_assert_false (run_check (none));
  /* skipped hosts are not counted: 1 host, 1 pass */
  g_assert_true (run_check (some));
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[0]), ==, 1);
  /* mapped addresses count as IPv4; the first IPv4 address is used */
  g_assert_true (run_check (mapped));
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[1]), ==, 1);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[2]), ==, 1);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[3]), ==, 0);
}

static void
test_ip_literals (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) localok = make_localok (f, "127.0.0.5 127.0.0.6");

  g_assert_true (run_check (localok));
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[4]), ==, 1);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[5]), ==, 1);
}

static void
test_cache (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) localok = make_localok (f, "host1.test host2.test");
  CheckData d1 = { 0 }, d2 = { 0 };

  /* two callers share one evaluation */
  ntpmon_localok_check_async (localok, NULL, check_cb, &d1);
  ntpmon_localok_check_async (localok, NULL, check_cb, &d2);
  while (!d1.done || !d2.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (d1.ok && d2.ok);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[0]), ==, 1);

  /* the verdict is reused while fresh */
  ntpmon_fake_ntp_get_behaviour (f->servers[0])->offset_ns = 50000000;
  g_assert_true (run_check (localok));
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[0]), ==, 1);
  g_assert_cmpint (ntpmon_localok_get_next_check_in (localok), >, 170000000);
  g_assert_cmpint (ntpmon_localok_get_next_check_in (localok), <=, 180000000);

  ntpmon_localok_expire (localok);
  g_assert_cmpint (ntpmon_localok_get_next_check_in (localok), ==, 0);
  g_assert_false (run_check (localok));
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->servers[0]), ==, 2);
}

static void
test_no_base_checks (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonLocalok) localok = NULL;
  const gchar *none[] = { NULL };

  localok = ntpmon_localok_new (f->probe, none, G_SOCKET_FAMILY_IPV4, &f->request);
  g_test_expect_message ("ntpmon", G_LOG_LEVEL_WARNING, "*base checks*");
  g_assert_false (run_check (localok));
  g_test_assert_expected_messages ();
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/localok/allowed-failures", test_allowed_failures);
  ADD ("/localok/majority", test_majority);
  ADD ("/localok/leap", test_leap);
  ADD ("/localok/host-checked-signal", test_host_checked_signal);
  ADD ("/localok/errors", test_errors_fail);
  ADD ("/localok/skipped-hosts", test_skipped_hosts);
  ADD ("/localok/ip-literals", test_ip_literals);
  ADD ("/localok/cache", test_cache);
  ADD ("/localok/no-base-checks", test_no_base_checks);
  return g_test_run ();
}
