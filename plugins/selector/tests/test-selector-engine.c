/* test-selector-engine.c: whole-engine scenarios S1–S15 of selector.md §14.4,
 * and the quirks (§12) and documentation-versus-code rows (§13) shown at
 * that level
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "selector-test-util.h"

typedef struct
{
  const gchar *path;
  const gchar *server; /* "id account ip" */
  const gchar *monitors;
  const gchar *table;
  const gchar *expected;
} Scenario;

#define EXCESS   "excess active demotion"
#define EMERG    "emergency promotion: zero active monitors"
#define GRAD     "gradual removal (health or constraints)"
#define BOOT     "bootstrap: promoting healthy candidate"
#define EBOOT    "bootstrap emergency promotion to testing: zero active monitors"
#define BLOCKED  "blocked by constraints or global status"
#define XT(w, d) "excess testing monitors (" #w " > target " #d ")"

static const Scenario scenarios[] = {
  { "S1-excess-active", "1982", "1-9 A/act h IN", "", "8 a>t " EXCESS "; 9 a>t " EXCESS },
  { "S2-zero-active-emergency", "", "1-9 T/act h n32 IN", "",
    "1 t>a " EMERG "; 2 t>a " EMERG "; 3 t>a " EMERG "; 4 t>a " EMERG },
  { "S3-block-all-guard", "", "1 A/act IN", "", "" },
  { "S4-excess-active-candidates-without-data", "",
    "1-8 A/act h IN; 10-13 T/act h IN; 20-21 C/act h IN", "", "8 a>t " EXCESS },
  { "S5-testing-capacity-1", "", "1-7 A/act h IN; 10-13 T/act h IN; 20-24 C/act h n9 IN", "",
    "20 c>t candidate to testing" },
  { "S6-candidate-replaces-testing", "",
    "1 A/act h IN p10; 2 A/act h IN p15; 3 A/act h IN p20; 4 A/act h IN p25; "
    "5 A/act h IN p30; 6 A/act h IN p35; 7 A/act h IN p40; "
    "10 T/act h IN p50; 11 T/act h IN p60; 12 T/act h IN p70; 13 T/act h IN p80; "
    "14 T/act h IN p90; 20 C/act h n9 IN p25; 21 C/act h n9 IN p30; 22 C/act h n9 IN p35",
    "",
    "14 t>c replaced by better candidate; 20 c>t replacement promotion; "
    "13 t>c replaced by better candidate; 21 c>t replacement promotion" },
  { "S7-no-replacement", "", "1-7 A/act h IN; 10-14 T/act h IN; 20-22 C/act h IN", "", "" },
  { "S8-capacity-promotion", "", "1-7 A/act h IN; 10-11 T/act h IN; 20-22 C/act h n9 IN", "",
    "20 c>t candidate to testing; 21 c>t candidate to testing" },
  { "S9-replacement-cannot-happen", "",
    "1-7 A/act h IN; 10-14 T/act h a100 IN; 20 C/act h a100 p30 IN", "100:2,0,5", "" },
  { "S10-real-world-swap", "2200",
    "145 A/act h IN a351 p10 n131; 106 C/act h IN a351 p1 n249; "
    "160 C/act h IN a351 p11 n12; 108 T/act h IN a1 p20 n235; "
    "116 T/act h IN a375 p16 n221; 104 T/act h IN a1 p17 n71; "
    "200 A/act h IN a394 p10 n100; 201 A/act h IN a394 p12 n100; "
    "202 A/act h IN a394 p14 n100; 203 A/act h IN a394 p16 n100; "
    "204 A/act h IN a394 p18 n100; 205 A/act h IN a394 p20 n100; "
    "84 T/act h IN a593 p25 n324; 98 T/act h IN a394 p30 n71",
    "351:2,1,0 1:3,0,2 375:2,0,1 394:2,6,1 593:2,0,1",
    "98 t>c replaced by better candidate; 106 c>t replacement promotion; "
    "84 t>c replaced by better candidate; 160 c>t replacement promotion" },
  { "S11-zero-active-all-testing-violate", "14 3",
    "1-2 T/act h a1 OUT v=limit; 3-4 T/act h a2 OUT v=network_diversity", "1:2,0,2 2:2,0,2",
    "4 t>c " GRAD },
  { "S12-iterative-account-limit", "1 2",
    "10-11 A/act h a2 IN; 12 A/act h a3 IN; 1-3 T/act h a1 n32 IN", "1:2,0,3 2:2,2,0 3:2,1,0",
    "1 t>a promotion to active; 2 t>a promotion to active" },
  { "S13-emergency-respects-health", "1 4",
    "1 T/act h a1 OUT v=limit; 2 T/act a2 m OUT; 3 T/act h a3 n32 IN", "1:1,0,1 2:1,0,1 3:1,0,1",
    "1 t>c " GRAD "; 3 t>a " EMERG },
  { "S14a-dynamic-pool-7-5", "", "1-7 A/act h m IN; 8-12 T/act h m IN", "", "" },
  { "S14b-dynamic-pool-3-11", "", "1-3 A/act h m IN; 4-14 T/act h m IN", "",
    "14 t>c " XT (11, 9) "; 13 t>c " XT (10, 9) },
  { "S14c-dynamic-pool-4-8", "", "1-4 A/act h m IN; 5-12 T/act h m IN", "", "" },
  { "S14d-dynamic-pool-0-15", "", "1-15 T/act h m IN", "",
    "15 t>c " XT (15, 12) "; 14 t>c " XT (14, 12) "; 13 t>c " XT (13, 12) },
  { "S14e-dynamic-pool-8-7", "", "1-8 A/act h m IN; 9-15 T/act h m IN", "",
    "8 a>t " EXCESS "; 15 t>c " XT (8, 5) "; 14 t>c " XT (7, 5) },
  { "S15-violators-not-excess", "", "1-2 A/act h m IN; 3 T/act OUT v=limit; 4-5 T/act h m IN", "",
    "3 t>c " GRAD },
  /* §12 quirks kept (full paths) */
  { "/selector/quirk/1-duplicate-changes-rule1-then-rule1_5", "",
    "1-8 A/act h IN; 9 A/paus h BLOCK", "",
    "9 a>c blocked by constraints or global status; 9 a>t " EXCESS },
  { "/selector/quirk/2-block-all-guard-kept-without-candidates", "", "1 A/act IN", "", "" },
  { "/selector/quirk/3-rule1_5-reserve-suppresses-excess", "", "1-8 A/act h IN; 9 A/act OUT", "",
    "9 a>t " GRAD },
  { "/selector/quirk/4-rule2-case-d-removes-one-violator", "",
    "1-4 A/act h IN; 5-6 A/act h OUT v=limit", "", "6 a>t " GRAD },
  /* no minimum of globally active monitors in testing, no bootstrap-mode
   * limit, no Rule 8 correction */
  { "/selector/quirk/9-unused-limits-no-effect", "", "1-7 A/act h IN; 10-14 T/tst h IN", "", "" },
  /* §13 documentation versus code (full paths) */
  { "/selector/doc-vs-code/8-no-minimum-globally-active-in-testing", "",
    "1-7 A/act h IN; 10 T/act h IN; 11-14 T/tst h IN", "", "" },
  { "/selector/doc-vs-code/9-bootstrap-with-active-monitors", "",
    "1-3 A/act h IN; 31-37 C/act h IN", "",
    "31 c>t " BOOT "; 32 c>t " BOOT "; 33 c>t " BOOT "; 34 c>t " BOOT "; 35 c>t " BOOT },
  { "/selector/doc-vs-code/10-bootstrap-ignores-budgets", "", "31-37 C/act h IN", "",
    "31 c>t " EBOOT "; 32 c>t " EBOOT "; 33 c>t " EBOOT "; 34 c>t " EBOOT "; 35 c>t " EBOOT },
  { "/selector/doc-vs-code/12-active-needs-32-data-points-31", "",
    "1-6 A/act h IN; 10 T/act h n31 IN; 11-14 T/act h IN", "", "" },
  { "/selector/doc-vs-code/12-active-needs-32-data-points-32", "",
    "1-6 A/act h IN; 10 T/act h n32 IN; 11-14 T/act h IN", "", "10 t>a promotion to active" },
  { "/selector/doc-vs-code/13-rule5-single-pass-row-order", "",
    "1-7 A/act h IN; 10-13 T/act h IN; 20 C/tst h n9 IN; 21 C/act h n9 IN", "",
    "20 c>t candidate to testing" },
  { "/selector/doc-vs-code/17-rule1-can-leave-zero-active", "", "1-3 A/paus h BLOCK; 10 T/act h IN",
    "", "1 a>c " BLOCKED "; 2 a>c " BLOCKED "; 3 a>c " BLOCKED },
};

static void
test_scenario (gconstpointer data)
{
  const Scenario *s = data;

  test_run_rules (s->server, s->monitors, s->table, s->expected);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      const gchar *name = scenarios[i].path;
      g_autofree gchar *path
          = name[0] == '/' ? g_strdup (name) : g_strconcat ("/selector/engine/", name, NULL);

      g_test_add_data_func (path, &scenarios[i], test_scenario);
    }

  return g_test_run ();
}
