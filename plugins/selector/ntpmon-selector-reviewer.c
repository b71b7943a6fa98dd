/* ntpmon-selector-reviewer.c: one server's review against the database
 *
 * Loads the server and the monitor rows (selector.md §4), runs the engine
 * and writes the outcome back in the order of §10 (see
 * ntpmon-selector-review.h). The caller owns the transaction and the
 * review schedule (§3.1 step 4).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-db.h"
#include "ntpmon-selector-loader.h"
#include "ntpmon-selector-reviewer.h"

#define NTPMON_TYPE_SELECTOR_REVIEWER (ntpmon_selector_reviewer_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonSelectorReviewer, ntpmon_selector_reviewer, NTPMON, SELECTOR_REVIEWER,
                      GObject)

struct _NtpmonSelectorReviewer
{
  GObject parent_instance;
  NtpmonSelectorEngine *engine;
};

static void ntpmon_selector_reviewer_iface_init (NtpmonReviewerInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonSelectorReviewer, ntpmon_selector_reviewer, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_REVIEWER,
                                                               ntpmon_selector_reviewer_iface_init))

static gboolean
exec_ids (NtpmonDbConn *conn, const gchar *sql, gint64 monitor_id, gint64 server_id, GError **error)
{
  return ntpmon_db_conn_exec (conn, sql, NULL, error, "ii", monitor_id, server_id);
}

/* A stored since (read back from the database) is whole seconds already;
 * a new one is the application clock, rounded as MySQL would. */
static gint64
since_usec (GDateTime *since)
{
  return ntpmon_review_round_usec (g_date_time_to_unix (since) * G_USEC_PER_SEC
                                   + g_date_time_get_microsecond (since));
}

static gboolean
write_update (NtpmonDbConn *conn, gint64 server_id, const NtpmonSelectorViolationUpdate *u,
              GError **error)
{
  if (u->type == NULL)
    return exec_ids (conn, NTPMON_SELECTOR_SQL_CLEAR_VIOLATION, u->monitor_id, server_id, error);
  if (u->since != NULL
          ? !ntpmon_db_conn_exec (conn, NTPMON_SELECTOR_SQL_SET_VIOLATION, NULL, error, "sTii",
                                  u->type, since_usec (u->since), u->monitor_id, server_id)
          : !ntpmon_db_conn_exec (conn, NTPMON_SELECTOR_SQL_SET_VIOLATION, NULL, error, "stii",
                                  u->type, NULL, u->monitor_id, server_id))
    return FALSE;
  if (!u->pause)
    return TRUE;
  if (!ntpmon_db_conn_exec (conn, NTPMON_SELECTOR_SQL_SET_STATUS, NULL, error, "sii", "paused",
                            u->monitor_id, server_id))
    return FALSE;
  g_info ("paused monitor due to unchangeable constraint: server %" G_GINT64_FORMAT
          " monitor %" G_GINT64_FORMAT " (%s)",
          server_id, u->monitor_id, u->type);
  return exec_ids (conn, NTPMON_SELECTOR_SQL_SET_PAUSE_REASON, u->monitor_id, server_id, error);
}

/* The status changes of §10.1 in one statement: the last change of each
 * monitor is the one that counts ("the last write wins"). A statement that
 * fails changes nothing, and the caller then applies the changes one by one
 * so that a failure is told per change, as §10.1 has it. */
static gboolean
apply_changes_at_once (NtpmonDbConn *conn, gint64 server_id, GPtrArray *changes, GError **error)
{
  g_autoptr (GString) json = g_string_new ("[");
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = changes->len; i-- > 0;)
    {
      NtpmonReviewChange *c = changes->pdata[i];

      if (!g_hash_table_add (seen, &c->monitor_id))
        continue;
      /* statuses are fixed lower-case words: nothing to escape */
      g_string_append_printf (json, "%s[%" G_GINT64_FORMAT ",\"%s\"]", json->len > 1 ? "," : "",
                              c->monitor_id, c->to);
    }
  g_string_append_c (json, ']');
  return ntpmon_db_conn_exec (conn, NTPMON_SELECTOR_SQL_SET_STATUSES, NULL, error, "si", json->str,
                              server_id);
}

