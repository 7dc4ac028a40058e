/* tern-sort.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The server's order of a whole folder (RFC 5256 UID SORT), for a message
 * list whose cache is still being filled: during a first sync of a large
 * folder only its newest headers are cached, and sorting them by subject
 * would show a prefix of the folder, not the folder.
 *
 * A sort runs on a connection of its own in a pool thread, not as a job of
 * the session's worker: the worker is busy with exactly the sync that makes
 * the cache incomplete, and a sort queued behind it would come too late.
 * The keys follow the cache's (tern-store.c, _tern_store_sort_key): DATE is
 * the Date header (RFC 5256 DATE, which also falls back to INTERNALDATE),
 * FROM the display name (DISPLAYFROM, RFC 5957, where offered), SUBJECT and
 * SIZE as named; ties go by UID in the sort's direction, as in the cache
 * (RFC 5256 breaks them by mailbox order, so a descending order is the
 * ascending one reversed, not REVERSE).
 * The UID order is a UID SEARCH ALL; unread and flagged are two searches
 * (the flag's set, then the rest), since SORT has no key for flags. */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "account/tern-account-setup-private.h"
#include "imap/tern-imap-error.h"
#include "imap/tern-imap-search.h"
#include "imap/tern-imap-sort.h"
#include "tern-sync-session-private.h"

typedef struct
{
  TernAccountConfig *config;
  char *folder;
  TernStoreSort sort;
  gboolean descending;
} SortRequest;

typedef struct
{
  GArray *uids;
  guint32 uidvalidity;
} SortResult;

static void
sort_request_free (SortRequest *request)
{
  g_clear_object (&request->config);
  g_free (request->folder);
  g_free (request);
}

static void
sort_result_free (SortResult *result)
{
  g_clear_pointer (&result->uids, g_array_unref);
  g_free (result);
}

/**
 * tern_sync_folder_is_complete:
 *
 * Whether the cache holds every message of @folder that the server had at
 * the folder's last sync: it was synchronised at least once and no window
 * of headers is still owed (the "fill:" resume point of tern-folder-sync.c).
 */
gboolean
tern_sync_folder_is_complete (const TernStoreFolder *folder)
{
  g_return_val_if_fail (folder != NULL, FALSE);

  if (folder->uidvalidity == 0)
    return FALSE;
  return folder->sync_state == NULL || !g_str_has_prefix (folder->sync_state, "fill:") ||
         folder->sync_state[5] == '\0';
}

/* The worker side: blocking code over async GIO on a context of its own. */

static void
collect_sort (TernImapResponse *response, gpointer user_data)
{
  GArray *uids = user_data;
  g_autoptr (GArray) part = NULL;
  g_autoptr (GError) error = NULL;

  part = tern_imap_sort_parse (response, NULL, &error);
  if (part == NULL)
    {
      g_debug ("Ignoring a SORT answer: %s", error->message);
      return;
    }
  g_array_append_vals (uids, part->data, part->len);
}

static void
collect_search (TernImapResponse *response, gpointer user_data)
{
  TernImapUidSet *uids = user_data;
  g_autoptr (TernImapSearchResult) result =
    tern_imap_search_result_new_from_response (response, NULL);
  const TernImapUidSet *set;

  if (result == NULL || (set = tern_imap_search_result_get_set (result)) == NULL)
    return;
  for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (set); i++)
    {
      guint32 first, last;

      tern_imap_uid_set_get_range (set, i, &first, &last);
      tern_imap_uid_set_add_range (uids, first, last);
    }
}

static gboolean
run (TernImapClient *client,
     TernImapCommand *command,
     TernImapUntaggedFunc func,
     gpointer data,
     GCancellable *cancellable,
     GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;

  tern_imap_client_run_async (client, command, func, data, NULL, cancellable, tern_await_cb, &wait);
  return tern_imap_client_run_finish (client, tern_await (&wait), NULL, error);
}

/* UID SEARCH @key (ALL, UNSEEN, FLAGGED), normalized. */
static TernImapUidSet *
search (TernImapClient *client, const char *key, GCancellable *cancellable, GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID SEARCH");
  g_autoptr (TernImapUidSet) uids = tern_imap_uid_set_new ();

  if (tern_imap_client_has_capability (client, "ESEARCH"))
    tern_imap_command_add_raw (command, "RETURN (ALL)");
  tern_imap_command_add_atom (command, key);
  if (!run (client, command, collect_search, uids, cancellable, error))
    return NULL;
  tern_imap_uid_set_normalize (uids);
  return g_steal_pointer (&uids);
}

