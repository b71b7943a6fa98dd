/* ntpmon-reviewer.h: extension point "review one server's monitors"
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db-conn.h"

G_BEGIN_DECLS

/**
 * NtpmonReviewChange:
 * @monitor_id: the monitor
 * @from: `server_scores.status` before (the database status)
 * @to: the new status
 * @reason: why (the reference's reason text)
 * @applied: the UPDATE succeeded (only set when writing)
 * @monitor_id_token: (nullable): `monitors.id_token` (metric label)
 * @monitor_tls_name: (nullable): `monitors.tls_name` (metric label)
 *
 * One status change of a review, in decision order (spec/selector.md §2.6).
 */
typedef struct
{
  gint64 monitor_id;
  gchar *from;
  gchar *to;
  gchar *reason;
  gboolean applied;
  gchar *monitor_id_token;
  gchar *monitor_tls_name;
} NtpmonReviewChange;

void ntpmon_review_change_free (NtpmonReviewChange *change);

/**
 * NtpmonReviewViolation:
 *
 * One increment of `selector_constraint_violations_total` (selector.md §11).
 */
typedef struct
{
  gchar *monitor_id_token;
  gchar *monitor_tls_name;
  gchar *type;
  guint count;
} NtpmonReviewViolation;

/**
 * NtpmonReviewResult:
 * @changes: (element-type NtpmonReviewChange): the ordered status changes
 * @changed: at least one change was applied (write mode) or would be
 *   (dry run): what decides the next review time (spec/selector.md §3.1)
 * @n_monitors: monitors evaluated
 * @n_paused: monitors paused in the database before the review
 * @n_applied: changes applied
 * @n_failed: changes whose UPDATE failed
 * @n_violations: `selector_constraint_violations_total` increments
 * @violations: (element-type NtpmonReviewViolation): the same, by monitor
 * @n_globally_active: monitors whose `monitors.status` is active
 * @n_active: monitors active for the server before the review
 * @n_testing: monitors testing for the server before the review
 * @n_candidate: monitors candidate for the server before the review
 */
typedef struct
{
  GPtrArray *changes;
  gboolean changed;
  guint n_monitors;
  guint n_paused;
  guint n_applied;
  guint n_failed;
  guint n_violations;
  GPtrArray *violations;
  guint n_globally_active;
  guint n_active;
  guint n_testing;
  guint n_candidate;
} NtpmonReviewResult;

NtpmonReviewResult *ntpmon_review_result_new (void);

/**
 * ntpmon_review_round_usec:
 * @usec: a time of the application clock, in microseconds
 *
 * @usec rounded to whole seconds, halves up, as MySQL (the reference's
 * database) stores a fractional time in a `datetime` column. MariaDB
 * truncates instead, so times of the application clock are rounded before
 * they are sent (spec/scorer.md §15 item 18).
 */
static inline gint64
ntpmon_review_round_usec (gint64 usec)
{
  gint64 rest = usec % G_USEC_PER_SEC;

  if (rest < 0)
    rest += G_USEC_PER_SEC;
  return usec - rest + (rest >= G_USEC_PER_SEC / 2 ? G_USEC_PER_SEC : 0);
}
void ntpmon_review_result_free (NtpmonReviewResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonReviewResult, ntpmon_review_result_free)

/**
 * NtpmonReviewEachFunc:
 * @server_id: the server just reviewed
 * @result: (nullable): its outcome, NULL when its review failed
 * @review_error: (nullable): why the review failed (when @result is NULL)
 * @error: set it when returning FALSE
 *
 * Called after each server of ntpmon_reviewer_review_each(), before the
 * next server is reviewed. Return FALSE to stop.
 */
typedef gboolean (*NtpmonReviewEachFunc) (gint64 server_id, NtpmonReviewResult *result,
                                          const GError *review_error, gpointer user_data,
                                          GError **error);

#define NTPMON_TYPE_REVIEWER (ntpmon_reviewer_get_type ())
G_DECLARE_INTERFACE (NtpmonReviewer, ntpmon_reviewer, NTPMON, REVIEWER, GObject)

/**
 * NtpmonReviewerInterface:
 * @set_constraints: the enabled constraints (#NtpmonConstraint objects);
 *   a constraint not in the array takes no part in decisions
 * @review: load the server @server_id and its monitors through @conn,
 *   decide, and when @write is TRUE write the decisions back (status
 *   changes, violation tracking, check times; spec/selector.md §10). The
 *   caller owns the transaction and the review schedule. Runs on the
 *   caller's thread.
 * @review_each: (optional) review several servers in order, as @review
 *   each, calling a function after each; an implementation may read the
 *   inputs of all of them up front when that gives the same decisions. When
 *   NULL, @review is called for each server.
 */
struct _NtpmonReviewerInterface
{
  GTypeInterface g_iface;

  void (*set_constraints) (NtpmonReviewer *self, GPtrArray *constraints);
  NtpmonReviewResult *(*review) (NtpmonReviewer *self, NtpmonDbConn *conn, gint64 server_id,
                                 gboolean write, GError **error);
  gboolean (*review_each) (NtpmonReviewer *self, NtpmonDbConn *conn, const gint64 *server_ids,
                           guint n_servers, gboolean write, NtpmonReviewEachFunc func,
                           gpointer user_data, GError **error);
};

void ntpmon_reviewer_set_constraints (NtpmonReviewer *self, GPtrArray *constraints);
NtpmonReviewResult *ntpmon_reviewer_review (NtpmonReviewer *self, NtpmonDbConn *conn,
                                            gint64 server_id, gboolean write, GError **error);
gboolean ntpmon_reviewer_review_each (NtpmonReviewer *self, NtpmonDbConn *conn,
                                      const gint64 *server_ids, guint n_servers, gboolean write,
                                      NtpmonReviewEachFunc func, gpointer user_data,
                                      GError **error);

G_END_DECLS
