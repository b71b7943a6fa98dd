/* bench-ntp.c: figures for the `ntp` probe
 *
 *   bench-ntp precision   200 checks each against chronyd on 127.0.0.1:123
 *                         with kernel and user timestamps, and 200 runs of
 *                         ntpdig against the same server: median and p95
 *                         |offset|, median rtt
 *   bench-ntp footprint   peak RSS of `ntppool-agent check` on one target,
 *                         and CPU instructions per check (callgrind)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-probe.h"
#include "ntpmon-test-chronyd.h"

#define N_CHECKS 200

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values, double p)
{
  gsize index;

  g_array_sort (values, cmp_double);
  index = (gsize)(p * (values->len - 1) + 0.5);
  return g_array_index (values, double, index);
}

static void
print_row (const gchar *what, GArray *offsets, GArray *rtts)
{
  double med = percentile (offsets, 0.5), p95 = percentile (offsets, 0.95);

  if (rtts != NULL)
    printf ("%-24s n=%-4u median |offset| %8.2f us   p95 %8.2f us   median rtt %8.2f us\n", what,
            offsets->len, med * 1e6, p95 * 1e6, percentile (rtts, 0.5) * 1e6);
  else
    printf ("%-24s n=%-4u median |offset| %8.2f us   p95 %8.2f us\n", what, offsets->len, med * 1e6,
            p95 * 1e6);
}

static gboolean
run_probe_series (NtpmonProbe *probe, const gchar *timestamps, guint16 port, GArray *offsets,
                  GArray *rtts, GError **error)
{
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  NtpmonProbeRequest req = { lo, port, 1, NULL, TRUE };

  g_key_file_set_string (config, "ntp", "timestamps", timestamps);
  if (!ntpmon_probe_configure (probe, config, error))
    return FALSE;
  for (guint i = 0; i < N_CHECKS; i++)
    {
      g_autoptr (NtpmonNtpResult) r = ntpmon_test_run_probe (probe, &req, NULL, error);
      double offset, rtt;

      if (r == NULL)
        return FALSE;
      if (r->error != NULL || !r->has_offset)
        continue;
      offset = fabs ((double)r->offset_ns / 1e9);
      rtt = (double)r->rtt_ns / 1e9;
      g_array_append_val (offsets, offset);
      g_array_append_val (rtts, rtt);
      g_usleep (10000);
    }
  return TRUE;
}

static gboolean
run_ntpdig_series (GArray *offsets, GError **error)
{
  g_autofree gchar *ntpdig = g_find_program_in_path ("ntpdig");

  if (ntpdig == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "ntpdig not found: install the Debian package ntpsec-ntpdate");
      return FALSE;
    }
  for (guint i = 0; i < N_CHECKS; i++)
    {
      g_autofree gchar *out = NULL;
      g_autoptr (JsonParser) parser = json_parser_new ();
      const gchar *argv[] = { ntpdig, "-j", "-t", "1", "127.0.0.1", NULL };
      JsonNode *root;
      double offset;

      if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                         NULL, NULL, error))
        return FALSE;
      if (!json_parser_load_from_data (parser, out, -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (!JSON_NODE_HOLDS_OBJECT (root)
          || !json_object_has_member (json_node_get_object (root), "offset"))
        continue;
      offset = fabs (json_object_get_double_member (json_node_get_object (root), "offset"));
      g_array_append_val (offsets, offset);
    }
  return TRUE;
}

static int
bench_precision (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  g_autoptr (NtpmonTestChronyd) chronyd = NULL;
  const gchar *modes[] = { "kernel", "user" };
  double kernel_median = 0;

  /* ntpdig cannot use another port */
  chronyd = ntpmon_test_chronyd_start (123, 2, &error);
  if (chronyd == NULL || !ntpmon_test_chronyd_wait_ready (chronyd, probe, &error))
    {
      fprintf (stderr, "bench-ntp: %s (needs root and a free 127.0.0.1:123)\n", error->message);
      return 1;
    }
  printf ("precision against chronyd on 127.0.0.1:123, %d checks each\n", N_CHECKS);
  for (gsize m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) rtts = g_array_new (FALSE, FALSE, sizeof (double));
      g_autofree gchar *label = g_strdup_printf ("ntp probe, %s", modes[m]);

      if (!run_probe_series (probe, modes[m], 123, offsets, rtts, &error) || offsets->len == 0)
        {
          fprintf (stderr, "bench-ntp: %s\n", error != NULL ? error->message : "no answers");
          return 1;
        }
      print_row (label, offsets, rtts);
      if (m == 0)
        kernel_median = percentile (offsets, 0.5);
    }
  {
    g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (double));

    if (!run_ntpdig_series (offsets, &error) || offsets->len == 0)
      {
        fprintf (stderr, "bench-ntp: %s\n", error != NULL ? error->message : "ntpdig: no answers");
        return 1;
      }
    print_row ("ntpdig", offsets, NULL);
    printf ("goal (kernel median |offset| <= 10 us and <= half of ntpdig's): %s\n",
            kernel_median <= 10e-6 && kernel_median <= percentile (offsets, 0.5) / 2 ? "met"
                                                                                     : "not met");
  }
  return 0;
}

