/* ntpmon-rpc-client.h: the agent's client for the monitor RPC API
 *
 * Connect unary calls (binary protobuf) to monitor.v2.MonitorService over
 * HTTPS with libsoup: the server is verified against a configurable trust
 * anchor (by default the pool's CA bundle shipped with the package), the
 * agent presents its client certificate (cert.pem/key.pem, reloaded when
 * the files change) and a bearer token (the JWT).
 *
 * Errors: every failure of a call is a GError in NTPMON_RPC_ERROR, except
 * cancellation through the caller's GCancellable (G_IO_ERROR_CANCELLED).
 * A call the server answered with a Connect error carries the server's code
 * and message (the reference server's `unknown` errors get the code their
 * message names, e.g. "twirp error not_found: …" is `not_found`, "invalid
 * batch submission" is `failed_precondition`). Failures below HTTP become
 * `unavailable` (connection refused or reset, DNS, TLS handshake or
 * certificate problems), or `deadline_exceeded` (the call's deadline, the
 * TLS handshake timeout or an I/O timeout). An HTTP error
 * without a Connect body gets the code Connect derives from the status (503
 * is `unavailable`). ntpmon_rpc_client_error_is_transient() tells "API down,
 * try again later" from "the server rejected this".
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "monitor/v2/monitor_manager.pb-c.h"

G_BEGIN_DECLS

/* The version the agent claims in its User-Agent: the server gates features
 * by it (agent.md §6.5), so it is the reference version whose protocol this
 * client speaks, followed by our own version after a '/'. */
#define NTPMON_RPC_CLIENT_PROTOCOL_VERSION "v4.1.5"

/* Timeouts of agent.md §4.2. */
#define NTPMON_RPC_CLIENT_TIMEOUT_MS             60000 /* whole exchange */
#define NTPMON_RPC_CLIENT_IO_TIMEOUT_S           30    /* waiting for the response */
#define NTPMON_RPC_CLIENT_HANDSHAKE_TIMEOUT_MS   10000
#define NTPMON_RPC_CLIENT_GET_CONFIG_DEADLINE_MS 35000

/* The version SubmitResults sends. */
#define NTPMON_RPC_CLIENT_SUBMIT_VERSION 4

/* The trust anchor file used when none is configured. */
#define NTPMON_RPC_CLIENT_CA_FILE_NAME "ntppool-ca.pem"

#define NTPMON_TYPE_RPC_CLIENT (ntpmon_rpc_client_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonRpcClient, ntpmon_rpc_client, NTPMON, RPC_CLIENT, GObject)

/* The RPC base URL of an environment: "prod", "test" or "devel". */
gchar *ntpmon_rpc_client_base_url_for_env (const gchar *env, GError **error);

/* The RPC base URL for a monitor's TLS name (agent.md §4.1):
 * "host.env.mon.ntppool.dev" gives the env's base URL, "api.mon.ntppool.dev"
 * gives prod. Anything else fails with NTPMON_RPC_ERROR_INVALID_ARGUMENT. */
gchar *ntpmon_rpc_client_base_url_for_tls_name (const gchar *tls_name, GError **error);

/* The base URL to use: DEVEL_API_SERVER when set and non-empty, else the
 * one for @tls_name. */
gchar *ntpmon_rpc_client_resolve_base_url (const gchar *tls_name, GError **error);

/* The default trust anchor file (the package data dir's ntppool-ca.pem). */
const gchar *ntpmon_rpc_client_default_ca_file (void);

/* A client for @base_url ("https://host[:port]", no trailing path) that
 * trusts the CA certificates in @ca_file (NULL: the default). Fails when
 * the URL is not an https:// (or, for tests of plain HTTP, http://) URL or
 * the file holds no certificate. */
NtpmonRpcClient *ntpmon_rpc_client_new (const gchar *base_url, const gchar *ca_file,
                                        GError **error);

const gchar *ntpmon_rpc_client_get_base_url (NtpmonRpcClient *self);

/* Replaces the trust anchor. */
gboolean ntpmon_rpc_client_set_ca_file (NtpmonRpcClient *self, const gchar *ca_file,
                                        GError **error);

