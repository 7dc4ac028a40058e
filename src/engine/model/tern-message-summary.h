/* tern-message-summary.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "store/tern-store.h"

G_BEGIN_DECLS

/* TernMessageSummary: one message of a TernMessageList (read-only
 * properties over a cached TernStoreSummary). Main context only. */
#define TERN_TYPE_MESSAGE_SUMMARY (tern_message_summary_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageSummary, tern_message_summary, TERN, MESSAGE_SUMMARY, GObject)

TernMessageSummary *tern_message_summary_new (const TernStoreSummary *summary);
TernMessageSummary *tern_message_summary_new_placeholder (guint32 uid);

guint32 tern_message_summary_get_uid (TernMessageSummary *self);
gboolean tern_message_summary_get_loaded (TernMessageSummary *self);
const char *tern_message_summary_get_subject (TernMessageSummary *self);
const char *tern_message_summary_get_from_name (TernMessageSummary *self);
const char *tern_message_summary_get_from_address (TernMessageSummary *self);
gint64 tern_message_summary_get_date (TernMessageSummary *self);
guint64 tern_message_summary_get_size (TernMessageSummary *self);
TernStoreFlags tern_message_summary_get_flags (TernMessageSummary *self);
gboolean tern_message_summary_get_unread (TernMessageSummary *self);
gboolean tern_message_summary_get_flagged (TernMessageSummary *self);
gboolean tern_message_summary_get_answered (TernMessageSummary *self);
gboolean tern_message_summary_get_has_attachments (TernMessageSummary *self);
const char *tern_message_summary_get_preview (TernMessageSummary *self);
guint tern_message_summary_get_thread_id (TernMessageSummary *self);
const TernStoreSummary *tern_message_summary_get_summary (TernMessageSummary *self);

/* For the model that owns the item (TernMessageList): the UI only reads. */
void tern_message_summary_update (TernMessageSummary *self, const TernStoreSummary *summary);
void tern_message_summary_update_flags (TernMessageSummary *self, TernStoreFlags flags);
void tern_message_summary_set_thread_id (TernMessageSummary *self, guint thread_id);

G_END_DECLS
