/* ntpmon-ip.h: IP addresses in the RPC `bytes` fields and as DB text
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes @address in network byte order into @out (4 bytes for IPv4, 16 for
 * IPv6) and returns the length. */
gsize ntpmon_ip_to_bytes (GInetAddress *address, guint8 out[16]);

/* As ntpmon_ip_to_bytes(), as a new GBytes. */
GBytes *ntpmon_ip_to_gbytes (GInetAddress *address);

/* Strict decoding: exactly 4 bytes (IPv4) or 16 bytes (IPv6); any other
 * length fails with NTPMON_RPC_ERROR_INVALID_ARGUMENT. */
GInetAddress *ntpmon_ip_from_bytes (const guint8 *data, gsize len, GError **error);

/* The reference agent's and server's decoding: exactly 4 bytes give IPv4;
 * anything else gives IPv6 from the first 16 bytes, zero-padded (so an
 * empty field is "::"). Never fails. */
GInetAddress *ntpmon_ip_from_bytes_lenient (const guint8 *data, gsize len);

/* The lenient decoding as bytes: writes 4 or 16 bytes into @out and
 * returns how many. */
gsize ntpmon_ip_bytes_lenient (const guint8 *data, gsize len, guint8 out[16]);

/* Canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lower-case hex,
 * the longest run of two or more zero groups compressed, the first on a
 * tie, IPv4-mapped addresses as "::ffff:1.2.3.4"). The form Go's netip
 * prints and the form `servers.ip` is stored in. */
gchar *ntpmon_ip_to_string (GInetAddress *address);

/* As ntpmon_ip_to_string(), from 4 (IPv4) or 16 (IPv6) bytes. */
gchar *ntpmon_ip_bytes_to_string (const guint8 *bytes, gsize len);

/* Parses an IPv4 or IPv6 address; NTPMON_RPC_ERROR_INVALID_ARGUMENT if
 * @text is not one. */
GInetAddress *ntpmon_ip_parse (const gchar *text, GError **error);

G_END_DECLS
