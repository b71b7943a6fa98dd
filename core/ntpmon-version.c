/* ntpmon-version.c: client version comparison (semantic versions)
 *
 * Versions look like `vMAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]`; the
 * shorthands `vMAJOR` and `vMAJOR.MINOR` mean `.0`, build metadata is
 * ignored, precedence follows semver 2.0, and a string that is not such a
 * version is older than every version that is (spec/api-server.md §12.7).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-version.h"

#include <string.h>

typedef struct
{
  const gchar *num[3];
  gsize num_len[3];
  const gchar *pre; /* without the '-', NULL when none */
  gsize pre_len;
} Semver;

/* A decimal number without leading zeros; returns its length or 0. */
static gsize
scan_number (const gchar *p, const gchar *end)
{
  const gchar *q = p;

  while (q < end && g_ascii_isdigit (*q))
    q++;
  if (q == p || (q - p > 1 && *p == '0'))
    return 0;
  return q - p;
}

static gboolean
ident_char (gchar c)
{
  return g_ascii_isalnum (c) || c == '-';
}

/* Dot-separated non-empty identifiers; numeric ones without leading zeros
 * (only checked when @numeric_rule). Returns the length scanned. */
static gsize
scan_idents (const gchar *p, const gchar *end, gboolean numeric_rule, gboolean *ok)
{
  const gchar *q = p;

  *ok = FALSE;
  while (TRUE)
    {
      const gchar *start = q;
      gboolean all_digits = TRUE;

      while (q < end && ident_char (*q))
        {
          all_digits = all_digits && g_ascii_isdigit (*q);
          q++;
        }
      if (q == start)
        return 0;
      if (numeric_rule && all_digits && q - start > 1 && *start == '0')
        return 0;
      if (q < end && *q == '.')
        {
          q++;
          continue;
        }
      break;
    }
  *ok = TRUE;
  return q - p;
}

static gboolean
parse (const gchar *v, gsize len, Semver *out)
{
  const gchar *p = v;
  const gchar *end = v + len;
  gboolean ok;
  guint i;

  memset (out, 0, sizeof *out);
  if (p == end || *p != 'v')
    return FALSE;
  p++;
  for (i = 0; i < 3; i++)
    {
      gsize n = scan_number (p, end);

      if (n == 0)
        return FALSE;
      out->num[i] = p;
      out->num_len[i] = n;
      p += n;
      if (p == end || *p != '.')
        break;
      if (i == 2)
        return FALSE;
      p++;
    }
  if (i < 2 && p < end)
    return FALSE; /* shorthand versions take no suffix */
  for (i = 0; i < 3; i++)
    if (out->num[i] == NULL)
      {
        out->num[i] = "0";
        out->num_len[i] = 1;
      }
  if (p < end && *p == '-')
    {
      gsize n = scan_idents (p + 1, end, TRUE, &ok);

      if (!ok)
        return FALSE;
      out->pre = p + 1;
      out->pre_len = n;
      p += 1 + n;
    }
  if (p < end && *p == '+')
    {
      gsize n = scan_idents (p + 1, end, FALSE, &ok);

      if (!ok)
        return FALSE;
      p += 1 + n;
    }
  return p == end;
}

static gint
cmp_numeric (const gchar *a, gsize a_len, const gchar *b, gsize b_len)
{
  gint c;

  if (a_len != b_len)
    return a_len < b_len ? -1 : 1;
  c = memcmp (a, b, a_len);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

static gboolean
is_numeric (const gchar *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gint
cmp_prerelease (const gchar *a, gsize a_len, const gchar *b, gsize b_len)
{
  const gchar *a_end = a + a_len;
  const gchar *b_end = b + b_len;

  while (a < a_end && b < b_end)
    {
      const gchar *ad = memchr (a, '.', a_end - a);
      const gchar *bd = memchr (b, '.', b_end - b);
      gsize al = (ad != NULL ? ad : a_end) - a;
      gsize bl = (bd != NULL ? bd : b_end) - b;
      gboolean an = is_numeric (a, al);
      gboolean bn = is_numeric (b, bl);
      gint c;

      if (an && bn)
        c = cmp_numeric (a, al, b, bl);
      else if (an != bn)
        c = an ? -1 : 1;
      else
        {
          c = memcmp (a, b, MIN (al, bl));
          if (c == 0 && al != bl)
            c = al < bl ? -1 : 1;
          c = c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
      if (c != 0)
        return c;
      a += al + (ad != NULL ? 1 : 0);
      b += bl + (bd != NULL ? 1 : 0);
    }
  if (a < a_end)
    return 1;
  if (b < b_end)
    return -1;
  return 0;
}

/**
 * ntpmon_semver_valid:
 * @len: length of @v, or -1 when NUL-terminated
 */
gboolean
ntpmon_semver_valid (const gchar *v, gssize len)
{
  Semver s;

  return parse (v, len < 0 ? strlen (v) : (gsize)len, &s);
}

/**
 * ntpmon_semver_compare:
 *
 * Returns: -1, 0 or 1; invalid versions compare equal to each other and
 *   lower than valid ones
 */
gint
ntpmon_semver_compare (const gchar *a, gssize a_len, const gchar *b, gssize b_len)
{
  Semver sa, sb;
  gboolean va = parse (a, a_len < 0 ? strlen (a) : (gsize)a_len, &sa);
  gboolean vb = parse (b, b_len < 0 ? strlen (b) : (gsize)b_len, &sb);

  if (!va || !vb)
    return va == vb ? 0 : (va ? 1 : -1);
  for (guint i = 0; i < 3; i++)
    {
      gint c = cmp_numeric (sa.num[i], sa.num_len[i], sb.num[i], sb.num_len[i]);

      if (c != 0)
        return c;
    }
  if (sa.pre == NULL || sb.pre == NULL)
    return sa.pre == sb.pre ? 0 : (sa.pre == NULL ? 1 : -1);
  return cmp_prerelease (sa.pre, sa.pre_len, sb.pre, sb.pre_len);
}

/**
 * ntpmon_version_at_least:
 * @client_version: a stored `monitors.client_version`, e.g. `v3.8.4/linux`
 * @min: a valid version, e.g. `v3.8.5`
 *
 * Compares the leading token of @client_version (up to the first `/` or
 * space) with @min; `dev-snapshot` is newer than everything.
 */
gboolean
ntpmon_version_at_least (const gchar *client_version, const gchar *min)
{
  gsize len = strcspn (client_version, "/ ");

  if (len == strlen ("dev-snapshot") && strncmp (client_version, "dev-snapshot", len) == 0)
    return TRUE;
  return ntpmon_semver_compare (client_version, len, min, -1) >= 0;
}
