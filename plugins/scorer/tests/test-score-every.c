/* test-score-every.c: algorithm `every`, spec/scorer.md §16.6 (TV-78 … TV-86)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "scorer-test.h"

#include "ntpmon-score-every.h"

#include <math.h>
#include <string.h>

#define T         G_GINT64_CONSTANT (1735732800)
#define SCORER_ID 9001
#define NO_OFFSET NAN

typedef struct
{
  const gchar *name;
  gdouble own;
  gdouble step;
  gdouble offset; /* NAN: NULL */
  gdouble expected;
} EveryVector;

static const EveryVector every_vectors[] = {
  { "TV-78", -5, 1, 0.001, -3.75 },       { "TV-81", 12.5, 0.2694, 0.2, 12.1444 },
  { "TV-82", 19, -4, 3.5, -20 },          { "TV-83", -40, -4, -3.5, -20 },
  { "TV-84", 10, -2, 3.0000000001, 7.5 }, { "TV-85", 10, -4, 3.0000000015, -20 },
  { "TV-86", 20, -10, 0.0, 9 },
};

static void
fill_row (NtpmonLogScore *ls, gdouble step, gdouble offset)
{
  memset (ls, 0, sizeof *ls);
  ls->id = 1234;
  ls->server_id = 42;
  ls->monitor_id = 7;
  ls->ts = T;
  ls->score = 3.25;
  ls->step = step;
  ls->has_offset = !isnan (offset);
  ls->offset = ls->has_offset ? offset : 0;
  ls->has_rtt = TRUE;
  ls->rtt = 12345;
}

static gdouble
score_once (gdouble own_score, gdouble step, gdouble offset)
{
  NtpmonServerScore own = { .id = 77, .monitor_id = SCORER_ID, .server_id = 42 };
  NtpmonLogScore ls, out;
  g_autoptr (GError) error = NULL;
  gdouble score;

  own.score_raw = own_score;
  fill_row (&ls, step, offset);
  g_assert_true (ntpmon_score_every (&own, &ls, &out, &error));
  g_assert_no_error (error);
  score = out.score;
  ntpmon_log_score_clear (&out);
  return score;
}

static void
test_every_vector (gconstpointer data)
{
  const EveryVector *v = data;

  g_assert_cmpfloat (score_once (v->own, v->step, v->offset), ==, v->expected);
}

/* TV-78's output row copies everything but the score and the monitor id. */
static void
test_tv78_row (void)
{
  NtpmonServerScore own = { .id = 77, .monitor_id = SCORER_ID, .server_id = 42, .score_raw = -5 };
  NtpmonLogScore ls, out;
  g_autoptr (GError) error = NULL;

  fill_row (&ls, 1, 0.001);
  ls.attributes = g_strdup ("{\"leap\":1}");
  g_assert_true (ntpmon_score_every (&own, &ls, &out, &error));
  g_assert_cmpfloat (out.score, ==, -3.75);
  g_assert_cmpfloat (out.step, ==, 1);
  g_assert_true (out.has_offset);
  g_assert_cmpfloat (out.offset, ==, 0.001);
  g_assert_true (out.has_rtt);
  g_assert_cmpint (out.rtt, ==, 12345);
  g_assert_cmpstr (out.attributes, ==, "{\"leap\":1}");
  g_assert_cmpint (out.ts, ==, T);
  g_assert_cmpuint (out.monitor_id, ==, SCORER_ID);
  g_assert_cmpuint (out.server_id, ==, 42);
  ntpmon_log_score_clear (&out);
  ntpmon_log_score_clear (&ls);

  /* NULL attributes and rtt stay NULL */
  fill_row (&ls, 1, 0.001);
  ls.has_rtt = FALSE;
  g_assert_true (ntpmon_score_every (&own, &ls, &out, &error));
  g_assert_null (out.attributes);
  g_assert_false (out.has_rtt);
}

static void
test_tv79 (void)
{
  gdouble s = score_once (-5, 1, 0.001);

  g_assert_cmpfloat (s, ==, -3.75);
  s = score_once (s, 1, 0.001);
  g_assert_cmpfloat (s, ==, -2.5625);
  s = score_once (s, 1, 0.001);
  g_assert_cmpfloat (s, ==, -1.4343749999999997);
}

static void
test_tv80 (void)
{
  gdouble s = -5;

  for (gint i = 0; i < 100; i++)
    s = score_once (s, 0.8, NO_OFFSET);
  g_assert_cmpfloat (s, ==, 15.875668886372987);
}

static void
test_not_setup (void)
{
  NtpmonServerScore own = { .id = 77, .monitor_id = 0, .server_id = 42 };
  NtpmonLogScore ls, out;
  g_autoptr (GError) error = NULL;

  fill_row (&ls, 1, 0.001);
  g_assert_false (ntpmon_score_every (&own, &ls, &out, &error));
  g_assert_nonnull (error);
}

/* §15 item 12: an offset beyond the int64 range gives no override. */
static void
test_huge_offset (void)
{
  g_assert_cmpint (ntpmon_score_seconds_to_ns (1e10), ==, G_MININT64);
  g_assert_cmpint (ntpmon_score_seconds_to_ns (-1e10), ==, G_MININT64);
  g_assert_cmpint (ntpmon_score_seconds_to_ns (-3.0000000015), ==, -3000000001);
  g_assert_cmpfloat (score_once (10, -4, 1e10), ==, 5.5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  SCORER_TEST_ADD_VECTORS ("16.6", every_vectors, test_every_vector);
  g_test_add_func ("/scorer/16.6/TV-78/row", test_tv78_row);
  g_test_add_func ("/scorer/16.6/TV-79", test_tv79);
  g_test_add_func ("/scorer/16.6/TV-80", test_tv80);
  g_test_add_func ("/scorer/every/not-setup", test_not_setup);
  g_test_add_func ("/scorer/every/huge-offset", test_huge_offset);
  g_test_add_func ("/scorer/quirk/12-every-huge-offset-no-override", test_huge_offset);
  return g_test_run ();
}
