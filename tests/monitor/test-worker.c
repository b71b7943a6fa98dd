/* test-worker.c: the per-family monitor worker against an in-test Connect
 * server (real TLS with a client certificate) handing out fake NTP servers
 * on loopback
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ip.h"
#include "ntpmon-monitor-backoff.h"
#include "ntpmon-monitor-worker.h"
#include "ntpmon-ntp-probe.h"
#include "ntpmon-rpc-error.h"
#include "ntpmon-ulid.h"
#include "rpc-test-server.h"

#define MAX_SERVERS 12
#define SEED        1234

typedef struct
{
  gchar *batch_id;
  gchar *ip;
  gboolean has_offset;
  gint64 offset_ns;
  gchar *ticket;
  gchar *error;
} Got;

typedef struct
{
  RpcTestCerts *certs;
  RpcTestServer *server;
  gchar *base;
  NtpmonState *state;
  NtpmonRpcClient *rpc;
  NtpmonMonitorSpool *spool;
  NtpmonProbe *probe;
  NtpmonFakeNtp *reference; /* the base check, offset 0 */
  NtpmonFakeNtp *ntp[MAX_SERVERS];
  guint n_ntp;

  /* server script */
  guint batches_left;    /* GetServers hands out this many non-empty batches */
  guint per_batch;       /* servers per batch */
  guint submit_failures; /* SubmitResults answers `unavailable` this often */
  guint n_get_servers;
  guint n_submit_calls;

  /* what arrived */
  GPtrArray *got;        /* Got */
  GPtrArray *handed_out; /* batch ids (gchar *) in order */

  /* borrowed responses */
  Monitor__V2__GetConfigResponse config;
  ProtobufCBinaryData check;
  guint8 own_ip[4];
  Monitor__V2__GetServersResponse servers;
  Monitor__V2__Server server_msgs[MAX_SERVERS];
  Monitor__V2__Server *server_list[MAX_SERVERS];
  gchar batch_text[NTPMON_ULID_TEXT_LEN + 1];
  guint8 ips[MAX_SERVERS][4];
  gchar tickets[MAX_SERVERS][8];
  Monitor__V2__SubmitResultsResponse submit_ok;

  GArray *delays; /* guint64 ms of retry-scheduled */
  gboolean done;
  gboolean ok;
  GError *error;
} Fixture;

static void
got_free (Got *g)
{
  g_free (g->batch_id);
  g_free (g->ip);
  g_free (g->ticket);
  g_free (g->error);
  g_free (g);
}

