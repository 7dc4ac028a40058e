/* test-message-list.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/model/tern-message-list.c, tern-message-summary.c and the
 * store queries behind them (src/engine/store/tern-store-list.c): every sort
 * order in both directions against an independent sort, one items-changed
 * per sort change and per batch of live changes, lazy items filled in by
 * pages, rows pending removal left out, conversation grouping, a
 * 100 000-message folder, and the server's order of a folder whose cache is
 * incomplete (placeholders filled in place). Each test has a store in a
 * temporary directory. */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "model/tern-message-list.h"
#include "model/tern-message-summary.h"
#include "store/tern-store-private.h"

/* A message as the test knows it, to sort independently of SQLite. */
typedef struct
{
  guint32 uid;
  gint64 date;
  const char *from_name;
  const char *subject;
  guint64 size;
  TernStoreFlags flags;
} Row;

typedef struct
{
  char *dir;
  TernStore *store;
  gint64 folder_id;
  GArray *rows; /* of Row: what the folder holds (not pending) */
} Fixture;

typedef struct
{
  guint count;
  guint position;
  guint removed;
  guint added;
} Changes;

static const char *const names[] = {
  "alice", "Bob", "ALICE", NULL, "carol", "\xc3\x89mile", "bob", "Zed", "", "dave",
};

static const char *const subjects[] = {
  "Meeting", "re: budget", "Budget", NULL, "lunch?", "MEETING notes", "\xc3\xa9t\xc3\xa9", "a",
};

/* Helpers */

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

static gboolean
exec_func (sqlite3 *db, gpointer data, GError **error)
{
  return _tern_store_exec (db, data, error);
}

static void
run_sql (Fixture *fixture, const char *sql)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  _tern_store_run_async (fixture->store, exec_func, (gpointer) sql, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (_tern_store_run_finish (fixture->store, result, &error));
  g_assert_no_error (error);
}

static TernStoreSummary *
make_summary (guint32 uid)
{
  TernStoreSummary *s = tern_store_summary_new (uid);

  /* Few distinct keys, so that the UID tiebreak matters. */
  s->flags = (uid % 3 == 0 ? TERN_STORE_FLAG_SEEN : 0) |
             (uid % 7 == 0 ? TERN_STORE_FLAG_FLAGGED : 0) |
             (uid % 5 == 0 ? TERN_STORE_FLAG_ANSWERED : 0);
  s->internaldate = 1700000000 + uid;
  s->date = 1700000000 + (uid * 7919) % 1000;
  s->size = (uid * 31) % 500;
  s->subject = g_strdup (subjects[(uid * 13) % G_N_ELEMENTS (subjects)]);
  s->from_name = g_strdup (names[(uid * 17) % G_N_ELEMENTS (names)]);
  s->from_addr = g_strdup_printf ("sender%u@example.org", uid % 97);
  s->message_id = g_strdup_printf ("<%u@example.org>", uid);
  s->has_attachments = uid % 4 == 0;
  s->preview = g_strdup_printf ("Preview of %u", uid);
  return s;
}

