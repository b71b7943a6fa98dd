/* test-metrics.c: the core metrics registry and its text format
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-metrics.h"

/* Parses one sample line of the Prometheus text format strictly:
 * name{label="value",…} number. Returns the label set as "k=v,…". */
static gboolean
parse_sample (const gchar *line, gchar **name, gchar **labels, gdouble *value)
{
  const gchar *p = line;
  GString *name_s = g_string_new (NULL);
  GString *labels_s = g_string_new (NULL);
  gchar *end;

  while (g_ascii_isalnum (*p) || *p == '_' || *p == ':')
    g_string_append_c (name_s, *p++);
  if (name_s->len == 0)
    goto fail;
  if (*p == '{')
    {
      p++;
      while (*p != '}')
        {
          while (g_ascii_isalnum (*p) || *p == '_')
            g_string_append_c (labels_s, *p++);
          if (*p++ != '=' || *p++ != '"')
            goto fail;
          g_string_append_c (labels_s, '=');
          while (*p != '"')
            {
              if (*p == '\0' || *p == '\n')
                goto fail;
              if (*p == '\\')
                {
                  p++;
                  if (*p != '\\' && *p != '"' && *p != 'n')
                    goto fail;
                  g_string_append_c (labels_s, *p == 'n' ? '\n' : *p);
                  p++;
                  continue;
                }
              g_string_append_c (labels_s, *p++);
            }
          p++;
          if (*p == ',')
            {
              g_string_append_c (labels_s, ',');
              p++;
            }
          else if (*p != '}')
            goto fail;
        }
      p++;
    }
  if (*p++ != ' ')
    goto fail;
  if (g_str_equal (p, "+Inf"))
    *value = G_MAXDOUBLE;
  else
    {
      *value = g_ascii_strtod (p, &end);
      if (end == p || *end != '\0')
        goto fail;
    }
  *name = g_string_free (name_s, FALSE);
  *labels = g_string_free (labels_s, FALSE);
  return TRUE;
fail:
  g_string_free (name_s, TRUE);
  g_string_free (labels_s, TRUE);
  return FALSE;
}

/* Checks the whole text and returns "name{labels}" -> value. */
static GHashTable *
parse_exposition (const gchar *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GHashTable *samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) typed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_true (g_str_has_suffix (text, "\n"));
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autofree gchar *name = NULL;
      g_autofree gchar *labels = NULL;
      gdouble value;

      if (g_str_has_prefix (lines[i], "# HELP "))
        continue;
      if (g_str_has_prefix (lines[i], "# TYPE "))
        {
          g_auto (GStrv) parts = g_strsplit (lines[i] + 7, " ", -1);

          g_assert_cmpuint (g_strv_length (parts), ==, 2);
          g_assert_true (g_strv_contains (
              (const gchar *const *)(const gchar *[]){ "counter", "gauge", "histogram", NULL },
              parts[1]));
          g_hash_table_add (typed, g_strdup (parts[0]));
          continue;
        }
      if (!parse_sample (lines[i], &name, &labels, &value))
        g_error ("unparsable metrics line: %s", lines[i]);
      g_hash_table_insert (samples, g_strdup_printf ("%s{%s}", name, labels),
                           g_memdup2 (&value, sizeof value));
    }
  return samples;
}

static gdouble
sample (GHashTable *samples, const gchar *key)
{
  gdouble *value = g_hash_table_lookup (samples, key);

  if (value == NULL)
    g_error ("no sample %s", key);
  return *value;
}

