/* tern-imap-client-select.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-client.h"
#include "tern-imap-uid-set.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_IMAP_SELECT_NONE = 0,
  /* EXAMINE instead of SELECT. */
  TERN_IMAP_SELECT_READ_ONLY = 1 << 0,
  /* The CONDSTORE parameter (RFC 7162 §3.1.8): HIGHESTMODSEQ in the answer. */
  TERN_IMAP_SELECT_CONDSTORE = 1 << 1,
} TernImapSelectFlags;

/* The QRESYNC parameter (RFC 7162 §3.2.5); needs ENABLE QRESYNC first. */
typedef struct
{
  guint32 uidvalidity;
  guint64 modseq;
  /* (nullable) the UIDs the cache knows, as a UID set ("1:500") */
  const char *known_uids;
} TernImapQresync;

/* What SELECT/EXAMINE told about the mailbox. */
typedef struct
{
  char *mailbox; /* UTF-8, "INBOX" for any case of it */
  guint32 uidvalidity;
  guint32 uidnext; /* 0 if not sent */
  guint32 exists;
  guint32 recent;
  guint64 highestmodseq; /* 0 if not sent (or NOMODSEQ) */
  gboolean nomodseq;
  gboolean read_only;
  char **flags;           /* FLAGS */
  char **permanent_flags; /* PERMANENTFLAGS, NULL if not sent */
  /* QRESYNC: UIDs expunged since the given modseq (VANISHED (EARLIER)), or
   * NULL; and the FETCH responses of messages changed since then. */
  TernImapUidSet *vanished;
  GPtrArray *fetches;
} TernImapSelectInfo;

void tern_imap_select_info_free (TernImapSelectInfo *info);

/* SELECT (or EXAMINE) @mailbox and collect the answer. A tagged NO is
 * TERN_IMAP_ERROR_NO, and leaves no mailbox selected. */
void tern_imap_client_select_async (TernImapClient *self,
                                    const char *mailbox,
                                    TernImapSelectFlags flags,
                                    const TernImapQresync *qresync,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
TernImapSelectInfo *
tern_imap_client_select_finish (TernImapClient *self, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapSelectInfo, tern_imap_select_info_free)

G_END_DECLS
