/* ntpmon-selector-ip.c: strict textual IP parsing and prefix tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "ntpmon-selector-ip.h"

/* Accepts dotted-quad IPv4 without leading zeros, or IPv6 (optionally with a
 * non-empty zone). Anything else, including "", fails. */
gboolean
ntpmon_selector_ip_parse (const gchar *text, NtpmonSelectorIp *ip)
{
  const gchar *percent;

  memset (ip, 0, sizeof *ip);
  if (text == NULL || *text == '\0')
    return FALSE;

  if (inet_pton (AF_INET, text, ip->bytes) == 1)
    {
      ip->family = 4;
      return TRUE;
    }

  percent = strchr (text, '%');
  if (percent != NULL)
    {
      g_autofree gchar *addr = g_strndup (text, percent - text);

      if (percent[1] == '\0' || strchr (addr, ':') == NULL
          || inet_pton (AF_INET6, addr, ip->bytes) != 1)
        return FALSE;
      ip->family = 6;
      ip->zoned = TRUE;
      return TRUE;
    }

  if (inet_pton (AF_INET6, text, ip->bytes) == 1)
    {
      ip->family = 6;
      return TRUE;
    }
  return FALSE;
}

/* Does the /@bits network of @net contain @ip? Different families never
 * match, and a zoned address is never contained in a prefix. */
gboolean
ntpmon_selector_ip_prefix_contains (const NtpmonSelectorIp *net, guint bits,
                                    const NtpmonSelectorIp *ip)
{
  guint whole = bits / 8, rest = bits % 8;

  if (net->family != ip->family || ip->zoned)
    return FALSE;
  g_return_val_if_fail (bits <= (net->family == 4 ? 32u : 128u), FALSE);

  if (memcmp (net->bytes, ip->bytes, whole) != 0)
    return FALSE;
  if (rest != 0)
    {
      guint8 mask = (guint8)(0xff << (8 - rest));

      if ((net->bytes[whole] & mask) != (ip->bytes[whole] & mask))
        return FALSE;
    }
  return TRUE;
}
