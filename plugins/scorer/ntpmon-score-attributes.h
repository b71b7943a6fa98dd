/* ntpmon-score-attributes.h: the `log_scores.attributes` JSON document
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * NtpmonScoreAttributes:
 *
 * The fields of spec/scorer.md §10; zero values are left out when encoded.
 */
typedef struct
{
  gint8 leap;
  gint8 stratum;
  gboolean no_response;
  gchar *error;
  gchar *warning;
  gint64 from_ls_id;
  gint64 from_ss_id;
} NtpmonScoreAttributes;

void ntpmon_score_attributes_clear (NtpmonScoreAttributes *attrs);
void ntpmon_score_json_append_string (GString *out, const gchar *s);
gchar *ntpmon_score_attributes_encode (const NtpmonScoreAttributes *attrs);
gboolean ntpmon_score_attributes_decode (const gchar *json, NtpmonScoreAttributes *attrs,
                                         GError **error);

G_END_DECLS
