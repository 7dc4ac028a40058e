/* test-imap-mailbox-status.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-mailbox-status.h"

static TernImapMailboxStatus *
decode (const char *wire)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  TernImapMailboxStatus *status = tern_imap_mailbox_status_new_from_response (response, &error);

  g_assert_no_error (error);
  g_assert_nonnull (status);
  return status;
}

/* Recorded from Dovecot (STATUS and LIST-STATUS). */
static void
test_dovecot (void)
{
  g_autoptr (TernImapMailboxStatus) status =
    decode ("* STATUS INBOX (MESSAGES 21 RECENT 21 UIDNEXT 22 UIDVALIDITY 1795686138 UNSEEN 2 "
            "HIGHESTMODSEQ 2 SIZE 2992746)\r\n");
  g_autoptr (TernImapMailboxStatus) quoted =
    decode ("* STATUS \"Receipts &- Invoices\" (MESSAGES 1 RECENT 1 UIDNEXT 2 UIDVALIDITY "
            "1795686135 UNSEEN 0 HIGHESTMODSEQ 2 SIZE 1595)\r\n");

  g_assert_cmpstr (tern_imap_mailbox_status_get_name (status), ==, "INBOX");
  g_assert_cmpint (tern_imap_mailbox_status_get_items (status), ==,
                   TERN_IMAP_STATUS_ITEM_MESSAGES | TERN_IMAP_STATUS_ITEM_RECENT |
                     TERN_IMAP_STATUS_ITEM_UIDNEXT | TERN_IMAP_STATUS_ITEM_UIDVALIDITY |
                     TERN_IMAP_STATUS_ITEM_UNSEEN | TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ |
                     TERN_IMAP_STATUS_ITEM_SIZE);
  g_assert_cmpuint (tern_imap_mailbox_status_get_messages (status), ==, 21);
  g_assert_cmpuint (tern_imap_mailbox_status_get_recent (status), ==, 21);
  g_assert_cmpuint (tern_imap_mailbox_status_get_uidnext (status), ==, 22);
  g_assert_cmpuint (tern_imap_mailbox_status_get_uidvalidity (status), ==, 1795686138);
  g_assert_cmpuint (tern_imap_mailbox_status_get_unseen (status), ==, 2);
  g_assert_cmpuint (tern_imap_mailbox_status_get_highestmodseq (status), ==, 2);
  g_assert_cmpuint (tern_imap_mailbox_status_get_size (status), ==, 2992746);
  g_assert_cmpuint (tern_imap_mailbox_status_get_deleted (status), ==, 0);

  g_assert_cmpstr (tern_imap_mailbox_status_get_name (quoted), ==, "Receipts &- Invoices");
  g_assert_cmpuint (tern_imap_mailbox_status_get_unseen (quoted), ==, 0);
  g_assert_true (tern_imap_mailbox_status_get_items (quoted) & TERN_IMAP_STATUS_ITEM_UNSEEN);
}

static void
test_extensions (void)
{
  g_autoptr (TernImapMailboxStatus) status =
    decode ("* STATUS Sent (MESSAGES 7 APPENDLIMIT NIL MAILBOXID (Fabc123) DELETED 3 "
            "HIGHESTMODSEQ 9223372036854775807 SIZE 18446744073709551615 X-NEW (1 2))\r\n");
  g_autoptr (TernImapMailboxStatus) limit = decode ("* STATUS inbox (APPENDLIMIT 1000)\r\n");
  g_autoptr (TernImapMailboxStatus) empty = decode ("* STATUS INBOX ()\r\n");

  g_assert_cmpint (tern_imap_mailbox_status_get_items (status), ==,
                   TERN_IMAP_STATUS_ITEM_MESSAGES | TERN_IMAP_STATUS_ITEM_DELETED |
                     TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ | TERN_IMAP_STATUS_ITEM_SIZE);
  g_assert_cmpuint (tern_imap_mailbox_status_get_deleted (status), ==, 3);
  g_assert_cmpuint (tern_imap_mailbox_status_get_highestmodseq (status), ==, G_MAXINT64);
  g_assert_cmpuint (tern_imap_mailbox_status_get_size (status), ==, G_MAXUINT64);
  g_assert_cmpuint (tern_imap_mailbox_status_get_appendlimit (limit), ==, 1000);
  g_assert_cmpstr (tern_imap_mailbox_status_get_name (limit), ==, "INBOX");
  g_assert_cmpint (tern_imap_mailbox_status_get_items (empty), ==, 0);
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* STATUS INBOX (MESSAGES)\r\n",
    "* STATUS INBOX (MESSAGES x)\r\n",
    "* STATUS INBOX (MESSAGES 4294967296)\r\n",
    "* STATUS INBOX (UIDNEXT NIL)\r\n",
    "* STATUS INBOX MESSAGES 1\r\n",
    "* STATUS (MESSAGES 1)\r\n",
    "* STATUS INBOX (\"MESSAGES\" 1)\r\n",
    "* STATUS INBOX (MESSAGES 1) (UNSEEN 2)\r\n",
    "* LIST () \"/\" INBOX\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i],
                                (ImapTestDecoder) tern_imap_mailbox_status_new_from_response,
                                (GDestroyNotify) tern_imap_mailbox_status_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/mailbox-status/dovecot", test_dovecot);
  g_test_add_func ("/imap/mailbox-status/extensions", test_extensions);
  g_test_add_func ("/imap/mailbox-status/malformed", test_malformed);

  return g_test_run ();
}
