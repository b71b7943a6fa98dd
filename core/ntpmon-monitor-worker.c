/* ntpmon-monitor-worker.c: the monitor's work for one IP family
 *
 * SPDX-License-Identifier: MIT
 *
 * Everything runs on the main loop: the config fetch loop and the batch
 * loop are chains of async calls and timers, all cancelled with the
 * worker's GCancellable.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-ip.h"
#include "ntpmon-localok.h"
#include "ntpmon-monitor-backoff.h"
#include "ntpmon-monitor-batch.h"
#include "ntpmon-monitor-worker.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-ulid.h"

#define CONFIG_OK_INTERVAL_S   (60 * 60)
#define CONFIG_RETRY_STEP_S    10
#define CONFIG_RETRY_MAX_S     (20 * 60)
#define CONFIG_LATER_FAILURE_S (20 * 60)

typedef enum
{
  PHASE_IDLE,
  PHASE_WAIT_LIVE,
  PHASE_WAIT_CONFIG,
  PHASE_BATCHING,
} Phase;

static const gchar *const phase_names[] = {
  [PHASE_IDLE] = "stopped",
  [PHASE_WAIT_LIVE] = "waiting-for-activation",
  [PHASE_WAIT_CONFIG] = "waiting-for-config",
  [PHASE_BATCHING] = "monitoring",
};

struct _NtpmonMonitorWorker
{
  GObject parent_instance;

  NtpmonStateFamily family;
  NtpmonState *state;
  NtpmonRpcClient *rpc;
  NtpmonMonitorSpool *spool;
  NtpmonHost *host;
  NtpmonProbe *probe;
  NtpmonMonitorMetrics *metrics;
  NtpmonMonitorWorkerOptions options;

  GTask *task; /* the run, NULL when not running */
  gchar *mon_id;
  Phase phase;
  gulong state_changed_id;
  gulong cancel_id;
  guint cancel_idle;

  /* operational config */
  gint samples;
  GInetAddress *bind_address;
  GStrv base_checks;
  gboolean configured; /* a config with base checks arrived */
  guint config_failures;
  gboolean config_fetching;
  guint config_timer;

  NtpmonLocalok *localok;
  NtpmonMonitorBackoff backoff;
  gint64 retry_start_us;
  guint batch_timer;

  /* statistics */
  gint64 last_batch_time;
  guint last_batch_size;
  guint64 checks_done, checks_failed, submits_done, submits_failed;
  const gchar *localok_state;
};

G_DEFINE_FINAL_TYPE (NtpmonMonitorWorker, ntpmon_monitor_worker, G_TYPE_OBJECT)