/* Uses the PEM files @cert_file (the chain, leaf first) and @key_file as the
 * client certificate. They are loaded now; before each call the client
 * checks whether they changed on disk and, if they did and form a valid
 * pair, switches to the new certificate (new connections present it). If
 * the new files do not load, the previous certificate stays in use. */
gboolean ntpmon_rpc_client_set_certificate_files (NtpmonRpcClient *self, const gchar *cert_file,
                                                  const gchar *key_file, GError **error);

/* Uses @certificate (with its private key) as the client certificate;
 * NULL presents none. Forgets certificate files set before. */
void ntpmon_rpc_client_set_certificate (NtpmonRpcClient *self, GTlsCertificate *certificate);

/* The client certificate in use, or NULL. */
GTlsCertificate *ntpmon_rpc_client_get_certificate (NtpmonRpcClient *self);

/* Loads the certificate files again now, whether or not they changed. */
gboolean ntpmon_rpc_client_reload_certificate (NtpmonRpcClient *self, GError **error);

/* The bearer token (JWT, or the API key when no JWT is available); NULL or
 * "" sends no Authorization header. */
void ntpmon_rpc_client_set_token (NtpmonRpcClient *self, const gchar *token);

/* The User-Agent header; the default is
 * "ntppool-agent/" NTPMON_RPC_CLIENT_PROTOCOL_VERSION "/ntpmon-<version>". */
void ntpmon_rpc_client_set_user_agent (NtpmonRpcClient *self, const gchar *user_agent);
const gchar *ntpmon_rpc_client_get_user_agent (NtpmonRpcClient *self);

/* Timeouts (0 keeps the current value): the whole exchange of a call in
 * ms, the longest wait for data on the connection in seconds, and the TLS
 * handshake in ms. Connections made afterwards use them. */
void ntpmon_rpc_client_set_timeouts (NtpmonRpcClient *self, guint timeout_ms, guint io_timeout_s,
                                     guint handshake_timeout_ms);

/* Closes idle connections: the next call makes a new one. */
void ntpmon_rpc_client_flush_connections (NtpmonRpcClient *self);

/* GetConfig for the monitor address @mon_id (canonical text). Deadline
 * NTPMON_RPC_CLIENT_GET_CONFIG_DEADLINE_MS, sent as Connect-Timeout-Ms. */
void ntpmon_rpc_client_get_config (NtpmonRpcClient *self, const gchar *mon_id,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/* Returns: (transfer full): free with ntpmon_proto_message_free(). */
Monitor__V2__GetConfigResponse *
ntpmon_rpc_client_get_config_finish (NtpmonRpcClient *self, GAsyncResult *result, GError **error);

void ntpmon_rpc_client_get_servers (NtpmonRpcClient *self, const gchar *mon_id,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
/* Returns: (transfer full): free with ntpmon_proto_message_free(). */
Monitor__V2__GetServersResponse *
ntpmon_rpc_client_get_servers_finish (NtpmonRpcClient *self, GAsyncResult *result, GError **error);

/* SubmitResults with version NTPMON_RPC_CLIENT_SUBMIT_VERSION, @mon_id,
 * @batch_id (echoed byte for byte) and the @n_statuses statuses. The
 * request is encoded before this returns; the statuses stay the caller's. */
void ntpmon_rpc_client_submit_results (NtpmonRpcClient *self, const gchar *mon_id, GBytes *batch_id,
                                       Monitor__V2__ServerStatus **statuses, gsize n_statuses,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
/* TRUE when the server accepted the results. A response with ok = false is
 * NTPMON_RPC_ERROR_UNKNOWN "SubmitResults not okay". */
gboolean ntpmon_rpc_client_submit_results_finish (NtpmonRpcClient *self, GAsyncResult *result,
                                                  GError **error);

/* Whether @error (from a call of this client) means the API could not
 * answer now and the same request may succeed later (unavailable,
 * deadline_exceeded, unknown, internal, aborted, resource_exhausted,
 * canceled), as opposed to a rejection of the request or the caller
 * (invalid_argument, permission_denied, unauthenticated,
 * failed_precondition, not_found, ...). */
gboolean ntpmon_rpc_client_error_is_transient (const GError *error);

G_END_DECLS
