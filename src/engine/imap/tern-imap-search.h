/* tern-imap-search.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"
#include "tern-imap-uid-set.h"

G_BEGIN_DECLS

/* TernImapSearchResult: "* SEARCH n …" or "* ESEARCH …" (RFC 4731), the
 * matches always as a TernImapUidSet (never expanded). For SEARCH, MIN, MAX,
 * COUNT and ALL are all derived from the numbers.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapSearchResult TernImapSearchResult;

#define TERN_TYPE_IMAP_SEARCH_RESULT (tern_imap_search_result_get_type ())

GType tern_imap_search_result_get_type (void) G_GNUC_CONST;
TernImapSearchResult *tern_imap_search_result_new_from_response (TernImapResponse *response,
                                                                 GError **error);
TernImapSearchResult *tern_imap_search_result_ref (TernImapSearchResult *self);
void tern_imap_search_result_unref (TernImapSearchResult *self);

gboolean tern_imap_search_result_is_esearch (TernImapSearchResult *self);
const char *tern_imap_search_result_get_tag (TernImapSearchResult *self);
gboolean tern_imap_search_result_is_uid (TernImapSearchResult *self);
TernImapUidSet *tern_imap_search_result_get_set (TernImapSearchResult *self);
gboolean tern_imap_search_result_get_min (TernImapSearchResult *self, guint32 *out_min);
gboolean tern_imap_search_result_get_max (TernImapSearchResult *self, guint32 *out_max);
gboolean tern_imap_search_result_get_count (TernImapSearchResult *self, guint32 *out_count);
gboolean tern_imap_search_result_get_modseq (TernImapSearchResult *self, guint64 *out_modseq);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapSearchResult, tern_imap_search_result_unref)

G_END_DECLS
