/* tern-search-result.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernSearchResult: one message the search bar found: its account, folder
 * and UID, its summary (a placeholder while the message is on the server
 * but not in the cache yet) and where it is, in words ("Projects" or
 * "Work — Projects"), for the row.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include "tern-search-result.h"

struct _TernSearchResult
{
  GObject parent_instance;

  /* owned */
  TernAccount *account;
  char *folder;
  guint32 uid;
  TernMessageSummary *summary;
  char *location;
};

G_DEFINE_FINAL_TYPE (TernSearchResult, tern_search_result, G_TYPE_OBJECT)

static void
tern_search_result_finalize (GObject *object)
{
  TernSearchResult *self = TERN_SEARCH_RESULT (object);

  g_clear_object (&self->account);
  g_clear_pointer (&self->folder, g_free);
  g_clear_object (&self->summary);
  g_clear_pointer (&self->location, g_free);

  G_OBJECT_CLASS (tern_search_result_parent_class)->finalize (object);
}

static void
tern_search_result_class_init (TernSearchResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tern_search_result_finalize;
}

static void
tern_search_result_init (TernSearchResult *self)
{
}

/**
 * tern_search_result_new:
 * @summary: (nullable): the cached summary, %NULL for a message not cached yet
 */
TernSearchResult *
tern_search_result_new (TernAccount *account,
                        const char *folder,
                        guint32 uid,
                        const TernStoreSummary *summary,
                        const char *location)
{
  TernSearchResult *self;

  g_return_val_if_fail (TERN_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (TERN_TYPE_SEARCH_RESULT, NULL);
  self->account = g_object_ref (account);
  self->folder = g_strdup (folder);
  self->uid = uid;
  self->summary = summary != NULL ? tern_message_summary_new (summary)
                                  : tern_message_summary_new_placeholder (uid);
  self->location = g_strdup (location);
  return self;
}

TernAccount *
tern_search_result_get_account (TernSearchResult *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (self), NULL);
  return self->account;
}

const char *
tern_search_result_get_folder (TernSearchResult *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (self), NULL);
  return self->folder;
}

guint32
tern_search_result_get_uid (TernSearchResult *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (self), 0);
  return self->uid;
}

TernMessageSummary *
tern_search_result_get_summary (TernSearchResult *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (self), NULL);
  return self->summary;
}

const char *
tern_search_result_get_location (TernSearchResult *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (self), NULL);
  return self->location;
}

gboolean
tern_search_result_same_message (TernSearchResult *self, TernSearchResult *other)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (self), FALSE);
  g_return_val_if_fail (TERN_IS_SEARCH_RESULT (other), FALSE);

  return self->account == other->account && self->uid == other->uid &&
         g_str_equal (self->folder, other->folder);
}

void
tern_search_result_update (TernSearchResult *self, TernSearchResult *other)
{
  const TernStoreSummary *summary;

  g_return_if_fail (TERN_IS_SEARCH_RESULT (self));
  g_return_if_fail (TERN_IS_SEARCH_RESULT (other));

  if (!tern_message_summary_get_loaded (other->summary))
    return;
  summary = tern_message_summary_get_summary (other->summary);
  if (!tern_message_summary_get_loaded (self->summary))
    tern_message_summary_update (self->summary, summary);
  else if (tern_message_summary_get_flags (self->summary) != summary->flags)
    tern_message_summary_update_flags (self->summary, summary->flags);
}
