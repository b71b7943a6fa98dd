/* ntpmon-score-error.h: errors of the scoring algorithms
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * NtpmonScoreError:
 * @NTPMON_SCORE_ERROR_NO_RECENT_SCORES: `recentmedian` found no candidate rows
 * @NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES: a stored attributes document is bad
 * @NTPMON_SCORE_ERROR_NOT_CONFIGURED: scorer id or history source missing
 */
typedef enum
{
  NTPMON_SCORE_ERROR_NO_RECENT_SCORES,
  NTPMON_SCORE_ERROR_INVALID_ATTRIBUTES,
  NTPMON_SCORE_ERROR_NOT_CONFIGURED,
} NtpmonScoreError;

#define NTPMON_SCORE_ERROR (ntpmon_score_error_quark ())
GQuark ntpmon_score_error_quark (void);

G_END_DECLS
