/* tern-folder-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "store/tern-store.h"
#include "tern-folder.h"

G_BEGIN_DECLS

TernFolder *_tern_folder_new (const char *path, const char *delimiter, const char *wire_name);
const char *_tern_folder_get_wire_name (TernFolder *self);
void _tern_folder_set_role (TernFolder *self, TernFolderRole role);
void _tern_folder_set_subscribed (TernFolder *self, gboolean subscribed);
void _tern_folder_set_selectable (TernFolder *self, gboolean selectable);
void _tern_folder_set_counts (TernFolder *self, guint total, guint unread);

/* From a cached folder (the cache keeps only selectable folders). */
TernFolder *_tern_folder_new_from_store (const TernStoreFolder *row);
void _tern_folder_update_from_store (TernFolder *self, const TernStoreFolder *row);
TernFolderRole _tern_folder_role_from_string (const char *role);
void _tern_folder_set_store_id (TernFolder *self, gint64 store_id);
void _tern_folder_set_total (TernFolder *self, guint total);
void _tern_folder_set_unread (TernFolder *self, guint unread);
/* Setting a state other than ERROR clears the error. */
void _tern_folder_set_sync_state (TernFolder *self, TernFolderSyncState state);
/* Sets the state to ERROR and keeps a copy of @error. */
void _tern_folder_set_sync_error (TernFolder *self, const GError *error);
void _tern_folder_set_sync_progress (TernFolder *self, guint64 done, guint64 total);

G_END_DECLS
