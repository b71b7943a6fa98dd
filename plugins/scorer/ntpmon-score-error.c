/* ntpmon-score-error.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-error.h"

G_DEFINE_QUARK (ntpmon - score - error - quark, ntpmon_score_error)