static Row
row_of (const TernStoreSummary *s)
{
  Row row = { s->uid, s->date, NULL, NULL, s->size, s->flags };

  /* The strings are the tables' static ones. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (names[i], s->from_name) == 0)
      row.from_name = names[i];
  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    if (g_strcmp0 (subjects[i], s->subject) == 0)
      row.subject = subjects[i];
  return row;
}

static void
store_summaries (Fixture *fixture, GPtrArray *summaries)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_store_store_summaries_async (fixture->store, fixture->folder_id, summaries, NULL,
                                    store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_store_summaries_finish (fixture->store, result, &error));
  g_assert_no_error (error);
}

/* Adds messages first … first + n - 1 to the folder and to fixture->rows. */
static void
add_messages (Fixture *fixture, guint32 first, guint n)
{
  g_autoptr (GPtrArray) summaries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);

  for (guint i = 0; i < n; i++)
    {
      TernStoreSummary *s = make_summary (first + i);
      Row row = row_of (s);

      g_ptr_array_add (summaries, s);
      g_array_append_val (fixture->rows, row);
    }
  store_summaries (fixture, summaries);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (TernStoreFolder) folder = tern_store_folder_new ("INBOX");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  GAsyncResult *slot = NULL;

  fixture->dir = g_dir_make_tmp ("tern-message-list-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->store = tern_store_new_for_path (path);
  tern_store_open_async (fixture->store, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_open_finish (fixture->store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  folder->uidvalidity = 1;
  tern_store_upsert_folder_async (fixture->store, folder, NULL, store_result, &slot);
  result = wait_for (&slot);
  fixture->folder_id = tern_store_upsert_folder_finish (fixture->store, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fixture->folder_id, >, 0);

  fixture->rows = g_array_new (FALSE, FALSE, sizeof (Row));
}

static void
remove_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_remove (path);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_store_close_async (fixture->store, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_close_finish (fixture->store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->store);

  remove_file (fixture->dir, "cache.db");
  remove_file (fixture->dir, "cache.db-wal");
  remove_file (fixture->dir, "cache.db-shm");
  remove_file (fixture->dir, "cache.db.clean");
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
  g_array_unref (fixture->rows);
}

/* Drops the list and waits for the reads it started to finish. */
static void
free_list (TernMessageList *list)
{
  gpointer weak = list;

  g_object_add_weak_pointer (G_OBJECT (list), &weak);
  g_object_unref (list);
  while (weak != NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, Changes *changes)
{
  changes->count++;
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
}

static TernMessageList *
new_list (Fixture *fixture, Changes *changes)
{
  TernMessageList *list = tern_message_list_new (fixture->store, fixture->folder_id);

  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), changes);
  return list;
}

static void
wait_idle (TernMessageList *list)
{
  while (tern_message_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
}

static void
load (TernMessageList *list)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_message_list_load_async (list, NULL, store_result, &slot);
  g_assert_true (tern_message_list_get_loading (list));
  result = wait_for (&slot);
  g_assert_true (tern_message_list_load_finish (list, result, &error));
  g_assert_no_error (error);
  g_assert_false (tern_message_list_get_loading (list));
}

/* The independent sort */

/* SQLite's NOCASE: ASCII letters folded, bytes compared unsigned; NULL first. */
static int
compare_nocase (const char *a, const char *b)
{
  const guchar *x = (const guchar *) a;
  const guchar *y = (const guchar *) b;

  if (a == NULL || b == NULL)
    return (a != NULL) - (b != NULL);
  for (;; x++, y++)
    {
      int cx = (guchar) g_ascii_tolower ((gchar) *x);
      int cy = (guchar) g_ascii_tolower ((gchar) *y);

      if (cx != cy || cx == 0)
        return cx - cy;
    }
}

typedef struct
{
  TernStoreSort sort;
  gboolean descending;
} SortSpec;

static int
compare_keys (const Row *a, const Row *b, TernStoreSort sort)
{
  switch (sort)
    {
    case TERN_STORE_SORT_DATE:
      return (a->date > b->date) - (a->date < b->date);
    case TERN_STORE_SORT_FROM:
      return compare_nocase (a->from_name, b->from_name);
    case TERN_STORE_SORT_SUBJECT:
      return compare_nocase (a->subject, b->subject);
    case TERN_STORE_SORT_SIZE:
      return (a->size > b->size) - (a->size < b->size);
    case TERN_STORE_SORT_UNREAD:
      return (int) (a->flags & TERN_STORE_FLAG_SEEN) - (int) (b->flags & TERN_STORE_FLAG_SEEN);
    case TERN_STORE_SORT_FLAGGED:
      return (int) (a->flags & TERN_STORE_FLAG_FLAGGED) -
             (int) (b->flags & TERN_STORE_FLAG_FLAGGED);
    case TERN_STORE_SORT_UID:
    default:
      return 0;
    }
}

static gint
compare_rows (gconstpointer pa, gconstpointer pb, gpointer user_data)
{
  const SortSpec *spec = user_data;
  const Row *a = pa;
  const Row *b = pb;
  int cmp = compare_keys (a, b, spec->sort);

  if (cmp == 0)
    cmp = (a->uid > b->uid) - (a->uid < b->uid);
  return spec->descending ? -cmp : cmp;
}

static void
assert_order (TernMessageList *list, GArray *rows, TernStoreSort sort, gboolean descending)
{
  g_autoptr (GArray) expected = g_array_copy (rows);
  SortSpec spec = { sort, descending };

  g_array_sort_with_data (expected, compare_rows, &spec);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      guint32 uid = tern_message_list_get_uid (list, i);

      if (uid != g_array_index (expected, Row, i).uid)
        g_error ("sort %d %s: row %u is %u, expected %u", sort, descending ? "desc" : "asc", i, uid,
                 g_array_index (expected, Row, i).uid);
    }
  g_assert_cmpuint (tern_message_list_get_uid (list, expected->len), ==, 0);
}

static void
remove_rows (GArray *rows, gboolean (*gone) (guint32 uid))
{
  for (guint i = rows->len; i-- > 0;)
    if (gone (g_array_index (rows, Row, i).uid))
      g_array_remove_index (rows, i);
}

/* Tests */

static void
test_sort (Fixture *fixture, gconstpointer data)
{
  g_autoptr (TernMessageSummary) kept = NULL;
  Changes changes = { 0 };
  TernMessageList *list;
  TernMessageSummary *again;
  guint32 kept_uid;

  add_messages (fixture, 1, 5000);
  list = new_list (fixture, &changes);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == TERN_TYPE_MESSAGE_SUMMARY);

  /* Newest first until told otherwise. */
  load (list);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 5000);
  assert_order (list, fixture->rows, TERN_STORE_SORT_DATE, TRUE);

  kept = g_list_model_get_item (G_LIST_MODEL (list), 10);
  kept_uid = tern_message_summary_get_uid (kept);

  for (TernStoreSort sort = TERN_STORE_SORT_UID; sort <= TERN_STORE_SORT_FLAGGED; sort++)
    for (int descending = 0; descending < 2; descending++)
      {
        if (sort == tern_message_list_get_sort (list) &&
            descending == tern_message_list_get_descending (list))
          continue;

        changes.count = 0;
        tern_message_list_set_sort (list, sort, descending);
        g_assert_cmpint (tern_message_list_get_sort (list), ==, sort);
        g_assert_cmpint (tern_message_list_get_descending (list), ==, descending);
        /* Nothing moves until the new order is read. */
        g_assert_cmpuint (changes.count, ==, 0);
        wait_idle (list);
        g_assert_cmpuint (changes.count, ==, 1);
        g_assert_cmpuint (changes.position, ==, 0);
        g_assert_cmpuint (changes.removed, ==, 5000);
        g_assert_cmpuint (changes.added, ==, 5000);
        assert_order (list, fixture->rows, sort, descending);
      }

  /* Items made before a sort are the ones returned after it. */
  again = g_list_model_get_item (G_LIST_MODEL (list), tern_message_list_find (list, kept_uid));
  g_assert_true (again == kept);
  g_object_unref (again);

  /* Two changes in a row: one items-changed, for the last. */
  changes.count = 0;
  tern_message_list_set_sort (list, TERN_STORE_SORT_SIZE, FALSE);
  tern_message_list_set_sort (list, TERN_STORE_SORT_SUBJECT, TRUE);
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 1);
  assert_order (list, fixture->rows, TERN_STORE_SORT_SUBJECT, TRUE);

  /* Setting the same order again does nothing. */
  tern_message_list_set_sort (list, TERN_STORE_SORT_SUBJECT, TRUE);
  g_assert_false (tern_message_list_get_loading (list));
  g_assert_cmpuint (changes.count, ==, 1);

  free_list (list);
}

