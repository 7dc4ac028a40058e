/* tern-imap-fetch.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "mime/tern-mime-part.h"
#include "tern-imap-envelope.h"
#include "tern-imap-response.h"

G_BEGIN_DECLS

/* Which items a FETCH response carried. */
typedef enum
{
  TERN_IMAP_FETCH_UID = 1 << 0,
  TERN_IMAP_FETCH_FLAGS = 1 << 1,
  TERN_IMAP_FETCH_INTERNALDATE = 1 << 2,
  TERN_IMAP_FETCH_RFC822_SIZE = 1 << 3,
  TERN_IMAP_FETCH_MODSEQ = 1 << 4,
  TERN_IMAP_FETCH_ENVELOPE = 1 << 5,
  TERN_IMAP_FETCH_BODYSTRUCTURE = 1 << 6, /* BODYSTRUCTURE, or the shorter BODY */
  TERN_IMAP_FETCH_PREVIEW = 1 << 7,
  TERN_IMAP_FETCH_EMAILID = 1 << 8,
  TERN_IMAP_FETCH_THREADID = 1 << 9,
  TERN_IMAP_FETCH_SECTIONS =
    1 << 10, /* BODY[…], BINARY[…], BINARY.SIZE[…], RFC822[.HEADER|.TEXT] */
} TernImapFetchItems;

typedef enum
{
  TERN_IMAP_SECTION_BODY,
  TERN_IMAP_SECTION_BINARY,
  TERN_IMAP_SECTION_BINARY_SIZE,
} TernImapSectionKind;

/* TernImapFetch: one "* n FETCH (…)" response, decoded. It keeps a reference
 * to its response: strings and section payloads are borrowed from it, so
 * even a multi-megabyte BODY[] is never copied.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapFetch TernImapFetch;

#define TERN_TYPE_IMAP_FETCH (tern_imap_fetch_get_type ())

GType tern_imap_fetch_get_type (void) G_GNUC_CONST;
TernImapFetch *tern_imap_fetch_new_from_response (TernImapResponse *response, GError **error);
TernImapFetch *tern_imap_fetch_ref (TernImapFetch *self);
void tern_imap_fetch_unref (TernImapFetch *self);

TernImapResponse *tern_imap_fetch_get_response (TernImapFetch *self);
TernImapFetchItems tern_imap_fetch_get_items (TernImapFetch *self);
guint32 tern_imap_fetch_get_seq (TernImapFetch *self);
guint32 tern_imap_fetch_get_uid (TernImapFetch *self);
const char *const *tern_imap_fetch_get_flags (TernImapFetch *self);
GDateTime *tern_imap_fetch_get_internaldate (TernImapFetch *self);
guint64 tern_imap_fetch_get_rfc822_size (TernImapFetch *self);
guint64 tern_imap_fetch_get_modseq (TernImapFetch *self);
TernImapEnvelope *tern_imap_fetch_get_envelope (TernImapFetch *self);
TernMimePart *tern_imap_fetch_get_bodystructure (TernImapFetch *self);
const char *tern_imap_fetch_get_preview (TernImapFetch *self);
const char *tern_imap_fetch_get_emailid (TernImapFetch *self);
const char *tern_imap_fetch_get_threadid (TernImapFetch *self);

GBytes *tern_imap_fetch_get_body (TernImapFetch *self, const char *section, gint64 *out_origin);
GBytes *tern_imap_fetch_get_binary (TernImapFetch *self, const char *section, gint64 *out_origin);
gboolean
tern_imap_fetch_get_binary_size (TernImapFetch *self, const char *section, guint64 *out_size);
guint tern_imap_fetch_get_n_sections (TernImapFetch *self);
const char *tern_imap_fetch_get_section (TernImapFetch *self,
                                         guint index,
                                         TernImapSectionKind *out_kind,
                                         gint64 *out_origin,
                                         GBytes **out_data);
const TernImapValue *tern_imap_fetch_get_item (TernImapFetch *self, const char *name);

GDateTime *tern_imap_parse_date_time (const char *str, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapFetch, tern_imap_fetch_unref)

G_END_DECLS
