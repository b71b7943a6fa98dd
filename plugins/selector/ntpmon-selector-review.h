/* ntpmon-selector-review.h: the outcome of reviewing one server, and its SQL
 *
 * The engine is pure: the DB layer runs NTPMON_SELECTOR_SQL_GET_SERVER and
 * NTPMON_SELECTOR_SQL_GET_MONITORS, fills an NtpmonSelectorContext (one
 * NtpmonSelectorMonitor per row, in row order), calls
 * ntpmon_selector_engine_review(), then writes the review back in this order
 * (selector.md §10):
 *
 * 1. each change: NTPMON_SELECTOR_SQL_SET_STATUS (to, monitor, server); an
 *    error is logged and counted as failed, the rest continue;
 * 2. each violation update: NTPMON_SELECTOR_SQL_CLEAR_VIOLATION when @type is
 *    NULL, else NTPMON_SELECTOR_SQL_SET_VIOLATION (type, since, monitor,
 *    server); then when @pause: NTPMON_SELECTOR_SQL_SET_STATUS ('paused') and
 *    NTPMON_SELECTOR_SQL_SET_PAUSE_REASON ('constraint'). An error skips the
 *    rest of that update;
 * 3. each id of @checked: NTPMON_SELECTOR_SQL_SET_CHECKED;
 * 4. the review schedule: NTPMON_SELECTOR_SQL_REVIEWED_CHANGED (next review
 *    in 60 min) when at least one change of step 1 succeeded, else
 *    NTPMON_SELECTOR_SQL_REVIEWED (20 min).
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

#include "ntpmon-selector-monitor.h"

G_BEGIN_DECLS

#define NTPMON_SELECTOR_SQL_DUE_SERVERS                                                            \
  "SELECT server_id FROM servers_monitor_review WHERE next_review <= NOW() OR next_review IS "     \
  "NULL ORDER BY next_review LIMIT 10"

#define NTPMON_SELECTOR_SQL_GET_SERVER "SELECT ip, account_id FROM servers WHERE id = ?"

/* GetMonitorPriority (selector.md §4.2) as the spec writes it: one GROUP BY
 * over the joined rows, whose key includes accounts.flags (a JSON, that is
 * LONGTEXT, column). The temporary table of that GROUP BY holds a BLOB, so
 * MariaDB cannot keep it in memory; the query costs ~4 ms per server. Kept
 * for the benchmark and the test that NTPMON_SELECTOR_SQL_GET_MONITORS
 * returns the same rows. */
#define NTPMON_SELECTOR_SQL_GET_MONITORS_SPEC                                                      \
  "SELECT m.id, m.id_token, m.tls_name, m.account_id, m.ip AS monitor_ip, "                        \
  "AVG(ls.rtt)/1000 AS avg_rtt, "                                                                  \
  "0+ROUND((AVG(ls.rtt)/1000) * (1 + (2 * (1 - AVG(ls.step))))) AS monitor_priority, "             \
  "AVG(ls.step) AS avg_step, IF(AVG(ls.step) < 0, false, true) AS healthy, "                       \
  "m.status AS monitor_status, ss.status AS status, COUNT(*) AS count, a.flags AS account_flags, " \
  "ss.constraint_violation_type, ss.constraint_violation_since, ss.last_constraint_check, "        \
  "ss.pause_reason "                                                                               \
  "FROM log_scores ls INNER JOIN monitors m "                                                      \
  "LEFT JOIN server_scores ss ON (ss.server_id = ls.server_id AND ss.monitor_id = ls.monitor_id) " \
  "LEFT JOIN accounts a ON (m.account_id = a.id) "                                                 \
  "WHERE m.id = ls.monitor_id AND ls.server_id = ? AND m.type = 'monitor' "                        \
  "AND ls.ts > DATE_SUB(NOW(), INTERVAL 24 HOUR) "                                                 \
  "GROUP BY m.id, m.id_token, m.tls_name, m.account_id, m.ip, m.status, ss.status, a.flags, "      \
  "ss.constraint_violation_type, ss.constraint_violation_since, ss.last_constraint_check, "        \
  "ss.pause_reason "                                                                               \
  "ORDER BY healthy DESC, monitor_priority, avg_step DESC, avg_rtt"

