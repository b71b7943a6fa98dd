/* ntpmon-selector-monitor.h: one monitor of the server under review
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

#include "ntpmon-constraint.h"

G_BEGIN_DECLS

/**
 * NtpmonSelectorStatus:
 *
 * `server_scores.status`; @NTPMON_SELECTOR_STATUS_NONE is a NULL column (the
 * row is missing), which the rules treat as candidate.
 */
typedef enum
{
  NTPMON_SELECTOR_STATUS_NONE,
  NTPMON_SELECTOR_STATUS_CANDIDATE,
  NTPMON_SELECTOR_STATUS_TESTING,
  NTPMON_SELECTOR_STATUS_ACTIVE,
  NTPMON_SELECTOR_STATUS_PAUSED,
} NtpmonSelectorStatus;

/**
 * NtpmonSelectorGlobalStatus:
 *
 * `monitors.status`; @NTPMON_SELECTOR_GLOBAL_UNKNOWN is any other value.
 */
typedef enum
{
  NTPMON_SELECTOR_GLOBAL_UNKNOWN,
  NTPMON_SELECTOR_GLOBAL_PENDING,
  NTPMON_SELECTOR_GLOBAL_TESTING,
  NTPMON_SELECTOR_GLOBAL_ACTIVE,
  NTPMON_SELECTOR_GLOBAL_PAUSED,
  NTPMON_SELECTOR_GLOBAL_DELETED,
} NtpmonSelectorGlobalStatus;

/**
 * NtpmonSelectorDisposition:
 *
 * What the rules should do with a monitor (selector.md §2.3, §8).
 */
typedef enum
{
  NTPMON_SELECTOR_DISPOSITION_UNKNOWN,
  NTPMON_SELECTOR_DISPOSITION_IN,
  NTPMON_SELECTOR_DISPOSITION_OUT,
  NTPMON_SELECTOR_DISPOSITION_BLOCK,
  NTPMON_SELECTOR_DISPOSITION_PENDING,
} NtpmonSelectorDisposition;

/**
 * NtpmonSelectorMonitor:
 *
 * One row of the monitor query (selector.md §4.2) turned into the record of
 * §4.3. The same records serve as the "assigned rows" (their @status is the
 * database status). The DB layer fills the input fields; the engine fills
 * @violation, @violation_unchangeable and @disposition.
 */
struct _NtpmonSelectorMonitor
{
  gint64 id;
  gchar *id_token; /* metric labels only */
  gchar *tls_name;
  gboolean has_account;
  gint64 account_id;
  gchar *account_flags; /* accounts.flags JSON, NULL when NULL */
  gchar *ip;            /* NULL or "" when unknown */
  NtpmonSelectorGlobalStatus global_status;
  NtpmonSelectorStatus status; /* database server status */
  gboolean has_metrics;        /* TRUE for database rows */
  gboolean healthy;            /* healthy > 0 and priority >= 0 */
  gdouble rtt;                 /* informational */
  gboolean priority_is_null;   /* all RTTs NULL: the review fails */
  gint64 priority;
  gint64 count;
  gchar *stored_violation_type; /* nullable */
  GDateTime *stored_violation_since;
  GDateTime *last_constraint_check;
  gchar *pause_reason; /* nullable */

  /* set by the engine */
  const gchar *violation; /* interned type string or NULL */
  gboolean violation_unchangeable;
  NtpmonSelectorDisposition disposition;
};

NtpmonSelectorMonitor *ntpmon_selector_monitor_new (gint64 id);
void ntpmon_selector_monitor_free (NtpmonSelectorMonitor *monitor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonSelectorMonitor, ntpmon_selector_monitor_free)

/* accessors used by constraints */
gint64 ntpmon_selector_monitor_get_id (const NtpmonSelectorMonitor *monitor);
const gchar *ntpmon_selector_monitor_get_ip (const NtpmonSelectorMonitor *monitor);
gboolean ntpmon_selector_monitor_get_account (const NtpmonSelectorMonitor *monitor,
                                              gint64 *account_id);
NtpmonSelectorStatus ntpmon_selector_monitor_get_db_status (const NtpmonSelectorMonitor *monitor);
NtpmonSelectorStatus ntpmon_selector_monitor_get_status (const NtpmonSelectorMonitor *monitor);
gint64 ntpmon_selector_monitor_get_priority (const NtpmonSelectorMonitor *monitor);

const gchar *ntpmon_selector_status_to_string (NtpmonSelectorStatus status);
NtpmonSelectorStatus ntpmon_selector_status_from_string (const gchar *text);
NtpmonSelectorGlobalStatus ntpmon_selector_global_status_from_string (const gchar *text);
const gchar *ntpmon_selector_disposition_to_string (NtpmonSelectorDisposition disposition);

/**
 * NtpmonSelectorChange:
 *
 * One status change decided by the rules (selector.md §2.6).
 */
typedef struct
{
  gint64 monitor_id;
  NtpmonSelectorStatus from;
  NtpmonSelectorStatus to;
  gchar *reason;
} NtpmonSelectorChange;

NtpmonSelectorChange *ntpmon_selector_change_new (gint64 monitor_id, NtpmonSelectorStatus from,
                                                  NtpmonSelectorStatus to, const gchar *reason);
void ntpmon_selector_change_free (NtpmonSelectorChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonSelectorChange, ntpmon_selector_change_free)

G_END_DECLS
