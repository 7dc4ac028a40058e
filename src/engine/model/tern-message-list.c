/* tern-message-list.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernMessageList: the GListModel of one folder's messages, read from the
 * cache (DESIGN decisions 1 and 5).
 *
 * The model holds the folder's order as an array of UIDs (4 bytes per
 * message); sorting or a live update re-queries that order only. Item
 * objects (TernMessageSummary) are made when get_item() asks: a UID whose
 * summary is not in memory gets a placeholder at once, and its page of
 * summaries around the position is read from the store in the background
 * and fills it in (property notifications). At most CACHE_SIZE items are kept
 * alive by the model (an LRU); an item that the caller still holds stays
 * known through a weak reference, so live updates reach it and get_item()
 * returns the same object for it.
 *
 * Threaded, the list has one row per conversation (JWZ threading, see
 * TernThreadBuilder): the row is the thread's earliest top-level message,
 * rows are ordered by the thread's newest Date for the date sort, else by the
 * row message's own key. Threading runs in a worker thread.
 *
 * Every change of the order is one items-changed: (0, old, new) after
 * load, set_sort() and set_threaded(); the changed range after
 * apply_changes() (none when the order did not change). A refresh that is
 * overtaken by a newer one is dropped without emitting.
 *
 * Sorting at scale: with a sync session (set_sync_session()), a flat list of
 * a folder whose cache is incomplete (a first sync still fetching headers)
 * shows the cache's order at once and then the server's order of the whole
 * folder (tern_sync_session_sort_async()): one row per message, rows whose
 * header is not cached yet are placeholders ("loaded" FALSE) that fill in
 * place, without moving, as the sync stores their headers (the session's
 * ::progress, apply_changes()). Mail the server order does not know is put
 * first (descending) or last; once the folder's cache is complete the list
 * goes back to the cache's order. The server is asked on load, set_sort()
 * and set_sync_session() only; live changes keep the order shown.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include <string.h>

#include "imap/tern-imap-error.h"
#include "sync/tern-sync-session.h"
#include "tern-message-list.h"
#include "tern-message-summary.h"
#include "tern-thread-builder.h"

/* Summaries are read in pages around the position asked. */
#define PAGE_SIZE 256
/* Items the model keeps alive: enough for a few screens either way. */
#define CACHE_SIZE 4096

typedef struct
{
  TernMessageSummary *item; /* weak, and strong while lru_link != NULL */
  GList *lru_link;          /* in TernMessageList.lru, data = this entry */
} Entry;

/* The conversations of a folder; immutable once built, shared (atomic
 * refcount) between the model and the threads computing an order. */
typedef struct
{
  guint n_messages;
  guint n_threads;
  guint32 *uids;   /* n_messages, ascending */
  guint32 *thread; /* n_messages: the thread of uids[i] */
  guint32 *rep;    /* n_threads: the UID of the thread's row */
  gint64 *newest;  /* n_threads: the thread's latest Date */
} Threads;

struct _TernMessageList
{
  GObject parent_instance;

  /* owned */
  TernStore *store;
  GArray *uids;          /* of guint32: the rows, in order */
  Threads *threads;      /* when threaded */
  GHashTable *entries;   /* UID → Entry */
  GQueue lru;            /* of Entry, most recent first */
  GHashTable *in_flight; /* UIDs whose summaries were asked for */
  GPtrArray *load_tasks; /* of GTask, until a refresh is installed */
  TernSyncSession *session;
  char *folder_path;     /* as the folder row last said */
  GArray *server_sorted; /* of guint32, ascending: the rows, when they are the server's order */
  GHashTable *absent;    /* UIDs of server rows that the cache said it lacks */

  gint64 folder_id;
  TernStoreSort sort;
  guint generation;           /* of the latest refresh started */
  guint installed_generation; /* of the refresh whose order is shown */

  guint descending : 1;
  guint threaded : 1;
  guint started : 1;            /* load was called: keep the order current */
  guint threads_dirty : 1;      /* the folder changed since threads was built */
  guint reset_pending : 1;      /* a refresh in flight must emit (0, old, new) */
  guint server_unsupported : 1; /* the server cannot sort: not asked again */
};

static void tern_message_list_model_init (GListModelInterface *iface);
static void check_complete (TernMessageList *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (TernMessageList,
                               tern_message_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      tern_message_list_model_init))

