/* ntpmon-api-getservers.c: the GetServers RPC (spec api-server.md §9)
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-api-handlers-private.h"
#include "ntpmon-ulid.h"

#define DUE_SERVERS_SQL                                                                            \
  "SELECT s.id, s.ip FROM servers s"                                                               \
  " LEFT JOIN server_scores ss ON (s.id = ss.server_id)"                                           \
  " WHERE (ss.monitor_id = ? AND s.ip_version = ?"                                                 \
  " AND (ss.queue_ts IS NULL"                                                                      \
  " OR (ss.score_raw > -90 AND ss.status = 'active'"                                               \
  " AND ss.queue_ts < DATE_SUB(NOW(), INTERVAL ? SECOND))"                                         \
  " OR (ss.score_raw > -90 AND ss.status = 'testing'"                                              \
  " AND ss.queue_ts < DATE_SUB(NOW(), INTERVAL ? SECOND))"                                         \
  " OR (ss.queue_ts < DATE_SUB(NOW(), INTERVAL 120 MINUTE)))"                                      \
  " AND (s.score_ts IS NULL OR (s.score_ts < DATE_SUB(NOW(), INTERVAL ? SECOND)))"                 \
  " AND (s.deletion_on IS NULL OR s.deletion_on > NOW()))"                                         \
  " ORDER BY ss.queue_ts LIMIT ? OFFSET ?"

typedef struct
{
  guint64 id;
  gchar *ip;
} DueServer;

static void
due_server_free (gpointer data)
{
  DueServer *s = data;

  g_free (s->ip);
  g_free (s);
}

typedef struct
{
  guint8 ip[16];
  gsize ip_len;
  GBytes *ticket;
} Signed;

typedef struct
{
  NtpmonApiHandlers *handlers;
  gboolean legacy;
  gchar *identity;
  gchar *mon_id;
  gchar batch_id[NTPMON_ULID_TEXT_LEN + 1];
  NtpmonApiMonitor *monitor;
  NtpmonApiSettings settings;
  gchar *merged;
  NtpmonApiConfigReply reply; /* the config decoded from @merged */
  GPtrArray *servers;         /* DueServer */
  Signed *signed_;            /* one per server, with its ticket */
} ServersJob;

static void
servers_job_free (gpointer data)
{
  ServersJob *job = data;

  ntpmon_api_handlers_unref (job->handlers);
  g_free (job->identity);
  g_free (job->mon_id);
  ntpmon_api_monitor_free (job->monitor);
  g_free (job->merged);
  ntpmon_api_config_reply_clear (&job->reply);
  for (guint i = 0; job->signed_ != NULL && i < job->servers->len; i++)
    g_clear_pointer (&job->signed_[i].ticket, g_bytes_unref);
  g_free (job->signed_);
  g_clear_pointer (&job->servers, g_ptr_array_unref);
  g_free (job);
}

