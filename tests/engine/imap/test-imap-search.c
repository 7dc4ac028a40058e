/* test-imap-search.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-search.h"

static TernImapSearchResult *
decode (const char *wire)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  TernImapSearchResult *result = tern_imap_search_result_new_from_response (response, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static char *
set_string (TernImapSearchResult *result)
{
  TernImapUidSet *set = tern_imap_search_result_get_set (result);

  return set ? tern_imap_uid_set_to_string (set) : NULL;
}

/* Recorded from Dovecot. */
static void
test_search (void)
{
  g_autoptr (TernImapSearchResult) all =
    decode ("* SEARCH 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\r\n");
  g_autoptr (TernImapSearchResult) modseq =
    decode ("* SEARCH 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 (MODSEQ 2)\r\n");
  g_autoptr (TernImapSearchResult) unsorted = decode ("* SEARCH 9 3 4 1 5\r\n");
  g_autoptr (TernImapSearchResult) none = decode ("* SEARCH\r\n");
  g_autofree char *s1 = set_string (all);
  g_autofree char *s2 = set_string (unsorted);
  g_autofree char *s3 = set_string (none);
  guint32 n;
  guint64 m;

  g_assert_false (tern_imap_search_result_is_esearch (all));
  g_assert_null (tern_imap_search_result_get_tag (all));
  g_assert_cmpstr (s1, ==, "1:21");
  g_assert_true (tern_imap_search_result_get_count (all, &n));
  g_assert_cmpuint (n, ==, 21);
  g_assert_true (tern_imap_search_result_get_min (all, &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (tern_imap_search_result_get_max (all, &n));
  g_assert_cmpuint (n, ==, 21);
  g_assert_false (tern_imap_search_result_get_modseq (all, &m));

  g_assert_true (tern_imap_search_result_get_modseq (modseq, &m));
  g_assert_cmpuint (m, ==, 2);

  g_assert_cmpstr (s2, ==, "1,3:5,9");

  g_assert_cmpstr (s3, ==, "");
  g_assert_true (tern_imap_search_result_get_count (none, &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_false (tern_imap_search_result_get_min (none, &n));
}

/* Recorded from Dovecot. */
static void
test_esearch (void)
{
  g_autoptr (TernImapSearchResult) full =
    decode ("* ESEARCH (TAG \"a14\") UID MIN 1 MAX 21 ALL 1:21 COUNT 21\r\n");
  g_autoptr (TernImapSearchResult) modseq =
    decode ("* ESEARCH (TAG \"a11\") UID MIN 8 MAX 8 ALL 8 COUNT 1 MODSEQ 6\r\n");
  g_autoptr (TernImapSearchResult) empty = decode ("* ESEARCH (TAG \"a12\") UID\r\n");
  g_autoptr (TernImapSearchResult) count = decode ("* ESEARCH (TAG \"a13\") COUNT 35\r\n");
  g_autoptr (TernImapSearchResult) sort =
    decode ("* ESEARCH (TAG \"a14\") UID ALL 1:4,8:38 COUNT 35\r\n");
  g_autoptr (TernImapSearchResult) bare = decode ("* ESEARCH\r\n");
  g_autoptr (TernImapSearchResult) partial =
    decode ("* ESEARCH (TAG \"a5\") UID PARTIAL (1:10 100:105) COUNT 3000 RELEVANCY (4 9)\r\n");
  g_autofree char *s1 = set_string (full);
  g_autofree char *s2 = set_string (sort);
  guint32 n;
  guint64 m;

  g_assert_true (tern_imap_search_result_is_esearch (full));
  g_assert_cmpstr (tern_imap_search_result_get_tag (full), ==, "a14");
  g_assert_true (tern_imap_search_result_is_uid (full));
  g_assert_cmpstr (s1, ==, "1:21");
  g_assert_true (tern_imap_search_result_get_min (full, &n));
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (tern_imap_search_result_get_max (full, &n));
  g_assert_cmpuint (n, ==, 21);
  g_assert_true (tern_imap_search_result_get_count (full, &n));
  g_assert_cmpuint (n, ==, 21);

  g_assert_true (tern_imap_search_result_get_modseq (modseq, &m));
  g_assert_cmpuint (m, ==, 6);

  g_assert_null (tern_imap_search_result_get_set (empty));
  g_assert_false (tern_imap_search_result_get_count (empty, &n));
  g_assert_false (tern_imap_search_result_is_uid (count));
  g_assert_true (tern_imap_search_result_get_count (count, &n));
  g_assert_cmpuint (n, ==, 35);
  g_assert_cmpstr (s2, ==, "1:4,8:38");
  g_assert_null (tern_imap_search_result_get_tag (bare));
  g_assert_true (tern_imap_search_result_get_count (partial, &n));
  g_assert_cmpuint (n, ==, 3000);
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* SEARCH 1 x 3\r\n",
    "* SEARCH 0\r\n",
    "* SEARCH 1 (MODSEQ)\r\n",
    "* SEARCH 1 (FOO 3)\r\n",
    "* SEARCH 4294967296\r\n",
    "* ESEARCH (TAG) UID\r\n",
    "* ESEARCH (TAG \"a1\") UID MIN\r\n",
    "* ESEARCH (TAG \"a1\") UID MIN 0\r\n",
    "* ESEARCH (TAG \"a1\") UID ALL 1:*\r\n",
    "* ESEARCH (TAG \"a1\") UID ALL (1)\r\n",
    "* ESEARCH (TAG \"a1\") UID ALL 3:x\r\n",
    "* ESEARCH (TAG \"a1\") UID COUNT -1\r\n",
    "* ESEARCH (TAG \"a1\") \"UID\" COUNT 1\r\n",
    "* SORT 1 2\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], (ImapTestDecoder) tern_imap_search_result_new_from_response,
                                (GDestroyNotify) tern_imap_search_result_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/search/search", test_search);
  g_test_add_func ("/imap/search/esearch", test_esearch);
  g_test_add_func ("/imap/search/malformed", test_malformed);

  return g_test_run ();
}
