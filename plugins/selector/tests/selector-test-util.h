/* selector-test-util.h: compact monitor notation for the selector tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-selector-constraint.h"
#include "ntpmon-selector-engine.h"
#include "ntpmon-selector-rules.h"

G_BEGIN_DECLS

NtpmonSelectorMonitor *test_monitor (gint64 id, const gchar *spec);
GPtrArray *test_monitors (const gchar *specs);
NtpmonSelectorEngine *test_engine (NtpmonSelectorFlags flags, const gchar *disabled);
NtpmonSelectorAccountTable *test_table (const gchar *spec);
gchar *test_format_changes (GPtrArray *changes);
void test_assert_changes (GPtrArray *changes, const gchar *expected);
GPtrArray *test_apply (NtpmonSelectorEngine *engine, NtpmonSelectorContext *ctx,
                       GPtrArray *evaluated, const gchar *table);
NtpmonSelectorContext *test_context (const gchar *server, GPtrArray *rows);
void test_run_rules (const gchar *server, const gchar *monitors, const gchar *table,
                     const gchar *expected);

G_END_DECLS
