/* test-selector-units.c: helper and predicate scenarios U1–U15 of selector.md §14.2
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-selector-account-flags.h"
#include "ntpmon-selector-checks.h"
#include "selector-test-util.h"

/* U1 */
static void
test_u1 (void)
{
  static const struct
  {
    const gchar *a, *b;
    gboolean result;
  } cases[] = {
    { "C/act h p100", "C/act p50", TRUE },    { "C/act p50", "C/act h p100", FALSE },
    { "C/act h p50", "C/act h p100", TRUE },  { "C/act h p96", "C/act h p100", FALSE },
    { "C/act h p95", "C/act h p99", FALSE },  { "C/act h p50", "C/act h p50", FALSE },
    { "C/act h p100", "C/act h p50", FALSE }, { "C/act h p30", "C/act h p0", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonSelectorMonitor) a = test_monitor (1, cases[i].a);
      g_autoptr (NtpmonSelectorMonitor) b = test_monitor (2, cases[i].b);

      g_test_message ("case %u: %s vs %s", i, cases[i].a, cases[i].b);
      g_assert_cmpint (ntpmon_selector_outperforms (a, b), ==, cases[i].result);
    }
}

/* U2, directly and through the `subnet` constraint */
static void
test_u2 (void)
{
  static const struct
  {
    const gchar *monitor, *server;
    gboolean violation;
  } cases[] = {
    { "192.168.1.10", "192.168.1.20", TRUE },
    { "192.168.1.10", "192.168.2.20", FALSE },
    { "2001:db8:1234::1", "2001:db8:1234::2", TRUE },
    { "2001:db8:1234::1", "2001:db8:5678::2", FALSE },
    { "192.168.1.10", "2001:db8:1234::1", FALSE },
    { "", "192.168.1.20", FALSE },
    { "192.168.1.10", "", FALSE },
    { "not-an-ip", "192.168.1.20", TRUE },
    { "192.168.1.10", "not-an-ip", TRUE },
    { "192.168.1.10", "192.168.1.10", TRUE },
  };
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  NtpmonConstraint *subnet = ntpmon_selector_engine_get_constraint (engine, "subnet");

  g_assert_nonnull (subnet);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonSelectorMonitor) m = test_monitor (1, "C/act");
      g_autoptr (NtpmonSelectorContext) ctx
          = ntpmon_selector_context_new (1, cases[i].server, FALSE, 0, NULL);

      m->ip = g_strdup (cases[i].monitor);
      g_test_message ("case %u: %s vs %s", i, cases[i].monitor, cases[i].server);
      g_assert_cmpint (ntpmon_selector_check_same_subnet (cases[i].monitor, cases[i].server), ==,
                       cases[i].violation);
      g_assert_cmpint (ntpmon_constraint_check (subnet, ctx, m, NTPMON_CONSTRAINT_TARGET_CURRENT),
                       ==, cases[i].violation);
    }
}

/* U3, target active, through the `diversity` constraint; target candidate never conflicts */
static void
test_u3 (void)
{
  static const struct
  {
    gint64 id;
    const gchar *ip, *rows;
    gboolean violation;
  } cases[] = {
    { 1, "192.168.1.10", "", FALSE },
    { 1, "192.168.1.10", "2 A/act ip=10.0.0.1", FALSE },
    { 1, "192.168.1.10", "2 A/act ip=192.168.2.20; 3 A/act ip=192.168.3.30", TRUE },
    { 1, "2001:db8:1234::1", "2 A/act ip=2001:db8:5678::1", FALSE },
    { 1, "2001:db8:1234::1", "2 A/act ip=2001:db8:1234:1::1; 3 A/act ip=2001:db8:1234:2::1", TRUE },
    { 1, "192.168.1.10", "2 A/act ip=192.168.2.20; 3 T/act ip=192.168.3.30", TRUE },
    { 100, "192.168.1.10", "100 A/act ip=192.168.1.10; 101 A/act ip=10.0.0.1", FALSE },
  };
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  NtpmonConstraint *diversity = ntpmon_selector_engine_get_constraint (engine, "diversity");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) rows = test_monitors (cases[i].rows);
      g_autoptr (NtpmonSelectorContext) ctx = test_context (NULL, rows);
      g_autoptr (NtpmonSelectorMonitor) m = test_monitor (cases[i].id, "C/act");

      m->ip = g_strdup (cases[i].ip);
      g_test_message ("case %u", i);
      g_assert_cmpint (ntpmon_constraint_check (diversity, ctx, m, NTPMON_CONSTRAINT_TARGET_ACTIVE),
                       ==, cases[i].violation);
      g_assert_false (
          ntpmon_selector_check_diversity (m->id, m->ip, rows, NTPMON_SELECTOR_STATUS_CANDIDATE));
      /* the candidate's current status is candidate: no conflict either */
      g_assert_false (
          ntpmon_constraint_check (diversity, ctx, m, NTPMON_CONSTRAINT_TARGET_CURRENT));
    }
}

