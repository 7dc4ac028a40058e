/* tern-folder-tree.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernFolderTree: the folders of one account as a tree for
 * GtkTreeListModel, read from the cache (DESIGN decision 5).
 *
 * The tree itself is the GListModel of the top-level folders;
 * tern_folder_tree_create_child_model() gives the model of a folder's
 * direct children, the same object for as long as the folder is in the
 * tree, so that later changes reach an expanded row. Every level is ordered
 * alike: INBOX, then Drafts, Sent, Archive, Junk and Trash, then the rest by
 * name in the user's collation.
 *
 * The hierarchy comes from each folder's path and delimiter. The cache keeps
 * only folders that hold messages, so a folder whose parent is not cached is
 * shown under a synthetic parent that cannot be selected (as IMAP's
 * \Noselect parents are).
 *
 * A reload updates in place: a path that stays keeps its TernFolder (only
 * its properties change), and each list whose rows changed emits one
 * items-changed covering the changed range. A folder whose children appear
 * or all go away is part of that range too, so that GtkTreeListModel asks
 * again whether its row can be expanded. A reload that is overtaken by a
 * newer one is dropped without changing anything.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include <string.h>

#include "tern-folder-private.h"
#include "tern-folder-tree.h"

typedef struct _Node Node;

struct _Node
{
  /* owned */
  TernFolder *folder;   /* NULL for the root */
  GListStore *children; /* of TernFolder, in the order of kids */
  GPtrArray *kids;      /* of Node */
  GPtrArray *next_kids; /* of Node: kids after the reload being applied */
  char *sort_key;

  /* borrowed */
  Node *parent;

  guint synthetic : 1;
  guint flipped : 1; /* whether it has children changes in this reload */
};

struct _TernFolderTree
{
  GObject parent_instance;

  /* owned */
  TernStore *store;
  Node *root;
  GHashTable *nodes; /* path → Node, every node but the root */

  guint generation; /* of the latest reload started */
};

static void tern_folder_tree_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TernFolderTree,
                               tern_folder_tree,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      tern_folder_tree_model_init))

