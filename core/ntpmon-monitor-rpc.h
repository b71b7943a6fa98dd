/* ntpmon-monitor-rpc.h: the agent's RPC client as the config and the state
 * set it up
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-config.h"
#include "ntpmon-rpc-client.h"
#include "ntpmon-state.h"

G_BEGIN_DECLS

/* A client for the RPC API of the monitor's TLS name (or DEVEL_API_SERVER),
 * trusting `[monitor] ca-file` (default: the pool's CA bundle), presenting
 * the state directory's cert.pem/key.pem (reloaded when they change). */
NtpmonRpcClient *ntpmon_monitor_rpc_new (NtpmonConfig *config, NtpmonState *state, GError **error);

G_END_DECLS
