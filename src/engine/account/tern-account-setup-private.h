/* tern-account-setup-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Opening an authenticated IMAP connection for an account, shared by the
 * setup functions and the model (src/engine/model). Engine-internal: the UI
 * and tern-cli never see a TernImapClient. */

#pragma once

#include "imap/tern-imap-client.h"
#include "imap/tern-imap-error.h"
#include "tern-account-config.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_ACCOUNT_OPEN_NONE = 0,
  /* ENABLE UTF8=ACCEPT when offered, so mailbox names travel as UTF-8. */
  TERN_ACCOUNT_OPEN_ENABLE_UTF8 = 1 << 0,
} TernAccountOpenFlags;

void _tern_account_open_imap_async (TernAccountConfig *config,
                                    const char *password,
                                    TernAccountOpenFlags flags,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
TernImapClient *_tern_account_open_imap_finish (GAsyncResult *result,
                                                GTlsCertificate **out_certificate,
                                                GError **error);

G_END_DECLS
