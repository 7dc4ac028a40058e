/* test-imap-mailbox-info.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-mailbox-info.h"

static TernImapMailboxInfo *
decode (const char *wire, gssize len)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, len);
  g_autoptr (GError) error = NULL;
  TernImapMailboxInfo *info = tern_imap_mailbox_info_new_from_response (response, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

/* Recorded from Dovecot: LIST "" "*" RETURN (CHILDREN SPECIAL-USE SUBSCRIBED …). */
static void
test_special_use (void)
{
  g_autoptr (TernImapMailboxInfo) trash =
    decode ("* LIST (\\Subscribed \\HasNoChildren \\Trash) \"/\" Trash\r\n", -1);
  g_autoptr (TernImapMailboxInfo) archive =
    decode ("* LIST (\\Subscribed \\HasChildren \\Archive) \"/\" Archive\r\n", -1);

  g_assert_cmpstr (tern_imap_mailbox_info_get_name (trash), ==, "Trash");
  g_assert_cmpint (tern_imap_mailbox_info_get_delimiter (trash), ==, '/');
  g_assert_false (tern_imap_mailbox_info_is_lsub (trash));
  g_assert_cmpint (tern_imap_mailbox_info_get_attributes (trash), ==,
                   TERN_IMAP_MAILBOX_SUBSCRIBED | TERN_IMAP_MAILBOX_HAS_NO_CHILDREN |
                     TERN_IMAP_MAILBOX_TRASH);
  g_assert_cmpint (tern_imap_mailbox_info_get_special_use (trash), ==, TERN_IMAP_MAILBOX_TRASH);
  g_assert_cmpint (tern_imap_mailbox_info_get_special_use (archive), ==, TERN_IMAP_MAILBOX_ARCHIVE);
  g_assert_true (tern_imap_mailbox_info_get_attributes (archive) & TERN_IMAP_MAILBOX_HAS_CHILDREN);
  g_assert_true (tern_imap_mailbox_info_has_attribute (archive, "\\hASCHILDREN"));
  g_assert_null (tern_imap_mailbox_info_get_childinfo (archive));
}

static void
test_every_attribute (void)
{
  g_autoptr (TernImapMailboxInfo) info =
    decode ("* LIST (\\Noselect \\NoInferiors \\NonExistent \\HasChildren \\HasNoChildren \\Marked "
            "\\Unmarked \\Subscribed \\Remote \\All \\Archive \\Drafts \\Flagged \\Junk \\Sent "
            "\\Trash \\Important \\X-Custom) \".\" \"x\"\r\n",
            -1);
  const char *const *raw = tern_imap_mailbox_info_get_raw_attributes (info);

  g_assert_cmpint (tern_imap_mailbox_info_get_attributes (info), ==, (1 << 17) - 1);
  g_assert_cmpint (tern_imap_mailbox_info_get_special_use (info), ==,
                   TERN_IMAP_MAILBOX_SPECIAL_USE_MASK);
  g_assert_cmpuint (g_strv_length ((char **) raw), ==, 18);
  g_assert_cmpstr (raw[17], ==, "\\X-Custom");
}

