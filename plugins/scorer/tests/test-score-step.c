/* test-score-step.c: stage-1 step, field conversions, running score and
 * zero-offset trust — spec/scorer.md §16.1–16.4 (TV-01 … TV-65)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "scorer-test.h"

#include "ntpmon-score-step.h"

#define NO_OFFSET G_MININT64 /* marker: offset absent */

typedef struct
{
  const gchar *name;
  gint64 offset_ns; /* NO_OFFSET: absent */
  gint stratum;
  gint leap;
  const gchar *error;
  gboolean no_response;
  const gchar *step;       /* exact, shortest round-trip decimal */
  const gchar *cap;        /* NULL: no cap */
  const gchar *attributes; /* NULL: NULL */
} StepVector;

static const StepVector step_vectors[] = {
  { "TV-01", 0, 2, 0, NULL, FALSE, "1", NULL, NULL },
  { "TV-02", 10000000, 2, 0, NULL, FALSE, "1", NULL, NULL },
  { "TV-03", 25000000, 2, 0, NULL, FALSE, "1", NULL, NULL },
  { "TV-04", 25000001, 2, 0, NULL, FALSE, "1", NULL, NULL },
  { "TV-05", 25048747, 2, 0, NULL, FALSE, "1", NULL, NULL },
  { "TV-06", 25048748, 2, 0, NULL, FALSE, "0.9999999970840001", NULL, NULL },
  { "TV-07", 26000000, 2, 0, NULL, FALSE, "0.993658", NULL, NULL },
  { "TV-08", 50000000, 2, 0, NULL, FALSE, "0.83365", NULL, NULL },
  { "TV-09", 75000000, 2, 0, NULL, FALSE, "0.6669750000000001", NULL, NULL },
  { "TV-10", 99999999, 2, 0, NULL, FALSE, "0.500300006667", NULL, NULL },
  { "TV-11", 100000000, 2, 0, NULL, FALSE, "0.5003", NULL, NULL },
  { "TV-12", 100000001, 2, 0, NULL, FALSE, "0.500199997692", NULL, NULL },
  { "TV-13", 150000000, 2, 0, NULL, FALSE, "0.38480000000000003", NULL, NULL },
  { "TV-14", 200000000, 2, 0, NULL, FALSE, "0.2694", NULL, NULL },
  { "TV-15", 400000000, 2, 0, NULL, FALSE, "-0.19220000000000004", NULL, NULL },
  { "TV-16", 600000000, 2, 0, NULL, FALSE, "-0.6537999999999998", NULL, NULL },
  { "TV-17", 749000000, 2, 0, NULL, FALSE, "-0.9976919999999999", NULL, NULL },
  { "TV-18", 750000000, 2, 0, NULL, FALSE, "-0.9999999999999999", NULL, NULL },
  { "TV-19", 750000001, 2, 0, NULL, FALSE, "-2", NULL, NULL },
  { "TV-20", 1000000000, 2, 0, NULL, FALSE, "-2", NULL, NULL },
  { "TV-21", 3000000000, 2, 0, NULL, FALSE, "-2", NULL, NULL },
  { "TV-22", 3000000001, 2, 0, NULL, FALSE, "-4", "-20", NULL },
  { "TV-23", 5000000000, 2, 0, NULL, FALSE, "-4", "-20", NULL },
  { "TV-24", -50000000, 2, 0, NULL, FALSE, "0.83365", NULL, NULL },
  { "TV-25", -3000000001, 2, 0, NULL, FALSE, "-4", "-20", NULL },
  { "TV-26", 1000000, 8, 0, NULL, FALSE, "-4", NULL, NULL },
  { "TV-27", 1000000, 7, 0, NULL, FALSE, "1", NULL, NULL },
  { "TV-28", 5000000000, 9, 0, NULL, FALSE, "-4", "-20", NULL },
  { "TV-29", NO_OFFSET, 0, 0, "network: i/o timeout", TRUE, "-5", NULL,
    "{\"error\":\"network: i/o timeout\"}" },
  { "TV-30", 0, 2, 0, "", TRUE, "-5", NULL, NULL },
  { "TV-31", NO_OFFSET, 0, 0, "RATE", FALSE, "-3.5", NULL, "{\"error\":\"RATE\"}" },
  { "TV-32", 0, 0, 0, "RSTR", FALSE, "-10", "-50", "{\"error\":\"RSTR\"}" },
  { "TV-33", NO_OFFSET, 0, 3, "DENY", FALSE, "-10", "-50", "{\"leap\":3,\"error\":\"DENY\"}" },
  { "TV-34", 1000000, 0, 0, "", FALSE, "-2", "5", "{\"error\":\"unexpected stratum 0\"}" },
  { "TV-35", NO_OFFSET, 0, 0, "untrusted zero offset", FALSE, "-2", "5",
    "{\"error\":\"untrusted zero offset\"}" },
  { "TV-36", 0, 0, 0, "INIT", FALSE, "-4", NULL, "{\"error\":\"INIT\"}" },
  { "TV-37", 1000000, 11, 0, "bad stratum 11", FALSE, "-4", NULL,
    "{\"error\":\"bad stratum 11\"}" },
  { "TV-38", NO_OFFSET, 2, 0, "", FALSE, "-4", NULL, NULL },
  { "TV-39", 0, 2, 1, NULL, FALSE, "1", NULL, "{\"leap\":1}" },
  { "TV-40", 0, 2, 0, "a<b&c", FALSE, "-4", NULL, "{\"error\":\"a\\u003cb\\u0026c\"}" },
};

