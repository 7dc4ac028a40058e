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

TernMimePart *tern_mime_body_pick_text_part (TernMimePart *root, gboolean *out_is_html);
GPtrArray *tern_mime_body_list_attachments (TernMimePart *root);
gboolean tern_mime_body_is_attachment (TernMimePart *part);
char *tern_mime_body_dup_filename (TernMimePart *part);
char *tern_mime_body_decode_text (TernMimePart *part, GBytes *raw);

G_END_DECLS