enum
{
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Nodes */

static Node *
node_new (TernFolder *folder)
{
  Node *node = g_new0 (Node, 1);

  node->folder = folder;
  node->children = g_list_store_new (TERN_TYPE_FOLDER);
  node->kids = g_ptr_array_new ();

  if (folder != NULL)
    {
      const char *name = tern_folder_get_name (folder);
      g_autofree char *valid = g_utf8_make_valid (name, -1);

      node->sort_key = g_utf8_collate_key (valid, -1);
    }

  return node;
}

static void
node_free (Node *node)
{
  g_clear_object (&node->folder);
  g_clear_object (&node->children);
  g_clear_pointer (&node->kids, g_ptr_array_unref);
  g_clear_pointer (&node->next_kids, g_ptr_array_unref);
  g_clear_pointer (&node->sort_key, g_free);
  g_free (node);
}

static guint
node_depth (const Node *node)
{
  guint depth = 0;

  for (const Node *n = node->parent; n != NULL; n = n->parent)
    depth++;
  return depth;
}

static guint
role_rank (TernFolderRole role)
{
  switch (role)
    {
    case TERN_FOLDER_ROLE_INBOX:
      return 0;
    case TERN_FOLDER_ROLE_DRAFTS:
      return 1;
    case TERN_FOLDER_ROLE_SENT:
      return 2;
    case TERN_FOLDER_ROLE_ARCHIVE:
      return 3;
    case TERN_FOLDER_ROLE_JUNK:
      return 4;
    case TERN_FOLDER_ROLE_TRASH:
      return 5;
    case TERN_FOLDER_ROLE_NONE:
    case TERN_FOLDER_ROLE_ALL:
    case TERN_FOLDER_ROLE_FLAGGED:
    default:
      return 6;
    }
}

static int
compare_nodes (gconstpointer a, gconstpointer b)
{
  const Node *x = *(Node *const *) a;
  const Node *y = *(Node *const *) b;
  guint rx = role_rank (tern_folder_get_role (x->folder));
  guint ry = role_rank (tern_folder_get_role (y->folder));
  int cmp;

  if (rx != ry)
    return rx < ry ? -1 : 1;
  cmp = strcmp (x->sort_key, y->sort_key);
  if (cmp != 0)
    return cmp;
  /* Names that collate alike still get a stable order. */
  return strcmp (tern_folder_get_path (x->folder), tern_folder_get_path (y->folder));
}

/* Parents deepest first, so that a folder's children are current before its
 * own row is announced again. */
static int
compare_depth_descending (gconstpointer a, gconstpointer b)
{
  guint da = node_depth (*(Node *const *) a);
  guint db = node_depth (*(Node *const *) b);

  return da > db ? -1 : da < db ? 1 : 0;
}

/* The path one level up, or NULL at the top. */
static char *
parent_path (const char *path, const char *delimiter)
{
  const char *last;

  if (delimiter == NULL || delimiter[0] == '\0')
    return NULL;
  last = g_strrstr (path, delimiter);
  if (last == NULL || last == path)
    return NULL;
  return g_strndup (path, last - path);
}

static const char *
normalize_delimiter (const char *delimiter)
{
  return delimiter != NULL && delimiter[0] != '\0' ? delimiter : NULL;
}

/* Applying a reload */

typedef struct
{
  const char *path;
  const char *delimiter;
  const TernStoreFolder *row; /* NULL for a synthetic parent */
  guint total;
  guint unread;
} Want;

/* Replaces node's rows by next_kids with one splice of the changed range. */
static void
update_children (TernFolderTree *self, Node *node)
{
  g_autoptr (GPtrArray) next = g_steal_pointer (&node->next_kids);
  g_autoptr (GPtrArray) folders = NULL;
  GPtrArray *old = node->kids;
  guint prefix = 0;
  guint suffix = 0;
  guint removed;
  guint added;

  if (next == NULL)
    next = g_ptr_array_new ();

  while (prefix < old->len && prefix < next->len && old->pdata[prefix] == next->pdata[prefix] &&
         !((Node *) old->pdata[prefix])->flipped)
    prefix++;
  while (suffix < old->len - prefix && suffix < next->len - prefix &&
         old->pdata[old->len - 1 - suffix] == next->pdata[next->len - 1 - suffix] &&
         !((Node *) old->pdata[old->len - 1 - suffix])->flipped)
    suffix++;

  removed = old->len - prefix - suffix;
  added = next->len - prefix - suffix;

  g_ptr_array_unref (node->kids);
  node->kids = g_steal_pointer (&next);

  if (removed == 0 && added == 0)
    return;

  folders = g_ptr_array_sized_new (added);
  for (guint i = prefix; i < prefix + added; i++)
    g_ptr_array_add (folders, ((Node *) node->kids->pdata[i])->folder);
  g_list_store_splice (node->children, prefix, removed, folders->pdata, added);

  if (node == self->root)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, removed, added);
}

