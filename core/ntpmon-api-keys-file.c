/* ntpmon-api-keys-file.c: ticket keys kept as files in a directory
 *
 * SPDX-License-Identifier: MIT
 *
 * Each key is a file `<version>.key` (version a positive decimal number)
 * whose text, without surrounding white space, is the secret; at least 16
 * characters. Rotating means adding a file with a higher version: it signs
 * from then on, and the older files keep verifying until they are removed.
 * The directory is re-read when its modification time changes, so keys
 * added by another process (or another API server sharing the directory)
 * are picked up without a restart. Other files are ignored.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <string.h>

#include "ntpmon-api-keys-file.h"
#include "ntpmon-api-util.h"

#define MIN_KEY_LENGTH 16

struct _NtpmonApiKeyFileStore
{
  GObject parent_instance;

  gchar *directory;
  GMutex lock;
  GHashTable *keys; /* GUINT_TO_POINTER (version) -> GBytes */
  guint latest;
  gint64 dir_mtime; /* ns; -1 before the first scan */
  gint64 dir_ctime;
};

static void key_store_iface_init (NtpmonApiKeyStoreInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NtpmonApiKeyFileStore, ntpmon_api_key_file_store, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NTPMON_API_TYPE_KEY_STORE, key_store_iface_init))

static gboolean
parse_key_name (const gchar *name, guint *version)
{
  guint64 value;
  const gchar *dot = strrchr (name, '.');
  g_autofree gchar *number = NULL;

  if (dot == NULL || g_strcmp0 (dot, ".key") != 0 || dot == name || name[0] == '0')
    return FALSE;
  number = g_strndup (name, dot - name);
  if (!g_ascii_string_to_unsigned (number, 10, 1, G_MAXINT32, &value, NULL))
    return FALSE;
  *version = (guint)value;
  return TRUE;
}

static gint64
stamp (const struct timespec *ts)
{
  return (gint64)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Re-reads the directory when it changed; called with the lock held. */
static gboolean
rescan (NtpmonApiKeyFileStore *self, GError **error)
{
  GStatBuf st;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GHashTable) keys = NULL;
  const gchar *name;
  guint latest = 0;

  if (g_stat (self->directory, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("ticket key directory %s: %s"), self->directory, g_strerror (saved));
      return FALSE;
    }
  if (stamp (&st.st_mtim) == self->dir_mtime && stamp (&st.st_ctim) == self->dir_ctime)
    return TRUE;

  dir = g_dir_open (self->directory, 0, error);
  if (dir == NULL)
    return FALSE;
  keys = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *path = NULL;
      g_autofree gchar *contents = NULL;
      guint version;

      if (!parse_key_name (name, &version))
        continue;
      path = g_build_filename (self->directory, name, NULL);
      if (!g_file_get_contents (path, &contents, NULL, error))
        return FALSE;
      g_strstrip (contents);
      if (strlen (contents) < MIN_KEY_LENGTH)
        {
          g_set_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_KEY,
                       _ ("ticket key %s is shorter than %d characters"), path, MIN_KEY_LENGTH);
          return FALSE;
        }
      g_hash_table_insert (keys, GUINT_TO_POINTER (version),
                           g_bytes_new (contents, strlen (contents)));
      latest = MAX (latest, version);
    }
  g_hash_table_unref (self->keys);
  self->keys = g_steal_pointer (&keys);
  self->latest = latest;
  self->dir_mtime = stamp (&st.st_mtim);
  self->dir_ctime = stamp (&st.st_ctim);
  return TRUE;
}

