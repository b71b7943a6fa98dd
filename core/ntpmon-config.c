/* ntpmon-config.c: keyfile config with drop-ins, typed keys and hot reload
 *
 * SPDX-License-Identifier: MIT
 *
 * The effective config is the main file merged with every `*.conf` file in
 * `<main file>.d/`, read in name order; a later file wins per key. A file
 * that cannot be read or parsed, a value of the wrong type or a value that is
 * not among a key's choices makes the whole load fail, and a running program
 * keeps the config it had.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-config.h"

struct _NtpmonConfig
{
  GObject parent_instance;

  gchar *path;
  GHashTable *schema;  /* "group\037key" -> GINT_TO_POINTER (type + 1) */
  GHashTable *choices; /* "group\037key" -> gchar ** */

  GKeyFile *keyfile;
  GHashTable *origins; /* "group\037key" -> file path */
  GStrv files;
  gchar *data; /* merged keyfile text, to tell real changes */
  gchar *last_error;

  GFileMonitor *dir_monitor;
  GFileMonitor *dropin_monitor;
  guint debounce_ms;
  guint debounce_id;
};

G_DEFINE_TYPE (NtpmonConfig, ntpmon_config, G_TYPE_OBJECT)
G_DEFINE_QUARK (ntpmon - config - error - quark, ntpmon_config_error)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_RELOAD_FAILED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static gchar *
schema_key (const gchar *group, const gchar *key)
{
  return g_strconcat (group, "\037", key, NULL);
}

static void
ntpmon_config_finalize (GObject *object)
{
  NtpmonConfig *self = NTPMON_CONFIG (object);

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_object (&self->dir_monitor);
  g_clear_object (&self->dropin_monitor);
  g_free (self->path);
  g_hash_table_unref (self->schema);
  g_hash_table_unref (self->choices);
  g_clear_pointer (&self->keyfile, g_key_file_unref);
  g_clear_pointer (&self->origins, g_hash_table_unref);
  g_strfreev (self->files);
  g_free (self->data);
  g_free (self->last_error);
  G_OBJECT_CLASS (ntpmon_config_parent_class)->finalize (object);
}

static void
ntpmon_config_class_init (NtpmonConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_config_finalize;

  /**
   * NtpmonConfig::changed:
   *
   * Emitted after a reload that changed the effective config.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * NtpmonConfig::reload-failed:
   * @message: why; the previous config stays in effect
   */
  signals[SIGNAL_RELOAD_FAILED]
      = g_signal_new ("reload-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ntpmon_config_init (NtpmonConfig *self)
{
  self->schema = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->choices
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  self->keyfile = g_key_file_new ();
  self->origins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->files = g_new0 (gchar *, 1);
  self->data = g_strdup ("");
  self->debounce_ms = 300;
}

/**
 * ntpmon_config_new:
 * @path: the main config file; it need not exist
 */
NtpmonConfig *
ntpmon_config_new (const gchar *path)
{
  NtpmonConfig *self = g_object_new (NTPMON_TYPE_CONFIG, NULL);

  self->path = g_canonicalize_filename (path, NULL);
  return self;
}

const gchar *
ntpmon_config_get_path (NtpmonConfig *self)
{
  return self->path;
}

gchar *
ntpmon_config_dup_dropin_dir (NtpmonConfig *self)
{
  return g_strconcat (self->path, ".d", NULL);
}

void
ntpmon_config_add_key (NtpmonConfig *self, const gchar *group, const gchar *key,
                       NtpmonConfigType type)
{
  g_hash_table_insert (self->schema, schema_key (group, key), GINT_TO_POINTER (type + 1));
}

gboolean
ntpmon_config_parse_type (const gchar *name, NtpmonConfigType *out)
{
  static const gchar *const names[] = { "string", "integer", "boolean", "double", "list" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *out = (NtpmonConfigType)i;
        return TRUE;
      }
  return FALSE;
}

void
ntpmon_config_set_choices (NtpmonConfig *self, const gchar *group, const gchar *key,
                           const gchar *const *choices)
{
  g_hash_table_insert (self->choices, schema_key (group, key), g_strdupv ((gchar **)choices));
}

/* GKeyFile's parse errors do not say where; find the first line that is
 * neither blank, a comment, a [group] nor a key=value pair. */
static gboolean
check_syntax (const gchar *file, const gchar *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree gchar *line = g_strstrip (g_strdup (lines[i]));
      const gchar *problem = NULL;

      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '[')
        {
          if (line[strlen (line) - 1] != ']' || strlen (line) < 3)
            problem = _ ("malformed group header");
          in_group = TRUE;
        }
      else if (strchr (line, '=') == NULL || *line == '=')
        problem = _ ("not a key=value pair, group or comment");
      else if (!in_group)
        problem = _ ("key outside of any [group]");

      if (problem != NULL)
        {
          g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_PARSE, "%s:%u: %s: %s", file,
                       i + 1, problem, line);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
merge_file (GKeyFile *merged, GHashTable *origins, const gchar *file, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  if (!g_file_get_contents (file, &text, NULL, &local_error))
    {
      g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_READ, "%s: %s", file,
                   local_error->message);
      return FALSE;
    }
  if (!check_syntax (file, text, error))
    return FALSE;
  if (!g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_PARSE, "%s: %s", file,
                   local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree gchar *value = g_key_file_get_value (kf, groups[g], keys[k], NULL);

          g_key_file_set_value (merged, groups[g], keys[k], value);
          g_hash_table_insert (origins, schema_key (groups[g], keys[k]), g_strdup (file));
        }
    }
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *)a, *(const gchar *const *)b);
}