static void
apply (TernFolderTree *self, GPtrArray *rows, const guint *totals, const guint *unreads)
{
  g_autoptr (GArray) wants = g_array_new (FALSE, FALSE, sizeof (Want));
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) synthetic_paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  g_autoptr (GPtrArray) parents = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  /* What the tree should hold: the cached folders, then the parents that
   * are missing. wanted maps a path to its index in wants. */
  for (guint i = 0; i < rows->len; i++)
    {
      const TernStoreFolder *row = rows->pdata[i];
      Want want = { row->path, normalize_delimiter (row->delimiter), row, totals[i], unreads[i] };

      if (row->path == NULL || g_hash_table_contains (wanted, row->path))
        continue;
      g_array_append_val (wants, want);
      g_hash_table_insert (wanted, (gpointer) row->path, GUINT_TO_POINTER (wants->len));
    }
  for (guint i = 0; i < wants->len; i++)
    {
      /* wants grows inside the loop, so parents of parents are seen too. */
      Want *want = &g_array_index (wants, Want, i);
      const char *delimiter = want->delimiter;
      char *up = parent_path (want->path, delimiter);
      Want synthetic = { up, delimiter, NULL, 0, 0 };

      if (up == NULL)
        continue;
      if (g_hash_table_contains (wanted, up))
        {
          g_free (up);
          continue;
        }
      g_ptr_array_add (synthetic_paths, up);
      g_array_append_val (wants, synthetic);
      g_hash_table_insert (wanted, up, GUINT_TO_POINTER (wants->len));
    }

  /* Folders that went away, or whose delimiter changed (a new object). */
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Node *node = value;
      guint index =
        GPOINTER_TO_UINT (g_hash_table_lookup (wanted, tern_folder_get_path (node->folder)));

      if (index == 0 || g_strcmp0 (tern_folder_get_delimiter (node->folder),
                                   g_array_index (wants, Want, index - 1).delimiter) != 0)
        {
          g_hash_table_iter_steal (&iter);
          g_ptr_array_add (gone, node);
        }
    }

  /* Keep or make a node per path and bring its folder up to date. */
  for (guint i = 0; i < wants->len; i++)
    {
      const Want *want = &g_array_index (wants, Want, i);
      Node *node = g_hash_table_lookup (self->nodes, want->path);

      if (node == NULL)
        {
          TernFolder *folder;

          if (want->row != NULL)
            folder = _tern_folder_new_from_store (want->row);
          else
            folder = _tern_folder_new (want->path, want->delimiter, want->path);
          node = node_new (folder);
          g_hash_table_insert (self->nodes, (gpointer) tern_folder_get_path (folder), node);
        }

      node->synthetic = want->row == NULL;
      g_object_freeze_notify (G_OBJECT (node->folder));
      if (want->row != NULL)
        {
          _tern_folder_update_from_store (node->folder, want->row);
        }
      else
        {
          _tern_folder_set_store_id (node->folder, 0);
          _tern_folder_set_role (node->folder, TERN_FOLDER_ROLE_NONE);
          _tern_folder_set_selectable (node->folder, FALSE);
        }
      _tern_folder_set_counts (node->folder, want->total, want->unread);
      g_object_thaw_notify (G_OBJECT (node->folder));
    }

  /* The new shape. */
  g_clear_pointer (&self->root->next_kids, g_ptr_array_unref);
  self->root->next_kids = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_clear_pointer (&((Node *) value)->next_kids, g_ptr_array_unref);
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Node *node = value;
      g_autofree char *up =
        parent_path (tern_folder_get_path (node->folder), tern_folder_get_delimiter (node->folder));
      Node *parent = up != NULL ? g_hash_table_lookup (self->nodes, up) : self->root;

      g_assert (parent != NULL);
      node->parent = parent;
      if (parent->next_kids == NULL)
        parent->next_kids = g_ptr_array_new ();
      g_ptr_array_add (parent->next_kids, node);
    }

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Node *node = value;
      gboolean had = node->kids->len > 0;
      gboolean has = node->next_kids != NULL && node->next_kids->len > 0;

      node->flipped = had != has;
      if (node->next_kids != NULL)
        g_ptr_array_sort (node->next_kids, compare_nodes);
      if (had || has)
        g_ptr_array_add (parents, node);
    }
  g_ptr_array_sort (self->root->next_kids, compare_nodes);

  /* Announce: children before the rows that hold them, the top level last. */
  g_ptr_array_sort (parents, compare_depth_descending);
  for (guint i = 0; i < parents->len; i++)
    update_children (self, parents->pdata[i]);
  update_children (self, self->root);

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Node *) value)->flipped = FALSE;
}

/* Reloading */

typedef struct
{
  GPtrArray *rows; /* of TernStoreFolder */
  guint *totals;
  guint *unreads;
  guint pending;
  guint generation;
  GError *error; /* the first count that failed */
} Reload;

