/* tern-thread-builder.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TERN_THREAD_BUILDER_NONE = 0,
  /* Join threads whose root is a reply ("Re:", "Fwd:", "AW:", "SV:", …) or
   * whose parent is missing to the thread with the same base subject. */
  TERN_THREAD_BUILDER_GROUP_BY_SUBJECT = 1 << 0,
} TernThreadBuilderFlags;

/* TernThreadBuilder: Jamie Zawinski's threading algorithm over the
 * Message-ID, In-Reply-To, References, Subject and Date of a set of
 * messages. Messages are added in any order, identified by the index
 * tern_thread_builder_add() returns; tern_thread_builder_run() computes a
 * thread id per message (threads numbered by their earliest message) and a
 * forest of messages in which siblings are ordered by date, then by index.
 *
 * Missing parents become placeholders that are not part of the output: the
 * children of a missing message are siblings in its thread. Duplicate
 * Message-IDs, self-references and reference loops are tolerated; only the
 * last 100 ids of a References header (and its last 64 KiB) are read.
 * O(n log n) time, O(n) memory.
 *
 * Threading: not thread-safe; one thread at a time. */
typedef struct _TernThreadBuilder TernThreadBuilder;

TernThreadBuilder *tern_thread_builder_new (TernThreadBuilderFlags flags);
void tern_thread_builder_free (TernThreadBuilder *self);

guint tern_thread_builder_add (TernThreadBuilder *self,
                               const char *message_id,
                               const char *in_reply_to,
                               const char *references,
                               const char *subject,
                               gint64 date);
void tern_thread_builder_run (TernThreadBuilder *self);

guint tern_thread_builder_get_n_messages (TernThreadBuilder *self);
guint tern_thread_builder_get_n_threads (TernThreadBuilder *self);
guint tern_thread_builder_get_thread (TernThreadBuilder *self, guint message);
gint tern_thread_builder_get_parent (TernThreadBuilder *self, guint message);
const guint *
tern_thread_builder_get_children (TernThreadBuilder *self, guint message, guint *n_children);
const guint *tern_thread_builder_get_roots (TernThreadBuilder *self, guint *n_roots);

char *tern_thread_builder_dup_base_subject (const char *subject, gboolean *out_is_reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernThreadBuilder, tern_thread_builder_free)

G_END_DECLS