enum
{
  PROP_0,
  PROP_STORE,
  PROP_FOLDER_ID,
  PROP_SORT,
  PROP_DESCENDING,
  PROP_THREADED,
  PROP_LOADING,
  PROP_SERVER_ORDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Threads */

static void
threads_clear (Threads *threads)
{
  g_free (threads->uids);
  g_free (threads->thread);
  g_free (threads->rep);
  g_free (threads->newest);
}

static Threads *
threads_ref (Threads *threads)
{
  return g_atomic_rc_box_acquire (threads);
}

static void
threads_unref (Threads *threads)
{
  g_atomic_rc_box_release_full (threads, (GDestroyNotify) threads_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Threads, threads_unref)

/* The index of uid in threads->uids, or -1. */
static gint
threads_find (const Threads *threads, guint32 uid)
{
  guint lo = 0;
  guint hi = threads->n_messages;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (threads->uids[mid] < uid)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < threads->n_messages && threads->uids[lo] == uid ? (gint) lo : -1;
}

/* Runs JWZ over the folder's threading headers (by ascending UID). */
static Threads *
threads_build (TernStoreThreading *threading)
{
  g_autoptr (TernThreadBuilder) builder =
    tern_thread_builder_new (TERN_THREAD_BUILDER_GROUP_BY_SUBJECT);
  const TernStoreThreadEntry *entries;
  const guint *roots;
  Threads *threads;
  guint n_roots;
  guint n;

  entries = tern_store_threading_get_entries (threading, &n);
  for (guint i = 0; i < n; i++)
    tern_thread_builder_add (builder, entries[i].message_id, entries[i].in_reply_to,
                             entries[i].references, entries[i].subject, entries[i].date);
  tern_thread_builder_run (builder);

  threads = g_atomic_rc_box_new0 (Threads);
  threads->n_messages = n;
  threads->n_threads = tern_thread_builder_get_n_threads (builder);
  threads->uids = g_new (guint32, MAX (n, 1));
  threads->thread = g_new (guint32, MAX (n, 1));
  threads->rep = g_new0 (guint32, MAX (threads->n_threads, 1));
  threads->newest = g_new (gint64, MAX (threads->n_threads, 1));
  for (guint t = 0; t < threads->n_threads; t++)
    threads->newest[t] = G_MININT64;

  for (guint i = 0; i < n; i++)
    {
      guint t = tern_thread_builder_get_thread (builder, i);

      threads->uids[i] = entries[i].uid;
      threads->thread[i] = t;
      threads->newest[t] = MAX (threads->newest[t], entries[i].date);
    }

  /* Roots come by thread, then date: the first of each thread is its row. */
  roots = tern_thread_builder_get_roots (builder, &n_roots);
  for (guint r = 0; r < n_roots; r++)
    {
      guint t = threads->thread[roots[r]];

      if (threads->rep[t] == 0)
        threads->rep[t] = threads->uids[roots[r]];
    }
  return threads;
}

typedef struct
{
  const Threads *threads;
  gboolean descending;
} ThreadOrder;

static gint
compare_threads (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const ThreadOrder *order = user_data;
  guint32 ta = *(const guint32 *) a;
  guint32 tb = *(const guint32 *) b;
  const Threads *threads = order->threads;
  gint cmp;

  if (threads->newest[ta] != threads->newest[tb])
    cmp = threads->newest[ta] < threads->newest[tb] ? -1 : 1;
  else
    cmp = threads->rep[ta] < threads->rep[tb] ? -1 : threads->rep[ta] > threads->rep[tb];
  return order->descending ? -cmp : cmp;
}

/* The rows of a threaded list: the date sort orders threads by their newest
 * message, the others keep the flat order of each thread's row message. */
static GArray *
threads_order (const Threads *threads, GArray *flat, TernStoreSort sort, gboolean descending)
{
  GArray *rows = g_array_sized_new (FALSE, FALSE, sizeof (guint32), threads->n_threads);

  if (sort == TERN_STORE_SORT_DATE)
    {
      ThreadOrder order = { threads, descending };
      g_autofree guint32 *ids = g_new (guint32, MAX (threads->n_threads, 1));

      for (guint t = 0; t < threads->n_threads; t++)
        ids[t] = t;
      g_qsort_with_data (ids, (gint) threads->n_threads, sizeof (guint32), compare_threads, &order);
      for (guint t = 0; t < threads->n_threads; t++)
        g_array_append_val (rows, threads->rep[ids[t]]);
      return rows;
    }

  for (guint i = 0; i < flat->len; i++)
    {
      guint32 uid = g_array_index (flat, guint32, i);
      gint m = threads_find (threads, uid);

      if (m >= 0 && threads->rep[threads->thread[m]] == uid)
        g_array_append_val (rows, uid);
    }
  return rows;
}

/* The thread-id property of a message: its thread + 1, 0 when not threaded. */
static guint
thread_id_of (TernMessageList *self, guint32 uid)
{
  gint m;

  if (!self->threaded || self->threads == NULL)
    return 0;
  m = threads_find (self->threads, uid);
  return m >= 0 ? self->threads->thread[m] + 1 : 0;
}

/* Item cache */

static void
item_finalized (gpointer data, GObject *where_the_object_was)
{
  TernMessageList *self = data;
  TernMessageSummary *item = (TernMessageSummary *) where_the_object_was;
  guint32 uid = tern_message_summary_get_uid (item);
  Entry *entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (uid));

  /* Only unreferenced items finalize, and the LRU holds a reference. */
  g_assert (entry != NULL && entry->item == item && entry->lru_link == NULL);
  g_hash_table_remove (self->entries, GUINT_TO_POINTER (uid));
}

static void
lru_trim (TernMessageList *self)
{
  while (self->lru.length > CACHE_SIZE)
    {
      Entry *entry = g_queue_pop_tail (&self->lru);
      TernMessageSummary *item = entry->item;

      /* The entry is freed by item_finalized() if this was the last ref. */
      entry->lru_link = NULL;
      g_object_unref (item);
    }
}

static void
lru_touch (TernMessageList *self, Entry *entry)
{
  if (entry->lru_link != NULL)
    {
      g_queue_unlink (&self->lru, entry->lru_link);
      g_queue_push_head_link (&self->lru, entry->lru_link);
      return;
    }
  g_object_ref (entry->item);
  g_queue_push_head (&self->lru, entry);
  entry->lru_link = self->lru.head;
  lru_trim (self);
}

/* Takes item (and its reference) into the cache; its UID must not be
 * there yet. */
static Entry *
cache_add (TernMessageList *self, TernMessageSummary *item)
{
  Entry *entry = g_new0 (Entry, 1);
  guint32 uid = tern_message_summary_get_uid (item);

  g_assert (!g_hash_table_contains (self->entries, GUINT_TO_POINTER (uid)));

  tern_message_summary_set_thread_id (item, thread_id_of (self, uid));
  entry->item = item;
  g_object_weak_ref (G_OBJECT (item), item_finalized, self);
  g_hash_table_insert (self->entries, GUINT_TO_POINTER (uid), entry);
  lru_touch (self, entry);
  /* The LRU holds it now (it is at the head, so the trim kept it). */
  g_object_unref (item);
  return entry;
}

/* Forgets an item (a removed message); a caller that holds it keeps a
 * stale object. */
static void
cache_drop (TernMessageList *self, guint32 uid)
{
  Entry *entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (uid));
  TernMessageSummary *item;
  gboolean held;

