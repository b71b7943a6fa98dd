/* ntpmon-api-service.h: the running `ntppool-monitor-api server`
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-api-config.h"
#include "ntpmon-host.h"

G_BEGIN_DECLS

/* Exit codes of spec api-server.md §2.5 */
#define NTPMON_API_EXIT_OK      0
#define NTPMON_API_EXIT_CONFIG  1 /* bad flags or config values */
#define NTPMON_API_EXIT_STARTUP 2 /* certificate, database, port binding */

gint ntpmon_api_service_run (NtpmonApiConfig *config, NtpmonConfig *keyfile, NtpmonHost *host,
                             GError **error);

G_END_DECLS
