/* ntpmon-rpc-client-errors.c: how NtpmonRpcClient reads failures
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-rpc-client-private.h"
#include "ntpmon-rpc-client.h"
#include "ntpmon-rpc-error.h"

gboolean
ntpmon_rpc_client_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  switch (ntpmon_rpc_error_code_of (error, NTPMON_RPC_ERROR_UNAVAILABLE))
    {
    case NTPMON_RPC_ERROR_CANCELED:
    case NTPMON_RPC_ERROR_UNKNOWN:
    case NTPMON_RPC_ERROR_DEADLINE_EXCEEDED:
    case NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED:
    case NTPMON_RPC_ERROR_ABORTED:
    case NTPMON_RPC_ERROR_INTERNAL:
    case NTPMON_RPC_ERROR_UNAVAILABLE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The reference server sends every handler error as `unknown` (api-server
 * spec §5.5): "twirp error <code>: <text>" for most, and two SubmitResults
 * rejections as bare text. Recover the real code, so that a caller does
 * not retry what will never be accepted. */
void
ntpmon_rpc_client_refine_error (GError *error)
{
  static const gchar prefix[] = "twirp error ";
  const gchar *colon;
  NtpmonRpcError code;

  if (!g_error_matches (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_UNKNOWN))
    return;
  if (g_str_has_prefix (error->message, prefix) && (colon = strchr (error->message, ':')) != NULL)
    {
      g_autofree gchar *name
          = g_strndup (error->message + strlen (prefix), colon - error->message - strlen (prefix));
      if (ntpmon_rpc_error_from_connect_name (name, &code))
        error->code = code;
    }
  else if (g_str_has_prefix (error->message, "invalid batch ID"))
    error->code = NTPMON_RPC_ERROR_INVALID_ARGUMENT;
  else if (g_strcmp0 (error->message, "invalid batch submission") == 0)
    error->code = NTPMON_RPC_ERROR_FAILED_PRECONDITION;
}

/* Transport errors after which the reference closes its idle connections
 * and tries once more on a new one (agent.md §4.2). */
gboolean
ntpmon_rpc_client_is_flush_error (const GError *error)
{
  g_autofree gchar *text = NULL;

  if (error->domain == G_TLS_ERROR
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return TRUE;
  text = g_ascii_strdown (error->message, -1);
  return strstr (text, "certificate") != NULL || strstr (text, "tls") != NULL
         || strstr (text, "connection refused") != NULL
         || strstr (text, "connection reset") != NULL;
}

gboolean
ntpmon_rpc_client_is_flush_status (guint status)
{
  return status == 401 || status == 403 || status == 495 || status == 496 || status == 497;
}