/* GetServers + UpdateServerScoreQueue, one transaction (§9.5, §9.6). */
static gboolean
select_and_stamp (NtpmonDbConn *conn, gpointer data, GError **error)
{
  ServersJob *job = data;
  const NtpmonApiSettings *s = &job->settings;
  gint64 interval = g_strcmp0 (job->monitor->status, "active") == 0 ? s->interval_active_s
                                                                    : s->interval_testing_s;
  g_autoptr (NtpmonDbStmt) st = NULL;
  g_autofree gchar *marks = NULL;
  g_autofree gchar *sql = NULL;
  g_autoptr (NtpmonDbStmt) update = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC * G_USEC_PER_SEC;
  GError *local = NULL;

  g_ptr_array_set_size (job->servers, 0);
  st = ntpmon_db_conn_query (conn, DUE_SERVERS_SQL, error, "usiiiii", job->monitor->id,
                             job->monitor->ip_version, interval, s->interval_testing_s,
                             s->interval_all_s, s->batch_size, (gint64)0);
  if (st == NULL)
    return FALSE;
  while (ntpmon_db_stmt_next (st, &local))
    {
      DueServer *server = g_new0 (DueServer, 1);

      server->id = ntpmon_db_stmt_get_uint (st, 0);
      server->ip = ntpmon_db_stmt_dup_text (st, 1);
      g_ptr_array_add (job->servers, server);
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (job->servers->len == 0)
    return TRUE;
  marks = ntpmon_db_sql_placeholders (job->servers->len);
  sql = g_strdup_printf ("UPDATE server_scores SET queue_ts = ? WHERE monitor_id = ?"
                         " AND server_id IN (%s) AND (queue_ts < ? OR queue_ts IS NULL)",
                         marks);
  update = ntpmon_db_conn_prepare (conn, sql, error);
  if (update == NULL)
    return FALSE;
  ntpmon_db_stmt_bind (update, "Tu", now, job->monitor->id);
  for (guint i = 0; i < job->servers->len; i++)
    ntpmon_db_stmt_bind_uint (update, ((DueServer *)g_ptr_array_index (job->servers, i))->id);
  ntpmon_db_stmt_bind_unix_usec (update, now);
  return ntpmon_db_stmt_execute (update, error);
}

/* The servers' addresses as bytes and their tickets (§9.7), here on the
 * worker: the key store reads its directory. An unparsable servers.ip
 * fails the RPC. */
static gboolean
sign_servers (ServersJob *job, GError **error)
{
  g_autoptr (NtpmonApiTicketSigner) signer = NULL;

  job->signed_ = g_new0 (Signed, job->servers->len + 1);
  if (job->servers->len == 0)
    return TRUE;
  signer
      = ntpmon_api_ticket_signer_new (job->handlers->keys, job->monitor->id, job->batch_id, error);
  if (signer == NULL)
    return FALSE;
  for (guint i = 0; i < job->servers->len; i++)
    {
      DueServer *s = g_ptr_array_index (job->servers, i);
      Signed *out = &job->signed_[i];

      if (!ntpmon_api_encode_ip_text (s->ip, out->ip, &out->ip_len, error))
        return FALSE;
      out->ticket = ntpmon_api_ticket_signer_sign (signer, out->ip, out->ip_len);
    }
  return TRUE;
}

static gboolean
servers_job_run (NtpmonDbConn *conn, gpointer data, GError **error)
{
  ServersJob *job = data;

  job->monitor = ntpmon_api_preamble (conn, job->identity, job->mon_id, job->legacy, error);
  if (job->monitor == NULL)
    return FALSE;
  ntpmon_api_query_settings (conn, &job->settings);
  job->merged = ntpmon_api_config_for (conn, job->monitor, error);
  /* a config that does not decode fails the call before any server is
   * taken (§9.1: the config is built first) */
  if (job->merged == NULL
      || !ntpmon_api_config_reply_init (&job->reply, job->monitor, job->merged, error))
    return FALSE;
  job->servers = g_ptr_array_new_with_free_func (due_server_free);
  return ntpmon_db_conn_transaction (conn, select_and_stamp, job, error)
         && sign_servers (job, error);
}

/* The field @name of @msg, by its descriptor. */
static gpointer
field (ProtobufCMessage *msg, const gchar *name)
{
  const ProtobufCFieldDescriptor *f
      = protobuf_c_message_descriptor_get_field_by_name (msg->descriptor, name);

  g_assert (f != NULL);
  return (guint8 *)msg + f->offset;
}

/* Answers with @out, a GetServersResponse or a legacy ServerList (their
 * fields are the same by name, in other orders): @config, the servers of
 * @signed_ as messages of @server_desc, and the batch id. */
static void
return_servers (NtpmonApiCall *call, ProtobufCMessage *out, ProtobufCMessage *config,
                const ProtobufCMessageDescriptor *server_desc, const Signed *signed_, guint n,
                const gchar *batch_id)
{
  const ProtobufCFieldDescriptor *list_field
      = protobuf_c_message_descriptor_get_field_by_name (out->descriptor, "servers");
  g_autofree guint8 *servers = g_malloc0 (server_desc->sizeof_message * (n + 1));
  g_autofree ProtobufCMessage **list = g_new0 (ProtobufCMessage *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      ProtobufCMessage *server = (ProtobufCMessage *)(servers + i * server_desc->sizeof_message);
      ProtobufCBinaryData *ticket;

      protobuf_c_message_init (server_desc, server);
      *(ProtobufCBinaryData *)field (server, "ip_bytes")
          = (ProtobufCBinaryData){ signed_[i].ip_len, (guint8 *)signed_[i].ip };
      ticket = field (server, "ticket");
      ticket->data = (guint8 *)g_bytes_get_data (signed_[i].ticket, &ticket->len);
      list[i] = server;
    }
  *(ProtobufCMessage **)field (out, "config") = config;
  *(gsize *)((guint8 *)out + list_field->quantifier_offset) = n;
  *(ProtobufCMessage ***)field (out, "servers") = list;
  *(ProtobufCBinaryData *)field (out, "batch_id")
      = (ProtobufCBinaryData){ NTPMON_ULID_TEXT_LEN, (guint8 *)batch_id };
  ntpmon_api_call_return (call, out);
}

static void
servers_job_done (NtpmonApiCall *call, gpointer data)
{
  ServersJob *job = data;
  NtpmonApiHandlers *h = job->handlers;
  guint n = job->servers->len;
  const gchar *account_id_text;
  g_autofree gchar *account_id = g_strdup_printf ("%" G_GUINT64_FORMAT, job->monitor->account_id);

  if (n > 0)
    {
      account_id_text = account_id;
      ntpmon_metric_add (
          h->tests_requested,
          (const gchar *[]){ job->monitor->tls_name,
                             job->monitor->ip_version ? job->monitor->ip_version : "",
                             job->monitor->account_token, account_id_text },
          n);
    }
  if (job->legacy)
    {
      Api__ServerList out = API__SERVER_LIST__INIT;
      Api__Config config;
      Api__MQTTConfig mqtt;

      ntpmon_api_config_reply_to_legacy (&job->reply, &config, &mqtt);
      return_servers (call, &out.base, &config.base, &api__server__descriptor, job->signed_, n,
                      job->batch_id);
    }
  else
    {
      Monitor__V2__GetServersResponse out = MONITOR__V2__GET_SERVERS_RESPONSE__INIT;
      Monitor__V2__GetConfigResponse config;
      Monitor__V2__MQTTConfig mqtt;

      ntpmon_api_config_reply_to_v2 (&job->reply, &config, &mqtt);
      return_servers (call, &out.base, &config.base, &monitor__v2__server__descriptor, job->signed_,
                      n, job->batch_id);
    }
}

static void
get_servers (NtpmonApiCall *call, gpointer user_data)
{
  NtpmonApiHandlers *h = user_data;
  NtpmonApiRequest *request = ntpmon_api_call_get_request (call);
  ServersJob *job = g_new0 (ServersJob, 1);
  NtpmonUlid ulid;

  job->handlers = ntpmon_api_handlers_ref (h);
  job->legacy = ntpmon_api_request_get_protocol (request) == NTPMON_API_PROTOCOL_TWIRP;
  job->identity = g_strdup (ntpmon_api_request_get_identity (request));
  if (!job->legacy)
    job->mon_id = g_strdup (
        ((const Monitor__V2__GetServersRequest *)ntpmon_api_call_get_message (call))->mon_id);
  ntpmon_ulid_generate (&ulid);
  ntpmon_ulid_format (&ulid, job->batch_id);
  ntpmon_api_handlers_run (h, call, servers_job_run, job, servers_job_free, servers_job_done);
}

gboolean
ntpmon_api_getservers_register (NtpmonApiHandlers *self, NtpmonApiServer *server, GError **error)
{
  return ntpmon_api_rpc_add_method (server, NTPMON_API_PROTOCOL_CONNECT,
                                    &monitor__v2__monitor_service__descriptor, "GetServers",
                                    get_servers, ntpmon_api_handlers_ref (self),
                                    (GDestroyNotify)ntpmon_api_handlers_unref, error)
         && ntpmon_api_rpc_add_method (server, NTPMON_API_PROTOCOL_TWIRP, &api__monitor__descriptor,
                                       "GetServers", get_servers, ntpmon_api_handlers_ref (self),
                                       (GDestroyNotify)ntpmon_api_handlers_unref, error);
}