static const ProtobufCMessage *
respond (RpcTestServer *ts, const ProtobufCMethodDescriptor *method,
         const ProtobufCMessage *request, gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  if (g_str_equal (method->name, "GetConfig"))
    return &f->config.base;
  if (g_str_equal (method->name, "GetServers"))
    {
      NtpmonUlid ulid;

      f->n_get_servers++;
      monitor__v2__get_servers_response__init (&f->servers);
      if (f->batches_left == 0)
        return &f->servers.base;
      f->batches_left--;
      ntpmon_ulid_generate (&ulid);
      ntpmon_ulid_format (&ulid, f->batch_text);
      g_ptr_array_add (f->handed_out, g_strdup (f->batch_text));
      f->servers.batch_id.data = (guint8 *)f->batch_text;
      f->servers.batch_id.len = NTPMON_ULID_TEXT_LEN;
      f->servers.n_servers = f->per_batch;
      f->servers.servers = f->server_list;
      return &f->servers.base;
    }
  if (g_str_equal (method->name, "SubmitResults"))
    {
      const Monitor__V2__SubmitResultsRequest *req
          = (const Monitor__V2__SubmitResultsRequest *)request;

      f->n_submit_calls++;
      if (f->submit_failures > 0)
        {
          f->submit_failures--;
          g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE,
                               "database is down");
          return NULL;
        }
      g_assert_cmpint (req->version, ==, 4);
      g_assert_cmpstr (req->mon_id, ==, "127.0.0.1");
      for (gsize i = 0; i < req->n_list; i++)
        {
          const Monitor__V2__ServerStatus *st = req->list[i];
          g_autoptr (GInetAddress) ip
              = ntpmon_ip_from_bytes (st->ip_bytes.data, st->ip_bytes.len, NULL);
          Got *g = g_new0 (Got, 1);

          g_assert_nonnull (ip);
          g->batch_id = g_strndup ((const gchar *)req->batch_id.data, req->batch_id.len);
          g->ip = ntpmon_ip_to_string (ip);
          g->has_offset = st->offset != NULL;
          if (st->offset != NULL)
            g->offset_ns = st->offset->seconds * G_GINT64_CONSTANT (1000000000) + st->offset->nanos;
          g->ticket = g_strndup ((const gchar *)st->ticket.data, st->ticket.len);
          g->error = g_strdup (st->error);
          g_assert_nonnull (st->ts);
          g_ptr_array_add (f->got, g);
        }
      return &f->submit_ok.base;
    }
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED, "no %s", method->name);
  return NULL;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *spool_dir = NULL;
  guint16 port;

  f->certs = rpc_test_certs_new ();
  f->server = rpc_test_server_new (f->certs);
  f->server->respond = respond;
  f->server->respond_data = f;
  f->base = g_dir_make_tmp ("monitor-worker-XXXXXX", &error);
  g_assert_no_error (error);
  f->state = ntpmon_state_new (f->base, "test");
  g_assert_true (ntpmon_state_set_data (f->state, "host1", RPC_TEST_CLIENT1_NAME, "active",
                                        "127.0.0.1", "", "", &error));
  g_assert_no_error (error);
  f->rpc = ntpmon_rpc_client_new (f->server->base_url, f->certs->ca_pem, &error);
  g_assert_no_error (error);
  g_assert_true (ntpmon_rpc_client_set_certificate_files (f->rpc, f->certs->client1_pem,
                                                          f->certs->client1_key, &error));
  spool_dir = g_build_filename (f->base, "test", "spool", NULL);
  f->spool = ntpmon_monitor_spool_new (spool_dir, 100, &error);
  g_assert_no_error (error);
  f->probe = ntpmon_ntp_probe_new ();
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 10, 1000);

  /* all fake servers on one port, each on its own loopback address */
  f->reference = ntpmon_fake_ntp_new ("127.0.0.2", &error);
  g_assert_no_error (error);
  port = ntpmon_fake_ntp_get_port (f->reference);
  for (guint i = 0; i < MAX_SERVERS; i++)
    {
      g_autofree gchar *addr = g_strdup_printf ("127.0.1.%u", i + 1);
      Monitor__V2__Server *s = &f->server_msgs[i];

      f->ntp[i] = ntpmon_fake_ntp_new_full (addr, port, &error);
      g_assert_no_error (error);
      ntpmon_fake_ntp_get_behaviour (f->ntp[i])->offset_ns
          = (gint64)(i + 1) * 20000000; /* +20 ms … */
      monitor__v2__server__init (s);
      f->ips[i][0] = 127;
      f->ips[i][1] = 0;
      f->ips[i][2] = 1;
      f->ips[i][3] = (guint8)(i + 1);
      s->ip_bytes.data = f->ips[i];
      s->ip_bytes.len = 4;
      g_snprintf (f->tickets[i], sizeof f->tickets[i], "tk%u", i);
      s->ticket.data = (guint8 *)f->tickets[i];
      s->ticket.len = strlen (f->tickets[i]);
      f->server_list[i] = s;
    }
  f->n_ntp = MAX_SERVERS;

  monitor__v2__get_config_response__init (&f->config);
  f->config.samples = 1;
  f->own_ip[0] = 127;
  f->own_ip[3] = 1;
  f->config.ip_bytes.data = f->own_ip;
  f->config.ip_bytes.len = 4;
  f->check.data = (guint8 *)"127.0.0.2";
  f->check.len = strlen ("127.0.0.2");
  f->config.n_base_checks = 1;
  f->config.base_checks = &f->check;
  monitor__v2__submit_results_response__init (&f->submit_ok);
  f->submit_ok.ok = TRUE;

  f->got = g_ptr_array_new_with_free_func ((GDestroyNotify)got_free);
  f->handed_out = g_ptr_array_new_with_free_func (g_free);
  f->delays = g_array_new (FALSE, FALSE, sizeof (guint64));
}

