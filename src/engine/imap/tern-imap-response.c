/* tern-imap-response.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapResponse: the parsed form of one server response, built by
 * TernImapParser in one allocation (struct, value array, string pool) so that
 * a 100 000-message FETCH costs one malloc per message, not one per value.
 * Typed views of responses live in the tern-imap-<concept> decoders.
 *
 * Threading: immutable; references may be taken and dropped from any thread.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-flags.h"
#include "tern-imap-response-private.h"

G_DEFINE_BOXED_TYPE (TernImapResponse,
                     tern_imap_response,
                     tern_imap_response_ref,
                     tern_imap_response_unref)

#define ALIGN8(n) (((n) + 7) & ~(gsize) 7)

TernImapResponse *
_tern_imap_response_alloc (gsize n_values, gsize n_bytes, gsize pool_len)
{
  gsize values_offset = ALIGN8 (sizeof (TernImapResponse));
  gsize bytes_offset = values_offset + n_values * sizeof (TernImapValue);
  gsize pool_offset = bytes_offset + n_bytes * sizeof (GBytes *);
  guint8 *block = g_malloc (pool_offset + pool_len);
  TernImapResponse *self = (TernImapResponse *) (gpointer) block;

  memset (self, 0, sizeof *self);
  g_atomic_ref_count_init (&self->ref_count);
  self->values = (TernImapValue *) (gpointer) (block + values_offset);
  self->bytes = (GBytes **) (gpointer) (block + bytes_offset);
  self->pool = (char *) (block + pool_offset);
  self->n_bytes = n_bytes;
  self->args.type = TERN_IMAP_VALUE_LIST;
  self->code_args.type = TERN_IMAP_VALUE_LIST;
  self->text = "";
  self->code_text = "";

  return self;
}

TernImapResponse *
tern_imap_response_ref (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_response_unref (TernImapResponse *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->n_bytes; i++)
    g_bytes_unref (self->bytes[i]);
  g_free (self);
}

/* -- helpers shared with the decoders ------------------------------------ */

gboolean
_tern_imap_parse_number (const char *str, gsize len, guint64 *out_number)
{
  guint64 n = 0;

  if (len == 0 || len > 20)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guint d = (guint8) str[i] - '0';

      if (d > 9)
        return FALSE;
      if (n > (G_MAXUINT64 - d) / 10)
        return FALSE;
      n = n * 10 + d;
    }

  *out_number = n;
  return TRUE;
}

gboolean
_tern_imap_value_nstring (const TernImapValue *value, const char **out_str, gsize *out_len)
{
  if (value == NULL)
    return FALSE;

  if (value->type == TERN_IMAP_VALUE_NIL)
    {
      *out_str = NULL;
      if (out_len)
        *out_len = 0;
      return TRUE;
    }

  if (value->type != TERN_IMAP_VALUE_STRING)
    return FALSE;

  *out_str = _tern_imap_value_str (value);
  if (out_len)
    *out_len = value->len;
  return TRUE;
}

gboolean
_tern_imap_value_astring (const TernImapValue *value, const char **out_str, gsize *out_len)
{
  if (value == NULL || value->type == TERN_IMAP_VALUE_LIST)
    return FALSE;

  *out_str = _tern_imap_value_str (value);
  if (out_len)
    *out_len = value->len;
  return TRUE;
}

void
_tern_imap_set_malformed (GError **error, const char *what, const char *why)
{
  g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL, "Malformed %s: %s", what, why);
}

/* -- values ---------------------------------------------------------------- */

TernImapValueType
tern_imap_value_get_value_type (const TernImapValue *value)
{
  g_return_val_if_fail (value != NULL, TERN_IMAP_VALUE_NIL);

  return value->type;
}

gboolean
tern_imap_value_is_nil (const TernImapValue *value)
{
  return _tern_imap_value_is (value, TERN_IMAP_VALUE_NIL);
}

gboolean
tern_imap_value_is_atom (const TernImapValue *value)
{
  return _tern_imap_value_is (value, TERN_IMAP_VALUE_ATOM);
}

gboolean
tern_imap_value_is_string (const TernImapValue *value)
{
  return _tern_imap_value_is (value, TERN_IMAP_VALUE_STRING);
}

