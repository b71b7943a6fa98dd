/* ntpmon-selector-runner.c: the monitor selector's runs (spec/selector.md §3)
 *
 * SPDX-License-Identifier: MIT
 *
 * A batch reviews the due servers of servers_monitor_review in one
 * transaction; `once SERVER_ID` reviews one server in one transaction;
 * `simulate` reviews one server in a transaction that is always rolled
 * back. The decisions come from an NtpmonReviewer (the selector plugin).
 */
#include "config.h"

#include <string.h>

#include "ntpmon-selector-runner.h"

/* Concurrent batches (ntpmon_selector_runner_run_batches()) skip the
 * servers another batch holds; the index keeps the scan, and so the row
 * locks, to the rows taken. */
#define SQL_DUE_SERVERS                                                                            \
  "SELECT server_id FROM servers_monitor_review FORCE INDEX (next_review) WHERE next_review <= "   \
  "NOW() OR next_review IS NULL ORDER BY next_review LIMIT 10 FOR UPDATE SKIP LOCKED"
#define SQL_REVIEWED_CHANGED                                                                       \
  "UPDATE servers_monitor_review SET last_review = NOW(), last_change = NOW(), next_review = ? "   \
  "WHERE server_id = ?"
#define SQL_REVIEWED                                                                               \
  "UPDATE servers_monitor_review SET last_review = NOW(), next_review = ? WHERE server_id = ?"
#define NEXT_REVIEW_CHANGED_MIN 60
#define NEXT_REVIEW_MIN         20

struct _NtpmonSelectorRunner
{
  GObject parent_instance;
  NtpmonDbConn *conn;
  NtpmonReviewer *reviewer;
  NtpmonSelectorRunnerStats stats;
  NtpmonMetrics *metrics; /* spec/selector.md §11, when set */
  NtpmonMetric *m_changes, *m_evaluated, *m_applied, *m_failed, *m_duration, *m_violations,
      *m_global, *m_pool;
};

G_DEFINE_FINAL_TYPE (NtpmonSelectorRunner, ntpmon_selector_runner, G_TYPE_OBJECT)

static void
ntpmon_selector_runner_finalize (GObject *object)
{
  g_clear_object (&NTPMON_SELECTOR_RUNNER (object)->reviewer);
  g_clear_pointer (&NTPMON_SELECTOR_RUNNER (object)->metrics, ntpmon_metrics_unref);
  G_OBJECT_CLASS (ntpmon_selector_runner_parent_class)->finalize (object);
}

static void
ntpmon_selector_runner_class_init (NtpmonSelectorRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_selector_runner_finalize;
}

static void
ntpmon_selector_runner_init (NtpmonSelectorRunner *self)
{
}

/**
 * ntpmon_selector_runner_new:
 * @conn: (transfer none): the connection; must outlive the runner
 * @reviewer: (transfer none): decides for one server
 */
NtpmonSelectorRunner *
ntpmon_selector_runner_new (NtpmonDbConn *conn, NtpmonReviewer *reviewer)
{
  NtpmonSelectorRunner *self = g_object_new (NTPMON_TYPE_SELECTOR_RUNNER, NULL);

  self->conn = conn;
  self->reviewer = g_object_ref (reviewer);
  return self;
}

void
ntpmon_selector_runner_get_stats (NtpmonSelectorRunner *self, NtpmonSelectorRunnerStats *out)
{
  *out = self->stats;
}

/**
 * ntpmon_selector_runner_set_metrics:
 *
 * Counts the reviews of `server` and `once` into @metrics (names and labels
 * of spec/selector.md §11); `simulate` counts nothing.
 */
void
ntpmon_selector_runner_set_metrics (NtpmonSelectorRunner *self, NtpmonMetrics *metrics)
{
  static const gdouble default_buckets[]
      = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
  const gchar *server_label[] = { "server_id", NULL };

  g_clear_pointer (&self->metrics, ntpmon_metrics_unref);
  self->metrics = ntpmon_metrics_ref (metrics);
  self->m_changes = ntpmon_metrics_counter (
      metrics, "selector_status_changes_total", "Monitor status changes applied by the selector",
      (const gchar *[]){ "monitor_id_token", "monitor_tls_name", "from_status", "to_status",
                         "server_id", "reason", NULL });
  self->m_evaluated = ntpmon_metrics_counter (metrics, "selector_monitors_evaluated_total",
                                              "Monitors evaluated per server", server_label);
  self->m_applied = ntpmon_metrics_counter (metrics, "selector_changes_applied_total",
                                            "Status changes applied per server", server_label);
  self->m_failed = ntpmon_metrics_counter (metrics, "selector_changes_failed_total",
                                           "Status changes that failed per server", server_label);
  self->m_violations = ntpmon_metrics_counter (
      metrics, "selector_constraint_violations_total", "Constraint violations found",
      (const gchar *[]){ "monitor_id_token", "monitor_tls_name", "constraint_type", "server_id",
                         NULL });
  self->m_global
      = ntpmon_metrics_gauge (metrics, "selector_globally_active_monitors",
                              "Evaluated monitors that are globally active", server_label);
  self->m_pool = ntpmon_metrics_gauge (metrics, "selector_monitor_pool_size",
                                       "Monitors by status before the review",
                                       (const gchar *[]){ "status", "server_id", NULL });
  /* registered and never set, as in the reference */
  ntpmon_metrics_gauge (metrics, "selector_constraint_blocked_monitors",
                        "Monitors blocked by constraints",
                        (const gchar *[]){ "constraint_type", "server_id", NULL });
  self->m_duration = ntpmon_metrics_histogram (metrics, "selector_process_duration_seconds",
                                               "Time to review one server", NULL, default_buckets,
                                               G_N_ELEMENTS (default_buckets));
}

