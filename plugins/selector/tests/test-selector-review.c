/* test-selector-review.c: the per-server pipeline (evaluation, rules, tracking),
 * account flags, addresses, the bootstrap fix and disabled constraints
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-selector-account-flags.h"
#include "ntpmon-selector-checks.h"
#include "ntpmon-selector-ip.h"
#include "ntpmon-selector-row.h"
#include "selector-test-util.h"

/* messages of the selector seen so far (structured logging bypasses
 * g_test_expect_message) */
static GPtrArray *selector_messages;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const gchar *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  if (g_strcmp0 (domain, "ntpmon-selector") == 0 && message != NULL)
    g_ptr_array_add (selector_messages, g_strdup (message));
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static gboolean
logged (const gchar *pattern)
{
  for (guint i = 0; i < selector_messages->len; i++)
    if (g_pattern_match_simple (pattern, selector_messages->pdata[i]))
      return TRUE;
  return FALSE;
}

static void
test_account_flags (void)
{
  static const struct
  {
    const gchar *json;
    gint64 limit;
    gboolean error;
  } cases[] = {
    { NULL, 2, FALSE },
    { "{\"monitors_per_server_limit\":3}", 3, FALSE },
    { " { \"monitors_per_server_limit\" : 4 } ", 4, FALSE },
    { "{\"monitors_per_server_limit\":\"3\"}", 2, TRUE },
    { "{\"monitors_per_server_limit\":2.5}", 2, TRUE },
    { "{\"monitors_per_server_limit\":3.0}", 2, TRUE },
    { "{\"monitors_per_server_limit\":1e1}", 2, TRUE },
    { "{\"monitors_per_server_limit\":true}", 2, TRUE },
    { "{\"monitors_per_server_limit\":[3]}", 2, TRUE },
    { "{\"monitors_per_server_limit\":0}", 2, FALSE },
    { "{\"monitors_per_server_limit\":-1}", 2, FALSE },
    { "{\"monitors_per_server_limit\":null}", 2, FALSE },
    { "{\"monitors_per_server_limit\":99999999999999999999}", 2, TRUE },
    { "{\"monitors_per_server_limit\":9223372036854775807}", G_MAXINT64, FALSE },
    { "{\"monitor_enabled\":1,\"monitors_per_server_limit\":3}", 2, TRUE },
    { "{\"monitor_enabled\":true,\"monitors_per_server_limit\":4}", 4, FALSE },
    { "{\"monitor_limit\":\"x\",\"monitors_per_server_limit\":3}", 2, TRUE },
    { "{\"monitor_limit\":10,\"monitors_per_server_limit\":3}", 3, FALSE },
    { "{\"Monitors_Per_Server_Limit\":5}", 5, FALSE },
    { "{\"monitors_\\u0070er_server_limit\":7}", 7, FALSE },
    { "{\"x\":{\"y\":[1,2,{\"z\":1e5}]},\"monitors_per_server_limit\":6}", 6, FALSE },
    { "{\"other\":99999999999999999999,\"monitors_per_server_limit\":6}", 6, FALSE },
    { "not json", 2, TRUE },
    { "", 2, TRUE },
    { "[1]", 2, TRUE },
    { "\"x\"", 2, TRUE },
    { "5", 2, TRUE },
    { "null", 2, FALSE },
    { "{'monitors_per_server_limit':3}", 2, TRUE },
    { "/*c*/{\"monitors_per_server_limit\":3}", 2, TRUE },
    { "{\"monitors_per_server_limit\":03}", 2, TRUE },
    { "{\"monitors_per_server_limit\":3} x", 2, TRUE },
    { "{\"monitors_per_server_limit\":3,}", 2, TRUE },
    { "{\"a\":\"\\x\",\"monitors_per_server_limit\":3}", 2, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("case %u: %s", i, cases[i].json);
      g_assert_cmpint (ntpmon_selector_account_flags_limit (cases[i].json, &error), ==,
                       cases[i].limit);
      g_assert_cmpint (error != NULL, ==, cases[i].error);
    }
}

static void
test_ip (void)
{
  NtpmonSelectorIp a, b;

  g_assert_false (ntpmon_selector_ip_parse ("192.168.01.1", &a));
  g_assert_false (ntpmon_selector_ip_parse ("192.168.1", &a));
  g_assert_false (ntpmon_selector_ip_parse ("1.2.3.4%eth0", &a));
  g_assert_false (ntpmon_selector_ip_parse ("fe80::1%", &a));
  g_assert_false (ntpmon_selector_ip_parse ("", &a));
  g_assert_true (ntpmon_selector_ip_parse ("fe80::1%eth0", &a));
  g_assert_true (a.zoned);
  g_assert_true (ntpmon_selector_ip_parse ("::ffff:192.168.1.1", &a));
  g_assert_cmpuint (a.family, ==, 6);
  /* an IPv4-mapped address is IPv6: no same-subnet violation with IPv4 */
  g_assert_false (ntpmon_selector_check_same_subnet ("::ffff:192.168.1.1", "192.168.1.20"));

  /* /20 and /44 boundaries */
  g_assert_true (ntpmon_selector_ip_parse ("10.0.0.1", &a));
  g_assert_true (ntpmon_selector_ip_parse ("10.0.15.255", &b));
  g_assert_true (ntpmon_selector_ip_prefix_contains (&a, 20, &b));
  g_assert_true (ntpmon_selector_ip_parse ("10.0.16.0", &b));
  g_assert_false (ntpmon_selector_ip_prefix_contains (&a, 20, &b));
  g_assert_true (ntpmon_selector_ip_parse ("2001:db8:1230::1", &a));
  g_assert_true (ntpmon_selector_ip_parse ("2001:db8:123f:ffff::1", &b));
  g_assert_true (ntpmon_selector_ip_prefix_contains (&a, 44, &b));
  g_assert_true (ntpmon_selector_ip_parse ("2001:db8:1240::1", &b));
  g_assert_false (ntpmon_selector_ip_prefix_contains (&a, 44, &b));
  g_assert_false (ntpmon_selector_ip_prefix_contains (&a, 24, &(NtpmonSelectorIp){ .family = 4 }));

  /* an unparseable address in the assigned rows is skipped by the diversity
   * check, an unparseable monitor address is a violation */
  {
    g_autoptr (GPtrArray) rows = test_monitors ("2 A/act ip=bogus; 3 A/act ip=10.9.0.1");

    g_assert_false (
        ntpmon_selector_check_diversity (1, "10.0.0.1", rows, NTPMON_SELECTOR_STATUS_ACTIVE));
    g_assert_true (
        ntpmon_selector_check_diversity (1, "bogus", rows, NTPMON_SELECTOR_STATUS_ACTIVE));
  }
}

/* E-series defaults of §14.1: monitor i at 10.i.0.1, its own account, healthy,
 * count 40, global active */
static void
add_row (GPtrArray *rows, gint i, NtpmonSelectorStatus status, gint64 priority)
{
  NtpmonSelectorMonitor *m = ntpmon_selector_monitor_new (i);

  m->ip = g_strdup_printf ("10.%d.0.1", i);
  m->has_account = TRUE;
  m->account_id = 100 + i;
  m->global_status = NTPMON_SELECTOR_GLOBAL_ACTIVE;
  m->status = status;
  m->has_metrics = TRUE;
  m->healthy = TRUE;
  m->priority = priority;
  m->count = 40;
  g_ptr_array_add (rows, m);
}

/* monitors 1..@n_active active with the E defaults */
static GPtrArray *
e_rows (gint n_active)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_monitor_free);

  for (gint i = 1; i <= n_active; i++)
    add_row (rows, i, NTPMON_SELECTOR_STATUS_ACTIVE, 10 * i);
  return rows;
}

