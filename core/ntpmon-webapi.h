/* ntpmon-webapi.h: client of the NTP Pool web API (registration, config, JWT)
 *
 * SPDX-License-Identifier: MIT
 *
 * The web API (spec agent.md §3) is ordinary public HTTPS checked against
 * the system's CAs. `API_HOST` replaces the base URL of every environment;
 * `NTPMON_WEBAPI_CA_FILE` (or ntpmon_webapi_set_extra_ca_file()) names a PEM
 * file of further trust anchors, e.g. a private test CA.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define NTPMON_WEBAPI_ERROR (ntpmon_webapi_error_quark ())
GQuark ntpmon_webapi_error_quark (void);

typedef enum
{
  NTPMON_WEBAPI_ERROR_UNAUTHORIZED, /* HTTP 401: "api key unauthorized" */
  NTPMON_WEBAPI_ERROR_HTTP_STATUS,  /* another unexpected HTTP status */
  NTPMON_WEBAPI_ERROR_BAD_RESPONSE, /* body not JSON, wrong types, missing fields */
  NTPMON_WEBAPI_ERROR_NO_API_KEY,
  NTPMON_WEBAPI_ERROR_TIMEOUT,
  NTPMON_WEBAPI_ERROR_SETUP, /* bad base URL or CA file */
} NtpmonWebapiError;

#define NTPMON_WEBAPI_CONFIG_TIMEOUT_S       30
#define NTPMON_WEBAPI_REGISTRATION_TIMEOUT_S 60
#define NTPMON_WEBAPI_TOKEN_LIFETIME_S       3600
#define NTPMON_WEBAPI_TOKEN_REFRESH_S        300

/* GET /monitor/api/config */
typedef struct
{
  gchar *name;
  gchar *tls_name;
  gchar *ipv4_status;
  gchar *ipv4_ip;
  gchar *ipv6_status;
  gchar *ipv6_ip;
  gchar *cert; /* PEM, "" when the server sent none */
  gchar *key;
} NtpmonWebapiConfig;

void ntpmon_webapi_config_free (NtpmonWebapiConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonWebapiConfig, ntpmon_webapi_config_free)
NtpmonWebapiConfig *ntpmon_webapi_parse_config (const gchar *json, gsize length, GError **error);

/* one answer to POST /monitor/api/registration */
typedef struct
{
  guint status;
  gchar *content_type; /* raw header value, "" if none */
  gchar *media_type;   /* lowercase, parameters removed */
  GBytes *body;
  gchar *trace_id;             /* TraceID header or NULL */
  GSocketFamily remote_family; /* of the server address connected to */
  /* from a JSON body */
  gchar *url;
  gchar *reg_status;
  gchar *api_token;
} NtpmonWebapiRegistration;

void ntpmon_webapi_registration_free (NtpmonWebapiRegistration *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonWebapiRegistration, ntpmon_webapi_registration_free)
gboolean ntpmon_webapi_registration_parse_json (NtpmonWebapiRegistration *reply, GError **error);

#define NTPMON_TYPE_WEBAPI (ntpmon_webapi_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonWebapi, ntpmon_webapi, NTPMON, WEBAPI, GObject)

const gchar *ntpmon_webapi_default_base_url (const gchar *env);
NtpmonWebapi *ntpmon_webapi_new (const gchar *env, GError **error);
NtpmonWebapi *ntpmon_webapi_new_for_url (const gchar *base_url, GError **error);
const gchar *ntpmon_webapi_get_base_url (NtpmonWebapi *self);
gboolean ntpmon_webapi_set_extra_ca_file (NtpmonWebapi *self, const gchar *path, GError **error);
gchar *ntpmon_webapi_build_url (NtpmonWebapi *self, const gchar *path);

void ntpmon_webapi_fetch_config_async (NtpmonWebapi *self, const gchar *api_key,
                                       gboolean request_certificate, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
NtpmonWebapiConfig *ntpmon_webapi_fetch_config_finish (NtpmonWebapi *self, GAsyncResult *result,
                                                       GError **error);

void ntpmon_webapi_get_token_async (NtpmonWebapi *self, const gchar *api_key,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gchar *ntpmon_webapi_get_token_finish (NtpmonWebapi *self, GAsyncResult *result, GError **error);
gboolean ntpmon_webapi_token_needs_refresh (NtpmonWebapi *self);
const gchar *ntpmon_webapi_peek_token (NtpmonWebapi *self);
void ntpmon_webapi_clear_token (NtpmonWebapi *self);

void ntpmon_webapi_register_async (NtpmonWebapi *self, const gchar *registration_id,
                                   const gchar *hostname, const gchar *account,
                                   const gchar *api_key, GSocketFamily family,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
NtpmonWebapiRegistration *ntpmon_webapi_register_finish (NtpmonWebapi *self, GAsyncResult *result,
                                                         GError **error);

/* ntpmon-webapi-family.c: a host name that resolves to one family only */
GSocketConnectable *ntpmon_webapi_family_address_new (const gchar *hostname, guint16 port,
                                                      const gchar *scheme, GSocketFamily family);

G_END_DECLS
