/* ntpmon-db.c: a pool of MariaDB connections served by worker threads
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-db-private.h"

#define DEFAULT_RETRY_INTERVAL_MS 1000
#define DEFAULT_MAX_LIFETIME_S    180
#define SYNC_POLL_USEC            (100 * 1000)

/**
 * NtpmonDb:
 *
 * N connections and up to N worker threads. A job (ntpmon_db_run_async())
 * runs on a worker with a connection of its own, so the main loop never
 * waits for SQL; its result is delivered in the caller's main context.
 *
 * Connections are opened lazily, checked after idling or after another
 * connection saw the server go away, reopened after a loss and after their
 * maximum lifetime. After a failed connect, jobs fail at once with
 * %NTPMON_DB_ERROR_UNAVAILABLE for the retry interval (default 1 s); the
 * next job after it tries again, so the pool recovers by itself.
 */
struct _NtpmonDb
{
  GObject parent_instance;

  NtpmonDbConfig *config;
  guint n_connections;
  GThreadPool *pool;
  GAsyncQueue *idle; /* NtpmonDbConn */
  GPtrArray *conns;

  GMutex lock;
  gint64 down_until;
  gchar *down_message;
  gint64 retry_interval;
  gint64 max_lifetime;
  guint epoch;         /* atomic; bumped when a connection is lost */
  NtpmonDbStats stats; /* counters, under lock */
};

G_DEFINE_FINAL_TYPE (NtpmonDb, ntpmon_db, G_TYPE_OBJECT)

static GPrivate in_worker;

typedef struct
{
  NtpmonDbJobFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Job;

static void
job_free (gpointer p)
{
  Job *job = p;

  if (job->destroy != NULL)
    job->destroy (job->data);
  g_free (job);
}

static gboolean
run_job (NtpmonDb *self, NtpmonDbConn *conn, Job *job, GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local = NULL;
  gboolean ok;

  ok = _ntpmon_db_conn_start_job (conn, cancellable, &local) && job->func (conn, job->data, &local);
  _ntpmon_db_conn_end_job (conn);
  g_mutex_lock (&self->lock);
  if (ok)
    self->stats.jobs_ok++;
  else
    self->stats.jobs_failed++;
  if (g_error_matches (local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE))
    self->stats.jobs_unavailable++;
  g_mutex_unlock (&self->lock);
  if (!ok)
    {
      if (local == NULL)
        g_set_error_literal (&local, NTPMON_DB_ERROR, NTPMON_DB_ERROR_QUERY,
                             "database job failed without saying why");
      g_propagate_error (error, g_steal_pointer (&local));
    }
  return ok;
}

static void
worker (gpointer task_ptr, gpointer pool_data)
{
  GTask *task = task_ptr;
  NtpmonDb *self = g_task_get_source_object (task);
  NtpmonDbConn *conn;
  GError *error = NULL;

  g_private_set (&in_worker, GINT_TO_POINTER (1));
  conn = g_async_queue_pop (self->idle);
  if (run_job (self, conn, g_task_get_task_data (task), g_task_get_cancellable (task), &error))
    {
      g_async_queue_push (self->idle, conn);
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      g_async_queue_push (self->idle, conn);
      g_task_return_error (task, error);
    }
  g_object_unref (task);
  g_private_set (&in_worker, NULL);
}

static void
ntpmon_db_finalize (GObject *object)
{
  NtpmonDb *self = NTPMON_DB (object);

  /* the last reference may go away on a worker thread (after a job); a
   * worker cannot wait for itself */
  g_thread_pool_free (self->pool, FALSE, g_private_get (&in_worker) == NULL);
  g_async_queue_unref (self->idle);
  g_ptr_array_unref (self->conns);
  ntpmon_db_config_free (self->config);
  g_free (self->down_message);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ntpmon_db_parent_class)->finalize (object);
}

static void
ntpmon_db_class_init (NtpmonDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_db_finalize;
}

static void
ntpmon_db_init (NtpmonDb *self)
{
  g_mutex_init (&self->lock);
  self->retry_interval = DEFAULT_RETRY_INTERVAL_MS * 1000;
  self->max_lifetime = DEFAULT_MAX_LIFETIME_S * G_USEC_PER_SEC;
}

/**
 * ntpmon_db_new:
 * @config: connection settings (copied; re-read from its database.yaml for
 *   every new connection)
 * @n_connections: pool size (at least 1)
 *
 * Creates the pool. It connects lazily; use ntpmon_db_ping() to check the
 * database at start-up.
 */
NtpmonDb *
ntpmon_db_new (const NtpmonDbConfig *config, guint n_connections)
{
  NtpmonDb *self = g_object_new (NTPMON_TYPE_DB, NULL);

  g_return_val_if_fail (config != NULL, NULL);
  self->config = ntpmon_db_config_copy (config);
  self->n_connections = MAX (1, n_connections);
  self->idle = g_async_queue_new ();
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_db_conn_free);
  for (guint i = 0; i < self->n_connections; i++)
    {
      NtpmonDbConn *conn = _ntpmon_db_conn_new (self, config);
      g_ptr_array_add (self->conns, conn);
      g_async_queue_push (self->idle, conn);
    }
  /* cannot fail for a shared (non-exclusive) pool */
  self->pool = g_thread_pool_new (worker, self, (gint)self->n_connections, FALSE, NULL);
  return self;
}

guint
ntpmon_db_get_n_connections (NtpmonDb *self)
{
  return self->n_connections;
}