static void
notify_cb (GObject *object, GParamSpec *pspec, GPtrArray *names_seen)
{
  g_ptr_array_add (names_seen, (gpointer) g_param_spec_get_name (pspec));
}

static gboolean
seen (GPtrArray *names_seen, const char *name)
{
  for (guint i = 0; i < names_seen->len; i++)
    if (g_str_equal (g_ptr_array_index (names_seen, i), name))
      return TRUE;
  return FALSE;
}

static void
test_lazy (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) notified = g_ptr_array_new ();
  g_autoptr (TernMessageSummary) item = NULL;
  g_autoptr (TernMessageSummary) neighbour = NULL;
  g_autoptr (TernMessageSummary) far = NULL;
  g_autofree char *preview = NULL;
  Changes changes = { 0 };
  TernMessageList *list;
  guint32 uid;

  add_messages (fixture, 1, 5000);
  list = new_list (fixture, &changes);
  tern_message_list_set_sort (list, TERN_STORE_SORT_UID, FALSE);
  load (list);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 5000));

  /* A placeholder at once, filled in when its page arrives. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 2500);
  uid = tern_message_summary_get_uid (item);
  g_assert_cmpuint (uid, ==, 2501);
  g_assert_false (tern_message_summary_get_loaded (item));
  g_assert_null (tern_message_summary_get_subject (item));
  g_assert_false (tern_message_summary_get_unread (item));
  g_signal_connect (item, "notify", G_CALLBACK (notify_cb), notified);
  while (!tern_message_summary_get_loaded (item))
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (seen (notified, "loaded"));
  g_assert_true (seen (notified, "preview"));
  g_assert_true (seen (notified, "from-address"));
  g_assert_false (seen (notified, "uid"));
  g_assert_false (seen (notified, "thread-id"));
  preview = g_strdup_printf ("Preview of %u", uid);
  g_assert_cmpstr (tern_message_summary_get_preview (item), ==, preview);
  g_assert_cmpstr (tern_message_summary_get_subject (item), ==,
                   subjects[(uid * 13) % G_N_ELEMENTS (subjects)]);
  g_assert_cmpstr (tern_message_summary_get_from_name (item), ==,
                   names[(uid * 17) % G_N_ELEMENTS (names)]);
  g_assert_cmpint (tern_message_summary_get_date (item), ==, 1700000000 + (uid * 7919) % 1000);
  g_assert_cmpuint (tern_message_summary_get_size (item), ==, (uid * 31) % 500);
  g_assert_true (tern_message_summary_get_unread (item) == (uid % 3 != 0));
  g_assert_true (tern_message_summary_get_flagged (item) == (uid % 7 == 0));
  g_assert_true (tern_message_summary_get_answered (item) == (uid % 5 == 0));
  g_assert_true (tern_message_summary_get_has_attachments (item) == (uid % 4 == 0));
  g_assert_cmpuint (tern_message_summary_get_thread_id (item), ==, 0);

  /* Its neighbours came with the page; a far row did not. */
  neighbour = g_list_model_get_item (G_LIST_MODEL (list), 2600);
  g_assert_true (tern_message_summary_get_loaded (neighbour));
  g_assert_cmpuint (tern_message_summary_get_uid (neighbour), ==, 2601);
  far = g_list_model_get_item (G_LIST_MODEL (list), 4000);
  g_assert_false (tern_message_summary_get_loaded (far));
  while (!tern_message_summary_get_loaded (far))
    g_main_context_iteration (NULL, TRUE);

  /* Asking again for a row in memory returns the same object. */
  {
    g_autoptr (TernMessageSummary) same = g_list_model_get_item (G_LIST_MODEL (list), 2500);

    g_assert_true (same == item);
  }

  /* update_flags notifies only what changed. */
  g_ptr_array_set_size (notified, 0);
  tern_message_summary_update_flags (item, tern_message_summary_get_flags (item) ^
                                             TERN_STORE_FLAG_FLAGGED);
  g_assert_cmpuint (notified->len, ==, 1);
  g_assert_true (seen (notified, "flagged"));
  g_ptr_array_set_size (notified, 0);
  tern_message_summary_update_flags (item, tern_message_summary_get_flags (item));
  g_assert_cmpuint (notified->len, ==, 0);
  g_signal_handlers_disconnect_by_func (item, notify_cb, notified);

  /* Walking every row keeps a bounded number of items alive. */
  for (guint i = 0; i < 5000; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (list), i));

  free_list (list);
  /* Items outlive the list that made them. */
  g_assert_cmpuint (tern_message_summary_get_uid (item), ==, 2501);
}

static gboolean
is_removed (guint32 uid)
{
  return uid % 500 == 7;
}

static gboolean
is_pending (guint32 uid)
{
  return uid % 10 == 3;
}

