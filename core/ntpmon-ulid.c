/* ntpmon-ulid.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "ntpmon-rpc-error.h"
#include "ntpmon-ulid.h"

static const gchar crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

G_LOCK_DEFINE_STATIC (last_ulid);
static NtpmonUlid last_ulid;

void
ntpmon_ulid_from_parts (NtpmonUlid *ulid, guint64 time_ms, const guint8 random[10])
{
  g_return_if_fail (time_ms < (G_GUINT64_CONSTANT (1) << 48));

  for (guint i = 0; i < 6; i++)
    ulid->bytes[i] = (guint8)(time_ms >> (8 * (5 - i)));
  memcpy (ulid->bytes + 6, random, 10);
}

static void
fill_random (guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = getrandom (buf + done, len - done, 0);
      if (n <= 0)
        break;
      done += (gsize)n;
    }
  /* getrandom() does not fail on Linux ≥ 3.17; keep going regardless */
  for (; done < len; done++)
    buf[done] = (guint8)g_random_int ();
}

/* Adds one to the 80-bit random part; FALSE when it wraps around. */
static gboolean
increment_random (NtpmonUlid *ulid)
{
  for (gint i = 15; i >= 6; i--)
    if (++ulid->bytes[i] != 0)
      return TRUE;
  return FALSE;
}

void
ntpmon_ulid_generate (NtpmonUlid *ulid)
{
  guint64 now_ms = (guint64)g_get_real_time () / 1000;
  guint8 random[10];

  fill_random (random, sizeof random);
  G_LOCK (last_ulid);
  guint64 last_ms = ntpmon_ulid_get_time_ms (&last_ulid);
  if (now_ms <= last_ms)
    {
      /* Same millisecond (or the clock stepped back): stay ordered. */
      NtpmonUlid next = last_ulid;
      if (increment_random (&next))
        last_ulid = next;
      else
        ntpmon_ulid_from_parts (&last_ulid, last_ms + 1, random);
    }
  else
    ntpmon_ulid_from_parts (&last_ulid, now_ms, random);
  *ulid = last_ulid;
  G_UNLOCK (last_ulid);
}

void
ntpmon_ulid_format (const NtpmonUlid *ulid, gchar out[NTPMON_ULID_TEXT_LEN + 1])
{
  /* 26 digits of 5 bits = 130 bits: the first digit holds the top 3 bits. */
  for (guint i = 0; i < NTPMON_ULID_TEXT_LEN; i++)
    {
      guint bit = i == 0 ? 0 : 3 + (i - 1) * 5; /* first bit of digit i in the 128 */
      guint width = i == 0 ? 3 : 5;
      guint value = 0;
      for (guint k = 0; k < width; k++)
        {
          guint b = bit + k;
          value = (value << 1) | ((ulid->bytes[b / 8] >> (7 - b % 8)) & 1);
        }
      out[i] = crockford[value];
    }
  out[NTPMON_ULID_TEXT_LEN] = '\0';
}

gchar *
ntpmon_ulid_to_string (const NtpmonUlid *ulid)
{
  gchar *out = g_malloc (NTPMON_ULID_TEXT_LEN + 1);

  ntpmon_ulid_format (ulid, out);
  return out;
}

static gint
crockford_value (gchar c)
{
  const gchar *p = strchr (crockford, g_ascii_toupper (c));

  return c != '\0' && p != NULL ? (gint)(p - crockford) : -1;
}

gboolean
ntpmon_ulid_parse (const gchar *text, gsize len, NtpmonUlid *ulid, GError **error)
{
  NtpmonUlid result = { { 0 } };

  if (len != NTPMON_ULID_TEXT_LEN)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "ulid: bad data size when unmarshaling (%" G_GSIZE_FORMAT " bytes, not 26)",
                   len);
      return FALSE;
    }
  if (text[0] > '7')
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                           "ulid: overflow when unmarshaling");
      return FALSE;
    }
  for (guint i = 0; i < NTPMON_ULID_TEXT_LEN; i++)
    {
      gint value = crockford_value (text[i]);
      if (value < 0)
        {
          g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                       "ulid: bad data characters when parsing (position %u)", i);
          return FALSE;
        }
      guint bit = i == 0 ? 0 : 3 + (i - 1) * 5;
      guint width = i == 0 ? 3 : 5;
      for (guint k = 0; k < width; k++)
        if ((value >> (width - 1 - k)) & 1)
          result.bytes[(bit + k) / 8] |= (guint8)(0x80 >> ((bit + k) % 8));
    }
  *ulid = result;
  return TRUE;
}

guint64
ntpmon_ulid_get_time_ms (const NtpmonUlid *ulid)
{
  guint64 ms = 0;

  for (guint i = 0; i < 6; i++)
    ms = (ms << 8) | ulid->bytes[i];
  return ms;
}

GDateTime *
ntpmon_ulid_get_datetime (const NtpmonUlid *ulid)
{
  guint64 ms = ntpmon_ulid_get_time_ms (ulid);
  g_autoptr (GDateTime) seconds = g_date_time_new_from_unix_utc ((gint64)(ms / 1000));

  if (seconds == NULL)
    return NULL;
  return g_date_time_add (seconds, (GTimeSpan)(ms % 1000) * 1000);
}

gint
ntpmon_ulid_compare (const NtpmonUlid *a, const NtpmonUlid *b)
{
  return memcmp (a->bytes, b->bytes, sizeof a->bytes);
}
