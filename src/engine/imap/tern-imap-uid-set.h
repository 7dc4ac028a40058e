/* tern-imap-uid-set.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* "*" (the largest number in use) is kept as this value. */
#define TERN_IMAP_UID_STAR G_MAXUINT32

/* TernImapUidSet: a set of UIDs or sequence numbers as ranges ("1:5,7,9:*"),
 * never expanded into single numbers. Ranges keep the order they were given
 * in (COPYUID pairs its two sets by order) until normalize() sorts and merges
 * them; adding ascending numbers keeps the set normalized and compact.
 *
 * Threading: a set is not locked; do not modify one that other code holds. */
typedef struct _TernImapUidSet TernImapUidSet;

typedef struct
{
  /*< private >*/
  const TernImapUidSet *set;
  guint range;
  guint32 next;
  gboolean started;
} TernImapUidSetIter;

#define TERN_TYPE_IMAP_UID_SET (tern_imap_uid_set_get_type ())

GType tern_imap_uid_set_get_type (void) G_GNUC_CONST;
TernImapUidSet *tern_imap_uid_set_new (void);
TernImapUidSet *tern_imap_uid_set_parse (const char *str, gssize len, GError **error);
TernImapUidSet *tern_imap_uid_set_copy (const TernImapUidSet *self);
TernImapUidSet *tern_imap_uid_set_ref (TernImapUidSet *self);
void tern_imap_uid_set_unref (TernImapUidSet *self);

void tern_imap_uid_set_add (TernImapUidSet *self, guint32 uid);
void tern_imap_uid_set_add_range (TernImapUidSet *self, guint32 first, guint32 last);
void tern_imap_uid_set_normalize (TernImapUidSet *self);

gboolean tern_imap_uid_set_is_empty (const TernImapUidSet *self);
gboolean tern_imap_uid_set_is_normalized (const TernImapUidSet *self);
gboolean tern_imap_uid_set_has_star (const TernImapUidSet *self);
guint tern_imap_uid_set_get_n_ranges (const TernImapUidSet *self);
void tern_imap_uid_set_get_range (const TernImapUidSet *self,
                                  guint index,
                                  guint32 *out_first,
                                  guint32 *out_last);
guint64 tern_imap_uid_set_get_count (const TernImapUidSet *self);
guint32 tern_imap_uid_set_get_min (const TernImapUidSet *self);
guint32 tern_imap_uid_set_get_max (const TernImapUidSet *self);
gboolean tern_imap_uid_set_contains (const TernImapUidSet *self, guint32 uid);
gboolean tern_imap_uid_set_equal (const TernImapUidSet *a, const TernImapUidSet *b);
char *tern_imap_uid_set_to_string (const TernImapUidSet *self);

void tern_imap_uid_set_iter_init (TernImapUidSetIter *iter, const TernImapUidSet *set);
gboolean tern_imap_uid_set_iter_next (TernImapUidSetIter *iter, guint32 *out_uid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapUidSet, tern_imap_uid_set_unref)

G_END_DECLS
