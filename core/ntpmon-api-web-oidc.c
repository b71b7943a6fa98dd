/* ntpmon-api-web-oidc.c: token signing key, tokens and JWKS documents
 *
 * SPDX-License-Identifier: MIT
 *
 * The web API signs its tokens with one ES384 key (P-384) kept in the CA
 * directory. Its public half goes into `oidc_public_keys`, so every API
 * server sharing the database serves and accepts the keys of all. Tokens
 * carry the claims the RPC side checks (spec api-server.md §4.4): iss =
 * the web API base, aud = ["monitor-api"], scope, sub = the monitor's TLS
 * name, monitor, iat/nbf/exp and a random jti.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <glib/gi18n-lib.h>
#include <jwt.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ntpmon-api-jwt.h"
#include "ntpmon-api-util.h"
#include "ntpmon-api-web-private.h"

struct _WebSigner
{
  gchar *private_pem;
  gchar *public_pem;
  gchar *kid;
};

void
web_signer_free (WebSigner *signer)
{
  if (signer == NULL)
    return;
  g_free (signer->private_pem);
  g_free (signer->public_pem);
  g_free (signer->kid);
  g_free (signer);
}

/**
 * web_signer_new:
 * @private_pem: an EC P-384 private key
 *
 * The key id is the base64url SHA-256 of the public key (DER), shortened.
 */
WebSigner *
web_signer_new (const gchar *private_pem, GError **error)
{
  g_autoptr (WebSigner) signer = g_new0 (WebSigner, 1);
  BIO *in = BIO_new_mem_buf (private_pem, -1);
  EVP_PKEY *key = PEM_read_bio_PrivateKey (in, NULL, NULL, NULL);
  guchar *der = NULL;
  int der_len;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree gchar *kid = NULL;
  BIO *out;
  BUF_MEM *mem;

  BIO_free (in);
  if (key == NULL || !EVP_PKEY_is_a (key, "EC") || EVP_PKEY_get_bits (key) != 384)
    {
      EVP_PKEY_free (key);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("token signing key: not an EC P-384 private key"));
      return NULL;
    }
  der_len = i2d_PUBKEY (key, &der);
  {
    g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
    g_checksum_update (sum, der, der_len);
    g_checksum_get_digest (sum, digest, &digest_len);
  }
  OPENSSL_free (der);
  kid = ntpmon_api_base64url_encode (digest, digest_len, FALSE);
  signer->kid = g_strndup (kid, 16);
  out = BIO_new (BIO_s_mem ());
  PEM_write_bio_PUBKEY (out, key);
  BIO_get_mem_ptr (out, &mem);
  signer->public_pem = g_strndup (mem->data, mem->length);
  BIO_free (out);
  EVP_PKEY_free (key);
  signer->private_pem = g_strdup (private_pem);
  return g_steal_pointer (&signer);
}

const gchar *
web_signer_get_kid (WebSigner *signer)
{
  return signer->kid;
}

const gchar *
web_signer_get_public_pem (WebSigner *signer)
{
  return signer->public_pem;
}

/**
 * web_signer_sign:
 * @monitor: (nullable): the `monitor` claim (at most 64 characters)
 *
 * Returns: (transfer full): a compact ES384 JWT valid for @lifetime seconds
 */
gchar *
web_signer_sign (WebSigner *signer, const gchar *issuer, const gchar *subject, const gchar *monitor,
                 gint64 lifetime, GError **error)
{
  jwt_t *jwt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree gchar *jti = web_random_token (20);
  gchar *encoded = NULL;
  gchar *token = NULL;
  int rc;

  if (jwt_new (&jwt) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "jwt_new failed");
      return NULL;
    }
  rc = jwt_set_alg (jwt, JWT_ALG_ES384, (const guchar *)signer->private_pem,
                    (int)strlen (signer->private_pem));
  rc = rc ?: jwt_add_header (jwt, "kid", signer->kid);
  rc = rc ?: jwt_add_grant (jwt, "iss", issuer);
  rc = rc ?: jwt_add_grant (jwt, "sub", subject);
  rc = rc ?: jwt_add_grant (jwt, "scope", WEB_GRANTS);
  rc = rc ?: jwt_add_grant (jwt, "jti", jti);
  rc = rc ?: jwt_add_grants_json (jwt, "{\"aud\":[\"" NTPMON_API_JWT_AUDIENCE "\"]}");
  rc = rc ?: jwt_add_grant_int (jwt, "iat", now);
  rc = rc ?: jwt_add_grant_int (jwt, "nbf", now);
  rc = rc ?: jwt_add_grant_int (jwt, "exp", now + lifetime);
  if (rc == 0 && monitor != NULL && *monitor != '\0')
    rc = jwt_add_grant (jwt, "monitor", monitor);
  if (rc == 0)
    encoded = jwt_encode_str (jwt);
  if (encoded != NULL)
    token = g_strdup (encoded);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("signing a token failed (%s)"),
                 g_strerror (rc != 0 ? rc : errno));
  free (encoded);
  jwt_free (jwt);
  return token;
}