static void
rm_rf (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      rm_rf (child);
    }
  g_remove (path);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < f->n_ntp; i++)
    ntpmon_fake_ntp_free (f->ntp[i]);
  ntpmon_fake_ntp_free (f->reference);
  g_object_unref (f->probe);
  g_object_unref (f->spool);
  g_object_unref (f->rpc);
  g_object_unref (f->state);
  rm_rf (f->base);
  g_free (f->base);
  rpc_test_server_free (f->server);
  rpc_test_certs_free (f->certs);
  g_ptr_array_unref (f->got);
  g_ptr_array_unref (f->handed_out);
  g_array_unref (f->delays);
  g_clear_error (&f->error);
  /* drain what the cancelled calls left */
  while (g_main_context_iteration (NULL, FALSE))
    ;
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
  options.ntp_port = ntpmon_fake_ntp_get_port (f->reference);
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

static void
assert_result (Fixture *f, const Got *g, guint server)
{
  g_autofree gchar *ip = g_strdup_printf ("127.0.1.%u", server + 1);
  g_autofree gchar *ticket = g_strdup_printf ("tk%u", server);
  gint64 want = (gint64)(server + 1) * 20000000;

  g_assert_cmpstr (g->ip, ==, ip);
  g_assert_cmpstr (g->ticket, ==, ticket);
  g_assert_cmpstr (g->error, ==, "");
  g_assert_true (g->has_offset);
  /* loopback: within 5 ms of the fake server's offset */
  g_assert_cmpint (g->offset_ns, >, want - 5000000);
  g_assert_cmpint (g->offset_ns, <, want + 5000000);
}

static void
test_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  g_autoptr (GVariant) stats = NULL;
  guint64 checks = 0;

  f->batches_left = 1;
  f->per_batch = 3;
  worker = start_worker (f, FALSE, cancellable);
  while (f->got->len < 3)
    g_main_context_iteration (NULL, TRUE);
  stop_worker (f, cancellable);
  g_assert_cmpuint (f->got->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const Got *g = g_ptr_array_index (f->got, i);
      g_assert_cmpstr (g->batch_id, ==, g_ptr_array_index (f->handed_out, 0));
      assert_result (f, g, i);
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
  f->batches_left = 5;
  f->per_batch = 12;
  worker = start_worker (f, TRUE, NULL);
  rpc_test_wait (&f->done);
  g_assert_no_error (f->error);
  g_assert_true (f->ok);
  g_assert_cmpuint (f->n_get_servers, ==, 1);
  g_assert_cmpuint (f->got->len, ==, 9);
  for (guint i = 0; i < 9; i++)
    assert_result (f, g_ptr_array_index (f->got, i), i);
}

static void
test_idle_backoff (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (NtpmonMonitorWorker) worker = NULL;
  NtpmonMonitorBackoff expected;

  /* no work: polled with the backoff; the delays are those of the same seed */
  f->batches_left = 0;
  worker = start_worker (f, FALSE, cancellable);
  while (f->delays->len < 2)
    g_main_context_iteration (NULL, TRUE);
  stop_worker (f, cancellable);
  g_assert_cmpuint (f->n_get_servers, ==, 2);
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
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (NtpmonMonitorWorker) worker = NULL;

  /* SubmitResults is unavailable twice: the first batch goes to the spool,
   * its first resubmission fails and the second batch queues behind it;
   * then everything arrives once, in order */
  f->batches_left = 3;
  f->per_batch = 2;
  f->submit_failures = 2;
  worker = start_worker (f, FALSE, cancellable);
  while (f->got->len < 6)
    g_main_context_iteration (NULL, TRUE);
  stop_worker (f, cancellable);
  g_assert_cmpuint (f->handed_out->len, ==, 3);
  g_assert_cmpuint (f->got->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      const Got *g = g_ptr_array_index (f->got, i);
      g_assert_cmpstr (g->batch_id, ==, g_ptr_array_index (f->handed_out, i / 2));
      assert_result (f, g, i % 2);
    }
  g_assert_cmpuint (ntpmon_monitor_spool_get_length (f->spool), ==, 0);
  g_assert_cmpuint (ntpmon_monitor_spool_get_dropped (f->spool), ==, 0);
  g_assert_cmpuint (f->n_submit_calls, ==, 6 / 2 + 2);
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
  return g_test_run ();
}
