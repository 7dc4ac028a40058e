/* tern-folder-collector.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernFolderCollector: the folder list of one account, gathered from
 * whatever mix of responses the server's extensions allow: LIST-EXTENDED
 * with SUBSCRIBED and SPECIAL-USE attributes and LIST-STATUS counts, or
 * plain LIST, LSUB and one STATUS per folder. Responses may arrive in any
 * order (STATUS before or after its LIST), keyed by the name as sent.
 *
 * Names are decoded from modified UTF-7 (or taken as UTF-8 after ENABLE
 * UTF8=ACCEPT); a name that does not decode is shown as sent, never dropped.
 *
 * Threading: one thread at a time.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include <string.h>

#include "imap/tern-imap-mailbox-info.h"
#include "imap/tern-imap-mailbox-status.h"
#include "imap/tern-imap-utf7.h"
#include "tern-folder-collector-private.h"
#include "tern-folder-private.h"

typedef struct
{
  char *wire;     /* the name as the server sent it */
  char delimiter; /* '\0' for none */
  TernFolderRole special_use;
  guint32 messages;
  guint32 unseen;
  guint listed : 1;
  guint selectable : 1;
  guint subscribed : 1;
  guint has_status : 1;
} Entry;

struct _TernFolderCollector
{
  GHashTable *entries; /* key (borrowed from Entry) → Entry */
  GPtrArray *order;    /* Entry, in the order the server named them */
  gboolean utf8_names;
  gboolean has_special_use;
};

static const struct
{
  TernImapMailboxAttributes attribute;
  TernFolderRole role;
} special_uses[] = {
  { TERN_IMAP_MAILBOX_ALL, TERN_FOLDER_ROLE_ALL },
  { TERN_IMAP_MAILBOX_ARCHIVE, TERN_FOLDER_ROLE_ARCHIVE },
  { TERN_IMAP_MAILBOX_DRAFTS, TERN_FOLDER_ROLE_DRAFTS },
  { TERN_IMAP_MAILBOX_FLAGGED, TERN_FOLDER_ROLE_FLAGGED },
  { TERN_IMAP_MAILBOX_JUNK, TERN_FOLDER_ROLE_JUNK },
  { TERN_IMAP_MAILBOX_SENT, TERN_FOLDER_ROLE_SENT },
  { TERN_IMAP_MAILBOX_TRASH, TERN_FOLDER_ROLE_TRASH },
};

/* Names other clients and servers use, for servers without SPECIAL-USE,
 * in order of preference. Matched case-insensitively at the top level or
 * just below INBOX. */
static const struct
{
  TernFolderRole role;
  const char *names[6];
} well_known[] = {
  { TERN_FOLDER_ROLE_DRAFTS, { "Drafts", "Draft", NULL } },
  { TERN_FOLDER_ROLE_SENT, { "Sent", "Sent Items", "Sent Messages", "Sent Mail", NULL } },
  { TERN_FOLDER_ROLE_TRASH, { "Trash", "Deleted Items", "Deleted Messages", "Bin", NULL } },
  { TERN_FOLDER_ROLE_JUNK, { "Junk", "Spam", "Junk E-mail", "Junk Email", "Bulk Mail", NULL } },
  { TERN_FOLDER_ROLE_ARCHIVE, { "Archive", "Archives", NULL } },
};

static void
entry_free (Entry *entry)
{
  g_free (entry->wire);
  g_free (entry);
}

TernFolderCollector *
_tern_folder_collector_new (gboolean utf8_names, gboolean has_special_use)
{
  TernFolderCollector *self = g_new0 (TernFolderCollector, 1);

  self->entries = g_hash_table_new (g_str_hash, g_str_equal);
  self->order = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->utf8_names = utf8_names;
  self->has_special_use = has_special_use;

  return self;
}

void
_tern_folder_collector_free (TernFolderCollector *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->entries);
  g_ptr_array_unref (self->order);
  g_free (self);
}

static gboolean
is_inbox (const char *wire)
{
  return g_ascii_strcasecmp (wire, "INBOX") == 0;
}

