/* tern-search.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Search on the worker: the cache first, then UID SEARCH on the server for
 * what the cache cannot answer (bodies never opened, mail not yet synced),
 * merged per folder without duplicates. The criteria come ready-made from the
 * model (a(bs): atoms and strings); strings go through the command builder,
 * which quotes them or sends them as literals, never spliced in raw. */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-search.h"
#include "tern-sync-session-private.h"

/* UIDs the store gives to rows a queued move or copy made (see migration 2). */
#define LOCAL_UID_BASE 0xF0000000u

typedef struct
{
  char *folder;
  char *fts;
  char *where;
  GPtrArray *params;
  GVariant *criteria;
  gboolean utf8;
} SearchRequest;

typedef struct
{
  GPtrArray *hits;
  guint offline;
} SearchResult;

static void
search_request_free (SearchRequest *request)
{
  g_free (request->folder);
  g_free (request->fts);
  g_free (request->where);
  g_clear_pointer (&request->params, g_ptr_array_unref);
  g_clear_pointer (&request->criteria, g_variant_unref);
  g_free (request);
}

static void
search_result_free (SearchResult *result)
{
  g_clear_pointer (&result->hits, g_ptr_array_unref);
  g_free (result);
}

void
tern_sync_search_hit_free (TernSyncSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->folder);
  g_clear_pointer (&hit->summary, tern_store_summary_free);
  g_free (hit);
}

static void
collect_uids (TernImapResponse *response, gpointer user_data)
{
  TernImapUidSet *uids = user_data;
  g_autoptr (TernImapSearchResult) result =
    tern_imap_search_result_new_from_response (response, NULL);
  const TernImapUidSet *set;

  if (result == NULL)
    return;
  set = tern_imap_search_result_get_set (result);
  if (set == NULL)
    return;
  for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (set); i++)
    {
      guint32 first, last;

      tern_imap_uid_set_get_range (set, i, &first, &last);
      tern_imap_uid_set_add_range (uids, first, last);
    }
}

/* The server's matches in @folder; NULL with @error when it could not say. */
static TernImapUidSet *
server_search (TernSyncSession *self,
               const char *folder,
               SearchRequest *request,
               GCancellable *cancellable,
               GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID SEARCH");
  g_autoptr (TernImapUidSet) uids = tern_imap_uid_set_new ();
  TernImapClient *client;
  GVariantIter iter;
  gboolean is_string;
  const char *text;
  gboolean was_selected;

  client = _tern_sync_session_get_client (self, cancellable, error);
  if (client == NULL)
    return NULL;
  was_selected = tern_imap_client_get_state (client) == TERN_IMAP_CLIENT_SELECTED &&
                 g_strcmp0 (tern_imap_client_get_selected_mailbox (client), folder) == 0;
  client = _tern_sync_session_examine (self, folder, cancellable, error);
  if (client == NULL)
    return NULL;
  if (was_selected)
    {
      /* A server searches the connection's view of the folder, which mail
       * delivered since the last command is not in yet (Dovecot tells of it
       * only after the SEARCH): a NOOP brings the view up to date. */
      g_autoptr (TernImapCommand) noop = tern_imap_command_new ("NOOP");

      if (!_tern_sync_session_run (self, noop, NULL, NULL, NULL, cancellable, error))
        return NULL;
    }

  if (tern_imap_client_has_capability (client, "ESEARCH"))
    tern_imap_command_add_raw (command, "RETURN (ALL)");
  if (request->utf8)
    tern_imap_command_add_raw (command, "CHARSET UTF-8");
  g_variant_iter_init (&iter, request->criteria);
  while (g_variant_iter_next (&iter, "(b&s)", &is_string, &text))
    {
      if (is_string)
        tern_imap_command_add_string (command, text);
      else
        tern_imap_command_add_atom (command, text);
    }
  if (!_tern_sync_session_run (self, command, collect_uids, uids, NULL, cancellable, error))
    return NULL;
  tern_imap_uid_set_normalize (uids);
  return g_steal_pointer (&uids);
}

static GPtrArray *
cached_summaries (TernSyncSession *self, gint64 folder_id, GArray *uids)
{
  TernStore *store = tern_sync_session_get_store (self);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GError) error = NULL;
  GPtrArray *summaries;

  if (uids->len == 0)
    return NULL;
  tern_store_get_summaries_async (store, folder_id, (const guint32 *) (gpointer) uids->data,
                                  uids->len, NULL, tern_await_cb, &wait);
  summaries = tern_store_get_summaries_finish (store, tern_await (&wait), &error);
  if (summaries == NULL)
    g_warning ("Reading the summaries of search results: %s", error->message);
  return summaries;
}

