/* ntpmon-api-registration.c: operators decide monitor registrations
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-api-auth.h"
#include "ntpmon-api-registration.h"
#include "ntpmon-api-web-private.h"

G_DEFINE_QUARK (ntpmon - api - registration - error - quark, ntpmon_api_registration_error)

/**
 * ntpmon_api_registration_list:
 * @out: the table of pending registrations is appended here
 */
gboolean
ntpmon_api_registration_list (NtpmonDbConn *conn, GString *out, GError **error)
{
  g_autoptr (NtpmonDbStmt) st = ntpmon_db_conn_query (
      conn,
      "SELECT id, hostname, ip4, ip6, created_on, status FROM monitor_registrations "
      "WHERE status = 'pending' ORDER BY id",
      error, "");
  GError *local_error = NULL;

  if (st == NULL)
    return FALSE;
  g_string_append_printf (out, "%-6s %-30s %-15s %-39s %-19s %s\n", "ID", "HOSTNAME", "IPV4",
                          "IPV6", "CREATED", "STATUS");
  while (ntpmon_db_stmt_next (st, &local_error))
    {
      g_autoptr (GDateTime) created = ntpmon_db_stmt_get_datetime (st, 4);
      g_autofree gchar *when
          = created != NULL ? g_date_time_format (created, "%Y-%m-%d %H:%M:%S") : g_strdup ("");

      g_string_append_printf (out, "%-6" G_GUINT64_FORMAT " %-30s %-15s %-39s %-19s %s\n",
                              ntpmon_db_stmt_get_uint (st, 0), ntpmon_db_stmt_get_text (st, 1),
                              ntpmon_db_stmt_get_text (st, 2), ntpmon_db_stmt_get_text (st, 3),
                              when, ntpmon_db_stmt_get_text (st, 5));
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  guint64 id;
  const NtpmonApiRegistrationOptions *options;
  gchar *tls_name;
  gchar *ip[2]; /* v4, v6 */
  gchar *hostname;
  gchar *location;
  guint64 account_id;
  guint64 monitor_id;
} Accept;

/* Locks the registration and checks it is pending. */
static gboolean
lock_pending (NtpmonDbConn *conn, Accept *a, GError **error)
{
  gboolean found;
  g_autoptr (NtpmonDbStmt) st = web_db_query_row (
      conn, &found, error,
      "SELECT status, ip4, ip6, hostname, location_code, account_id FROM monitor_registrations "
      "WHERE id = ? FOR UPDATE",
      "u", a->id);

  if (st == NULL)
    return FALSE;
  if (!found)
    {
      g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_UNKNOWN,
                   _ ("no registration with id %" G_GUINT64_FORMAT), a->id);
      return FALSE;
    }
  if (g_strcmp0 (ntpmon_db_stmt_get_text (st, 0), "pending") != 0)
    {
      g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_DECIDED,
                   _ ("registration %" G_GUINT64_FORMAT " is already %s"), a->id,
                   ntpmon_db_stmt_get_text (st, 0));
      return FALSE;
    }
  for (guint i = 0; i < 2; i++)
    {
      g_free (a->ip[i]);
      a->ip[i] = ntpmon_db_stmt_dup_text (st, 1 + i);
    }
  g_free (a->hostname);
  a->hostname = ntpmon_db_stmt_dup_text (st, 3);
  g_free (a->location);
  a->location = ntpmon_db_stmt_dup_text (st, 4);
  a->account_id = a->options->account_id != 0      ? a->options->account_id
                  : ntpmon_db_stmt_is_null (st, 5) ? 0
                                                   : ntpmon_db_stmt_get_uint (st, 5);
  return TRUE;
}