static NtpmonSelectorMonitor *
set_ip (GPtrArray *rows, guint index, const gchar *ip)
{
  NtpmonSelectorMonitor *m = rows->pdata[index];

  g_free (m->ip);
  m->ip = g_strdup (ip);
  return m;
}

static NtpmonSelectorReview *
review (NtpmonSelectorFlags flags, const gchar *disabled, GPtrArray *rows, GDateTime *now)
{
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (flags, disabled);
  g_autoptr (NtpmonSelectorContext) ctx
      = ntpmon_selector_context_new (1, "192.0.2.1", TRUE, 1, rows);
  g_autoptr (GError) error = NULL;
  NtpmonSelectorReview *r = ntpmon_selector_engine_review (engine, ctx, now, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static gchar *
format_updates (GPtrArray *updates)
{
  GString *s = g_string_new ("");

  for (guint i = 0; i < updates->len; i++)
    {
      const NtpmonSelectorViolationUpdate *u = updates->pdata[i];
      g_autofree gchar *since = u->since != NULL ? g_date_time_format_iso8601 (u->since) : NULL;

      g_string_append_printf (s, "%s%" G_GINT64_FORMAT " %s %s%s", i ? "; " : "", u->monitor_id,
                              u->type != NULL ? u->type : "clear", since != NULL ? since : "-",
                              u->pause ? " pause" : "");
    }
  return g_string_free (s, FALSE);
}

/* 7 active monitors, one of them in the server's /24 and one with an
 * unparseable address: both get an unchangeable violation and are paused in
 * the same run; the rules demote one of them gradually first. */
static void
test_review_pause (void)
{
  g_autoptr (GPtrArray) rows = e_rows (7);
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 5, 1, 12, 0, 0);
  g_autoptr (NtpmonSelectorReview) r = NULL;
  g_autofree gchar *updates = NULL;

  set_ip (rows, 5, "192.0.2.77");
  set_ip (rows, 6, "not-an-ip");

  r = review (NTPMON_SELECTOR_FLAG_NONE, NULL, rows, now);
  test_assert_changes (r->changes, "7 a>t gradual removal (health or constraints); "
                                   "6 a>t gradual removal (health or constraints)");
  updates = format_updates (r->updates);
  g_assert_cmpstr (updates, ==,
                   "6 network_same_subnet 2026-05-01T12:00:00Z pause; "
                   "7 network_same_subnet 2026-05-01T12:00:00Z pause");
  g_assert_cmpuint (r->checked->len, ==, 0);
  /* evaluation counts a non-limit violation twice (§11) */
  g_assert_cmpuint (r->events->len, ==, 2);
  g_assert_cmpuint (g_array_index (r->events, NtpmonSelectorViolationEvent, 0).count, ==, 2);
}

/* stored violations: same type with a since is kept (no write), a new one is
 * written with the review's clock, a type that
 * went away is cleared, a paused monitor that is due gets unpaused and its
 * check time renewed; a NULL status row counts as candidate */
static void
test_review_tracking (void)
{
  g_autoptr (GPtrArray) rows = e_rows (7);
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 5, 1, 12, 0, 0);
  g_autoptr (NtpmonSelectorReview) r = NULL;
  g_autofree gchar *updates = NULL;
  NtpmonSelectorMonitor *m;

  /* 8, 9 share a /20 and are both testing: both get network_diversity */
  add_row (rows, 8, NTPMON_SELECTOR_STATUS_TESTING, 80);
  add_row (rows, 9, NTPMON_SELECTOR_STATUS_TESTING, 90);
  m = set_ip (rows, 8, "10.8.0.2");
  m->stored_violation_type = g_strdup ("network_diversity");
  m->stored_violation_since = g_date_time_add_hours (now, -30);
  /* 1 had a violation that is gone */
  m = rows->pdata[0];
  m->stored_violation_type = g_strdup ("limit");
  /* 10 is paused for a subnet that no longer applies, checked 9 h ago */
  add_row (rows, 10, NTPMON_SELECTOR_STATUS_PAUSED, 100);
  m = rows->pdata[9];
  m->stored_violation_type = g_strdup ("network_same_subnet");
  m->last_constraint_check = g_date_time_add_hours (now, -9);
  /* 11 has no server_scores row */
  add_row (rows, 11, NTPMON_SELECTOR_STATUS_NONE, 110);

  r = review (NTPMON_SELECTOR_FLAG_NONE, NULL, rows, now);
  /* both diversity violators leave (Rule 2 case (c)), which makes room for
   * the row-less candidate; then Rule 7 unpauses 10 */
  test_assert_changes (r->changes, "9 t>c gradual removal (health or constraints); "
                                   "8 t>c gradual removal (health or constraints); "
                                   "11 c>t candidate to testing; "
                                   "10 p>c constraint resolution: unpausing resolved constraint");
  updates = format_updates (r->updates);
  g_assert_cmpstr (updates, ==, "1 clear -; 8 network_diversity 2026-05-01T12:00:00Z; 10 clear -");
  g_assert_cmpuint (r->checked->len, ==, 1);
  g_assert_cmpint (g_array_index (r->checked, gint64, 0), ==, 10);
  g_assert_cmpuint (r->evaluated->len, ==, 11);
  m = rows->pdata[10];
  g_assert_cmpint (ntpmon_selector_monitor_get_status (m), ==, NTPMON_SELECTOR_STATUS_CANDIDATE);
  g_assert_cmpint (m->disposition, ==, NTPMON_SELECTOR_DISPOSITION_IN);
}

