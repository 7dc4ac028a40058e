/* test-folder-tree.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/model/tern-folder-tree.c and what it adds to TernFolder
 * (tern-folder.c): the order of every level, children for GtkTreeListModel,
 * synthetic parents, counts from the cache, reloads that keep the objects of
 * unchanged paths and emit one items-changed per changed list, and the
 * folder's sync state. Each test has a store in a temporary directory. */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "model/tern-folder-private.h"
#include "model/tern-folder-tree.h"
#include "model/tern-folder.h"

typedef struct
{
  char *dir;
  TernStore *store;
  TernFolderTree *tree;
  guint32 next_uid;
} Fixture;

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

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

static gint64
add_folder (Fixture *fixture, const char *path, const char *delimiter, const char *role)
{
  g_autoptr (TernStoreFolder) folder = tern_store_folder_new (path);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  folder->delimiter = g_strdup (delimiter);
  folder->role = g_strdup (role);
  folder->uidvalidity = 1;
  tern_store_upsert_folder_async (fixture->store, folder, NULL, store_result, &slot);
  result = wait_for (&slot);
  id = tern_store_upsert_folder_finish (fixture->store, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static void
delete_folder (Fixture *fixture, const char *path)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_store_delete_folder_async (fixture->store, path, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_delete_folder_finish (fixture->store, result, &error));
  g_assert_no_error (error);
}

static void
rename_folder (Fixture *fixture, const char *from, const char *to)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_store_rename_folder_async (fixture->store, from, to, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_rename_folder_finish (fixture->store, result, &error));
  g_assert_no_error (error);
}

/* Adds n messages to the folder, the first n_seen of them read. */
static void
add_messages (Fixture *fixture, gint64 folder_id, guint n, guint n_seen)
{
  g_autoptr (GPtrArray) summaries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  for (guint i = 0; i < n; i++)
    {
      TernStoreSummary *s = tern_store_summary_new (fixture->next_uid++);

      s->flags = i < n_seen ? TERN_STORE_FLAG_SEEN : 0;
      s->internaldate = 1700000000 + s->uid;
      s->date = s->internaldate;
      s->subject = g_strdup_printf ("Message %u", s->uid);
      g_ptr_array_add (summaries, s);
    }
  tern_store_store_summaries_async (fixture->store, folder_id, summaries, NULL, store_result,
                                    &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_store_summaries_finish (fixture->store, result, &error));
  g_assert_no_error (error);
}

static void
reload (Fixture *fixture)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  tern_folder_tree_reload_async (fixture->tree, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_folder_tree_reload_finish (fixture->tree, result, &error));
  g_assert_no_error (error);
}

/* The paths of a list, comma-separated. */
static char *
paths_of (GListModel *model)
{
  g_autoptr (GString) paths = g_string_new (NULL);

  g_assert_true (g_list_model_get_item_type (model) == TERN_TYPE_FOLDER);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (TernFolder) folder = g_list_model_get_item (model, i);

      if (i > 0)
        g_string_append_c (paths, ',');
      g_string_append (paths, tern_folder_get_path (folder));
    }
  g_assert_null (g_list_model_get_item (model, g_list_model_get_n_items (model)));
  return g_string_free (g_steal_pointer (&paths), FALSE);
}

static void
assert_paths (GListModel *model, const char *expected)
{
  g_autofree char *paths = paths_of (model);

  g_assert_cmpstr (paths, ==, expected);
}

/* The child model of the folder at path, or NULL. */
static GListModel *
children_of (Fixture *fixture, const char *path)
{
  TernFolder *folder = tern_folder_tree_lookup (fixture->tree, path);

  g_assert_nonnull (folder);
  return tern_folder_tree_create_child_model (folder, fixture->tree);
}

static void
assert_children (Fixture *fixture, const char *path, const char *expected)
{
  g_autoptr (GListModel) children = children_of (fixture, path);

  if (expected == NULL)
    {
      g_assert_null (children);
      return;
    }
  g_assert_nonnull (children);
  assert_paths (children, expected);
}

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, GArray *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

/* Records the items-changed of model into a new array. */
static GArray *
record (GListModel *model)
{
  GArray *changes = g_array_new (FALSE, FALSE, sizeof (Change));

