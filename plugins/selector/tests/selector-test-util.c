/* selector-test-util.c: compact monitor notation for the selector tests
 *
 * A monitor is written "S/G attr...": S the server status (A, T, C, P, or N
 * for a NULL column), G the global status (act, tst, pend, paus, del, or
 * anything else for unknown). Attributes: h healthy, m has metrics, pN
 * priority, nN count, aK account, ip=ADDR, v=TYPE current violation,
 * flags=JSON account flags, IN/OUT/BLOCK/PENDING disposition. Defaults as
 * in selector.md §14.1. A list is "id spec; id spec; ...", an id may be a
 * range "first-last". A table is
 * "K:X,a,t K:X,a,t". Changes print as "id f>t reason; ..." with status
 * letters a t c p.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "selector-test-util.h"

static NtpmonSelectorStatus
status_letter (gchar c)
{
  switch (c)
    {
    case 'A':
      return NTPMON_SELECTOR_STATUS_ACTIVE;
    case 'T':
      return NTPMON_SELECTOR_STATUS_TESTING;
    case 'P':
      return NTPMON_SELECTOR_STATUS_PAUSED;
    case 'N':
      return NTPMON_SELECTOR_STATUS_NONE;
    case 'C':
    default:
      return NTPMON_SELECTOR_STATUS_CANDIDATE;
    }
}

static NtpmonSelectorGlobalStatus
global_word (const gchar *w)
{
  static const struct
  {
    const gchar *word;
    NtpmonSelectorGlobalStatus status;
  } words[] = {
    { "act", NTPMON_SELECTOR_GLOBAL_ACTIVE },   { "tst", NTPMON_SELECTOR_GLOBAL_TESTING },
    { "pend", NTPMON_SELECTOR_GLOBAL_PENDING }, { "paus", NTPMON_SELECTOR_GLOBAL_PAUSED },
    { "del", NTPMON_SELECTOR_GLOBAL_DELETED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (w, words[i].word))
      return words[i].status;
  return NTPMON_SELECTOR_GLOBAL_UNKNOWN;
}

static const struct
{
  const gchar *word;
  NtpmonSelectorDisposition disposition;
} dispositions[] = {
  { "IN", NTPMON_SELECTOR_DISPOSITION_IN },
  { "OUT", NTPMON_SELECTOR_DISPOSITION_OUT },
  { "BLOCK", NTPMON_SELECTOR_DISPOSITION_BLOCK },
  { "PENDING", NTPMON_SELECTOR_DISPOSITION_PENDING },
};

static gboolean
apply_attribute (NtpmonSelectorMonitor *m, const gchar *t)
{
  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    if (g_str_equal (t, dispositions[i].word))
      {
        m->disposition = dispositions[i].disposition;
        return TRUE;
      }
  if (g_str_equal (t, "h"))
    m->healthy = TRUE;
  else if (g_str_equal (t, "m"))
    m->has_metrics = TRUE;
  else if (t[0] == 'p' && g_ascii_isdigit (t[1]))
    m->priority = g_ascii_strtoll (t + 1, NULL, 10);
  else if (t[0] == 'n' && g_ascii_isdigit (t[1]))
    m->count = g_ascii_strtoll (t + 1, NULL, 10);
  else if (t[0] == 'a' && g_ascii_isdigit (t[1]))
    {
      m->has_account = TRUE;
      m->account_id = g_ascii_strtoll (t + 1, NULL, 10);
    }
  else if (g_str_has_prefix (t, "ip="))
    m->ip = g_strdup (t + 3);
  else if (g_str_has_prefix (t, "v="))
    m->violation = g_intern_string (t + 2);
  else if (g_str_has_prefix (t, "flags="))
    m->account_flags = g_strdup (t + 6);
  else
    return FALSE;
  return TRUE;
}

NtpmonSelectorMonitor *
test_monitor (gint64 id, const gchar *spec)
{
  NtpmonSelectorMonitor *m = ntpmon_selector_monitor_new (id);
  g_auto (GStrv) tokens = g_strsplit_set (spec, " ", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      const gchar *t = tokens[i];

      if (*t == '\0')
        continue;
      if (strchr (t, '/') != NULL && !g_str_has_prefix (t, "ip="))
        {
          m->status = status_letter (t[0]);
          m->global_status = global_word (strchr (t, '/') + 1);
        }
      else if (!apply_attribute (m, t))
        g_error ("bad monitor attribute %s", t);
    }
  return m;
}

/* "id spec; ..." where id may be a range "first-last" */
GPtrArray *
test_monitors (const gchar *specs)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)ntpmon_selector_monitor_free);
  g_auto (GStrv) items = g_strsplit (specs != NULL ? specs : "", ";", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree gchar *item = g_strstrip (g_strdup (items[i]));
      gchar *end = NULL;
      gint64 first, last;

      if (*item == '\0')
        continue;
      first = last = g_ascii_strtoll (item, &end, 10);
      if (*end == '-')
        last = g_ascii_strtoll (end + 1, &end, 10);
      for (gint64 id = first; id <= last; id++)
        g_ptr_array_add (list, test_monitor (id, end));
    }
  return list;
}

