/* test-ntp-probe.c: the `ntp` probe against a scripted NTP server on
 * loopback, one test per reply the reference treats specially.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-probe.h"

typedef struct
{
  NtpmonFakeNtp *server;
  NtpmonProbe *probe;
  NtpmonProbeRequest request;
} Fixture;

static void
fixture_setup_family (Fixture *f, const gchar *address)
{
  g_autoptr (GError) error = NULL;

  f->server = ntpmon_fake_ntp_new (address, &error);
  g_assert_no_error (error);
  f->probe = ntpmon_ntp_probe_new ();
  /* keep multi-sample tests short; the 3 s deadline has its own test */
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 20, 1000);
  f->request.target = g_object_ref (ntpmon_fake_ntp_get_address (f->server));
  f->request.port = ntpmon_fake_ntp_get_port (f->server);
  f->request.samples = 1;
  f->request.allow_private = TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  fixture_setup_family (f, "127.0.0.1");
}

static void
fixture_setup6 (Fixture *f, gconstpointer data)
{
  fixture_setup_family (f, "::1");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->request.target);
  g_clear_object (&f->request.bind_address);
  g_clear_object (&f->probe);
  ntpmon_fake_ntp_free (f->server);
}

static NtpmonNtpResult *
run (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  NtpmonNtpResult *result = ntpmon_test_run_probe (f->probe, &f->request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (g_inet_address_equal (result->ip, f->request.target));
  g_assert_cmpuint (result->port, ==, f->request.port);
  g_assert_cmpint (result->ts_ns, >, 0);
  return result;
}

/* A reply that was rejected: no_response, nothing but the error. */
static void
assert_rejected (Fixture *f, const gchar *error)
{
  g_autoptr (NtpmonNtpResult) r = run (f);

  g_assert_cmpstr (r->error, ==, error);
  g_assert_true (r->no_response);
  g_assert_false (r->has_offset);
  g_assert_false (r->has_rtt);
  g_assert_cmpint (r->stratum, ==, 0);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 1);
}

static void
test_good (Fixture *f, gconstpointer data)
{
  NtpmonFakeNtpBehaviour *b = ntpmon_fake_ntp_get_behaviour (f->server);
  g_autoptr (NtpmonNtpResult) r = NULL;

  b->offset_ns = 25000000; /* server 25 ms ahead */
  b->leap = 1;
  r = run (f);
  g_assert_null (r->error);
  g_assert_false (r->no_response);
  g_assert_true (r->has_offset);
  g_assert_true (r->has_rtt);
  g_assert_cmpint (r->rtt_ns, >=, 0);
  g_assert_cmpint (r->rtt_ns, <, 100000000);
  /* off by at most half the round trip (plus the server's clock reading) */
  g_assert_cmpint (ABS (r->offset_ns - 25000000), <=, r->rtt_ns / 2 + 100000);
  g_assert_cmpint (r->stratum, ==, 2);
  g_assert_cmpint (r->leap, ==, 1);
  g_assert_cmphex (r->refid, ==, 0x7f000001);
  g_assert_cmpint (r->precision, ==, -20);
  g_assert_cmpint (r->root_delay_ns, ==, 1000000000);
  g_assert_cmpint (r->root_dispersion_ns, ==, 500000000);
  g_assert_nonnull (r->raw_reply);
  g_assert_cmpuint (g_bytes_get_size (r->raw_reply), ==, 48);
  g_assert_cmphex (((const guint8 *)g_bytes_get_data (r->raw_reply, NULL))[0], ==, 0x64);
  g_assert_cmpint (r->timestamps, ==, NTPMON_TIMESTAMPS_KERNEL);
}

static void
test_negative_offset (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;

  ntpmon_fake_ntp_get_behaviour (f->server)->offset_ns = -1500000000;
  r = run (f);
  g_assert_null (r->error);
  g_assert_cmpint (ABS (r->offset_ns + 1500000000), <=, r->rtt_ns / 2 + 100000);
}

static void
test_user_timestamps (Fixture *f, gconstpointer data)
{
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonNtpResult) r = NULL;

  g_key_file_set_string (config, "ntp", "timestamps", "user");
  g_assert_true (ntpmon_probe_configure (f->probe, config, &error));
  g_assert_no_error (error);
  r = run (f);
  g_assert_null (r->error);
  g_assert_cmpint (r->timestamps, ==, NTPMON_TIMESTAMPS_USER);
  g_assert_cmpint (ABS (r->offset_ns), <=, r->rtt_ns / 2 + 100000);
}