  g_signal_connect_data (model, "items-changed", G_CALLBACK (items_changed_cb), changes,
                         (GClosureNotify) (void (*) (void)) g_array_unref, 0);
  g_array_ref (changes); /* the caller's */
  return changes;
}

static void
assert_one_change (GArray *changes, guint position, guint removed, guint added)
{
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, Change, 0).position, ==, position);
  g_assert_cmpuint (g_array_index (changes, Change, 0).removed, ==, removed);
  g_assert_cmpuint (g_array_index (changes, Change, 0).added, ==, added);
  g_array_set_size (changes, 0);
}

static void
count_notify_cb (GObject *object, GParamSpec *pspec, GHashTable *counts)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static GHashTable *
count_notifies (gpointer object)
{
  GHashTable *counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_signal_connect (object, "notify", G_CALLBACK (count_notify_cb), counts);
  return counts;
}

static guint
notifies (GHashTable *counts, const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

/* Fixture */

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  GAsyncResult *slot = NULL;

  fixture->dir = g_dir_make_tmp ("tern-folder-tree-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "cache.db", NULL);
  fixture->store = tern_store_new_for_path (path);
  tern_store_open_async (fixture->store, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_open_finish (fixture->store, result, &error));
  g_assert_no_error (error);

  fixture->tree = tern_folder_tree_new (fixture->store);
  g_assert_true (tern_folder_tree_get_store (fixture->tree) == fixture->store);
  fixture->next_uid = 1;
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

  g_assert_finalize_object (fixture->tree);

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
}

/* Tests */

static void
test_order (Fixture *fixture, gconstpointer data)
{
  GListModel *model = G_LIST_MODEL (fixture->tree);
  g_autoptr (GArray) changes = record (model);
  gint64 inbox_id;
  TernFolder *folder;

  /* Inserted in no helpful order; names that sort alike in every locale. */
  add_folder (fixture, "Zeta", "/", NULL);
  add_folder (fixture, "Trash", "/", "trash");
  add_folder (fixture, "Receipts", "/", NULL);
  add_folder (fixture, "Junk", "/", "junk");
  add_folder (fixture, "Sent Items", "/", "sent");
  add_folder (fixture, "All Mail", "/", "all");
  add_folder (fixture, "Projects", "/", NULL);
  add_folder (fixture, "Archive", "/", "archive");
  add_folder (fixture, "Starred", "/", "flagged");
  add_folder (fixture, "Drafts", "/", "drafts");
  inbox_id = add_folder (fixture, "INBOX", "/", "inbox");

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  reload (fixture);
  assert_one_change (changes, 0, 0, 11);
  assert_paths (model, "INBOX,Drafts,Sent Items,Archive,Junk,Trash,"
                       "All Mail,Projects,Receipts,Starred,Zeta");

  folder = tern_folder_tree_lookup (fixture->tree, "INBOX");
  g_assert_nonnull (folder);
  g_assert_cmpint (tern_folder_get_role (folder), ==, TERN_FOLDER_ROLE_INBOX);
  g_assert_cmpint (tern_folder_get_store_id (folder), ==, inbox_id);
  g_assert_true (tern_folder_get_selectable (folder));
  g_assert_cmpstr (tern_folder_get_name (folder), ==, "INBOX");
  g_assert_cmpstr (tern_folder_get_delimiter (folder), ==, "/");
  g_assert_cmpint (tern_folder_get_sync_state (folder), ==, TERN_FOLDER_SYNC_STATE_IDLE);
  {
    g_autoptr (TernFolder) first = g_list_model_get_item (model, 0);

    g_assert_true (first == folder);
  }

  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Drafts")), ==,
                   TERN_FOLDER_ROLE_DRAFTS);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Sent Items")), ==,
                   TERN_FOLDER_ROLE_SENT);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Archive")), ==,
                   TERN_FOLDER_ROLE_ARCHIVE);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Junk")), ==,
                   TERN_FOLDER_ROLE_JUNK);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Trash")), ==,
                   TERN_FOLDER_ROLE_TRASH);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "All Mail")), ==,
                   TERN_FOLDER_ROLE_ALL);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Starred")), ==,
                   TERN_FOLDER_ROLE_FLAGGED);
  g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Zeta")), ==,
                   TERN_FOLDER_ROLE_NONE);
  g_assert_null (tern_folder_tree_lookup (fixture->tree, "Nowhere"));
  /* Flat folders have no children. */
  assert_children (fixture, "INBOX", NULL);
  assert_children (fixture, "Zeta", NULL);
}

