/* tern-cli-list.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli rows ID FOLDER [--sort KEY] [--reverse] [--json]: the rows of the
 * message list as the window shows them (TernMessageList with the account's
 * sync session): the cache's order, or, while the folder's cache is
 * incomplete, the whole folder in the server's order, with the messages not
 * synchronised yet as placeholders (subject null).
 *
 * --sync: then synchronises the folder while holding every row, as a window
 * showing them would, and reports how the list followed: placeholders
 * filled while the rows were the server's order, items-changed meanwhile
 * (none expected: rows fill in place), and whether the list went back to
 * the cache's order once the cache was complete; --resort KEY changes the
 * sort as the sync starts fetching headers (the server answers while the
 * sync runs). --count prints how many rows only (bench/bench-sort.py). */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "model/tern-message-list.h"
#include "model/tern-message-summary.h"
#include "store/tern-store.h"
#include "sync/tern-sync-session.h"
#include "tern-cli-list.h"
#include "tern-cli-private.h"

/* Summaries read per store call. */
#define ROWS_BATCH 1000

const char tern_cli_rows_help[] =
  "  tern-cli rows ID FOLDER [--sort date|from|subject|size|unread|flagged|uid]\n"
  "                [--reverse] [--sync [--resort KEY]] [--count] [--json]\n"
  "      the folder as the message list shows it: while its cache is incomplete,\n"
  "      every message in the server's order (not yet synchronised: no subject);\n"
  "      --sync: then synchronise it and tell how the list followed (--resort KEY:\n"
  "      sorting by KEY once the sync fetches headers);\n"
  "      --count: how many rows, not the rows\n";

static gint64
find_folder_id (TernStore *store, const char *path, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) folders = NULL;

  tern_store_list_folders_async (store, NULL, store_result, &result);
  folders = tern_store_list_folders_finish (store, wait_for (&result), error);
  if (folders == NULL)
    return 0;
  for (guint i = 0; i < folders->len; i++)
    if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->path, path) == 0)
      return ((TernStoreFolder *) folders->pdata[i])->id;
  g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
               _ ("The folder “%s” is not in the cache; synchronise first"), path);
  return 0;
}

typedef struct
{
  TernMessageList *list;
  const char *path;
  int resort;    /* a TernStoreSort, or -1 */
  guint filled;  /* placeholders loaded while the rows were the server's order */
  guint changes; /* items-changed while they were */
  gboolean resorted;
} Watch;

/* --resort: the sort changes once the sync has begun fetching headers. */
static void
progress_cb (TernSyncSession *session, const char *what, guint64 done, guint64 total, Watch *watch)
{
  TernStoreSort sort;

  if (watch->resort < 0 || watch->resorted || g_strcmp0 (what, watch->path) != 0)
    return;
  watch->resorted = TRUE;
  sort = (TernStoreSort) watch->resort;
  tern_message_list_set_sort (watch->list, sort, cli_sort_descending (sort));
}

static void
loaded_cb (TernMessageSummary *item, GParamSpec *pspec, Watch *watch)
{
  if (tern_message_summary_get_loaded (item) && tern_message_list_get_server_order (watch->list))
    watch->filled++;
}

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, Watch *watch)
{
  /* The switch back to the cache's order clears server-order first. */
  if (tern_message_list_get_server_order (watch->list))
    watch->changes++;
}

/* Synchronises @path holding every row, then waits for the list to leave
 * the server's order (it does once the folder's cache is complete). */
