/* tern-imap-mailbox-status.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapMailboxStatus: mailbox-data =/ "STATUS" SP mailbox SP "("
 * [status-att-list] ")". Unknown items are skipped.
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-mailbox-status.h"
#include "tern-imap-response-private.h"

struct _TernImapMailboxStatus
{
  gatomicrefcount ref_count;
  char *name;
  TernImapStatusItems items;
  guint32 messages;
  guint32 recent;
  guint32 uidnext;
  guint32 uidvalidity;
  guint32 unseen;
  guint32 deleted;
  guint64 size;
  guint64 highestmodseq;
  guint64 appendlimit;
};

G_DEFINE_BOXED_TYPE (TernImapMailboxStatus,
                     tern_imap_mailbox_status,
                     tern_imap_mailbox_status_ref,
                     tern_imap_mailbox_status_unref)

TernImapMailboxStatus *
tern_imap_mailbox_status_ref (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_mailbox_status_unref (TernImapMailboxStatus *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->name);
  g_free (self);
}

static const struct
{
  const char *name;
  TernImapStatusItems item;
  gboolean wide; /* 64-bit, else 32-bit */
} known_items[] = {
  { "MESSAGES", TERN_IMAP_STATUS_ITEM_MESSAGES, FALSE },
  { "RECENT", TERN_IMAP_STATUS_ITEM_RECENT, FALSE },
  { "UIDNEXT", TERN_IMAP_STATUS_ITEM_UIDNEXT, FALSE },
  { "UIDVALIDITY", TERN_IMAP_STATUS_ITEM_UIDVALIDITY, FALSE },
  { "UNSEEN", TERN_IMAP_STATUS_ITEM_UNSEEN, FALSE },
  { "DELETED", TERN_IMAP_STATUS_ITEM_DELETED, FALSE },
  { "SIZE", TERN_IMAP_STATUS_ITEM_SIZE, TRUE },
  { "HIGHESTMODSEQ", TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ, TRUE },
  { "APPENDLIMIT", TERN_IMAP_STATUS_ITEM_APPENDLIMIT, TRUE },
};

static void
store (TernImapMailboxStatus *self, TernImapStatusItems item, guint64 n)
{
  switch (item)
    {
    case TERN_IMAP_STATUS_ITEM_MESSAGES:
      self->messages = (guint32) n;
      break;
    case TERN_IMAP_STATUS_ITEM_RECENT:
      self->recent = (guint32) n;
      break;
    case TERN_IMAP_STATUS_ITEM_UIDNEXT:
      self->uidnext = (guint32) n;
      break;
    case TERN_IMAP_STATUS_ITEM_UIDVALIDITY:
      self->uidvalidity = (guint32) n;
      break;
    case TERN_IMAP_STATUS_ITEM_UNSEEN:
      self->unseen = (guint32) n;
      break;
    case TERN_IMAP_STATUS_ITEM_DELETED:
      self->deleted = (guint32) n;
      break;
    case TERN_IMAP_STATUS_ITEM_SIZE:
      self->size = n;
      break;
    case TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ:
      self->highestmodseq = n;
      break;
    case TERN_IMAP_STATUS_ITEM_APPENDLIMIT:
    default:
      self->appendlimit = n;
      break;
    }
  self->items |= item;
}

/* Known items must carry a number (APPENDLIMIT may be NIL: no limit);
 * anything else (MAILBOXID (…), …) is skipped. */
static gboolean
parse_item (TernImapMailboxStatus *self, const TernImapValue *key, const TernImapValue *value)
{
  guint64 n;

  if (key->type != TERN_IMAP_VALUE_ATOM)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (known_items); i++)
    {
      if (g_ascii_strcasecmp (key->u.str, known_items[i].name) != 0)
        continue;

      if (known_items[i].item == TERN_IMAP_STATUS_ITEM_APPENDLIMIT &&
          value->type == TERN_IMAP_VALUE_NIL)
        return TRUE;
      if (!tern_imap_value_get_number (value, &n) || (!known_items[i].wide && n > G_MAXUINT32))
        return FALSE;
      store (self, known_items[i].item, n);
      return TRUE;
    }

  return TRUE;
}

/* "* STATUS name (MESSAGES 3 UIDNEXT 4 ...)" */
TernImapMailboxStatus *
tern_imap_mailbox_status_new_from_response (TernImapResponse *response, GError **error)
{
  g_autoptr (TernImapMailboxStatus) self = NULL;
  const TernImapValue *args;
  const TernImapValue *list;
  const char *name;
  gsize name_len;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  args = &response->args;
  if (response->data_type != TERN_IMAP_DATA_STATUS || args->len != 2 ||
      !_tern_imap_value_astring (&args->u.children[0], &name, &name_len) ||
      memchr (name, '\0', name_len) != NULL || args->u.children[1].type != TERN_IMAP_VALUE_LIST)
    {
      _tern_imap_set_malformed (error, "STATUS", "expected \"* STATUS name (...)\"");
      return NULL;
    }

  list = &args->u.children[1];
  if (list->len % 2 != 0)
    {
      _tern_imap_set_malformed (error, "STATUS", "an item without a value");
      return NULL;
    }

  self = g_new0 (TernImapMailboxStatus, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->name =
    g_ascii_strcasecmp (name, "INBOX") == 0 ? g_strdup ("INBOX") : g_strndup (name, name_len);

  for (guint i = 0; i < list->len; i += 2)
    {
      if (!parse_item (self, &list->u.children[i], &list->u.children[i + 1]))
        {
          _tern_imap_set_malformed (error, "STATUS", "an item is not \"NAME number\"");
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/* The raw mailbox name ("INBOX" whatever case the server used). */
const char *
tern_imap_mailbox_status_get_name (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

TernImapStatusItems
tern_imap_mailbox_status_get_items (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->items;
}

guint32
tern_imap_mailbox_status_get_messages (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->messages;
}

guint32
tern_imap_mailbox_status_get_recent (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->recent;
}

guint32
tern_imap_mailbox_status_get_uidnext (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->uidnext;
}

guint32
tern_imap_mailbox_status_get_uidvalidity (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->uidvalidity;
}

guint32
tern_imap_mailbox_status_get_unseen (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->unseen;
}

guint32
tern_imap_mailbox_status_get_deleted (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->deleted;
}

guint64
tern_imap_mailbox_status_get_size (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

guint64
tern_imap_mailbox_status_get_highestmodseq (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->highestmodseq;
}

guint64
tern_imap_mailbox_status_get_appendlimit (TernImapMailboxStatus *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->appendlimit;
}
