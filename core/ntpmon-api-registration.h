/* ntpmon-api-registration.h: operators decide monitor registrations
 *
 * SPDX-License-Identifier: MIT
 *
 * `ntppool-monitor-api registration list | accept ID [--account N] |
 * reject ID` (the NTP Pool does this in its web UI). Accepting makes or
 * reuses the `monitors` rows of the registration's addresses, one per IP
 * family, under one TLS name `<name>-<random>.<env>.<monitor domain>`
 * (spec api-server.md §4.3), status `testing`; the polling agent then
 * gets its API key from the web API (ntpmon-api-web.h).
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-db.h"

G_BEGIN_DECLS

#define NTPMON_API_REGISTRATION_ERROR (ntpmon_api_registration_error_quark ())
GQuark ntpmon_api_registration_error_quark (void);

typedef enum
{
  NTPMON_API_REGISTRATION_ERROR_UNKNOWN,  /* no registration with that id */
  NTPMON_API_REGISTRATION_ERROR_DECIDED,  /* not pending any more */
  NTPMON_API_REGISTRATION_ERROR_ACCOUNT,  /* no account given, or unknown */
  NTPMON_API_REGISTRATION_ERROR_CONFLICT, /* an address belongs to another monitor */
} NtpmonApiRegistrationError;

typedef struct
{
  const gchar *env;            /* deployment mode: the TLS name's environment label */
  const gchar *monitor_domain; /* e.g. mon.ntppool.dev */
  guint64 account_id;          /* 0: the registration's own */
} NtpmonApiRegistrationOptions;

gboolean ntpmon_api_registration_list (NtpmonDbConn *conn, GString *out, GError **error);
gboolean ntpmon_api_registration_accept (NtpmonDbConn *conn, guint64 id,
                                         const NtpmonApiRegistrationOptions *options,
                                         gchar **tls_name, GError **error);
gboolean ntpmon_api_registration_reject (NtpmonDbConn *conn, guint64 id, GError **error);

G_END_DECLS
