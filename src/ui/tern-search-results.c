/* tern-search-results.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernSearchResults: the search bar's results as a GListModel of
 * TernSearchResult, newest first. A search runs twice on each account's
 * sync session, queued one after the other: from the cache alone (shown at
 * once), then with the server's UID SEARCH, whose answer replaces it (the
 * engine merges both without duplicates). Several accounts' answers are
 * merged by date. A new search cancels the one before; answers of a
 * cancelled search are dropped. A replacement keeps the items (and so the
 * rows and the focus) of messages found both times, as one items-changed
 * for the range between the common head and tail.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "sync/tern-sync-session.h"
#include "tern-search-results.h"

struct _TernSearchResults
{
  GObject parent_instance;

  /* owned */
  GPtrArray *items; /* TernSearchResult */
  GCancellable *cancellable;
  char *error;
  guint offline;
  guint generation; /* of the running search: older answers are dropped */
  guint searching : 1;
  guint answered : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TernSearchResults,
                               tern_search_results,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One pass (cache or server) over every account of a search. */
typedef struct
{
  TernSearchResults *self; /* a reference */
  guint generation;
  gboolean server;
  guint pending; /* accounts still to answer */
  GPtrArray *items;
  guint offline;
  char *error;
  gboolean show_folder;
  gboolean show_account;
} Pass;

typedef struct
{
  Pass *pass;
  TernAccount *account;
} PassCall;

static void
pass_free (Pass *pass)
{
  g_object_unref (pass->self);
  g_ptr_array_unref (pass->items);
  g_free (pass->error);
  g_free (pass);
}

static GType
get_item_type (GListModel *model)
{
  return TERN_TYPE_SEARCH_RESULT;
}

static guint
get_n_items (GListModel *model)
{
  return TERN_SEARCH_RESULTS (model)->items->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  TernSearchResults *self = TERN_SEARCH_RESULTS (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gint64
result_date (TernSearchResult *result)
{
  TernMessageSummary *summary = tern_search_result_get_summary (result);

  /* What the server found outside the cache comes first, as per account. */
  return tern_message_summary_get_loaded (summary) ? tern_message_summary_get_date (summary)
                                                   : G_MAXINT64;
}

static int
compare_newest_first (gconstpointer a, gconstpointer b)
{
  gint64 da = result_date (*(TernSearchResult **) a);
  gint64 db = result_date (*(TernSearchResult **) b);

  return da < db ? 1 : da > db ? -1 : 0;
}

/* Replaces the items with @items, keeping those of the common head and tail. */
static void
replace_items (TernSearchResults *self, GPtrArray *items)
{
  guint old_n = self->items->len, new_n = items->len;
  guint head = 0, tail = 0;

  while (head < old_n && head < new_n &&
         tern_search_result_same_message (self->items->pdata[head], items->pdata[head]))
    {
      tern_search_result_update (self->items->pdata[head], items->pdata[head]);
      head++;
    }
  while (tail < old_n - head && tail < new_n - head &&
         tern_search_result_same_message (self->items->pdata[old_n - 1 - tail],
                                          items->pdata[new_n - 1 - tail]))
    {
      tern_search_result_update (self->items->pdata[old_n - 1 - tail],
                                 items->pdata[new_n - 1 - tail]);
      tail++;
    }
  if (head == old_n && head == new_n)
    return;
  g_ptr_array_remove_range (self->items, head, old_n - head - tail);
  for (guint i = head; i < new_n - tail; i++)
    g_ptr_array_insert (self->items, (int) i, g_object_ref (items->pdata[i]));
  g_list_model_items_changed (G_LIST_MODEL (self), head, old_n - head - tail, new_n - head - tail);
}

static char *
location_for (Pass *pass, TernAccount *account, const char *folder)
{
  const char *account_name =
    tern_account_config_get_display_name (tern_account_get_config (account));
  /* Translators: the INBOX folder, as the sidebar names it. */
  const char *folder_name = g_ascii_strcasecmp (folder, "INBOX") == 0 ? _ ("Inbox") : folder;

  if (pass->show_account && pass->show_folder)
    /* Translators: where a search result is: "account — folder". */
    return g_strdup_printf (_ ("%s — %s"), account_name, folder_name);
  if (pass->show_account)
    return g_strdup (account_name);
  if (pass->show_folder)
    return g_strdup (folder_name);
  return NULL;
}

static void
searched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PassCall *call = user_data;
  Pass *pass = call->pass;
  g_autoptr (TernAccount) account = call->account;
  TernSearchResults *self = pass->self;
  g_autoptr (GPtrArray) hits = NULL;
  g_autoptr (GError) error = NULL;
  guint offline = 0;

  g_free (call);
  hits = tern_sync_session_search_finish (TERN_SYNC_SESSION (source), result, &offline, &error);
  if (hits == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (hits == NULL)
    {
      g_message ("search failed: %s", error->message);
      if (pass->error == NULL)
        pass->error = g_strdup (error->message);
    }
  else
    {
      pass->offline += offline;
      for (guint i = 0; i < hits->len; i++)
        {
          TernSyncSearchHit *hit = hits->pdata[i];
          g_autofree char *location = location_for (pass, account, hit->folder);

          g_ptr_array_add (pass->items, tern_search_result_new (account, hit->folder, hit->uid,
                                                                hit->summary, location));
        }
    }

  if (--pass->pending > 0)
    return;
  /* The last account answered: show this pass unless a newer search runs,
   * or the server's answer came already. */
  if (pass->generation == self->generation && (pass->server || self->searching))
    {
      g_ptr_array_sort (pass->items, compare_newest_first);
      replace_items (self, pass->items);
      self->answered = TRUE;
      if (pass->server)
        {
          self->searching = FALSE;
          self->offline = pass->offline;
          g_free (self->error);
          self->error = g_strdup (pass->error);
        }
      else if (pass->error != NULL)
        {
          g_free (self->error);
          self->error = g_strdup (pass->error);
        }
      g_signal_emit (self, signals[STATUS_CHANGED], 0);
    }
  pass_free (pass);
}

static void
run_pass (TernSearchResults *self,
          TernSearchQuery *query,
          GPtrArray *accounts,
          const char *folder,
          gboolean server,
          gboolean show_folder,
          gboolean show_account)
{
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr (GVariant) criteria = NULL;
  g_autofree char *where = NULL;
  g_autofree char *fts = NULL;
  gboolean utf8 = FALSE;
  Pass *pass;

  fts = tern_search_query_to_fts (query);
  where = tern_search_query_to_sql (query, params);
  if (server)
    criteria = tern_search_query_to_imap (query, &utf8);

  pass = g_new0 (Pass, 1);
  pass->self = g_object_ref (self);
  pass->generation = self->generation;
  pass->server = server;
  pass->pending = accounts->len;
  pass->items = g_ptr_array_new_with_free_func (g_object_unref);
  pass->show_folder = show_folder;
  pass->show_account = show_account;
  for (guint i = 0; i < accounts->len; i++)
    {
      TernAccount *account = accounts->pdata[i];
      PassCall *call = g_new0 (PassCall, 1);

      call->pass = pass;
      call->account = g_object_ref (account);
      tern_sync_session_search_async (tern_account_get_sync_session (account), folder, fts, where,
                                      params, criteria, utf8, self->cancellable, searched, call);
    }
}

void
tern_search_results_run (TernSearchResults *self,
                         TernSearchQuery *query,
                         GPtrArray *accounts,
                         const char *folder,
                         gboolean show_folder,
                         gboolean show_account,
                         gboolean quiet)
{
  g_return_if_fail (TERN_IS_SEARCH_RESULTS (self));
  g_return_if_fail (query != NULL);
  g_return_if_fail (accounts != NULL);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  if (!quiet)
    {
      self->answered = FALSE;
      self->offline = 0;
      g_clear_pointer (&self->error, g_free);
    }

  if (accounts->len == 0)
    {
      g_autoptr (GPtrArray) none = g_ptr_array_new ();

      replace_items (self, none);
      self->searching = FALSE;
      self->answered = TRUE;
      g_signal_emit (self, signals[STATUS_CHANGED], 0);
      return;
    }
  self->searching = TRUE;
  if (!quiet)
    {
      run_pass (self, query, accounts, folder, FALSE, show_folder, show_account);
      g_signal_emit (self, signals[STATUS_CHANGED], 0);
    }
  run_pass (self, query, accounts, folder, TRUE, show_folder, show_account);
}

void
tern_search_results_stop (TernSearchResults *self)
{
  g_autoptr (GPtrArray) none = g_ptr_array_new ();

  g_return_if_fail (TERN_IS_SEARCH_RESULTS (self));

  g_cancellable_cancel (self->cancellable);
  self->generation++;
  self->searching = FALSE;
  self->answered = FALSE;
  self->offline = 0;
  g_clear_pointer (&self->error, g_free);
  replace_items (self, none);
}

gboolean
tern_search_results_get_searching (TernSearchResults *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULTS (self), FALSE);
  return self->searching;
}

gboolean
tern_search_results_get_answered (TernSearchResults *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULTS (self), FALSE);
  return self->answered;
}