static gboolean
check_account (NtpmonDbConn *conn, Accept *a, GError **error)
{
  g_autoptr (NtpmonDbStmt) st = NULL;
  gboolean found;

  if (a->account_id == 0)
    {
      g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_ACCOUNT,
                   _ ("registration %" G_GUINT64_FORMAT " names no account: use --account N"),
                   a->id);
      return FALSE;
    }
  st = web_db_query_row (conn, &found, error, "SELECT id FROM accounts WHERE id = ?", "u",
                         a->account_id);
  if (st == NULL || found)
    return st != NULL;
  g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_ACCOUNT,
               _ ("no account with id %" G_GUINT64_FORMAT), a->account_id);
  return FALSE;
}

/* The name part of a new TLS name: location code, else the host name's
 * first label, cleaned to [a-z0-9-]. */
static gchar *
name_prefix (const Accept *a)
{
  const gchar *source = a->location != NULL && *a->location != '\0' ? a->location : a->hostname;
  GString *prefix = g_string_new (NULL);

  for (const gchar *p = source; p != NULL && *p != '\0' && *p != '.' && prefix->len < 20; p++)
    if (g_ascii_isalnum (*p) || (*p == '-' && prefix->len > 0))
      g_string_append_c (prefix, g_ascii_tolower (*p));
  while (prefix->len > 0 && prefix->str[prefix->len - 1] == '-')
    g_string_truncate (prefix, prefix->len - 1);
  if (prefix->len == 0)
    g_string_append (prefix, "mon");
  return g_string_free (prefix, FALSE);
}

/* A monitor name: reused from a current monitor of one of the addresses,
 * else a new unused one. */
static gboolean
choose_tls_name (NtpmonDbConn *conn, Accept *a, GError **error)
{
  gboolean found;
  g_autoptr (NtpmonDbStmt) st = web_db_query_row (
      conn, &found, error,
      "SELECT tls_name FROM monitors WHERE ip IN (?, ?) AND is_current = 1 "
      "AND deleted_on IS NULL AND type = 'monitor' AND tls_name IS NOT NULL ORDER BY id LIMIT 1",
      "ss", a->ip[0], a->ip[1]);
  g_autofree gchar *prefix = name_prefix (a);

  if (st == NULL || found)
    {
      a->tls_name = st != NULL ? ntpmon_db_stmt_dup_text (st, 0) : NULL;
      return st != NULL;
    }
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_autofree gchar *random = web_random_token (7);
      g_autofree gchar *name = g_strdup_printf ("%s-%s.%s.%s", prefix, random, a->options->env,
                                                a->options->monitor_domain);
      g_autoptr (NtpmonDbStmt) used = NULL;

      if (!ntpmon_api_valid_monitor_name (name, a->options->monitor_domain))
        break;
      used = web_db_query_row (conn, &found, error, "SELECT id FROM monitors WHERE tls_name = ?",
                               "s", name);
      if (used == NULL)
        return FALSE;
      if (!found)
        {
          a->tls_name = g_steal_pointer (&name);
          return TRUE;
        }
    }
  g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_CONFLICT,
               _ ("no valid monitor name for environment %s in %s"), a->options->env,
               a->options->monitor_domain);
  return FALSE;
}