gboolean
tern_imap_value_is_list (const TernImapValue *value)
{
  return _tern_imap_value_is (value, TERN_IMAP_VALUE_LIST);
}

gboolean
tern_imap_value_is_literal (const TernImapValue *value)
{
  return _tern_imap_value_is (value, TERN_IMAP_VALUE_STRING) &&
         (value->flags & (TERN_IMAP_VALUE_FLAG_LITERAL | TERN_IMAP_VALUE_FLAG_LITERAL8)) != 0;
}

gboolean
tern_imap_value_is_literal8 (const TernImapValue *value)
{
  return _tern_imap_value_is (value, TERN_IMAP_VALUE_STRING) &&
         (value->flags & TERN_IMAP_VALUE_FLAG_LITERAL8) != 0;
}

/* Atoms never contain NUL, so the returned string is the whole atom. */
const char *
tern_imap_value_get_atom (const TernImapValue *value)
{
  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_ATOM))
    return NULL;

  return value->u.str;
}

gboolean
tern_imap_value_atom_equal (const TernImapValue *value, const char *atom)
{
  g_return_val_if_fail (atom != NULL, FALSE);

  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_ATOM))
    return FALSE;

  return g_ascii_strcasecmp (value->u.str, atom) == 0;
}

/* Returns the contents of a string (NUL-terminated, but binary-safe with
 * @len), or NULL for anything that is not a string. */
const char *
tern_imap_value_get_string (const TernImapValue *value, gsize *len)
{
  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_STRING))
    return NULL;

  if (len)
    *len = value->len;
  return _tern_imap_value_str (value);
}

/* An atom or a string (an astring in RFC 3501 terms); NIL reads as "NIL",
 * which is what a mailbox or flag spelt that way means. NULL for a list. */
const char *
tern_imap_value_get_astring (const TernImapValue *value, gsize *len)
{
  const char *str;

  if (!_tern_imap_value_astring (value, &str, len))
    return NULL;

  return str;
}

/* The contents of a string as GBytes: a new reference, without a copy, for
 * large literals; a copy for everything else. */
GBytes *
tern_imap_value_dup_bytes (const TernImapValue *value)
{
  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_STRING))
    return NULL;

  if (value->flags & TERN_IMAP_VALUE_FLAG_BYTES)
    return g_bytes_ref (value->u.bytes);

  return g_bytes_new (value->u.str, value->len);
}

gboolean
tern_imap_value_get_number (const TernImapValue *value, guint64 *out_number)
{
  g_return_val_if_fail (out_number != NULL, FALSE);

  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_ATOM))
    return FALSE;

  return _tern_imap_parse_number (value->u.str, value->len, out_number);
}

gboolean
tern_imap_value_get_uint32 (const TernImapValue *value, guint32 *out_number)
{
  guint64 n;

  g_return_val_if_fail (out_number != NULL, FALSE);

  if (!tern_imap_value_get_number (value, &n) || n > G_MAXUINT32)
    return FALSE;

  *out_number = (guint32) n;
  return TRUE;
}

guint
tern_imap_value_get_n_children (const TernImapValue *value)
{
  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_LIST))
    return 0;

  return value->len;
}

const TernImapValue *
tern_imap_value_get_child (const TernImapValue *value, guint index)
{
  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_LIST) || index >= value->len)
    return NULL;

  return &value->u.children[index];
}

static void
append_quoted (GString *out, const char *str, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (str[i] == '"' || str[i] == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, str[i]);
    }
  g_string_append_c (out, '"');
}

/* Lists that follow lists are written ")(", as servers write the parts of a
 * multipart BODYSTRUCTURE, THREAD and NAMESPACE; everything else gets a space. */
static void
append_separator (GString *out, const TernImapValue *prev, const TernImapValue *next)
{
  if (prev->type != TERN_IMAP_VALUE_LIST || next->type != TERN_IMAP_VALUE_LIST)
    g_string_append_c (out, ' ');
}

/* Written with an explicit stack: value trees can be as deep as the parser's
 * depth limit allows, and the caller may have raised it. */
