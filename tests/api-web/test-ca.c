/* test-ca.c: the built-in certificate authority, checked with the openssl CLI
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "api-test-util.h"
#include "ntpmon-ca.h"

#define NAME "box1-abcdefg.test.mon.ntppool.dev"

static gchar *
tmpdir (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("ntpmon-ca-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static guint
mode_of (const gchar *dir, const gchar *name)
{
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* Runs openssl with @args; returns its exit status and stdout+stderr. */
static gint
openssl (const gchar *const *args, gchar **output)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  api_test_require_program ("openssl", "openssl");
  g_ptr_array_add (argv, "openssl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const gchar *const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, output, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("openssl %s: %s", args[0], *output);
  return g_subprocess_get_exit_status (proc);
}

static void
test_create_once (void)
{
  g_autofree gchar *base = tmpdir ();
  g_autofree gchar *dir = g_build_filename (base, "ca", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonCa) first = ntpmon_ca_open (dir, &error);
  g_autoptr (NtpmonCa) again = NULL;
  g_autofree gchar *out = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpuint (mode_of (dir, "ca.key"), ==, 0600);
  g_assert_cmpuint (mode_of (dir, "ca.crt"), ==, 0600);
  again = ntpmon_ca_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ntpmon_ca_get_certificate_pem (first), ==,
                   ntpmon_ca_get_certificate_pem (again));
  g_assert_cmpint (
      openssl ((const gchar *[]){ "x509", "-in", ntpmon_ca_get_certificate_file (first), "-noout",
                                  "-ext", "basicConstraints,keyUsage", NULL },
               &out),
      ==, 0);
  g_assert_nonnull (strstr (out, "CA:TRUE"));
  g_assert_nonnull (strstr (out, "Certificate Sign"));
  api_test_rmtree (base);
}

static void
test_issue (void)
{
  g_autofree gchar *dir = tmpdir ();
  g_autofree gchar *leaf = g_build_filename (dir, "leaf.pem", NULL);
  g_autofree gchar *leaf_key = g_build_filename (dir, "leaf.key", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonCa) ca = ntpmon_ca_open (dir, &error);
  g_autofree gchar *cert = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *ext = NULL;
  g_autofree gchar *check = NULL;

  g_assert_no_error (error);
  g_assert_true (ntpmon_ca_issue (ca, NAME, 7 * 86400, &cert, &key, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (key, "-----BEGIN PRIVATE KEY-----"));
  g_assert_true (g_file_set_contents (leaf, cert, -1, NULL));
  g_assert_true (g_file_set_contents (leaf_key, key, -1, NULL));

  /* an independent verifier accepts it for TLS clients */
  g_assert_cmpint (
      openssl ((const gchar *[]){ "verify", "-CAfile", ntpmon_ca_get_certificate_file (ca),
                                  "-purpose", "sslclient", leaf, NULL },
               &out),
      ==, 0);
  g_assert_nonnull (strstr (out, ": OK"));
  g_assert_cmpint (
      openssl ((const gchar *[]){ "x509", "-in", leaf, "-noout", "-ext",
                                  "subjectAltName,extendedKeyUsage", "-checkend", "518400", NULL },
               &ext),
      ==, 0);
  g_assert_nonnull (strstr (ext, "DNS:" NAME));
  g_assert_nonnull (strstr (ext, "TLS Web Client Authentication"));
  /* seven days: still valid in six, not in eight */
  g_assert_cmpint (
      openssl ((const gchar *[]){ "x509", "-in", leaf, "-noout", "-checkend", "691200", NULL },
               &check),
      ==, 1);
  g_clear_pointer (&out, g_free);
  /* the key belongs to the certificate */
  g_assert_cmpint (
      openssl ((const gchar *[]){ "x509", "-in", leaf, "-noout", "-pubkey", NULL }, &out), ==, 0);
  {
    g_autofree gchar *from_key = NULL;
    g_assert_cmpint (
        openssl ((const gchar *[]){ "pkey", "-in", leaf_key, "-pubout", NULL }, &from_key), ==, 0);
    g_assert_cmpstr (out, ==, from_key);
  }
  api_test_rmtree (dir);
}

static void
test_trust_bundle (void)
{
  g_autofree gchar *dir = tmpdir ();
  g_autofree gchar *extra = g_build_filename (dir, "extra.pem", NULL);
  g_autofree gchar *missing = g_build_filename (dir, "missing.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonCa) ca = ntpmon_ca_open (dir, &error);
  g_autoptr (NtpmonCa) other = NULL;
  g_autofree gchar *other_dir = g_build_filename (dir, "other", NULL);
  g_autofree gchar *bundle = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *none = NULL;

  g_assert_no_error (error);
  other = ntpmon_ca_open (other_dir, &error);
  g_assert_no_error (error);
  /* an extra file without a final newline */
  g_assert_true (g_file_set_contents (extra, ntpmon_ca_get_certificate_pem (other),
                                      strlen (ntpmon_ca_get_certificate_pem (other)) - 1, NULL));
  bundle = ntpmon_ca_write_trust_bundle (ca, extra, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (bundle, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, ntpmon_ca_get_certificate_pem (other)));
  g_assert_true (g_str_has_suffix (text, ntpmon_ca_get_certificate_pem (ca)));
  none = ntpmon_ca_write_trust_bundle (ca, missing, &error);
  g_assert_null (none);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  api_test_rmtree (dir);
}

static void
test_bad_files (void)
{
  g_autofree gchar *dir = tmpdir ();
  g_autofree gchar *key = g_build_filename (dir, "ca.key", NULL);
  g_autofree gchar *crt = g_build_filename (dir, "ca.crt", NULL);
  g_autofree gchar *other_dir = g_build_filename (dir, "other", NULL);
  g_autofree gchar *other_crt = g_build_filename (other_dir, "ca.crt", NULL);
  g_autofree gchar *other_pem = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonCa) ca = NULL;
  g_autoptr (NtpmonCa) other = ntpmon_ca_open (other_dir, &error);

  g_assert_no_error (error);
  g_assert_true (g_file_test (ntpmon_ca_get_certificate_file (other), G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (key, "not a key", -1, NULL));
  ca = ntpmon_ca_open (dir, &error);
  g_assert_null (ca);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  /* a certificate that is not the key's */
  g_assert_cmpint (g_unlink (key), ==, 0);
  ca = ntpmon_ca_open (dir, &error);
  g_assert_no_error (error);
  g_clear_object (&ca);
  g_assert_true (g_file_get_contents (other_crt, &other_pem, NULL, NULL));
  g_assert_true (g_file_set_contents (crt, other_pem, -1, NULL));
  ca = ntpmon_ca_open (dir, &error);
  g_assert_null (ca);
  g_assert_nonnull (strstr (error->message, "CA key and certificate differ"));
  api_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  api_test_init (&argc, &argv);
  g_test_add_func ("/ca/create-once", test_create_once);
  g_test_add_func ("/ca/issue", test_issue);
  g_test_add_func ("/ca/trust-bundle", test_trust_bundle);
  g_test_add_func ("/ca/bad-files", test_bad_files);
  return g_test_run ();
}
