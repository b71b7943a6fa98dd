/* ntpmon-monitor-spool.c: results the API did not take yet, kept on disk
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ntpmon-monitor-spool.h"

#define SUFFIX     ".batch"
#define SEQ_DIGITS 20

struct _NtpmonMonitorSpool
{
  GObject parent_instance;

  gchar *dir;
  guint max_batches;
  GQueue entries; /* guint64 sequence numbers (as pointers to heap values), oldest first */
  guint64 next_seq;
  guint64 dropped;
  guint64 write_failures;
  gboolean locked;
};

G_DEFINE_FINAL_TYPE (NtpmonMonitorSpool, ntpmon_monitor_spool, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LENGTH,
  PROP_DROPPED,
  PROP_WRITE_FAILURES,
  N_PROPS,
};

static GParamSpec *props[N_PROPS];

static gchar *
entry_path (NtpmonMonitorSpool *self, guint64 seq)
{
  g_autofree gchar *name = g_strdup_printf ("%0*" G_GUINT64_FORMAT SUFFIX, SEQ_DIGITS, seq);

  return g_build_filename (self->dir, name, NULL);
}

/* The sequence number of an entry file name, or FALSE for other names. */
static gboolean
parse_name (const gchar *name, guint64 *seq)
{
  gsize len = strlen (name);

  if (len != SEQ_DIGITS + strlen (SUFFIX) || !g_str_has_suffix (name, SUFFIX))
    return FALSE;
  for (gsize i = 0; i < SEQ_DIGITS; i++)
    if (!g_ascii_isdigit (name[i]))
      return FALSE;
  *seq = g_ascii_strtoull (name, NULL, 10);
  return TRUE;
}

static gint
compare_seq (gconstpointer a, gconstpointer b, gpointer user_data)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

  return x < y ? -1 : x > y;
}

static void
ntpmon_monitor_spool_finalize (GObject *object)
{
  NtpmonMonitorSpool *self = NTPMON_MONITOR_SPOOL (object);

  g_queue_clear_full (&self->entries, g_free);
  g_free (self->dir);
  G_OBJECT_CLASS (ntpmon_monitor_spool_parent_class)->finalize (object);
}

static void
ntpmon_monitor_spool_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  NtpmonMonitorSpool *self = NTPMON_MONITOR_SPOOL (object);

  switch (prop_id)
    {
    case PROP_LENGTH:
      g_value_set_uint (value, self->entries.length);
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, self->dropped);
      break;
    case PROP_WRITE_FAILURES:
      g_value_set_uint64 (value, self->write_failures);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ntpmon_monitor_spool_class_init (NtpmonMonitorSpoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ntpmon_monitor_spool_finalize;
  object_class->get_property = ntpmon_monitor_spool_get_property;
  props[PROP_LENGTH] = g_param_spec_uint ("length", NULL, NULL, 0, G_MAXUINT, 0,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_DROPPED] = g_param_spec_uint64 ("dropped", NULL, NULL, 0, G_MAXUINT64, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_WRITE_FAILURES] = g_param_spec_uint64 ("write-failures", NULL, NULL, 0, G_MAXUINT64, 0,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ntpmon_monitor_spool_init (NtpmonMonitorSpool *self)
{
  g_queue_init (&self->entries);
  self->next_seq = 1;
}

NtpmonMonitorSpool *
ntpmon_monitor_spool_new (const gchar *dir, guint max_batches, GError **error)
{
  g_autoptr (NtpmonMonitorSpool) self = g_object_new (NTPMON_TYPE_MONITOR_SPOOL, NULL);
  g_autoptr (GDir) d = NULL;
  const gchar *name;

  self->dir = g_strdup (dir);
  self->max_batches = MAX (max_batches, 1);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _ ("cannot create the spool directory %s: %s"), dir, g_strerror (saved));
      return NULL;
    }
  d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      guint64 seq;

      if (parse_name (name, &seq))
        {
          g_queue_push_tail (&self->entries, g_memdup2 (&seq, sizeof seq));
          self->next_seq = MAX (self->next_seq, seq + 1);
        }
      else if (g_str_has_suffix (name, SUFFIX) == FALSE && strstr (name, SUFFIX ".") != NULL)
        {
          /* an interrupted write (the temporary file of an atomic write) */
          g_autofree gchar *path = g_build_filename (dir, name, NULL);
          g_unlink (path);
        }
    }
  g_queue_sort (&self->entries, compare_seq, NULL);
  return g_steal_pointer (&self);
}