static TernSyncSearchHit *
hit_new (const char *folder, guint32 uid, TernStoreSummary *summary)
{
  TernSyncSearchHit *hit = g_new0 (TernSyncSearchHit, 1);

  hit->folder = g_strdup (folder);
  hit->uid = uid;
  hit->summary = summary;
  return hit;
}

/* Newest first; what only the server knows (surely new mail) before all. */
static int
compare_hits (gconstpointer a, gconstpointer b)
{
  const TernSyncSearchHit *x = *(TernSyncSearchHit *const *) a;
  const TernSyncSearchHit *y = *(TernSyncSearchHit *const *) b;
  gint64 dx = x->summary != NULL ? x->summary->date : G_MAXINT64;
  gint64 dy = y->summary != NULL ? y->summary->date : G_MAXINT64;
  int c;

  if (dx != dy)
    return dx > dy ? -1 : 1;
  c = g_strcmp0 (x->folder, y->folder);
  if (c != 0)
    return c;
  return x->uid > y->uid ? -1 : (x->uid < y->uid ? 1 : 0);
}

/* One folder's result where the server answered: its UIDs, with the cached
 * summaries, plus the cache's local rows (queued moves), which the server
 * does not have yet. */
static void
merge_folder (TernSyncSession *self,
              const TernStoreFolder *folder,
              TernImapUidSet *server,
              GHashTable *local,
              GPtrArray *out)
{
  g_autoptr (GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GPtrArray) summaries = NULL;
  g_autoptr (GHashTable) found = g_hash_table_new (NULL, NULL);
  TernImapUidSetIter iter;
  GHashTableIter local_iter;
  gpointer key, value;
  guint32 uid;

  tern_imap_uid_set_iter_init (&iter, server);
  while (tern_imap_uid_set_iter_next (&iter, &uid))
    {
      TernStoreSearchHit *hit = g_hash_table_lookup (local, GUINT_TO_POINTER (uid));

      if (hit != NULL)
        g_ptr_array_add (out, hit_new (folder->path, uid, g_steal_pointer (&hit->summary)));
      else
        g_array_append_val (missing, uid);
    }

  summaries = cached_summaries (self, folder->id, missing);
  if (summaries != NULL)
    for (guint i = 0; i < summaries->len; i++)
      {
        TernStoreSummary *s = summaries->pdata[i];

        g_hash_table_add (found, GUINT_TO_POINTER (s->uid));
        g_ptr_array_add (out, hit_new (folder->path, s->uid, tern_store_summary_copy (s)));
      }
  for (guint i = 0; i < missing->len; i++)
    {
      uid = g_array_index (missing, guint32, i);
      if (!g_hash_table_contains (found, GUINT_TO_POINTER (uid)))
        g_ptr_array_add (out, hit_new (folder->path, uid, NULL));
    }

  g_hash_table_iter_init (&local_iter, local);
  while (g_hash_table_iter_next (&local_iter, &key, &value))
    {
      TernStoreSearchHit *hit = value;

      if (GPOINTER_TO_UINT (key) >= LOCAL_UID_BASE && hit->summary != NULL)
        g_ptr_array_add (out, hit_new (folder->path, GPOINTER_TO_UINT (key),
                                       g_steal_pointer (&hit->summary)));
    }
}

