/* ntpmon-rpc-status.c: NtpmonNtpResult -> monitor.v2 ServerStatus
 *
 * The message and everything it points to are allocated with malloc(),
 * the allocator protobuf-c's free_unpacked uses, so one
 * ntpmon_proto_message_free() releases it all.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-rpc-status.h"

#include <stdlib.h>
#include <string.h>

#include "ntpmon-ip.h"
#include "ntpmon-proto-wkt.h"
#include "ntpmon-rpc-codec.h"
#include "ntpmon-rpc-error.h"

#define NS_PER_SECOND G_GINT64_CONSTANT (1000000000)

Google__Protobuf__Timestamp *
ntpmon_rpc_status_timestamp_new (gint64 unix_ns)
{
  Google__Protobuf__Timestamp *ts = malloc (sizeof *ts);
  gint64 nanos = unix_ns % NS_PER_SECOND;
  gint64 seconds = unix_ns / NS_PER_SECOND;

  g_assert (ts != NULL);
  google__protobuf__timestamp__init (ts);
  if (nanos < 0)
    {
      nanos += NS_PER_SECOND;
      seconds--;
    }
  ts->seconds = seconds;
  ts->nanos = (int32_t)nanos;
  return ts;
}

/* Copies @len bytes into malloc()ed memory (NULL for none). */
static void
set_bytes (ProtobufCBinaryData *field, const void *data, gsize len)
{
  field->len = len;
  field->data = NULL;
  if (len == 0)
    return;
  field->data = malloc (len);
  g_assert (field->data != NULL);
  memcpy (field->data, data, len);
}

Monitor__V2__ServerStatus *
ntpmon_rpc_status_from_ntp_result (const NtpmonNtpResult *result, GError **error)
{
  g_autoptr (ProtobufCMessage) message = NULL;
  Monitor__V2__ServerStatus *status;
  guint8 ip[16];
  gsize ip_len;

  g_return_val_if_fail (result != NULL, NULL);

  if (result->ip == NULL)
    {
      g_set_error_literal (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
                           "NTP result without a target address");
      return NULL;
    }

  status = malloc (sizeof *status);
  g_assert (status != NULL);
  monitor__v2__server_status__init (status);
  message = &status->base;

  if (result->ticket != NULL && *result->ticket != '\0')
    {
      gsize len = 0;
      g_autofree guint8 *ticket
          = ntpmon_proto_base64_decode (result->ticket, strlen (result->ticket), &len, error);
      if (ticket == NULL)
        {
          g_prefix_error (error, "ticket: ");
          return NULL;
        }
      set_bytes (&status->ticket, ticket, len);
    }

  ip_len = ntpmon_ip_to_bytes (result->ip, ip);
  set_bytes (&status->ip_bytes, ip, ip_len);

  if (result->error != NULL && *result->error != '\0')
    {
      status->error = strdup (result->error);
      g_assert (status->error != NULL);
    }
  status->no_response = result->no_response;
  status->ts = ntpmon_rpc_status_timestamp_new (result->ts_ns);
  if (result->has_offset)
    status->offset = ntpmon_proto_duration_new (result->offset_ns);
  if (result->has_rtt)
    status->rtt = ntpmon_proto_duration_new (result->rtt_ns);
  status->stratum = result->stratum;
  status->leap = result->leap;

  return (Monitor__V2__ServerStatus *)g_steal_pointer (&message);
}
