/* ntpmon-score-error.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-error.h"

GQuark
ntpmon_score_error_quark (void)
{
  return g_quark_from_static_string ("ntpmon-score-error-quark");
}
