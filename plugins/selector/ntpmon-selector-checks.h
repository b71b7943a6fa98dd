/* ntpmon-selector-checks.h: the constraint rules as plain functions (selector.md §7)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-selector-context.h"

G_BEGIN_DECLS

#define NTPMON_SELECTOR_SUBNET_V4    24
#define NTPMON_SELECTOR_SUBNET_V6    48
#define NTPMON_SELECTOR_DIVERSITY_V4 20
#define NTPMON_SELECTOR_DIVERSITY_V6 44

gboolean ntpmon_selector_check_same_subnet (const gchar *monitor_ip, const gchar *server_ip);
gboolean ntpmon_selector_check_same_account (const NtpmonSelectorContext *ctx,
                                             const NtpmonSelectorMonitor *monitor);
gboolean ntpmon_selector_check_diversity (gint64 monitor_id, const gchar *monitor_ip,
                                          GPtrArray *rows, NtpmonSelectorStatus target);
GHashTable *ntpmon_selector_iterative_limits (GPtrArray *rows);
gboolean ntpmon_selector_check_account_limit (NtpmonSelectorAccountTable *table,
                                              const NtpmonSelectorMonitor *monitor,
                                              NtpmonSelectorStatus target);

G_END_DECLS
