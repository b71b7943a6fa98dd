/* ntpmon-traceroute-plugin.c: the `traceroute` probe (not implemented yet, see README.md)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-probe.h"

#define NTPMON_TYPE_TRACEROUTE_PROBE (ntpmon_traceroute_probe_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonTracerouteProbe, ntpmon_traceroute_probe, NTPMON, TRACEROUTE_PROBE,
                      GObject)

struct _NtpmonTracerouteProbe
{
  GObject parent_instance;
};

static void ntpmon_traceroute_probe_iface_init (NtpmonProbeInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonTracerouteProbe, ntpmon_traceroute_probe, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_PROBE,
                                                               ntpmon_traceroute_probe_iface_init))

static const gchar *
ntpmon_traceroute_probe_get_name (NtpmonProbe *probe)
{
  return "traceroute";
}

static void
ntpmon_traceroute_probe_run_async (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_task_report_new_error (probe, callback, user_data, ntpmon_traceroute_probe_run_async,
                           G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "the traceroute probe is not implemented yet");
}

static NtpmonNtpResult *
ntpmon_traceroute_probe_run_finish (NtpmonProbe *probe, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ntpmon_traceroute_probe_iface_init (NtpmonProbeInterface *iface)
{
  iface->get_name = ntpmon_traceroute_probe_get_name;
  iface->run_async = ntpmon_traceroute_probe_run_async;
  iface->run_finish = ntpmon_traceroute_probe_run_finish;
}

static void
ntpmon_traceroute_probe_class_init (NtpmonTracerouteProbeClass *klass)
{
}

static void
ntpmon_traceroute_probe_class_finalize (NtpmonTracerouteProbeClass *klass)
{
}

static void
ntpmon_traceroute_probe_init (NtpmonTracerouteProbe *self)
{
}

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  ntpmon_traceroute_probe_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_PROBE,
                                              NTPMON_TYPE_TRACEROUTE_PROBE);
}
