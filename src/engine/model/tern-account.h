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

G_END_DECLS
