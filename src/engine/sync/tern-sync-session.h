/* tern-sync-session.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/tern-account-config.h"
#include "store/tern-store.h"

G_BEGIN_DECLS

/* How a folder was brought up to date. */
typedef enum
{
  TERN_SYNC_MODE_QRESYNC,
  TERN_SYNC_MODE_CONDSTORE,
  TERN_SYNC_MODE_FULL,
} TernSyncMode;

const char *tern_sync_mode_to_string (TernSyncMode mode);

/* What a sync did to one folder. */
typedef struct
{
  char *path;
  guint total;
  guint unread;
  guint new_count;
  guint changed;
  guint vanished;
  TernSyncMode mode;
  gboolean uidvalidity_reset;
  /* Nothing was cached of this folder before (or UIDVALIDITY changed): its
   * "new" messages are not news, so nobody is notified of them. */
  gboolean first_sync;
  /* the UIDs, for live models */
  GArray *new_uids;
  GArray *changed_uids;
  GArray *vanished_uids;
} TernSyncFolderResult;

void tern_sync_folder_result_free (TernSyncFolderResult *result);

/* TernSyncSession: one account's synchronizer (DESIGN decisions 4, 6, 7, 8).
 * It owns a worker thread with a main context of its own and one IMAP
 * connection on it, and runs its jobs there one after another: folder list
 * and folder sync, operation replay, body fetches. Jobs are written as
 * sequential code over asynchronous GIO (see tern-await.h), so the caller's
 * main loop never waits on the network or the disk. Results and signals come
 * back on the main context that created the session. */
#define TERN_TYPE_SYNC_SESSION (tern_sync_session_get_type ())

G_DECLARE_FINAL_TYPE (TernSyncSession, tern_sync_session, TERN, SYNC_SESSION, GObject)

TernSyncSession *tern_sync_session_new (TernAccountConfig *config, TernStore *store);
TernStore *tern_sync_session_get_store (TernSyncSession *self);

#define TERN_SYNC_SESSION_DEFAULT_PART_CACHE (G_GUINT64_CONSTANT (512) * 1024 * 1024)
void tern_sync_session_set_part_cache_limit (TernSyncSession *self, guint64 bytes);
void tern_sync_session_set_open_folder (TernSyncSession *self, const char *path);
TernAccountConfig *tern_sync_session_get_config (TernSyncSession *self);

/* Replays the queue, syncs the folder list, then @folders (every selectable
 * folder when NULL or empty). Emits ::progress (path, done, total). */
void tern_sync_session_sync_async (TernSyncSession *self,
                                   const char *const *folders,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
/* Returns: (transfer full) (element-type TernSyncFolderResult) */
GPtrArray *
tern_sync_session_sync_finish (TernSyncSession *self, GAsyncResult *result, GError **error);

/* Replays queued operations in order until the queue is empty (failed ones
 * stay, marked failed). */
void tern_sync_session_replay_async (TernSyncSession *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean tern_sync_session_replay_finish (TernSyncSession *self,
                                          GAsyncResult *result,
                                          guint *out_done,
                                          guint *out_failed,
                                          GError **error);

/* A body section of a cached message, from the part cache or else fetched
 * (and cached when @cache). Sections are fetched in chunks; ::progress
 * reports (section, bytes done, bytes total). */
void tern_sync_session_fetch_section_async (TernSyncSession *self,
                                            const char *folder,
                                            guint32 uid,
                                            const char *section,
                                            gboolean cache,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
GBytes *tern_sync_session_fetch_section_finish (TernSyncSession *self,
                                                GAsyncResult *result,
                                                GError **error);

/* An opened message: its summary from the cache, the text to show (the
 * plain part, else the HTML part rendered to text; fetched and cached when
 * missing), the HTML body in UTF-8 when there is an HTML part (NULL
 * otherwise; shown in preference to the text), the parts an HTML body may
 * refer to by cid: (TernMimeInlinePart) and its attachments
 * (TernMimeAttachment; size: what it takes decoded, from BODYSTRUCTURE, see
 * decoded_size()). */
typedef struct
{
  TernStoreSummary *summary;
  char *text;
  gboolean text_from_html;
  GPtrArray *attachments;
  char *html;
  GPtrArray *inline_parts;
} TernSyncMessage;

void tern_sync_message_free (TernSyncMessage *message);

void tern_sync_session_load_message_async (TernSyncSession *self,
                                           const char *folder,
                                           guint32 uid,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
TernSyncMessage *
tern_sync_session_load_message_finish (TernSyncSession *self, GAsyncResult *result, GError **error);

/* Fetches an attachment (in chunks, with ::progress), decodes its transfer
 * encoding and writes the bytes to @destination (replaced only on success). */
void tern_sync_session_save_attachment_async (TernSyncSession *self,
                                              const char *folder,
                                              guint32 uid,
                                              const char *section,
                                              GFile *destination,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
gboolean tern_sync_session_save_attachment_finish (TernSyncSession *self,
                                                   GAsyncResult *result,
                                                   GError **error);

/* Logs out and ends the worker thread; later jobs fail with CLOSED. */
void tern_sync_session_close_async (TernSyncSession *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
tern_sync_session_close_finish (TernSyncSession *self, GAsyncResult *result, GError **error);

/* Search (tern-search.c): the cache's answer merged with the server's. */
typedef struct
{
  char *folder;
  guint32 uid;
  /* NULL for a message the server found that is not cached yet */
  TernStoreSummary *summary;
} TernSyncSearchHit;

void tern_sync_search_hit_free (TernSyncSearchHit *hit);

/* Searches @folder (NULL: every cached folder of the account): the cache with
 * @local_fts, @local_where and @local_params (tern_store_search_messages_async()), then, when
 * @imap_criteria (a(bs), see tern_search_query_to_imap()) is given, the
 * server with UID SEARCH (ESEARCH where offered) in each folder. Where the
 * server answered, its UIDs are the result (it has the bodies the cache
 * lacks and the mail not yet synced); where it could not, the cache's.
 * Newest first; a hit the server found outside the cache comes first. */
void tern_sync_session_search_async (TernSyncSession *self,
                                     const char *folder,
                                     const char *local_fts,
                                     const char *local_where,
                                     GPtrArray *local_params,
                                     GVariant *imap_criteria,
                                     gboolean imap_utf8,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
/* Returns (transfer full) a GPtrArray of TernSyncSearchHit; *out_offline
 * tells how many folders the server could not search (their hits are the
 * cache's alone). */
GPtrArray *tern_sync_session_search_finish (TernSyncSession *self,
                                            GAsyncResult *result,
                                            guint *out_offline,
                                            GError **error);

/* Sorting at scale (tern-sort.c): the server's order of a whole folder,
 * for a list whose cache is still incomplete (see
 * tern_message_list_set_sync_session()). */
gboolean tern_sync_folder_is_complete (const TernStoreFolder *folder);
void tern_sync_session_sort_async (TernSyncSession *self,
                                   const char *folder,
                                   TernStoreSort sort,
                                   gboolean descending,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
/* Returns: (transfer full): a GArray of guint32 UIDs in display order, or
 * NULL (TERN_IMAP_ERROR_UNSUPPORTED: the server cannot sort). */
GArray *tern_sync_session_sort_finish (TernSyncSession *self,
                                       GAsyncResult *result,
                                       guint32 *out_uidvalidity,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSyncFolderResult, tern_sync_folder_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernSyncMessage, tern_sync_message_free)

G_END_DECLS
