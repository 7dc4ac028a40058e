/* tern-mime-message.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tern-mime-text.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_MIME_ADDRESS_FROM,
  TERN_MIME_ADDRESS_REPLY_TO,
  TERN_MIME_ADDRESS_TO,
  TERN_MIME_ADDRESS_CC,
  TERN_MIME_ADDRESS_BCC,
} TernMimeAddressField;

/* TernMimeMessage: one whole message parsed by GMime, for `show`, saving
 * attachments and computing a preview. Header values, the text to show and
 * the attachment list are decoded once at construction.
 *
 * Threading: any thread; an instance may be shared, its calls are serialised. */
#define TERN_TYPE_MIME_MESSAGE (tern_mime_message_get_type ())

G_DECLARE_FINAL_TYPE (TernMimeMessage, tern_mime_message, TERN, MIME_MESSAGE, GObject)

TernMimeMessage *tern_mime_message_new_from_bytes (GBytes *bytes, GError **error);

const char *tern_mime_message_get_subject (TernMimeMessage *self);
const char *tern_mime_message_get_message_id (TernMimeMessage *self);
const char *tern_mime_message_get_in_reply_to (TernMimeMessage *self);
const char *const *tern_mime_message_get_references (TernMimeMessage *self);
GDateTime *tern_mime_message_get_date (TernMimeMessage *self);
GPtrArray *tern_mime_message_get_addresses (TernMimeMessage *self, TernMimeAddressField field);

const char *tern_mime_message_get_text (TernMimeMessage *self);
gboolean tern_mime_message_get_text_is_from_html (TernMimeMessage *self);
char *tern_mime_message_dup_preview (TernMimeMessage *self, guint max_chars);
GPtrArray *tern_mime_message_get_attachments (TernMimeMessage *self);
GBytes *
tern_mime_message_dup_part_content (TernMimeMessage *self, const char *section, GError **error);

G_END_DECLS