static void
append_value (GString *out, const TernImapValue *root)
{
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (const TernImapValue *));
  g_autoptr (GArray) indexes = g_array_new (FALSE, FALSE, sizeof (guint));
  const TernImapValue *value = root;

  for (;;)
    {
      switch (value->type)
        {
        case TERN_IMAP_VALUE_NIL:
          g_string_append (out, "NIL");
          break;
        case TERN_IMAP_VALUE_ATOM:
          g_string_append_len (out, value->u.str, value->len);
          break;
        case TERN_IMAP_VALUE_STRING:
          if (value->flags & (TERN_IMAP_VALUE_FLAG_LITERAL | TERN_IMAP_VALUE_FLAG_LITERAL8))
            {
              g_string_append_printf (out, "%s{%u}\r\n",
                                      (value->flags & TERN_IMAP_VALUE_FLAG_LITERAL8) ? "~" : "",
                                      value->len);
              g_string_append_len (out, _tern_imap_value_str (value), value->len);
            }
          else
            append_quoted (out, value->u.str, value->len);
          break;
        case TERN_IMAP_VALUE_LIST:
          {
            guint zero = 0;

            g_string_append_c (out, '(');
            g_array_append_val (stack, value);
            g_array_append_val (indexes, zero);
          }
          break;
        default:
          g_assert_not_reached ();
        }

      /* Find the next value: the next child of the innermost open list. */
      value = NULL;
      while (stack->len > 0)
        {
          const TernImapValue *list = g_array_index (stack, const TernImapValue *, stack->len - 1);
          guint *index = &g_array_index (indexes, guint, indexes->len - 1);

          if (*index < list->len)
            {
              if (*index > 0)
                append_separator (out, &list->u.children[*index - 1], &list->u.children[*index]);
              value = &list->u.children[(*index)++];
              break;
            }

          g_string_append_c (out, ')');
          g_array_set_size (stack, stack->len - 1);
          g_array_set_size (indexes, indexes->len - 1);
        }

      if (value == NULL)
        return;
    }
}

/* The value in IMAP syntax (literals as {n}CRLF and their bytes); for traces
 * and tests. */
char *
tern_imap_value_to_string (const TernImapValue *value)
{
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_string_new (NULL);
  append_value (out, value);
  return g_string_free (out, FALSE);
}

/* -- responses -------------------------------------------------------------- */

TernImapResponseKind
tern_imap_response_get_kind (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, TERN_IMAP_RESPONSE_UNTAGGED);

  return self->kind;
}

/* The tag of a tagged response, NULL otherwise. */
const char *
tern_imap_response_get_tag (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->tag;
}

/* How many bytes the response took on the wire, CRLFs and literals included. */
gsize
tern_imap_response_get_wire_size (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->wire_size;
}

static const char *
status_name (TernImapStatus status)
{
  switch (status)
    {
    case TERN_IMAP_STATUS_OK:
      return "OK";
    case TERN_IMAP_STATUS_NO:
      return "NO";
    case TERN_IMAP_STATUS_BAD:
      return "BAD";
    case TERN_IMAP_STATUS_PREAUTH:
      return "PREAUTH";
    case TERN_IMAP_STATUS_BYE:
      return "BYE";
    case TERN_IMAP_STATUS_NONE:
    default:
      return NULL;
    }
}

/* The response in normalised IMAP syntax (single spaces, no final CRLF): what
 * the server sent, for traces and tests. */
char *
tern_imap_response_to_string (TernImapResponse *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);

  switch ((TernImapResponseKind) self->kind)
    {
    case TERN_IMAP_RESPONSE_CONTINUATION:
      g_string_append_c (out, '+');
      break;
    case TERN_IMAP_RESPONSE_TAGGED:
      g_string_append (out, self->tag);
      break;
    case TERN_IMAP_RESPONSE_UNTAGGED:
    default:
      g_string_append_c (out, '*');
      break;
    }

  if (self->kind == TERN_IMAP_RESPONSE_CONTINUATION || self->status != TERN_IMAP_STATUS_NONE)
    {
      if (self->status != TERN_IMAP_STATUS_NONE)
        g_string_append_printf (out, " %s", status_name (self->status));
      if (self->code != NULL)
        {
          g_string_append_printf (out, " [%s", self->code);
          if (self->code_text[0] != '\0')
            g_string_append_printf (out, " %s", self->code_text);
          g_string_append_c (out, ']');
        }
      if (self->text[0] != '\0')
        g_string_append_printf (out, " %s", self->text);
    }
  else
    {
      if (self->has_number)
        g_string_append_printf (out, " %u", self->number);
      g_string_append_printf (out, " %s", self->keyword);
      for (guint i = 0; i < self->args.len; i++)
        {
          if (i == 0)
            g_string_append_c (out, ' ');
          else
            append_separator (out, &self->args.u.children[i - 1], &self->args.u.children[i]);
          append_value (out, &self->args.u.children[i]);
        }
    }

  return g_string_free (out, FALSE);
}

