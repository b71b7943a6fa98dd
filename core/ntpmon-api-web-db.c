/* ntpmon-api-web-db.c: the SQL behind the registration web API
 *
 * SPDX-License-Identifier: MIT
 *
 * API keys are stored as `token_lookup` (the key's first characters, to
 * find the row) and `token_hashed` (hex SHA-256 of the whole key); the key
 * itself exists only in the reply that hands it to the agent.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/rand.h>

#include "ntpmon-api-web-private.h"

static void
web_monitor_free (WebMonitor *monitor)
{
  g_free (monitor->tls_name);
  g_free (monitor->ip);
  g_free (monitor->ip_version);
  g_free (monitor->status);
  g_free (monitor);
}

void
web_call_free (WebCall *call)
{
  g_free (call->key_lookup);
  g_free (call->key_hash);
  g_clear_pointer (&call->monitors, g_ptr_array_unref);
  g_free (call->request_token);
  g_free (call->hostname);
  g_free (call->account);
  g_free (call->client);
  g_free (call->remote_ip);
  g_free (call->reg_status);
  g_free (call->new_api_key);
  g_free (call->jwks);
  g_free (call->reg_tls_name);
  g_free (call->reg_addresses);
  g_free (call);
}

/**
 * web_random_token:
 *
 * Returns: (transfer full): @length random characters of [a-z0-9]
 */
gchar *
web_random_token (gsize length)
{
  static const gchar alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  gchar *text = g_malloc (length + 1);
  g_autofree guint8 *bytes = g_malloc (length);

  /* GLib's random numbers are not for secrets; OpenSSL's are. The modulo
   * bias of 256 % 36 leaves more than 5 bits per character. */
  if (RAND_bytes (bytes, (int)length) != 1)
    g_error ("OpenSSL has no random numbers"); /* not external input: a broken host */
  for (gsize i = 0; i < length; i++)
    text[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
  text[length] = '\0';
  return text;
}

/**
 * web_api_key_digest:
 * @lookup: (out): the `token_lookup` value
 * @hash: (out): the `token_hashed` value
 */
void
web_api_key_digest (const gchar *key, gchar **lookup, gchar **hash)
{
  *lookup = g_strndup (key, WEB_API_KEY_LOOKUP_LEN);
  *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
}

/**
 * web_db_query_row:
 * @found: (out): whether there was a row
 *
 * Runs @sql and moves to its first row.
 *
 * Returns: (transfer full) (nullable): the statement, NULL on errors
 */
NtpmonDbStmt *
web_db_query_row (NtpmonDbConn *conn, gboolean *found, GError **error, const gchar *sql,
                  const gchar *types, ...)
{
  g_autoptr (NtpmonDbStmt) st = NULL;
  GError *local_error = NULL;
  va_list args;

  va_start (args, types);
  st = ntpmon_db_conn_query_valist (conn, sql, error, types, args);
  va_end (args);
  if (st == NULL)
    return NULL;
  *found = ntpmon_db_stmt_next (st, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&st);
}

/* Job: the monitors of the API key in call->key_lookup/key_hash (none for
 * an unknown key); notes the key as seen. */
gboolean
web_db_lookup_key (NtpmonDbConn *conn, gpointer data, GError **error)
{
  WebCall *call = data;
  g_autoptr (NtpmonDbStmt) st = NULL;
  GError *local_error = NULL;
  guint64 key_id = 0;

  call->monitors = g_ptr_array_new_with_free_func ((GDestroyNotify)web_monitor_free);
  st = ntpmon_db_conn_query (
      conn,
      "SELECT k.id, m.id, m.tls_name, m.ip, m.ip_version, m.status FROM api_keys k "
      "JOIN api_keys_monitors km ON km.api_key_id = k.id "
      "JOIN monitors m ON m.id = km.monitor_id "
      "WHERE k.token_lookup = ? AND k.token_hashed = ? AND m.deleted_on IS NULL "
      "AND m.is_current = 1 AND m.tls_name IS NOT NULL ORDER BY m.ip_version, m.id",
      error, "ss", call->key_lookup, call->key_hash);
  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local_error))
    {
      WebMonitor *monitor = g_new0 (WebMonitor, 1);

      key_id = ntpmon_db_stmt_get_uint (st, 0);
      monitor->id = ntpmon_db_stmt_get_uint (st, 1);
      monitor->tls_name = ntpmon_db_stmt_dup_text (st, 2);
      monitor->ip = ntpmon_db_stmt_dup_text (st, 3);
      monitor->ip_version = ntpmon_db_stmt_dup_text (st, 4);
      monitor->status = ntpmon_db_stmt_dup_text (st, 5);
      g_ptr_array_add (call->monitors, monitor);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return key_id == 0
         || ntpmon_db_conn_exec (conn, "UPDATE api_keys SET last_seen = NOW() WHERE id = ?", NULL,
                                 error, "u", key_id);
}

/* Makes the API key of an accepted registration and links it to the
 * registration's monitors. */
