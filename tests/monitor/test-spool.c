/* test-spool.c: the on-disk spool of results the API did not take yet
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>

#include "ntpmon-monitor-spool.h"

typedef struct
{
  gchar *base;
  gchar *dir;
} Fixture;

static void
rm_rf (const gchar *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) en = g_file_enumerate_children (
      file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (en != NULL && (info = g_file_enumerator_next_file (en, NULL, NULL)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, g_file_info_get_name (info), NULL);
      rm_rf (child);
      g_object_unref (info);
    }
  g_remove (path);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->base = g_dir_make_tmp ("monitor-spool-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->base, "test", "spool", NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  rm_rf (f->base);
  g_free (f->dir);
  g_free (f->base);
}

static GBytes *
entry (guint i)
{
  return g_bytes_new_take (g_strdup_printf ("batch %u", i), strlen ("batch ") + (i < 10 ? 1 : 2));
}

static void
assert_peek (NtpmonMonitorSpool *spool, guint i)
{
  g_autoptr (GBytes) got = ntpmon_monitor_spool_peek (spool);
  g_autoptr (GBytes) want = entry (i);

  g_assert_nonnull (got);
  g_assert_true (g_bytes_equal (got, want));
}

static void
test_order_and_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonMonitorSpool) spool = ntpmon_monitor_spool_new (f->dir, 10, &error);
  g_autoptr (NtpmonMonitorSpool) again = NULL;
  g_autofree gchar *leftover = g_build_filename (f->dir, "00000000000000000009.batch.AB12CD", NULL);
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpint (g_stat (f->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_null (ntpmon_monitor_spool_peek (spool));
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr (GBytes) b = entry (i);
      g_assert_true (ntpmon_monitor_spool_push (spool, b, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (spool), ==, 3);
  assert_peek (spool, 1);
  ntpmon_monitor_spool_pop (spool, FALSE);
  assert_peek (spool, 2);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (spool), ==, 0);

  /* a new process finds what is left, in order, and drops a half-written file */
  g_file_set_contents (leftover, "partial", -1, &error);
  g_assert_no_error (error);
  g_clear_object (&spool);
  again = ntpmon_monitor_spool_new (f->dir, 10, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (again), ==, 2);
  assert_peek (again, 2);
  {
    g_autoptr (GBytes) b = entry (4);
    g_assert_true (ntpmon_monitor_spool_push (again, b, &error));
  }
  ntpmon_monitor_spool_pop (again, FALSE);
  assert_peek (again, 3);
  ntpmon_monitor_spool_pop (again, FALSE);
  assert_peek (again, 4);
  ntpmon_monitor_spool_pop (again, FALSE);
  g_assert_null (ntpmon_monitor_spool_peek (again));
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (again), ==, 0);
}

static void
test_full (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonMonitorSpool) spool = ntpmon_monitor_spool_new (f->dir, 3, &error);

  g_assert_no_error (error);
  for (guint i = 1; i <= 5; i++)
    {
      g_autoptr (GBytes) b = entry (i);
      g_assert_true (ntpmon_monitor_spool_push (spool, b, &error));
    }
  /* the oldest two went, counted */
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (spool), ==, 3);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (spool), ==, 2);
  assert_peek (spool, 3);
  /* given up by the caller (rejected by the API): counted too */
  ntpmon_monitor_spool_pop (spool, TRUE);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (spool), ==, 3);
  assert_peek (spool, 4);
}

static void
test_write_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonMonitorSpool) spool = ntpmon_monitor_spool_new (f->dir, 3, &error);
  g_autoptr (GBytes) b1 = entry (1);
  g_autoptr (GBytes) b2 = entry (2);

  g_assert_no_error (error);
  g_assert_true (ntpmon_monitor_spool_push (spool, b1, &error));
  /* the directory is gone and a file is in its place: every write fails,
   * whoever we run as */
  rm_rf (f->dir);
  g_file_set_contents (f->dir, "", 0, &error);
  g_assert_no_error (error);
  g_assert_false (ntpmon_monitor_spool_push (spool, b2, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (ntpmon_monitor_spool_get_write_failures (spool), ==, 1);
  /* the entry that cannot be read any more is dropped, counted */
  g_assert_null (ntpmon_monitor_spool_peek (spool));
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (spool), ==, 1);
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (spool), ==, 0);
  /* and it cannot be opened at all now */
  g_assert_null (ntpmon_monitor_spool_new (f->dir, 3, &error));
  g_assert_nonnull (error);
}

static guint
count_files (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* The disk fills up in the middle of a write (here: the file size limit,
 * which fails write() with EFBIG as a full disk fails it with ENOSPC): the
 * push fails and is counted, no partial file is left behind, the spooled
 * batches are intact, and once there is room again pushing works. */
static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonMonitorSpool) spool = ntpmon_monitor_spool_new (f->dir, 3, &error);
  g_autoptr (GBytes) b1 = entry (1);
  g_autoptr (GBytes) b3 = entry (3);
  gchar *big_data = g_malloc (64 * 1024);
  g_autoptr (GBytes) big = NULL;
  struct rlimit old, limit;
  void (*old_handler) (int);

  memset (big_data, 'x', 64 * 1024);
  big = g_bytes_new_take (big_data, 64 * 1024);
  g_assert_no_error (error);
  g_assert_true (ntpmon_monitor_spool_push (spool, b1, &error));
  g_assert_cmpuint (count_files (f->dir), ==, 1);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old), ==, 0);
  limit = old;
  limit.rlim_cur = 4096;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (ntpmon_monitor_spool_push (spool, big, &error));
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old), ==, 0);
  signal (SIGXFSZ, old_handler);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_cmpuint (ntpmon_monitor_spool_get_write_failures (spool), ==, 1);
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (spool), ==, 1);
  g_assert_cmpuint (count_files (f->dir), ==, 1);
  g_assert_true (ntpmon_monitor_spool_push (spool, b3, &error));
  g_assert_no_error (error);
  assert_peek (spool, 1);
  ntpmon_monitor_spool_pop (spool, FALSE);
  assert_peek (spool, 3);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (spool), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/monitor/spool/order-and-restart", test_order_and_restart);
  ADD ("/monitor/spool/full", test_full);
  ADD ("/monitor/spool/write-failure", test_write_failure);
  ADD ("/monitor/spool/disk-full", test_disk_full);
  return g_test_run ();
}
