/* ntpmon-transport.h: extension point for a message transport (MQTT)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_TYPE_TRANSPORT (ntpmon_transport_get_type ())
G_DECLARE_INTERFACE (NtpmonTransport, ntpmon_transport, NTPMON, TRANSPORT, GObject)

/**
 * NtpmonTransportInterface:
 * @get_name: transport name (`mqtt`)
 * @configure: apply config: the plugin's keyfile group plus connection
 *   settings handed over by the program as an `a{sv}` (host, port, client-id,
 *   username/password or token, TLS certificate and key paths, will topic and
 *   payload, …). May be called again while connected; the transport reconnects.
 * @connect_async: connect (and keep reconnecting until disconnected)
 * @connect_finish: result of the first connection attempt
 * @disconnect: publish the clean-shutdown messages and close; idempotent
 * @publish: queue one message; QoS 0–2; never blocks
 * @subscribe: subscribe to a topic filter; kept across reconnects
 * @is_connected: current connection state
 *
 * Signals: `message` (topic, payload #GBytes, properties `a{sv}` with e.g.
 * `response-topic`, `correlation-data`), `connection-changed` (connected bool).
 */
struct _NtpmonTransportInterface
{
  GTypeInterface g_iface;

  const gchar *(*get_name) (NtpmonTransport *self);
  gboolean (*configure) (NtpmonTransport *self, GKeyFile *config, GVariant *settings,
                         GError **error);
  void (*connect_async) (NtpmonTransport *self, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data);
  gboolean (*connect_finish) (NtpmonTransport *self, GAsyncResult *result, GError **error);
  void (*disconnect) (NtpmonTransport *self);
  gboolean (*publish) (NtpmonTransport *self, const gchar *topic, GBytes *payload, gint qos,
                       gboolean retain, GVariant *properties, GError **error);
  gboolean (*subscribe) (NtpmonTransport *self, const gchar *topic_filter, gint qos,
                         GError **error);
  gboolean (*is_connected) (NtpmonTransport *self);
};

const gchar *ntpmon_transport_get_name (NtpmonTransport *self);
gboolean ntpmon_transport_configure (NtpmonTransport *self, GKeyFile *config, GVariant *settings,
                                     GError **error);
void ntpmon_transport_connect_async (NtpmonTransport *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean ntpmon_transport_connect_finish (NtpmonTransport *self, GAsyncResult *result,
                                          GError **error);
void ntpmon_transport_disconnect (NtpmonTransport *self);
gboolean ntpmon_transport_publish (NtpmonTransport *self, const gchar *topic, GBytes *payload,
                                   gint qos, gboolean retain, GVariant *properties, GError **error);
gboolean ntpmon_transport_subscribe (NtpmonTransport *self, const gchar *topic_filter, gint qos,
                                     GError **error);
gboolean ntpmon_transport_is_connected (NtpmonTransport *self);

G_END_DECLS
