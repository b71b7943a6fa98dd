/* ntpmon-api-ops.h: the plain-HTTP operations endpoints (health, metrics)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "ntpmon-metrics.h"

G_BEGIN_DECLS

#define NTPMON_API_HEALTH_PATH  "/__health"
#define NTPMON_API_METRICS_PATH "/metrics"

SoupServer *ntpmon_api_health_server_new (void);
SoupServer *ntpmon_api_metrics_server_new (NtpmonMetrics *metrics);

G_END_DECLS
