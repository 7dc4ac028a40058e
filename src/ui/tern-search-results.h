/* tern-search-results.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/tern-search-query.h"
#include "tern-engine.h"
#include "tern-search-result.h"

G_BEGIN_DECLS

#define TERN_TYPE_SEARCH_RESULTS (tern_search_results_get_type ())

G_DECLARE_FINAL_TYPE (TernSearchResults, tern_search_results, TERN, SEARCH_RESULTS, GObject)

TernSearchResults *tern_search_results_new (void);

/* Searches @accounts (each with its cache open) for @query: in @folder, or
 * in every folder when @folder is NULL. Cancels the search before. The
 * cache's answer comes first, then the server's replaces it; @quiet skips
 * the first (a rerun after a sync: the list should not flicker).
 * @show_folder and @show_account say what each result's location names. */
void tern_search_results_run (TernSearchResults *self,
                              TernSearchQuery *query,
                              GPtrArray *accounts,
                              const char *folder,
                              gboolean show_folder,
                              gboolean show_account,
                              gboolean quiet);
/* Cancels the search and empties the list. */
void tern_search_results_stop (TernSearchResults *self);

/* Whether the server's answer is still awaited. */
gboolean tern_search_results_get_searching (TernSearchResults *self);
/* Whether an answer (the cache's or the server's) has arrived. */
gboolean tern_search_results_get_answered (TernSearchResults *self);
/* Folders the server could not search, in the last answer. */
guint tern_search_results_get_offline (TernSearchResults *self);
/* (nullable): why the last search failed */
const char *tern_search_results_get_error (TernSearchResults *self);
/* (transfer full): the folders of @account that hold results not cached
 * yet, NULL-terminated, or NULL when none. */
char **tern_search_results_dup_missing_folders (TernSearchResults *self, TernAccount *account);

G_END_DECLS
