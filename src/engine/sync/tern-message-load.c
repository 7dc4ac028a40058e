/* tern-message-load.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Opening a message and saving an attachment (DESIGN decision 8), as jobs on
 * the session's worker: the cached BODYSTRUCTURE says which part is the text
 * and which are attachments; only the text part is fetched on open, an
 * attachment only when it is saved. */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "mime/tern-mime-body.h"
#include "mime/tern-mime-text.h"
#include "tern-sync-session-private.h"

/* Attachments up to this size stay in the part cache after a save. */
#define CACHE_ATTACHMENTS_UP_TO (4 * 1024 * 1024)

void
tern_sync_message_free (TernSyncMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->summary, tern_store_summary_free);
  g_free (message->text);
  g_free (message->html);
  g_clear_pointer (&message->attachments, g_ptr_array_unref);
  g_clear_pointer (&message->inline_parts, g_ptr_array_unref);
  g_free (message);
}

typedef struct
{
  char *folder;
  guint32 uid;
  char *section;
  GFile *destination;
} Request;

static void
request_free (Request *request)
{
  g_free (request->folder);
  g_free (request->section);
  g_clear_object (&request->destination);
  g_free (request);
}

static Request *
request_new (const char *folder, guint32 uid, const char *section, GFile *destination)
{
  Request *request = g_new0 (Request, 1);

  request->folder = g_strdup (folder);
  request->uid = uid;
  request->section = g_strdup (section);
  request->destination = destination != NULL ? g_object_ref (destination) : NULL;
  return request;
}

/* The cached summary and its part tree. */
static gboolean
load_structure (TernSyncSession *self,
                const char *folder,
                guint32 uid,
                gint64 *out_folder_id,
                TernStoreSummary **out_summary,
                TernMimePart **out_root,
                GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GPtrArray) summaries = NULL;
  TernStoreSummary *summary;
  gint64 folder_id;

  folder_id = _tern_sync_folder_id (self, folder, error);
  if (folder_id == 0)
    return FALSE;
  tern_store_get_summaries_async (store, folder_id, &uid, 1, NULL, tern_await_cb, &wait);
  summaries = tern_store_get_summaries_finish (store, tern_await (&wait), error);
  if (summaries == NULL)
    return FALSE;
  if (summaries->len == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   _ ("There is no message %u in “%s”; synchronise first"), uid, folder);
      return FALSE;
    }
  summary = summaries->pdata[0];
  if (summary->bodystructure == NULL)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   _ ("The cache has no structure for message %u"), uid);
      return FALSE;
    }
  *out_root = tern_mime_part_new_from_bodystructure_text (summary->bodystructure, error);
  if (*out_root == NULL)
    return FALSE;
  *out_folder_id = folder_id;
  *out_summary = tern_store_summary_copy (summary);
  return TRUE;
}

/* What an attachment will take on disk, from BODYSTRUCTURE alone (it is
 * not fetched before it is saved): exact for 7bit/8bit/binary parts and
 * message/rfc822, within a few bytes for base64 written in the usual 76
 * character lines, an upper bound for quoted-printable. Dovecot 2.3's
 * BINARY.SIZE is not used: it answered 68 637 for a 70 001-byte base64
 * attachment and 5 852 for a 7 724-byte message/rfc822 part. */
static guint64
decoded_size (TernMimePart *part)
{
  const char *encoding = tern_mime_part_get_encoding (part);
  guint64 size = tern_mime_part_get_size (part);

  if (encoding != NULL && g_ascii_strcasecmp (encoding, "base64") == 0)
    {
      guint64 lines = (size + 77) / 78;
      guint64 chars = size > 2 * lines ? size - 2 * lines : 0;

      return chars / 4 * 3;
    }
  return size;
}

static void
fill_decoded_sizes (TernMimePart *root, GPtrArray *attachments)
{
  for (guint i = 0; i < attachments->len; i++)
    {
      TernMimeAttachment *attachment = attachments->pdata[i];
      TernMimePart *part = tern_mime_part_lookup (root, attachment->section);

      if (part != NULL)
        attachment->size = decoded_size (part);
    }
}

