/* test-api-jwt.c: bearer JWT verification against a JWKS (spec §4.4)
 *
 * SPDX-License-Identifier: MIT
 *
 * The JWKS is served by a libsoup server on loopback, standing in for the
 * pool's web API; tokens are signed with OpenSSL in the test.
 */
#include "config.h"

#include <openssl/pem.h>
#include <string.h>

#include "api-test-util.h"
#include "ntpmon-api-jwt.h"

#define SCOPE "\"monitor:read monitor:data\""
#define AUD   "\"monitor-api\""

static EVP_PKEY *rsa_key, *ec_key, *rsa2_key;

typedef struct
{
  ApiTestJwks *jwks;
  NtpmonApiJwt *jwt;
} Fixture;

static void refresh (NtpmonApiJwt *jwt, GError **error);

static void
setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *rsa = api_test_jwk (rsa_key, "rsa1");
  g_autofree gchar *ec = api_test_jwk (ec_key, "ec1");
  g_autoptr (GError) error = NULL;

  f->jwks = api_test_jwks_new ();
  api_test_jwks_set (f->jwks, (const gchar *[]){ rsa, ec, NULL });
  f->jwt = ntpmon_api_jwt_new (f->jwks->url, API_TEST_ISSUER);
  ntpmon_api_jwt_set_refresh (f->jwt, 3600, 0);
  refresh (f->jwt, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_api_jwt_get_n_keys (f->jwt), ==, 2);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_object_unref (f->jwt);
  api_test_jwks_free (f->jwks);
}

typedef struct
{
  gboolean done;
  GAsyncResult *result;
} Wait;

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static void
refresh (NtpmonApiJwt *jwt, GError **error)
{
  Wait wait = { 0 };

  ntpmon_api_jwt_refresh_async (jwt, NULL, store_result, &wait);
  api_test_wait (&wait.done);
  ntpmon_api_jwt_refresh_finish (jwt, wait.result, error);
  g_object_unref (wait.result);
}

static gchar *
verify (Fixture *f, const gchar *token, GError **error)
{
  Wait wait = { 0 };
  gchar *subject;

  ntpmon_api_jwt_verify_async (f->jwt, token, NULL, store_result, &wait);
  api_test_wait (&wait.done);
  subject = ntpmon_api_jwt_verify_finish (f->jwt, wait.result, error);
  g_object_unref (wait.result);
  return subject;
}

static void
expect_ok (Fixture *f, const gchar *token, const gchar *subject)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = verify (f, token, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, subject);
}

static void
expect_refused (Fixture *f, const gchar *token, NtpmonApiJwtError code)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *got = verify (f, token, &error);

  g_assert_null (got);
  g_assert_error (error, NTPMON_API_JWT_ERROR, (gint)code);
  g_test_message ("refused: %s", error->message);
}

static gchar *
good_claims (void)
{
  return api_test_claims (API_TEST_MONITOR, API_TEST_ISSUER, AUD, SCOPE, 3600);
}

static void
test_good_tokens (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claims = good_claims ();
  g_autofree gchar *es = api_test_jwt (ec_key, "ES384", "ec1", claims);
  g_autofree gchar *rs = api_test_jwt (rsa_key, "RS256", "rsa1", claims);
  g_autofree gchar *no_exp = g_strdup_printf (
      "{\"sub\":\"%s\",\"iss\":\"%s\",\"aud\":[\"x\",\"monitor-api\"],\"scope\":\"foo "
      "monitor:data\",\"monitor\":\"m1\"}",
      API_TEST_MONITOR, API_TEST_ISSUER);
  g_autofree gchar *rs2 = api_test_jwt (rsa_key, "RS256", "rsa1", no_exp);

  expect_ok (f, es, API_TEST_MONITOR);
  expect_ok (f, rs, API_TEST_MONITOR);
  expect_ok (f, rs2, API_TEST_MONITOR);
  /* no fetch beyond the one of setup */
  g_assert_cmpuint (f->jwks->fetches, ==, 1);
}