static void
test_review_null_priority (void)
{
  g_autoptr (GPtrArray) rows
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_monitor_free);
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  g_autoptr (NtpmonSelectorContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonSelectorReview) r = NULL;

  add_row (rows, 1, NTPMON_SELECTOR_STATUS_ACTIVE, 0);
  ((NtpmonSelectorMonitor *)rows->pdata[0])->priority_is_null = TRUE;
  ctx = ntpmon_selector_context_new (1, "192.0.2.1", TRUE, 1, rows);
  r = ntpmon_selector_engine_review (engine, ctx, NULL, &error);
  g_assert_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW);
  g_assert_null (r);
}

/* §12 item 2: a new server with three healthy candidates */
static GPtrArray *
new_server_rows (gboolean with_unhealthy)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_monitor_free);

  for (gint i = 1; i <= 3; i++)
    add_row (rows, i, NTPMON_SELECTOR_STATUS_CANDIDATE, 10 * i);
  if (with_unhealthy)
    {
      add_row (rows, 4, NTPMON_SELECTOR_STATUS_CANDIDATE, 40);
      ((NtpmonSelectorMonitor *)rows->pdata[3])->healthy = FALSE;
    }
  return rows;
}

#define ET "emergency promotion to testing: zero active monitors"
#define BT "bootstrap emergency promotion to testing: zero active monitors"

