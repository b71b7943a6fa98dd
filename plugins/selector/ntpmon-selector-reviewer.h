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

G_END_DECLS
