/* ntpmon-ntp-plugin.c: the `ntp` probe (not implemented yet, see README.md)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-probe.h"

#define NTPMON_TYPE_NTP_PROBE (ntpmon_ntp_probe_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonNtpProbe, ntpmon_ntp_probe, NTPMON, NTP_PROBE, GObject)

struct _NtpmonNtpProbe
{
  GObject parent_instance;
};

static void ntpmon_ntp_probe_iface_init (NtpmonProbeInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonNtpProbe, ntpmon_ntp_probe, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_PROBE,
                                                               ntpmon_ntp_probe_iface_init))

static const gchar *
ntpmon_ntp_probe_get_name (NtpmonProbe *probe)
{
  return "ntp";
}

static void
ntpmon_ntp_probe_run_async (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_task_report_new_error (probe, callback, user_data, ntpmon_ntp_probe_run_async, G_IO_ERROR,
                           G_IO_ERROR_NOT_SUPPORTED, "the ntp probe is not implemented yet");
}

static NtpmonNtpResult *
ntpmon_ntp_probe_run_finish (NtpmonProbe *probe, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ntpmon_ntp_probe_iface_init (NtpmonProbeInterface *iface)
{
  iface->get_name = ntpmon_ntp_probe_get_name;
  iface->run_async = ntpmon_ntp_probe_run_async;
  iface->run_finish = ntpmon_ntp_probe_run_finish;
}

static void
ntpmon_ntp_probe_class_init (NtpmonNtpProbeClass *klass)
{
}

static void
ntpmon_ntp_probe_class_finalize (NtpmonNtpProbeClass *klass)
{
}

static void
ntpmon_ntp_probe_init (NtpmonNtpProbe *self)
{
}

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  ntpmon_ntp_probe_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_PROBE, NTPMON_TYPE_NTP_PROBE);
}