static gint
cmp_id (gconstpointer a, gconstpointer b)
{
  gint64 x = **(const gint64 **)a, y = **(const gint64 **)b;

  return x < y ? -1 : x > y;
}

static gchar *
flagged_ids (GPtrArray *rows)
{
  g_autoptr (GHashTable) flagged = ntpmon_selector_iterative_limits (rows);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  GString *s = g_string_new ("");
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, flagged);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, key);

  g_ptr_array_sort (ids, cmp_id);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", *(gint64 *)ids->pdata[i]);
  return g_string_free (s, FALSE);
}

/* U4 */
static void
test_u4 (void)
{
#define F " a100 flags={\"monitors_per_server_limit\":2}"
  static const struct
  {
    const gchar *rows, *flagged;
  } cases[] = {
    { "1 A/act p10" F "; 2 A/act p20" F "; 3 T/act p30" F, "" },
    { "1 A/act p10" F "; 2 A/act p20" F "; 3 A/act p30" F, "3" },
    { "1 T/act p10" F "; 2 T/act p20" F "; 3 T/act p30" F "; 4 T/act p40" F, "4" },
    { "1 A/act p10" F "; 2 A/act p20" F "; 3 A/act p30" F "; 4 T/act p15" F "; 5 T/act p25" F
      "; 6 T/act p35" F,
      "3" },
    { "1 A/act p10" F "; 2 A/act p20" F "; 3 A/act p30" F "; 4 C/act p40" F "; 5 C/act p50" F,
      "3" },
    { "1 A/act p10" F "; 2 A/act p20" F "; 3 A/act p30" F
      "; 4 A/act p15 a200 flags={\"monitors_per_server_limit\":2}"
      "; 5 A/act p25 a200 flags={\"monitors_per_server_limit\":2}",
      "3" },
    { "", "" },
    { "1 A/act p10 flags={\"monitors_per_server_limit\":2}", "" },
    { "1 N/act p10" F, "" },
    { "1 A/act p10 a100; 2 A/act p20 a100; 3 A/act p30 a100", "3" },
    { "1 T/act p30" F "; 2 T/act p10" F "; 3 T/act p30" F "; 4 T/act p20" F "; 5 T/act p30" F,
      "1,3" },
  };
#undef F

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) rows = test_monitors (cases[i].rows);
      g_autofree gchar *got = flagged_ids (rows);

      g_test_message ("case %u", i);
      g_assert_cmpstr (got, ==, cases[i].flagged);
    }
}

typedef struct
{
  NtpmonSelectorEngine *engine;
  NtpmonSelectorContext *ctx;
  GPtrArray *list;
  NtpmonSelectorRun run;
} Promo;

static NtpmonSelectorMonitor *
promo_init (Promo *p, const gchar *monitor, const gchar *server, const gchar *rows,
            const gchar *table, gboolean emergency)
{
  g_autoptr (GArray) t = test_table (table);

  p->engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  p->ctx = test_context (server, test_monitors (rows));
  g_ptr_array_unref (p->ctx->rows); /* test_context took its own reference */
  p->list = test_monitors (monitor);
  ntpmon_selector_run_init (&p->run, p->engine, p->ctx, p->list, t, NULL, NULL);
  p->run.emergency = emergency;
  return p->list->pdata[0];
}

