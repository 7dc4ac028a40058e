/* tern-attachment-row.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "mime/tern-mime-text.h"
#include "sync/tern-sync-session.h"

G_BEGIN_DECLS

#define TERN_TYPE_ATTACHMENT_ROW (tern_attachment_row_get_type ())

G_DECLARE_FINAL_TYPE (TernAttachmentRow, tern_attachment_row, TERN, ATTACHMENT_ROW, GtkBox)

/* A row for @attachment (a TernMimeAttachment, copied) of message @uid in
 * @folder, fetched through @session when opened or saved. */
GtkWidget *tern_attachment_row_new (TernSyncSession *session,
                                    const char *folder,
                                    guint32 uid,
                                    const TernMimeAttachment *attachment);

G_END_DECLS
