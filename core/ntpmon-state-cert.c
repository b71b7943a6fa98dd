/* ntpmon-state-cert.c: the client certificate in the state directory
 *
 * SPDX-License-Identifier: MIT
 *
 * cert.pem holds the chain (leaf first) and key.pem the private key in any
 * PEM form (PKCS#8, PKCS#1 RSA, SEC1 EC). OpenSSL parses both and checks
 * that the key belongs to the leaf, as the reference's key-pair loading
 * does. The key is kept in memory re-encoded as PKCS#8 so that GLib's TLS
 * backend can use the pair as a client certificate.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <time.h>

#include "ntpmon-state-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)

#define RENEW_MAX_WAIT (2 * 3600) /* seconds */

void
ntpmon_state_clear_certificate (NtpmonState *self)
{
  g_clear_pointer (&self->cert_pem, g_free);
  if (self->key_pem != NULL)
    {
      memset (self->key_pem, 0, strlen (self->key_pem));
      g_clear_pointer (&self->key_pem, g_free);
    }
  g_clear_object (&self->tls_cert);
  self->not_before = self->not_after = 0;
}

/**
 * ntpmon_state_save_certificates:
 *
 * Writes cert.pem, then key.pem (both atomically, 0600). Does not load
 * them into memory: ntpmon_state_load_certificates() does.
 */
gboolean
ntpmon_state_save_certificates (NtpmonState *self, const gchar *cert_pem, const gchar *key_pem,
                                GError **error)
{
  g_autofree gchar *cert_path = ntpmon_state_dup_path (self, NTPMON_STATE_CERT_FILE);
  g_autofree gchar *key_path = ntpmon_state_dup_path (self, NTPMON_STATE_KEY_FILE);

  if (!ntpmon_state_write_file (cert_path, cert_pem, -1, error)
      || !ntpmon_state_write_file (key_path, key_pem != NULL ? key_pem : "", -1, error))
    return FALSE;
  g_debug ("saved %s and %s", cert_path, key_path);
  return TRUE;
}

static gchar *
openssl_error (void)
{
  unsigned long code = ERR_get_error ();
  gchar buffer[256];

  ERR_clear_error ();
  if (code == 0)
    return g_strdup (_ ("no PEM data found"));
  ERR_error_string_n (code, buffer, sizeof buffer);
  return g_strdup (buffer);
}

static gint64
asn1_time_to_unix (const ASN1_TIME *t)
{
  struct tm tm = { 0 };

  if (t == NULL || ASN1_TIME_to_tm (t, &tm) != 1)
    return 0;
  return (gint64)timegm (&tm);
}

static gboolean
read_file (const gchar *path, gchar **contents, GError **error)
{
  g_autoptr (GError) local = NULL;
  gsize length;

  if (!g_file_get_contents (path, contents, &length, &local))
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE, "%s", local->message);
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) && error != NULL)
        (*error)->code = NTPMON_STATE_ERROR_NO_CERTIFICATE;
      return FALSE;
    }
  if (length == 0)
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE, _ ("%s is empty"),
                   path);
      return FALSE;
    }
  return TRUE;
}

/**
 * ntpmon_state_load_certificates:
 *
 * Loads cert.pem and key.pem into memory if they form a key pair. Missing
 * files give NTPMON_STATE_ERROR_NO_CERTIFICATE, unusable ones
 * NTPMON_STATE_ERROR_CERTIFICATE; either way the certificate in memory
 * stays as it was.
 */
gboolean
ntpmon_state_load_certificates (NtpmonState *self, GError **error)
{
  g_autofree gchar *cert_path = ntpmon_state_dup_path (self, NTPMON_STATE_CERT_FILE);
  g_autofree gchar *key_path = ntpmon_state_dup_path (self, NTPMON_STATE_KEY_FILE);
  g_autofree gchar *cert_pem = NULL;
  g_autofree gchar *key_pem = NULL;
  g_autoptr (BIO) cert_bio = NULL;
  g_autoptr (BIO) key_bio = NULL;
  g_autoptr (BIO) out = NULL;
  g_autoptr (X509) leaf = NULL;
  g_autoptr (EVP_PKEY) key = NULL;
  g_autofree gchar *message = NULL;
  BUF_MEM *mem;

  if (!read_file (cert_path, &cert_pem, error) || !read_file (key_path, &key_pem, error))
    return FALSE;

  ERR_clear_error ();
  cert_bio = BIO_new_mem_buf (cert_pem, -1);
  leaf = PEM_read_bio_X509 (cert_bio, NULL, NULL, NULL);
  if (leaf == NULL)
    {
      message = openssl_error ();
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE,
                   _ ("%s: no certificate: %s"), cert_path, message);
      return FALSE;
    }
  key_bio = BIO_new_mem_buf (key_pem, -1);
  key = PEM_read_bio_PrivateKey (key_bio, NULL, NULL, NULL);
  if (key == NULL)
    {
      message = openssl_error ();
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE,
                   _ ("%s: no private key: %s"), key_path, message);
      return FALSE;
    }
  if (X509_check_private_key (leaf, key) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE,
                   _ ("%s: private key does not match the certificate in %s"), key_path, cert_path);
      return FALSE;
    }
  out = BIO_new (BIO_s_mem ());
  if (PEM_write_bio_PKCS8PrivateKey (out, key, NULL, NULL, 0, NULL, NULL) != 1)
    {
      message = openssl_error ();
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_CERTIFICATE,
                   _ ("%s: could not encode the private key: %s"), key_path, message);
      return FALSE;
    }
  BIO_get_mem_ptr (out, &mem);

  ntpmon_state_clear_certificate (self);
  self->cert_pem = g_steal_pointer (&cert_pem);
  self->key_pem = g_strndup (mem->data, mem->length);
  self->not_before = asn1_time_to_unix (X509_get0_notBefore (leaf));
  self->not_after = asn1_time_to_unix (X509_get0_notAfter (leaf));
  memset (key_pem, 0, strlen (key_pem));
  g_debug ("loaded certificate from %s, valid until %" G_GINT64_FORMAT, cert_path, self->not_after);
  return TRUE;
}

