/* api-test-util.h: fixtures of the API server tests
 *
 * SPDX-License-Identifier: MIT
 *
 * Certificates are made with the openssl command-line tool (an independent
 * implementation); tokens are signed with OpenSSL directly.
 */
#pragma once

#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "ntpmon-api-server.h"

G_BEGIN_DECLS

#define API_TEST_DOMAIN  "mon.ntppool.dev"
#define API_TEST_MONITOR "good1.test.mon.ntppool.dev"
#define API_TEST_ISSUER  "https://api.test.example"

typedef struct
{
  gchar *dir;
  gchar *ca_crt;
  gchar *server_crt, *server_key; /* SANs: DNS api.test.mon.ntppool.dev, localhost, IP 127.0.0.1 */
  gchar *server2_crt, *server2_key;       /* a second server pair, for the reload test */
  gchar *good_crt, *good_key;             /* API_TEST_MONITOR, from the CA */
  gchar *foreign_crt, *foreign_key;       /* same name, from another CA */
  gchar *expired_crt, *expired_key;       /* same name, from the CA, expired */
  gchar *badname_crt, *badname_key;       /* from the CA, no valid monitor name */
  gchar *serveronly_crt, *serveronly_key; /* API_TEST_MONITOR, EKU serverAuth only */
  gchar *codesign_crt, *codesign_key;     /* API_TEST_MONITOR, EKU codeSigning only */
} ApiTestCerts;

void api_test_init (int *argc, char ***argv);
gchar *api_test_get (const gchar *url, guint *status);
void api_test_require_program (const gchar *program, const gchar *package);
ApiTestCerts *api_test_certs_new (void);
void api_test_certs_free (ApiTestCerts *certs);
void api_test_certs_add_client (ApiTestCerts *certs, const gchar *name, const gchar *san,
                                gchar **crt, gchar **key);
void api_test_rmtree (const gchar *path);
GTlsCertificate *api_test_load_pair (const gchar *crt, const gchar *key);
gchar *api_test_listen (NtpmonApiServer *server, ApiTestCerts *certs, GTlsDatabase **trust);

typedef struct
{
  guint status;
  gchar *body; /* as text */
  GBytes *raw; /* as received */
  gchar *content_type;
  gchar *allow;          /* the Allow header */
  GTlsCertificate *peer; /* the server's certificate */
  GError *error;
} ApiTestResponse;

void api_test_response_free (ApiTestResponse *response);
ApiTestResponse *api_test_request (const gchar *url, const gchar *body, GTlsCertificate *client,
                                   const gchar *authorization, GTlsDatabase *trust);
ApiTestResponse *api_test_request_full (const gchar *url, const gchar *body, gboolean chunked,
                                        GTlsCertificate *client, const gchar *authorization,
                                        GTlsDatabase *trust);
ApiTestResponse *api_test_send (const gchar *url, const gchar *content_type, GBytes *body,
                                gboolean chunked, GTlsCertificate *client,
                                const gchar *const *headers, GTlsDatabase *trust);
void api_test_wait (gboolean *flag);

EVP_PKEY *api_test_key_new (const gchar *type);
gchar *api_test_jwk (EVP_PKEY *key, const gchar *kid);
gchar *api_test_jwt (EVP_PKEY *key, const gchar *alg, const gchar *kid, const gchar *claims);
gchar *api_test_jwt_hmac (const guint8 *secret, gsize len, const gchar *kid, const gchar *claims);
gchar *api_test_claims (const gchar *sub, const gchar *iss, const gchar *aud, const gchar *scope,
                        gint64 exp_offset);

/* A loopback HTTP server for a JWKS document that the test can change. */
typedef struct
{
  SoupServer *server;
  gchar *jwks;
  guint fetches;
  gchar *url;
} ApiTestJwks;

ApiTestJwks *api_test_jwks_new (void);
void api_test_jwks_set (ApiTestJwks *jwks, const gchar *const *jwk_objects);
void api_test_jwks_free (ApiTestJwks *jwks);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ApiTestResponse, api_test_response_free)

G_END_DECLS
