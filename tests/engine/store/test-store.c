/* test-store.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/store/tern-store.c and tern-store-migrations.c: schema
 * upgrades from every version, round-trips, a 100 000-summary batch, damaged
 * databases with the operations queue salvaged, UIDVALIDITY isolation, the
 * atomic cache change + queued op, full disk, and the threading contract.
 * Runs in the private XDG homes of tests/harness/tern-test-env. */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "store/tern-store-private.h"

static GThread *main_thread;

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  /* The contract: every callback runs on the caller's thread. */
  g_assert_true (g_thread_self () == main_thread);
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

static char *
store_path (const char *account)
{
  return g_build_filename (g_get_user_data_dir (), "tern", account, "cache.db", NULL);
}

static gboolean
open_store (TernStore *store, GError **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr (GAsyncResult) result = NULL;

  tern_store_open_async (store, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tern_store_open_finish (store, result, error);
}

static void
close_store (TernStore *store)
{
  GAsyncResult *slot = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  tern_store_close_async (store, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_close_finish (store, result, &error));
  g_assert_no_error (error);
}

static TernStore *
new_open_store (const char *account)
{
  g_autoptr (GError) error = NULL;
  TernStore *store = tern_store_new (account);

  g_assert_true (open_store (store, &error));
  g_assert_no_error (error);
  g_assert_false (tern_store_get_rebuilt (store));
  return store;
}

static gint64
add_folder (TernStore *store, const char *path, guint32 uidvalidity, gboolean *out_reset)
{
  g_autoptr (TernStoreFolder) folder = tern_store_folder_new (path);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  folder->delimiter = g_strdup ("/");
  folder->uidvalidity = uidvalidity;
  folder->uidnext = 100;
  folder->highestmodseq = G_GUINT64_CONSTANT (1) << 40;
  tern_store_upsert_folder_async (store, folder, NULL, store_result, &slot);
  result = wait_for (&slot);
  id = tern_store_upsert_folder_finish (store, result, out_reset, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static TernStoreSummary *
make_summary (guint32 uid)
{
  TernStoreSummary *s = tern_store_summary_new (uid);

  s->modseq = uid * 10;
  s->flags = uid % 3 == 0 ? TERN_STORE_FLAG_SEEN : 0;
  s->internaldate = 1700000000 + uid;
  s->size = 1000 + (uid * 7919) % 50000;
  s->date = 1700000000 + (uid * 104729) % 1000000;
  s->subject = g_strdup_printf ("Subject number %u about kittiwakes", uid);
  s->from_name = g_strdup_printf ("Sender %u", uid % 97);
  s->from_addr = g_strdup_printf ("sender%u@example.org", uid % 97);
  s->to = g_strdup ("me@example.org");
  s->message_id = g_strdup_printf ("<%u@example.org>", uid);
  s->bodystructure = g_bytes_new_static ("(\"TEXT\" \"PLAIN\")", 17);
  s->preview = g_strdup ("A short preview of the text");
  return s;
}

static GPtrArray *
make_summaries (guint32 first, guint n)
{
  GPtrArray *summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (summaries, make_summary (first + i));
  return summaries;
}

static gboolean
store_summaries (TernStore *store, gint64 folder_id, GPtrArray *summaries, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  tern_store_store_summaries_async (store, folder_id, summaries, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tern_store_store_summaries_finish (store, result, error);
}

static GPtrArray *
list_summaries (TernStore *store, gint64 folder_id, TernStoreSort sort, gboolean descending)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *list;

  tern_store_list_summaries_async (store, folder_id, sort, descending, 0, 0, NULL, store_result,
                                   &slot);
  result = wait_for (&slot);
  list = tern_store_list_summaries_finish (store, result, &error);
  g_assert_no_error (error);
  return list;
}

static void
count (TernStore *store, gint64 folder_id, guint *total, guint *unread)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_store_count_async (store, folder_id, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_count_finish (store, result, total, unread, &error));
  g_assert_no_error (error);
}

static GPtrArray *
peek_ops (TernStore *store)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *ops;

  tern_store_peek_ops_async (store, 0, NULL, store_result, &slot);
  result = wait_for (&slot);
  ops = tern_store_peek_ops_finish (store, result, &error);
  g_assert_no_error (error);
  return ops;
}

static gint64
enqueue (TernStore *store, const char *type, const char *folder, const char *uids)
{
  g_autoptr (TernStoreOp) op = tern_store_op_new (type, folder, uids, "+\\Seen");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  tern_store_enqueue_op_async (store, op, NULL, store_result, &slot);
  result = wait_for (&slot);
  id = tern_store_enqueue_op_finish (store, result, &error);
  g_assert_no_error (error);
  return id;
}

static GArray *
search (TernStore *store, gint64 folder_id, const char *query, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  tern_store_search_async (store, folder_id, query, 0, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tern_store_search_finish (store, result, error);
}

static gboolean
run_sql (TernStore *store, TernStoreRunFunc func, gpointer data, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  _tern_store_run_async (store, func, data, store_result, &slot);
  result = wait_for (&slot);
  return _tern_store_run_finish (store, result, error);
}

static gboolean
exec_func (sqlite3 *db, gpointer data, GError **error)
{
  return _tern_store_exec (db, data, error);
}

static gboolean
exec_sql (TernStore *store, const char *sql, GError **error)
{
  return run_sql (store, exec_func, (gpointer) sql, error);
}

/* Migrations */

static gboolean
check_schema (sqlite3 *db, gpointer data, GError **error)
{
  static const char *const tables[] = { "folders", "messages", "parts", "message_fts", "ops" };
  guint version = 0;

  g_assert_true (_tern_store_get_user_version (db, &version, error));
  g_assert_cmpuint (version, ==, _tern_store_n_migrations);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", tables[i]);

      g_assert_true (_tern_store_exec (db, sql, error));
    }
  return TRUE;
}

static void
test_migrations (void)
{
  /* A database left at every earlier version upgrades to the latest, and
   * what it held survives. */
  for (guint from = 0; from < _tern_store_n_migrations; from++)
    {
      g_autofree char *account = g_strdup_printf ("migrate-%u", from);
      g_autofree char *path = store_path (account);
      g_autofree char *dir = g_path_get_dirname (path);
      g_autoptr (TernStore) store = NULL;
      g_autoptr (GPtrArray) ops = NULL;
      g_autoptr (GError) error = NULL;
      sqlite3 *db = NULL;

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_true (_tern_store_migrate (db, from, &error));
      g_assert_no_error (error);
      if (from >= 1)
        g_assert_true (_tern_store_exec (db,
                                         "INSERT INTO ops (type, folder, uids, created) "
                                         "VALUES ('flag', 'INBOX', '1', 1)",
                                         &error));
      sqlite3_close (db);

      store = tern_store_new (account);
      g_assert_true (open_store (store, &error));
      g_assert_no_error (error);
      g_assert_false (tern_store_get_rebuilt (store));
      g_assert_true (run_sql (store, check_schema, NULL, &error));
      ops = peek_ops (store);
      g_assert_cmpuint (ops->len, ==, from >= 1 ? 1 : 0);
    }
}

static void
test_migrations_too_new (void)
{
  g_autofree char *path = store_path ("too-new");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %u", _tern_store_n_migrations + 1);
  g_autoptr (TernStore) store = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_true (_tern_store_exec (db, sql, NULL));
  sqlite3_close (db);

  /* A newer Tern's cache is refused, not destroyed. */
  store = tern_store_new ("too-new");
  g_assert_false (open_store (store, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_VERSION);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (tern_store_get_rebuilt (store));
}

/* Round-trips */

static void
test_folders (void)
{
  g_autoptr (TernStore) store = new_open_store ("folders");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  TernStoreFolder *folder;
  gboolean reset = TRUE;
  gint64 inbox, sent;

  inbox = add_folder (store, "INBOX", 7, &reset);
  g_assert_false (reset);
  sent = add_folder (store, "Sent", 8, NULL);
  g_assert_cmpint (add_folder (store, "INBOX", 7, &reset), ==, inbox);
  g_assert_false (reset);

  tern_store_list_folders_async (store, NULL, store_result, &slot);
  result = wait_for (&slot);
  folders = tern_store_list_folders_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 2);
  folder = g_ptr_array_index (folders, 0);
  g_assert_cmpint (folder->id, ==, inbox);
  g_assert_cmpstr (folder->path, ==, "INBOX");
  g_assert_cmpstr (folder->delimiter, ==, "/");
  g_assert_cmpuint (folder->uidvalidity, ==, 7);
  g_assert_cmpuint (folder->uidnext, ==, 100);
  g_assert_cmpuint (folder->highestmodseq, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpint (((TernStoreFolder *) g_ptr_array_index (folders, 1))->id, ==, sent);
  g_clear_object (&result);

  {
    g_autoptr (GPtrArray) batch = make_summaries (1, 10);
    g_autoptr (GArray) hits = NULL;
    guint total, unread;

    g_assert_true (store_summaries (store, sent, batch, &error));
    enqueue (store, "flag", "Sent", "1");
    tern_store_delete_folder_async (store, "Sent", NULL, store_result, &slot);
    result = wait_for (&slot);
    g_assert_true (tern_store_delete_folder_finish (store, result, &error));
    g_clear_object (&result);

    /* Its messages and index rows go; the queued op stays for the synchronizer. */
    count (store, sent, &total, &unread);
    g_assert_cmpuint (total, ==, 0);
    hits = search (store, sent, "kittiwakes", &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 0);
    g_ptr_array_unref (g_steal_pointer (&folders));
    folders = peek_ops (store);
    g_assert_cmpuint (folders->len, ==, 1);
  }
  tern_store_delete_folder_async (store, "Sent", NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_false (tern_store_delete_folder_finish (store, result, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
}

static void
test_summaries (void)
{
  g_autoptr (TernStore) store = new_open_store ("summaries");
  g_autoptr (GPtrArray) batch = make_summaries (1, 50);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  const guint32 expunged[] = { 2, 4, 99 };
  const guint32 flagged[] = { 1, 3 };
  TernStoreSummary *s, *orig;
  gint64 folder = add_folder (store, "INBOX", 1, NULL);
  guint total, unread;

  g_assert_true (store_summaries (store, folder, batch, &error));
  g_assert_no_error (error);

  list = list_summaries (store, folder, TERN_STORE_SORT_UID, FALSE);
  g_assert_cmpuint (list->len, ==, 50);
  s = g_ptr_array_index (list, 9);
  orig = g_ptr_array_index (batch, 9);
  g_assert_cmpuint (s->uid, ==, 10);
  g_assert_cmpuint (s->modseq, ==, orig->modseq);
  g_assert_cmpint (s->date, ==, orig->date);
  g_assert_cmpuint (s->size, ==, orig->size);
  g_assert_cmpstr (s->subject, ==, orig->subject);
  g_assert_cmpstr (s->from_addr, ==, orig->from_addr);
  g_assert_cmpstr (s->message_id, ==, orig->message_id);
  g_assert_cmpstr (s->preview, ==, orig->preview);
  g_assert_null (s->cc);
  g_assert_true (g_bytes_equal (s->bodystructure, orig->bodystructure));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Every sort order, both directions, UID breaking ties. */
  for (TernStoreSort sort = TERN_STORE_SORT_UID; sort <= TERN_STORE_SORT_FLAGGED; sort++)
    for (int descending = 0; descending < 2; descending++)
      {
        list = list_summaries (store, folder, sort, descending);
        g_assert_cmpuint (list->len, ==, 50);
        for (guint i = 1; i < list->len; i++)
          {
            TernStoreSummary *a = g_ptr_array_index (list, descending ? i : i - 1);
            TernStoreSummary *b = g_ptr_array_index (list, descending ? i - 1 : i);
            gint64 cmp = 0;

            if (sort == TERN_STORE_SORT_DATE)
              cmp = a->date - b->date;
            else if (sort == TERN_STORE_SORT_SIZE)
              cmp = (gint64) a->size - (gint64) b->size;
            else if (sort == TERN_STORE_SORT_SUBJECT)
              cmp = g_ascii_strcasecmp (a->subject, b->subject);
            else if (sort == TERN_STORE_SORT_FROM)
              cmp = g_ascii_strcasecmp (a->from_name, b->from_name);
            else if (sort == TERN_STORE_SORT_UNREAD)
              cmp = (gint64) (a->flags & 1) - (gint64) (b->flags & 1);
            else if (sort == TERN_STORE_SORT_FLAGGED)
              cmp = (gint64) (a->flags & 4) - (gint64) (b->flags & 4);
            g_assert_cmpint (cmp, <=, 0);
            if (cmp == 0)
              g_assert_cmpuint (a->uid, <, b->uid);
          }
        g_clear_pointer (&list, g_ptr_array_unref);
      }

  count (store, folder, &total, &unread);
  g_assert_cmpuint (total, ==, 50);
  g_assert_cmpuint (unread, ==, 50 - 16);

  /* Flags without an op; then an update of the same UIDs replaces rows. */
  tern_store_update_flags_async (store, folder, flagged, G_N_ELEMENTS (flagged),
                                 TERN_STORE_FLAG_FLAGGED | TERN_STORE_FLAG_SEEN, 0, NULL, NULL,
                                 store_result, &slot);
  result = wait_for (&slot);
  g_assert_cmpint (tern_store_update_flags_finish (store, result, &error), ==, 1);
  g_clear_object (&result);
  count (store, folder, &total, &unread);
  g_assert_cmpuint (unread, ==, 50 - 17);

  tern_store_expunge_async (store, folder, expunged, G_N_ELEMENTS (expunged), NULL, store_result,
                            &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_expunge_finish (store, result, &error));
  count (store, folder, &total, &unread);
  g_assert_cmpuint (total, ==, 48);
  g_assert_cmpuint (unread, ==, 50 - 17 - 2);

  list = list_summaries (store, folder, TERN_STORE_SORT_FLAGGED, TRUE);
  g_assert_cmpuint (((TernStoreSummary *) g_ptr_array_index (list, 0))->uid, ==, 3);
  g_assert_cmpuint (((TernStoreSummary *) g_ptr_array_index (list, 1))->uid, ==, 1);
  g_assert_cmpuint (((TernStoreSummary *) g_ptr_array_index (list, 0))->flags, ==,
                    TERN_STORE_FLAG_FLAGGED | TERN_STORE_FLAG_SEEN);
}

static void
test_batch_100000 (void)
{
  g_autoptr (TernStore) store = new_open_store ("batch");
  g_autoptr (GPtrArray) batch = make_summaries (1, 100000);
  g_autoptr (GPtrArray) update = make_summaries (1, 100000);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  gint64 folder = add_folder (store, "INBOX", 1, NULL);
  gint64 start, end;
  guint total, unread;
  gboolean reset = FALSE;

  start = g_get_monotonic_time ();
  g_assert_true (store_summaries (store, folder, batch, &error));
  end = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_test_message ("insert 100000 summaries (one transaction, with FTS rows): %.3f s, %.0f rows/s",
                  (end - start) / 1e6, 100000 / ((end - start) / 1e6));

  start = g_get_monotonic_time ();
  g_assert_true (store_summaries (store, folder, update, &error));
  end = g_get_monotonic_time ();
  g_test_message ("update 100000 summaries (upsert, text unchanged): %.3f s, %.0f rows/s",
                  (end - start) / 1e6, 100000 / ((end - start) / 1e6));

  start = g_get_monotonic_time ();
  list = list_summaries (store, folder, TERN_STORE_SORT_DATE, TRUE);
  end = g_get_monotonic_time ();
  g_assert_cmpuint (list->len, ==, 100000);
  g_test_message ("list 100000 summaries by date, newest first: %.3f s", (end - start) / 1e6);

  start = g_get_monotonic_time ();
  count (store, folder, &total, &unread);
  end = g_get_monotonic_time ();
  g_assert_cmpuint (total, ==, 100000);
  g_assert_cmpuint (unread, ==, 100000 - 33333);
  g_test_message ("count total/unread of 100000: %.1f ms", (end - start) / 1e3);

  start = g_get_monotonic_time ();
  add_folder (store, "INBOX", 2, &reset);
  end = g_get_monotonic_time ();
  g_assert_true (reset);
  count (store, folder, &total, &unread);
  g_assert_cmpuint (total, ==, 0);
  g_test_message ("UIDVALIDITY reset dropping 100000 summaries: %.3f s", (end - start) / 1e6);
}

/* Damaged databases */

typedef struct
{
  gint64 page_size;
  gint64 page_count;
  gint64 ops_root;
} Layout;

static void
read_layout (const char *path, Layout *layout)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT (SELECT page_size FROM pragma_page_size), "
                                       "(SELECT page_count FROM pragma_page_count), "
                                       "(SELECT rootpage FROM sqlite_schema WHERE name = 'ops')",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  layout->page_size = sqlite3_column_int64 (stmt, 0);
  layout->page_count = sqlite3_column_int64 (stmt, 1);
  layout->ops_root = sqlite3_column_int64 (stmt, 2);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static guint
count_corrupt_files (const char *account)
{
  g_autofree char *path = store_path (account);
  g_autofree char *dir_path = g_path_get_dirname (path);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "cache.db.corrupt-") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      n++;
  return n;
}

static void
test_corrupt_salvage (void)
{
  g_autofree char *path = store_path ("corrupt");
  g_autoptr (GPtrArray) ops = NULL;
  g_autoptr (GError) error = NULL;
  TernStore *store;
  gint64 ids[3];
  Layout layout;
  FILE *file;
  guint overwritten = 0;

  store = new_open_store ("corrupt");
  {
    g_autoptr (GPtrArray) batch = make_summaries (1, 3000);
    gint64 folder = add_folder (store, "INBOX", 1, NULL);

    g_assert_true (store_summaries (store, folder, batch, &error));
  }
  ids[0] = enqueue (store, "flag", "INBOX", "1:3");
  ids[1] = enqueue (store, "move", "INBOX", "7");
  ids[2] = enqueue (store, "delete", "Archive/2025", "9,11");
  close_store (store);
  g_object_unref (store);
  /* A clean close marks the file as checked: the damage below must undo that. */
  {
    g_autofree char *mark = g_strconcat (path, ".clean", NULL);

    g_assert_true (g_file_test (mark, G_FILE_TEST_EXISTS));
  }

  /* Overwrite every page after the first quarter except the ops table's
   * root, as a bad disk might. */
  read_layout (path, &layout);
  g_assert_cmpint (layout.page_count, >, 40);
  file = fopen (path, "r+b");
  g_assert_nonnull (file);
  for (gint64 page = layout.page_count / 4; page <= layout.page_count; page++)
    {
      g_autofree char *garbage = g_malloc (layout.page_size);

      if (page == layout.ops_root || page == 1)
        continue;
      memset (garbage, 0xa5, layout.page_size);
      g_assert_cmpint (fseek (file, (page - 1) * layout.page_size, SEEK_SET), ==, 0);
      g_assert_cmpuint (fwrite (garbage, 1, layout.page_size, file), ==, layout.page_size);
      overwritten++;
    }
  fclose (file);
  g_test_message ("overwrote %u of %" G_GINT64_FORMAT " pages", overwritten, layout.page_count);

  store = tern_store_new ("corrupt");
  g_assert_true (open_store (store, &error));
  g_assert_no_error (error);
  g_assert_true (tern_store_get_rebuilt (store));
  g_assert_cmpuint (tern_store_get_salvaged_ops (store), ==, 3);
  g_assert_cmpuint (count_corrupt_files ("corrupt"), ==, 1);

  ops = peek_ops (store);
  g_assert_cmpuint (ops->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((TernStoreOp *) g_ptr_array_index (ops, i))->id, ==, ids[i]);
  g_assert_cmpstr (((TernStoreOp *) g_ptr_array_index (ops, 2))->folder, ==, "Archive/2025");
  g_assert_cmpstr (((TernStoreOp *) g_ptr_array_index (ops, 2))->uids, ==, "9,11");
  g_assert_cmpstr (((TernStoreOp *) g_ptr_array_index (ops, 1))->type, ==, "move");

  /* The fresh cache is empty but for the queue, and new ids do not reuse old ones. */
  g_assert_cmpint (enqueue (store, "flag", "INBOX", "5"), >, ids[2]);
  close_store (store);
  g_object_unref (store);

  /* A rebuilt cache opens cleanly the next time. */
  store = tern_store_new ("corrupt");
  g_assert_true (open_store (store, &error));
  g_assert_false (tern_store_get_rebuilt (store));
  g_object_unref (store);
}

static void
test_corrupt_not_sqlite (void)
{
  g_autofree char *path = store_path ("not-sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *junk = g_strnfill (8192, 'x');
  g_autoptr (TernStore) store = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, junk, -1, NULL));

  store = tern_store_new ("not-sqlite");
  g_assert_true (open_store (store, &error));
  g_assert_no_error (error);
  g_assert_true (tern_store_get_rebuilt (store));
  g_assert_cmpuint (tern_store_get_salvaged_ops (store), ==, 0);
  g_assert_cmpuint (count_corrupt_files ("not-sqlite"), ==, 1);
  g_assert_cmpint (enqueue (store, "flag", "INBOX", "1"), ==, 1);
}

static void
test_locked_not_moved (void)
{
  g_autofree char *path = store_path ("locked");
  g_autoptr (GError) error = NULL;
  TernStore *store;
  sqlite3 *db = NULL;

  store = new_open_store ("locked");
  enqueue (store, "flag", "INBOX", "1");
  close_store (store);
  g_object_unref (store);

  /* Another process holding the database is not damage: nothing is moved. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_true (_tern_store_exec (db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE", NULL));
  store = tern_store_new ("locked");
  g_assert_false (open_store (store, &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, TERN_STORE_ERROR, TERN_STORE_ERROR_CORRUPT));
  g_assert_false (tern_store_get_rebuilt (store));
  g_assert_cmpuint (count_corrupt_files ("locked"), ==, 0);
  g_clear_error (&error);
  g_assert_true (_tern_store_exec (db, "COMMIT", NULL));
  sqlite3_close (db);

  g_assert_true (open_store (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (peek_ops (store)->len, ==, 1);
  g_ptr_array_unref (peek_ops (store));
  g_object_unref (store);
}

/* UIDVALIDITY */

static void
test_uidvalidity_reset (void)
{
  g_autoptr (TernStore) store = new_open_store ("uidvalidity");
  g_autoptr (GPtrArray) batch = make_summaries (1, 20);
  g_autoptr (GArray) hits = NULL;
  g_autoptr (GError) error = NULL;
  gint64 inbox = add_folder (store, "INBOX", 100, NULL);
  gint64 other = add_folder (store, "Other", 200, NULL);
  gboolean reset = FALSE;
  guint total, unread;

  g_assert_true (store_summaries (store, inbox, batch, &error));
  g_assert_true (store_summaries (store, other, batch, &error));
  enqueue (store, "flag", "INBOX", "1");

  g_assert_cmpint (add_folder (store, "INBOX", 101, &reset), ==, inbox);
  g_assert_true (reset);

  count (store, inbox, &total, &unread);
  g_assert_cmpuint (total, ==, 0);
  count (store, other, &total, &unread);
  g_assert_cmpuint (total, ==, 20);
  hits = search (store, inbox, "kittiwakes", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_array_unref);
  hits = search (store, other, "kittiwakes", &error);
  g_assert_cmpuint (hits->len, ==, 20);

  /* The user's queued operations are the synchronizer's to judge. */
  g_assert_cmpuint (peek_ops (store)->len, ==, 1);
  g_ptr_array_unref (peek_ops (store));
}

/* Operations queue */

static void
test_ops_atomic (void)
{
  g_autoptr (TernStore) store = new_open_store ("ops");
  g_autoptr (GPtrArray) batch = make_summaries (1, 10);
  g_autoptr (TernStoreOp) op = tern_store_op_new ("flag", "INBOX", "1,2", "+\\Flagged");
  g_autoptr (GPtrArray) ops = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  const guint32 uids[] = { 1, 2 };
  const guint32 more[] = { 4, 5 };
  gint64 folder = add_folder (store, "INBOX", 1, NULL);
  gint64 op_id;

  g_assert_true (store_summaries (store, folder, batch, &error));

  tern_store_update_flags_async (store, folder, uids, 2, TERN_STORE_FLAG_FLAGGED, 0, op, NULL,
                                 store_result, &slot);
  result = wait_for (&slot);
  op_id = tern_store_update_flags_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (op_id, >, 0);
  g_clear_object (&result);

  /* Make the op insert fail after the cache UPDATE has run: both roll back. */
  g_assert_true (exec_sql (store,
                           "CREATE TEMP TRIGGER fail_ops BEFORE INSERT ON ops BEGIN "
                           "SELECT RAISE (ABORT, 'injected failure'); END",
                           &error));
  tern_store_update_flags_async (store, folder, more, 2, TERN_STORE_FLAG_FLAGGED, 0, op, NULL,
                                 store_result, &slot);
  result = wait_for (&slot);
  g_assert_cmpint (tern_store_update_flags_finish (store, result, &error), ==, 0);
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_true (exec_sql (store, "DROP TRIGGER temp.fail_ops", &error));

  list = list_summaries (store, folder, TERN_STORE_SORT_UID, FALSE);
  for (guint i = 0; i < list->len; i++)
    {
      TernStoreSummary *s = g_ptr_array_index (list, i);

      g_assert_cmpint (!!(s->flags & TERN_STORE_FLAG_FLAGGED), ==, s->uid <= 2);
    }
  ops = peek_ops (store);
  g_assert_cmpuint (ops->len, ==, 1);
  g_assert_cmpint (((TernStoreOp *) g_ptr_array_index (ops, 0))->id, ==, op_id);
  g_assert_cmpstr (((TernStoreOp *) g_ptr_array_index (ops, 0))->args, ==, "+\\Flagged");
  g_clear_pointer (&ops, g_ptr_array_unref);

  /* Peek is in order; complete removes. */
  g_assert_cmpint (enqueue (store, "move", "INBOX", "3"), >, op_id);
  tern_store_complete_op_async (store, op_id, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_complete_op_finish (store, result, &error));
  g_clear_object (&result);
  ops = peek_ops (store);
  g_assert_cmpuint (ops->len, ==, 1);
  g_assert_cmpstr (((TernStoreOp *) g_ptr_array_index (ops, 0))->type, ==, "move");

  tern_store_complete_op_async (store, op_id, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_false (tern_store_complete_op_finish (store, result, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
}

/* Full-text search */

static void
test_fts (void)
{
  g_autoptr (TernStore) store = new_open_store ("fts");
  g_autoptr (GPtrArray) batch = make_summaries (1, 30);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) hits = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 folder = add_folder (store, "INBOX", 1, NULL);

  g_assert_true (store_summaries (store, folder, batch, &error));

  tern_store_index_body_async (store, folder, 17, "The guillemots were nesting on the cliff", NULL,
                               store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_index_body_finish (store, result, &error));
  g_assert_no_error (error);

  hits = search (store, folder, "guillemots", &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpuint (g_array_index (hits, guint32, 0), ==, 17);
  g_clear_pointer (&hits, g_array_unref);

  hits = search (store, folder, "sender:sender5", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_array_unref);

  hits = search (store, folder, "subject:kittiwakes AND number", &error);
  g_assert_cmpuint (hits->len, ==, 30);
  g_clear_pointer (&hits, g_array_unref);

  /* A changed subject reaches the index through the update trigger. */
  {
    g_autoptr (GPtrArray) changed = make_summaries (5, 1);
    TernStoreSummary *s = g_ptr_array_index (changed, 0);

    g_free (s->subject);
    s->subject = g_strdup ("Puffins");
    g_assert_true (store_summaries (store, folder, changed, &error));
  }
  hits = search (store, folder, "puffins", &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpuint (g_array_index (hits, guint32, 0), ==, 5);
  g_clear_pointer (&hits, g_array_unref);
  hits = search (store, folder, "kittiwakes", &error);
  g_assert_cmpuint (hits->len, ==, 29);
  g_clear_pointer (&hits, g_array_unref);

  hits = search (store, folder, "\"unbalanced", &error);
  g_assert_null (hits);
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID);
}

/* Part cache */

static gboolean
put_part (TernStore *store,
          gint64 folder,
          guint32 uid,
          const char *section,
          gsize size,
          GError **error)
{
  g_autofree char *data = g_strnfill (size, (char) ('a' + uid % 26));
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  tern_store_put_part_async (store, folder, uid, section, bytes, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tern_store_put_part_finish (store, result, error);
}

static GBytes *
get_part (TernStore *store, gint64 folder, guint32 uid, const char *section, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  tern_store_get_part_async (store, folder, uid, section, NULL, store_result, &slot);
  result = wait_for (&slot);
  return tern_store_get_part_finish (store, result, error);
}

static void
test_parts_lru (void)
{
  g_autoptr (TernStore) store = new_open_store ("parts");
  g_autoptr (GPtrArray) batch = make_summaries (1, 5);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  const guint32 gone[] = { 4 };
  gint64 folder = add_folder (store, "INBOX", 1, NULL);

  g_assert_true (store_summaries (store, folder, batch, &error));
  for (guint32 uid = 1; uid <= 4; uid++)
    {
      g_assert_true (put_part (store, folder, uid, "1", 1000, &error));
      g_usleep (2000);
    }
  /* Not cached: refused by the foreign key. */
  g_assert_false (put_part (store, folder, 99, "1", 10, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Reading 1 makes it the most recent; trimming to 2 500 bytes keeps 1 and 4. */
  bytes = get_part (store, folder, 1, "1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 1000);
  g_assert_cmpint (((const char *) g_bytes_get_data (bytes, NULL))[999], ==, 'b');
  g_clear_pointer (&bytes, g_bytes_unref);

  tern_store_trim_parts_async (store, 2500, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_cmpint (tern_store_trim_parts_finish (store, result, &error), ==, 2);
  g_assert_no_error (error);

  for (guint32 uid = 1; uid <= 4; uid++)
    {
      bytes = get_part (store, folder, uid, "1", &error);
      if (uid == 1 || uid == 4)
        g_assert_nonnull (bytes);
      else
        {
          g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
          g_clear_error (&error);
        }
      g_clear_pointer (&bytes, g_bytes_unref);
    }

  /* An expunged message takes its parts with it. */
  g_clear_object (&result);
  tern_store_expunge_async (store, folder, gone, 1, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_expunge_finish (store, result, &error));
  g_assert_null (get_part (store, folder, 4, "1", &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND);
}

/* Errors */

static void
test_disk_full (void)
{
  g_autoptr (TernStore) store = new_open_store ("full");
  g_autoptr (GPtrArray) batch = make_summaries (1, 5000);
  g_autoptr (GError) error = NULL;
  gint64 folder = add_folder (store, "INBOX", 1, NULL);
  guint total, unread;

  /* max_page_count is SQLite's own "disk full". */
  g_assert_true (exec_sql (store, "PRAGMA max_page_count = 60", &error));
  g_assert_false (store_summaries (store, folder, batch, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_FULL);
  g_clear_error (&error);

  /* The batch rolled back entirely and the store goes on working. */
  count (store, folder, &total, &unread);
  g_assert_cmpuint (total, ==, 0);
  g_assert_cmpint (enqueue (store, "flag", "INBOX", "1"), >, 0);
}

static void
test_closed (void)
{
  g_autoptr (TernStore) store = tern_store_new ("never-opened");
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_store_count_async (store, 1, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_false (tern_store_count_finish (store, result, NULL, NULL, &error));
  g_assert_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_CLOSED);
}

/* Threading */

static gboolean
record_thread (sqlite3 *db, gpointer data, GError **error)
{
  *(GThread **) data = g_thread_self ();
  return TRUE;
}

static void
on_count_in_context (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GMainContext *expected = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (g_main_context_get_thread_default () == expected);
  g_object_set_data (object, "done", GINT_TO_POINTER (1));
  g_assert_true (tern_store_count_finish (TERN_STORE (object), result, NULL, NULL, NULL));
}

static void
test_threading (void)
{
  g_autoptr (TernStore) store = new_open_store ("threading");
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  GThread *seen = NULL;

  /* Store work runs on the store thread, never the caller's. */
  g_assert_true (run_sql (store, record_thread, &seen, &error));
  g_assert_true (seen == _tern_store_get_thread (store));
  g_assert_true (seen != main_thread);

  /* The callback runs on the context that was thread-default at the call,
   * and only when that context is iterated. */
  g_main_context_push_thread_default (context);
  tern_store_count_async (store, 1, NULL, on_count_in_context, context);
  g_main_context_pop_thread_default (context);

  g_usleep (G_USEC_PER_SEC / 10);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (g_object_get_data (G_OBJECT (store), "done"));

  g_main_context_push_thread_default (context);
  while (g_object_get_data (G_OBJECT (store), "done") == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/store/migrations/every-version", test_migrations);
  g_test_add_func ("/store/migrations/too-new", test_migrations_too_new);
  g_test_add_func ("/store/folders", test_folders);
  g_test_add_func ("/store/summaries", test_summaries);
  g_test_add_func ("/store/summaries/batch-100000", test_batch_100000);
  g_test_add_func ("/store/corrupt/salvage-ops", test_corrupt_salvage);
  g_test_add_func ("/store/corrupt/not-sqlite", test_corrupt_not_sqlite);
  g_test_add_func ("/store/corrupt/locked-is-not-damage", test_locked_not_moved);
  g_test_add_func ("/store/uidvalidity-reset", test_uidvalidity_reset);
  g_test_add_func ("/store/ops/atomic", test_ops_atomic);
  g_test_add_func ("/store/fts", test_fts);
  g_test_add_func ("/store/parts/lru", test_parts_lru);
  g_test_add_func ("/store/errors/disk-full", test_disk_full);
  g_test_add_func ("/store/errors/closed", test_closed);
  g_test_add_func ("/store/threading", test_threading);

  return g_test_run ();
}
