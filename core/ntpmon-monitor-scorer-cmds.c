/* ntpmon-monitor-scorer-cmds.c: the commands of ntppool-monitor-scorer
 *
 * SPDX-License-Identifier: MIT
 *
 * `scorer run|once|server|setup`, `selector server|once|simulate`, `db`,
 * `version` (spec/scorer.md §5, spec/selector.md §3). The commands run on
 * a worker thread; SIGTERM cancels ctx->cancellable and the loops stop
 * after the batch in hand.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "ntpmon-constraint.h"
#include "ntpmon-monitor-scorer.h"
#include "ntpmon-reviewer.h"
#include "ntpmon-runner-lock.h"
#include "ntpmon-score-runner.h"
#include "ntpmon-scorer.h"
#include "ntpmon-selector-runner.h"

#define SCORER_LOCK   "ntppool-monitor-scorer"
#define SELECTOR_LOCK "ntppool-monitor-selector"

/* Exponential back-off: ×1.5 per step up to a cap, ±50 % jitter. */
typedef struct
{
  gdouble initial_ms, max_ms, interval_ms;
} Backoff;

static guint
backoff_next (Backoff *b)
{
  gdouble now = b->interval_ms;

  b->interval_ms = b->interval_ms >= b->max_ms / 1.5 ? b->max_ms : b->interval_ms * 1.5;
  return (guint)(now * g_random_double_range (0.5, 1.5));
}

static void
backoff_reset (Backoff *b)
{
  b->interval_ms = b->initial_ms;
}

/* Sleeps up to @ms; FALSE when cancelled. */
static gboolean
wait_ms (GCancellable *cancellable, guint ms)
{
  GPollFD pfd;

  if (!g_cancellable_make_pollfd (cancellable, &pfd))
    return TRUE;
  g_poll (&pfd, 1, (gint)ms);
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* After a pass of a loop: sleep while idle, go on at once after work. */
static void
pace (NtpmonScorerContext *ctx, Backoff *idle, guint count)
{
  if (count == 0)
    wait_ms (ctx->cancellable, backoff_next (idle));
  else
    backoff_reset (idle);
}

static guint
lock_wait_seconds (NtpmonScorerContext *ctx)
{
  return (guint)CLAMP (ntpmon_config_get_integer (ctx->config, "database", "lock-wait", 5), 1,
                       3600);
}

/* The stage-2 algorithms of the loaded plugins. */
static GPtrArray *
load_scorers (NtpmonScorerContext *ctx, GError **error)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GList) infos = ntpmon_host_list_plugins (ctx->host);

  for (GList *l = infos; l != NULL; l = l->next)
    {
      g_autoptr (GPtrArray) some = NULL;

      if (!peas_plugin_info_is_loaded (l->data)
          || peas_plugin_info_get_external_data (l->data, "Ntpmon-Scorers") == NULL)
        continue;
      some = ntpmon_scorer_create_from_plugin (ntpmon_host_get_engine (ctx->host), l->data, error);
      if (some == NULL)
        return NULL;
      g_ptr_array_extend_and_steal (all, g_steal_pointer (&some));
    }
  if (all->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _ ("no scoring algorithms: enable the scorer plugin"));
      return NULL;
    }
  return g_steal_pointer (&all);
}

static gboolean
constraint_enabled (NtpmonScorerContext *ctx, const gchar *name)
{
  g_auto (GStrv) wanted = NULL;

  if (!g_key_file_has_key (ntpmon_config_get_keyfile (ctx->config), "selector", "constraints",
                           NULL))
    return TRUE;
  wanted = ntpmon_config_get_string_list (ctx->config, "selector", "constraints");
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    if (g_str_equal (g_strstrip (wanted[i]), name))
      return TRUE;
  return FALSE;
}

