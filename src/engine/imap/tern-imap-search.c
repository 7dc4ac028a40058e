/* tern-imap-search.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapSearchResult:
 *   "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]
 *   "ESEARCH" [SP "(" "TAG" SP tag-string ")"] [SP "UID"] *(SP search-return-data)
 * Unknown ESEARCH return data (PARTIAL, RELEVANCY, …) is skipped.
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-response-private.h"
#include "tern-imap-search.h"

struct _TernImapSearchResult
{
  gatomicrefcount ref_count;
  char *tag;
  TernImapUidSet *set;
  guint32 min;
  guint32 max;
  guint32 count;
  guint64 modseq;
  guint is_esearch : 1;
  guint is_uid : 1;
  guint has_min : 1;
  guint has_max : 1;
  guint has_count : 1;
  guint has_modseq : 1;
};

G_DEFINE_BOXED_TYPE (TernImapSearchResult,
                     tern_imap_search_result,
                     tern_imap_search_result_ref,
                     tern_imap_search_result_unref)

TernImapSearchResult *
tern_imap_search_result_ref (TernImapSearchResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_search_result_unref (TernImapSearchResult *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->tag);
  g_clear_pointer (&self->set, tern_imap_uid_set_unref);
  g_free (self);
}

/* (MODSEQ n) */
static gboolean
parse_modseq_list (const TernImapValue *value, guint64 *out)
{
  return value->type == TERN_IMAP_VALUE_LIST && value->len == 2 &&
         tern_imap_value_atom_equal (&value->u.children[0], "MODSEQ") &&
         tern_imap_value_get_number (&value->u.children[1], out) && *out <= G_MAXINT64;
}

static gboolean
parse_search (TernImapSearchResult *self, const TernImapValue *args, GError **error)
{
  guint n = args->len;

  if (n > 0 && args->u.children[n - 1].type == TERN_IMAP_VALUE_LIST)
    {
      if (!parse_modseq_list (&args->u.children[n - 1], &self->modseq))
        {
          _tern_imap_set_malformed (error, "SEARCH", "bad (MODSEQ n)");
          return FALSE;
        }
      self->has_modseq = TRUE;
      n--;
    }

  self->set = tern_imap_uid_set_new ();
  for (guint i = 0; i < n; i++)
    {
      guint32 number;

      if (!tern_imap_value_get_uint32 (&args->u.children[i], &number) || number == 0)
        {
          _tern_imap_set_malformed (error, "SEARCH", "a result is not a non-zero number");
          return FALSE;
        }
      tern_imap_uid_set_add (self->set, number);
    }
  tern_imap_uid_set_normalize (self->set);

  self->has_count = TRUE;
  self->count = (guint32) MIN (tern_imap_uid_set_get_count (self->set), G_MAXUINT32);
  if (self->count > 0)
    {
      self->has_min = self->has_max = TRUE;
      self->min = tern_imap_uid_set_get_min (self->set);
      self->max = tern_imap_uid_set_get_max (self->set);
    }

  return TRUE;
}

static gboolean
parse_nz (const TernImapValue *value, guint32 *out)
{
  return tern_imap_value_get_uint32 (value, out) && *out != 0;
}