static gdouble
num (const gchar *text)
{
  gchar *end = NULL;
  gdouble v = g_ascii_strtod (text, &end);

  g_assert_true (end != NULL && *end == '\0');
  return v;
}

static NtpmonNtpResult *
result_for (const StepVector *v)
{
  NtpmonNtpResult *r = ntpmon_ntp_result_new ();

  r->has_offset = v->offset_ns != NO_OFFSET;
  r->offset_ns = r->has_offset ? v->offset_ns : 0;
  r->has_rtt = TRUE;
  r->rtt_ns = 10000000;
  r->stratum = v->stratum;
  r->leap = v->leap;
  r->no_response = v->no_response;
  ntpmon_ntp_result_set_error (r, v->error);
  return r;
}

static void
test_step_vector (gconstpointer data)
{
  const StepVector *v = data;
  g_autoptr (NtpmonNtpResult) r = result_for (v);
  NtpmonScoreStep step;

  /* A current client: the zero-offset rule never fires. */
  ntpmon_score_compute_step ("v4.1.5", r, &step);
  g_assert_cmpfloat (step.step, ==, num (v->step));
  g_assert_cmpint (step.has_cap, ==, v->cap != NULL);
  if (v->cap != NULL)
    g_assert_cmpfloat (step.cap, ==, num (v->cap));
  g_assert_cmpstr (step.attributes, ==, v->attributes);
  g_assert_cmpint (step.rtt, ==, 10000);
  g_assert_cmpint (step.has_offset, ==, v->offset_ns != NO_OFFSET);
  ntpmon_score_step_clear (&step);
}

/* TV-15 tells a fused multiply-add apart from separate rounding. */
static void
test_no_fma (void)
{
  g_assert_cmpfloat (ntpmon_score_linear_step (400000000), ==, -0.19220000000000004);
  g_assert_cmpfloat (ntpmon_score_linear_step (400000000), !=, -0.1922);
}

/* §16.2 */
static void
test_tv41 (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->has_offset = TRUE;
  r->offset_ns = ntpmon_duration_to_ns (1, 500000000);
  r->has_rtt = TRUE;
  r->rtt_ns = ntpmon_duration_to_ns (0, 10000000);
  r->stratum = 2;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_true (step.has_offset);
  g_assert_cmpfloat (step.offset, ==, 1.5);
  g_assert_cmpint (step.rtt, ==, 10000);
  g_assert_cmpfloat (step.step, ==, -2);
  ntpmon_score_step_clear (&step);
}

static void
test_tv42 (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->has_offset = TRUE;
  r->offset_ns = ntpmon_duration_to_ns (-1, -250000000);
  r->stratum = 2;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_cmpfloat (step.offset, ==, -1.25);
  g_assert_cmpfloat (step.step, ==, -2);
  ntpmon_score_step_clear (&step);
}

