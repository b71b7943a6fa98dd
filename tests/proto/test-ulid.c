/* test-ulid.c: ULID generation, text form, parsing and timestamps
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-rpc-error.h"
#include "ntpmon-ulid.h"

static const gchar alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
test_known (void)
{
  /* time 1469918176385 ms = 0x0156_3DF2_8B81 with all-zero and all-one randomness;
   * the text is computed here independently: 48 bits in 10 base32 digits */
  guint64 ms = G_GUINT64_CONSTANT (1469918176385);
  gchar expected_time[11];
  for (gint i = 9; i >= 0; i--)
    expected_time[9 - i] = alphabet[(ms >> (5 * i)) & 31];
  expected_time[10] = '\0';
  g_assert_cmpstr (expected_time, ==, "01ARYZ6S41");

  static const guint8 zeros[10] = { 0 };
  static const guint8 ones[10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  NtpmonUlid ulid;
  gchar text[NTPMON_ULID_TEXT_LEN + 1];

  ntpmon_ulid_from_parts (&ulid, ms, zeros);
  ntpmon_ulid_format (&ulid, text);
  g_assert_cmpstr (text, ==, "01ARYZ6S410000000000000000");
  ntpmon_ulid_from_parts (&ulid, ms, ones);
  ntpmon_ulid_format (&ulid, text);
  g_assert_cmpstr (text, ==, "01ARYZ6S41ZZZZZZZZZZZZZZZZ");
  g_assert_cmpuint (ntpmon_ulid_get_time_ms (&ulid), ==, ms);

  /* largest and smallest */
  NtpmonUlid max;
  memset (max.bytes, 0xff, sizeof max.bytes);
  g_autofree gchar *max_text = ntpmon_ulid_to_string (&max);
  g_assert_cmpstr (max_text, ==, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
  NtpmonUlid min = { { 0 } };
  g_autofree gchar *min_text = ntpmon_ulid_to_string (&min);
  g_assert_cmpstr (min_text, ==, "00000000000000000000000000");
}

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  NtpmonUlid ulid, again;

  g_assert_true (ntpmon_ulid_parse ("01ARYZ6S41TSV4RRFFQ69G5FAV", 26, &ulid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ntpmon_ulid_get_time_ms (&ulid), ==, G_GUINT64_CONSTANT (1469918176385));
  g_autofree gchar *text = ntpmon_ulid_to_string (&ulid);
  g_assert_cmpstr (text, ==, "01ARYZ6S41TSV4RRFFQ69G5FAV");

  /* lower case decodes like upper case; the canonical form is upper case */
  g_assert_true (ntpmon_ulid_parse ("01aryz6s41tsv4rrffq69g5fav", 26, &again, &error));
  g_assert_cmpint (ntpmon_ulid_compare (&ulid, &again), ==, 0);

  /* timestamp as a date */
  g_autoptr (GDateTime) dt = ntpmon_ulid_get_datetime (&ulid);
  g_autofree gchar *iso = g_date_time_format_iso8601 (dt);
  g_assert_cmpstr (iso, ==, "2016-07-30T22:36:16.385000Z");

  const struct
  {
    const gchar *text;
    const gchar *detail;
  } bad[] = {
    { "01ARYZ6S41TSV4RRFFQ69G5FA", "size" },   /* 25 characters */
    { "01ARYZ6S41TSV4RRFFQ69G5FAVV", "size" }, /* 27 */
    { "", "size" },
    { "81ARYZ6S41TSV4RRFFQ69G5FAV", "overflow" },
    { "01ARYZ6S41TSV4RRFFQ69G5FAU", "characters" }, /* U is not in the alphabet */
    { "01ARYZ6S41TSV4RRFFQ69G5FAI", "characters" },
    { "01ARYZ6S41TSV4RRFFQ69G5FA-", "characters" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (ntpmon_ulid_parse (bad[i].text, strlen (bad[i].text), &ulid, &error));
      g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i].detail));
    }
  /* an embedded NUL within the 26 bytes */
  g_clear_error (&error);
  g_assert_false (ntpmon_ulid_parse ("01ARYZ6S41TSV4RR\0FQ69G5FAV", 26, &ulid, &error));
  g_assert_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT);
}

static void
test_generate (void)
{
  guint64 before = (guint64)g_get_real_time () / 1000;
  NtpmonUlid prev, cur;
  gchar text[NTPMON_ULID_TEXT_LEN + 1];

  ntpmon_ulid_generate (&prev);
  for (guint i = 0; i < 10000; i++)
    {
      ntpmon_ulid_generate (&cur);
      /* strictly increasing in binary and in text */
      g_assert_cmpint (ntpmon_ulid_compare (&prev, &cur), <, 0);
      gchar prev_text[NTPMON_ULID_TEXT_LEN + 1];
      ntpmon_ulid_format (&prev, prev_text);
      ntpmon_ulid_format (&cur, text);
      g_assert_cmpint (strcmp (prev_text, text), <, 0);
      prev = cur;
    }
  guint64 after = (guint64)g_get_real_time () / 1000;

  /* the embedded time is the time of the call (the monotonic step may run
   * ahead of the clock by at most one millisecond per 2^80 ids) */
  guint64 t = ntpmon_ulid_get_time_ms (&cur);
  g_assert_cmpuint (t, >=, before);
  g_assert_cmpuint (t, <=, after + 1);

  /* the text round-trips and uses only the alphabet */
  NtpmonUlid parsed;
  g_autoptr (GError) error = NULL;
  g_assert_true (ntpmon_ulid_parse (text, strlen (text), &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ntpmon_ulid_compare (&parsed, &cur), ==, 0);
  g_assert_cmpuint (strspn (text, alphabet), ==, NTPMON_ULID_TEXT_LEN);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/ulid/known", test_known);
  g_test_add_func ("/proto/ulid/parse", test_parse);
  g_test_add_func ("/proto/ulid/generate", test_generate);

  return g_test_run ();
}
