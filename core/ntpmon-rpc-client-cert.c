/* ntpmon-rpc-client-cert.c: client certificate files of NtpmonRpcClient
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "ntpmon-rpc-client-private.h"

void
ntpmon_file_stamp_read (const gchar *path, NtpmonFileStamp *stamp)
{
  struct stat st;

  memset (stamp, 0, sizeof *stamp);
  if (path == NULL || stat (path, &st) != 0)
    return;
  stamp->exists = TRUE;
  stamp->dev = st.st_dev;
  stamp->ino = st.st_ino;
  stamp->size = st.st_size;
  stamp->mtime = st.st_mtim;
}

gboolean
ntpmon_file_stamp_equal (const NtpmonFileStamp *a, const NtpmonFileStamp *b)
{
  return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size
         && a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* GLib's TLS backend loads a certificate with any key; a handshake with a
 * mismatched pair only fails at the server. */
gboolean
ntpmon_rpc_client_check_key_pair (const gchar *cert_file, const gchar *key_file, GError **error)
{
  BIO *bio;
  X509 *leaf = NULL;
  EVP_PKEY *key = NULL;
  gboolean ok;

  bio = BIO_new_file (cert_file, "r");
  if (bio != NULL)
    leaf = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  bio = BIO_new_file (key_file, "r");
  if (bio != NULL)
    key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);
  ok = leaf != NULL && key != NULL && X509_check_private_key (leaf, key) == 1;
  X509_free (leaf);
  EVP_PKEY_free (key);
  if (!ok)
    g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                         "the key does not belong to the certificate");
  return ok;
}