/* Instructions the driver executes for @n checks, counted by callgrind. */
static gboolean
count_instructions (const gchar *driver, guint16 port, guint n, guint64 *count, GError **error)
{
  g_autofree gchar *valgrind = g_find_program_in_path ("valgrind");
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *err = NULL;
  const gchar *line;
  gint status;

  if (valgrind == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "valgrind not found: install the Debian package valgrind");
      return FALSE;
    }
  g_ptr_array_add (argv, g_strdup (valgrind));
  g_ptr_array_add (argv, g_strdup ("--tool=callgrind"));
  g_ptr_array_add (argv, g_strdup ("--callgrind-out-file=/dev/null"));
  g_ptr_array_add (argv, g_strdup (driver));
  g_ptr_array_add (argv, g_strdup ("--allow-private"));
  g_ptr_array_add (argv, g_strdup ("--samples=1"));
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", port));
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err, &status, error))
    return FALSE;
  line = strstr (err, "Collected : ");
  if (line == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "callgrind gave no count: %s", err);
      return FALSE;
    }
  *count = g_ascii_strtoull (line + strlen ("Collected : "), NULL, 10);
  return TRUE;
}

static int
bench_footprint (const gchar *agent, const gchar *driver)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonProbe) probe = ntpmon_ntp_probe_new ();
  g_autoptr (NtpmonTestChronyd) chronyd = ntpmon_test_chronyd_start (0, 2, &error);
  g_autofree gchar *dir = g_dir_make_tmp ("ntpmon-bench-XXXXXX", NULL);
  g_autofree gchar *conf = g_build_filename (dir, "agent.conf", NULL);
  g_autofree gchar *state = g_strdup_printf ("--state-dir=%s/state", dir);
  g_autofree gchar *conf_arg = g_strdup_printf ("--config=%s", conf);
  g_autofree gchar *target = NULL;
  g_autofree gchar *state_dir = g_build_filename (dir, "state", NULL);
  struct rusage usage;
  guint64 one = 0, eleven = 0;
  gint status;

  if (chronyd == NULL || !ntpmon_test_chronyd_wait_ready (chronyd, probe, &error))
    {
      fprintf (stderr, "bench-ntp: %s\n", error->message);
      return 1;
    }
  target = g_strdup_printf ("127.0.0.1:%u", ntpmon_test_chronyd_get_port (chronyd));
  g_file_set_contents (conf, "[ntp]\nallow-private-targets=true\n", -1, NULL);
  {
    const gchar *argv[]
        = { agent, state, conf_arg, "--dbus=none", "check", "--samples=1", target, NULL };

    if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                       NULL, &status, &error))
      {
        fprintf (stderr, "bench-ntp: %s\n", error->message);
        return 1;
      }
  }
  getrusage (RUSAGE_CHILDREN, &usage);
  printf ("ntppool-agent check, one target: exit %d, peak RSS %ld kB\n",
          WIFEXITED (status) ? WEXITSTATUS (status) : -1, usage.ru_maxrss);

  if (!count_instructions (driver, ntpmon_test_chronyd_get_port (chronyd), 1, &one, &error)
      || !count_instructions (driver, ntpmon_test_chronyd_get_port (chronyd), 11, &eleven, &error))
    {
      fprintf (stderr, "bench-ntp: %s\n", error->message);
      return 1;
    }
  printf ("instructions: %" G_GUINT64_FORMAT " for 1 check (with start-up), %" G_GUINT64_FORMAT
          " per further check\n",
          one, (eleven - one) / 10);
  unlink (conf);
  rmdir (state_dir);
  rmdir (dir);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "precision") == 0)
    return bench_precision ();
  if (argc >= 4 && strcmp (argv[1], "footprint") == 0)
    return bench_footprint (argv[2], argv[3]);
  fprintf (stderr, "usage: bench-ntp precision | footprint AGENT DRIVER\n");
  return 2;
}
