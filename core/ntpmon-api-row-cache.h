/* ntpmon-api-row-cache.h: the server_scores row of a monitor and address
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NtpmonApiRowCache NtpmonApiRowCache;

NtpmonApiRowCache *ntpmon_api_row_cache_new (guint max_entries);
void ntpmon_api_row_cache_free (NtpmonApiRowCache *self);
gboolean ntpmon_api_row_cache_lookup (NtpmonApiRowCache *self, guint64 monitor_id, const guint8 *ip,
                                      gsize ip_len, guint64 *score_id);
void ntpmon_api_row_cache_store (NtpmonApiRowCache *self, guint64 monitor_id, const guint8 *ip,
                                 gsize ip_len, guint64 score_id);
void ntpmon_api_row_cache_forget (NtpmonApiRowCache *self, guint64 monitor_id, const guint8 *ip,
                                  gsize ip_len);
guint ntpmon_api_row_cache_size (NtpmonApiRowCache *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiRowCache, ntpmon_api_row_cache_free)

G_END_DECLS
