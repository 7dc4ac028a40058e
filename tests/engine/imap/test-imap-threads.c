/* test-imap-threads.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-threads.h"

/* The forest in THREAD syntax again, normalised: a node and its single child
 * are written "a b", several children as "(…)(…)". */
static void
render (TernImapThreads *t, GString *out, gint node)
{
  for (; node >= 0; node = tern_imap_threads_get_next_sibling (t, node))
    {
      gint child = tern_imap_threads_get_first_child (t, node);

      g_string_append_printf (out, "[%u", tern_imap_threads_get_id (t, node));
      if (child >= 0)
        {
          g_string_append_c (out, ' ');
          render (t, out, child);
        }
      g_string_append_c (out, ']');
    }
}

static char *
decode_render (const char *wire)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapThreads) threads = tern_imap_threads_new_from_response (response, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  render (threads, out, tern_imap_threads_get_first_root (threads));
  return g_string_free (out, FALSE);
}

/* Recorded from Dovecot (REFERENCES and ORDEREDSUBJECT) and RFC 5256's example. */
static void
test_threads (void)
{
  g_autofree char *references = decode_render (
    "* THREAD (1)((2)(16))(3)(4)(5)(6 10 12 17)(7)(8)((9 14)(15))(11)(13)(18)(19 21)(20)\r\n");
  g_autofree char *subject = decode_render (
    "* THREAD (1)(2 16)(3)(4)(5)(6 (10)(12)(17))(7)(8)(9 (14)(15))(11)(13)(18)(19 21)(20)\r\n");
  g_autofree char *rfc = decode_render ("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
  g_autofree char *empty = decode_render ("* THREAD\r\n");

  g_assert_cmpstr (references, ==,
                   "[1][0 [2][16]][3][4][5][6 [10 [12 [17]]]][7][8][0 [9 [14]][15]][11][13][18]"
                   "[19 [21]][20]");
  g_assert_cmpstr (
    subject, ==, "[1][2 [16]][3][4][5][6 [10][12][17]][7][8][9 [14][15]][11][13][18][19 [21]][20]");
  g_assert_cmpstr (rfc, ==, "[2][3 [6 [4 [23]][44 [7 [96]]]]]");
  g_assert_cmpstr (empty, ==, "");
}

static void
test_links (void)
{
  g_autoptr (TernImapResponse) response =
    imap_test_parse ("* THREAD (3 6 (4 23)(44 7 96))\r\n", -1);
  g_autoptr (TernImapThreads) t = tern_imap_threads_new_from_response (response, NULL);
  gint root = tern_imap_threads_get_first_root (t);
  gint six = tern_imap_threads_get_first_child (t, root);
  gint four = tern_imap_threads_get_first_child (t, six);
  gint fortyfour = tern_imap_threads_get_next_sibling (t, four);

  g_assert_cmpuint (tern_imap_threads_get_n_nodes (t), ==, 7);
  g_assert_cmpuint (tern_imap_threads_get_id (t, root), ==, 3);
  g_assert_cmpint (tern_imap_threads_get_parent (t, root), ==, -1);
  g_assert_cmpint (tern_imap_threads_get_next_sibling (t, root), ==, -1);
  g_assert_cmpuint (tern_imap_threads_get_id (t, six), ==, 6);
  g_assert_cmpuint (tern_imap_threads_get_id (t, four), ==, 4);
  g_assert_cmpuint (tern_imap_threads_get_id (t, fortyfour), ==, 44);
  g_assert_cmpint (tern_imap_threads_get_parent (t, fortyfour), ==, six);
  g_assert_cmpint (tern_imap_threads_get_next_sibling (t, fortyfour), ==, -1);
}

/* A 100 000-message chain is a 100 000-deep tree: built without recursion. */
static void
test_long_chain (void)
{
  g_autoptr (GString) wire = g_string_new ("* THREAD (");
  g_autoptr (TernImapResponse) response = NULL;
  g_autoptr (TernImapThreads) t = NULL;
  gint node;
  guint depth = 0;

  for (guint i = 1; i <= 100000; i++)
    g_string_append_printf (wire, i == 1 ? "%u" : " %u", i);
  g_string_append (wire, ")\r\n");

  response = imap_test_parse (wire->str, wire->len);
  t = tern_imap_threads_new_from_response (response, NULL);
  for (node = tern_imap_threads_get_first_root (t); node >= 0;
       node = tern_imap_threads_get_first_child (t, node))
    depth++;
  g_assert_cmpuint (depth, ==, 100000);
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* THREAD ()\r\n",      "* THREAD (1 x)\r\n",   "* THREAD (0)\r\n", "* THREAD 1 2\r\n",
    "* THREAD ((1) 2)\r\n", "* THREAD (\"1\")\r\n", "* SORT 1\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], (ImapTestDecoder) tern_imap_threads_new_from_response,
                                (GDestroyNotify) tern_imap_threads_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/threads/threads", test_threads);
  g_test_add_func ("/imap/threads/links", test_links);
  g_test_add_func ("/imap/threads/long-chain", test_long_chain);
  g_test_add_func ("/imap/threads/malformed", test_malformed);

  return g_test_run ();
}