static GPtrArray *
list_files (NtpmonConfig *self)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *dropin_dir = ntpmon_config_dup_dropin_dir (self);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  if (g_file_test (self->path, G_FILE_TEST_EXISTS))
    g_ptr_array_add (files, g_strdup (self->path));

  dir = g_dir_open (dropin_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".conf") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      gchar *file = g_build_filename (dropin_dir, g_ptr_array_index (names, i), NULL);

      if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, file);
      else
        g_free (file);
    }
  return files;
}

static gboolean
check_value (NtpmonConfig *self, GKeyFile *kf, GHashTable *origins, const gchar *id,
             NtpmonConfigType type, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (id, "\037", 2);
  const gchar *group = parts[0], *key = parts[1];
  const gchar *origin = g_hash_table_lookup (origins, id);
  g_autoptr (GError) local_error = NULL;
  const gchar *const *choices;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;

  switch (type)
    {
    case NTPMON_CONFIG_INTEGER:
      g_key_file_get_integer (kf, group, key, &local_error);
      break;
    case NTPMON_CONFIG_BOOLEAN:
      g_key_file_get_boolean (kf, group, key, &local_error);
      break;
    case NTPMON_CONFIG_DOUBLE:
      g_key_file_get_double (kf, group, key, &local_error);
      break;
    case NTPMON_CONFIG_STRING:
    case NTPMON_CONFIG_STRING_LIST:
    default:
      g_free (g_key_file_get_string (kf, group, key, &local_error));
      break;
    }
  if (local_error != NULL)
    {
      static const gchar *const expected[]
          = { N_ ("a string"), N_ ("an integer"), N_ ("true or false"), N_ ("a number"),
              N_ ("a list") };
      g_autofree gchar *raw = g_key_file_get_value (kf, group, key, NULL);

      g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_TYPE,
                   _ ("%s: [%s] %s: expected %s, got “%s”"), origin, group, key, _ (expected[type]),
                   raw);
      return FALSE;
    }

  choices = g_hash_table_lookup (self->choices, id);
  if (choices != NULL)
    {
      g_auto (GStrv) values = g_key_file_get_string_list (kf, group, key, NULL, NULL);

      for (guint i = 0; values != NULL && values[i] != NULL; i++)
        {
          g_autofree gchar *known = NULL;

          if (*g_strstrip (values[i]) == '\0' || g_strv_contains (choices, values[i]))
            continue;
          known = g_strjoinv (", ", (gchar **)choices);
          g_set_error (error, NTPMON_CONFIG_ERROR, NTPMON_CONFIG_ERROR_VALUE,
                       _ ("%s: [%s] %s: unknown name “%s” (known: %s)"), origin, group, key,
                       values[i], known);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
validate (NtpmonConfig *self, GKeyFile *kf, GHashTable *origins, GError **error)
{
  GHashTableIter iter;
  gpointer id, type;
  g_autoptr (GList) ids = NULL;

  /* Check in a stable order so the same bad file always gives the same
   * message. */
  g_hash_table_iter_init (&iter, self->schema);
  while (g_hash_table_iter_next (&iter, &id, &type))
    ids = g_list_prepend (ids, id);
  ids = g_list_sort (ids, (GCompareFunc)strcmp);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      NtpmonConfigType t = GPOINTER_TO_INT (g_hash_table_lookup (self->schema, l->data)) - 1;

      if (!check_value (self, kf, origins, l->data, t, error))
        return FALSE;
    }
  return TRUE;
}

static void arm_dropin_monitor (NtpmonConfig *self);

/**
 * ntpmon_config_load:
 *
 * Reads the main file and drop-ins. On failure the current config is left
 * as it was and @error names the file, line or key, and the problem.
 * Emits #NtpmonConfig::changed when the effective config changed.
 */
gboolean
ntpmon_config_load (NtpmonConfig *self, GError **error)
{
  g_autoptr (GPtrArray) files = list_files (self);
  g_autoptr (GKeyFile) merged = g_key_file_new ();
  g_autoptr (GHashTable) origins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree gchar *data = NULL;
  gboolean changed;

  for (guint i = 0; i < files->len; i++)
    if (!merge_file (merged, origins, g_ptr_array_index (files, i), error))
      return FALSE;
  if (!validate (self, merged, origins, error))
    return FALSE;

  data = g_key_file_to_data (merged, NULL, NULL);
  g_ptr_array_add (files, NULL);
  changed
      = g_strcmp0 (data, self->data) != 0
        || !g_strv_equal ((const gchar *const *)self->files, (const gchar *const *)files->pdata);

  g_key_file_unref (self->keyfile);
  self->keyfile = g_steal_pointer (&merged);
  g_hash_table_unref (self->origins);
  self->origins = g_steal_pointer (&origins);
  g_strfreev (self->files);
  self->files = (GStrv)g_ptr_array_free (g_steal_pointer (&files), FALSE);
  g_free (self->data);
  self->data = g_steal_pointer (&data);
  g_clear_pointer (&self->last_error, g_free);

  if (self->dir_monitor != NULL)
    arm_dropin_monitor (self);
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return TRUE;
}

/**
 * ntpmon_config_reload:
 *
 * Like ntpmon_config_load(), for a running program: a failure is logged as
 * one warning and the previous config stays in effect.
 */
gboolean
ntpmon_config_reload (NtpmonConfig *self)
{
  g_autoptr (GError) error = NULL;

  if (ntpmon_config_load (self, &error))
    return TRUE;
  if (g_strcmp0 (self->last_error, error->message) != 0)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "CONFIG_FILE", self->path, "MESSAGE",
                      _ ("config not reloaded, keeping the previous one: %s"), error->message);
  g_free (self->last_error);
  self->last_error = g_strdup (error->message);
  g_signal_emit (self, signals[SIGNAL_RELOAD_FAILED], 0, error->message);
  return FALSE;
}