/* An EC coordinate parameter as base64url of @len bytes. */
static gchar *
coordinate (EVP_PKEY *key, const gchar *param, gsize len)
{
  BIGNUM *bn = NULL;
  g_autofree guint8 *bytes = g_malloc0 (len);
  gchar *text = NULL;

  if (EVP_PKEY_get_bn_param (key, param, &bn) == 1
      && BN_bn2binpad (bn, bytes, (int)len) == (int)len)
    text = ntpmon_api_base64url_encode (bytes, len, FALSE);
  BN_free (bn);
  return text;
}

/**
 * web_jwk_from_pem:
 *
 * Returns: (transfer full) (nullable): the JWK object (JSON text) of an
 *   ES384 public key, NULL for other keys
 */
gchar *
web_jwk_from_pem (const gchar *kid, const gchar *public_pem, const gchar *algorithm)
{
  BIO *in = BIO_new_mem_buf (public_pem, -1);
  EVP_PKEY *key = PEM_read_bio_PUBKEY (in, NULL, NULL, NULL);
  g_autofree gchar *x = NULL;
  g_autofree gchar *y = NULL;
  g_autofree gchar *kid_json = NULL;
  gchar *jwk = NULL;

  BIO_free (in);
  if (key != NULL && g_strcmp0 (algorithm, "ES384") == 0 && EVP_PKEY_is_a (key, "EC")
      && EVP_PKEY_get_bits (key) == 384)
    {
      x = coordinate (key, OSSL_PKEY_PARAM_EC_PUB_X, 48);
      y = coordinate (key, OSSL_PKEY_PARAM_EC_PUB_Y, 48);
    }
  EVP_PKEY_free (key);
  if (x == NULL || y == NULL)
    return NULL;
  kid_json = g_strescape (kid, NULL);
  jwk = g_strdup_printf ("{\"kty\":\"EC\",\"crv\":\"P-384\",\"alg\":\"ES384\",\"use\":\"sig\","
                         "\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
                         kid_json, x, y);
  return jwk;
}

/* Job: puts the signer's public key into oidc_public_keys (once). */
gboolean
web_db_publish_key (NtpmonDbConn *conn, gpointer data, GError **error)
{
  WebSigner *signer = data;

  return ntpmon_db_conn_exec (conn,
                              "INSERT INTO oidc_public_keys (kid, public_key, algorithm, "
                              "created_at, active) VALUES (?, ?, 'ES384', NOW(), 1) "
                              "ON DUPLICATE KEY UPDATE kid = kid",
                              NULL, error, "ss", signer->kid, signer->public_pem);
}

/* Job: the JWKS document of all active, unexpired keys. */
gboolean
web_db_jwks (NtpmonDbConn *conn, gpointer data, GError **error)
{
  WebCall *call = data;
  g_autoptr (GString) doc = g_string_new ("{\"keys\":[");
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn,
      "SELECT kid, public_key, algorithm FROM oidc_public_keys WHERE active = 1 "
      "AND (expires_at IS NULL OR expires_at > NOW()) ORDER BY id",
      error, "");
  gboolean first = TRUE;
  GError *local_error = NULL;

  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local_error))
    {
      g_autofree gchar *jwk
          = web_jwk_from_pem (ntpmon_db_stmt_get_text (st, 0), ntpmon_db_stmt_get_text (st, 1),
                              ntpmon_db_stmt_get_text (st, 2));
      if (jwk == NULL)
        continue;
      g_string_append_printf (doc, "%s%s", first ? "" : ",", jwk);
      first = FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_string_append (doc, "]}");
  call->jwks = g_string_free (g_steal_pointer (&doc), FALSE);
  return TRUE;
}
