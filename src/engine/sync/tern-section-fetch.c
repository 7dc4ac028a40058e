/* tern-section-fetch.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Lazy bodies (DESIGN decision 8): a body section from the part cache, or
 * fetched in chunks (progress after each, cancellable between them) and
 * cached. Sections travel as the server stores them (BODY.PEEK, transfer
 * encoding and all) and are decoded by the caller with GMime, so that a saved
 * attachment is byte-exact whatever the server's BINARY does. */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-fetch.h"
#include "tern-sync-session-private.h"

#define CHUNK (1024 * 1024)

typedef struct
{
  char *folder;
  guint32 uid;
  char *section;
  gboolean cache;
} SectionRequest;

static void
section_request_free (SectionRequest *request)
{
  g_free (request->folder);
  g_free (request->section);
  g_free (request);
}

typedef struct
{
  const char *section;
  guint32 uid;
  GBytes *chunk;
  gboolean seen;
} ChunkCollect;

static void
collect_chunk (TernImapResponse *response, gpointer user_data)
{
  ChunkCollect *collect = user_data;
  g_autoptr (TernImapFetch) fetch = tern_imap_fetch_new_from_response (response, NULL);
  GBytes *bytes;

  if (fetch == NULL || tern_imap_fetch_get_uid (fetch) != collect->uid)
    return;
  bytes = tern_imap_fetch_get_body (fetch, collect->section, NULL);
  collect->seen = TRUE;
  if (bytes != NULL)
    {
      g_clear_pointer (&collect->chunk, g_bytes_unref);
      collect->chunk = g_bytes_ref (bytes);
    }
}

gint64
_tern_sync_folder_id (TernSyncSession *self, const char *path, GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GPtrArray) folders = NULL;

  tern_store_list_folders_async (store, NULL, tern_await_cb, &wait);
  folders = tern_store_list_folders_finish (store, tern_await (&wait), error);
  if (folders == NULL)
    return 0;
  for (guint i = 0; i < folders->len; i++)
    if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->path, path) == 0)
      return ((TernStoreFolder *) folders->pdata[i])->id;
  g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
               _ ("The folder “%s” is not in the cache; synchronise first"), path);
  return 0;
}

GBytes *
_tern_sync_fetch_section (TernSyncSession *self,
                          const char *folder,
                          guint32 uid,
                          const char *section,
                          gboolean cache,
                          GCancellable *cancellable,
                          GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  g_autoptr (GByteArray) buffer = g_byte_array_new ();
  g_autofree char *progress_name = NULL;
  TernImapClient *client;
  gint64 folder_id;
  guint64 offset = 0;
  GBytes *bytes;

  folder_id = _tern_sync_folder_id (self, folder, error);
  if (folder_id == 0)
    return NULL;

  {
    g_auto (TernAwait) wait = TERN_AWAIT_INIT;
    GBytes *cached;

    tern_store_get_part_async (store, folder_id, uid, section, NULL, tern_await_cb, &wait);
    cached = tern_store_get_part_finish (store, tern_await (&wait), NULL);
    if (cached != NULL)
      return cached;
  }

  client = _tern_sync_session_examine (self, folder, cancellable, error);
  if (client == NULL)
    return NULL;

  progress_name = g_strdup_printf ("%s/%u/%s", folder, uid, section);
  for (;;)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID FETCH");
      g_autofree char *uid_text = g_strdup_printf ("%u", uid);
      g_autofree char *items =
        g_strdup_printf ("(UID BODY.PEEK[%s]<%" G_GUINT64_FORMAT ".%d>)", section, offset, CHUNK);
      ChunkCollect collect = { section, uid, NULL, FALSE };
      gsize len;
      tern_imap_command_add_sequence_set (command, uid_text);
      tern_imap_command_add_raw (command, items);
      if (!_tern_sync_session_run (self, command, collect_chunk, &collect, NULL, cancellable,
                                   error))
        {
          g_clear_pointer (&collect.chunk, g_bytes_unref);
          return NULL;
        }
      if (!collect.seen)
        {
          g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                       _ ("Message %u is no longer in “%s”"), uid, folder);
          return NULL;
        }
      len = collect.chunk != NULL ? g_bytes_get_size (collect.chunk) : 0;
      if (len > 0)
        g_byte_array_append (buffer, g_bytes_get_data (collect.chunk, NULL), (guint) len);
      g_clear_pointer (&collect.chunk, g_bytes_unref);
      offset += len;
      _tern_sync_session_progress (self, progress_name, offset, 0);
      if (len < CHUNK)
        break;
    }

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
  if (cache)
    {
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;
      g_autoptr (GError) put_error = NULL;

      tern_store_put_part_async (store, folder_id, uid, section, bytes, NULL, tern_await_cb, &wait);
      if (!tern_store_put_part_finish (store, tern_await (&wait), &put_error))
        g_warning ("Caching part %s of message %u: %s", section, uid, put_error->message);
      else
        {
          g_auto (TernAwait) trim_wait = TERN_AWAIT_INIT;

          tern_store_trim_parts_async (store, _tern_sync_session_get_part_cache_limit (self), NULL,
                                       tern_await_cb, &trim_wait);
          if (tern_store_trim_parts_finish (store, tern_await (&trim_wait), &put_error) < 0)
            g_warning ("Trimming the part cache: %s", put_error->message);
        }
    }
  return bytes;
}

static void
section_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  SectionRequest *request = data;
  GError *error = NULL;
  GBytes *bytes = _tern_sync_fetch_section (self, request->folder, request->uid, request->section,
                                            request->cache, cancellable, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
tern_sync_session_fetch_section_async (TernSyncSession *self,
                                       const char *folder,
                                       guint32 uid,
                                       const char *section,
                                       gboolean cache,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  SectionRequest *request;
  GTask *task;

  g_return_if_fail (TERN_IS_SYNC_SESSION (self));
  g_return_if_fail (folder != NULL && section != NULL);

  request = g_new0 (SectionRequest, 1);
  request->folder = g_strdup (folder);
  request->uid = uid;
  request->section = g_strdup (section);
  request->cache = cache;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_sync_session_fetch_section_async);
  g_task_set_task_data (task, request, (GDestroyNotify) section_request_free);
  _tern_sync_session_push (self, task, section_job);
}

GBytes *
tern_sync_session_fetch_section_finish (TernSyncSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
