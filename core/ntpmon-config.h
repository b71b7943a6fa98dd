/* ntpmon-config.h: keyfile config with drop-ins, typed keys and hot reload
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_CONFIG_ERROR (ntpmon_config_error_quark ())
GQuark ntpmon_config_error_quark (void);

typedef enum
{
  NTPMON_CONFIG_ERROR_READ,
  NTPMON_CONFIG_ERROR_PARSE,
  NTPMON_CONFIG_ERROR_TYPE,
  NTPMON_CONFIG_ERROR_VALUE,
} NtpmonConfigError;

typedef enum
{
  NTPMON_CONFIG_STRING,
  NTPMON_CONFIG_INTEGER,
  NTPMON_CONFIG_BOOLEAN,
  NTPMON_CONFIG_DOUBLE,
  NTPMON_CONFIG_STRING_LIST,
} NtpmonConfigType;

#define NTPMON_TYPE_CONFIG (ntpmon_config_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonConfig, ntpmon_config, NTPMON, CONFIG, GObject)

NtpmonConfig *ntpmon_config_new (const gchar *path);
const gchar *ntpmon_config_get_path (NtpmonConfig *self);
gchar *ntpmon_config_dup_dropin_dir (NtpmonConfig *self);

void ntpmon_config_add_key (NtpmonConfig *self, const gchar *group, const gchar *key,
                            NtpmonConfigType type);
gboolean ntpmon_config_parse_type (const gchar *name, NtpmonConfigType *out);
void ntpmon_config_set_choices (NtpmonConfig *self, const gchar *group, const gchar *key,
                                const gchar *const *choices);

gboolean ntpmon_config_load (NtpmonConfig *self, GError **error);
gboolean ntpmon_config_reload (NtpmonConfig *self);
void ntpmon_config_watch (NtpmonConfig *self, guint debounce_ms);

GKeyFile *ntpmon_config_get_keyfile (NtpmonConfig *self);
const gchar *const *ntpmon_config_get_files (NtpmonConfig *self);
const gchar *ntpmon_config_get_last_error (NtpmonConfig *self);

gchar *ntpmon_config_get_string (NtpmonConfig *self, const gchar *group, const gchar *key,
                                 const gchar *fallback);
gint ntpmon_config_get_integer (NtpmonConfig *self, const gchar *group, const gchar *key,
                                gint fallback);
gboolean ntpmon_config_get_boolean (NtpmonConfig *self, const gchar *group, const gchar *key,
                                    gboolean fallback);
gdouble ntpmon_config_get_double (NtpmonConfig *self, const gchar *group, const gchar *key,
                                  gdouble fallback);
gchar **ntpmon_config_get_string_list (NtpmonConfig *self, const gchar *group, const gchar *key);

G_END_DECLS
