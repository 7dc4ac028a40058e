/* tern-search-bar.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Where a search looks; the order of the scope drop-down. */
typedef enum
{
  TERN_SEARCH_SCOPE_FOLDER,
  TERN_SEARCH_SCOPE_ACCOUNT,
  TERN_SEARCH_SCOPE_ALL_ACCOUNTS,
} TernSearchScope;

#define TERN_TYPE_SEARCH_BAR (tern_search_bar_get_type ())

G_DECLARE_FINAL_TYPE (TernSearchBar, tern_search_bar, TERN, SEARCH_BAR, GtkWidget)

GtkWidget *tern_search_bar_new (void);
/* Reveals the bar and puts the focus in its entry, the text selected. */
void tern_search_bar_open (TernSearchBar *self);
/* Clears the entry and hides the bar ("closed" follows). */
void tern_search_bar_close (TernSearchBar *self);
gboolean tern_search_bar_get_open (TernSearchBar *self);
const char *tern_search_bar_get_text (TernSearchBar *self);
TernSearchScope tern_search_bar_get_scope (TernSearchBar *self);
/* The line under the entry: progress and counts, or an error. */
void tern_search_bar_set_status (TernSearchBar *self, const char *status, gboolean error);
void tern_search_bar_focus_entry (TernSearchBar *self);

G_END_DECLS
