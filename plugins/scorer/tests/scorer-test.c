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

/* The vector whose first member (its name) is @name; aborts when none. */
gconstpointer
scorer_test_find_vector (gconstpointer vectors, gsize size, guint n, const gchar *name)
{
  for (guint i = 0; i < n; i++)
    {
      gconstpointer vector = (const guint8 *)vectors + i * size;

      if (g_str_equal (*(const gchar *const *)vector, name))
        return vector;
    }
  g_assert_not_reached ();
}

void
scorer_test_add_vector_as (const gchar *path, gconstpointer vectors, gsize size, guint n,
                           const gchar *name, GTestDataFunc func)
{
  g_test_add_data_func (path, scorer_test_find_vector (vectors, size, n, name), func);
}
