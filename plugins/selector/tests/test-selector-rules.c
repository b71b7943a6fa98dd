/* test-selector-rules.c: single-rule scenarios R1–R7 of selector.md §14.3
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "selector-test-util.h"

typedef struct
{
  NtpmonSelectorEngine *engine;
  NtpmonSelectorContext *ctx;
  GPtrArray *list;
  NtpmonSelectorRun run;
} RuleFixture;

static void
fixture_init (RuleFixture *f, const gchar *server, const gchar *monitors, const gchar *table)
{
  g_autoptr (GArray) t = test_table (table);

  f->engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  f->ctx = test_context (server, NULL);
  f->list = test_monitors (monitors);
  ntpmon_selector_run_init (&f->run, f->engine, f->ctx, f->list, t, NULL, NULL);
}

static void
fixture_clear (RuleFixture *f)
{
  ntpmon_selector_run_clear (&f->run);
  g_ptr_array_unref (f->list);
  ntpmon_selector_context_free (f->ctx);
  g_object_unref (f->engine);
}

/* Rule 2 alone with the given budgets */
static void
rule2 (const gchar *monitors, gint active_removals, gint testing_removals, const gchar *expected)
{
  RuleFixture f;

  fixture_init (&f, NULL, monitors, NULL);
  f.run.active_removals = active_removals;
  f.run.testing_removals = testing_removals;
  ntpmon_selector_rule2 (&f.run);
  test_assert_changes (f.run.changes, expected);
  fixture_clear (&f);
}

typedef struct
{
  gint a, t, u, v;
  const gchar *expected;
} R1Case;

static void
test_r1 (gconstpointer data)
{
  const R1Case *c = data;
  g_autoptr (GString) m = g_string_new ("");

  for (gint i = 1; i <= c->a; i++)
    g_string_append_printf (m, "%d A/act %s; ", i, i <= c->u ? "OUT" : "IN");
  for (gint i = 0; i < c->t; i++)
    g_string_append_printf (m, "%d T/act %s; ", 100 + i, i < c->v ? "OUT" : "IN");
  rule2 (m->str, 2, 2, c->expected);
}

#define G "gradual removal (health or constraints)"

static const R1Case r1_cases[] = {
  { 5, 5, 5, 2, "101 t>c " G "; 100 t>c " G },
  { 5, 5, 3, 1, "100 t>c " G },
  { 6, 5, 4, 2, "4 a>t " G "; 101 t>c " G "; 100 t>c " G },
  { 10, 8, 5, 3, "5 a>t " G "; 4 a>t " G "; 102 t>c " G "; 101 t>c " G },
  { 7, 3, 2, 3, "2 a>t " G "; 1 a>t " G "; 102 t>c " G "; 101 t>c " G },
  { 0, 6, 0, 4, "103 t>c " G "; 102 t>c " G },
  { 2, 2, 2, 2, "" },
  { 6, 3, 0, 3, "" },
};

static void
test_r2 (void)
{
  rule2 ("1 A/act OUT; 2 A/act OUT; 3 A/act OUT; 4 A/act OUT; 5 A/act OUT; "
         "100 T/act OUT; 101 T/act OUT; 102 T/act OUT",
         5, 5, "");
}

static void
test_r3 (void)
{
  rule2 ("1 A/act OUT v=limit; 2 A/act OUT v=limit; 3 A/act OUT; 4 A/act OUT; "
         "5 A/act IN; 6 A/act IN; 7 A/act IN; "
         "100 T/act IN; 101 T/act IN; 102 T/act IN; 103 T/act IN; 104 T/act IN",
         4, 2, "2 a>t " G "; 1 a>t " G);
}

static void
test_r4 (void)
{
  rule2 ("1 A/act OUT v=limit; 2 A/act OUT v=limit; 3 A/act IN; 4 A/act IN; 5 A/act IN; "
         "100 T/act OUT v=network_same_subnet; 101 T/act IN; 102 T/act IN",
         2, 2, "2 a>t " G "; 1 a>t " G "; 100 t>c " G);
}

static void
test_r5 (void)
{
  g_autoptr (GString) m = g_string_new ("");

  for (gint i = 1; i <= 10; i++)
    g_string_append_printf (m, "%d A/act %s; ", i, i <= 3 ? "OUT" : "IN");
  for (gint i = 100; i <= 107; i++)
    g_string_append_printf (m, "%d T/act %s; ", i, i <= 101 ? "OUT" : "IN");
  rule2 (m->str, 2, 2, "3 a>t " G "; 2 a>t " G "; 101 t>c " G "; 100 t>c " G);
}

