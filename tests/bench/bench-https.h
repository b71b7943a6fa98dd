/* bench-https.h: a lean HTTPS/1.1 client for load generation
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BenchHttps BenchHttps;

BenchHttps *bench_https_connect (guint16 port, const gchar *ca, const gchar *crt, const gchar *key);
guint bench_https_post (BenchHttps *self, const gchar *path, const gchar *content_type,
                        GBytes *body);
void bench_https_close (BenchHttps *self);

G_END_DECLS
