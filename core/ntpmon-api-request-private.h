/* ntpmon-api-request-private.h: what the server sets on a request
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "ntpmon-api-request.h"

G_BEGIN_DECLS

/* Called on the main context once the reply has been queued (or dropped,
 * when the client was gone: @http_status 0). */
typedef void (*NtpmonApiRequestDone) (NtpmonApiRequest *request, guint http_status,
                                      gpointer user_data);

NtpmonApiRequest *ntpmon_api_request_new (SoupServerMessage *msg, NtpmonApiProtocol protocol,
                                          const gchar *path, GBytes *body,
                                          NtpmonApiRequestDone done, gpointer user_data);
void ntpmon_api_request_set_identity (NtpmonApiRequest *self, const gchar *identity,
                                      NtpmonApiAuthMethod method);
gint64 ntpmon_api_request_get_start_time (NtpmonApiRequest *self);
SoupServerMessage *ntpmon_api_request_get_message (NtpmonApiRequest *self);

G_END_DECLS