static char *
uid_list (gboolean (*pick) (guint32 uid), guint32 last, GArray *out)
{
  GString *list = g_string_new (NULL);

  for (guint32 uid = 1; uid <= last; uid++)
    if (pick (uid))
      {
        g_string_append_printf (list, "%s%u", list->len > 0 ? "," : "", uid);
        if (out != NULL)
          g_array_append_val (out, uid);
      }
  return g_string_free (list, FALSE);
}

static gboolean
is_changed (guint32 uid)
{
  return uid % 400 == 11;
}

static void
test_changes (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GArray) removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) added = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) before = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GPtrArray) notified = g_ptr_array_new ();
  g_autoptr (TernMessageSummary) watched = NULL;
  g_autofree char *removed_sql = NULL;
  g_autofree char *changed_sql = NULL;
  g_autofree char *sql = NULL;
  Changes changes = { 0 };
  TernMessageList *list;
  guint n;

  add_messages (fixture, 1, 5000);
  list = new_list (fixture, &changes);
  tern_message_list_set_sort (list, TERN_STORE_SORT_UNREAD, FALSE);
  load (list);
  assert_order (list, fixture->rows, TERN_STORE_SORT_UNREAD, FALSE);

  /* An item in memory whose flags change behind the list's back. */
  watched = g_list_model_get_item (G_LIST_MODEL (list), tern_message_list_find (list, 11));
  while (!tern_message_summary_get_loaded (watched))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (tern_message_summary_get_unread (watched));
  g_signal_connect (watched, "notify", G_CALLBACK (notify_cb), notified);

  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  for (guint i = 0; i < n; i++)
    {
      guint32 uid = tern_message_list_get_uid (list, i);

      g_array_append_val (before, uid);
    }

  /* The cache changes: 10 removed, 13 marked read, 20 new messages. */
  removed_sql = uid_list (is_removed, 5000, removed);
  changed_sql = uid_list (is_changed, 5000, changed);
  sql =
    g_strdup_printf ("DELETE FROM messages WHERE folder_id = %" G_GINT64_FORMAT " AND uid IN (%s);"
                     "UPDATE messages SET flags = flags | 1 WHERE folder_id = %" G_GINT64_FORMAT
                     " AND uid IN (%s);",
                     fixture->folder_id, removed_sql, fixture->folder_id, changed_sql);
  run_sql (fixture, sql);
  remove_rows (fixture->rows, is_removed);
  for (guint i = 0; i < fixture->rows->len; i++)
    if (is_changed (g_array_index (fixture->rows, Row, i).uid))
      g_array_index (fixture->rows, Row, i).flags |= TERN_STORE_FLAG_SEEN;
  add_messages (fixture, 5001, 20);
  for (guint32 uid = 5001; uid <= 5020; uid++)
    g_array_append_val (added, uid);

  changes.count = 0;
  tern_message_list_apply_changes (list, (const guint32 *) (gpointer) added->data, added->len,
                                   (const guint32 *) (gpointer) removed->data, removed->len,
                                   (const guint32 *) (gpointer) changed->data, changed->len);
  g_assert_cmpuint (changes.count, ==, 0);
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 1);
  assert_order (list, fixture->rows, TERN_STORE_SORT_UNREAD, FALSE);

  /* The one range given turns the old rows into the new. */
  g_assert_cmpuint (before->len - changes.removed + changes.added, ==,
                    g_list_model_get_n_items (G_LIST_MODEL (list)));
  for (guint i = 0; i < changes.position; i++)
    g_assert_cmpuint (g_array_index (before, guint32, i), ==, tern_message_list_get_uid (list, i));
  for (guint i = changes.position + changes.removed; i < before->len; i++)
    g_assert_cmpuint (g_array_index (before, guint32, i), ==,
                      tern_message_list_get_uid (list, i - changes.removed + changes.added));

  /* The item in memory was refreshed and said so. */
  g_assert_false (tern_message_summary_get_unread (watched));
  g_assert_true (seen (notified, "unread"));
  g_assert_false (seen (notified, "subject"));
  g_signal_handlers_disconnect_by_func (watched, notify_cb, notified);

  /* Removed messages are not found. */
  g_assert_cmpuint (tern_message_list_find (list, 7), ==, TERN_MESSAGE_LIST_INVALID_POSITION);
  g_assert_cmpuint (tern_message_list_find (list, 5020), !=, TERN_MESSAGE_LIST_INVALID_POSITION);

  /* A batch that moves nothing emits nothing. */
  changes.count = 0;
  tern_message_list_apply_changes (list, NULL, 0, NULL, 0,
                                   (const guint32 *) (gpointer) changed->data, changed->len);
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 0);

  free_list (list);
}

/* The messages of every row of a threaded list. */
static guint
count_threaded (TernMessageList *list)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));
  guint total = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree guint32 *uids = NULL;
      guint n_uids;

      uids = tern_message_list_dup_thread_uids (list, i, &n_uids);
      g_assert_cmpuint (n_uids, >, 0);
      for (guint j = 0; j < n_uids; j++)
        g_assert_cmpuint (tern_message_list_find (list, uids[j]), ==, i);
      total += n_uids;
    }
  return total;
}