static const gchar *
label (const gchar *value)
{
  return value != NULL && *value != '\0' ? value : "unknown";
}

typedef enum
{
  OP_ADD,
  OP_SET,
  OP_OBSERVE
} OpKind;

typedef struct
{
  OpKind kind;
  NtpmonMetric *metric;
  gchar **labels;
  gdouble value;
} MetricOp;

/* What the reviews of a transaction count, kept until it commits: a
 * transaction tried again (after a deadlock) counts once, and one rolled
 * back counts nothing, as it changed nothing. */
typedef struct
{
  NtpmonSelectorRunnerStats stats;
  GArray *ops; /* MetricOp */
} Tally;

static void
metric_op_clear (gpointer data)
{
  g_strfreev (((MetricOp *)data)->labels);
}

static void
tally_init (Tally *tally)
{
  memset (&tally->stats, 0, sizeof tally->stats);
  if (tally->ops == NULL)
    {
      tally->ops = g_array_new (FALSE, FALSE, sizeof (MetricOp));
      g_array_set_clear_func (tally->ops, metric_op_clear);
    }
  g_array_set_size (tally->ops, 0);
}

static void
tally_clear (Tally *tally)
{
  g_clear_pointer (&tally->ops, g_array_unref);
}

static void
tally_op (Tally *tally, OpKind kind, NtpmonMetric *metric, const gchar *const *labels,
          guint n_labels, gdouble value)
{
  MetricOp op = { kind, metric, g_new0 (gchar *, n_labels + 1), value };

  for (guint i = 0; i < n_labels; i++)
    op.labels[i] = g_strdup (labels[i] != NULL ? labels[i] : ""); /* as the metrics take NULL */
  g_array_append_val (tally->ops, op);
}

/* The transaction committed: its counts are the runner's. */
static void
tally_commit (NtpmonSelectorRunner *self, Tally *tally)
{
  NtpmonSelectorRunnerStats *to = &self->stats, *from = &tally->stats;

  to->servers += from->servers;
  to->failed_servers += from->failed_servers;
  to->monitors_evaluated += from->monitors_evaluated;
  to->changes_applied += from->changes_applied;
  to->changes_failed += from->changes_failed;
  to->violations += from->violations;
  for (guint i = 0; i < tally->ops->len; i++)
    {
      const MetricOp *op = &g_array_index (tally->ops, MetricOp, i);
      const gchar *const *labels = (const gchar *const *)op->labels;

      if (op->kind == OP_ADD)
        ntpmon_metric_add (op->metric, labels, op->value);
      else if (op->kind == OP_SET)
        ntpmon_metric_set (op->metric, labels, op->value);
      else
        ntpmon_metric_observe (op->metric, labels, op->value);
    }
}

