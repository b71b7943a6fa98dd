/* ntpmon-state.c: the agent's state directory and state.json
 *
 * SPDX-License-Identifier: MIT
 *
 * state.json is written the way the reference agent writes it (2-space
 * indentation, Go field names, no trailing newline) and read the way it
 * reads it (keys matched case-insensitively, unknown keys ignored, absent
 * keys keep the value in memory). DataSha is the SHA-256 of the compact
 * serialisation of Data. Every file is written to a temporary file, synced
 * and renamed over the old one, with mode 0600 (the reference uses 0644 for
 * state.json and cert.pem; the directory is 0700 either way).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ntpmon-state-private.h"

G_DEFINE_QUARK (ntpmon - state - error - quark, ntpmon_state_error)
G_DEFINE_TYPE (NtpmonState, ntpmon_state, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_CONFIG_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ntpmon_state_finalize (GObject *object)
{
  NtpmonState *self = NTPMON_STATE (object);

  ntpmon_state_unwatch (self);
  g_free (self->base_dir);
  g_free (self->env);
  g_free (self->dir);
  g_free (self->api_key);
  g_free (self->name);
  g_free (self->tls_name);
  ntpmon_state_ip_clear (&self->ipv4);
  ntpmon_state_ip_clear (&self->ipv6);
  g_free (self->otlp_log_level);
  g_free (self->data_sha);
  ntpmon_state_clear_certificate (self);
  G_OBJECT_CLASS (ntpmon_state_parent_class)->finalize (object);
}

static void
ntpmon_state_class_init (NtpmonStateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ntpmon_state_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CONFIG_CHANGED]
      = g_signal_new ("config-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
}

static void
ntpmon_state_init (NtpmonState *self)
{
  self->api_key = g_strdup ("");
  self->name = g_strdup ("");
  self->tls_name = g_strdup ("");
  self->ipv4.status = g_strdup ("");
  self->ipv6.status = g_strdup ("");
  self->otlp_log_level = g_strdup ("");
  self->data_sha = g_strdup ("");
}

/**
 * ntpmon_state_new:
 * @base_dir: absolute base state directory
 * @env: `prod`, `test` or `devel`
 *
 * Nothing is read or created until the first operation that needs it.
 */
NtpmonState *
ntpmon_state_new (const gchar *base_dir, const gchar *env)
{
  NtpmonState *self = g_object_new (NTPMON_TYPE_STATE, NULL);

  self->base_dir = g_strdup (base_dir);
  self->env = g_strdup (env);
  self->dir = g_build_filename (base_dir, env, NULL);
  return self;
}

const gchar *
ntpmon_state_get_base_dir (NtpmonState *self)
{
  return self->base_dir;
}

const gchar *
ntpmon_state_get_env (NtpmonState *self)
{
  return self->env;
}

const gchar *
ntpmon_state_get_dir (NtpmonState *self)
{
  return self->dir;
}

/**
 * ntpmon_state_dup_path:
 *
 * Returns: `<base>/<env>/<name>`, creating the directory (0700) first if it
 * does not exist yet; a failure to create it is only logged, as the
 * following file operation reports the problem.
 */
gchar *
ntpmon_state_dup_path (NtpmonState *self, const gchar *name)
{
  g_autoptr (GError) error = NULL;

  if (!ntpmon_state_ensure_dir (self, FALSE, &error))
    g_info ("%s", error->message);
  return g_build_filename (self->dir, name, NULL);
}

/**
 * ntpmon_state_ensure_dir:
 * @writable: also check that a file can be created in it
 *
 * Creates `<base>/<env>` (0700) when it does not exist. Fails with an
 * error naming the directory when it cannot be created or, with
 * @writable, written.
 */
gboolean
ntpmon_state_ensure_dir (NtpmonState *self, gboolean writable, GError **error)
{
  g_autofree gchar *probe = NULL;
  int fd;

  if (!g_file_test (self->dir, G_FILE_TEST_IS_DIR) && g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO,
                   _ ("cannot create the state directory %s: %s (see --state-dir, "
                      "MONITOR_STATE_DIR)"),
                   self->dir, g_strerror (saved));
      return FALSE;
    }
  if (!writable)
    return TRUE;
  probe = g_build_filename (self->dir, ".write-test-XXXXXX", NULL);
  fd = g_mkstemp_full (probe, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO,
                   _ ("the state directory %s is not writable: %s (run as the user the agent "
                      "runs as)"),
                   self->dir, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

/**
 * ntpmon_state_write_file:
 *
 * Replaces @path atomically: a temporary file beside it gets the contents,
 * is synced to disk and renamed over @path; the directory is synced after.
 * Readers see the old or the new contents, never a mix. Mode 0600.
 */
gboolean
ntpmon_state_write_file (const gchar *path, const gchar *contents, gssize length, GError **error)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  int fd;

  if (!g_file_set_contents_full (path, contents, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                 error))
    return FALSE;
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      (void)fsync (fd);
      close (fd);
    }
  return TRUE;
}

