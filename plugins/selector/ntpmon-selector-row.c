/* ntpmon-selector-row.c: the monitor record of selector.md §4.3 from a text row
 *
 * The DB layer hands each row of NTPMON_SELECTOR_SQL_GET_MONITORS over as
 * text values (NULL for SQL NULL), as the MariaDB text protocol returns them.
 * Datetimes are "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>

#include "ntpmon-selector-engine.h"
#include "ntpmon-selector-row.h"

static gboolean
parse_int (const gchar *column, const gchar *text, gint64 *value, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, value, &local))
    {
      g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW, "column %s: %s",
                   column, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_double (const gchar *column, const gchar *text, gdouble *value, GError **error)
{
  gchar *end = NULL;

  *value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0')
    {
      g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW,
                   "column %s: “%s” is not a number", column, text);
      return FALSE;
    }
  return TRUE;
}

GDateTime *
ntpmon_selector_parse_datetime (const gchar *text, GError **error)
{
  gint y, mo, d, h, mi, n = 0;
  gdouble s;
  GDateTime *dt = NULL;

  if (sscanf (text, "%4d-%2d-%2d %2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &s, &n) == 6
      && text[n] == '\0')
    dt = g_date_time_new_utc (y, mo, d, h, mi, s);
  if (dt == NULL)
    g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW,
                 "“%s” is not a datetime", text);
  return dt;
}

static gboolean
parse_optional_datetime (const gchar *text, GDateTime **out, GError **error)
{
  if (text == NULL)
    return TRUE;
  *out = ntpmon_selector_parse_datetime (text, error);
  return *out != NULL;
}

/**
 * ntpmon_selector_monitor_new_from_row:
 * @values: (array length=n_values): the row's values, NULL for SQL NULL
 *
 * A NULL priority (all RTTs NULL) is kept as `priority_is_null`; the review
 * of the server then fails, as in the reference.
 *
 * Returns: (transfer full) (nullable): the record, or NULL with @error set
 *   for a row that cannot be read
 */
NtpmonSelectorMonitor *
ntpmon_selector_monitor_new_from_row (const gchar *const *values, guint n_values, GError **error)
{
  g_autoptr (NtpmonSelectorMonitor) m = NULL;
  const gchar *const *v = values;
  gint64 id, healthy = 0;
  gdouble priority;

  if (n_values != NTPMON_SELECTOR_N_COLUMNS)
    {
      g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW,
                   "monitor row has %u columns, expected %d", n_values, NTPMON_SELECTOR_N_COLUMNS);
      return NULL;
    }
  if (v[NTPMON_SELECTOR_COL_ID] == NULL || !parse_int ("id", v[NTPMON_SELECTOR_COL_ID], &id, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW,
                     "monitor row without id");
      return NULL;
    }

  m = ntpmon_selector_monitor_new (id);
  m->has_metrics = TRUE;
  m->id_token = g_strdup (v[NTPMON_SELECTOR_COL_ID_TOKEN]);
  m->tls_name = g_strdup (v[NTPMON_SELECTOR_COL_TLS_NAME]);
  m->ip = g_strdup (v[NTPMON_SELECTOR_COL_MONITOR_IP]);
  m->account_flags = g_strdup (v[NTPMON_SELECTOR_COL_ACCOUNT_FLAGS]);
  m->stored_violation_type = g_strdup (v[NTPMON_SELECTOR_COL_VIOLATION_TYPE]);
  m->pause_reason = g_strdup (v[NTPMON_SELECTOR_COL_PAUSE_REASON]);
  m->global_status
      = ntpmon_selector_global_status_from_string (v[NTPMON_SELECTOR_COL_MONITOR_STATUS]);
  m->status = ntpmon_selector_status_from_string (v[NTPMON_SELECTOR_COL_STATUS]);

  if (v[NTPMON_SELECTOR_COL_ACCOUNT_ID] != NULL)
    {
      if (!parse_int ("account_id", v[NTPMON_SELECTOR_COL_ACCOUNT_ID], &m->account_id, error))
        return NULL;
      m->has_account = TRUE;
    }
  if (v[NTPMON_SELECTOR_COL_AVG_RTT] != NULL
      && !parse_double ("avg_rtt", v[NTPMON_SELECTOR_COL_AVG_RTT], &m->rtt, error))
    return NULL;
  if (v[NTPMON_SELECTOR_COL_PRIORITY] == NULL)
    m->priority_is_null = TRUE;
  else if (!parse_double ("monitor_priority", v[NTPMON_SELECTOR_COL_PRIORITY], &priority, error))
    return NULL;
  else
    m->priority = (gint64)priority;
  if (v[NTPMON_SELECTOR_COL_HEALTHY] != NULL
      && !parse_int ("healthy", v[NTPMON_SELECTOR_COL_HEALTHY], &healthy, error))
    return NULL;
  m->healthy = healthy > 0 && m->priority >= 0;
  if (v[NTPMON_SELECTOR_COL_COUNT] != NULL
      && !parse_int ("count", v[NTPMON_SELECTOR_COL_COUNT], &m->count, error))
    return NULL;
  if (!parse_optional_datetime (v[NTPMON_SELECTOR_COL_VIOLATION_SINCE], &m->stored_violation_since,
                                error)
      || !parse_optional_datetime (v[NTPMON_SELECTOR_COL_LAST_CHECK], &m->last_constraint_check,
                                   error))
    return NULL;
  return g_steal_pointer (&m);
}