static void
test_tv43 (void)
{
  g_assert_cmpint (ntpmon_score_rtt_us (TRUE, 1234567), ==, 1234);
}

static void
test_tv44 (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->has_offset = TRUE;
  r->stratum = 2;
  r->has_rtt = FALSE;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_cmpint (step.rtt, ==, 0);
  ntpmon_score_step_clear (&step);
}

static void
test_tv45 (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->no_response = TRUE;
  r->stratum = 0;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_false (step.has_offset);
  g_assert_cmpfloat (step.step, ==, -5);
  ntpmon_score_step_clear (&step);
}

/* §3.4 conversions beyond the vectors: saturation, truncation, INT64_MIN. */
static void
test_conversions (void)
{
  g_assert_cmpint (ntpmon_duration_to_ns (G_MAXINT64 / 1000000000, 999999999), ==, G_MAXINT64);
  g_assert_cmpint (ntpmon_duration_to_ns (G_MAXINT64 / 1000000000 + 1, 0), ==, G_MAXINT64);
  g_assert_cmpint (ntpmon_duration_to_ns (G_MININT64 / 1000000000 - 1, 0), ==, G_MININT64);
  g_assert_cmpint (ntpmon_duration_to_ns (G_MININT64 / 1000000000, -999999999), ==, G_MININT64);
  g_assert_cmpint (ntpmon_duration_to_ns (-2, 500000000), ==, -1500000000);
  g_assert_cmpfloat (ntpmon_score_offset_seconds (-1250000000), ==, -1.25);
  g_assert_cmpfloat (ntpmon_score_offset_seconds (123456789), ==, 123456789 / 1e9);
  g_assert_cmpint (ntpmon_score_rtt_us (TRUE, -1999), ==, -1);
  g_assert_cmpint (ntpmon_score_rtt_us (TRUE, G_GINT64_CONSTANT (4294967296000)), ==, 0);
  g_assert_cmpint (ntpmon_score_abs_ns (-5), ==, 5);
  g_assert_cmpint (ntpmon_score_abs_ns (G_MININT64), ==, G_MININT64);
}

/* §15 item 12: a saturated negative offset stays negative and scores +1. */
static void
test_int64_min_offset (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->has_offset = TRUE;
  r->offset_ns = G_MININT64;
  r->stratum = 2;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_cmpfloat (step.step, ==, 1);
  g_assert_false (step.has_cap);
  ntpmon_score_step_clear (&step);
}

/* §3.8: leap is truncated to 8 bits; the object is written for leap > 0. */
static void
test_leap_truncation (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->has_offset = TRUE;
  r->stratum = 2;
  r->leap = 255;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_cmpstr (step.attributes, ==, "{\"leap\":-1}");
  ntpmon_score_step_clear (&step);
  r->leap = 256;
  ntpmon_score_compute_step (NULL, r, &step);
  g_assert_cmpstr (step.attributes, ==, "{}");
  ntpmon_score_step_clear (&step);
}

/* §16.3: running scores, each printed value compared exactly. */
typedef struct
{
  const gchar *name;
  const gchar *old_score;
  const gchar *expected; /* space separated, one per step */
  gint64 offset_ns;
  gint repeat; /* > 0: the last expected value after this many steps */
  const gchar *error;
  gint stratum;
  gboolean no_response;
} RunVector;

static NtpmonScoreStep
step_of (gint64 offset_ns, gint stratum, const gchar *error, gboolean no_response)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;

  r->has_offset = !no_response;
  r->offset_ns = offset_ns;
  r->stratum = stratum;
  r->no_response = no_response;
  ntpmon_ntp_result_set_error (r, error);
  ntpmon_score_compute_step (NULL, r, &step);
  g_clear_pointer (&step.attributes, g_free);
  return step;
}

