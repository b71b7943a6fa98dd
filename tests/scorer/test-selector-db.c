/* test-selector-db.c: the selector's review of one server against MariaDB
 * (spec/selector.md §4, §6, §10; E-scenarios of §12/§14, bad data)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-reviewer.h"
#include "scorer-db-test.h"
#include "selector-test-util.h"

typedef struct
{
  TestDb db;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  test_db_open (&f->db);
  /* E-series server: 192.0.2.1, account 1 */
  test_db_add_server (&f->db, 1, "192.0.2.1", 1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  test_db_close (&f->db);
}

static gchar *
format_changes (GPtrArray *changes)
{
  GString *out = g_string_new ("");

  for (guint i = 0; i < changes->len; i++)
    {
      const NtpmonReviewChange *c = changes->pdata[i];

      g_string_append_printf (out, "%s%" G_GINT64_FORMAT " %c>%c %s", i > 0 ? "; " : "",
                              c->monitor_id, c->from[0], c->to[0], c->reason);
    }
  return g_string_free (out, FALSE);
}

/* Reviews server 1 with writes; @disabled: a constraint to leave out */
static NtpmonReviewResult *
review (Fixture *f, const gchar *disabled, const gchar *expected)
{
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, disabled);
  g_autoptr (GError) error = NULL;
  NtpmonReviewResult *result = ntpmon_selector_review_server (engine, f->db.conn, 1, TRUE, &error);
  g_autofree gchar *got = NULL;

  g_assert_no_error (error);
  got = format_changes (result->changes);
  g_assert_cmpstr (got, ==, expected);
  return result;
}

static gchar *
status_of (Fixture *f, gint64 monitor)
{
  return test_db_text (&f->db,
                       "SELECT CONCAT_WS('/', status, COALESCE(constraint_violation_type, '-'), "
                       "COALESCE(pause_reason, '-')) FROM server_scores WHERE server_id = 1 AND "
                       "monitor_id = %" G_GINT64_FORMAT,
                       monitor);
}

static void
assert_status (Fixture *f, gint64 monitor, const gchar *expected)
{
  g_autofree gchar *got = status_of (f, monitor);

  g_assert_cmpstr (got, ==, expected);
}

/* Active monitors @first…7 with priority 10·id (E-series defaults). */
static void
add_actives (Fixture *f, gint64 first)
{
  for (gint64 m = first; m <= 7; m++)
    test_db_add_selector_monitor (&f->db, 1, m, "active", 10 * m, NULL);
}

/* A violation of @type stored @days ago for @monitor, never checked. */
static void
store_violation (Fixture *f, gint64 monitor, const gchar *type, gint days)
{
  test_db_exec (&f->db,
                "UPDATE server_scores SET constraint_violation_type = '%s', "
                "constraint_violation_since = NOW() - INTERVAL %d DAY, last_constraint_check = "
                "NULL WHERE monitor_id = %" G_GINT64_FORMAT,
                type, days, monitor);
}

/* §12 item 2 (E2), fixed: a new server with three healthy candidates is
 * bootstrapped; Rule 5 then Rule 6 name the same monitors (quirk 1, E1). */
static void
test_e2_bootstrap (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, NULL);
  test_db_add_selector_monitor (&f->db, 1, 32, "candidate", 60, NULL);
  test_db_add_selector_monitor (&f->db, 1, 33, "candidate", 70, NULL);
  result = review (f, NULL,
                   "31 c>t emergency promotion to testing: zero active monitors; "
                   "32 c>t emergency promotion to testing: zero active monitors; "
                   "31 c>t bootstrap emergency promotion to testing: zero active monitors; "
                   "32 c>t bootstrap emergency promotion to testing: zero active monitors; "
                   "33 c>t bootstrap emergency promotion to testing: zero active monitors");
  g_assert_true (result->changed);
  g_assert_cmpuint (result->n_applied, ==, 5);
  for (gint64 m = 31; m <= 33; m++)
    assert_status (f, m, "testing/-/-");
}

/* §12 item 7 (E6): a monitor in the server's /24 is paused in the same
 * run, whatever the rules did. */
