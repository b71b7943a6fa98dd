/* ntpmon-api-util.h: small helpers shared by the API server's parts
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *ntpmon_api_base64url_encode (const guint8 *data, gsize len, gboolean pad);
GBytes *ntpmon_api_base64url_decode (const gchar *text, gssize len);

G_END_DECLS
