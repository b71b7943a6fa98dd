/* test-selector-engine.c: whole-engine scenarios S1–S15 of selector.md §14.4
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "selector-test-util.h"

/* "id spec" for ids first..last */
static void
seq (GString *s, gint first, gint last, const gchar *spec)
{
  for (gint i = first; i <= last; i++)
    g_string_append_printf (s, "%d %s; ", i, spec);
}

static void
seq_priorities (GString *s, gint first, const gchar *spec, const gint *priorities, guint n)
{
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%u %s p%d; ", first + i, spec, priorities[i]);
}

static void
test_s1 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 9, "A/act h IN");
  test_run_rules ("1982", m->str, "", "8 a>t excess active demotion; 9 a>t excess active demotion");
}

static void
test_s2 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 9, "T/act h n32 IN");
  test_run_rules ("", m->str, "",
                  "1 t>a emergency promotion: zero active monitors; "
                  "2 t>a emergency promotion: zero active monitors; "
                  "3 t>a emergency promotion: zero active monitors; "
                  "4 t>a emergency promotion: zero active monitors");
}

static void
test_s3 (void)
{
  test_run_rules ("", "1 A/act IN", "", "");
}

static void
test_s4 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 8, "A/act h IN");
  seq (m, 10, 13, "T/act h IN");
  seq (m, 20, 21, "C/act h IN");
  test_run_rules ("", m->str, "", "8 a>t excess active demotion");
}

static void
test_s5 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 7, "A/act h IN");
  seq (m, 10, 13, "T/act h IN");
  seq (m, 20, 24, "C/act h n9 IN");
  test_run_rules ("", m->str, "", "20 c>t candidate to testing");
}

static void
test_s6 (void)
{
  static const gint act[] = { 10, 15, 20, 25, 30, 35, 40 };
  static const gint tst[] = { 50, 60, 70, 80, 90 };
  static const gint can[] = { 25, 30, 35 };
  g_autoptr (GString) m = g_string_new ("");

  seq_priorities (m, 1, "A/act h IN", act, G_N_ELEMENTS (act));
  seq_priorities (m, 10, "T/act h IN", tst, G_N_ELEMENTS (tst));
  seq_priorities (m, 20, "C/act h n9 IN", can, G_N_ELEMENTS (can));
  test_run_rules ("", m->str, "",
                  "14 t>c replaced by better candidate; 20 c>t replacement promotion; "
                  "13 t>c replaced by better candidate; 21 c>t replacement promotion");
}

static void
test_s7 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 7, "A/act h IN");
  seq (m, 10, 14, "T/act h IN");
  seq (m, 20, 22, "C/act h IN");
  test_run_rules ("", m->str, "", "");
}

static void
test_s8 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 7, "A/act h IN");
  seq (m, 10, 11, "T/act h IN");
  seq (m, 20, 22, "C/act h n9 IN");
  test_run_rules ("", m->str, "", "20 c>t candidate to testing; 21 c>t candidate to testing");
}

static void
test_s9 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, 7, "A/act h IN");
  seq (m, 10, 14, "T/act h a100 IN");
  seq (m, 20, 20, "C/act h a100 p30 IN");
  test_run_rules ("", m->str, "100:2,0,5", "");
}

static void
test_s10 (void)
{
  const gchar *m = "145 A/act h IN a351 p10 n131; 106 C/act h IN a351 p1 n249; "
                   "160 C/act h IN a351 p11 n12; 108 T/act h IN a1 p20 n235; "
                   "116 T/act h IN a375 p16 n221; 104 T/act h IN a1 p17 n71; "
                   "200 A/act h IN a394 p10 n100; 201 A/act h IN a394 p12 n100; "
                   "202 A/act h IN a394 p14 n100; 203 A/act h IN a394 p16 n100; "
                   "204 A/act h IN a394 p18 n100; 205 A/act h IN a394 p20 n100; "
                   "84 T/act h IN a593 p25 n324; 98 T/act h IN a394 p30 n71";

  test_run_rules ("2200", m, "351:2,1,0 1:3,0,2 375:2,0,1 394:2,6,1 593:2,0,1",
                  "98 t>c replaced by better candidate; 106 c>t replacement promotion; "
                  "84 t>c replaced by better candidate; 160 c>t replacement promotion");
}

