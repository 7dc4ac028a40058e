/* tern-folder-collector-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "imap/tern-imap-response.h"

G_BEGIN_DECLS

/* TernFolderCollector: turns the LIST, LSUB and STATUS responses of one
 * folder listing into TernFolders. Knows nothing of connections, so that it
 * can be tested with parsed responses alone.
 *
 * Threading: one thread at a time. */
typedef struct _TernFolderCollector TernFolderCollector;

TernFolderCollector *_tern_folder_collector_new (gboolean utf8_names, gboolean has_special_use);
void _tern_folder_collector_free (TernFolderCollector *self);

void _tern_folder_collector_add (TernFolderCollector *self, TernImapResponse *response);
GPtrArray *_tern_folder_collector_dup_without_status (TernFolderCollector *self);
GListStore *_tern_folder_collector_finish (TernFolderCollector *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernFolderCollector, _tern_folder_collector_free)

G_END_DECLS
