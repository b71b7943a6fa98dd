/* ntpmon-api-jwt.c: bearer JWT verification with a JWKS (spec api-server.md §4.4)
 *
 * SPDX-License-Identifier: MIT
 *
 * JWS compact tokens are checked with OpenSSL directly: the algorithm is
 * taken from the key (a JWK of type EC/P-384 verifies only ES384, an RSA
 * JWK only RS256), never trusted from the token alone, so an `alg: none`
 * token or an HS256 token keyed with a public key cannot pass. ES384
 * signatures arrive as raw r‖s (96 bytes) and are converted to DER.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <string.h>

#include "ntpmon-api-jwt.h"
#include "ntpmon-api-util.h"

#define MAX_JWKS_SIZE (256 * 1024)
#define MAX_SUB       128
#define MAX_MONITOR   64

typedef struct
{
  gchar *alg;
  EVP_PKEY *pkey;
} Key;

struct _NtpmonApiJwt
{
  GObject parent_instance;

  gchar *jwks_url;
  gchar *issuer;
  GHashTable *keys; /* kid -> Key */
  SoupSession *session;
  guint period;       /* seconds between refreshes */
  guint min_interval; /* seconds between refreshes caused by unknown kids */
  gint64 last_fetch;  /* monotonic µs of the last fetch start, 0 = never */
  GPtrArray *waiting; /* GTasks waiting for the running fetch, or NULL */
  guint timer_id;
};

G_DEFINE_TYPE (NtpmonApiJwt, ntpmon_api_jwt, G_TYPE_OBJECT)
G_DEFINE_QUARK (ntpmon - api - jwt - error - quark, ntpmon_api_jwt_error)

static void
key_free (Key *key)
{
  g_free (key->alg);
  EVP_PKEY_free (key->pkey);
  g_free (key);
}

static void
ntpmon_api_jwt_dispose (GObject *object)
{
  NtpmonApiJwt *self = NTPMON_API_JWT (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ntpmon_api_jwt_parent_class)->dispose (object);
}

static void
ntpmon_api_jwt_finalize (GObject *object)
{
  NtpmonApiJwt *self = NTPMON_API_JWT (object);

  g_free (self->jwks_url);
  g_free (self->issuer);
  g_hash_table_unref (self->keys);
  G_OBJECT_CLASS (ntpmon_api_jwt_parent_class)->finalize (object);
}

static void
ntpmon_api_jwt_class_init (NtpmonApiJwtClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ntpmon_api_jwt_dispose;
  G_OBJECT_CLASS (klass)->finalize = ntpmon_api_jwt_finalize;
}

static void
ntpmon_api_jwt_init (NtpmonApiJwt *self)
{
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)key_free);
  self->period = 15 * 60;
  self->min_interval = 30;
  self->session = soup_session_new_with_options ("timeout", 20, "user-agent",
                                                 "ntppool-monitor-api/" PACKAGE_VERSION, NULL);
}

/**
 * ntpmon_api_jwt_new:
 * @jwks_url: where the JWKS document is, e.g. `<APIHost>/.well-known/jwks.json`
 * @issuer: the required `iss`, e.g. `https://api.ntppool.dev`
 */
NtpmonApiJwt *
ntpmon_api_jwt_new (const gchar *jwks_url, const gchar *issuer)
{
  NtpmonApiJwt *self = g_object_new (NTPMON_API_TYPE_JWT, NULL);

  self->jwks_url = g_strdup (jwks_url);
  self->issuer = g_strdup (issuer);
  return self;
}

/**
 * ntpmon_api_jwt_set_refresh:
 * @period_seconds: refresh the JWKS this often (after ntpmon_api_jwt_start())
 * @min_interval_seconds: fetch for an unknown `kid` at most this often
 */
void
ntpmon_api_jwt_set_refresh (NtpmonApiJwt *self, guint period_seconds, guint min_interval_seconds)
{
  self->period = MAX (period_seconds, 1);
  self->min_interval = min_interval_seconds;
}

/**
 * ntpmon_api_jwt_set_tls_database:
 *
 * Trust @database (instead of the system's) for an https JWKS URL.
 */
void
ntpmon_api_jwt_set_tls_database (NtpmonApiJwt *self, GTlsDatabase *database)
{
  soup_session_set_tls_database (self->session, database);
}

const gchar *
ntpmon_api_jwt_get_issuer (NtpmonApiJwt *self)
{
  return self->issuer;
}

guint
ntpmon_api_jwt_get_n_keys (NtpmonApiJwt *self)
{
  return g_hash_table_size (self->keys);
}

