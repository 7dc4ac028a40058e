/* tern-store.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TERN_STORE_ERROR (tern_store_error_quark ())

/* Errors of the store. New codes are added at the end, so the numbers stay
 * stable. */
typedef enum
{
  /* SQLite failed for a reason not listed below. */
  TERN_STORE_ERROR_FAILED,
  /* The disk is full (or the database reached its page limit). */
  TERN_STORE_ERROR_FULL,
  /* Reading or writing the database file failed. */
  TERN_STORE_ERROR_IO,
  /* The database is damaged. */
  TERN_STORE_ERROR_CORRUPT,
  /* The database was written by a newer Tern (user_version too high). */
  TERN_STORE_ERROR_VERSION,
  /* The store is not open, or opening it failed. */
  TERN_STORE_ERROR_CLOSED,
  /* The folder or message asked for is not in the cache. */
  TERN_STORE_ERROR_NOT_FOUND,
  /* The argument was refused (e.g. an FTS5 query that does not parse). */
  TERN_STORE_ERROR_INVALID,
} TernStoreError;

GQuark tern_store_error_quark (void);

/* System flags as a bitmask; other keywords are kept as text. */
typedef enum
{
  TERN_STORE_FLAG_SEEN = 1 << 0,
  TERN_STORE_FLAG_ANSWERED = 1 << 1,
  TERN_STORE_FLAG_FLAGGED = 1 << 2,
  TERN_STORE_FLAG_DELETED = 1 << 3,
  TERN_STORE_FLAG_DRAFT = 1 << 4,
} TernStoreFlags;

/* Sort orders of the message list; each has an index with the UID as tiebreak. */
typedef enum
{
  TERN_STORE_SORT_UID,
  TERN_STORE_SORT_DATE,
  TERN_STORE_SORT_FROM,
  TERN_STORE_SORT_SUBJECT,
  TERN_STORE_SORT_SIZE,
  TERN_STORE_SORT_UNREAD,
  TERN_STORE_SORT_FLAGGED,
} TernStoreSort;

/* One cached folder. id is assigned by the store; path is the decoded mailbox
 * name. sync_state is opaque to the store (the synchronizer's resume point). */
typedef struct
{
  gint64 id;
  char *path;
  char *delimiter;
  char *role;
  guint32 uidvalidity;
  guint32 uidnext;
  guint64 highestmodseq;
  char *sync_state;
} TernStoreFolder;

#define TERN_TYPE_STORE_FOLDER (tern_store_folder_get_type ())
GType tern_store_folder_get_type (void) G_GNUC_CONST;
TernStoreFolder *tern_store_folder_new (const char *path);
TernStoreFolder *tern_store_folder_copy (const TernStoreFolder *folder);
void tern_store_folder_free (TernStoreFolder *folder);

/* One message summary: what the list needs, without bodies. Dates are Unix
 * seconds; keywords are space-separated; bodystructure is opaque bytes. */
typedef struct
{
  guint32 uid;
  guint64 modseq;
  TernStoreFlags flags;
  char *keywords;
  gint64 internaldate;
  guint64 size;
  gint64 date;
  char *subject;
  char *from_name;
  char *from_addr;
  char *to;
  char *cc;
  char *message_id;
  char *in_reply_to;
  char *references;
  GBytes *bodystructure;
  gboolean has_attachments;
  char *preview;
} TernStoreSummary;

#define TERN_TYPE_STORE_SUMMARY (tern_store_summary_get_type ())
GType tern_store_summary_get_type (void) G_GNUC_CONST;
TernStoreSummary *tern_store_summary_new (guint32 uid);
TernStoreSummary *tern_store_summary_copy (const TernStoreSummary *summary);
void tern_store_summary_free (TernStoreSummary *summary);

typedef enum
{
  TERN_STORE_OP_PENDING,
  TERN_STORE_OP_RUNNING,
  TERN_STORE_OP_FAILED,
} TernStoreOpState;

/* One queued user operation. type, uids and args are the synchronizer's
 * vocabulary ("flag", "1:3,7", "+\\Seen"); the store keeps them verbatim.
 * folder is a path, not a folder id, so an op outlives its folder's cache. */
typedef struct
{
  gint64 id;
  char *type;
  char *folder;
  char *uids;
  char *args;
  gint64 created;
  guint attempts;
  TernStoreOpState state;
} TernStoreOp;