/* The rows of NTPMON_SELECTOR_SQL_GET_MONITORS_SPEC, computed differently:
 * the log_scores rows are aggregated per monitor first (the same
 * expressions over the same rows), then joined with the monitor, its
 * server_scores row and its account. The spec's GROUP BY key is the monitor
 * plus columns that depend on it alone (server_scores is unique per server
 * and monitor, a monitor has one account), so the groups are the same. The
 * ORDER BY keys are the spec's; the monitor id breaks remaining ties, one of
 * the orders the spec allows ("whatever order the database returns"), so
 * a server's rows come in the same order whether it is loaded alone or with
 * others (NTPMON_SELECTOR_SQL_GET_MONITORS_MANY). */
#define NTPMON_SELECTOR_SQL_MONITORS_COLUMNS                                                       \
  "SELECT STRAIGHT_JOIN m.id, m.id_token, m.tls_name, m.account_id, m.ip AS monitor_ip, "          \
  "g.avg_rtt, "                                                                                    \
  "g.monitor_priority, g.avg_step, g.healthy, m.status AS monitor_status, ss.status AS status, "   \
  "g.count, a.flags AS account_flags, ss.constraint_violation_type, "                              \
  "ss.constraint_violation_since, ss.last_constraint_check, ss.pause_reason, g.server_id "         \
  "FROM (SELECT ls.server_id, ls.monitor_id, AVG(ls.rtt)/1000 AS avg_rtt, "                        \
  "0+ROUND((AVG(ls.rtt)/1000) * (1 + (2 * (1 - AVG(ls.step))))) AS monitor_priority, "             \
  "AVG(ls.step) AS avg_step, IF(AVG(ls.step) < 0, false, true) AS healthy, COUNT(*) AS count "     \
  "FROM log_scores ls WHERE ls.ts > DATE_SUB(NOW(), INTERVAL 24 HOUR) AND ls.server_id "
#define NTPMON_SELECTOR_SQL_MONITORS_JOIN                                                          \
  " GROUP BY ls.server_id, ls.monitor_id) g "                                                      \
  "INNER JOIN monitors m ON (m.id = g.monitor_id) "                                                \
  "LEFT JOIN server_scores ss ON (ss.server_id = g.server_id AND ss.monitor_id = g.monitor_id) "   \
  "LEFT JOIN accounts a ON (m.account_id = a.id) "                                                 \
  "WHERE m.type = 'monitor' "                                                                      \
  "ORDER BY g.server_id, g.healthy DESC, g.monitor_priority, g.avg_step DESC, g.avg_rtt, "         \
  "g.monitor_id"
/* One server: bind its id. Its 18th column is the server id. */
#define NTPMON_SELECTOR_SQL_GET_MONITORS                                                           \
  NTPMON_SELECTOR_SQL_MONITORS_COLUMNS "= ?" NTPMON_SELECTOR_SQL_MONITORS_JOIN
/* Up to ten servers: bind ten ids (repeat one to fill). */
#define NTPMON_SELECTOR_SQL_IN_10 "IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define NTPMON_SELECTOR_SQL_GET_MONITORS_MANY                                                      \
  NTPMON_SELECTOR_SQL_MONITORS_COLUMNS NTPMON_SELECTOR_SQL_IN_10 NTPMON_SELECTOR_SQL_MONITORS_JOIN
#define NTPMON_SELECTOR_SQL_GET_SERVERS_MANY                                                       \
  "SELECT id, ip, account_id FROM servers WHERE id " NTPMON_SELECTOR_SQL_IN_10

#define NTPMON_SELECTOR_SQL_SET_STATUS                                                             \
  "UPDATE server_scores SET status = ? WHERE monitor_id = ? AND server_id = ?"
