/* proto-test-util.h: helpers shared by the wire format tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>
#include <protobuf-c/protobuf-c.h>

G_BEGIN_DECLS

/* A message of type @desc with every field set to a non-default value
 * derived from @seed (repeated fields get two elements, sub-messages are
 * filled down to a small depth). Free with protobuf_c_message_free_unpacked. */
ProtobufCMessage *proto_test_fill (const ProtobufCMessageDescriptor *desc, guint seed);

/* The binary encoding of @msg. */
GBytes *proto_test_pack (const ProtobufCMessage *msg);

/* Asserts that two messages have the same binary encoding. */
void proto_test_assert_same (const ProtobufCMessage *a, const ProtobufCMessage *b);

/* Every message descriptor of the monitor.v2 and api packages. */
const ProtobufCMessageDescriptor *const *proto_test_all_descriptors (void);

G_END_DECLS