static int
sync_watching (TernAccount *account,
               TernMessageList *list,
               const char *path,
               int resort,
               GString *out)
{
  TernSyncSession *session = tern_account_get_sync_session (account);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  const char *folders[] = { path, NULL };
  Watch watch = { list, path, resort, 0, 0, FALSE };
  guint placeholders = 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));
  gboolean was_server = tern_message_list_get_server_order (list);

  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &watch);
  for (guint i = 0; i < n; i++)
    {
      TernMessageSummary *item = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_signal_connect (item, "notify::loaded", G_CALLBACK (loaded_cb), &watch);
      g_ptr_array_add (items, item);
    }
  /* The cached rows' pages first: only the uncached rows stay placeholders. */
  {
    g_autofree guint32 *uids = g_new (guint32, MAX (n, 1));
    g_autoptr (GAsyncResult) cached_result = NULL;
    g_autoptr (GPtrArray) cached = NULL;
    gboolean waiting = TRUE;

    for (guint i = 0; i < n; i++)
      uids[i] = tern_message_list_get_uid (list, i);
    tern_store_get_summaries_async (tern_message_list_get_store (list),
                                    tern_message_list_get_folder_id (list), uids, n, NULL,
                                    store_result, &cached_result);
    cached = tern_store_get_summaries_finish (tern_message_list_get_store (list),
                                              wait_for (&cached_result), &error);
    if (cached == NULL)
      return fail (error);
    placeholders = n - cached->len;
    while (waiting)
      {
        guint loaded = 0;

        for (guint i = 0; i < n; i++)
          if (tern_message_summary_get_loaded (items->pdata[i]))
            loaded++;
        waiting = loaded < cached->len;
        if (waiting)
          g_main_context_iteration (NULL, TRUE);
      }
  }
  watch.filled = 0;

  g_signal_connect (session, "progress", G_CALLBACK (progress_cb), &watch);
  tern_sync_session_sync_async (session, folders, NULL, store_result, &result);
  results = tern_sync_session_sync_finish (session, wait_for (&result), &error);
  g_signal_handlers_disconnect_by_func (session, progress_cb, &watch);
  if (results == NULL)
    return fail (error);
  /* The list follows the session's progress by itself; a sync that had
   * nothing to fetch reports none, so its result is applied as the window
   * applies it. */
  for (guint i = 0; i < results->len; i++)
    {
      TernSyncFolderResult *folder = results->pdata[i];

      if (g_strcmp0 (folder->path, path) == 0 && folder->new_uids->len == 0)
        tern_message_list_apply_changes (list, (const guint32 *) (gpointer) folder->new_uids->data,
                                         folder->new_uids->len,
                                         (const guint32 *) (gpointer) folder->vanished_uids->data,
                                         folder->vanished_uids->len,
                                         (const guint32 *) (gpointer) folder->changed_uids->data,
                                         folder->changed_uids->len);
    }
  while (tern_message_list_get_server_order (list))
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_func (list, items_changed_cb, &watch);
  for (guint i = 0; i < items->len; i++)
    g_signal_handlers_disconnect_by_func (items->pdata[i], loaded_cb, &watch);

  g_string_append_printf (out,
                          ", \"sync\": {\"server_order_before\": %s, \"placeholders\": %u, "
                          "\"filled_in_place\": %u, \"changes_in_server_order\": %u, "
                          "\"resorted\": %s}",
                          was_server ? "true" : "false", placeholders, watch.filled, watch.changes,
                          watch.resorted ? "true" : "false");
  return 0;
}

