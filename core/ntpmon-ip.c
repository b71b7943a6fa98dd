/* ntpmon-ip.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-ip.h"
#include "ntpmon-rpc-error.h"

gsize
ntpmon_ip_to_bytes (GInetAddress *address, guint8 out[16])
{
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), 0);

  gsize len = g_inet_address_get_native_size (address);
  memcpy (out, g_inet_address_to_bytes (address), len);
  return len;
}

GBytes *
ntpmon_ip_to_gbytes (GInetAddress *address)
{
  guint8 buf[16];
  gsize len = ntpmon_ip_to_bytes (address, buf);

  return g_bytes_new (buf, len);
}

GInetAddress *
ntpmon_ip_from_bytes (const guint8 *data, gsize len, GError **error)
{
  if (len == 4)
    return g_inet_address_new_from_bytes (data, G_SOCKET_FAMILY_IPV4);
  if (len == 16)
    return g_inet_address_new_from_bytes (data, G_SOCKET_FAMILY_IPV6);
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "an IP address must be 4 or 16 bytes long, not %" G_GSIZE_FORMAT, len);
  return NULL;
}

gsize
ntpmon_ip_bytes_lenient (const guint8 *data, gsize len, guint8 out[16])
{
  if (len == 4)
    {
      memcpy (out, data, 4);
      return 4;
    }
  memset (out, 0, 16);
  if (len > 0)
    memcpy (out, data, MIN (len, 16));
  return 16;
}

GInetAddress *
ntpmon_ip_from_bytes_lenient (const guint8 *data, gsize len)
{
  guint8 buf[16];

  return g_inet_address_new_from_bytes (buf, ntpmon_ip_bytes_lenient (data, len, buf) == 4
                                                 ? G_SOCKET_FAMILY_IPV4
                                                 : G_SOCKET_FAMILY_IPV6);
}

/* "a.b.c.d" at @out (room for 16 bytes); returns the end */
static gchar *
put_dotted_quad (gchar *out, const guint8 *b)
{
  for (guint i = 0; i < 4; i++)
    {
      if (i > 0)
        *out++ = '.';
      if (b[i] >= 100)
        *out++ = (gchar)('0' + b[i] / 100);
      if (b[i] >= 10)
        *out++ = (gchar)('0' + b[i] / 10 % 10);
      *out++ = (gchar)('0' + b[i] % 10);
    }
  *out = '\0';
  return out;
}

static gchar *
ipv6_to_string (const guint8 *b)
{
  static const guint8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  guint16 groups[8];
  gint best_start = -1, best_len = 0;

  if (memcmp (b, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0)
    {
      gchar text[24] = "::ffff:";

      put_dotted_quad (text + 7, b + 12);
      return g_strdup (text);
    }

  for (guint i = 0; i < 8; i++)
    groups[i] = (guint16)(b[2 * i] << 8 | b[2 * i + 1]);
  for (gint i = 0; i < 8;)
    {
      gint j = i;
      while (j < 8 && groups[j] == 0)
        j++;
      if (j - i > best_len && j - i >= 2)
        {
          best_start = i;
          best_len = j - i;
        }
      i = j > i ? j : i + 1;
    }

  GString *out = g_string_new (NULL);
  for (gint i = 0; i < 8; i++)
    {
      if (i == best_start)
        {
          g_string_append (out, "::");
          i += best_len - 1;
          continue;
        }
      if (out->len > 0 && out->str[out->len - 1] != ':')
        g_string_append_c (out, ':');
      g_string_append_printf (out, "%x", groups[i]);
    }
  return g_string_free (out, FALSE);
}

gchar *
ntpmon_ip_bytes_to_string (const guint8 *bytes, gsize len)
{
  gchar text[16];

  g_return_val_if_fail (len == 4 || len == 16, NULL);
  if (len == 16)
    return ipv6_to_string (bytes);
  put_dotted_quad (text, bytes);
  return g_strdup (text);
}

gchar *
ntpmon_ip_to_string (GInetAddress *address)
{
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  return ntpmon_ip_bytes_to_string (g_inet_address_to_bytes (address),
                                    g_inet_address_get_native_size (address));
}

GInetAddress *
ntpmon_ip_parse (const gchar *text, GError **error)
{
  GInetAddress *address = text != NULL ? g_inet_address_new_from_string (text) : NULL;

  if (address == NULL)
    g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                 "\"%s\" is not an IP address", text != NULL ? text : "(null)");
  return address;
}
