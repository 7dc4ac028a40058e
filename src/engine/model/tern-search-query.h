/* tern-search-query.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* TernSearchQuery: the search bar's small query language, parsed once and
 * translated for both places that answer it: the cache (an SQL condition over
 * `messages AS m` with FTS5 subqueries, every piece of user text a bound
 * parameter) and the server (IMAP SEARCH criteria, every piece of user text
 * a string argument, never spliced into the command).
 *
 *   free text       subject, sender, recipients or body
 *   from: to: cc: subject: body:   that field only
 *   "a phrase"      words in this order (also after a field: subject:"a b")
 *   has:attachment  is:unread  is:read  is:flagged
 *   before:YYYY-MM-DD (sent before that day)  after:YYYY-MM-DD (that day or later)
 *   -term           negation; terms are joined by AND
 *
 * Dates are days in UTC. Pure and immutable after parsing: any thread. */
typedef struct _TernSearchQuery TernSearchQuery;

/* Bounds: a longer query or more terms is refused, not truncated. */
#define TERN_SEARCH_QUERY_MAX_LENGTH 2048
#define TERN_SEARCH_QUERY_MAX_TERMS 32

typedef enum
{
  TERN_SEARCH_FIELD_TEXT,
  TERN_SEARCH_FIELD_FROM,
  TERN_SEARCH_FIELD_TO,
  TERN_SEARCH_FIELD_CC,
  TERN_SEARCH_FIELD_SUBJECT,
  TERN_SEARCH_FIELD_BODY,
  TERN_SEARCH_FIELD_ATTACHMENT,
  TERN_SEARCH_FIELD_UNREAD,
  TERN_SEARCH_FIELD_READ,
  TERN_SEARCH_FIELD_FLAGGED,
  TERN_SEARCH_FIELD_BEFORE,
  TERN_SEARCH_FIELD_AFTER,
} TernSearchField;

#define TERN_TYPE_SEARCH_QUERY (tern_search_query_get_type ())

GType tern_search_query_get_type (void) G_GNUC_CONST;

/* Fails with TERN_MODEL_ERROR_INVALID (a translated message naming the
 * offending part) for an empty, too long or malformed query. */
TernSearchQuery *tern_search_query_parse (const char *text, GError **error);
TernSearchQuery *tern_search_query_ref (TernSearchQuery *self);
void tern_search_query_unref (TernSearchQuery *self);

guint tern_search_query_get_n_terms (TernSearchQuery *self);
TernSearchField tern_search_query_get_field (TernSearchQuery *self, guint i);
gboolean tern_search_query_get_negated (TernSearchQuery *self, guint i);
/* The term's text (words or phrase), or the date as YYYY-MM-DD; NULL for flags. */
const char *tern_search_query_get_text (TernSearchQuery *self, guint i);

/* Whether a term looks into message bodies, which the cache knows only for
 * messages opened before. */
gboolean tern_search_query_needs_body (TernSearchQuery *self);

/* The cache's side, in two parts: one FTS5 MATCH expression for the
 * positive text terms (NULL when there are none), which the store drives the
 * search with, and a boolean SQL expression over `messages AS m` for the
 * rest, with `?` placeholders whose values are appended to @params as
 * GVariants (int64 "x" or string "s"), in order. The SQL refers to the FTS5
 * table message_fts (rowid (folder_id << 32) | uid) for negated text terms
 * and to the SQL function tern_fold_contains (haystack, needle) that the
 * store registers. */
char *tern_search_query_to_fts (TernSearchQuery *self);
char *tern_search_query_to_sql (TernSearchQuery *self, GPtrArray *params);

/* The server's side: the SEARCH criteria as a GVariant of type a(bs), one
 * element per argument: (FALSE, atom) or (TRUE, string to send quoted or as
 * a literal). *out_utf8 tells whether a string is not ASCII (then the
 * command needs CHARSET UTF-8). */
GVariant *tern_search_query_to_imap (TernSearchQuery *self, gboolean *out_utf8);
/* The criteria as text, strings quoted and non-ASCII ones as {n} literals
 * (for logs and tests). */
char *tern_search_query_to_imap_string (TernSearchQuery *self);

/* One FTS5 phrase for @text: every token quoted, so that nothing of it is
 * read as FTS5 syntax, the last one a prefix. NULL when it has no word. */
char *tern_search_query_fts_phrase (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSearchQuery, tern_search_query_unref)

G_END_DECLS
