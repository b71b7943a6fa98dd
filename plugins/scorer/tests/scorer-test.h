/* scorer-test.h: helpers shared by the scorer tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void scorer_test_add_vectors (const gchar *section, gconstpointer vectors, gsize size, guint n,
                              GTestDataFunc func);

#define SCORER_TEST_ADD_VECTORS(section, array, func)                                              \
  scorer_test_add_vectors (section, array, sizeof (array)[0], G_N_ELEMENTS (array), func)

gconstpointer scorer_test_find_vector (gconstpointer vectors, gsize size, guint n,
                                       const gchar *name);
void scorer_test_add_vector_as (const gchar *path, gconstpointer vectors, gsize size, guint n,
                                const gchar *name, GTestDataFunc func);

/* Registers the vector @name of @array again under @path (the spec item it
 * shows, e.g. a quirk of §15). */
#define SCORER_TEST_ADD_VECTOR_AS(path, array, name, func)                                         \
  scorer_test_add_vector_as (path, array, sizeof (array)[0], G_N_ELEMENTS (array), name, func)
#define SCORER_TEST_FIND_VECTOR(array, name)                                                       \
  scorer_test_find_vector (array, sizeof (array)[0], G_N_ELEMENTS (array), name)

G_END_DECLS