/* The fields go before MESSAGE: g_log_structured() takes the arguments
 * after MESSAGE's format as that format's arguments. @written: the change
 * was written already (by apply_changes_at_once()). */
static void
apply_change (NtpmonDbConn *conn, gint64 server_id, NtpmonReviewResult *result,
              NtpmonReviewChange *c, gboolean written)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *server = g_strdup_printf ("%" G_GINT64_FORMAT, server_id);
  g_autofree gchar *monitor = g_strdup_printf ("%" G_GINT64_FORMAT, c->monitor_id);

  c->applied = written
               || ntpmon_db_conn_exec (conn, NTPMON_SELECTOR_SQL_SET_STATUS, NULL, &error, "sii",
                                       c->to, c->monitor_id, server_id);
  if (c->applied)
    {
      result->n_applied++;
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "SERVER_ID", server, "MONITOR_ID", monitor,
                        "FROM", c->from, "TO", c->to, "REASON", c->reason, "MESSAGE",
                        "applied status change");
    }
  else
    {
      result->n_failed++;
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "SERVER_ID", server, "MONITOR_ID",
                        monitor, "ERROR", error->message, "MESSAGE",
                        "failed to apply status change: server %s monitor %s: %s", server, monitor,
                        error->message);
    }
}

static const NtpmonSelectorMonitor *
find_monitor (NtpmonSelectorReview *review, gint64 id)
{
  for (guint k = 0; k < review->evaluated->len; k++)
    if (((NtpmonSelectorMonitor *)review->evaluated->pdata[k])->id == id)
      return review->evaluated->pdata[k];
  return NULL;
}

/* The figures of selector.md §11 (statuses as in the database before). */
static void
count_monitors (NtpmonSelectorReview *review, NtpmonReviewResult *result)
{
  result->n_monitors = review->evaluated->len;
  for (guint i = 0; i < review->evaluated->len; i++)
    {
      const NtpmonSelectorMonitor *m = review->evaluated->pdata[i];

      result->n_paused += m->status == NTPMON_SELECTOR_STATUS_PAUSED;
      result->n_active += m->status == NTPMON_SELECTOR_STATUS_ACTIVE;
      result->n_testing += m->status == NTPMON_SELECTOR_STATUS_TESTING;
      result->n_candidate += m->status == NTPMON_SELECTOR_STATUS_CANDIDATE;
      result->n_globally_active += m->global_status == NTPMON_SELECTOR_GLOBAL_ACTIVE;
    }
  for (guint i = 0; i < review->events->len; i++)
    {
      const NtpmonSelectorViolationEvent *e
          = &g_array_index (review->events, NtpmonSelectorViolationEvent, i);
      const NtpmonSelectorMonitor *m = find_monitor (review, e->monitor_id);
      NtpmonReviewViolation *v = g_new0 (NtpmonReviewViolation, 1);

      v->monitor_id_token = g_strdup (m ? m->id_token : NULL);
      v->monitor_tls_name = g_strdup (m ? m->tls_name : NULL);
      v->type = g_strdup (e->type);
      v->count = e->count;
      g_ptr_array_add (result->violations, v);
      result->n_violations += e->count;
    }
}