enum
{
  SIGNAL_RETRY,
  SIGNAL_STATS,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void begin_iteration (NtpmonMonitorWorker *self);
static void do_batch (NtpmonMonitorWorker *self);
static void fetch_config (NtpmonMonitorWorker *self);

static void
stats_changed (NtpmonMonitorWorker *self)
{
  g_signal_emit (self, signals[SIGNAL_STATS], 0);
}

static void
ntpmon_monitor_worker_dispose (GObject *object)
{
  NtpmonMonitorWorker *self = NTPMON_MONITOR_WORKER (object);

  g_clear_handle_id (&self->config_timer, g_source_remove);
  g_clear_handle_id (&self->batch_timer, g_source_remove);
  g_clear_signal_handler (&self->state_changed_id, self->state);
  g_clear_object (&self->state);
  g_clear_object (&self->rpc);
  g_clear_object (&self->spool);
  g_clear_object (&self->host);
  g_clear_object (&self->probe);
  g_clear_object (&self->localok);
  g_clear_object (&self->bind_address);
  G_OBJECT_CLASS (ntpmon_monitor_worker_parent_class)->dispose (object);
}

static void
ntpmon_monitor_worker_finalize (GObject *object)
{
  NtpmonMonitorWorker *self = NTPMON_MONITOR_WORKER (object);

  ntpmon_monitor_backoff_clear (&self->backoff);
  g_strfreev (self->base_checks);
  g_free (self->mon_id);
  G_OBJECT_CLASS (ntpmon_monitor_worker_parent_class)->finalize (object);
}

static void
ntpmon_monitor_worker_class_init (NtpmonMonitorWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ntpmon_monitor_worker_dispose;
  object_class->finalize = ntpmon_monitor_worker_finalize;
  signals[SIGNAL_RETRY]
      = g_signal_new (NTPMON_MONITOR_WORKER_SIGNAL_RETRY, G_TYPE_FROM_CLASS (klass),
                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
  signals[SIGNAL_STATS] = g_signal_new ("stats-changed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ntpmon_monitor_worker_init (NtpmonMonitorWorker *self)
{
  self->samples = 3;
  self->localok_state = "unknown";
}

NtpmonMonitorWorker *
ntpmon_monitor_worker_new (NtpmonStateFamily family, NtpmonState *state, NtpmonRpcClient *rpc,
                           NtpmonMonitorSpool *spool, NtpmonHost *host,
                           const NtpmonMonitorWorkerOptions *options)
{
  NtpmonMonitorWorker *self = g_object_new (NTPMON_TYPE_MONITOR_WORKER, NULL);

  self->family = family;
  self->state = g_object_ref (state);
  self->rpc = g_object_ref (rpc);
  self->spool = g_object_ref (spool);
  self->host = host != NULL ? g_object_ref (host) : NULL;
  if (options != NULL)
    self->options = *options;
  ntpmon_monitor_backoff_init (&self->backoff, self->options.backoff_seed);
  return self;
}

void
ntpmon_monitor_worker_set_probe (NtpmonMonitorWorker *self, NtpmonProbe *probe)
{
  g_set_object (&self->probe, probe);
}

void
ntpmon_monitor_worker_set_metrics (NtpmonMonitorWorker *self, NtpmonMonitorMetrics *metrics)
{
  self->metrics = metrics;
}

void
ntpmon_monitor_worker_set_allow_private (NtpmonMonitorWorker *self, gboolean allow,
                                         guint16 ntp_port)
{
  self->options.allow_private = allow;
  self->options.ntp_port = ntp_port;
}

NtpmonStateFamily
ntpmon_monitor_worker_get_family (NtpmonMonitorWorker *self)
{
  return self->family;
}

static const gchar *
family_name (NtpmonMonitorWorker *self)
{
  return self->family == NTPMON_STATE_IPV4 ? "v4" : "v6";
}

static GCancellable *
cancellable (NtpmonMonitorWorker *self)
{
  return g_task_get_cancellable (self->task);
}

static void
finish (NtpmonMonitorWorker *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->task);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  self->phase = PHASE_IDLE;
  if (self->cancel_id != 0)
    {
      GCancellable *c = g_task_get_cancellable (task);
      gulong id = self->cancel_id;

      self->cancel_id = 0;
      if (g_cancellable_is_cancelled (c))
        g_signal_handler_disconnect (c, id); /* not from inside the handler */
      else
        g_cancellable_disconnect (c, id);
    }
  g_clear_handle_id (&self->config_timer, g_source_remove);
  g_clear_handle_id (&self->batch_timer, g_source_remove);
  g_clear_signal_handler (&self->state_changed_id, self->state);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static NtpmonProbe *
find_probe (NtpmonMonitorWorker *self)
{
  GObject *probe;

  if (self->probe != NULL)
    return self->probe;
  probe = self->host != NULL ? ntpmon_host_find_extension (self->host, NTPMON_TYPE_PROBE, "ntp")
                             : NULL;
  return probe != NULL ? NTPMON_PROBE (probe) : NULL;
}

static void
make_request (NtpmonMonitorWorker *self, NtpmonProbeRequest *request)
{
  *request = (NtpmonProbeRequest){ 0 };
  request->port = self->options.ntp_port != 0 ? self->options.ntp_port : 123;
  request->samples = self->samples;
  request->bind_address = self->bind_address;
  request->allow_private = self->options.allow_private;
}

/* --- operational config (§5.3) -------------------------------------------- */

static void
store_config (NtpmonMonitorWorker *self, const Monitor__V2__GetConfigResponse *config)
{
  g_autoptr (GInetAddress) nat = NULL;
  GPtrArray *checks = g_ptr_array_new ();

  self->samples = config->samples > 0 ? config->samples : 3;
  g_clear_object (&self->bind_address);
  nat = ntpmon_ip_from_bytes (config->ip_nat_bytes.data, config->ip_nat_bytes.len, NULL);
  if (nat != NULL && !g_inet_address_get_is_any (nat))
    self->bind_address = g_steal_pointer (&nat);
  for (gsize i = 0; i < config->n_base_checks; i++)
    g_ptr_array_add (
        checks, g_strndup ((const gchar *)config->base_checks[i].data, config->base_checks[i].len));
  g_ptr_array_add (checks, NULL);
  g_strfreev (self->base_checks);
  self->base_checks = (GStrv)g_ptr_array_free (checks, FALSE);
}

static gboolean
config_timer_cb (gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  self->config_timer = 0;
  fetch_config (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_config (NtpmonMonitorWorker *self, guint seconds)
{
  g_clear_handle_id (&self->config_timer, g_source_remove);
  self->config_timer = g_timeout_add_seconds (seconds, config_timer_cb, self);
}

static void localok_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
host_checked_cb (NtpmonLocalok *localok, const gchar *name, GInetAddress *address, gboolean ok,
                 gint64 started_at, guint queries_sent, gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  ntpmon_monitor_metrics_checked (self->metrics, self->family == NTPMON_STATE_IPV6, 1,
                                  queries_sent);
  ntpmon_monitor_metrics_local_check (self->metrics, name, self->family == NTPMON_STATE_IPV6, ok,
                                      started_at / G_USEC_PER_SEC);
}

static void
first_config (NtpmonMonitorWorker *self)
{
  NtpmonProbe *probe = find_probe (self);
  NtpmonProbeRequest request;

  if (probe == NULL)
    {
      finish (self,
              g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("the ntp plugin is not enabled")));
      return;
    }
  make_request (self, &request);
  self->localok = ntpmon_localok_new (
      probe, (const gchar *const *)self->base_checks,
      self->family == NTPMON_STATE_IPV4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6, &request);
  g_signal_connect_object (self->localok, "host-checked", G_CALLBACK (host_checked_cb), self, 0);
  if (self->options.sanity_only)
    {
      ntpmon_localok_check_async (self->localok, cancellable (self), localok_done_cb,
                                  g_object_ref (self));
      return;
    }
  self->phase = PHASE_BATCHING;
  begin_iteration (self);
}

static void
config_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NtpmonMonitorWorker) self = user_data;
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetConfigResponse *config
      = ntpmon_rpc_client_get_config_finish (self->rpc, result, &error);

  self->config_fetching = FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ntpmon_monitor_metrics_rpc (self->metrics, "config", config != NULL);
  if (self->task == NULL)
    {
      if (config != NULL)
        ntpmon_proto_message_free (&config->base);
      return;
    }
  if (config == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->config_failures++;
      g_message (_ ("%s: getting the monitor config failed: %s"), family_name (self),
                 error->message);
      if (self->configured)
        schedule_config (self, CONFIG_LATER_FAILURE_S);
      else
        schedule_config (self,
                         MIN (CONFIG_RETRY_STEP_S * self->config_failures, CONFIG_RETRY_MAX_S));
      return;
    }
  store_config (self, config);
  ntpmon_proto_message_free (&config->base);
  schedule_config (self, CONFIG_OK_INTERVAL_S);
  if (self->configured)
    return;
  if (self->base_checks[0] == NULL)
    {
      g_warning (_ ("%s: the monitor config has no base checks; trying again later"),
                 family_name (self));
      return;
    }
  self->configured = TRUE;
  first_config (self);
}

static void
fetch_config (NtpmonMonitorWorker *self)
{
  if (self->config_fetching || self->task == NULL)
    return;
  self->config_fetching = TRUE;
  ntpmon_rpc_client_get_config (self->rpc, self->mon_id, cancellable (self), config_cb,
                                g_object_ref (self));
}

static void
localok_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NtpmonMonitorWorker) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = FALSE;

  if (!ntpmon_localok_check_finish (NTPMON_LOCALOK (source), result, &ok, &error))
    {
      finish (self, g_steal_pointer (&error));
      return;
    }
  self->localok_state = ok ? "ok" : "not-ok";
  stats_changed (self);
  if (!ok)
    {
      finish (self, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, _ ("health check failed")));
      return;
    }
  g_message (_ ("local clock ok"));
  finish (self, NULL);
}

