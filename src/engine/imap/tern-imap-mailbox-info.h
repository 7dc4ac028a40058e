/* tern-imap-mailbox-info.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

/* Mailbox attributes of LIST/LSUB (RFC 3501, 5258 LIST-EXTENDED, 3348
 * CHILDREN, 6154 SPECIAL-USE). */
typedef enum
{
  TERN_IMAP_MAILBOX_NOSELECT = 1 << 0,
  TERN_IMAP_MAILBOX_NOINFERIORS = 1 << 1,
  TERN_IMAP_MAILBOX_NONEXISTENT = 1 << 2,
  TERN_IMAP_MAILBOX_HAS_CHILDREN = 1 << 3,
  TERN_IMAP_MAILBOX_HAS_NO_CHILDREN = 1 << 4,
  TERN_IMAP_MAILBOX_MARKED = 1 << 5,
  TERN_IMAP_MAILBOX_UNMARKED = 1 << 6,
  TERN_IMAP_MAILBOX_SUBSCRIBED = 1 << 7,
  TERN_IMAP_MAILBOX_REMOTE = 1 << 8,
  /* SPECIAL-USE */
  TERN_IMAP_MAILBOX_ALL = 1 << 9,
  TERN_IMAP_MAILBOX_ARCHIVE = 1 << 10,
  TERN_IMAP_MAILBOX_DRAFTS = 1 << 11,
  TERN_IMAP_MAILBOX_FLAGGED = 1 << 12,
  TERN_IMAP_MAILBOX_JUNK = 1 << 13,
  TERN_IMAP_MAILBOX_SENT = 1 << 14,
  TERN_IMAP_MAILBOX_TRASH = 1 << 15,
  TERN_IMAP_MAILBOX_IMPORTANT = 1 << 16,
} TernImapMailboxAttributes;

#define TERN_IMAP_MAILBOX_SPECIAL_USE_MASK                                                         \
  (TERN_IMAP_MAILBOX_ALL | TERN_IMAP_MAILBOX_ARCHIVE | TERN_IMAP_MAILBOX_DRAFTS |                  \
   TERN_IMAP_MAILBOX_FLAGGED | TERN_IMAP_MAILBOX_JUNK | TERN_IMAP_MAILBOX_SENT |                   \
   TERN_IMAP_MAILBOX_TRASH | TERN_IMAP_MAILBOX_IMPORTANT)

/* TernImapMailboxInfo: one "* LIST" or "* LSUB" response. The name is the raw
 * bytes the server sent (modified UTF-7, or UTF-8 after UTF8=ACCEPT);
 * decoding it for display is the caller's business. With LIST-STATUS the
 * server follows it with a "* STATUS" for the same name.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapMailboxInfo TernImapMailboxInfo;

#define TERN_TYPE_IMAP_MAILBOX_INFO (tern_imap_mailbox_info_get_type ())

GType tern_imap_mailbox_info_get_type (void) G_GNUC_CONST;
TernImapMailboxInfo *tern_imap_mailbox_info_new_from_response (TernImapResponse *response,
                                                               GError **error);
TernImapMailboxInfo *tern_imap_mailbox_info_ref (TernImapMailboxInfo *self);
void tern_imap_mailbox_info_unref (TernImapMailboxInfo *self);

gboolean tern_imap_mailbox_info_is_lsub (TernImapMailboxInfo *self);
const char *tern_imap_mailbox_info_get_name (TernImapMailboxInfo *self);
char tern_imap_mailbox_info_get_delimiter (TernImapMailboxInfo *self);
TernImapMailboxAttributes tern_imap_mailbox_info_get_attributes (TernImapMailboxInfo *self);
TernImapMailboxAttributes tern_imap_mailbox_info_get_special_use (TernImapMailboxInfo *self);
const char *const *tern_imap_mailbox_info_get_raw_attributes (TernImapMailboxInfo *self);
gboolean tern_imap_mailbox_info_has_attribute (TernImapMailboxInfo *self, const char *attribute);
const char *const *tern_imap_mailbox_info_get_childinfo (TernImapMailboxInfo *self);
const char *tern_imap_mailbox_info_get_old_name (TernImapMailboxInfo *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapMailboxInfo, tern_imap_mailbox_info_unref)

G_END_DECLS
