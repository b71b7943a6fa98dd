/* ntpmon-api-keys.h: where the ticket signing keys come from (spec api-server.md §11)
 *
 * SPDX-License-Identifier: MIT
 *
 * A key store hands out numbered secrets: the newest version signs new
 * tickets, every version the store still has verifies. The default store is
 * a directory of key files (NtpmonApiKeyFileStore); a Vault KV v2 store can
 * implement the same interface. Implementations must be thread-safe: the
 * RPC handlers call them from worker threads, and a call may block.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_API_KEYS_ERROR (ntpmon_api_keys_error_quark ())
GQuark ntpmon_api_keys_error_quark (void);

typedef enum
{
  NTPMON_API_KEYS_ERROR_NO_KEY,      /* the store has no key (yet) */
  NTPMON_API_KEYS_ERROR_UNKNOWN_KEY, /* no such version */
  NTPMON_API_KEYS_ERROR_BAD_KEY,     /* a stored key is unusable */
  NTPMON_API_KEYS_ERROR_BAD_TICKET,  /* a ticket does not verify */
} NtpmonApiKeysError;

#define NTPMON_API_TYPE_KEY_STORE (ntpmon_api_key_store_get_type ())
G_DECLARE_INTERFACE (NtpmonApiKeyStore, ntpmon_api_key_store, NTPMON_API, KEY_STORE, GObject)

/**
 * NtpmonApiKeyStoreInterface:
 * @get_latest: the newest key and its version (>= 1)
 * @get_version: the key of one version
 */
struct _NtpmonApiKeyStoreInterface
{
  GTypeInterface g_iface;

  gboolean (*get_latest) (NtpmonApiKeyStore *self, guint *version, GBytes **secret, GError **error);
  GBytes *(*get_version) (NtpmonApiKeyStore *self, guint version, GError **error);
};

gboolean ntpmon_api_key_store_get_latest (NtpmonApiKeyStore *self, guint *version, GBytes **secret,
                                          GError **error);
GBytes *ntpmon_api_key_store_get_version (NtpmonApiKeyStore *self, guint version, GError **error);

GBytes *ntpmon_api_ticket_sign (NtpmonApiKeyStore *store, guint64 monitor_id, const gchar *batch_id,
                                const guint8 *ip, gsize ip_len, GError **error);
gboolean ntpmon_api_ticket_verify (NtpmonApiKeyStore *store, GBytes *ticket, guint64 monitor_id,
                                   const gchar *batch_id, const guint8 *ip, gsize ip_len,
                                   GError **error);

/**
 * NtpmonApiTicketSigner:
 *
 * Signs the tickets of one batch (one monitor id and batch id) as
 * ntpmon_api_ticket_sign() does, looking the newest key up once and
 * hashing the common part of the data once.
 */
typedef struct _NtpmonApiTicketSigner NtpmonApiTicketSigner;

NtpmonApiTicketSigner *ntpmon_api_ticket_signer_new (NtpmonApiKeyStore *store, guint64 monitor_id,
                                                     const gchar *batch_id, GError **error);
GBytes *ntpmon_api_ticket_signer_sign (NtpmonApiTicketSigner *self, const guint8 *ip, gsize ip_len);
void ntpmon_api_ticket_signer_free (NtpmonApiTicketSigner *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiTicketSigner, ntpmon_api_ticket_signer_free)

/**
 * NtpmonApiTicketVerifier:
 *
 * Checks the tickets of one batch (one monitor id and batch id) as
 * ntpmon_api_ticket_verify() does, looking each key version up in the
 * store once and hashing the common part of the data once.
 */
typedef struct _NtpmonApiTicketVerifier NtpmonApiTicketVerifier;

NtpmonApiTicketVerifier *ntpmon_api_ticket_verifier_new (NtpmonApiKeyStore *store,
                                                         guint64 monitor_id, const gchar *batch_id);
gboolean ntpmon_api_ticket_verifier_check (NtpmonApiTicketVerifier *self, GBytes *ticket,
                                           const guint8 *ip, gsize ip_len, GError **error);
void ntpmon_api_ticket_verifier_free (NtpmonApiTicketVerifier *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiTicketVerifier, ntpmon_api_ticket_verifier_free)

G_END_DECLS
