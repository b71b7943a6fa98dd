/* ntpmon-state-private.h: NtpmonState internals shared by its source files
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-state.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *status; /* pending, testing, active, paused, deleted or "" */
  gchar *ip;     /* textual address or NULL (JSON null) */
} NtpmonStateIp;

struct _NtpmonState
{
  GObject parent_instance;

  gchar *base_dir;
  gchar *env;
  gchar *dir; /* base_dir/env */

  gchar *api_key;
  gchar *name;
  gchar *tls_name;
  NtpmonStateIp ipv4;
  NtpmonStateIp ipv6;
  gchar *otlp_log_level;
  gchar *data_sha;

  /* the certificate in memory: PEM chain, PKCS#8 key, validity (unix s) */
  gchar *cert_pem;
  gchar *key_pem;
  gint64 not_before;
  gint64 not_after;
  GTlsCertificate *tls_cert; /* made on demand */

  GFileMonitor *monitor;
  guint debounce_id;
};

void ntpmon_state_clear_certificate (NtpmonState *self);
void ntpmon_state_ip_clear (NtpmonStateIp *ip);
void ntpmon_state_ip_copy (NtpmonStateIp *to, const NtpmonStateIp *from);
void ntpmon_state_emit_changed (NtpmonState *self);

G_END_DECLS