/* --- liveness (§2.6) ------------------------------------------------------- */

static void
state_changed_cb (NtpmonState *state, gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  if (self->task == NULL)
    return;
  if (self->phase == PHASE_WAIT_LIVE && ntpmon_state_is_live (state, self->family))
    {
      g_message (_ ("%s: monitor is live, monitoring"), family_name (self));
      if (!self->configured)
        {
          self->phase = PHASE_WAIT_CONFIG;
          fetch_config (self);
        }
      else
        {
          self->phase = PHASE_BATCHING;
          begin_iteration (self);
        }
      return;
    }
  if (self->phase != PHASE_WAIT_LIVE)
    fetch_config (self);
}

/* --- batch loop (§5.4) ----------------------------------------------------- */

static gboolean
batch_timer_cb (gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  self->batch_timer = 0;
  do_batch (self);
  return G_SOURCE_REMOVE;
}

static gboolean
iteration_idle_cb (gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  self->batch_timer = 0;
  begin_iteration (self);
  return G_SOURCE_REMOVE;
}

static void
next_iteration (NtpmonMonitorWorker *self)
{
  if (self->options.once)
    {
      finish (self, NULL);
      return;
    }
  g_clear_handle_id (&self->batch_timer, g_source_remove);
  self->batch_timer = g_idle_add (iteration_idle_cb, self);
}

