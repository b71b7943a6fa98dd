/* ntpmon-selector-context.c: server context and account-limit table of one review
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-account-flags.h"
#include "ntpmon-selector-context.h"

NtpmonSelectorAccountTable *
ntpmon_selector_account_table_new (void)
{
  return g_array_new (FALSE, TRUE, sizeof (NtpmonSelectorAccountLimit));
}

void
ntpmon_selector_account_table_add (NtpmonSelectorAccountTable *table, gint64 account_id,
                                   gint64 limit, gint64 active, gint64 testing)
{
  NtpmonSelectorAccountLimit entry = { account_id, limit, active, testing };

  g_array_append_val (table, entry);
}

NtpmonSelectorAccountLimit *
ntpmon_selector_account_table_lookup (NtpmonSelectorAccountTable *table, gint64 account_id)
{
  for (guint i = 0; table != NULL && i < table->len; i++)
    {
      NtpmonSelectorAccountLimit *entry = &g_array_index (table, NtpmonSelectorAccountLimit, i);

      if (entry->account_id == account_id)
        return entry;
    }
  return NULL;
}

/* selector.md §7.5.1: the first row of an account gives X; database statuses
 * active/testing are counted, NULL, candidate and paused are not. */
NtpmonSelectorAccountTable *
ntpmon_selector_account_table_from_rows (GPtrArray *rows)
{
  NtpmonSelectorAccountTable *table = ntpmon_selector_account_table_new ();

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const NtpmonSelectorMonitor *row = rows->pdata[i];
      NtpmonSelectorAccountLimit *entry;

      if (!row->has_account)
        continue;
      entry = ntpmon_selector_account_table_lookup (table, row->account_id);
      if (entry == NULL)
        {
          g_autoptr (GError) error = NULL;
          gint64 limit = ntpmon_selector_account_flags_limit (row->account_flags, &error);

          if (error != NULL)
            g_debug ("account %" G_GINT64_FORMAT " flags: %s; using the default limit",
                     row->account_id, error->message);
          ntpmon_selector_account_table_add (table, row->account_id, limit, 0, 0);
          entry = ntpmon_selector_account_table_lookup (table, row->account_id);
        }
      if (row->status == NTPMON_SELECTOR_STATUS_ACTIVE)
        entry->active++;
      else if (row->status == NTPMON_SELECTOR_STATUS_TESTING)
        entry->testing++;
    }
  return table;
}

NtpmonSelectorAccountTable *
ntpmon_selector_account_table_copy (NtpmonSelectorAccountTable *table)
{
  return g_array_copy (table);
}

/* selector.md §7.5.3: leaving active/testing decrements (not below 0),
 * entering increments. */
void
ntpmon_selector_account_table_move (NtpmonSelectorAccountTable *table,
                                    const NtpmonSelectorMonitor *monitor, NtpmonSelectorStatus from,
                                    NtpmonSelectorStatus to)
{
  NtpmonSelectorAccountLimit *entry;

  if (!monitor->has_account)
    return;
  entry = ntpmon_selector_account_table_lookup (table, monitor->account_id);
  if (entry == NULL)
    return;
  if (from == NTPMON_SELECTOR_STATUS_ACTIVE && entry->active > 0)
    entry->active--;
  else if (from == NTPMON_SELECTOR_STATUS_TESTING && entry->testing > 0)
    entry->testing--;
  if (to == NTPMON_SELECTOR_STATUS_ACTIVE)
    entry->active++;
  else if (to == NTPMON_SELECTOR_STATUS_TESTING)
    entry->testing++;
}

NtpmonSelectorContext *
ntpmon_selector_context_new (gint64 server_id, const gchar *server_ip, gboolean has_server_account,
                             gint64 server_account, GPtrArray *rows)
{
  NtpmonSelectorContext *ctx = g_new0 (NtpmonSelectorContext, 1);

  ctx->server_id = server_id;
  ctx->server_ip = g_strdup (server_ip != NULL ? server_ip : "");
  ctx->has_server_account = has_server_account;
  ctx->server_account = server_account;
  ctx->rows = rows != NULL
                  ? g_ptr_array_ref (rows)
                  : g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_monitor_free);
  ctx->limit_flagged = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return ctx;
}

void
ntpmon_selector_context_free (NtpmonSelectorContext *ctx)
{
  if (ctx == NULL)
    return;
  g_free (ctx->server_ip);
  g_ptr_array_unref (ctx->rows);
  g_hash_table_unref (ctx->limit_flagged);
  g_free (ctx);
}

gint64
ntpmon_selector_context_get_server_id (const NtpmonSelectorContext *ctx)
{
  return ctx->server_id;
}

const gchar *
ntpmon_selector_context_get_server_ip (const NtpmonSelectorContext *ctx)
{
  return ctx->server_ip;
}

gboolean
ntpmon_selector_context_get_server_account (const NtpmonSelectorContext *ctx, gint64 *account_id)
{
  if (account_id != NULL)
    *account_id = ctx->has_server_account ? ctx->server_account : 0;
  return ctx->has_server_account;
}

GPtrArray *
ntpmon_selector_context_get_rows (const NtpmonSelectorContext *ctx)
{
  return ctx->rows;
}

NtpmonSelectorAccountLimit *
ntpmon_selector_context_lookup_account (const NtpmonSelectorContext *ctx, gint64 account_id)
{
  return ntpmon_selector_account_table_lookup (ctx->table, account_id);
}

gboolean
ntpmon_selector_context_is_limit_flagged (const NtpmonSelectorContext *ctx, gint64 monitor_id)
{
  return g_hash_table_contains (ctx->limit_flagged, &monitor_id);
}

/* Takes the ids of @flagged (a set of gint64*). */
void
ntpmon_selector_context_set_limit_flagged (NtpmonSelectorContext *ctx, GHashTable *flagged)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_remove_all (ctx->limit_flagged);
  g_hash_table_iter_init (&iter, flagged);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (ctx->limit_flagged, g_memdup2 (key, sizeof (gint64)));
}
