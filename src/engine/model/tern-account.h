/* tern-account.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/tern-account-config.h"

G_BEGIN_DECLS

#define TERN_TYPE_ACCOUNT (tern_account_get_type ())

G_DECLARE_FINAL_TYPE (TernAccount, tern_account, TERN, ACCOUNT, GObject)

/* One configured account: its settings, its password in the keyring, and the
 * operations the UI and tern-cli run on it. Main context only; see
 * tern-account.c. */
TernAccount *tern_account_new (TernAccountConfig *config);

TernAccountConfig *tern_account_get_config (TernAccount *self);
const char *tern_account_get_id (TernAccount *self);
const GError *tern_account_get_last_error (TernAccount *self);

/* Whether @section is an IMAP body section ("2", "1.MIME", "HEADER", …). */
gboolean tern_account_section_is_valid (const char *section);

void tern_account_dup_password_async (TernAccount *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
char *tern_account_dup_password_finish (TernAccount *self, GAsyncResult *result, GError **error);

/* Every folder, INBOX first: a GListModel of TernFolder. */
void tern_account_list_folders_async (TernAccount *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
GListModel *
tern_account_list_folders_finish (TernAccount *self, GAsyncResult *result, GError **error);

/* A message or body section, exactly as stored on the server, written to
 * @out; the message is not marked as read. */
void tern_account_fetch_raw_async (TernAccount *self,
                                   const char *folder_path,
                                   guint32 uid,
                                   const char *section,
                                   GOutputStream *out,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean tern_account_fetch_raw_finish (TernAccount *self, GAsyncResult *result, GError **error);

/* The account's cache and synchronizer (issue #4). */
typedef struct _TernStore TernStore;
typedef struct _TernSyncSession TernSyncSession;

void tern_account_open_cache_async (TernAccount *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean tern_account_open_cache_finish (TernAccount *self, GAsyncResult *result, GError **error);
TernStore *tern_account_get_store (TernAccount *self);
TernSyncSession *tern_account_get_sync_session (TernAccount *self);

/* What people do to messages. DELETE moves to the Trash (expunges in the
 * Trash itself); ARCHIVE moves to the Archive; MOVE and COPY take a target. */
typedef enum
{
  TERN_ACCOUNT_ACTION_MARK_READ,
  TERN_ACCOUNT_ACTION_MARK_UNREAD,
  TERN_ACCOUNT_ACTION_FLAG,
  TERN_ACCOUNT_ACTION_UNFLAG,
  TERN_ACCOUNT_ACTION_DELETE,
  TERN_ACCOUNT_ACTION_ARCHIVE,
  TERN_ACCOUNT_ACTION_MOVE,
  TERN_ACCOUNT_ACTION_COPY,
} TernAccountAction;

/* Applies @action on @uids (an IMAP UID set, "1:3,7") of the cached folder
 * @folder_path to the cache and queues it, undoably (decision 7); with
 * replay-automatically, the queue is then sent to the server. */
void tern_account_apply_action_async (TernAccount *self,
                                      TernAccountAction action,
                                      const char *folder_path,
                                      const char *uids,
                                      const char *target,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
/* Returns the queued operation's id, 0 when nothing had to change, -1 with
 * @error set. @out_changed: (optional): the UIDs that changed; @out_target:
 * (optional): the folder the messages went to, if any. */
gint64 tern_account_apply_action_finish (TernAccount *self,
                                         GAsyncResult *result,
                                         GArray **out_changed,
                                         char **out_target,
                                         GError **error);

/* Undoes the last operation (see tern_store_undo_async()); with
 * replay-automatically, the queue is then sent to the server. */
void tern_account_undo_async (TernAccount *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
/* TERN_STORE_UNDO_* as an int, so that this header needs no store header. */
int
tern_account_undo_finish (TernAccount *self, GAsyncResult *result, char **out_what, GError **error);

/* Sends the queued operations to the server; ::replayed follows. */
void tern_account_replay_async (TernAccount *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean tern_account_replay_finish (TernAccount *self,
                                     GAsyncResult *result,
                                     guint *out_done,
                                     guint *out_failed,
                                     GError **error);

void tern_account_set_replay_automatically (TernAccount *self, gboolean replay);
/* Operations queued but not yet done by the server (failed ones not
 * counted), as last counted; tern_account_refresh_pending_changes() counts
 * again (after a sync, which replays too). */
guint tern_account_get_pending_changes (TernAccount *self);
guint tern_account_get_failed_changes (TernAccount *self);
void tern_account_refresh_pending_changes (TernAccount *self);
/* FALSE after the server could not be reached, TRUE after it was. */
gboolean tern_account_get_online (TernAccount *self);
void tern_account_set_online (TernAccount *self, gboolean online);

G_END_DECLS
