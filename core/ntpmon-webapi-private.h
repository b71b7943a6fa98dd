/* ntpmon-webapi-private.h: NtpmonWebapi internals shared by its source files
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ntpmon-webapi.h"

G_BEGIN_DECLS

struct _NtpmonWebapi
{
  GObject parent_instance;
  gchar *base_url;       /* without trailing slash */
  gboolean url_from_env; /* $API_HOST gave it */
  GTlsDatabase *extra_ca;
  SoupSession *session;

  gchar *token;
  gint64 token_expiry;      /* monotonic µs */
  GPtrArray *token_waiters; /* GTask, while a token request is in flight */
};

/* one request in flight: the task data of the GTask given to
 * ntpmon_webapi_send() */
typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  GCancellable *cancellable; /* cancelled by the caller's or the deadline */
  gulong caller_handler;
  GCancellable *caller;
  guint deadline_id;
  gboolean timed_out;
  guint timeout_s;
  gboolean url_from_env; /* the web API's address came from $API_HOST */
} NtpmonWebapiRequest;

SoupSession *ntpmon_webapi_new_session (GSocketConnectable *connectable);
void ntpmon_webapi_send (NtpmonWebapi *self, SoupSession *session, SoupMessage *msg,
                         guint timeout_s, GTask *task, GAsyncReadyCallback done);
GBytes *ntpmon_webapi_finish_send (SoupSession *session, GAsyncResult *result, GTask *task,
                                   GError **error);
void ntpmon_webapi_set_bearer (SoupMessage *msg, const gchar *api_key);
JsonObject *ntpmon_webapi_json_object (JsonParser *parser, const gchar *json, gsize length,
                                       const gchar *what, GError **error);
gboolean ntpmon_webapi_json_string (JsonObject *object, const gchar *key, const gchar *what,
                                    gchar **out, GError **error);

G_END_DECLS
