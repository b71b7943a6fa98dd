/* test-ntp-chronyd.c: the `ntp` probe against a real chronyd serving on a
 * loopback port from a private temporary directory (-x: it never touches
 * the system clock).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <signal.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-probe.h"

#define CHRONY_STRATUM 4

typedef struct
{
  gchar *dir;
  GSubprocess *chronyd;
  guint16 port;
} Chrony;

static guint16
free_udp_port (void)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) local = NULL;

  g_assert_true (g_socket_bind (s, any, FALSE, NULL));
  local = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static gboolean
chrony_start (Chrony *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *conf_path = NULL;
  g_autofree gchar *conf = NULL;
  g_autofree gchar *chronyd = g_find_program_in_path ("chronyd");

  if (chronyd == NULL && g_file_test ("/usr/sbin/chronyd", G_FILE_TEST_IS_EXECUTABLE))
    chronyd = g_strdup ("/usr/sbin/chronyd");
  if (chronyd == NULL)
    {
      g_test_fail_printf ("chronyd not found: install the Debian package chrony");
      return FALSE;
    }

  c->dir = g_dir_make_tmp ("ntpmon-chrony-XXXXXX", &error);
  g_assert_no_error (error);
  c->port = free_udp_port ();
  conf = g_strdup_printf ("port %u\n"
                          "local stratum %d\n"
                          "allow 127.0.0.1\n"
                          "bindaddress 127.0.0.1\n"
                          "cmdport 0\n"
                          "pidfile %s/chronyd.pid\n"
                          "driftfile %s/chronyd.drift\n"
                          "%s",
                          c->port, CHRONY_STRATUM, c->dir, c->dir,
                          getuid () == 0 ? "user root\n" : "");
  conf_path = g_build_filename (c->dir, "chrony.conf", NULL);
  g_assert_true (g_file_set_contents (conf_path, conf, -1, &error));
  c->chronyd
      = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, chronyd, "-x", "-d", "-U", "-f", conf_path, NULL);
  g_assert_no_error (error);
  return TRUE;
}

static void
chrony_stop (Chrony *c)
{
  g_autoptr (GFile) dir = g_file_new_for_path (c->dir);
  g_autoptr (GFileEnumerator) e = NULL;
  GFileInfo *info;
  GFile *child;

  g_subprocess_send_signal (c->chronyd, SIGTERM);
  g_subprocess_wait (c->chronyd, NULL, NULL);
  g_clear_object (&c->chronyd);
  e = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);
  while (e != NULL && g_file_enumerator_iterate (e, &info, &child, NULL, NULL) && info != NULL)
    g_file_delete (child, NULL, NULL);
  g_file_delete (dir, NULL, NULL);
  g_free (c->dir);
}

static NtpmonNtpResult *
check (NtpmonProbe *probe, Chrony *c)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  NtpmonProbeRequest req = { lo, c->port, 1, NULL, TRUE };
  g_autoptr (GError) error = NULL;
  NtpmonNtpResult *r = ntpmon_test_run_probe (probe, &req, NULL, &error);

  g_assert_no_error (error);
  return r;
}

static void
test_chronyd (void)
{
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  g_autoptr (GKeyFile) config = g_key_file_new ();
  Chrony c = { 0 };
  gint attempts = 0;

  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (probe), 100, 200);
  if (!chrony_start (&c))
    return;
  /* wait until chronyd answers (it starts within a fraction of a second) */
  for (;;)
    {
      g_autoptr (NtpmonNtpResult) r = check (probe, &c);

      if (r->error == NULL)
        break;
      g_assert_cmpint (++attempts, <, 100);
      g_usleep (100000);
    }

  for (gint mode = 0; mode < 2; mode++)
    {
      g_key_file_set_string (config, "ntp", "timestamps", mode == 0 ? "kernel" : "user");
      g_assert_true (ntpmon_probe_configure (probe, config, NULL));
      for (gint i = 0; i < 5; i++)
        {
          g_autoptr (NtpmonNtpResult) r = check (probe, &c);

          g_assert_null (r->error);
          g_assert_false (r->no_response);
          g_assert_true (r->has_offset);
          g_assert_cmpint (ABS (r->offset_ns), <, 1000000);
          g_assert_true (r->has_rtt);
          g_assert_cmpint (r->rtt_ns, >, 0);
          g_assert_cmpint (r->stratum, ==, CHRONY_STRATUM);
          g_assert_cmpint (r->timestamps, ==,
                           mode == 0 ? NTPMON_TIMESTAMPS_KERNEL : NTPMON_TIMESTAMPS_USER);
        }
    }
  chrony_stop (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ntp/chronyd/offset-stratum-rtt", test_chronyd);
  return g_test_run ();
}