static BIGNUM *
member_bignum (JsonObject *jwk, const gchar *name, gsize want_len)
{
  const gchar *text = json_object_get_string_member_with_default (jwk, name, NULL);
  g_autoptr (GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  if (text == NULL || (bytes = ntpmon_api_base64url_decode (text, -1)) == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  if (len == 0 || (want_len != 0 && len != want_len))
    return NULL;
  return BN_bin2bn (data, (int)len, NULL);
}

static EVP_PKEY *
pkey_from_params (const gchar *type, OSSL_PARAM_BLD *bld)
{
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param (bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, type, NULL);
  EVP_PKEY *pkey = NULL;

  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init (ctx) <= 0
      || EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    pkey = NULL;
  EVP_PKEY_CTX_free (ctx);
  OSSL_PARAM_free (params);
  return pkey;
}

/* Returns the key of one JWK, or NULL (with the reason) when it is not a
 * usable ES384 or RS256 signing key. */
static Key *
key_from_jwk (JsonObject *jwk, const gchar **why)
{
  const gchar *kty = json_object_get_string_member_with_default (jwk, "kty", "");
  const gchar *use = json_object_get_string_member_with_default (jwk, "use", "sig");
  const gchar *alg = json_object_get_string_member_with_default (jwk, "alg", NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  EVP_PKEY *pkey = NULL;
  const gchar *key_alg = NULL;
  Key *key;

  *why = "unusable key parameters";
  if (g_strcmp0 (use, "sig") != 0)
    *why = "not a signing key";
  else if (g_strcmp0 (kty, "RSA") == 0)
    {
      BIGNUM *n = member_bignum (jwk, "n", 0);
      BIGNUM *e = member_bignum (jwk, "e", 0);

      key_alg = "RS256";
      if (n != NULL && e != NULL && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_N, n)
          && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_E, e))
        pkey = pkey_from_params ("RSA", bld);
      if (pkey != NULL && EVP_PKEY_get_bits (pkey) < 2048)
        {
          *why = "RSA key shorter than 2048 bits";
          g_clear_pointer (&pkey, EVP_PKEY_free);
        }
      BN_free (n);
      BN_free (e);
    }
  else if (g_strcmp0 (kty, "EC") == 0
           && g_strcmp0 (json_object_get_string_member_with_default (jwk, "crv", ""), "P-384") == 0)
    {
      const gchar *x = json_object_get_string_member_with_default (jwk, "x", "");
      const gchar *y = json_object_get_string_member_with_default (jwk, "y", "");
      g_autoptr (GBytes) xb = ntpmon_api_base64url_decode (x, -1);
      g_autoptr (GBytes) yb = ntpmon_api_base64url_decode (y, -1);
      guint8 point[97];

      key_alg = "ES384";
      if (xb != NULL && yb != NULL && g_bytes_get_size (xb) == 48 && g_bytes_get_size (yb) == 48)
        {
          point[0] = 0x04;
          memcpy (point + 1, g_bytes_get_data (xb, NULL), 48);
          memcpy (point + 49, g_bytes_get_data (yb, NULL), 48);
          if (OSSL_PARAM_BLD_push_utf8_string (bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0)
              && OSSL_PARAM_BLD_push_octet_string (bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                                   sizeof point))
            pkey = pkey_from_params ("EC", bld);
        }
    }
  else
    *why = "key type is not RSA or EC P-384";
  OSSL_PARAM_BLD_free (bld);
  if (pkey != NULL && alg != NULL && g_strcmp0 (alg, key_alg) != 0)
    {
      *why = "the key's alg is not ES384 or RS256";
      g_clear_pointer (&pkey, EVP_PKEY_free);
    }
  if (pkey == NULL)
    return NULL;
  key = g_new0 (Key, 1);
  key->alg = g_strdup (key_alg);
  key->pkey = pkey;
  return key;
}

/**
 * ntpmon_api_jwt_load_jwks:
 * @jwks: a JWKS document (`{"keys":[…]}`)
 *
 * Replaces the key set. Keys that are not ES384/RS256 signing keys are
 * skipped with a debug message; a document that is not a JWKS is an error
 * and leaves the old keys in place.
 */
gboolean
ntpmon_api_jwt_load_jwks (NtpmonApiJwt *self, GBytes *jwks, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GHashTable) keys = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (jwks, &len);
  JsonNode *root;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, data, (gssize)len, &local_error))
    {
      g_set_error (error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS, _ ("bad JWKS: %s"),
                   local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "keys")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "keys")))
    {
      g_set_error_literal (error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS,
                           _ ("bad JWKS: no \"keys\" array"));
      return FALSE;
    }
  array = json_object_get_array_member (json_node_get_object (root), "keys");
  keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)key_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const gchar *kid;
      const gchar *why;
      Key *key;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      kid = json_object_get_string_member_with_default (json_node_get_object (node), "kid", "");
      key = key_from_jwk (json_node_get_object (node), &why);
      if (key == NULL)
        g_debug ("JWKS key %u (kid \"%s\") skipped: %s", i, kid, why);
      else
        g_hash_table_replace (keys, g_strdup (kid), key);
    }
  g_hash_table_unref (self->keys);
  self->keys = g_steal_pointer (&keys);
  return TRUE;
}

