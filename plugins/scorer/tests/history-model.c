/* history-model.c: an in-memory model of `GetScorerRecentScores` for tests
 *
 * For each monitor whose current status for the server is one of the two
 * given ones: its rows at the greatest ts within [T − lookback, T]; all
 * rows ordered by ts (ties in insertion order).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "history-model.h"

struct _NtpmonHistoryModel
{
  GArray *rows;        /* NtpmonLogScore, attributes unused */
  GHashTable *status;  /* "monitor/server" → status */
  gchar *fail_message; /* non-NULL: queries fail */
  guint queries;
};

NtpmonHistoryModel *
ntpmon_history_model_new (void)
{
  NtpmonHistoryModel *self = g_new0 (NtpmonHistoryModel, 1);

  self->rows = g_array_new (FALSE, TRUE, sizeof (NtpmonLogScore));
  self->status = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
ntpmon_history_model_free (NtpmonHistoryModel *self)
{
  g_array_unref (self->rows);
  g_hash_table_unref (self->status);
  g_free (self->fail_message);
  g_free (self);
}

static gchar *
status_key (guint32 monitor_id, guint32 server_id)
{
  return g_strdup_printf ("%u/%u", monitor_id, server_id);
}

void
ntpmon_history_model_set_status (NtpmonHistoryModel *self, guint32 monitor_id, guint32 server_id,
                                 const gchar *status)
{
  g_hash_table_replace (self->status, status_key (monitor_id, server_id), g_strdup (status));
}

void
ntpmon_history_model_add (NtpmonHistoryModel *self, guint64 id, guint32 monitor_id,
                          guint32 server_id, gint64 ts, gdouble score, gint32 rtt)
{
  NtpmonLogScore row = { 0 };

  row.id = id;
  row.monitor_id = monitor_id;
  row.server_id = server_id;
  row.ts = ts;
  row.score = score;
  row.step = score / 20;
  row.has_rtt = TRUE;
  row.rtt = rtt;
  g_array_append_val (self->rows, row);
}

void
ntpmon_history_model_fail (NtpmonHistoryModel *self, const gchar *message)
{
  g_free (self->fail_message);
  self->fail_message = g_strdup (message);
}

guint
ntpmon_history_model_queries (NtpmonHistoryModel *self)
{
  return self->queries;
}

static gboolean
status_matches (NtpmonHistoryModel *self, guint32 monitor_id, guint32 server_id, const gchar *s1,
                const gchar *s2)
{
  g_autofree gchar *key = status_key (monitor_id, server_id);
  const gchar *status = g_hash_table_lookup (self->status, key);

  return status != NULL && (g_str_equal (status, s1) || g_str_equal (status, s2));
}

static gint
by_ts (gconstpointer a, gconstpointer b)
{
  const NtpmonLogScore *ra = *(NtpmonLogScore *const *)a;
  const NtpmonLogScore *rb = *(NtpmonLogScore *const *)b;

  return ra->ts < rb->ts ? -1 : (ra->ts > rb->ts ? 1 : 0);
}

gboolean
ntpmon_history_model_fetch (NtpmonDbConn *db, guint32 server_id, gint64 ts, gint lookback_seconds,
                            const gchar *status1, const gchar *status2, GPtrArray *rows_out,
                            gpointer user_data, GError **error)
{
  NtpmonHistoryModel *self = user_data;
  g_autoptr (GHashTable) latest
      = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);

  self->queries++;
  if (self->fail_message != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, self->fail_message);
      return FALSE;
    }
  /* the greatest ts per eligible monitor within the window */
  for (guint i = 0; i < self->rows->len; i++)
    {
      const NtpmonLogScore *r = &g_array_index (self->rows, NtpmonLogScore, i);
      gint64 *max;

      if (r->server_id != server_id || r->ts > ts || r->ts < ts - lookback_seconds
          || !status_matches (self, r->monitor_id, server_id, status1, status2))
        continue;
      max = g_hash_table_lookup (latest, GUINT_TO_POINTER (r->monitor_id));
      if (max == NULL)
        {
          max = g_new (gint64, 1);
          *max = r->ts;
          g_hash_table_insert (latest, GUINT_TO_POINTER (r->monitor_id), max);
        }
      else if (r->ts > *max)
        *max = r->ts;
    }
  for (guint i = 0; i < self->rows->len; i++)
    {
      const NtpmonLogScore *r = &g_array_index (self->rows, NtpmonLogScore, i);
      gint64 *max = g_hash_table_lookup (latest, GUINT_TO_POINTER (r->monitor_id));
      NtpmonLogScore *copy;

      if (r->server_id != server_id || max == NULL || *max != r->ts)
        continue;
      copy = g_new0 (NtpmonLogScore, 1);
      *copy = *r;
      copy->attributes = NULL;
      g_ptr_array_add (rows_out, copy);
    }
  g_ptr_array_sort (rows_out, by_ts); /* stable */
  return TRUE;
}
