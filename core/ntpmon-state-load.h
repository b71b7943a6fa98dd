/* ntpmon-state-load.h: the `load` operation of the agent's state
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-state.h"
#include "ntpmon-webapi.h"

G_BEGIN_DECLS

void ntpmon_state_load_async (NtpmonState *state, NtpmonWebapi *webapi,
                              gboolean request_certificate, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_state_load_finish (NtpmonState *state, GAsyncResult *result, GError **error);
gboolean ntpmon_state_load_sync (NtpmonState *state, NtpmonWebapi *webapi,
                                 gboolean request_certificate, GCancellable *cancellable,
                                 GError **error);
gboolean ntpmon_state_load_at_startup (NtpmonState *state, NtpmonWebapi *webapi, GError **error);

gboolean ntpmon_state_apply_web_config (NtpmonState *state, const NtpmonWebapiConfig *config,
                                        gboolean *changed, GError **error);

G_END_DECLS
