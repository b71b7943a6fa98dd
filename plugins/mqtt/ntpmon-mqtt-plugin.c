/* ntpmon-mqtt-plugin.c: the MQTT transport (not implemented yet, see README.md)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <libpeas/peas.h>

#include "ntpmon-transport.h"

#define NTPMON_TYPE_MQTT_TRANSPORT (ntpmon_mqtt_transport_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonMqttTransport, ntpmon_mqtt_transport, NTPMON, MQTT_TRANSPORT, GObject)

struct _NtpmonMqttTransport
{
  GObject parent_instance;
};

static void ntpmon_mqtt_transport_iface_init (NtpmonTransportInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (NtpmonMqttTransport, ntpmon_mqtt_transport, G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (NTPMON_TYPE_TRANSPORT,
                                                               ntpmon_mqtt_transport_iface_init))

static const gchar *
ntpmon_mqtt_transport_get_name (NtpmonTransport *transport)
{
  return "mqtt";
}

static gboolean
not_implemented (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "the mqtt transport is not implemented yet");
  return FALSE;
}

static gboolean
ntpmon_mqtt_transport_configure (NtpmonTransport *transport, GKeyFile *config, GVariant *settings,
                                 GError **error)
{
  return not_implemented (error);
}

static void
ntpmon_mqtt_transport_connect_async (NtpmonTransport *transport, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_task_report_new_error (transport, callback, user_data, ntpmon_mqtt_transport_connect_async,
                           G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "the mqtt transport is not implemented yet");
}

static gboolean
ntpmon_mqtt_transport_connect_finish (NtpmonTransport *transport, GAsyncResult *result,
                                      GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ntpmon_mqtt_transport_disconnect (NtpmonTransport *transport)
{
}

static gboolean
ntpmon_mqtt_transport_publish (NtpmonTransport *transport, const gchar *topic, GBytes *payload,
                               gint qos, gboolean retain, GVariant *properties, GError **error)
{
  return not_implemented (error);
}

static gboolean
ntpmon_mqtt_transport_subscribe (NtpmonTransport *transport, const gchar *topic_filter, gint qos,
                                 GError **error)
{
  return not_implemented (error);
}

static gboolean
ntpmon_mqtt_transport_is_connected (NtpmonTransport *transport)
{
  return FALSE;
}

static void
ntpmon_mqtt_transport_iface_init (NtpmonTransportInterface *iface)
{
  iface->get_name = ntpmon_mqtt_transport_get_name;
  iface->configure = ntpmon_mqtt_transport_configure;
  iface->connect_async = ntpmon_mqtt_transport_connect_async;
  iface->connect_finish = ntpmon_mqtt_transport_connect_finish;
  iface->disconnect = ntpmon_mqtt_transport_disconnect;
  iface->publish = ntpmon_mqtt_transport_publish;
  iface->subscribe = ntpmon_mqtt_transport_subscribe;
  iface->is_connected = ntpmon_mqtt_transport_is_connected;
}

static void
ntpmon_mqtt_transport_class_init (NtpmonMqttTransportClass *klass)
{
}

static void
ntpmon_mqtt_transport_class_finalize (NtpmonMqttTransportClass *klass)
{
}

static void
ntpmon_mqtt_transport_init (NtpmonMqttTransport *self)
{
}

G_MODULE_EXPORT void peas_register_types (PeasObjectModule *module);

G_MODULE_EXPORT void
peas_register_types (PeasObjectModule *module)
{
  ntpmon_mqtt_transport_register_type (G_TYPE_MODULE (module));
  peas_object_module_register_extension_type (module, NTPMON_TYPE_TRANSPORT,
                                              NTPMON_TYPE_MQTT_TRANSPORT);
}