static gboolean
issue_key (NtpmonDbConn *conn, WebCall *call, guint64 account_id, gboolean has_account,
           const gchar *tls_name, GError **error)
{
  g_autofree gchar *lookup = NULL;
  g_autofree gchar *hash = NULL;
  g_autoptr (NtpmonDbStmt) st = NULL;
  guint64 key_id;

  g_clear_pointer (&call->new_api_key, g_free);
  call->new_api_key = web_random_token (40);
  web_api_key_digest (call->new_api_key, &lookup, &hash);
  st = ntpmon_db_conn_prepare (
      conn,
      "INSERT INTO api_keys (account_id, grants, audience, token_lookup, "
      "token_hashed, created_on) VALUES (?, ?, 'monitor-api', ?, ?, NOW())",
      error);
  if (st == NULL)
    return FALSE;
  if (has_account)
    ntpmon_db_stmt_bind_uint (st, account_id);
  else
    ntpmon_db_stmt_bind_null (st);
  ntpmon_db_stmt_bind (st, "sss", WEB_GRANTS, lookup, hash);
  if (!ntpmon_db_stmt_execute (st, error))
    return FALSE;
  key_id = ntpmon_db_stmt_get_insert_id (st);
  return ntpmon_db_conn_exec (
             conn,
             "INSERT INTO api_keys_monitors (api_key_id, monitor_id) "
             "SELECT ?, id FROM monitors WHERE tls_name = ? AND deleted_on IS NULL",
             NULL, error, "us", key_id, tls_name)
         && ntpmon_db_conn_exec (conn,
                                 "UPDATE monitor_registrations SET status = 'completed', "
                                 "last_seen = NOW() WHERE id = ?",
                                 NULL, error, "u", call->registration_id);
}

static gboolean
new_registration (NtpmonDbConn *conn, WebCall *call, GError **error)
{
  g_autofree gchar *verification = web_random_token (32);
  g_autoptr (NtpmonDbStmt) st = NULL;
  gboolean has_account = FALSE;
  guint64 account_id = 0;

  if (call->account != NULL && *call->account != '\0')
    {
      g_autoptr (NtpmonDbStmt) acct
          = web_db_query_row (conn, &has_account, error,
                              "SELECT id FROM accounts WHERE id_token = ?", "s", call->account);

      if (acct == NULL)
        return FALSE;
      if (has_account)
        account_id = ntpmon_db_stmt_get_uint (acct, 0);
    }
  st = ntpmon_db_conn_prepare (conn,
                               "INSERT INTO monitor_registrations (request_token, "
                               "verification_token, ip4, ip6, hostname, account_id, client, "
                               "status, last_seen, created_on) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NOW(), NOW())",
                               error);
  if (st == NULL)
    return FALSE;
  ntpmon_db_stmt_bind (
      st, "sssss", call->request_token, verification, call->remote_v6 ? "" : call->remote_ip,
      call->remote_v6 ? call->remote_ip : "", call->hostname != NULL ? call->hostname : "");
  if (has_account)
    ntpmon_db_stmt_bind_uint (st, account_id);
  else
    ntpmon_db_stmt_bind_null (st);
  ntpmon_db_stmt_bind_text (st, call->client != NULL ? call->client : "");
  if (!ntpmon_db_stmt_execute (st, error))
    return FALSE;
  call->registration_id = ntpmon_db_stmt_get_insert_id (st);
  call->reg_status = g_strdup ("pending");
  return TRUE;
}

/* Job (in a transaction): records a registration poll and moves an
 * accepted registration to completed, making its API key. */
gboolean
web_db_registration (NtpmonDbConn *conn, gpointer data, GError **error)
{
  WebCall *call = data;
  gboolean found;
  g_autoptr (NtpmonDbStmt) st
      = web_db_query_row (conn, &found, error,
                          "SELECT id, status, account_id, tls_name FROM monitor_registrations "
                          "WHERE request_token = ? FOR UPDATE",
                          "s", call->request_token);
  const gchar *ip_column;
  g_autofree gchar *sql = NULL;

  g_clear_pointer (&call->reg_status, g_free);
  if (st == NULL)
    return FALSE;
  if (!found)
    return new_registration (conn, call, error);
  call->registration_id = ntpmon_db_stmt_get_uint (st, 0);
  call->reg_status = ntpmon_db_stmt_dup_text (st, 1);
  if (g_strcmp0 (call->reg_status, "accepted") == 0)
    return issue_key (conn, call, ntpmon_db_stmt_get_uint (st, 2), !ntpmon_db_stmt_is_null (st, 2),
                      ntpmon_db_stmt_get_text (st, 3), error);
  if (g_strcmp0 (call->reg_status, "pending") != 0)
    return TRUE;
  /* a pending registration learns the address of each family it polls from */
  ip_column = call->remote_v6 ? "ip6" : "ip4";
  sql = g_strdup_printf ("UPDATE monitor_registrations SET %s = ?, last_seen = NOW() WHERE id = ?",
                         ip_column);
  return ntpmon_db_conn_exec (conn, sql, NULL, error, "su", call->remote_ip, call->registration_id);
}

/* Job: what the registration page shows; no status when the id is unknown. */
gboolean
web_db_registration_page (NtpmonDbConn *conn, gpointer data, GError **error)
{
  WebCall *call = data;
  gboolean found;
  g_autoptr (NtpmonDbStmt) st = web_db_query_row (
      conn, &found, error,
      "SELECT status, hostname, TRIM(CONCAT(ip4, ' ', ip6)), tls_name FROM monitor_registrations "
      "WHERE id = ?",
      "u", call->registration_id);

  if (st == NULL)
    return FALSE;
  if (found)
    {
      call->reg_status = ntpmon_db_stmt_dup_text (st, 0);
      call->hostname = ntpmon_db_stmt_dup_text (st, 1);
      call->reg_addresses = ntpmon_db_stmt_dup_text (st, 2);
      call->reg_tls_name = ntpmon_db_stmt_dup_text (st, 3);
    }
  return TRUE;
}
