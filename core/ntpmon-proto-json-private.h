/* ntpmon-proto-json-private.h: shared by the JSON writer and reader
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "ntpmon-proto-json.h"

G_BEGIN_DECLS

#define MEMBER(msg, offset)  ((void *)((guint8 *)(msg) + (offset)))
#define CMEMBER(msg, offset) ((const void *)((const guint8 *)(msg) + (offset)))

typedef enum
{
  WKT_NONE,
  WKT_TIMESTAMP,
  WKT_DURATION,
} WellKnown;

/* Whether @desc is one of the well-known types with a string JSON form. */
WellKnown ntpmon_proto_json_well_known_of (const ProtobufCMessageDescriptor *desc);

/* Size of one value of @type in a message struct or repeated array. */
gsize ntpmon_proto_json_element_size (ProtobufCType type);

G_END_DECLS