/* The local clock wait is over: the iteration ends as with success. */
static gboolean
localok_wait_cb (gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  self->batch_timer = 0;
  next_iteration (self);
  return G_SOURCE_REMOVE;
}

static void
begin_iteration (NtpmonMonitorWorker *self)
{
  if (self->task == NULL)
    return;
  if (!ntpmon_state_is_live (self->state, self->family))
    {
      g_message (_ ("%s: monitor status is not testing or active; pausing"), family_name (self));
      self->phase = PHASE_WAIT_LIVE;
      stats_changed (self);
      return;
    }
  ntpmon_monitor_backoff_reset (&self->backoff);
  self->retry_start_us = g_get_monotonic_time ();
  do_batch (self);
}

/* The batch did no work or failed: try again after the backoff. */
static void
batch_retry (NtpmonMonitorWorker *self, gboolean no_work)
{
  guint64 elapsed_ms = (guint64)(g_get_monotonic_time () - self->retry_start_us) / 1000;
  guint64 delay_ms;

  if (self->options.once && no_work)
    {
      finish (self, NULL); /* --once: an empty batch is not retried */
      return;
    }
  if (!ntpmon_monitor_backoff_next (&self->backoff, elapsed_ms, &delay_ms))
    {
      next_iteration (self);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RETRY], 0, delay_ms);
  g_clear_handle_id (&self->batch_timer, g_source_remove);
  self->batch_timer = g_timeout_add ((guint)delay_ms, batch_timer_cb, self);
}

typedef struct
{
  NtpmonMonitorWorker *self;
  GBytes *batch_id;
  guint n;
} Batch;

static void
batch_free (Batch *b)
{
  g_object_unref (b->self);
  g_clear_pointer (&b->batch_id, g_bytes_unref);
  g_free (b);
}

static void
submit_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Batch *b = user_data;
  NtpmonMonitorWorker *self = b->self;
  g_autoptr (GError) error = NULL;
  gboolean spooled = FALSE;

  if (!ntpmon_monitor_batch_submit_finish (result, &spooled, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->task != NULL)
        {
          if (b->n > 0)
            self->submits_failed++;
          g_message (_ ("%s: SubmitResults: %s%s"), family_name (self), error->message,
                     spooled ? _ (" (results kept in the spool)") : "");
          stats_changed (self);
          batch_retry (self, b->n == 0);
        }
      batch_free (b);
      return;
    }
  if (b->n == 0)
    batch_retry (self, TRUE); /* no work */
  else
    {
      self->submits_done++;
      g_message (_ ("%s: batch processing count=%u"), family_name (self), b->n);
      stats_changed (self);
      next_iteration (self);
    }
  batch_free (b);
}