guint
tern_search_results_get_offline (TernSearchResults *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULTS (self), 0);
  return self->offline;
}

const char *
tern_search_results_get_error (TernSearchResults *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_RESULTS (self), NULL);
  return self->error;
}

char **
tern_search_results_dup_missing_folders (TernSearchResults *self, TernAccount *account)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (TERN_IS_SEARCH_RESULTS (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      TernSearchResult *result = self->items->pdata[i];
      const char *folder = tern_search_result_get_folder (result);

      if (tern_search_result_get_account (result) != account ||
          tern_message_summary_get_loaded (tern_search_result_get_summary (result)) ||
          !g_hash_table_add (seen, (gpointer) folder))
        continue;
      g_strv_builder_add (builder, folder);
    }
  if (g_hash_table_size (seen) == 0)
    return NULL;
  return g_strv_builder_end (builder);
}

static void
tern_search_results_dispose (GObject *object)
{
  TernSearchResults *self = TERN_SEARCH_RESULTS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tern_search_results_parent_class)->dispose (object);
}

static void
tern_search_results_finalize (GObject *object)
{
  TernSearchResults *self = TERN_SEARCH_RESULTS (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (tern_search_results_parent_class)->finalize (object);
}

static void
tern_search_results_class_init (TernSearchResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_search_results_dispose;
  object_class->finalize = tern_search_results_finalize;

  /**
   * TernSearchResults::status-changed:
   *
   * An answer arrived or a search started: searching, answered, offline
   * and error may have changed.
   */
  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tern_search_results_init (TernSearchResults *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
}

TernSearchResults *
tern_search_results_new (void)
{
  return g_object_new (TERN_TYPE_SEARCH_RESULTS, NULL);
}
