/* ntpmon-test-chronyd.h: a private chronyd on loopback for tests and benchmarks
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-probe.h"

G_BEGIN_DECLS

typedef struct _NtpmonTestChronyd NtpmonTestChronyd;

NtpmonTestChronyd *ntpmon_test_chronyd_start (guint16 port, gint stratum, GError **error);
guint16 ntpmon_test_chronyd_get_port (NtpmonTestChronyd *self);
gboolean ntpmon_test_chronyd_wait_ready (NtpmonTestChronyd *self, NtpmonProbe *probe,
                                         GError **error);
void ntpmon_test_chronyd_stop (NtpmonTestChronyd *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonTestChronyd, ntpmon_test_chronyd_stop)

G_END_DECLS
