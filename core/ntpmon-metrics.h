/* ntpmon-metrics.h: a small thread-safe metrics registry (Prometheus text format)
 *
 * SPDX-License-Identifier: MIT
 *
 * A registry holds metric families (counter, gauge, histogram), each with a
 * fixed list of label names. A series is created on first use of a label
 * value combination. Every call may come from any thread.
 *
 *   NtpmonMetric *m = ntpmon_metrics_counter (reg, "requests_total", "Requests.",
 *                                             (const gchar *[]){ "method", "code", NULL });
 *   ntpmon_metric_add (m, (const gchar *[]){ "GetConfig", "ok" }, 1);
 *   g_autofree gchar *text = ntpmon_metrics_render (reg);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _NtpmonMetrics NtpmonMetrics;
typedef struct _NtpmonMetric NtpmonMetric;

typedef enum
{
  NTPMON_METRIC_COUNTER,
  NTPMON_METRIC_GAUGE,
  NTPMON_METRIC_HISTOGRAM,
} NtpmonMetricType;

NtpmonMetrics *ntpmon_metrics_new (void);
NtpmonMetrics *ntpmon_metrics_ref (NtpmonMetrics *self);
void ntpmon_metrics_unref (NtpmonMetrics *self);

NtpmonMetric *ntpmon_metrics_counter (NtpmonMetrics *self, const gchar *name, const gchar *help,
                                      const gchar *const *label_names);
NtpmonMetric *ntpmon_metrics_gauge (NtpmonMetrics *self, const gchar *name, const gchar *help,
                                    const gchar *const *label_names);
NtpmonMetric *ntpmon_metrics_histogram (NtpmonMetrics *self, const gchar *name, const gchar *help,
                                        const gchar *const *label_names, const gdouble *buckets,
                                        guint n_buckets);
NtpmonMetric *ntpmon_metrics_lookup (NtpmonMetrics *self, const gchar *name);

gboolean ntpmon_metrics_valid_name (const gchar *name);

void ntpmon_metric_add (NtpmonMetric *metric, const gchar *const *label_values, gdouble value);
void ntpmon_metric_set (NtpmonMetric *metric, const gchar *const *label_values, gdouble value);
void ntpmon_metric_observe (NtpmonMetric *metric, const gchar *const *label_values, gdouble value);
void ntpmon_metric_remove (NtpmonMetric *metric, const gchar *const *label_values);
gdouble ntpmon_metric_get (NtpmonMetric *metric, const gchar *const *label_values);
guint64 ntpmon_metric_get_count (NtpmonMetric *metric, const gchar *const *label_values);

gchar *ntpmon_metrics_render (NtpmonMetrics *self);

/* The default latency buckets (seconds) for request histograms. */
extern const gdouble ntpmon_metrics_latency_buckets[];
extern const guint ntpmon_metrics_n_latency_buckets;

/* The content type of ntpmon_metrics_render()'s output. */
#define NTPMON_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonMetrics, ntpmon_metrics_unref)

G_END_DECLS
