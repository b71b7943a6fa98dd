/* test-worker.c: the per-family monitor worker against an in-test Connect
 * server (real TLS with a client certificate) handing out fake NTP servers
 * on loopback
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "monitor-test-api.h"
#include "ntpmon-monitor-backoff.h"
#include "ntpmon-monitor-batch.h"
#include "ntpmon-monitor-worker.h"
#include "ntpmon-ntp-probe.h"

#define SEED 1234

typedef struct
{
  MonitorTestApi *api;
  gchar *base;
  NtpmonState *state;
  NtpmonRpcClient *rpc;
  NtpmonMonitorSpool *spool;
  NtpmonProbe *probe;

  GArray *delays; /* guint64 ms of retry-scheduled */
  gboolean done;
  gboolean ok;
  GError *error;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *spool_dir = NULL;

  f->api = monitor_test_api_new ();
  f->base = g_dir_make_tmp ("monitor-worker-XXXXXX", &error);
  g_assert_no_error (error);
  f->state = ntpmon_state_new (f->base, "test");
  g_assert_true (ntpmon_state_set_data (f->state, "host1", RPC_TEST_CLIENT1_NAME, "active",
                                        "127.0.0.1", "", "", &error));
  g_assert_no_error (error);
  f->rpc = ntpmon_rpc_client_new (f->api->server->base_url, f->api->certs->ca_pem, &error);
  g_assert_no_error (error);
  g_assert_true (ntpmon_rpc_client_set_certificate_files (f->rpc, f->api->certs->client1_pem,
                                                          f->api->certs->client1_key, &error));
  spool_dir = g_build_filename (f->base, "test", "spool", NULL);
  f->spool = ntpmon_monitor_spool_new (spool_dir, 100, &error);
  g_assert_no_error (error);
  f->probe = ntpmon_ntp_probe_new ();
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 10, 1000);
  f->delays = g_array_new (FALSE, FALSE, sizeof (guint64));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  gboolean quiet = FALSE;

  /* let the cancelled calls finish and the client's connections close
   * before the server goes (it closes its TLS streams synchronously) */
  ntpmon_rpc_client_flush_connections (f->rpc);
  g_object_unref (f->rpc);
  g_timeout_add (300, monitor_test_set_flag_cb, &quiet);
  while (!quiet)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (f->probe);
  g_object_unref (f->spool);
  g_object_unref (f->state);
  monitor_test_rm_rf (f->base);
  g_free (f->base);
  monitor_test_api_free (f->api);
  g_array_unref (f->delays);
  g_clear_error (&f->error);
}

static void
run_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  f->ok = ntpmon_monitor_worker_run_finish (NTPMON_MONITOR_WORKER (source), result, &f->error);
  f->done = TRUE;
}

static void
retry_cb (NtpmonMonitorWorker *worker, guint64 delay_ms, gpointer user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->delays, delay_ms);
}

static NtpmonMonitorWorker *
start_worker (Fixture *f, gboolean once, GCancellable *cancellable)
{
  NtpmonMonitorWorkerOptions options = { 0 };
  NtpmonMonitorWorker *worker;

  options.once = once;
  options.allow_private = TRUE;
  options.ntp_port = monitor_test_api_ntp_port (f->api);
  options.backoff_seed = SEED;
  worker
      = ntpmon_monitor_worker_new (NTPMON_STATE_IPV4, f->state, f->rpc, f->spool, NULL, &options);
  ntpmon_monitor_worker_set_probe (worker, f->probe);
  g_signal_connect (worker, NTPMON_MONITOR_WORKER_SIGNAL_RETRY, G_CALLBACK (retry_cb), f);
  ntpmon_monitor_worker_run_async (worker, cancellable, run_done_cb, f);
  return worker;
}

static void
stop_worker (Fixture *f, GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
  rpc_test_wait (&f->done);
  g_assert_false (f->ok);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Runs a worker until @n results arrived, then stops it. */
static NtpmonMonitorWorker *
run_until_results (Fixture *f, guint n)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  NtpmonMonitorWorker *worker = start_worker (f, FALSE, cancellable);

  while (f->api->got->len < n)
    g_main_context_iteration (NULL, TRUE);
  stop_worker (f, cancellable);
  return worker;
}

