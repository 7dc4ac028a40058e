/* tern-folder-row.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tern-engine.h"

G_BEGIN_DECLS

#define TERN_TYPE_FOLDER_ROW (tern_folder_row_get_type ())

G_DECLARE_FINAL_TYPE (TernFolderRow, tern_folder_row, TERN, FOLDER_ROW, GtkWidget)

GtkWidget *tern_folder_row_new (void);
TernFolder *tern_folder_row_get_folder (TernFolderRow *self);
void tern_folder_row_set_folder (TernFolderRow *self, TernFolder *folder);

const char *tern_folder_role_icon_name (TernFolderRole role);
/* The name a person knows a folder by: special folders translated. */
const char *tern_folder_row_display_name (TernFolder *folder);

G_END_DECLS
