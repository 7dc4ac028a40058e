/* tern-sync-session-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "account/tern-account-setup-private.h"
#include "imap/tern-imap-client-select.h"
#include "imap/tern-imap-client.h"
#include "tern-await.h"
#include "tern-sync-session.h"

G_BEGIN_DECLS

/* Everything below runs on the session's worker thread, inside a job. */

/* The connection, opened (and QRESYNC/CONDSTORE enabled unless this server is
 * remembered to have contradicted itself) when there is none. */
TernImapClient *
_tern_sync_session_get_client (TernSyncSession *self, GCancellable *cancellable, GError **error);
TernImapClient *_tern_sync_open_client (TernAccountConfig *config,
                                        TernAccountOpenFlags flags,
                                        GCancellable *cancellable,
                                        GError **error);
TernImapClient *_tern_sync_session_examine (TernSyncSession *self,
                                            const char *folder,
                                            GCancellable *cancellable,
                                            GError **error);
/* Drops the connection after a network error: the next job reconnects. */
void _tern_sync_session_drop_client (TernSyncSession *self);
gboolean _tern_sync_session_run (TernSyncSession *self,
                                 TernImapCommand *command,
                                 TernImapUntaggedFunc untagged_func,
                                 gpointer untagged_data,
                                 TernImapResponse **out_tagged,
                                 GCancellable *cancellable,
                                 GError **error);
void
_tern_sync_session_progress (TernSyncSession *self, const char *what, guint64 done, guint64 total);
/* The meta key of this server's QRESYNC/CONDSTORE fallback. */
char *_tern_sync_session_dup_fallback_key (TernSyncSession *self);
gboolean _tern_sync_session_get_fallback (TernSyncSession *self);
void _tern_sync_session_set_fallback (TernSyncSession *self, const char *reason);

typedef void (*TernSyncJobFunc) (TernSyncSession *self,
                                 GTask *task,
                                 gpointer task_data,
                                 GCancellable *cancellable);
/* Queues @func to run on the worker (any thread). */
void _tern_sync_session_push (TernSyncSession *self, GTask *task, TernSyncJobFunc func);

/* tern-section-fetch.c: the section's bytes as stored on the server, from the
 * part cache or fetched in chunks (and cached when @cache). */
GBytes *_tern_sync_fetch_section (TernSyncSession *self,
                                  const char *folder,
                                  guint32 uid,
                                  const char *section,
                                  gboolean cache,
                                  GCancellable *cancellable,
                                  GError **error);
guint64 _tern_sync_session_get_part_cache_limit (TernSyncSession *self);
gint64 _tern_sync_folder_id (TernSyncSession *self, const char *path, GError **error);

/* tern-folder-sync.c */
gboolean _tern_sync_folder_list (TernSyncSession *self,
                                 GPtrArray **out_folders,
                                 GCancellable *cancellable,
                                 GError **error);
TernSyncFolderResult *_tern_sync_folder (TernSyncSession *self,
                                         const TernStoreFolder *folder,
                                         GCancellable *cancellable,
                                         GError **error);

/* tern-op-replay.c */
gboolean _tern_sync_replay (TernSyncSession *self,
                            guint *out_done,
                            guint *out_failed,
                            GCancellable *cancellable,
                            GError **error);
/* TERN_TEST_CRASH_AT=point[:n]: SIGKILL the n-th time @point is reached. */
void _tern_sync_crash_point (const char *point);

G_END_DECLS
