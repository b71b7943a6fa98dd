/* ntpmon-transport.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-transport.h"

G_DEFINE_INTERFACE (NtpmonTransport, ntpmon_transport, G_TYPE_OBJECT)

static void
ntpmon_transport_default_init (NtpmonTransportInterface *iface)
{
  g_signal_new ("message", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_BYTES, G_TYPE_VARIANT);
  g_signal_new ("connection-changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL,
                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

#define IFACE(self) NTPMON_TRANSPORT_GET_IFACE (self)

const gchar *
ntpmon_transport_get_name (NtpmonTransport *self)
{
  g_return_val_if_fail (NTPMON_IS_TRANSPORT (self), NULL);
  return IFACE (self)->get_name (self);
}

gboolean
ntpmon_transport_configure (NtpmonTransport *self, GKeyFile *config, GVariant *settings,
                            GError **error)
{
  g_return_val_if_fail (NTPMON_IS_TRANSPORT (self), FALSE);
  return IFACE (self)->configure (self, config, settings, error);
}

void
ntpmon_transport_connect_async (NtpmonTransport *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (NTPMON_IS_TRANSPORT (self));
  IFACE (self)->connect_async (self, cancellable, callback, user_data);
}

gboolean
ntpmon_transport_connect_finish (NtpmonTransport *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (NTPMON_IS_TRANSPORT (self), FALSE);
  return IFACE (self)->connect_finish (self, result, error);
}

void
ntpmon_transport_disconnect (NtpmonTransport *self)
{
  g_return_if_fail (NTPMON_IS_TRANSPORT (self));
  IFACE (self)->disconnect (self);
}

gboolean
ntpmon_transport_publish (NtpmonTransport *self, const gchar *topic, GBytes *payload, gint qos,
                          gboolean retain, GVariant *properties, GError **error)
{
  g_return_val_if_fail (NTPMON_IS_TRANSPORT (self), FALSE);
  return IFACE (self)->publish (self, topic, payload, qos, retain, properties, error);
}

gboolean
ntpmon_transport_subscribe (NtpmonTransport *self, const gchar *topic_filter, gint qos,
                            GError **error)
{
  g_return_val_if_fail (NTPMON_IS_TRANSPORT (self), FALSE);
  return IFACE (self)->subscribe (self, topic_filter, qos, error);
}

gboolean
ntpmon_transport_is_connected (NtpmonTransport *self)
{
  g_return_val_if_fail (NTPMON_IS_TRANSPORT (self), FALSE);
  return IFACE (self)->is_connected (self);
}