static void
reload_free (Reload *reload)
{
  g_clear_pointer (&reload->rows, g_ptr_array_unref);
  g_free (reload->totals);
  g_free (reload->unreads);
  g_clear_error (&reload->error);
  g_free (reload);
}

typedef struct
{
  GTask *task;
  guint index;
} CountClosure;

static void
reload_complete (GTask *task)
{
  TernFolderTree *self = g_task_get_source_object (task);
  Reload *reload = g_task_get_task_data (task);

  if (reload->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&reload->error));
      return;
    }
  if (reload->generation == self->generation)
    apply (self, reload->rows, reload->totals, reload->unreads);
  g_task_return_boolean (task, TRUE);
}

static void
count_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  CountClosure *closure = user_data;
  g_autoptr (GTask) task = g_steal_pointer (&closure->task);
  Reload *reload = g_task_get_task_data (task);
  guint index = closure->index;
  g_autoptr (GError) error = NULL;

  g_free (closure);

  if (!tern_store_count_finish (TERN_STORE (object), result, &reload->totals[index],
                                &reload->unreads[index], &error) &&
      reload->error == NULL)
    reload->error = g_steal_pointer (&error);

  g_assert (reload->pending > 0);
  if (--reload->pending == 0)
    reload_complete (task);
}

static void
list_folders_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Reload *reload = g_task_get_task_data (task);
  GError *error = NULL;

  reload->rows = tern_store_list_folders_finish (TERN_STORE (object), result, &error);
  if (reload->rows == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  reload->totals = g_new0 (guint, MAX (reload->rows->len, 1));
  reload->unreads = g_new0 (guint, MAX (reload->rows->len, 1));
  if (reload->rows->len == 0)
    {
      reload_complete (task);
      return;
    }

  /* The store runs them in order on its thread; ask for all at once. */
  reload->pending = reload->rows->len;
  for (guint i = 0; i < reload->rows->len; i++)
    {
      const TernStoreFolder *row = reload->rows->pdata[i];
      CountClosure *closure = g_new0 (CountClosure, 1);

      closure->task = g_object_ref (task);
      closure->index = i;
      tern_store_count_async (TERN_STORE (object), row->id, g_task_get_cancellable (task), count_cb,
                              closure);
    }
}

/**
 * tern_folder_tree_reload_async:
 *
 * Reads the folder list and each folder's counts from the cache and brings
 * the tree up to date with them.
 */
void
tern_folder_tree_reload_async (TernFolderTree *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Reload *reload;

  g_return_if_fail (TERN_IS_FOLDER_TREE (self));
  g_return_if_fail (self->store != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_folder_tree_reload_async);
  reload = g_new0 (Reload, 1);
  reload->generation = ++self->generation;
  g_task_set_task_data (task, reload, (GDestroyNotify) reload_free);

  tern_store_list_folders_async (self->store, cancellable, list_folders_cb,
                                 g_steal_pointer (&task));
}

