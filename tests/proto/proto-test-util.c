/* proto-test-util.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/monitor_manager.pb-c.h"
#include "monitor/v2/monitor_manager.pb-c.h"
#include "proto-test-util.h"

#define MEMBER(msg, offset) ((void *)((guint8 *)(msg) + (offset)))

static ProtobufCMessage *fill_message (const ProtobufCMessageDescriptor *desc, guint seed,
                                       guint depth);

static gsize
fill_value (const ProtobufCFieldDescriptor *f, void *out, guint seed, guint depth)
{
  switch (f->type)
    {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
      *(gint32 *)out = -(gint32)(seed + 7); /* negative: 10-byte varints */
      return 4;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      *(guint32 *)out = G_MAXUINT32 - seed;
      return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      *(gint64 *)out = G_MININT64 + seed; /* beyond double precision */
      return 8;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      *(guint64 *)out = G_MAXUINT64 - seed;
      return 8;
    case PROTOBUF_C_TYPE_FLOAT:
      *(float *)out = 1.5f + (float)seed;
      return sizeof (float);
    case PROTOBUF_C_TYPE_DOUBLE:
      *(double *)out = -2.25 - seed;
      return sizeof (double);
    case PROTOBUF_C_TYPE_BOOL:
      *(protobuf_c_boolean *)out = 1;
      return sizeof (protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
      {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        *(int *)out = ed->values[ed->n_values - 1].value;
        return sizeof (int);
      }
    case PROTOBUF_C_TYPE_STRING:
      {
        g_autofree gchar *text = g_strdup_printf ("%s-%u \"q\" \xc3\xa4", f->name, seed);
        *(char **)out = strdup (text); /* freed by protobuf-c with free() */
        return sizeof (char *);
      }
    case PROTOBUF_C_TYPE_BYTES:
      {
        ProtobufCBinaryData *b = out;
        b->len = 5 + seed % 3;
        b->data = malloc (b->len);
        for (gsize i = 0; i < b->len; i++)
          b->data[i] = (guint8)(i == 0 ? 0 : i == 1 ? 0xff : 0xf8 + seed + i);
        return sizeof *b;
      }
    case PROTOBUF_C_TYPE_MESSAGE:
    default:
      *(ProtobufCMessage **)out
          = depth < 2 ? fill_message (f->descriptor, seed + 1, depth + 1) : NULL;
      return sizeof (ProtobufCMessage *);
    }
}

static ProtobufCMessage *
fill_message (const ProtobufCMessageDescriptor *desc, guint seed, guint depth)
{
  ProtobufCMessage *msg = calloc (1, desc->sizeof_message);

  desc->message_init (msg);
  if (g_str_equal (desc->name, "google.protobuf.Timestamp")
      || g_str_equal (desc->name, "google.protobuf.Duration"))
    {
      gboolean ts = desc->name[16] == 'T';
      *(gint64 *)MEMBER (msg, desc->fields[0].offset)
          = ts ? 1700000000 + (gint64)seed : -1 - (gint64)seed;
      *(gint32 *)MEMBER (msg, desc->fields[1].offset)
          = ts ? 123456789 + (gint32)seed : -500000000 - (gint32)seed;
      return msg;
    }

  for (guint i = 0; i < desc->n_fields; i++)
    {
      const ProtobufCFieldDescriptor *f = &desc->fields[i];
      void *member = MEMBER (msg, f->offset);

      if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        {
          guint32 *oneof_case = MEMBER (msg, f->quantifier_offset);
          if (*oneof_case != 0)
            continue;
          *oneof_case = f->id;
        }
      if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE && depth >= 2)
        continue; /* a list cannot hold NULL messages */
      if (f->label == PROTOBUF_C_LABEL_REPEATED)
        {
          gsize n = 2;
          guint8 *array = calloc (n, 16);
          gsize size = 0;
          for (gsize j = 0; j < n; j++)
            {
              guint8 tmp[16];
              size = fill_value (f, tmp, seed + (guint)j, depth);
              memcpy (array + j * size, tmp, size);
            }
          *(void **)member = array;
          *(size_t *)MEMBER (msg, f->quantifier_offset) = n;
          continue;
        }
      fill_value (f, member, seed + i, depth);
    }
  return msg;
}

ProtobufCMessage *
proto_test_fill (const ProtobufCMessageDescriptor *desc, guint seed)
{
  return fill_message (desc, seed, 0);
}

GBytes *
proto_test_pack (const ProtobufCMessage *msg)
{
  gsize len = protobuf_c_message_get_packed_size (msg);
  guint8 *buf = g_malloc (MAX (len, 1));

  g_assert_cmpuint (protobuf_c_message_pack (msg, buf), ==, len);
  return g_bytes_new_take (buf, len);
}

void
proto_test_assert_same (const ProtobufCMessage *a, const ProtobufCMessage *b)
{
  g_autoptr (GBytes) pa = proto_test_pack (a);
  g_autoptr (GBytes) pb = proto_test_pack (b);
  gsize la, lb;
  const guint8 *da = g_bytes_get_data (pa, &la);
  const guint8 *db = g_bytes_get_data (pb, &lb);

  g_assert_cmpstr (a->descriptor->name, ==, b->descriptor->name);
  g_assert_cmpmem (da, la, db, lb);
}

const ProtobufCMessageDescriptor *const *
proto_test_all_descriptors (void)
{
  static const ProtobufCMessageDescriptor *const all[] = {
    &monitor__v2__get_config_request__descriptor,
    &monitor__v2__get_servers_request__descriptor,
    &monitor__v2__get_config_response__descriptor,
    &monitor__v2__mqttconfig__descriptor,
    &monitor__v2__server__descriptor,
    &monitor__v2__get_servers_response__descriptor,
    &monitor__v2__submit_results_request__descriptor,
    &monitor__v2__submit_results_response__descriptor,
    &monitor__v2__ntppacket__descriptor,
    &monitor__v2__server_status__descriptor,
    &api__get_config_params__descriptor,
    &api__get_servers_params__descriptor,
    &api__config__descriptor,
    &api__mqttconfig__descriptor,
    &api__server__descriptor,
    &api__server_list__descriptor,
    &api__server_status_list__descriptor,
    &api__server_status_result__descriptor,
    &api__server_status__descriptor,
    NULL,
  };
  return all;
}
