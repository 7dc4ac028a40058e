/* test-folder-collector.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/model/tern-folder-collector.c (and TernFolder, which it
 * fills in) with responses parsed from canned server output. */

#include "config.h"

#include "imap/tern-imap-parser.h"
#include "model/tern-folder-collector-private.h"
#include "model/tern-folder-private.h"
#include "model/tern-folder.h"

/* Parses @wire (complete responses, CRLF-terminated) into the collector. */
static void
feed (TernFolderCollector *collector, const char *wire)
{
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) responses =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;

  g_assert_true (
    tern_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), responses, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_parser_is_idle (parser));

  for (guint i = 0; i < responses->len; i++)
    _tern_folder_collector_add (collector, g_ptr_array_index (responses, i));
}

static TernFolder *
find (GListModel *folders, const char *path)
{
  for (guint i = 0; i < g_list_model_get_n_items (folders); i++)
    {
      g_autoptr (TernFolder) folder = g_list_model_get_item (folders, i);

      if (g_strcmp0 (tern_folder_get_path (folder), path) == 0)
        return folder; /* the model keeps a reference */
    }

  return NULL;
}

static void
assert_folder (GListModel *folders,
               const char *path,
               const char *name,
               TernFolderRole role,
               gboolean subscribed,
               gboolean selectable,
               guint total,
               guint unread)
{
  TernFolder *folder = find (folders, path);

  if (folder == NULL)
    g_error ("no folder “%s”", path);
  g_assert_cmpstr (tern_folder_get_name (folder), ==, name);
  g_assert_cmpint (tern_folder_get_role (folder), ==, role);
  g_assert_cmpint (tern_folder_get_subscribed (folder), ==, subscribed);
  g_assert_cmpint (tern_folder_get_selectable (folder), ==, selectable);
  g_assert_cmpuint (tern_folder_get_total (folder), ==, total);
  g_assert_cmpuint (tern_folder_get_unread (folder), ==, unread);
}

/* LIST-EXTENDED with SPECIAL-USE and LIST-STATUS, as Dovecot answers. */
static void
test_extended (void)
{
  g_autoptr (TernFolderCollector) collector = _tern_folder_collector_new (FALSE, TRUE);
  g_autoptr (GListStore) store = NULL;
  g_autoptr (GPtrArray) missing = NULL;
  g_autoptr (TernFolder) first = NULL;
  GListModel *folders;

  feed (collector,
        "* LIST (\\HasNoChildren \\Subscribed \\Sent) \"/\" Sent\r\n"
        "* STATUS Sent (MESSAGES 10 UNSEEN 0)\r\n"
        "* LIST (\\HasChildren \\Subscribed) \"/\" Projects\r\n"
        "* STATUS Projects (MESSAGES 2 UNSEEN 1)\r\n"
        "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Projects/&ANw-berpr&APw-fung\"\r\n"
        "* STATUS \"Projects/&ANw-berpr&APw-fung\" (MESSAGES 3 UNSEEN 3)\r\n"
        "* LIST (\\HasNoChildren) \"/\" \"Receipts &- \\\"Invoices\\\"\"\r\n"
        "* STATUS \"Receipts &- \\\"Invoices\\\"\" (MESSAGES 0 UNSEEN 0)\r\n"
        "* LIST (\\HasNoChildren \\Subscribed) \"/\" Bad&Jjo\r\n"
        "* STATUS Bad&Jjo (MESSAGES 1 UNSEEN 0)\r\n"
        "* LIST (\\Noselect \\HasChildren) \"/\" Shared\r\n"
        "* LIST (\\HasNoChildren \\Subscribed \\Trash) \"/\" {7}\r\nDeleted\r\n"
        "* STATUS Deleted (MESSAGES 4 UNSEEN 2)\r\n"
        "* LIST (\\HasNoChildren \\Subscribed) \"/\" inbox\r\n"
        "* STATUS INBOX (MESSAGES 61 UNSEEN 20)\r\n"
        /* a folder the server did not count */
        "* LIST (\\HasNoChildren) \"/\" Archive\r\n");

  missing = _tern_folder_collector_dup_without_status (collector);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (missing, 0), ==, "Archive");
  feed (collector, "* STATUS Archive (MESSAGES 7 UNSEEN 1)\r\n");

  store = _tern_folder_collector_finish (collector);
  folders = G_LIST_MODEL (store);
  g_assert_cmpuint (g_list_model_get_n_items (folders), ==, 9);

  /* INBOX first, whatever its case on the wire. */
  first = g_list_model_get_item (folders, 0);
  g_assert_cmpstr (tern_folder_get_path (first), ==, "INBOX");
  g_assert_cmpstr (tern_folder_get_delimiter (first), ==, "/");

  assert_folder (folders, "INBOX", "INBOX", TERN_FOLDER_ROLE_INBOX, TRUE, TRUE, 61, 20);
  assert_folder (folders, "Sent", "Sent", TERN_FOLDER_ROLE_SENT, TRUE, TRUE, 10, 0);
  assert_folder (folders, "Deleted", "Deleted", TERN_FOLDER_ROLE_TRASH, TRUE, TRUE, 4, 2);
  assert_folder (folders, "Projects/Überprüfung", "Überprüfung", TERN_FOLDER_ROLE_NONE, TRUE, TRUE,
                 3, 3);
  assert_folder (folders, "Receipts & \"Invoices\"", "Receipts & \"Invoices\"",
                 TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
  /* Not valid modified UTF-7: shown as sent rather than dropped. */
  assert_folder (folders, "Bad&Jjo", "Bad&Jjo", TERN_FOLDER_ROLE_NONE, TRUE, TRUE, 1, 0);
  assert_folder (folders, "Shared", "Shared", TERN_FOLDER_ROLE_NONE, FALSE, FALSE, 0, 0);
  /* The server has SPECIAL-USE: a folder named Archive without the
   * attribute is not the archive. */
  assert_folder (folders, "Archive", "Archive", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 7, 1);
}

