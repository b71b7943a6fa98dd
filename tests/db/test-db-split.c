/* test-db-split.c: splitting SQL scripts into statements
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "ntpmon-db.h"

static GPtrArray *
split_ok (const gchar *script)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *out = ntpmon_db_split_sql (script, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static const gchar *
sql_at (GPtrArray *a, guint i)
{
  return ((NtpmonDbSqlStatement *)g_ptr_array_index (a, i))->sql;
}

static guint
line_at (GPtrArray *a, guint i)
{
  return ((NtpmonDbSqlStatement *)g_ptr_array_index (a, i))->line;
}

static void
test_split_basic (void)
{
  g_autoptr (GPtrArray) a = split_ok ("-- header\n"
                                      "SET NAMES utf8mb4;\n"
                                      "\n"
                                      "# hash comment; with semicolon\n"
                                      "CREATE TABLE `a;b` (\n"
                                      "  `x` int DEFAULT '1;2', -- trailing; comment\n"
                                      "  `y` text /* block; comment */\n"
                                      ");\n"
                                      "INSERT INTO t VALUES ('it''s', \"q\\\";\", 'back\\\\');\n"
                                      "SELECT 1--2\n"
                                      ";\n"
                                      "/*!40101 SET x=1 */;\n"
                                      "/* only a comment */;\n"
                                      "  SELECT 'no terminator'  \n");

  g_assert_cmpuint (a->len, ==, 6);
  g_assert_cmpstr (sql_at (a, 0), ==, "SET NAMES utf8mb4");
  g_assert_cmpuint (line_at (a, 0), ==, 2);
  g_assert_true (g_str_has_prefix (sql_at (a, 1), "CREATE TABLE `a;b` ("));
  g_assert_nonnull (strstr (sql_at (a, 1), "DEFAULT '1;2',"));
  g_assert_null (strstr (sql_at (a, 1), "trailing"));
  g_assert_null (strstr (sql_at (a, 1), "block"));
  g_assert_cmpuint (line_at (a, 1), ==, 5);
  g_assert_cmpstr (sql_at (a, 2), ==, "INSERT INTO t VALUES ('it''s', \"q\\\";\", 'back\\\\')");
  g_assert_cmpuint (line_at (a, 2), ==, 9);
  g_assert_cmpstr (sql_at (a, 3), ==, "SELECT 1--2");
  g_assert_cmpstr (sql_at (a, 4), ==, "/*!40101 SET x=1 */");
  g_assert_cmpuint (line_at (a, 4), ==, 12);
  g_assert_cmpstr (sql_at (a, 5), ==, "SELECT 'no terminator'");
  g_assert_cmpuint (line_at (a, 5), ==, 14);
}

static void
test_split_empty (void)
{
  g_autoptr (GPtrArray) a = split_ok ("");
  g_autoptr (GPtrArray) b = split_ok ("-- nothing\n;;\n  /* x */ ; # y");

  g_assert_cmpuint (a->len, ==, 0);
  g_assert_cmpuint (b->len, ==, 0);
}

static void
test_split_errors (void)
{
  static const struct
  {
    const gchar *script;
    const gchar *expect;
  } cases[] = {
    { "SELECT 1;\nSELECT 'open;\n", "line 2: quoted text not terminated" },
    { "SELECT `x;", "line 1: quoted text not terminated" },
    { "SELECT 1;\n\n/* open", "line 3: comment not terminated" },
    { "/*!4000 open", "line 1: comment not terminated" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) a = ntpmon_db_split_sql (cases[i].script, &error);

      g_assert_null (a);
      g_assert_error (error, NTPMON_DB_ERROR, NTPMON_DB_ERROR_SCHEMA);
      g_assert_cmpstr (error->message, ==, cases[i].expect);
    }
}

static void
test_split_schema (void)
{
  g_autofree gchar *path
      = g_build_filename (g_getenv ("NTPMON_SOURCE_ROOT"), "data", "schema.sql", NULL);
  g_autofree gchar *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) a = NULL;
  guint creates = 0;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  a = split_ok (text);
  for (guint i = 0; i < a->len; i++)
    creates += g_str_has_prefix (sql_at (a, i), "CREATE TABLE");
  /* SET NAMES + one CREATE TABLE per table */
  g_assert_cmpuint (creates, ==, 13);
  g_assert_cmpuint (a->len, ==, 14);
  g_assert_cmpstr (sql_at (a, 0), ==, "SET NAMES utf8mb4");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/db/split/basic", test_split_basic);
  g_test_add_func ("/db/split/empty", test_split_empty);
  g_test_add_func ("/db/split/errors", test_split_errors);
  g_test_add_func ("/db/split/schema", test_split_schema);
  return g_test_run ();
}