const gchar *
ntpmon_monitor_spool_get_dir (NtpmonMonitorSpool *self)
{
  return self->dir;
}

void
ntpmon_monitor_spool_set_max_batches (NtpmonMonitorSpool *self, guint max_batches)
{
  self->max_batches = MAX (max_batches, 1);
}

guint
ntpmon_monitor_spool_get_length (NtpmonMonitorSpool *self)
{
  return self->entries.length;
}

guint64
ntpmon_monitor_spool_get_dropped (NtpmonMonitorSpool *self)
{
  return self->dropped;
}

guint64
ntpmon_monitor_spool_get_write_failures (NtpmonMonitorSpool *self)
{
  return self->write_failures;
}

static void
sync_dir (const gchar *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static void
remove_oldest (NtpmonMonitorSpool *self, gboolean dropped)
{
  g_autofree guint64 *seq = g_queue_pop_head (&self->entries);
  g_autofree gchar *path = NULL;

  if (seq == NULL)
    return;
  path = entry_path (self, *seq);
  if (g_unlink (path) != 0 && errno != ENOENT)
    g_message (_ ("cannot remove spooled batch %s: %s"), path, g_strerror (errno));
  if (dropped)
    {
      self->dropped++;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DROPPED]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LENGTH]);
}

gboolean
ntpmon_monitor_spool_push (NtpmonMonitorSpool *self, GBytes *request, GError **error)
{
  guint64 seq = self->next_seq;
  g_autofree gchar *path = entry_path (self, seq);
  gsize size;
  const gchar *data = g_bytes_get_data (request, &size);

  if (!g_file_set_contents_full (path, data, (gssize)size,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
                                 error))
    {
      self->write_failures++;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_WRITE_FAILURES]);
      return FALSE;
    }
  sync_dir (self->dir);
  self->next_seq++;
  g_queue_push_tail (&self->entries, g_memdup2 (&seq, sizeof seq));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LENGTH]);
  while (self->entries.length > self->max_batches)
    {
      g_message (_ ("spool full (%u batches): dropping the oldest batch"), self->max_batches);
      remove_oldest (self, TRUE);
    }
  return TRUE;
}

GBytes *
ntpmon_monitor_spool_peek (NtpmonMonitorSpool *self)
{
  while (self->entries.length > 0)
    {
      const guint64 *seq = g_queue_peek_head (&self->entries);
      g_autofree gchar *path = entry_path (self, *seq);
      g_autoptr (GError) error = NULL;
      gchar *data;
      gsize size;

      if (g_file_get_contents (path, &data, &size, &error))
        return g_bytes_new_take (data, size);
      g_message (_ ("dropping unreadable spooled batch: %s"), error->message);
      remove_oldest (self, TRUE);
    }
  return NULL;
}

void
ntpmon_monitor_spool_pop (NtpmonMonitorSpool *self, gboolean dropped)
{
  remove_oldest (self, dropped);
}

gboolean
ntpmon_monitor_spool_try_lock (NtpmonMonitorSpool *self)
{
  if (self->locked)
    return FALSE;
  self->locked = TRUE;
  return TRUE;
}

void
ntpmon_monitor_spool_unlock (NtpmonMonitorSpool *self)
{
  self->locked = FALSE;
}