static void
test_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  g_autoptr (GVariant) stats = NULL;
  guint64 checks = 0;

  f->api->batches_left = 1;
  f->api->per_batch = 3;
  worker = run_until_results (f, 3);
  g_assert_cmpuint (f->api->got->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const MonitorTestResult *g = g_ptr_array_index (f->api->got, i);
      g_assert_cmpstr (g->batch_id, ==, g_ptr_array_index (f->api->handed_out, 0));
      monitor_test_assert_result (g, i);
    }
  stats = ntpmon_monitor_worker_to_variant (worker);
  g_assert_true (g_variant_lookup (stats, "ChecksDone", "t", &checks));
  g_assert_cmpuint (checks, ==, 3);
}

static void
test_once (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonMonitorWorker) worker = NULL;

  /* more than 10 servers: only the first 9 are checked */
  f->api->batches_left = 5;
  f->api->per_batch = 12;
  worker = start_worker (f, TRUE, NULL);
  rpc_test_wait (&f->done);
  g_assert_no_error (f->error);
  g_assert_true (f->ok);
  g_assert_cmpuint (f->api->n_get_servers, ==, 1);
  g_assert_cmpuint (f->api->got->len, ==, 9);
  for (guint i = 0; i < 9; i++)
    monitor_test_assert_result (g_ptr_array_index (f->api->got, i), i);
}

static void
test_idle_backoff (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  NtpmonMonitorBackoff expected;

  /* no work: polled with the backoff; the delays are those of the same seed */
  f->api->batches_left = 0;
  worker = start_worker (f, FALSE, cancellable);
  while (f->delays->len < 2)
    g_main_context_iteration (NULL, TRUE);
  stop_worker (f, cancellable);
  g_assert_cmpuint (f->api->n_get_servers, ==, 2);
  ntpmon_monitor_backoff_init (&expected, SEED);
  for (guint i = 0; i < f->delays->len; i++)
    {
      guint64 d = 0;
      g_assert_true (ntpmon_monitor_backoff_next (&expected, 0, &d));
      g_assert_cmpuint (g_array_index (f->delays, guint64, i), ==, d);
    }
  ntpmon_monitor_backoff_clear (&expected);
}

static void
test_api_down (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonMonitorWorker) worker = NULL;

  /* SubmitResults is unavailable twice: the first batch goes to the spool,
   * its first resubmission fails and the second batch queues behind it;
   * then everything arrives once, in order */
  f->api->batches_left = 3;
  f->api->per_batch = 2;
  f->api->submit_failures = 2;
  worker = run_until_results (f, 6);
  g_assert_cmpuint (f->api->handed_out->len, ==, 3);
  g_assert_cmpuint (f->api->got->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      const MonitorTestResult *g = g_ptr_array_index (f->api->got, i);
      g_assert_cmpstr (g->batch_id, ==, g_ptr_array_index (f->api->handed_out, i / 2));
      monitor_test_assert_result (g, i % 2);
    }
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (f->spool), ==, 0);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (f->spool), ==, 0);
  g_assert_cmpuint (f->api->n_submit_calls, ==, 6 / 2 + 2);
}

static gboolean
worker_in_state (NtpmonMonitorWorker *worker, const gchar *state)
{
  g_autoptr (GVariant) v = ntpmon_monitor_worker_to_variant (worker);
  const gchar *s = NULL;

  g_assert_true (g_variant_lookup (v, "State", "&s", &s));
  return g_strcmp0 (s, state) == 0;
}

