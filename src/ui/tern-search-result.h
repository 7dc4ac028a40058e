/* tern-search-result.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "tern-engine.h"

G_BEGIN_DECLS

#define TERN_TYPE_SEARCH_RESULT (tern_search_result_get_type ())

G_DECLARE_FINAL_TYPE (TernSearchResult, tern_search_result, TERN, SEARCH_RESULT, GObject)

TernSearchResult *tern_search_result_new (TernAccount *account,
                                          const char *folder,
                                          guint32 uid,
                                          const TernStoreSummary *summary,
                                          const char *location);

TernAccount *tern_search_result_get_account (TernSearchResult *self);
const char *tern_search_result_get_folder (TernSearchResult *self);
guint32 tern_search_result_get_uid (TernSearchResult *self);
TernMessageSummary *tern_search_result_get_summary (TernSearchResult *self);
const char *tern_search_result_get_location (TernSearchResult *self);
gboolean tern_search_result_same_message (TernSearchResult *self, TernSearchResult *other);
/* Takes @other's summary when it differs (a placeholder filled in, flags
 * changed), so that the row bound to @self follows. */
void tern_search_result_update (TernSearchResult *self, TernSearchResult *other);

G_END_DECLS
