/* ntpmon-api-keys.c: the ticket key store interface and HMAC tickets
 *
 * SPDX-License-Identifier: MIT
 *
 * A ticket binds monitor id, batch id and server IP (spec api-server.md
 * §9.7) in the format of §11: `<key version>-<base64url(HMAC-SHA256)>`
 * without padding, where the HMAC key is the stored key text and the data
 * are the three byte strings joined with `|`.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "ntpmon-api-keys.h"
#include "ntpmon-api-util.h"

G_DEFINE_INTERFACE (NtpmonApiKeyStore, ntpmon_api_key_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (ntpmon - api - keys - error - quark, ntpmon_api_keys_error)

static void
ntpmon_api_key_store_default_init (NtpmonApiKeyStoreInterface *iface)
{
}

/**
 * ntpmon_api_key_store_get_latest:
 * @version: (out): the version of @secret
 * @secret: (out) (transfer full): the newest key
 */
gboolean
ntpmon_api_key_store_get_latest (NtpmonApiKeyStore *self, guint *version, GBytes **secret,
                                 GError **error)
{
  g_return_val_if_fail (NTPMON_API_IS_KEY_STORE (self), FALSE);
  return NTPMON_API_KEY_STORE_GET_IFACE (self)->get_latest (self, version, secret, error);
}

/**
 * ntpmon_api_key_store_get_version:
 *
 * Returns: (transfer full): the key of @version
 */
GBytes *
ntpmon_api_key_store_get_version (NtpmonApiKeyStore *self, guint version, GError **error)
{
  g_return_val_if_fail (NTPMON_API_IS_KEY_STORE (self), NULL);
  return NTPMON_API_KEY_STORE_GET_IFACE (self)->get_version (self, version, error);
}

/* HMAC-SHA256 (RFC 2104) of "<monitor id>|<batch id>|" so far: the
 * digest states after the inner key block and that text, and after the
 * outer key block; the IP completes it. (OpenSSL's SHA-256 uses the CPU's
 * SHA instructions where there are any: a list's tickets are checked in a
 * fraction of the time GLib's takes.) */
typedef struct
{
  EVP_MD_CTX *inner;
  EVP_MD_CTX *outer;
} PrefixMac;

static void
prefix_mac_free (PrefixMac *mac)
{
  EVP_MD_CTX_free (mac->inner);
  EVP_MD_CTX_free (mac->outer);
  g_free (mac);
}

/* SHA-256 fails only when OpenSSL cannot allocate or has no provider for
 * it: nothing to recover from. */
static void
check_digest (int ok)
{
  if (ok != 1)
    g_error ("OpenSSL SHA-256 failed");
}

static EVP_MD_CTX *
keyed_digest (const guint8 key_block[64], guint8 pad)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  guint8 block[64];

  for (guint i = 0; i < sizeof block; i++)
    block[i] = key_block[i] ^ pad;
  check_digest (ctx != NULL && EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) == 1
                && EVP_DigestUpdate (ctx, block, sizeof block) == 1);
  OPENSSL_cleanse (block, sizeof block);
  return ctx;
}

static PrefixMac *
prefix_mac (GBytes *secret, guint64 monitor_id, const gchar *batch_id)
{
  PrefixMac *mac = g_new0 (PrefixMac, 1);
  guint8 key_block[64] = { 0 };
  gsize key_len;
  const guint8 *key = g_bytes_get_data (secret, &key_len);
  g_autofree gchar *text = g_strdup_printf ("%" G_GUINT64_FORMAT "|%s|", monitor_id, batch_id);

  if (key_len > sizeof key_block)
    check_digest (EVP_Digest (key, key_len, key_block, NULL, EVP_sha256 (), NULL));
  else if (key_len > 0)
    memcpy (key_block, key, key_len);
  mac->inner = keyed_digest (key_block, 0x36);
  mac->outer = keyed_digest (key_block, 0x5c);
  OPENSSL_cleanse (key_block, sizeof key_block);
  check_digest (EVP_DigestUpdate (mac->inner, text, strlen (text)));
  return mac;
}

