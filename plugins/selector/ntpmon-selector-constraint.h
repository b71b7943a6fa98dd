/* ntpmon-selector-constraint.h: the four selector constraints as NtpmonConstraint extensions
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

#include "ntpmon-constraint.h"

G_BEGIN_DECLS

#define NTPMON_TYPE_SELECTOR_CONSTRAINT (ntpmon_selector_constraint_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonSelectorConstraint, ntpmon_selector_constraint, NTPMON,
                      SELECTOR_CONSTRAINT, GObject)

/* Registers the type with @module (the plugin), or statically when NULL
 * (unit tests that do not go through libpeas). Call once per process. */
void ntpmon_selector_constraint_register (GTypeModule *module);

/* NULL-terminated list of the constraint names, in evaluation order of the
 * reference: subnet, account, diversity, limits. */
const gchar *const *ntpmon_selector_constraint_names (void);

NtpmonConstraint *ntpmon_selector_constraint_new (const gchar *name);

G_END_DECLS