TernImapStatus
tern_imap_response_get_status (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, TERN_IMAP_STATUS_NONE);

  return self->status;
}

/* The human-readable text of a status response or continuation ("" if none);
 * raw bytes, not necessarily UTF-8. For "+ base64" this is the base64. */
const char *
tern_imap_response_get_text (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, "");

  return self->text;
}

/* The response code's name as the server spelt it ("UIDVALIDITY"), or NULL. */
const char *
tern_imap_response_get_code (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->code;
}

gboolean
tern_imap_response_has_code (TernImapResponse *self, const char *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return self->code != NULL && g_ascii_strcasecmp (self->code, name) == 0;
}

/* The response code's arguments as a list value (empty when there are none,
 * or when they are free text that does not tokenize: see get_code_text()). */
const TernImapValue *
tern_imap_response_get_code_args (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->code_args;
}

/* The raw text between the code's name and its "]" ("" if none). */
const char *
tern_imap_response_get_code_text (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, "");

  return self->code_text;
}

gboolean
tern_imap_response_get_code_number (TernImapResponse *self, const char *name, guint64 *out_number)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_number != NULL, FALSE);

  if (!tern_imap_response_has_code (self, name) || self->code_args.len != 1)
    return FALSE;

  return tern_imap_value_get_number (&self->code_args.u.children[0], out_number);
}

static gboolean
get_code_nz32 (TernImapResponse *self, const char *name, guint32 *out)
{
  guint64 n;

  if (!tern_imap_response_get_code_number (self, name, &n) || n == 0 || n > G_MAXUINT32)
    return FALSE;

  *out = (guint32) n;
  return TRUE;
}

/* [UIDVALIDITY n]; FALSE if absent or malformed. */
gboolean
tern_imap_response_get_uidvalidity (TernImapResponse *self, guint32 *out_uidvalidity)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_uidvalidity != NULL, FALSE);

  return get_code_nz32 (self, "UIDVALIDITY", out_uidvalidity);
}

/* [UIDNEXT n]; FALSE if absent or malformed. */
gboolean
tern_imap_response_get_uidnext (TernImapResponse *self, guint32 *out_uidnext)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_uidnext != NULL, FALSE);

  return get_code_nz32 (self, "UIDNEXT", out_uidnext);
}

/* [HIGHESTMODSEQ n]; FALSE if absent or malformed. */
gboolean
tern_imap_response_get_highestmodseq (TernImapResponse *self, guint64 *out_modseq)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_modseq != NULL, FALSE);

  if (!tern_imap_response_get_code_number (self, "HIGHESTMODSEQ", &n) || n > G_MAXINT64)
    return FALSE;

  *out_modseq = n;
  return TRUE;
}

static gboolean
check_code (TernImapResponse *self, const char *name, guint n_args, GError **error)
{
  if (!tern_imap_response_has_code (self, name))
    {
      g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                   "The response has no %s response code", name);
      return FALSE;
    }

  if (self->code_args.len != n_args)
    {
      _tern_imap_set_malformed (error, name, "wrong number of arguments");
      return FALSE;
    }

  return TRUE;
}

/* [PERMANENTFLAGS (…)]: the flags, "\*" included when present. */
char **
tern_imap_response_dup_permanent_flags (TernImapResponse *self, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_code (self, "PERMANENTFLAGS", 1, error))
    return NULL;

  return tern_imap_flags_from_value (&self->code_args.u.children[0], error);
}

