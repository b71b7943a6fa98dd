/* scorer-test.c: helpers shared by the scorer tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "scorer-test.h"

/**
 * scorer_test_add_vectors:
 * @section: the spec section, e.g. "16.1"
 * @vectors: an array of structs whose first member is `const gchar *name`
 *
 * Adds one test case `/scorer/<section>/<name>` per element.
 */
void
scorer_test_add_vectors (const gchar *section, gconstpointer vectors, gsize size, guint n,
                         GTestDataFunc func)
{
  for (guint i = 0; i < n; i++)
    {
      gconstpointer vector = (const guint8 *)vectors + i * size;
      const gchar *name = *(const gchar *const *)vector;
      g_autofree gchar *path = g_strdup_printf ("/scorer/%s/%s", section, name);

      g_test_add_data_func (path, vector, func);
    }
}
