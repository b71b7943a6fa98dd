/* monitor-test-api.c: a scripted monitor RPC API for the monitor tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "monitor-test-api.h"
#include "ntpmon-ip.h"
#include "ntpmon-rpc-error.h"

static void
result_free (MonitorTestResult *r)
{
  g_free (r->batch_id);
  g_free (r->ip);
  g_free (r->ticket);
  g_free (r->error);
  g_free (r->peer);
  g_free (r->authorization);
  g_free (r);
}

static const ProtobufCMessage *
get_servers (MonitorTestApi *api)
{
  NtpmonUlid ulid;

  api->n_get_servers++;
  monitor__v2__get_servers_response__init (&api->servers);
  if (api->batches_left == 0)
    return &api->servers.base;
  api->batches_left--;
  ntpmon_ulid_generate (&ulid);
  ntpmon_ulid_format (&ulid, api->batch_text);
  g_ptr_array_add (api->handed_out, g_strdup (api->batch_text));
  api->servers.batch_id.data = (guint8 *)api->batch_text;
  api->servers.batch_id.len = NTPMON_ULID_TEXT_LEN;
  api->servers.n_servers = api->per_batch;
  api->servers.servers = api->server_list;
  return &api->servers.base;
}

static const ProtobufCMessage *
submit_results (MonitorTestApi *api, RpcTestServer *ts,
                const Monitor__V2__SubmitResultsRequest *req, GError **error)
{
  api->n_submit_calls++;
  if (api->submit_failures > 0)
    {
      api->submit_failures--;
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNAVAILABLE,
                           "database is down");
      return NULL;
    }
  if (api->reject_batch != NULL && req->batch_id.len == strlen (api->reject_batch)
      && memcmp (req->batch_id.data, api->reject_batch, req->batch_id.len) == 0)
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_FAILED_PRECONDITION,
                           "batch too old");
      return NULL;
    }
  g_assert_cmpint (req->version, ==, 4);
  g_assert_cmpstr (req->mon_id, ==, "127.0.0.1");
  for (gsize i = 0; i < req->n_list; i++)
    {
      const Monitor__V2__ServerStatus *st = req->list[i];
      g_autoptr (GInetAddress) ip
          = ntpmon_ip_from_bytes (st->ip_bytes.data, st->ip_bytes.len, NULL);
      MonitorTestResult *r = g_new0 (MonitorTestResult, 1);

      g_assert_nonnull (ip);
      g_assert_nonnull (st->ts);
      r->batch_id = g_strndup ((const gchar *)req->batch_id.data, req->batch_id.len);
      r->ip = ntpmon_ip_to_string (ip);
      r->has_offset = st->offset != NULL;
      if (st->offset != NULL)
        r->offset_ns = st->offset->seconds * G_GINT64_CONSTANT (1000000000) + st->offset->nanos;
      r->ticket = g_strndup ((const gchar *)st->ticket.data, st->ticket.len);
      r->error = g_strdup (st->error);
      r->peer = rpc_test_certificate_dns_name (ts->peer_certificate);
      r->authorization = g_strdup (g_hash_table_lookup (ts->headers, "authorization"));
      g_ptr_array_add (api->got, r);
    }
  return &api->submit_ok.base;
}

static const ProtobufCMessage *
respond (RpcTestServer *ts, const ProtobufCMethodDescriptor *method,
         const ProtobufCMessage *request, gpointer user_data, GError **error)
{
  MonitorTestApi *api = user_data;

  if (g_str_equal (method->name, "GetConfig"))
    {
      api->n_get_config++;
      return &api->config.base;
    }
  if (g_str_equal (method->name, "GetServers"))
    return get_servers (api);
  if (g_str_equal (method->name, "SubmitResults"))
    return submit_results (api, ts, (const Monitor__V2__SubmitResultsRequest *)request, error);
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNIMPLEMENTED, "no %s", method->name);
  return NULL;
}

MonitorTestApi *
monitor_test_api_new (void)
{
  MonitorTestApi *api = g_new0 (MonitorTestApi, 1);
  g_autoptr (GError) error = NULL;
  guint16 port;

  api->certs = rpc_test_certs_new ();
  api->server = rpc_test_server_new (api->certs);
  api->server->respond = respond;
  api->server->respond_data = api;

  /* all fake servers on one port, each on its own loopback address */
  api->reference = ntpmon_fake_ntp_new ("127.0.0.2", &error);
  g_assert_no_error (error);
  port = ntpmon_fake_ntp_get_port (api->reference);
  for (guint i = 0; i < MONITOR_TEST_MAX_SERVERS; i++)
    {
      g_autofree gchar *addr = g_strdup_printf ("127.0.1.%u", i + 1);
      Monitor__V2__Server *s = &api->server_msgs[i];

      api->ntp[i] = ntpmon_fake_ntp_new_full (addr, port, &error);
      g_assert_no_error (error);
      ntpmon_fake_ntp_get_behaviour (api->ntp[i])->offset_ns
          = (gint64)(i + 1) * MONITOR_TEST_OFFSET_NS;
      monitor__v2__server__init (s);
      api->ips[i][0] = 127;
      api->ips[i][2] = 1;
      api->ips[i][3] = (guint8)(i + 1);
      s->ip_bytes.data = api->ips[i];
      s->ip_bytes.len = 4;
      g_snprintf (api->tickets[i], sizeof api->tickets[i], "tk%u", i);
      s->ticket.data = (guint8 *)api->tickets[i];
      s->ticket.len = strlen (api->tickets[i]);
      api->server_list[i] = s;
    }

  monitor__v2__get_config_response__init (&api->config);
  api->config.samples = 1;
  api->own_ip[0] = 127;
  api->own_ip[3] = 1;
  api->config.ip_bytes.data = api->own_ip;
  api->config.ip_bytes.len = 4;
  api->check.data = (guint8 *)"127.0.0.2";
  api->check.len = strlen ("127.0.0.2");
  api->config.n_base_checks = 1;
  api->config.base_checks = &api->check;
  monitor__v2__submit_results_response__init (&api->submit_ok);
  api->submit_ok.ok = TRUE;

  api->got = g_ptr_array_new_with_free_func ((GDestroyNotify)result_free);
  api->handed_out = g_ptr_array_new_with_free_func (g_free);
  return api;
}

