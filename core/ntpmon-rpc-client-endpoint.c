/* ntpmon-rpc-client-endpoint.c: where the monitor RPC API is
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-rpc-client.h"
#include "ntpmon-rpc-error.h"

#define MON_SUFFIX "mon.ntppool.dev"

gchar *
ntpmon_rpc_client_base_url_for_env (const gchar *env, GError **error)
{
  if (g_strcmp0 (env, "prod") == 0)
    return g_strdup ("https://api." MON_SUFFIX);
  if (g_strcmp0 (env, "test") == 0 || g_strcmp0 (env, "devel") == 0)
    return g_strdup_printf ("https://api.%s." MON_SUFFIX, env);
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "unknown deployment environment \"%s\"", env != NULL ? env : "");
  return NULL;
}

gchar *
ntpmon_rpc_client_base_url_for_tls_name (const gchar *tls_name, GError **error)
{
  if (tls_name != NULL)
    {
      if (g_strcmp0 (tls_name, "api." MON_SUFFIX) == 0)
        return ntpmon_rpc_client_base_url_for_env ("prod", error);
      if (g_str_has_suffix (tls_name, "." MON_SUFFIX))
        {
          g_autofree gchar *head
              = g_strndup (tls_name, strlen (tls_name) - strlen (MON_SUFFIX) - 1);
          g_auto (GStrv) labels = g_strsplit (head, ".", -1);
          if (g_strv_length (labels) == 2 && labels[0][0] != '\0')
            return ntpmon_rpc_client_base_url_for_env (labels[1], error);
        }
    }
  g_set_error (error, NTPMON_RPC_ERROR, NTPMON_RPC_ERROR_INVALID_ARGUMENT,
               "invalid client name \"%s\"", tls_name != NULL ? tls_name : "");
  return NULL;
}

gchar *
ntpmon_rpc_client_resolve_base_url (const gchar *tls_name, GError **error)
{
  const gchar *devel = g_getenv ("DEVEL_API_SERVER");

  if (devel != NULL && *devel != '\0')
    return g_strdup (devel);
  return ntpmon_rpc_client_base_url_for_tls_name (tls_name, error);
}

const gchar *
ntpmon_rpc_client_default_ca_file (void)
{
  return NTPMON_PKGDATADIR G_DIR_SEPARATOR_S NTPMON_RPC_CLIENT_CA_FILE_NAME;
}