static void
promo_clear (Promo *p)
{
  ntpmon_selector_run_clear (&p->run);
  g_ptr_array_unref (p->list);
  ntpmon_selector_context_free (p->ctx);
  g_object_unref (p->engine);
}

/* U5 */
static void
test_u5 (void)
{
  static const struct
  {
    const gchar *monitor, *server, *table, *rows;
    gboolean emergency, result;
  } cases[] = {
    { "1 C/act ip=10.0.0.1", NULL, "1:2,0,3", "", TRUE, TRUE },
    { "1 C/act ip=192.168.1.10", "1 2 10.0.0.1", "1:5,0,0", "2 T/act a2 ip=192.168.1.20", TRUE,
      TRUE },
    { "1 C/act ip=10.0.0.1", NULL, "1:5,0,0", "2 T/act a1 ip=10.0.0.2", TRUE, TRUE },
    { "1 C/pend ip=10.0.0.1", NULL, "1:5,0,0", "", TRUE, FALSE },
    { "1 C/act ip=10.0.0.1", NULL, "1:2,0,3", "", FALSE, FALSE },
    { "1 C/act ip=192.168.1.10", "1 2 10.0.0.1", "1:5,0,0", "2 T/act a2 ip=192.168.1.20", FALSE,
      FALSE },
    { "1 C/act ip=10.0.0.1", NULL, "1:5,0,0", "", FALSE, TRUE },
    { "1 C/act ip=192.168.1.10", "1 1 10.0.0.1", "1:2,0,3", "2 T/act a2 ip=192.168.1.20", TRUE,
      TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *spec = g_strconcat (cases[i].monitor, " a1 h m", NULL);
      Promo p;
      NtpmonSelectorMonitor *m
          = promo_init (&p, spec, cases[i].server != NULL ? cases[i].server : "1 2 192.168.1.1",
                        cases[i].rows, cases[i].table, cases[i].emergency);

      g_test_message ("case %u", i);
      g_assert_cmpint (
          ntpmon_selector_can_promote (&p.run, p.run.table, m, NTPMON_SELECTOR_STATUS_TESTING), ==,
          cases[i].result);
      promo_clear (&p);
    }
}

/* U6 */
static void
test_u6 (void)
{
  const gchar *tables[] = { "1:2,1,2", "1:2,0,0" };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      Promo p;
      NtpmonSelectorMonitor *m
          = promo_init (&p, "1 T/act a1 ip=10.0.0.1 h m", "1 2 192.168.1.1", "", tables[i], FALSE);

      g_assert_true (
          ntpmon_selector_can_promote (&p.run, p.run.table, m, NTPMON_SELECTOR_STATUS_ACTIVE));
      promo_clear (&p);
    }
}

/* U7 */
static void
test_u7 (void)
{
  static const struct
  {
    const gchar *name, *type;
    gboolean unchangeable;
  } cases[] = {
    { "subnet", "network_same_subnet", TRUE },
    { "account", "account", TRUE },
    { "limits", "limit", FALSE },
    { "diversity", "network_diversity", FALSE },
  };
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  g_autoptr (NtpmonSelectorContext) ctx = test_context ("1 2 192.168.1.1", NULL);
  g_autoptr (NtpmonSelectorMonitor) clean = test_monitor (1, "A/act h m a3 ip=10.0.0.1");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      NtpmonConstraint *c = ntpmon_selector_engine_get_constraint (engine, cases[i].name);

      g_assert_cmpstr (ntpmon_constraint_get_violation_type (c), ==, cases[i].type);
      g_assert_cmpint (ntpmon_constraint_is_unchangeable (c), ==, cases[i].unchangeable);
    }
  /* no violation: nothing unchangeable */
  ntpmon_selector_engine_evaluate (engine, ctx, clean, NULL);
  g_assert_null (clean->violation);
  g_assert_false (clean->violation_unchangeable);
}

