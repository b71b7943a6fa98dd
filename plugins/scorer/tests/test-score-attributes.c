/* test-score-attributes.c: the attributes JSON of spec/scorer.md §10
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-attributes.h"
#include "ntpmon-score-error.h"

static gchar *
encode_error (const gchar *text)
{
  NtpmonScoreAttributes attrs = { 0 };

  attrs.error = (gchar *)text;
  return ntpmon_score_attributes_encode (&attrs);
}

static void
test_encode_order (void)
{
  NtpmonScoreAttributes attrs = { 0 };
  g_autofree gchar *empty = ntpmon_score_attributes_encode (&attrs);
  g_autofree gchar *all = NULL;

  g_assert_cmpstr (empty, ==, "{}");
  attrs.leap = -1;
  attrs.stratum = 16;
  attrs.no_response = TRUE;
  attrs.error = (gchar *)"e";
  attrs.warning = (gchar *)"w";
  attrs.from_ls_id = G_MAXINT64;
  attrs.from_ss_id = -3;
  all = ntpmon_score_attributes_encode (&attrs);
  g_assert_cmpstr (all, ==,
                   "{\"leap\":-1,\"stratum\":16,\"no_response\":true,\"error\":\"e\","
                   "\"warning\":\"w\",\"from_ls_id\":9223372036854775807,\"from_ss_id\":-3}");
}

/* Go encoding/json string escaping */
static void
test_encode_escapes (void)
{
  static const struct
  {
    const gchar *in, *out;
  } cases[] = {
    { "q\"b\\s", "{\"error\":\"q\\\"b\\\\s\"}" },
    { "\n\r\t\b\f", "{\"error\":\"\\n\\r\\t\\b\\f\"}" },
    { "\x01\x1f\x7f", "{\"error\":\"\\u0001\\u001f\x7f\"}" },
    { "<>&", "{\"error\":\"\\u003c\\u003e\\u0026\"}" },
    { "\xe2\x80\xa8\xe2\x80\xa9", "{\"error\":\"\\u2028\\u2029\"}" },
    { "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "{\"error\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}" },
    { "a\xff"
      "b\xc3",
      "{\"error\":\"a\\ufffdb\\ufffd\"}" },
    { "\xed\xa0\x80", "{\"error\":\"\\ufffd\\ufffd\\ufffd\"}" }, /* a surrogate */
    { "\xc0\xaf", "{\"error\":\"\\ufffd\\ufffd\"}" },            /* overlong */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *json = encode_error (cases[i].in);

      g_assert_cmpstr (json, ==, cases[i].out);
    }
}

static void
decode_ok (const gchar *json, NtpmonScoreAttributes *attrs)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_score_attributes_decode (json, attrs, &error));
  g_assert_no_error (error);
}

static void
test_decode (void)
{
  NtpmonScoreAttributes a;

  decode_ok ("null", &a);
  g_assert_cmpint (a.leap, ==, 0);
  g_assert_null (a.error);
  ntpmon_score_attributes_clear (&a);

  decode_ok ("{\"leap\":-128,\"STRATUM\":127,\"No_Response\":true,\"warning\":\"w\","
             "\"from_ls_id\":9223372036854775807,\"from_ss_id\":-1,\"x\":[1,{}]}",
             &a);
  g_assert_cmpint (a.leap, ==, -128);
  g_assert_cmpint (a.stratum, ==, 127);
  g_assert_true (a.no_response);
  g_assert_cmpstr (a.warning, ==, "w");
  g_assert_cmpint (a.from_ls_id, ==, G_MAXINT64);
  g_assert_cmpint (a.from_ss_id, ==, -1);
  ntpmon_score_attributes_clear (&a);

  /* null values leave a field alone; of two keys for one field the later
   * wins */
  decode_ok ("{\"error\":\"a\",\"leap\":2,\"Error\":\"b\",\"LEAP\":null}", &a);
  g_assert_cmpstr (a.error, ==, "b");
  g_assert_cmpint (a.leap, ==, 2);
  ntpmon_score_attributes_clear (&a);

  /* Unicode upper-casing: U+017F LATIN SMALL LETTER LONG S folds to S */
  decode_ok ("{\"\xc5\xbftratum\":3}", &a);
  g_assert_cmpint (a.stratum, ==, 3);
  ntpmon_score_attributes_clear (&a);
}

static void
test_decode_errors (void)
{
  static const gchar *const bad[] = {
    "",
    " ",
    "not json",
    "{",
    "[]",
    "1",
    "\"s\"",
    "{\"leap\":1.5}",
    "{\"leap\":128}",
    "{\"leap\":-129}",
    "{\"leap\":1e0}",
    "{\"leap\":\"1\"}",
    "{\"error\":1}",
    "{\"no_response\":1}",
    "{\"warning\":false}",
    "{\"from_ls_id\":1.0}",
    "{} x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      NtpmonScoreAttributes a;
      g_autoptr (GError) error = NULL;

      g_test_message ("input: %s", bad[i]);
      g_assert_false (ntpmon_score_attributes_decode (bad[i], &a, &error));
      g_assert_error (error, NTPMON_SCORE_ERROR, NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES);
      ntpmon_score_attributes_clear (&a);
    }
}

/* what stage 1 writes decodes to the same fields and encodes back */
static void
test_round_trip (void)
{
  NtpmonScoreAttributes a;
  g_autofree gchar *again = NULL;
  const gchar *json = "{\"leap\":1,\"error\":\"a\\u003cb \\u2028 \\u0001\"}";

  decode_ok (json, &a);
  again = ntpmon_score_attributes_encode (&a);
  g_assert_cmpstr (again, ==, json);
  ntpmon_score_attributes_clear (&a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scorer/attributes/encode-order", test_encode_order);
  g_test_add_func ("/scorer/attributes/encode-escapes", test_encode_escapes);
  g_test_add_func ("/scorer/attributes/decode", test_decode);
  g_test_add_func ("/scorer/attributes/decode-errors", test_decode_errors);
  g_test_add_func ("/scorer/attributes/round-trip", test_round_trip);
  return g_test_run ();
}
