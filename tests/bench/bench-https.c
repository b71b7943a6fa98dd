/* bench-https.c: a lean HTTPS/1.1 client for load generation
 *
 * SPDX-License-Identifier: MIT
 *
 * One kept-alive TLS connection to 127.0.0.1 with a client certificate,
 * the server's certificate verified against a CA file and the address;
 * requests one at a time, each written in one piece, and the response
 * read by its Content-Length. What an agent does on the wire, at a small
 * part of curl's CPU per request (no process, no file, no transfer
 * object per request), so that a benchmark on a small machine measures
 * the server rather than its clients. Any failure aborts the benchmark.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-https.h"

struct _BenchHttps
{
  SSL_CTX *ctx;
  SSL *ssl;
  int fd;
  GByteArray *in; /* read, not yet used */
};

static void
check_ssl (gboolean ok, const gchar *what)
{
  gchar text[256];
  unsigned long code;

  if (ok)
    return;
  code = ERR_get_error ();
  if (code == 0) /* no OpenSSL error: the socket's, or the peer closed */
    g_error ("bench client: %s: %s", what, errno != 0 ? g_strerror (errno) : "connection closed");
  ERR_error_string_n (code, text, sizeof text);
  g_error ("bench client: %s: %s", what, text);
}

BenchHttps *
bench_https_connect (guint16 port, const gchar *ca, const gchar *crt, const gchar *key)
{
  BenchHttps *self = g_new0 (BenchHttps, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int one = 1;

  self->ctx = SSL_CTX_new (TLS_client_method ());
  check_ssl (self->ctx != NULL, "SSL_CTX_new");
  SSL_CTX_set_min_proto_version (self->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify (self->ctx, SSL_VERIFY_PEER, NULL);
  check_ssl (SSL_CTX_load_verify_locations (self->ctx, ca, NULL) == 1, ca);
  check_ssl (SSL_CTX_use_certificate_chain_file (self->ctx, crt) == 1, crt);
  check_ssl (SSL_CTX_use_PrivateKey_file (self->ctx, key, SSL_FILETYPE_PEM) == 1, key);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  self->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (self->fd, >=, 0);
  if (connect (self->fd, (struct sockaddr *)&addr, sizeof addr) != 0)
    g_error ("bench client: connect to port %u: %s", port, g_strerror (errno));
  setsockopt (self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  self->ssl = SSL_new (self->ctx);
  check_ssl (self->ssl != NULL, "SSL_new");
  check_ssl (X509_VERIFY_PARAM_set1_ip_asc (SSL_get0_param (self->ssl), "127.0.0.1") == 1,
             "the server address to verify");
  SSL_set_fd (self->ssl, self->fd);
  check_ssl (SSL_connect (self->ssl) == 1, "TLS handshake");
  self->in = g_byte_array_new ();
  return self;
}

/* Reads more of the response into self->in. */
static void
read_more (BenchHttps *self)
{
  guint8 buf[16384];
  int n;

  errno = 0;
  n = SSL_read (self->ssl, buf, sizeof buf);

  check_ssl (n > 0, "reading the response");
  g_byte_array_append (self->in, buf, (guint)n);
}

/* The header block's length with its blank line, once self->in has it. */
static gsize
header_length (BenchHttps *self)
{
  for (;;)
    {
      const guint8 *end = memmem (self->in->data, self->in->len, "\r\n\r\n", 4);

      if (end != NULL)
        return (gsize)(end - self->in->data) + 4;
      read_more (self);
    }
}

/* Sends a POST of @body and reads the whole response.
 * Returns: its HTTP status */
guint
bench_https_post (BenchHttps *self, const gchar *path, const gchar *content_type, GBytes *body)
{
  gsize body_len;
  const guint8 *data = g_bytes_get_data (body, &body_len);
  g_autoptr (GByteArray) out = g_byte_array_sized_new (body_len + 256);
  g_autofree gchar *head
      = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
                         "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                         path, content_type, body_len);
  g_autofree gchar *headers = NULL;
  g_auto (GStrv) lines = NULL;
  gsize head_len, content_length = G_MAXSIZE;
  guint status = 0;

  g_byte_array_append (out, (const guint8 *)head, (guint)strlen (head));
  g_byte_array_append (out, data, (guint)body_len);
  check_ssl (SSL_write (self->ssl, out->data, (int)out->len) == (int)out->len,
             "writing the request");
  head_len = header_length (self);
  headers = g_strndup ((const gchar *)self->in->data, head_len);
  lines = g_strsplit (headers, "\r\n", -1);
  if (sscanf (lines[0], "HTTP/1.1 %u", &status) != 1)
    g_error ("bench client: not an HTTP/1.1 status line: %s", lines[0]);
  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
      content_length = g_ascii_strtoull (lines[i] + 15, NULL, 10);
    else if (g_ascii_strncasecmp (lines[i], "Transfer-Encoding:", 18) == 0)
      g_error ("bench client: %s: only Content-Length bodies are read", lines[i]);
  if (content_length == G_MAXSIZE)
    g_error ("bench client: a response without Content-Length");
  while (self->in->len < head_len + content_length)
    read_more (self);
  g_byte_array_remove_range (self->in, 0, (guint)(head_len + content_length));
  return status;
}

void
bench_https_close (BenchHttps *self)
{
  if (self == NULL)
    return;
  SSL_shutdown (self->ssl);
  SSL_free (self->ssl);
  SSL_CTX_free (self->ctx);
  close (self->fd);
  g_byte_array_unref (self->in);
  g_free (self);
}