static gboolean
debounce_cb (gpointer user_data)
{
  NtpmonConfig *self = user_data;

  self->debounce_id = 0;
  ntpmon_config_reload (self);
  return G_SOURCE_REMOVE;
}

static void
monitor_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                    gpointer user_data)
{
  NtpmonConfig *self = user_data;

  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  self->debounce_id = g_timeout_add (self->debounce_ms, debounce_cb, self);
}

static GFileMonitor *
monitor_dir (NtpmonConfig *self, const gchar *path)
{
  g_autoptr (GFile) dir = g_file_new_for_path (path);
  GFileMonitor *monitor;

  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (monitor != NULL)
    g_signal_connect (monitor, "changed", G_CALLBACK (monitor_changed_cb), self);
  return monitor;
}

static void
arm_dropin_monitor (NtpmonConfig *self)
{
  g_autofree gchar *dropin_dir = ntpmon_config_dup_dropin_dir (self);
  gboolean exists = g_file_test (dropin_dir, G_FILE_TEST_IS_DIR);

  if (exists && self->dropin_monitor == NULL)
    self->dropin_monitor = monitor_dir (self, dropin_dir);
  else if (!exists)
    g_clear_object (&self->dropin_monitor);
}

/**
 * ntpmon_config_watch:
 * @debounce_ms: how long a burst of file events may last before the reload
 *
 * Reloads the config whenever the main file or a drop-in is written,
 * created, removed or renamed.
 */
