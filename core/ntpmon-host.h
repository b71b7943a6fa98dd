/* ntpmon-host.h: the plugin host of a program (a PeasEngine and its extensions)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libpeas/peas.h>

#include "ntpmon-config.h"

G_BEGIN_DECLS

#define NTPMON_HOST_ERROR (ntpmon_host_error_quark ())
GQuark ntpmon_host_error_quark (void);

typedef enum
{
  NTPMON_HOST_ERROR_UNKNOWN_PLUGIN,
  NTPMON_HOST_ERROR_LOAD_FAILED,
  NTPMON_HOST_ERROR_BAD_CONFIG,
} NtpmonHostError;

#define NTPMON_TYPE_HOST (ntpmon_host_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonHost, ntpmon_host, NTPMON, HOST, GObject)

/**
 * NtpmonHostExtensionFunc:
 * @host: the host
 * @info: the plugin that provides @extension
 * @extension: an extension object implementing the watched interface
 * @user_data: closure data
 */
typedef void (*NtpmonHostExtensionFunc) (NtpmonHost *host, PeasPluginInfo *info, GObject *extension,
                                         gpointer user_data);

NtpmonHost *ntpmon_host_new (const gchar *program, const gchar *const *extra_dirs);
const gchar *ntpmon_host_get_program (NtpmonHost *self);
PeasEngine *ntpmon_host_get_engine (NtpmonHost *self);

GList *ntpmon_host_list_plugins (NtpmonHost *self);
gchar **ntpmon_host_dup_default_enabled (NtpmonHost *self);
void ntpmon_host_declare_config (NtpmonHost *self, NtpmonConfig *config);
gboolean ntpmon_host_apply_config (NtpmonHost *self, GKeyFile *config, GError **error);
gchar **ntpmon_host_dup_enabled (NtpmonHost *self);
gchar **ntpmon_host_dup_loaded (NtpmonHost *self);

PeasExtensionSet *ntpmon_host_get_extensions (NtpmonHost *self, GType iface);
void ntpmon_host_watch_extensions (NtpmonHost *self, GType iface, NtpmonHostExtensionFunc added,
                                   NtpmonHostExtensionFunc removed, gpointer user_data,
                                   GObject *lifetime);
GObject *ntpmon_host_find_extension (NtpmonHost *self, GType iface, const gchar *name);

GPtrArray *ntpmon_host_create_named_extensions (PeasEngine *engine, PeasPluginInfo *info,
                                                GType iface, const gchar *list_key,
                                                const gchar *what, GError **error);

G_END_DECLS
