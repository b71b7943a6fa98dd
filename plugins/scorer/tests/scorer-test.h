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

G_END_DECLS
