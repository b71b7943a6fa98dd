/* ntpmon-defaults.c: /etc/default/ntppool-agent
 *
 * SPDX-License-Identifier: MIT
 *
 * Read the way the reference agent reads it (spec agent.md §1.3): each line
 * is split at the first `=`, key and value are trimmed, nothing else is
 * interpreted (no quotes, no `export`, no comments), and a variable already
 * in the environment, even empty, is left alone.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>

#include "ntpmon-defaults.h"

/**
 * ntpmon_defaults_load:
 * @path: the defaults file; a missing file is not an error
 */
gboolean
ntpmon_defaults_load (const gchar *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      g_set_error (error, G_FILE_ERROR, local_error->code,
                   g_file_test (path, G_FILE_TEST_IS_DIR) ? _ ("error reading defaults file: %s")
                                                          : _ ("could not open defaults file: %s"),
                   local_error->message);
      return FALSE;
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gchar *eq = strchr (lines[i], '=');
      g_autofree gchar *key = NULL;
      g_autofree gchar *value = NULL;

      if (eq == NULL)
        continue;
      key = g_strstrip (g_strndup (lines[i], eq - lines[i]));
      value = g_strstrip (g_strdup (eq + 1));
      if (*key == '\0' || g_getenv (key) != NULL)
        continue;
      g_setenv (key, value, FALSE);
    }
  return TRUE;
}
