/* ntpmon-metrics.c: a small thread-safe metrics registry (Prometheus text format)
 *
 * SPDX-License-Identifier: MIT
 *
 * One mutex per registry guards every family and series; updates are a hash
 * lookup and an addition, so contention stays small. Rendering sorts
 * families by name and series by their label values, which makes the output
 * stable for tests and diffs.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ntpmon-metrics.h"

const gdouble ntpmon_metrics_latency_buckets[]
    = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
const guint ntpmon_metrics_n_latency_buckets = G_N_ELEMENTS (ntpmon_metrics_latency_buckets);

struct _NtpmonMetrics
{
  gatomicrefcount ref;
  GMutex lock;
  GHashTable *families; /* name -> NtpmonMetric */
};

struct _NtpmonMetric
{
  NtpmonMetrics *registry; /* not a reference: the registry owns the family */
  NtpmonMetricType type;
  gchar *name;
  gchar *help;
  GStrv label_names;
  guint n_labels;
  gdouble *buckets; /* histogram upper bounds, ascending, without +Inf */
  guint n_buckets;
  GHashTable *series; /* joined label values -> Series */
};

typedef struct
{
  GStrv values;
  gdouble value;    /* counter/gauge value, histogram sum */
  guint64 count;    /* histogram observations */
  guint64 *buckets; /* histogram: per bucket (not cumulative), n_buckets + 1 */
} Series;

static void
series_free (Series *series)
{
  g_strfreev (series->values);
  g_free (series->buckets);
  g_free (series);
}

static void
metric_free (NtpmonMetric *metric)
{
  g_free (metric->name);
  g_free (metric->help);
  g_strfreev (metric->label_names);
  g_free (metric->buckets);
  g_hash_table_unref (metric->series);
  g_free (metric);
}

/**
 * ntpmon_metrics_new:
 *
 * Returns: (transfer full): an empty registry
 */
NtpmonMetrics *
ntpmon_metrics_new (void)
{
  NtpmonMetrics *self = g_new0 (NtpmonMetrics, 1);

  g_atomic_ref_count_init (&self->ref);
  g_mutex_init (&self->lock);
  self->families
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)metric_free);
  return self;
}

NtpmonMetrics *
ntpmon_metrics_ref (NtpmonMetrics *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
ntpmon_metrics_unref (NtpmonMetrics *self)
{
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_hash_table_unref (self->families);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/**
 * ntpmon_metrics_valid_name:
 *
 * Whether @name matches `[a-zA-Z_:][a-zA-Z0-9_:]*`, the Prometheus metric
 * name syntax (label names use the same without `:`).
 */
gboolean
ntpmon_metrics_valid_name (const gchar *name)
{
  if (name == NULL || *name == '\0' || g_ascii_isdigit (*name))
    return FALSE;
  for (const gchar *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != ':')
      return FALSE;
  return TRUE;
}

static NtpmonMetric *
register_family (NtpmonMetrics *self, NtpmonMetricType type, const gchar *name, const gchar *help,
                 const gchar *const *label_names, const gdouble *buckets, guint n_buckets)
{
  NtpmonMetric *metric;

  g_return_val_if_fail (ntpmon_metrics_valid_name (name), NULL);
  for (guint i = 0; label_names != NULL && label_names[i] != NULL; i++)
    g_return_val_if_fail (
        ntpmon_metrics_valid_name (label_names[i]) && strchr (label_names[i], ':') == NULL, NULL);

  g_mutex_lock (&self->lock);
  metric = g_hash_table_lookup (self->families, name);
  if (metric != NULL)
    {
      g_mutex_unlock (&self->lock);
      /* Registering the same family again returns it; a clash is a bug. */
      g_return_val_if_fail (metric->type == type
                                && metric->n_labels
                                       == (label_names ? g_strv_length ((GStrv)label_names) : 0),
                            NULL);
      return metric;
    }
  metric = g_new0 (NtpmonMetric, 1);
  metric->registry = self;
  metric->type = type;
  metric->name = g_strdup (name);
  metric->help = g_strdup (help != NULL ? help : "");
  metric->label_names = label_names != NULL ? g_strdupv ((GStrv)label_names) : g_new0 (gchar *, 1);
  metric->n_labels = g_strv_length (metric->label_names);
  if (type == NTPMON_METRIC_HISTOGRAM)
    {
      metric->buckets = g_memdup2 (buckets, sizeof (gdouble) * n_buckets);
      metric->n_buckets = n_buckets;
    }
  metric->series
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)series_free);
  g_hash_table_insert (self->families, metric->name, metric);
  g_mutex_unlock (&self->lock);
  return metric;
}

/**
 * ntpmon_metrics_counter:
 * @label_names: (array zero-terminated=1) (nullable): the label names
 *
 * Returns: (transfer none): the counter family, owned by the registry
 */
NtpmonMetric *
ntpmon_metrics_counter (NtpmonMetrics *self, const gchar *name, const gchar *help,
                        const gchar *const *label_names)
{
  return register_family (self, NTPMON_METRIC_COUNTER, name, help, label_names, NULL, 0);
}

