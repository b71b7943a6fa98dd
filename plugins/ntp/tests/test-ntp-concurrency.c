/* test-ntp-concurrency.c: one batch of 2000 checks at once, in one
 * process and thread, against 50 fake servers on loopback.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-probe.h"

#define N_SERVERS 50
#define N_CHECKS  2000

typedef struct
{
  guint done;
  guint good;
  guint errors;
} Tally;

static void
check_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Tally *tally = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonNtpResult) r = ntpmon_probe_run_finish (NTPMON_PROBE (source), res, &error);

  g_assert_no_error (error);
  tally->done++;
  /* the true offset lies within rtt/2 of the measured one; kernel
   * timestamps on both sides keep rtt small under load */
  if (r->error == NULL && r->has_offset && r->has_rtt && r->stratum == 2
      && ABS (r->offset_ns - 4000000) <= r->rtt_ns / 2 + 100000)
    tally->good++;
  else if (tally->errors++ < 3)
    g_test_message ("error: %s, offset %" G_GINT64_FORMAT " ns, rtt %" G_GINT64_FORMAT " ns, %s",
                    r->error, r->offset_ns, r->rtt_ns,
                    r->timestamps == NTPMON_TIMESTAMPS_KERNEL ? "kernel" : "user");
}

static gint64
status_kb (const gchar *key)
{
  g_autofree gchar *status = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, key);
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + strlen (key), NULL, 10);
}

static void
test_batch (void)
{
  NtpmonFakeNtp *servers[N_SERVERS];
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  struct rlimit lim;
  Tally tally = { 0 };
  gint64 rss_before, rss_after;
  guint fds_before;
  guint requests = 0;

  /* one socket per check in flight */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &lim), ==, 0);
  lim.rlim_cur = lim.rlim_max;
  setrlimit (RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < N_CHECKS + 200)
    {
      g_test_fail_printf ("RLIMIT_NOFILE hard limit %lu too low for %d sockets",
                          (gulong)lim.rlim_cur, N_CHECKS);
      return;
    }

  for (guint i = 0; i < N_SERVERS; i++)
    {
      g_autofree gchar *ip = g_strdup_printf ("127.0.1.%u", i + 1);
      g_autoptr (GError) error = NULL;

      servers[i] = ntpmon_fake_ntp_new (ip, &error);
      g_assert_no_error (error);
      ntpmon_fake_ntp_get_behaviour (servers[i])->offset_ns = 4000000;
    }
  /* warm up: GLib sets up its helpers (e.g. the worker context) lazily */
  {
    NtpmonProbeRequest req = { ntpmon_fake_ntp_get_address (servers[0]),
                               ntpmon_fake_ntp_get_port (servers[0]), 1, NULL, TRUE };

    ntpmon_probe_run_async (probe, &req, NULL, check_cb, &tally);
    while (tally.done < 1)
      g_main_context_iteration (NULL, TRUE);
    tally.done = tally.good = 0;
  }
  fds_before = ntpmon_test_count_fds ();
  rss_before = status_kb ("VmRSS:");

  for (guint i = 0; i < N_CHECKS; i++)
    {
      NtpmonFakeNtp *s = servers[i % N_SERVERS];
      NtpmonProbeRequest req
          = { ntpmon_fake_ntp_get_address (s), ntpmon_fake_ntp_get_port (s), 1, NULL, TRUE };

      ntpmon_probe_run_async (probe, &req, NULL, check_cb, &tally);
    }
  while (tally.done < N_CHECKS)
    g_main_context_iteration (NULL, TRUE);

  rss_after = status_kb ("VmHWM:");
  for (guint i = 0; i < N_SERVERS; i++)
    {
      requests += ntpmon_fake_ntp_get_requests (servers[i]);
      ntpmon_fake_ntp_free (servers[i]);
    }
  g_test_message ("good %u errors %u, RSS %" G_GINT64_FORMAT " -> peak %" G_GINT64_FORMAT " kB",
                  tally.good, tally.errors, rss_before, rss_after);
  g_assert_cmpuint (tally.good, ==, N_CHECKS);
  g_assert_cmpuint (requests, ==, N_CHECKS + 1);
  /* every socket is closed again */
  g_assert_cmpuint (ntpmon_test_count_fds (), ==, fds_before - N_SERVERS);
  /* a few kB per check in flight, not megabytes */
  g_assert_cmpint (rss_after - rss_before, <, 64 * 1024);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ntp/concurrency/2000-targets", test_batch);
  return g_test_run ();
}
