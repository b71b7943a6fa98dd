/* ntpmon-state-manager.c: hot reload of the agent's state, and waiting for it
 *
 * SPDX-License-Identifier: MIT
 *
 * The manager reloads the state (spec agent.md §2.5) when state.json
 * changes on disk (500 ms after the last change, e.g. `setup` run in
 * another process), 5 minutes after a successful reload and 2 minutes
 * after a failed one; a successful reload also refreshes the JWT when it
 * is due. Wait-until-live (§5.1 step 3) waits for an API key, then for a
 * valid certificate, then for a JWT, then for an active or testing IP
 * family, with the reference's backoffs; every config change cuts the
 * waits for a key or for activation short.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <unistd.h>

#include "ntpmon-state-manager.h"

#define RELOAD_OK_S    (5 * 60)
#define RELOAD_ERROR_S (2 * 60)
#define MINUTE_MS      (60 * 1000)
#define HOUR_US        (G_USEC_PER_SEC * (gint64)3600)

struct _NtpmonStateManager
{
  GObject parent_instance;
  NtpmonState *state;
  NtpmonWebapi *webapi;
  gchar *phase;
  gchar *error; /* why the last reload failed, NULL when it did not */

  gboolean running;
  guint timer_id;
  gulong changed_id;
  GCancellable *cancellable;
  gboolean reloading;
  gboolean reload_again;
  gboolean live4, live6;
};

G_DEFINE_TYPE (NtpmonStateManager, ntpmon_state_manager, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PHASE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* --- backoff --------------------------------------------------------------- */

void
ntpmon_backoff_init (NtpmonBackoff *backoff, guint64 initial_ms, guint64 max_ms)
{
  backoff->initial_ms = backoff->current_ms = initial_ms;
  backoff->max_ms = max_ms;
}

void
ntpmon_backoff_reset (NtpmonBackoff *backoff)
{
  backoff->current_ms = backoff->initial_ms;
}

/**
 * ntpmon_backoff_next:
 *
 * Returns: the next wait: the current interval ±10 %; the interval then
 * grows by half, up to the maximum
 */
guint64
ntpmon_backoff_next (NtpmonBackoff *backoff)
{
  gdouble jitter = g_random_double_range (-0.1, 0.1);
  guint64 wait = (guint64)((gdouble)backoff->current_ms * (1.0 + jitter));

  backoff->current_ms = MIN ((guint64)((gdouble)backoff->current_ms * 1.5), backoff->max_ms);
  return MAX (wait, 1);
}

/* --- the object ------------------------------------------------------------ */

static void
ntpmon_state_manager_finalize (GObject *object)
{
  NtpmonStateManager *self = NTPMON_STATE_MANAGER (object);

  ntpmon_state_manager_stop (self);
  g_clear_object (&self->state);
  g_clear_object (&self->webapi);
  g_free (self->phase);
  g_free (self->error);
  G_OBJECT_CLASS (ntpmon_state_manager_parent_class)->finalize (object);
}

static void
ntpmon_state_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  NtpmonStateManager *self = NTPMON_STATE_MANAGER (object);

  if (prop_id == PROP_PHASE)
    g_value_set_string (value, self->phase);
  else if (prop_id == PROP_ERROR)
    g_value_set_string (value, self->error);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
ntpmon_state_manager_class_init (NtpmonStateManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ntpmon_state_manager_finalize;
  object_class->get_property = ntpmon_state_manager_get_property;
  props[PROP_PHASE]
      = g_param_spec_string ("phase", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_ERROR]
      = g_param_spec_string ("error", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ntpmon_state_manager_init (NtpmonStateManager *self)
{
}

NtpmonStateManager *
ntpmon_state_manager_new (NtpmonState *state, NtpmonWebapi *webapi)
{
  NtpmonStateManager *self = g_object_new (NTPMON_TYPE_STATE_MANAGER, NULL);

  self->state = g_object_ref (state);
  self->webapi = g_object_ref (webapi);
  return self;
}

NtpmonState *
ntpmon_state_manager_get_state (NtpmonStateManager *self)
{
  return self->state;
}

NtpmonWebapi *
ntpmon_state_manager_get_webapi (NtpmonStateManager *self)
{
  return self->webapi;
}

/**
 * ntpmon_state_manager_get_phase:
 *
 * Returns: (nullable): one of the NTPMON_PHASE_ strings, NULL before the
 * wait started
 */
const gchar *
ntpmon_state_manager_get_phase (NtpmonStateManager *self)
{
  return self->phase;
}

/**
 * ntpmon_state_manager_get_error:
 *
 * Returns: (nullable): why the last reload failed, NULL when it succeeded
 */
const gchar *
ntpmon_state_manager_get_error (NtpmonStateManager *self)
{
  return self->error;
}

static void
set_error (NtpmonStateManager *self, const GError *error)
{
  const gchar *message = error != NULL ? error->message : NULL;

  if (g_strcmp0 (self->error, message) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
}

static void
set_phase (NtpmonStateManager *self, const gchar *phase)
{
  if (g_strcmp0 (self->phase, phase) == 0)
    return;
  g_free (self->phase);
  self->phase = g_strdup (phase);
  g_message (_ ("agent state: %s"), phase);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PHASE]);
}

/* --- reloading ---------------------------------------------------------------- */

static gboolean timer_cb (gpointer user_data);

static void
arm_timer (NtpmonStateManager *self, guint seconds)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->running)
    self->timer_id = g_timeout_add_seconds (CLAMP (seconds, 60, 3600), timer_cb, self);
}