static void
test_children (Fixture *fixture, gconstpointer data)
{
  GListModel *model = G_LIST_MODEL (fixture->tree);

  add_folder (fixture, "INBOX", ".", "inbox");
  add_folder (fixture, "INBOX.Lists", ".", NULL);
  add_folder (fixture, "INBOX.Drafts", ".", "drafts");
  add_folder (fixture, "Projects", "/", NULL);
  add_folder (fixture,
              "Projects/\xc3\x9c"
              "berpr\xc3\xbc"
              "fung",
              "/", NULL);
  add_folder (fixture, "Projects/Alpha", "/", NULL);
  add_folder (fixture, "Projects/Alpha/Deep", "/", NULL);
  add_folder (fixture, "Projects/Sent", "/", "sent");
  /* No hierarchy: the delimiter is not in the path. */
  add_folder (fixture, "Zflat/b", NULL, NULL);
  reload (fixture);

  assert_paths (model, "INBOX,Projects,Zflat/b");
  /* Every level has the same order: special folders first. */
  assert_children (fixture, "INBOX", "INBOX.Drafts,INBOX.Lists");
  assert_children (fixture, "Projects",
                   "Projects/Sent,Projects/Alpha,Projects/\xc3\x9c"
                   "berpr\xc3\xbc"
                   "fung");
  assert_children (fixture, "Projects/Alpha", "Projects/Alpha/Deep");
  assert_children (fixture, "Projects/Alpha/Deep", NULL);
  assert_children (fixture, "INBOX.Lists", NULL);
  assert_children (fixture, "Zflat/b", NULL);

  g_assert_cmpstr (tern_folder_get_name (tern_folder_tree_lookup (fixture->tree, "Projects/\xc3\x9c"
                                                                                 "berpr\xc3\xbc"
                                                                                 "fung")),
                   ==,
                   "\xc3\x9c"
                   "berpr\xc3\xbc"
                   "fung");
  g_assert_cmpstr (tern_folder_get_name (tern_folder_tree_lookup (fixture->tree, "Zflat/b")), ==,
                   "Zflat/b");

  /* The same child model every time, for as long as the folder stays. */
  {
    g_autoptr (GListModel) a = children_of (fixture, "Projects");
    g_autoptr (GListModel) b = children_of (fixture, "Projects");

    g_assert_true (a == b);
  }

  /* A folder that is not (or no longer) the tree's has no children. */
  {
    g_autoptr (TernStoreFolder) row = tern_store_folder_new ("Projects");
    g_autoptr (TernFolder) stranger = NULL;

    row->delimiter = g_strdup ("/");
    stranger = _tern_folder_new_from_store (row);
    g_assert_null (tern_folder_tree_create_child_model (stranger, fixture->tree));
  }
}

