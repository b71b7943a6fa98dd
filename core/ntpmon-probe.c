/* ntpmon-probe.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-probe.h"

G_DEFINE_INTERFACE (NtpmonProbe, ntpmon_probe, G_TYPE_OBJECT)

static void
ntpmon_probe_default_init (NtpmonProbeInterface *iface)
{
}

const gchar *
ntpmon_probe_get_name (NtpmonProbe *self)
{
  g_return_val_if_fail (NTPMON_IS_PROBE (self), NULL);
  return NTPMON_PROBE_GET_IFACE (self)->get_name (self);
}

gboolean
ntpmon_probe_configure (NtpmonProbe *self, GKeyFile *config, GError **error)
{
  NtpmonProbeInterface *iface;

  g_return_val_if_fail (NTPMON_IS_PROBE (self), FALSE);
  iface = NTPMON_PROBE_GET_IFACE (self);
  return iface->configure == NULL || iface->configure (self, config, error);
}

void
ntpmon_probe_run_async (NtpmonProbe *self, const NtpmonProbeRequest *request,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (NTPMON_IS_PROBE (self));
  g_return_if_fail (request != NULL && request->target != NULL);
  NTPMON_PROBE_GET_IFACE (self)->run_async (self, request, cancellable, callback, user_data);
}

NtpmonNtpResult *
ntpmon_probe_run_finish (NtpmonProbe *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (NTPMON_IS_PROBE (self), NULL);
  return NTPMON_PROBE_GET_IFACE (self)->run_finish (self, result, error);
}

gchar *
ntpmon_probe_run_text_finish (NtpmonProbe *self, GAsyncResult *result, GError **error)
{
  NtpmonProbeInterface *iface;

  g_return_val_if_fail (NTPMON_IS_PROBE (self), NULL);
  iface = NTPMON_PROBE_GET_IFACE (self);
  if (iface->run_text_finish == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "probe %s has no text result",
                   ntpmon_probe_get_name (self));
      return NULL;
    }
  return iface->run_text_finish (self, result, error);
}