/* Makes or updates the monitors row of one family. */
static gboolean
link_family (NtpmonDbConn *conn, Accept *a, const gchar *version, const gchar *ip, GError **error)
{
  gboolean found;
  g_autoptr (NtpmonDbStmt) st = web_db_query_row (
      conn, &found, error,
      "SELECT id, tls_name FROM monitors WHERE ip = ? AND is_current = 1 FOR UPDATE", "s", ip);
  g_autoptr (NtpmonDbStmt) row = NULL;
  guint64 affected = 0;

  if (st == NULL)
    return FALSE;
  if (found && g_strcmp0 (ntpmon_db_stmt_get_text (st, 1), a->tls_name) != 0)
    {
      g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_CONFLICT,
                   _ ("address %s belongs to monitor %s"), ip, ntpmon_db_stmt_get_text (st, 1));
      return FALSE;
    }
  if (!ntpmon_db_conn_exec (conn,
                            "UPDATE monitors SET ip = ?, account_id = ?, hostname = ?, is_current "
                            "= 1, deleted_on = NULL, status = IF(status IN ('testing', 'active'), "
                            "status, 'testing') WHERE tls_name = ? AND ip_version = ?",
                            &affected, error, "susss", ip, a->account_id, a->hostname, a->tls_name,
                            version))
    return FALSE;
  if (affected == 0
      && !ntpmon_db_conn_exec (conn,
                               "INSERT INTO monitors (type, account_id, hostname, ip, ip_version, "
                               "tls_name, status, config, created_on) "
                               "VALUES ('monitor', ?, ?, ?, ?, ?, 'testing', '{}', NOW())",
                               NULL, error,
                               "usss"
                               "s",
                               a->account_id, a->hostname, ip, version, a->tls_name))
    return FALSE;
  row = ntpmon_db_conn_query (conn, "SELECT id FROM monitors WHERE tls_name = ? AND ip_version = ?",
                              error, "ss", a->tls_name, version);
  if (row == NULL || !ntpmon_db_stmt_fetch_one (row, error))
    return FALSE;
  if (a->monitor_id == 0)
    a->monitor_id = ntpmon_db_stmt_get_uint (row, 0);
  return TRUE;
}

static gboolean
accept_txn (NtpmonDbConn *conn, gpointer data, GError **error)
{
  Accept *a = data;
  static const gchar *const versions[] = { "v4", "v6" };

  g_clear_pointer (&a->tls_name, g_free);
  a->monitor_id = 0;
  if (!lock_pending (conn, a, error) || !check_account (conn, a, error)
      || !choose_tls_name (conn, a, error))
    return FALSE;
  for (guint i = 0; i < 2; i++)
    if (a->ip[i] != NULL && *a->ip[i] != '\0'
        && !link_family (conn, a, versions[i], a->ip[i], error))
      return FALSE;
  if (a->monitor_id == 0)
    {
      g_set_error (error, NTPMON_API_REGISTRATION_ERROR, NTPMON_API_REGISTRATION_ERROR_CONFLICT,
                   _ ("registration %" G_GUINT64_FORMAT " has no address"), a->id);
      return FALSE;
    }
  return ntpmon_db_conn_exec (conn,
                              "UPDATE monitor_registrations SET status = 'accepted', monitor_id "
                              "= ?, tls_name = ?, account_id = ? WHERE id = ?",
                              NULL, error, "usuu", a->monitor_id, a->tls_name, a->account_id,
                              a->id);
}

/**
 * ntpmon_api_registration_accept:
 * @tls_name: (out) (optional): the monitor's TLS name
 */
gboolean
ntpmon_api_registration_accept (NtpmonDbConn *conn, guint64 id,
                                const NtpmonApiRegistrationOptions *options, gchar **tls_name,
                                GError **error)
{
  Accept a = { .id = id, .options = options };
  gboolean ok = ntpmon_db_conn_transaction (conn, accept_txn, &a, error);

  if (ok && tls_name != NULL)
    *tls_name = g_steal_pointer (&a.tls_name);
  g_free (a.tls_name);
  g_free (a.ip[0]);
  g_free (a.ip[1]);
  g_free (a.hostname);
  g_free (a.location);
  return ok;
}

static gboolean
reject_txn (NtpmonDbConn *conn, gpointer data, GError **error)
{
  Accept *a = data;

  return lock_pending (conn, a, error)
         && ntpmon_db_conn_exec (
             conn, "UPDATE monitor_registrations SET status = 'rejected' WHERE id = ?", NULL, error,
             "u", a->id);
}

gboolean
ntpmon_api_registration_reject (NtpmonDbConn *conn, guint64 id, GError **error)
{
  NtpmonApiRegistrationOptions options = { 0 };
  Accept a = { .id = id, .options = &options };
  gboolean ok = ntpmon_db_conn_transaction (conn, reject_txn, &a, error);

  g_free (a.ip[0]);
  g_free (a.ip[1]);
  g_free (a.hostname);
  g_free (a.location);
  return ok;
}