  if (entry == NULL)
    return;
  item = entry->item;
  held = entry->lru_link != NULL;
  if (held)
    g_queue_delete_link (&self->lru, entry->lru_link);
  g_object_weak_unref (G_OBJECT (item), item_finalized, self);
  g_hash_table_remove (self->entries, GUINT_TO_POINTER (uid));
  if (held)
    g_object_unref (item);
}

static void
cache_clear (TernMessageList *self)
{
  GHashTableIter iter;
  Entry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      g_object_weak_unref (G_OBJECT (entry->item), item_finalized, self);
      if (entry->lru_link != NULL)
        g_object_unref (entry->item);
      g_hash_table_iter_remove (&iter);
    }
  g_queue_clear (&self->lru);
}

/* Pages of summaries */

typedef struct
{
  TernMessageList *self; /* owned */
  GArray *uids;          /* asked for */
  GTask *task;           /* owned, nullable: returned once the page is in */
} Page;

static void
page_free (Page *page)
{
  if (page->task != NULL)
    {
      g_task_return_boolean (page->task, TRUE);
      g_object_unref (page->task);
    }
  g_array_unref (page->uids);
  g_object_unref (page->self);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)

static void
page_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Page) page = user_data;
  TernMessageList *self = page->self;
  g_autoptr (GPtrArray) summaries = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < page->uids->len; i++)
    g_hash_table_remove (self->in_flight,
                         GUINT_TO_POINTER (g_array_index (page->uids, guint32, i)));

  summaries = tern_store_get_summaries_finish (TERN_STORE (object), result, &error);
  if (summaries == NULL)
    {
      /* The rows stay placeholders; the next get_item() of one asks again. */
      g_debug ("Reading %u summaries of folder %" G_GINT64_FORMAT ": %s", page->uids->len,
               self->folder_id, error->message);
      if (page->task != NULL)
        {
          g_autoptr (GTask) task = g_steal_pointer (&page->task);

          g_task_return_error (task, g_steal_pointer (&error));
        }
      return;
    }

  /* In the server's order, what the cache lacks stays a placeholder and is
   * not asked for again until the sync stores more. */
  if (self->server_sorted != NULL)
    for (guint i = 0; i < page->uids->len; i++)
      g_hash_table_add (self->absent, GUINT_TO_POINTER (g_array_index (page->uids, guint32, i)));

  for (guint i = 0; i < summaries->len; i++)
    {
      const TernStoreSummary *summary = g_ptr_array_index (summaries, i);
      Entry *entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (summary->uid));

      g_hash_table_remove (self->absent, GUINT_TO_POINTER (summary->uid));
      if (entry != NULL)
        tern_message_summary_update (entry->item, summary);
      else
        cache_add (self, tern_message_summary_new (summary));
    }
}

/* Reads the summaries of uids (taken) into the items in memory, making
 * items for those not in memory yet; then returns task (taken, nullable). */
static void
request_summaries_full (TernMessageList *self, GArray *uids, GTask *task)
{
  Page *page;

  if (uids->len == 0)
    {
      g_array_unref (uids);
      if (task != NULL)
        {
          g_task_return_boolean (task, TRUE);
          g_object_unref (task);
        }
      return;
    }
  for (guint i = 0; i < uids->len; i++)
    g_hash_table_add (self->in_flight, GUINT_TO_POINTER (g_array_index (uids, guint32, i)));

  page = g_new0 (Page, 1);
  page->self = g_object_ref (self);
  page->uids = uids;
  page->task = task;
  tern_store_get_summaries_async (self->store, self->folder_id,
                                  (const guint32 *) (gpointer) uids->data, uids->len, NULL,
                                  page_done, page);
}

static void
request_summaries (TernMessageList *self, GArray *uids)
{
  request_summaries_full (self, uids, NULL);
}

/* Asks for the page around position: the rows that have no loaded item and
 * are not on their way. */
static void
request_page (TernMessageList *self, guint position)
{
  guint start = position >= PAGE_SIZE / 2 ? position - PAGE_SIZE / 2 : 0;
  guint end = MIN (self->uids->len, start + PAGE_SIZE);
  GArray *uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), end - start);

  for (guint i = start; i < end; i++)
    {
      guint32 uid = g_array_index (self->uids, guint32, i);
      Entry *entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (uid));

      if (entry != NULL && tern_message_summary_get_loaded (entry->item))
        continue;
      if (g_hash_table_contains (self->in_flight, GUINT_TO_POINTER (uid)) ||
          g_hash_table_contains (self->absent, GUINT_TO_POINTER (uid)))
        continue;
      g_array_append_val (uids, uid);
    }
  request_summaries (self, uids);
}

/* Refreshing the order */

typedef struct
{
  TernMessageList *self; /* owned */
  guint generation;
  TernStoreSort sort;
  gboolean descending;
  gboolean threaded;
  gboolean rebuild_threads;
  gboolean ask_server; /* the server's order, if the folder's cache is incomplete */
  gboolean interim;    /* the cache's order, shown while the server's is asked */
  gboolean server;     /* rows are the server's order */
  guint32 uidvalidity; /* the folder row's */

  GArray *flat; /* the flat order from the store */
  TernStoreThreading *threading;
  Threads *threads; /* when threaded */
  GArray *rows;     /* the result */
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_clear_pointer (&refresh->flat, g_array_unref);
  g_clear_pointer (&refresh->threading, tern_store_threading_free);
  g_clear_pointer (&refresh->threads, threads_unref);
  g_clear_pointer (&refresh->rows, g_array_unref);
  g_object_unref (refresh->self);
  g_free (refresh);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Refresh, refresh_free)

static gboolean
refresh_is_stale (Refresh *refresh)
{
  return refresh->generation != refresh->self->generation;
}

