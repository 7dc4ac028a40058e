/* tern-store-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Internals shared by the store's files and its tests. Everything taking a
 * sqlite3 handle runs on the store thread only. */

#pragma once

#include <sqlite3.h>

#include "tern-store.h"

G_BEGIN_DECLS

/* The ordered schema steps: step i takes user_version i to i + 1. */
extern const char *const _tern_store_migrations[];
extern const guint _tern_store_n_migrations;

gboolean _tern_store_set_error (GError **error, sqlite3 *db, int rc, const char *what);
gboolean _tern_store_exec (sqlite3 *db, const char *sql, GError **error);
gboolean _tern_store_get_user_version (sqlite3 *db, guint *out_version, GError **error);
/* Applies the steps from the current user_version up to target, each in its
 * own transaction together with its user_version bump. */
gboolean _tern_store_migrate (sqlite3 *db, guint target, GError **error);

/* Shared by the store's files. */
const char *_tern_store_sort_key (TernStoreSort sort);
gint64 _tern_store_folder_id_for_path (sqlite3 *db, const char *path, GError **error);
TernStoreSummary *_tern_store_read_summary (sqlite3_stmt *stmt);

/* The store thread, and a way to run code on it with the handle: used by
 * the store's own files (tern-store-list.c, tern-store-sync.c) and by tests.
 * It fails with TERN_STORE_ERROR_CLOSED when the store is not open. */
typedef gboolean (*TernStoreRunFunc) (sqlite3 *db, gpointer data, GError **error);
GThread *_tern_store_get_thread (TernStore *self);
/* How many times the store was opened (main context): a job that notes it
 * when queued knows later which connection it was queued for. */
guint _tern_store_get_opens (TernStore *self);
/* A folder order read ahead by tern_store_prefetch_uids() (store thread). */
typedef struct _TernStoreOrderMemo TernStoreOrderMemo;
void _tern_store_order_memo_free (TernStoreOrderMemo *memo);
TernStoreOrderMemo **_tern_store_order_memo (TernStore *self);
void _tern_store_run_async (TernStore *self,
                            TernStoreRunFunc func,
                            gpointer data,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean _tern_store_run_finish (TernStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