static void
log_liveness (NtpmonStateManager *self, NtpmonStateFamily family, gboolean *previous)
{
  gboolean live = ntpmon_state_is_live (self->state, family);
  const gchar *ip = ntpmon_state_get_ip (self->state, family);

  if (live == *previous)
    return;
  g_message (_ ("IPv%d is now %s (status \"%s\", address %s)"), (int)family,
             live ? _ ("live") : _ ("not live"), ntpmon_state_get_status (self->state, family),
             ip != NULL ? ip : _ ("none"));
  *previous = live;
}

static void
token_refreshed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = ntpmon_webapi_get_token_finish (NTPMON_WEBAPI (source), result, &error);

  if (token == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message (_ ("failed to refresh the JWT: %s"), error->message);
}

static void
reload_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NtpmonStateManager) self = user_data;
  g_autoptr (GError) error = NULL;

  self->reloading = FALSE;
  if (!ntpmon_state_load_finish (self->state, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      /* a failed reload also means no renewal: say so when one is due */
      if (ntpmon_state_have_certificate (self->state)
          && !ntpmon_state_check_certificate (self->state, now, NULL, NULL))
        {
          g_autofree gchar *what = ntpmon_state_describe_certificate (self->state, now);

          g_prefix_error (&error, "%s, renewal failed: ", what);
        }
      g_warning (_ ("failed to reload the state: %s"), error->message);
      set_error (self, error);
      arm_timer (self, RELOAD_ERROR_S);
    }
  else
    {
      set_error (self, NULL);
      arm_timer (self, RELOAD_OK_S);
      if (*ntpmon_state_get_api_key (self->state) != '\0'
          && ntpmon_webapi_token_needs_refresh (self->webapi))
        ntpmon_webapi_get_token_async (self->webapi, ntpmon_state_get_api_key (self->state),
                                       self->cancellable, token_refreshed_cb, NULL);
      log_liveness (self, NTPMON_STATE_IPV4, &self->live4);
      log_liveness (self, NTPMON_STATE_IPV6, &self->live6);
    }
  if (self->reload_again && self->running)
    {
      self->reload_again = FALSE;
      ntpmon_state_manager_reload (self);
    }
}

/**
 * ntpmon_state_manager_reload:
 *
 * Runs the load operation now (or right after the one in progress).
 */
void
ntpmon_state_manager_reload (NtpmonStateManager *self)
{
  if (self->reloading)
    {
      self->reload_again = TRUE;
      return;
    }
  self->reloading = TRUE;
  ntpmon_state_load_async (self->state, self->webapi, FALSE, self->cancellable, reload_done_cb,
                           g_object_ref (self));
}

