/* ntpmon-selector-engine.h: the monitor selector's rule engine (selector.md §6–10)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-constraint.h"
#include "ntpmon-selector-context.h"
#include "ntpmon-selector-review.h"

G_BEGIN_DECLS

/**
 * NtpmonSelectorFlags:
 * @NTPMON_SELECTOR_FLAG_NONE: this project's behaviour
 * @NTPMON_SELECTOR_FLAG_REFERENCE_BLOCK_ALL: keep the reference's block-all
 *   guard even for a server that has no active and no testing monitor but
 *   healthy candidates (such a server is then never bootstrapped; §12 item 2)
 */
typedef enum
{
  NTPMON_SELECTOR_FLAG_NONE = 0,
  NTPMON_SELECTOR_FLAG_REFERENCE_BLOCK_ALL = 1 << 0,
} NtpmonSelectorFlags;

#define NTPMON_SELECTOR_TARGET_ACTIVE    7
#define NTPMON_SELECTOR_BASE_TESTING     5
#define NTPMON_SELECTOR_MIN_COUNT_TEST   9
#define NTPMON_SELECTOR_MIN_COUNT_ACTIVE 32

#define NTPMON_SELECTOR_ERROR (ntpmon_selector_error_quark ())
typedef enum
{
  NTPMON_SELECTOR_ERROR_BAD_ROW,
} NtpmonSelectorError;
GQuark ntpmon_selector_error_quark (void);

#define NTPMON_TYPE_SELECTOR_ENGINE (ntpmon_selector_engine_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonSelectorEngine, ntpmon_selector_engine, NTPMON, SELECTOR_ENGINE,
                      GObject)

NtpmonSelectorEngine *ntpmon_selector_engine_new (GPtrArray *constraints,
                                                  NtpmonSelectorFlags flags);
NtpmonSelectorFlags ntpmon_selector_engine_get_flags (NtpmonSelectorEngine *self);
NtpmonConstraint *ntpmon_selector_engine_get_constraint (NtpmonSelectorEngine *self,
                                                         const gchar *name);

NtpmonSelectorDisposition ntpmon_selector_disposition (const NtpmonSelectorMonitor *monitor);
guint ntpmon_selector_count_globally_active (GPtrArray *monitors);
void ntpmon_selector_engine_evaluate (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                                      NtpmonSelectorMonitor *monitor, GArray *events);
gboolean ntpmon_selector_engine_promotion_violates (NtpmonSelectorEngine *self,
                                                    NtpmonSelectorContext *ctx,
                                                    NtpmonSelectorAccountTable *table,
                                                    const NtpmonSelectorMonitor *monitor,
                                                    NtpmonSelectorStatus target, GArray *events);
gboolean ntpmon_selector_engine_is_resolved (NtpmonSelectorEngine *self, NtpmonSelectorContext *ctx,
                                             const NtpmonSelectorMonitor *monitor);

GPtrArray *ntpmon_selector_engine_apply_rules (NtpmonSelectorEngine *self,
                                               NtpmonSelectorContext *ctx, GPtrArray *evaluated,
                                               NtpmonSelectorAccountTable *table, GDateTime *now,
                                               GArray *events);

NtpmonSelectorReview *ntpmon_selector_engine_review (NtpmonSelectorEngine *self,
                                                     NtpmonSelectorContext *ctx, GDateTime *now,
                                                     GError **error);

G_END_DECLS
