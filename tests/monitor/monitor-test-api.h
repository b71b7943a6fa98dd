/* monitor-test-api.h: a scripted monitor RPC API for the monitor tests
 *
 * The Connect server of tests/rpc-client (real TLS, client certificate
 * required) answering GetConfig, GetServers and SubmitResults as the test
 * says, with fake NTP servers on loopback (127.0.1.N, all on one port;
 * server N has an offset of N × 20 ms; 127.0.0.2 is the base check with
 * offset 0), and recording what arrives.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-fake-ntp.h"
#include "ntpmon-ulid.h"
#include "rpc-test-server.h"

G_BEGIN_DECLS

#define MONITOR_TEST_MAX_SERVERS 12
#define MONITOR_TEST_OFFSET_NS   G_GINT64_CONSTANT (20000000)

typedef struct
{
  gchar *batch_id;
  gchar *ip;
  gboolean has_offset;
  gint64 offset_ns;
  gchar *ticket;
  gchar *error;
  gchar *peer;          /* DNS name of the client certificate that submitted it */
  gchar *authorization; /* the Authorization header it came with */
} MonitorTestResult;

typedef struct
{
  RpcTestCerts *certs;
  RpcTestServer *server;
  NtpmonFakeNtp *reference; /* the base check, offset 0 */
  NtpmonFakeNtp *ntp[MONITOR_TEST_MAX_SERVERS];

  /* script */
  guint batches_left;    /* GetServers hands out this many non-empty batches */
  guint per_batch;       /* servers per batch */
  guint submit_failures; /* SubmitResults answers `unavailable` this often */
  gchar *reject_batch;   /* SubmitResults of this batch id: failed_precondition */

  /* what happened */
  guint n_get_config;
  guint n_get_servers;
  guint n_submit_calls;
  GPtrArray *got;        /* MonitorTestResult, in arrival order */
  GPtrArray *handed_out; /* batch ids (gchar *), in order */

  /* borrowed responses */
  Monitor__V2__GetConfigResponse config;
  ProtobufCBinaryData check;
  guint8 own_ip[4];
  Monitor__V2__GetServersResponse servers;
  Monitor__V2__Server server_msgs[MONITOR_TEST_MAX_SERVERS];
  Monitor__V2__Server *server_list[MONITOR_TEST_MAX_SERVERS];
  gchar batch_text[NTPMON_ULID_TEXT_LEN + 1];
  guint8 ips[MONITOR_TEST_MAX_SERVERS][4];
  gchar tickets[MONITOR_TEST_MAX_SERVERS][8];
  Monitor__V2__SubmitResultsResponse submit_ok;
} MonitorTestApi;

MonitorTestApi *monitor_test_api_new (void);
void monitor_test_api_free (MonitorTestApi *api);
guint16 monitor_test_api_ntp_port (MonitorTestApi *api);

/* Asserts that @r is the result of fake server @server (0-based). */
void monitor_test_assert_result (const MonitorTestResult *r, guint server);

/* Runs the main context until @cond (evaluated on @data) holds; fails the
 * test after 90 s. */
void monitor_test_wait (gboolean (*cond) (gpointer data), gpointer data);

/* Sets the gboolean @user_data points to (a timeout callback). */
gboolean monitor_test_set_flag_cb (gpointer user_data);

/* Removes @path and everything below it. */
void monitor_test_rm_rf (const gchar *path);

G_END_DECLS