static void
test_e6_same_subnet_paused (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_add_selector_monitor (&f->db, 1, 8, "testing", 80, "192.0.2.77");
  result = review (f, NULL, "8 t>c gradual removal (health or constraints)");
  assert_status (f, 8, "paused/network_same_subnet/constraint");
  assert_status (f, 1, "active/-/-");
  g_assert_cmpint (test_db_int (&f->db,
                                "SELECT last_constraint_check > NOW() - INTERVAL 1 MINUTE FROM "
                                "server_scores WHERE monitor_id = 8"),
                   ==, 1);
}

/* §12 item 5 (E7): diversity flags both monitors of a /20 pair. */
static void
test_e7_diversity_both (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  test_db_add_selector_monitor (&f->db, 1, 1, "active", 10, "10.1.0.1");
  test_db_add_selector_monitor (&f->db, 1, 2, "active", 20, "10.1.0.2");
  add_actives (f, 3);
  result = review (f, NULL,
                   "2 a>t gradual removal (health or constraints); "
                   "1 a>t gradual removal (health or constraints)");
  assert_status (f, 1, "testing/network_diversity/-");
  assert_status (f, 2, "testing/network_diversity/-");
  assert_status (f, 3, "active/-/-");
}

/* §12 item 8 (E8): clearing a stored violation resets the check time. */
static void
test_e8_clear_violation (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_add_selector_monitor (&f->db, 1, 41, "candidate", 5, NULL);
  store_violation (f, 41, "limit", 2);
  result = review (f, NULL,
                   "41 c>t candidate to testing; 41 c>t bootstrap: promoting healthy candidate");
  assert_status (f, 41, "testing/-/-");
  g_assert_cmpint (test_db_int (&f->db, "SELECT constraint_violation_since IS NULL AND "
                                        "last_constraint_check > NOW() - INTERVAL 1 MINUTE FROM "
                                        "server_scores WHERE monitor_id = 41"),
                   ==, 1);
}

/* §12 item 6 (E5): candidate → testing needs no health. Monitors 20–23
 * test (priority 100 + 10·k), candidate 31 is unhealthy (steps of -1). */
static void
test_e5_unhealthy_candidate (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  for (gint64 k = 0; k < 4; k++)
    test_db_add_selector_monitor (&f->db, 1, 20 + k, "testing", 100 + 10 * k, NULL);
  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, NULL);
  test_db_exec (&f->db, "UPDATE log_scores SET step = -1 WHERE monitor_id = 31");
  result = review (f, NULL, "31 c>t candidate to testing");
  assert_status (f, 31, "testing/-/-");
}

/* §12 item 1 (E11): Rule 1 blocks a globally paused active monitor and
 * Rule 1.5 demotes it again; the last write wins. */
static void
test_e11_block_then_excess (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  for (gint64 m = 1; m <= 9; m++)
    test_db_add_selector_monitor (&f->db, 1, m, "active", 10 * m, NULL);
  test_db_exec (&f->db, "UPDATE monitors SET status = 'paused' WHERE id = 9");
  result = review (f, NULL,
                   "9 a>c blocked by constraints or global status; "
                   "9 a>t excess active demotion");
  assert_status (f, 9, "testing/-/-");
}

/* §12 item 6 (E21): bootstrap needs no data points (5 results each). */
static void
test_e21_bootstrap_few_results (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  for (gint64 m = 31; m <= 33; m++)
    test_db_add_selector_monitor (&f->db, 1, m, "candidate", 10 * m, NULL);
  test_db_exec (&f->db, "DELETE FROM log_scores WHERE id %% 40 > 5");
  g_assert_cmpint (test_db_int (&f->db, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM log_scores "
                                        "GROUP BY monitor_id) c"),
                   <, 9);
  result = review (f, NULL,
                   "31 c>t bootstrap emergency promotion to testing: zero active monitors; "
                   "32 c>t bootstrap emergency promotion to testing: zero active monitors; "
                   "33 c>t bootstrap emergency promotion to testing: zero active monitors");
}

/* A monitor whose results all lack an RTT has no priority: the review of
 * the server fails (§4.2) and nothing is written. */
