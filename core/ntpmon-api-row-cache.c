/* ntpmon-api-row-cache.c: the server_scores row of a monitor and address
 *
 * SPDX-License-Identifier: MIT
 *
 * SubmitResults finds a result's rows by the server's address: through
 * the servers.ip index and then the (server_id, monitor_id) index of
 * server_scores, two index searches before each primary key read. This
 * cache remembers the server_scores id that a (monitor, address) pair
 * led to, so that the next list of the monitor reads its rows by primary
 * key. An entry is only a hint: the reader checks that the row it gets
 * is the monitor's and that its server has the address, and asks by
 * address (and forgets the entry) when not. Shared by the database
 * workers; emptied when it holds max_entries.
 */
#include "config.h"

#include <string.h>

#include "ntpmon-api-row-cache.h"

typedef struct
{
  guint64 monitor_id;
  guint8 ip[16];
  guint8 ip_len;
  guint64 score_id; /* the value, not part of the key */
} Entry;

struct _NtpmonApiRowCache
{
  GMutex lock;
  GHashTable *entries; /* Entry set */
  guint max_entries;
};

static guint
entry_hash (gconstpointer data)
{
  const Entry *e = data;
  guint h = (guint)e->monitor_id * 2654435761u ^ e->ip_len;

  for (guint i = 0; i < e->ip_len; i++)
    h = (h ^ e->ip[i]) * 16777619u;
  return h;
}

static gboolean
entry_equal (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;

  return x->monitor_id == y->monitor_id && x->ip_len == y->ip_len
         && memcmp (x->ip, y->ip, x->ip_len) == 0;
}

static void
entry_key (Entry *e, guint64 monitor_id, const guint8 *ip, gsize ip_len)
{
  memset (e, 0, sizeof *e);
  e->monitor_id = monitor_id;
  e->ip_len = (guint8)MIN (ip_len, sizeof e->ip);
  memcpy (e->ip, ip, e->ip_len);
}

/**
 * ntpmon_api_row_cache_new:
 * @max_entries: the most entries held (at least 1)
 */
NtpmonApiRowCache *
ntpmon_api_row_cache_new (guint max_entries)
{
  NtpmonApiRowCache *self = g_new0 (NtpmonApiRowCache, 1);

  g_mutex_init (&self->lock);
  self->entries = g_hash_table_new_full (entry_hash, entry_equal, g_free, NULL);
  self->max_entries = MAX (max_entries, 1);
  return self;
}

void
ntpmon_api_row_cache_free (NtpmonApiRowCache *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/**
 * ntpmon_api_row_cache_lookup:
 * @score_id: (out): the server_scores id last seen for the pair
 *
 * Returns: whether the pair has an entry
 */
gboolean
ntpmon_api_row_cache_lookup (NtpmonApiRowCache *self, guint64 monitor_id, const guint8 *ip,
                             gsize ip_len, guint64 *score_id)
{
  Entry key;
  const Entry *found;

  entry_key (&key, monitor_id, ip, ip_len);
  g_mutex_lock (&self->lock);
  found = g_hash_table_lookup (self->entries, &key);
  if (found != NULL)
    *score_id = found->score_id;
  g_mutex_unlock (&self->lock);
  return found != NULL;
}

void
ntpmon_api_row_cache_store (NtpmonApiRowCache *self, guint64 monitor_id, const guint8 *ip,
                            gsize ip_len, guint64 score_id)
{
  Entry *e = g_new (Entry, 1);

  entry_key (e, monitor_id, ip, ip_len);
  e->score_id = score_id;
  g_mutex_lock (&self->lock);
  if (g_hash_table_size (self->entries) >= self->max_entries
      && !g_hash_table_contains (self->entries, e))
    g_hash_table_remove_all (self->entries);
  g_hash_table_replace (self->entries, e, e);
  g_mutex_unlock (&self->lock);
}

void
ntpmon_api_row_cache_forget (NtpmonApiRowCache *self, guint64 monitor_id, const guint8 *ip,
                             gsize ip_len)
{
  Entry key;

  entry_key (&key, monitor_id, ip, ip_len);
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->entries, &key);
  g_mutex_unlock (&self->lock);
}

guint
ntpmon_api_row_cache_size (NtpmonApiRowCache *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->entries);
  g_mutex_unlock (&self->lock);
  return n;
}
