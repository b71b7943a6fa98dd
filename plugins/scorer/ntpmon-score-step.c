/* ntpmon-score-step.c: stage-1 step of one NTP result (spec/scorer.md §3)
 *
 * Pure functions; the project compiles with -ffp-contract=off so that every
 * multiply and add below is rounded on its own, as the reference does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-score-step.h"

#include <string.h>

#include "ntpmon-score-attributes.h"
#include "ntpmon-version.h"

#define NS_PER_S          G_GINT64_CONSTANT (1000000000)
#define UNTRUSTED_ZERO    "untrusted zero offset"
#define UNEXPECTED_STRAT0 "unexpected stratum 0"

/**
 * ntpmon_score_offset_seconds:
 *
 * The `log_scores.offset` value of an offset in nanoseconds: whole seconds
 * and the remainder converted separately (truncating division), §3.4.
 */
gdouble
ntpmon_score_offset_seconds (gint64 offset_ns)
{
  gint64 whole = offset_ns / NS_PER_S;
  gint64 frac = offset_ns % NS_PER_S;

  return (gdouble)whole + (gdouble)frac / 1e9;
}

/**
 * ntpmon_score_abs_ns:
 *
 * |ns| in 64-bit two's complement: G_MININT64 stays negative (§15 item 12).
 */
gint64
ntpmon_score_abs_ns (gint64 ns)
{
  if (ns >= 0)
    return ns;
  return (gint64)(0 - (guint64)ns);
}

/**
 * ntpmon_score_rtt_us:
 *
 * The `log_scores.rtt` column: microseconds truncated toward zero, then
 * wrapped to 32 bits (an absent rtt is 0).
 */
gint32
ntpmon_score_rtt_us (gboolean has_rtt, gint64 rtt_ns)
{
  if (!has_rtt)
    return 0;
  return (gint32)(guint32)(guint64)(rtt_ns / 1000);
}

/**
 * ntpmon_score_linear_step:
 * @abs_ns: |offset|, 25 ms < @abs_ns ≤ 750 ms
 *
 * Row 9 of the step table (§3.6).
 */
gdouble
ntpmon_score_linear_step (gint64 abs_ns)
{
  gdouble x = ntpmon_score_offset_seconds (abs_ns);
  gdouble product;
  gdouble step;

  if (x <= 0.100)
    {
      product = -6.667 * x;
      step = product + 1.167;
    }
  else
    {
      product = -2.308 * x;
      step = product + 0.731;
    }
  if (step > 1)
    step = 1;
  return step;
}

static gboolean
error_is (const gchar *err, const gchar *text)
{
  return g_strcmp0 (err, text) == 0;
}

/**
 * ntpmon_score_zero_offset_untrusted:
 * @client_version: (nullable): `monitors.client_version`; NULL: rule off
 *
 * §3.2 step 4: whether the result's zero offset must be dropped and its
 * error set to "untrusted zero offset" (client older than v3.8.5, stratum 0,
 * offset zero or absent, no error).
 */
gboolean
ntpmon_score_zero_offset_untrusted (const gchar *client_version, const NtpmonNtpResult *result)
{
  if (client_version == NULL)
    return FALSE;
  if (result->stratum != 0)
    return FALSE;
  if (result->has_offset && result->offset_ns != 0)
    return FALSE;
  if (result->error != NULL && result->error[0] != '\0')
    return FALSE;
  return !ntpmon_version_at_least (client_version, "v3.8.5");
}

static void
decide (const NtpmonNtpResult *r, gboolean has_offset, const gchar **err, NtpmonScoreStep *out)
{
  gint64 abs_ns;

  if (r->no_response)
    {
      out->step = -5;
      return;
    }
  if (r->stratum == 0)
    {
      if (error_is (*err, "RATE"))
        {
          out->step = -3.5;
          return;
        }
      if (error_is (*err, "RSTR") || error_is (*err, "DENY"))
        {
          out->step = -10;
          out->has_cap = TRUE;
          out->cap = -50;
          return;
        }
      if ((*err)[0] == '\0' || error_is (*err, UNTRUSTED_ZERO))
        {
          out->step = -2;
          out->has_cap = TRUE;
          out->cap = 5;
          if ((*err)[0] == '\0')
            *err = UNEXPECTED_STRAT0;
          return;
        }
    }
  if ((*err)[0] != '\0' || !has_offset)
    {
      out->step = -4;
      return;
    }

  abs_ns = ntpmon_score_abs_ns (r->offset_ns);
  if (abs_ns > 3 * NS_PER_S || r->stratum >= 8)
    {
      out->step = -4;
      if (abs_ns > 3 * NS_PER_S)
        {
          out->has_cap = TRUE;
          out->cap = -20;
        }
    }
  else if (abs_ns > 750 * G_GINT64_CONSTANT (1000000))
    out->step = -2;
  else if (abs_ns > 25 * G_GINT64_CONSTANT (1000000))
    out->step = ntpmon_score_linear_step (abs_ns);
  else
    out->step = 1;
}

/**
 * ntpmon_score_compute_step:
 * @client_version: (nullable): see ntpmon_score_zero_offset_untrusted()
 * @out: (out caller-allocates): overwritten
 *
 * Stage 1 for one result: step and cap (§3.5, §3.6), attributes (§3.8),
 * offset and rtt columns (§3.4).
 */
void
ntpmon_score_compute_step (const gchar *client_version, const NtpmonNtpResult *result,
                           NtpmonScoreStep *out)
{
  const gchar *err = result->error != NULL ? result->error : "";
  gboolean has_offset = result->has_offset;

  memset (out, 0, sizeof *out);
  if (ntpmon_score_zero_offset_untrusted (client_version, result))
    {
      has_offset = FALSE;
      err = UNTRUSTED_ZERO;
    }

  decide (result, has_offset, &err, out);

  out->has_offset = has_offset;
  out->offset = has_offset ? ntpmon_score_offset_seconds (result->offset_ns) : 0;
  out->rtt = ntpmon_score_rtt_us (result->has_rtt, result->rtt_ns);

  if (result->leap > 0 || err[0] != '\0')
    {
      NtpmonScoreAttributes attrs = { 0 };

      attrs.leap = (gint8)(guint8)(guint32)result->leap;
      attrs.error = (gchar *)err;
      out->attributes = ntpmon_score_attributes_encode (&attrs);
    }
}