static void
test_configure_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_set_string (config, "ntp", "timestamps", "hardware");
  g_assert_false (ntpmon_probe_configure (f->probe, config, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_key_file_set_string (config, "ntp", "timestamps", "kernel");
  g_key_file_set_string (config, "ntp", "samples", "many");
  g_assert_false (ntpmon_probe_configure (f->probe, config, &error));
  g_assert_nonnull (error);
}

static void
test_kiss (Fixture *f, gconstpointer data)
{
  const gchar *code = data;
  NtpmonFakeNtpBehaviour *b = ntpmon_fake_ntp_get_behaviour (f->server);
  g_autoptr (NtpmonNtpResult) r = NULL;

  b->stratum = 0;
  b->refid = ntpmon_fake_ntp_refid (code);
  f->request.samples = 3; /* a kiss code stops sampling */
  r = run (f);
  g_assert_cmpstr (r->error, ==, code);
  g_assert_false (r->no_response);
  g_assert_cmpint (r->stratum, ==, 0);
  g_assert_true (r->has_rtt);
  /* only RATE loses the offset */
  g_assert_cmpint (r->has_offset, ==, strcmp (code, "RATE") != 0);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 1);
}

static void
test_bad_stratum (Fixture *f, gconstpointer data)
{
  struct
  {
    guint8 stratum;
    guint32 refid;
    const gchar *error;
  } cases[] = {
    { 0, 0x7f000001, "bad stratum 0 (referenceID: 0x7f000001, \x7f\x01)" },
    { 0, 0xffffffff, "bad stratum 0 (referenceID: 0xffffffff)" },
    { 16, 0x494e4954, "bad stratum 16 (referenceID: 0x494e4954, INIT)" },
    { 16, 0, "bad stratum 16 (referenceID: 0x0, )" },
    { 11, 0x7f000001, "bad stratum 11" },
    { 15, 0, "bad stratum 15" },
  };
  NtpmonFakeNtpBehaviour *b = ntpmon_fake_ntp_get_behaviour (f->server);

  f->request.samples = 2;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonNtpResult) r = NULL;
      guint before = ntpmon_fake_ntp_get_requests (f->server);

      b->stratum = cases[i].stratum;
      b->refid = cases[i].refid;
      r = run (f);
      g_assert_cmpstr (r->error, ==, cases[i].error);
      g_assert_false (r->no_response);
      g_assert_true (r->has_offset);
      g_assert_true (r->has_rtt);
      g_assert_cmpint (r->stratum, ==, cases[i].stratum);
      g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, before + 1);
    }
}

static void
test_stratum_10_ok (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;

  ntpmon_fake_ntp_get_behaviour (f->server)->stratum = 10;
  ntpmon_fake_ntp_get_behaviour (f->server)->leap = 3; /* not an error here */
  r = run (f);
  g_assert_null (r->error);
  g_assert_cmpint (r->stratum, ==, 10);
  g_assert_cmpint (r->leap, ==, 3);
}

static void
test_short_reply (Fixture *f, gconstpointer data)
{
  ntpmon_fake_ntp_get_behaviour (f->server)->reply_len = 47;
  assert_rejected (f, "unexpected EOF");
}

static void
test_empty_reply (Fixture *f, gconstpointer data)
{
  ntpmon_fake_ntp_get_behaviour (f->server)->empty = TRUE;
  assert_rejected (f, "EOF");
}

static void
test_wrong_mode (Fixture *f, gconstpointer data)
{
  ntpmon_fake_ntp_get_behaviour (f->server)->mode = 3;
  assert_rejected (f, "invalid mode in response");
}

static void
test_zero_transmit (Fixture *f, gconstpointer data)
{
  ntpmon_fake_ntp_get_behaviour (f->server)->zero_transmit = TRUE;
  assert_rejected (f, "invalid transmit time in response");
}

static void
test_origin_mismatch (Fixture *f, gconstpointer data)
{
  ntpmon_fake_ntp_get_behaviour (f->server)->bad_origin = TRUE;
  assert_rejected (f, "server response didn't match request");
}

static void
test_backwards (Fixture *f, gconstpointer data)
{
  ntpmon_fake_ntp_get_behaviour (f->server)->backwards = TRUE;
  assert_rejected (f, "server clock ticked backwards");
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;
  gint64 start = g_get_monotonic_time ();

  /* the production deadline, once */
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 2000, 3000);
  ntpmon_fake_ntp_get_behaviour (f->server)->silent = TRUE;
  r = run (f);
  g_assert_cmpstr (r->error, ==, "network: i/o timeout");
  g_assert_true (r->no_response);
  g_assert_false (r->has_offset);
  g_assert_false (r->has_rtt);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 3000000);
}