void
ntpmon_config_watch (NtpmonConfig *self, guint debounce_ms)
{
  g_autofree gchar *parent = g_path_get_dirname (self->path);

  self->debounce_ms = debounce_ms;
  if (self->dir_monitor == NULL)
    self->dir_monitor = monitor_dir (self, parent);
  arm_dropin_monitor (self);
}

GKeyFile *
ntpmon_config_get_keyfile (NtpmonConfig *self)
{
  return self->keyfile;
}

const gchar *const *
ntpmon_config_get_files (NtpmonConfig *self)
{
  return (const gchar *const *)self->files;
}

const gchar *
ntpmon_config_get_last_error (NtpmonConfig *self)
{
  return self->last_error;
}

/* The getters cannot fail on type: load() checked every key of the schema.
 * A key that is absent gives the fallback. */
gchar *
ntpmon_config_get_string (NtpmonConfig *self, const gchar *group, const gchar *key,
                          const gchar *fallback)
{
  gchar *value = g_key_file_get_string (self->keyfile, group, key, NULL);

  return value != NULL ? value : g_strdup (fallback);
}

gint
ntpmon_config_get_integer (NtpmonConfig *self, const gchar *group, const gchar *key, gint fallback)
{
  g_autoptr (GError) error = NULL;
  gint value = g_key_file_get_integer (self->keyfile, group, key, &error);

  return error == NULL ? value : fallback;
}

gboolean
ntpmon_config_get_boolean (NtpmonConfig *self, const gchar *group, const gchar *key,
                           gboolean fallback)
{
  g_autoptr (GError) error = NULL;
  gboolean value = g_key_file_get_boolean (self->keyfile, group, key, &error);

  return error == NULL ? value : fallback;
}

gdouble
ntpmon_config_get_double (NtpmonConfig *self, const gchar *group, const gchar *key,
                          gdouble fallback)
{
  g_autoptr (GError) error = NULL;
  gdouble value = g_key_file_get_double (self->keyfile, group, key, &error);

  return error == NULL ? value : fallback;
}

/**
 * ntpmon_config_get_string_list:
 *
 * Returns: (transfer full) (nullable): the list, NULL when the key is absent
 */
gchar **
ntpmon_config_get_string_list (NtpmonConfig *self, const gchar *group, const gchar *key)
{
  gchar **list = g_key_file_get_string_list (self->keyfile, group, key, NULL, NULL);
  guint j = 0;

  /* "a;;b" and a trailing ";" leave empty items: drop them. */
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    {
      if (*g_strstrip (list[i]) == '\0')
        g_free (list[i]);
      else
        list[j++] = list[i];
    }
  if (list != NULL)
    list[j] = NULL;
  return list;
}