static void
set_loading (TernMessageList *self, guint installed_generation)
{
  gboolean was_loading = tern_message_list_get_loading (self);

  self->installed_generation = installed_generation;
  if (was_loading != tern_message_list_get_loading (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
complete_loads (TernMessageList *self, const GError *error)
{
  g_autoptr (GPtrArray) tasks = g_steal_pointer (&self->load_tasks);

  self->load_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
refresh_fail (Refresh *refresh, GError *error)
{
  TernMessageList *self = refresh->self;

  if (refresh_is_stale (refresh))
    return;
  g_warning ("Listing folder %" G_GINT64_FORMAT ": %s", self->folder_id, error->message);
  self->reset_pending = FALSE;
  set_loading (self, self->generation);
  complete_loads (self, error);
}

static void
refresh_install (Refresh *refresh)
{
  TernMessageList *self = refresh->self;
  g_autoptr (GArray) old = NULL;
  g_autoptr (GPtrArray) items = NULL;
  GHashTableIter iter;
  Entry *entry;
  gboolean reset;
  guint old_n;
  guint new_n;
  guint prefix = 0;
  guint suffix = 0;
  gboolean was_server;

  if (refresh_is_stale (refresh))
    return;
  /* The server's order of this refresh came first: it stays. */
  if (refresh->interim && self->installed_generation == refresh->generation)
    return;

  old = g_steal_pointer (&self->uids);
  self->uids = g_steal_pointer (&refresh->rows);
  g_clear_pointer (&self->threads, threads_unref);
  if (refresh->threaded)
    self->threads = g_steal_pointer (&refresh->threads);
  if (refresh->rebuild_threads)
    self->threads_dirty = FALSE;

  was_server = self->server_sorted != NULL;
  g_clear_pointer (&self->server_sorted, g_array_unref);
  g_hash_table_remove_all (self->absent);
  if (refresh->server)
    {
      self->server_sorted = g_array_copy (self->uids);
      g_array_sort (self->server_sorted, tern_store_compare_uids);
    }

  /* A snapshot: notify handlers may ask for items, which changes the cache. */
  items = g_ptr_array_new_full (g_hash_table_size (self->entries), g_object_unref);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    g_ptr_array_add (items, g_object_ref (entry->item));
  for (guint i = 0; i < items->len; i++)
    {
      TernMessageSummary *item = g_ptr_array_index (items, i);

      tern_message_summary_set_thread_id (item,
                                          thread_id_of (self, tern_message_summary_get_uid (item)));
    }

  reset = self->reset_pending;
  self->reset_pending = FALSE;
  if (!refresh->interim)
    set_loading (self, refresh->generation);

  old_n = old->len;
  new_n = self->uids->len;
  if (!reset)
    {
      const guint32 *a = (const guint32 *) (gpointer) old->data;
      const guint32 *b = (const guint32 *) (gpointer) self->uids->data;

      while (prefix < old_n && prefix < new_n && a[prefix] == b[prefix])
        prefix++;
      while (suffix < old_n - prefix && suffix < new_n - prefix &&
             a[old_n - 1 - suffix] == b[new_n - 1 - suffix])
        suffix++;
    }
  if (old_n - prefix - suffix > 0 || new_n - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_n - prefix - suffix,
                                new_n - prefix - suffix);
  if (was_server != (self->server_sorted != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_ORDER]);

  if (!refresh->interim)
    complete_loads (self, NULL);
}

static void
compute_worker (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  Refresh *refresh = task_data;

  if (refresh->threading != NULL)
    {
      refresh->threads = threads_build (refresh->threading);
      g_clear_pointer (&refresh->threading, tern_store_threading_free);
    }
  refresh->rows =
    threads_order (refresh->threads, refresh->flat, refresh->sort, refresh->descending);
  g_task_return_boolean (task, TRUE);
}

static void
compute_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = g_task_get_task_data (G_TASK (result));

  refresh_install (refresh);
}

/* Threading and the threaded order take a while on a big folder: off the
 * main context, on data that only the worker touches until it is done. */
static void
refresh_compute (Refresh *refresh)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, compute_done, NULL);

  g_task_set_source_tag (task, refresh_compute);
  /* Freed by compute_done(), not with the task: the pool's thread may drop
   * the task's last reference, and the refresh holds the list. */
  g_task_set_task_data (task, refresh, NULL);
  g_task_run_in_thread (task, compute_worker);
}

static void
refresh_threading_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = user_data;
  g_autoptr (GError) error = NULL;

  refresh->threading = tern_store_get_threading_finish (TERN_STORE (object), result, &error);
  if (refresh->threading == NULL)
    {
      refresh_fail (refresh, error);
      return;
    }
  if (refresh_is_stale (refresh))
    return;
  refresh_compute (g_steal_pointer (&refresh));
}

static void
refresh_uids_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = user_data;
  TernMessageList *self = refresh->self;
  g_autoptr (GError) error = NULL;

  refresh->flat = tern_store_list_uids_finish (TERN_STORE (object), result, &error);
  if (refresh->flat == NULL)
    {
      refresh_fail (refresh, error);
      return;
    }
  if (refresh_is_stale (refresh))
    return;

  if (!refresh->threaded)
    {
      refresh->rows = g_steal_pointer (&refresh->flat);
      refresh_install (refresh);
    }
  else if (refresh->rebuild_threads)
    tern_store_get_threading_async (self->store, self->folder_id, NULL, refresh_threading_done,
                                    g_steal_pointer (&refresh));
  else
    {
      refresh->threads = threads_ref (self->threads);
      refresh_compute (g_steal_pointer (&refresh));
    }
}

static Refresh *
refresh_new (TernMessageList *self)
{
  Refresh *refresh = g_new0 (Refresh, 1);

  refresh->self = g_object_ref (self);
  refresh->generation = self->generation;
  refresh->sort = self->sort;
  refresh->descending = self->descending;
  refresh->threaded = self->threaded;
  return refresh;
}

