/* tern-message-summary.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernMessageSummary: one row of the message list, wrapping a copy of the
 * cached TernStoreSummary. Every property is read-only for the UI; the list
 * model fills a placeholder (only the UID known, "loaded" FALSE) when its
 * page of summaries arrives and refreshes it on live updates, and each
 * property is notified only when its value really changed.
 *
 * thread-id is 0 outside a threaded list, else the conversation's id + 1.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include "tern-message-summary.h"

struct _TernMessageSummary
{
  GObject parent_instance;

  /* owned */
  TernStoreSummary *summary;

  guint thread_id;
  guint loaded : 1;
};

G_DEFINE_FINAL_TYPE (TernMessageSummary, tern_message_summary, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_UID,
  PROP_LOADED,
  PROP_SUBJECT,
  PROP_FROM_NAME,
  PROP_FROM_ADDRESS,
  PROP_DATE,
  PROP_SIZE,
  PROP_UNREAD,
  PROP_FLAGGED,
  PROP_ANSWERED,
  PROP_HAS_ATTACHMENTS,
  PROP_PREVIEW,
  PROP_THREAD_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tern_message_summary_finalize (GObject *object)
{
  TernMessageSummary *self = (TernMessageSummary *) object;

  g_clear_pointer (&self->summary, tern_store_summary_free);

  G_OBJECT_CLASS (tern_message_summary_parent_class)->finalize (object);
}

static void
tern_message_summary_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernMessageSummary *self = TERN_MESSAGE_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_UID:
      g_value_set_uint (value, self->summary->uid);
      break;

    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;

    case PROP_SUBJECT:
      g_value_set_string (value, self->summary->subject);
      break;

    case PROP_FROM_NAME:
      g_value_set_string (value, self->summary->from_name);
      break;

    case PROP_FROM_ADDRESS:
      g_value_set_string (value, self->summary->from_addr);
      break;

    case PROP_DATE:
      g_value_set_int64 (value, self->summary->date);
      break;

    case PROP_SIZE:
      g_value_set_uint64 (value, self->summary->size);
      break;

    case PROP_UNREAD:
      g_value_set_boolean (value, tern_message_summary_get_unread (self));
      break;

    case PROP_FLAGGED:
      g_value_set_boolean (value, tern_message_summary_get_flagged (self));
      break;

    case PROP_ANSWERED:
      g_value_set_boolean (value, tern_message_summary_get_answered (self));
      break;

    case PROP_HAS_ATTACHMENTS:
      g_value_set_boolean (value, self->summary->has_attachments);
      break;

    case PROP_PREVIEW:
      g_value_set_string (value, self->summary->preview);
      break;

    case PROP_THREAD_ID:
      g_value_set_uint (value, self->thread_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_message_summary_class_init (TernMessageSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tern_message_summary_finalize;
  object_class->get_property = tern_message_summary_get_property;

  properties[PROP_UID] = g_param_spec_uint ("uid", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  /* FALSE for a placeholder whose summary has not arrived yet. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_FROM_NAME] = g_param_spec_string ("from-name", NULL, NULL, NULL, flags);
  properties[PROP_FROM_ADDRESS] = g_param_spec_string ("from-address", NULL, NULL, NULL, flags);
  /* The Date header, Unix seconds. */
  properties[PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UNREAD] = g_param_spec_boolean ("unread", NULL, NULL, FALSE, flags);
  properties[PROP_FLAGGED] = g_param_spec_boolean ("flagged", NULL, NULL, FALSE, flags);
  properties[PROP_ANSWERED] = g_param_spec_boolean ("answered", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_ATTACHMENTS] =
    g_param_spec_boolean ("has-attachments", NULL, NULL, FALSE, flags);
  properties[PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL, flags);
  properties[PROP_THREAD_ID] = g_param_spec_uint ("thread-id", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_message_summary_init (TernMessageSummary *self)
{
}

/**
 * tern_message_summary_new:
 * @summary: copied
 */
TernMessageSummary *
tern_message_summary_new (const TernStoreSummary *summary)
{
  TernMessageSummary *self;

  g_return_val_if_fail (summary != NULL, NULL);

  self = g_object_new (TERN_TYPE_MESSAGE_SUMMARY, NULL);
  self->summary = tern_store_summary_copy (summary);
  self->loaded = TRUE;
  return self;
}

/* A row whose summary has not been read yet: the UID, empty fields. */
TernMessageSummary *
tern_message_summary_new_placeholder (guint32 uid)
{
  TernMessageSummary *self = g_object_new (TERN_TYPE_MESSAGE_SUMMARY, NULL);

  self->summary = tern_store_summary_new (uid);
  return self;
}

guint32
tern_message_summary_get_uid (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), 0);
  return self->summary->uid;
}

gboolean
tern_message_summary_get_loaded (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), FALSE);
  return self->loaded;
}

const char *
tern_message_summary_get_subject (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), NULL);
  return self->summary->subject;
}

