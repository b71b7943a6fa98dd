/* ntpmon-rpc-error.h: the error domain of the monitor RPC protocols
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NTPMON_RPC_ERROR (ntpmon_rpc_error_quark ())

/**
 * NtpmonRpcError:
 *
 * The Connect (and gRPC) status codes, with gRPC's numbers. The last two are
 * Twirp-only codes: Connect renders them as `invalid_argument` and
 * `unimplemented`.
 */
typedef enum
{
  NTPMON_RPC_ERROR_CANCELED = 1,
  NTPMON_RPC_ERROR_UNKNOWN = 2,
  NTPMON_RPC_ERROR_INVALID_ARGUMENT = 3,
  NTPMON_RPC_ERROR_DEADLINE_EXCEEDED = 4,
  NTPMON_RPC_ERROR_NOT_FOUND = 5,
  NTPMON_RPC_ERROR_ALREADY_EXISTS = 6,
  NTPMON_RPC_ERROR_PERMISSION_DENIED = 7,
  NTPMON_RPC_ERROR_RESOURCE_EXHAUSTED = 8,
  NTPMON_RPC_ERROR_FAILED_PRECONDITION = 9,
  NTPMON_RPC_ERROR_ABORTED = 10,
  NTPMON_RPC_ERROR_OUT_OF_RANGE = 11,
  NTPMON_RPC_ERROR_UNIMPLEMENTED = 12,
  NTPMON_RPC_ERROR_INTERNAL = 13,
  NTPMON_RPC_ERROR_UNAVAILABLE = 14,
  NTPMON_RPC_ERROR_DATA_LOSS = 15,
  NTPMON_RPC_ERROR_UNAUTHENTICATED = 16,
  /* Twirp only */
  NTPMON_RPC_ERROR_MALFORMED = 17,
  NTPMON_RPC_ERROR_BAD_ROUTE = 18,
} NtpmonRpcError;

#define NTPMON_RPC_ERROR_LAST NTPMON_RPC_ERROR_BAD_ROUTE

GQuark ntpmon_rpc_error_quark (void);

/* The Connect code name ("invalid_argument") of @code; NULL if @code is not
 * a valid code. Twirp-only codes give their Connect equivalent. */
const gchar *ntpmon_rpc_error_to_connect_name (NtpmonRpcError code);

/* Parses a Connect code name; FALSE if @name is not one. */
gboolean ntpmon_rpc_error_from_connect_name (const gchar *name, NtpmonRpcError *code);

/* The RPC code that best describes @error: its own code for
 * NTPMON_RPC_ERROR, `canceled` / `deadline_exceeded` for the GIO cancel and
 * timeout errors, @fallback for everything else. */
NtpmonRpcError ntpmon_rpc_error_code_of (const GError *error, NtpmonRpcError fallback);

G_END_DECLS