static void
test_synthetic (Fixture *fixture, gconstpointer data)
{
  TernFolder *lists;
  TernFolder *gnome;
  TernFolder *desktop;

  add_folder (fixture, "INBOX", "/", "inbox");
  add_folder (fixture, "Lists/GNOME/desktop", "/", NULL);
  reload (fixture);

  assert_paths (G_LIST_MODEL (fixture->tree), "INBOX,Lists");
  assert_children (fixture, "Lists", "Lists/GNOME");
  assert_children (fixture, "Lists/GNOME", "Lists/GNOME/desktop");

  lists = tern_folder_tree_lookup (fixture->tree, "Lists");
  gnome = tern_folder_tree_lookup (fixture->tree, "Lists/GNOME");
  desktop = tern_folder_tree_lookup (fixture->tree, "Lists/GNOME/desktop");
  g_assert_false (tern_folder_get_selectable (lists));
  g_assert_false (tern_folder_get_selectable (gnome));
  g_assert_true (tern_folder_get_selectable (desktop));
  g_assert_cmpint (tern_folder_get_store_id (lists), ==, 0);
  g_assert_cmpint (tern_folder_get_store_id (gnome), ==, 0);
  g_assert_cmpint (tern_folder_get_store_id (desktop), >, 0);
  g_assert_cmpstr (tern_folder_get_name (gnome), ==, "GNOME");
  g_assert_cmpstr (tern_folder_get_delimiter (gnome), ==, "/");
  g_assert_cmpint (tern_folder_get_role (lists), ==, TERN_FOLDER_ROLE_NONE);

  /* Counts are not set on a synthetic parent. */
  tern_folder_tree_update_counts (fixture->tree, "Lists", 5, 5);
  g_assert_cmpuint (tern_folder_get_total (lists), ==, 0);

  /* The parent turns up in the cache: the same object, now selectable. */
  {
    g_autoptr (GArray) top = record (G_LIST_MODEL (fixture->tree));
    g_autoptr (GListModel) children = children_of (fixture, "Lists");
    g_autoptr (GArray) lists_changes = record (children);
    g_autoptr (GHashTable) counts = count_notifies (lists);
    gint64 id = add_folder (fixture, "Lists", "/", NULL);

    reload (fixture);
    g_assert_true (tern_folder_tree_lookup (fixture->tree, "Lists") == lists);
    g_assert_true (tern_folder_tree_lookup (fixture->tree, "Lists/GNOME") == gnome);
    g_assert_true (tern_folder_get_selectable (lists));
    g_assert_cmpint (tern_folder_get_store_id (lists), ==, id);
    g_assert_cmpuint (notifies (counts, "selectable"), ==, 1);
    g_assert_cmpuint (notifies (counts, "store-id"), ==, 1);
    g_assert_cmpuint (top->len, ==, 0);
    g_assert_cmpuint (lists_changes->len, ==, 0);

    /* And goes again while its children stay: synthetic again. */
    delete_folder (fixture, "Lists");
    reload (fixture);
    g_assert_true (tern_folder_tree_lookup (fixture->tree, "Lists") == lists);
    g_assert_false (tern_folder_get_selectable (lists));
    g_assert_cmpint (tern_folder_get_store_id (lists), ==, 0);
    g_assert_cmpuint (top->len, ==, 0);
    g_assert_cmpuint (lists_changes->len, ==, 0);
  }

  /* The last real folder below goes: so do the synthetic parents. */
  delete_folder (fixture, "Lists/GNOME/desktop");
  reload (fixture);
  assert_paths (G_LIST_MODEL (fixture->tree), "INBOX");
  g_assert_null (tern_folder_tree_lookup (fixture->tree, "Lists"));
  g_assert_null (tern_folder_tree_lookup (fixture->tree, "Lists/GNOME"));
}

static void
test_counts (Fixture *fixture, gconstpointer data)
{
  gint64 inbox = add_folder (fixture, "INBOX", "/", "inbox");
  gint64 sent = add_folder (fixture, "Sent", "/", "sent");
  TernFolder *folder;

  add_folder (fixture, "Empty", "/", NULL);
  add_messages (fixture, inbox, 5, 2);
  add_messages (fixture, sent, 3, 3);
  reload (fixture);

  folder = tern_folder_tree_lookup (fixture->tree, "INBOX");
  g_assert_cmpuint (tern_folder_get_total (folder), ==, 5);
  g_assert_cmpuint (tern_folder_get_unread (folder), ==, 3);
  folder = tern_folder_tree_lookup (fixture->tree, "Sent");
  g_assert_cmpuint (tern_folder_get_total (folder), ==, 3);
  g_assert_cmpuint (tern_folder_get_unread (folder), ==, 0);
  folder = tern_folder_tree_lookup (fixture->tree, "Empty");
  g_assert_cmpuint (tern_folder_get_total (folder), ==, 0);
  g_assert_cmpuint (tern_folder_get_unread (folder), ==, 0);

  /* New mail: a reload changes the properties and no list. */
  {
    g_autoptr (GArray) changes = record (G_LIST_MODEL (fixture->tree));
    TernFolder *inbox_folder = tern_folder_tree_lookup (fixture->tree, "INBOX");
    g_autoptr (GHashTable) counts = count_notifies (inbox_folder);

    add_messages (fixture, inbox, 2, 0);
    reload (fixture);
    g_assert_true (tern_folder_tree_lookup (fixture->tree, "INBOX") == inbox_folder);
    g_assert_cmpuint (tern_folder_get_total (inbox_folder), ==, 7);
    g_assert_cmpuint (tern_folder_get_unread (inbox_folder), ==, 5);
    g_assert_cmpuint (notifies (counts, "total"), ==, 1);
    g_assert_cmpuint (notifies (counts, "unread"), ==, 1);
    g_assert_cmpuint (notifies (counts, "role"), ==, 0);
    g_assert_cmpuint (changes->len, ==, 0);
  }
}

