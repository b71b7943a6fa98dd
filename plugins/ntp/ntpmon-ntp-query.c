/* ntpmon-ntp-query.c: one NTP request/reply exchange on the main loop
 *
 * A non-blocking connected UDP socket watched with a GUnixFDSource; the
 * deadline and cancellation are further GSources on the same context, so
 * thousands of exchanges can run at once without threads. T1/T4 come from
 * the kernel (SO_TIMESTAMPING software TX+RX, or SO_TIMESTAMPNS for RX)
 * when asked for and available, otherwise from clock_gettime() around
 * send/receive.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ntpmon-ntp-query.h"

#define CONTROL_BUF_SIZE 512

typedef struct
{
  int fd;
  guint64 xmt;
  gint64 t1_user_ns;
  gint64 t1_mono_ns;
  gint64 t1_kernel_ns;
  gboolean have_t1_kernel;
  gboolean rx_timestamps;
  gboolean sent;
  GSource *io_source;
  GSource *timeout_source;
  GSource *cancel_source;
} QueryState;

/**
 * ntpmon_ntp_clear_source:
 *
 * Destroys and releases *@source, if any, and sets it to NULL. Safe from
 * the source's own callback.
 */
void
ntpmon_ntp_clear_source (GSource **source)
{
  GSource *s = g_steal_pointer (source);

  if (s == NULL)
    return;
  g_source_destroy (s);
  g_source_unref (s);
}

static void
query_state_free (QueryState *state)
{
  ntpmon_ntp_clear_source (&state->io_source);
  ntpmon_ntp_clear_source (&state->timeout_source);
  ntpmon_ntp_clear_source (&state->cancel_source);
  if (state->fd >= 0)
    close (state->fd);
  g_free (state);
}

static gint64
clock_ns (clockid_t clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gint64
timespec_ns (const struct timespec *ts)
{
  return (gint64)ts->tv_sec * G_GINT64_CONSTANT (1000000000) + ts->tv_nsec;
}

static gchar *
network_error_text (const gchar *op, int errnum)
{
  const gchar *text = ntpmon_ntp_errno_text (errnum);

  if (text == NULL)
    {
      g_autofree gchar *lower = g_strdup (g_strerror (errnum));

      lower[0] = g_ascii_tolower (lower[0]);
      return g_strdup_printf ("network: %s: %s", op, lower);
    }
  return g_strdup_printf ("network: %s: %s", op, text);
}

/* Takes ownership of @sample and completes the task (once). */
static void
query_complete (GTask *task, NtpmonNtpSample *sample)
{
  QueryState *state = g_task_get_task_data (task);

  ntpmon_ntp_clear_source (&state->io_source);
  ntpmon_ntp_clear_source (&state->timeout_source);
  ntpmon_ntp_clear_source (&state->cancel_source);
  if (state->fd >= 0)
    {
      close (state->fd);
      state->fd = -1;
    }
  sample->ts_ns = clock_ns (CLOCK_REALTIME);
  sample->sent = state->sent;
  g_task_return_pointer (task, sample, (GDestroyNotify)ntpmon_ntp_sample_free);
}

static void
query_fail (GTask *task, const gchar *op, int errnum)
{
  g_autofree gchar *text = network_error_text (op, errnum);

  query_complete (task, ntpmon_ntp_sample_new_error (text));
}

/* Looks for a kernel timestamp among the control messages of @msg. */
static gboolean
find_timestamp (struct msghdr *msg, gint64 *ns)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c != NULL; c = CMSG_NXTHDR (msg, c))
    {
      if (c->cmsg_level != SOL_SOCKET)
        continue;
      if (c->cmsg_type == SO_TIMESTAMPING)
        {
          struct timespec ts[3];

          memcpy (ts, CMSG_DATA (c), sizeof ts);
          if (ts[0].tv_sec != 0 || ts[0].tv_nsec != 0)
            {
              *ns = timespec_ns (&ts[0]);
              return TRUE;
            }
        }
      else if (c->cmsg_type == SO_TIMESTAMPNS)
        {
          struct timespec ts;

          memcpy (&ts, CMSG_DATA (c), sizeof ts);
          *ns = timespec_ns (&ts);
          return TRUE;
        }
    }
  return FALSE;
}

