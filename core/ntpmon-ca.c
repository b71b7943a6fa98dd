/* ntpmon-ca.c: the API server's built-in certificate authority
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "ntpmon-ca.h"

#define CA_LIFETIME_DAYS (20 * 365)

struct _NtpmonCa
{
  GObject parent_instance;
  gchar *cert_file;
  gchar *cert_pem;
  X509 *cert;
  EVP_PKEY *key;
};

G_DEFINE_TYPE (NtpmonCa, ntpmon_ca, G_TYPE_OBJECT)

static void
ntpmon_ca_finalize (GObject *object)
{
  NtpmonCa *self = NTPMON_CA (object);

  g_free (self->cert_file);
  g_free (self->cert_pem);
  X509_free (self->cert);
  EVP_PKEY_free (self->key);
  G_OBJECT_CLASS (ntpmon_ca_parent_class)->finalize (object);
}

static void
ntpmon_ca_class_init (NtpmonCaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_ca_finalize;
}

static void
ntpmon_ca_init (NtpmonCa *self)
{
}

static gboolean
ssl_fail (GError **error, const gchar *what)
{
  gchar buf[256] = "unknown error";
  unsigned long code = ERR_get_error ();

  if (code != 0)
    ERR_error_string_n (code, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, buf);
  return FALSE;
}

/* Writes @text to @path with mode 0600, atomically. */
static gboolean
write_private (const gchar *path, const gchar *text, GError **error)
{
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static gchar *
bio_text (BIO *bio)
{
  BUF_MEM *mem = NULL;

  BIO_get_mem_ptr (bio, &mem);
  return g_strndup (mem->data, mem->length);
}

static gchar *
key_to_pem (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  gchar *text = NULL;

  if (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) == 1)
    text = bio_text (bio);
  BIO_free (bio);
  return text;
}

static gchar *
cert_to_pem (X509 *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  gchar *text = NULL;

  if (PEM_write_bio_X509 (bio, cert) == 1)
    text = bio_text (bio);
  BIO_free (bio);
  return text;
}

/**
 * ntpmon_ca_load_or_create_key:
 * @created: (out) (optional): set to TRUE when the key was made now
 *
 * Reads the PEM private key at @path, or makes a P-384 key there (0600)
 * when the file does not exist.
 *
 * Returns: (transfer full): the key as PEM
 */
gchar *
ntpmon_ca_load_or_create_key (const gchar *path, gboolean *created, GError **error)
{
  g_autofree gchar *text = NULL;
  EVP_PKEY *key;
  g_autoptr (GError) local_error = NULL;

  if (created != NULL)
    *created = FALSE;
  if (g_file_get_contents (path, &text, NULL, &local_error))
    return g_steal_pointer (&text);
  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  key = EVP_EC_gen ("P-384");
  if (key == NULL)
    {
      ssl_fail (error, _ ("key generation"));
      return NULL;
    }
  text = key_to_pem (key);
  EVP_PKEY_free (key);
  if (text == NULL || !write_private (path, text, error))
    {
      if (text == NULL)
        ssl_fail (error, _ ("key encoding"));
      return NULL;
    }
  if (created != NULL)
    *created = TRUE;
  return g_steal_pointer (&text);
}

static EVP_PKEY *
parse_key (const gchar *pem)
{
  BIO *bio = BIO_new_mem_buf (pem, -1);
  EVP_PKEY *key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);

  BIO_free (bio);
  return key;
}

static gboolean
add_ext (X509 *cert, X509 *issuer, int nid, const gchar *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  gboolean ok;

  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  if (ext == NULL)
    return FALSE;
  ok = X509_add_ext (cert, ext, -1) == 1;
  X509_EXTENSION_free (ext);
  return ok;
}

/* A certificate for @key named @cn, valid from now - @backdate for @lifetime s. */
static X509 *
new_cert (EVP_PKEY *key, const gchar *cn, glong backdate, glong lifetime)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  BIGNUM *serial = BN_new ();

  X509_set_version (cert, X509_VERSION_3);
  BN_rand (serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (cert));
  BN_free (serial);
  X509_gmtime_adj (X509_getm_notBefore (cert), -backdate);
  X509_gmtime_adj (X509_getm_notAfter (cert), lifetime - backdate);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const guchar *)cn, -1, -1, 0);
  X509_set_subject_name (cert, name);
  X509_NAME_free (name);
  X509_set_pubkey (cert, key);
  return cert;
}

