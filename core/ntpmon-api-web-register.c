/* ntpmon-api-web-register.c: registration polls and the registration page
 *
 * SPDX-License-Identifier: MIT
 *
 * A poll is identified by its Registration-ID; the first one makes the
 * `monitor_registrations` row, later ones add the address of the other IP
 * family. Once an operator accepted it the next poll gets the API key
 * (made then, stored hashed) and the registration becomes `completed`.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-api-web-private.h"

/* POST /monitor/api/registration */

static gboolean
valid_request_token (const gchar *token)
{
  gsize len = token != NULL ? strlen (token) : 0;

  if (len == 0 || len > 128)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return FALSE;
  return TRUE;
}

static void
registration_done (NtpmonApiWeb *web, SoupServerMessage *msg, WebCall *call, gpointer request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree gchar *url
      = g_strdup_printf ("%s%" G_GUINT64_FORMAT, web->registration_url, call->registration_id);
  const gchar *status = call->new_api_key != NULL ? "accepted" : call->reg_status;

  if (g_strcmp0 (status, "rejected") == 0 || g_strcmp0 (status, "cancelled") == 0)
    {
      g_autofree gchar *text
          = g_strdup_printf ("The monitor registration %" G_GUINT64_FORMAT " was %s.\n",
                             call->registration_id, status);
      web_reply_text (msg, SOUP_STATUS_FORBIDDEN, text);
      return;
    }
  if (call->new_api_key != NULL)
    g_message ("registration %" G_GUINT64_FORMAT ": API key delivered", call->registration_id);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "URL");
  json_builder_add_string_value (builder, url);
  json_builder_set_member_name (builder, "Status");
  json_builder_add_string_value (builder, status);
  json_builder_set_member_name (builder, "APIToken");
  json_builder_add_string_value (builder, call->new_api_key != NULL ? call->new_api_key : "");
  json_builder_end_object (builder);
  web_reply_builder (msg, builder);
}

static gboolean
registration_job (NtpmonDbConn *conn, gpointer data, GError **error)
{
  return ntpmon_db_conn_transaction (conn, web_db_registration, data, error);
}

static gboolean
remote_ip (SoupServerMessage *msg, gchar **ip, gboolean *v6)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *inet;
  const guint8 *bytes;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return FALSE;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  *v6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
  bytes = g_inet_address_to_bytes (inet);
  if (*v6 && memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    {
      g_autoptr (GInetAddress) v4
          = g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
      *ip = g_inet_address_to_string (v4);
      *v6 = FALSE;
    }
  else
    *ip = g_inet_address_to_string (inet);
  return TRUE;
}

void
web_handle_registration (NtpmonApiWeb *web, SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const gchar *token = soup_message_headers_get_one (headers, "Registration-ID");
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  Request *request;

  if (!valid_request_token (token))
    {
      web_reply_text (msg, SOUP_STATUS_BAD_REQUEST, "missing or invalid Registration-ID header\n");
      return;
    }
  request = web_request_start (web, msg, registration_done);
  request->call->request_token = g_strdup (token);
  request->call->client = g_strdup (soup_message_headers_get_one (headers, "User-Agent"));
  if (body->length > 0)
    {
      g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
      g_autofree gchar *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_autoptr (GHashTable) form = soup_form_decode (text);

      request->call->hostname = g_strdup (g_hash_table_lookup (form, "hostname"));
      request->call->account = g_strdup (g_hash_table_lookup (form, "a"));
    }
  if (request->call->hostname != NULL && strlen (request->call->hostname) > 255)
    request->call->hostname[255] = '\0';
  if (!remote_ip (msg, &request->call->remote_ip, &request->call->remote_v6))
    {
      web_reply_text (msg, SOUP_STATUS_BAD_REQUEST, "no client address\n");
      web_request_drop (request);
      return;
    }
  web_request_run (request, registration_job);
}

/* GET /monitor/registration/ID: the page `setup` sends the operator to */

static void
page_done (NtpmonApiWeb *web, SoupServerMessage *msg, WebCall *call, gpointer data)
{
  g_autoptr (GString) text = g_string_new (NULL);

  if (call->reg_status == NULL)
    {
      web_reply_text (msg, SOUP_STATUS_NOT_FOUND, "no such registration\n");
      return;
    }
  g_string_printf (text, "Monitor registration %" G_GUINT64_FORMAT " (%s%s%s): %s\n",
                   call->registration_id, call->hostname,
                   *call->hostname != '\0' && *call->reg_addresses != '\0' ? ", " : "",
                   call->reg_addresses, call->reg_status);
  if (g_str_equal (call->reg_status, "pending"))
    g_string_append_printf (text,
                            "\nThe operator of this monitoring system accepts it with\n\n"
                            "    ntppool-monitor-api registration accept %" G_GUINT64_FORMAT
                            " [--account N]\n",
                            call->registration_id);
  else if (call->reg_tls_name != NULL && *call->reg_tls_name != '\0')
    g_string_append_printf (text, "Monitor name: %s\n", call->reg_tls_name);
  web_reply_text (msg, SOUP_STATUS_OK, text->str);
}

void
web_handle_page (NtpmonApiWeb *web, SoupServerMessage *msg, const gchar *id)
{
  guint64 value;
  Request *request;

  if (!g_ascii_string_to_unsigned (id, 10, 1, G_MAXUINT32, &value, NULL))
    {
      web_reply_text (msg, SOUP_STATUS_NOT_FOUND, "no such registration\n");
      return;
    }
  request = web_request_start (web, msg, page_done);
  request->call->registration_id = value;
  web_request_run (request, web_db_registration_page);
}
