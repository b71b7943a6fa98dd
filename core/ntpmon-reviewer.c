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

/**
 * ntpmon_reviewer_review_each:
 * @server_ids: (array length=n_servers): the servers, reviewed in this order
 * @func: called after each server with its outcome or the error of its
 *   review; returning FALSE stops
 *
 * Reviews the servers one after the other as ntpmon_reviewer_review()
 * would, in one transaction of the caller. A failing review does not stop
 * the others (spec/selector.md §3.1 step 3); only @func can stop.
 *
 * Returns: FALSE with @error when @func stopped
 */
gboolean
ntpmon_reviewer_review_each (NtpmonReviewer *self, NtpmonDbConn *conn, const gint64 *server_ids,
                             guint n_servers, gboolean write, NtpmonReviewEachFunc func,
                             gpointer user_data, GError **error)
{
  NtpmonReviewerInterface *iface;

  g_return_val_if_fail (NTPMON_IS_REVIEWER (self), FALSE);
  iface = NTPMON_REVIEWER_GET_IFACE (self);
  if (iface->review_each != NULL)
    return iface->review_each (self, conn, server_ids, n_servers, write, func, user_data, error);
  for (guint i = 0; i < n_servers; i++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (NtpmonReviewResult) result
          = iface->review (self, conn, server_ids[i], write, &local);

      if (!func (server_ids[i], result, local, user_data, error))
        return FALSE;
    }
  return TRUE;
}