static void
checks_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Batch *b = user_data;
  NtpmonMonitorWorker *self = b->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results = ntpmon_monitor_batch_check_finish (result, &error);
  g_autoptr (GBytes) request = NULL;
  guint queries = 0;

  if (results == NULL)
    {
      batch_free (b);
      return;
    }
  for (guint i = 0; i < results->len; i++)
    {
      const NtpmonNtpResult *r = g_ptr_array_index (results, i);
      if (r->error != NULL)
        self->checks_failed++;
      else
        self->checks_done++;
      queries += r->queries_sent;
    }
  self->last_batch_time = g_get_real_time () / G_USEC_PER_SEC;
  self->last_batch_size = results->len;
  ntpmon_monitor_metrics_checked (self->metrics, self->family == NTPMON_STATE_IPV6, results->len,
                                  queries);
  b->n = results->len;
  stats_changed (self);
  request = ntpmon_monitor_batch_encode (self->mon_id, b->batch_id, results, &error);
  if (request == NULL)
    {
      g_message (_ ("%s: cannot encode the results: %s"), family_name (self), error->message);
      batch_retry (self, FALSE);
      batch_free (b);
      return;
    }
  ntpmon_monitor_batch_submit_async (self->rpc, self->spool, self->metrics, request,
                                     cancellable (self), submit_done_cb, b);
}

static void
servers_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Batch *b = user_data;
  NtpmonMonitorWorker *self = b->self;
  g_autoptr (GError) error = NULL;
  Monitor__V2__GetServersResponse *resp
      = ntpmon_rpc_client_get_servers_finish (self->rpc, result, &error);
  G_GNUC_UNUSED g_autoptr (ProtobufCMessage) owner = resp != NULL ? &resp->base : NULL;
  NtpmonProbe *probe = find_probe (self);
  NtpmonProbeRequest request;
  gsize n;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ntpmon_monitor_metrics_rpc (self->metrics, "getServers", resp != NULL);
  if (resp == NULL || self->task == NULL)
    {
      if (resp == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message (_ ("%s: getting server list: %s"), family_name (self), error->message);
          batch_retry (self, FALSE);
        }
      batch_free (b);
      return;
    }
  if (resp->config != NULL)
    store_config (self, resp->config);
  n = resp->n_servers;
  if (n == 0)
    {
      /* no work; the API answers, so deliver what the spool holds */
      ntpmon_monitor_batch_submit_async (self->rpc, self->spool, self->metrics, NULL,
                                         cancellable (self), submit_done_cb, b);
      return;
    }
  /* the reference checks only the length and the first character */
  if (resp->batch_id.len != NTPMON_ULID_TEXT_LEN || resp->batch_id.data[0] > '7')
    {
      g_message (_ ("%s: failed to unmarshal batch ID: %s"), family_name (self),
                 resp->batch_id.len != NTPMON_ULID_TEXT_LEN
                     ? "ulid: bad data size when unmarshaling"
                     : "ulid: overflow when unmarshaling");
      batch_retry (self, FALSE);
      batch_free (b);
      return;
    }
  if (probe == NULL)
    {
      g_message (_ ("%s: the ntp plugin is not enabled"), family_name (self));
      batch_retry (self, FALSE);
      batch_free (b);
      return;
    }
  if (self->options.once && n > NTPMON_MONITOR_ONCE_LIMIT)
    n = NTPMON_MONITOR_ONCE_KEEP;
  b->batch_id = g_bytes_new (resp->batch_id.data, resp->batch_id.len);
  make_request (self, &request);
  ntpmon_monitor_batch_check_async (probe, &request, resp->servers, n, cancellable (self),
                                    checks_done_cb, b);
}

static void
batch_localok_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NtpmonMonitorWorker) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = FALSE;
  Batch *b;

  if (!ntpmon_localok_check_finish (NTPMON_LOCALOK (source), result, &ok, &error)
      || self->task == NULL)
    return;
  self->localok_state = ok ? "ok" : "not-ok";
  stats_changed (self);
  if (!ok)
    {
      gint64 wait_us = ntpmon_localok_get_next_check_in (self->localok);
      g_message (_ ("%s: local clock might not be okay, waiting %" G_GINT64_FORMAT " s"),
                 family_name (self), wait_us / G_USEC_PER_SEC);
      g_clear_handle_id (&self->batch_timer, g_source_remove);
      self->batch_timer
          = g_timeout_add ((guint)(MAX (wait_us, 1000) / 1000), localok_wait_cb, self);
      return;
    }
  b = g_new0 (Batch, 1);
  b->self = g_object_ref (self);
  ntpmon_rpc_client_get_servers (self->rpc, self->mon_id, cancellable (self), servers_cb, b);
}