static void
test_pending (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GArray) pending = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GPtrArray) summaries = NULL;
  g_autoptr (TernStoreThreading) threading = NULL;
  g_autofree char *pending_sql = NULL;
  g_autofree char *sql = NULL;
  const TernStoreThreadEntry *entries;
  const guint32 asked[] = { 13, 12, 4, 99999, 12, 3, 1 };
  GAsyncResult *slot = NULL;
  Changes changes = { 0 };
  TernMessageList *list;
  guint n_entries;
  guint n_rows;

  add_messages (fixture, 1, 5000);
  pending_sql = uid_list (is_pending, 5000, pending);
  sql = g_strdup_printf ("UPDATE messages SET pending = 1 WHERE folder_id = %" G_GINT64_FORMAT
                         " AND uid IN (%s)",
                         fixture->folder_id, pending_sql);
  run_sql (fixture, sql);
  remove_rows (fixture->rows, is_pending);

  /* Every query leaves them out. */
  tern_store_list_uids_async (fixture->store, fixture->folder_id, TERN_STORE_SORT_FROM, TRUE, NULL,
                              store_result, &slot);
  result = wait_for (&slot);
  uids = tern_store_list_uids_finish (fixture->store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 4500);
  for (guint i = 0; i < uids->len; i++)
    g_assert_false (is_pending (g_array_index (uids, guint32, i)));
  g_clear_object (&result);

  tern_store_get_summaries_async (fixture->store, fixture->folder_id, asked, G_N_ELEMENTS (asked),
                                  NULL, store_result, &slot);
  result = wait_for (&slot);
  summaries = tern_store_get_summaries_finish (fixture->store, result, &error);
  g_assert_no_error (error);
  /* In the order asked, the missing and pending ones skipped. */
  g_assert_cmpuint (summaries->len, ==, 3);
  g_assert_cmpuint (((TernStoreSummary *) summaries->pdata[0])->uid, ==, 12);
  g_assert_cmpuint (((TernStoreSummary *) summaries->pdata[1])->uid, ==, 4);
  g_assert_cmpuint (((TernStoreSummary *) summaries->pdata[2])->uid, ==, 1);
  g_assert_cmpstr (((TernStoreSummary *) summaries->pdata[0])->message_id, ==, "<12@example.org>");
  g_clear_object (&result);

  tern_store_get_threading_async (fixture->store, fixture->folder_id, NULL, store_result, &slot);
  result = wait_for (&slot);
  threading = tern_store_get_threading_finish (fixture->store, result, &error);
  g_assert_no_error (error);
  entries = tern_store_threading_get_entries (threading, &n_entries);
  g_assert_cmpuint (n_entries, ==, 4500);
  for (guint i = 0; i < n_entries; i++)
    {
      g_assert_false (is_pending (entries[i].uid));
      g_assert_true (i == 0 || entries[i - 1].uid < entries[i].uid);
    }
  g_assert_cmpstr (entries[0].message_id, ==, "<1@example.org>");
  g_assert_null (entries[0].references);

  /* And the list, flat and threaded. */
  list = new_list (fixture, &changes);
  load (list);
  assert_order (list, fixture->rows, TERN_STORE_SORT_DATE, TRUE);
  g_assert_cmpuint (tern_message_list_find (list, 3), ==, TERN_MESSAGE_LIST_INVALID_POSITION);
  tern_message_list_set_threaded (list, TRUE);
  wait_idle (list);
  /* "re: budget" replies join a "Budget" thread: fewer rows, same messages. */
  n_rows = g_list_model_get_n_items (G_LIST_MODEL (list));
  g_assert_cmpuint (n_rows, <, 4500);
  g_assert_cmpuint (count_threaded (list), ==, 4500);
  g_assert_cmpuint (tern_message_list_find (list, 3), ==, TERN_MESSAGE_LIST_INVALID_POSITION);

  /* A pending move undone: the message is back. */
  g_free (sql);
  sql = g_strdup_printf ("UPDATE messages SET pending = 0 WHERE folder_id = %" G_GINT64_FORMAT
                         " AND uid = 3",
                         fixture->folder_id);
  run_sql (fixture, sql);
  changes.count = 0;
  tern_message_list_apply_changes (list, (const guint32[]){ 3 }, 1, NULL, 0, NULL, 0);
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.added - changes.removed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n_rows + 1);
  g_assert_cmpuint (count_threaded (list), ==, 4501);
  g_assert_cmpuint (tern_message_list_find (list, 3), !=, TERN_MESSAGE_LIST_INVALID_POSITION);

  free_list (list);
}

static TernStoreSummary *
chain_summary (guint32 uid,
               gint64 date,
               const char *message_id,
               const char *in_reply_to,
               const char *references,
               const char *subject)
{
  TernStoreSummary *s = tern_store_summary_new (uid);

  s->date = date;
  s->message_id = g_strdup (message_id);
  s->in_reply_to = g_strdup (in_reply_to);
  s->references = g_strdup (references);
  s->subject = g_strdup (subject);
  s->from_name = g_strdup_printf ("Sender %u", uid);
  s->size = 1000 - uid;
  return s;
}

static void
assert_rows (TernMessageList *list, const guint32 *uids, guint n)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (tern_message_list_get_uid (list, i), ==, uids[i]);
}