static void
test_s11 (void)
{
  test_run_rules ("14 3",
                  "1 T/act h a1 OUT v=limit; 2 T/act h a1 OUT v=limit; "
                  "3 T/act h a2 OUT v=network_diversity; 4 T/act h a2 OUT v=network_diversity",
                  "1:2,0,2 2:2,0,2", "4 t>c gradual removal (health or constraints)");
}

static void
test_s12 (void)
{
  test_run_rules ("1 2",
                  "10 A/act h a2 IN; 11 A/act h a2 IN; 12 A/act h a3 IN; "
                  "1 T/act h a1 n32 IN; 2 T/act h a1 n32 IN; 3 T/act h a1 n32 IN",
                  "1:2,0,3 2:2,2,0 3:2,1,0",
                  "1 t>a promotion to active; 2 t>a promotion to active");
}

static void
test_s13 (void)
{
  test_run_rules ("1 4", "1 T/act h a1 OUT v=limit; 2 T/act a2 m OUT; 3 T/act h a3 n32 IN",
                  "1:1,0,1 2:1,0,1 3:1,0,1",
                  "1 t>c gradual removal (health or constraints); "
                  "3 t>a emergency promotion: zero active monitors");
}

static void
s14 (gint a, gint t, const gchar *expected)
{
  g_autoptr (GString) m = g_string_new ("");

  seq (m, 1, a, "A/act h m IN");
  seq (m, a + 1, a + t, "T/act h m IN");
  test_run_rules ("", m->str, "", expected);
}

static void
test_s14a (void)
{
  s14 (7, 5, "");
}

static void
test_s14b (void)
{
  s14 (3, 11,
       "14 t>c excess testing monitors (11 > target 9); "
       "13 t>c excess testing monitors (10 > target 9)");
}

static void
test_s14c (void)
{
  s14 (4, 8, "");
}

static void
test_s14d (void)
{
  s14 (0, 15,
       "15 t>c excess testing monitors (15 > target 12); "
       "14 t>c excess testing monitors (14 > target 12); "
       "13 t>c excess testing monitors (13 > target 12)");
}

static void
test_s14e (void)
{
  s14 (8, 7,
       "8 a>t excess active demotion; "
       "15 t>c excess testing monitors (8 > target 5); "
       "14 t>c excess testing monitors (7 > target 5)");
}

static void
test_s15 (void)
{
  test_run_rules ("",
                  "1 A/act h m IN; 2 A/act h m IN; 3 T/act OUT v=limit; "
                  "4 T/act h m IN; 5 T/act h m IN",
                  "", "3 t>c gradual removal (health or constraints)");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/selector/engine/S1-excess-active", test_s1);
  g_test_add_func ("/selector/engine/S2-zero-active-emergency", test_s2);
  g_test_add_func ("/selector/engine/S3-block-all-guard", test_s3);
  g_test_add_func ("/selector/engine/S4-excess-active-candidates-without-data", test_s4);
  g_test_add_func ("/selector/engine/S5-testing-capacity-1", test_s5);
  g_test_add_func ("/selector/engine/S6-candidate-replaces-testing", test_s6);
  g_test_add_func ("/selector/engine/S7-no-replacement", test_s7);
  g_test_add_func ("/selector/engine/S8-capacity-promotion", test_s8);
  g_test_add_func ("/selector/engine/S9-replacement-cannot-happen", test_s9);
  g_test_add_func ("/selector/engine/S10-real-world-swap", test_s10);
  g_test_add_func ("/selector/engine/S11-zero-active-all-testing-violate", test_s11);
  g_test_add_func ("/selector/engine/S12-iterative-account-limit", test_s12);
  g_test_add_func ("/selector/engine/S13-emergency-respects-health", test_s13);
  g_test_add_func ("/selector/engine/S14a-dynamic-pool-7-5", test_s14a);
  g_test_add_func ("/selector/engine/S14b-dynamic-pool-3-11", test_s14b);
  g_test_add_func ("/selector/engine/S14c-dynamic-pool-4-8", test_s14c);
  g_test_add_func ("/selector/engine/S14d-dynamic-pool-0-15", test_s14d);
  g_test_add_func ("/selector/engine/S14e-dynamic-pool-8-7", test_s14e);
  g_test_add_func ("/selector/engine/S15-violators-not-excess", test_s15);

  return g_test_run ();
}