/* The pipeline of selector.md §6 from step 2 on, for a loaded server. */
static NtpmonReviewResult *
review_context (NtpmonSelectorEngine *engine, NtpmonDbConn *conn, NtpmonSelectorContext *ctx,
                gboolean write, GError **error)
{
  gint64 server_id = ctx->server_id;
  g_autoptr (NtpmonSelectorReview) review = NULL;
  g_autoptr (NtpmonReviewResult) result = NULL;
  gboolean written = FALSE;

  review = ntpmon_selector_engine_review (engine, ctx, NULL, error);
  if (review == NULL)
    return NULL;

  result = ntpmon_review_result_new ();
  count_monitors (review, result);
  for (guint i = 0; i < review->changes->len; i++)
    {
      const NtpmonSelectorChange *sc = review->changes->pdata[i];
      NtpmonReviewChange *c = g_new0 (NtpmonReviewChange, 1);
      const NtpmonSelectorMonitor *m;

      c->monitor_id = sc->monitor_id;
      /* a missing server_scores row counts as candidate (§2.2) */
      c->from = g_strdup (ntpmon_selector_status_to_string (
          sc->from == NTPMON_SELECTOR_STATUS_NONE ? NTPMON_SELECTOR_STATUS_CANDIDATE : sc->from));
      c->to = g_strdup (ntpmon_selector_status_to_string (sc->to));
      c->reason = g_strdup (sc->reason);
      m = find_monitor (review, sc->monitor_id);
      c->monitor_id_token = g_strdup (m ? m->id_token : NULL);
      c->monitor_tls_name = g_strdup (m ? m->tls_name : NULL);
      g_ptr_array_add (result->changes, c);
    }
  if (!write)
    {
      result->changed = result->changes->len > 0;
      return g_steal_pointer (&result);
    }

  if (result->changes->len > 1)
    {
      g_autoptr (GError) local = NULL;

      written = apply_changes_at_once (conn, server_id, result->changes, &local);
      /* the server rolled the transaction back: the caller retries it */
      if (!written && g_error_matches (local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DEADLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (!written)
        g_info ("server %" G_GINT64_FORMAT ": status changes at once failed, one by one: %s",
                server_id, local->message);
    }
  for (guint i = 0; i < result->changes->len; i++)
    apply_change (conn, server_id, result, result->changes->pdata[i], written);
  for (guint i = 0; i < review->updates->len; i++)
    {
      g_autoptr (GError) local = NULL;

      if (!write_update (conn, server_id, review->updates->pdata[i], &local))
        g_critical ("server %" G_GINT64_FORMAT ": failed to track constraint violation: %s",
                    server_id, local->message);
    }
  for (guint i = 0; i < review->checked->len; i++)
    {
      g_autoptr (GError) local = NULL;

      if (!exec_ids (conn, NTPMON_SELECTOR_SQL_SET_CHECKED,
                     g_array_index (review->checked, gint64, i), server_id, &local))
        g_critical ("server %" G_GINT64_FORMAT ": failed to update constraint check time: %s",
                    server_id, local->message);
    }
  result->changed = result->n_applied > 0;
  g_info ("server processing complete: server %" G_GINT64_FORMAT
          " evaluatedMonitors=%u pausedMonitors=%u plannedChanges=%u appliedChanges=%u "
          "failedChanges=%u",
          server_id, result->n_monitors, result->n_paused, result->changes->len, result->n_applied,
          result->n_failed);
  return g_steal_pointer (&result);
}

/**
 * ntpmon_selector_review_server:
 * @engine: the rule engine with the enabled constraints
 * @conn: the connection (the caller's transaction)
 * @write: apply the decisions (status changes, tracking, check times)
 *
 * The pipeline of selector.md §6 against the database. A status change
 * whose UPDATE fails is logged and counted; the review goes on.
 *
 * Returns: (transfer full) (nullable): the outcome, NULL with @error when
 *   the server or a monitor row cannot be loaded
 */
NtpmonReviewResult *
ntpmon_selector_review_server (NtpmonSelectorEngine *engine, NtpmonDbConn *conn, gint64 server_id,
                               gboolean write, GError **error)
{
  g_autoptr (NtpmonSelectorContext) ctx = ntpmon_selector_load_context (conn, server_id, error);

  return ctx != NULL ? review_context (engine, conn, ctx, write, error) : NULL;
}

/**
 * ntpmon_selector_review_servers:
 * @server_ids: (array length=n_servers): reviewed in this order
 * @func: called after each server
 *
 * The reviews of ntpmon_selector_review_server() for several servers in
 * one transaction of the caller, with their inputs read up front
 * (ntpmon_selector_prefetch(), which explains why that gives the same
 * decisions). When the prefetch fails each server is loaded alone.
 *
 * Returns: FALSE with @error when @func stopped
 */
gboolean
ntpmon_selector_review_servers (NtpmonSelectorEngine *engine, NtpmonDbConn *conn,
                                const gint64 *server_ids, guint n_servers, gboolean write,
                                NtpmonReviewEachFunc func, gpointer user_data, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (NtpmonSelectorPrefetch) prefetch
      = ntpmon_selector_prefetch (conn, server_ids, n_servers, &local);

  if (prefetch == NULL)
    g_info ("selector: reading %u servers at once failed, reading one by one: %s", n_servers,
            local->message);
  for (guint i = 0; i < n_servers; i++)
    {
      g_autoptr (GError) failed = NULL;
      g_autoptr (NtpmonSelectorContext) ctx
          = ntpmon_selector_prefetch_take (prefetch, conn, server_ids[i], &failed);
      g_autoptr (NtpmonReviewResult) result
          = ctx != NULL ? review_context (engine, conn, ctx, write, &failed) : NULL;

      if (!func (server_ids[i], result, failed, user_data, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
no_engine (NtpmonSelectorReviewer *self, GError **error)
{
  if (self->engine != NULL)
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       "selector: no constraints set");
  return TRUE;
}

static void
ntpmon_selector_reviewer_set_constraints (NtpmonReviewer *reviewer, GPtrArray *constraints)
{
  NtpmonSelectorReviewer *self = NTPMON_SELECTOR_REVIEWER (reviewer);

  g_clear_object (&self->engine);
  self->engine = ntpmon_selector_engine_new (constraints, NTPMON_SELECTOR_FLAG_NONE);
}

static NtpmonReviewResult *
ntpmon_selector_reviewer_review (NtpmonReviewer *reviewer, NtpmonDbConn *conn, gint64 server_id,
                                 gboolean write, GError **error)
{
  NtpmonSelectorReviewer *self = NTPMON_SELECTOR_REVIEWER (reviewer);

  if (no_engine (self, error))
    return NULL;
  return ntpmon_selector_review_server (self->engine, conn, server_id, write, error);
}

static gboolean
ntpmon_selector_reviewer_review_each (NtpmonReviewer *reviewer, NtpmonDbConn *conn,
                                      const gint64 *server_ids, guint n_servers, gboolean write,
                                      NtpmonReviewEachFunc func, gpointer user_data, GError **error)
{
  NtpmonSelectorReviewer *self = NTPMON_SELECTOR_REVIEWER (reviewer);

  if (no_engine (self, error))
    return FALSE;
  return ntpmon_selector_review_servers (self->engine, conn, server_ids, n_servers, write, func,
                                         user_data, error);
}

static void
ntpmon_selector_reviewer_iface_init (NtpmonReviewerInterface *iface)
{
  iface->set_constraints = ntpmon_selector_reviewer_set_constraints;
  iface->review = ntpmon_selector_reviewer_review;
  iface->review_each = ntpmon_selector_reviewer_review_each;
}

static void
ntpmon_selector_reviewer_finalize (GObject *object)
{
  g_clear_object (&NTPMON_SELECTOR_REVIEWER (object)->engine);
  G_OBJECT_CLASS (ntpmon_selector_reviewer_parent_class)->finalize (object);
}

static void
ntpmon_selector_reviewer_class_init (NtpmonSelectorReviewerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_selector_reviewer_finalize;
}

static void
ntpmon_selector_reviewer_class_finalize (NtpmonSelectorReviewerClass *klass)
{
}

static void
ntpmon_selector_reviewer_init (NtpmonSelectorReviewer *self)
{
}

GType
ntpmon_selector_reviewer_register (GTypeModule *module)
{
  ntpmon_selector_reviewer_register_type (module);
  return NTPMON_TYPE_SELECTOR_REVIEWER;
}