int
tern_cli_rows (int argc, char **argv)
{
  Option options[] = {
    { "--json", FALSE }, { "--sort", TRUE },   { "--reverse", FALSE },
    { "--sync", FALSE }, { "--count", FALSE }, { "--resort", TRUE },
  };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (TernMessageList) list = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = NULL;
  g_autoptr (GString) sync = g_string_new (NULL);
  TernStoreSort sort = TERN_STORE_SORT_DATE;
  int resort = -1;
  gboolean json;
  gboolean descending;
  TernStore *store;
  gint64 folder_id;
  guint n;
  int status;

  if (!parse_options ("rows", argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 2)
    return usage_error ("rows: give an account ID and a folder");
  json = options[0].value != NULL;
  if (options[1].value != NULL && !cli_parse_sort (options[1].value, TRUE, &sort))
    return usage_errorf ("rows: --sort takes date, from, subject, size, unread, flagged or "
                         "uid, not “%s”",
                         options[1].value);
  descending = cli_sort_descending (sort);
  if (options[5].value != NULL)
    {
      TernStoreSort key;

      if (cli_parse_sort (options[5].value, TRUE, &key))
        resort = (int) key;
      if (resort < 0 || options[3].value == NULL)
        return usage_errorf ("rows: --resort takes a sort key, with --sync, not “%s”",
                             options[5].value);
    }
  if (options[2].value != NULL)
    descending = !descending;

  account = load_account (g_ptr_array_index (positional, 0), &status);
  if (account == NULL)
    return status;
  cli_open_cache_async (account, &result);
  if (!tern_account_open_cache_finish (account, wait_for (&result), &error))
    return fail (error);
  g_clear_object (&result);
  store = tern_account_get_store (account);
  folder_id = find_folder_id (store, g_ptr_array_index (positional, 1), &error);
  if (folder_id == 0)
    return fail (error);

  list = tern_message_list_new (store, folder_id);
  tern_message_list_set_sort (list, sort, descending);
  tern_message_list_set_sync_session (list, tern_account_get_sync_session (account));
  tern_message_list_load_async (list, NULL, store_result, &result);
  if (!tern_message_list_load_finish (list, wait_for (&result), &error))
    return fail (error);
  if (options[3].value != NULL)
    {
      status = sync_watching (account, list, g_ptr_array_index (positional, 1), resort, sync);
      if (status != 0)
        return status;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  /* The order alone, without the summaries (the benchmark's figure). */
  if (options[4].value != NULL)
    {
      if (json)
        g_print ("{\"server_order\": %s, \"count\": %u}\n",
                 tern_message_list_get_server_order (list) ? "true" : "false", n);
      else
        g_print ("%u\n", n);
      return 0;
    }
  out = g_string_new (NULL);
  if (json)
    g_string_append_printf (out, "{\"server_order\": %s, \"count\": %u, \"rows\": [",
                            tern_message_list_get_server_order (list) ? "true" : "false", n);
  for (guint offset = 0; offset < n; offset += ROWS_BATCH)
    {
      guint count = MIN (ROWS_BATCH, n - offset);
      g_autofree guint32 *uids = g_new (guint32, count);
      g_autoptr (GAsyncResult) batch_result = NULL;
      g_autoptr (GPtrArray) summaries = NULL;
      g_autoptr (GHashTable) by_uid = g_hash_table_new (NULL, NULL);

      for (guint i = 0; i < count; i++)
        uids[i] = tern_message_list_get_uid (list, offset + i);
      tern_store_get_summaries_async (store, folder_id, uids, count, NULL, store_result,
                                      &batch_result);
      summaries = tern_store_get_summaries_finish (store, wait_for (&batch_result), &error);
      if (summaries == NULL)
        return fail (error);
      for (guint i = 0; i < summaries->len; i++)
        g_hash_table_insert (by_uid,
                             GUINT_TO_POINTER (((TernStoreSummary *) summaries->pdata[i])->uid),
                             summaries->pdata[i]);

      for (guint i = 0; i < count; i++)
        {
          const TernStoreSummary *s = g_hash_table_lookup (by_uid, GUINT_TO_POINTER (uids[i]));

          if (json)
            {
              g_string_append_printf (out,
                                      "%s{\"uid\": %u, \"subject\": ", offset + i > 0 ? ",\n " : "",
                                      uids[i]);
              if (s == NULL)
                g_string_append (out, "null");
              else
                json_append_string (out, s->subject);
              g_string_append_c (out, '}');
            }
          else
            g_string_append_printf (out, "%u\t%s\n", uids[i],
                                    s == NULL ? _ ("(not synchronised yet)")
                                              : (s->subject != NULL ? s->subject : ""));
        }
      fwrite (out->str, 1, out->len, stdout);
      g_string_truncate (out, 0);
    }
  if (json)
    g_string_append_printf (out, "]%s}\n", sync->str);
  fwrite (out->str, 1, out->len, stdout);
  return 0;
}
