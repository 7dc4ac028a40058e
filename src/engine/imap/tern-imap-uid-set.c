/* tern-imap-uid-set.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapUidSet: UID and sequence sets for responses (VANISHED, COPYUID,
 * ESEARCH ALL, …) and for commands. "1:4294967295" costs one range, so a
 * hostile or merely large set never turns into a large allocation.
 *
 * Threading: see the header.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-error.h"
#include "tern-imap-uid-set.h"

typedef struct
{
  guint32 first; /* first <= last */
  guint32 last;
} Range;

struct _TernImapUidSet
{
  gatomicrefcount ref_count;
  /* sorted, disjoint and non-adjacent: binary search works */
  guint normalized : 1;
  GArray *ranges; /* of Range */
};

G_DEFINE_BOXED_TYPE (TernImapUidSet,
                     tern_imap_uid_set,
                     tern_imap_uid_set_ref,
                     tern_imap_uid_set_unref)

TernImapUidSet *
tern_imap_uid_set_new (void)
{
  TernImapUidSet *self = g_new0 (TernImapUidSet, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  self->normalized = TRUE;
  return self;
}

TernImapUidSet *
tern_imap_uid_set_copy (const TernImapUidSet *self)
{
  TernImapUidSet *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tern_imap_uid_set_new ();
  g_array_append_vals (copy->ranges, self->ranges->data, self->ranges->len);
  copy->normalized = self->normalized;
  return copy;
}

TernImapUidSet *
tern_imap_uid_set_ref (TernImapUidSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_uid_set_unref (TernImapUidSet *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->ranges);
  g_free (self);
}

/* Appends a range (in either order), merging it into the last one when it
 * continues it, which keeps ascending input compact and normalized. */
void
tern_imap_uid_set_add_range (TernImapUidSet *self, guint32 first, guint32 last)
{
  Range r;

  g_return_if_fail (self != NULL);
  g_return_if_fail (first != 0 && last != 0);

  r.first = MIN (first, last);
  r.last = MAX (first, last);

  if (self->ranges->len > 0)
    {
      Range *prev = &g_array_index (self->ranges, Range, self->ranges->len - 1);

      if (r.first >= prev->first && (prev->last == G_MAXUINT32 || r.first <= prev->last + 1))
        {
          prev->last = MAX (prev->last, r.last);
          return;
        }

      if (r.first < prev->first)
        self->normalized = FALSE;
    }

  g_array_append_val (self->ranges, r);
}

void
tern_imap_uid_set_add (TernImapUidSet *self, guint32 uid)
{
  tern_imap_uid_set_add_range (self, uid, uid);
}

static int
compare_ranges (gconstpointer a, gconstpointer b)
{
  const Range *ra = a;
  const Range *rb = b;

  if (ra->first != rb->first)
    return ra->first < rb->first ? -1 : 1;
  if (ra->last != rb->last)
    return ra->last < rb->last ? -1 : 1;
  return 0;
}

/* Sorts and merges the ranges; the set then compares, searches and prints in
 * its shortest form. */
void
tern_imap_uid_set_normalize (TernImapUidSet *self)
{
  guint out = 0;

  g_return_if_fail (self != NULL);

  if (self->normalized)
    return;

  g_array_sort (self->ranges, compare_ranges);

  for (guint i = 0; i < self->ranges->len; i++)
    {
      Range r = g_array_index (self->ranges, Range, i);
      Range *prev = out > 0 ? &g_array_index (self->ranges, Range, out - 1) : NULL;

      if (prev != NULL && (prev->last == G_MAXUINT32 || r.first <= prev->last + 1))
        prev->last = MAX (prev->last, r.last);
      else
        g_array_index (self->ranges, Range, out++) = r;
    }

  g_array_set_size (self->ranges, out);
  self->normalized = TRUE;
}

static gboolean
parse_uid (const char **p, const char *end, guint32 *out, GError **error)
{
  guint64 n = 0;
  const char *start = *p;

  if (*p < end && **p == '*')
    {
      (*p)++;
      *out = TERN_IMAP_UID_STAR;
      return TRUE;
    }

  while (*p < end && g_ascii_isdigit (**p))
    {
      n = n * 10 + (guint) (**p - '0');
      if (n > G_MAXUINT32)
        {
          g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                       "Number too large in a UID set");
          return FALSE;
        }
      (*p)++;
    }

  if (*p == start)
    {
      g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                   "Expected a number in a UID set");
      return FALSE;
    }

  if (n == 0)
    {
      g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL, "Zero in a UID set");
      return FALSE;
    }

  *out = (guint32) n;
  return TRUE;
}

/* Parses "1:5,7,9:*" (sequence-set of RFC 3501). The order is kept. */
TernImapUidSet *
tern_imap_uid_set_parse (const char *str, gssize len, GError **error)
{
  g_autoptr (TernImapUidSet) self = NULL;
  const char *p;
  const char *end;

  g_return_val_if_fail (str != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 0)
    len = strlen (str);

  self = tern_imap_uid_set_new ();
  p = str;
  end = str + len;

  for (;;)
    {
      guint32 first;
      guint32 last;

      if (!parse_uid (&p, end, &first, error))
        return NULL;
      last = first;

      if (p < end && *p == ':')
        {
          p++;
          if (!parse_uid (&p, end, &last, error))
            return NULL;
        }

      tern_imap_uid_set_add_range (self, first, last);

      if (p == end)
        break;

      if (*p != ',')
        {
          g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                       "Unexpected character in a UID set");
          return NULL;
        }
      p++;
    }

  return g_steal_pointer (&self);
}