static void
test_threaded (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) summaries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);
  g_autoptr (TernMessageSummary) root = NULL;
  g_autoptr (TernMessageSummary) lunch = NULL;
  g_autofree guint32 *members = NULL;
  Changes changes = { 0 };
  TernMessageList *list;
  guint n_members;

  /* Plan: 1 ← 2 ← 3; Lunch: 4 ← 5; Solo: 6. */
  g_ptr_array_add (summaries, chain_summary (1, 100, "<a@x>", NULL, NULL, "Plan"));
  g_ptr_array_add (summaries, chain_summary (2, 200, "<b@x>", "<a@x>", "<a@x>", "Re: Plan"));
  g_ptr_array_add (summaries, chain_summary (3, 500, "<c@x>", "<b@x>", "<a@x> <b@x>", "Re: Plan"));
  g_ptr_array_add (summaries, chain_summary (4, 300, "<d@x>", NULL, NULL, "Lunch"));
  g_ptr_array_add (summaries, chain_summary (5, 400, "<e@x>", "<d@x>", "<d@x>", "Re: Lunch"));
  g_ptr_array_add (summaries, chain_summary (6, 350, "<f@x>", NULL, NULL, "Solo"));
  store_summaries (fixture, summaries);

  list = new_list (fixture, &changes);
  load (list);
  assert_rows (list, (const guint32[]){ 3, 5, 6, 4, 2, 1 }, 6);

  root = g_list_model_get_item (G_LIST_MODEL (list), 5);
  g_assert_cmpuint (tern_message_summary_get_thread_id (root), ==, 0);

  changes.count = 0;
  tern_message_list_set_threaded (list, TRUE);
  g_assert_true (tern_message_list_get_threaded (list));
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 6);
  g_assert_cmpuint (changes.added, ==, 3);
  /* By each thread's newest message. */
  assert_rows (list, (const guint32[]){ 1, 4, 6 }, 3);

  /* Items in memory got their thread; a thread's messages share it. */
  g_assert_cmpuint (tern_message_summary_get_thread_id (root), >, 0);
  lunch = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpuint (tern_message_summary_get_uid (lunch), ==, 4);
  g_assert_cmpuint (tern_message_summary_get_thread_id (lunch), >, 0);
  g_assert_cmpuint (tern_message_summary_get_thread_id (lunch), !=,
                    tern_message_summary_get_thread_id (root));
  g_assert_cmpuint (tern_message_list_find (list, 3), ==, 0);
  g_assert_cmpuint (tern_message_list_find (list, 5), ==, 1);
  members = tern_message_list_dup_thread_uids (list, 0, &n_members);
  g_assert_cmpuint (n_members, ==, 3);
  g_assert_cmpuint (members[0], ==, 1);
  g_assert_cmpuint (members[1], ==, 2);
  g_assert_cmpuint (members[2], ==, 3);

  tern_message_list_set_sort (list, TERN_STORE_SORT_DATE, FALSE);
  wait_idle (list);
  assert_rows (list, (const guint32[]){ 6, 4, 1 }, 3);

  /* Other sorts: by the row message's own key. */
  tern_message_list_set_sort (list, TERN_STORE_SORT_SUBJECT, FALSE);
  wait_idle (list);
  assert_rows (list, (const guint32[]){ 4, 1, 6 }, 3);
  tern_message_list_set_sort (list, TERN_STORE_SORT_SIZE, TRUE);
  wait_idle (list);
  assert_rows (list, (const guint32[]){ 1, 4, 6 }, 3);

  /* A new reply brings its thread to the top. */
  tern_message_list_set_sort (list, TERN_STORE_SORT_DATE, TRUE);
  wait_idle (list);
  g_ptr_array_set_size (summaries, 0);
  g_ptr_array_add (summaries, chain_summary (7, 600, "<g@x>", "<e@x>", "<d@x> <e@x>", "Re: Lunch"));
  store_summaries (fixture, summaries);
  changes.count = 0;
  tern_message_list_apply_changes (list, (const guint32[]){ 7 }, 1, NULL, 0, NULL, 0);
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 1);
  assert_rows (list, (const guint32[]){ 4, 1, 6 }, 3);
  g_assert_cmpuint (tern_message_list_find (list, 7), ==, 0);

  changes.count = 0;
  tern_message_list_set_threaded (list, FALSE);
  wait_idle (list);
  g_assert_cmpuint (changes.count, ==, 1);
  assert_rows (list, (const guint32[]){ 7, 3, 5, 6, 4, 2, 1 }, 7);
  g_assert_cmpuint (tern_message_summary_get_thread_id (root), ==, 0);

  free_list (list);
}

