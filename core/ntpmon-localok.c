/* ntpmon-localok.c: the local clock sanity gate (spec agent.md §5.7)
 *
 * Checks the configured base-check servers with the `ntp` probe and says
 * whether the local clock looks right: a majority of the hosts must answer
 * without error, within 10 ms and without leap indicator 3. The verdict is
 * reused for 180 s. Concurrent callers share one evaluation.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "ntpmon-localok.h"

#define STAGGER_MS 20

struct _NtpmonLocalok
{
  GObject parent_instance;

  NtpmonProbe *probe;
  gchar **base_checks;
  GSocketFamily family;
  NtpmonProbeRequest request; /* template: port, samples, bind address, allow_private */

  gboolean have_verdict;
  gboolean verdict;
  gint64 checked_at_us; /* monotonic end of the last evaluation */

  GPtrArray *waiters; /* GTask, NULL when no evaluation runs */
};

G_DEFINE_FINAL_TYPE (NtpmonLocalok, ntpmon_localok, G_TYPE_OBJECT)

enum
{
  SIGNAL_HOST_CHECKED,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

typedef struct
{
  NtpmonLocalok *self;
  GCancellable *cancellable;
  guint n_names;
  guint resolving;
  GInetAddress **addresses; /* per base check; NULL when skipped */
  guint next_start;
  guint running;
  gint hosts;
  gint fails;
  gboolean cancelled;
} Evaluation;

typedef struct
{
  Evaluation *eval;
  guint index;
  gint64 started_at;
} HostCall;

static void
ntpmon_localok_dispose (GObject *object)
{
  NtpmonLocalok *self = NTPMON_LOCALOK (object);

  g_clear_object (&self->probe);
  g_clear_object (&self->request.bind_address);
  G_OBJECT_CLASS (ntpmon_localok_parent_class)->dispose (object);
}

static void
ntpmon_localok_finalize (GObject *object)
{
  NtpmonLocalok *self = NTPMON_LOCALOK (object);

  g_strfreev (self->base_checks);
  G_OBJECT_CLASS (ntpmon_localok_parent_class)->finalize (object);
}

static void
ntpmon_localok_class_init (NtpmonLocalokClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ntpmon_localok_dispose;
  object_class->finalize = ntpmon_localok_finalize;

  /**
   * NtpmonLocalok::host-checked:
   * @name: the base-check host name
   * @address: the address checked
   * @ok: whether the host passed
   * @started_at: Unix time (µs) when its check started
   * @queries_sent: NTP request datagrams the check sent
   *
   * Emitted for each checked host of an evaluation (for the per-host
   * metrics of spec §7.2).
   */
  signals[SIGNAL_HOST_CHECKED]
      = g_signal_new ("host-checked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_INET_ADDRESS, G_TYPE_BOOLEAN,
                      G_TYPE_INT64, G_TYPE_UINT);
}

static void
ntpmon_localok_init (NtpmonLocalok *self)
{
}

/**
 * ntpmon_localok_new:
 * @probe: the `ntp` probe
 * @base_checks: (array zero-terminated=1): host names (or IP literals) to check
 * @family: the address family of the monitor's own IP
 * @request: (nullable): template for each check (port, samples, bind
 *   address, allow_private); its target is ignored. NULL: port 123,
 *   default samples, no binding.
 *
 * The configuration is a snapshot, as in the reference.
 */
NtpmonLocalok *
ntpmon_localok_new (NtpmonProbe *probe, const gchar *const *base_checks, GSocketFamily family,
                    const NtpmonProbeRequest *request)
{
  NtpmonLocalok *self;

  g_return_val_if_fail (NTPMON_IS_PROBE (probe), NULL);
  g_return_val_if_fail (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6, NULL);

  self = g_object_new (NTPMON_TYPE_LOCALOK, NULL);
  self->probe = g_object_ref (probe);
  self->base_checks = g_strdupv ((gchar **)base_checks);
  self->family = family;
  self->request.port = 123;
  if (request != NULL)
    {
      self->request = *request;
      self->request.target = NULL;
      if (request->bind_address != NULL)
        g_object_ref (request->bind_address);
    }
  return self;
}

/**
 * ntpmon_localok_allowed_failures:
 *
 * Returns: how many of @hosts checked hosts may fail: hosts minus a
 * majority, so -1 (never ok) for no hosts.
 */
gint
ntpmon_localok_allowed_failures (gint hosts)
{
  return hosts - (hosts + 2) / 2;
}

/**
 * ntpmon_localok_get_next_check_in:
 *
 * Returns: microseconds until the cached verdict expires (0 when expired).
 */
gint64
ntpmon_localok_get_next_check_in (NtpmonLocalok *self)
{
  gint64 left;

  g_return_val_if_fail (NTPMON_IS_LOCALOK (self), 0);
  if (!self->have_verdict)
    return 0;
  left = self->checked_at_us + NTPMON_LOCALOK_CACHE_TTL_US - g_get_monotonic_time ();
  return MAX (left, 0);
}

/**
 * ntpmon_localok_expire:
 *
 * Forgets the cached verdict so the next check evaluates again.
 */
void
ntpmon_localok_expire (NtpmonLocalok *self)
{
  g_return_if_fail (NTPMON_IS_LOCALOK (self));
  self->have_verdict = FALSE;
}

static void
evaluation_finish (Evaluation *eval)
{
  NtpmonLocalok *self = eval->self;
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&self->waiters);
  gint allowed = ntpmon_localok_allowed_failures (eval->hosts);
  gboolean ok = eval->fails <= allowed;