static gboolean
timer_cb (gpointer user_data)
{
  NtpmonStateManager *self = user_data;

  self->timer_id = 0;
  ntpmon_state_manager_reload (self);
  return G_SOURCE_REMOVE;
}

static void
state_file_changed_cb (NtpmonState *state, gpointer user_data)
{
  ntpmon_state_manager_reload (user_data);
}

/**
 * ntpmon_state_manager_start:
 *
 * Starts watching the state directory and the periodic reloads. Without a
 * watchable directory only the timer reloads.
 */
void
ntpmon_state_manager_start (NtpmonStateManager *self)
{
  g_autoptr (GError) error = NULL;

  if (self->running)
    return;
  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  if (!ntpmon_state_watch (self->state, &error))
    g_warning (_ ("cannot watch the state directory, reloading on a timer only: %s"),
               error->message);
  self->changed_id
      = g_signal_connect (self->state, "changed", G_CALLBACK (state_file_changed_cb), self);
  arm_timer (self, RELOAD_OK_S);
}

void
ntpmon_state_manager_stop (NtpmonStateManager *self)
{
  if (!self->running)
    return;
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->changed_id, self->state);
  ntpmon_state_unwatch (self->state);
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

/* --- waiting until live ------------------------------------------------------ */

typedef struct Wait Wait;
typedef void (*WaitStep) (Wait *w, gboolean by_change);
typedef void (*LoadStep) (Wait *w, GError *error);

struct Wait
{
  NtpmonStateManager *self;
  GTask *task;
  NtpmonBackoff missing, auth, cert, jwt, live;
  NtpmonBackoff *current; /* missing or auth */
  gint64 last_auth_error;
  guint iteration;
  gchar *hint;

  /* a pause: timer, config change, cancellation */
  guint timer_id;
  gulong changed_id;
  GSource *cancel_source;
  WaitStep resume;
  LoadStep after_load;
};

static void
wait_free (Wait *w)
{
  g_object_unref (w->self);
  g_free (w->hint);
  g_free (w);
}

static void
end_pause (Wait *w)
{
  g_clear_handle_id (&w->timer_id, g_source_remove);
  g_clear_signal_handler (&w->changed_id, w->self->state);
  if (w->cancel_source != NULL)
    {
      g_source_destroy (w->cancel_source);
      g_clear_pointer (&w->cancel_source, g_source_unref);
    }
}

static void
finish (Wait *w, GError *error)
{
  GTask *task = w->task;

  end_pause (w);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
pause_changed_cb (NtpmonState *state, gpointer user_data)
{
  Wait *w = user_data;

  end_pause (w);
  w->resume (w, TRUE);
}

static gboolean
pause_timer_cb (gpointer user_data)
{
  Wait *w = user_data;

  w->timer_id = 0;
  end_pause (w);
  w->resume (w, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
pause_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  Wait *w = user_data;

  finish (w, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("waiting cancelled")));
  return G_SOURCE_REMOVE;
}

/* Waits @ms, or until a config change when @on_change, then @resume. */
static void
pause_then (Wait *w, guint64 ms, gboolean on_change, WaitStep resume)
{
  GCancellable *cancellable = g_task_get_cancellable (w->task);

  w->resume = resume;
  w->timer_id = g_timeout_add ((guint)MIN (ms, G_MAXUINT), pause_timer_cb, w);
  if (on_change)
    w->changed_id
        = g_signal_connect (w->self->state, "config-changed", G_CALLBACK (pause_changed_cb), w);
  if (cancellable != NULL)
    {
      w->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (w->cancel_source, G_SOURCE_FUNC (pause_cancelled_cb), w, NULL);
      g_source_attach (w->cancel_source, NULL);
    }
}

static void
load_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;
  GError *error = NULL;

  ntpmon_state_load_finish (NTPMON_STATE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish (w, error);
      return;
    }
  w->after_load (w, error);
}