static void
test_bad_null_rtt (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonReviewResult) result = NULL;
  g_autofree gchar *before = NULL;
  g_autofree gchar *after = NULL;

  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, NULL);
  test_db_add_selector_monitor (&f->db, 1, 32, "candidate", -1, NULL);
  before = test_db_checksum (&f->db);
  result = ntpmon_selector_review_server (engine, f->db.conn, 1, TRUE, &error);
  g_assert_null (result);
  g_assert_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW);
  after = test_db_checksum (&f->db);
  g_assert_cmpstr (before, ==, after);
}

/* An unparseable monitor address counts as the same subnet: paused. */
static void
test_bad_monitor_ip (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, "not-an-ip");
  result = review (f, NULL, "");
  assert_status (f, 31, "paused/network_same_subnet/constraint");
}

/* accounts.flags with a wrongly typed limit: X stays 2, the third active
 * monitor of the account is over it. */
static void
test_bad_account_flags (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_exec (&f->db, "INSERT INTO accounts (id, flags, created_on) VALUES (500, "
                        "'{\"monitors_per_server_limit\":\"5\"}', NOW())");
  test_db_exec (&f->db, "UPDATE monitors SET account_id = 500 WHERE id IN (1, 2, 3)");
  result = review (f, NULL, "3 a>t gradual removal (health or constraints)");
  assert_status (f, 3, "testing/limit/-");
  assert_status (f, 2, "active/-/-");
  test_db_exec (&f->db, "UPDATE accounts SET flags = '[1,2]' WHERE id = 500");
  g_clear_pointer (&result, ntpmon_review_result_free);
  /* not an object: X is 2 again; 3 (testing now) is within the caps and
   * cannot become active (a = 2 = X) */
  result = review (f, NULL, "");
  assert_status (f, 3, "testing/-/-");
}

/* A constraint left out of the engine takes no part: no pause. */
static void
test_disabled_subnet (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_add_selector_monitor (&f->db, 1, 8, "testing", 80, "192.0.2.77");
  result = review (f, "subnet", "");
  assert_status (f, 8, "testing/-/-");
}

/* §12 item 10: a monitor without a server_scores row counts as a
 * candidate; its updates match no row and still count as applied. */
static void
test_quirk10_missing_row (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, NULL);
  test_db_add_selector_monitor (&f->db, 1, 32, "candidate", 60, NULL);
  test_db_add_selector_monitor (&f->db, 1, 33, "candidate", 70, NULL);
  test_db_exec (&f->db, "DELETE FROM server_scores WHERE monitor_id = 33");
  result = review (f, NULL,
                   "31 c>t emergency promotion to testing: zero active monitors; "
                   "32 c>t emergency promotion to testing: zero active monitors; "
                   "31 c>t bootstrap emergency promotion to testing: zero active monitors; "
                   "32 c>t bootstrap emergency promotion to testing: zero active monitors; "
                   "33 c>t bootstrap emergency promotion to testing: zero active monitors");
  g_assert_cmpuint (result->n_applied, ==, 5);
  g_assert_cmpuint (result->n_failed, ==, 0);
  g_assert_true (result->changed);
  g_assert_cmpint (test_db_int (&f->db, "SELECT COUNT(*) FROM server_scores WHERE monitor_id = 33"),
                   ==, 0);
}

/* §13: no grandfathering: a violation stored a month ago is not
 * tolerated; the same-account monitor is paused, keeping its old since. */
static void
test_doc3_no_grandfathering (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_exec (&f->db, "UPDATE monitors SET account_id = 1 WHERE id = 3");
  store_violation (f, 3, "account", 30);
  result = review (f, NULL, "3 a>t gradual removal (health or constraints)");
  assert_status (f, 3, "paused/account/constraint");
  g_assert_cmpint (test_db_int (&f->db, "SELECT constraint_violation_since < NOW() - INTERVAL 29 "
                                        "DAY FROM server_scores WHERE monitor_id = 3"),
                   ==, 1);
}

/* §13: Rule 7 (unpause) runs before Rule 6 (bootstrap), so its change
 * comes first in the list. */