/* The ticket's MAC text from @prefix (unchanged). */
static gchar *
finish_mac (const PrefixMac *prefix, const guint8 *ip, gsize ip_len)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  check_digest (
      ctx != NULL && EVP_MD_CTX_copy_ex (ctx, prefix->inner) == 1
      && EVP_DigestUpdate (ctx, ip, ip_len) == 1 && EVP_DigestFinal_ex (ctx, digest, &len) == 1
      && EVP_MD_CTX_copy_ex (ctx, prefix->outer) == 1 && EVP_DigestUpdate (ctx, digest, len) == 1
      && EVP_DigestFinal_ex (ctx, digest, &len) == 1);
  EVP_MD_CTX_free (ctx);
  return ntpmon_api_base64url_encode (digest, len, FALSE);
}

struct _NtpmonApiTicketSigner
{
  guint version;
  PrefixMac *prefix;
};

/**
 * ntpmon_api_ticket_signer_new:
 *
 * Returns: (transfer full) (nullable): a signer of the tickets of one batch
 *   with the store's newest key, NULL if the store has none
 */
NtpmonApiTicketSigner *
ntpmon_api_ticket_signer_new (NtpmonApiKeyStore *store, guint64 monitor_id, const gchar *batch_id,
                              GError **error)
{
  g_autoptr (GBytes) secret = NULL;
  NtpmonApiTicketSigner *self;
  guint version;

  if (!ntpmon_api_key_store_get_latest (store, &version, &secret, error))
    return NULL;
  self = g_new0 (NtpmonApiTicketSigner, 1);
  self->version = version;
  self->prefix = prefix_mac (secret, monitor_id, batch_id);
  return self;
}

/**
 * ntpmon_api_ticket_signer_sign:
 * @ip: (array length=ip_len): the server IP, 4 or 16 bytes
 *
 * Returns: (transfer full): the ticket of @ip
 */
GBytes *
ntpmon_api_ticket_signer_sign (NtpmonApiTicketSigner *self, const guint8 *ip, gsize ip_len)
{
  g_autofree gchar *mac = finish_mac (self->prefix, ip, ip_len);
  gchar *ticket = g_strdup_printf ("%u-%s", self->version, mac);

  return g_bytes_new_take (ticket, strlen (ticket));
}

void
ntpmon_api_ticket_signer_free (NtpmonApiTicketSigner *self)
{
  if (self == NULL)
    return;
  prefix_mac_free (self->prefix);
  g_free (self);
}

/**
 * ntpmon_api_ticket_sign:
 * @ip: (array length=ip_len): the server IP, 4 or 16 bytes
 *
 * Returns: (transfer full): the ticket, signed with the newest key
 */
GBytes *
ntpmon_api_ticket_sign (NtpmonApiKeyStore *store, guint64 monitor_id, const gchar *batch_id,
                        const guint8 *ip, gsize ip_len, GError **error)
{
  g_autoptr (NtpmonApiTicketSigner) signer
      = ntpmon_api_ticket_signer_new (store, monitor_id, batch_id, error);

  return signer != NULL ? ntpmon_api_ticket_signer_sign (signer, ip, ip_len) : NULL;
}

static gboolean
bad_ticket (GError **error, const gchar *why)
{
  g_set_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET,
               _ ("signature validation failed: %s"), why);
  return FALSE;
}

struct _NtpmonApiTicketVerifier
{
  NtpmonApiKeyStore *store;
  guint64 monitor_id;
  gchar *batch_id;
  gboolean have_latest;
  guint latest;
  GHashTable *prefixes; /* key version → PrefixMac of the common part */
};

