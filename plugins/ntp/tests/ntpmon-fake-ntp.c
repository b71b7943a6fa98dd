/* ntpmon-fake-ntp.c: a scriptable NTP server on loopback for tests
 *
 * Runs on the thread-default main context of its creator; each request is
 * answered at once according to the current behaviour.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ntpmon-fake-ntp.h"
#include "ntpmon-ntp-packet.h"

struct _NtpmonFakeNtp
{
  GSocket *socket;
  GSource *source;
  GInetAddress *address;
  guint16 port;
  guint requests;
  NtpmonFakeNtpBehaviour behaviour;
};

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* T2 is the kernel's receive time when known, so a busy test process
 * does not skew the offsets it serves. */
static void
answer (NtpmonFakeNtp *self, const struct sockaddr *peer, socklen_t peer_len, const guint8 *buf,
        gssize len, gint64 rx_ns)
{
  const NtpmonFakeNtpBehaviour *b = &self->behaviour;
  NtpmonNtpPacket request, reply = { 0 };
  guint8 out[NTPMON_NTP_PACKET_SIZE];
  gsize out_len = b->reply_len > 0 ? MIN (b->reply_len, sizeof out) : sizeof out;

  if (self->behaviour.drop_next > 0)
    {
      self->behaviour.drop_next--;
      return;
    }
  if (b->silent || !ntpmon_ntp_packet_decode (buf, (gsize)len, &request, NULL))
    return;
  reply.receive_time = ntpmon_ntp_time_from_unix_ns (rx_ns + b->offset_ns);
  reply.leap = b->leap;
  reply.version = 4;
  reply.mode = b->mode != 0 ? b->mode : 4;
  reply.stratum = b->stratum;
  reply.precision = -20;
  reply.root_delay = 0x00010000; /* 1 s */
  reply.root_dispersion = 0x00008000;
  reply.refid = b->refid;
  reply.reference_time = reply.receive_time;
  reply.origin_time = b->bad_origin ? request.transmit_time ^ 1 : request.transmit_time;
  reply.transmit_time = ntpmon_ntp_time_from_unix_ns (now_ns () + b->offset_ns);
  if (b->backwards)
    reply.receive_time = reply.transmit_time + 1;
  if (b->zero_transmit)
    reply.transmit_time = 0;
  ntpmon_ntp_packet_encode (&reply, out);
  /* T3 is read just before the send so little can come in between */
  sendto (g_socket_get_fd (self->socket), out, b->empty ? 0 : out_len, 0, peer, peer_len);
}

static gboolean
readable_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  NtpmonFakeNtp *self = user_data;

  for (;;)
    {
      guint8 buf[512];
      union
      {
        char buf[256];
        struct cmsghdr align;
      } control;
      struct sockaddr_storage from;
      struct iovec iov = { buf, sizeof buf };
      struct msghdr msg = { 0 };
      gint64 rx_ns = 0;
      ssize_t n;

      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      n = recvmsg (g_socket_get_fd (socket), &msg, MSG_DONTWAIT);
      if (n < 0)
        break;
      for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS)
          {
            struct timespec ts;

            memcpy (&ts, CMSG_DATA (c), sizeof ts);
            rx_ns = (gint64)ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
          }
      if (rx_ns == 0)
        rx_ns = now_ns ();
      self->requests++;
      answer (self, (struct sockaddr *)&from, msg.msg_namelen, buf, n, rx_ns);
    }
  return G_SOURCE_CONTINUE;
}

/**
 * ntpmon_fake_ntp_new:
 * @address: loopback address to listen on, e.g. "127.0.0.1" or "::1"
 *
 * Returns: a server on an ephemeral port answering with stratum 2.
 */
NtpmonFakeNtp *
ntpmon_fake_ntp_new (const gchar *address, GError **error)
{
  return ntpmon_fake_ntp_new_full (address, 0, error);
}

/**
 * ntpmon_fake_ntp_new_full:
 * @port: UDP port, 0 for an ephemeral one
 */
NtpmonFakeNtp *
ntpmon_fake_ntp_new_full (const gchar *address, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) bind_addr = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  NtpmonFakeNtp *self;
  GSocket *socket;

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad address %s", address);
      return NULL;
    }
  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  bind_addr = g_inet_socket_address_new (inet, port);
  if (!g_socket_bind (socket, bind_addr, FALSE, error)
      || (local = g_socket_get_local_address (socket, error)) == NULL)
    {
      g_object_unref (socket);
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_option (socket, SOL_SOCKET, SO_TIMESTAMPNS, 1, NULL);
  self = g_new0 (NtpmonFakeNtp, 1);
  self->socket = socket;
  self->address = g_object_ref (inet);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  self->behaviour.stratum = 2;
  self->behaviour.refid = 0x7f000001;
  self->source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, G_SOURCE_FUNC (readable_cb), self, NULL);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  return self;
}

void
ntpmon_fake_ntp_free (NtpmonFakeNtp *self)
{
  if (self == NULL)
    return;
  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_socket_close (self->socket, NULL);
  g_object_unref (self->socket);
  g_object_unref (self->address);
  g_free (self);
}

guint16
ntpmon_fake_ntp_get_port (NtpmonFakeNtp *self)
{
  return self->port;
}

GInetAddress *
ntpmon_fake_ntp_get_address (NtpmonFakeNtp *self)
{
  return self->address;
}

NtpmonFakeNtpBehaviour *
ntpmon_fake_ntp_get_behaviour (NtpmonFakeNtp *self)
{
  return &self->behaviour;
}

guint
ntpmon_fake_ntp_get_requests (NtpmonFakeNtp *self)
{
  return self->requests;
}

/* The refid of a four-letter code such as "RATE". */
guint32
ntpmon_fake_ntp_refid (const gchar *code)
{
  guint32 refid = 0;

  for (guint i = 0; i < 4; i++)
    refid = (refid << 8) | (guint8)code[i];
  return refid;
}

typedef struct
{
  NtpmonNtpResult *result;
  GError *error;
  gboolean done;
} RunData;

static void
run_probe_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  RunData *data = user_data;

  data->result = ntpmon_probe_run_finish (NTPMON_PROBE (source), res, &data->error);
  data->done = TRUE;
}

/**
 * ntpmon_test_run_probe:
 *
 * Runs one check to completion on the thread-default main context.
 */
NtpmonNtpResult *
ntpmon_test_run_probe (NtpmonProbe *probe, const NtpmonProbeRequest *request,
                       GCancellable *cancellable, GError **error)
{
  RunData data = { 0 };

  ntpmon_probe_run_async (probe, request, cancellable, run_probe_cb, &data);
  while (!data.done)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  if (data.error != NULL)
    g_propagate_error (error, data.error);
  return data.result;
}

/**
 * ntpmon_test_count_fds:
 *
 * Returns: how many file descriptors this process has open.
 */
guint
ntpmon_test_count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}