/**
 * ntpmon_db_set_retry_interval:
 *
 * How long after a failed connect jobs fail at once without trying to
 * connect (0: every job tries).
 */
void
ntpmon_db_set_retry_interval (NtpmonDb *self, guint msec)
{
  g_mutex_lock (&self->lock);
  self->retry_interval = (gint64)msec * 1000;
  self->down_until = 0;
  g_mutex_unlock (&self->lock);
}

/**
 * ntpmon_db_set_max_lifetime:
 *
 * Connections older than this are reopened before their next job (default
 * 180 s; 0: never).
 */
void
ntpmon_db_set_max_lifetime (NtpmonDb *self, guint seconds)
{
  g_mutex_lock (&self->lock);
  self->max_lifetime = (gint64)seconds * G_USEC_PER_SEC;
  g_mutex_unlock (&self->lock);
}

gint64
_ntpmon_db_get_max_lifetime (NtpmonDb *self)
{
  gint64 value;

  g_mutex_lock (&self->lock);
  value = self->max_lifetime;
  g_mutex_unlock (&self->lock);
  return value;
}

gboolean
_ntpmon_db_may_connect (NtpmonDb *self, GError **error)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = g_get_monotonic_time () >= self->down_until;
  if (!ok)
    g_set_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE,
                 "database unavailable: %s (will retry)", self->down_message);
  g_mutex_unlock (&self->lock);
  return ok;
}

void
_ntpmon_db_note_down (NtpmonDb *self, const gchar *message, gboolean connect_failed)
{
  g_atomic_int_inc (&self->epoch);
  if (!connect_failed)
    return;
  g_mutex_lock (&self->lock);
  self->down_until = g_get_monotonic_time () + self->retry_interval;
  g_free (self->down_message);
  self->down_message = g_strdup (message);
  g_mutex_unlock (&self->lock);
}

void
_ntpmon_db_note_up (NtpmonDb *self)
{
  g_mutex_lock (&self->lock);
  self->down_until = 0;
  self->stats.connects++;
  g_mutex_unlock (&self->lock);
}

guint
_ntpmon_db_get_epoch (NtpmonDb *self)
{
  return (guint)g_atomic_int_get (&self->epoch);
}

NtpmonDbConfig *
_ntpmon_db_get_config (NtpmonDb *self, GError **error)
{
  return ntpmon_db_config_reload (self->config, error);
}

/**
 * ntpmon_db_run_async:
 * @func: the job, run on a worker thread with a connection of its own
 * @data: (nullable): the job's data, handed to @func
 * @data_destroy: (nullable): frees @data once the result is gone (after
 *   @callback returned)
 * @cancellable: (nullable): cancels a job that has not started yet; a
 *   running job sees it through ntpmon_db_conn_get_cancellable() and before
 *   each statement
 * @callback: called in the thread-default main context of the caller
 *
 * Queues a job. A job should leave no transaction open (an open one is
 * rolled back). To get results out, let @func fill in @data and pass the
 * same pointer as @user_data.
 */
void
ntpmon_db_run_async (NtpmonDb *self, NtpmonDbJobFunc func, gpointer data,
                     GDestroyNotify data_destroy, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Job *job;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (NTPMON_IS_DB (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->destroy = data_destroy;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ntpmon_db_run_async);
  g_task_set_task_data (task, job, job_free);
  if (!g_thread_pool_push (self->pool, task, &error))
    {
      g_task_return_new_error (task, NTPMON_DB_ERROR, NTPMON_DB_ERROR_UNAVAILABLE,
                               "cannot start a database worker: %s", error->message);
      g_object_unref (task);
    }
}

gboolean
ntpmon_db_run_finish (NtpmonDb *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * ntpmon_db_run_sync:
 *
 * Runs @func on the calling thread with a connection of the pool, waiting
 * for a free one if needed. For threads of their own (the scorer runner);
 * never call it from the main loop of a server, nor from inside a job.
 */
gboolean
ntpmon_db_run_sync (NtpmonDb *self, NtpmonDbJobFunc func, gpointer data, GCancellable *cancellable,
                    GError **error)
{
  NtpmonDbConn *conn = NULL;
  Job job = { .func = func, .data = data };
  gboolean ok;

  g_return_val_if_fail (NTPMON_IS_DB (self), FALSE);
  while (conn == NULL)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      conn = g_async_queue_timeout_pop (self->idle, SYNC_POLL_USEC);
    }
  ok = run_job (self, conn, &job, cancellable, error);
  g_async_queue_push (self->idle, conn);
  return ok;
}

static gboolean
ping_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_exec_direct (conn, "DO 1", error);
}

/**
 * ntpmon_db_ping:
 *
 * Runs a trivial statement on a connection of the pool, on the calling
 * thread: checks that the database can be reached (start-up check).
 */
gboolean
ntpmon_db_ping (NtpmonDb *self, GCancellable *cancellable, GError **error)
{
  return ntpmon_db_run_sync (self, ping_job, NULL, cancellable, error);
}

void
ntpmon_db_get_stats (NtpmonDb *self, NtpmonDbStats *out)
{
  gint idle = g_async_queue_length (self->idle);

  g_return_if_fail (NTPMON_IS_DB (self));
  g_mutex_lock (&self->lock);
  *out = self->stats;
  g_mutex_unlock (&self->lock);
  out->n_connections = self->n_connections;
  out->busy = self->n_connections - (guint)CLAMP (idle, 0, (gint)self->n_connections);
  out->queued = g_thread_pool_unprocessed (self->pool);
}