NtpmonApiTicketVerifier *
ntpmon_api_ticket_verifier_new (NtpmonApiKeyStore *store, guint64 monitor_id, const gchar *batch_id)
{
  NtpmonApiTicketVerifier *self = g_new0 (NtpmonApiTicketVerifier, 1);

  self->store = g_object_ref (store);
  self->monitor_id = monitor_id;
  self->batch_id = g_strdup (batch_id);
  self->prefixes = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)prefix_mac_free);
  return self;
}

void
ntpmon_api_ticket_verifier_free (NtpmonApiTicketVerifier *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->store);
  g_free (self->batch_id);
  g_hash_table_unref (self->prefixes);
  g_free (self);
}

/* The prefix HMAC for key @version, or FALSE with the ticket's error. */
static PrefixMac *
verifier_prefix (NtpmonApiTicketVerifier *self, guint64 version, GError **error)
{
  g_autoptr (GBytes) latest = NULL;
  g_autoptr (GBytes) secret = NULL;
  g_autoptr (GError) local_error = NULL;
  PrefixMac *prefix;

  if (!self->have_latest)
    {
      if (!ntpmon_api_key_store_get_latest (self->store, &self->latest, &latest, error))
        return NULL;
      self->have_latest = TRUE;
    }
  if (version > self->latest)
    {
      bad_ticket (error, _ ("key version from the future"));
      return NULL;
    }
  prefix = g_hash_table_lookup (self->prefixes, GUINT_TO_POINTER ((guint)version));
  if (prefix != NULL)
    return prefix;
  secret = ntpmon_api_key_store_get_version (self->store, (guint)version, &local_error);
  if (secret == NULL)
    {
      if (g_error_matches (local_error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_UNKNOWN_KEY))
        bad_ticket (error, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  prefix = prefix_mac (secret, self->monitor_id, self->batch_id);
  g_hash_table_insert (self->prefixes, GUINT_TO_POINTER ((guint)version), prefix);
  return prefix;
}

/**
 * ntpmon_api_ticket_verifier_check:
 *
 * Checks that @ticket was signed by a key of the store for the verifier's
 * monitor and batch and for @ip. Any mismatch is
 * %NTPMON_API_KEYS_ERROR_BAD_TICKET.
 */
gboolean
ntpmon_api_ticket_verifier_check (NtpmonApiTicketVerifier *self, GBytes *ticket, const guint8 *ip,
                                  gsize ip_len, GError **error)
{
  gsize len;
  const gchar *text = g_bytes_get_data (ticket, &len);
  g_autofree gchar *mac = NULL;
  guint64 version = 0;
  PrefixMac *prefix;
  gsize i;

  for (i = 0; i < len && i < 10 && g_ascii_isdigit (text[i]); i++)
    version = version * 10 + (guint64)(text[i] - '0');
  if (i == 0 || i >= len || text[i] != '-' || text[0] == '0')
    return bad_ticket (error, _ ("no key version"));
  prefix = verifier_prefix (self, version, error);
  if (prefix == NULL)
    return FALSE;
  mac = finish_mac (prefix, ip, ip_len);
  i++;
  if (len - i != strlen (mac) || CRYPTO_memcmp (mac, text + i, len - i) != 0)
    return bad_ticket (error, _ ("signature mismatch"));
  return TRUE;
}

/**
 * ntpmon_api_ticket_verify:
 *
 * Checks that @ticket was signed by a key of @store for exactly these
 * values. Any mismatch is %NTPMON_API_KEYS_ERROR_BAD_TICKET.
 */
gboolean
ntpmon_api_ticket_verify (NtpmonApiKeyStore *store, GBytes *ticket, guint64 monitor_id,
                          const gchar *batch_id, const guint8 *ip, gsize ip_len, GError **error)
{
  g_autoptr (NtpmonApiTicketVerifier) verifier
      = ntpmon_api_ticket_verifier_new (store, monitor_id, batch_id);

  return ntpmon_api_ticket_verifier_check (verifier, ticket, ip, ip_len, error);
}
