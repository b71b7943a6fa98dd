/* rpc-test-server.h: certificates and a Connect HTTPS server for the RPC
 * client tests
 *
 * The certificates are made with the `openssl` command line tool (an
 * independent TLS implementation): a CA, a server certificate for
 * 127.0.0.1, two client certificates with monitor names, and a second CA
 * nobody uses. The server is a libsoup HTTPS server on 127.0.0.1 that
 * requires a client certificate from the CA, decodes requests with the
 * project's Connect codec and answers as the test tells it.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <libsoup/soup.h>

#include "monitor/v2/monitor_manager.pb-c.h"
#include "ntpmon-rpc-codec.h"

G_BEGIN_DECLS

#define RPC_TEST_CLIENT1_NAME "host1.test.mon.ntppool.dev"
#define RPC_TEST_CLIENT2_NAME "host2.test.mon.ntppool.dev"

typedef struct
{
  gchar *dir;
  gchar *ca_pem;
  gchar *other_ca_pem;
  gchar *server_pem;
  gchar *server_key;
  gchar *client1_pem;
  gchar *client1_key;
  gchar *client2_pem;
  gchar *client2_key;
} RpcTestCerts;

/* Makes the certificates in a new temporary directory; fails the test
 * (naming the Debian package) when openssl is missing. */
RpcTestCerts *rpc_test_certs_new (void);
/* Removes the directory and frees. */
void rpc_test_certs_free (RpcTestCerts *certs);

typedef enum
{
  RPC_TEST_REPLY_OK,       /* a response message */
  RPC_TEST_REPLY_GZIP,     /* a large response, gzip-compressed */
  RPC_TEST_REPLY_ERROR,    /* Connect error JSON of error_code/error_message */
  RPC_TEST_REPLY_STATUS,   /* bare HTTP status (http_status), no body */
  RPC_TEST_REPLY_HANG,     /* never answers */
  RPC_TEST_REPLY_NOT_OKAY, /* SubmitResults with ok = false */
  RPC_TEST_REPLY_DROP,     /* resets the connection without an answer */
  RPC_TEST_REPLY_HUGE,     /* a 200 response larger than the body limit */
} RpcTestReply;

typedef struct _RpcTestServer RpcTestServer;

/* Answers a decoded request: a response message the server only borrows
 * (it must stay valid until the next call), or NULL with @error set for a
 * Connect error. */
typedef const ProtobufCMessage *(*RpcTestRespond) (RpcTestServer *ts,
                                                   const ProtobufCMethodDescriptor *method,
                                                   const ProtobufCMessage *request,
                                                   gpointer user_data, GError **error);

struct _RpcTestServer
{
  SoupServer *server;
  gchar *base_url;
  RpcTestReply reply;
  gint error_code; /* NtpmonRpcError for RPC_TEST_REPLY_ERROR */
  gchar *error_message;
  guint http_status; /* for RPC_TEST_REPLY_STATUS */
  guint drop_count;  /* for RPC_TEST_REPLY_DROP: drop this many, then OK */

  /* Of the last request: */
  guint n_requests;
  gchar *path;
  GHashTable *headers; /* lower-case name -> value */
  GTlsCertificate *peer_certificate;
  GTlsCertificateFlags peer_errors;
  ProtobufCMessage *request;
  gboolean response_gzipped;

  GPtrArray *paused; /* messages left hanging */

  RpcTestRespond respond; /* when set, answers RPC_TEST_REPLY_OK requests */
  gpointer respond_data;
};

RpcTestServer *rpc_test_server_new (RpcTestCerts *certs);
void rpc_test_server_free (RpcTestServer *server);

/* The first DNS name of @certificate's subject alternative names. */
gchar *rpc_test_certificate_dns_name (GTlsCertificate *certificate);

/* Runs the thread-default main context until *@done is set. */
void rpc_test_wait (gboolean *done);

G_END_DECLS
