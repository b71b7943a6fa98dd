/* ntpmon-selector-review.c: review outcome records
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-review.h"

void
ntpmon_selector_violation_update_free (NtpmonSelectorViolationUpdate *update)
{
  if (update == NULL)
    return;
  g_free (update->type);
  g_clear_pointer (&update->since, g_date_time_unref);
  g_free (update);
}

NtpmonSelectorReview *
ntpmon_selector_review_new (void)
{
  NtpmonSelectorReview *review = g_new0 (NtpmonSelectorReview, 1);

  review->evaluated = g_ptr_array_new ();
  review->changes = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_change_free);
  review->updates
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_violation_update_free);
  review->checked = g_array_new (FALSE, FALSE, sizeof (gint64));
  review->events = g_array_new (FALSE, FALSE, sizeof (NtpmonSelectorViolationEvent));
  return review;
}

void
ntpmon_selector_review_free (NtpmonSelectorReview *review)
{
  if (review == NULL)
    return;
  g_ptr_array_unref (review->evaluated);
  g_ptr_array_unref (review->changes);
  g_ptr_array_unref (review->updates);
  g_array_unref (review->checked);
  g_array_unref (review->events);
  g_free (review);
}

void
ntpmon_selector_add_event (GArray *events, gint64 monitor_id, const gchar *type, guint count)
{
  NtpmonSelectorViolationEvent event = { monitor_id, type, count };

  if (events != NULL)
    g_array_append_val (events, event);
}