/* §10.1 for several monitors: [[monitor_id, "status"], ...], one entry per
 * monitor; the server's row of each through the (server_id, monitor_id) key */
#define NTPMON_SELECTOR_SQL_SET_STATUSES                                                           \
  "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (m int unsigned PATH '$[0]',"                               \
  " st varchar(16) CHARACTER SET ascii PATH '$[1]')) AS v"                                         \
  " STRAIGHT_JOIN server_scores ss FORCE INDEX (server_id)"                                        \
  " ON ss.server_id = ? AND ss.monitor_id = v.m SET ss.status = v.st"
#define NTPMON_SELECTOR_SQL_SET_VIOLATION                                                          \
  "UPDATE server_scores SET constraint_violation_type = ?, constraint_violation_since = ? "        \
  "WHERE monitor_id = ? AND server_id = ?"
#define NTPMON_SELECTOR_SQL_CLEAR_VIOLATION                                                        \
  "UPDATE server_scores SET constraint_violation_type = NULL, constraint_violation_since = NULL, " \
  "last_constraint_check = NOW(), pause_reason = NULL WHERE monitor_id = ? AND server_id = ?"
#define NTPMON_SELECTOR_SQL_SET_PAUSE_REASON                                                       \
  "UPDATE server_scores SET pause_reason = 'constraint', last_constraint_check = NOW() "           \
  "WHERE monitor_id = ? AND server_id = ?"
#define NTPMON_SELECTOR_SQL_SET_CHECKED                                                            \
  "UPDATE server_scores SET last_constraint_check = NOW() WHERE monitor_id = ? AND server_id = ?"
#define NTPMON_SELECTOR_SQL_REVIEWED_CHANGED                                                       \
  "UPDATE servers_monitor_review SET last_review = NOW(), last_change = NOW(), next_review = ? "   \
  "WHERE server_id = ?"
#define NTPMON_SELECTOR_SQL_REVIEWED                                                               \
  "UPDATE servers_monitor_review SET last_review = NOW(), next_review = ? WHERE server_id = ?"

#define NTPMON_SELECTOR_NEXT_REVIEW_CHANGED_MINUTES 60
#define NTPMON_SELECTOR_NEXT_REVIEW_MINUTES         20

/**
 * NtpmonSelectorViolationUpdate:
 * @type: (nullable): the violation type to store, NULL to clear
 * @since: (nullable): constraint_violation_since to store with @type
 * @pause: also pause the monitor (unchangeable violation)
 */
typedef struct
{
  gint64 monitor_id;
  gchar *type;
  GDateTime *since;
  gboolean pause;
} NtpmonSelectorViolationUpdate;

/**
 * NtpmonSelectorViolationEvent:
 *
 * One increment of `selector_constraint_violations_total` (selector.md §11).
 */
typedef struct
{
  gint64 monitor_id;
  const gchar *type; /* static string */
  guint count;
} NtpmonSelectorViolationEvent;

/**
 * NtpmonSelectorReview:
 * @evaluated: (element-type NtpmonSelectorMonitor): the monitors with their
 *   evaluated violation and disposition, in row order (borrowed from the context)
 * @changes: (element-type NtpmonSelectorChange): ordered status changes
 * @updates: (element-type NtpmonSelectorViolationUpdate): violation tracking
 * @checked: (element-type gint64): paused monitors whose check time to renew
 * @events: (element-type NtpmonSelectorViolationEvent): metric increments
 */
typedef struct
{
  GPtrArray *evaluated;
  GPtrArray *changes;
  GPtrArray *updates;
  GArray *checked;
  GArray *events;
} NtpmonSelectorReview;

NtpmonSelectorReview *ntpmon_selector_review_new (void);
void ntpmon_selector_review_free (NtpmonSelectorReview *review);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonSelectorReview, ntpmon_selector_review_free)

void ntpmon_selector_violation_update_free (NtpmonSelectorViolationUpdate *update);
void ntpmon_selector_add_event (GArray *events, gint64 monitor_id, const gchar *type, guint count);

G_END_DECLS
