/* tern-folder-tree.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/tern-folder.h"
#include "store/tern-store.h"

G_BEGIN_DECLS

#define TERN_TYPE_FOLDER_TREE (tern_folder_tree_get_type ())

G_DECLARE_FINAL_TYPE (TernFolderTree, tern_folder_tree, TERN, FOLDER_TREE, GObject)

TernFolderTree *tern_folder_tree_new (TernStore *store);

TernStore *tern_folder_tree_get_store (TernFolderTree *self);

void tern_folder_tree_reload_async (TernFolderTree *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
tern_folder_tree_reload_finish (TernFolderTree *self, GAsyncResult *result, GError **error);

TernFolder *tern_folder_tree_lookup (TernFolderTree *self, const char *path);
void
tern_folder_tree_update_counts (TernFolderTree *self, const char *path, guint total, guint unread);

/* A GtkTreeListModelCreateModelFunc; @user_data is the TernFolderTree. */
GListModel *tern_folder_tree_create_child_model (gpointer item, gpointer user_data);

G_END_DECLS
