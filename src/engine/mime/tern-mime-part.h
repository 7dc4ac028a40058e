/* tern-mime-part.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "imap/tern-imap-envelope.h"
#include "imap/tern-imap-response.h"

G_BEGIN_DECLS

/* TernMimePart: one part of a message's MIME structure, as a FETCH
 * BODYSTRUCTURE (or BODY) described it, with its IMAP section number. Parts
 * belong to one tree: a reference to any part keeps the whole tree alive, and
 * parents, children and envelopes are borrowed from it.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernMimePart TernMimePart;

/* Return FALSE to stop the walk. */
typedef gboolean (*TernMimePartWalkFunc) (TernMimePart *part, guint depth, gpointer user_data);

#define TERN_TYPE_MIME_PART (tern_mime_part_get_type ())

GType tern_mime_part_get_type (void) G_GNUC_CONST;
TernMimePart *tern_mime_part_new_from_bodystructure (const TernImapValue *value, GError **error);
TernMimePart *tern_mime_part_new_from_bodystructure_text (GBytes *text, GError **error);
TernMimePart *tern_mime_part_ref (TernMimePart *self);
void tern_mime_part_unref (TernMimePart *self);

/* Tree */
TernMimePart *tern_mime_part_get_root (TernMimePart *self);
TernMimePart *tern_mime_part_get_parent (TernMimePart *self);
guint tern_mime_part_get_n_children (TernMimePart *self);
TernMimePart *tern_mime_part_get_child (TernMimePart *self, guint index);
TernMimePart *tern_mime_part_get_message_body (TernMimePart *self);
TernMimePart *tern_mime_part_lookup (TernMimePart *self, const char *section);
gboolean tern_mime_part_walk (TernMimePart *self, TernMimePartWalkFunc func, gpointer user_data);
guint tern_mime_part_get_n_parts (TernMimePart *self);

/* Sections */
const char *tern_mime_part_get_section (TernMimePart *self);
char *tern_mime_part_dup_header_section (TernMimePart *self);

/* Fields */
const char *tern_mime_part_get_media_type (TernMimePart *self);
const char *tern_mime_part_get_media_subtype (TernMimePart *self);
const char *tern_mime_part_get_mime_type (TernMimePart *self);
gboolean tern_mime_part_is_multipart (TernMimePart *self);
gboolean tern_mime_part_is_message (TernMimePart *self);
guint tern_mime_part_get_n_params (TernMimePart *self);
const char *tern_mime_part_get_param_name (TernMimePart *self, guint index);
const char *tern_mime_part_get_param_value (TernMimePart *self, guint index);
const char *tern_mime_part_get_param (TernMimePart *self, const char *name);
const char *tern_mime_part_get_id (TernMimePart *self);
const char *tern_mime_part_get_description (TernMimePart *self);
const char *tern_mime_part_get_encoding (TernMimePart *self);
guint64 tern_mime_part_get_size (TernMimePart *self);
gboolean tern_mime_part_get_lines (TernMimePart *self, guint64 *out_lines);
TernImapEnvelope *tern_mime_part_get_envelope (TernMimePart *self);

/* Extension data (BODYSTRUCTURE only) */
gboolean tern_mime_part_has_extension_data (TernMimePart *self);
const char *tern_mime_part_get_md5 (TernMimePart *self);
const char *tern_mime_part_get_disposition (TernMimePart *self);
guint tern_mime_part_get_n_disposition_params (TernMimePart *self);
const char *tern_mime_part_get_disposition_param_name (TernMimePart *self, guint index);
const char *tern_mime_part_get_disposition_param_value (TernMimePart *self, guint index);
const char *tern_mime_part_get_disposition_param (TernMimePart *self, const char *name);
const char *const *tern_mime_part_get_languages (TernMimePart *self);
const char *tern_mime_part_get_location (TernMimePart *self);
const char *tern_mime_part_get_filename (TernMimePart *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMimePart, tern_mime_part_unref)

G_END_DECLS
