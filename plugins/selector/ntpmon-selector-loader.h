/* ntpmon-selector-loader.h: the inputs of selector.md §4 from the database
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-db.h"
#include "ntpmon-selector-context.h"

G_BEGIN_DECLS

/* Servers per NTPMON_SELECTOR_SQL_GET_MONITORS_MANY / _GET_SERVERS_MANY
 * statement (the batch size of selector.md §3.1). */
#define NTPMON_SELECTOR_LOAD_MAX 10

NtpmonSelectorContext *ntpmon_selector_load_context (NtpmonDbConn *conn, gint64 server_id,
                                                     GError **error);

typedef struct _NtpmonSelectorPrefetch NtpmonSelectorPrefetch;

NtpmonSelectorPrefetch *ntpmon_selector_prefetch (NtpmonDbConn *conn, const gint64 *server_ids,
                                                  guint n_servers, GError **error);
NtpmonSelectorContext *ntpmon_selector_prefetch_take (NtpmonSelectorPrefetch *prefetch,
                                                      NtpmonDbConn *conn, gint64 server_id,
                                                      GError **error);
void ntpmon_selector_prefetch_free (NtpmonSelectorPrefetch *prefetch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonSelectorPrefetch, ntpmon_selector_prefetch_free)

G_END_DECLS