/* U8 */
static void
test_u8 (void)
{
  static const struct
  {
    const gchar *spec, *reason;
    gint hours_ago; /* -1: never checked */
    gboolean due;
  } cases[] = {
    { "A/act", NULL, -1, FALSE },        { "P/act", NULL, -1, TRUE },
    { "P/act", "constraint", 4, FALSE }, { "P/act", "constraint", 10, TRUE },
    { "P/act", "excess", 100, FALSE },   { "P/act", "excess", 130, TRUE },
  };
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 5, 1, 12, 0, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonSelectorMonitor) m = test_monitor (1, cases[i].spec);

      m->pause_reason = g_strdup (cases[i].reason);
      if (cases[i].hours_ago >= 0)
        m->last_constraint_check = g_date_time_add_hours (now, -cases[i].hours_ago);
      g_test_message ("case %u", i);
      g_assert_cmpint (ntpmon_selector_is_due (m, now), ==, cases[i].due);
    }
}

/* U9 */
static void
test_u9 (void)
{
  static const struct
  {
    const gchar *monitor, *stored, *server;
    gboolean resolved;
  } cases[] = {
    { "A/act", "network_same_subnet", "1 - 192.168.2.1", FALSE },
    { "P/act", NULL, "1 - 192.168.2.1", TRUE },
    { "P/act", "limit", "1 - 192.168.2.1", TRUE },
    { "P/act ip=192.168.1.10", "network_same_subnet", "1 - 192.168.2.1", TRUE },
    { "P/act ip=192.168.1.10", "network_same_subnet", "1 - 192.168.1.20", FALSE },
    { "P/act a1", "account", "1 2", TRUE },
    { "P/act a1", "account", "1 1", FALSE },
  };
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonSelectorMonitor) m = test_monitor (1, cases[i].monitor);
      g_autoptr (NtpmonSelectorContext) ctx = test_context (cases[i].server, NULL);

      m->stored_violation_type = g_strdup (cases[i].stored);
      g_test_message ("case %u", i);
      g_assert_cmpint (ntpmon_selector_engine_is_resolved (engine, ctx, m), ==, cases[i].resolved);
    }
}

/* U10 */
static void
test_u10 (void)
{
  static const struct
  {
    const gchar *spec;
    NtpmonSelectorDisposition disposition;
  } cases[] = {
    { "C/pend", NTPMON_SELECTOR_DISPOSITION_OUT },
    { "A/paus", NTPMON_SELECTOR_DISPOSITION_BLOCK },
    { "T/del", NTPMON_SELECTOR_DISPOSITION_BLOCK },
    { "A/pend", NTPMON_SELECTOR_DISPOSITION_OUT },
    { "A/act h m", NTPMON_SELECTOR_DISPOSITION_IN },
    { "T/tst h m", NTPMON_SELECTOR_DISPOSITION_PENDING },
    { "C/act v=network_same_subnet", NTPMON_SELECTOR_DISPOSITION_OUT },
    { "A/act m", NTPMON_SELECTOR_DISPOSITION_OUT },
    { "A/bogus h m", NTPMON_SELECTOR_DISPOSITION_BLOCK },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NtpmonSelectorMonitor) m = test_monitor (1, cases[i].spec);

      g_test_message ("case %u: %s", i, cases[i].spec);
      g_assert_cmpstr (ntpmon_selector_disposition_to_string (ntpmon_selector_disposition (m)), ==,
                       ntpmon_selector_disposition_to_string (cases[i].disposition));
    }
}