static void
refresh_read_cache (Refresh *refresh)
{
  TernMessageList *self = refresh->self;

  tern_store_list_uids_async (self->store, self->folder_id, refresh->sort, refresh->descending,
                              NULL, refresh_uids_done, refresh);
}

static TernStoreFolder *
find_folder (GPtrArray *folders, gint64 id)
{
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    if (((TernStoreFolder *) folders->pdata[i])->id == id)
      return folders->pdata[i];
  return NULL;
}

static void
refresh_server_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = user_data;
  TernMessageList *self = refresh->self;
  g_autoptr (GError) error = NULL;
  guint32 uidvalidity = 0;

  refresh->rows =
    tern_sync_session_sort_finish (TERN_SYNC_SESSION (object), result, &uidvalidity, &error);
  if (refresh_is_stale (refresh))
    return;
  if (refresh->rows != NULL && refresh->uidvalidity != 0 && uidvalidity != refresh->uidvalidity)
    {
      /* Its UIDs name other messages than the cache's: the next sync
       * fetches the folder again. */
      g_clear_pointer (&refresh->rows, g_array_unref);
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "UIDVALIDITY changed");
    }
  if (refresh->rows == NULL)
    {
      g_message ("Sorting folder %" G_GINT64_FORMAT " on the server: %s; showing the cache's "
                 "order",
                 self->folder_id, error->message);
      if (g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED))
        self->server_unsupported = TRUE;
      refresh_read_cache (g_steal_pointer (&refresh));
      return;
    }
  refresh->server = TRUE;
  refresh_install (refresh);
  /* The sync may have completed the folder while the server sorted. */
  check_complete (self);
}

static void
refresh_folders_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = user_data;
  TernMessageList *self = refresh->self;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GError) error = NULL;
  TernStoreFolder *folder;
  TernStoreSort sort;
  gboolean descending;
  Refresh *interim;

  folders = tern_store_list_folders_finish (TERN_STORE (object), result, &error);
  if (refresh_is_stale (refresh))
    return;
  folder = find_folder (folders, self->folder_id);
  if (folder == NULL || self->session == NULL || tern_sync_folder_is_complete (folder))
    {
      refresh_read_cache (g_steal_pointer (&refresh));
      return;
    }

  g_free (self->folder_path);
  self->folder_path = g_strdup (folder->path);
  refresh->uidvalidity = folder->uidvalidity;
  /* What the cache has, at once; the whole folder when the server answers.
   * A server order shown already stays until the new one replaces it. */
  if (self->server_sorted == NULL)
    {
      interim = refresh_new (self);
      interim->interim = TRUE;
      refresh_read_cache (interim);
    }
  sort = refresh->sort;
  descending = refresh->descending;
  tern_sync_session_sort_async (self->session, folder->path, sort, descending, NULL,
                                refresh_server_done, g_steal_pointer (&refresh));
}

/* Re-reads the order; reset: emit (0, old, new) rather than the range that
 * changed, and ask the server for its order if the cache is incomplete. */
static void
refresh_start (TernMessageList *self, gboolean reset)
{
  Refresh *refresh;
  gboolean was_loading = tern_message_list_get_loading (self);

  self->generation++;
  refresh = refresh_new (self);
  refresh->rebuild_threads = self->threaded && (self->threads == NULL || self->threads_dirty);
  refresh->ask_server =
    reset && self->session != NULL && !self->threaded &&
    !(self->server_unsupported && self->sort != TERN_STORE_SORT_UID &&
      self->sort != TERN_STORE_SORT_UNREAD && self->sort != TERN_STORE_SORT_FLAGGED);
  if (reset)
    self->reset_pending = TRUE;
  if (!was_loading)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);

  if (refresh->ask_server)
    tern_store_list_folders_async (self->store, NULL, refresh_folders_done, refresh);
  else
    refresh_read_cache (refresh);
}

/* The server's order */

static gboolean
server_has (TernMessageList *self, guint32 uid)
{
  const guint32 *v = (const guint32 *) (gpointer) self->server_sorted->data;
  guint lo = 0;
  guint hi = self->server_sorted->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (v[mid] < uid)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < self->server_sorted->len && v[lo] == uid;
}

/* Reads the items in memory that are placeholders again: the sync may have
 * stored their headers. */
static void
refill_placeholders (TernMessageList *self)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  GHashTableIter iter;
  gpointer key;
  Entry *entry;

  g_hash_table_remove_all (self->absent);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, (gpointer *) &entry))
    if (!tern_message_summary_get_loaded (entry->item) &&
        !g_hash_table_contains (self->in_flight, key))
      {
        guint32 uid = GPOINTER_TO_UINT (key);

        g_array_append_val (uids, uid);
      }
  request_summaries (self, uids);
}

typedef struct
{
  TernMessageList *self; /* owned */
  guint generation;
} Check;

static void
check_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Check *check = user_data;
  TernMessageList *self = check->self;
  g_autoptr (GPtrArray) folders = NULL;
  TernStoreFolder *folder;

  folders = tern_store_list_folders_finish (TERN_STORE (object), result, NULL);
  folder = find_folder (folders, self->folder_id);
  /* Complete now: the cache's own order, without asking the server. */
  if (check->generation == self->generation && self->server_sorted != NULL && folder != NULL &&
      tern_sync_folder_is_complete (folder))
    refresh_start (self, FALSE);
  g_object_unref (check->self);
  g_free (check);
}

/* Without a session the order came from set_server_order(): it stays until
 * the next refresh. */
static void
check_complete (TernMessageList *self)
{
  Check *check;

  if (self->session == NULL)
    return;
  check = g_new0 (Check, 1);

  check->self = g_object_ref (self);
  check->generation = self->generation;
  tern_store_list_folders_async (self->store, NULL, check_done, check);
}

