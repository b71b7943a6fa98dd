/* ntpmon-ntp-probe.c: the `ntp` probe (spec agent.md §5.6)
 *
 * One check = up to `samples` sequential exchanges 2 s apart, each with a
 * 3 s deadline; a kiss code or bad stratum stops early, otherwise the
 * reference's best-sample rule picks the reported one.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-ntp-probe.h"
#include "ntpmon-ntp-query.h"

#define DEFAULT_SAMPLES            3
#define DEFAULT_SAMPLE_INTERVAL_MS 2000
#define DEFAULT_TIMEOUT_MS         3000

struct _NtpmonNtpProbe
{
  GObject parent_instance;

  gint samples;
  gboolean kernel_timestamps;
  gboolean allow_private;
  guint sample_interval_ms;
  guint timeout_ms;
};

static void ntpmon_ntp_probe_iface_init (NtpmonProbeInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NtpmonNtpProbe, ntpmon_ntp_probe, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NTPMON_TYPE_PROBE,
                                                      ntpmon_ntp_probe_iface_init))

typedef struct
{
  NtpmonNtpQueryOptions options;
  gint samples;
  guint interval_ms;
  GPtrArray *results; /* NtpmonNtpSample */
  GSource *sleep_source;
  GSource *cancel_source;
} CheckState;

static void
check_state_free (CheckState *state)
{
  g_clear_object (&state->options.target);
  g_clear_object (&state->options.bind_address);
  g_ptr_array_unref (state->results);
  ntpmon_ntp_clear_source (&state->sleep_source);
  ntpmon_ntp_clear_source (&state->cancel_source);
  g_free (state);
}

static const gchar *
ntpmon_ntp_probe_get_name (NtpmonProbe *probe)
{
  return "ntp";
}

static gboolean
ntpmon_ntp_probe_configure (NtpmonProbe *probe, GKeyFile *config, GError **error)
{
  NtpmonNtpProbe *self = NTPMON_NTP_PROBE (probe);
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *timestamps = NULL;
  gint samples = DEFAULT_SAMPLES;
  gboolean kernel = TRUE;
  gboolean allow_private = FALSE;

  if (config != NULL && g_key_file_has_key (config, "ntp", "samples", NULL))
    {
      samples = g_key_file_get_integer (config, "ntp", "samples", &local_error);
      if (local_error != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "[ntp] samples: ");
          return FALSE;
        }
      if (samples <= 0)
        samples = DEFAULT_SAMPLES;
    }
  if (config != NULL && g_key_file_has_key (config, "ntp", "timestamps", NULL))
    {
      timestamps = g_key_file_get_string (config, "ntp", "timestamps", NULL);
      if (g_strcmp0 (timestamps, "user") == 0)
        kernel = FALSE;
      else if (g_strcmp0 (timestamps, "kernel") != 0)
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[ntp] timestamps: expected kernel or user, got “%s”", timestamps);
          return FALSE;
        }
    }
  if (config != NULL && g_key_file_has_key (config, "ntp", "allow-private-targets", NULL))
    {
      allow_private = g_key_file_get_boolean (config, "ntp", "allow-private-targets", &local_error);
      if (local_error != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "[ntp] allow-private-targets: ");
          return FALSE;
        }
    }
  self->samples = samples;
  self->kernel_timestamps = kernel;
  self->allow_private = allow_private;
  return TRUE;
}

static NtpmonNtpResult *
result_from_sample (const NtpmonNtpQueryOptions *options, const NtpmonNtpSample *sample)
{
  NtpmonNtpResult *result = ntpmon_ntp_result_new ();

  result->ip = g_object_ref (options->target);
  result->port = options->port;
  result->ts_ns = sample->ts_ns;
  result->has_offset = sample->has_offset;
  result->offset_ns = sample->has_offset ? sample->offset_ns : 0;
  result->has_rtt = sample->has_rtt;
  result->rtt_ns = sample->has_rtt ? sample->rtt_ns : 0;
  result->no_response = sample->no_response;
  result->error = g_strdup (sample->error);
  if (sample->raw_reply != NULL)
    result->raw_reply = g_bytes_ref (sample->raw_reply);
  if (sample->has_packet)
    {
      result->stratum = sample->packet.stratum;
      result->leap = sample->packet.leap;
      result->refid = sample->packet.refid;
      result->precision = sample->packet.precision;
      result->root_delay_ns = ntpmon_ntp_short_duration_ns (sample->packet.root_delay);
      result->root_dispersion_ns = ntpmon_ntp_short_duration_ns (sample->packet.root_dispersion);
    }
  if (sample->has_packet)
    result->timestamps
        = sample->kernel_timestamps ? NTPMON_TIMESTAMPS_KERNEL : NTPMON_TIMESTAMPS_USER;
  else
    result->timestamps
        = options->kernel_timestamps ? NTPMON_TIMESTAMPS_KERNEL : NTPMON_TIMESTAMPS_USER;
  return result;
}

static void check_next_sample (GTask *task);