static void
test_reload (Fixture *fixture, gconstpointer data)
{
  GListModel *model = G_LIST_MODEL (fixture->tree);
  g_autoptr (GArray) top = NULL;
  g_autoptr (GListModel) projects = NULL;
  g_autoptr (GArray) projects_changes = NULL;
  g_autoptr (GListModel) receipts = NULL;
  TernFolder *inbox, *drafts, *projects_folder, *receipts_folder, *a, *b;
  gint64 a_id;

  add_folder (fixture, "INBOX", "/", "inbox");
  add_folder (fixture, "Drafts", "/", "drafts");
  add_folder (fixture, "Projects", "/", NULL);
  a_id = add_folder (fixture, "Projects/A", "/", NULL);
  add_folder (fixture, "Projects/B", "/", NULL);
  add_folder (fixture, "Receipts", "/", NULL);
  add_folder (fixture, "Zeta", "/", NULL);
  reload (fixture);
  assert_paths (model, "INBOX,Drafts,Projects,Receipts,Zeta");

  inbox = g_object_ref (tern_folder_tree_lookup (fixture->tree, "INBOX"));
  drafts = g_object_ref (tern_folder_tree_lookup (fixture->tree, "Drafts"));
  projects_folder = g_object_ref (tern_folder_tree_lookup (fixture->tree, "Projects"));
  receipts_folder = g_object_ref (tern_folder_tree_lookup (fixture->tree, "Receipts"));
  a = g_object_ref (tern_folder_tree_lookup (fixture->tree, "Projects/A"));
  b = g_object_ref (tern_folder_tree_lookup (fixture->tree, "Projects/B"));

  top = record (model);
  projects = children_of (fixture, "Projects");
  projects_changes = record (projects);

  /* Nothing changed: nothing emitted. */
  reload (fixture);
  g_assert_cmpuint (top->len, ==, 0);
  g_assert_cmpuint (projects_changes->len, ==, 0);

  /* Added, removed and renamed at once: one items-changed per list. */
  add_folder (fixture, "Misc", "/", NULL);
  delete_folder (fixture, "Zeta");
  rename_folder (fixture, "Projects/A", "Projects/C");
  reload (fixture);
  assert_paths (model, "INBOX,Drafts,Misc,Projects,Receipts");
  assert_one_change (top, 2, 3, 3);
  assert_paths (projects, "Projects/B,Projects/C");
  assert_one_change (projects_changes, 0, 2, 2);

  g_assert_true (tern_folder_tree_lookup (fixture->tree, "INBOX") == inbox);
  g_assert_true (tern_folder_tree_lookup (fixture->tree, "Drafts") == drafts);
  g_assert_true (tern_folder_tree_lookup (fixture->tree, "Projects") == projects_folder);
  g_assert_true (tern_folder_tree_lookup (fixture->tree, "Receipts") == receipts_folder);
  g_assert_true (tern_folder_tree_lookup (fixture->tree, "Projects/B") == b);
  g_assert_null (tern_folder_tree_lookup (fixture->tree, "Zeta"));
  g_assert_null (tern_folder_tree_lookup (fixture->tree, "Projects/A"));
  /* A renamed folder is a new object; the cache kept its id. */
  g_assert_true (tern_folder_tree_lookup (fixture->tree, "Projects/C") != a);
  g_assert_cmpint (tern_folder_get_store_id (tern_folder_tree_lookup (fixture->tree, "Projects/C")),
                   ==, a_id);
  {
    g_autoptr (GListModel) again = children_of (fixture, "Projects");

    g_assert_true (again == projects);
  }

  /* A change below only: the top level stays quiet. */
  add_folder (fixture, "Projects/D", "/", NULL);
  reload (fixture);
  g_assert_cmpuint (top->len, ==, 0);
  assert_one_change (projects_changes, 2, 0, 1);
  assert_paths (projects, "Projects/B,Projects/C,Projects/D");

  /* A folder gets its first child: its row is announced again, so that a
   * GtkTreeListModel asks whether it can be expanded. */
  g_assert_null (children_of (fixture, "Receipts"));
  add_folder (fixture, "Receipts/2024", "/", NULL);
  reload (fixture);
  assert_one_change (top, 4, 1, 1);
  g_assert_cmpuint (projects_changes->len, ==, 0);
  g_assert_true (tern_folder_tree_lookup (fixture->tree, "Receipts") == receipts_folder);
  receipts = children_of (fixture, "Receipts");
  g_assert_nonnull (receipts);
  assert_paths (receipts, "Receipts/2024");

  /* … and when the last one goes. */
  {
    g_autoptr (GArray) receipts_changes = record (receipts);

    delete_folder (fixture, "Receipts/2024");
    reload (fixture);
    assert_one_change (top, 4, 1, 1);
    assert_one_change (receipts_changes, 0, 1, 0);
    g_assert_null (children_of (fixture, "Receipts"));
    g_assert_true (tern_folder_tree_lookup (fixture->tree, "Receipts") == receipts_folder);
  }

  /* A role that changes moves the folder, in one change. */
  {
    g_autoptr (TernStoreFolder) row = tern_store_folder_new ("Misc");
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) error = NULL;
    GAsyncResult *slot = NULL;

    row->delimiter = g_strdup ("/");
    row->role = g_strdup ("trash");
    row->uidvalidity = 1;
    tern_store_upsert_folder_async (fixture->store, row, NULL, store_result, &slot);
    result = wait_for (&slot);
    tern_store_upsert_folder_finish (fixture->store, result, NULL, &error);
    g_assert_no_error (error);
    reload (fixture);
    assert_paths (model, "INBOX,Drafts,Misc,Projects,Receipts");
    g_assert_cmpuint (top->len, ==, 0);
    g_assert_cmpint (tern_folder_get_role (tern_folder_tree_lookup (fixture->tree, "Misc")), ==,
                     TERN_FOLDER_ROLE_TRASH);

    add_folder (fixture, "Archive", "/", "archive");
    reload (fixture);
    assert_paths (model, "INBOX,Drafts,Archive,Misc,Projects,Receipts");
    assert_one_change (top, 2, 0, 1);
  }

  /* Everything goes. */
  delete_folder (fixture, "INBOX");
  delete_folder (fixture, "Drafts");
  delete_folder (fixture, "Archive");
  delete_folder (fixture, "Misc");
  delete_folder (fixture, "Projects");
  delete_folder (fixture, "Projects/B");
  delete_folder (fixture, "Projects/C");
  delete_folder (fixture, "Projects/D");
  delete_folder (fixture, "Receipts");
  reload (fixture);
  assert_paths (model, "");
  assert_one_change (top, 0, 6, 0);

  g_object_unref (inbox);
  g_object_unref (drafts);
  g_object_unref (projects_folder);
  g_object_unref (receipts_folder);
  g_object_unref (a);
  g_object_unref (b);
}

