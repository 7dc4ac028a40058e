/* tern-imap-threads.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

/* TernImapThreads: the forest of a "* THREAD" response (RFC 5256). Nodes are
 * numbered 0…n-1 and linked by index (-1 for none), so that any depth of
 * thread (a 10 000-message chain is a 10 000-deep tree) costs no recursion.
 * A node whose message is missing (a dummy parent) has id 0.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapThreads TernImapThreads;

#define TERN_TYPE_IMAP_THREADS (tern_imap_threads_get_type ())

GType tern_imap_threads_get_type (void) G_GNUC_CONST;
TernImapThreads *tern_imap_threads_new_from_response (TernImapResponse *response, GError **error);
TernImapThreads *tern_imap_threads_ref (TernImapThreads *self);
void tern_imap_threads_unref (TernImapThreads *self);

guint tern_imap_threads_get_n_nodes (TernImapThreads *self);
gint tern_imap_threads_get_first_root (TernImapThreads *self);
guint32 tern_imap_threads_get_id (TernImapThreads *self, guint node);
gint tern_imap_threads_get_parent (TernImapThreads *self, guint node);
gint tern_imap_threads_get_first_child (TernImapThreads *self, guint node);
gint tern_imap_threads_get_next_sibling (TernImapThreads *self, guint node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapThreads, tern_imap_threads_unref)

G_END_DECLS