static TernImapUidSet *
parse_set_arg (const TernImapValue *value, const char *what, GError **error)
{
  g_autoptr (TernImapUidSet) set = NULL;
  g_autoptr (GError) local_error = NULL;

  if (value->type != TERN_IMAP_VALUE_ATOM)
    {
      _tern_imap_set_malformed (error, what, "a UID set is not an atom");
      return NULL;
    }

  set = tern_imap_uid_set_parse (value->u.str, value->len, &local_error);
  if (set == NULL)
    {
      _tern_imap_set_malformed (error, what, local_error->message);
      return NULL;
    }

  if (tern_imap_uid_set_has_star (set))
    {
      _tern_imap_set_malformed (error, what, "\"*\" in a UID set from the server");
      return NULL;
    }

  return g_steal_pointer (&set);
}

static gboolean
parse_uidvalidity_arg (const TernImapValue *value, const char *what, guint32 *out, GError **error)
{
  if (!tern_imap_value_get_uint32 (value, out) || *out == 0)
    {
      _tern_imap_set_malformed (error, what, "bad UIDVALIDITY");
      return FALSE;
    }

  return TRUE;
}

/* [APPENDUID uidvalidity uid-set] (UIDPLUS; a set with MULTIAPPEND). */
gboolean
tern_imap_response_get_appenduid (TernImapResponse *self,
                                  guint32 *out_uidvalidity,
                                  TernImapUidSet **out_uids,
                                  GError **error)
{
  guint32 uidvalidity;
  TernImapUidSet *uids;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_code (self, "APPENDUID", 2, error) ||
      !parse_uidvalidity_arg (&self->code_args.u.children[0], "APPENDUID", &uidvalidity, error))
    return FALSE;

  uids = parse_set_arg (&self->code_args.u.children[1], "APPENDUID", error);
  if (uids == NULL)
    return FALSE;

  if (out_uidvalidity)
    *out_uidvalidity = uidvalidity;
  if (out_uids)
    *out_uids = uids;
  else
    tern_imap_uid_set_unref (uids);
  return TRUE;
}

/* [COPYUID uidvalidity source-set dest-set] (UIDPLUS). The two sets keep the
 * server's order, which is what pairs source and destination UIDs. */
gboolean
tern_imap_response_get_copyuid (TernImapResponse *self,
                                guint32 *out_uidvalidity,
                                TernImapUidSet **out_source,
                                TernImapUidSet **out_dest,
                                GError **error)
{
  guint32 uidvalidity;
  g_autoptr (TernImapUidSet) source = NULL;
  g_autoptr (TernImapUidSet) dest = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_code (self, "COPYUID", 3, error) ||
      !parse_uidvalidity_arg (&self->code_args.u.children[0], "COPYUID", &uidvalidity, error))
    return FALSE;

  source = parse_set_arg (&self->code_args.u.children[1], "COPYUID", error);
  if (source == NULL)
    return FALSE;
  dest = parse_set_arg (&self->code_args.u.children[2], "COPYUID", error);
  if (dest == NULL)
    return FALSE;

  if (tern_imap_uid_set_get_count (source) != tern_imap_uid_set_get_count (dest))
    {
      _tern_imap_set_malformed (error, "COPYUID", "source and destination differ in size");
      return FALSE;
    }

  if (out_uidvalidity)
    *out_uidvalidity = uidvalidity;
  if (out_source)
    *out_source = g_steal_pointer (&source);
  if (out_dest)
    *out_dest = g_steal_pointer (&dest);
  return TRUE;
}

/* [MODIFIED set] (CONDSTORE): the messages a conditional STORE left alone. */
TernImapUidSet *
tern_imap_response_dup_modified (TernImapResponse *self, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_code (self, "MODIFIED", 1, error))
    return NULL;

  return parse_set_arg (&self->code_args.u.children[0], "MODIFIED", error);
}

TernImapDataType
tern_imap_response_get_data_type (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, TERN_IMAP_DATA_NONE);

  return self->data_type;
}

/* The keyword as sent: "FETCH", "LIST", or the status "OK"/"NO"/…; NULL for
 * a continuation. */
const char *
tern_imap_response_get_keyword (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->keyword;
}

/* The number before the keyword ("* 5 EXISTS"); FALSE if there is none. */
gboolean
tern_imap_response_get_number (TernImapResponse *self, guint32 *out_number)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out_number != NULL, FALSE);

  if (!self->has_number)
    return FALSE;

  *out_number = self->number;
  return TRUE;
}

/* Everything after the keyword, as a list value (empty for status responses). */
const TernImapValue *
tern_imap_response_get_args (TernImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->args;
}