/* Two reloads in flight: the older is dropped, the newer applied once. */
static void
test_overtaken (Fixture *fixture, gconstpointer data)
{
  GListModel *model = G_LIST_MODEL (fixture->tree);
  g_autoptr (GArray) changes = record (model);
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GAsyncResult) second = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *first_slot = NULL;
  GAsyncResult *second_slot = NULL;

  add_folder (fixture, "INBOX", "/", "inbox");
  add_folder (fixture, "Sent", "/", "sent");
  tern_folder_tree_reload_async (fixture->tree, NULL, store_result, &first_slot);
  tern_folder_tree_reload_async (fixture->tree, NULL, store_result, &second_slot);
  first = wait_for (&first_slot);
  second = wait_for (&second_slot);
  g_assert_true (tern_folder_tree_reload_finish (fixture->tree, first, &error));
  g_assert_no_error (error);
  g_assert_true (tern_folder_tree_reload_finish (fixture->tree, second, &error));
  g_assert_no_error (error);

  assert_one_change (changes, 0, 0, 2);
  assert_paths (model, "INBOX,Sent");
}

static void
test_cancelled (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;

  add_folder (fixture, "INBOX", "/", "inbox");
  g_cancellable_cancel (cancellable);
  tern_folder_tree_reload_async (fixture->tree, cancellable, store_result, &slot);
  result = wait_for (&slot);
  g_assert_false (tern_folder_tree_reload_finish (fixture->tree, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->tree)), ==, 0);
}

