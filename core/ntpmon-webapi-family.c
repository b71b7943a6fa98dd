/* ntpmon-webapi-family.c: a network address restricted to IPv4 or IPv6
 *
 * SPDX-License-Identifier: MIT
 *
 * `setup` must register over each IP family in turn. A session given one of
 * these as its remote connectable dials only addresses of that family; as
 * it is still a GNetworkAddress with the real host name, TLS sends the name
 * as SNI and checks the certificate against it.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-webapi.h"

/* --- the enumerator ----------------------------------------------------- */

#define FAMILY_TYPE_ENUMERATOR (family_enumerator_get_type ())
G_DECLARE_FINAL_TYPE (FamilyEnumerator, family_enumerator, FAMILY, ENUMERATOR,
                      GSocketAddressEnumerator)

struct _FamilyEnumerator
{
  GSocketAddressEnumerator parent_instance;
  gchar *hostname;
  guint16 port;
  GSocketFamily family;
  gboolean resolved;
  GList *addresses; /* GInetAddress */
  GList *next;
};

G_DEFINE_FINAL_TYPE (FamilyEnumerator, family_enumerator, G_TYPE_SOCKET_ADDRESS_ENUMERATOR)

static GResolverNameLookupFlags
lookup_flags (FamilyEnumerator *self)
{
  return self->family == G_SOCKET_FAMILY_IPV6 ? G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY
                                              : G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY;
}

static GSocketAddress *
take_next (FamilyEnumerator *self)
{
  GInetAddress *address;

  if (self->next == NULL)
    return NULL;
  address = self->next->data;
  self->next = self->next->next;
  return g_inet_socket_address_new (address, self->port);
}

static void
set_addresses (FamilyEnumerator *self, GList *addresses)
{
  self->resolved = TRUE;
  self->addresses = addresses;
  self->next = addresses;
}

static GSocketAddress *
family_enumerator_next (GSocketAddressEnumerator *enumerator, GCancellable *cancellable,
                        GError **error)
{
  FamilyEnumerator *self = FAMILY_ENUMERATOR (enumerator);

  if (!self->resolved)
    {
      g_autoptr (GResolver) resolver = g_resolver_get_default ();
      GList *list = g_resolver_lookup_by_name_with_flags (resolver, self->hostname,
                                                          lookup_flags (self), cancellable, error);
      if (list == NULL)
        return NULL;
      set_addresses (self, list);
    }
  return take_next (self);
}

static void
lookup_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FamilyEnumerator *self = g_task_get_source_object (task);
  GError *error = NULL;
  GList *list = g_resolver_lookup_by_name_with_flags_finish (G_RESOLVER (source), result, &error);

  if (list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  set_addresses (self, list);
  g_task_return_pointer (task, take_next (self), g_object_unref);
}

static void
family_enumerator_next_async (GSocketAddressEnumerator *enumerator, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  FamilyEnumerator *self = FAMILY_ENUMERATOR (enumerator);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GResolver) resolver = NULL;

  g_task_set_source_tag (task, family_enumerator_next_async);
  if (self->resolved)
    {
      g_task_return_pointer (task, take_next (self), g_object_unref);
      g_object_unref (task);
      return;
    }
  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_with_flags_async (resolver, self->hostname, lookup_flags (self),
                                              cancellable, lookup_cb, task);
}

static GSocketAddress *
family_enumerator_next_finish (GSocketAddressEnumerator *enumerator, GAsyncResult *result,
                               GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
family_enumerator_finalize (GObject *object)
{
  FamilyEnumerator *self = FAMILY_ENUMERATOR (object);

  g_free (self->hostname);
  g_resolver_free_addresses (self->addresses);
  G_OBJECT_CLASS (family_enumerator_parent_class)->finalize (object);
}

static void
family_enumerator_class_init (FamilyEnumeratorClass *klass)
{
  GSocketAddressEnumeratorClass *enumerator_class = G_SOCKET_ADDRESS_ENUMERATOR_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = family_enumerator_finalize;
  enumerator_class->next = family_enumerator_next;
  enumerator_class->next_async = family_enumerator_next_async;
  enumerator_class->next_finish = family_enumerator_next_finish;
}

static void
family_enumerator_init (FamilyEnumerator *self)
{
}

/* --- the address --------------------------------------------------------- */

#define FAMILY_TYPE_ADDRESS (family_address_get_type ())
G_DECLARE_FINAL_TYPE (FamilyAddress, family_address, FAMILY, ADDRESS, GNetworkAddress)

struct _FamilyAddress
{
  GNetworkAddress parent_instance;
  GSocketFamily family;
};

static void family_address_connectable_init (GSocketConnectableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FamilyAddress, family_address, G_TYPE_NETWORK_ADDRESS,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SOCKET_CONNECTABLE,
                                                      family_address_connectable_init))

static GSocketAddressEnumerator *
family_address_enumerate (GSocketConnectable *connectable)
{
  FamilyAddress *self = FAMILY_ADDRESS (connectable);
  FamilyEnumerator *enumerator = g_object_new (FAMILY_TYPE_ENUMERATOR, NULL);

  enumerator->hostname = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (self)));
  enumerator->port = g_network_address_get_port (G_NETWORK_ADDRESS (self));
  enumerator->family = self->family;
  return G_SOCKET_ADDRESS_ENUMERATOR (enumerator);
}

static void
family_address_connectable_init (GSocketConnectableIface *iface)
{
  iface->enumerate = family_address_enumerate;
  iface->proxy_enumerate = family_address_enumerate;
}

static void
family_address_class_init (FamilyAddressClass *klass)
{
}

static void
family_address_init (FamilyAddress *self)
{
}

/**
 * ntpmon_webapi_family_address_new:
 * @family: G_SOCKET_FAMILY_IPV4 or G_SOCKET_FAMILY_IPV6
 *
 * Returns: (transfer full): @hostname:@port resolving only to @family
 */
GSocketConnectable *
ntpmon_webapi_family_address_new (const gchar *hostname, guint16 port, const gchar *scheme,
                                  GSocketFamily family)
{
  FamilyAddress *self = g_object_new (FAMILY_TYPE_ADDRESS, "hostname", hostname, "port", port,
                                      "scheme", scheme, NULL);

  self->family = family;
  return G_SOCKET_CONNECTABLE (self);
}