/* The selector's reviewer with the constraints the config enables. */
static NtpmonReviewer *
load_reviewer (NtpmonScorerContext *ctx, GError **error)
{
  PeasEngine *engine = ntpmon_host_get_engine (ctx->host);
  g_autoptr (GPtrArray) constraints = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GList) infos = ntpmon_host_list_plugins (ctx->host);
  g_autoptr (NtpmonReviewer) reviewer = NULL;

  for (GList *l = infos; l != NULL; l = l->next)
    {
      g_autoptr (GPtrArray) some = NULL;

      if (!peas_plugin_info_is_loaded (l->data))
        continue;
      if (reviewer == NULL
          && peas_engine_provides_extension (engine, l->data, NTPMON_TYPE_REVIEWER))
        reviewer = NTPMON_REVIEWER (
            peas_engine_create_extension (engine, l->data, NTPMON_TYPE_REVIEWER, NULL));
      if (peas_plugin_info_get_external_data (l->data, "Ntpmon-Constraints") == NULL)
        continue;
      some = ntpmon_constraint_create_from_plugin (engine, l->data, error);
      if (some == NULL)
        return NULL;
      for (guint i = 0; i < some->len; i++)
        {
          const gchar *name = ntpmon_constraint_get_name (some->pdata[i]);

          if (constraint_enabled (ctx, name))
            g_ptr_array_add (constraints, g_object_ref (some->pdata[i]));
          else
            g_warning ("selector: constraint '%s' is DISABLED by the config ([selector] "
                       "constraints); monitors are selected without it",
                       name);
        }
    }
  if (reviewer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _ ("no monitor selector: enable the selector plugin"));
      return NULL;
    }
  ntpmon_reviewer_set_constraints (reviewer, constraints);
  return g_steal_pointer (&reviewer);
}

static gint
scorer_loop (NtpmonScorerContext *ctx, gboolean continuous, GError **error)
{
  g_autoptr (GPtrArray) scorers = load_scorers (ctx, error);
  g_autoptr (NtpmonRunnerLock) lock = NULL;
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (NtpmonScoreRunner) runner = NULL;
  Backoff idle = { 3000, 60000, 3000 }, dberr = { 5000, 120000, 5000 };
  gboolean set_up = FALSE;

  if (scorers == NULL)
    return 1;
  g_info ("starting monitor-scorer %s (continuous: %s)", PACKAGE_VERSION,
          continuous ? "true" : "false");
  lock = ntpmon_runner_lock_new (ctx->db_config, SCORER_LOCK);
  while (!g_cancellable_is_cancelled (ctx->cancellable))
    {
      g_autoptr (GError) local = NULL;
      guint count = 0;

      if (conn == NULL)
        {
          conn = ntpmon_db_conn_open (ctx->db_config, &local);
          if (conn != NULL)
            {
              g_clear_object (&runner);
              runner = ntpmon_score_runner_new (conn, scorers);
              if (ntpmon_config_get_boolean (ctx->config, "scorer", "concurrent", TRUE))
                ntpmon_score_runner_set_concurrent (runner, ctx->db_config);
              /* `scorer run` is one pass of the reference: one batch each */
              if (!continuous)
                ntpmon_score_runner_set_pass_time (runner, 0);
              if (ctx->metrics != NULL)
                ntpmon_score_runner_set_metrics (runner, ctx->metrics);
            }
        }
      if (conn != NULL
          && ntpmon_runner_lock_acquire (lock, lock_wait_seconds (ctx), ctx->cancellable, &local))
        {
          if (!set_up)
            {
              g_autoptr (GError) setup_error = NULL;

              /* first start: register missing algorithms */
              if (!ntpmon_score_runner_setup (runner, &setup_error))
                g_info ("scorer setup: %s", setup_error->message);
              set_up = TRUE;
            }
          ntpmon_score_runner_run (runner, ctx->cancellable, &count, &local);
        }
      if (g_cancellable_is_cancelled (ctx->cancellable))
        break;
      if (local != NULL)
        {
          if (!ntpmon_score_error_is_connection (local) || !continuous)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return 1;
            }
          g_info ("database connection error, retrying: %s", local->message);
          wait_ms (ctx->cancellable, backoff_next (&dberr));
          continue;
        }
      backoff_reset (&dberr);
      if (count > 0 || !continuous)
        g_debug ("processed log scores: %u", count);
      if (!continuous)
        break;
      pace (ctx, &idle, count);
    }
  return 0;
}

static gint
cmd_scorer_run (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  return scorer_loop (ctx, FALSE, error);
}

static gint
cmd_scorer_server (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  return scorer_loop (ctx, TRUE, error);
}

