/* test-ntp-chronyd.c: the `ntp` probe against a real chronyd serving on a
 * loopback port from a private temporary directory.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-probe.h"
#include "ntpmon-test-chronyd.h"

#define CHRONY_STRATUM 4

static void
test_chronyd (void)
{
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonTestChronyd) chronyd = ntpmon_test_chronyd_start (0, CHRONY_STRATUM, &error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  NtpmonProbeRequest req = { lo, 0, 1, NULL, TRUE };

  g_assert_no_error (error);
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (probe), 100, 200);
  g_assert_true (ntpmon_test_chronyd_wait_ready (chronyd, probe, &error));
  g_assert_no_error (error);
  req.port = ntpmon_test_chronyd_get_port (chronyd);

  for (gint mode = 0; mode < 2; mode++)
    {
      g_key_file_set_string (config, "ntp", "timestamps", mode == 0 ? "kernel" : "user");
      g_assert_true (ntpmon_probe_configure (probe, config, NULL));
      for (gint i = 0; i < 5; i++)
        {
          g_autoptr (NtpmonNtpResult) r = ntpmon_test_run_probe (probe, &req, NULL, &error);

          g_assert_no_error (error);
          g_assert_null (r->error);
          g_assert_false (r->no_response);
          g_assert_true (r->has_offset);
          g_assert_true (r->has_rtt);
          g_assert_cmpint (r->rtt_ns, >, 0);
          /* chronyd serves this machine's clock: the true offset is 0 and
           * a measurement can be wrong by at most half the round trip */
          g_assert_cmpint (ABS (r->offset_ns), <=, r->rtt_ns / 2 + 100000);
          g_assert_cmpint (r->stratum, ==, CHRONY_STRATUM);
          g_assert_cmpint (r->timestamps, ==,
                           mode == 0 ? NTPMON_TIMESTAMPS_KERNEL : NTPMON_TIMESTAMPS_USER);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ntp/chronyd/offset-stratum-rtt", test_chronyd);
  return g_test_run ();
}
