/* test-api-row-cache.c: SubmitResults' cache of server_scores ids
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-api-row-cache.h"

static const guint8 v4_a[4] = { 192, 0, 2, 1 };
static const guint8 v4_b[4] = { 192, 0, 2, 2 };
/* 2001:db8::c000:201: ends in the bytes of 192.0.2.1 */
static const guint8 v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [12] = 192, 0, 2, 1 };

static guint64
lookup (NtpmonApiRowCache *cache, guint64 monitor, const guint8 *ip, gsize len)
{
  guint64 id = 0;

  return ntpmon_api_row_cache_lookup (cache, monitor, ip, len, &id) ? id : 0;
}

/* An entry is found by its monitor and address only: another monitor, an
 * address of the other family or a prefix of one finds nothing. */
static void
test_keys (void)
{
  g_autoptr (NtpmonApiRowCache) cache = ntpmon_api_row_cache_new (100);

  ntpmon_api_row_cache_store (cache, 11, v4_a, 4, 501);
  ntpmon_api_row_cache_store (cache, 12, v4_a, 4, 502);
  ntpmon_api_row_cache_store (cache, 11, v6_a, 16, 503);
  g_assert_cmpuint (lookup (cache, 11, v4_a, 4), ==, 501);
  g_assert_cmpuint (lookup (cache, 12, v4_a, 4), ==, 502);
  g_assert_cmpuint (lookup (cache, 11, v6_a, 16), ==, 503);
  g_assert_cmpuint (lookup (cache, 13, v4_a, 4), ==, 0);
  g_assert_cmpuint (lookup (cache, 11, v4_b, 4), ==, 0);
  g_assert_cmpuint (lookup (cache, 11, v4_a, 3), ==, 0);
  g_assert_cmpuint (lookup (cache, 12, v6_a, 16), ==, 0);

  /* a new id replaces the old; a forgotten pair is gone, the others stay */
  ntpmon_api_row_cache_store (cache, 11, v4_a, 4, 601);
  g_assert_cmpuint (lookup (cache, 11, v4_a, 4), ==, 601);
  g_assert_cmpuint (ntpmon_api_row_cache_size (cache), ==, 3);
  ntpmon_api_row_cache_forget (cache, 11, v4_a, 4);
  g_assert_cmpuint (lookup (cache, 11, v4_a, 4), ==, 0);
  g_assert_cmpuint (lookup (cache, 12, v4_a, 4), ==, 502);
  g_assert_cmpuint (ntpmon_api_row_cache_size (cache), ==, 2);
}

/* Full, a new pair empties the cache first; updating a present pair does
 * not. */
static void
test_bound (void)
{
  g_autoptr (NtpmonApiRowCache) cache = ntpmon_api_row_cache_new (3);

  for (guint64 m = 1; m <= 3; m++)
    ntpmon_api_row_cache_store (cache, m, v4_a, 4, 100 + m);
  ntpmon_api_row_cache_store (cache, 2, v4_a, 4, 202);
  g_assert_cmpuint (ntpmon_api_row_cache_size (cache), ==, 3);
  g_assert_cmpuint (lookup (cache, 1, v4_a, 4), ==, 101);
  g_assert_cmpuint (lookup (cache, 2, v4_a, 4), ==, 202);
  ntpmon_api_row_cache_store (cache, 4, v4_a, 4, 104);
  g_assert_cmpuint (ntpmon_api_row_cache_size (cache), ==, 1);
  g_assert_cmpuint (lookup (cache, 1, v4_a, 4), ==, 0);
  g_assert_cmpuint (lookup (cache, 4, v4_a, 4), ==, 104);
}

/* Workers store, look up and forget at once: every lookup finds the id
 * its worker stored last or nothing, never another pair's. */
typedef struct
{
  NtpmonApiRowCache *cache;
  guint64 monitor;
} Worker;

static gpointer
worker (gpointer data)
{
  Worker *w = data;
  NtpmonApiRowCache *cache = w->cache;
  guint64 self = w->monitor;

  for (guint i = 0; i < 20000; i++)
    {
      guint8 ip[4] = { 10, 0, (guint8)(i >> 8), (guint8)i };
      guint64 found = 0;

      ntpmon_api_row_cache_store (cache, self, ip, 4, self * 100000 + i % 64);
      if (ntpmon_api_row_cache_lookup (cache, self, ip, 4, &found))
        g_assert_cmpuint (found, ==, self * 100000 + i % 64);
      if (i % 3 == 0)
        ntpmon_api_row_cache_forget (cache, self, ip, 4);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (NtpmonApiRowCache) cache = ntpmon_api_row_cache_new (5000);
  GThread *threads[4];
  Worker workers[G_N_ELEMENTS (threads)];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      workers[i] = (Worker){ cache, i + 1 };
      threads[i] = g_thread_new ("cache", worker, &workers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (ntpmon_api_row_cache_size (cache), <=, 5000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/row-cache/keys", test_keys);
  g_test_add_func ("/api/row-cache/bound", test_bound);
  g_test_add_func ("/api/row-cache/threads", test_threads);
  return g_test_run ();
}