static void
test_alg_none (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claims = good_claims ();
  g_autofree gchar *none = api_test_jwt (NULL, "none", "rsa1", claims);
  g_autofree gchar *none_sig = g_strconcat (none, "c2ln", NULL);

  expect_refused (f, none, NTPMON_API_JWT_ERROR_ALGORITHM);
  expect_refused (f, none_sig, NTPMON_API_JWT_ERROR_ALGORITHM);
}

static void
test_algorithm_confusion (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claims = good_claims ();
  BIO *bio = BIO_new (BIO_s_mem ());
  BUF_MEM *pem;
  g_autofree gchar *hs = NULL;
  g_autofree gchar *rs_on_ec = NULL;
  g_autofree gchar *es_on_rsa = NULL;
  g_autofree gchar *es512 = NULL;

  /* HS256 keyed with the RSA public key as PEM text */
  g_assert_cmpint (PEM_write_bio_PUBKEY (bio, rsa_key), ==, 1);
  BIO_get_mem_ptr (bio, &pem);
  hs = api_test_jwt_hmac ((const guint8 *)pem->data, pem->length, "rsa1", claims);
  BIO_free (bio);
  expect_refused (f, hs, NTPMON_API_JWT_ERROR_ALGORITHM);

  /* an RSA signature presented for the EC key, and the other way round */
  rs_on_ec = api_test_jwt (rsa_key, "RS256", "ec1", claims);
  expect_refused (f, rs_on_ec, NTPMON_API_JWT_ERROR_ALGORITHM);
  es_on_rsa = api_test_jwt (ec_key, "ES384", "rsa1", claims);
  expect_refused (f, es_on_rsa, NTPMON_API_JWT_ERROR_ALGORITHM);
  es512 = api_test_jwt (ec_key, "ES512", "ec1", claims);
  expect_refused (f, es512, NTPMON_API_JWT_ERROR_ALGORITHM);
}

static void
test_bad_signature (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claims = good_claims ();
  g_autofree gchar *es = api_test_jwt (ec_key, "ES384", "ec1", claims);
  g_autofree gchar *other_claims
      = api_test_claims ("evil.test.mon.ntppool.dev", API_TEST_ISSUER, AUD, SCOPE, 3600);
  g_autofree gchar *other = api_test_jwt (ec_key, "ES384", "ec1", other_claims);
  g_autofree gchar *spliced = NULL;
  g_auto (GStrv) a = g_strsplit (es, ".", 3);
  g_auto (GStrv) b = g_strsplit (other, ".", 3);
  g_autofree gchar *truncated = g_strndup (es, strlen (es) - 4);

  /* claims of one token with the signature of another */
  spliced = g_strjoin (".", a[0], b[1], a[2], NULL);
  expect_refused (f, spliced, NTPMON_API_JWT_ERROR_SIGNATURE);
  expect_refused (f, truncated, NTPMON_API_JWT_ERROR_SIGNATURE);
}

