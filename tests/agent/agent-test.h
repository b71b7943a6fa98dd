/* agent-test.h: helpers shared by the agent's tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "fake-webapi.h"

G_BEGIN_DECLS

gchar *agent_test_make_tmpdir (const gchar *template);
void agent_test_rm_rf (const gchar *path);
void agent_test_count_cb (gpointer instance, gpointer user_data);
void agent_test_store_result (GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult *agent_test_wait_for (GAsyncResult **slot);

GSubprocess *agent_test_spawn (FakeWebapi *fake, const gchar *state_dir, const gchar *runtime_dir,
                               const gchar *const *args);
gint agent_test_run (FakeWebapi *fake, const gchar *state_dir, const gchar *runtime_dir,
                     const gchar *const *args, gchar **out_text, gchar **err_text);

G_END_DECLS