static void
test_100000 (Fixture *fixture, gconstpointer data)
{
  g_autoptr (TernMessageSummary) item = NULL;
  Changes changes = { 0 };
  TernMessageList *list;
  gint64 start;

  for (guint32 first = 1; first <= 100000; first += 25000)
    add_messages (fixture, first, 25000);

  list = new_list (fixture, &changes);
  start = g_get_monotonic_time ();
  load (list);
  /* Informative only: timings are bench/'s business. */
  g_test_message ("loaded 100000 UIDs in %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 100000);
  tern_message_list_set_sort (list, TERN_STORE_SORT_FROM, FALSE);
  wait_idle (list);
  assert_order (list, fixture->rows, TERN_STORE_SORT_FROM, FALSE);

  item = g_list_model_get_item (G_LIST_MODEL (list), 99999);
  while (!tern_message_summary_get_loaded (item))
    g_main_context_iteration (NULL, TRUE);

  start = g_get_monotonic_time ();
  tern_message_list_set_threaded (list, TRUE);
  wait_idle (list);
  g_test_message ("threaded 100000 messages in %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), >, 0);
  g_assert_cmpuint (tern_message_summary_get_thread_id (item), >, 0);

  free_list (list);
}

static void
notify_count_cb (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

/* Sorting at scale: the server's order of a folder whose cache holds only
 * its newest 100 of 300 messages. Rows not cached stay placeholders (and
 * are not asked for again and again); headers the sync stores later fill
 * them in place, without items-changed; new mail comes first, an expunge
 * goes, each as one items-changed; the next refresh is the cache's order. */
static void
test_server_order (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GArray) added = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  Changes changes = { 0 };
  guint server_notified = 0;
  TernMessageList *list;
  guint32 fresh = 301;
  guint32 expunged;
  gboolean all_loaded;

  add_messages (fixture, 201, 100);
  list = new_list (fixture, &changes);
  g_signal_connect (list, "notify::server-order", G_CALLBACK (notify_count_cb), &server_notified);
  load (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 100);
  g_assert_false (tern_message_list_get_server_order (list));

  /* Some order of the whole folder, as a server would sort it. */
  for (guint32 uid = 1; uid <= 300; uid++)
    g_array_append_val (order, uid);
  for (guint i = order->len - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i + 1);
      guint32 tmp = g_array_index (order, guint32, i);

      g_array_index (order, guint32, i) = g_array_index (order, guint32, j);
      g_array_index (order, guint32, j) = tmp;
    }

  changes.count = 0;
  tern_message_list_set_server_order (list, (const guint32 *) (gpointer) order->data, order->len);
  g_assert_true (tern_message_list_get_server_order (list));
  g_assert_cmpuint (server_notified, ==, 1);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 100);
  g_assert_cmpuint (changes.added, ==, 300);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 300);
  for (guint i = 0; i < 300; i++)
    {
      g_assert_cmpuint (tern_message_list_get_uid (list, i), ==, g_array_index (order, guint32, i));
      g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (list), i));
    }

  /* The cached rows load; the others stay placeholders. */
  do
    {
      all_loaded = TRUE;
      for (guint i = 0; i < 300; i++)
        if (g_array_index (order, guint32, i) > 200 &&
            !tern_message_summary_get_loaded (items->pdata[i]))
          all_loaded = FALSE;
      if (!all_loaded)
        g_main_context_iteration (NULL, TRUE);
    }
  while (!all_loaded);
  for (guint i = 0; i < 300; i++)
    if (g_array_index (order, guint32, i) <= 200)
      {
        g_autoptr (TernMessageSummary) again = g_list_model_get_item (G_LIST_MODEL (list), i);

        g_assert_true (again == items->pdata[i]);
        g_assert_false (tern_message_summary_get_loaded (items->pdata[i]));
        g_assert_null (tern_message_summary_get_subject (items->pdata[i]));
      }

  /* The sync stores 101…200: they fill in where they are. */
  add_messages (fixture, 101, 100);
  for (guint32 uid = 101; uid <= 200; uid++)
    g_array_append_val (added, uid);
  changes.count = 0;
  tern_message_list_apply_changes (list, (const guint32 *) (gpointer) added->data, added->len, NULL,
                                   0, NULL, 0);
  do
    {
      all_loaded = TRUE;
      for (guint i = 0; i < 300; i++)
        if (g_array_index (order, guint32, i) > 100 &&
            !tern_message_summary_get_loaded (items->pdata[i]))
          all_loaded = FALSE;
      if (!all_loaded)
        g_main_context_iteration (NULL, TRUE);
    }
  while (!all_loaded);
  g_assert_cmpuint (changes.count, ==, 0);
  g_assert_true (tern_message_list_get_server_order (list));
  for (guint i = 0; i < 300; i++)
    {
      guint32 uid = g_array_index (order, guint32, i);

      g_assert_cmpuint (tern_message_list_get_uid (list, i), ==, uid);
      g_assert_true (tern_message_summary_get_loaded (items->pdata[i]) == (uid > 100));
      if (uid > 100)
        g_assert_cmpstr (tern_message_summary_get_subject (items->pdata[i]), ==,
                         subjects[(uid * 13) % G_N_ELEMENTS (subjects)]);
    }

  /* New mail the server's order does not know: first, as the list is
   * descending. Then an expunge: that row goes. One items-changed each. */
  add_messages (fixture, fresh, 1);
  tern_message_list_apply_changes (list, &fresh, 1, NULL, 0, NULL, 0);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (tern_message_list_get_uid (list, 0), ==, fresh);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 301);

  expunged = g_array_index (order, guint32, 10);
  tern_message_list_apply_changes (list, NULL, 0, &expunged, 1, NULL, 0);
  g_assert_cmpuint (changes.count, ==, 2);
  g_assert_cmpuint (changes.position, ==, 11);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 300);
  g_assert_cmpuint (tern_message_list_find (list, expunged), ==,
                    TERN_MESSAGE_LIST_INVALID_POSITION);
  g_assert_cmpuint (tern_message_list_get_uid (list, 11), ==, g_array_index (order, guint32, 11));

  /* The next refresh (no session here) is the cache's order. */
  tern_message_list_set_sort (list, TERN_STORE_SORT_UID, FALSE);
  wait_idle (list);
  g_assert_false (tern_message_list_get_server_order (list));
  g_assert_cmpuint (server_notified, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 201);
  g_assert_cmpuint (tern_message_list_get_uid (list, 0), ==, 101);

  free_list (list);
}

/* Preload: once it completes, the first rows are filled in, with no more
 * turns of the main loop; the rows after them are not. */
static void
test_preload (Fixture *fixture, gconstpointer data)
{
  g_autoptr (TernMessageList) list = NULL;
  Changes changes = { 0 };

  add_messages (fixture, 1, 3000);
  list = new_list (fixture, &changes);
  tern_message_list_set_sort (list, TERN_STORE_SORT_UID, TRUE);
  load (list);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GError) error = NULL;
      GAsyncResult *slot = NULL;

      /* The second round has them all already: it completes all the same. */
      tern_message_list_preload_async (list, 64, store_result, &slot);
      result = wait_for (&slot);
      g_assert_true (tern_message_list_preload_finish (list, result, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < 64; i++)
        {
          g_autoptr (TernMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (list), i);

          g_assert_true (tern_message_summary_get_loaded (item));
          g_assert_cmpuint (tern_message_summary_get_uid (item), ==, 3000 - i);
        }
    }
  {
    g_autoptr (TernMessageSummary) after = g_list_model_get_item (G_LIST_MODEL (list), 200);

    g_assert_false (tern_message_summary_get_loaded (after));
  }
}