static const RunVector run_vectors[] = {
  { "TV-48", "20", "-50", 0, 0, "RSTR", 0, FALSE },
  { "TV-49", "-60", "-67", 0, 0, "RSTR", 0, FALSE },
  { "TV-50", "-50", "-46.5", 10000000, 0, NULL, 2, FALSE },
  { "TV-51", "10", "5", 1000000, 0, NULL, 0, FALSE },
  { "TV-52", "3", "0.8499999999999996", 1000000, 0, NULL, 0, FALSE },
  { "TV-53", "20", "-20", 5000000000, 0, NULL, 2, FALSE },
  { "TV-54", "-30", "-32.5", 5000000000, 0, NULL, 2, FALSE },
  { "TV-55", "20", "14", 0, 0, NULL, 2, TRUE },
  { "TV-56", "20", "15.5", 0, 0, "RATE", 0, FALSE },
  { "TV-57", "-100", "-100", 0, 0, NULL, 2, TRUE },
  { "TV-58", "20", "-28.151567291394525", 0, 10, NULL, 2, TRUE },
  { "TV-59", "0", "19.8815894155933", 10000000, 100, NULL, 2, FALSE },
  { "TV-60", "0", "9.946759184621316", 100000000, 100, NULL, 2, FALSE },
  { "TV-61", "0", "5.356100188560839", 200000000, 100, NULL, 2, FALSE },
  { "TV-62", "0", "-3.821241485677036", 400000000, 100, NULL, 2, FALSE },
};

static void
test_run_vector (gconstpointer data)
{
  const RunVector *v = data;
  NtpmonScoreStep step = step_of (v->offset_ns, v->stratum, v->error, v->no_response);
  gdouble score = num (v->old_score);

  for (gint i = 0; i < MAX (v->repeat, 1); i++)
    score = ntpmon_score_apply_step (score, &step);
  g_assert_cmpfloat (score, ==, num (v->expected));
}

/* TV-46 and TV-47 check every intermediate score. */
static void
check_chain (const gchar *const *steps, const gchar *const *expected)
{
  gdouble score = 0;

  for (guint i = 0; steps[i] != NULL; i++)
    {
      NtpmonScoreStep step = { 0 };

      step.step = num (steps[i]);
      score = ntpmon_score_apply_step (score, &step);
      g_assert_cmpfloat (score, ==, num (expected[i]));
    }
}

static void
test_tv46 (void)
{
  const gchar *steps[] = { "1", "1", "1", "1", "1", NULL };
  const gchar *expected[] = { "1", "1.95", "2.8525", "3.709875", "4.524381249999999" };
  NtpmonScoreStep perfect = step_of (10000000, 2, NULL, FALSE);

  g_assert_cmpfloat (perfect.step, ==, 1);
  check_chain (steps, expected);
}

static void
test_tv47 (void)
{
  const gchar *steps[] = { "1", "1", "1", "-5", "1", NULL };
  const gchar *expected[] = { "1", "1.95", "2.8525", "-2.290125", "-1.17561875" };
  NtpmonScoreStep timeout = step_of (0, 2, NULL, TRUE);

  g_assert_cmpfloat (timeout.step, ==, -5);
  check_chain (steps, expected);
}

/* §16.4: zero-offset trust by client version. */
static void
zero_offset_case (const gchar *version, gint stratum, NtpmonScoreStep *step)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();

  r->has_offset = TRUE;
  r->offset_ns = 0;
  r->stratum = stratum;
  ntpmon_score_compute_step (version, r, step);
}

static void
test_tv63 (void)
{
  NtpmonScoreStep step;

  zero_offset_case ("v3.8.4/linux", 0, &step);
  g_assert_false (step.has_offset);
  g_assert_cmpfloat (step.step, ==, -2);
  g_assert_true (step.has_cap);
  g_assert_cmpfloat (step.cap, ==, 5);
  g_assert_cmpstr (step.attributes, ==, "{\"error\":\"untrusted zero offset\"}");
  ntpmon_score_step_clear (&step);
}

static void
test_tv64 (void)
{
  NtpmonScoreStep step;

  zero_offset_case ("v3.8.5", 0, &step);
  g_assert_true (step.has_offset);
  g_assert_cmpfloat (step.offset, ==, 0.0);
  g_assert_cmpfloat (step.step, ==, -2);
  g_assert_cmpfloat (step.cap, ==, 5);
  g_assert_cmpstr (step.attributes, ==, "{\"error\":\"unexpected stratum 0\"}");
  ntpmon_score_step_clear (&step);
}