gboolean
tern_folder_tree_reload_finish (TernFolderTree *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_FOLDER_TREE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_folder_tree_reload_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Lookups */

/**
 * tern_folder_tree_lookup:
 * @path: a folder's path, as TernFolder:path gives it
 *
 * Returns: (transfer none) (nullable): the folder at @path, which may be a
 *   synthetic parent
 */
TernFolder *
tern_folder_tree_lookup (TernFolderTree *self, const char *path)
{
  Node *node;

  g_return_val_if_fail (TERN_IS_FOLDER_TREE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  node = g_hash_table_lookup (self->nodes, path);
  return node != NULL ? node->folder : NULL;
}

/**
 * tern_folder_tree_update_counts:
 *
 * Sets a folder's counts, e.g. after a sync; a path not in the tree, or a
 * synthetic parent, is left alone. Neither changes the order.
 */
void
tern_folder_tree_update_counts (TernFolderTree *self, const char *path, guint total, guint unread)
{
  Node *node;

  g_return_if_fail (TERN_IS_FOLDER_TREE (self));
  g_return_if_fail (path != NULL);

  node = g_hash_table_lookup (self->nodes, path);
  if (node == NULL || node->synthetic)
    {
      g_debug ("No folder “%s” to count", path);
      return;
    }
  _tern_folder_set_counts (node->folder, total, unread);
}

/**
 * tern_folder_tree_create_child_model:
 * @item: (type TernFolder): a folder of the tree
 * @user_data: the TernFolderTree
 *
 * A GtkTreeListModelCreateModelFunc.
 *
 * Returns: (transfer full) (nullable): the folder's direct children, kept up
 *   to date by reloads; %NULL when it has none
 */
GListModel *
tern_folder_tree_create_child_model (gpointer item, gpointer user_data)
{
  TernFolderTree *self = user_data;
  Node *node;

  g_return_val_if_fail (TERN_IS_FOLDER_TREE (self), NULL);
  g_return_val_if_fail (TERN_IS_FOLDER (item), NULL);

  node = g_hash_table_lookup (self->nodes, tern_folder_get_path (item));
  /* A folder that left the tree has no children any more. */
  if (node == NULL || node->folder != item || node->kids->len == 0)
    return NULL;
  return g_object_ref (G_LIST_MODEL (node->children));
}

/* GListModel */

static GType
tern_folder_tree_get_item_type (GListModel *model)
{
  return TERN_TYPE_FOLDER;
}

static guint
tern_folder_tree_get_n_items (GListModel *model)
{
  TernFolderTree *self = TERN_FOLDER_TREE (model);

  return self->root->kids->len;
}

static gpointer
tern_folder_tree_get_item (GListModel *model, guint position)
{
  TernFolderTree *self = TERN_FOLDER_TREE (model);

  if (position >= self->root->kids->len)
    return NULL;
  return g_object_ref (((Node *) self->root->kids->pdata[position])->folder);
}

static void
tern_folder_tree_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tern_folder_tree_get_item_type;
  iface->get_n_items = tern_folder_tree_get_n_items;
  iface->get_item = tern_folder_tree_get_item;
}

/* GObject */

static void
tern_folder_tree_dispose (GObject *object)
{
  TernFolderTree *self = (TernFolderTree *) object;

  g_clear_object (&self->store);

  G_OBJECT_CLASS (tern_folder_tree_parent_class)->dispose (object);
}

static void
tern_folder_tree_finalize (GObject *object)
{
  TernFolderTree *self = (TernFolderTree *) object;

  /* Nodes first: the root's kids borrow them. */
  g_clear_pointer (&self->nodes, g_hash_table_unref);
  g_clear_pointer (&self->root, node_free);

  G_OBJECT_CLASS (tern_folder_tree_parent_class)->finalize (object);
}

static void
tern_folder_tree_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernFolderTree *self = TERN_FOLDER_TREE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_folder_tree_set_property (GObject *object,
                               guint prop_id,
                               const GValue *value,
                               GParamSpec *pspec)
{
  TernFolderTree *self = TERN_FOLDER_TREE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_folder_tree_class_init (TernFolderTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_folder_tree_dispose;
  object_class->finalize = tern_folder_tree_finalize;
  object_class->get_property = tern_folder_tree_get_property;
  object_class->set_property = tern_folder_tree_set_property;

  /* The account's cache the folders are read from. */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TERN_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_folder_tree_init (TernFolderTree *self)
{
  self->root = node_new (NULL);
  self->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) node_free);
}

/**
 * tern_folder_tree_new:
 * @store: an open store
 *
 * Returns: (transfer full): an empty tree; tern_folder_tree_reload_async()
 *   fills it in
 */
TernFolderTree *
tern_folder_tree_new (TernStore *store)
{
  g_return_val_if_fail (TERN_IS_STORE (store), NULL);

  return g_object_new (TERN_TYPE_FOLDER_TREE, "store", store, NULL);
}

TernStore *
tern_folder_tree_get_store (TernFolderTree *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_TREE (self), NULL);

  return self->store;
}
