/* ntpmon-ca.h: the API server's built-in certificate authority
 *
 * SPDX-License-Identifier: MIT
 *
 * A self-signed EC P-384 CA whose key and certificate live in one
 * directory (`ca.key`, `ca.crt`, mode 0600), created on first use. It
 * issues short-lived monitor client certificates: a fresh P-384 key, the
 * monitor's TLS name as the only DNS SAN and as CN, extended key usage
 * clientAuth and serverAuth (spec api-server.md §4.2, §4.3).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_CA_DEFAULT_LIFETIME (7 * 24 * 3600) /* seconds */
#define NTPMON_CA_BACKDATE         300             /* NotBefore this far in the past */

#define NTPMON_TYPE_CA (ntpmon_ca_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonCa, ntpmon_ca, NTPMON, CA, GObject)

NtpmonCa *ntpmon_ca_open (const gchar *dir, GError **error);
const gchar *ntpmon_ca_get_certificate_file (NtpmonCa *self);
const gchar *ntpmon_ca_get_certificate_pem (NtpmonCa *self);
gboolean ntpmon_ca_issue (NtpmonCa *self, const gchar *dns_name, guint lifetime, gchar **cert_pem,
                          gchar **key_pem, GError **error);
gchar *ntpmon_ca_write_trust_bundle (NtpmonCa *self, const gchar *extra_file, GError **error);

gchar *ntpmon_ca_load_or_create_key (const gchar *path, gboolean *created, GError **error);

G_END_DECLS