/* Reads the TX timestamps the kernel put on the error queue. */
static void
drain_error_queue (QueryState *state)
{
  for (int i = 0; i < 8; i++)
    {
      union
      {
        char buf[CONTROL_BUF_SIZE];
        struct cmsghdr align;
      } control;
      guint8 data[64];
      struct iovec iov = { data, sizeof data };
      struct msghdr msg = { 0 };
      gint64 ns;

      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      if (recvmsg (state->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
        return;
      if (!state->have_t1_kernel && find_timestamp (&msg, &ns))
        {
          state->t1_kernel_ns = ns;
          state->have_t1_kernel = TRUE;
        }
    }
}

static gboolean
query_readable_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  GTask *task = user_data;
  QueryState *state = g_task_get_task_data (task);
  union
  {
    char buf[CONTROL_BUF_SIZE];
    struct cmsghdr align;
  } control;
  guint8 buf[NTPMON_NTP_RECV_BUF_SIZE];
  struct iovec iov = { buf, sizeof buf };
  struct msghdr msg = { 0 };
  gint64 t1, t4, t4_user, t4_mono, rx_ns;
  gboolean kernel = FALSE;
  ssize_t n;
  int errnum;
  NtpmonNtpSample *sample;

  drain_error_queue (state);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  n = recvmsg (fd, &msg, MSG_DONTWAIT);
  errnum = errno;
  t4_user = clock_ns (CLOCK_REALTIME);
  t4_mono = clock_ns (CLOCK_MONOTONIC);
  if (n < 0)
    {
      if (errnum == EAGAIN || errnum == EWOULDBLOCK || errnum == EINTR)
        return G_SOURCE_CONTINUE;
      query_fail (task, "read", errnum);
      return G_SOURCE_REMOVE;
    }

  /* The TX timestamp normally precedes the reply; look once more. */
  if (state->rx_timestamps && !state->have_t1_kernel)
    drain_error_queue (state);

  t1 = state->have_t1_kernel ? state->t1_kernel_ns : state->t1_user_ns;
  t4 = t4_user;
  if (state->rx_timestamps && find_timestamp (&msg, &rx_ns))
    {
      t4 = rx_ns;
      kernel = TRUE;
    }
  if (t4_mono < state->t1_mono_ns || t4 < t1)
    t4 = t1;

  sample = ntpmon_ntp_sample_from_reply (buf, (gsize)n, state->xmt, t1, t4);
  sample->kernel_timestamps = kernel;
  query_complete (task, sample);
  return G_SOURCE_REMOVE;
}

static gboolean
query_timeout_cb (gpointer user_data)
{
  query_complete (G_TASK (user_data), ntpmon_ntp_sample_new_error ("network: i/o timeout"));
  return G_SOURCE_REMOVE;
}

static gboolean
query_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  QueryState *state = g_task_get_task_data (task);

  ntpmon_ntp_clear_source (&state->io_source);
  ntpmon_ntp_clear_source (&state->timeout_source);
  ntpmon_ntp_clear_source (&state->cancel_source);
  close (state->fd);
  state->fd = -1;
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static gboolean
to_native (GInetAddress *address, guint16 port, struct sockaddr_storage *ss, socklen_t *len,
           int *family)
{
  g_autoptr (GSocketAddress) sa = g_inet_socket_address_new (address, port);
  gssize size = g_socket_address_get_native_size (sa);

  if (size <= 0 || !g_socket_address_to_native (sa, ss, sizeof *ss, NULL))
    return FALSE;
  *len = (socklen_t)size;
  *family = ss->ss_family;
  return TRUE;
}

/* An IPv4-mapped IPv6 address as the IPv4 address it stands for. */
static GInetAddress *
unmap_address (GInetAddress *address)
{
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *b = g_inet_address_to_bytes (address);
      static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, prefix, sizeof prefix) == 0)
        return g_inet_address_new_from_bytes (b + 12, G_SOCKET_FAMILY_IPV4);
    }
  return g_object_ref (address);
}

static void
enable_timestamps (QueryState *state)
{
  int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE
              | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY;
  int on = 1;

  if (setsockopt (state->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) == 0)
    state->rx_timestamps = TRUE;
  else if (setsockopt (state->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0)
    state->rx_timestamps = TRUE;
}

/* Software RX timestamps need a kernel static key that is switched on
 * lazily, from a work queue, after the first socket asks for them; until
 * then replies carry no timestamp. Keep one timestamping socket open for the
 * life of the process and wait (bounded) until a datagram it sends to itself
 * comes back stamped, so that even the first check gets kernel timestamps. */
static gpointer
prime_timestamps (gpointer data)
{
  int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  struct sockaddr_in self_addr = { .sin_family = AF_INET };
  socklen_t len = sizeof self_addr;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  self_addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    return NULL;
  if (setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) < 0
      || bind (fd, (struct sockaddr *)&self_addr, len) < 0
      || getsockname (fd, (struct sockaddr *)&self_addr, &len) < 0
      || connect (fd, (struct sockaddr *)&self_addr, len) < 0)
    {
      close (fd);
      return NULL;
    }
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      union
      {
        char buf[CONTROL_BUF_SIZE];
        struct cmsghdr align;
      } control;
      guint8 byte = 0;
      struct iovec iov = { &byte, 1 };
      struct msghdr msg = { 0 };
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 ns;

      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      if (send (fd, &byte, 1, 0) < 0 || poll (&pfd, 1, 100) <= 0
          || recvmsg (fd, &msg, MSG_DONTWAIT) < 0)
        break;
      if (find_timestamp (&msg, &ns))
        break;
      g_usleep (2000);
    }
  /* deliberately left open: it keeps the kernel's timestamping switched on */
  return GINT_TO_POINTER (fd + 1);
}

