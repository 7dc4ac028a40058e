/* tern-imap-response-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The layout of responses and values, shared by the parser (which builds
 * them) and the typed decoders (which read them without a function call per
 * node). Nothing outside src/engine/imap and src/engine/mime includes this. */

#pragma once

#include "tern-imap-error.h"
#include "tern-imap-response.h"

G_BEGIN_DECLS

enum
{
  TERN_IMAP_VALUE_FLAG_LITERAL = 1 << 0,
  TERN_IMAP_VALUE_FLAG_LITERAL8 = 1 << 1,
  /* u.bytes holds the contents (a large literal kept in its own buffer) */
  TERN_IMAP_VALUE_FLAG_BYTES = 1 << 2,
};

/* 16 bytes: a 100 000-message FETCH makes tens of millions of these. */
struct _TernImapValue
{
  guint8 type;  /* TernImapValueType */
  guint8 flags; /* TERN_IMAP_VALUE_FLAG_* */
  guint16 reserved;
  guint32 len; /* bytes of an atom or string; children of a list */
  union
  {
    const char *str; /* NUL-terminated (strings may hold NULs before len) */
    const TernImapValue *children;
    GBytes *bytes;
  } u;
};

/* One allocation holds the struct, then the values, the big-literal GBytes
 * pointers and the string pool. */
struct _TernImapResponse
{
  gatomicrefcount ref_count;
  guint8 kind;      /* TernImapResponseKind */
  guint8 status;    /* TernImapStatus */
  guint8 data_type; /* TernImapDataType */
  guint8 has_number : 1;
  guint32 number;
  guint32 n_bytes;
  gsize wire_size;

  const char *tag;
  const char *keyword;
  const char *code; /* NULL when there is no response code */
  const char *code_text;
  const char *text;

  TernImapValue args;      /* LIST of the values after the keyword */
  TernImapValue code_args; /* LIST of the response code's arguments */

  TernImapValue *values;
  GBytes **bytes;
  char *pool;
};

TernImapResponse *_tern_imap_response_alloc (gsize n_values, gsize n_bytes, gsize pool_len);

static inline const char *
_tern_imap_value_str (const TernImapValue *value)
{
  if (value->flags & TERN_IMAP_VALUE_FLAG_BYTES)
    return (const char *) g_bytes_get_data (value->u.bytes, NULL);
  return value->u.str;
}

static inline gboolean
_tern_imap_value_is (const TernImapValue *value, TernImapValueType type)
{
  return value != NULL && value->type == type;
}

/* A string, or NULL for NIL; FALSE for anything else. */
gboolean
_tern_imap_value_nstring (const TernImapValue *value, const char **out_str, gsize *out_len);

/* An atom or string (NIL counts as the atom "NIL"); FALSE for a list. */
gboolean
_tern_imap_value_astring (const TernImapValue *value, const char **out_str, gsize *out_len);

/* Strict decimal parse of [str, str+len): 1..20 digits, no sign, no overflow. */
gboolean _tern_imap_parse_number (const char *str, gsize len, guint64 *out_number);

/* Convenience for decoders: g_set_error (TERN_IMAP_ERROR_PROTOCOL, "<what>: <why>"). */
void _tern_imap_set_malformed (GError **error, const char *what, const char *why);

G_END_DECLS