  if (!eval->cancelled)
    {
      g_info ("local-check failures=%d threshold=%d hosts=%d", eval->fails, allowed, eval->hosts);
      self->have_verdict = TRUE;
      self->verdict = ok;
      self->checked_at_us = g_get_monotonic_time ();
    }
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (eval->cancelled)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      else
        g_task_return_boolean (task, ok);
    }
  for (guint i = 0; i < eval->n_names; i++)
    g_clear_object (&eval->addresses[i]);
  g_free (eval->addresses);
  g_clear_object (&eval->cancellable);
  g_object_unref (eval->self);
  g_free (eval);
}

static void
host_checked_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  HostCall *call = user_data;
  Evaluation *eval = call->eval;
  const gchar *name = eval->self->base_checks[call->index];
  g_autoptr (GError) error = NULL;
  g_autoptr (NtpmonNtpResult) result = ntpmon_probe_run_finish (NTPMON_PROBE (source), res, &error);
  g_autofree gchar *reason = NULL;

  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        eval->cancelled = TRUE;
      reason = g_strdup (error->message);
    }
  else if (result->error != NULL)
    reason = g_strdup (result->error);
  else if (!result->has_offset || ABS (result->offset_ns) > NTPMON_LOCALOK_MAX_OFFSET_NS)
    reason = g_strdup_printf ("offset too large: %.6fms", (gdouble)result->offset_ns / 1e6);
  else if (result->leap == 3)
    reason = g_strdup ("NotInSync");

  if (reason != NULL)
    {
      g_autofree gchar *ip = g_inet_address_to_string (eval->addresses[call->index]);

      g_message ("local-check failure server=%s ip=%s err=%s", name, ip, reason);
      eval->fails++;
    }
  if (!eval->cancelled)
    g_signal_emit (eval->self, signals[SIGNAL_HOST_CHECKED], 0, name, eval->addresses[call->index],
                   reason == NULL, call->started_at, result != NULL ? result->queries_sent : 0);
  g_free (call);
  eval->running--;
  if (eval->running == 0 && eval->next_start >= eval->n_names)
    evaluation_finish (eval);
}

/* Starts the next resolved host; returns whether more remain. */
static gboolean
start_next_host (Evaluation *eval)
{
  while (eval->next_start < eval->n_names && eval->addresses[eval->next_start] == NULL)
    eval->next_start++;
  if (eval->next_start < eval->n_names)
    {
      NtpmonProbeRequest request = eval->self->request;
      HostCall *call = g_new0 (HostCall, 1);

      call->eval = eval;
      call->index = eval->next_start++;
      call->started_at = g_get_real_time ();
      request.target = eval->addresses[call->index];
      eval->running++;
      ntpmon_probe_run_async (eval->self->probe, &request, eval->cancellable, host_checked_cb,
                              call);
    }
  while (eval->next_start < eval->n_names && eval->addresses[eval->next_start] == NULL)
    eval->next_start++;
  return eval->next_start < eval->n_names;
}

