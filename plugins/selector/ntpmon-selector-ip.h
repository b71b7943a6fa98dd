/* ntpmon-selector-ip.h: IP addresses and prefixes for the selector's network rules
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * NtpmonSelectorIp:
 * @family: 4 or 6 (an IPv4-mapped IPv6 address is family 6)
 * @bytes: the address, 4 or 16 bytes used
 * @zoned: an IPv6 zone (`%eth0`) was given
 */
typedef struct
{
  guint family;
  guint8 bytes[16];
  gboolean zoned;
} NtpmonSelectorIp;

gboolean ntpmon_selector_ip_parse (const gchar *text, NtpmonSelectorIp *ip);
gboolean ntpmon_selector_ip_prefix_contains (const NtpmonSelectorIp *net, guint bits,
                                             const NtpmonSelectorIp *ip);

G_END_DECLS