static void
export_metrics (NtpmonSelectorRunner *self, Tally *tally, gint64 server_id,
                const NtpmonReviewResult *result, gdouble seconds)
{
  g_autofree gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, server_id);
  const gchar *server[] = { id };

  tally_op (tally, OP_ADD, self->m_evaluated, server, 1, result->n_monitors);
  tally_op (tally, OP_ADD, self->m_applied, server, 1, result->n_applied);
  tally_op (tally, OP_ADD, self->m_failed, server, 1, result->n_failed);
  tally_op (tally, OP_OBSERVE, self->m_duration, NULL, 0, seconds);
  tally_op (tally, OP_SET, self->m_global, server, 1, result->n_globally_active);
  tally_op (tally, OP_SET, self->m_pool, (const gchar *[]){ "active", id }, 2, result->n_active);
  tally_op (tally, OP_SET, self->m_pool, (const gchar *[]){ "testing", id }, 2, result->n_testing);
  tally_op (tally, OP_SET, self->m_pool, (const gchar *[]){ "candidate", id }, 2,
            result->n_candidate);
  for (guint i = 0; i < result->violations->len; i++)
    {
      const NtpmonReviewViolation *v = result->violations->pdata[i];

      tally_op (tally, OP_ADD, self->m_violations,
                (const gchar *[]){ label (v->monitor_id_token), label (v->monitor_tls_name),
                                   v->type, id },
                4, v->count);
    }
  for (guint i = 0; i < result->changes->len; i++)
    {
      const NtpmonReviewChange *c = result->changes->pdata[i];

      if (c->applied)
        tally_op (tally, OP_ADD, self->m_changes,
                  (const gchar *[]){ label (c->monitor_id_token), label (c->monitor_tls_name),
                                     c->from, c->to, id, c->reason },
                  6, 1);
    }
}

static void
count (NtpmonSelectorRunner *self, Tally *tally, gint64 server_id, const NtpmonReviewResult *result,
       gint64 started)
{
  if (self->metrics != NULL)
    export_metrics (self, tally, server_id, result, (g_get_monotonic_time () - started) / 1e6);
  tally->stats.servers++;
  tally->stats.monitors_evaluated += result->n_monitors;
  tally->stats.changes_applied += result->n_applied;
  tally->stats.changes_failed += result->n_failed;
  tally->stats.violations += result->n_violations;
}

static gboolean
schedule (NtpmonSelectorRunner *self, gint64 server_id, gboolean changed, GError **error)
{
  gint64 minutes = changed ? NEXT_REVIEW_CHANGED_MIN : NEXT_REVIEW_MIN;
  gint64 next = ntpmon_review_round_usec (g_get_real_time () + minutes * 60 * G_USEC_PER_SEC);

  return ntpmon_db_conn_exec (self->conn, changed ? SQL_REVIEWED_CHANGED : SQL_REVIEWED, NULL,
                              error, "Ti", next, server_id);
}

typedef struct
{
  NtpmonSelectorRunner *self;
  guint count;
  gint64 started; /* of the server under review */
  Tally tally;    /* of the attempt */
} Batch;

/* §3.1 steps 3 and 4 for one server after its pipeline. */
static gboolean
batch_server_done (gint64 id, NtpmonReviewResult *result, const GError *review_error, gpointer data,
                   GError **error)
{
  Batch *batch = data;
  NtpmonSelectorRunner *self = batch->self;

  /* the transaction was rolled back: the batch is tried again */
  if (g_error_matches (review_error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DEADLOCK))
    {
      g_set_error_literal (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_DEADLOCK, review_error->message);
      return FALSE;
    }
  if (result == NULL)
    {
      /* the reference logs and carries on; writes made so far stay */
      g_info ("could not process selection of monitors for server %" G_GINT64_FORMAT ": %s", id,
              review_error->message);
      batch->tally.stats.failed_servers++;
    }
  else
    count (self, &batch->tally, id, result, batch->started);
  batch->count++;
  batch->started = g_get_monotonic_time ();
  return schedule (self, id, result != NULL && result->changed, error);
}

static gboolean
batch_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  Batch *batch = data;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (conn, SQL_DUE_SERVERS, error, "");
  g_autoptr (GError) local = NULL;

  /* a deadlock rolled the last attempt back: count only this one */
  tally_init (&batch->tally);
  batch->count = 0;
  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      gint64 id = ntpmon_db_stmt_get_int (st, 0);
      g_array_append_val (ids, id);
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_clear_pointer (&st, ntpmon_db_stmt_free);
  batch->started = g_get_monotonic_time ();
  /* the reviewer may read all servers' inputs first (one snapshot: the
   * transaction's), then reviews and writes them back one by one */
  return ntpmon_reviewer_review_each (batch->self->reviewer, conn, (const gint64 *)ids->data,
                                      ids->len, TRUE, batch_server_done, batch, error);
}

/**
 * ntpmon_selector_runner_run_batch:
 * @count: (out): servers reviewed (including ones whose review failed)
 *
 * One batch (spec/selector.md §3.1): up to 10 due servers in one
 * transaction. A server whose review fails is logged and rescheduled as
 * unchanged; a failing schedule update fails the batch.
 */
gboolean
ntpmon_selector_runner_run_batch (NtpmonSelectorRunner *self, guint *count, GError **error)
{
  Batch batch = { .self = self };
  gboolean ok;

  *count = 0;
  ok = ntpmon_db_conn_transaction (self->conn, batch_job, &batch, error);
  if (ok)
    {
      tally_commit (self, &batch.tally);
      self->stats.batches++;
      *count = batch.count;
    }
  tally_clear (&batch.tally);
  return ok;
}

