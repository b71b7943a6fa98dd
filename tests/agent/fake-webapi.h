/* fake-webapi.h: an in-test HTTPS server implementing the pool's web API
 *
 * SPDX-License-Identifier: MIT
 *
 * Stands for the NTP Pool's public web API on loopback (it cannot be run
 * here): /monitor/api/config, /api/oidc/token and
 * /monitor/api/registration as spec agent.md §3 describes them. Its TLS
 * certificate comes from a throw-away CA made with the openssl CLI.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint status;
  gchar *content_type;
  gchar *body;
} FakeReply;

typedef struct
{
  gchar *registration_id;
  gchar *authorization;
  gchar *content_type;
  gchar *body;
  gchar *user_agent;
  gchar *accept;
  GSocketFamily family;
} FakeRequest;

typedef struct
{
  SoupServer *server;
  gchar *dir;      /* temporary directory with the CA and certificates */
  gchar *ca_file;  /* the test CA (PEM) */
  gchar *base_url; /* https://localhost:PORT */

  /* /monitor/api/config */
  gchar *api_key; /* expected bearer token; NULL accepts none */
  gchar *config_json;
  gchar *client_cert; /* PEM given out on request_certificate=true */
  gchar *client_key;
  guint config_status; /* 0 = 200 */
  guint config_calls;
  guint cert_requests;

  /* /api/oidc/token */
  gint token_expires_in;
  guint token_status; /* 0 = 200 */
  guint token_calls;

  /* /monitor/api/registration: replies in order, the last one repeats */
  GPtrArray *replies;  /* FakeReply */
  GPtrArray *requests; /* FakeRequest */
} FakeWebapi;

FakeWebapi *fake_webapi_new (gboolean ipv6);
void fake_webapi_free (FakeWebapi *fake);
void fake_webapi_add_reply (FakeWebapi *fake, guint status, const gchar *content_type,
                            const gchar *body);
gboolean fake_run_openssl (const gchar *dir, const gchar *script, GError **error);
void fake_make_client_cert (FakeWebapi *fake, const gchar *name, const gchar *days,
                            gchar **cert_pem, gchar **key_pem);
#define FAKE_DATED_CERT_NAME "dated.test.mon.ntppool.dev"
void fake_make_dated_cert (FakeWebapi *fake, const gchar *ca_dir, gint64 start, gint64 end,
                           gchar **cert_pem, gchar **key_pem);

G_END_DECLS
