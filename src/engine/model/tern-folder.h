/* tern-folder.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a folder is for, from its SPECIAL-USE attribute (RFC 6154), INBOX by
 * name, or a well-known name when the server has no SPECIAL-USE. */
typedef enum
{
  TERN_FOLDER_ROLE_NONE,
  TERN_FOLDER_ROLE_INBOX,
  TERN_FOLDER_ROLE_DRAFTS,
  TERN_FOLDER_ROLE_SENT,
  TERN_FOLDER_ROLE_TRASH,
  TERN_FOLDER_ROLE_JUNK,
  TERN_FOLDER_ROLE_ARCHIVE,
  TERN_FOLDER_ROLE_ALL,
  TERN_FOLDER_ROLE_FLAGGED,
} TernFolderRole;

#define TERN_TYPE_FOLDER_ROLE (tern_folder_role_get_type ())
GType tern_folder_role_get_type (void) G_GNUC_CONST;
const char *tern_folder_role_to_string (TernFolderRole role);

/* Where the folder's synchronization stands; progress is in sync-done and
 * sync-total while SYNCING. */
typedef enum
{
  TERN_FOLDER_SYNC_STATE_IDLE,
  TERN_FOLDER_SYNC_STATE_SYNCING,
  TERN_FOLDER_SYNC_STATE_ERROR,
} TernFolderSyncState;

#define TERN_TYPE_FOLDER_SYNC_STATE (tern_folder_sync_state_get_type ())
GType tern_folder_sync_state_get_type (void) G_GNUC_CONST;

#define TERN_TYPE_FOLDER (tern_folder_get_type ())

G_DECLARE_FINAL_TYPE (TernFolder, tern_folder, TERN, FOLDER, GObject)

const char *tern_folder_get_path (TernFolder *self);
const char *tern_folder_get_name (TernFolder *self);
const char *tern_folder_get_delimiter (TernFolder *self);
TernFolderRole tern_folder_get_role (TernFolder *self);
gboolean tern_folder_get_subscribed (TernFolder *self);
gboolean tern_folder_get_selectable (TernFolder *self);
guint tern_folder_get_total (TernFolder *self);
guint tern_folder_get_unread (TernFolder *self);
gint64 tern_folder_get_store_id (TernFolder *self);
TernFolderSyncState tern_folder_get_sync_state (TernFolder *self);
guint64 tern_folder_get_sync_done (TernFolder *self);
guint64 tern_folder_get_sync_total (TernFolder *self);
const GError *tern_folder_get_sync_error (TernFolder *self);

G_END_DECLS