static void
on_progress (TernSyncSession *session,
             const char *what,
             guint64 done,
             guint64 total,
             TernMessageList *self)
{
  if (self->server_sorted == NULL || g_strcmp0 (what, self->folder_path) != 0)
    return;
  refill_placeholders (self);
  if (total > 0 && done >= total)
    check_complete (self);
}

/* apply_changes() while the rows are the server's order: rows stay where
 * they are (placeholders fill in), removed ones go, ones the order does not
 * know come first (descending) or last, in UID order; one items-changed. */
static void
apply_server_changes (TernMessageList *self,
                      const guint32 *added,
                      guint n_added,
                      const guint32 *removed,
                      guint n_removed,
                      const guint32 *changed,
                      guint n_changed)
{
  g_autoptr (GHashTable) gone = g_hash_table_new (NULL, NULL);
  g_autoptr (GArray) fresh = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) old = NULL;
  GArray *reread = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; i < n_removed; i++)
    {
      cache_drop (self, removed[i]);
      g_hash_table_remove (self->absent, GUINT_TO_POINTER (removed[i]));
      g_hash_table_add (gone, GUINT_TO_POINTER (removed[i]));
    }
  for (guint i = 0; i < n_added + n_changed; i++)
    {
      guint32 uid = i < n_added ? added[i] : changed[i - n_added];

      g_hash_table_remove (self->absent, GUINT_TO_POINTER (uid));
      if (g_hash_table_contains (self->entries, GUINT_TO_POINTER (uid)))
        g_array_append_val (reread, uid);
      if (i < n_added && !server_has (self, uid) &&
          !g_hash_table_contains (gone, GUINT_TO_POINTER (uid)))
        {
          g_array_append_val (fresh, uid);
          /* Twice in one batch is one row. */
          g_hash_table_add (gone, GUINT_TO_POINTER (uid));
        }
    }
  /* Asked before the rows change, as in apply_changes(). */
  request_summaries (self, reread);
  self->threads_dirty = TRUE;

  if (n_removed > 0 || fresh->len > 0)
    {
      GArray *rows;
      const guint32 *a;
      const guint32 *b;
      guint prefix = 0;
      guint suffix = 0;

      g_array_sort (fresh, tern_store_compare_uids);
      old = g_steal_pointer (&self->uids);
      rows = g_array_sized_new (FALSE, FALSE, sizeof (guint32), old->len + fresh->len);
      if (self->descending)
        for (guint i = fresh->len; i > 0; i--)
          g_array_append_val (rows, g_array_index (fresh, guint32, i - 1));
      for (guint i = 0; i < old->len; i++)
        {
          guint32 uid = g_array_index (old, guint32, i);

          if (!g_hash_table_contains (gone, GUINT_TO_POINTER (uid)))
            g_array_append_val (rows, uid);
        }
      if (!self->descending)
        g_array_append_vals (rows, fresh->data, fresh->len);
      self->uids = rows;
      g_array_unref (self->server_sorted);
      self->server_sorted = g_array_copy (rows);
      g_array_sort (self->server_sorted, tern_store_compare_uids);

      a = (const guint32 *) (gpointer) old->data;
      b = (const guint32 *) (gpointer) rows->data;
      while (prefix < old->len && prefix < rows->len && a[prefix] == b[prefix])
        prefix++;
      while (suffix < old->len - prefix && suffix < rows->len - prefix &&
             a[old->len - 1 - suffix] == b[rows->len - 1 - suffix])
        suffix++;
      if (old->len - prefix - suffix > 0 || rows->len - prefix - suffix > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                                    rows->len - prefix - suffix);
    }
  check_complete (self);
}

/* GListModel */

static GType
tern_message_list_get_item_type (GListModel *model)
{
  return TERN_TYPE_MESSAGE_SUMMARY;
}

static guint
tern_message_list_get_n_items (GListModel *model)
{
  return TERN_MESSAGE_LIST (model)->uids->len;
}

static gpointer
tern_message_list_get_item (GListModel *model, guint position)
{
  TernMessageList *self = TERN_MESSAGE_LIST (model);
  guint32 uid;
  Entry *entry;

  if (position >= self->uids->len)
    return NULL;

  uid = g_array_index (self->uids, guint32, position);
  entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (uid));
  if (entry != NULL)
    {
      lru_touch (self, entry);
      if (!tern_message_summary_get_loaded (entry->item) &&
          !g_hash_table_contains (self->in_flight, GUINT_TO_POINTER (uid)))
        request_page (self, position);
      return g_object_ref (entry->item);
    }

  entry = cache_add (self, tern_message_summary_new_placeholder (uid));
  request_page (self, position);
  return g_object_ref (entry->item);
}

static void
tern_message_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tern_message_list_get_item_type;
  iface->get_n_items = tern_message_list_get_n_items;
  iface->get_item = tern_message_list_get_item;
}

/* GObject */

static void
tern_message_list_dispose (GObject *object)
{
  TernMessageList *self = (TernMessageList *) object;

  cache_clear (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tern_message_list_parent_class)->dispose (object);
}

static void
tern_message_list_finalize (GObject *object)
{
  TernMessageList *self = (TernMessageList *) object;

  /* Every refresh and page holds a reference: none is left. */
  g_assert (self->load_tasks->len == 0);

  g_clear_object (&self->store);
  g_clear_pointer (&self->uids, g_array_unref);
  g_clear_pointer (&self->threads, threads_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->load_tasks, g_ptr_array_unref);
  g_clear_pointer (&self->folder_path, g_free);
  g_clear_pointer (&self->server_sorted, g_array_unref);
  g_clear_pointer (&self->absent, g_hash_table_unref);

  G_OBJECT_CLASS (tern_message_list_parent_class)->finalize (object);
}

