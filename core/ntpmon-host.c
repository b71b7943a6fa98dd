/* ntpmon-host.c: the plugin host of a program
 *
 * SPDX-License-Identifier: MIT
 *
 * Wraps a private PeasEngine. Plugins are found (in this order) in the
 * directories given on the command line, in $NTPMON_PLUGIN_PATH and in the
 * installed plugin directory; the first copy of a plugin wins. A plugin's
 * `.plugin` file says which programs use it (X-Ntpmon-Programs) and which
 * config keys of its own group it reads, with their types (X-Ntpmon-Config).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ntpmon-constraint.h"
#include "ntpmon-host.h"
#include "ntpmon-probe.h"
#include "ntpmon-scorer.h"
#include "ntpmon-transport.h"

struct _NtpmonHost
{
  GObject parent_instance;

  gchar *program;
  PeasEngine *engine;
  GHashTable *sets; /* GType -> PeasExtensionSet */
  GStrv enabled;
};

G_DEFINE_TYPE (NtpmonHost, ntpmon_host, G_TYPE_OBJECT)
G_DEFINE_QUARK (ntpmon - host - error - quark, ntpmon_host_error)

enum
{
  PROP_0,
  PROP_ENABLED,
  PROP_LOADED,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void
ntpmon_host_finalize (GObject *object)
{
  NtpmonHost *self = NTPMON_HOST (object);

  g_hash_table_unref (self->sets);
  g_clear_object (&self->engine);
  g_free (self->program);
  g_strfreev (self->enabled);
  G_OBJECT_CLASS (ntpmon_host_parent_class)->finalize (object);
}

static void
ntpmon_host_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  NtpmonHost *self = NTPMON_HOST (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_take_boxed (value, ntpmon_host_dup_enabled (self));
      break;
    case PROP_LOADED:
      g_value_take_boxed (value, ntpmon_host_dup_loaded (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ntpmon_host_class_init (NtpmonHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ntpmon_host_finalize;
  object_class->get_property = ntpmon_host_get_property;

  properties[PROP_ENABLED] = g_param_spec_boxed ("enabled", NULL, NULL, G_TYPE_STRV,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] = g_param_spec_boxed ("loaded", NULL, NULL, G_TYPE_STRV,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ntpmon_host_init (NtpmonHost *self)
{
  self->sets = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
}

static void
add_search_path (PeasEngine *engine, const gchar *dir)
{
  if (dir != NULL && *dir != '\0')
    peas_engine_add_search_path (engine, dir, NULL);
}

/* The installed plugin directory, found relative to the running program so
 * that an installed tree works wherever it lies; the configured absolute
 * directory otherwise. */
static void
add_installed_path (PeasEngine *engine)
{
  g_autofree gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree gchar *bindir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree gchar *relative = NULL;
  g_autofree gchar *dir = NULL;

  if (bindir != NULL)
    {
      relative = g_build_filename (bindir, NTPMON_PLUGINDIR_FROM_BINDIR, NULL);
      dir = g_canonicalize_filename (relative, NULL);
    }
  if (dir != NULL && g_file_test (dir, G_FILE_TEST_IS_DIR)
      && g_strcmp0 (dir, NTPMON_PLUGINDIR) != 0)
    add_search_path (engine, dir);
  add_search_path (engine, NTPMON_PLUGINDIR);
}

/**
 * ntpmon_host_new:
 * @program: `agent`, `api` or `scorer`: selects the plugins of that program
 * @extra_dirs: (nullable): plugin directories searched first (--plugin-dir)
 */
NtpmonHost *
ntpmon_host_new (const gchar *program, const gchar *const *extra_dirs)
{
  NtpmonHost *self = g_object_new (NTPMON_TYPE_HOST, NULL);
  const gchar *env_path = g_getenv ("NTPMON_PLUGIN_PATH");

  self->program = g_strdup (program);
  self->engine = peas_engine_new ();
  for (guint i = 0; extra_dirs != NULL && extra_dirs[i] != NULL; i++)
    add_search_path (self->engine, extra_dirs[i]);
  if (env_path != NULL)
    {
      g_auto (GStrv) dirs = g_strsplit (env_path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        add_search_path (self->engine, dirs[i]);
    }
  add_installed_path (self->engine);
  peas_engine_rescan_plugins (self->engine);
  return self;
}

const gchar *
ntpmon_host_get_program (NtpmonHost *self)
{
  return self->program;
}

PeasEngine *
ntpmon_host_get_engine (NtpmonHost *self)
{
  return self->engine;
}

static gboolean
plugin_is_for_program (NtpmonHost *self, PeasPluginInfo *info)
{
  const gchar *programs = peas_plugin_info_get_external_data (info, "Ntpmon-Programs");
  g_auto (GStrv) list = NULL;

  if (programs == NULL)
    return FALSE;
  list = g_strsplit (programs, ";", -1);
  return g_strv_contains ((const gchar *const *)list, self->program);
}

static const gchar *plugin_id (PeasPluginInfo *info);

static gint
compare_plugins (gconstpointer a, gconstpointer b)
{
  return strcmp (plugin_id ((PeasPluginInfo *)a), plugin_id ((PeasPluginInfo *)b));
}

/**
 * ntpmon_host_list_plugins:
 *
 * Returns: (transfer container) (element-type PeasPluginInfo): the plugins
 *   found for this program, in name order
 */
GList *
ntpmon_host_list_plugins (NtpmonHost *self)
{
  GList *result = NULL;

  for (const GList *l = peas_engine_get_plugin_list (self->engine); l != NULL; l = l->next)
    if (plugin_is_for_program (self, l->data))
      result = g_list_prepend (result, l->data);
  return g_list_sort (result, compare_plugins);
}

/* A plugin's name is its module name without the "ntpmon-" prefix that
 * keeps our modules apart from others in a shared directory. */
static const gchar *
plugin_id (PeasPluginInfo *info)
{
  const gchar *module = peas_plugin_info_get_module_name (info);

  return g_str_has_prefix (module, "ntpmon-") ? module + strlen ("ntpmon-") : module;
}

static gchar **
names_of (GList *infos, gboolean only_loaded)
{
  GPtrArray *names = g_ptr_array_new ();

  for (GList *l = infos; l != NULL; l = l->next)
    if (!only_loaded || peas_plugin_info_is_loaded (l->data))
      g_ptr_array_add (names, g_strdup (plugin_id (l->data)));
  g_ptr_array_add (names, NULL);
  return (gchar **)g_ptr_array_free (names, FALSE);
}

/**
 * ntpmon_host_dup_default_enabled:
 *
 * Returns: (transfer full): the plugins enabled when the config says
 *   nothing: all plugins of the program
 */
gchar **
ntpmon_host_dup_default_enabled (NtpmonHost *self)
{
  g_autoptr (GList) infos = ntpmon_host_list_plugins (self);

  return names_of (infos, FALSE);
}

/**
 * ntpmon_host_declare_config:
 * @config: the program's config
 *
 * Tells @config the keys it must type-check: `[plugins] enabled` (one of
 * this program's plugins) and each plugin's own keys.
 */
void
ntpmon_host_declare_config (NtpmonHost *self, NtpmonConfig *config)
{
  g_autoptr (GList) infos = ntpmon_host_list_plugins (self);
  g_auto (GStrv) names = names_of (infos, FALSE);

  ntpmon_config_add_key (config, "plugins", "enabled", NTPMON_CONFIG_STRING_LIST);
  ntpmon_config_set_choices (config, "plugins", "enabled", (const gchar *const *)names);

  for (GList *l = infos; l != NULL; l = l->next)
    {
      const gchar *name = plugin_id (l->data);
      const gchar *keys = peas_plugin_info_get_external_data (l->data, "Ntpmon-Config");
      g_auto (GStrv) entries = g_strsplit (keys != NULL ? keys : "", ";", -1);

      for (guint i = 0; entries[i] != NULL; i++)
        {
          g_auto (GStrv) kv = g_strsplit (entries[i], ":", 2);
          NtpmonConfigType type;

          if (kv[0] == NULL || *kv[0] == '\0')
            continue;
          if (kv[1] == NULL || !ntpmon_config_parse_type (kv[1], &type))
            type = NTPMON_CONFIG_STRING;
          ntpmon_config_add_key (config, name, kv[0], type);
        }
    }
}

/* libpeas reports a module that cannot be opened with g_warning(); check it
 * first so the failure becomes an error naming the plugin and the cause. */
static gboolean
check_module (PeasPluginInfo *info, GError **error)
{
  g_autofree gchar *path = g_module_build_path (peas_plugin_info_get_module_dir (info),
                                                peas_plugin_info_get_module_name (info));
  GModule *module;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, NTPMON_HOST_ERROR, NTPMON_HOST_ERROR_LOAD_FAILED,
                   _ ("plugin “%s”: module %s does not exist"), plugin_id (info), path);
      return FALSE;
    }
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, NTPMON_HOST_ERROR, NTPMON_HOST_ERROR_LOAD_FAILED,
                   _ ("plugin “%s”: cannot load module: %s"), plugin_id (info), g_module_error ());
      return FALSE;
    }
  g_module_close (module);
  return TRUE;
}

static void
append_error (GString *errors, const gchar *message)
{
  if (errors->len > 0)
    g_string_append (errors, "; ");
  g_string_append (errors, message);
}

/**
 * ntpmon_host_apply_config:
 * @config: the effective keyfile
 *
 * Loads the plugins `[plugins] enabled` names (all of the program's plugins
 * when the key is absent) and unloads the others. A plugin that fails to load
 * does not stop the others; the error lists every failure.
 */
gboolean
ntpmon_host_apply_config (NtpmonHost *self, GKeyFile *config, GError **error)
{
  g_autoptr (GList) infos = ntpmon_host_list_plugins (self);
  g_auto (GStrv) wanted = NULL;
  g_autoptr (GString) errors = g_string_new (NULL);
  g_auto (GStrv) before = ntpmon_host_dup_loaded (self);
  g_auto (GStrv) after = NULL;
  g_auto (GStrv) known = names_of (infos, FALSE);

  if (g_key_file_has_key (config, "plugins", "enabled", NULL))
    wanted = g_key_file_get_string_list (config, "plugins", "enabled", NULL, NULL);
  else
    wanted = g_strdupv (known);

  for (guint i = 0; wanted[i] != NULL; i++)
    {
      g_strstrip (wanted[i]);
      if (*wanted[i] != '\0' && !g_strv_contains ((const gchar *const *)known, wanted[i]))
        {
          g_autofree gchar *message
              = g_strdup_printf (_ ("unknown plugin “%s” for %s"), wanted[i], self->program);
          append_error (errors, message);
        }
    }

  for (GList *l = infos; l != NULL; l = l->next)
    {
      PeasPluginInfo *info = l->data;
      const gchar *name = plugin_id (info);
      gboolean want = g_strv_contains ((const gchar *const *)wanted, name);
      g_autoptr (GError) local_error = NULL;

      if (want && !peas_plugin_info_is_loaded (info))
        {
          if (!check_module (info, &local_error))
            append_error (errors, local_error->message);
          else if (!peas_engine_load_plugin (self->engine, info))
            {
              const GError *peas_error = NULL;
              g_autofree gchar *message = NULL;

              peas_plugin_info_is_available (info, (GError **)&peas_error);
              message = g_strdup_printf (_ ("plugin “%s” failed to load: %s"), name,
                                         peas_error != NULL ? peas_error->message : "?");
              append_error (errors, message);
            }
        }
      else if (!want && peas_plugin_info_is_loaded (info))
        peas_engine_unload_plugin (self->engine, info);
    }

  g_strfreev (self->enabled);
  self->enabled = g_steal_pointer (&wanted);
  after = ntpmon_host_dup_loaded (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
  if (!g_strv_equal ((const gchar *const *)before, (const gchar *const *)after))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);

  if (errors->len > 0)
    {
      g_set_error_literal (error, NTPMON_HOST_ERROR, NTPMON_HOST_ERROR_LOAD_FAILED, errors->str);
      return FALSE;
    }
  return TRUE;
}

gchar **
ntpmon_host_dup_enabled (NtpmonHost *self)
{
  return g_strdupv (self->enabled);
}

gchar **
ntpmon_host_dup_loaded (NtpmonHost *self)
{
  g_autoptr (GList) infos = ntpmon_host_list_plugins (self);

  return names_of (infos, TRUE);
}

/**
 * ntpmon_host_get_extensions:
 * @iface: one of the extension interfaces
 *
 * Returns: (transfer none): the extension set of @iface, created on first
 *   use; it follows plugin loads and unloads from then on
 */
PeasExtensionSet *
ntpmon_host_get_extensions (NtpmonHost *self, GType iface)
{
  PeasExtensionSet *set = g_hash_table_lookup (self->sets, GSIZE_TO_POINTER (iface));

  if (set == NULL)
    {
      set = peas_extension_set_new (self->engine, iface, NULL);
      g_hash_table_insert (self->sets, GSIZE_TO_POINTER (iface), set);
    }
  return set;
}

typedef struct
{
  NtpmonHost *host;
  PeasExtensionSet *set;
  NtpmonHostExtensionFunc added;
  NtpmonHostExtensionFunc removed;
  gpointer user_data;
  gulong added_id;
  gulong removed_id;
} WatchData;

static void
watch_added_cb (PeasExtensionSet *set, PeasPluginInfo *info, PeasExtension *exten, gpointer data)
{
  WatchData *watch = data;

  if (watch->added != NULL)
    watch->added (watch->host, info, G_OBJECT (exten), watch->user_data);
}

static void
watch_removed_cb (PeasExtensionSet *set, PeasPluginInfo *info, PeasExtension *exten, gpointer data)
{
  WatchData *watch = data;

  if (watch->removed != NULL)
    watch->removed (watch->host, info, G_OBJECT (exten), watch->user_data);
}

static void
watch_end (gpointer data, GObject *where_the_object_was)
{
  WatchData *watch = data;

  g_signal_handler_disconnect (watch->set, watch->added_id);
  g_signal_handler_disconnect (watch->set, watch->removed_id);
  g_object_unref (watch->set);
  g_free (watch);
}

/**
 * ntpmon_host_watch_extensions:
 * @added: (nullable): called for every extension of @iface: at once for the
 *   plugins already loaded, later for each plugin loaded
 * @removed: (nullable): called when a plugin with such an extension unloads
 * @lifetime: the watch ends when this object is finalized
 *
 * PeasExtensionSet only signals extensions of plugins loaded after the set
 * was made; this also hands over those loaded before.
 */
void
ntpmon_host_watch_extensions (NtpmonHost *self, GType iface, NtpmonHostExtensionFunc added,
                              NtpmonHostExtensionFunc removed, gpointer user_data,
                              GObject *lifetime)
{
  WatchData *watch = g_new0 (WatchData, 1);

  watch->host = self;
  watch->set = g_object_ref (ntpmon_host_get_extensions (self, iface));
  watch->added = added;
  watch->removed = removed;
  watch->user_data = user_data;
  watch->added_id
      = g_signal_connect (watch->set, "extension-added", G_CALLBACK (watch_added_cb), watch);
  watch->removed_id
      = g_signal_connect (watch->set, "extension-removed", G_CALLBACK (watch_removed_cb), watch);
  g_object_weak_ref (lifetime, watch_end, watch);
  peas_extension_set_foreach (watch->set, watch_added_cb, watch);
}

static const gchar *
extension_name (GObject *extension)
{
  if (NTPMON_IS_PROBE (extension))
    return ntpmon_probe_get_name (NTPMON_PROBE (extension));
  if (NTPMON_IS_SCORER (extension))
    return ntpmon_scorer_get_name (NTPMON_SCORER (extension));
  if (NTPMON_IS_CONSTRAINT (extension))
    return ntpmon_constraint_get_name (NTPMON_CONSTRAINT (extension));
  if (NTPMON_IS_TRANSPORT (extension))
    return ntpmon_transport_get_name (NTPMON_TRANSPORT (extension));
  return NULL;
}

typedef struct
{
  const gchar *name;
  GObject *found;
} FindData;

static void
find_cb (PeasExtensionSet *set, PeasPluginInfo *info, PeasExtension *exten, gpointer data)
{
  FindData *find = data;

  if (find->found == NULL && g_strcmp0 (extension_name (G_OBJECT (exten)), find->name) == 0)
    find->found = G_OBJECT (exten);
}

/**
 * ntpmon_host_find_extension:
 *
 * Returns: (transfer none) (nullable): the loaded extension of @iface whose
 *   get_name() is @name
 */
GObject *
ntpmon_host_find_extension (NtpmonHost *self, GType iface, const gchar *name)
{
  FindData find = { name, NULL };

  peas_extension_set_foreach (ntpmon_host_get_extensions (self, iface), find_cb, &find);
  return find.found;
}

/**
 * ntpmon_host_create_named_extensions:
 * @engine: the engine that loaded @info
 * @info: a loaded plugin
 * @iface: the extension interface
 * @list_key: the `.plugin` key (without `X-`) that lists the names
 * @what: what a name names, for the error (`scorer`, `constraint`)
 *
 * libpeas makes one extension per plugin and interface; a plugin that
 * provides several (the scorer's algorithms, the selector's constraints)
 * lists their names in its `.plugin` file and builds each from its
 * construct-only `name` property.
 *
 * Returns: (transfer full) (element-type GObject): one extension per listed
 *   name, in order; NULL with @error when one cannot be created
 */
GPtrArray *
ntpmon_host_create_named_extensions (PeasEngine *engine, PeasPluginInfo *info, GType iface,
                                     const gchar *list_key, const gchar *what, GError **error)
{
  g_autoptr (GPtrArray) extensions = g_ptr_array_new_with_free_func (g_object_unref);
  const gchar *list = peas_plugin_info_get_external_data (info, list_key);
  g_auto (GStrv) names = g_strsplit (list != NULL ? list : "", ";", -1);

  for (guint i = 0; names[i] != NULL; i++)
    {
      const gchar *name = g_strstrip (names[i]);
      PeasExtension *extension;

      if (*name == '\0')
        continue;
      extension = peas_engine_create_extension (engine, info, iface, "name", name, NULL);
      if (extension == NULL || !G_TYPE_CHECK_INSTANCE_TYPE (extension, iface)
          || g_strcmp0 (extension_name (G_OBJECT (extension)), name) != 0)
        {
          g_clear_object (&extension);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "plugin %s does not provide the %s %s",
                       peas_plugin_info_get_module_name (info), what, name);
          return NULL;
        }
      g_ptr_array_add (extensions, extension);
    }
  return g_steal_pointer (&extensions);
}