static void
load_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  Request *request = data;
  TernStore *store = tern_sync_session_get_store (self);
  g_autoptr (TernSyncMessage) message = g_new0 (TernSyncMessage, 1);
  g_autoptr (TernMimePart) root = NULL;
  TernMimePart *text_part;
  TernMimePart *html_part;
  GError *error = NULL;
  gint64 folder_id;

  if (!load_structure (self, request->folder, request->uid, &folder_id, &message->summary, &root,
                       &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The HTML alternative is shown when there is one (decision 9); the
   * plain one stays the text that is indexed and shown without a web view. */
  html_part = tern_mime_body_pick_html_part (root);
  if (html_part != NULL)
    {
      g_autoptr (GBytes) raw = _tern_sync_fetch_section (self, request->folder, request->uid,
                                                         tern_mime_part_get_section (html_part),
                                                         TRUE, cancellable, &error);

      if (raw == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      message->html = tern_mime_body_decode_html (html_part, raw);
    }
  text_part = tern_mime_body_pick_text_part (root, &message->text_from_html);
  if (text_part != NULL && text_part == html_part && message->html != NULL)
    message->text = tern_mime_html_to_text (message->html, strlen (message->html));
  else if (text_part != NULL)
    {
      g_autoptr (GBytes) raw = _tern_sync_fetch_section (self, request->folder, request->uid,
                                                         tern_mime_part_get_section (text_part),
                                                         TRUE, cancellable, &error);

      if (raw == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      message->text = tern_mime_body_decode_text (text_part, raw);
    }
  if (message->text == NULL)
    message->text = g_strdup ("");
  message->inline_parts = tern_mime_body_list_inline_parts (root);

  /* What is cached is searchable (decision 5). */
  {
    g_auto (TernAwait) wait = TERN_AWAIT_INIT;
    g_autoptr (GError) index_error = NULL;

    tern_store_index_body_async (store, folder_id, request->uid, message->text, NULL, tern_await_cb,
                                 &wait);
    if (!tern_store_index_body_finish (store, tern_await (&wait), &index_error))
      g_debug ("Indexing message %u: %s", request->uid, index_error->message);
  }

  message->attachments = tern_mime_body_list_attachments (root);
  fill_decoded_sizes (root, message->attachments);
  g_task_return_pointer (task, g_steal_pointer (&message), (GDestroyNotify) tern_sync_message_free);
}

void
tern_sync_session_load_message_async (TernSyncSession *self,
                                      const char *folder,
                                      guint32 uid,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TERN_IS_SYNC_SESSION (self));
  g_return_if_fail (folder != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_sync_session_load_message_async);
  g_task_set_task_data (task, request_new (folder, uid, NULL, NULL), (GDestroyNotify) request_free);
  _tern_sync_session_push (self, task, load_job);
}

TernSyncMessage *
tern_sync_session_load_message_finish (TernSyncSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
save_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  Request *request = data;
  g_autoptr (TernStoreSummary) summary = NULL;
  g_autoptr (TernMimePart) root = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) decoded = NULL;
  TernMimePart *part;
  GError *error = NULL;
  gint64 folder_id;

  if (!load_structure (self, request->folder, request->uid, &folder_id, &summary, &root, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  part = tern_mime_part_lookup (root, request->section);
  if (part == NULL || tern_mime_part_is_multipart (part))
    {
      g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                               _ ("Message %u has no part %s to save"), request->uid,
                               request->section);
      return;
    }

  raw = _tern_sync_fetch_section (self, request->folder, request->uid, request->section,
                                  tern_mime_part_get_size (part) <= CACHE_ATTACHMENTS_UP_TO,
                                  cancellable, &error);
  if (raw == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* message/rfc822 is saved as the message it is; everything else loses its
   * transfer encoding. */
  decoded = tern_mime_part_is_message (part)
              ? g_bytes_ref (raw)
              : tern_mime_decode_transfer (raw, tern_mime_part_get_encoding (part));

  if (!g_file_replace_contents (request->destination, g_bytes_get_data (decoded, NULL),
                                g_bytes_get_size (decoded), NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
tern_sync_session_save_attachment_async (TernSyncSession *self,
                                         const char *folder,
                                         guint32 uid,
                                         const char *section,
                                         GFile *destination,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TERN_IS_SYNC_SESSION (self));
  g_return_if_fail (folder != NULL && section != NULL && G_IS_FILE (destination));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_sync_session_save_attachment_async);
  g_task_set_task_data (task, request_new (folder, uid, section, destination),
                        (GDestroyNotify) request_free);
  _tern_sync_session_push (self, task, save_job);
}

gboolean
tern_sync_session_save_attachment_finish (TernSyncSession *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
