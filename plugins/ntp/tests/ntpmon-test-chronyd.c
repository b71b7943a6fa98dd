/* ntpmon-test-chronyd.c: a private chronyd on loopback for tests and benchmarks
 *
 * chronyd runs from a temporary directory with -x (it never touches the
 * system clock) and serves its local clock at the given stratum on
 * 127.0.0.1 only.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-test-chronyd.h"

struct _NtpmonTestChronyd
{
  gchar *dir;
  GSubprocess *process;
  guint16 port;
};

static guint16
free_udp_port (GError **error)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) local = NULL;

  if (s == NULL || !g_socket_bind (s, any, FALSE, error)
      || (local = g_socket_get_local_address (s, error)) == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/**
 * ntpmon_test_chronyd_start:
 * @port: UDP port on 127.0.0.1, 0 for a free one
 *
 * Returns: the running server, or NULL when chronyd is missing (the error
 * names the Debian package) or does not start.
 */
NtpmonTestChronyd *
ntpmon_test_chronyd_start (guint16 port, gint stratum, GError **error)
{
  g_autofree gchar *chronyd = g_find_program_in_path ("chronyd");
  g_autofree gchar *conf = NULL;
  g_autofree gchar *conf_path = NULL;
  NtpmonTestChronyd *self;

  if (chronyd == NULL && g_file_test ("/usr/sbin/chronyd", G_FILE_TEST_IS_EXECUTABLE))
    chronyd = g_strdup ("/usr/sbin/chronyd");
  if (chronyd == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "chronyd not found: install the Debian package chrony");
      return NULL;
    }
  if (port == 0 && (port = free_udp_port (error)) == 0)
    return NULL;

  self = g_new0 (NtpmonTestChronyd, 1);
  self->port = port;
  self->dir = g_dir_make_tmp ("ntpmon-chrony-XXXXXX", error);
  if (self->dir == NULL)
    {
      ntpmon_test_chronyd_stop (self);
      return NULL;
    }
  /* as root chronyd would switch to its own user, which cannot write here */
  conf = g_strdup_printf ("port %u\n"
                          "local stratum %d\n"
                          "allow 127.0.0.1\n"
                          "bindaddress 127.0.0.1\n"
                          "cmdport 0\n"
                          "pidfile %s/chronyd.pid\n"
                          "driftfile %s/chronyd.drift\n"
                          "%s",
                          port, stratum, self->dir, self->dir, getuid () == 0 ? "user root\n" : "");
  conf_path = g_build_filename (self->dir, "chrony.conf", NULL);
  if (!g_file_set_contents (conf_path, conf, -1, error))
    {
      ntpmon_test_chronyd_stop (self);
      return NULL;
    }
  self->process
      = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          error, chronyd, "-x", "-d", "-U", "-f", conf_path, NULL);
  if (self->process == NULL)
    {
      ntpmon_test_chronyd_stop (self);
      return NULL;
    }
  return self;
}

guint16
ntpmon_test_chronyd_get_port (NtpmonTestChronyd *self)
{
  return self->port;
}

/**
 * ntpmon_test_chronyd_wait_ready:
 *
 * Checks the server until it answers (up to about 10 s).
 */
gboolean
ntpmon_test_chronyd_wait_ready (NtpmonTestChronyd *self, NtpmonProbe *probe, GError **error)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  NtpmonProbeRequest req = { lo, self->port, 1, NULL, TRUE };

  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr (NtpmonNtpResult) r = ntpmon_test_run_probe (probe, &req, NULL, error);

      if (r == NULL)
        return FALSE;
      if (r->error == NULL)
        return TRUE;
      if (g_subprocess_get_identifier (self->process) == NULL)
        break;
      g_usleep (100000);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "chronyd on 127.0.0.1:%u does not answer (port in use?)", self->port);
  return FALSE;
}

void
ntpmon_test_chronyd_stop (NtpmonTestChronyd *self)
{
  if (self == NULL)
    return;
  if (self->process != NULL)
    {
      g_subprocess_send_signal (self->process, SIGTERM);
      g_subprocess_wait (self->process, NULL, NULL);
      g_object_unref (self->process);
    }
  if (self->dir != NULL)
    {
      const gchar *names[] = { "chrony.conf", "chronyd.pid", "chronyd.drift" };

      for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree gchar *path = g_build_filename (self->dir, names[i], NULL);

          unlink (path);
        }
      rmdir (self->dir);
      g_free (self->dir);
    }
  g_free (self);
}
