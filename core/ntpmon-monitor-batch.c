/* ntpmon-monitor-batch.c: checking the servers of one batch, and handing
 * the results to the API (with the spool for when it is down)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <time.h>

#include "ntpmon-ip.h"
#include "ntpmon-monitor-batch.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-status.h"

/* --- checks ---------------------------------------------------------------- */

typedef struct
{
  GPtrArray *results; /* NtpmonNtpResult or NULL while running */
  guint running;
} CheckData;

typedef struct
{
  GTask *task;
  guint index;
  GInetAddress *target;
  gchar *ticket;
} OneCheck;

static void
check_data_free (CheckData *data)
{
  g_ptr_array_unref (data->results);
  g_free (data);
}

static gint64
now_unix_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void
check_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OneCheck *one = user_data;
  CheckData *data = g_task_get_task_data (one->task);
  g_autoptr (GError) error = NULL;
  NtpmonNtpResult *r = ntpmon_probe_run_finish (NTPMON_PROBE (source), result, &error);

  if (r == NULL)
    {
      r = ntpmon_ntp_result_new ();
      r->ip = g_object_ref (one->target);
      r->port = 123;
      r->no_response = TRUE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree gchar *ip = ntpmon_ip_to_string (one->target);
          g_message (_ ("ntp error for %s: %s"), ip, error->message);
        }
      ntpmon_ntp_result_set_error (r, error->message);
    }
  g_free (r->ticket);
  r->ticket = g_steal_pointer (&one->ticket);
  r->ts_ns = now_unix_ns ();
  g_ptr_array_index (data->results, one->index) = r;
  if (--data->running == 0)
    {
      if (g_task_return_error_if_cancelled (one->task))
        ;
      else
        g_task_return_pointer (one->task, g_ptr_array_ref (data->results),
                               (GDestroyNotify)g_ptr_array_unref);
    }
  g_object_unref (one->task);
  g_object_unref (one->target);
  g_free (one);
}

void
ntpmon_monitor_batch_check_async (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                                  Monitor__V2__Server *const *servers, gsize n_servers,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (probe, cancellable, callback, user_data);
  CheckData *data = g_new0 (CheckData, 1);
  guint started = 0;

  g_task_set_source_tag (task, ntpmon_monitor_batch_check_async);
  data->results = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_ntp_result_unref);
  g_task_set_task_data (task, data, (GDestroyNotify)check_data_free);
  for (gsize i = 0; i < n_servers; i++)
    {
      const Monitor__V2__Server *s = servers[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (GInetAddress) target
          = ntpmon_ip_from_bytes (s->ip_bytes.data, s->ip_bytes.len, &error);
      if (target == NULL)
        {
          g_message (_ ("skipping a server with a bad address: %s"), error->message);
          continue;
        }
      g_ptr_array_add (data->results, NULL);
      data->running++;
    }
  if (data->running == 0)
    {
      g_task_return_pointer (task, g_ptr_array_ref (data->results),
                             (GDestroyNotify)g_ptr_array_unref);
      return;
    }
  for (gsize i = 0; i < n_servers; i++)
    {
      const Monitor__V2__Server *s = servers[i];
      NtpmonProbeRequest req = *request;
      OneCheck *one;
      GInetAddress *target = ntpmon_ip_from_bytes (s->ip_bytes.data, s->ip_bytes.len, NULL);

      if (target == NULL)
        continue;
      one = g_new0 (OneCheck, 1);
      one->task = g_object_ref (task);
      one->index = started++;
      one->target = target;
      if (s->ticket.len > 0)
        one->ticket = g_base64_encode (s->ticket.data, s->ticket.len);
      if (s->trace)
        {
          g_autofree gchar *ip = ntpmon_ip_to_string (target);
          g_message (_ ("traceroute requested for %s; not supported yet, checking it with NTP"),
                     ip);
        }
      req.target = target;
      ntpmon_probe_run_async (probe, &req, cancellable, check_done_cb, one);
    }
}

GPtrArray *
ntpmon_monitor_batch_check_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- encoding ------------------------------------------------------------ */

GBytes *
ntpmon_monitor_batch_encode (const gchar *mon_id, GBytes *batch_id, GPtrArray *results,
                             GError **error)
{
  Monitor__V2__SubmitResultsRequest request = MONITOR__V2__SUBMIT_RESULTS_REQUEST__INIT;
  g_autoptr (GPtrArray) statuses
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_proto_message_free);
  gsize size;
  guint8 *buf;

  for (guint i = 0; i < results->len; i++)
    {
      Monitor__V2__ServerStatus *st
          = ntpmon_rpc_status_from_ntp_result (g_ptr_array_index (results, i), error);
      if (st == NULL)
        return NULL;
      g_ptr_array_add (statuses, st);
    }
  request.version = NTPMON_RPC_CLIENT_SUBMIT_VERSION;
  request.mon_id = (gchar *)mon_id;
  request.n_list = statuses->len;
  request.list = (Monitor__V2__ServerStatus **)statuses->pdata;
  if (batch_id != NULL)
    request.batch_id.data = (guint8 *)g_bytes_get_data (batch_id, &request.batch_id.len);
  size = protobuf_c_message_get_packed_size (&request.base);
  buf = g_malloc (MAX (size, 1));
  protobuf_c_message_pack (&request.base, buf);
  return g_bytes_new_take (buf, size);
}

