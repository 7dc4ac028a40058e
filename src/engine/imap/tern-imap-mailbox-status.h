/* tern-imap-mailbox-status.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

/* The STATUS items a response carried. */
typedef enum
{
  TERN_IMAP_STATUS_ITEM_MESSAGES = 1 << 0,
  TERN_IMAP_STATUS_ITEM_RECENT = 1 << 1,
  TERN_IMAP_STATUS_ITEM_UIDNEXT = 1 << 2,
  TERN_IMAP_STATUS_ITEM_UIDVALIDITY = 1 << 3,
  TERN_IMAP_STATUS_ITEM_UNSEEN = 1 << 4,
  TERN_IMAP_STATUS_ITEM_DELETED = 1 << 5,
  TERN_IMAP_STATUS_ITEM_SIZE = 1 << 6,
  TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ = 1 << 7,
  TERN_IMAP_STATUS_ITEM_APPENDLIMIT = 1 << 8,
} TernImapStatusItems;

/* TernImapMailboxStatus: one "* STATUS name (item n …)" response (from STATUS
 * or LIST-STATUS). Items that were not sent read as 0; get_items() says
 * which were.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapMailboxStatus TernImapMailboxStatus;

#define TERN_TYPE_IMAP_MAILBOX_STATUS (tern_imap_mailbox_status_get_type ())

GType tern_imap_mailbox_status_get_type (void) G_GNUC_CONST;
TernImapMailboxStatus *tern_imap_mailbox_status_new_from_response (TernImapResponse *response,
                                                                   GError **error);
TernImapMailboxStatus *tern_imap_mailbox_status_ref (TernImapMailboxStatus *self);
void tern_imap_mailbox_status_unref (TernImapMailboxStatus *self);

const char *tern_imap_mailbox_status_get_name (TernImapMailboxStatus *self);
TernImapStatusItems tern_imap_mailbox_status_get_items (TernImapMailboxStatus *self);
guint32 tern_imap_mailbox_status_get_messages (TernImapMailboxStatus *self);
guint32 tern_imap_mailbox_status_get_recent (TernImapMailboxStatus *self);
guint32 tern_imap_mailbox_status_get_uidnext (TernImapMailboxStatus *self);
guint32 tern_imap_mailbox_status_get_uidvalidity (TernImapMailboxStatus *self);
guint32 tern_imap_mailbox_status_get_unseen (TernImapMailboxStatus *self);
guint32 tern_imap_mailbox_status_get_deleted (TernImapMailboxStatus *self);
guint64 tern_imap_mailbox_status_get_size (TernImapMailboxStatus *self);
guint64 tern_imap_mailbox_status_get_highestmodseq (TernImapMailboxStatus *self);
guint64 tern_imap_mailbox_status_get_appendlimit (TernImapMailboxStatus *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapMailboxStatus, tern_imap_mailbox_status_unref)

G_END_DECLS