static void
test_bootstrap_fixed (void)
{
  g_autoptr (GPtrArray) rows = new_server_rows (FALSE);
  g_autoptr (NtpmonSelectorReview) r = review (NTPMON_SELECTOR_FLAG_NONE, NULL, rows, NULL);

  test_assert_changes (r->changes,
                       "1 c>t " ET "; 2 c>t " ET "; 1 c>t " BT "; 2 c>t " BT "; 3 c>t " BT);
}

static void
test_bootstrap_reference (void)
{
  g_autoptr (GPtrArray) rows = new_server_rows (FALSE);
  g_autoptr (GPtrArray) unlocked = new_server_rows (TRUE);
  g_autoptr (NtpmonSelectorReview) r
      = review (NTPMON_SELECTOR_FLAG_REFERENCE_BLOCK_ALL, NULL, rows, NULL);
  g_autoptr (NtpmonSelectorReview) u
      = review (NTPMON_SELECTOR_FLAG_REFERENCE_BLOCK_ALL, NULL, unlocked, NULL);

  /* the reference never bootstraps it ... */
  test_assert_changes (r->changes, "");
  /* ... unless one unhealthy candidate is there */
  test_assert_changes (u->changes, "1 c>t " ET "; 2 c>t " ET "; 1 c>t " BT "; 2 c>t " BT
                                   "; 3 c>t " BT "; 4 c>t " BT);
}

/* Disabling `subnet` lets a monitor in the server's /24 stay and be
 * promoted; disabling `diversity` lets a candidate join next to an active
 * monitor of the same /20. */