static void
check_finish (GTask *task, const NtpmonNtpSample *chosen)
{
  CheckState *state = g_task_get_task_data (task);
  NtpmonNtpResult *result = result_from_sample (&state->options, chosen);

  for (guint i = 0; i < state->results->len; i++)
    if (((const NtpmonNtpSample *)g_ptr_array_index (state->results, i))->sent)
      result->queries_sent++;
  g_task_return_pointer (task, result, (GDestroyNotify)ntpmon_ntp_result_unref);
}

static void
check_sample_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CheckState *state = g_task_get_task_data (task);
  GError *error = NULL;
  NtpmonNtpSample *sample = ntpmon_ntp_query_finish (res, &error);

  if (sample == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (state->results, sample);
  if (sample->stop)
    {
      check_finish (task, sample);
      return;
    }
  if ((gint)state->results->len >= state->samples)
    {
      check_finish (task, ntpmon_ntp_sample_choose_best (state->results));
      return;
    }
  check_next_sample (g_steal_pointer (&task));
}

static gboolean
check_sleep_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  CheckState *state = g_task_get_task_data (task);

  ntpmon_ntp_clear_source (&state->sleep_source);
  ntpmon_ntp_clear_source (&state->cancel_source);
  ntpmon_ntp_query_async (&state->options, g_task_get_cancellable (task), check_sample_cb,
                          g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static gboolean
check_sleep_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  CheckState *state = g_task_get_task_data (task);

  ntpmon_ntp_clear_source (&state->sleep_source);
  ntpmon_ntp_clear_source (&state->cancel_source);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Takes the caller's reference on @task. */
static void
check_next_sample (GTask *task)
{
  CheckState *state = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (state->results->len == 0)
    {
      ntpmon_ntp_query_async (&state->options, cancellable, check_sample_cb, task);
      return;
    }
  state->sleep_source = g_timeout_source_new (state->interval_ms);
  g_source_set_callback (state->sleep_source, check_sleep_done_cb, g_object_ref (task),
                         g_object_unref);
  g_source_attach (state->sleep_source, g_task_get_context (task));
  if (cancellable != NULL)
    {
      state->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (state->cancel_source, G_SOURCE_FUNC (check_sleep_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (state->cancel_source, g_task_get_context (task));
    }
  g_object_unref (task);
}

static void
ntpmon_ntp_probe_run_async (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  NtpmonNtpProbe *self = NTPMON_NTP_PROBE (probe);
  g_autoptr (GTask) task = g_task_new (probe, cancellable, callback, user_data);
  CheckState *state;

  g_task_set_source_tag (task, ntpmon_ntp_probe_run_async);
  if (!request->allow_private && !self->allow_private)
    {
      const gchar *refusal
          = ntpmon_ntp_target_refusal (g_inet_address_to_bytes (request->target),
                                       g_inet_address_get_native_size (request->target));

      if (refusal != NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s", refusal);
          return;
        }
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  state = g_new0 (CheckState, 1);
  state->options.target = g_object_ref (request->target);
  state->options.port = request->port != 0 ? request->port : 123;
  state->options.bind_address
      = request->bind_address != NULL ? g_object_ref (request->bind_address) : NULL;
  state->options.kernel_timestamps = self->kernel_timestamps;
  state->options.timeout_ms = self->timeout_ms;
  state->samples = request->samples > 0 ? request->samples : self->samples;
  state->interval_ms = self->sample_interval_ms;
  state->results = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_ntp_sample_free);
  g_task_set_task_data (task, state, (GDestroyNotify)check_state_free);
  check_next_sample (g_steal_pointer (&task));
}

static NtpmonNtpResult *
ntpmon_ntp_probe_run_finish (NtpmonProbe *probe, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, probe), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ntpmon_ntp_probe_iface_init (NtpmonProbeInterface *iface)
{
  iface->get_name = ntpmon_ntp_probe_get_name;
  iface->configure = ntpmon_ntp_probe_configure;
  iface->run_async = ntpmon_ntp_probe_run_async;
  iface->run_finish = ntpmon_ntp_probe_run_finish;
}

static void
ntpmon_ntp_probe_class_init (NtpmonNtpProbeClass *klass)
{
}

static void
ntpmon_ntp_probe_init (NtpmonNtpProbe *self)
{
  self->samples = DEFAULT_SAMPLES;
  self->kernel_timestamps = TRUE;
  self->sample_interval_ms = DEFAULT_SAMPLE_INTERVAL_MS;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
}

NtpmonProbe *
ntpmon_ntp_probe_new (void)
{
  return g_object_new (NTPMON_TYPE_NTP_PROBE, NULL);
}

/**
 * ntpmon_ntp_probe_set_timing:
 *
 * Changes the pause between samples and the per-sample deadline (tests
 * and benchmarks; production uses 2 s and 3 s).
 */
void
ntpmon_ntp_probe_set_timing (NtpmonNtpProbe *self, guint sample_interval_ms, guint timeout_ms)
{
  g_return_if_fail (NTPMON_IS_NTP_PROBE (self));
  self->sample_interval_ms = sample_interval_ms;
  self->timeout_ms = timeout_ms;
}