/**
 * ntpmon_metrics_gauge:
 *
 * Returns: (transfer none): the gauge family, owned by the registry
 */
NtpmonMetric *
ntpmon_metrics_gauge (NtpmonMetrics *self, const gchar *name, const gchar *help,
                      const gchar *const *label_names)
{
  return register_family (self, NTPMON_METRIC_GAUGE, name, help, label_names, NULL, 0);
}

/**
 * ntpmon_metrics_histogram:
 * @buckets: (array length=n_buckets): ascending upper bounds, without +Inf
 *
 * Returns: (transfer none): the histogram family, owned by the registry
 */
NtpmonMetric *
ntpmon_metrics_histogram (NtpmonMetrics *self, const gchar *name, const gchar *help,
                          const gchar *const *label_names, const gdouble *buckets, guint n_buckets)
{
  for (guint i = 1; i < n_buckets; i++)
    g_return_val_if_fail (buckets[i - 1] < buckets[i], NULL);
  return register_family (self, NTPMON_METRIC_HISTOGRAM, name, help, label_names, buckets,
                          n_buckets);
}

/**
 * ntpmon_metrics_lookup:
 *
 * Returns: (transfer none) (nullable): the family called @name
 */
NtpmonMetric *
ntpmon_metrics_lookup (NtpmonMetrics *self, const gchar *name)
{
  NtpmonMetric *metric;

  g_mutex_lock (&self->lock);
  metric = g_hash_table_lookup (self->families, name);
  g_mutex_unlock (&self->lock);
  return metric;
}

static gchar *
series_key (NtpmonMetric *metric, const gchar *const *values)
{
  GString *key = g_string_new (NULL);

  for (guint i = 0; i < metric->n_labels; i++)
    {
      if (i > 0)
        g_string_append_c (key, '\037');
      g_string_append (key, values[i] != NULL ? values[i] : "");
    }
  return g_string_free (key, FALSE);
}

/* Called with the registry lock held. */
static Series *
get_series (NtpmonMetric *metric, const gchar *const *values, gboolean create)
{
  g_autofree gchar *key = series_key (metric, values);
  Series *series = g_hash_table_lookup (metric->series, key);

  if (series != NULL || !create)
    return series;
  series = g_new0 (Series, 1);
  series->values = g_new0 (gchar *, metric->n_labels + 1);
  for (guint i = 0; i < metric->n_labels; i++)
    series->values[i] = g_strdup (values[i] != NULL ? values[i] : "");
  if (metric->type == NTPMON_METRIC_HISTOGRAM)
    series->buckets = g_new0 (guint64, metric->n_buckets + 1);
  g_hash_table_insert (metric->series, g_steal_pointer (&key), series);
  return series;
}

/**
 * ntpmon_metric_add:
 * @label_values: one value per label name (may be NULL without labels)
 *
 * Adds @value to a counter (must not be negative) or a gauge.
 */
void
ntpmon_metric_add (NtpmonMetric *metric, const gchar *const *label_values, gdouble value)
{
  g_return_if_fail (metric != NULL && metric->type != NTPMON_METRIC_HISTOGRAM);
  g_return_if_fail (metric->type == NTPMON_METRIC_GAUGE || value >= 0);

  g_mutex_lock (&metric->registry->lock);
  get_series (metric, label_values, TRUE)->value += value;
  g_mutex_unlock (&metric->registry->lock);
}

/**
 * ntpmon_metric_set:
 *
 * Sets a gauge.
 */
void
ntpmon_metric_set (NtpmonMetric *metric, const gchar *const *label_values, gdouble value)
{
  g_return_if_fail (metric != NULL && metric->type == NTPMON_METRIC_GAUGE);

  g_mutex_lock (&metric->registry->lock);
  get_series (metric, label_values, TRUE)->value = value;
  g_mutex_unlock (&metric->registry->lock);
}

/**
 * ntpmon_metric_observe:
 *
 * Records one observation in a histogram.
 */
void
ntpmon_metric_observe (NtpmonMetric *metric, const gchar *const *label_values, gdouble value)
{
  Series *series;
  guint i;

  g_return_if_fail (metric != NULL && metric->type == NTPMON_METRIC_HISTOGRAM);

  g_mutex_lock (&metric->registry->lock);
  series = get_series (metric, label_values, TRUE);
  for (i = 0; i < metric->n_buckets && value > metric->buckets[i]; i++)
    ;
  series->buckets[i]++;
  series->count++;
  series->value += value;
  g_mutex_unlock (&metric->registry->lock);
}

/**
 * ntpmon_metric_remove:
 *
 * Drops one series (e.g. a gauge of a monitor that went away).
 */
void
ntpmon_metric_remove (NtpmonMetric *metric, const gchar *const *label_values)
{
  g_autofree gchar *key = series_key (metric, label_values);

  g_mutex_lock (&metric->registry->lock);
  g_hash_table_remove (metric->series, key);
  g_mutex_unlock (&metric->registry->lock);
}