static gint
cmd_scorer_setup (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  g_autoptr (GPtrArray) scorers = load_scorers (ctx, error);
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (NtpmonScoreRunner) runner = NULL;

  if (scorers == NULL || (conn = ntpmon_db_conn_open (ctx->db_config, error)) == NULL)
    return 1;
  runner = ntpmon_score_runner_new (conn, scorers);
  return ntpmon_score_runner_setup (runner, error) ? 0 : 1;
}

static gboolean
parse_server_id (const gchar *text, gint64 *id, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _ ("invalid server id \"%s\""),
                   text);
      return FALSE;
    }
  *id = (gint64)value;
  return TRUE;
}

static NtpmonSelectorRunner *
open_selector (NtpmonScorerContext *ctx, NtpmonDbConn **conn, GError **error)
{
  g_autoptr (NtpmonReviewer) reviewer = load_reviewer (ctx, error);

  NtpmonSelectorRunner *runner;

  if (reviewer == NULL || (*conn = ntpmon_db_conn_open (ctx->db_config, error)) == NULL)
    return NULL;
  runner = ntpmon_selector_runner_new (*conn, reviewer);
  if (ctx->metrics != NULL)
    ntpmon_selector_runner_set_metrics (runner, ctx->metrics);
  return runner;
}

/* Concurrent batches of `selector server` ([selector] workers, 1-8). */
static guint
selector_workers (NtpmonScorerContext *ctx)
{
  return (guint)CLAMP (ntpmon_config_get_integer (ctx->config, "selector", "workers", 2), 1, 8);
}

static gint
selector_loop (NtpmonScorerContext *ctx, gboolean continuous, GError **error)
{
  guint n_workers = continuous ? selector_workers (ctx) : 1;
  g_autoptr (GPtrArray) conns
      = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_db_conn_free);
  g_autoptr (GPtrArray) runners = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (NtpmonRunnerLock) lock = NULL;
  Backoff idle = { 3000, 60000, 3000 };

  for (guint i = 0; i < n_workers; i++)
    {
      NtpmonDbConn *conn = NULL;
      NtpmonSelectorRunner *runner = open_selector (ctx, &conn, error);

      if (conn != NULL)
        g_ptr_array_add (conns, conn);
      if (runner == NULL)
        return 1;
      g_ptr_array_add (runners, runner);
    }
  g_info ("selector starting, version %s, %u concurrent batches", PACKAGE_VERSION, n_workers);
  lock = ntpmon_runner_lock_new (ctx->db_config, SELECTOR_LOCK);
  while (!g_cancellable_is_cancelled (ctx->cancellable))
    {
      guint count = 0;

      if (!ntpmon_runner_lock_acquire (lock, lock_wait_seconds (ctx), ctx->cancellable, error))
        return g_cancellable_is_cancelled (ctx->cancellable) ? 0 : 1;
      if (!ntpmon_selector_runner_run_batches ((NtpmonSelectorRunner **)runners->pdata, n_workers,
                                               &count, error))
        return 1;
      if (count > 0 || !continuous)
        g_info ("processed servers: %u", count);
      if (!continuous)
        break;
      pace (ctx, &idle, count);
    }
  return 0;
}

static gint
cmd_selector_server (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  return selector_loop (ctx, TRUE, error);
}

static gint
cmd_selector_once (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (NtpmonSelectorRunner) runner = NULL;
  gboolean changed = FALSE;
  gint64 id;

  if (args[0] == NULL)
    return selector_loop (ctx, FALSE, error);
  if (!parse_server_id (args[0], &id, error))
    return 80;
  runner = open_selector (ctx, &conn, error);
  if (runner == NULL)
    return 1;
  g_info ("processing single server %" G_GINT64_FORMAT, id);
  if (!ntpmon_selector_runner_run_server (runner, id, &changed, error))
    return 1;
  g_info ("server processing completed %s changes: server %" G_GINT64_FORMAT,
          changed ? "with" : "without", id);
  return 0;
}

