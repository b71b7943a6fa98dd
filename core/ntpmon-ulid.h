/* ntpmon-ulid.h: ULIDs (batch ids, request ids)
 *
 * 128 bits: a 48-bit Unix time in milliseconds and 80 random bits, written
 * as 26 upper-case Crockford base32 characters
 * ("0123456789ABCDEFGHJKMNPQRSTVWXYZ").
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NTPMON_ULID_TEXT_LEN 26

typedef struct
{
  guint8 bytes[16];
} NtpmonUlid;

/* A new ULID for the current time. Within one process ids are strictly
 * increasing: in the same millisecond the random part is incremented. */
void ntpmon_ulid_generate (NtpmonUlid *ulid);

/* A ULID from its parts: @time_ms must fit in 48 bits, @random is 10 bytes. */
void ntpmon_ulid_from_parts (NtpmonUlid *ulid, guint64 time_ms, const guint8 random[10]);

/* The 26 characters plus NUL into @out. */
void ntpmon_ulid_format (const NtpmonUlid *ulid, gchar out[NTPMON_ULID_TEXT_LEN + 1]);

/* As ntpmon_ulid_format(), newly allocated. */
gchar *ntpmon_ulid_to_string (const NtpmonUlid *ulid);

/* Parses @len bytes of ULID text: exactly 26 characters of the Crockford
 * alphabet (lower case accepted), the first at most '7' (more would not fit
 * in 128 bits). NTPMON_RPC_ERROR_INVALID_ARGUMENT otherwise. */
gboolean ntpmon_ulid_parse (const gchar *text, gsize len, NtpmonUlid *ulid, GError **error);

/* The embedded Unix time in milliseconds. */
guint64 ntpmon_ulid_get_time_ms (const NtpmonUlid *ulid);

/* The embedded time as a UTC GDateTime (millisecond precision). */
GDateTime *ntpmon_ulid_get_datetime (const NtpmonUlid *ulid);

/* memcmp order, which is time order. */
gint ntpmon_ulid_compare (const NtpmonUlid *a, const NtpmonUlid *b);

G_END_DECLS