static void
test_doc7_rule7_before_rule6 (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_add_selector_monitor (&f->db, 1, 31, "candidate", 50, NULL);
  test_db_add_selector_monitor (&f->db, 1, 41, "paused", 5, NULL);
  test_db_exec (&f->db, "UPDATE server_scores SET pause_reason = 'constraint', "
                        "last_constraint_check = NOW() - INTERVAL 9 HOUR WHERE monitor_id = 41");
  /* Rule 5, then Rule 7, then Rule 6 (which names 31 again, §12 item 1) */
  result = review (f, NULL,
                   "31 c>t candidate to testing; "
                   "41 p>c constraint resolution: unpausing resolved constraint; "
                   "31 c>t bootstrap: promoting healthy candidate");
  /* the status change writes the status only (§10.1): the reason stays */
  assert_status (f, 41, "candidate/-/constraint");
}

/* §13: a server_scores row without log_scores in the last 24 h is
 * invisible: not evaluated, never changed. */
static void
test_doc16_invisible_without_results (Fixture *f, gconstpointer data)
{
  g_autoptr (NtpmonReviewResult) result = NULL;

  add_actives (f, 1);
  test_db_add_selector_monitor (&f->db, 1, 50, "testing", 20, NULL);
  test_db_exec (&f->db,
                "UPDATE log_scores SET ts = NOW() - INTERVAL 25 HOUR WHERE monitor_id = 50");
  test_db_add_monitor (&f->db, 51, "monitor", "active", "10.51.0.1", 151);
  test_db_add_server_score (&f->db, 51, 1, "testing");
  result = review (f, NULL, "");
  g_assert_cmpuint (result->n_monitors, ==, 7);
  assert_status (f, 50, "testing/-/-");
  assert_status (f, 51, "testing/-/-");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_db_server ();
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/selector/db/E2-bootstrap-fixed", test_e2_bootstrap);
  ADD ("/selector/db/E6-same-subnet-paused", test_e6_same_subnet_paused);
  ADD ("/selector/db/E5-candidate-to-testing-without-health", test_e5_unhealthy_candidate);
  ADD ("/selector/db/E7-diversity-flags-both", test_e7_diversity_both);
  ADD ("/selector/db/E8-clearing-resets-check", test_e8_clear_violation);
  ADD ("/selector/db/E11-block-then-excess", test_e11_block_then_excess);
  ADD ("/selector/db/E21-bootstrap-without-data-points", test_e21_bootstrap_few_results);
  ADD ("/selector/db/bad-data/null-rtt", test_bad_null_rtt);
  ADD ("/selector/db/bad-data/monitor-ip", test_bad_monitor_ip);
  ADD ("/selector/db/bad-data/account-flags", test_bad_account_flags);
  ADD ("/selector/db/disabled-subnet", test_disabled_subnet);
  /* §12 quirks and §13 rows, by number */
  ADD ("/selector/quirk/2-block-all-guard-fixed-E2", test_e2_bootstrap);
  ADD ("/selector/quirk/5-diversity-flags-both-E7", test_e7_diversity_both);
  ADD ("/selector/quirk/6-candidate-to-testing-without-health-E5", test_e5_unhealthy_candidate);
  ADD ("/selector/quirk/6-bootstrap-without-data-points-E21", test_e21_bootstrap_few_results);
  ADD ("/selector/quirk/7-unchangeable-paused-in-same-run-E6", test_e6_same_subnet_paused);
  ADD ("/selector/quirk/7-unparseable-ip-counts-as-same-subnet", test_bad_monitor_ip);
  ADD ("/selector/quirk/8-clearing-resets-check-time-E8", test_e8_clear_violation);
  ADD ("/selector/quirk/10-missing-server-scores-row", test_quirk10_missing_row);
  ADD ("/selector/doc-vs-code/2-stored-type-network_same_subnet", test_e6_same_subnet_paused);
  ADD ("/selector/doc-vs-code/2-stored-type-network_diversity", test_e7_diversity_both);
  ADD ("/selector/doc-vs-code/3-no-grandfathering", test_doc3_no_grandfathering);
  ADD ("/selector/doc-vs-code/7-rule7-before-rule6", test_doc7_rule7_before_rule6);
  ADD ("/selector/doc-vs-code/16-invisible-without-results", test_doc16_invisible_without_results);
  return g_test_run ();
}