static void
test_tv65 (void)
{
  NtpmonScoreStep step;

  zero_offset_case ("v3.8.4", 2, &step);
  g_assert_true (step.has_offset);
  g_assert_cmpfloat (step.offset, ==, 0.0);
  g_assert_cmpfloat (step.step, ==, 1);
  g_assert_null (step.attributes);
  ntpmon_score_step_clear (&step);
}

/* The trust rule also covers an absent offset and an empty version string. */
static void
test_zero_offset_rule (void)
{
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();

  r->stratum = 0;
  g_assert_true (ntpmon_score_zero_offset_untrusted ("v3.8.4", r));
  g_assert_true (ntpmon_score_zero_offset_untrusted ("", r));
  g_assert_true (ntpmon_score_zero_offset_untrusted ("v3.8.5-rc1", r));
  g_assert_false (ntpmon_score_zero_offset_untrusted ("v3.8.5/linux (abc)", r));
  g_assert_false (ntpmon_score_zero_offset_untrusted ("dev-snapshot", r));
  g_assert_false (ntpmon_score_zero_offset_untrusted (NULL, r));
  r->has_offset = TRUE;
  r->offset_ns = 1;
  g_assert_false (ntpmon_score_zero_offset_untrusted ("v3.8.4", r));
  r->offset_ns = 0;
  ntpmon_ntp_result_set_error (r, "RATE");
  g_assert_false (ntpmon_score_zero_offset_untrusted ("v3.8.4", r));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  SCORER_TEST_ADD_VECTORS ("16.1", step_vectors, test_step_vector);
  g_test_add_func ("/scorer/16.1/TV-15/no-fma", test_no_fma);
  g_test_add_func ("/scorer/16.2/TV-41", test_tv41);
  g_test_add_func ("/scorer/16.2/TV-42", test_tv42);
  g_test_add_func ("/scorer/16.2/TV-43", test_tv43);
  g_test_add_func ("/scorer/16.2/TV-44", test_tv44);
  g_test_add_func ("/scorer/16.2/TV-45", test_tv45);
  g_test_add_func ("/scorer/step/conversions", test_conversions);
  g_test_add_func ("/scorer/step/int64-min-offset", test_int64_min_offset);
  g_test_add_func ("/scorer/step/leap-truncation", test_leap_truncation);
  g_test_add_func ("/scorer/16.3/TV-46", test_tv46);
  g_test_add_func ("/scorer/16.3/TV-47", test_tv47);
  SCORER_TEST_ADD_VECTORS ("16.3", run_vectors, test_run_vector);
  g_test_add_func ("/scorer/16.4/TV-63", test_tv63);
  g_test_add_func ("/scorer/16.4/TV-64", test_tv64);
  g_test_add_func ("/scorer/16.4/TV-65", test_tv65);
  g_test_add_func ("/scorer/step/zero-offset-rule", test_zero_offset_rule);
  /* §15 quirks, by number */
  g_test_add_func ("/scorer/quirk/12-int64-min-offset-scores-plus-one", test_int64_min_offset);
  SCORER_TEST_ADD_VECTOR_AS ("/scorer/quirk/14-rule4-error-rewritten-TV-34", step_vectors, "TV-34",
                             test_step_vector);
  SCORER_TEST_ADD_VECTOR_AS ("/scorer/quirk/15-stratum-8-fails-TV-26", step_vectors, "TV-26",
                             test_step_vector);
  SCORER_TEST_ADD_VECTOR_AS ("/scorer/quirk/15-stratum-7-passes-TV-27", step_vectors, "TV-27",
                             test_step_vector);
  g_test_add_func ("/scorer/quirk/17-before-v3.8.5-zero-offset-untrusted-TV-63", test_tv63);
  g_test_add_func ("/scorer/quirk/17-v3.8.5-zero-offset-trusted-TV-64", test_tv64);
  return g_test_run ();
}