static void
tern_message_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernMessageList *self = TERN_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;

    case PROP_SORT:
      g_value_set_int (value, self->sort);
      break;

    case PROP_DESCENDING:
      g_value_set_boolean (value, self->descending);
      break;

    case PROP_THREADED:
      g_value_set_boolean (value, self->threaded);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, tern_message_list_get_loading (self));
      break;

    case PROP_SERVER_ORDER:
      g_value_set_boolean (value, self->server_sorted != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_message_list_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  TernMessageList *self = TERN_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_FOLDER_ID:
      self->folder_id = g_value_get_int64 (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_message_list_class_init (TernMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = tern_message_list_dispose;
  object_class->finalize = tern_message_list_finalize;
  object_class->get_property = tern_message_list_get_property;
  object_class->set_property = tern_message_list_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, TERN_TYPE_STORE, construct);
  properties[PROP_FOLDER_ID] =
    g_param_spec_int64 ("folder-id", NULL, NULL, G_MININT64, G_MAXINT64, 0, construct);
  /* A TernStoreSort (which has no GType). */
  properties[PROP_SORT] = g_param_spec_int ("sort", NULL, NULL, TERN_STORE_SORT_UID,
                                            TERN_STORE_SORT_FLAGGED, TERN_STORE_SORT_DATE, ro);
  properties[PROP_DESCENDING] = g_param_spec_boolean ("descending", NULL, NULL, TRUE, ro);
  properties[PROP_THREADED] = g_param_spec_boolean ("threaded", NULL, NULL, FALSE, ro);
  /* TRUE while a new order is being read: the rows shown are the old ones. */
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, ro);
  /* TRUE while the rows are the server's order of the whole folder (its
   * cache incomplete): rows not cached yet are placeholders. */
  properties[PROP_SERVER_ORDER] = g_param_spec_boolean ("server-order", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_message_list_init (TernMessageList *self)
{
  self->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->in_flight = g_hash_table_new (NULL, NULL);
  self->absent = g_hash_table_new (NULL, NULL);
  self->load_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->sort = TERN_STORE_SORT_DATE;
  self->descending = TRUE;
  g_queue_init (&self->lru);
}

/**
 * tern_message_list_new:
 *
 * The list of a folder of an open store, empty until loaded; newest first.
 */
TernMessageList *
tern_message_list_new (TernStore *store, gint64 folder_id)
{
  g_return_val_if_fail (TERN_IS_STORE (store), NULL);

  return g_object_new (TERN_TYPE_MESSAGE_LIST, "store", store, "folder-id", folder_id, NULL);
}

TernStore *
tern_message_list_get_store (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), NULL);
  return self->store;
}

gint64
tern_message_list_get_folder_id (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), 0);
  return self->folder_id;
}

/* TRUE while a new order is being read from the cache. */
gboolean
tern_message_list_get_loading (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), FALSE);
  return self->installed_generation != self->generation;
}

/**
 * tern_message_list_load_async:
 *
 * Reads the folder's order (UIDs only) and shows it; from then on the list
 * follows set_sort(), set_threaded() and apply_changes(). Completes when an
 * order read at or after this call is shown.
 */
void
tern_message_list_load_async (TernMessageList *self,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_message_list_load_async);
  g_ptr_array_add (self->load_tasks, task);
  self->started = TRUE;
  refresh_start (self, TRUE);
}

/**
 * tern_message_list_preload_async:
 * @n: how many rows, from the first
 *
 * Reads the summaries of the first @n rows of the loaded order, and
 * completes once they are in their items: a window shown then shows them
 * filled in its first frame. Rows already on their way are asked for again
 * rather than waited for by another route.
 */
void
tern_message_list_preload_async (TernMessageList *self,
                                 guint n,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *task;
  GArray *uids;

  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tern_message_list_preload_async);
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < MIN (n, self->uids->len); i++)
    {
      guint32 uid = g_array_index (self->uids, guint32, i);
      Entry *entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (uid));

      if (entry == NULL || !tern_message_summary_get_loaded (entry->item))
        g_array_append_val (uids, uid);
    }
  request_summaries_full (self, uids, task);
}

gboolean
tern_message_list_preload_finish (TernMessageList *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
tern_message_list_load_finish (TernMessageList *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_message_list_load_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

TernStoreSort
tern_message_list_get_sort (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), TERN_STORE_SORT_DATE);
  return self->sort;
}

gboolean
tern_message_list_get_descending (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), FALSE);
  return self->descending;
}

/**
 * tern_message_list_set_sort:
 *
 * Re-reads the order only (the items made so far are kept) and then emits
 * one items-changed (0, old, new).
 */
void
tern_message_list_set_sort (TernMessageList *self, TernStoreSort sort, gboolean descending)
{
  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));
  g_return_if_fail (sort <= TERN_STORE_SORT_FLAGGED);

  descending = !!descending;
  if (self->sort == sort && self->descending == (guint) descending)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->sort != sort)
    {
      self->sort = sort;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
    }
  if (self->descending != (guint) descending)
    {
      self->descending = descending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCENDING]);
    }
  if (self->started)
    refresh_start (self, TRUE);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
tern_message_list_get_threaded (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), FALSE);
  return self->threaded;
}

/**
 * tern_message_list_set_threaded:
 *
 * Groups conversations: one row per thread (see the file comment), and each
 * item's thread-id set. Emits one items-changed (0, old, new) when done.
 */
void
tern_message_list_set_threaded (TernMessageList *self, gboolean threaded)
{
  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));

  threaded = !!threaded;
  if (self->threaded == (guint) threaded)
    return;

  self->threaded = threaded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREADED]);
  if (self->started)
    refresh_start (self, TRUE);
}

/* Returns: the UID of the row at position, 0 past the end. Threaded, the
 * row's message (the thread's earliest top-level one). */
guint32
tern_message_list_get_uid (TernMessageList *self, guint position)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), 0);

  if (position >= self->uids->len)
    return 0;
  return g_array_index (self->uids, guint32, position);
}

/**
 * tern_message_list_find:
 *
 * Returns: the position of the row that shows uid (threaded: the row of its
 *   thread), or %TERN_MESSAGE_LIST_INVALID_POSITION. Linear in the rows.
 */