static void
test_names (void)
{
  g_autoptr (TernImapMailboxInfo) quoted =
    decode ("* LIST (\\Subscribed \\HasNoChildren) \"/\" \"Receipts &- Invoices\"\r\n", -1);
  g_autoptr (TernImapMailboxInfo) mutf7 =
    decode ("* LIST (\\HasNoChildren) \"/\" Projects/&ANw-berpr&APw-fung\r\n", -1);
  g_autoptr (TernImapMailboxInfo) literal =
    decode ("* LIST (\\HasNoChildren) \".\" {11}\r\nINBOX.\xc3\xbc"
            "ber\r\n",
            -1);
  g_autoptr (TernImapMailboxInfo) inbox = decode ("* LIST () \"/\" inbox\r\n", -1);
  g_autoptr (TernImapMailboxInfo) flat = decode ("* LIST (\\Noselect) NIL \"\"\r\n", -1);
  g_autoptr (TernImapMailboxInfo) escaped = decode ("* LIST () \"\\\\\" \"a\\\\b\"\r\n", -1);
  g_autoptr (TernImapMailboxInfo) lsub = decode ("* LSUB (\\Sent) \"/\" Sent\r\n", -1);

  g_assert_cmpstr (tern_imap_mailbox_info_get_name (quoted), ==, "Receipts &- Invoices");
  g_assert_cmpstr (tern_imap_mailbox_info_get_name (mutf7), ==, "Projects/&ANw-berpr&APw-fung");
  g_assert_cmpstr (tern_imap_mailbox_info_get_name (literal), ==,
                   "INBOX.\xc3\xbc"
                   "ber");
  g_assert_cmpint (tern_imap_mailbox_info_get_delimiter (literal), ==, '.');
  g_assert_cmpstr (tern_imap_mailbox_info_get_name (inbox), ==, "INBOX");
  g_assert_cmpstr (tern_imap_mailbox_info_get_name (flat), ==, "");
  g_assert_cmpint (tern_imap_mailbox_info_get_delimiter (flat), ==, '\0');
  g_assert_cmpint (tern_imap_mailbox_info_get_attributes (flat), ==, TERN_IMAP_MAILBOX_NOSELECT);
  g_assert_cmpint (tern_imap_mailbox_info_get_delimiter (escaped), ==, '\\');
  g_assert_cmpstr (tern_imap_mailbox_info_get_name (escaped), ==, "a\\b");
  g_assert_true (tern_imap_mailbox_info_is_lsub (lsub));
  g_assert_cmpint (tern_imap_mailbox_info_get_special_use (lsub), ==, TERN_IMAP_MAILBOX_SENT);
}

/* Recorded from Dovecot: LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN). */
static void
test_extended (void)
{
  g_autoptr (TernImapMailboxInfo) info =
    decode ("* LIST (\\Subscribed \\HasChildren) \"/\" Archive (CHILDINFO (\"SUBSCRIBED\"))\r\n",
            -1);
  g_autoptr (TernImapMailboxInfo) renamed =
    decode ("* LIST () \"/\" \"New\" (\"OLDNAME\" (\"Old\") \"X-FOO\" 5)\r\n", -1);
  const char *const *childinfo = tern_imap_mailbox_info_get_childinfo (info);

  g_assert_nonnull (childinfo);
  g_assert_cmpstr (childinfo[0], ==, "SUBSCRIBED");
  g_assert_null (childinfo[1]);
  g_assert_cmpstr (tern_imap_mailbox_info_get_old_name (renamed), ==, "Old");
  g_assert_null (tern_imap_mailbox_info_get_old_name (info));
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* LIST \\Noselect \"/\" INBOX\r\n",
    "* LIST () \"//\" INBOX\r\n",
    "* LIST () / INBOX\r\n",
    "* LIST () \"/\"\r\n",
    "* LIST () \"/\" (INBOX)\r\n",
    "* LIST (\"\\Noselect\") \"/\" INBOX\r\n",
    "* LIST () \"/\" INBOX (CHILDINFO)\r\n",
    "* LIST () \"/\" INBOX (CHILDINFO ((\"x\")))\r\n",
    "* LIST () \"/\" {3}\r\na\0b\r\n",
    "* LIST () \"/\" INBOX () extra\r\n",
    "* STATUS INBOX (MESSAGES 1)\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (TernImapResponse) response =
        imap_test_parse (bad[i], i == 8 ? (gssize) strlen ("* LIST () \"/\" {3}\r\n") + 5 : -1);
      g_autoptr (GError) error = NULL;
      g_autoptr (TernImapMailboxInfo) info =
        tern_imap_mailbox_info_new_from_response (response, &error);

      g_assert_null (info);
      g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/mailbox-info/special-use", test_special_use);
  g_test_add_func ("/imap/mailbox-info/every-attribute", test_every_attribute);
  g_test_add_func ("/imap/mailbox-info/names", test_names);
  g_test_add_func ("/imap/mailbox-info/extended", test_extended);
  g_test_add_func ("/imap/mailbox-info/malformed", test_malformed);

  return g_test_run ();
}