gboolean
ntpmon_state_save (NtpmonState *self, GError **error)
{
  g_autofree gchar *path = ntpmon_state_dup_path (self, NTPMON_STATE_FILE);
  g_autofree gchar *json = ntpmon_state_to_json (self);
  g_autoptr (GError) local = NULL;

  if (!ntpmon_state_write_file (path, json, -1, &local))
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO,
                   _ ("could not write state file %s: %s"), path, local->message);
      return FALSE;
    }
  g_debug ("saved %s", path);
  return TRUE;
}

/**
 * ntpmon_state_read:
 * @existed: (out) (optional): whether state.json was there
 *
 * Reads state.json into memory. A missing file is not an error: the
 * runtime-directory migration is tried and the values in memory stay.
 * An unreadable, empty or invalid file is an error naming the file.
 */
gboolean
ntpmon_state_read (NtpmonState *self, gboolean *existed, GError **error)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) local = NULL;
  gsize length;

  if (existed != NULL)
    *existed = FALSE;
  if (!ntpmon_state_ensure_dir (self, FALSE, error))
    return FALSE;
  path = ntpmon_state_dup_path (self, NTPMON_STATE_FILE);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_autoptr (GError) migrate_error = NULL;

          if (!ntpmon_state_migrate_runtime_dir (self, NULL, &migrate_error))
            g_info ("migration from the runtime directory failed: %s", migrate_error->message);
          return TRUE;
        }
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO,
                   _ ("could not read state file %s: %s"), path, local->message);
      return FALSE;
    }
  if (existed != NULL)
    *existed = TRUE;
  return ntpmon_state_parse (self, contents, length, path, error);
}

/* --- accessors ---------------------------------------------------------- */

const gchar *
ntpmon_state_get_api_key (NtpmonState *self)
{
  return self->api_key;
}

/**
 * ntpmon_state_set_api_key:
 *
 * Stores the key in memory and in state.json; emits `config-changed` when
 * it differs from the previous key.
 */
gboolean
ntpmon_state_set_api_key (NtpmonState *self, const gchar *api_key, GError **error)
{
  gboolean changed = g_strcmp0 (self->api_key, api_key) != 0;

  g_free (self->api_key);
  self->api_key = g_strdup (api_key != NULL ? api_key : "");
  if (!ntpmon_state_save (self, error))
    return FALSE;
  if (changed)
    ntpmon_state_notify_config_changed (self);
  return TRUE;
}

/**
 * ntpmon_state_forget_api_key:
 *
 * Clears the key in memory only (the web API rejected it).
 */
void
ntpmon_state_forget_api_key (NtpmonState *self)
{
  g_free (self->api_key);
  self->api_key = g_strdup ("");
}

const gchar *
ntpmon_state_get_name (NtpmonState *self)
{
  return self->name;
}

const gchar *
ntpmon_state_get_tls_name (NtpmonState *self)
{
  return self->tls_name;
}

const gchar *
ntpmon_state_get_data_sha (NtpmonState *self)
{
  return self->data_sha;
}

const gchar *
ntpmon_state_get_otlp_log_level (NtpmonState *self)
{
  return self->otlp_log_level;
}

/**
 * ntpmon_state_set_otlp_log_level:
 *
 * Caches a non-empty log level from the monitor API in state.json.
 */
gboolean
ntpmon_state_set_otlp_log_level (NtpmonState *self, const gchar *level, GError **error)
{
  if (level == NULL || *level == '\0' || g_strcmp0 (level, self->otlp_log_level) == 0)
    return TRUE;
  g_free (self->otlp_log_level);
  self->otlp_log_level = g_strdup (level);
  return ntpmon_state_save (self, error);
}

static NtpmonStateIp *
family_ip (NtpmonState *self, NtpmonStateFamily family)
{
  return family == NTPMON_STATE_IPV6 ? &self->ipv6 : &self->ipv4;
}

const gchar *
ntpmon_state_get_status (NtpmonState *self, NtpmonStateFamily family)
{
  return family_ip (self, family)->status;
}

/**
 * ntpmon_state_get_ip:
 *
 * Returns: (nullable): the monitor's address for @family, NULL if none
 */
const gchar *
ntpmon_state_get_ip (NtpmonState *self, NtpmonStateFamily family)
{
  return family_ip (self, family)->ip;
}

