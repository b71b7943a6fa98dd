/* ntpmon-state.h: the agent's state directory (state.json, cert.pem, key.pem)
 *
 * SPDX-License-Identifier: MIT
 *
 * One NtpmonState holds the persisted state of one environment,
 * `<base>/<env>/`, in memory: the API key, the monitor data the web API
 * sent (name, TLS name, per IP family status and address), the cached OTLP
 * log level and the client certificate. The files are interchangeable with
 * the reference agent's (spec agent.md §2.2).
 *
 * Signals:
 * - `changed`: state.json was written on disk (by this or another process);
 *   debounced by 500 ms; only while ntpmon_state_watch() is active.
 * - `config-changed`: the in-memory configuration changed (API key,
 *   certificate presence, monitor data); wait loops listen to it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_STATE_ERROR (ntpmon_state_error_quark ())
GQuark ntpmon_state_error_quark (void);

typedef enum
{
  NTPMON_STATE_ERROR_PARSE,       /* state.json is not valid */
  NTPMON_STATE_ERROR_IO,          /* a file could not be read or written */
  NTPMON_STATE_ERROR_CERTIFICATE, /* cert.pem/key.pem missing or not a key pair */
  NTPMON_STATE_ERROR_NO_CERTIFICATE,
} NtpmonStateError;

typedef enum
{
  NTPMON_STATE_IPV4 = 4,
  NTPMON_STATE_IPV6 = 6,
} NtpmonStateFamily;

#define NTPMON_STATE_FILE        "state.json"
#define NTPMON_STATE_CERT_FILE   "cert.pem"
#define NTPMON_STATE_KEY_FILE    "key.pem"
#define NTPMON_STATE_DEBOUNCE_MS 500

#define NTPMON_TYPE_STATE (ntpmon_state_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonState, ntpmon_state, NTPMON, STATE, GObject)

NtpmonState *ntpmon_state_new (const gchar *base_dir, const gchar *env);
const gchar *ntpmon_state_get_base_dir (NtpmonState *self);
const gchar *ntpmon_state_get_env (NtpmonState *self);
const gchar *ntpmon_state_get_dir (NtpmonState *self);
gchar *ntpmon_state_dup_path (NtpmonState *self, const gchar *name);
gboolean ntpmon_state_ensure_dir (NtpmonState *self, gboolean writable, GError **error);

/* state.json */
gboolean ntpmon_state_read (NtpmonState *self, gboolean *existed, GError **error);
gboolean ntpmon_state_parse (NtpmonState *self, const gchar *json, gssize length,
                             const gchar *origin, GError **error);
gboolean ntpmon_state_save (NtpmonState *self, GError **error);
gchar *ntpmon_state_to_json (NtpmonState *self);
gchar *ntpmon_state_compute_data_sha (NtpmonState *self);

const gchar *ntpmon_state_get_api_key (NtpmonState *self);
gboolean ntpmon_state_set_api_key (NtpmonState *self, const gchar *api_key, GError **error);
void ntpmon_state_forget_api_key (NtpmonState *self);
const gchar *ntpmon_state_get_name (NtpmonState *self);
const gchar *ntpmon_state_get_tls_name (NtpmonState *self);
const gchar *ntpmon_state_get_data_sha (NtpmonState *self);
const gchar *ntpmon_state_get_otlp_log_level (NtpmonState *self);
gboolean ntpmon_state_set_otlp_log_level (NtpmonState *self, const gchar *level, GError **error);
const gchar *ntpmon_state_get_status (NtpmonState *self, NtpmonStateFamily family);
const gchar *ntpmon_state_get_ip (NtpmonState *self, NtpmonStateFamily family);
gboolean ntpmon_state_is_live (NtpmonState *self, NtpmonStateFamily family);
gboolean ntpmon_state_set_data (NtpmonState *self, const gchar *name, const gchar *tls_name,
                                const gchar *v4_status, const gchar *v4_ip, const gchar *v6_status,
                                const gchar *v6_ip, GError **error);

/* certificates */
gboolean ntpmon_state_save_certificates (NtpmonState *self, const gchar *cert_pem,
                                         const gchar *key_pem, GError **error);
gboolean ntpmon_state_load_certificates (NtpmonState *self, GError **error);
gboolean ntpmon_state_have_certificate (NtpmonState *self);
gboolean ntpmon_state_certificate_dates (NtpmonState *self, gint64 *not_before, gint64 *not_after,
                                         GError **error);
gboolean ntpmon_state_check_certificate (NtpmonState *self, gint64 now, gint64 *next_check,
                                         GError **error);
gboolean ntpmon_state_certificate_validity (gint64 not_before, gint64 not_after, gint64 now,
                                            gint64 *next_check);
gchar *ntpmon_state_describe_certificate (NtpmonState *self, gint64 now);
GTlsCertificate *ntpmon_state_dup_tls_certificate (NtpmonState *self, GError **error);

/* migration, watching, notifications */
gboolean ntpmon_state_migrate_runtime_dir (NtpmonState *self, gboolean *migrated, GError **error);
gboolean ntpmon_state_watch (NtpmonState *self, GError **error);
void ntpmon_state_unwatch (NtpmonState *self);
void ntpmon_state_notify_config_changed (NtpmonState *self);

gboolean ntpmon_state_write_file (const gchar *path, const gchar *contents, gssize length,
                                  GError **error);

G_END_DECLS
