/* ntpmon-selector-account-flags.h: the per-server monitor limit from accounts.flags
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NTPMON_SELECTOR_DEFAULT_ACCOUNT_LIMIT 2

gint64 ntpmon_selector_account_flags_limit (const gchar *flags_json, GError **error);

G_END_DECLS
