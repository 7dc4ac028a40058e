/* tern-folder-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-folder.h"

G_BEGIN_DECLS

TernFolder *_tern_folder_new (const char *path, const char *delimiter, const char *wire_name);
const char *_tern_folder_get_wire_name (TernFolder *self);
void _tern_folder_set_role (TernFolder *self, TernFolderRole role);
void _tern_folder_set_subscribed (TernFolder *self, gboolean subscribed);
void _tern_folder_set_selectable (TernFolder *self, gboolean selectable);
void _tern_folder_set_counts (TernFolder *self, guint total, guint unread);

G_END_DECLS