static gboolean
parse_esearch (TernImapSearchResult *self, const TernImapValue *args, GError **error)
{
  guint i = 0;

  if (i < args->len && args->u.children[i].type == TERN_IMAP_VALUE_LIST)
    {
      const TernImapValue *correlator = &args->u.children[i++];
      const char *tag;
      gsize len;

      if (correlator->len != 2 || !tern_imap_value_atom_equal (&correlator->u.children[0], "TAG") ||
          !_tern_imap_value_astring (&correlator->u.children[1], &tag, &len))
        {
          _tern_imap_set_malformed (error, "ESEARCH", "bad (TAG \"...\")");
          return FALSE;
        }
      self->tag = g_strndup (tag, len);
    }

  if (i < args->len && tern_imap_value_atom_equal (&args->u.children[i], "UID"))
    {
      self->is_uid = TRUE;
      i++;
    }

  for (; i < args->len; i += 2)
    {
      const TernImapValue *name = &args->u.children[i];
      const TernImapValue *value = i + 1 < args->len ? &args->u.children[i + 1] : NULL;
      gboolean ok = TRUE;

      if (name->type != TERN_IMAP_VALUE_ATOM || value == NULL)
        {
          _tern_imap_set_malformed (error, "ESEARCH", "return data is not \"NAME value\"");
          return FALSE;
        }

      if (tern_imap_value_atom_equal (name, "MIN"))
        ok = self->has_min = parse_nz (value, &self->min);
      else if (tern_imap_value_atom_equal (name, "MAX"))
        ok = self->has_max = parse_nz (value, &self->max);
      else if (tern_imap_value_atom_equal (name, "COUNT"))
        ok = self->has_count = tern_imap_value_get_uint32 (value, &self->count);
      else if (tern_imap_value_atom_equal (name, "MODSEQ"))
        ok = self->has_modseq =
          tern_imap_value_get_number (value, &self->modseq) && self->modseq <= G_MAXINT64;
      else if (tern_imap_value_atom_equal (name, "ALL"))
        {
          g_clear_pointer (&self->set, tern_imap_uid_set_unref);
          if (value->type == TERN_IMAP_VALUE_ATOM)
            self->set = tern_imap_uid_set_parse (value->u.str, value->len, NULL);
          ok = self->set != NULL && !tern_imap_uid_set_has_star (self->set);
        }

      if (!ok)
        {
          _tern_imap_set_malformed (error, "ESEARCH", "bad MIN, MAX, COUNT, ALL or MODSEQ");
          return FALSE;
        }
    }

  return TRUE;
}

TernImapSearchResult *
tern_imap_search_result_new_from_response (TernImapResponse *response, GError **error)
{
  g_autoptr (TernImapSearchResult) self = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_SEARCH && response->data_type != TERN_IMAP_DATA_ESEARCH)
    {
      _tern_imap_set_malformed (error, "SEARCH", "not a SEARCH or ESEARCH response");
      return NULL;
    }

  self = g_new0 (TernImapSearchResult, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->is_esearch = response->data_type == TERN_IMAP_DATA_ESEARCH;

  if (!(self->is_esearch ? parse_esearch (self, &response->args, error)
                         : parse_search (self, &response->args, error)))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
tern_imap_search_result_is_esearch (TernImapSearchResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->is_esearch;
}

/* The ESEARCH correlator (the tag of the command), or NULL. */
const char *
tern_imap_search_result_get_tag (TernImapSearchResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->tag;
}

/* ESEARCH said UID. (A plain SEARCH does not say; the command knows.) */
gboolean
tern_imap_search_result_is_uid (TernImapSearchResult *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->is_uid;
}

/* The matches: SEARCH's numbers (sorted and merged) or ESEARCH ALL; NULL for
 * an ESEARCH without ALL. Borrowed. */
TernImapUidSet *
tern_imap_search_result_get_set (TernImapSearchResult *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->set;
}

gboolean
tern_imap_search_result_get_min (TernImapSearchResult *self, guint32 *out_min)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->has_min && out_min)
    *out_min = self->min;
  return self->has_min;
}

gboolean
tern_imap_search_result_get_max (TernImapSearchResult *self, guint32 *out_max)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->has_max && out_max)
    *out_max = self->max;
  return self->has_max;
}

gboolean
tern_imap_search_result_get_count (TernImapSearchResult *self, guint32 *out_count)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->has_count && out_count)
    *out_count = self->count;
  return self->has_count;
}

/* The highest mod-sequence of the matches (CONDSTORE), when given. */
gboolean
tern_imap_search_result_get_modseq (TernImapSearchResult *self, guint64 *out_modseq)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->has_modseq && out_modseq)
    *out_modseq = self->modseq;
  return self->has_modseq;
}