static void
finish_waiting (NtpmonApiJwt *self, const GError *error)
{
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting);

  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
fetch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NtpmonApiJwt) self = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body
      = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (body != NULL && soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_set_error (&error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS,
                 _ ("JWKS %s: HTTP status %u"), self->jwks_url, soup_message_get_status (msg));
  else if (body != NULL && g_bytes_get_size (body) > MAX_JWKS_SIZE)
    g_set_error (&error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS,
                 _ ("JWKS %s: document too large"), self->jwks_url);
  else if (body != NULL)
    ntpmon_api_jwt_load_jwks (self, body, &error);
  if (error != NULL)
    g_message ("JWKS refresh failed: %s", error->message);
  else
    g_debug ("JWKS refreshed: %u keys", g_hash_table_size (self->keys));
  finish_waiting (self, error);
}

/**
 * ntpmon_api_jwt_refresh_async:
 *
 * Fetches the JWKS now; concurrent calls share one fetch.
 */
void
ntpmon_api_jwt_refresh_async (NtpmonApiJwt *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (SoupMessage) msg = NULL;

  g_task_set_source_tag (task, ntpmon_api_jwt_refresh_async);
  if (self->waiting != NULL)
    {
      g_ptr_array_add (self->waiting, task);
      return;
    }
  msg = soup_message_new (SOUP_METHOD_GET, self->jwks_url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_JWKS,
                               _ ("bad JWKS URL %s"), self->jwks_url);
      g_object_unref (task);
      return;
    }
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->waiting, task);
  self->last_fetch = g_get_monotonic_time ();
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL, fetch_done,
                                    g_object_ref (self));
}

gboolean
ntpmon_api_jwt_refresh_finish (NtpmonApiJwt *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
periodic_refresh (gpointer user_data)
{
  ntpmon_api_jwt_refresh_async (user_data, NULL, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

/**
 * ntpmon_api_jwt_start:
 *
 * Fetches the JWKS now and then periodically, until @self is disposed.
 */
void
ntpmon_api_jwt_start (NtpmonApiJwt *self)
{
  ntpmon_api_jwt_refresh_async (self, NULL, NULL, NULL);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (self->period, periodic_refresh, self);
}

/* A token split into its parts and with header and claims parsed. */
typedef struct
{
  gchar *signing_input; /* header "." payload, as received */
  GBytes *signature;
  JsonParser *header;
  JsonParser *claims;
  gchar *alg;
  gchar *kid;
} Token;

static void
token_free (Token *token)
{
  g_free (token->signing_input);
  g_clear_pointer (&token->signature, g_bytes_unref);
  g_clear_object (&token->header);
  g_clear_object (&token->claims);
  g_free (token->alg);
  g_free (token->kid);
  g_free (token);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Token, token_free)

static gboolean
jwt_error (GError **error, NtpmonApiJwtError code, const gchar *message)
{
  g_set_error_literal (error, NTPMON_API_JWT_ERROR, code, message);
  return FALSE;
}

static JsonParser *
parse_part (const gchar *text, gsize len, GError **error)
{
  g_autoptr (GBytes) bytes = ntpmon_api_base64url_decode (text, (gssize)len);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize size;
  const gchar *data;

  if (bytes == NULL)
    {
      jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("token part is not base64url"));
      return NULL;
    }
  data = g_bytes_get_data (bytes, &size);
  if (!json_parser_load_from_data (parser, data, (gssize)size, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("token part is not a JSON object"));
      return NULL;
    }
  return g_steal_pointer (&parser);
}

static JsonObject *
root_object (JsonParser *parser)
{
  return json_node_get_object (json_parser_get_root (parser));
}

static Token *
token_parse (const gchar *text, GError **error)
{
  g_autoptr (Token) token = g_new0 (Token, 1);
  const gchar *dot1, *dot2;
  JsonNode *node;

  if (text == NULL || *text == '\0')
    return jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("token is empty")), NULL;
  if (strlen (text) > NTPMON_API_JWT_MAX_TOKEN)
    return jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("token is too long")), NULL;
  dot1 = strchr (text, '.');
  dot2 = dot1 != NULL ? strchr (dot1 + 1, '.') : NULL;
  if (dot2 == NULL || strchr (dot2 + 1, '.') != NULL)
    return jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("token is not a JWS")), NULL;
  token->header = parse_part (text, dot1 - text, error);
  if (token->header == NULL)
    return NULL;
  token->claims = parse_part (dot1 + 1, dot2 - dot1 - 1, error);
  if (token->claims == NULL)
    return NULL;
  token->signature = ntpmon_api_base64url_decode (dot2 + 1, -1);
  if (token->signature == NULL)
    return jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("signature is not base64url")),
           NULL;
  token->signing_input = g_strndup (text, dot2 - text);

  node = json_object_get_member (root_object (token->header), "alg");
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return jwt_error (error, NTPMON_API_JWT_ERROR_ALGORITHM, _ ("token has no alg")), NULL;
  token->alg = g_strdup (json_node_get_string (node));
  if (g_strcmp0 (token->alg, "ES384") != 0 && g_strcmp0 (token->alg, "RS256") != 0)
    return jwt_error (error, NTPMON_API_JWT_ERROR_ALGORITHM, _ ("algorithm not allowed")), NULL;
  node = json_object_get_member (root_object (token->header), "kid");
  if (node != NULL && json_node_get_value_type (node) != G_TYPE_STRING)
    return jwt_error (error, NTPMON_API_JWT_ERROR_MALFORMED, _ ("kid is not a string")), NULL;
  token->kid = g_strdup (node != NULL ? json_node_get_string (node) : "");
  return g_steal_pointer (&token);
}