static void
load_then (Wait *w, LoadStep next)
{
  w->after_load = next;
  ntpmon_state_load_async (w->self->state, w->self->webapi, FALSE, g_task_get_cancellable (w->task),
                           load_cb, w);
}

static gboolean
is_auth_error (const GError *error)
{
  return g_error_matches (error, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED);
}

static gboolean
certificate_ok (Wait *w)
{
  return ntpmon_state_check_certificate (w->self->state, g_get_real_time () / G_USEC_PER_SEC, NULL,
                                         NULL);
}

static void step_certificate (Wait *w);
static void step_token (Wait *w);
static void step_live (Wait *w);

/* (a) an API key */

static void key_resume (Wait *w, gboolean by_change);

static void
key_loaded (Wait *w, GError *error)
{
  guint64 wait;

  if (error != NULL && !is_auth_error (error))
    {
      finish (w, error);
      return;
    }
  if (error != NULL)
    {
      w->current = &w->auth;
      w->last_auth_error = g_get_monotonic_time ();
      g_message (_ ("API key unauthorized, waiting before retrying: %s"), error->message);
      g_error_free (error);
    }
  else if (*ntpmon_state_get_api_key (w->self->state) != '\0')
    {
      step_certificate (w);
      return;
    }
  else if (g_get_monotonic_time () - w->last_auth_error > HOUR_US)
    w->current = &w->missing;

  wait = ntpmon_backoff_next (w->current);
  if (w->current == &w->missing && (w->iteration == 1 || wait >= 2 * MINUTE_MS))
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "cmd", w->hint, "MESSAGE",
                        "no API key, please run ntppool-agent setup");
      if (w->iteration == 1 && isatty (STDIN_FILENO))
        {
          g_print ("\n%s\n\n    %s\n\n", _ ("Setup API key with:"), w->hint);
          fflush (stdout);
        }
    }
  pause_then (w, wait, TRUE, key_resume);
}

static void
key_resume (Wait *w, gboolean by_change)
{
  if (by_change)
    ntpmon_backoff_reset (w->current);
  w->iteration++;
  load_then (w, key_loaded);
}

static void
step_key (Wait *w)
{
  if (*ntpmon_state_get_api_key (w->self->state) != '\0')
    {
      step_certificate (w);
      return;
    }
  set_phase (w->self, NTPMON_PHASE_WAITING_FOR_SETUP);
  w->iteration = 1;
  load_then (w, key_loaded);
}

/* (b) a certificate not due for renewal */

static void certificate_resume (Wait *w, gboolean by_change);

static void
certificate_loaded (Wait *w, GError *error)
{
  g_autoptr (GError) owned = error;
  g_autofree gchar *what = NULL;
  guint64 wait;

  if (is_auth_error (error))
    {
      finish (w, g_steal_pointer (&owned));
      return;
    }
  if (certificate_ok (w))
    {
      step_token (w);
      return;
    }
  wait = ntpmon_backoff_next (&w->cert);
  what = ntpmon_state_describe_certificate (w->self->state, g_get_real_time () / G_USEC_PER_SEC);
  /* say why: each time the web API fails, otherwise now and then */
  if (error != NULL)
    g_message (_ ("waiting for a certificate: %s; the web API: %s; trying again in %u s"), what,
               error->message, (guint)(wait / 1000));
  else if (wait >= 30 * 1000)
    g_message (_ ("still waiting for certificates to be loaded: %s; the web API sent none; "
                  "trying again in %u s"),
               what, (guint)(wait / 1000));
  pause_then (w, wait, FALSE, certificate_resume);
}

static void
certificate_resume (Wait *w, gboolean by_change)
{
  load_then (w, certificate_loaded);
}

static void
step_certificate (Wait *w)
{
  if (certificate_ok (w))
    {
      step_token (w);
      return;
    }
  set_phase (w->self, NTPMON_PHASE_WAITING_FOR_CERTIFICATE);
  g_message (_ ("waiting for certificates to be loaded"));
  load_then (w, certificate_loaded);
}

/* (c) a JWT */

static void
token_resume (Wait *w, gboolean by_change)
{
  step_token (w);
}

