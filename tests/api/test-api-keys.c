/* test-api-keys.c: ticket key file store and ticket signing (spec §9.7, §11)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "api-test-util.h"
#include "ntpmon-api-keys-file.h"
#include "ntpmon-api-util.h"

#define BATCH "01HGW2N7EHJVR6V8AQ3BNJ5XZQ"

static const guint8 ip4[] = { 192, 0, 2, 10 };
static const guint8 ip6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

typedef struct
{
  gchar *dir;
  NtpmonApiKeyFileStore *store;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *tmp = g_dir_make_tmp ("ntpmon-keys-XXXXXX", &error);

  g_assert_no_error (error);
  f->dir = g_build_filename (tmp, "keys", NULL);
  f->store = ntpmon_api_key_file_store_new (f->dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree gchar *parent = g_path_get_dirname (f->dir);

  g_object_unref (f->store);
  api_test_rmtree (parent);
  g_free (f->dir);
}

static NtpmonApiKeyStore *
store_of (Fixture *f)
{
  return NTPMON_API_KEY_STORE (f->store);
}

static void
test_no_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) ticket = NULL;

  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  ticket = ntpmon_api_ticket_sign (store_of (f), 1, BATCH, ip4, 4, &error);
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_NO_KEY);
  g_assert_null (ticket);
}

/* The MAC is HMAC-SHA256 keyed with the key text over "id|batch|ip"
 * (computed here with GLib's HMAC, an implementation of its own). */
static void
assert_ticket_is_hmac (GBytes *ticket, const gchar *version, const gchar *key)
{
  g_autoptr (GString) data_s = g_string_new ("1234|" BATCH "|");
  g_autofree gchar *want_mac = NULL;
  g_autofree gchar *want = NULL;
  g_autoptr (GHmac) hmac = NULL;
  guint8 digest[32];
  gsize len = sizeof digest;

  g_string_append_len (data_s, (const gchar *)ip4, 4);
  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *)key, strlen (key));
  g_hmac_update (hmac, (const guchar *)data_s->str, data_s->len);
  g_hmac_get_digest (hmac, digest, &len);
  want_mac = ntpmon_api_base64url_encode (digest, len, FALSE);
  want = g_strconcat (version, "-", want_mac, NULL);
  g_assert_cmpmem (g_bytes_get_data (ticket, NULL), g_bytes_get_size (ticket), want, strlen (want));
}