static void
test_claims (Fixture *f, gconstpointer data)
{
  g_autofree gchar *long_sub = g_strnfill (129, 'a');
  struct
  {
    const gchar *sub, *iss, *aud, *scope;
    gint64 exp;
  } refused[] = {
    { API_TEST_MONITOR, "https://api.test.example/", AUD, SCOPE, 3600 }, /* issuer */
    { API_TEST_MONITOR, "https://evil.example", AUD, SCOPE, 3600 },
    { API_TEST_MONITOR, API_TEST_ISSUER, NULL, SCOPE, 3600 }, /* no audience */
    { API_TEST_MONITOR, API_TEST_ISSUER, "\"other\"", SCOPE, 3600 },
    { API_TEST_MONITOR, API_TEST_ISSUER, "[\"a\",\"b\"]", SCOPE, 3600 },
    { API_TEST_MONITOR, API_TEST_ISSUER, AUD, "\"monitor:admin\"", 3600 }, /* scope */
    { API_TEST_MONITOR, API_TEST_ISSUER, AUD, "[\"monitor:read\"]", 3600 },
    { API_TEST_MONITOR, API_TEST_ISSUER, AUD, NULL, 3600 },
    { API_TEST_MONITOR, API_TEST_ISSUER, AUD, SCOPE, -1 }, /* expired */
    { "", API_TEST_ISSUER, AUD, SCOPE, 3600 },             /* subject */
    { long_sub, API_TEST_ISSUER, AUD, SCOPE, 3600 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree gchar *claims = api_test_claims (refused[i].sub, refused[i].iss, refused[i].aud,
                                                  refused[i].scope, refused[i].exp);
      g_autofree gchar *token = api_test_jwt (ec_key, "ES384", "ec1", claims);

      g_test_message ("claims %s", claims);
      expect_refused (f, token, NTPMON_API_JWT_ERROR_CLAIMS);
    }
  {
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    g_autofree gchar *nbf = g_strdup_printf (
        "{\"sub\":\"a\",\"iss\":\"%s\",\"aud\":\"monitor-api\",\"scope\":\"monitor:read\","
        "\"nbf\":%" G_GINT64_FORMAT "}",
        API_TEST_ISSUER, now + 3600);
    g_autofree gchar *exp_string = g_strdup_printf (
        "{\"sub\":\"a\",\"iss\":\"%s\",\"aud\":\"monitor-api\",\"scope\":\"monitor:read\","
        "\"exp\":\"never\"}",
        API_TEST_ISSUER);
    g_autofree gchar *long_monitor = g_strdup_printf (
        "{\"sub\":\"a\",\"iss\":\"%s\",\"aud\":\"monitor-api\",\"scope\":\"monitor:read\","
        "\"monitor\":\"%0100d\"}",
        API_TEST_ISSUER, 1);
    g_autofree gchar *t1 = api_test_jwt (rsa_key, "RS256", "rsa1", nbf);
    g_autofree gchar *t2 = api_test_jwt (rsa_key, "RS256", "rsa1", exp_string);
    g_autofree gchar *t3 = api_test_jwt (rsa_key, "RS256", "rsa1", long_monitor);

    expect_refused (f, t1, NTPMON_API_JWT_ERROR_CLAIMS);
    expect_refused (f, t2, NTPMON_API_JWT_ERROR_CLAIMS);
    expect_refused (f, t3, NTPMON_API_JWT_ERROR_CLAIMS);
  }
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  g_autofree gchar *padding = g_strnfill (4000, 'a');
  g_autofree gchar *big_claims = g_strdup_printf (
      "{\"sub\":\"a\",\"iss\":\"%s\",\"aud\":\"monitor-api\",\"scope\":\"monitor:read\","
      "\"pad\":\"%s\"}",
      API_TEST_ISSUER, padding);
  g_autofree gchar *big = api_test_jwt (ec_key, "ES384", "ec1", big_claims);

  expect_refused (f, "", NTPMON_API_JWT_ERROR_MALFORMED);
  expect_refused (f, big, NTPMON_API_JWT_ERROR_MALFORMED);
  expect_refused (f, "abc", NTPMON_API_JWT_ERROR_MALFORMED);
  expect_refused (f, "a.b.c.d", NTPMON_API_JWT_ERROR_MALFORMED);
  expect_refused (f, "!!.e30.", NTPMON_API_JWT_ERROR_MALFORMED);
  expect_refused (f, "W10.e30.", NTPMON_API_JWT_ERROR_MALFORMED); /* header [] */
  expect_refused (f, "e30.e30.", NTPMON_API_JWT_ERROR_ALGORITHM); /* header {} */
}

static void
test_rotation (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claims = good_claims ();
  g_autofree gchar *rsa2 = api_test_jwk (rsa2_key, "rsa2");
  g_autofree gchar *ec = api_test_jwk (ec_key, "ec1");
  g_autofree gchar *token = api_test_jwt (rsa2_key, "RS256", "rsa2", claims);
  g_autofree gchar *old = api_test_jwt (rsa_key, "RS256", "rsa1", claims);

  /* The issuer has not published the new key yet: one fetch, still unknown. */
  expect_refused (f, token, NTPMON_API_JWT_ERROR_KEY);
  g_assert_cmpuint (f->jwks->fetches, ==, 2);

  /* Rotation: rsa1 is replaced by rsa2. An unknown kid triggers a fetch. */
  api_test_jwks_set (f->jwks, (const gchar *[]){ rsa2, ec, NULL });
  expect_ok (f, token, API_TEST_MONITOR);
  g_assert_cmpuint (f->jwks->fetches, ==, 3);
  expect_ok (f, token, API_TEST_MONITOR);
  g_assert_cmpuint (f->jwks->fetches, ==, 3);
  /* the retired key no longer verifies (and fetching again does not help) */
  expect_refused (f, old, NTPMON_API_JWT_ERROR_KEY);

  /* With a minimum interval, unknown kids do not cause a fetch storm. */
  ntpmon_api_jwt_set_refresh (f->jwt, 3600, 3600);
  expect_refused (f, old, NTPMON_API_JWT_ERROR_KEY);
  expect_refused (f, old, NTPMON_API_JWT_ERROR_KEY);
  g_assert_cmpuint (f->jwks->fetches, ==, 4);
}

static void
test_jwks_documents (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) garbage = g_bytes_new_static ("not json", 8);
  g_autoptr (GBytes) no_keys = g_bytes_new_static ("{\"x\":1}", 7);
  EVP_PKEY *small = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t)1024);
  g_autofree gchar *small_jwk = api_test_jwk (small, "small");
  g_autofree gchar *ec = api_test_jwk (ec_key, "ec1");
  g_autofree gchar *doc = g_strdup_printf (
      "{\"keys\":[%s,{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"},"
      "{\"kty\":\"EC\",\"kid\":\"p256\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"},"
      "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},%s,7]}",
      small_jwk, ec);
  g_autoptr (GBytes) mixed = g_bytes_new (doc, strlen (doc));

  g_assert_false (ntpmon_api_jwt_load_jwks (f->jwt, garbage, &error));
  g_assert_error (error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS);
  g_clear_error (&error);
  g_assert_false (ntpmon_api_jwt_load_jwks (f->jwt, no_keys, &error));
  g_assert_error (error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS);
  g_clear_error (&error);
  g_assert_cmpuint (ntpmon_api_jwt_get_n_keys (f->jwt), ==, 2); /* kept */

  /* only the P-384 key is usable */
  g_assert_true (ntpmon_api_jwt_load_jwks (f->jwt, mixed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_api_jwt_get_n_keys (f->jwt), ==, 1);
  EVP_PKEY_free (small);

  /* a JWKS URL that does not answer 200 is an error, keys stay */
  {
    g_autoptr (NtpmonApiJwt) broken = NULL;
    g_autofree gchar *url = g_strconcat (f->jwks->url, ".missing", NULL);

    broken = ntpmon_api_jwt_new (url, API_TEST_ISSUER);
    refresh (broken, &error);
    g_assert_error (error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS);
  }
}

int
main (int argc, char **argv)
{
  int status;

  api_test_init (&argc, &argv);
  rsa_key = api_test_key_new ("RSA");
  rsa2_key = api_test_key_new ("RSA");
  ec_key = api_test_key_new ("EC");
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/api/jwt/good", test_good_tokens);
  ADD ("/api/jwt/alg-none", test_alg_none);
  ADD ("/api/jwt/algorithm-confusion", test_algorithm_confusion);
  ADD ("/api/jwt/bad-signature", test_bad_signature);
  ADD ("/api/jwt/claims", test_claims);
  ADD ("/api/jwt/malformed", test_malformed);
  ADD ("/api/jwt/rotation", test_rotation);
  ADD ("/api/jwt/jwks-documents", test_jwks_documents);
#undef ADD
  status = g_test_run ();
  EVP_PKEY_free (rsa_key);
  EVP_PKEY_free (rsa2_key);
  EVP_PKEY_free (ec_key);
  return status;
}
