/* ntpmon-localok.h: the local clock sanity gate (spec agent.md §5.7)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-probe.h"

G_BEGIN_DECLS

#define NTPMON_TYPE_LOCALOK (ntpmon_localok_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonLocalok, ntpmon_localok, NTPMON, LOCALOK, GObject)

/* A host passes when its offset is within this many nanoseconds. */
#define NTPMON_LOCALOK_MAX_OFFSET_NS G_GINT64_CONSTANT (10000000)
/* How long a verdict is reused, in microseconds. */
#define NTPMON_LOCALOK_CACHE_TTL_US G_GINT64_CONSTANT (180000000)

NtpmonLocalok *ntpmon_localok_new (NtpmonProbe *probe, const gchar *const *base_checks,
                                   GSocketFamily family, const NtpmonProbeRequest *request);
void ntpmon_localok_check_async (NtpmonLocalok *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_localok_check_finish (NtpmonLocalok *self, GAsyncResult *result, gboolean *ok,
                                      GError **error);
gint64 ntpmon_localok_get_next_check_in (NtpmonLocalok *self);
void ntpmon_localok_expire (NtpmonLocalok *self);
gint ntpmon_localok_allowed_failures (gint hosts);

G_END_DECLS
