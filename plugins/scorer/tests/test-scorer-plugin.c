/* test-scorer-plugin.c: the scorer plugin loaded through libpeas from the
 * build tree, used only through the NtpmonScorer interface
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "history-model.h"
#include "ntpmon-scorer.h"

#define T G_GINT64_CONSTANT (1735732800)

typedef struct
{
  PeasEngine *engine;
  PeasPluginInfo *info;
  GPtrArray *scorers;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const gchar *path = g_getenv ("NTPMON_PLUGIN_PATH");
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    g_error ("NTPMON_PLUGIN_PATH is not set; run the test through meson test");
  f->engine = peas_engine_new ();
  peas_engine_add_search_path (f->engine, path, NULL);
  f->info = peas_engine_get_plugin_info (f->engine, "ntpmon-scorer");
  g_assert_nonnull (f->info);
  g_assert_true (peas_engine_load_plugin (f->engine, f->info));
  g_assert_true (peas_plugin_info_is_loaded (f->info));
  f->scorers = ntpmon_scorer_create_from_plugin (f->engine, f->info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->scorers);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->scorers, g_ptr_array_unref);
  g_clear_object (&f->engine);
}

static NtpmonScorer *
find (Fixture *f, const gchar *name)
{
  for (guint i = 0; i < f->scorers->len; i++)
    {
      NtpmonScorer *s = g_ptr_array_index (f->scorers, i);

      if (g_strcmp0 (ntpmon_scorer_get_name (s), name) == 0)
        return s;
    }
  g_assert_not_reached ();
}

static void
test_names (Fixture *f, gconstpointer data)
{
  static const gchar *const names[] = { "status", "every", "recentmedian" };
  g_autoptr (PeasExtension) plain = NULL;

  g_assert_cmpuint (f->scorers->len, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *prop = NULL;

      g_object_get (find (f, names[i]), "name", &prop, NULL);
      g_assert_cmpstr (prop, ==, names[i]);
    }
  /* without a name the plugin's extension is the API's `status` */
  plain = peas_engine_create_extension (f->engine, f->info, NTPMON_TYPE_SCORER, NULL);
  g_assert_true (NTPMON_IS_SCORER (plain));
  g_assert_cmpstr (ntpmon_scorer_get_name (NTPMON_SCORER (plain)), ==, "status");
}

static void
test_status_step (Fixture *f, gconstpointer data)
{
  NtpmonScorer *status = find (f, "status");
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  g_autoptr (GError) error = NULL;
  NtpmonScoreStep step = { 0 };
  NtpmonServerScore own = { 0 };
  NtpmonLogScore ls = { 0 }, out;

  r->has_offset = TRUE;
  r->offset_ns = 50000000; /* TV-08 */
  r->has_rtt = TRUE;
  r->rtt_ns = 1234567;
  r->stratum = 2;
  g_assert_true (ntpmon_scorer_compute_step (status, r, &step, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (step.step, ==, 0.83365);
  g_assert_false (step.has_cap);
  g_assert_null (step.attributes);
  g_assert_cmpfloat (step.offset, ==, 0.05);
  g_assert_cmpint (step.rtt, ==, 1234);
  g_assert_cmpfloat (ntpmon_score_apply_step (20, &step), ==, 19.83365);
  ntpmon_score_step_clear (&step);

  /* TV-63 through the interface */
  r->offset_ns = 0;
  r->stratum = 0;
  g_assert_true (ntpmon_scorer_compute_step_for_client (status, "v3.8.4/linux", r, &step, &error));
  g_assert_false (step.has_offset);
  g_assert_cmpfloat (step.step, ==, -2);
  g_assert_cmpstr (step.attributes, ==, "{\"error\":\"untrusted zero offset\"}");
  ntpmon_score_step_clear (&step);

  /* status is stage 1 only */
  g_assert_false (ntpmon_scorer_score (status, NULL, &own, &ls, &out, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static void
test_every (Fixture *f, gconstpointer data)
{
  NtpmonScorer *every = find (f, "every");
  NtpmonServerScore own = { .id = 77, .monitor_id = 9001, .server_id = 42, .score_raw = -5 };
  NtpmonLogScore ls = { .id = 1234,
                        .server_id = 42,
                        .monitor_id = 7,
                        .ts = T,
                        .score = 3,
                        .step = 1,
                        .has_offset = TRUE,
                        .offset = 0.001 };
  NtpmonLogScore out;
  g_autoptr (NtpmonNtpResult) r = ntpmon_ntp_result_new ();
  NtpmonScoreStep step;
  g_autoptr (GError) error = NULL;

  g_assert_true (ntpmon_scorer_score (every, NULL, &own, &ls, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out.score, ==, -3.75); /* TV-78 */
  g_assert_cmpuint (out.monitor_id, ==, 9001);
  ntpmon_log_score_clear (&out);

  g_assert_true (ntpmon_scorer_is_new (every, &ls));
  g_assert_false (ntpmon_scorer_is_new (every, &ls));
  ntpmon_scorer_reset (every);
  g_assert_true (ntpmon_scorer_is_new (every, &ls));

  g_assert_false (ntpmon_scorer_compute_step (every, r, &step, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static void
test_recentmedian (Fixture *f, gconstpointer data)
{
  NtpmonScorer *median = find (f, "recentmedian");
  NtpmonServerScore own = { .id = 77, .monitor_id = 9001, .server_id = 42 };
  NtpmonLogScore latest = { .id = 1234, .server_id = 42, .monitor_id = 7, .ts = T, .score = 3 };
  NtpmonLogScore out;
  NtpmonHistoryModel *model = ntpmon_history_model_new ();
  NtpmonScoreHistorySource source = { ntpmon_history_model_fetch, model };
  g_autoptr (GError) error = NULL;

  /* no history source yet */
  g_assert_false (ntpmon_scorer_score (median, NULL, &own, &latest, &out, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  for (guint m = 1; m <= 3; m++)
    {
      ntpmon_history_model_set_status (model, m, 42, "active");
      ntpmon_history_model_add (model, m, m, 42, T - 10 * m, 10.0 * m, 1000);
    }
  ntpmon_scorer_set_history_source (median, &source);
  g_assert_true (ntpmon_scorer_score (median, NULL, &own, &latest, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out.score, ==, 20);
  g_assert_cmpint (out.ts, ==, T);
  g_assert_cmpstr (out.attributes, ==, "{\"from_ls_id\":1234,\"from_ss_id\":77}");
  ntpmon_log_score_clear (&out);
  g_assert_true (ntpmon_scorer_is_new (median, &latest));
  g_assert_false (ntpmon_scorer_is_new (median, &latest));

  ntpmon_scorer_set_history_source (median, NULL);
  ntpmon_history_model_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/scorer/plugin/names", test_names);
  ADD ("/scorer/plugin/status-step", test_status_step);
  ADD ("/scorer/plugin/every", test_every);
  ADD ("/scorer/plugin/recentmedian", test_recentmedian);
#undef ADD
  return g_test_run ();
}
