/* ntpmon-api-auth.h: who is calling the API (spec api-server.md §4.2–4.4)
 *
 * SPDX-License-Identifier: MIT
 *
 * A request is authenticated by its TLS client certificate (verified here
 * against the configured CA bundle, identity = first DNS SAN that is a
 * valid monitor name) or, without a certificate, by a bearer JWT.
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-api-jwt.h"

G_BEGIN_DECLS

#define NTPMON_API_AUTH_ERROR (ntpmon_api_auth_error_quark ())
GQuark ntpmon_api_auth_error_quark (void);

typedef enum
{
  NTPMON_API_AUTH_ERROR_NO_CREDENTIALS,  /* neither certificate nor token */
  NTPMON_API_AUTH_ERROR_BAD_CERTIFICATE, /* chain, validity or name check failed */
  NTPMON_API_AUTH_ERROR_BAD_TOKEN,       /* the bearer JWT was refused */
} NtpmonApiAuthError;

typedef enum
{
  NTPMON_API_AUTH_NONE,
  NTPMON_API_AUTH_MTLS,
  NTPMON_API_AUTH_JWT,
} NtpmonApiAuthMethod;

#define NTPMON_API_DEFAULT_MONITOR_DOMAIN "mon.ntppool.dev"

gboolean ntpmon_api_valid_monitor_name (const gchar *name, const gchar *domain);
gchar **ntpmon_api_certificate_dns_names (GTlsCertificate *certificate, GError **error);
const gchar *ntpmon_api_auth_method_to_string (NtpmonApiAuthMethod method);

#define NTPMON_API_TYPE_AUTH (ntpmon_api_auth_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonApiAuth, ntpmon_api_auth, NTPMON_API, AUTH, GObject)

NtpmonApiAuth *ntpmon_api_auth_new (const gchar *ca_file, const gchar *monitor_domain,
                                    GError **error);
void ntpmon_api_auth_set_jwt (NtpmonApiAuth *self, NtpmonApiJwt *jwt);
NtpmonApiJwt *ntpmon_api_auth_get_jwt (NtpmonApiAuth *self);
const gchar *ntpmon_api_auth_get_monitor_domain (NtpmonApiAuth *self);

gchar *ntpmon_api_auth_check_certificate (NtpmonApiAuth *self, GTlsCertificate *peer,
                                          GError **error);
void ntpmon_api_auth_authenticate_async (NtpmonApiAuth *self, GTlsCertificate *peer,
                                         const gchar *authorization, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
gchar *ntpmon_api_auth_authenticate_finish (NtpmonApiAuth *self, GAsyncResult *result,
                                            NtpmonApiAuthMethod *method, GError **error);

G_END_DECLS
