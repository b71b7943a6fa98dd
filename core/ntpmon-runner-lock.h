/* ntpmon-runner-lock.h: one active runner at a time, by a database lock
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db.h"

G_BEGIN_DECLS

typedef struct _NtpmonRunnerLock NtpmonRunnerLock;

NtpmonRunnerLock *ntpmon_runner_lock_new (const NtpmonDbConfig *config, const gchar *name);
void ntpmon_runner_lock_free (NtpmonRunnerLock *lock);
gboolean ntpmon_runner_lock_acquire (NtpmonRunnerLock *lock, guint wait_seconds,
                                     GCancellable *cancellable, GError **error);
gboolean ntpmon_runner_lock_is_held (NtpmonRunnerLock *lock);
void ntpmon_runner_lock_release (NtpmonRunnerLock *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonRunnerLock, ntpmon_runner_lock_free)

G_END_DECLS
