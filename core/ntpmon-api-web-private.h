/* ntpmon-api-web-private.h: parts of the registration web API
 *
 * SPDX-License-Identifier: MIT
 *
 *   ntpmon-api-web.c       listener, routes, replies, config and token
 *   ntpmon-api-web-register.c  registration polls and page
 *   ntpmon-api-web-db.c    the SQL of each endpoint (database jobs)
 *   ntpmon-api-web-oidc.c  the token signing key, tokens, JWKS documents
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ntpmon-api-web.h"
#include "ntpmon-db.h"

G_BEGIN_DECLS

#define WEB_API_KEY_LOOKUP_LEN 12 /* api_keys.token_lookup: the key's first characters */
#define WEB_GRANTS             "monitor:read monitor:data"

/* one monitors row reachable with an API key */
typedef struct
{
  guint64 id;
  gchar *tls_name;
  gchar *ip;
  gchar *ip_version; /* "v4" or "v6" */
  gchar *status;
} WebMonitor;

/* state of one request while its database job runs */
typedef struct
{
  gchar *key_lookup; /* from the bearer API key */
  gchar *key_hash;
  GPtrArray *monitors; /* WebMonitor, filled by web_db_lookup_key() */

  /* registration */
  gchar *request_token;
  gchar *hostname;
  gchar *account; /* accounts.id_token from form field `a` */
  gchar *client;  /* User-Agent */
  gchar *remote_ip;
  gboolean remote_v6;
  guint64 registration_id;
  gchar *reg_status; /* after the job */
  gchar *new_api_key;
  gchar *reg_tls_name;  /* registration page: the monitor name once accepted */
  gchar *reg_addresses; /* registration page: "ip4 ip6" */

  gchar *jwks; /* the JWKS document */
} WebCall;

void web_call_free (WebCall *call);
gchar *web_random_token (gsize length);
void web_api_key_digest (const gchar *key, gchar **lookup, gchar **hash);

NtpmonDbStmt *web_db_query_row (NtpmonDbConn *conn, gboolean *found, GError **error,
                                const gchar *sql, const gchar *types, ...);
gboolean web_db_lookup_key (NtpmonDbConn *conn, gpointer data, GError **error);
gboolean web_db_registration (NtpmonDbConn *conn, gpointer data, GError **error);
gboolean web_db_registration_page (NtpmonDbConn *conn, gpointer data, GError **error);
gboolean web_db_jwks (NtpmonDbConn *conn, gpointer data, GError **error);

/* the token signer */
typedef struct _WebSigner WebSigner;

WebSigner *web_signer_new (const gchar *private_pem, GError **error);
void web_signer_free (WebSigner *signer);
const gchar *web_signer_get_kid (WebSigner *signer);
const gchar *web_signer_get_public_pem (WebSigner *signer);
gchar *web_signer_sign (WebSigner *signer, const gchar *issuer, const gchar *subject,
                        const gchar *monitor, gint64 lifetime, GError **error);
gboolean web_db_publish_key (NtpmonDbConn *conn, gpointer data, GError **error);
gchar *web_jwk_from_pem (const gchar *kid, const gchar *public_pem, const gchar *algorithm);

/* the web API object (ntpmon-api-web.h) */
struct _NtpmonApiWeb
{
  GObject parent_instance;
  NtpmonCa *ca;
  WebSigner *signer;
  gchar *bundle_file;
  gchar *issuer;
  gchar *registration_url;
  gchar *listen;
  guint cert_lifetime;
  guint jwks_refresh;
  NtpmonDb *db;
  SoupServer *server;
  NtpmonApiJwt *own_verifier;
  guint timer_id;
  NtpmonMetric *requests;     /* monitorapi_web_requests_total{route,code} */
  NtpmonMetric *certificates; /* monitorapi_web_certificates_issued_total */
};

/* one request waiting for its database job */
typedef struct
{
  NtpmonApiWeb *web;
  SoupServerMessage *msg;
  WebCall *call;
  gboolean want_certificate;
  gint64 expires_in;
  void (*done) (NtpmonApiWeb *web, SoupServerMessage *msg, WebCall *call, gpointer request);
} Request;

#define WEB_PAGE_PREFIX "/monitor/registration/"

void web_reply_text (SoupServerMessage *msg, guint status, const gchar *text);
void web_reply_builder (SoupServerMessage *msg, JsonBuilder *builder);
Request *web_request_start (NtpmonApiWeb *web, SoupServerMessage *msg,
                            void (*done) (NtpmonApiWeb *, SoupServerMessage *, WebCall *,
                                          gpointer));
void web_request_drop (Request *request);
void web_request_run (Request *request, NtpmonDbJobFunc job);
void web_handle_registration (NtpmonApiWeb *web, SoupServerMessage *msg);
void web_handle_page (NtpmonApiWeb *web, SoupServerMessage *msg, const gchar *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebSigner, web_signer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebCall, web_call_free)

G_END_DECLS