/* Plain LIST, LSUB and STATUS from a server with "." as delimiter, every
 * folder below INBOX and no SPECIAL-USE: roles come from well-known names. */
static void
test_plain_well_known_names (void)
{
  g_autoptr (TernFolderCollector) collector = _tern_folder_collector_new (FALSE, FALSE);
  g_autoptr (GListStore) store = NULL;
  g_autoptr (GPtrArray) missing = NULL;
  GListModel *folders;

  feed (collector, "* LIST (\\HasChildren) \".\" INBOX\r\n"
                   "* LIST (\\HasNoChildren) \".\" INBOX.Drafts\r\n"
                   "* LIST (\\HasNoChildren) \".\" \"INBOX.Sent Items\"\r\n"
                   "* LIST (\\HasNoChildren) \".\" INBOX.Spam\r\n"
                   "* LIST (\\HasNoChildren) \".\" INBOX.Trash\r\n"
                   "* LIST (\\HasNoChildren) \".\" INBOX.Work.Trash\r\n"
                   "* LIST (\\HasNoChildren) \".\" INBOX.Work\r\n"
                   "* LSUB () \".\" INBOX\r\n"
                   "* LSUB () \".\" INBOX.Drafts\r\n"
                   "* LSUB (\\Noselect) \".\" INBOX.Work\r\n"
                   "* LSUB () \".\" INBOX.Gone\r\n");

  missing = _tern_folder_collector_dup_without_status (collector);
  g_assert_cmpuint (missing->len, ==, 7);
  feed (collector, "* STATUS INBOX (MESSAGES 3 UNSEEN 1)\r\n"
                   "* STATUS INBOX.Trash (UNSEEN 0 MESSAGES 5)\r\n");

  store = _tern_folder_collector_finish (collector);
  folders = G_LIST_MODEL (store);
  /* INBOX.Gone is only subscribed, it does not exist. */
  g_assert_cmpuint (g_list_model_get_n_items (folders), ==, 7);
  g_assert_null (find (folders, "INBOX.Gone"));

  assert_folder (folders, "INBOX", "INBOX", TERN_FOLDER_ROLE_INBOX, TRUE, TRUE, 3, 1);
  assert_folder (folders, "INBOX.Drafts", "Drafts", TERN_FOLDER_ROLE_DRAFTS, TRUE, TRUE, 0, 0);
  assert_folder (folders, "INBOX.Sent Items", "Sent Items", TERN_FOLDER_ROLE_SENT, FALSE, TRUE, 0,
                 0);
  assert_folder (folders, "INBOX.Spam", "Spam", TERN_FOLDER_ROLE_JUNK, FALSE, TRUE, 0, 0);
  assert_folder (folders, "INBOX.Trash", "Trash", TERN_FOLDER_ROLE_TRASH, FALSE, TRUE, 5, 0);
  /* Deeper folders never get a role by name; \Noselect in LSUB is not a
   * subscription. */
  assert_folder (folders, "INBOX.Work.Trash", "Trash", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
  assert_folder (folders, "INBOX.Work", "Work", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
}

/* After ENABLE UTF8=ACCEPT names are UTF-8 on the wire: not decoded again,
 * and invalid UTF-8 is repaired for display rather than dropped. */
static void
test_utf8_names (void)
{
  g_autoptr (TernFolderCollector) collector = _tern_folder_collector_new (TRUE, TRUE);
  g_autoptr (GListStore) store = NULL;
  GListModel *folders;

  feed (collector, "* LIST () \"/\" \"Projects/日本語\"\r\n"
                   "* LIST () \"/\" \"A&-B\"\r\n"
                   "* LIST () \"/\" \"Bad\xff\"\r\n"
                   "* LIST () NIL Flat/Name\r\n");

  store = _tern_folder_collector_finish (collector);
  folders = G_LIST_MODEL (store);
  g_assert_cmpuint (g_list_model_get_n_items (folders), ==, 4);
  assert_folder (folders, "Projects/日本語", "日本語", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
  assert_folder (folders, "A&-B", "A&-B", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
  assert_folder (folders, "Bad\xef\xbf\xbd", "Bad\xef\xbf\xbd", TERN_FOLDER_ROLE_NONE, FALSE, TRUE,
                 0, 0);
  /* No delimiter: the whole path is the name. */
  assert_folder (folders, "Flat/Name", "Flat/Name", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
  g_assert_null (tern_folder_get_delimiter (find (folders, "Flat/Name")));
}

/* Garbage and unrelated responses are ignored, not fatal. */
static void
test_malformed (void)
{
  g_autoptr (TernFolderCollector) collector = _tern_folder_collector_new (FALSE, TRUE);
  g_autoptr (GListStore) store = NULL;

  feed (collector, "* LIST \\Noselect \"/\" X\r\n"
                   "* LIST () \"//\" Y\r\n"
                   "* STATUS Z MESSAGES\r\n"
                   "* 3 EXISTS\r\n"
                   "* LIST () \"/\" Fine\r\n");

  store = _tern_folder_collector_finish (collector);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  assert_folder (G_LIST_MODEL (store), "Fine", "Fine", TERN_FOLDER_ROLE_NONE, FALSE, TRUE, 0, 0);
}

static void
test_role_names (void)
{
  g_assert_null (tern_folder_role_to_string (TERN_FOLDER_ROLE_NONE));
  g_assert_cmpstr (tern_folder_role_to_string (TERN_FOLDER_ROLE_INBOX), ==, "inbox");
  g_assert_cmpstr (tern_folder_role_to_string (TERN_FOLDER_ROLE_JUNK), ==, "junk");
  g_assert_cmpstr (tern_folder_role_to_string (TERN_FOLDER_ROLE_ALL), ==, "all");
  g_assert_cmpstr (tern_folder_role_to_string (TERN_FOLDER_ROLE_FLAGGED), ==, "flagged");
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* Properties notify only on a real change (STYLE: G_PARAM_EXPLICIT_NOTIFY). */
static void
test_folder_notify (void)
{
  g_autoptr (TernFolder) folder = _tern_folder_new ("Work/Q3 &co", "/", "Work/Q3 &-co");
  guint notified = 0;
  guint total = 0;

  g_assert_cmpstr (tern_folder_get_name (folder), ==, "Q3 &co");
  g_assert_cmpstr (_tern_folder_get_wire_name (folder), ==, "Work/Q3 &-co");
  g_assert_true (tern_folder_get_selectable (folder));

  g_signal_connect (folder, "notify", G_CALLBACK (count_notify), &notified);
  _tern_folder_set_counts (folder, 2, 1);
  g_assert_cmpuint (notified, ==, 2);
  _tern_folder_set_counts (folder, 2, 1);
  _tern_folder_set_role (folder, TERN_FOLDER_ROLE_NONE);
  _tern_folder_set_selectable (folder, TRUE);
  _tern_folder_set_subscribed (folder, FALSE);
  g_assert_cmpuint (notified, ==, 2);
  _tern_folder_set_role (folder, TERN_FOLDER_ROLE_ARCHIVE);
  _tern_folder_set_subscribed (folder, TRUE);
  g_assert_cmpuint (notified, ==, 4);

  g_object_get (folder, "total", &total, NULL);
  g_assert_cmpuint (total, ==, 2);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/folder-collector/extended", test_extended);
  g_test_add_func ("/model/folder-collector/plain-well-known-names", test_plain_well_known_names);
  g_test_add_func ("/model/folder-collector/utf8-names", test_utf8_names);
  g_test_add_func ("/model/folder-collector/malformed", test_malformed);
  g_test_add_func ("/model/folder/role-names", test_role_names);
  g_test_add_func ("/model/folder/notify", test_folder_notify);

  return g_test_run ();
}
