/* tern-account-secret.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Which service of the account a secret is for. */
typedef enum
{
  TERN_ACCOUNT_PROTOCOL_IMAP,
  TERN_ACCOUNT_PROTOCOL_SMTP,
} TernAccountProtocol;

const char *tern_account_protocol_to_string (TernAccountProtocol protocol);

void tern_account_secret_store_async (const char *account_id,
                                      TernAccountProtocol protocol,
                                      const char *host,
                                      const char *user,
                                      const char *secret,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean tern_account_secret_store_finish (GAsyncResult *result, GError **error);

void tern_account_secret_lookup_async (const char *account_id,
                                       TernAccountProtocol protocol,
                                       const char *host,
                                       const char *user,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
char *tern_account_secret_lookup_finish (GAsyncResult *result, GError **error);

void tern_account_secret_clear_async (const char *account_id,
                                      TernAccountProtocol protocol,
                                      const char *host,
                                      const char *user,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean tern_account_secret_clear_finish (GAsyncResult *result, GError **error);

void tern_account_secret_clear_all_for_account_async (const char *account_id,
                                                      GCancellable *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer user_data);
gboolean tern_account_secret_clear_all_for_account_finish (GAsyncResult *result, GError **error);

/* Blocking variants, for tern-cli only. */
gboolean tern_account_secret_store_sync (const char *account_id,
                                         TernAccountProtocol protocol,
                                         const char *host,
                                         const char *user,
                                         const char *secret,
                                         GCancellable *cancellable,
                                         GError **error);
char *tern_account_secret_lookup_sync (const char *account_id,
                                       TernAccountProtocol protocol,
                                       const char *host,
                                       const char *user,
                                       GCancellable *cancellable,
                                       GError **error);
gboolean tern_account_secret_clear_sync (const char *account_id,
                                         TernAccountProtocol protocol,
                                         const char *host,
                                         const char *user,
                                         GCancellable *cancellable,
                                         GError **error);
gboolean tern_account_secret_clear_all_for_account_sync (const char *account_id,
                                                         GCancellable *cancellable,
                                                         GError **error);

void tern_account_secret_free (char *secret);

G_END_DECLS
