/* tern-account-setup.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tern-account-config.h"

G_BEGIN_DECLS

/* Setting accounts up and removing them, for the UI and tern-cli; see
 * tern-account-setup.c. Main context only. Errors are TERN_ACCOUNT_ERROR
 * with a message for a person. */

char *tern_account_dup_certificate_fingerprint (GTlsCertificate *certificate);
char *tern_account_dup_certificate_problem (GTlsCertificate *certificate,
                                            const char *host,
                                            const char *ca_file);

void tern_account_setup_verify_async (TernAccountConfig *config,
                                      const char *password,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean tern_account_setup_verify_finish (GAsyncResult *result,
                                           GTlsCertificate **out_certificate,
                                           GError **error);

void tern_account_setup_add_async (TernAccountConfig *config,
                                   const char *password,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean tern_account_setup_add_finish (GAsyncResult *result,
                                        GTlsCertificate **out_certificate,
                                        GError **error);

void tern_account_setup_update_async (TernAccountConfig *config,
                                      const char *password,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean tern_account_setup_update_finish (GAsyncResult *result,
                                           GTlsCertificate **out_certificate,
                                           GError **error);

void tern_account_setup_remove_async (const char *id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean tern_account_setup_remove_finish (GAsyncResult *result, GError **error);

G_END_DECLS
