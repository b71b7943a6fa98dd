/* ntpmon-api-jwt.h: bearer JWT verification with a JWKS (spec api-server.md §4.4)
 *
 * SPDX-License-Identifier: MIT
 *
 * Keys come from a JWKS document fetched over HTTP(S); they are refreshed
 * periodically and when a token names an unknown `kid` (rate limited).
 * Only ES384 (P-384) and RS256 (RSA >= 2048 bits) are accepted, and the
 * algorithm must match the key type, so `none` and HMAC tokens are refused.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_API_JWT_ERROR (ntpmon_api_jwt_error_quark ())
GQuark ntpmon_api_jwt_error_quark (void);

typedef enum
{
  NTPMON_API_JWT_ERROR_MALFORMED, /* not a JWS compact token, bad JSON, too long */
  NTPMON_API_JWT_ERROR_ALGORITHM, /* algorithm not allowed or not matching the key */
  NTPMON_API_JWT_ERROR_KEY,       /* no key with that kid */
  NTPMON_API_JWT_ERROR_SIGNATURE, /* signature does not verify */
  NTPMON_API_JWT_ERROR_CLAIMS,    /* exp, nbf, iss, aud, scope, sub rules */
  NTPMON_API_JWT_ERROR_JWKS,      /* the JWKS could not be fetched or parsed */
} NtpmonApiJwtError;

#define NTPMON_API_JWT_AUDIENCE  "monitor-api"
#define NTPMON_API_JWT_MAX_TOKEN 3072

#define NTPMON_API_TYPE_JWT (ntpmon_api_jwt_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonApiJwt, ntpmon_api_jwt, NTPMON_API, JWT, GObject)

NtpmonApiJwt *ntpmon_api_jwt_new (const gchar *jwks_url, const gchar *issuer);
void ntpmon_api_jwt_set_refresh (NtpmonApiJwt *self, guint period_seconds,
                                 guint min_interval_seconds);
void ntpmon_api_jwt_set_tls_database (NtpmonApiJwt *self, GTlsDatabase *database);
const gchar *ntpmon_api_jwt_get_issuer (NtpmonApiJwt *self);
guint ntpmon_api_jwt_get_n_keys (NtpmonApiJwt *self);

gboolean ntpmon_api_jwt_load_jwks (NtpmonApiJwt *self, GBytes *jwks, GError **error);
void ntpmon_api_jwt_refresh_async (NtpmonApiJwt *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_api_jwt_refresh_finish (NtpmonApiJwt *self, GAsyncResult *result, GError **error);
void ntpmon_api_jwt_start (NtpmonApiJwt *self);

void ntpmon_api_jwt_verify_async (NtpmonApiJwt *self, const gchar *token, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gchar *ntpmon_api_jwt_verify_finish (NtpmonApiJwt *self, GAsyncResult *result, GError **error);

G_END_DECLS