NtpmonSelectorEngine *
test_engine (NtpmonSelectorFlags flags, const gchar *disabled)
{
  static gsize registered = 0;
  g_autoptr (GPtrArray) constraints = g_ptr_array_new_with_free_func (g_object_unref);
  const gchar *const *names = ntpmon_selector_constraint_names ();

  if (g_once_init_enter (&registered))
    {
      ntpmon_selector_constraint_register (NULL);
      g_once_init_leave (&registered, 1);
    }
  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], disabled) != 0)
      g_ptr_array_add (constraints, ntpmon_selector_constraint_new (names[i]));
  return ntpmon_selector_engine_new (constraints, flags);
}

NtpmonSelectorAccountTable *
test_table (const gchar *spec)
{
  NtpmonSelectorAccountTable *table = ntpmon_selector_account_table_new ();
  g_auto (GStrv) items = g_strsplit (spec != NULL ? spec : "", " ", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      gint64 k, x, a, t;

      if (*items[i] == '\0')
        continue;
      if (sscanf (items[i],
                  "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                  ",%" G_GINT64_FORMAT,
                  &k, &x, &a, &t)
          != 4)
        g_error ("bad table entry %s", items[i]);
      ntpmon_selector_account_table_add (table, k, x, a, t);
    }
  return table;
}

static gchar
letter (NtpmonSelectorStatus s)
{
  return ntpmon_selector_status_to_string (s)[0];
}

gchar *
test_format_changes (GPtrArray *changes)
{
  GString *out = g_string_new ("");

  for (guint i = 0; i < changes->len; i++)
    {
      const NtpmonSelectorChange *c = changes->pdata[i];

      g_string_append_printf (out, "%s%" G_GINT64_FORMAT " %c>%c %s", i > 0 ? "; " : "",
                              c->monitor_id, letter (c->from), letter (c->to), c->reason);
    }
  return g_string_free (out, FALSE);
}

void
test_assert_changes (GPtrArray *changes, const gchar *expected)
{
  g_autofree gchar *got = test_format_changes (changes);

  g_assert_cmpstr (got, ==, expected);
}

GPtrArray *
test_apply (NtpmonSelectorEngine *engine, NtpmonSelectorContext *ctx, GPtrArray *evaluated,
            const gchar *table)
{
  g_autoptr (GArray) t = test_table (table);

  return ntpmon_selector_engine_apply_rules (engine, ctx, evaluated, t, NULL, NULL);
}

/* @server: "id account ip", "-" for no account/ip; NULL or empty for the
 * defaults (id 1, no account, no IP). @rows: assigned rows or NULL. */
NtpmonSelectorContext *
test_context (const gchar *server, GPtrArray *rows)
{
  gint64 id = 1;
  gchar ip[64] = "";
  gchar acct[32] = "-";
  gboolean has_account;

  if (server != NULL && *server != '\0')
    {
      g_assert_cmpint (sscanf (server, "%" G_GINT64_FORMAT " %31s %63s", &id, acct, ip), >=, 1);
      if (g_str_equal (ip, "-"))
        ip[0] = '\0';
    }
  has_account = !g_str_equal (acct, "-");
  return ntpmon_selector_context_new (id, ip, has_account,
                                      has_account ? g_ascii_strtoll (acct, NULL, 10) : 0, rows);
}

void
test_run_rules (const gchar *server, const gchar *monitors, const gchar *table,
                const gchar *expected)
{
  g_autoptr (NtpmonSelectorEngine) engine = test_engine (NTPMON_SELECTOR_FLAG_NONE, NULL);
  g_autoptr (GPtrArray) evaluated = test_monitors (monitors);
  g_autoptr (NtpmonSelectorContext) ctx = test_context (server, NULL);
  g_autoptr (GPtrArray) changes = test_apply (engine, ctx, evaluated, table);

  test_assert_changes (changes, expected);
}