gboolean
tern_imap_uid_set_is_empty (const TernImapUidSet *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->ranges->len == 0;
}

gboolean
tern_imap_uid_set_is_normalized (const TernImapUidSet *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->normalized;
}

gboolean
tern_imap_uid_set_has_star (const TernImapUidSet *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint i = 0; i < self->ranges->len; i++)
    if (g_array_index (self->ranges, Range, i).last == TERN_IMAP_UID_STAR)
      return TRUE;

  return FALSE;
}

guint
tern_imap_uid_set_get_n_ranges (const TernImapUidSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->ranges->len;
}

void
tern_imap_uid_set_get_range (const TernImapUidSet *self,
                             guint index,
                             guint32 *out_first,
                             guint32 *out_last)
{
  const Range *r;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->ranges->len);

  r = &g_array_index (self->ranges, Range, index);
  if (out_first)
    *out_first = r->first;
  if (out_last)
    *out_last = r->last;
}

/* How many numbers the set holds, counting overlaps once only when the set
 * is normalized; "*" counts as the number TERN_IMAP_UID_STAR. */
guint64
tern_imap_uid_set_get_count (const TernImapUidSet *self)
{
  guint64 count = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->ranges->len; i++)
    {
      const Range *r = &g_array_index (self->ranges, Range, i);

      count += (guint64) r->last - r->first + 1;
    }

  return count;
}

/* The smallest number in the set, 0 when empty. */
guint32
tern_imap_uid_set_get_min (const TernImapUidSet *self)
{
  guint32 min = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->ranges->len; i++)
    {
      const Range *r = &g_array_index (self->ranges, Range, i);

      if (min == 0 || r->first < min)
        min = r->first;
    }

  return min;
}

/* The largest number in the set, 0 when empty. */
guint32
tern_imap_uid_set_get_max (const TernImapUidSet *self)
{
  guint32 max = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->ranges->len; i++)
    max = MAX (max, g_array_index (self->ranges, Range, i).last);

  return max;
}

gboolean
tern_imap_uid_set_contains (const TernImapUidSet *self, guint32 uid)
{
  const Range *ranges;

  g_return_val_if_fail (self != NULL, FALSE);

  ranges = (const Range *) (gconstpointer) self->ranges->data;

  if (self->normalized)
    {
      guint lo = 0;
      guint hi = self->ranges->len;

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (uid < ranges[mid].first)
            hi = mid;
          else if (uid > ranges[mid].last)
            lo = mid + 1;
          else
            return TRUE;
        }

      return FALSE;
    }

  for (guint i = 0; i < self->ranges->len; i++)
    if (uid >= ranges[i].first && uid <= ranges[i].last)
      return TRUE;

  return FALSE;
}

/* Same ranges in the same order (normalize both first to compare contents). */
gboolean
tern_imap_uid_set_equal (const TernImapUidSet *a, const TernImapUidSet *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return a->ranges->len == b->ranges->len &&
         memcmp (a->ranges->data, b->ranges->data, a->ranges->len * sizeof (Range)) == 0;
}

static void
append_uid (GString *out, guint32 uid)
{
  if (uid == TERN_IMAP_UID_STAR)
    g_string_append_c (out, '*');
  else
    g_string_append_printf (out, "%u", uid);
}

/* "1:5,7,9:*"; "" for an empty set, which no command accepts. */
char *
tern_imap_uid_set_to_string (const TernImapUidSet *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < self->ranges->len; i++)
    {
      const Range *r = &g_array_index (self->ranges, Range, i);

      if (i > 0)
        g_string_append_c (out, ',');
      append_uid (out, r->first);
      if (r->last != r->first)
        {
          g_string_append_c (out, ':');
          append_uid (out, r->last);
        }
    }

  return g_string_free (out, FALSE);
}

void
tern_imap_uid_set_iter_init (TernImapUidSetIter *iter, const TernImapUidSet *set)
{
  g_return_if_fail (iter != NULL);
  g_return_if_fail (set != NULL);

  iter->set = set;
  iter->range = 0;
  iter->next = 0;
  iter->started = FALSE;
}

/* Yields every number, range by range in the set's order. A range ending in
 * "*" runs to TERN_IMAP_UID_STAR: callers that may meet "*" should walk the
 * ranges instead. */
gboolean
tern_imap_uid_set_iter_next (TernImapUidSetIter *iter, guint32 *out_uid)
{
  const GArray *ranges;

  g_return_val_if_fail (iter != NULL, FALSE);

  ranges = iter->set->ranges;

  while (iter->range < ranges->len)
    {
      const Range *r = &g_array_index (ranges, Range, iter->range);

      if (!iter->started)
        {
          iter->started = TRUE;
          iter->next = r->first;
        }

      if (iter->next <= r->last)
        {
          guint32 uid = iter->next;

          if (uid == r->last)
            {
              iter->range++;
              iter->started = FALSE;
            }
          else
            iter->next++;

          if (out_uid)
            *out_uid = uid;
          return TRUE;
        }

      iter->range++;
      iter->started = FALSE;
    }

  return FALSE;
}