/* U11 */
static void
test_u11 (void)
{
  static const struct
  {
    NtpmonSelectorStatus to;
    gboolean bootstrap;
    const gchar *reason;
  } cases[] = {
    { NTPMON_SELECTOR_STATUS_ACTIVE, FALSE, "emergency promotion: zero active monitors" },
    { NTPMON_SELECTOR_STATUS_TESTING, FALSE,
      "emergency promotion to testing: zero active monitors" },
    { NTPMON_SELECTOR_STATUS_ACTIVE, TRUE, "bootstrap emergency promotion: zero active monitors" },
    { NTPMON_SELECTOR_STATUS_TESTING, TRUE,
      "bootstrap emergency promotion to testing: zero active monitors" },
    { NTPMON_SELECTOR_STATUS_CANDIDATE, FALSE, "base reason" },
    { NTPMON_SELECTOR_STATUS_PAUSED, TRUE, "base reason" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *got
          = ntpmon_selector_emergency_reason ("base reason", cases[i].to, cases[i].bootstrap);

      g_assert_cmpstr (got, ==, cases[i].reason);
    }
}

static gchar *
list_ids (GPtrArray *list)
{
  GString *s = g_string_new ("");

  for (guint i = 0; i < list->len; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            ((NtpmonSelectorMonitor *)list->pdata[i])->id);
  return g_string_free (s, FALSE);
}

/* U12 */
static void
test_u12 (void)
{
  g_autoptr (GPtrArray) can = test_monitors ("1 C/act h; 2 C/act; 3 C/tst h; 4 C/tst; 5 C/paus h");
  g_autoptr (GPtrArray) healthy = g_ptr_array_new ();
  g_autoptr (GPtrArray) other = g_ptr_array_new ();
  g_autofree gchar *h = NULL, *o = NULL;

  ntpmon_selector_bootstrap_split (can, healthy, other);
  h = list_ids (healthy);
  o = list_ids (other);
  g_assert_cmpstr (h, ==, "1,3");
  g_assert_cmpstr (o, ==, "2,4");
}

/* U13: one table shared by three promotions */
static void
test_u13 (void)
{
  Promo p;
  NtpmonSelectorMonitor *m
      = promo_init (&p, "1 N/act h a100", "1 200 192.168.1.1", "", "100:2,0,0", FALSE);
  NtpmonSelectorChange *last;
  gint wa = p.run.wa, wt = p.run.wt;

  g_assert_true (ntpmon_selector_promote (&p.run, m, NTPMON_SELECTOR_STATUS_CANDIDATE,
                                          NTPMON_SELECTOR_STATUS_TESTING, "candidate to testing",
                                          FALSE));
  last = g_ptr_array_index (p.run.changes, p.run.changes->len - 1);
  g_assert_cmpstr (last->reason, ==, "candidate to testing");
  g_assert_cmpint (p.run.wa, ==, wa);
  g_assert_cmpint (p.run.wt, ==, wt + 1);

  g_assert_true (ntpmon_selector_promote (&p.run, m, NTPMON_SELECTOR_STATUS_TESTING,
                                          NTPMON_SELECTOR_STATUS_ACTIVE, "promotion to active",
                                          FALSE));
  last = g_ptr_array_index (p.run.changes, p.run.changes->len - 1);
  g_assert_cmpstr (last->reason, ==, "promotion to active");
  g_assert_cmpint (p.run.wa, ==, wa + 1);
  g_assert_cmpint (p.run.wt, ==, wt);

  p.run.emergency = TRUE;
  g_assert_true (ntpmon_selector_promote (&p.run, m, NTPMON_SELECTOR_STATUS_CANDIDATE,
                                          NTPMON_SELECTOR_STATUS_TESTING, "candidate to testing",
                                          FALSE));
  last = g_ptr_array_index (p.run.changes, p.run.changes->len - 1);
  g_assert_cmpstr (last->reason, ==, "emergency promotion to testing: zero active monitors");
  promo_clear (&p);
}

/* U14 */
static void
test_u14 (void)
{
  Promo p;
  g_autoptr (GPtrArray) global = test_monitors ("1 C/act; 2 C/tst; 3 C/act");

  promo_init (&p, "1 A/act h IN; 2 A/act h OUT; 3 A/act IN", NULL, "", "", FALSE);
  g_assert_cmpint (p.run.healthy_active, ==, 1);
  g_assert_cmpuint (ntpmon_selector_count_globally_active (global), ==, 2);
  promo_clear (&p);
}

/* U15 */
static void
test_u15 (void)
{
  static const gint cases[][6] = {
    { 7, 4, 2, 3, 2, 0 },  { 7, 10, 2, 3, 2, 0 }, { 7, 10, 8, 8, 2, 2 }, { 5, 8, 6, 3, 5, 2 },
    { 7, 10, 0, 0, 2, 2 }, { 7, 10, 1, 1, 2, 0 }, { 5, 8, 5, 5, 1, 1 },  { 5, 8, 3, 5, 2, 0 },
    { 7, 4, 2, 3, 1, 0 },  { 5, 10, 6, 7, 2, 2 }, { 3, 5, 2, 3, 2, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u", i);
      g_assert_cmpint (ntpmon_selector_run_max_removals (cases[i][0], cases[i][1], cases[i][2],
                                                         cases[i][3], cases[i][4]),
                       ==, cases[i][5]);
    }
}

/* §13: the flags key is `monitors_per_server_limit`; the design doc's
 * `monitor_per_server_limit` is not read (X stays 2). */
static void
test_doc_flags_key (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (
      ntpmon_selector_account_flags_limit ("{\"monitors_per_server_limit\": 5}", &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpint (
      ntpmon_selector_account_flags_limit ("{\"monitor_per_server_limit\": 5}", &error), ==, 2);
  g_clear_error (&error);
}

/* §13: server_scores.status is candidate/testing/active/paused, no `new`. */
static void
test_doc_status_enum (void)
{
  static const gchar *const names[] = { "candidate", "testing", "active", "paused" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      NtpmonSelectorStatus status = ntpmon_selector_status_from_string (names[i]);

      g_assert_cmpint (status, !=, NTPMON_SELECTOR_STATUS_NONE);
      g_assert_cmpstr (ntpmon_selector_status_to_string (status), ==, names[i]);
    }
  g_assert_cmpint (ntpmon_selector_status_from_string ("new"), ==, NTPMON_SELECTOR_STATUS_NONE);
}

/* §13 (and §12 item 5): diversity is not iterative: every monitor of a
 * conflicting /20 group is flagged, not only the worst ones. */
static void
test_doc_diversity_all (void)
{
  g_autoptr (GPtrArray) rows
      = test_monitors ("2 A/act ip=10.1.0.2; 3 A/act ip=10.1.1.3; 4 T/act ip=10.1.2.4; "
                       "5 A/act ip=10.2.0.5");

  for (guint i = 0; i < rows->len; i++)
    {
      const NtpmonSelectorMonitor *m = rows->pdata[i];

      g_assert_cmpint (ntpmon_selector_check_diversity (m->id, m->ip, rows, m->status), ==,
                       m->id != 5);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/selector/units/U1-performance-comparison", test_u1);
  g_test_add_func ("/selector/units/U2-same-subnet", test_u2);
  g_test_add_func ("/selector/units/U3-diversity", test_u3);
  g_test_add_func ("/selector/units/U4-iterative-account-limit", test_u4);
  g_test_add_func ("/selector/units/U5-can-promote-to-testing", test_u5);
  g_test_add_func ("/selector/units/U6-can-promote-to-active", test_u6);
  g_test_add_func ("/selector/units/U7-unchangeable-types", test_u7);
  g_test_add_func ("/selector/units/U8-rule7-due", test_u8);
  g_test_add_func ("/selector/units/U9-rule7-resolution", test_u9);
  g_test_add_func ("/selector/units/U10-disposition", test_u10);
  g_test_add_func ("/selector/units/U11-emergency-reasons", test_u11);
  g_test_add_func ("/selector/units/U12-bootstrap-split", test_u12);
  g_test_add_func ("/selector/units/U13-promotion-primitive", test_u13);
  g_test_add_func ("/selector/units/U14-counts", test_u14);
  g_test_add_func ("/selector/units/U15-advisory-max-removals", test_u15);
  /* the same assertions under the spec item they show (§12, §13) */
  g_test_add_func ("/selector/quirk/9-max-removals-advisory-only", test_u15);
  g_test_add_func ("/selector/doc-vs-code/1-same-subnet-24-48", test_u2);
  g_test_add_func ("/selector/doc-vs-code/1-one-active-testing-per-20-44", test_u3);
  g_test_add_func ("/selector/doc-vs-code/1-account-limits-x", test_u4);
  g_test_add_func ("/selector/doc-vs-code/4-flags-key-monitors_per_server_limit",
                   test_doc_flags_key);
  g_test_add_func ("/selector/doc-vs-code/5-status-enum-without-new", test_doc_status_enum);
  g_test_add_func ("/selector/doc-vs-code/6-diversity-flags-all-not-iterative",
                   test_doc_diversity_all);
  g_test_add_func ("/selector/doc-vs-code/11-priority-with-5-percent-5-points", test_u1);

  return g_test_run ();
}
