/* tern-mime-body.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-mime-part.h"
#include "tern-mime-text.h"

G_BEGIN_DECLS

/* Lazy bodies (DESIGN decision 8) from a BODYSTRUCTURE part tree: which
 * part to fetch for the text to show, the attachment list before anything
 * is fetched, and the decoding of a fetched part's raw bytes. The rules are
 * the ones TernMimeMessage applies to a whole message.
 *
 * Threading: any thread. */

/* A part an HTML body refers to as cid:<content_id> (Content-ID without
 * the angle brackets), with its IMAP section, MIME type in lower case and
 * Content-Transfer-Encoding (NULL: none). */
typedef struct
{
  char *content_id;
  char *section;
  char *mime_type;
  char *encoding;
} TernMimeInlinePart;

void tern_mime_inline_part_free (TernMimeInlinePart *part);

TernMimePart *tern_mime_body_pick_text_part (TernMimePart *root, gboolean *out_is_html);
TernMimePart *tern_mime_body_pick_html_part (TernMimePart *root);
GPtrArray *tern_mime_body_list_inline_parts (TernMimePart *root);
TernMimeInlinePart *tern_mime_body_find_inline_part (GPtrArray *inline_parts,
                                                     const char *content_id);
char *tern_mime_body_decode_html (TernMimePart *part, GBytes *raw);
GPtrArray *tern_mime_body_list_attachments (TernMimePart *root);
gboolean tern_mime_body_is_attachment (TernMimePart *part);
char *tern_mime_body_dup_filename (TernMimePart *part);
char *tern_mime_body_decode_text (TernMimePart *part, GBytes *raw);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMimeInlinePart, tern_mime_inline_part_free)

G_END_DECLS