/* Raw r‖s (2 × 48 bytes) to the DER ECDSA-Sig-Value OpenSSL verifies. */
static guint8 *
es384_to_der (GBytes *raw, gsize *der_len)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (raw, &len);
  ECDSA_SIG *sig;
  BIGNUM *r, *s;
  guint8 *der = NULL, *out;
  int n;

  if (len != 96)
    return NULL;
  r = BN_bin2bn (data, 48, NULL);
  s = BN_bin2bn (data + 48, 48, NULL);
  sig = ECDSA_SIG_new ();
  if (r == NULL || s == NULL || sig == NULL || !ECDSA_SIG_set0 (sig, r, s))
    {
      BN_free (r);
      BN_free (s);
      ECDSA_SIG_free (sig);
      return NULL;
    }
  n = i2d_ECDSA_SIG (sig, NULL);
  if (n > 0)
    {
      der = out = g_malloc (n);
      i2d_ECDSA_SIG (sig, &out);
      *der_len = (gsize)n;
    }
  ECDSA_SIG_free (sig);
  return der;
}

static gboolean
verify_signature (Token *token, Key *key, GError **error)
{
  g_autofree guint8 *der = NULL;
  const guint8 *sig;
  gsize sig_len;
  EVP_MD_CTX *ctx;
  gboolean ok;

  if (g_strcmp0 (token->alg, key->alg) != 0)
    return jwt_error (error, NTPMON_API_JWT_ERROR_ALGORITHM,
                      _ ("token algorithm does not match the key"));
  if (g_str_equal (key->alg, "ES384"))
    {
      der = es384_to_der (token->signature, &sig_len);
      if (der == NULL)
        return jwt_error (error, NTPMON_API_JWT_ERROR_SIGNATURE, _ ("bad ES384 signature"));
      sig = der;
    }
  else
    sig = g_bytes_get_data (token->signature, &sig_len);

  ctx = EVP_MD_CTX_new ();
  ok = ctx != NULL
       && EVP_DigestVerifyInit (ctx, NULL,
                                g_str_equal (key->alg, "ES384") ? EVP_sha384 () : EVP_sha256 (),
                                NULL, key->pkey)
              == 1
       && EVP_DigestVerify (ctx, sig, sig_len, (const guint8 *)token->signing_input,
                            strlen (token->signing_input))
              == 1;
  EVP_MD_CTX_free (ctx);
  if (!ok)
    return jwt_error (error, NTPMON_API_JWT_ERROR_SIGNATURE, _ ("signature does not verify"));
  return TRUE;
}