static void
search_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  SearchRequest *request = data;
  TernStore *store = tern_sync_session_get_store (self);
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GPtrArray) local = NULL;
  g_autoptr (GHashTable) by_folder = NULL;
  SearchResult *result;
  gint64 folder_id = 0;
  gboolean online = request->criteria != NULL;
  GError *error = NULL;

  {
    g_auto (TernAwait) wait = TERN_AWAIT_INIT;

    tern_store_list_folders_async (store, NULL, tern_await_cb, &wait);
    folders = tern_store_list_folders_finish (store, tern_await (&wait), &error);
    if (folders == NULL)
      {
        g_task_return_error (task, error);
        return;
      }
  }
  if (request->folder != NULL)
    {
      for (guint i = 0; i < folders->len && folder_id == 0; i++)
        if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->path, request->folder) == 0)
          folder_id = ((TernStoreFolder *) folders->pdata[i])->id;
      if (folder_id == 0)
        {
          g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                                   _ ("The folder “%s” is not in the cache; synchronise first"),
                                   request->folder);
          return;
        }
    }

  {
    g_auto (TernAwait) wait = TERN_AWAIT_INIT;

    tern_store_search_messages_async (store, folder_id, request->fts, request->where,
                                      request->params, 0, NULL, tern_await_cb, &wait);
    local = tern_store_search_messages_finish (store, tern_await (&wait), &error);
    if (local == NULL)
      {
        g_task_return_error (task, error);
        return;
      }
  }

  /* folder id → (uid → TernStoreSearchHit, borrowed from @local) */
  by_folder =
    g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) g_hash_table_unref);
  for (guint i = 0; i < local->len; i++)
    {
      TernStoreSearchHit *hit = local->pdata[i];
      GHashTable *uids = g_hash_table_lookup (by_folder, &hit->folder_id);

      if (uids == NULL)
        {
          uids = g_hash_table_new (NULL, NULL);
          g_hash_table_insert (by_folder, &hit->folder_id, uids);
        }
      g_hash_table_insert (uids, GUINT_TO_POINTER (hit->summary->uid), hit);
    }

  result = g_new0 (SearchResult, 1);
  result->hits = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_sync_search_hit_free);
  for (guint i = 0; i < folders->len; i++)
    {
      TernStoreFolder *folder = folders->pdata[i];
      GHashTable *uids = g_hash_table_lookup (by_folder, &folder->id);
      g_autoptr (GHashTable) empty = NULL;
      g_autoptr (TernImapUidSet) server = NULL;
      g_autoptr (GError) server_error = NULL;

      if (folder_id != 0 && folder->id != folder_id)
        continue;
      if (uids == NULL)
        uids = empty = g_hash_table_new (NULL, NULL);
      if (online && !g_cancellable_is_cancelled (cancellable))
        {
          server = server_search (self, folder->path, request, cancellable, &server_error);
          if (server == NULL)
            {
              g_message ("Searching “%s” on the server: %s", folder->path, server_error->message);
              /* A folder the server refuses is one folder; anything else
               * (no connection, a timeout) would fail for every folder. */
              if (!g_error_matches (server_error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) &&
                  !g_error_matches (server_error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD))
                online = FALSE;
            }
        }
      if (server != NULL)
        {
          merge_folder (self, folder, server, uids, result->hits);
          continue;
        }
      if (request->criteria != NULL)
        result->offline++;
      {
        GHashTableIter iter;
        gpointer key, value;

        g_hash_table_iter_init (&iter, uids);
        while (g_hash_table_iter_next (&iter, &key, &value))
          {
            TernStoreSearchHit *hit = value;

            g_ptr_array_add (result->hits, hit_new (folder->path, GPOINTER_TO_UINT (key),
                                                    g_steal_pointer (&hit->summary)));
          }
      }
    }
  g_ptr_array_sort (result->hits, compare_hits);
  g_task_return_pointer (task, result, (GDestroyNotify) search_result_free);
}

void
tern_sync_session_search_async (TernSyncSession *self,
                                const char *folder,
                                const char *local_fts,
                                const char *local_where,
                                GPtrArray *local_params,
                                GVariant *imap_criteria,
                                gboolean imap_utf8,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  SearchRequest *request;
  GTask *task;

  g_return_if_fail (TERN_IS_SYNC_SESSION (self));
  g_return_if_fail (local_where != NULL && local_params != NULL);
  g_return_if_fail (imap_criteria == NULL ||
                    g_variant_is_of_type (imap_criteria, G_VARIANT_TYPE ("a(bs)")));

  request = g_new0 (SearchRequest, 1);
  request->folder = g_strdup (folder);
  request->fts = g_strdup (local_fts);
  request->where = g_strdup (local_where);
  request->params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (guint i = 0; i < local_params->len; i++)
    g_ptr_array_add (request->params, g_variant_ref_sink (local_params->pdata[i]));
  request->criteria = imap_criteria != NULL ? g_variant_ref_sink (imap_criteria) : NULL;
  request->utf8 = imap_utf8;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_sync_session_search_async);
  g_task_set_task_data (task, request, (GDestroyNotify) search_request_free);
  _tern_sync_session_push (self, task, search_job);
}

GPtrArray *
tern_sync_session_search_finish (TernSyncSession *self,
                                 GAsyncResult *result,
                                 guint *out_offline,
                                 GError **error)
{
  SearchResult *search;
  GPtrArray *hits;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  search = g_task_propagate_pointer (G_TASK (result), error);
  if (search == NULL)
    return NULL;
  if (out_offline != NULL)
    *out_offline = search->offline;
  hits = g_steal_pointer (&search->hits);
  search_result_free (search);
  return hits;
}