/* Reverses @uids from @start to the end. */
static void
reverse (GArray *uids, guint start)
{
  guint32 *v = (guint32 *) (gpointer) uids->data;

  for (guint i = start, j = uids->len; i + 1 < j; i++, j--)
    {
      guint32 tmp = v[i];

      v[i] = v[j - 1];
      v[j - 1] = tmp;
    }
}

/* A server that names a message twice gets one row for it (the first). */
static void
drop_duplicates (GArray *uids)
{
  g_autoptr (GArray) sorted = g_array_copy (uids);
  g_autoptr (GHashTable) seen = NULL;
  gboolean any = FALSE;
  guint kept = 0;

  g_array_sort (sorted, tern_store_compare_uids);
  for (guint i = 1; i < sorted->len && !any; i++)
    any = g_array_index (sorted, guint32, i) == g_array_index (sorted, guint32, i - 1);
  if (!any)
    return;
  g_message ("The server's SORT answer lists a message more than once");
  seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < uids->len; i++)
    {
      guint32 uid = g_array_index (uids, guint32, i);

      if (g_hash_table_add (seen, GUINT_TO_POINTER (uid)))
        g_array_index (uids, guint32, kept++) = uid;
    }
  g_array_set_size (uids, kept);
}

/* Appends the UIDs of @set that are (@member) or are not in @filter, in
 * UID order, reversed when @descending. */
static void
append_uids (GArray *out,
             TernImapUidSet *set,
             TernImapUidSet *filter,
             gboolean member,
             gboolean descending)
{
  guint start = out->len;
  TernImapUidSetIter iter;
  guint32 uid;

  tern_imap_uid_set_iter_init (&iter, set);
  while (tern_imap_uid_set_iter_next (&iter, &uid))
    if (filter == NULL || tern_imap_uid_set_contains (filter, uid) == member)
      g_array_append_val (out, uid);
  if (descending)
    reverse (out, start);
}

