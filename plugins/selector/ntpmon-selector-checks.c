/* ntpmon-selector-checks.c: same subnet, same account, network diversity, account limits
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-account-flags.h"
#include "ntpmon-selector-checks.h"
#include "ntpmon-selector-ip.h"

static gboolean
ip_is_empty (const gchar *ip)
{
  return ip == NULL || *ip == '\0';
}

/* §7.2: TRUE (violation) when the monitor's /24 (/48) holds the server's
 * address, or when either address does not parse. */
gboolean
ntpmon_selector_check_same_subnet (const gchar *monitor_ip, const gchar *server_ip)
{
  NtpmonSelectorIp m, s;

  if (ip_is_empty (monitor_ip) || ip_is_empty (server_ip))
    return FALSE;
  if (!ntpmon_selector_ip_parse (monitor_ip, &m) || !ntpmon_selector_ip_parse (server_ip, &s))
    return TRUE;
  if (m.family != s.family)
    return FALSE;
  return ntpmon_selector_ip_prefix_contains (
      &m, m.family == 4 ? NTPMON_SELECTOR_SUBNET_V4 : NTPMON_SELECTOR_SUBNET_V6, &s);
}

/* §7.3 */
gboolean
ntpmon_selector_check_same_account (const NtpmonSelectorContext *ctx,
                                    const NtpmonSelectorMonitor *monitor)
{
  gint64 server_account, monitor_account;

  if (!ntpmon_selector_context_get_server_account (ctx, &server_account)
      || !ntpmon_selector_monitor_get_account (monitor, &monitor_account))
    return FALSE;
  return server_account == monitor_account;
}

static gboolean
status_is_assigned (NtpmonSelectorStatus status)
{
  return status == NTPMON_SELECTOR_STATUS_ACTIVE || status == NTPMON_SELECTOR_STATUS_TESTING;
}

/* §7.4: another database active/testing row in the monitor's /20 (/44)
 * conflicts when @target is active or testing. */
gboolean
ntpmon_selector_check_diversity (gint64 monitor_id, const gchar *monitor_ip, GPtrArray *rows,
                                 NtpmonSelectorStatus target)
{
  NtpmonSelectorIp m;
  guint bits;

  if (ip_is_empty (monitor_ip))
    return FALSE;
  if (!ntpmon_selector_ip_parse (monitor_ip, &m))
    return TRUE;
  if (!status_is_assigned (target))
    return FALSE;
  bits = m.family == 4 ? NTPMON_SELECTOR_DIVERSITY_V4 : NTPMON_SELECTOR_DIVERSITY_V6;

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      const NtpmonSelectorMonitor *row = rows->pdata[i];
      NtpmonSelectorIp other;

      if (row->id == monitor_id || row->ip == NULL || !status_is_assigned (row->status))
        continue;
      if (!ntpmon_selector_ip_parse (row->ip, &other))
        continue;
      if (ntpmon_selector_ip_prefix_contains (&m, bits, &other))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  gint64 account_id;
  NtpmonSelectorStatus status;
  gint64 limit;
  GPtrArray *members; /* borrowed NtpmonSelectorMonitor */
} LimitGroup;

static void
limit_group_clear (gpointer data)
{
  LimitGroup *group = data;

  g_ptr_array_unref (group->members);
}

/* §7.5.2: per (account, database status) group of active/testing rows, the
 * rows beyond the cap (X active, X+1 testing) with the worst priorities.
 * Returns the set of flagged monitor ids (gint64*). */
GHashTable *
ntpmon_selector_iterative_limits (GPtrArray *rows)
{
  g_autoptr (GArray) groups = g_array_new (FALSE, TRUE, sizeof (LimitGroup));
  GHashTable *flagged = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  g_array_set_clear_func (groups, limit_group_clear);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      NtpmonSelectorMonitor *row = rows->pdata[i];
      LimitGroup *group = NULL;

      if (!row->has_account || !status_is_assigned (row->status))
        continue;
      for (guint g = 0; g < groups->len && group == NULL; g++)
        {
          LimitGroup *candidate = &g_array_index (groups, LimitGroup, g);

          if (candidate->account_id == row->account_id && candidate->status == row->status)
            group = candidate;
        }
      if (group == NULL)
        {
          LimitGroup fresh = { row->account_id, row->status, 0, g_ptr_array_new () };

          fresh.limit = ntpmon_selector_account_flags_limit (row->account_flags, NULL);
          g_array_append_val (groups, fresh);
          group = &g_array_index (groups, LimitGroup, groups->len - 1);
        }
      g_ptr_array_add (group->members, row);
    }

  for (guint g = 0; g < groups->len; g++)
    {
      LimitGroup *group = &g_array_index (groups, LimitGroup, g);
      gint64 cap = group->status == NTPMON_SELECTOR_STATUS_ACTIVE ? group->limit : group->limit + 1;
      gpointer *m = group->members->pdata;
      guint n = group->members->len;

      if ((gint64)n <= cap)
        continue;
      /* the reference's exchange ordering; not stable, ties matter */
      for (guint i = 0; i + 1 < n; i++)
        for (guint j = i + 1; j < n; j++)
          if (((NtpmonSelectorMonitor *)m[i])->priority < ((NtpmonSelectorMonitor *)m[j])->priority)
            {
              gpointer tmp = m[i];

              m[i] = m[j];
              m[j] = tmp;
            }
      for (gint64 i = 0; i < (gint64)n - cap; i++)
        {
          gint64 id = ((NtpmonSelectorMonitor *)m[i])->id;

          g_hash_table_add (flagged, g_memdup2 (&id, sizeof id));
        }
    }
  return flagged;
}

/* §7.5.3 step 2 against @table: TRUE when promoting @monitor to @target would
 * break the account's caps (or its account is missing from the table). */
gboolean
ntpmon_selector_check_account_limit (NtpmonSelectorAccountTable *table,
                                     const NtpmonSelectorMonitor *monitor,
                                     NtpmonSelectorStatus target)
{
  NtpmonSelectorAccountLimit *entry;
  gint64 a, t, x;

  if (!monitor->has_account)
    return FALSE;
  entry = ntpmon_selector_account_table_lookup (table, monitor->account_id);
  if (entry == NULL)
    return TRUE;
  a = entry->active;
  t = entry->testing;
  x = entry->limit;
  if (monitor->status == NTPMON_SELECTOR_STATUS_ACTIVE)
    a--;
  else if (monitor->status == NTPMON_SELECTOR_STATUS_TESTING)
    t--;

  if (target == NTPMON_SELECTOR_STATUS_ACTIVE)
    return a >= x || a + t > x + 1;
  if (target == NTPMON_SELECTOR_STATUS_TESTING)
    return t >= x + 1 || a + t > x + 1;
  return FALSE;
}
