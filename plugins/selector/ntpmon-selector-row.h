/* ntpmon-selector-row.h: one row of NTPMON_SELECTOR_SQL_GET_MONITORS as text
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-selector-monitor.h"

G_BEGIN_DECLS

/* Column positions of NTPMON_SELECTOR_SQL_GET_MONITORS. */
typedef enum
{
  NTPMON_SELECTOR_COL_ID,
  NTPMON_SELECTOR_COL_ID_TOKEN,
  NTPMON_SELECTOR_COL_TLS_NAME,
  NTPMON_SELECTOR_COL_ACCOUNT_ID,
  NTPMON_SELECTOR_COL_MONITOR_IP,
  NTPMON_SELECTOR_COL_AVG_RTT,
  NTPMON_SELECTOR_COL_PRIORITY,
  NTPMON_SELECTOR_COL_AVG_STEP,
  NTPMON_SELECTOR_COL_HEALTHY,
  NTPMON_SELECTOR_COL_MONITOR_STATUS,
  NTPMON_SELECTOR_COL_STATUS,
  NTPMON_SELECTOR_COL_COUNT,
  NTPMON_SELECTOR_COL_ACCOUNT_FLAGS,
  NTPMON_SELECTOR_COL_VIOLATION_TYPE,
  NTPMON_SELECTOR_COL_VIOLATION_SINCE,
  NTPMON_SELECTOR_COL_LAST_CHECK,
  NTPMON_SELECTOR_COL_PAUSE_REASON,
  NTPMON_SELECTOR_N_COLUMNS
} NtpmonSelectorColumn;

NtpmonSelectorMonitor *ntpmon_selector_monitor_new_from_row (const gchar *const *values,
                                                             guint n_values, GError **error);
GDateTime *ntpmon_selector_parse_datetime (const gchar *text, GError **error);

G_END_DECLS