/* A NumericDate claim; absent is fine, any other type is not. */
static gboolean
time_claim (JsonObject *claims, const gchar *name, gboolean *present, gdouble *value)
{
  JsonNode *node = json_object_get_member (claims, name);
  GType type;

  *present = node != NULL;
  if (node == NULL)
    return TRUE;
  type = json_node_get_value_type (node);
  if (!JSON_NODE_HOLDS_VALUE (node) || (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE))
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

static gboolean
audience_ok (JsonObject *claims)
{
  JsonNode *node = json_object_get_member (claims, "aud");

  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (node), NTPMON_API_JWT_AUDIENCE) == 0;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING
              && g_strcmp0 (json_node_get_string (item), NTPMON_API_JWT_AUDIENCE) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

static const gchar *
string_claim (JsonObject *claims, const gchar *name, gboolean *wrong_type)
{
  JsonNode *node = json_object_get_member (claims, name);

  *wrong_type = FALSE;
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *wrong_type = TRUE;
      return NULL;
    }
  return json_node_get_string (node);
}

/* The claim rules of spec §4.4; returns the subject. */
static gchar *
check_claims (NtpmonApiJwt *self, Token *token, GError **error)
{
  JsonObject *claims = root_object (token->claims);
  gdouble now = (gdouble)g_get_real_time () / G_USEC_PER_SEC;
  gboolean present, wrong;
  gdouble value = 0;
  const gchar *text;

  if (!time_claim (claims, "exp", &present, &value) || (present && now >= value))
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("token is expired")), NULL;
  if (!time_claim (claims, "nbf", &present, &value) || (present && now < value))
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("token is not valid yet")), NULL;
  text = string_claim (claims, "iss", &wrong);
  if (text == NULL || g_strcmp0 (text, self->issuer) != 0)
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("wrong issuer")), NULL;
  if (!audience_ok (claims))
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("wrong audience")), NULL;
  text = string_claim (claims, "scope", &wrong);
  if (text == NULL
      || (strstr (text, "monitor:read") == NULL && strstr (text, "monitor:data") == NULL))
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("missing scope")), NULL;
  text = string_claim (claims, "monitor", &wrong);
  if (wrong || (text != NULL && strlen (text) > MAX_MONITOR))
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("bad monitor claim")), NULL;
  text = string_claim (claims, "sub", &wrong);
  if (text == NULL || *text == '\0' || strlen (text) > MAX_SUB)
    return jwt_error (error, NTPMON_API_JWT_ERROR_CLAIMS, _ ("bad subject")), NULL;
  return g_strdup (text);
}

static gchar *
verify_now (NtpmonApiJwt *self, Token *token, GError **error)
{
  Key *key = g_hash_table_lookup (self->keys, token->kid);

  if (key == NULL)
    {
      g_set_error (error, NTPMON_API_JWT_ERROR, NTPMON_API_JWT_ERROR_KEY, _ ("unknown key \"%s\""),
                   token->kid);
      return NULL;
    }
  if (!verify_signature (token, key, error))
    return NULL;
  return check_claims (self, token, error);
}

static void
verify_after_refresh (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  NtpmonApiJwt *self = NTPMON_API_JWT (source);
  Token *token = g_task_get_task_data (task);
  GError *error = NULL;
  gchar *subject;

  /* A failed refresh keeps the old keys; the lookup then decides. */
  ntpmon_api_jwt_refresh_finish (self, result, NULL);
  subject = verify_now (self, token, &error);
  if (subject != NULL)
    g_task_return_pointer (task, subject, g_free);
  else
    g_task_return_error (task, error);
}

/**
 * ntpmon_api_jwt_verify_async:
 *
 * Verifies @token (signature and claims). A token signed with a key not in
 * the cached set triggers a JWKS fetch, at most once per minimum interval.
 */
void
ntpmon_api_jwt_verify_async (NtpmonApiJwt *self, const gchar *token_text, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;
  Token *token;
  gchar *subject;
  gint64 since = g_get_monotonic_time () - self->last_fetch;

  g_task_set_source_tag (task, ntpmon_api_jwt_verify_async);
  token = token_parse (token_text, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, token, (GDestroyNotify)token_free);
  /* An unknown kid waits for a fetch under way, or starts one unless the
   * last was too recent. */
  if (!g_hash_table_contains (self->keys, token->kid)
      && (self->waiting != NULL || self->last_fetch == 0
          || since >= (gint64)self->min_interval * G_USEC_PER_SEC))
    {
      ntpmon_api_jwt_refresh_async (self, cancellable, verify_after_refresh,
                                    g_steal_pointer (&task));
      return;
    }
  subject = verify_now (self, token, &error);
  if (subject != NULL)
    g_task_return_pointer (task, subject, g_free);
  else
    g_task_return_error (task, error);
}

/**
 * ntpmon_api_jwt_verify_finish:
 *
 * Returns: (transfer full): the token's subject (`sub`)
 */
gchar *
ntpmon_api_jwt_verify_finish (NtpmonApiJwt *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