/* INBOX is case-insensitive (RFC 3501 §5.1); every other name is exact. */
static Entry *
lookup_entry (TernFolderCollector *self, const char *wire, gboolean create)
{
  Entry *entry;

  if (is_inbox (wire))
    wire = "INBOX";

  entry = g_hash_table_lookup (self->entries, wire);
  if (entry == NULL && create)
    {
      entry = g_new0 (Entry, 1);
      entry->wire = g_strdup (wire);
      entry->selectable = TRUE;
      g_hash_table_insert (self->entries, entry->wire, entry);
      g_ptr_array_add (self->order, entry);
    }

  return entry;
}

static void
add_list (TernFolderCollector *self, TernImapResponse *response)
{
  g_autoptr (TernImapMailboxInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  TernImapMailboxAttributes attributes;
  Entry *entry;

  if (!(info = tern_imap_mailbox_info_new_from_response (response, &error)))
    {
      g_debug ("Ignoring a folder: %s", error->message);
      return;
    }

  attributes = tern_imap_mailbox_info_get_attributes (info);
  entry = lookup_entry (self, tern_imap_mailbox_info_get_name (info), TRUE);

  if (tern_imap_mailbox_info_is_lsub (info))
    {
      /* In LSUB, \Noselect marks a parent that is not subscribed itself but
       * has subscribed children (RFC 3501 §7.2.3). */
      if ((attributes & TERN_IMAP_MAILBOX_NOSELECT) == 0)
        entry->subscribed = TRUE;
      return;
    }

  entry->listed = TRUE;
  entry->selectable =
    (attributes & (TERN_IMAP_MAILBOX_NOSELECT | TERN_IMAP_MAILBOX_NONEXISTENT)) == 0;
  if (attributes & TERN_IMAP_MAILBOX_SUBSCRIBED)
    entry->subscribed = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (special_uses); i++)
    if (attributes & special_uses[i].attribute)
      {
        entry->special_use = special_uses[i].role;
        break;
      }
  /* A delimiter outside ASCII cannot be shown as text; treat the namespace
   * as flat rather than cut names in the middle of a character. */
  entry->delimiter = tern_imap_mailbox_info_get_delimiter (info);
  if ((guchar) entry->delimiter >= 0x80)
    entry->delimiter = '\0';
}

static void
add_status (TernFolderCollector *self, TernImapResponse *response)
{
  g_autoptr (TernImapMailboxStatus) status = NULL;
  g_autoptr (GError) error = NULL;
  Entry *entry;

  if (!(status = tern_imap_mailbox_status_new_from_response (response, &error)))
    {
      g_debug ("Ignoring a folder's counts: %s", error->message);
      return;
    }
  if ((tern_imap_mailbox_status_get_items (status) & TERN_IMAP_STATUS_ITEM_MESSAGES) == 0)
    return;

  entry = lookup_entry (self, tern_imap_mailbox_status_get_name (status), TRUE);
  entry->has_status = TRUE;
  entry->messages = tern_imap_mailbox_status_get_messages (status);
  entry->unseen = tern_imap_mailbox_status_get_unseen (status);
}

/**
 * _tern_folder_collector_add:
 *
 * Takes in one untagged response; anything but LIST, LSUB and STATUS is
 * ignored, as is a malformed one.
 */
void
_tern_folder_collector_add (TernFolderCollector *self, TernImapResponse *response)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (response != NULL);

  switch (tern_imap_response_get_data_type (response))
    {
    case TERN_IMAP_DATA_LIST:
    case TERN_IMAP_DATA_LSUB:
      add_list (self, response);
      break;

    case TERN_IMAP_DATA_STATUS:
      add_status (self, response);
      break;

    default:
      break;
    }
}

/**
 * _tern_folder_collector_dup_without_status:
 *
 * Returns: (transfer full) (element-type utf8): the names (as the server
 *   sent them) of the listed, selectable folders whose counts are still
 *   unknown, for a STATUS command each
 */
