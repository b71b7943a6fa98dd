/* ntpmon-rpc-error.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <gio/gio.h>

#include "ntpmon-rpc-error.h"

static const GDBusErrorEntry rpc_error_entries[] = {
  { NTPMON_RPC_ERROR_CANCELED, "org.ntppool.Rpc.Error.Canceled" },
  { NTPMON_RPC_ERROR_UNKNOWN, "org.ntppool.Rpc.Error.Unknown" },
  { NTPMON_RPC_ERROR_INVALID_ARGUMENT, "org.ntppool.Rpc.Error.InvalidArgument" },
  { NTPMON_RPC_ERROR_DEADLINE_EXCEEDED, "org.ntppool.Rpc.Error.DeadlineExceeded" },
  { NTPMON_RPC_ERROR_NOT_FOUND, "org.ntppool.Rpc.Error.NotFound" },
  { NTPMON_RPC_ERROR_ALREADY_EXISTS, "org.ntppool.Rpc.Error.AlreadyExists" },
  { NTPMON_RPC_ERROR_PERMISSION_DENIED, "org.ntppool.Rpc.Error.PermissionDenied" },
  { NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED, "org.ntppool.Rpc.Error.ResourceExhausted" },
  { NTPMON_RPC_ERROR_FAILED_PRECONDITION, "org.ntppool.Rpc.Error.FailedPrecondition" },
  { NTPMON_RPC_ERROR_ABORTED, "org.ntppool.Rpc.Error.Aborted" },
  { NTPMON_RPC_ERROR_OUT_OF_RANGE, "org.ntppool.Rpc.Error.OutOfRange" },
  { NTPMON_RPC_ERROR_UNIMPLEMENTED, "org.ntppool.Rpc.Error.Unimplemented" },
  { NTPMON_RPC_ERROR_INTERNAL, "org.ntppool.Rpc.Error.Internal" },
  { NTPMON_RPC_ERROR_UNAVAILABLE, "org.ntppool.Rpc.Error.Unavailable" },
  { NTPMON_RPC_ERROR_DATA_LOSS, "org.ntppool.Rpc.Error.DataLoss" },
  { NTPMON_RPC_ERROR_UNAUTHENTICATED, "org.ntppool.Rpc.Error.Unauthenticated" },
  { NTPMON_RPC_ERROR_MALFORMED, "org.ntppool.Rpc.Error.Malformed" },
  { NTPMON_RPC_ERROR_BAD_ROUTE, "org.ntppool.Rpc.Error.BadRoute" },
};

GQuark
ntpmon_rpc_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("ntpmon-rpc-error-quark", &quark, rpc_error_entries,
                                      G_N_ELEMENTS (rpc_error_entries));
  return (GQuark)quark;
}

/* Indexed by code; Connect has no malformed/bad_route and uses the closest. */
static const gchar *const connect_names[] = {
  [NTPMON_RPC_ERROR_CANCELED] = "canceled",
  [NTPMON_RPC_ERROR_UNKNOWN] = "unknown",
  [NTPMON_RPC_ERROR_INVALID_ARGUMENT] = "invalid_argument",
  [NTPMON_RPC_ERROR_DEADLINE_EXCEEDED] = "deadline_exceeded",
  [NTPMON_RPC_ERROR_NOT_FOUND] = "not_found",
  [NTPMON_RPC_ERROR_ALREADY_EXISTS] = "already_exists",
  [NTPMON_RPC_ERROR_PERMISSION_DENIED] = "permission_denied",
  [NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED] = "resource_exhausted",
  [NTPMON_RPC_ERROR_FAILED_PRECONDITION] = "failed_precondition",
  [NTPMON_RPC_ERROR_ABORTED] = "aborted",
  [NTPMON_RPC_ERROR_OUT_OF_RANGE] = "out_of_range",
  [NTPMON_RPC_ERROR_UNIMPLEMENTED] = "unimplemented",
  [NTPMON_RPC_ERROR_INTERNAL] = "internal",
  [NTPMON_RPC_ERROR_UNAVAILABLE] = "unavailable",
  [NTPMON_RPC_ERROR_DATA_LOSS] = "data_loss",
  [NTPMON_RPC_ERROR_UNAUTHENTICATED] = "unauthenticated",
  [NTPMON_RPC_ERROR_MALFORMED] = "invalid_argument",
  [NTPMON_RPC_ERROR_BAD_ROUTE] = "unimplemented",
};

const gchar *
ntpmon_rpc_error_to_connect_name (NtpmonRpcError code)
{
  if (code < NTPMON_RPC_ERROR_CANCELED || code > NTPMON_RPC_ERROR_LAST)
    return NULL;
  return connect_names[code];
}

gboolean
ntpmon_rpc_error_from_connect_name (const gchar *name, NtpmonRpcError *code)
{
  g_return_val_if_fail (code != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  for (guint i = NTPMON_RPC_ERROR_CANCELED; i <= NTPMON_RPC_ERROR_UNAUTHENTICATED; i++)
    {
      if (g_str_equal (name, connect_names[i]))
        {
          *code = (NtpmonRpcError)i;
          return TRUE;
        }
    }
  return FALSE;
}

NtpmonRpcError
ntpmon_rpc_error_code_of (const GError *error, NtpmonRpcError fallback)
{
  if (error == NULL)
    return fallback;
  if (error->domain == NTPMON_RPC_ERROR && error->code >= NTPMON_RPC_ERROR_CANCELED
      && error->code <= NTPMON_RPC_ERROR_LAST)
    return (NtpmonRpcError)error->code;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NTPMON_RPC_ERROR_CANCELED;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return NTPMON_RPC_ERROR_DEADLINE_EXCEEDED;
  return fallback;
}
