/* tern-message-list.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "store/tern-store.h"
#include "sync/tern-sync-session.h"

G_BEGIN_DECLS

/* What tern_message_list_find() returns for a UID that is not listed; the
 * same value as GTK_INVALID_LIST_POSITION. */
#define TERN_MESSAGE_LIST_INVALID_POSITION G_MAXUINT

/* TernMessageList: a GListModel of TernMessageSummary for one folder of a
 * TernStore, sorted, optionally threaded, with items made lazily and live
 * updates applied as one items-changed per batch. Main context only. */
#define TERN_TYPE_MESSAGE_LIST (tern_message_list_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageList, tern_message_list, TERN, MESSAGE_LIST, GObject)

TernMessageList *tern_message_list_new (TernStore *store, gint64 folder_id);

TernStore *tern_message_list_get_store (TernMessageList *self);
gint64 tern_message_list_get_folder_id (TernMessageList *self);
gboolean tern_message_list_get_loading (TernMessageList *self);

void tern_message_list_load_async (TernMessageList *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean
tern_message_list_load_finish (TernMessageList *self, GAsyncResult *result, GError **error);
void tern_message_list_preload_async (TernMessageList *self,
                                      guint n,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean
tern_message_list_preload_finish (TernMessageList *self, GAsyncResult *result, GError **error);

TernStoreSort tern_message_list_get_sort (TernMessageList *self);
gboolean tern_message_list_get_descending (TernMessageList *self);
void tern_message_list_set_sort (TernMessageList *self, TernStoreSort sort, gboolean descending);
gboolean tern_message_list_get_threaded (TernMessageList *self);
void tern_message_list_set_threaded (TernMessageList *self, gboolean threaded);

guint32 tern_message_list_get_uid (TernMessageList *self, guint position);
guint tern_message_list_find (TernMessageList *self, guint32 uid);
guint32 *tern_message_list_dup_thread_uids (TernMessageList *self, guint position, guint *n_uids);

/* Sorting at scale: the whole folder in the server's order while its cache
 * is incomplete (property "server-order"; rows not cached yet are
 * placeholders, "loaded" FALSE, filled in place as the sync stores them). */
void tern_message_list_set_sync_session (TernMessageList *self, TernSyncSession *session);
TernSyncSession *tern_message_list_get_sync_session (TernMessageList *self);
void tern_message_list_set_server_order (TernMessageList *self, const guint32 *uids, guint n_uids);
gboolean tern_message_list_get_server_order (TernMessageList *self);

void tern_message_list_apply_changes (TernMessageList *self,
                                      const guint32 *added,
                                      guint n_added,
                                      const guint32 *removed,
                                      guint n_removed,
                                      const guint32 *changed,
                                      guint n_changed);

G_END_DECLS
