/* ntpmon-api-keys-file.h: ticket keys kept as files in a directory
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-api-keys.h"

G_BEGIN_DECLS

#define NTPMON_API_TYPE_KEY_FILE_STORE (ntpmon_api_key_file_store_get_type ())
G_DECLARE_FINAL_TYPE (NtpmonApiKeyFileStore, ntpmon_api_key_file_store, NTPMON_API, KEY_FILE_STORE,
                      GObject)

NtpmonApiKeyFileStore *ntpmon_api_key_file_store_new (const gchar *directory);
const gchar *ntpmon_api_key_file_store_get_directory (NtpmonApiKeyFileStore *self);
gboolean ntpmon_api_key_file_store_add_key (NtpmonApiKeyFileStore *self, guint *version,
                                            GError **error);

G_END_DECLS