static void
test_update_counts (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GArray) changes = NULL;
  g_autoptr (GHashTable) counts = NULL;
  TernFolder *inbox;

  add_folder (fixture, "INBOX", "/", "inbox");
  add_folder (fixture, "Archive", "/", "archive");
  reload (fixture);
  changes = record (G_LIST_MODEL (fixture->tree));
  inbox = tern_folder_tree_lookup (fixture->tree, "INBOX");
  counts = count_notifies (inbox);

  tern_folder_tree_update_counts (fixture->tree, "INBOX", 10, 4);
  g_assert_cmpuint (tern_folder_get_total (inbox), ==, 10);
  g_assert_cmpuint (tern_folder_get_unread (inbox), ==, 4);
  g_assert_cmpuint (notifies (counts, "total"), ==, 1);
  g_assert_cmpuint (notifies (counts, "unread"), ==, 1);

  /* The same again: no notification. */
  tern_folder_tree_update_counts (fixture->tree, "INBOX", 10, 4);
  g_assert_cmpuint (notifies (counts, "total"), ==, 1);
  g_assert_cmpuint (notifies (counts, "unread"), ==, 1);

  /* Only what changed is notified. */
  tern_folder_tree_update_counts (fixture->tree, "INBOX", 10, 3);
  g_assert_cmpuint (notifies (counts, "total"), ==, 1);
  g_assert_cmpuint (notifies (counts, "unread"), ==, 2);

  /* An unknown path is ignored; lists never change for counts. */
  tern_folder_tree_update_counts (fixture->tree, "Nowhere", 1, 1);
  g_assert_cmpuint (changes->len, ==, 0);
}

/* TernFolder additions */

static void
test_folder_from_store (void)
{
  static const struct
  {
    const char *path;
    const char *role;
    TernFolderRole expected;
  } cases[] = {
    { "INBOX", "inbox", TERN_FOLDER_ROLE_INBOX }, { "INBOX", NULL, TERN_FOLDER_ROLE_INBOX },
    { "Inbox", NULL, TERN_FOLDER_ROLE_INBOX },    { "T", "trash", TERN_FOLDER_ROLE_TRASH },
    { "A", "archive", TERN_FOLDER_ROLE_ARCHIVE }, { "S", "sent", TERN_FOLDER_ROLE_SENT },
    { "D", "drafts", TERN_FOLDER_ROLE_DRAFTS },   { "J", "junk", TERN_FOLDER_ROLE_JUNK },
    { "All", "all", TERN_FOLDER_ROLE_ALL },       { "F", "flagged", TERN_FOLDER_ROLE_FLAGGED },
    { "X", NULL, TERN_FOLDER_ROLE_NONE },         { "Y", "", TERN_FOLDER_ROLE_NONE },
    { "Z", "bogus", TERN_FOLDER_ROLE_NONE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernStoreFolder) row = tern_store_folder_new (cases[i].path);
      g_autoptr (TernFolder) folder = NULL;

      row->id = 40 + i;
      row->role = g_strdup (cases[i].role);
      folder = _tern_folder_new_from_store (row);
      g_assert_cmpint (tern_folder_get_role (folder), ==, cases[i].expected);
      g_assert_cmpint (tern_folder_get_store_id (folder), ==, 40 + i);
      g_assert_cmpstr (tern_folder_get_path (folder), ==, cases[i].path);
      g_assert_null (tern_folder_get_delimiter (folder));
      g_assert_true (tern_folder_get_selectable (folder));
    }

  {
    g_autoptr (TernStoreFolder) row = tern_store_folder_new ("Lists.GNOME");
    g_autoptr (TernFolder) folder = NULL;

    row->delimiter = g_strdup (".");
    folder = _tern_folder_new_from_store (row);
    g_assert_cmpstr (tern_folder_get_name (folder), ==, "GNOME");
    g_assert_cmpstr (tern_folder_get_delimiter (folder), ==, ".");
    g_assert_cmpstr (_tern_folder_get_wire_name (folder), ==, "Lists.GNOME");
  }
}