static gboolean
stagger_cb (gpointer user_data)
{
  Evaluation *eval = user_data;

  return start_next_host (eval) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
start_checks (Evaluation *eval)
{
  for (guint i = 0; i < eval->n_names; i++)
    if (eval->addresses[i] != NULL)
      eval->hosts++;
  if (eval->hosts == 0)
    {
      evaluation_finish (eval);
      return;
    }
  /* hosts start 20 ms apart; the running count keeps eval alive */
  if (start_next_host (eval))
    g_timeout_add (STAGGER_MS, stagger_cb, eval);
}

/* The first address of the wanted family; IPv4-mapped counts as IPv4. */
static GInetAddress *
pick_address (GList *addresses, GSocketFamily family)
{
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      GInetAddress *a = l->data;
      GSocketFamily f = g_inet_address_get_family (a);

      if (f == G_SOCKET_FAMILY_IPV6)
        {
          const guint8 *b = g_inet_address_to_bytes (a);
          static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

          if (memcmp (b, mapped, sizeof mapped) == 0)
            {
              if (family == G_SOCKET_FAMILY_IPV4)
                return g_inet_address_new_from_bytes (b + 12, G_SOCKET_FAMILY_IPV4);
              continue;
            }
        }
      if (f == family)
        return g_object_ref (a);
    }
  return NULL;
}

static void
resolved_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  HostCall *call = user_data;
  Evaluation *eval = call->eval;
  g_autoptr (GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), res, &error);

  if (addresses == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        eval->cancelled = TRUE;
      g_message ("local-check: could not resolve %s: %s", eval->self->base_checks[call->index],
                 error->message);
    }
  else
    {
      eval->addresses[call->index] = pick_address (addresses, eval->self->family);
      if (eval->addresses[call->index] == NULL)
        g_message ("local-check: %s has no address of the monitor's family",
                   eval->self->base_checks[call->index]);
      g_resolver_free_addresses (addresses);
    }
  g_free (call);
  if (--eval->resolving > 0)
    return;
  if (eval->cancelled)
    evaluation_finish (eval);
  else
    start_checks (eval);
}

static void
evaluation_start (NtpmonLocalok *self, GCancellable *cancellable)
{
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  Evaluation *eval = g_new0 (Evaluation, 1);

  eval->self = g_object_ref (self);
  eval->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  eval->n_names = self->base_checks != NULL ? g_strv_length (self->base_checks) : 0;
  eval->addresses = g_new0 (GInetAddress *, MAX (eval->n_names, 1));
  if (eval->n_names == 0)
    {
      /* g_log rather than g_warning: tests can expect it (GLib 2.74) */
      g_log (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
             "did not get NTP base checks from the API; no local-check configuration");
      evaluation_finish (eval);
      return;
    }
  eval->resolving = eval->n_names;
  for (guint i = 0; i < eval->n_names; i++)
    {
      HostCall *call = g_new0 (HostCall, 1);

      call->eval = eval;
      call->index = i;
      g_resolver_lookup_by_name_async (resolver, self->base_checks[i], eval->cancellable,
                                       resolved_cb, call);
    }
}

/**
 * ntpmon_localok_check_async:
 *
 * Gets the verdict: the cached one while it is younger than 180 s, else
 * from a new evaluation (shared with callers arriving meanwhile; it uses
 * the first caller's @cancellable).
 */
void
ntpmon_localok_check_async (NtpmonLocalok *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (NTPMON_IS_LOCALOK (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ntpmon_localok_check_async);
  if (self->have_verdict && ntpmon_localok_get_next_check_in (self) > 0)
    {
      g_task_return_boolean (task, self->verdict);
      return;
    }
  if (self->waiters != NULL)
    {
      g_ptr_array_add (self->waiters, g_steal_pointer (&task));
      return;
    }
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  evaluation_start (self, cancellable);
}

/**
 * ntpmon_localok_check_finish:
 * @ok: (out): whether the local clock looks fine
 *
 * Returns: FALSE with @error set only when the check was cancelled.
 */
gboolean
ntpmon_localok_check_finish (NtpmonLocalok *self, GAsyncResult *result, gboolean *ok,
                             GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean verdict;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  verdict = g_task_propagate_boolean (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *ok = verdict;
  return TRUE;
}
