/* ntpmon-proto-wkt.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ntpmon-proto-wkt.h"
#include "ntpmon-rpc-error.h"

#define NANOS_PER_SECOND 1000000000
#define SECONDS_PER_DAY  86400

/* Proleptic Gregorian calendar <-> days since 1970-01-01 (era arithmetic:
 * 400-year cycles of 146097 days, years starting in March). */
static gint64
days_from_civil (gint64 year, guint month, guint day)
{
  year -= month <= 2;
  gint64 era = (year >= 0 ? year : year - 399) / 400;
  guint year_of_era = (guint)(year - era * 400);
  guint day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  guint day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + (gint64)day_of_era - 719468;
}

static void
civil_from_days (gint64 days, gint64 *year, guint *month, guint *day)
{
  days += 719468;
  gint64 era = (days >= 0 ? days : days - 146096) / 146097;
  guint day_of_era = (guint)(days - era * 146097);
  guint year_of_era
      = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  guint day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  guint mp = (5 * day_of_year + 2) / 153;
  *day = day_of_year - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = (gint64)year_of_era + era * 400 + (*month <= 2);
}

static guint
days_in_month (gint64 year, guint month)
{
  static const guint8 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    return 29;
  return days[month - 1];
}

/* Appends ".ddd", ".dddddd" or ".ddddddddd" for a fraction 0 < nanos < 1e9. */
static void
append_fraction (GString *out, guint32 nanos)
{
  if (nanos == 0)
    return;
  if (nanos % 1000000 == 0)
    g_string_append_printf (out, ".%03u", nanos / 1000000);
  else if (nanos % 1000 == 0)
    g_string_append_printf (out, ".%06u", nanos / 1000);
  else
    g_string_append_printf (out, ".%09u", nanos);
}

gchar *
ntpmon_proto_timestamp_format (gint64 seconds, gint32 nanos, GError **error)
{
  if (seconds < NTPMON_PROTO_TIMESTAMP_MIN_SECONDS || seconds > NTPMON_PROTO_TIMESTAMP_MAX_SECONDS
      || nanos < 0 || nanos >= NANOS_PER_SECOND)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "timestamp out of range: seconds %" G_GINT64_FORMAT ", nanos %d", seconds,
                   nanos);
      return NULL;
    }

  gint64 days = seconds >= 0 ? seconds / SECONDS_PER_DAY
                             : (seconds - (SECONDS_PER_DAY - 1)) / SECONDS_PER_DAY;
  gint64 secs_of_day = seconds - days * SECONDS_PER_DAY;
  gint64 year;
  guint month, day;
  civil_from_days (days, &year, &month, &day);

  GString *out = g_string_new (NULL);
  g_string_printf (out, "%04" G_GINT64_FORMAT "-%02u-%02uT%02u:%02u:%02u", year, month, day,
                   (guint)(secs_of_day / 3600), (guint)(secs_of_day / 60 % 60),
                   (guint)(secs_of_day % 60));
  append_fraction (out, (guint32)nanos);
  g_string_append_c (out, 'Z');
  return g_string_free (out, FALSE);
}

/* Reads exactly @n digits at *p; advances *p. */
static gboolean
read_digits (const gchar **p, guint n, guint *value)
{
  guint v = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit ((*p)[i]))
        return FALSE;
      v = v * 10 + (guint)((*p)[i] - '0');
    }
  *p += n;
  *value = v;
  return TRUE;
}

/* Reads "." and 1–9 digits if present; gives the value in nanoseconds. */
static gboolean
read_fraction (const gchar **p, guint32 *nanos)
{
  *nanos = 0;
  if (**p != '.')
    return TRUE;
  (*p)++;

  guint ndigits = 0;
  guint32 value = 0;
  while (g_ascii_isdigit (**p))
    {
      if (++ndigits > 9)
        return FALSE;
      value = value * 10 + (guint32)(**p - '0');
      (*p)++;
    }
  if (ndigits == 0)
    return FALSE;
  for (guint i = ndigits; i < 9; i++)
    value *= 10;
  *nanos = value;
  return TRUE;
}