static void
test_folder_sync_state (void)
{
  g_autoptr (TernFolder) folder = _tern_folder_new ("INBOX", "/", "INBOX");
  g_autoptr (GHashTable) counts = count_notifies (folder);
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Timed out");
  TernFolderSyncState state;
  guint64 done, total;

  g_assert_cmpint (tern_folder_get_sync_state (folder), ==, TERN_FOLDER_SYNC_STATE_IDLE);
  g_assert_null (tern_folder_get_sync_error (folder));

  _tern_folder_set_sync_state (folder, TERN_FOLDER_SYNC_STATE_IDLE);
  g_assert_cmpuint (notifies (counts, "sync-state"), ==, 0);

  _tern_folder_set_sync_state (folder, TERN_FOLDER_SYNC_STATE_SYNCING);
  _tern_folder_set_sync_state (folder, TERN_FOLDER_SYNC_STATE_SYNCING);
  g_assert_cmpuint (notifies (counts, "sync-state"), ==, 1);
  g_object_get (folder, "sync-state", &state, NULL);
  g_assert_cmpint (state, ==, TERN_FOLDER_SYNC_STATE_SYNCING);

  _tern_folder_set_sync_progress (folder, 0, 100000);
  _tern_folder_set_sync_progress (folder, 500, 100000);
  _tern_folder_set_sync_progress (folder, 500, 100000);
  g_assert_cmpuint (notifies (counts, "sync-done"), ==, 1);
  g_assert_cmpuint (notifies (counts, "sync-total"), ==, 1);
  g_object_get (folder, "sync-done", &done, "sync-total", &total, NULL);
  g_assert_cmpuint (done, ==, 500);
  g_assert_cmpuint (total, ==, 100000);
  g_assert_cmpuint (tern_folder_get_sync_done (folder), ==, 500);
  g_assert_cmpuint (tern_folder_get_sync_total (folder), ==, 100000);

  _tern_folder_set_sync_error (folder, error);
  _tern_folder_set_sync_error (folder, error);
  g_assert_cmpint (tern_folder_get_sync_state (folder), ==, TERN_FOLDER_SYNC_STATE_ERROR);
  g_assert_error (tern_folder_get_sync_error (folder), G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpuint (notifies (counts, "sync-state"), ==, 2);
  g_assert_cmpuint (notifies (counts, "sync-error"), ==, 1);

  _tern_folder_set_sync_state (folder, TERN_FOLDER_SYNC_STATE_IDLE);
  g_assert_null (tern_folder_get_sync_error (folder));
  g_assert_cmpuint (notifies (counts, "sync-state"), ==, 3);
  g_assert_cmpuint (notifies (counts, "sync-error"), ==, 2);

  _tern_folder_set_total (folder, 3);
  _tern_folder_set_total (folder, 3);
  _tern_folder_set_unread (folder, 1);
  _tern_folder_set_unread (folder, 1);
  g_assert_cmpuint (notifies (counts, "total"), ==, 1);
  g_assert_cmpuint (notifies (counts, "unread"), ==, 1);

  g_assert_true (g_type_is_a (TERN_TYPE_FOLDER_SYNC_STATE, G_TYPE_ENUM));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                                            \
  g_test_add ("/model/folder-tree/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("order", test_order);
  ADD ("children", test_children);
  ADD ("synthetic", test_synthetic);
  ADD ("counts", test_counts);
  ADD ("reload", test_reload);
  ADD ("overtaken", test_overtaken);
  ADD ("cancelled", test_cancelled);
  ADD ("update-counts", test_update_counts);
#undef ADD
  g_test_add_func ("/model/folder/from-store", test_folder_from_store);
  g_test_add_func ("/model/folder/sync-state", test_folder_sync_state);

  return g_test_run ();
}