/* Read-ahead */

static GArray *
list_uids (Fixture *fixture, TernStoreSort sort, gboolean descending)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  GArray *uids;

  tern_store_list_uids_async (fixture->store, fixture->folder_id, sort, descending, NULL,
                              store_result, &slot);
  result = wait_for (&slot);
  uids = tern_store_list_uids_finish (fixture->store, result, &error);
  g_assert_no_error (error);
  return uids;
}

static void
assert_same_uids (GArray *a, GArray *b)
{
  g_assert_cmpmem (a->data, a->len * sizeof (guint32), b->data, b->len * sizeof (guint32));
}

/* tern_store_prefetch_uids() answers the next list_uids only when it is the
 * same question and nothing was written since, by this connection or by
 * another process's. */
static void
test_prefetch (Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "cache.db", NULL);
  g_autoptr (GArray) by_date = NULL;
  g_autoptr (GArray) uids = NULL;
  sqlite3 *other = NULL;
  guint32 oldest;

  add_messages (fixture, 1, 500);
  by_date = list_uids (fixture, TERN_STORE_SORT_DATE, TRUE);
  g_assert_cmpuint (by_date->len, ==, 500);

  /* The same question: the same answer. */
  tern_store_prefetch_uids (fixture->store, "INBOX", TERN_STORE_SORT_DATE, TRUE);
  uids = list_uids (fixture, TERN_STORE_SORT_DATE, TRUE);
  assert_same_uids (uids, by_date);
  g_clear_pointer (&uids, g_array_unref);

  /* Another order asked for than was read ahead. */
  tern_store_prefetch_uids (fixture->store, "INBOX", TERN_STORE_SORT_DATE, TRUE);
  uids = list_uids (fixture, TERN_STORE_SORT_DATE, FALSE);
  for (guint i = 0; i < uids->len; i++)
    g_assert_cmpuint (g_array_index (uids, guint32, i), ==,
                      g_array_index (by_date, guint32, by_date->len - 1 - i));
  g_clear_pointer (&uids, g_array_unref);

  /* Written by this connection in between: the oldest becomes the newest. */
  oldest = g_array_index (by_date, guint32, by_date->len - 1);
  tern_store_prefetch_uids (fixture->store, "INBOX", TERN_STORE_SORT_DATE, TRUE);
  {
    g_autofree char *sql =
      g_strdup_printf ("UPDATE messages SET date = 2000000000 WHERE uid = %u", oldest);

    run_sql (fixture, sql);
  }
  uids = list_uids (fixture, TERN_STORE_SORT_DATE, TRUE);
  g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, oldest);
  g_clear_pointer (&uids, g_array_unref);

  /* Written by another connection (tern-cli) in between. */
  by_date = (g_array_unref (by_date), list_uids (fixture, TERN_STORE_SORT_DATE, TRUE));
  tern_store_prefetch_uids (fixture->store, "INBOX", TERN_STORE_SORT_DATE, TRUE);
  /* Queued behind the read-ahead: it has run once this is answered. */
  run_sql (fixture, "SELECT 1");
  g_assert_cmpint (sqlite3_open (path, &other), ==, SQLITE_OK);
  sqlite3_busy_timeout (other, 5000);
  g_assert_cmpint (sqlite3_exec (other, "UPDATE messages SET date = 1 WHERE date = 2000000000",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (other);
  uids = list_uids (fixture, TERN_STORE_SORT_DATE, TRUE);
  g_assert_cmpuint (g_array_index (uids, guint32, uids->len - 1), ==, oldest);
  g_assert_cmpuint (g_array_index (by_date, guint32, 0), ==, oldest);
  g_clear_pointer (&uids, g_array_unref);

  /* A folder the cache does not have: nothing read ahead, nothing wrong. */
  tern_store_prefetch_uids (fixture->store, "Nowhere", TERN_STORE_SORT_DATE, TRUE);
  uids = list_uids (fixture, TERN_STORE_SORT_DATE, TRUE);
  g_assert_cmpuint (uids->len, ==, 500);
  g_assert_cmpuint (g_array_index (uids, guint32, uids->len - 1), ==, oldest);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/model/message-list/preload", Fixture, NULL, fixture_set_up, test_preload,
              fixture_tear_down);
  g_test_add ("/model/message-list/prefetch", Fixture, NULL, fixture_set_up, test_prefetch,
              fixture_tear_down);
  g_test_add ("/model/message-list/sort", Fixture, NULL, fixture_set_up, test_sort,
              fixture_tear_down);
  g_test_add ("/model/message-list/lazy-items", Fixture, NULL, fixture_set_up, test_lazy,
              fixture_tear_down);
  g_test_add ("/model/message-list/apply-changes", Fixture, NULL, fixture_set_up, test_changes,
              fixture_tear_down);
  g_test_add ("/model/message-list/pending-hidden", Fixture, NULL, fixture_set_up, test_pending,
              fixture_tear_down);
  g_test_add ("/model/message-list/threaded", Fixture, NULL, fixture_set_up, test_threaded,
              fixture_tear_down);
  g_test_add ("/model/message-list/load-100000", Fixture, NULL, fixture_set_up, test_100000,
              fixture_tear_down);
  g_test_add ("/model/message-list/server-order", Fixture, NULL, fixture_set_up, test_server_order,
              fixture_tear_down);

  return g_test_run ();
}
