/* tern-imap-response.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "tern-imap-uid-set.h"

G_BEGIN_DECLS

/* One node of a parsed response: NIL, an atom (numbers are atoms, parsed on
 * demand), a string (quoted or literal; binary-safe) or a list. Values are
 * owned by their TernImapResponse and valid as long as it is. */
typedef struct _TernImapValue TernImapValue;

typedef enum
{
  TERN_IMAP_VALUE_NIL,
  TERN_IMAP_VALUE_ATOM,
  TERN_IMAP_VALUE_STRING,
  TERN_IMAP_VALUE_LIST,
} TernImapValueType;

typedef enum
{
  TERN_IMAP_RESPONSE_UNTAGGED,
  TERN_IMAP_RESPONSE_TAGGED,
  TERN_IMAP_RESPONSE_CONTINUATION,
} TernImapResponseKind;

typedef enum
{
  TERN_IMAP_STATUS_NONE, /* a data response or a continuation */
  TERN_IMAP_STATUS_OK,
  TERN_IMAP_STATUS_NO,
  TERN_IMAP_STATUS_BAD,
  TERN_IMAP_STATUS_PREAUTH,
  TERN_IMAP_STATUS_BYE,
} TernImapStatus;

typedef enum
{
  TERN_IMAP_DATA_NONE,  /* a status response or a continuation */
  TERN_IMAP_DATA_OTHER, /* untagged data with a keyword not listed here */
  TERN_IMAP_DATA_CAPABILITY,
  TERN_IMAP_DATA_ENABLED,
  TERN_IMAP_DATA_ID,
  TERN_IMAP_DATA_NAMESPACE,
  TERN_IMAP_DATA_LIST,
  TERN_IMAP_DATA_LSUB,
  TERN_IMAP_DATA_STATUS,
  TERN_IMAP_DATA_FLAGS,
  TERN_IMAP_DATA_EXISTS,
  TERN_IMAP_DATA_RECENT,
  TERN_IMAP_DATA_EXPUNGE,
  TERN_IMAP_DATA_VANISHED,
  TERN_IMAP_DATA_SEARCH,
  TERN_IMAP_DATA_ESEARCH,
  TERN_IMAP_DATA_SORT,
  TERN_IMAP_DATA_THREAD,
  TERN_IMAP_DATA_FETCH,
} TernImapDataType;

/* TernImapResponse: one complete server response, immutable once parsed.
 * Reference counting is atomic, so a response may be handed to another
 * thread; everything else about it is read-only. */
typedef struct _TernImapResponse TernImapResponse;

#define TERN_TYPE_IMAP_RESPONSE (tern_imap_response_get_type ())

/* Values */
TernImapValueType tern_imap_value_get_value_type (const TernImapValue *value);
gboolean tern_imap_value_is_nil (const TernImapValue *value);
gboolean tern_imap_value_is_atom (const TernImapValue *value);
gboolean tern_imap_value_is_string (const TernImapValue *value);
gboolean tern_imap_value_is_list (const TernImapValue *value);
gboolean tern_imap_value_is_literal (const TernImapValue *value);
gboolean tern_imap_value_is_literal8 (const TernImapValue *value);
const char *tern_imap_value_get_atom (const TernImapValue *value);
gboolean tern_imap_value_atom_equal (const TernImapValue *value, const char *atom);
const char *tern_imap_value_get_string (const TernImapValue *value, gsize *len);
const char *tern_imap_value_get_astring (const TernImapValue *value, gsize *len);
GBytes *tern_imap_value_dup_bytes (const TernImapValue *value);
gboolean tern_imap_value_get_number (const TernImapValue *value, guint64 *out_number);
gboolean tern_imap_value_get_uint32 (const TernImapValue *value, guint32 *out_number);
guint tern_imap_value_get_n_children (const TernImapValue *value);
const TernImapValue *tern_imap_value_get_child (const TernImapValue *value, guint index);
char *tern_imap_value_to_string (const TernImapValue *value);

/* Responses */
GType tern_imap_response_get_type (void) G_GNUC_CONST;
TernImapResponse *tern_imap_response_ref (TernImapResponse *self);
void tern_imap_response_unref (TernImapResponse *self);

TernImapResponseKind tern_imap_response_get_kind (TernImapResponse *self);
const char *tern_imap_response_get_tag (TernImapResponse *self);
gsize tern_imap_response_get_wire_size (TernImapResponse *self);
char *tern_imap_response_to_string (TernImapResponse *self);

/* Status responses (OK, NO, BAD, PREAUTH, BYE) and continuations */
TernImapStatus tern_imap_response_get_status (TernImapResponse *self);
const char *tern_imap_response_get_text (TernImapResponse *self);
const char *tern_imap_response_get_code (TernImapResponse *self);
gboolean tern_imap_response_has_code (TernImapResponse *self, const char *name);
const TernImapValue *tern_imap_response_get_code_args (TernImapResponse *self);
const char *tern_imap_response_get_code_text (TernImapResponse *self);
gboolean
tern_imap_response_get_code_number (TernImapResponse *self, const char *name, guint64 *out_number);
gboolean tern_imap_response_get_uidvalidity (TernImapResponse *self, guint32 *out_uidvalidity);
gboolean tern_imap_response_get_uidnext (TernImapResponse *self, guint32 *out_uidnext);
gboolean tern_imap_response_get_highestmodseq (TernImapResponse *self, guint64 *out_modseq);
char **tern_imap_response_dup_permanent_flags (TernImapResponse *self, GError **error);
gboolean tern_imap_response_get_appenduid (TernImapResponse *self,
                                           guint32 *out_uidvalidity,
                                           TernImapUidSet **out_uids,
                                           GError **error);
gboolean tern_imap_response_get_copyuid (TernImapResponse *self,
                                         guint32 *out_uidvalidity,
                                         TernImapUidSet **out_source,
                                         TernImapUidSet **out_dest,
                                         GError **error);
TernImapUidSet *tern_imap_response_dup_modified (TernImapResponse *self, GError **error);

/* Untagged data */
TernImapDataType tern_imap_response_get_data_type (TernImapResponse *self);
const char *tern_imap_response_get_keyword (TernImapResponse *self);
gboolean tern_imap_response_get_number (TernImapResponse *self, guint32 *out_number);
const TernImapValue *tern_imap_response_get_args (TernImapResponse *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapResponse, tern_imap_response_unref)

G_END_DECLS