static void
test_activation (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  g_autoptr (GError) error = NULL;

  /* IPv4 is pending: the worker waits for a change, without restart */
  g_assert_true (ntpmon_state_set_data (f->state, "host1", RPC_TEST_CLIENT1_NAME, "pending",
                                        "127.0.0.1", "", "", &error));
  f->api->batches_left = 2;
  f->api->per_batch = 1;
  worker = start_worker (f, FALSE, cancellable);
  g_assert_true (worker_in_state (worker, "waiting-for-activation"));
  g_assert_false (f->done);

  /* the reload shows it active: monitoring starts */
  g_assert_true (ntpmon_state_set_data (f->state, "host1", RPC_TEST_CLIENT1_NAME, "active",
                                        "127.0.0.1", "", "", &error));
  while (f->api->got->len < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->api->n_get_config, >=, 1);

  /* paused: the next iteration waits again, no further batch is asked for */
  g_assert_true (ntpmon_state_set_data (f->state, "host1", RPC_TEST_CLIENT1_NAME, "paused",
                                        "127.0.0.1", "", "", &error));
  while (!worker_in_state (worker, "waiting-for-activation"))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (f->api->handed_out->len, ==, 1);
  stop_worker (f, cancellable);
  g_assert_cmpuint (f->api->got->len, ==, 1);
}

static void
test_spool_write_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  const gchar *dir = ntpmon_monitor_spool_get_dir (f->spool);
  g_autoptr (GError) error = NULL;

  /* the spool cannot be written (a file where its directory was): the
   * batch the API did not take is lost, counted; the worker carries on */
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_file_set_contents (dir, "", 0, &error);
  g_assert_no_error (error);
  f->api->batches_left = 2;
  f->api->per_batch = 1;
  f->api->submit_failures = 1;
  worker = run_until_results (f, 1);
  g_assert_cmpuint (ntpmon_monitor_spool_get_write_failures (f->spool), ==, 1);
  g_assert_cmpuint (f->api->got->len, ==, 1);
  g_assert_cmpstr (((MonitorTestResult *)g_ptr_array_index (f->api->got, 0))->batch_id, ==,
                   g_ptr_array_index (f->api->handed_out, 1));
  g_assert_cmpint (g_remove (dir), ==, 0);
}

static void
test_spool_full (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonMonitorWorker) worker = NULL;

  /* room for one batch: while the API is down the second batch pushes the
   * first out (counted); once it is back the second arrives */
  ntpmon_monitor_spool_set_max_batches (f->spool, 1);
  f->api->batches_left = 2;
  f->api->per_batch = 1;
  f->api->submit_failures = 2;
  worker = run_until_results (f, 1);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (f->spool), ==, 1);
  g_assert_cmpuint (f->api->got->len, ==, 1);
  g_assert_cmpstr (((MonitorTestResult *)g_ptr_array_index (f->api->got, 0))->batch_id, ==,
                   g_ptr_array_index (f->api->handed_out, 1));
}

static void
test_spool_rejected (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) old
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_ntp_result_unref);
  g_autoptr (GBytes) old_batch = g_bytes_new_static ("01OLDBATCH0000000000000000", 26);
  g_autoptr (GBytes) encoded = NULL;
  NtpmonNtpResult *r = ntpmon_ntp_result_new ();

  /* a spooled batch the API refuses for good is dropped and counted; the
   * new batch behind it is delivered */
  r->ip = g_inet_address_new_from_string ("127.0.1.1");
  r->no_response = TRUE;
  g_ptr_array_add (old, r);
  encoded = ntpmon_monitor_batch_encode ("127.0.0.1", old_batch, old, &error);
  g_assert_no_error (error);
  g_assert_true (ntpmon_monitor_spool_push (f->spool, encoded, &error));
  f->api->reject_batch = g_strdup ("01OLDBATCH0000000000000000");
  f->api->batches_left = 1;
  f->api->per_batch = 1;
  worker = run_until_results (f, 1);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (f->spool), ==, 1);
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (f->spool), ==, 0);
  g_assert_cmpuint (f->api->got->len, ==, 1);
  monitor_test_assert_result (g_ptr_array_index (f->api->got, 0), 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/monitor/worker/batch", test_batch);
  ADD ("/monitor/worker/once", test_once);
  ADD ("/monitor/worker/idle-backoff", test_idle_backoff);
  ADD ("/monitor/worker/api-down", test_api_down);
  ADD ("/monitor/worker/activation", test_activation);
  ADD ("/monitor/worker/spool-write-failure", test_spool_write_failure);
  ADD ("/monitor/worker/spool-full", test_spool_full);
  ADD ("/monitor/worker/spool-rejected", test_spool_rejected);
  return g_test_run ();
}
