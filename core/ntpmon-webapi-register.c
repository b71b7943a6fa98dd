/* ntpmon-webapi-register.c: `POST monitor/api/registration` (setup)
 *
 * SPDX-License-Identifier: MIT
 *
 * One request per call, each on a fresh connection so that `setup` can
 * force the IP family of every request; the caller interprets the answer.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-webapi-private.h"

void
ntpmon_webapi_registration_free (NtpmonWebapiRegistration *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->content_type);
  g_free (reply->media_type);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply->trace_id);
  g_free (reply->url);
  g_free (reply->reg_status);
  g_free (reply->api_token);
  g_free (reply);
}

/**
 * ntpmon_webapi_registration_parse_json:
 *
 * Fills url, reg_status and api_token from the JSON body
 * `{"URL": …, "Status": …, "APIToken": …}`.
 */
gboolean
ntpmon_webapi_registration_parse_json (NtpmonWebapiRegistration *reply, GError **error)
{
  static const gchar what[] = "registration response";
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const gchar *data = reply->body != NULL ? g_bytes_get_data (reply->body, &length) : NULL;
  JsonObject *top
      = ntpmon_webapi_json_object (parser, data != NULL ? data : "", length, what, error);

  return top != NULL && ntpmon_webapi_json_string (top, "URL", what, &reply->url, error)
         && ntpmon_webapi_json_string (top, "Status", what, &reply->reg_status, error)
         && ntpmon_webapi_json_string (top, "APIToken", what, &reply->api_token, error);
}

static void
register_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  NtpmonWebapiRequest *req = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *body = ntpmon_webapi_finish_send (SOUP_SESSION (source), result, task, &error);
  NtpmonWebapiRegistration *reply;
  const gchar *type;
  GSocketAddress *remote;

  if (body == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  reply = g_new0 (NtpmonWebapiRegistration, 1);
  reply->status = soup_message_get_status (req->msg);
  reply->body = body;
  type
      = soup_message_headers_get_one (soup_message_get_response_headers (req->msg), "Content-Type");
  reply->content_type = g_strdup (type != NULL ? type : "");
  reply->media_type = g_ascii_strdown (reply->content_type, strcspn (reply->content_type, ";"));
  g_strstrip (reply->media_type);
  reply->trace_id = g_strdup (
      soup_message_headers_get_one (soup_message_get_response_headers (req->msg), "TraceID"));
  remote = soup_message_get_remote_address (req->msg);
  reply->remote_family = G_IS_INET_SOCKET_ADDRESS (remote) ? g_socket_address_get_family (remote)
                                                           : G_SOCKET_FAMILY_INVALID;
  g_task_return_pointer (task, reply, (GDestroyNotify)ntpmon_webapi_registration_free);
}

/**
 * ntpmon_webapi_register_async:
 * @hostname: (nullable): sent as form field `hostname`
 * @account: (nullable): sent as form field `a`
 * @api_key: (nullable): sent as bearer token when set
 * @family: G_SOCKET_FAMILY_IPV4/IPV6 to dial only that family, or
 *   G_SOCKET_FAMILY_INVALID for any
 *
 * One `POST monitor/api/registration` on a fresh connection. Any HTTP
 * answer is a success: the caller looks at the status and content type.
 */
void
ntpmon_webapi_register_async (NtpmonWebapi *self, const gchar *registration_id,
                              const gchar *hostname, const gchar *account, const gchar *api_key,
                              GSocketFamily family, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree gchar *url = ntpmon_webapi_build_url (self, "monitor/api/registration");
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr (GSocketConnectable) connectable = NULL;
  g_autoptr (SoupSession) session = NULL;
  GUri *uri = soup_message_get_uri (msg);
  gboolean have_host = hostname != NULL && *hostname != '\0';
  gboolean have_account = account != NULL && *account != '\0';
  g_autofree gchar *form = NULL;

  g_task_set_source_tag (task, ntpmon_webapi_register_async);
  if (have_account && have_host)
    form = soup_form_encode ("a", account, "hostname", hostname, NULL);
  else if (have_account)
    form = soup_form_encode ("a", account, NULL);
  else if (have_host)
    form = soup_form_encode ("hostname", hostname, NULL);
  if (form != NULL)
    {
      gsize length = strlen (form);
      g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&form), length);
      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
    }
  soup_message_headers_replace (headers, "User-Agent", "ntppool-agent/" PACKAGE_VERSION);
  soup_message_headers_replace (headers, "Registration-ID", registration_id);
  soup_message_headers_replace (headers, "Accept", "application/json, text/plain");
  if (api_key != NULL && *api_key != '\0')
    ntpmon_webapi_set_bearer (msg, api_key);

  if (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6)
    connectable = ntpmon_webapi_family_address_new (g_uri_get_host (uri), g_uri_get_port (uri),
                                                    g_uri_get_scheme (uri), family);
  session = ntpmon_webapi_new_session (connectable);
  g_object_set (session, "timeout", NTPMON_WEBAPI_REGISTRATION_TIMEOUT_S, NULL);
  ntpmon_webapi_send (self, session, msg, NTPMON_WEBAPI_REGISTRATION_TIMEOUT_S, task, register_cb);
}

NtpmonWebapiRegistration *
ntpmon_webapi_register_finish (NtpmonWebapi *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
