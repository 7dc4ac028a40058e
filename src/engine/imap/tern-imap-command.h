/* tern-imap-command.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* How literals may be sent, from the connection's capabilities. */
typedef enum
{
  TERN_IMAP_LITERAL_SYNC,  /* "{n}": wait for the server's "+" before the bytes */
  TERN_IMAP_LITERAL_PLUS,  /* LITERAL+ (RFC 7888): "{n+}" always, never wait */
  TERN_IMAP_LITERAL_MINUS, /* LITERAL- (RFC 7888): "{n+}" up to 4096 octets, "{n}" above */
} TernImapLiteralMode;

/* One piece of a serialised command. The connection writes @bytes; when
 * @wait_for_continuation is set it then waits for a "+" continuation
 * request before writing the next chunk (a tagged response instead means the
 * server refused the command: drop the remaining chunks). */
typedef struct
{
  GBytes *bytes;
  gboolean wait_for_continuation;
} TernImapChunk;

typedef struct _TernImapCommand TernImapCommand;

#define TERN_TYPE_IMAP_COMMAND (tern_imap_command_get_type ())

GType tern_imap_command_get_type (void) G_GNUC_CONST;

TernImapCommand *tern_imap_command_new (const char *name);
TernImapCommand *tern_imap_command_ref (TernImapCommand *self);
void tern_imap_command_unref (TernImapCommand *self);

const char *tern_imap_command_get_name (TernImapCommand *self);
gboolean tern_imap_command_is_sensitive (TernImapCommand *self);
gboolean tern_imap_command_get_error (TernImapCommand *self, GError **error);

void tern_imap_command_add_atom (TernImapCommand *self, const char *atom);
void tern_imap_command_add_flag (TernImapCommand *self, const char *flag);
void tern_imap_command_add_number (TernImapCommand *self, guint64 number);
void tern_imap_command_add_sequence_set (TernImapCommand *self, const char *set);
void tern_imap_command_add_astring (TernImapCommand *self, const char *str);
void tern_imap_command_add_string (TernImapCommand *self, const char *str);
void tern_imap_command_add_nil (TernImapCommand *self);
void tern_imap_command_add_mailbox (TernImapCommand *self, const char *utf8_name);
void tern_imap_command_add_mailbox_raw (TernImapCommand *self, const char *wire_name, gsize len);
void tern_imap_command_add_date (TernImapCommand *self, GDateTime *date);
void tern_imap_command_add_date_time (TernImapCommand *self, GDateTime *date_time);
void tern_imap_command_add_raw (TernImapCommand *self, const char *fragment);
void tern_imap_command_begin_list (TernImapCommand *self);
void tern_imap_command_end_list (TernImapCommand *self);
void tern_imap_command_add_literal (TernImapCommand *self, GBytes *bytes);
void tern_imap_command_add_literal8 (TernImapCommand *self, GBytes *bytes);
void tern_imap_command_add_secret_astring (TernImapCommand *self, const char *secret);
void tern_imap_command_add_secret_atom (TernImapCommand *self, const char *secret);

GPtrArray *tern_imap_command_serialize (TernImapCommand *self,
                                        const char *tag,
                                        TernImapLiteralMode mode,
                                        gboolean utf8_accept,
                                        char **out_trace,
                                        GError **error);

void tern_imap_chunk_free (TernImapChunk *chunk);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapCommand, tern_imap_command_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapChunk, tern_imap_chunk_free)

G_END_DECLS