static void
test_port_unreachable (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (f->request.target, 0);
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (NtpmonNtpResult) r = NULL;

  /* take a free port and close it again */
  g_assert_true (g_socket_bind (s, any, FALSE, NULL));
  local = g_socket_get_local_address (s, NULL);
  f->request.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_socket_close (s, NULL);
  r = run (f);
  g_assert_cmpstr (r->error, ==, "network: read: connection refused");
  g_assert_true (r->no_response);
  g_assert_false (r->has_offset);
}

static void
test_samples_best (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;

  f->request.samples = 3;
  r = run (f);
  g_assert_null (r->error);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 3);
}

static void
test_samples_default (Fixture *f, gconstpointer data)
{
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (NtpmonNtpResult) r = NULL;

  /* samples <= 0 in the config means 3; request 0 means the config */
  g_key_file_set_integer (config, "ntp", "samples", -4);
  g_assert_true (ntpmon_probe_configure (f->probe, config, NULL));
  f->request.samples = 0;
  ntpmon_fake_ntp_get_behaviour (f->server)->silent = TRUE;
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 10, 50);
  r = run (f);
  g_assert_cmpstr (r->error, ==, "network: i/o timeout");
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 3);

  g_key_file_set_integer (config, "ntp", "samples", 2);
  g_assert_true (ntpmon_probe_configure (f->probe, config, NULL));
  g_clear_pointer (&r, ntpmon_ntp_result_unref);
  r = run (f);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 5);
}

static void
test_refused_target (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonNtpResult) r = NULL;

  f->request.allow_private = FALSE;
  r = ntpmon_test_run_probe (f->probe, &f->request, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "loopback address");
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 0);
}

static void
test_allow_private_config (Fixture *f, gconstpointer data)
{
  g_autoptr (GKeyFile) config = g_key_file_new ();
  g_autoptr (NtpmonNtpResult) r = NULL;

  g_key_file_set_boolean (config, "ntp", "allow-private-targets", TRUE);
  g_assert_true (ntpmon_probe_configure (f->probe, config, NULL));
  f->request.allow_private = FALSE;
  r = run (f);
  g_assert_null (r->error);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  NtpmonNtpResult *r;
  guint fds;

  /* a first check lets GLib set up its lazily created helpers */
  ntpmon_ntp_result_unref (run (f));
  fds = ntpmon_test_count_fds ();

  /* cancelled while waiting for a reply: the socket is closed at once */
  ntpmon_fake_ntp_get_behaviour (f->server)->silent = TRUE;
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 2000, 60000);
  g_timeout_add (50, cancel_cb, cancellable);
  r = ntpmon_test_run_probe (f->probe, &f->request, cancellable, &error);
  g_assert_null (r);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (ntpmon_test_count_fds (), ==, fds);

  /* cancelled in the pause between samples */
  g_cancellable_reset (cancellable);
  ntpmon_fake_ntp_get_behaviour (f->server)->silent = FALSE;
  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 60000, 1000);
  f->request.samples = 2;
  g_timeout_add (100, cancel_cb, cancellable);
  r = ntpmon_test_run_probe (f->probe, &f->request, cancellable, &error);
  g_assert_null (r);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 3);
  g_assert_cmpuint (ntpmon_test_count_fds (), ==, fds);
}

static void
test_bind (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;
  g_autoptr (NtpmonNtpResult) r2 = NULL;

  f->request.bind_address = g_inet_address_new_from_string ("127.0.0.1");
  r = run (f);
  g_assert_null (r->error);

  /* an address that is not ours (TEST-NET-1) */
  g_clear_object (&f->request.bind_address);
  f->request.bind_address = g_inet_address_new_from_string ("192.0.2.1");
  r2 = run (f);
  g_assert_cmpstr (r2->error, ==, "network: bind: cannot assign requested address");
  g_assert_true (r2->no_response);
}

