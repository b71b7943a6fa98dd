/* agent-test.h: helpers shared by the agent's tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "fake-webapi.h"
#include "ntpmon-webapi.h"

G_BEGIN_DECLS

/* a fake web API, a client trusting it, a temporary state base directory */
typedef struct
{
  FakeWebapi *fake;
  NtpmonWebapi *webapi;
  gchar *base;
} AgentTestEnv;

void agent_test_env_setup (AgentTestEnv *env, const gchar *template);
void agent_test_env_teardown (AgentTestEnv *env);

void agent_test_capture_warnings (void);
GPtrArray *agent_test_captured_warnings (void);

gchar *agent_test_make_tmpdir (const gchar *template);
/* A TCP socket bound (not listening) on 127.0.0.1: connections to its
 * port are refused while it lives; the port in *@port. */
GSocket *agent_test_bind_port (guint16 *port);
void agent_test_rm_rf (const gchar *path);
void agent_test_count_cb (gpointer instance, gpointer user_data);
void agent_test_store_result (GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult *agent_test_wait_for (GAsyncResult **slot);

GSubprocess *agent_test_spawn (FakeWebapi *fake, const gchar *state_dir, const gchar *runtime_dir,
                               const gchar *const *args);
/* SIGTERM to a spawned agent: it must stop cleanly (exit status 0). Its
 * stderr, when @err_text is set. */
void agent_test_stop (GSubprocess *agent, gchar **err_text);
gint agent_test_run (FakeWebapi *fake, const gchar *state_dir, const gchar *runtime_dir,
                     const gchar *const *args, gchar **out_text, gchar **err_text);

G_END_DECLS
