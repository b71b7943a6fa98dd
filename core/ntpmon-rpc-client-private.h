/* ntpmon-rpc-client-private.h: helpers of NtpmonRpcClient
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <sys/stat.h>

G_BEGIN_DECLS

/* What identifies one version of a file on disk. */
typedef struct
{
  gboolean exists;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} NtpmonFileStamp;

void ntpmon_file_stamp_read (const gchar *path, NtpmonFileStamp *stamp);
gboolean ntpmon_file_stamp_equal (const NtpmonFileStamp *a, const NtpmonFileStamp *b);

/* Whether the private key in @key_file belongs to the first certificate in
 * @cert_file (G_TLS_ERROR_BAD_CERTIFICATE if not). */
gboolean ntpmon_rpc_client_check_key_pair (const gchar *cert_file, const gchar *key_file,
                                           GError **error);

/* Gives an `unknown` error from the reference server its real code. */
void ntpmon_rpc_client_refine_error (GError *error);

/* Transport errors and HTTP statuses after which idle connections are
 * closed (agent.md §4.2). */
gboolean ntpmon_rpc_client_is_flush_error (const GError *error);
gboolean ntpmon_rpc_client_is_flush_status (guint status);

G_END_DECLS