GPtrArray *
_tern_folder_collector_dup_without_status (TernFolderCollector *self)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (self != NULL, names);

  for (guint i = 0; i < self->order->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->order, i);

      if (entry->listed && entry->selectable && !entry->has_status)
        g_ptr_array_add (names, g_strdup (entry->wire));
    }

  return names;
}

static char *
decode_name (TernFolderCollector *self, const char *wire)
{
  g_autoptr (GError) error = NULL;
  char *utf8;

  if (!self->utf8_names)
    {
      utf8 = tern_imap_utf7_decode (wire, strlen (wire), &error);
      if (utf8 != NULL)
        return utf8;
      g_debug ("Showing folder “%s” as sent: %s", wire, error->message);
    }

  return g_utf8_make_valid (wire, -1);
}

/* A folder at the top level or right below INBOX whose last level is @name. */
static gboolean
has_well_known_name (TernFolder *folder, const char *name)
{
  const char *path = tern_folder_get_path (folder);
  const char *delimiter = tern_folder_get_delimiter (folder);
  gsize prefix;

  if (g_ascii_strcasecmp (tern_folder_get_name (folder), name) != 0)
    return FALSE;

  prefix = strlen (path) - strlen (tern_folder_get_name (folder));
  if (prefix == 0)
    return TRUE;

  return delimiter != NULL && prefix == 5 + strlen (delimiter) &&
         g_ascii_strncasecmp (path, "INBOX", 5) == 0 &&
         strncmp (path + 5, delimiter, strlen (delimiter)) == 0;
}

static void
assign_well_known_roles (GPtrArray *folders)
{
  for (guint r = 0; r < G_N_ELEMENTS (well_known); r++)
    {
      gboolean taken = FALSE;

      for (guint i = 0; i < folders->len && !taken; i++)
        taken = tern_folder_get_role (g_ptr_array_index (folders, i)) == well_known[r].role;

      for (guint n = 0; !taken && well_known[r].names[n] != NULL; n++)
        for (guint i = 0; !taken && i < folders->len; i++)
          {
            TernFolder *folder = g_ptr_array_index (folders, i);

            if (tern_folder_get_role (folder) == TERN_FOLDER_ROLE_NONE &&
                tern_folder_get_selectable (folder) &&
                has_well_known_name (folder, well_known[r].names[n]))
              {
                _tern_folder_set_role (folder, well_known[r].role);
                taken = TRUE;
              }
          }
    }
}

/**
 * _tern_folder_collector_finish:
 *
 * Returns: (transfer full): a store of TernFolder, INBOX first, the others
 *   in the order the server listed them
 */
GListStore *
_tern_folder_collector_finish (TernFolderCollector *self)
{
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func (g_object_unref);
  GListStore *store = g_list_store_new (TERN_TYPE_FOLDER);

  g_return_val_if_fail (self != NULL, store);

  for (guint i = 0; i < self->order->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->order, i);
      g_autofree char *path = NULL;
      char delimiter[2] = { 0, 0 };
      TernFolder *folder;

      /* LSUB or STATUS of a folder that LIST did not show: it does not exist. */
      if (!entry->listed)
        continue;

      path = decode_name (self, entry->wire);
      delimiter[0] = entry->delimiter;
      folder = _tern_folder_new (path, delimiter, entry->wire);
      _tern_folder_set_selectable (folder, entry->selectable);
      _tern_folder_set_subscribed (folder, entry->subscribed);
      if (entry->selectable)
        _tern_folder_set_counts (folder, entry->messages, MIN (entry->unseen, entry->messages));

      if (is_inbox (entry->wire))
        {
          _tern_folder_set_role (folder, TERN_FOLDER_ROLE_INBOX);
          g_ptr_array_insert (folders, 0, folder);
        }
      else
        {
          _tern_folder_set_role (folder, entry->special_use);
          g_ptr_array_add (folders, folder);
        }
    }

  if (!self->has_special_use)
    assign_well_known_roles (folders);

  g_list_store_splice (store, 0, 0, folders->pdata, folders->len);

  return store;
}
