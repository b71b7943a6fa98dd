/* ntpmon-api-handlers.h: GetConfig, GetServers and SubmitResults
 *
 * SPDX-License-Identifier: MIT
 *
 * The three monitor RPCs of spec api-server.md §§7–10 on both protocols
 * (Connect `monitor.v2.MonitorService`, legacy Twirp `api.Monitor`). Each
 * call runs its SQL as one job on the database pool; the main loop only
 * decodes, encodes and signs. While the database is unreachable the calls
 * fail with `unavailable`.
 */
#pragma once

#include "ntpmon-api-keys.h"
#include "ntpmon-api-queries.h"
#include "ntpmon-api-rpc.h"
#include "ntpmon-metrics.h"
#include "ntpmon-scorer.h"

G_BEGIN_DECLS

typedef struct _NtpmonApiHandlers NtpmonApiHandlers;

NtpmonApiHandlers *ntpmon_api_handlers_new (NtpmonDb *db, NtpmonApiKeyStore *keys,
                                            NtpmonScorer *status_scorer, NtpmonMetrics *metrics,
                                            const gchar *jwt_key, const gchar *deployment_mode);
NtpmonApiHandlers *ntpmon_api_handlers_ref (NtpmonApiHandlers *self);
void ntpmon_api_handlers_unref (NtpmonApiHandlers *self);
gboolean ntpmon_api_handlers_register (NtpmonApiHandlers *self, NtpmonApiServer *server,
                                       GError **error);

NtpmonScorer *ntpmon_api_handlers_find_status_scorer (PeasEngine *engine, GError **error);
gchar *ntpmon_api_mqtt_jwt (const gchar *key, const gchar *name, gint64 now, GError **error);
gchar *ntpmon_api_client_version_from_agent (const gchar *user_agent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiHandlers, ntpmon_api_handlers_unref)

G_END_DECLS