static gboolean
bad_timestamp (const gchar *text, GError **error)
{
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "invalid RFC 3339 timestamp \"%s\"", text);
  return FALSE;
}

gboolean
ntpmon_proto_timestamp_parse (const gchar *text, gint64 *seconds, gint32 *nanos, GError **error)
{
  const gchar *p = text;
  guint year, month, day, hour, minute, second;
  guint32 fraction;

  if (!read_digits (&p, 4, &year) || *p++ != '-' || !read_digits (&p, 2, &month) || *p++ != '-'
      || !read_digits (&p, 2, &day) || (*p != 'T' && *p != 't'))
    return bad_timestamp (text, error);
  p++;
  if (!read_digits (&p, 2, &hour) || *p++ != ':' || !read_digits (&p, 2, &minute) || *p++ != ':'
      || !read_digits (&p, 2, &second) || !read_fraction (&p, &fraction))
    return bad_timestamp (text, error);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month (year, month) || hour > 23
      || minute > 59 || second > 59)
    return bad_timestamp (text, error);

  gint64 offset = 0;
  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-')
    {
      gint sign = *p++ == '-' ? -1 : 1;
      guint off_hour, off_minute;
      if (!read_digits (&p, 2, &off_hour) || *p++ != ':' || !read_digits (&p, 2, &off_minute)
          || off_hour > 23 || off_minute > 59)
        return bad_timestamp (text, error);
      offset = sign * (gint64)(off_hour * 3600 + off_minute * 60);
    }
  else
    return bad_timestamp (text, error);
  if (*p != '\0')
    return bad_timestamp (text, error);

  gint64 secs = days_from_civil (year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60
                + second - offset;
  if (secs < NTPMON_PROTO_TIMESTAMP_MIN_SECONDS || secs > NTPMON_PROTO_TIMESTAMP_MAX_SECONDS)
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "timestamp \"%s\" out of range", text);
      return FALSE;
    }
  *seconds = secs;
  *nanos = (gint32)fraction;
  return TRUE;
}

gchar *
ntpmon_proto_duration_format (gint64 seconds, gint32 nanos, GError **error)
{
  if (seconds < -NTPMON_PROTO_DURATION_MAX_SECONDS || seconds > NTPMON_PROTO_DURATION_MAX_SECONDS
      || nanos <= -NANOS_PER_SECOND || nanos >= NANOS_PER_SECOND || (seconds > 0 && nanos < 0)
      || (seconds < 0 && nanos > 0))
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "duration out of range: seconds %" G_GINT64_FORMAT ", nanos %d", seconds, nanos);
      return NULL;
    }

  GString *out = g_string_new (NULL);
  if (seconds < 0 || nanos < 0)
    g_string_append_c (out, '-');
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, (guint64)ABS (seconds));
  append_fraction (out, (guint32)ABS (nanos));
  g_string_append_c (out, 's');
  return g_string_free (out, FALSE);
}

gboolean
ntpmon_proto_duration_parse (const gchar *text, gint64 *seconds, gint32 *nanos, GError **error)
{
  const gchar *p = text;
  gboolean negative = FALSE;
  guint64 secs = 0;
  guint ndigits = 0;
  guint32 fraction;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  while (g_ascii_isdigit (*p))
    {
      /* 12 digits hold the maximum; more can only be out of range */
      if (++ndigits > 12)
        goto out_of_range;
      secs = secs * 10 + (guint64)(*p++ - '0');
    }
  if (ndigits == 0 || !read_fraction (&p, &fraction) || *p != 's' || p[1] != '\0')
    {
      g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                   "invalid duration \"%s\"", text);
      return FALSE;
    }
  if (secs > (guint64)NTPMON_PROTO_DURATION_MAX_SECONDS)
    goto out_of_range;

  *seconds = negative ? -(gint64)secs : (gint64)secs;
  *nanos = negative ? -(gint32)fraction : (gint32)fraction;
  return TRUE;

