/* ntpmon-state-manager.h: hot reload of the agent's state, and waiting for it
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-state-load.h"

G_BEGIN_DECLS

/* what the agent waits for, as shown in the D-Bus State property */
#define NTPMON_PHASE_WAITING_FOR_SETUP       "waiting-for-setup"
#define NTPMON_PHASE_WAITING_FOR_CERTIFICATE "waiting-for-certificate"
#define NTPMON_PHASE_WAITING_FOR_ACTIVATION  "waiting-for-activation"
#define NTPMON_PHASE_READY                   "ready"

#define NTPMON_TYPE_STATE_MANAGER (ntpmon_state_manager_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonStateManager, ntpmon_state_manager, NTPMON, STATE_MANAGER, GObject)

NtpmonStateManager *ntpmon_state_manager_new (NtpmonState *state, NtpmonWebapi *webapi);
NtpmonState *ntpmon_state_manager_get_state (NtpmonStateManager *self);
NtpmonWebapi *ntpmon_state_manager_get_webapi (NtpmonStateManager *self);
const gchar *ntpmon_state_manager_get_phase (NtpmonStateManager *self);
const gchar *ntpmon_state_manager_get_error (NtpmonStateManager *self);

void ntpmon_state_manager_start (NtpmonStateManager *self);
void ntpmon_state_manager_stop (NtpmonStateManager *self);
void ntpmon_state_manager_reload (NtpmonStateManager *self);

void ntpmon_state_manager_wait_until_live_async (NtpmonStateManager *self,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_state_manager_wait_until_live_finish (NtpmonStateManager *self,
                                                      GAsyncResult *result, GError **error);

/* exponential backoff with ±10 % jitter, factor 1.5 (exposed for tests) */
typedef struct
{
  guint64 initial_ms;
  guint64 max_ms;
  guint64 current_ms;
} NtpmonBackoff;

void ntpmon_backoff_init (NtpmonBackoff *backoff, guint64 initial_ms, guint64 max_ms);
guint64 ntpmon_backoff_next (NtpmonBackoff *backoff);
void ntpmon_backoff_reset (NtpmonBackoff *backoff);

G_END_DECLS
