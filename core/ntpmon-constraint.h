/* ntpmon-constraint.h: extension point for one selector constraint rule
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>
#include <libpeas/peas.h>

G_BEGIN_DECLS

/* Defined by the selector (plugins/selector): the server under review with
 * all its monitors, and one monitor of it. Constraints only read them
 * through the selector's accessors. */
typedef struct _NtpmonSelectorContext NtpmonSelectorContext;
typedef struct _NtpmonSelectorMonitor NtpmonSelectorMonitor;

/**
 * NtpmonConstraintTarget:
 * @NTPMON_CONSTRAINT_TARGET_CURRENT: check the monitor in its current status
 * @NTPMON_CONSTRAINT_TARGET_TESTING: check as if promoted to testing
 * @NTPMON_CONSTRAINT_TARGET_ACTIVE: check as if promoted to active
 */
typedef enum
{
  NTPMON_CONSTRAINT_TARGET_CURRENT,
  NTPMON_CONSTRAINT_TARGET_TESTING,
  NTPMON_CONSTRAINT_TARGET_ACTIVE,
} NtpmonConstraintTarget;

#define NTPMON_TYPE_CONSTRAINT (ntpmon_constraint_get_type ())
G_DECLARE_INTERFACE (NtpmonConstraint, ntpmon_constraint, NTPMON, CONSTRAINT, GObject)

/**
 * NtpmonConstraint:name:
 *
 * Every implementation has a construct-only string property `name`, the
 * constraint's config name. libpeas makes one extension per plugin and
 * interface, so a plugin that provides several constraints registers a
 * factory (peas_object_module_register_extension_factory()) that builds the
 * constraint named by this property, and lists the names it provides in its
 * `.plugin` file as `X-Ntpmon-Constraints=name;name;...`.
 */

/**
 * NtpmonConstraintInterface:
 * @get_name: the constraint's config name (`subnet`, `account`, `diversity`, `limits`)
 * @get_violation_type: the string stored in `server_scores.constraint_violation_type`
 *   (`network_same_subnet`, `account`, `network_diversity`, `limit`)
 * @is_unchangeable: whether a violation can never go away by itself (it pauses
 *   the monitor instead of rate-limited demotion)
 * @check: does @monitor, moved to @target, violate this rule within @ctx?
 *   Returns TRUE when it does. Pure: no I/O, callable from any thread.
 */
struct _NtpmonConstraintInterface
{
  GTypeInterface g_iface;

  const gchar *(*get_name) (NtpmonConstraint *self);
  const gchar *(*get_violation_type) (NtpmonConstraint *self);
  gboolean (*is_unchangeable) (NtpmonConstraint *self);
  gboolean (*check) (NtpmonConstraint *self, const NtpmonSelectorContext *ctx,
                     const NtpmonSelectorMonitor *monitor, NtpmonConstraintTarget target);
};

const gchar *ntpmon_constraint_get_name (NtpmonConstraint *self);
const gchar *ntpmon_constraint_get_violation_type (NtpmonConstraint *self);
gboolean ntpmon_constraint_is_unchangeable (NtpmonConstraint *self);
gboolean ntpmon_constraint_check (NtpmonConstraint *self, const NtpmonSelectorContext *ctx,
                                  const NtpmonSelectorMonitor *monitor,
                                  NtpmonConstraintTarget target);

GPtrArray *ntpmon_constraint_create_from_plugin (PeasEngine *engine, PeasPluginInfo *info,
                                                 GError **error);

G_END_DECLS