static gboolean
create_ca (NtpmonCa *self, GError **error)
{
  g_autofree gchar *pem = NULL;
  g_autofree gchar *cn = g_strdup_printf ("ntppool-monitor-api CA %s", g_get_host_name ());
  X509 *cert = new_cert (self->key, cn, NTPMON_CA_BACKDATE, (glong)CA_LIFETIME_DAYS * 86400);
  gboolean ok;

  X509_set_issuer_name (cert, X509_get_subject_name (cert));
  ok = add_ext (cert, cert, NID_basic_constraints, "critical,CA:TRUE")
       && add_ext (cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign")
       && add_ext (cert, cert, NID_subject_key_identifier, "hash")
       && X509_sign (cert, self->key, EVP_sha384 ()) > 0;
  if (!ok)
    {
      X509_free (cert);
      return ssl_fail (error, _ ("CA certificate"));
    }
  pem = cert_to_pem (cert);
  X509_free (cert);
  return write_private (self->cert_file, pem, error);
}

/**
 * ntpmon_ca_open:
 * @dir: the CA directory; made (0700) when missing
 *
 * Loads the CA from @dir, creating its key and certificate the first time.
 */
NtpmonCa *
ntpmon_ca_open (const gchar *dir, GError **error)
{
  g_autoptr (NtpmonCa) self = g_object_new (NTPMON_TYPE_CA, NULL);
  g_autofree gchar *key_file = g_build_filename (dir, "ca.key", NULL);
  g_autofree gchar *key_pem = NULL;
  gboolean created;
  BIO *bio;

  self->cert_file = g_build_filename (dir, "ca.crt", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", dir,
                   g_strerror (saved));
      return NULL;
    }
  key_pem = ntpmon_ca_load_or_create_key (key_file, &created, error);
  if (key_pem == NULL)
    return NULL;
  self->key = parse_key (key_pem);
  if (self->key == NULL)
    {
      ssl_fail (error, key_file);
      return NULL;
    }
  if ((created || !g_file_test (self->cert_file, G_FILE_TEST_EXISTS)) && !create_ca (self, error))
    return NULL;
  if (!g_file_get_contents (self->cert_file, &self->cert_pem, NULL, error))
    return NULL;
  bio = BIO_new_mem_buf (self->cert_pem, -1);
  self->cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  if (self->cert == NULL || X509_check_private_key (self->cert, self->key) != 1)
    {
      ssl_fail (error, self->cert == NULL ? self->cert_file : _ ("CA key and certificate differ"));
      return NULL;
    }
  return g_steal_pointer (&self);
}

const gchar *
ntpmon_ca_get_certificate_file (NtpmonCa *self)
{
  return self->cert_file;
}

const gchar *
ntpmon_ca_get_certificate_pem (NtpmonCa *self)
{
  return self->cert_pem;
}

/**
 * ntpmon_ca_issue:
 * @dns_name: the monitor's TLS name
 * @lifetime: seconds from NotBefore to NotAfter
 * @cert_pem: (out): the certificate
 * @key_pem: (out): its new private key (PKCS#8 PEM)
 *
 * Issues a client certificate for @dns_name.
 */
gboolean
ntpmon_ca_issue (NtpmonCa *self, const gchar *dns_name, guint lifetime, gchar **cert_pem,
                 gchar **key_pem, GError **error)
{
  g_autofree gchar *san = g_strconcat ("DNS:", dns_name, NULL);
  EVP_PKEY *key = EVP_EC_gen ("P-384");
  X509 *cert;
  gboolean ok;

  if (key == NULL)
    return ssl_fail (error, _ ("key generation"));
  cert = new_cert (key, dns_name, MIN ((glong)lifetime / 2, NTPMON_CA_BACKDATE), (glong)lifetime);
  X509_set_issuer_name (cert, X509_get_subject_name (self->cert));
  ok = add_ext (cert, self->cert, NID_basic_constraints, "critical,CA:FALSE")
       && add_ext (cert, self->cert, NID_key_usage, "critical,digitalSignature")
       && add_ext (cert, self->cert, NID_ext_key_usage, "clientAuth,serverAuth")
       && add_ext (cert, self->cert, NID_subject_alt_name, san)
       && add_ext (cert, self->cert, NID_authority_key_identifier, "keyid")
       && X509_sign (cert, self->key, EVP_sha384 ()) > 0;
  if (ok)
    {
      *cert_pem = cert_to_pem (cert);
      *key_pem = key_to_pem (key);
    }
  X509_free (cert);
  EVP_PKEY_free (key);
  return ok ? TRUE : ssl_fail (error, _ ("issuing a certificate"));
}

/**
 * ntpmon_ca_write_trust_bundle:
 * @extra_file: (nullable): a PEM bundle of further CAs
 *
 * Writes `client-ca-bundle.pem` beside the CA: @extra_file's certificates
 * followed by the CA's own, for verifying client certificates.
 *
 * Returns: (transfer full): the bundle's path
 */
gchar *
ntpmon_ca_write_trust_bundle (NtpmonCa *self, const gchar *extra_file, GError **error)
{
  g_autofree gchar *dir = g_path_get_dirname (self->cert_file);
  g_autofree gchar *path = g_build_filename (dir, "client-ca-bundle.pem", NULL);
  g_autofree gchar *extra = NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  if (extra_file != NULL && *extra_file != '\0')
    {
      if (!g_file_get_contents (extra_file, &extra, NULL, error))
        return NULL;
      g_string_append (text, extra);
      if (text->len > 0 && text->str[text->len - 1] != '\n')
        g_string_append_c (text, '\n');
    }
  g_string_append (text, self->cert_pem);
  if (!g_file_set_contents_full (path, text->str, text->len, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                 error))
    return NULL;
  return g_steal_pointer (&path);
}