void
monitor_test_api_free (MonitorTestApi *api)
{
  for (guint i = 0; i < MONITOR_TEST_MAX_SERVERS; i++)
    ntpmon_fake_ntp_free (api->ntp[i]);
  ntpmon_fake_ntp_free (api->reference);
  rpc_test_server_free (api->server);
  rpc_test_certs_free (api->certs);
  g_ptr_array_unref (api->got);
  g_ptr_array_unref (api->handed_out);
  g_free (api->reject_batch);
  g_free (api);
}

guint16
monitor_test_api_ntp_port (MonitorTestApi *api)
{
  return ntpmon_fake_ntp_get_port (api->reference);
}

void
monitor_test_assert_result (const MonitorTestResult *r, guint server)
{
  g_autofree gchar *ip = g_strdup_printf ("127.0.1.%u", server + 1);
  g_autofree gchar *ticket = g_strdup_printf ("tk%u", server);
  gint64 want = (gint64)(server + 1) * MONITOR_TEST_OFFSET_NS;

  g_assert_cmpstr (r->ip, ==, ip);
  g_assert_cmpstr (r->ticket, ==, ticket);
  g_assert_cmpstr (r->error, ==, "");
  g_assert_true (r->has_offset);
  /* loopback: within 5 ms of the fake server's offset */
  g_assert_cmpint (r->offset_ns, >, want - 5000000);
  g_assert_cmpint (r->offset_ns, <, want + 5000000);
}

gboolean
monitor_test_set_flag_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
monitor_test_wait (gboolean (*cond) (gpointer data), gpointer data)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (90, monitor_test_set_flag_cb, &expired);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_assert_not_reached ();
  g_source_remove (id);
}

void
monitor_test_rm_rf (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      monitor_test_rm_rf (child);
    }
  g_remove (path);
}