static void
test_disabled_subnet (void)
{
  g_autoptr (GPtrArray) on = e_rows (7);
  g_autoptr (GPtrArray) off = e_rows (7);
  g_autoptr (NtpmonSelectorReview) r_on = NULL;
  g_autoptr (NtpmonSelectorReview) r_off = NULL;
  GPtrArray *lists[] = { on, off };

  for (guint l = 0; l < 2; l++)
    {
      for (gint i = 8; i <= 11; i++)
        add_row (lists[l], i, NTPMON_SELECTOR_STATUS_TESTING, 10 * i);
      add_row (lists[l], 12, NTPMON_SELECTOR_STATUS_CANDIDATE, 5);
      set_ip (lists[l], 11, "192.0.2.50");
    }

  g_ptr_array_set_size (selector_messages, 0);
  r_off = review (NTPMON_SELECTOR_FLAG_NONE, "subnet", off, NULL);
  g_assert_true (logged ("*'subnet' is DISABLED*"));
  g_assert_false (logged ("*'diversity' is DISABLED*"));
  r_on = review (NTPMON_SELECTOR_FLAG_NONE, NULL, on, NULL);

  test_assert_changes (r_on->changes, "");
  g_assert_cmpuint (r_on->updates->len, ==, 1);
  g_assert_true (((NtpmonSelectorViolationUpdate *)r_on->updates->pdata[0])->pause);
  /* promoted by capacity, then again as a replacement (§12 item 1) */
  test_assert_changes (r_off->changes, "12 c>t candidate to testing; "
                                       "11 t>c replaced by better candidate; "
                                       "12 c>t replacement promotion");
  g_assert_cmpuint (r_off->updates->len, ==, 0);
}

static void
test_disabled_diversity (void)
{
  const gchar *monitors = "1 A/act h IN ip=10.0.0.1; 2 A/act h IN ip=10.1.0.1; "
                          "3 A/act h IN ip=10.2.0.1; 4 A/act h IN ip=10.3.0.1; "
                          "5 A/act h IN ip=10.4.0.1; 6 A/act h IN ip=10.5.0.1; "
                          "7 A/act h IN ip=10.6.0.1; 20 C/act h n9 IN ip=10.0.0.2";
  const gchar *engines[] = { NULL, "diversity" };
  /* without diversity: Rule 5, then Rule 6 again (no testing monitor, §12 item 1) */
  const gchar *expected[]
      = { "", "20 c>t candidate to testing; 20 c>t bootstrap: promoting healthy candidate" };

  for (guint i = 0; i < G_N_ELEMENTS (engines); i++)
    {
      g_autoptr (NtpmonSelectorEngine) engine = NULL;
      g_autoptr (GPtrArray) rows = test_monitors (monitors);
      g_autoptr (GPtrArray) evaluated = test_monitors (monitors);
      g_autoptr (NtpmonSelectorContext) ctx = test_context ("1 - 192.0.2.1", rows);
      g_autoptr (GPtrArray) changes = NULL;

      g_ptr_array_set_size (selector_messages, 0);
      engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, engines[i]);
      g_assert_cmpint (logged ("*'diversity' is DISABLED*"), ==, engines[i] != NULL);
      changes = test_apply (engine, ctx, evaluated, "");
      test_assert_changes (changes, expected[i]);
    }
}