static GArray *
server_order (TernImapClient *client,
              TernStoreSort sort,
              gboolean descending,
              GCancellable *cancellable,
              GError **error)
{
  g_autoptr (GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (TernImapUidSet) all = NULL;
  g_autoptr (TernImapUidSet) marked = NULL;
  g_autoptr (TernImapCommand) command = NULL;
  const char *key;

  switch (sort)
    {
    case TERN_STORE_SORT_DATE:
      key = "DATE";
      break;
    case TERN_STORE_SORT_FROM:
      key = tern_imap_client_has_capability (client, "SORT=DISPLAY") ? "DISPLAYFROM" : "FROM";
      break;
    case TERN_STORE_SORT_SUBJECT:
      key = "SUBJECT";
      break;
    case TERN_STORE_SORT_SIZE:
      key = "SIZE";
      break;
    case TERN_STORE_SORT_UID:
    case TERN_STORE_SORT_UNREAD:
    case TERN_STORE_SORT_FLAGGED:
    default:
      key = NULL;
      break;
    }

  if (key != NULL)
    {
      g_autofree char *criteria = NULL;

      if (!tern_imap_client_has_capability (client, "SORT"))
        {
          g_set_error_literal (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED,
                               _ ("The server cannot sort messages; the list shows the messages "
                                  "synchronised so far"));
          return NULL;
        }
      /* Ascending, reversed here: REVERSE would leave ties in mailbox
       * order, where the cache's descending order has them by UID down. */
      criteria = g_strdup_printf ("(%s)", key);
      command = tern_imap_command_new ("UID SORT");
      tern_imap_command_add_raw (command, criteria);
      tern_imap_command_add_atom (command, "UTF-8");
      tern_imap_command_add_atom (command, "ALL");
      if (!run (client, command, collect_sort, uids, cancellable, error))
        return NULL;
      drop_duplicates (uids);
      if (descending)
        reverse (uids, 0);
      return g_steal_pointer (&uids);
    }

  all = search (client, "ALL", cancellable, error);
  if (all == NULL)
    return NULL;
  if (sort == TERN_STORE_SORT_UNREAD || sort == TERN_STORE_SORT_FLAGGED)
    {
      /* The cache sorts by the flag's bit: ascending, those without it (the
       * unread, the unflagged) come first. */
      gboolean unread = sort == TERN_STORE_SORT_UNREAD;

      marked = search (client, unread ? "UNSEEN" : "FLAGGED", cancellable, error);
      if (marked == NULL)
        return NULL;
      /* Members of the bit's set, in the direction asked: for UNREAD the bit
       * is \Seen, which UNSEEN's complement holds. */
      append_uids (uids, all, marked, descending ? !unread : unread, descending);
      append_uids (uids, all, marked, descending ? unread : !unread, descending);
    }
  else
    append_uids (uids, all, NULL, TRUE, descending);
  return g_steal_pointer (&uids);
}

static SortResult *
sort_on_connection (SortRequest *request,
                    TernImapClient *client,
                    GCancellable *cancellable,
                    GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (TernImapSelectInfo) info = NULL;
  SortResult *result;
  GArray *uids;

  tern_imap_client_select_async (client, request->folder, TERN_IMAP_SELECT_READ_ONLY, NULL,
                                 cancellable, tern_await_cb, &wait);
  info = tern_imap_client_select_finish (client, tern_await (&wait), error);
  if (info == NULL)
    return NULL;
  uids = server_order (client, request->sort, request->descending, cancellable, error);
  if (uids == NULL)
    return NULL;
  result = g_new0 (SortResult, 1);
  result->uids = uids;
  result->uidvalidity = info->uidvalidity;
  return result;
}

static void
sort_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  SortRequest *request = task_data;
  GMainContext *context = g_main_context_new ();
  g_autoptr (TernImapClient) client = NULL;
  SortResult *result = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (context);
  client = _tern_sync_open_client (request->config, 0, cancellable, &error);
  if (client != NULL)
    {
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;

      result = sort_on_connection (request, client, cancellable, &error);
      tern_imap_client_logout_async (client, NULL, tern_await_cb, &wait);
      tern_imap_client_logout_finish (client, tern_await (&wait), NULL);
      g_clear_object (&client);
    }
  /* Let the connection's sources finish before the context goes. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) sort_result_free);
}

/**
 * tern_sync_session_sort_async:
 * @folder: the folder's path
 *
 * Asks the server for the order of every message of @folder (see the file
 * comment for the keys). Runs on a connection of its own, so it is answered
 * while a sync is running.
 */
void
tern_sync_session_sort_async (TernSyncSession *self,
                              const char *folder,
                              TernStoreSort sort,
                              gboolean descending,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  SortRequest *request;

  g_return_if_fail (TERN_IS_SYNC_SESSION (self));
  g_return_if_fail (folder != NULL);
  g_return_if_fail (sort <= TERN_STORE_SORT_FLAGGED);

  request = g_new0 (SortRequest, 1);
  request->config = g_object_ref (tern_sync_session_get_config (self));
  request->folder = g_strdup (folder);
  request->sort = sort;
  request->descending = !!descending;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_sync_session_sort_async);
  g_task_set_task_data (task, request, (GDestroyNotify) sort_request_free);
  g_task_run_in_thread (task, sort_thread);
}

/**
 * tern_sync_session_sort_finish:
 * @out_uidvalidity: (out) (optional): the folder's UIDVALIDITY as the
 *   server told it with this order
 *
 * Returns: (transfer full): the UIDs (guint32) of the whole folder in
 *   display order, or %NULL with @error (TERN_IMAP_ERROR_UNSUPPORTED when
 *   the server cannot sort: show the cache's order instead).
 */
GArray *
tern_sync_session_sort_finish (TernSyncSession *self,
                               GAsyncResult *result,
                               guint32 *out_uidvalidity,
                               GError **error)
{
  SortResult *sort;
  GArray *uids;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_sync_session_sort_async,
                        NULL);

  sort = g_task_propagate_pointer (G_TASK (result), error);
  if (sort == NULL)
    return NULL;
  if (out_uidvalidity != NULL)
    *out_uidvalidity = sort->uidvalidity;
  uids = g_steal_pointer (&sort->uids);
  sort_result_free (sort);
  return uids;
}