/**
 * ntpmon_state_is_live:
 *
 * An IP family is live when it has an address and its status is `active`
 * or `testing`.
 */
gboolean
ntpmon_state_is_live (NtpmonState *self, NtpmonStateFamily family)
{
  NtpmonStateIp *ip = family_ip (self, family);

  return ip->ip != NULL && *ip->ip != '\0'
         && (g_strcmp0 (ip->status, "active") == 0 || g_strcmp0 (ip->status, "testing") == 0);
}

static gboolean
set_ip (NtpmonStateIp *ip, const gchar *status, const gchar *text, GSocketFamily want,
        const gchar *word, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;

  if (text == NULL || *text == '\0')
    {
      ntpmon_state_ip_clear (ip);
      ip->status = g_strdup ("");
      return TRUE;
    }
  address = g_inet_address_new_from_string (text);
  if (address == NULL)
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE,
                   _ ("error parsing %s address \"%s\": not an IP address"), word, text);
      return FALSE;
    }
  if (g_inet_address_get_family (address) != want)
    {
      g_autofree gchar *s = g_inet_address_to_string (address);
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_PARSE,
                   _ ("expected %s address, got %s"), word, s);
      return FALSE;
    }
  ntpmon_state_ip_clear (ip);
  ip->status = g_strdup (status != NULL ? status : "");
  ip->ip = g_inet_address_to_string (address);
  return TRUE;
}

/**
 * ntpmon_state_set_data:
 * @v4_ip: (nullable): IPv4 address text; NULL or "" for none (status then "")
 *
 * Replaces the monitor data wholesale (the OTLP log level stays) and
 * recomputes DataSha. Emits `config-changed` when DataSha changed; does not
 * save. Addresses of the wrong family or that do not parse are errors and
 * leave everything unchanged.
 *
 * Returns: TRUE on success; then whether the data changed can be seen by
 * comparing ntpmon_state_get_data_sha() before and after.
 */
gboolean
ntpmon_state_set_data (NtpmonState *self, const gchar *name, const gchar *tls_name,
                       const gchar *v4_status, const gchar *v4_ip, const gchar *v6_status,
                       const gchar *v6_ip, GError **error)
{
  NtpmonStateIp v4 = { 0 }, v6 = { 0 };
  g_autofree gchar *sha = NULL;
  gboolean changed;

  if (!set_ip (&v4, v4_status, v4_ip, G_SOCKET_FAMILY_IPV4, "IPv4", error)
      || !set_ip (&v6, v6_status, v6_ip, G_SOCKET_FAMILY_IPV6, "IPv6", error))
    {
      ntpmon_state_ip_clear (&v4);
      ntpmon_state_ip_clear (&v6);
      return FALSE;
    }
  ntpmon_state_ip_clear (&self->ipv4);
  ntpmon_state_ip_clear (&self->ipv6);
  self->ipv4 = v4;
  self->ipv6 = v6;
  g_free (self->name);
  self->name = g_strdup (name != NULL ? name : "");
  g_free (self->tls_name);
  self->tls_name = g_strdup (tls_name != NULL ? tls_name : "");

  sha = ntpmon_state_compute_data_sha (self);
  changed = g_strcmp0 (sha, self->data_sha) != 0;
  if (changed)
    {
      g_free (self->data_sha);
      self->data_sha = g_steal_pointer (&sha);
      /* fields first: what follows MESSAGE is its format's arguments */
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "name", self->name, "tls_name",
                        self->tls_name, "ipv4.ip", self->ipv4.ip != NULL ? self->ipv4.ip : "",
                        "ipv4.status", self->ipv4.status, "ipv6.ip",
                        self->ipv6.ip != NULL ? self->ipv6.ip : "", "ipv6.status",
                        self->ipv6.status, "MESSAGE", "config changed");
      ntpmon_state_notify_config_changed (self);
    }
  return TRUE;
}

/* --- migration ------------------------------------------------------------ */

/**
 * ntpmon_state_migrate_runtime_dir:
 * @migrated: (out) (optional): whether a state file was migrated
 *
 * When state.json is missing and `$RUNTIME_DIRECTORY/<env>/state.json`
 * exists (state of older agents, kept under /run), copies it and the
 * certificate files that exist beside it into the state directory and
 * loads it. No RUNTIME_DIRECTORY or no old file is a no-op.
 */
