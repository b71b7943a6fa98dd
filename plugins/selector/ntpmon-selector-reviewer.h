/* ntpmon-selector-reviewer.h: the NtpmonReviewer of the selector plugin
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-reviewer.h"
#include "ntpmon-selector-engine.h"

G_BEGIN_DECLS

GType ntpmon_selector_reviewer_register (GTypeModule *module);
GType ntpmon_selector_reviewer_get_type (void);

NtpmonReviewResult *ntpmon_selector_review_server (NtpmonSelectorEngine *engine, NtpmonDbConn *conn,
                                                   gint64 server_id, gboolean write,
                                                   GError **error);
gboolean ntpmon_selector_review_servers (NtpmonSelectorEngine *engine, NtpmonDbConn *conn,
                                         const gint64 *server_ids, guint n_servers, gboolean write,
                                         NtpmonReviewEachFunc func, gpointer user_data,
                                         GError **error);

G_END_DECLS