static void
token_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;
  GError *error = NULL;
  g_autofree gchar *token = ntpmon_webapi_get_token_finish (NTPMON_WEBAPI (source), result, &error);

  if (token != NULL)
    {
      step_live (w);
      return;
    }
  if (is_auth_error (error) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish (w, error);
      return;
    }
  g_debug ("JWT request failed, will retry: %s", error->message);
  g_error_free (error);
  pause_then (w, ntpmon_backoff_next (&w->jwt), FALSE, token_resume);
}

static void
step_token (Wait *w)
{
  if (!ntpmon_webapi_token_needs_refresh (w->self->webapi))
    {
      step_live (w);
      return;
    }
  ntpmon_webapi_get_token_async (w->self->webapi, ntpmon_state_get_api_key (w->self->state),
                                 g_task_get_cancellable (w->task), token_cb, w);
}

/* (d) an IP family active or testing */

static gboolean
any_live (Wait *w)
{
  return ntpmon_state_is_live (w->self->state, NTPMON_STATE_IPV4)
         || ntpmon_state_is_live (w->self->state, NTPMON_STATE_IPV6);
}

static void live_resume (Wait *w, gboolean by_change);

static void
live_check (Wait *w)
{
  if (any_live (w))
    {
      set_phase (w->self, NTPMON_PHASE_READY);
      finish (w, NULL);
      return;
    }
  pause_then (w, ntpmon_backoff_next (&w->live), TRUE, live_resume);
}

static void
live_loaded (Wait *w, GError *error)
{
  if (error != NULL && !is_auth_error (error))
    {
      finish (w, error);
      return;
    }
  g_clear_error (&error);
  live_check (w);
}

static void
live_resume (Wait *w, gboolean by_change)
{
  if (by_change)
    {
      ntpmon_backoff_reset (&w->live);
      live_check (w);
    }
  else
    load_then (w, live_loaded);
}

static void
step_live (Wait *w)
{
  if (!any_live (w))
    {
      set_phase (w->self, NTPMON_PHASE_WAITING_FOR_ACTIVATION);
      g_message (_ ("waiting for monitor status to be testing or active"));
    }
  live_check (w);
}

/**
 * ntpmon_state_manager_wait_until_live_async:
 *
 * Waits (spec agent.md §5.1 step 3) for an API key (backoff 30 s to
 * 5 min; 10 min to 4 h after the key was rejected), a certificate not due
 * for renewal (4 s to 2 min), a JWT (2 s to 2 min) and an IP family that is
 * live (1 min to 20 min). The `phase` property follows. Fails on a
 * cancellation, on a rejected key while waiting for the certificate or the
 * JWT, and on state files that cannot be read.
 */
void
ntpmon_state_manager_wait_until_live_async (NtpmonStateManager *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data)
{
  Wait *w = g_new0 (Wait, 1);

  w->self = g_object_ref (self);
  w->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (w->task, ntpmon_state_manager_wait_until_live_async);
  g_task_set_task_data (w->task, w, (GDestroyNotify)wait_free);
  ntpmon_backoff_init (&w->missing, 30 * 1000, 5 * MINUTE_MS);
  ntpmon_backoff_init (&w->auth, 10 * MINUTE_MS, 4 * 60 * MINUTE_MS);
  ntpmon_backoff_init (&w->cert, 4 * 1000, 2 * MINUTE_MS);
  ntpmon_backoff_init (&w->jwt, 2 * 1000, 2 * MINUTE_MS);
  ntpmon_backoff_init (&w->live, MINUTE_MS, 20 * MINUTE_MS);
  w->current = &w->missing;
  w->last_auth_error = G_MININT64 / 2;
  w->hint = g_strdup_printf ("ntppool-agent setup --env %s --state-dir '%s'",
                             ntpmon_state_get_env (self->state),
                             ntpmon_state_get_base_dir (self->state));
  step_key (w);
}

gboolean
ntpmon_state_manager_wait_until_live_finish (NtpmonStateManager *self, GAsyncResult *result,
                                             GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