gboolean
ntpmon_state_migrate_runtime_dir (NtpmonState *self, gboolean *migrated, GError **error)
{
  const gchar *runtime = g_getenv ("RUNTIME_DIRECTORY");
  g_autofree gchar *old_dir = NULL;
  g_autofree gchar *old_path = NULL;
  g_autofree gchar *new_path = NULL;
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) local = NULL;
  gsize length;
  static const gchar *const cert_files[] = { NTPMON_STATE_CERT_FILE, NTPMON_STATE_KEY_FILE };

  if (migrated != NULL)
    *migrated = FALSE;
  if (runtime == NULL || *runtime == '\0')
    return TRUE;
  old_dir = g_build_filename (runtime, self->env, NULL);
  old_path = g_build_filename (old_dir, NTPMON_STATE_FILE, NULL);
  new_path = ntpmon_state_dup_path (self, NTPMON_STATE_FILE);
  if (g_strcmp0 (old_path, new_path) == 0)
    return TRUE;
  if (!g_file_get_contents (old_path, &contents, &length, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_message (_ ("migrating state from %s to %s"), old_path, new_path);
  if (!ntpmon_state_write_file (new_path, contents, length, error)
      || !ntpmon_state_parse (self, contents, length, old_path, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (cert_files); i++)
    {
      g_autofree gchar *from = g_build_filename (old_dir, cert_files[i], NULL);
      g_autofree gchar *to = ntpmon_state_dup_path (self, cert_files[i]);
      g_autofree gchar *data = NULL;
      g_autoptr (GError) copy_error = NULL;
      gsize size;

      if (!g_file_get_contents (from, &data, &size, &copy_error)
          || !ntpmon_state_write_file (to, data, size, &copy_error))
        {
          if (!g_error_matches (copy_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            g_info ("could not migrate %s: %s", from, copy_error->message);
          continue;
        }
      g_message (_ ("migrated %s to %s"), from, to);
    }
  if (migrated != NULL)
    *migrated = TRUE;
  return TRUE;
}

/* --- notifications and watching --------------------------------------- */

/**
 * ntpmon_state_notify_config_changed:
 *
 * Emits `config-changed` (the API key, the certificate presence or the
 * monitor data changed).
 */
void
ntpmon_state_notify_config_changed (NtpmonState *self)
{
  g_signal_emit (self, signals[SIGNAL_CONFIG_CHANGED], 0);
}

void
ntpmon_state_emit_changed (NtpmonState *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
debounce_cb (gpointer user_data)
{
  NtpmonState *self = user_data;

  self->debounce_id = 0;
  g_debug ("state file changed");
  ntpmon_state_emit_changed (self);
  return G_SOURCE_REMOVE;
}

static gboolean
is_state_name (GFile *file, const gchar *name)
{
  g_autofree gchar *base = file != NULL ? g_file_get_basename (file) : NULL;

  return g_strcmp0 (base, name) == 0;
}

static void
monitor_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                    gpointer user_data)
{
  NtpmonState *self = user_data;
  gboolean relevant = FALSE;

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
      relevant = is_state_name (file, NTPMON_STATE_FILE);
      break;
    case G_FILE_MONITOR_EVENT_RENAMED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      /* a temporary file renamed to state.json, state.json moved away, or
       * the reference agent's state.json.tmp renamed */
      relevant = is_state_name (file, NTPMON_STATE_FILE) || is_state_name (other, NTPMON_STATE_FILE)
                 || is_state_name (file, NTPMON_STATE_FILE ".tmp");
      break;
    default:
      break;
    }
  if (!relevant)
    return;
  if (self->debounce_id != 0)
    g_source_remove (self->debounce_id);
  self->debounce_id = g_timeout_add (NTPMON_STATE_DEBOUNCE_MS, debounce_cb, self);
}

/**
 * ntpmon_state_watch:
 *
 * Watches the state directory: every write, creation or atomic replace of
 * state.json (re)starts a 500 ms timer that emits `changed`. Fails when the
 * directory cannot be watched (the caller then relies on its timers).
 */
gboolean
ntpmon_state_watch (NtpmonState *self, GError **error)
{
  g_autoptr (GFile) dir = g_file_new_for_path (self->dir);

  if (self->monitor != NULL)
    return TRUE;
  g_free (ntpmon_state_dup_path (self, NTPMON_STATE_FILE)); /* creates the directory */
  if (!g_file_test (self->dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NTPMON_STATE_ERROR, NTPMON_STATE_ERROR_IO,
                   _ ("state directory %s does not exist"), self->dir);
      return FALSE;
    }
  self->monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
  if (self->monitor == NULL)
    return FALSE;
  g_signal_connect (self->monitor, "changed", G_CALLBACK (monitor_changed_cb), self);
  return TRUE;
}

void
ntpmon_state_unwatch (NtpmonState *self)
{
  if (self->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_file_monitor_cancel (self->monitor);
      g_clear_object (&self->monitor);
    }
  g_clear_handle_id (&self->debounce_id, g_source_remove);
}
