/* test-imap-uid-set.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-uid-set.h"

static char *
normalized_string (const char *str)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse (str, -1, &error);

  g_assert_no_error (error);
  tern_imap_uid_set_normalize (set);
  return tern_imap_uid_set_to_string (set);
}

static void
test_parse (void)
{
  static const struct
  {
    const char *in;
    const char *out; /* to_string, order kept */
    guint64 count;
  } cases[] = {
    { "1", "1", 1 },
    { "1:5,7,9:12", "1:5,7,9:12", 10 },
    { "5:1", "1:5", 5 },
    { "1:4294967295", "1:*", 4294967295u }, /* G_MAXUINT32 prints as "*" */
    { "3,1,2", "3,1:2", 3 },
    { "1,2,3,4", "1:4", 4 },
    { "304,319:320", "304,319:320", 3 },
    { "10:*", "10:*", (guint64) G_MAXUINT32 - 10 + 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse (cases[i].in, -1, &error);
      g_autofree char *str = NULL;

      g_assert_no_error (error);
      str = tern_imap_uid_set_to_string (set);
      g_assert_cmpstr (str, ==, cases[i].out);
      g_assert_cmpuint (tern_imap_uid_set_get_count (set), ==, cases[i].count);
    }
}

static void
test_parse_errors (void)
{
  static const char *const bad[] = { "",           "0",    "1:0", ",1",
                                     "1,",         "1::2", "a",   "1:5x",
                                     "4294967296", "1 2",  "-1",  "99999999999999999999",
                                     "*:",         ":3" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse (bad[i], -1, &error);

      g_assert_null (set);
      g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
    }
}

static void
test_star (void)
{
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse ("1:5,9:*", -1, NULL);
  g_autoptr (TernImapUidSet) plain = tern_imap_uid_set_parse ("1:5", -1, NULL);

  g_assert_true (tern_imap_uid_set_has_star (set));
  g_assert_false (tern_imap_uid_set_has_star (plain));
  g_assert_true (tern_imap_uid_set_contains (set, 100000));
  g_assert_false (tern_imap_uid_set_contains (set, 7));
  g_assert_cmpuint (tern_imap_uid_set_get_max (set), ==, TERN_IMAP_UID_STAR);
}

static void
test_normalize (void)
{
  g_autofree char *a = normalized_string ("9,1:3,2:5,7,6,100:200,150:160,201");
  g_autofree char *b = normalized_string ("5:1,3");
  g_autofree char *c = normalized_string ("4294967295,4294967294,1");

  g_assert_cmpstr (a, ==, "1:7,9,100:201");
  g_assert_cmpstr (b, ==, "1:5");
  g_assert_cmpstr (c, ==, "1,4294967294:*");
}

/* Huge ranges stay one range: no expansion, no allocation per number. */
static void
test_huge (void)
{
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse ("1:4294967295", -1, NULL);

  g_assert_cmpuint (tern_imap_uid_set_get_n_ranges (set), ==, 1);
  g_assert_cmpuint (tern_imap_uid_set_get_count (set), ==, G_MAXUINT32);
  g_assert_true (tern_imap_uid_set_contains (set, 3000000000u));
}

static void
test_build (void)
{
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_new ();
  g_autofree char *str = NULL;
  guint32 first;
  guint32 last;

  g_assert_true (tern_imap_uid_set_is_empty (set));
  for (guint32 uid = 1; uid <= 100000; uid++)
    if (uid % 1000 != 0)
      tern_imap_uid_set_add (set, uid);

  /* ascending input stays normalized and compact */
  g_assert_true (tern_imap_uid_set_is_normalized (set));
  g_assert_cmpuint (tern_imap_uid_set_get_n_ranges (set), ==, 100);
  g_assert_cmpuint (tern_imap_uid_set_get_count (set), ==, 99900);
  tern_imap_uid_set_get_range (set, 1, &first, &last);
  g_assert_cmpuint (first, ==, 1001);
  g_assert_cmpuint (last, ==, 1999);
  g_assert_true (tern_imap_uid_set_contains (set, 99999));
  g_assert_false (tern_imap_uid_set_contains (set, 5000));
  g_assert_false (tern_imap_uid_set_contains (set, 100000));
  g_assert_cmpuint (tern_imap_uid_set_get_min (set), ==, 1);
  g_assert_cmpuint (tern_imap_uid_set_get_max (set), ==, 99999);

  tern_imap_uid_set_add (set, 5000);
  g_assert_false (tern_imap_uid_set_is_normalized (set));
  g_assert_true (tern_imap_uid_set_contains (set, 5000));
  tern_imap_uid_set_normalize (set);
  g_assert_true (tern_imap_uid_set_is_normalized (set));
  g_assert_cmpuint (tern_imap_uid_set_get_n_ranges (set), ==, 99);
  str = tern_imap_uid_set_to_string (set);
  g_assert_true (g_str_has_prefix (str, "1:999,1001:1999,2001:2999,3001:3999,4001:5999,6001:"));
}

static void
test_iterate (void)
{
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse ("7,1:3,10", -1, NULL);
  TernImapUidSetIter iter;
  GString *seen = g_string_new (NULL);
  g_autofree char *str = NULL;
  guint32 uid;

  tern_imap_uid_set_iter_init (&iter, set);
  while (tern_imap_uid_set_iter_next (&iter, &uid))
    g_string_append_printf (seen, "%u ", uid);
  str = g_string_free (seen, FALSE);
  g_assert_cmpstr (str, ==, "7 1 2 3 10 ");

  /* the very last UID does not wrap around */
  {
    g_autoptr (TernImapUidSet) top = tern_imap_uid_set_new ();
    guint n = 0;

    tern_imap_uid_set_add_range (top, G_MAXUINT32 - 2, G_MAXUINT32);
    tern_imap_uid_set_iter_init (&iter, top);
    while (tern_imap_uid_set_iter_next (&iter, &uid))
      n++;
    g_assert_cmpuint (n, ==, 3);
  }

  {
    g_autoptr (TernImapUidSet) empty = tern_imap_uid_set_new ();

    tern_imap_uid_set_iter_init (&iter, empty);
    g_assert_false (tern_imap_uid_set_iter_next (&iter, &uid));
  }
}

static void
test_copy_equal (void)
{
  g_autoptr (TernImapUidSet) a = tern_imap_uid_set_parse ("1:5,9", -1, NULL);
  g_autoptr (TernImapUidSet) b = tern_imap_uid_set_copy (a);
  g_autoptr (TernImapUidSet) c = tern_imap_uid_set_parse ("9,1:5", -1, NULL);

  g_assert_true (tern_imap_uid_set_equal (a, b));
  g_assert_false (tern_imap_uid_set_equal (a, c));
  tern_imap_uid_set_normalize (c);
  g_assert_true (tern_imap_uid_set_equal (a, c));
  tern_imap_uid_set_add (b, 20);
  g_assert_false (tern_imap_uid_set_equal (a, b));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/uid-set/parse", test_parse);
  g_test_add_func ("/imap/uid-set/parse-errors", test_parse_errors);
  g_test_add_func ("/imap/uid-set/star", test_star);
  g_test_add_func ("/imap/uid-set/normalize", test_normalize);
  g_test_add_func ("/imap/uid-set/huge", test_huge);
  g_test_add_func ("/imap/uid-set/build", test_build);
  g_test_add_func ("/imap/uid-set/iterate", test_iterate);
  g_test_add_func ("/imap/uid-set/copy-equal", test_copy_equal);

  return g_test_run ();
}