out_of_range:
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "duration \"%s\" out of range", text);
  return FALSE;
}

/* Value of a base64 digit in either alphabet; -1 for anything else. Sets
 * bit 0 of *alphabets for a standard-only digit, bit 1 for URL-only. */
static gint
base64_value (gchar c, guint *alphabets)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '/')
    {
      *alphabets |= 1;
      return c == '+' ? 62 : 63;
    }
  if (c == '-' || c == '_')
    {
      *alphabets |= 2;
      return c == '-' ? 62 : 63;
    }
  return -1;
}

guint8 *
ntpmon_proto_base64_decode (const gchar *text, gsize text_len, gsize *out_len, GError **error)
{
  gsize len = text_len;
  guint alphabets = 0;
  g_autofree guint8 *out = NULL;

  /* Padding, if any, must complete the last group of four. */
  if (len > 0 && text[len - 1] == '=')
    {
      len--;
      if (len > 0 && text[len - 1] == '=')
        len--;
      if (text_len % 4 != 0)
        goto invalid;
    }
  if (len % 4 == 1)
    goto invalid;

  out = g_malloc (len / 4 * 3 + 3);
  gsize n = 0;
  guint32 acc = 0;
  guint bits = 0;
  for (gsize i = 0; i < len; i++)
    {
      gint v = base64_value (text[i], &alphabets);
      if (v < 0)
        goto invalid;
      acc = (acc << 6) | (guint32)v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[n++] = (guint8)(acc >> bits);
          acc &= (1u << bits) - 1;
        }
    }
  if (alphabets == 3)
    goto invalid;

  *out_len = n;
  return g_steal_pointer (&out);

invalid:
  g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                       "invalid base64 data");
  return NULL;
}

Google__Protobuf__Duration *
ntpmon_proto_duration_new (gint64 ns)
{
  Google__Protobuf__Duration *d = malloc (sizeof *d);

  g_assert (d != NULL);
  google__protobuf__duration__init (d);
  d->seconds = ns / NANOS_PER_SECOND;
  d->nanos = (gint32)(ns % NANOS_PER_SECOND);
  return d;
}

gint64
ntpmon_proto_duration_get_ns (const Google__Protobuf__Duration *duration)
{
  const gint64 limit = G_MAXINT64 / NANOS_PER_SECOND;

  if (duration->seconds > limit)
    return G_MAXINT64;
  if (duration->seconds < -limit)
    return G_MININT64;
  gint64 ns = duration->seconds * NANOS_PER_SECOND;
  if (duration->nanos > 0 && ns > G_MAXINT64 - duration->nanos)
    return G_MAXINT64;
  if (duration->nanos < 0 && ns < G_MININT64 - duration->nanos)
    return G_MININT64;
  return ns + duration->nanos;
}

Google__Protobuf__Timestamp *
ntpmon_proto_timestamp_new (gint64 unix_us)
{
  Google__Protobuf__Timestamp *t = malloc (sizeof *t);
  gint64 seconds = unix_us / G_USEC_PER_SEC;
  gint64 us = unix_us % G_USEC_PER_SEC;

  g_assert (t != NULL);
  google__protobuf__timestamp__init (t);
  if (us < 0) /* nanos are never negative */
    {
      seconds--;
      us += G_USEC_PER_SEC;
    }
  t->seconds = seconds;
  t->nanos = (gint32)(us * 1000);
  return t;
}

GDateTime *
ntpmon_proto_timestamp_to_datetime (const Google__Protobuf__Timestamp *timestamp)
{
  if (timestamp->nanos < 0 || timestamp->nanos >= NANOS_PER_SECOND)
    return NULL;

  g_autoptr (GDateTime) whole = g_date_time_new_from_unix_utc (timestamp->seconds);
  if (whole == NULL)
    return NULL;
  return g_date_time_add (whole, timestamp->nanos / 1000);
}