static gboolean
file_store_get_latest (NtpmonApiKeyStore *store, guint *version, GBytes **secret, GError **error)
{
  NtpmonApiKeyFileStore *self = NTPMON_API_KEY_FILE_STORE (store);
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = rescan (self, error);
  if (ok && self->latest == 0)
    {
      g_set_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_NO_KEY,
                   _ ("no ticket key in %s"), self->directory);
      ok = FALSE;
    }
  if (ok)
    {
      *version = self->latest;
      *secret = g_bytes_ref (g_hash_table_lookup (self->keys, GUINT_TO_POINTER (self->latest)));
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

static GBytes *
file_store_get_version (NtpmonApiKeyStore *store, guint version, GError **error)
{
  NtpmonApiKeyFileStore *self = NTPMON_API_KEY_FILE_STORE (store);
  GBytes *secret = NULL;

  g_mutex_lock (&self->lock);
  if (rescan (self, error))
    {
      secret = g_hash_table_lookup (self->keys, GUINT_TO_POINTER (version));
      if (secret != NULL)
        g_bytes_ref (secret);
      else
        g_set_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_UNKNOWN_KEY,
                     _ ("no ticket key version %u"), version);
    }
  g_mutex_unlock (&self->lock);
  return secret;
}

static void
key_store_iface_init (NtpmonApiKeyStoreInterface *iface)
{
  iface->get_latest = file_store_get_latest;
  iface->get_version = file_store_get_version;
}

static void
ntpmon_api_key_file_store_finalize (GObject *object)
{
  NtpmonApiKeyFileStore *self = NTPMON_API_KEY_FILE_STORE (object);

  g_free (self->directory);
  g_hash_table_unref (self->keys);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ntpmon_api_key_file_store_parent_class)->finalize (object);
}

static void
ntpmon_api_key_file_store_class_init (NtpmonApiKeyFileStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_api_key_file_store_finalize;
}

static void
ntpmon_api_key_file_store_init (NtpmonApiKeyFileStore *self)
{
  g_mutex_init (&self->lock);
  self->keys = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_bytes_unref);
  self->dir_mtime = -1;
}

/**
 * ntpmon_api_key_file_store_new:
 * @directory: the key directory; it is read on first use
 */
NtpmonApiKeyFileStore *
ntpmon_api_key_file_store_new (const gchar *directory)
{
  NtpmonApiKeyFileStore *self = g_object_new (NTPMON_API_TYPE_KEY_FILE_STORE, NULL);

  self->directory = g_strdup (directory);
  return self;
}

const gchar *
ntpmon_api_key_file_store_get_directory (NtpmonApiKeyFileStore *self)
{
  return self->directory;
}

/**
 * ntpmon_api_key_file_store_add_key:
 * @version: (out) (optional): the version of the new key
 *
 * Rotates: writes a new random key (16 random bytes, base64url with
 * padding, as the reference's Vault secrets) with the next version, mode
 * 0600, creating the directory (0700) when needed.
 */
gboolean
ntpmon_api_key_file_store_add_key (NtpmonApiKeyFileStore *self, guint *version, GError **error)
{
  guint8 random[16];
  g_autofree gchar *text = NULL;
  g_autofree gchar *contents = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *name = NULL;
  guint next;
  gboolean ok;

  if (g_mkdir_with_parents (self->directory, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _ ("cannot create %s: %s"),
                   self->directory, g_strerror (saved));
      return FALSE;
    }
  if (RAND_bytes (random, sizeof random) != 1)
    {
      g_set_error_literal (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_KEY,
                           _ ("no random bytes for a new ticket key"));
      return FALSE;
    }
  text = ntpmon_api_base64url_encode (random, sizeof random, TRUE);
  contents = g_strconcat (text, "\n", NULL);

  g_mutex_lock (&self->lock);
  self->dir_mtime = -1;
  ok = rescan (self, error);
  if (ok)
    {
      next = self->latest + 1;
      name = g_strdup_printf ("%u.key", next);
      path = g_build_filename (self->directory, name, NULL);
      ok = !g_file_test (path, G_FILE_TEST_EXISTS);
      if (!ok)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST, _ ("%s exists already"), path);
    }
  if (ok)
    ok = g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  self->dir_mtime = -1;
  g_mutex_unlock (&self->lock);
  if (ok && version != NULL)
    *version = next;
  return ok;
}