/* rows as the DB layer hands them over (text, NULL for SQL NULL) */
static void
test_rows (void)
{
  const gchar *good[NTPMON_SELECTOR_N_COLUMNS] = {
    "42",
    "tok",
    "mon.example",
    "7",
    "10.1.2.3",
    "12.34560000",
    "15",
    "0.75",
    "1",
    "active",
    "testing",
    "40",
    "{\"monitors_per_server_limit\":3}",
    "limit",
    "2026-04-30 10:00:00",
    "2026-04-30 11:00:00.123456",
    "constraint",
  };
  const gchar *bare[NTPMON_SELECTOR_N_COLUMNS] = {
    "43",    NULL, NULL, NULL, NULL, NULL, NULL, "-0.5", "0",
    "bogus", NULL, "3",  NULL, NULL, NULL, NULL, NULL,
  };
  const gchar *negative[NTPMON_SELECTOR_N_COLUMNS] = {
    "44", NULL, NULL, NULL, NULL, "1.0", "-3", "1", "1", "testing", "candidate", "9",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonSelectorMonitor) m = NULL;
  g_autoptr (NtpmonSelectorMonitor) b = NULL;
  g_autoptr (NtpmonSelectorMonitor) n = NULL;
  g_autoptr (GDateTime) since = g_date_time_new_utc (2026, 4, 30, 10, 0, 0);
  const gchar *bad[NTPMON_SELECTOR_N_COLUMNS];

  m = ntpmon_selector_monitor_new_from_row (good, G_N_ELEMENTS (good), &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->id, ==, 42);
  g_assert_true (m->has_account);
  g_assert_cmpint (m->account_id, ==, 7);
  g_assert_cmpstr (m->ip, ==, "10.1.2.3");
  g_assert_cmpint (m->priority, ==, 15);
  g_assert_true (m->healthy);
  g_assert_true (m->has_metrics);
  g_assert_cmpint (m->global_status, ==, NTPMON_SELECTOR_GLOBAL_ACTIVE);
  g_assert_cmpint (m->status, ==, NTPMON_SELECTOR_STATUS_TESTING);
  g_assert_cmpint (m->count, ==, 40);
  g_assert_cmpstr (m->stored_violation_type, ==, "limit");
  g_assert_true (g_date_time_equal (m->stored_violation_since, since));
  g_assert_cmpint (g_date_time_get_microsecond (m->last_constraint_check), ==, 123456);

  b = ntpmon_selector_monitor_new_from_row (bare, G_N_ELEMENTS (bare), &error);
  g_assert_no_error (error);
  g_assert_true (b->priority_is_null);
  g_assert_false (b->has_account);
  g_assert_false (b->healthy);
  g_assert_cmpint (b->global_status, ==, NTPMON_SELECTOR_GLOBAL_UNKNOWN);
  g_assert_cmpint (ntpmon_selector_monitor_get_status (b), ==, NTPMON_SELECTOR_STATUS_CANDIDATE);
  g_assert_cmpint (ntpmon_selector_disposition (b), ==, NTPMON_SELECTOR_DISPOSITION_BLOCK);

  /* a negative priority forces unhealthy */
  n = ntpmon_selector_monitor_new_from_row (negative, G_N_ELEMENTS (negative), &error);
  g_assert_no_error (error);
  g_assert_cmpint (n->priority, ==, -3);
  g_assert_false (n->healthy);

  for (guint col = 0; col < 5; col++)
    {
      static const guint columns[]
          = { NTPMON_SELECTOR_COL_ID, NTPMON_SELECTOR_COL_ACCOUNT_ID, NTPMON_SELECTOR_COL_PRIORITY,
              NTPMON_SELECTOR_COL_COUNT, NTPMON_SELECTOR_COL_LAST_CHECK };
      g_autoptr (NtpmonSelectorMonitor) x = NULL;

      memcpy (bad, good, sizeof bad);
      bad[columns[col]] = "x1";
      x = ntpmon_selector_monitor_new_from_row (bad, G_N_ELEMENTS (bad), &error);
      g_assert_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW);
      g_assert_null (x);
      g_clear_error (&error);
    }
  g_assert_null (ntpmon_selector_monitor_new_from_row (good, 3, &error));
  g_assert_error (error, NTPMON_SELECTOR_ERROR, NTPMON_SELECTOR_ERROR_BAD_ROW);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  selector_messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/selector/flags/account-flags", test_account_flags);
  g_test_add_func ("/selector/ip/parse-and-prefixes", test_ip);
  g_test_add_func ("/selector/rows/from-text", test_rows);
  g_test_add_func ("/selector/review/pause-unchangeable", test_review_pause);
  g_test_add_func ("/selector/review/tracking", test_review_tracking);
  g_test_add_func ("/selector/review/null-priority", test_review_null_priority);
  g_test_add_func ("/selector/review/bootstrap-fixed", test_bootstrap_fixed);
  g_test_add_func ("/selector/review/bootstrap-reference-quirk", test_bootstrap_reference);
  g_test_add_func ("/selector/disabled/subnet", test_disabled_subnet);
  g_test_add_func ("/selector/disabled/diversity", test_disabled_diversity);

  return g_test_run ();
}