/* queries_sent counts the request datagrams that went out, over all samples */
static void
test_queries_sent (Fixture *f, gconstpointer data)
{
  NtpmonFakeNtpBehaviour *b = ntpmon_fake_ntp_get_behaviour (f->server);
  g_autoptr (NtpmonNtpResult) all = NULL;
  g_autoptr (NtpmonNtpResult) timeouts = NULL;
  g_autoptr (NtpmonNtpResult) silent = NULL;
  g_autoptr (NtpmonNtpResult) kiss = NULL;
  g_autoptr (NtpmonNtpResult) unsent = NULL;

  ntpmon_ntp_probe_set_timing (NTPMON_NTP_PROBE (f->probe), 10, 1000);
  f->request.samples = 3;
  all = run (f);
  g_assert_null (all->error);
  g_assert_cmpuint (all->queries_sent, ==, 3);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 3);

  /* the first two samples time out, the third is answered */
  b->drop_next = 2;
  timeouts = run (f);
  g_assert_null (timeouts->error);
  g_assert_true (timeouts->has_offset);
  g_assert_cmpuint (timeouts->queries_sent, ==, 3);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 6);

  /* no sample answered */
  b->silent = TRUE;
  silent = run (f);
  g_assert_cmpstr (silent->error, ==, "network: i/o timeout");
  g_assert_cmpuint (silent->queries_sent, ==, 3);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 9);

  /* a kiss code stops after the first sample */
  b->silent = FALSE;
  b->stratum = 0;
  b->refid = ntpmon_fake_ntp_refid ("RATE");
  kiss = run (f);
  g_assert_cmpstr (kiss->error, ==, "RATE");
  g_assert_cmpuint (kiss->queries_sent, ==, 1);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 10);

  /* bind fails before the send: nothing went out */
  f->request.bind_address = g_inet_address_new_from_string ("192.0.2.1");
  unsent = run (f);
  g_assert_cmpstr (unsent->error, ==, "network: bind: cannot assign requested address");
  g_assert_cmpuint (unsent->queries_sent, ==, 0);
  g_assert_cmpuint (ntpmon_fake_ntp_get_requests (f->server), ==, 10);
}

static void
test_ipv6 (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;

  ntpmon_fake_ntp_get_behaviour (f->server)->offset_ns = -3000000;
  f->request.bind_address = g_inet_address_new_from_string ("::1");
  r = run (f);
  g_assert_null (r->error);
  g_assert_cmpint (ABS (r->offset_ns + 3000000), <=, r->rtt_ns / 2 + 100000);
  g_assert_cmpint (g_inet_address_get_family (r->ip), ==, G_SOCKET_FAMILY_IPV6);
}

static void
test_mapped_target (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonNtpResult) r = NULL;

  /* ::ffff:127.0.0.1 reaches the IPv4 server; the result keeps the address */
  g_clear_object (&f->request.target);
  f->request.target = g_inet_address_new_from_string ("::ffff:127.0.0.1");
  r = run (f);
  g_assert_null (r->error);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("/ntp/probe/good", test_good);
  ADD ("/ntp/probe/negative-offset", test_negative_offset);
  ADD ("/ntp/probe/user-timestamps", test_user_timestamps);
  ADD ("/ntp/probe/configure-invalid", test_configure_invalid);
  g_test_add ("/ntp/kiss-code/rate", Fixture, "RATE", fixture_setup, test_kiss, fixture_teardown);
  g_test_add ("/ntp/kiss-code/deny", Fixture, "DENY", fixture_setup, test_kiss, fixture_teardown);
  g_test_add ("/ntp/kiss-code/rstr", Fixture, "RSTR", fixture_setup, test_kiss, fixture_teardown);
  g_test_add ("/ntp/kiss-code/init", Fixture, "INIT", fixture_setup, test_kiss, fixture_teardown);
  ADD ("/ntp/probe/bad-stratum", test_bad_stratum);
  ADD ("/ntp/probe/stratum-10-leap-3", test_stratum_10_ok);
  ADD ("/ntp/probe/short-reply", test_short_reply);
  ADD ("/ntp/probe/empty-reply", test_empty_reply);
  ADD ("/ntp/probe/wrong-mode", test_wrong_mode);
  ADD ("/ntp/probe/zero-transmit", test_zero_transmit);
  ADD ("/ntp/probe/origin-mismatch", test_origin_mismatch);
  ADD ("/ntp/probe/receive-after-transmit", test_backwards);
  ADD ("/ntp/probe/timeout", test_timeout);
  ADD ("/ntp/probe/port-unreachable", test_port_unreachable);
  ADD ("/ntp/probe/samples", test_samples_best);
  ADD ("/ntp/probe/samples-default", test_samples_default);
  ADD ("/ntp/probe/queries-sent", test_queries_sent);
  ADD ("/ntp/probe/refused-target", test_refused_target);
  ADD ("/ntp/probe/allow-private-config", test_allow_private_config);
  ADD ("/ntp/probe/cancel", test_cancel);
  ADD ("/ntp/probe/bind", test_bind);
  ADD ("/ntp/probe/mapped-target", test_mapped_target);
  g_test_add ("/ntp/probe/ipv6", Fixture, NULL, fixture_setup6, test_ipv6, fixture_teardown);
  return g_test_run ();
}
