/* ntpmon-api-rpc.h: unary protobuf methods on the API server (Connect, Twirp)
 *
 * Glue between the server's route table and the proto layer: a method is
 * registered with its service descriptor; each call arrives decoded (the
 * protocol's content types, gzip, the body limit), and the handler answers
 * with a response message or an error, from any thread. Decoding errors
 * are answered in the protocol's error format without calling the handler.
 */
#pragma once

#include <protobuf-c/protobuf-c.h>

#include "ntpmon-api-server.h"

G_BEGIN_DECLS

typedef struct _NtpmonApiCall NtpmonApiCall;

/**
 * NtpmonApiMethodFunc:
 * @call: the call; take a reference to keep it
 *
 * Handles one call; it must end with ntpmon_api_call_return() or
 * ntpmon_api_call_return_error().
 */
typedef void (*NtpmonApiMethodFunc) (NtpmonApiCall *call, gpointer user_data);

gboolean ntpmon_api_rpc_add_method (NtpmonApiServer *server, NtpmonApiProtocol protocol,
                                    const ProtobufCServiceDescriptor *service, const gchar *method,
                                    NtpmonApiMethodFunc func, gpointer user_data,
                                    GDestroyNotify destroy, GError **error);

NtpmonApiCall *ntpmon_api_call_ref (NtpmonApiCall *self);
void ntpmon_api_call_unref (NtpmonApiCall *self);
const ProtobufCMessage *ntpmon_api_call_get_message (NtpmonApiCall *self);
const ProtobufCMethodDescriptor *ntpmon_api_call_get_method (NtpmonApiCall *self);
NtpmonApiRequest *ntpmon_api_call_get_request (NtpmonApiCall *self);
void ntpmon_api_call_return (NtpmonApiCall *self, const ProtobufCMessage *response);
void ntpmon_api_call_return_error (NtpmonApiCall *self, const GError *error);
gboolean ntpmon_api_call_deadline_passed (NtpmonApiCall *self);
void ntpmon_api_call_return_error_meta (NtpmonApiCall *self, const GError *error,
                                        const gchar *const *twirp_meta);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NtpmonApiCall, ntpmon_api_call_unref)

G_END_DECLS
