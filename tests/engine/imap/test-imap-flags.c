/* test-imap-flags.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-flags.h"

static void
test_parse (void)
{
  g_autoptr (TernImapResponse) response =
    imap_test_parse ("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n", -1);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) flags = tern_imap_flags_parse (response, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (flags), ==, 6);
  g_assert_cmpstr (flags[0], ==, "\\Answered");
  g_assert_cmpstr (flags[5], ==, "$Forwarded");
  g_assert_cmpint (tern_imap_flags_get_system_flags ((const char *const *) flags), ==,
                   TERN_IMAP_FLAG_ANSWERED | TERN_IMAP_FLAG_FLAGGED | TERN_IMAP_FLAG_DELETED |
                     TERN_IMAP_FLAG_SEEN | TERN_IMAP_FLAG_DRAFT);
}

static void
test_empty (void)
{
  g_autoptr (TernImapResponse) response = imap_test_parse ("* FLAGS ()\r\n", -1);
  g_auto (GStrv) flags = tern_imap_flags_parse (response, NULL);

  g_assert_nonnull (flags);
  g_assert_null (flags[0]);
  g_assert_cmpint (tern_imap_flags_get_system_flags (NULL), ==, TERN_IMAP_FLAG_NONE);
}

static void
test_system (void)
{
  g_assert_cmpint (tern_imap_flag_from_string ("\\seen"), ==, TERN_IMAP_FLAG_SEEN);
  g_assert_cmpint (tern_imap_flag_from_string ("\\RECENT"), ==, TERN_IMAP_FLAG_RECENT);
  g_assert_cmpint (tern_imap_flag_from_string ("\\*"), ==, TERN_IMAP_FLAG_ANY_KEYWORD);
  g_assert_cmpint (tern_imap_flag_from_string ("Seen"), ==, TERN_IMAP_FLAG_NONE);
  g_assert_cmpint (tern_imap_flag_from_string ("\\Important"), ==, TERN_IMAP_FLAG_NONE);
  g_assert_true (tern_imap_flag_is_keyword ("$Junk"));
  g_assert_true (tern_imap_flag_is_keyword ("NIL"));
  g_assert_false (tern_imap_flag_is_keyword ("\\Seen"));
  g_assert_false (tern_imap_flag_is_keyword (""));
}

static void
test_keyword_nil (void)
{
  g_autoptr (TernImapResponse) response = imap_test_parse ("* FLAGS (\\Seen NIL)\r\n", -1);
  g_auto (GStrv) flags = tern_imap_flags_parse (response, NULL);

  g_assert_cmpstr (flags[1], ==, "NIL");
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* FLAGS (\\Seen \"quoted\")\r\n", "* FLAGS \\Seen\r\n", "* FLAGS (\\Seen) (\\Draft)\r\n",
    "* FLAGS ((\\Seen))\r\n",          "* FLAGS\r\n",        "* LIST () \"/\" INBOX\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], (ImapTestDecoder) tern_imap_flags_parse,
                                (GDestroyNotify) g_strfreev);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/flags/parse", test_parse);
  g_test_add_func ("/imap/flags/empty", test_empty);
  g_test_add_func ("/imap/flags/system", test_system);
  g_test_add_func ("/imap/flags/keyword-nil", test_keyword_nil);
  g_test_add_func ("/imap/flags/malformed", test_malformed);

  return g_test_run ();
}
