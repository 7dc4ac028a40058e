/* tern-mime-text.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text helpers of the GMime glue: header decoding (RFC 2047), transfer and
 * charset decoding of one body part, HTML to readable plain text, and the
 * short preview kept with a summary. Every function returns valid UTF-8:
 * bytes that cannot be converted become U+FFFD, never dropped silently.
 *
 * Threading: any thread; tern_mime_init() is called on first use. */

/* One address of a decoded address list; name is "" when there is none. */
typedef struct
{
  char *name;
  char *address;
} TernMimeAddress;

/* One attachment of a message: its IMAP section (numbered as TernMimePart
 * numbers BODYSTRUCTURE sections), decoded filename (RFC 2231/2047; may be
 * NULL), MIME type in lower case, and size in bytes: decoded when the whole
 * message was parsed, the encoded size BODYSTRUCTURE gives otherwise. */
typedef struct
{
  char *section;
  char *filename;
  char *mime_type;
  guint64 size;
  /* as stored on the server (BODYSTRUCTURE), for fetch progress; 0: unknown */
  guint64 encoded_size;
} TernMimeAttachment;

void tern_mime_init (void);

char *tern_mime_decode_header_text (const char *raw);
char *tern_mime_decode_header_phrase (const char *raw);
GPtrArray *tern_mime_parse_address_list (const char *raw);
void tern_mime_address_free (TernMimeAddress *address);
void tern_mime_attachment_free (TernMimeAttachment *attachment);

char *tern_mime_convert_to_utf8 (const char *data, gsize len, const char *charset);
GBytes *tern_mime_decode_transfer (GBytes *raw, const char *encoding);
char *tern_mime_decode_text_part (GBytes *raw, const char *encoding, const char *charset);

char *tern_mime_html_to_text (const char *html, gsize len);
char *tern_mime_make_preview (const char *text, guint max_chars);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMimeAddress, tern_mime_address_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernMimeAttachment, tern_mime_attachment_free)

G_END_DECLS