typedef struct
{
  NtpmonSelectorRunner *runner;
  guint count;
  GError *error;
  gboolean ok;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;

  w->ok = ntpmon_selector_runner_run_batch (w->runner, &w->count, &w->error);
  return NULL;
}

/**
 * ntpmon_selector_runner_run_batches:
 * @runners: (array length=n_runners): runners on connections of their own
 * @count: (out): servers reviewed in all
 *
 * One batch per runner, at the same time (threads for all but the first,
 * which runs on the calling thread). The due servers are taken with
 * `FOR UPDATE SKIP LOCKED`, so concurrent batches review different servers,
 * each in a transaction of its own exactly as a lone batch would: a
 * server's review reads and writes only its own rows. This lets the
 * database work on several servers at once, which one connection cannot.
 * Concurrent batches run in READ COMMITTED isolation: without gap locks,
 * batches that scan the same index ranges while writing different servers'
 * rows do not deadlock.
 *
 * Returns: FALSE with the first failed batch's error (the others have
 *   completed or rolled back by then)
 */
gboolean
ntpmon_selector_runner_run_batches (NtpmonSelectorRunner **runners, guint n_runners, guint *count,
                                    GError **error)
{
  g_autofree Worker *workers = g_new0 (Worker, n_runners);
  g_autofree GThread **threads = g_new0 (GThread *, n_runners);
  gboolean ok = TRUE;

  g_return_val_if_fail (n_runners > 0, FALSE);
  *count = 0;
  for (guint i = 0; i < n_runners; i++)
    {
      workers[i].runner = runners[i];
      ntpmon_db_conn_set_read_committed (runners[i]->conn, n_runners > 1);
      if (i > 0)
        threads[i] = g_thread_new ("selector-batch", worker_thread, &workers[i]);
    }
  worker_thread (&workers[0]);
  for (guint i = 0; i < n_runners; i++)
    {
      if (i > 0)
        g_thread_join (threads[i]);
      *count += workers[i].count;
      if (!workers[i].ok && ok)
        {
          g_propagate_error (error, g_steal_pointer (&workers[i].error));
          ok = FALSE;
        }
      g_clear_error (&workers[i].error);
    }
  return ok;
}

typedef struct
{
  NtpmonSelectorRunner *self;
  gint64 server_id;
  gboolean changed;
  Tally tally; /* of the attempt */
} OneServer;

static gboolean
server_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  OneServer *one = data;
  gint64 started = g_get_monotonic_time ();
  g_autoptr (NtpmonReviewResult) result
      = ntpmon_reviewer_review (one->self->reviewer, conn, one->server_id, TRUE, error);

  tally_init (&one->tally);
  if (result == NULL)
    {
      g_prefix_error (error, "failed to process server %" G_GINT64_FORMAT ": ", one->server_id);
      return FALSE;
    }
  count (one->self, &one->tally, one->server_id, result, started);
  one->changed = result->changed;
  return schedule (one->self, one->server_id, result->changed, error);
}

/**
 * ntpmon_selector_runner_run_server:
 * @changed: (out) (optional): at least one status change was applied
 *
 * `selector once SERVER_ID`: reviews one server whatever its schedule, in
 * one transaction with its schedule update; a failed review rolls back.
 */
gboolean
ntpmon_selector_runner_run_server (NtpmonSelectorRunner *self, gint64 server_id, gboolean *changed,
                                   GError **error)
{
  OneServer one = { .self = self, .server_id = server_id };
  gboolean ok = ntpmon_db_conn_transaction (self->conn, server_job, &one, error);

  if (ok)
    tally_commit (self, &one.tally);
  tally_clear (&one.tally);
  if (ok && changed != NULL)
    *changed = one.changed;
  return ok;
}

/**
 * ntpmon_selector_runner_simulate:
 *
 * `selector simulate SERVER_ID`: the review with all its writes inside a
 * transaction that is rolled back; counts nothing.
 *
 * Returns: (transfer full) (nullable): what the review did before the
 *   rollback
 */
NtpmonReviewResult *
ntpmon_selector_runner_simulate (NtpmonSelectorRunner *self, gint64 server_id, GError **error)
{
  NtpmonReviewResult *result;

  if (!ntpmon_db_conn_begin (self->conn, error))
    return NULL;
  result = ntpmon_reviewer_review (self->reviewer, self->conn, server_id, TRUE, error);
  if (!ntpmon_db_conn_rollback (self->conn, result != NULL ? error : NULL))
    g_clear_pointer (&result, ntpmon_review_result_free);
  if (result == NULL)
    g_prefix_error (error, "simulation failed: ");
  return result;
}
