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

static gchar *
ticket_mac (GBytes *secret, guint64 monitor_id, const gchar *batch_id, const guint8 *ip,
            gsize ip_len)
{
  g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, monitor_id);
  g_autoptr (GHmac) hmac = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  gsize key_len;
  const guint8 *key = g_bytes_get_data (secret, &key_len);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  g_hmac_update (hmac, (const guchar *)id, strlen (id));
  g_hmac_update (hmac, (const guchar *)"|", 1);
  g_hmac_update (hmac, (const guchar *)batch_id, strlen (batch_id));
  g_hmac_update (hmac, (const guchar *)"|", 1);
  g_hmac_update (hmac, ip, ip_len);
  g_hmac_get_digest (hmac, digest, &digest_len);
  return ntpmon_api_base64url_encode (digest, digest_len, FALSE);
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
  g_autoptr (GBytes) secret = NULL;
  g_autofree gchar *mac = NULL;
  gchar *ticket;
  guint version;

  if (!ntpmon_api_key_store_get_latest (store, &version, &secret, error))
    return NULL;
  mac = ticket_mac (secret, monitor_id, batch_id, ip, ip_len);
  ticket = g_strdup_printf ("%u-%s", version, mac);
  return g_bytes_new_take (ticket, strlen (ticket));
}

static gboolean
bad_ticket (GError **error, const gchar *why)
{
  g_set_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET,
               _ ("signature validation failed: %s"), why);
  return FALSE;
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
  gsize len;
  const gchar *text = g_bytes_get_data (ticket, &len);
  g_autoptr (GBytes) latest = NULL;
  g_autoptr (GBytes) secret = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *mac = NULL;
  guint64 version = 0;
  guint latest_version;
  gsize i;

  for (i = 0; i < len && i < 10 && g_ascii_isdigit (text[i]); i++)
    version = version * 10 + (guint64)(text[i] - '0');
  if (i == 0 || i >= len || text[i] != '-' || text[0] == '0')
    return bad_ticket (error, _ ("no key version"));
  if (!ntpmon_api_key_store_get_latest (store, &latest_version, &latest, error))
    return FALSE;
  if (version > latest_version)
    return bad_ticket (error, _ ("key version from the future"));
  secret = ntpmon_api_key_store_get_version (store, (guint)version, &local_error);
  if (secret == NULL)
    {
      if (g_error_matches (local_error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_UNKNOWN_KEY))
        return bad_ticket (error, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  mac = ticket_mac (secret, monitor_id, batch_id, ip, ip_len);
  i++;
  if (len - i != strlen (mac) || CRYPTO_memcmp (mac, text + i, len - i) != 0)
    return bad_ticket (error, _ ("signature mismatch"));
  return TRUE;
}