#define TERN_TYPE_STORE_OP (tern_store_op_get_type ())
GType tern_store_op_get_type (void) G_GNUC_CONST;
TernStoreOp *
tern_store_op_new (const char *type, const char *folder, const char *uids, const char *args);
TernStoreOp *tern_store_op_copy (const TernStoreOp *op);
void tern_store_op_free (TernStoreOp *op);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStoreFolder, tern_store_folder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStoreSummary, tern_store_summary_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStoreOp, tern_store_op_free)

/* TernStore: one account's SQLite cache, owned by one store thread that runs
 * every call in order. Main context only: each _async call's callback runs on
 * the thread-default main context of its caller. */
#define TERN_TYPE_STORE (tern_store_get_type ())

G_DECLARE_FINAL_TYPE (TernStore, tern_store, TERN, STORE, GObject)

TernStore *tern_store_new (const char *account_id);
TernStore *tern_store_new_for_path (const char *path);
const char *tern_store_get_path (TernStore *self);
gboolean tern_store_get_rebuilt (TernStore *self);
guint tern_store_get_salvaged_ops (TernStore *self);

void tern_store_open_async (TernStore *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean tern_store_open_finish (TernStore *self, GAsyncResult *result, GError **error);

void tern_store_close_async (TernStore *self,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean tern_store_close_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Folders */
void tern_store_upsert_folder_async (TernStore *self,
                                     const TernStoreFolder *folder,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gint64 tern_store_upsert_folder_finish (TernStore *self,
                                        GAsyncResult *result,
                                        gboolean *out_uidvalidity_reset,
                                        GError **error);
void tern_store_list_folders_async (TernStore *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
GPtrArray *tern_store_list_folders_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_delete_folder_async (TernStore *self,
                                     const char *path,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean tern_store_delete_folder_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Summaries */
void tern_store_store_summaries_async (TernStore *self,
                                       gint64 folder_id,
                                       GPtrArray *summaries,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean tern_store_store_summaries_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_list_summaries_async (TernStore *self,
                                      gint64 folder_id,
                                      TernStoreSort sort,
                                      gboolean descending,
                                      guint offset,
                                      guint limit,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
GPtrArray *tern_store_list_summaries_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_update_flags_async (TernStore *self,
                                    gint64 folder_id,
                                    const guint32 *uids,
                                    guint n_uids,
                                    TernStoreFlags add,
                                    TernStoreFlags remove,
                                    const TernStoreOp *op,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gint64 tern_store_update_flags_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_expunge_async (TernStore *self,
                               gint64 folder_id,
                               const guint32 *uids,
                               guint n_uids,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean tern_store_expunge_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_count_async (TernStore *self,
                             gint64 folder_id,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
gboolean tern_store_count_finish (TernStore *self,
                                  GAsyncResult *result,
                                  guint *out_total,
                                  guint *out_unread,
                                  GError **error);

/* Full-text search */
void tern_store_index_body_async (TernStore *self,
                                  gint64 folder_id,
                                  guint32 uid,
                                  const char *body_text,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean tern_store_index_body_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_search_async (TernStore *self,
                              gint64 folder_id,
                              const char *fts5_query,
                              guint limit,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
GArray *tern_store_search_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Search (tern-store-search.c): one cached message found, with its folder. */
typedef struct
{
  gint64 folder_id;
  char *folder;
  TernStoreSummary *summary;
} TernStoreSearchHit;

void tern_store_search_hit_free (TernStoreSearchHit *hit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStoreSearchHit, tern_store_search_hit_free)

void tern_store_search_messages_async (TernStore *self,
                                       gint64 folder_id,
                                       const char *fts,
                                       const char *where,
                                       GPtrArray *params,
                                       guint limit,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
GPtrArray *
tern_store_search_messages_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Part cache (LRU) */
void tern_store_put_part_async (TernStore *self,
                                gint64 folder_id,
                                guint32 uid,
                                const char *section,
                                GBytes *bytes,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean tern_store_put_part_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_get_part_async (TernStore *self,
                                gint64 folder_id,
                                guint32 uid,
                                const char *section,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
GBytes *tern_store_get_part_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_trim_parts_async (TernStore *self,
                                  guint64 max_bytes,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gssize tern_store_trim_parts_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Sync support (tern-store-sync.c) */

/* One message's flags as the server listed them; keywords sorted and
 * space-separated (NULL for none). */
typedef struct
{
  guint32 uid;
  TernStoreFlags flags;
  char *keywords;
  guint64 modseq;
} TernStoreFlagRow;

GArray *tern_store_flag_rows_new (guint reserve);
TernStoreFlags tern_store_flag_from_name (const char *name);
const char *tern_store_flag_to_name (TernStoreFlags flag);
int tern_store_compare_uids (gconstpointer a, gconstpointer b);

void tern_store_reconcile_flags_async (TernStore *self,
                                       gint64 folder_id,
                                       GArray *rows,
                                       guint32 complete_below,
                                       GArray *skip,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean tern_store_reconcile_flags_finish (TernStore *self,
                                            GAsyncResult *result,
                                            GArray **out_changed,
                                            GArray **out_vanished,
                                            GArray **out_absent,
                                            GError **error);
void tern_store_remove_uids_async (TernStore *self,
                                   gint64 folder_id,
                                   GArray *ranges,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
GArray *tern_store_remove_uids_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_set_meta_async (TernStore *self,
                                const char *key,
                                const char *value,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean tern_store_set_meta_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_get_meta_async (TernStore *self,
                                const char *key,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
char *tern_store_get_meta_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_rename_folder_async (TernStore *self,
                                     const char *from,
                                     const char *to,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean tern_store_rename_folder_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_fail_folder_ops_async (TernStore *self,
                                       const char *path,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean tern_store_fail_folder_ops_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Operation life cycle (decision 7) */
void tern_store_apply_op_async (TernStore *self,
                                const TernStoreOp *op,
                                gboolean undoable,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gint64 tern_store_apply_op_finish (TernStore *self,
                                   GAsyncResult *result,
                                   GArray **out_changed,
                                   GError **error);
void tern_store_begin_op_async (TernStore *self,
                                gint64 op_id,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
void tern_store_requeue_op_async (TernStore *self,
                                  gint64 op_id,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
void tern_store_fail_op_async (TernStore *self,
                               gint64 op_id,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data);
void tern_store_finish_op_async (TernStore *self,
                                 gint64 op_id,
                                 const char *undo,
                                 const char *copyuid,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
/* Finishes begin, requeue, fail and finish. */
gboolean tern_store_op_step_finish (TernStore *self, GAsyncResult *result, GError **error);

typedef enum
{
  TERN_STORE_UNDO_FAILED,
  TERN_STORE_UNDO_NOTHING,
  TERN_STORE_UNDO_CANCELLED,
  TERN_STORE_UNDO_QUEUED,
} TernStoreUndoResult;

void tern_store_undo_async (TernStore *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
TernStoreUndoResult
tern_store_undo_finish (TernStore *self, GAsyncResult *result, char **out_what, GError **error);

/* Operations queue */
void tern_store_enqueue_op_async (TernStore *self,
                                  const TernStoreOp *op,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gint64 tern_store_enqueue_op_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_peek_ops_async (TernStore *self,
                                guint limit,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
GPtrArray *tern_store_peek_ops_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_complete_op_async (TernStore *self,
                                   gint64 op_id,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean tern_store_complete_op_finish (TernStore *self, GAsyncResult *result, GError **error);

/* Message list (tern-store-list.c) */

/* The threading headers of one message; the strings belong to the
 * TernStoreThreading and are NULL when absent. */
typedef struct
{
  guint32 uid;
  gint64 date;
  const char *message_id;
  const char *in_reply_to;
  const char *references;
  const char *subject;
} TernStoreThreadEntry;

typedef struct _TernStoreThreading TernStoreThreading;

void tern_store_threading_free (TernStoreThreading *threading);
const TernStoreThreadEntry *tern_store_threading_get_entries (TernStoreThreading *threading,
                                                              guint *n_entries);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStoreThreading, tern_store_threading_free)

void tern_store_list_uids_async (TernStore *self,
                                 gint64 folder_id,
                                 TernStoreSort sort,
                                 gboolean descending,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
GArray *tern_store_list_uids_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_prefetch_uids (TernStore *self,
                               const char *folder_path,
                               TernStoreSort sort,
                               gboolean descending);
void tern_store_get_summaries_async (TernStore *self,
                                     gint64 folder_id,
                                     const guint32 *uids,
                                     guint n_uids,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
GPtrArray *tern_store_get_summaries_finish (TernStore *self, GAsyncResult *result, GError **error);
void tern_store_get_threading_async (TernStore *self,
                                     gint64 folder_id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
TernStoreThreading *
tern_store_get_threading_finish (TernStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