static gint
cmd_selector_simulate (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  g_autoptr (NtpmonDbConn) conn = NULL;
  g_autoptr (NtpmonSelectorRunner) runner = NULL;
  g_autoptr (NtpmonReviewResult) result = NULL;
  gint64 id;

  if (!parse_server_id (args[0], &id, error))
    return 80;
  if (ctx->verbose)
    g_log_set_debug_enabled (TRUE);
  runner = open_selector (ctx, &conn, error);
  if (runner == NULL)
    return 1;
  g_info ("starting selector simulation: server %" G_GINT64_FORMAT, id);
  result = ntpmon_selector_runner_simulate (runner, id, error);
  if (result == NULL)
    return 1;
  g_info ("simulation completed: server %" G_GINT64_FORMAT " wouldHaveChanged=%s", id,
          result->changed ? "true" : "false");
  if (result->changed)
    g_print ("✓ Simulation complete: Changes would be applied for server %" G_GINT64_FORMAT "\n",
             id);
  else
    g_print ("✓ Simulation complete: No changes needed for server %" G_GINT64_FORMAT "\n", id);
  return 0;
}

static gint
cmd_db (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  g_autoptr (NtpmonDbConn) conn = ntpmon_db_conn_open (ctx->db_config, error);
  g_autoptr (NtpmonDbStmt) st = NULL;
  g_autoptr (GError) local = NULL;

  if (conn == NULL)
    return 1;
  st = ntpmon_db_conn_query (conn,
                             "SELECT s.scorer_id, m.hostname, s.log_score_id, s.modified_on"
                             " FROM scorer_status s, monitors m"
                             " WHERE m.type = 'score' AND m.id = s.scorer_id",
                             error, "");
  if (st == NULL)
    return 1;
  while (ntpmon_db_stmt_next (st, &local))
    {
      g_autoptr (GDateTime) modified = ntpmon_db_stmt_get_datetime (st, 3);
      g_autofree gchar *when
          = modified ? g_date_time_format (modified, "%Y-%m-%d %H:%M:%S +0000 UTC") : NULL;

      g_print ("%-5" G_GUINT64_FORMAT " %-20s %-10" G_GUINT64_FORMAT " %s\n",
               ntpmon_db_stmt_get_uint (st, 0), ntpmon_db_stmt_get_text (st, 1),
               ntpmon_db_stmt_get_uint (st, 2), when ? when : "");
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return 1;
    }
  return 0;
}

static gint
cmd_version (NtpmonScorerContext *ctx, gchar **args, GError **error)
{
  g_print ("monitor-scorer %s\n", PACKAGE_VERSION);
  return 0;
}

const NtpmonScorerCommand ntpmon_scorer_commands[] = {
  { "scorer", "run", NULL, N_ ("Run one scorer pass, then exit"), 0, 0, TRUE, FALSE, TRUE,
    cmd_scorer_run },
  { "scorer", "once", NULL, N_ ("Same as “scorer run”"), 0, 0, TRUE, FALSE, TRUE, cmd_scorer_run },
  { "scorer", "server", NULL, N_ ("Score continuously"), 0, 0, TRUE, FALSE, TRUE,
    cmd_scorer_server },
  { "scorer", "setup", NULL, N_ ("Register the scoring algorithms in the database"), 0, 0, FALSE,
    FALSE, TRUE, cmd_scorer_setup },
  { "selector", "server", NULL, N_ ("Select monitors continuously"), 0, 0, TRUE, FALSE, TRUE,
    cmd_selector_server },
  { "selector", "once", "[SERVER_ID]",
    N_ ("Review the due servers once, or only SERVER_ID (whatever its schedule)"), 0, 1, TRUE,
    FALSE, TRUE, cmd_selector_once },
  { "selector", "simulate", "SERVER_ID",
    N_ ("Review SERVER_ID in a transaction that is rolled back"), 1, 1, FALSE, TRUE, TRUE,
    cmd_selector_simulate },
  { NULL, "db", NULL, N_ ("Show the scorers' progress (scorer_status)"), 0, 0, FALSE, FALSE, TRUE,
    cmd_db },
  { NULL, "version", NULL, N_ ("Print the program name and version"), 0, 0, FALSE, FALSE, FALSE,
    cmd_version },
};
const guint ntpmon_scorer_n_commands = G_N_ELEMENTS (ntpmon_scorer_commands);
