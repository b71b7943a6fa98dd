/* ntpmon-monitor-spool.h: results the API did not take yet, kept on disk
 *
 * SPDX-License-Identifier: MIT
 *
 * Beyond the reference agent (which drops results it could not submit):
 * a directory, `<state>/<env>/spool/`, with one file per batch holding the
 * encoded SubmitResults request. A file is written to a temporary name,
 * fsync'd and renamed, so it survives a crash or kill -9 whole or not at
 * all. Entries are kept in the order they were added (the file names are
 * increasing sequence numbers) and taken out oldest first. The spool holds
 * at most max_batches entries: adding one more drops the oldest, which is
 * counted in `dropped` like entries the server rejected for good. A failed
 * write (disk full, I/O error) is counted in `write-failures`.
 *
 * Properties (notified on change): `length`, `dropped`, `write-failures`.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NTPMON_MONITOR_SPOOL_DIR_NAME    "spool"
#define NTPMON_MONITOR_SPOOL_DEFAULT_MAX 1000

#define NTPMON_TYPE_MONITOR_SPOOL (ntpmon_monitor_spool_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonMonitorSpool, ntpmon_monitor_spool, NTPMON, MONITOR_SPOOL, GObject)

/* Opens (creating it, mode 0700) the spool directory @dir and lists the
 * entries it holds; leftover temporary files are removed. */
NtpmonMonitorSpool *ntpmon_monitor_spool_new (const gchar *dir, guint max_batches, GError **error);

const gchar *ntpmon_monitor_spool_get_dir (NtpmonMonitorSpool *self);
void ntpmon_monitor_spool_set_max_batches (NtpmonMonitorSpool *self, guint max_batches);
guint ntpmon_monitor_spool_get_length (NtpmonMonitorSpool *self);
guint64 ntpmon_monitor_spool_get_dropped (NtpmonMonitorSpool *self);
guint64 ntpmon_monitor_spool_get_write_failures (NtpmonMonitorSpool *self);

/* Adds @request as the newest entry (dropping the oldest when full). On
 * failure nothing is added, the failure is counted and @error set. */
gboolean ntpmon_monitor_spool_push (NtpmonMonitorSpool *self, GBytes *request, GError **error);

/* The oldest entry, or NULL when the spool is empty. An entry that cannot
 * be read is removed and counted as dropped (and the next one returned). */
GBytes *ntpmon_monitor_spool_peek (NtpmonMonitorSpool *self);

/* Removes the oldest entry: it was delivered (@dropped FALSE) or given up
 * (@dropped TRUE, counted). */
void ntpmon_monitor_spool_pop (NtpmonMonitorSpool *self, gboolean dropped);

/* Whether someone is resubmitting the entries now (only one may). */
gboolean ntpmon_monitor_spool_try_lock (NtpmonMonitorSpool *self);
void ntpmon_monitor_spool_unlock (NtpmonMonitorSpool *self);

G_END_DECLS
