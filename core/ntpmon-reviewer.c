/* ntpmon-reviewer.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-reviewer.h"

G_DEFINE_INTERFACE (NtpmonReviewer, ntpmon_reviewer, G_TYPE_OBJECT)

static void
ntpmon_reviewer_default_init (NtpmonReviewerInterface *iface)
{
}

void
ntpmon_review_change_free (NtpmonReviewChange *change)
{
  if (change == NULL)
    return;
  g_free (change->from);
  g_free (change->to);
  g_free (change->reason);
  g_free (change->monitor_id_token);
  g_free (change->monitor_tls_name);
  g_free (change);
}

static void
violation_free (NtpmonReviewViolation *v)
{
  g_free (v->monitor_id_token);
  g_free (v->monitor_tls_name);
  g_free (v->type);
  g_free (v);
}

NtpmonReviewResult *
ntpmon_review_result_new (void)
{
  NtpmonReviewResult *result = g_new0 (NtpmonReviewResult, 1);

  result->changes = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_review_change_free);
  result->violations = g_ptr_array_new_with_free_func ((GDestroyNotify)violation_free);
  return result;
}

void
ntpmon_review_result_free (NtpmonReviewResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->changes);
  g_ptr_array_unref (result->violations);
  g_free (result);
}

void
ntpmon_reviewer_set_constraints (NtpmonReviewer *self, GPtrArray *constraints)
{
  g_return_if_fail (NTPMON_IS_REVIEWER (self));
  NTPMON_REVIEWER_GET_IFACE (self)->set_constraints (self, constraints);
}

/**
 * ntpmon_reviewer_review:
 * @conn: a connection, normally inside a transaction of the caller
 * @write: write the decisions back (FALSE: decide only)
 *
 * Returns: (transfer full) (nullable): the outcome; NULL with @error when
 *   the server or its monitors cannot be loaded or a monitor row is unusable
 */
NtpmonReviewResult *
ntpmon_reviewer_review (NtpmonReviewer *self, NtpmonDbConn *conn, gint64 server_id, gboolean write,
                        GError **error)
{
  g_return_val_if_fail (NTPMON_IS_REVIEWER (self), NULL);
  return NTPMON_REVIEWER_GET_IFACE (self)->review (self, conn, server_id, write, error);
}
