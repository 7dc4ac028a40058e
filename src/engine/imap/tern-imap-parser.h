/* tern-imap-parser.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "tern-imap-response.h"

G_BEGIN_DECLS

#define TERN_IMAP_PARSER_DEFAULT_MAX_LINE_LENGTH ((gsize) 8 * 1024 * 1024)
#define TERN_IMAP_PARSER_DEFAULT_MAX_LITERAL_SIZE ((gsize) 256 * 1024 * 1024)
#define TERN_IMAP_PARSER_DEFAULT_MAX_RESPONSE_SIZE ((gsize) 512 * 1024 * 1024)
#define TERN_IMAP_PARSER_DEFAULT_MAX_DEPTH 64
#define TERN_IMAP_PARSER_DEFAULT_MAX_LIST_ITEMS (1024 * 1024)

/* Bounds on what one server response may make the parser hold. Exceeding any
 * of them is a TERN_IMAP_ERROR_LIMIT error. */
typedef struct
{
  /* Bytes of one response outside its literals (all its lines, CRLFs included). */
  gsize max_line_length;
  /* Bytes of one literal; refused as soon as the {n} announcing it arrives. */
  gsize max_literal_size;
  /* Bytes of one response, literals included. */
  gsize max_response_size;
  /* Nesting of parenthesised lists. */
  guint max_depth;
  /* Values in one list, and values after the keyword. */
  guint max_list_items;
} TernImapParserLimits;

/* TernImapParser: turns the bytes a server sends into TernImapResponses,
 * incrementally: feed it whatever each read returned, split anywhere.
 *
 * Threading: one parser belongs to one connection and is used from one
 * thread (the connection's main context). */
typedef struct _TernImapParser TernImapParser;

void tern_imap_parser_limits_init (TernImapParserLimits *limits);

TernImapParser *tern_imap_parser_new (const TernImapParserLimits *limits);
void tern_imap_parser_free (TernImapParser *self);

void tern_imap_parser_get_limits (TernImapParser *self, TernImapParserLimits *out_limits);
void tern_imap_parser_set_limits (TernImapParser *self, const TernImapParserLimits *limits);
void tern_imap_parser_set_max_line_length (TernImapParser *self, gsize max_line_length);
void tern_imap_parser_set_max_literal_size (TernImapParser *self, gsize max_literal_size);
void tern_imap_parser_set_max_response_size (TernImapParser *self, gsize max_response_size);
void tern_imap_parser_set_max_depth (TernImapParser *self, guint max_depth);
void tern_imap_parser_set_max_list_items (TernImapParser *self, guint max_list_items);

gboolean tern_imap_parser_feed (TernImapParser *self,
                                const guint8 *data,
                                gsize len,
                                GPtrArray *out,
                                GError **error);
gboolean tern_imap_parser_feed_until_tagged (TernImapParser *self,
                                             const guint8 *data,
                                             gsize len,
                                             gsize *out_consumed,
                                             GPtrArray *out,
                                             GError **error);
void tern_imap_parser_reset (TernImapParser *self);

gboolean tern_imap_parser_is_idle (TernImapParser *self);
gboolean tern_imap_parser_is_failed (TernImapParser *self);
gboolean
tern_imap_parser_get_literal_progress (TernImapParser *self, gsize *out_received, gsize *out_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapParser, tern_imap_parser_free)

G_END_DECLS