guint
tern_message_list_find (TernMessageList *self, guint32 uid)
{
  const guint32 *rows;

  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), TERN_MESSAGE_LIST_INVALID_POSITION);

  if (self->threaded && self->threads != NULL)
    {
      gint m = threads_find (self->threads, uid);

      if (m < 0)
        return TERN_MESSAGE_LIST_INVALID_POSITION;
      uid = self->threads->rep[self->threads->thread[m]];
    }

  rows = (const guint32 *) (gpointer) self->uids->data;
  for (guint i = 0; i < self->uids->len; i++)
    if (rows[i] == uid)
      return i;
  return TERN_MESSAGE_LIST_INVALID_POSITION;
}

/**
 * tern_message_list_dup_thread_uids:
 * @n_uids: (out): how many
 *
 * Returns: (transfer full) (array length=n_uids): the UIDs of the messages
 *   of the row at position, ascending (just its own when not threaded), or
 *   %NULL past the end.
 */
guint32 *
tern_message_list_dup_thread_uids (TernMessageList *self, guint position, guint *n_uids)
{
  GArray *uids;
  guint32 uid;
  guint32 thread;
  gint m;

  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), NULL);
  g_return_val_if_fail (n_uids != NULL, NULL);

  *n_uids = 0;
  if (position >= self->uids->len)
    return NULL;

  uid = g_array_index (self->uids, guint32, position);
  if (!self->threaded || self->threads == NULL || (m = threads_find (self->threads, uid)) < 0)
    {
      *n_uids = 1;
      return g_memdup2 (&uid, sizeof uid);
    }

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  thread = self->threads->thread[m];
  for (guint i = 0; i < self->threads->n_messages; i++)
    if (self->threads->thread[i] == thread)
      g_array_append_val (uids, self->threads->uids[i]);
  *n_uids = uids->len;
  return (guint32 *) (gpointer) g_array_free (uids, FALSE);
}

/**
 * tern_message_list_apply_changes:
 * @added: (array length=n_added): UIDs now in the folder (new, or back from
 *   a pending move)
 * @removed: (array length=n_removed): UIDs gone (expunged, or pending)
 * @changed: (array length=n_changed): UIDs whose summary changed (flags…)
 *
 * Follows a batch of changes the cache already holds: the items in memory
 * of @changed and @added are re-read (and notify what changed), those of
 * @removed are forgotten, and the order is re-read and shown with one
 * items-changed over the range that moved (none if the order is the same).
 */
void
tern_message_list_apply_changes (TernMessageList *self,
                                 const guint32 *added,
                                 guint n_added,
                                 const guint32 *removed,
                                 guint n_removed,
                                 const guint32 *changed,
                                 guint n_changed)
{
  GArray *reread;

  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));
  g_return_if_fail (added != NULL || n_added == 0);
  g_return_if_fail (removed != NULL || n_removed == 0);
  g_return_if_fail (changed != NULL || n_changed == 0);

  if (self->server_sorted != NULL)
    {
      apply_server_changes (self, added, n_added, removed, n_removed, changed, n_changed);
      return;
    }

  for (guint i = 0; i < n_removed; i++)
    cache_drop (self, removed[i]);

  reread = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < n_added + n_changed; i++)
    {
      guint32 uid = i < n_added ? added[i] : changed[i - n_added];

      if (g_hash_table_contains (self->entries, GUINT_TO_POINTER (uid)))
        g_array_append_val (reread, uid);
    }
  /* Asked before the order: the store answers in order, so the items are
   * up to date when the rows move. */
  request_summaries (self, reread);

  self->threads_dirty = TRUE;
  if (self->started && n_added + n_removed + n_changed > 0)
    refresh_start (self, FALSE);
}

/**
 * tern_message_list_set_sync_session:
 * @session: (nullable): the account's session
 *
 * Lets the list show the whole folder in the server's order while the
 * folder's cache is incomplete (see the file comment); reloads when the
 * list was loaded already. Set it before loading.
 */
void
tern_message_list_set_sync_session (TernMessageList *self, TernSyncSession *session)
{
  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));
  g_return_if_fail (session == NULL || TERN_IS_SYNC_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (self->session, on_progress, self);
  g_set_object (&self->session, session);
  self->server_unsupported = FALSE;
  if (session != NULL)
    g_signal_connect_object (session, "progress", G_CALLBACK (on_progress), self, 0);
  if (self->started)
    refresh_start (self, TRUE);
}

TernSyncSession *
tern_message_list_get_sync_session (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), NULL);
  return self->session;
}

/**
 * tern_message_list_set_server_order:
 * @uids: (array length=n_uids): every message of the folder, in the order
 *   of the list's sort as the server gave it
 *
 * Shows @uids as the rows at once (one items-changed (0, old, new)), rows
 * not in the cache as placeholders, until the next refresh; what
 * set_sync_session() does by itself, for a caller that has the order.
 */
void
tern_message_list_set_server_order (TernMessageList *self, const guint32 *uids, guint n_uids)
{
  Refresh *refresh;

  g_return_if_fail (TERN_IS_MESSAGE_LIST (self));
  g_return_if_fail (uids != NULL || n_uids == 0);
  g_return_if_fail (!self->threaded);

  self->generation++;
  self->started = TRUE;
  self->reset_pending = TRUE;
  refresh = refresh_new (self);
  refresh->rows = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_uids);
  g_array_append_vals (refresh->rows, uids, n_uids);
  refresh->server = TRUE;
  refresh_install (refresh);
  refresh_free (refresh);
}

/* Whether the rows are the server's order of the whole folder. */
gboolean
tern_message_list_get_server_order (TernMessageList *self)
{
  g_return_val_if_fail (TERN_IS_MESSAGE_LIST (self), FALSE);
  return self->server_sorted != NULL;
}
