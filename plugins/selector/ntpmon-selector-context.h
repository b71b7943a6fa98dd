/* ntpmon-selector-context.h: the server under review as seen by the constraints
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

#include "ntpmon-constraint.h"
#include "ntpmon-selector-monitor.h"

G_BEGIN_DECLS

/**
 * NtpmonSelectorAccountLimit:
 *
 * One entry of the account-limit table (selector.md §7.5.1).
 */
typedef struct
{
  gint64 account_id;
  gint64 limit; /* X */
  gint64 active;
  gint64 testing;
} NtpmonSelectorAccountLimit;

/* A GArray of NtpmonSelectorAccountLimit, in first-seen order. */
typedef GArray NtpmonSelectorAccountTable;

NtpmonSelectorAccountTable *ntpmon_selector_account_table_new (void);
NtpmonSelectorAccountTable *ntpmon_selector_account_table_from_rows (GPtrArray *rows);
NtpmonSelectorAccountTable *ntpmon_selector_account_table_copy (NtpmonSelectorAccountTable *table);
void ntpmon_selector_account_table_add (NtpmonSelectorAccountTable *table, gint64 account_id,
                                        gint64 limit, gint64 active, gint64 testing);
NtpmonSelectorAccountLimit *ntpmon_selector_account_table_lookup (NtpmonSelectorAccountTable *table,
                                                                  gint64 account_id);
void ntpmon_selector_account_table_move (NtpmonSelectorAccountTable *table,
                                         const NtpmonSelectorMonitor *monitor,
                                         NtpmonSelectorStatus from, NtpmonSelectorStatus to);

/**
 * NtpmonSelectorContext:
 *
 * The server under review: its address and account, the monitor rows with
 * their database statuses ("assigned rows"), the account table promotion
 * checks are made against, and the monitors flagged by the evaluation-time
 * account-limit check. Constraints read it through the accessors below.
 */
struct _NtpmonSelectorContext
{
  gint64 server_id;
  gchar *server_ip;
  gboolean has_server_account;
  gint64 server_account;
  GPtrArray *rows;                   /* NtpmonSelectorMonitor, owned */
  NtpmonSelectorAccountTable *table; /* promotion-check table, borrowed */
  GHashTable *limit_flagged;         /* gint64 monitor id set, owned */
};

NtpmonSelectorContext *ntpmon_selector_context_new (gint64 server_id, const gchar *server_ip,
                                                    gboolean has_server_account,
                                                    gint64 server_account, GPtrArray *rows);
void ntpmon_selector_context_free (NtpmonSelectorContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonSelectorContext, ntpmon_selector_context_free)

gint64 ntpmon_selector_context_get_server_id (const NtpmonSelectorContext *ctx);
const gchar *ntpmon_selector_context_get_server_ip (const NtpmonSelectorContext *ctx);
gboolean ntpmon_selector_context_get_server_account (const NtpmonSelectorContext *ctx,
                                                     gint64 *account_id);
GPtrArray *ntpmon_selector_context_get_rows (const NtpmonSelectorContext *ctx);
NtpmonSelectorAccountLimit *
ntpmon_selector_context_lookup_account (const NtpmonSelectorContext *ctx, gint64 account_id);
gboolean ntpmon_selector_context_is_limit_flagged (const NtpmonSelectorContext *ctx,
                                                   gint64 monitor_id);
void ntpmon_selector_context_set_limit_flagged (NtpmonSelectorContext *ctx, GHashTable *flagged);

G_END_DECLS