/* --- submission ------------------------------------------------------------ */

typedef struct
{
  NtpmonRpcClient *rpc;
  NtpmonMonitorSpool *spool;
  NtpmonMonitorMetrics *metrics;
  GBytes *request;                            /* the new batch, NULL once handled */
  gboolean draining;                          /* the call in flight is the spool's oldest */
  gboolean spooled;                           /* the new batch went into the spool */
  Monitor__V2__SubmitResultsRequest *decoded; /* of the call in flight */
} SubmitData;

static void
clear_decoded (SubmitData *data)
{
  if (data->decoded != NULL)
    ntpmon_proto_message_free (&data->decoded->base);
  data->decoded = NULL;
}

static void
submit_data_free (SubmitData *data)
{
  g_object_unref (data->rpc);
  ntpmon_monitor_spool_unlock (data->spool);
  g_object_unref (data->spool);
  g_clear_pointer (&data->request, g_bytes_unref);
  clear_decoded (data);
  g_free (data);
}

static void submit_next (GTask *task);

/* The API is down: keep the new batch for later. */
static void
submit_spool_new (GTask *task, GError *transient)
{
  SubmitData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (data->request != NULL)
    {
      if (ntpmon_monitor_spool_push (data->spool, data->request, &error))
        data->spooled = TRUE;
      else
        g_message (_ ("cannot spool the batch, its results are lost: %s"), error->message);
      g_clear_pointer (&data->request, g_bytes_unref);
    }
  g_task_return_error (task, transient);
}

static void
submit_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SubmitData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok = ntpmon_rpc_client_submit_results_finish (data->rpc, result, &error);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ntpmon_monitor_metrics_rpc (data->metrics, "submitResults", ok);

  clear_decoded (data);
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (!data->draining)
        submit_spool_new (task, error);
      else
        g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!ok && ntpmon_rpc_client_error_is_transient (error))
    {
      submit_spool_new (task, error);
      g_object_unref (task);
      return;
    }
  if (data->draining)
    {
      if (!ok)
        {
          g_message (_ ("the API rejected a spooled batch, dropping it: %s"), error->message);
          g_clear_error (&error);
        }
      ntpmon_monitor_spool_pop (data->spool, !ok);
      submit_next (task);
      g_object_unref (task);
      return;
    }
  g_clear_pointer (&data->request, g_bytes_unref);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
submit_request (GTask *task, GBytes *bytes)
{
  SubmitData *data = g_task_get_task_data (task);
  gsize size;
  const guint8 *buf = g_bytes_get_data (bytes, &size);
  Monitor__V2__SubmitResultsRequest *req
      = (Monitor__V2__SubmitResultsRequest *)protobuf_c_message_unpack (
          &monitor__v2__submit_results_request__descriptor, NULL, size, buf);
  g_autoptr (GBytes) batch_id = NULL;

  if (req == NULL)
    {
      g_message (_ ("dropping a spooled batch that does not decode"));
      ntpmon_monitor_spool_pop (data->spool, TRUE);
      submit_next (task);
      return;
    }
  data->decoded = req;
  batch_id = g_bytes_new (req->batch_id.data, req->batch_id.len);
  ntpmon_rpc_client_submit_results (data->rpc, req->mon_id, batch_id, req->list, req->n_list,
                                    g_task_get_cancellable (task), submit_cb, g_object_ref (task));
}

static void
submit_next (GTask *task)
{
  SubmitData *data = g_task_get_task_data (task);
  g_autoptr (GBytes) oldest = ntpmon_monitor_spool_peek (data->spool);

  if (oldest != NULL)
    {
      data->draining = TRUE;
      submit_request (task, oldest);
      return;
    }
  data->draining = FALSE;
  if (data->request == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  submit_request (task, data->request);
}

void
ntpmon_monitor_batch_submit_async (NtpmonRpcClient *rpc, NtpmonMonitorSpool *spool,
                                   NtpmonMonitorMetrics *metrics, GBytes *request,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (rpc, cancellable, callback, user_data);
  SubmitData *data;

  g_task_set_source_tag (task, ntpmon_monitor_batch_submit_async);
  if (!ntpmon_monitor_spool_try_lock (spool))
    {
      /* another worker is delivering the spool: queue behind it */
      g_autoptr (GError) error = NULL;
      gboolean spooled = request != NULL && ntpmon_monitor_spool_push (spool, request, &error);

      if (request != NULL && !spooled)
        g_message (_ ("cannot spool the batch, its results are lost: %s"), error->message);
      g_task_return_boolean (task, TRUE);
      return;
    }
  data = g_new0 (SubmitData, 1);
  data->rpc = g_object_ref (rpc);
  data->spool = g_object_ref (spool);
  data->metrics = metrics;
  data->request = request != NULL ? g_bytes_ref (request) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify)submit_data_free);
  submit_next (task);
}

gboolean
ntpmon_monitor_batch_submit_finish (GAsyncResult *result, gboolean *spooled, GError **error)
{
  SubmitData *data = g_task_get_task_data (G_TASK (result));

  if (spooled != NULL)
    *spooled = data != NULL && data->spooled;
  return g_task_propagate_boolean (G_TASK (result), error);
}