static void
test_sign_verify (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) ticket = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;
  guint version = 0;
  GStatBuf st;

  g_assert_true (ntpmon_api_key_file_store_add_key (f->store, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 1);
  path = g_build_filename (f->dir, "1.key", NULL);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* 16 random bytes, base64url with padding */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpuint (strlen (g_strstrip (text)), ==, 24);
  g_assert_true (g_str_has_suffix (text, "=="));

  ticket = ntpmon_api_ticket_sign (store_of (f), 1234, BATCH, ip4, 4, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (ticket, NULL), "1-"));
  /* "1-" + base64url (no padding) of a 32-byte MAC */
  g_assert_cmpuint (g_bytes_get_size (ticket), ==, 2 + 43);

  assert_ticket_is_hmac (ticket, "1", text);

  g_assert_true (ntpmon_api_ticket_verify (store_of (f), ticket, 1234, BATCH, ip4, 4, &error));
  g_assert_no_error (error);
  /* Each bound value matters. */
  g_assert_false (ntpmon_api_ticket_verify (store_of (f), ticket, 1235, BATCH, ip4, 4, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
  g_clear_error (&error);
  g_assert_false (ntpmon_api_ticket_verify (store_of (f), ticket, 1234,
                                            "01HGW2N7EHJVR6V8AQ3BNJ5XZR", ip4, 4, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
  g_clear_error (&error);
  g_assert_false (ntpmon_api_ticket_verify (store_of (f), ticket, 1234, BATCH, ip6, 16, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
  g_clear_error (&error);
}

static void
expect_bad (Fixture *f, const gchar *text)
{
  g_autoptr (GBytes) ticket = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;

  g_assert_false (ntpmon_api_ticket_verify (store_of (f), ticket, 7, BATCH, ip6, 16, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
}

static void
test_tampered (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) ticket = NULL;
  g_autofree gchar *text = NULL;

  g_assert_true (ntpmon_api_key_file_store_add_key (f->store, NULL, &error));
  ticket = ntpmon_api_ticket_sign (store_of (f), 7, BATCH, ip6, 16, &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (ticket, NULL), g_bytes_get_size (ticket));

  text[5] = text[5] == 'A' ? 'B' : 'A';
  expect_bad (f, text);
  expect_bad (f, "");
  expect_bad (f, "1-");
  expect_bad (f, "-abc");
  expect_bad (f, "0-abc");
  expect_bad (f, "2-abc"); /* newer than the latest key */
  expect_bad (f, "x1-abc");
  expect_bad (f, "99999999999-abc");
}

static void
test_rotation (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) old_ticket = NULL;
  g_autoptr (GBytes) new_ticket = NULL;
  g_autoptr (NtpmonApiKeyFileStore) other = NULL;
  g_autofree gchar *path = NULL;
  guint version;

  g_assert_true (ntpmon_api_key_file_store_add_key (f->store, &version, &error));
  old_ticket = ntpmon_api_ticket_sign (store_of (f), 9, BATCH, ip4, 4, &error);
  g_assert_no_error (error);

  /* Another process (a second API server) rotates the shared directory. */
  other = ntpmon_api_key_file_store_new (f->dir);
  g_assert_true (ntpmon_api_key_file_store_add_key (other, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 2);

  new_ticket = ntpmon_api_ticket_sign (store_of (f), 9, BATCH, ip4, 4, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (new_ticket, NULL), "2-"));
  g_assert_false (g_bytes_equal (old_ticket, new_ticket));
  g_assert_true (ntpmon_api_ticket_verify (store_of (f), old_ticket, 9, BATCH, ip4, 4, &error));
  g_assert_true (ntpmon_api_ticket_verify (store_of (f), new_ticket, 9, BATCH, ip4, 4, &error));
  g_assert_no_error (error);

  /* Removing the old key retires its tickets. */
  path = g_build_filename (f->dir, "1.key", NULL);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_false (ntpmon_api_ticket_verify (store_of (f), old_ticket, 9, BATCH, ip4, 4, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
  g_clear_error (&error);
  g_assert_true (ntpmon_api_ticket_verify (store_of (f), new_ticket, 9, BATCH, ip4, 4, &error));
}

/* One verifier for a batch: tickets of two key versions and of two
 * addresses; mismatches are refused as ntpmon_api_ticket_verify() does. */
static void
test_verifier (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) old4 = NULL;
  g_autoptr (GBytes) new4 = NULL;
  g_autoptr (GBytes) new6 = NULL;
  g_autoptr (GBytes) future = g_bytes_new_static ("9-abc", 5);
  g_autoptr (NtpmonApiTicketVerifier) verifier = NULL;
  g_autoptr (NtpmonApiTicketVerifier) other_batch = NULL;
  guint version;

  g_assert_true (ntpmon_api_key_file_store_add_key (f->store, &version, &error));
  old4 = ntpmon_api_ticket_sign (store_of (f), 9, BATCH, ip4, 4, &error);
  g_assert_true (ntpmon_api_key_file_store_add_key (f->store, &version, &error));
  new4 = ntpmon_api_ticket_sign (store_of (f), 9, BATCH, ip4, 4, &error);
  new6 = ntpmon_api_ticket_sign (store_of (f), 9, BATCH, ip6, 16, &error);
  g_assert_no_error (error);

  verifier = ntpmon_api_ticket_verifier_new (store_of (f), 9, BATCH);
  for (guint round = 0; round < 2; round++)
    {
      g_assert_true (ntpmon_api_ticket_verifier_check (verifier, old4, ip4, 4, &error));
      g_assert_true (ntpmon_api_ticket_verifier_check (verifier, new4, ip4, 4, &error));
      g_assert_true (ntpmon_api_ticket_verifier_check (verifier, new6, ip6, 16, &error));
      g_assert_no_error (error);
      g_assert_false (ntpmon_api_ticket_verifier_check (verifier, new4, ip6, 16, &error));
      g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
      g_assert_nonnull (strstr (error->message, "signature mismatch"));
      g_clear_error (&error);
      g_assert_false (ntpmon_api_ticket_verifier_check (verifier, future, ip4, 4, &error));
      g_assert_nonnull (strstr (error->message, "key version from the future"));
      g_clear_error (&error);
    }
  other_batch = ntpmon_api_ticket_verifier_new (store_of (f), 9, "01HGW2N7EHJVR6V8AQ3BNJ5XZR");
  g_assert_false (ntpmon_api_ticket_verifier_check (other_batch, new4, ip4, 4, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_TICKET);
}

static void
test_bad_files (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *short_key = g_build_filename (f->dir, "3.key", NULL);
  g_autofree gchar *other = g_build_filename (f->dir, "README", NULL);
  g_autofree gchar *zero = g_build_filename (f->dir, "0.key", NULL);
  g_autoptr (GBytes) secret = NULL;
  guint version;

  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (other, "not a key", -1, NULL));
  g_assert_true (g_file_set_contents (zero, "0123456789abcdef0123", -1, NULL));
  g_assert_false (ntpmon_api_key_store_get_latest (store_of (f), &version, &secret, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_NO_KEY);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (short_key, "short\n", -1, NULL));
  g_assert_false (ntpmon_api_key_store_get_latest (store_of (f), &version, &secret, &error));
  g_assert_error (error, NTPMON_API_KEYS_ERROR, NTPMON_API_KEYS_ERROR_BAD_KEY);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (short_key, "  0123456789abcdefXYZ \n", -1, NULL));
  g_assert_true (ntpmon_api_key_store_get_latest (store_of (f), &version, &secret, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 3);
  g_assert_cmpmem (g_bytes_get_data (secret, NULL), g_bytes_get_size (secret),
                   "0123456789abcdefXYZ", 19);
}

/* A key text of one SHA-256 block is used as it is, a longer one is hashed
 * first (RFC 2104). */
static void
test_key_lengths (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint version = 0;

  g_assert_true (ntpmon_api_key_file_store_add_key (f->store, &version, &error));
  g_assert_no_error (error);
  for (guint len = 64; len <= 65; len++)
    {
      g_autofree gchar *key = g_strnfill (len, 'k');
      g_autofree gchar *name = g_strdup_printf ("%u.key", len - 62);
      g_autofree gchar *path = g_build_filename (f->dir, name, NULL);
      g_autofree gchar *want_version = g_strdup_printf ("%u", len - 62);
      g_autoptr (GBytes) ticket = NULL;

      g_assert_true (g_file_set_contents (path, key, -1, NULL));
      ticket = ntpmon_api_ticket_sign (store_of (f), 1234, BATCH, ip4, 4, &error);
      g_assert_no_error (error);
      assert_ticket_is_hmac (ticket, want_version, key);
      g_assert_true (ntpmon_api_ticket_verify (store_of (f), ticket, 1234, BATCH, ip4, 4, &error));
      g_assert_no_error (error);
    }
}

int
main (int argc, char **argv)
{
  api_test_init (&argc, &argv);
#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/api/keys/no-key", test_no_key);
  ADD ("/api/keys/sign-verify", test_sign_verify);
  ADD ("/api/keys/key-lengths", test_key_lengths);
  ADD ("/api/keys/tampered", test_tampered);
  ADD ("/api/keys/rotation", test_rotation);
  ADD ("/api/keys/verifier", test_verifier);
  ADD ("/api/keys/bad-files", test_bad_files);
#undef ADD
  return g_test_run ();
}