const char *
tern_message_summary_get_from_name (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), NULL);
  return self->summary->from_name;
}

const char *
tern_message_summary_get_from_address (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), NULL);
  return self->summary->from_addr;
}

gint64
tern_message_summary_get_date (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), 0);
  return self->summary->date;
}

guint64
tern_message_summary_get_size (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), 0);
  return self->summary->size;
}

TernStoreFlags
tern_message_summary_get_flags (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), 0);
  return self->summary->flags;
}

gboolean
tern_message_summary_get_unread (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), FALSE);
  /* A placeholder is not "unread": nothing bold flashes while it loads. */
  return self->loaded && (self->summary->flags & TERN_STORE_FLAG_SEEN) == 0;
}

gboolean
tern_message_summary_get_flagged (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), FALSE);
  return (self->summary->flags & TERN_STORE_FLAG_FLAGGED) != 0;
}

gboolean
tern_message_summary_get_answered (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), FALSE);
  return (self->summary->flags & TERN_STORE_FLAG_ANSWERED) != 0;
}

gboolean
tern_message_summary_get_has_attachments (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), FALSE);
  return self->summary->has_attachments;
}

const char *
tern_message_summary_get_preview (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), NULL);
  return self->summary->preview;
}

guint
tern_message_summary_get_thread_id (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), 0);
  return self->thread_id;
}

/* Returns: (transfer none): the whole cached summary (recipients, threading
 * headers, BODYSTRUCTURE…); replaced by the next update. */
const TernStoreSummary *
tern_message_summary_get_summary (TernMessageSummary *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_SUMMARY (self), NULL);
  return self->summary;
}

/* The boolean properties a change of flags (or of "loaded") may affect. */
static void
notify_flag_changes (TernMessageSummary *self, gboolean old_unread, TernStoreFlags old_flags)
{
  TernStoreFlags changed = old_flags ^ self->summary->flags;

  if (old_unread != tern_message_summary_get_unread (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
  if (changed & TERN_STORE_FLAG_FLAGGED)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGGED]);
  if (changed & TERN_STORE_FLAG_ANSWERED)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANSWERED]);
}

/**
 * tern_message_summary_update:
 * @summary: the same message's new summary, copied
 *
 * Fills a placeholder or refreshes a row, notifying what changed.
 */
void
tern_message_summary_update (TernMessageSummary *self, const TernStoreSummary *summary)
{
  g_autoptr (TernStoreSummary) old = NULL;
  gboolean old_unread;
  gboolean was_loaded;

  g_return_if_fail (TERN_IS_MESSAGE_SUMMARY (self));
  g_return_if_fail (summary != NULL);
  g_return_if_fail (summary->uid == self->summary->uid);

  old_unread = tern_message_summary_get_unread (self);
  was_loaded = self->loaded;
  old = g_steal_pointer (&self->summary);
  self->summary = tern_store_summary_copy (summary);
  self->loaded = TRUE;

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (old->subject, summary->subject) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBJECT]);
  if (g_strcmp0 (old->from_name, summary->from_name) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_NAME]);
  if (g_strcmp0 (old->from_addr, summary->from_addr) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_ADDRESS]);
  if (old->date != summary->date)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATE]);
  if (old->size != summary->size)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
  if (old->has_attachments != summary->has_attachments)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_ATTACHMENTS]);
  if (g_strcmp0 (old->preview, summary->preview) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW]);
  notify_flag_changes (self, old_unread, old->flags);
  /* Last, so that a handler of "loaded" sees every other field set. */
  if (!was_loaded)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Sets the system flags (after a flag change made here or by another
 * device), notifying only unread, flagged or answered as they change. */
void
tern_message_summary_update_flags (TernMessageSummary *self, TernStoreFlags flags)
{
  TernStoreFlags old_flags;
  gboolean old_unread;

  g_return_if_fail (TERN_IS_MESSAGE_SUMMARY (self));

  if (self->summary->flags == flags)
    return;

  old_unread = tern_message_summary_get_unread (self);
  old_flags = self->summary->flags;
  self->summary->flags = flags;

  g_object_freeze_notify (G_OBJECT (self));
  notify_flag_changes (self, old_unread, old_flags);
  g_object_thaw_notify (G_OBJECT (self));
}

/* The conversation of a threaded list (its id + 1), 0 when not threaded. */
void
tern_message_summary_set_thread_id (TernMessageSummary *self, guint thread_id)
{
  g_return_if_fail (TERN_IS_MESSAGE_SUMMARY (self));

  if (self->thread_id == thread_id)
    return;
  self->thread_id = thread_id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_ID]);
}