static void
test_r6 (void)
{
  RuleFixture f;

  fixture_init (&f, NULL,
                "1 A/act h IN p10; 2 A/act h IN p15; 3 A/act h IN p20; 4 A/act h IN p25; "
                "5 A/act h IN p30; 6 A/act h IN p100; 7 A/act h IN p120; "
                "10 T/act h n32 IN p40; 11 T/act h n32 IN p45; 12 T/act h n32 IN p50; "
                "13 T/act h n32 IN p55; 14 T/act h n32 IN p60",
                NULL);
  f.run.promotions = 4;
  f.run.wa = 7;
  f.run.wt = 5;
  f.run.emergency = FALSE;
  ntpmon_selector_rule3 (&f.run);
  test_assert_changes (f.run.changes, "7 a>t active-testing swap (demote); "
                                      "10 t>a active-testing swap (promote); "
                                      "6 a>t active-testing swap (demote); "
                                      "11 t>a active-testing swap (promote)");
  g_assert_cmpint (f.run.wa, ==, 7);
  g_assert_cmpint (f.run.wt, ==, 5);
  g_assert_cmpint (f.run.promotions, ==, 0);
  fixture_clear (&f);
}

typedef struct
{
  const gchar *monitors;
  const gchar *table;
  gboolean emergency;
  const gchar *expected;
} R7Case;

#define H(id, acct)  #id " C/act h a" #acct "; "
#define UO(id, acct) #id " C/tst a" #acct "; "
#define BE           "bootstrap emergency promotion to testing: zero active monitors"
#define BH           "bootstrap: promoting healthy candidate"

static const R7Case r7_cases[] = {
  { H (1, 100) H (2, 101) H (3, 102), "100:3,0,0 101:3,0,0 102:3,0,0", TRUE,
    "1 c>t " BE "; 2 c>t " BE "; 3 c>t " BE },
  { H (1, 100) H (2, 101) H (3, 102) H (4, 103) H (5, 104) H (6, 105),
    "100:3,0,0 101:3,0,0 102:3,0,0 103:3,0,0 104:3,0,0 105:3,0,0", TRUE,
    "1 c>t " BE "; 2 c>t " BE "; 3 c>t " BE "; 4 c>t " BE "; 5 c>t " BE },
  { H (1, 100) H (2, 100) H (3, 101), "100:0,0,0 101:3,0,0", FALSE, "1 c>t " BH "; 3 c>t " BH },
  { UO (1, 100) H (2, 101) UO (3, 102) H (4, 103), "100:3,0,0 101:3,0,0 102:3,0,0 103:3,0,0", TRUE,
    "2 c>t " BE "; 4 c>t " BE "; 1 c>t " BE "; 3 c>t " BE },
  { H (1, 100) "2 C/paus h a101; " H (3, 102), "100:3,0,0 101:3,0,0 102:3,0,0", TRUE,
    "1 c>t " BE "; 3 c>t " BE },
  { "1 T/tst a100 h; " H (2, 101) H (3, 102), "100:3,0,1 101:3,0,0 102:3,0,0", FALSE, "" },
  { "", "", FALSE, "" },
  { H (1, 100) H (2, 101), "100:0,0,0 101:0,0,0", TRUE, "1 c>t " BE "; 2 c>t " BE },
  { H (1, 100) H (2, 101), "100:0,0,1 101:0,0,1", FALSE, "" },
};

static void
test_r7 (gconstpointer data)
{
  const R7Case *c = data;
  RuleFixture f;
  gint wa, wt;

  fixture_init (&f, "1 999 192.168.1.100", c->monitors, c->table);
  f.run.emergency = c->emergency;
  wa = f.run.wa;
  wt = f.run.wt;
  ntpmon_selector_rule6 (&f.run);
  test_assert_changes (f.run.changes, c->expected);
  g_assert_cmpint (f.run.wa, ==, wa);
  g_assert_cmpint (f.run.wt, ==, wt + (gint)f.run.changes->len);
  fixture_clear (&f);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (r1_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/selector/rules/R1%c-rule2-thresholds", 'a' + i);

      g_test_add_data_func (path, &r1_cases[i], test_r1);
    }
  g_test_add_func ("/selector/rules/R2-rule2-all-failing-at-threshold", test_r2);
  g_test_add_func ("/selector/rules/R3-rule2-constraint-vs-performance", test_r3);
  g_test_add_func ("/selector/rules/R4-rule2-violators-at-threshold", test_r4);
  g_test_add_func ("/selector/rules/R5-rule2-normal", test_r5);
  g_test_add_func ("/selector/rules/R6-rule3-swaps", test_r6);
  for (guint i = 0; i < G_N_ELEMENTS (r7_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/selector/rules/R7%c-rule6-bootstrap", 'a' + i);

      g_test_add_data_func (path, &r7_cases[i], test_r7);
    }

  return g_test_run ();
}