static void
test_text_format (void)
{
  NtpmonMetrics *reg = ntpmon_metrics_new ();
  const gchar *labels[] = { "method", "code", NULL };
  NtpmonMetric *counter = ntpmon_metrics_counter (reg, "rpc_total", "Requests.\nAll.", labels);
  NtpmonMetric *gauge = ntpmon_metrics_gauge (reg, "up", "Up.", NULL);
  const gdouble buckets[] = { 0.1, 1 };
  NtpmonMetric *hist
      = ntpmon_metrics_histogram (reg, "lat_seconds", "Latency.", labels, buckets, 2);
  g_autofree gchar *text = NULL;
  g_autoptr (GHashTable) samples = NULL;

  ntpmon_metric_add (counter, (const gchar *[]){ "Get\"Config\\", "200" }, 1);
  ntpmon_metric_add (counter, (const gchar *[]){ "Get\"Config\\", "200" }, 2);
  ntpmon_metric_add (counter, (const gchar *[]){ "Submit\nx", "401" }, 1);
  ntpmon_metric_set (gauge, NULL, 1.5);
  ntpmon_metric_observe (hist, (const gchar *[]){ "A", "200" }, 0.05);
  ntpmon_metric_observe (hist, (const gchar *[]){ "A", "200" }, 0.5);
  ntpmon_metric_observe (hist, (const gchar *[]){ "A", "200" }, 7);

  text = ntpmon_metrics_render (reg);
  g_test_message ("%s", text);
  samples = parse_exposition (text);
  g_assert_cmpfloat (sample (samples, "rpc_total{method=Get\"Config\\,code=200}"), ==, 3);
  g_assert_cmpfloat (sample (samples, "rpc_total{method=Submit\nx,code=401}"), ==, 1);
  g_assert_cmpfloat (sample (samples, "up{}"), ==, 1.5);
  g_assert_cmpfloat (sample (samples, "lat_seconds_bucket{method=A,code=200,le=0.1}"), ==, 1);
  g_assert_cmpfloat (sample (samples, "lat_seconds_bucket{method=A,code=200,le=1}"), ==, 2);
  g_assert_cmpfloat (sample (samples, "lat_seconds_bucket{method=A,code=200,le=+Inf}"), ==, 3);
  g_assert_cmpfloat (sample (samples, "lat_seconds_count{method=A,code=200}"), ==, 3);
  g_assert_cmpfloat_with_epsilon (sample (samples, "lat_seconds_sum{method=A,code=200}"), 7.55,
                                  1e-9);
  g_assert_nonnull (strstr (text, "# HELP rpc_total Requests.\\nAll.\n"));
  g_assert_nonnull (strstr (text, "# TYPE lat_seconds histogram\n"));
  /* families in name order */
  g_assert_true (strstr (text, "lat_seconds") < strstr (text, "rpc_total"));
  g_assert_true (strstr (text, "rpc_total") < strstr (text, "# TYPE up"));

  ntpmon_metric_remove (counter, (const gchar *[]){ "Submit\nx", "401" });
  g_assert_cmpfloat (ntpmon_metric_get (counter, (const gchar *[]){ "Submit\nx", "401" }), ==, 0);
  g_assert_cmpuint (ntpmon_metric_get_count (hist, (const gchar *[]){ "A", "200" }), ==, 3);
  /* registering again returns the same family */
  g_assert_true (ntpmon_metrics_counter (reg, "rpc_total", "x", labels) == counter);
  g_assert_true (ntpmon_metrics_lookup (reg, "up") == gauge);
  ntpmon_metrics_unref (reg);
}

static void
test_names (void)
{
  g_assert_true (ntpmon_metrics_valid_name ("a_b:c1"));
  g_assert_false (ntpmon_metrics_valid_name ("1abc"));
  g_assert_false (ntpmon_metrics_valid_name ("a-b"));
  g_assert_false (ntpmon_metrics_valid_name (""));
}

typedef struct
{
  NtpmonMetric *counter;
  NtpmonMetric *hist;
} Shared;

static gpointer
hammer (gpointer data)
{
  Shared *shared = data;

  for (guint i = 0; i < 5000; i++)
    {
      ntpmon_metric_add (shared->counter, (const gchar *[]){ i % 2 ? "odd" : "even" }, 1);
      ntpmon_metric_observe (shared->hist, (const gchar *[]){ "x" }, 1);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (NtpmonMetrics) reg = ntpmon_metrics_new ();
  const gchar *labels[] = { "kind", NULL };
  Shared shared = { ntpmon_metrics_counter (reg, "n_total", "N.", labels),
                    ntpmon_metrics_histogram (reg, "h", "H.", labels, (const gdouble[]){ 2 }, 1) };
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("hammer", hammer, &shared);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autofree gchar *text = ntpmon_metrics_render (reg); /* concurrent reads */
      g_assert_nonnull (text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpfloat (ntpmon_metric_get (shared.counter, (const gchar *[]){ "odd" }), ==, 10000);
  g_assert_cmpfloat (ntpmon_metric_get (shared.counter, (const gchar *[]){ "even" }), ==, 10000);
  g_assert_cmpuint (ntpmon_metric_get_count (shared.hist, (const gchar *[]){ "x" }), ==, 20000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/text-format", test_text_format);
  g_test_add_func ("/metrics/names", test_names);
  g_test_add_func ("/metrics/threads", test_threads);
  return g_test_run ();
}
