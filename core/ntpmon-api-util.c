/* ntpmon-api-util.c: small helpers shared by the API server's parts
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-api-util.h"

/**
 * ntpmon_api_base64url_encode:
 * @pad: whether to keep the `=` padding
 *
 * Returns: (transfer full): @data in the URL-safe base64 alphabet (RFC 4648 §5)
 */
gchar *
ntpmon_api_base64url_encode (const guint8 *data, gsize len, gboolean pad)
{
  gchar *text = g_base64_encode (data, len);

  for (gchar *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=' && !pad)
        {
          *p = '\0';
          break;
        }
    }
  return text;
}

/**
 * ntpmon_api_base64url_decode:
 * @len: length of @text, or -1 when NUL-terminated
 *
 * Decodes URL-safe base64 with or without padding. Any character outside
 * the alphabet, or a length that no encoding produces, is refused.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL when @text is
 *   not valid base64url
 */
GBytes *
ntpmon_api_base64url_decode (const gchar *text, gssize len)
{
  g_autoptr (GString) standard = NULL;
  gsize n;
  guchar *out;
  gsize out_len;

  if (len < 0)
    len = strlen (text);
  while (len > 0 && text[len - 1] == '=')
    len--;
  if (len % 4 == 1)
    return NULL;
  standard = g_string_sized_new (len + 3);
  for (gssize i = 0; i < len; i++)
    {
      gchar c = text[i];

      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (!g_ascii_isalnum (c))
        return NULL;
      g_string_append_c (standard, c);
    }
  for (n = standard->len; n % 4 != 0; n++)
    g_string_append_c (standard, '=');
  out = g_base64_decode (standard->str, &out_len);
  return g_bytes_new_take (out, out_len);
}
