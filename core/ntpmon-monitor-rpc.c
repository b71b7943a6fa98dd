/* ntpmon-monitor-rpc.c: the agent's RPC client as the config and the state
 * set it up
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-monitor-rpc.h"

NtpmonRpcClient *
ntpmon_monitor_rpc_new (NtpmonConfig *config, NtpmonState *state, GError **error)
{
  g_autofree gchar *url
      = ntpmon_rpc_client_resolve_base_url (ntpmon_state_get_tls_name (state), error);
  g_autofree gchar *ca_file = NULL;
  g_autofree gchar *cert = NULL, *key = NULL;
  g_autoptr (NtpmonRpcClient) rpc = NULL;

  if (url == NULL)
    return NULL;
  ca_file = ntpmon_config_get_string (config, "monitor", "ca-file", NULL);
  rpc = ntpmon_rpc_client_new (url, ca_file, error);
  if (rpc == NULL)
    return NULL;
  cert = ntpmon_state_dup_path (state, NTPMON_STATE_CERT_FILE);
  key = ntpmon_state_dup_path (state, NTPMON_STATE_KEY_FILE);
  if (!ntpmon_rpc_client_set_certificate_files (rpc, cert, key, error))
    return NULL;
  return g_steal_pointer (&rpc);
}
