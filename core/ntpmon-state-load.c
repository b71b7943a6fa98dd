/* ntpmon-state-load.c: the `load` operation (spec agent.md §2.3)
 *
 * SPDX-License-Identifier: MIT
 *
 * Reads state.json (or migrates it), loads the certificate files, and with
 * an API key asks the web API for the monitor's config, asking for a
 * certificate when there is none or it is due for renewal. A certificate
 * received is saved and loaded at once (the reference only loads it on its
 * next load). state.json is written when it did not exist or anything
 * changed; `config-changed` is emitted when the API key, the presence of a
 * certificate or the monitor data changed.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-state-load.h"

typedef struct
{
  NtpmonWebapi *webapi;
  gboolean existed;
  gboolean changed;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->webapi);
  g_free (data);
}

static void
load_certificates_quietly (NtpmonState *state)
{
  g_autoptr (GError) error = NULL;

  if (!ntpmon_state_load_certificates (state, &error)
      && !g_error_matches (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_NO_CERTIFICATE))
    g_info ("load certificate: %s", error->message);
}

/**
 * ntpmon_state_apply_web_config:
 * @changed: (out): whether the monitor data changed
 *
 * Processes a config from the web API: saves and loads a certificate if
 * one came along, then replaces the monitor data.
 */
gboolean
ntpmon_state_apply_web_config (NtpmonState *state, const NtpmonWebapiConfig *config,
                               gboolean *changed, GError **error)
{
  g_autofree gchar *old_sha = g_strdup (ntpmon_state_get_data_sha (state));
  g_autoptr (GError) local = NULL;

  *changed = FALSE;
  if (config->cert != NULL && *config->cert != '\0')
    {
      gboolean had = ntpmon_state_have_certificate (state);
      gint64 old_after = 0;

      ntpmon_state_certificate_dates (state, NULL, &old_after, NULL);
      if (!ntpmon_state_save_certificates (state, config->cert, config->key, &local))
        {
          g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO,
                       _ ("error saving certificates: %s"), local->message);
          return FALSE;
        }
      load_certificates_quietly (state);
      if (ntpmon_state_have_certificate (state) != had)
        ntpmon_state_notify_config_changed (state);
      else if (had)
        {
          gint64 new_after = 0;

          ntpmon_state_certificate_dates (state, NULL, &new_after, NULL);
          if (new_after != old_after)
            g_message (_ ("certificate renewed"));
        }
    }
  if (!ntpmon_state_set_data (state, config->name, config->tls_name, config->ipv4_status,
                              config->ipv4_ip, config->ipv6_status, config->ipv6_ip, error))
    return FALSE;
  *changed = g_strcmp0 (old_sha, ntpmon_state_get_data_sha (state)) != 0;
  return TRUE;
}

static void
finish (GTask *task, gboolean data_changed)
{
  NtpmonState *state = g_task_get_source_object (task);
  LoadData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if ((!data->existed || data->changed || data_changed) && !ntpmon_state_save (state, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
config_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  NtpmonState *state = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr (NtpmonWebapiConfig) config
      = ntpmon_webapi_fetch_config_finish (NTPMON_WEBAPI (source), result, &error);
  gboolean data_changed;

  if (config == NULL || !ntpmon_state_apply_web_config (state, config, &data_changed, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  finish (task, data_changed);
}

/**
 * ntpmon_state_load_async:
 * @webapi: (nullable): the web API; NULL reads the files only
 * @request_certificate: ask for a certificate even if the one loaded is fine
 *
 * Fails when state.json cannot be read or parsed, or when the web API
 * call fails (NTPMON_WEBAPI_ERROR_UNAUTHORIZED for a rejected key).
 */
void
ntpmon_state_load_async (NtpmonState *state, NtpmonWebapi *webapi, gboolean request_certificate,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (state, cancellable, callback, user_data);
  LoadData *data = g_new0 (LoadData, 1);
  g_autofree gchar *prev_key = g_strdup (ntpmon_state_get_api_key (state));
  gboolean prev_cert = ntpmon_state_have_certificate (state);
  GError *error = NULL;
  g_autofree gchar *key = NULL;

  g_task_set_source_tag (task, ntpmon_state_load_async);
  g_task_set_task_data (task, data, (GDestroyNotify)load_data_free);
  data->webapi = webapi != NULL ? g_object_ref (webapi) : NULL;
  if (!ntpmon_state_read (state, &data->existed, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  load_certificates_quietly (state);
  key = g_strdup (ntpmon_state_get_api_key (state));
  data->changed
      = g_strcmp0 (prev_key, key) != 0 || prev_cert != ntpmon_state_have_certificate (state);
  /* handlers may reload the state, replacing the key, right away */
  if (data->changed)
    ntpmon_state_notify_config_changed (state);
  if (*key == '\0' || webapi == NULL)
    {
      finish (task, FALSE);
      return;
    }
  if (!request_certificate)
    {
      gint64 next_check;
      g_autoptr (GError) check_error = NULL;

      request_certificate = !ntpmon_state_check_certificate (
          state, g_get_real_time () / G_USEC_PER_SEC, &next_check, &check_error);
      if (request_certificate && check_error == NULL)
        {
          g_autofree gchar *what
              = ntpmon_state_describe_certificate (state, g_get_real_time () / G_USEC_PER_SEC);

          g_message (_ ("%s: requesting a new one"), what);
        }
    }
  ntpmon_webapi_fetch_config_async (webapi, key, request_certificate, g_task_get_cancellable (task),
                                    config_cb, g_object_ref (task));
}

gboolean
ntpmon_state_load_finish (NtpmonState *state, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

/**
 * ntpmon_state_load_sync:
 *
 * The load operation, iterating the thread-default main context until it
 * has finished (for use before a main loop runs).
 */
gboolean
ntpmon_state_load_sync (NtpmonState *state, NtpmonWebapi *webapi, gboolean request_certificate,
                        GCancellable *cancellable, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ntpmon_state_load_async (state, webapi, request_certificate, cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return ntpmon_state_load_finish (state, result, error);
}

/**
 * ntpmon_state_load_at_startup:
 *
 * The load every command but `version` starts with (spec agent.md §1.4
 * step 6): an API key the web API rejects is forgotten (in memory only);
 * any other failure is returned.
 */
gboolean
ntpmon_state_load_at_startup (NtpmonState *state, NtpmonWebapi *webapi, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (ntpmon_state_load_sync (state, webapi, FALSE, NULL, &local))
    return TRUE;
  if (!g_error_matches (local, NTPMON_WEBAPI_ERROR, NTPMON_WEBAPI_ERROR_UNAUTHORIZED))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_message (_ ("API key unauthorized, clearing it"));
  ntpmon_state_forget_api_key (state);
  return TRUE;
}