/**
 * ntpmon_ntp_prime_kernel_timestamps:
 *
 * Makes sure the kernel stamps received datagrams from now on (see above);
 * the first call blocks for a few milliseconds (a fraction of a second at
 * worst), later calls return
 * at once.
 */
void
ntpmon_ntp_prime_kernel_timestamps (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, prime_timestamps, NULL);
}

/* Opens, binds and connects the socket and sends the request; returns
 * FALSE after completing @task with the error sample. */
static gboolean
query_send (GTask *task, const NtpmonNtpQueryOptions *options)
{
  QueryState *state = g_task_get_task_data (task);
  g_autoptr (GInetAddress) target = unmap_address (options->target);
  struct sockaddr_storage remote, local;
  socklen_t remote_len, local_len;
  int family, local_family;
  guint8 request[NTPMON_NTP_PACKET_SIZE];
  guint8 rnd[8];

  if (getrandom (rnd, sizeof rnd, 0) != sizeof rnd)
    {
      query_fail (task, "random", errno);
      return FALSE;
    }
  for (guint i = 0; i < 8; i++)
    state->xmt = (state->xmt << 8) | rnd[i];
  ntpmon_ntp_request_encode (request, state->xmt);

  if (!to_native (target, options->port, &remote, &remote_len, &family))
    {
      query_fail (task, "socket", EAFNOSUPPORT);
      return FALSE;
    }
  state->fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (state->fd < 0)
    {
      query_fail (task, "socket", errno);
      return FALSE;
    }
  if (options->kernel_timestamps)
    {
      ntpmon_ntp_prime_kernel_timestamps ();
      enable_timestamps (state);
    }

  if (options->bind_address != NULL)
    {
      g_autoptr (GInetAddress) bind_address = unmap_address (options->bind_address);

      if (!to_native (bind_address, 0, &local, &local_len, &local_family))
        {
          query_fail (task, "bind", EAFNOSUPPORT);
          return FALSE;
        }
      /* A wildcard of the other family means "any local address". */
      if (local_family == family || !g_inet_address_get_is_any (bind_address))
        {
          if (local_family != family)
            {
              query_fail (task, "bind", EAFNOSUPPORT);
              return FALSE;
            }
          if (bind (state->fd, (struct sockaddr *)&local, local_len) < 0)
            {
              query_fail (task, "bind", errno);
              return FALSE;
            }
        }
    }
  if (connect (state->fd, (struct sockaddr *)&remote, remote_len) < 0)
    {
      query_fail (task, "connect", errno);
      return FALSE;
    }

  state->t1_user_ns = clock_ns (CLOCK_REALTIME);
  state->t1_mono_ns = clock_ns (CLOCK_MONOTONIC);
  if (send (state->fd, request, sizeof request, 0) < 0)
    {
      query_fail (task, "write", errno);
      return FALSE;
    }
  state->sent = TRUE;
  return TRUE;
}

/**
 * ntpmon_ntp_query_async:
 *
 * Sends one request and waits for the reply or the deadline. The outcome,
 * good or bad, is an #NtpmonNtpSample; the task only fails when
 * @cancellable is cancelled, in which case the socket is closed at once.
 */
void
ntpmon_ntp_query_async (const NtpmonNtpQueryOptions *options, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  QueryState *state = g_new0 (QueryState, 1);
  GMainContext *context = g_task_get_context (task);

  g_task_set_source_tag (task, ntpmon_ntp_query_async);
  state->fd = -1;
  g_task_set_task_data (task, state, (GDestroyNotify)query_state_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* The deadline covers the write as well as the read. */
  state->timeout_source = g_timeout_source_new (options->timeout_ms);
  if (!query_send (task, options))
    return;

  g_source_set_callback (state->timeout_source, query_timeout_cb, g_object_ref (task),
                         g_object_unref);
  g_source_attach (state->timeout_source, context);

  state->io_source = g_unix_fd_source_new (state->fd, G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (state->io_source, G_SOURCE_FUNC (query_readable_cb), g_object_ref (task),
                         g_object_unref);
  g_source_attach (state->io_source, context);

  if (cancellable != NULL)
    {
      state->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (state->cancel_source, G_SOURCE_FUNC (query_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (state->cancel_source, context);
    }
  /* Each source holds a reference on the task; completing destroys them. */
}

NtpmonNtpSample *
ntpmon_ntp_query_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