gboolean
ntpmon_state_have_certificate (NtpmonState *self)
{
  return self->cert_pem != NULL;
}

static gboolean
no_certificate (GError **error)
{
  g_set_error_literal (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_NO_CERTIFICATE,
                       _ ("no certificate"));
  return FALSE;
}

/**
 * ntpmon_state_certificate_dates:
 * @not_before: (out) (optional): unix seconds
 * @not_after: (out) (optional): unix seconds
 */
gboolean
ntpmon_state_certificate_dates (NtpmonState *self, gint64 *not_before, gint64 *not_after,
                                GError **error)
{
  if (self->cert_pem == NULL)
    return no_certificate (error);
  if (not_before != NULL)
    *not_before = self->not_before;
  if (not_after != NULL)
    *not_after = self->not_after;
  return TRUE;
}

/**
 * ntpmon_state_certificate_validity:
 * @next_check: (out): seconds until the validity should be checked again
 *
 * The renewal rule: with L = not_after - not_before, a certificate is due
 * for renewal once @now is past not_after - L/3. A not_before in the future
 * does not make it invalid.
 *
 * Returns: TRUE while the certificate is not yet due for renewal
 */
gboolean
ntpmon_state_certificate_validity (gint64 not_before, gint64 not_after, gint64 now,
                                   gint64 *next_check)
{
  gint64 third = (not_after - not_before) / 3;
  gint64 renew_at = not_after - third;

  if (now <= renew_at)
    {
      *next_check = renew_at - now + 1;
      return TRUE;
    }
  *next_check = MAX (MIN (third, RENEW_MAX_WAIT), 1);
  return FALSE;
}

/**
 * ntpmon_state_check_certificate:
 * @now: unix seconds
 * @next_check: (out) (optional): seconds until the next check
 *
 * Returns: TRUE if a certificate is loaded and not yet due for renewal;
 * FALSE with @error set only when there is no certificate.
 */
gboolean
ntpmon_state_check_certificate (NtpmonState *self, gint64 now, gint64 *next_check, GError **error)
{
  gint64 next;
  gboolean valid;

  if (self->cert_pem == NULL)
    return no_certificate (error);
  valid = ntpmon_state_certificate_validity (self->not_before, self->not_after, now, &next);
  if (next_check != NULL)
    *next_check = next;
  return valid;
}

/**
 * ntpmon_state_describe_certificate:
 * @now: unix seconds
 *
 * Returns: (transfer full): the state of the client certificate for
 * people: none, valid until, due for renewal, or expired (UTC times)
 */
gchar *
ntpmon_state_describe_certificate (NtpmonState *self, gint64 now)
{
  g_autoptr (GDateTime) until = NULL;
  g_autofree gchar *when = NULL;
  gint64 next;

  if (self->cert_pem == NULL)
    return g_strdup (_ ("no client certificate"));
  until = g_date_time_new_from_unix_utc (self->not_after);
  when = until != NULL ? g_date_time_format (until, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("?");
  if (self->not_after <= now)
    return g_strdup_printf (_ ("the client certificate expired at %s"), when);
  if (!ntpmon_state_certificate_validity (self->not_before, self->not_after, now, &next))
    return g_strdup_printf (_ ("the client certificate is due for renewal (valid until %s)"), when);
  return g_strdup_printf (_ ("the client certificate is valid until %s"), when);
}

/**
 * ntpmon_state_dup_tls_certificate:
 *
 * Returns: (transfer full): the certificate chain with its private key, for
 * use as a TLS client certificate
 */
GTlsCertificate *
ntpmon_state_dup_tls_certificate (NtpmonState *self, GError **error)
{
  g_autofree gchar *pem = NULL;

  if (self->cert_pem == NULL)
    {
      no_certificate (error);
      return NULL;
    }
  if (self->tls_cert == NULL)
    {
      pem = g_strconcat (self->cert_pem, "\n", self->key_pem, NULL);
      self->tls_cert = g_tls_certificate_new_from_pem (pem, -1, error);
      memset (pem, 0, strlen (pem));
      if (self->tls_cert == NULL)
        return NULL;
    }
  return g_object_ref (self->tls_cert);
}
