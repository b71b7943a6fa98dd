/* ntpmon-probe.h: extension point for one measurement of one target
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-ntp-result.h"

G_BEGIN_DECLS

#define NTPMON_TYPE_PROBE (ntpmon_probe_get_type ())
G_DECLARE_INTERFACE (NtpmonProbe, ntpmon_probe, NTPMON, PROBE, GObject)

/**
 * NtpmonProbeRequest:
 * @target: address to measure
 * @port: UDP port (123 in production)
 * @samples: number of samples; <= 0 means the probe's default
 * @bind_address: (nullable): local address to bind to (own IP / NAT IP)
 * @allow_private: check loopback/private/multicast targets instead of refusing
 */
typedef struct
{
  GInetAddress *target;
  guint16 port;
  gint samples;
  GInetAddress *bind_address;
  gboolean allow_private;
} NtpmonProbeRequest;

/**
 * NtpmonProbeInterface:
 * @get_name: the probe's name as used in config and logs (`ntp`, `traceroute`)
 * @configure: apply the `[<name>]` group of the program's config; called
 *   when the extension is created and whenever the config changes. Return
 *   FALSE with @error set to reject a value (the previous settings stay).
 * @run_async: start one measurement; must not block, must honour
 *   @cancellable promptly (closing any socket it opened).
 * @run_finish: the result. Measurement failures (timeouts, bad replies) are
 *   reported *inside* the result (`error`, `no_response`) as the reference
 *   does; @error is only for failures to run at all (cancelled, refused target).
 * @run_text_finish: for probes whose result is a text report (traceroute);
 *   may be NULL.
 */
struct _NtpmonProbeInterface
{
  GTypeInterface g_iface;

  const gchar *(*get_name) (NtpmonProbe *self);
  gboolean (*configure) (NtpmonProbe *self, GKeyFile *config, GError **error);
  void (*run_async) (NtpmonProbe *self, const NtpmonProbeRequest *request,
                     GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
  NtpmonNtpResult *(*run_finish) (NtpmonProbe *self, GAsyncResult *result, GError **error);
  gchar *(*run_text_finish) (NtpmonProbe *self, GAsyncResult *result, GError **error);
};

const gchar *ntpmon_probe_get_name (NtpmonProbe *self);
gboolean ntpmon_probe_configure (NtpmonProbe *self, GKeyFile *config, GError **error);
void ntpmon_probe_run_async (NtpmonProbe *self, const NtpmonProbeRequest *request,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
NtpmonNtpResult *ntpmon_probe_run_finish (NtpmonProbe *self, GAsyncResult *result, GError **error);
gchar *ntpmon_probe_run_text_finish (NtpmonProbe *self, GAsyncResult *result, GError **error);

G_END_DECLS
