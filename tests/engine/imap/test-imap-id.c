/* test-imap-id.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-id.h"

static void
test_dovecot (void)
{
  g_autoptr (TernImapResponse) response = imap_test_parse ("* ID (\"name\" \"Dovecot\")\r\n", -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) id = tern_imap_id_parse (response, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (id), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (id, "name"), ==, "Dovecot");
}

static void
test_fields (void)
{
  g_autoptr (TernImapResponse) response =
    imap_test_parse ("* ID (\"Name\" \"Cyrus\" \"VERSION\" \"3.8\" \"support-url\" NIL "
                     "\"os\" {5}\r\nLinux)\r\n",
                     -1);
  g_autoptr (GHashTable) id = tern_imap_id_parse (response, NULL);

  g_assert_cmpuint (g_hash_table_size (id), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (id, "name"), ==, "Cyrus");
  g_assert_cmpstr (g_hash_table_lookup (id, "version"), ==, "3.8");
  g_assert_true (g_hash_table_contains (id, "support-url"));
  g_assert_null (g_hash_table_lookup (id, "support-url"));
  g_assert_cmpstr (g_hash_table_lookup (id, "os"), ==, "Linux");
}

static void
test_nil (void)
{
  g_autoptr (TernImapResponse) response = imap_test_parse ("* ID NIL\r\n", -1);
  g_autoptr (GHashTable) id = tern_imap_id_parse (response, NULL);

  g_assert_nonnull (id);
  g_assert_cmpuint (g_hash_table_size (id), ==, 0);
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* ID (\"name\")\r\n",
    "* ID (name \"Dovecot\")\r\n",
    "* ID (\"name\" (\"x\"))\r\n",
    "* ID \"name\"\r\n",
    "* ID\r\n",
    "* ID NIL NIL\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], (ImapTestDecoder) tern_imap_id_parse,
                                (GDestroyNotify) g_hash_table_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/id/dovecot", test_dovecot);
  g_test_add_func ("/imap/id/fields", test_fields);
  g_test_add_func ("/imap/id/nil", test_nil);
  g_test_add_func ("/imap/id/malformed", test_malformed);

  return g_test_run ();
}
