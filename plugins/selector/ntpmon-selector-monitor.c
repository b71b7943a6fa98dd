/* ntpmon-selector-monitor.c: monitor records and status changes of the selector
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-monitor.h"

NtpmonSelectorMonitor *
ntpmon_selector_monitor_new (gint64 id)
{
  NtpmonSelectorMonitor *monitor = g_new0 (NtpmonSelectorMonitor, 1);

  monitor->id = id;
  monitor->global_status = NTPMON_SELECTOR_GLOBAL_ACTIVE;
  monitor->status = NTPMON_SELECTOR_STATUS_CANDIDATE;
  return monitor;
}

void
ntpmon_selector_monitor_free (NtpmonSelectorMonitor *monitor)
{
  if (monitor == NULL)
    return;
  g_free (monitor->id_token);
  g_free (monitor->tls_name);
  g_free (monitor->account_flags);
  g_free (monitor->ip);
  g_free (monitor->stored_violation_type);
  g_clear_pointer (&monitor->stored_violation_since, g_date_time_unref);
  g_clear_pointer (&monitor->last_constraint_check, g_date_time_unref);
  g_free (monitor->pause_reason);
  g_free (monitor);
}

gint64
ntpmon_selector_monitor_get_id (const NtpmonSelectorMonitor *monitor)
{
  return monitor->id;
}

const gchar *
ntpmon_selector_monitor_get_ip (const NtpmonSelectorMonitor *monitor)
{
  return monitor->ip != NULL ? monitor->ip : "";
}

gboolean
ntpmon_selector_monitor_get_account (const NtpmonSelectorMonitor *monitor, gint64 *account_id)
{
  if (account_id != NULL)
    *account_id = monitor->has_account ? monitor->account_id : 0;
  return monitor->has_account;
}

/* The status as stored, NONE for a NULL column. */
NtpmonSelectorStatus
ntpmon_selector_monitor_get_db_status (const NtpmonSelectorMonitor *monitor)
{
  return monitor->status;
}

/* The status the rules work with: a NULL column counts as candidate. */
NtpmonSelectorStatus
ntpmon_selector_monitor_get_status (const NtpmonSelectorMonitor *monitor)
{
  if (monitor->status == NTPMON_SELECTOR_STATUS_NONE)
    return NTPMON_SELECTOR_STATUS_CANDIDATE;
  return monitor->status;
}

gint64
ntpmon_selector_monitor_get_priority (const NtpmonSelectorMonitor *monitor)
{
  return monitor->priority;
}

static const gchar *const status_names[] = {
  [NTPMON_SELECTOR_STATUS_NONE] = "",           [NTPMON_SELECTOR_STATUS_CANDIDATE] = "candidate",
  [NTPMON_SELECTOR_STATUS_TESTING] = "testing", [NTPMON_SELECTOR_STATUS_ACTIVE] = "active",
  [NTPMON_SELECTOR_STATUS_PAUSED] = "paused",
};

const gchar *
ntpmon_selector_status_to_string (NtpmonSelectorStatus status)
{
  if ((guint)status >= G_N_ELEMENTS (status_names))
    return "";
  return status_names[status];
}

/* NULL or an unknown value gives NONE. */
NtpmonSelectorStatus
ntpmon_selector_status_from_string (const gchar *text)
{
  for (guint i = NTPMON_SELECTOR_STATUS_CANDIDATE; text != NULL && i < G_N_ELEMENTS (status_names);
       i++)
    if (g_str_equal (text, status_names[i]))
      return (NtpmonSelectorStatus)i;
  return NTPMON_SELECTOR_STATUS_NONE;
}

NtpmonSelectorGlobalStatus
ntpmon_selector_global_status_from_string (const gchar *text)
{
  static const struct
  {
    const gchar *name;
    NtpmonSelectorGlobalStatus status;
  } names[] = {
    { "pending", NTPMON_SELECTOR_GLOBAL_PENDING }, { "testing", NTPMON_SELECTOR_GLOBAL_TESTING },
    { "active", NTPMON_SELECTOR_GLOBAL_ACTIVE },   { "paused", NTPMON_SELECTOR_GLOBAL_PAUSED },
    { "deleted", NTPMON_SELECTOR_GLOBAL_DELETED },
  };

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (text, names[i].name))
      return names[i].status;
  return NTPMON_SELECTOR_GLOBAL_UNKNOWN;
}

const gchar *
ntpmon_selector_disposition_to_string (NtpmonSelectorDisposition disposition)
{
  switch (disposition)
    {
    case NTPMON_SELECTOR_DISPOSITION_IN:
      return "candidateIn";
    case NTPMON_SELECTOR_DISPOSITION_OUT:
      return "candidateOut";
    case NTPMON_SELECTOR_DISPOSITION_BLOCK:
      return "candidateBlock";
    case NTPMON_SELECTOR_DISPOSITION_PENDING:
      return "candidatePending";
    case NTPMON_SELECTOR_DISPOSITION_UNKNOWN:
    default:
      return "candidateUnknown";
    }
}

NtpmonSelectorChange *
ntpmon_selector_change_new (gint64 monitor_id, NtpmonSelectorStatus from, NtpmonSelectorStatus to,
                            const gchar *reason)
{
  NtpmonSelectorChange *change = g_new0 (NtpmonSelectorChange, 1);

  change->monitor_id = monitor_id;
  change->from = from;
  change->to = to;
  change->reason = g_strdup (reason);
  return change;
}

void
ntpmon_selector_change_free (NtpmonSelectorChange *change)
{
  if (change == NULL)
    return;
  g_free (change->reason);
  g_free (change);
}
