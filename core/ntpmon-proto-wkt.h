/* ntpmon-proto-wkt.h: text forms of protobuf well-known values
 *
 * The JSON forms of google.protobuf.Timestamp and google.protobuf.Duration
 * and a base64 decoder that accepts every variant the proto3 JSON mapping
 * allows. Errors are NTPMON_RPC_ERROR_INVALID_ARGUMENT.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

G_BEGIN_DECLS

/* Valid ranges of the well-known types. */
#define NTPMON_PROTO_TIMESTAMP_MIN_SECONDS G_GINT64_CONSTANT (-62135596800) /* 0001-01-01 */
#define NTPMON_PROTO_TIMESTAMP_MAX_SECONDS G_GINT64_CONSTANT (253402300799) /* 9999-12-31 */
#define NTPMON_PROTO_DURATION_MAX_SECONDS  G_GINT64_CONSTANT (315576000000)

/* RFC 3339 in UTC, "1972-01-01T10:00:20.021Z", with 0, 3, 6 or 9 fraction
 * digits, as few as represent @nanos exactly. */
gchar *ntpmon_proto_timestamp_format (gint64 seconds, gint32 nanos, GError **error);

/* Parses RFC 3339 with an optional fraction of up to 9 digits and a "Z" or
 * "+hh:mm"/"-hh:mm" offset. */
gboolean ntpmon_proto_timestamp_parse (const gchar *text, gint64 *seconds, gint32 *nanos,
                                       GError **error);

/* "1.000340s", "-1.500s", "0s": seconds with 0, 3, 6 or 9 fraction digits.
 * @seconds and @nanos must not have opposite signs. */
gchar *ntpmon_proto_duration_format (gint64 seconds, gint32 nanos, GError **error);

/* Parses "[-]S[.F]s" with up to 9 fraction digits; both parts of the result
 * carry the sign ("-0.5s" gives 0 and -500000000). */
gboolean ntpmon_proto_duration_parse (const gchar *text, gint64 *seconds, gint32 *nanos,
                                      GError **error);

/* Decodes base64 in the standard or URL-safe alphabet, padded or not.
 * Returns a g_malloc'd buffer (never NULL on success, even when empty). */
guint8 *ntpmon_proto_base64_decode (const gchar *text, gsize text_len, gsize *out_len,
                                    GError **error);

/* Message values, allocated with malloc() like decoded ones, so that
 * protobuf_c_message_free_unpacked() of the message holding them frees
 * them too. */

/* A Duration of @ns nanoseconds, split as Go's durationpb does: seconds =
 * ns / 1e9 and nanos = ns % 1e9, both carrying the sign (-1.5 s is -1 s and
 * -500000000 ns). */
Google__Protobuf__Duration *ntpmon_proto_duration_new (gint64 ns);

/* The Duration in nanoseconds, saturated at G_MININT64/G_MAXINT64. */
gint64 ntpmon_proto_duration_get_ns (const Google__Protobuf__Duration *duration);

/* A Timestamp for @unix_us microseconds since the epoch (g_get_real_time()). */
Google__Protobuf__Timestamp *ntpmon_proto_timestamp_new (gint64 unix_us);

/* The Timestamp as a UTC GDateTime (microsecond precision, nanoseconds
 * truncated); NULL if outside what GDateTime holds. */
GDateTime *ntpmon_proto_timestamp_to_datetime (const Google__Protobuf__Timestamp *timestamp);

G_END_DECLS