static void
do_batch (NtpmonMonitorWorker *self)
{
  if (self->task == NULL)
    return;
  ntpmon_localok_check_async (self->localok, cancellable (self), batch_localok_cb,
                              g_object_ref (self));
}

/* --- run ------------------------------------------------------------------- */

static gboolean
cancel_idle_cb (gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  self->cancel_idle = 0;
  finish (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("cancelled")));
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *c, gpointer user_data)
{
  NtpmonMonitorWorker *self = user_data;

  /* may run in any thread that cancels: finish on the main context */
  if (self->cancel_idle == 0)
    self->cancel_idle
        = g_idle_add_full (G_PRIORITY_DEFAULT, cancel_idle_cb, g_object_ref (self), g_object_unref);
}

void
ntpmon_monitor_worker_run_async (NtpmonMonitorWorker *self, GCancellable *cancellable_,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable_, callback, user_data);
  const gchar *ip = ntpmon_state_get_ip (self->state, self->family);

  g_task_set_source_tag (task, ntpmon_monitor_worker_run_async);
  g_return_if_fail (self->task == NULL);
  if (ip == NULL || *ip == '\0')
    {
      g_message (_ ("%s: not configured"), family_name (self));
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->task = g_steal_pointer (&task);
  g_free (self->mon_id);
  self->mon_id = g_strdup (ip);
  self->state_changed_id
      = g_signal_connect (self->state, "config-changed", G_CALLBACK (state_changed_cb), self);
  if (cancellable_ != NULL)
    self->cancel_id = g_cancellable_connect (cancellable_, G_CALLBACK (cancelled_cb), self, NULL);
  if (!ntpmon_state_is_live (self->state, self->family))
    {
      g_message (_ ("%s: waiting for monitor status to be testing or active"), family_name (self));
      self->phase = PHASE_WAIT_LIVE;
      return;
    }
  self->phase = PHASE_WAIT_CONFIG;
  fetch_config (self);
}

gboolean
ntpmon_monitor_worker_run_finish (NtpmonMonitorWorker *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

GVariant *
ntpmon_monitor_worker_to_variant (NtpmonMonitorWorker *self)
{
  GVariantBuilder b;
  const gchar *ip = ntpmon_state_get_ip (self->state, self->family);
  const gchar *status = ntpmon_state_get_status (self->state, self->family);
  const gchar *name = ntpmon_state_get_tls_name (self->state);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "Name", g_variant_new_string (name != NULL ? name : ""));
  g_variant_builder_add (&b, "{sv}", "IP", g_variant_new_string (ip != NULL ? ip : ""));
  g_variant_builder_add (&b, "{sv}", "Status", g_variant_new_string (status != NULL ? status : ""));
  g_variant_builder_add (&b, "{sv}", "LastBatchTime", g_variant_new_int64 (self->last_batch_time));
  g_variant_builder_add (&b, "{sv}", "LastBatchSize", g_variant_new_uint32 (self->last_batch_size));
  g_variant_builder_add (&b, "{sv}", "ChecksDone", g_variant_new_uint64 (self->checks_done));
  g_variant_builder_add (&b, "{sv}", "ChecksFailed", g_variant_new_uint64 (self->checks_failed));
  g_variant_builder_add (&b, "{sv}", "SubmitsDone", g_variant_new_uint64 (self->submits_done));
  g_variant_builder_add (&b, "{sv}", "SubmitsFailed", g_variant_new_uint64 (self->submits_failed));
  g_variant_builder_add (&b, "{sv}", "LocalOK", g_variant_new_string (self->localok_state));
  g_variant_builder_add (&b, "{sv}", "State", g_variant_new_string (phase_names[self->phase]));
  return g_variant_builder_end (&b);
}