/* Reads one series; a series that does not exist reads as zero. */
static void
read_series (NtpmonMetric *metric, const gchar *const *label_values, gdouble *value, guint64 *count)
{
  Series *series;

  g_mutex_lock (&metric->registry->lock);
  series = get_series (metric, label_values, FALSE);
  *value = series != NULL ? series->value : 0;
  *count = series != NULL ? series->count : 0;
  g_mutex_unlock (&metric->registry->lock);
}

/**
 * ntpmon_metric_get:
 *
 * Returns: the value of a counter or gauge, or a histogram's sum; 0 for a
 *   series that does not exist
 */
gdouble
ntpmon_metric_get (NtpmonMetric *metric, const gchar *const *label_values)
{
  gdouble value;
  guint64 count;

  read_series (metric, label_values, &value, &count);
  return value;
}

/**
 * ntpmon_metric_get_count:
 *
 * Returns: the number of observations of a histogram series
 */
guint64
ntpmon_metric_get_count (NtpmonMetric *metric, const gchar *const *label_values)
{
  gdouble value;
  guint64 count;

  read_series (metric, label_values, &value, &count);
  return count;
}

/* The shortest of %.15g/%.17g that reads back as the same double. */
static void
format_double (gchar *buf, gsize size, gdouble value)
{
  g_ascii_formatd (buf, size, "%.15g", value);
  if (g_ascii_strtod (buf, NULL) != value)
    g_ascii_formatd (buf, size, "%.17g", value);
}

static void
append_number (GString *out, gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    g_string_append (out, "NaN");
  else if (isinf (value))
    g_string_append (out, value > 0 ? "+Inf" : "-Inf");
  else
    {
      format_double (buf, sizeof buf, value);
      g_string_append (out, buf);
    }
}

static void
append_escaped (GString *out, const gchar *text, gboolean quote)
{
  for (const gchar *p = text; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '"' && quote)
        g_string_append (out, "\\\"");
      else
        g_string_append_c (out, *p);
    }
}

/* Writes `name{a="x",b="y"[,le="..."]} value`. */
static void
append_sample (GString *out, NtpmonMetric *metric, const gchar *suffix, Series *series,
               const gchar *le, gdouble value)
{
  gboolean any = metric->n_labels > 0 || le != NULL;

  g_string_append (out, metric->name);
  g_string_append (out, suffix);
  if (any)
    g_string_append_c (out, '{');
  for (guint i = 0; i < metric->n_labels; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_printf (out, "%s=\"", metric->label_names[i]);
      append_escaped (out, series->values[i], TRUE);
      g_string_append_c (out, '"');
    }
  if (le != NULL)
    g_string_append_printf (out, "%sle=\"%s\"", metric->n_labels > 0 ? "," : "", le);
  if (any)
    g_string_append_c (out, '}');
  g_string_append_c (out, ' ');
  append_number (out, value);
  g_string_append_c (out, '\n');
}

static void
render_family (GString *out, NtpmonMetric *metric)
{
  static const gchar *const type_names[] = { "counter", "gauge", "histogram" };
  g_autoptr (GList) keys
      = g_list_sort (g_hash_table_get_keys (metric->series), (GCompareFunc)g_strcmp0);

  g_string_append_printf (out, "# HELP %s ", metric->name);
  append_escaped (out, metric->help, FALSE);
  g_string_append_printf (out, "\n# TYPE %s %s\n", metric->name, type_names[metric->type]);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      Series *series = g_hash_table_lookup (metric->series, l->data);
      guint64 cumulative = 0;

      if (metric->type != NTPMON_METRIC_HISTOGRAM)
        {
          append_sample (out, metric, "", series, NULL, series->value);
          continue;
        }
      for (guint i = 0; i <= metric->n_buckets; i++)
        {
          gchar le[G_ASCII_DTOSTR_BUF_SIZE];

          cumulative += series->buckets[i];
          if (i < metric->n_buckets)
            format_double (le, sizeof le, metric->buckets[i]);
          else
            g_strlcpy (le, "+Inf", sizeof le);
          append_sample (out, metric, "_bucket", series, le, (gdouble)cumulative);
        }
      append_sample (out, metric, "_sum", series, NULL, series->value);
      append_sample (out, metric, "_count", series, NULL, (gdouble)series->count);
    }
}

/**
 * ntpmon_metrics_render:
 *
 * Returns: (transfer full): every family in the Prometheus text exposition
 *   format, version 0.0.4
 */
gchar *
ntpmon_metrics_render (NtpmonMetrics *self)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GList) names = NULL;

  g_mutex_lock (&self->lock);
  names = g_list_sort (g_hash_table_get_keys (self->families), (GCompareFunc)g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    render_family (out, g_hash_table_lookup (self->families, l->data));
  g_mutex_unlock (&self->lock);
  return g_string_free (out, FALSE);
}
