/* test-imap-sort.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-sort.h"

static void
test_sort (void)
{
  g_autoptr (TernImapResponse) response = imap_test_parse ("* SORT 5 3 4 1 2\r\n", -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) numbers = tern_imap_sort_parse (response, NULL, &error);
  static const guint32 expected[] = { 5, 3, 4, 1, 2 };

  g_assert_no_error (error);
  g_assert_cmpmem (numbers->data, numbers->len * sizeof (guint32), expected, sizeof expected);
}

static void
test_modseq (void)
{
  g_autoptr (TernImapResponse) response = imap_test_parse ("* SORT 2 1 (MODSEQ 917162500)\r\n", -1);
  g_autoptr (TernImapResponse) empty = imap_test_parse ("* SORT\r\n", -1);
  g_autoptr (GArray) numbers = NULL;
  guint64 modseq = 1;

  numbers = tern_imap_sort_parse (response, &modseq, NULL);
  g_assert_cmpuint (numbers->len, ==, 2);
  g_assert_cmpuint (modseq, ==, 917162500);
  g_clear_pointer (&numbers, g_array_unref);

  numbers = tern_imap_sort_parse (empty, &modseq, NULL);
  g_assert_cmpuint (numbers->len, ==, 0);
  g_assert_cmpuint (modseq, ==, 0);
}

static gpointer
sort_parse (TernImapResponse *response, GError **error)
{
  return tern_imap_sort_parse (response, NULL, error);
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* SORT 1 x\r\n", "* SORT 0\r\n", "* SORT 1 (MODSEQ x)\r\n", "* SORT (1)\r\n", "* SEARCH 1\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], sort_parse, (GDestroyNotify) g_array_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/sort/sort", test_sort);
  g_test_add_func ("/imap/sort/modseq", test_modseq);
  g_test_add_func ("/imap/sort/malformed", test_malformed);

  return g_test_run ();
}
