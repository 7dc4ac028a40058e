/* tern-store-sync.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the synchronizer and the operation queue need from the cache: flag
 * reconciliation against a server listing, removal of vanished UIDs, per-server
 * facts, folder renames, and the operation life cycle (apply locally + queue in
 * one transaction, begin, finish, fail, undo). Each runs on the store thread
 * through _tern_store_run_async, in one transaction. */

#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <string.h>

#include "tern-store-private.h"

typedef gboolean (*SyncFunc) (sqlite3 *db, gpointer data, GError **error);

static void
run_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!_tern_store_run_finish (TERN_STORE (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
call (TernStore *self,
      gpointer source_tag,
      SyncFunc func,
      gpointer data,
      GDestroyNotify data_free,
      GCancellable *cancellable,
      GAsyncReadyCallback callback,
      gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, data_free);
  _tern_store_run_async (self, func, data, run_done, task);
}

/* Returns the task data on success, NULL with @error set otherwise. */
static gpointer
finish (TernStore *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}

static gboolean
prepare (sqlite3 *db, const char *sql, sqlite3_stmt **stmt, GError **error)
{
  int rc = sqlite3_prepare_v2 (db, sql, -1, stmt, NULL);

  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Preparing a statement");
  return TRUE;
}

static gboolean
step_done (sqlite3 *db, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _tern_store_set_error (error, db, rc, "Writing the cache");
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static gboolean
begin (sqlite3 *db, GError **error)
{
  return _tern_store_exec (db, "BEGIN IMMEDIATE", error);
}

static gboolean
commit_or_rollback (sqlite3 *db, gboolean ok, GError **error)
{
  if (ok && _tern_store_exec (db, "COMMIT", error))
    return TRUE;
  _tern_store_exec (db, "ROLLBACK", NULL);
  return FALSE;
}

/* A folder's id: 0 when the cache has no such folder, -1 on error. */
gint64
_tern_store_folder_id_for_path (sqlite3 *db, const char *path, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 id = 0;
  int rc;

  if (!prepare (db, "SELECT id FROM folders WHERE path = ?", &stmt, error))
    return -1;
  bind_text (stmt, 1, path);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (error, db, rc, "Reading a folder");
      id = -1;
    }
  sqlite3_finalize (stmt);
  return id;
}

/* UID sets as the ops keep them ("1:3,7"): the store cannot use imap/, so a
 * small parser of its own. Returns pairs of (first, last) or NULL. */
static GArray *
parse_uid_ranges (const char *text)
{
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (guint32));
  const char *p = text;

  if (text == NULL || *text == '\0')
    return g_steal_pointer (&ranges);

  while (*p != '\0')
    {
      guint64 a, b;
      char *end;
      guint32 lo, hi;

      a = g_ascii_strtoull (p, &end, 10);
      if (end == p || a == 0 || a > G_MAXUINT32)
        return NULL;
      p = end;
      b = a;
      if (*p == ':')
        {
          p++;
          b = g_ascii_strtoull (p, &end, 10);
          if (end == p || b == 0 || b > G_MAXUINT32)
            return NULL;
          p = end;
        }
      lo = (guint32) MIN (a, b);
      hi = (guint32) MAX (a, b);
      g_array_append_val (ranges, lo);
      g_array_append_val (ranges, hi);
      if (*p == ',')
        p++;
      else if (*p != '\0')
        return NULL;
    }
  return g_steal_pointer (&ranges);
}

static char *
uids_to_set (const guint32 *uids, guint n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n;)
    {
      guint j = i;

      while (j + 1 < n && uids[j + 1] == uids[j] + 1)
        j++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (j > i)
        g_string_append_printf (out, "%u:%u", uids[i], uids[j]);
      else
        g_string_append_printf (out, "%u", uids[i]);
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

/* Reconcile flags ------------------------------------------------------------- */

typedef struct
{
  gint64 folder_id;
  GArray *rows;
  guint32 complete_below;
  GArray *skip;
  GArray *changed;
  GArray *vanished;
  GArray *absent;
} ReconcileData;

static void
reconcile_data_free (ReconcileData *data)
{
  g_clear_pointer (&data->rows, g_array_unref);
  g_clear_pointer (&data->skip, g_array_unref);
  g_clear_pointer (&data->changed, g_array_unref);
  g_clear_pointer (&data->vanished, g_array_unref);
  g_clear_pointer (&data->absent, g_array_unref);
  g_free (data);
}

static void
flag_row_clear (TernStoreFlagRow *row)
{
  g_clear_pointer (&row->keywords, g_free);
}

GArray *
tern_store_flag_rows_new (guint reserve)
{
  GArray *rows = g_array_sized_new (FALSE, TRUE, sizeof (TernStoreFlagRow), reserve);

  g_array_set_clear_func (rows, (GDestroyNotify) flag_row_clear);
  return rows;
}

static gboolean
reconcile_run (sqlite3 *db, gpointer user_data, GError **error)
{
  ReconcileData *data = user_data;
  g_autoptr (GArray) updates = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  if (!begin (db, error))
    return FALSE;

  if (!_tern_store_exec (db,
                         "CREATE TEMP TABLE IF NOT EXISTS sync_rows (uid INTEGER PRIMARY KEY, "
                         "flags INTEGER, keywords TEXT, modseq INTEGER);"
                         "CREATE TEMP TABLE IF NOT EXISTS sync_skip (uid INTEGER PRIMARY KEY);"
                         "DELETE FROM sync_rows; DELETE FROM sync_skip;",
                         error))
    goto out;

  if (!prepare (db, "INSERT OR REPLACE INTO sync_rows VALUES (?, ?, ?, ?)", &stmt, error))
    goto out;
  for (guint i = 0; i < data->rows->len; i++)
    {
      TernStoreFlagRow *row = &g_array_index (data->rows, TernStoreFlagRow, i);

      sqlite3_bind_int64 (stmt, 1, row->uid);
      sqlite3_bind_int (stmt, 2, (int) row->flags);
      bind_text (stmt, 3, row->keywords != NULL && *row->keywords != '\0' ? row->keywords : NULL);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) row->modseq);
      if (!step_done (db, stmt, error))
        goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (data->skip != NULL && data->skip->len > 0)
    {
      if (!prepare (db, "INSERT OR IGNORE INTO sync_skip VALUES (?)", &stmt, error))
        goto out;
      for (guint i = 0; i < data->skip->len; i++)
        {
          sqlite3_bind_int64 (stmt, 1, g_array_index (data->skip, guint32, i));
          if (!step_done (db, stmt, error))
            goto out;
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
    }

  /* Changed: a cached message whose flags or keywords differ (counted), or
   * whose modseq the server has moved on (kept). The listed rows drive the
   * join (CROSS JOIN keeps them outside): without statistics for the
   * temporary table the planner walked all of the folder's messages instead,
   * a read of the whole cache (0.3 s at 100 000) when the server listed none. */
  if (!prepare (db,
                "SELECT r.uid, r.flags, r.keywords, r.modseq, "
                "m.flags != r.flags OR m.keywords IS NOT r.keywords "
                "FROM sync_rows r CROSS JOIN messages m ON m.folder_id = ?1 AND m.uid = r.uid "
                "WHERE r.uid NOT IN (SELECT uid FROM sync_skip) "
                "AND (m.flags != r.flags OR m.keywords IS NOT r.keywords OR m.modseq < r.modseq) "
                "ORDER BY r.uid",
                &stmt, error))
    goto out;
  sqlite3_bind_int64 (stmt, 1, data->folder_id);
  updates = tern_store_flag_rows_new (0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TernStoreFlagRow row = { 0 };

      row.uid = (guint32) sqlite3_column_int64 (stmt, 0);
      row.flags = (TernStoreFlags) sqlite3_column_int (stmt, 1);
      row.keywords = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      row.modseq = (guint64) sqlite3_column_int64 (stmt, 3);
      g_array_append_val (updates, row);
      if (sqlite3_column_int (stmt, 4) != 0)
        g_array_append_val (data->changed, row.uid);
    }
  if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (error, db, rc, "Comparing flags");
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* Written once the reading is over: SQLite leaves a table changed under
   * a running statement undefined. */
  if (!prepare (db,
                "UPDATE messages SET flags = ?3, keywords = ?4, modseq = max (modseq, ?5) "
                "WHERE folder_id = ?1 AND uid = ?2",
                &stmt, error))
    goto out;
  sqlite3_bind_int64 (stmt, 1, data->folder_id);
  for (guint i = 0; i < updates->len; i++)
    {
      TernStoreFlagRow *row = &g_array_index (updates, TernStoreFlagRow, i);

      sqlite3_bind_int64 (stmt, 2, row->uid);
      sqlite3_bind_int (stmt, 3, (int) row->flags);
      bind_text (stmt, 4, row->keywords);
      sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) row->modseq);
      if (!step_done (db, stmt, error))
        goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* A complete listing: what the cache has below the bound and the server
   * did not list is gone. */
  if (data->complete_below > 0)
    {
      if (!prepare (db,
                    "DELETE FROM messages WHERE folder_id = ?1 AND uid < ?2 "
                    "AND uid NOT IN (SELECT uid FROM sync_rows) "
                    "AND uid NOT IN (SELECT uid FROM sync_skip) RETURNING uid",
                    &stmt, error))
        goto out;
      sqlite3_bind_int64 (stmt, 1, data->folder_id);
      sqlite3_bind_int64 (stmt, 2, data->complete_below);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
          g_array_append_val (data->vanished, uid);
        }
      if (rc != SQLITE_DONE)
        {
          _tern_store_set_error (error, db, rc, "Removing vanished messages");
          goto out;
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
    }

  /* Listed by the server, missing here: a complete listing says the cache
   * lost them (a sync that went wrong); they are fetched again. */
  if (data->complete_below > 0)
    {
      if (!prepare (db,
                    "SELECT uid FROM sync_rows WHERE uid < ?2 AND uid NOT IN "
                    "(SELECT uid FROM messages WHERE folder_id = ?1) ORDER BY uid",
                    &stmt, error))
        goto out;
      sqlite3_bind_int64 (stmt, 1, data->folder_id);
      sqlite3_bind_int64 (stmt, 2, data->complete_below);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
          g_array_append_val (data->absent, uid);
        }
      if (rc != SQLITE_DONE)
        {
          _tern_store_set_error (error, db, rc, "Comparing UIDs");
          goto out;
        }
      g_clear_pointer (&stmt, sqlite3_finalize);
    }

  ok = _tern_store_exec (db, "DELETE FROM sync_rows; DELETE FROM sync_skip;", error);

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  return commit_or_rollback (db, ok, error);
}

/**
 * tern_store_reconcile_flags_async:
 * @rows: (transfer full): TernStoreFlagRow from tern_store_flag_rows_new()
 * @complete_below: when non-zero, @rows lists every message the server has
 *   below this UID, and cached messages below it that are not listed are
 *   removed
 * @skip: (nullable) (transfer full): guint32 UIDs left alone (queued operations
 *   have changed them locally and the server does not know yet)
 */
void
tern_store_reconcile_flags_async (TernStore *self,
                                  gint64 folder_id,
                                  GArray *rows,
                                  guint32 complete_below,
                                  GArray *skip,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  ReconcileData *data = g_new0 (ReconcileData, 1);

  data->folder_id = folder_id;
  data->rows = rows;
  data->complete_below = complete_below;
  data->skip = skip;
  data->changed = g_array_new (FALSE, FALSE, sizeof (guint32));
  data->vanished = g_array_new (FALSE, FALSE, sizeof (guint32));
  data->absent = g_array_new (FALSE, FALSE, sizeof (guint32));
  call (self, tern_store_reconcile_flags_async, reconcile_run, data,
        (GDestroyNotify) reconcile_data_free, cancellable, callback, user_data);
}

/* @out_changed, @out_vanished: (transfer full) (optional): the UIDs;
 * @out_absent: (transfer full) (optional): with @complete_below, the UIDs the
 * server listed that the cache does not have */
gboolean
tern_store_reconcile_flags_finish (TernStore *self,
                                   GAsyncResult *result,
                                   GArray **out_changed,
                                   GArray **out_vanished,
                                   GArray **out_absent,
                                   GError **error)
{
  ReconcileData *data = finish (self, result, tern_store_reconcile_flags_async, error);

  if (data == NULL)
    return FALSE;
  if (out_changed != NULL)
    *out_changed = g_array_ref (data->changed);
  if (out_vanished != NULL)
    *out_vanished = g_array_ref (data->vanished);
  if (out_absent != NULL)
    *out_absent = g_array_ref (data->absent);
  return TRUE;
}

/* Remove UID ranges --------------------------------------------------------------- */

typedef struct
{
  gint64 folder_id;
  GArray *ranges;
  GArray *removed;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_clear_pointer (&data->ranges, g_array_unref);
  g_clear_pointer (&data->removed, g_array_unref);
  g_free (data);
}

static gboolean
remove_run (sqlite3 *db, gpointer user_data, GError **error)
{
  RemoveData *data = user_data;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  if (!begin (db, error))
    return FALSE;
  if (!prepare (db,
                "DELETE FROM messages WHERE folder_id = ? AND uid BETWEEN ? AND ? RETURNING uid",
                &stmt, error))
    goto out;
  for (guint i = 0; i + 1 < data->ranges->len; i += 2)
    {
      sqlite3_bind_int64 (stmt, 1, data->folder_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (data->ranges, guint32, i));
      sqlite3_bind_int64 (stmt, 3, g_array_index (data->ranges, guint32, i + 1));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
          g_array_append_val (data->removed, uid);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _tern_store_set_error (error, db, rc, "Removing vanished messages");
          goto out;
        }
    }
  ok = TRUE;
out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  return commit_or_rollback (db, ok, error);
}

/**
 * tern_store_remove_uids_async:
 * @ranges: (transfer full): guint32 pairs (first, last), never expanded
 *
 * Removes the cached messages in the ranges (a VANISHED answer may name a
 * hundred thousand UIDs as one range).
 */
void
tern_store_remove_uids_async (TernStore *self,
                              gint64 folder_id,
                              GArray *ranges,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  RemoveData *data = g_new0 (RemoveData, 1);

  data->folder_id = folder_id;
  data->ranges = ranges;
  data->removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  call (self, tern_store_remove_uids_async, remove_run, data, (GDestroyNotify) remove_data_free,
        cancellable, callback, user_data);
}

/* Returns: (transfer full): the UIDs that were cached and are removed */
GArray *
tern_store_remove_uids_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  RemoveData *data = finish (self, result, tern_store_remove_uids_async, error);

  return data != NULL ? g_array_ref (data->removed) : NULL;
}

/* Meta -------------------------------------------------------------------------- */

typedef struct
{
  char *key;
  char *value;
  gboolean set;
} MetaData;

static void
meta_data_free (MetaData *data)
{
  g_free (data->key);
  g_free (data->value);
  g_free (data);
}

static gboolean
meta_run (sqlite3 *db, gpointer user_data, GError **error)
{
  MetaData *data = user_data;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;
  int rc;

  if (data->set)
    {
      const char *sql = data->value != NULL
                          ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
                          : "DELETE FROM meta WHERE key = ?1";
      if (!prepare (db, sql, &stmt, error))
        return FALSE;
      bind_text (stmt, 1, data->key);
      if (data->value != NULL)
        bind_text (stmt, 2, data->value);
      ok = step_done (db, stmt, error);
      sqlite3_finalize (stmt);
      return ok;
    }

  if (!prepare (db, "SELECT value FROM meta WHERE key = ?", &stmt, error))
    return FALSE;
  bind_text (stmt, 1, data->key);
  rc = sqlite3_step (stmt);
  ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  if (rc == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    data->value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (!ok)
    _tern_store_set_error (error, db, rc, "Reading the cache");
  sqlite3_finalize (stmt);
  return ok;
}

/* Per-account facts the synchronizer remembers (e.g. a server's QRESYNC
 * fallback). @value NULL removes the key. */
void
tern_store_set_meta_async (TernStore *self,
                           const char *key,
                           const char *value,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  MetaData *data = g_new0 (MetaData, 1);

  data->key = g_strdup (key);
  data->value = g_strdup (value);
  data->set = TRUE;
  call (self, tern_store_set_meta_async, meta_run, data, (GDestroyNotify) meta_data_free,
        cancellable, callback, user_data);
}

gboolean
tern_store_set_meta_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  return finish (self, result, tern_store_set_meta_async, error) != NULL;
}

void
tern_store_get_meta_async (TernStore *self,
                           const char *key,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  MetaData *data = g_new0 (MetaData, 1);

  data->key = g_strdup (key);
  call (self, tern_store_get_meta_async, meta_run, data, (GDestroyNotify) meta_data_free,
        cancellable, callback, user_data);
}

/* Returns: (transfer full) (nullable): the value; NULL without @error when
 * the key is not set */
char *
tern_store_get_meta_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  MetaData *data = finish (self, result, tern_store_get_meta_async, error);

  return data != NULL ? g_strdup (data->value) : NULL;
}

/* Rename a folder ------------------------------------------------------------------ */

typedef struct
{
  char *from;
  char *to;
} RenameData;

static void
rename_data_free (RenameData *data)
{
  g_free (data->from);
  g_free (data->to);
  g_free (data);
}

static gboolean
rename_run (sqlite3 *db, gpointer user_data, GError **error)
{
  RenameData *data = user_data;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (!begin (db, error))
    return FALSE;
  if (!prepare (db, "UPDATE folders SET path = ?2 WHERE path = ?1", &stmt, error))
    goto out;
  bind_text (stmt, 1, data->from);
  bind_text (stmt, 2, data->to);
  if (!step_done (db, stmt, error))
    goto out;
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* Queued operations name folders by path. */
  if (!prepare (db, "UPDATE ops SET folder = ?2 WHERE folder = ?1", &stmt, error))
    goto out;
  bind_text (stmt, 1, data->from);
  bind_text (stmt, 2, data->to);
  ok = step_done (db, stmt, error);
out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  return commit_or_rollback (db, ok, error);
}

/* Keeps a folder's cache when the server renamed it (same UIDVALIDITY). */
void
tern_store_rename_folder_async (TernStore *self,
                                const char *from,
                                const char *to,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  RenameData *data = g_new0 (RenameData, 1);

  data->from = g_strdup (from);
  data->to = g_strdup (to);
  call (self, tern_store_rename_folder_async, rename_run, data, (GDestroyNotify) rename_data_free,
        cancellable, callback, user_data);
}

gboolean
tern_store_rename_folder_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  return finish (self, result, tern_store_rename_folder_async, error) != NULL;
}

/* Operations ---------------------------------------------------------------------- */

static const struct
{
  const char *name;
  TernStoreFlags flag;
} system_flags[] = {
  { "\\Seen", TERN_STORE_FLAG_SEEN },       { "\\Answered", TERN_STORE_FLAG_ANSWERED },
  { "\\Flagged", TERN_STORE_FLAG_FLAGGED }, { "\\Deleted", TERN_STORE_FLAG_DELETED },
  { "\\Draft", TERN_STORE_FLAG_DRAFT },
};

/* "\\Seen" → its bit; 0 for a keyword. */
TernStoreFlags
tern_store_flag_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (system_flags); i++)
    if (g_ascii_strcasecmp (name, system_flags[i].name) == 0)
      return system_flags[i].flag;
  return 0;
}

const char *
tern_store_flag_to_name (TernStoreFlags flag)
{
  for (guint i = 0; i < G_N_ELEMENTS (system_flags); i++)
    if (system_flags[i].flag == flag)
      return system_flags[i].name;
  return NULL;
}

static gboolean
keywords_have (const char *keywords, const char *keyword)
{
  g_auto (GStrv) words = NULL;

  if (keywords == NULL)
    return FALSE;
  words = g_strsplit (keywords, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], keyword) == 0)
      return TRUE;
  return FALSE;
}

/* g_ptr_array_sort() hands pointers to the elements. */
static int
compare_words (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted, space-separated, without @remove and with @add. */
static char *
keywords_edit (const char *keywords, const char *add, const char *remove)
{
  g_auto (GStrv) words = keywords != NULL ? g_strsplit (keywords, " ", -1) : g_new0 (char *, 1);
  g_autoptr (GPtrArray) out = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && (remove == NULL || g_ascii_strcasecmp (words[i], remove) != 0))
      g_ptr_array_add (out, words[i]);
  if (add != NULL && !keywords_have (keywords, add))
    g_ptr_array_add (out, (char *) add);
  if (out->len == 0)
    return NULL;
  g_ptr_array_sort (out, compare_words);
  g_ptr_array_add (out, NULL);
  return g_strjoinv (" ", (char **) out->pdata);
}

/* Applies "+FLAG" / "-FLAG" to the cached messages of @folder_id in @ranges
 * that do not have that state yet; returns the UIDs changed. */
static GArray *
apply_flag (sqlite3 *db, gint64 folder_id, GArray *ranges, const char *args, GError **error)
{
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (guint32));
  sqlite3_stmt *select = NULL, *update = NULL;
  gboolean add = args[0] == '+';
  const char *name = args + 1;
  TernStoreFlags bit = tern_store_flag_from_name (name);
  gboolean ok = FALSE;
  int rc;

  if (!prepare (db,
                "SELECT uid, flags, keywords FROM messages WHERE folder_id = ? "
                "AND uid BETWEEN ? AND ? ORDER BY uid",
                &select, error) ||
      !prepare (db, "UPDATE messages SET flags = ?, keywords = ? WHERE folder_id = ? AND uid = ?",
                &update, error))
    goto out;

  for (guint i = 0; i + 1 < ranges->len; i += 2)
    {
      sqlite3_bind_int64 (select, 1, folder_id);
      sqlite3_bind_int64 (select, 2, g_array_index (ranges, guint32, i));
      sqlite3_bind_int64 (select, 3, g_array_index (ranges, guint32, i + 1));
      while ((rc = sqlite3_step (select)) == SQLITE_ROW)
        {
          guint32 uid = (guint32) sqlite3_column_int64 (select, 0);
          TernStoreFlags flags = (TernStoreFlags) sqlite3_column_int (select, 1);
          const char *keywords = (const char *) sqlite3_column_text (select, 2);
          g_autofree char *new_keywords = NULL;
          TernStoreFlags new_flags = flags;

          if (bit != 0)
            {
              new_flags = add ? (flags | bit) : (flags & ~bit);
              new_keywords = g_strdup (keywords);
            }
          else
            new_keywords = keywords_edit (keywords, add ? name : NULL, add ? NULL : name);

          if (new_flags == flags && g_strcmp0 (new_keywords, keywords) == 0)
            continue;
          sqlite3_bind_int (update, 1, (int) new_flags);
          bind_text (update, 2, new_keywords);
          sqlite3_bind_int64 (update, 3, folder_id);
          sqlite3_bind_int64 (update, 4, uid);
          if (!step_done (db, update, error))
            goto out;
          g_array_append_val (changed, uid);
        }
      sqlite3_reset (select);
      if (rc != SQLITE_DONE)
        {
          _tern_store_set_error (error, db, rc, "Reading flags");
          goto out;
        }
    }
  ok = TRUE;
out:
  g_clear_pointer (&select, sqlite3_finalize);
  g_clear_pointer (&update, sqlite3_finalize);
  return ok ? g_steal_pointer (&changed) : NULL;
}

/* Sets `pending` on the cached messages in @ranges whose pending is @from;
 * returns the UIDs changed. */
static GArray *
set_pending (sqlite3 *db, gint64 folder_id, GArray *ranges, int from, int to, GError **error)
{
  g_autoptr (GArray) changed = g_array_new (FALSE, FALSE, sizeof (guint32));
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  if (!prepare (db,
                "UPDATE messages SET pending = ?4 WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3 "
                "AND +pending = ?5 RETURNING uid",
                &stmt, error))
    goto out;
  for (guint i = 0; i + 1 < ranges->len; i += 2)
    {
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, g_array_index (ranges, guint32, i));
      sqlite3_bind_int64 (stmt, 3, g_array_index (ranges, guint32, i + 1));
      sqlite3_bind_int (stmt, 4, to);
      sqlite3_bind_int (stmt, 5, from);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);
          g_array_append_val (changed, uid);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          _tern_store_set_error (error, db, rc, "Updating the cache");
          goto out;
        }
    }
  ok = TRUE;
out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (ok)
    g_array_sort (changed, (GCompareFunc) tern_store_compare_uids);
  return ok ? g_steal_pointer (&changed) : NULL;
}

int
tern_store_compare_uids (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
op_is (const TernStoreOp *op, const char *type)
{
  return g_strcmp0 (op->type, type) == 0;
}

static gint64
insert_op (sqlite3 *db,
           const TernStoreOp *op,
           const char *undo,
           gboolean undoable,
           guint32 local,
           GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 id = 0;
  int rc;

  if (!prepare (db,
                "INSERT INTO ops (type, folder, uids, args, created, attempts, state, undo, "
                "undone, local) VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?) RETURNING id",
                &stmt, error))
    return 0;
  bind_text (stmt, 1, op->type);
  bind_text (stmt, 2, op->folder);
  bind_text (stmt, 3, op->uids != NULL ? op->uids : "");
  bind_text (stmt, 4, op->args);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / G_USEC_PER_SEC);
  bind_text (stmt, 6, undo);
  sqlite3_bind_int (stmt, 7, undoable ? 0 : 1);
  sqlite3_bind_int64 (stmt, 8, local);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else
    _tern_store_set_error (error, db, rc, "Queueing an operation");
  sqlite3_finalize (stmt);
  return id;
}

/* The local half of an operation: its effect on the cache. Returns the UIDs it
 * changed (for a copy, every UID asked for: it changes nothing here). */
static GArray *
apply_locally (sqlite3 *db, gint64 folder_id, const TernStoreOp *op, GError **error)
{
  g_autoptr (GArray) ranges = parse_uid_ranges (op->uids);

  if (ranges == NULL || ranges->len == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID, "Bad UID set “%s”",
                   op->uids != NULL ? op->uids : "");
      return NULL;
    }
  if (op_is (op, "flag"))
    {
      if (op->args == NULL || (op->args[0] != '+' && op->args[0] != '-') || op->args[1] == '\0')
        {
          g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID, "Bad flag change “%s”",
                       op->args != NULL ? op->args : "");
          return NULL;
        }
      return apply_flag (db, folder_id, ranges, op->args, error);
    }
  if (op_is (op, "move") || op_is (op, "expunge"))
    return set_pending (db, folder_id, ranges, 0, 1, error);
  if (op_is (op, "copy"))
    {
      g_autoptr (GArray) all = set_pending (db, folder_id, ranges, 0, 0, error);
      return g_steal_pointer (&all);
    }
  g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID, "Unknown operation “%s”",
               op->type);
  return NULL;
}

/* Local rows of a move or copy in its target ------------------------------------------ */

#define FIRST_LOCAL_UID G_GUINT64_CONSTANT (0xF0000000)

static gboolean
meta_next_local (sqlite3 *db, guint n, guint32 *out_base, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  guint64 base = FIRST_LOCAL_UID;
  gboolean ok;
  int rc;

  if (!prepare (db, "SELECT value FROM meta WHERE key = 'next-local-uid'", &stmt, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    base = MAX ((guint64) sqlite3_column_int64 (stmt, 0), FIRST_LOCAL_UID);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _tern_store_set_error (error, db, rc, "Reading the cache");
  /* Wrap around long before G_MAXUINT32; old local rows are gone by then. */
  if (base + n >= G_MAXUINT32)
    base = FIRST_LOCAL_UID;
  if (!prepare (db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('next-local-uid', ?)", &stmt,
                error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) (base + n));
  ok = step_done (db, stmt, error);
  sqlite3_finalize (stmt);
  *out_base = (guint32) base;
  return ok;
}

/* Copies the rows of @uids (ascending) from @source_id to @target_path as
 * local rows base, base + 1, …; *out_base 0 when the target is not cached. */
static gboolean
insert_local_rows (sqlite3 *db,
                   gint64 source_id,
                   GArray *uids,
                   const char *target_path,
                   guint32 *out_base,
                   GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 target_id;
  guint32 base = 0;
  gboolean ok = FALSE;

  *out_base = 0;
  target_id = _tern_store_folder_id_for_path (db, target_path, error);
  if (target_id < 0)
    return FALSE;
  if (target_id == 0 || uids->len == 0)
    return TRUE;
  if (!meta_next_local (db, uids->len, &base, error))
    return FALSE;
  if (!prepare (db,
                "INSERT OR IGNORE INTO messages (folder_id, uid, modseq, flags, keywords, "
                "internaldate, size, date, subject, from_name, from_addr, to_addrs, cc_addrs, "
                "message_id, in_reply_to, refs, bodystructure, has_attachments, preview) "
                "SELECT ?1, ?2, 0, flags, keywords, internaldate, size, date, subject, from_name, "
                "from_addr, to_addrs, cc_addrs, message_id, in_reply_to, refs, bodystructure, "
                "has_attachments, preview FROM messages WHERE folder_id = ?3 AND uid = ?4",
                &stmt, error))
    return FALSE;
  for (guint i = 0; i < uids->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, target_id);
      sqlite3_bind_int64 (stmt, 2, base + i);
      sqlite3_bind_int64 (stmt, 3, source_id);
      sqlite3_bind_int64 (stmt, 4, g_array_index (uids, guint32, i));
      if (!step_done (db, stmt, error))
        goto out;
    }
  *out_base = base;
  ok = TRUE;
out:
  sqlite3_finalize (stmt);
  return ok;
}

/* Drops the local rows of @op (cancelled, failed, or replaced by the
 * server's). */
static gboolean
delete_local_rows (sqlite3 *db, const TernStoreOp *op, guint32 base, GError **error)
{
  g_autoptr (GArray) ranges = parse_uid_ranges (op->uids);
  sqlite3_stmt *stmt = NULL;
  guint64 n = 0;
  gint64 target_id;
  gboolean ok;

  if (base == 0 || ranges == NULL || op->args == NULL)
    return TRUE;
  target_id = _tern_store_folder_id_for_path (db, op->args, error);
  if (target_id <= 0)
    return target_id == 0;
  for (guint i = 0; i + 1 < ranges->len; i += 2)
    n += (guint64) g_array_index (ranges, guint32, i + 1) - g_array_index (ranges, guint32, i) + 1;
  if (!prepare (db, "DELETE FROM messages WHERE folder_id = ? AND uid BETWEEN ? AND ?", &stmt,
                error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, target_id);
  sqlite3_bind_int64 (stmt, 2, base);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) (base + n - 1));
  ok = step_done (db, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

/* With COPYUID ("srcset dstset"): the local rows take the server's UIDs, so
 * the target is right without waiting for its next sync. */
static gboolean
renumber_local_rows (sqlite3 *db,
                     const TernStoreOp *op,
                     guint32 base,
                     const char *copyuid,
                     GError **error)
{
  g_auto (GStrv) sets = g_strsplit (copyuid, " ", 2);
  g_autoptr (GArray) op_ranges = parse_uid_ranges (op->uids);
  g_autoptr (GArray) src = NULL;
  g_autoptr (GArray) dst = NULL;
  g_autoptr (GArray) op_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) src_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) dst_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  sqlite3_stmt *stmt = NULL;
  gint64 target_id;
  gboolean ok = FALSE;

  if (g_strv_length (sets) != 2 || op_ranges == NULL)
    return TRUE;
  src = parse_uid_ranges (sets[0]);
  dst = parse_uid_ranges (sets[1]);
  if (src == NULL || dst == NULL)
    return TRUE;
  /* Expanded: an op is a person's selection, not a whole folder. */
  for (guint i = 0; i + 1 < op_ranges->len; i += 2)
    for (guint64 u = g_array_index (op_ranges, guint32, i);
         u <= g_array_index (op_ranges, guint32, i + 1); u++)
      {
        guint32 uid = (guint32) u;
        g_array_append_val (op_uids, uid);
      }
  for (guint i = 0; i + 1 < src->len; i += 2)
    for (guint64 u = g_array_index (src, guint32, i); u <= g_array_index (src, guint32, i + 1); u++)
      {
        guint32 uid = (guint32) u;
        g_array_append_val (src_uids, uid);
      }
  for (guint i = 0; i + 1 < dst->len; i += 2)
    for (guint64 u = g_array_index (dst, guint32, i); u <= g_array_index (dst, guint32, i + 1); u++)
      {
        guint32 uid = (guint32) u;
        g_array_append_val (dst_uids, uid);
      }
  if (src_uids->len != dst_uids->len)
    return TRUE;
  target_id = _tern_store_folder_id_for_path (db, op->args, error);
  if (target_id <= 0)
    return target_id == 0;

  if (!prepare (db, "UPDATE OR IGNORE messages SET uid = ?3 WHERE folder_id = ?1 AND uid = ?2",
                &stmt, error))
    return FALSE;
  for (guint i = 0; i < src_uids->len; i++)
    for (guint j = 0; j < op_uids->len; j++)
      if (g_array_index (op_uids, guint32, j) == g_array_index (src_uids, guint32, i))
        {
          sqlite3_bind_int64 (stmt, 1, target_id);
          sqlite3_bind_int64 (stmt, 2, base + j);
          sqlite3_bind_int64 (stmt, 3, g_array_index (dst_uids, guint32, i));
          if (!step_done (db, stmt, error))
            goto out;
          break;
        }
  ok = TRUE;
out:
  sqlite3_finalize (stmt);
  /* What was not renumbered (already cached under the server's UID, or not
   * in COPYUID) goes; the next sync of the target brings it. */
  return ok && delete_local_rows (db, op, base, error);
}

typedef struct
{
  TernStoreOp *op;
  gboolean undoable;
  gint64 op_id;
  GArray *changed;
} ApplyData;

static void
apply_data_free (ApplyData *data)
{
  tern_store_op_free (data->op);
  g_clear_pointer (&data->changed, g_array_unref);
  g_free (data);
}

static char *
flag_undo (const TernStoreOp *op, const char *uids)
{
  return g_strdup_printf ("flag\t%s\t%s\t%c%s", op->folder, uids, op->args[0] == '+' ? '-' : '+',
                          op->args + 1);
}

static gboolean
apply_run (sqlite3 *db, gpointer user_data, GError **error)
{
  ApplyData *data = user_data;
  g_autofree char *uids = NULL;
  g_autofree char *undo = NULL;
  guint32 local = 0;
  gint64 folder_id;
  gboolean ok = FALSE;

  if (!begin (db, error))
    return FALSE;
  folder_id = _tern_store_folder_id_for_path (db, data->op->folder, error);
  if (folder_id < 0)
    goto out;
  if (folder_id == 0)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                   "The folder “%s” is not in the cache", data->op->folder);
      goto out;
    }
  data->changed = apply_locally (db, folder_id, data->op, error);
  if (data->changed == NULL)
    goto out;
  if (data->changed->len == 0)
    {
      /* Nothing to do: every message is already in that state, or none of
       * them is cached. */
      ok = TRUE;
      goto out;
    }

  uids = uids_to_set ((const guint32 *) (gpointer) data->changed->data, data->changed->len);
  g_free (data->op->uids);
  data->op->uids = g_strdup (uids);
  if (op_is (data->op, "flag"))
    undo = flag_undo (data->op, uids);
  /* Moves and copies learn their undo from COPYUID at replay; until then
   * the target shows local rows. */
  if ((op_is (data->op, "move") || op_is (data->op, "copy")) &&
      !insert_local_rows (db, folder_id, data->changed, data->op->args, &local, error))
    goto out;
  data->op_id = insert_op (db, data->op, undo, data->undoable, local, error);
  ok = data->op_id != 0;
out:
  return commit_or_rollback (db, ok, error);
}

/**
 * tern_store_apply_op_async:
 * @op: type "flag" (args "+\\Seen", "-$Label1", …), "move" or "copy" (args:
 *   the target path) or "expunge"; folder a cached path; uids a UID set
 * @undoable: FALSE for an operation that undo must step over (an undo itself)
 *
 * Applies @op to the cache and queues it, in one transaction (decision 7):
 * flags change at once, moved and expunged messages are hidden (their rows
 * stay until the server has done it). Only the UIDs that change are queued.
 */
void
tern_store_apply_op_async (TernStore *self,
                           const TernStoreOp *op,
                           gboolean undoable,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  ApplyData *data = g_new0 (ApplyData, 1);

  data->op = tern_store_op_copy (op);
  data->undoable = undoable;
  call (self, tern_store_apply_op_async, apply_run, data, (GDestroyNotify) apply_data_free,
        cancellable, callback, user_data);
}

/* Returns the queued op's id, 0 when nothing needed to change (not an error),
 * -1 with @error set. @out_changed: (optional) (transfer full): the UIDs. */
gint64
tern_store_apply_op_finish (TernStore *self,
                            GAsyncResult *result,
                            GArray **out_changed,
                            GError **error)
{
  ApplyData *data = finish (self, result, tern_store_apply_op_async, error);

  if (data == NULL)
    return -1;
  if (out_changed != NULL)
    *out_changed = g_array_ref (data->changed);
  return data->op_id;
}

/* Op state changes ------------------------------------------------------------------ */

typedef enum
{
  OP_BEGIN,
  OP_REQUEUE,
  OP_FINISH,
  OP_FAIL,
} OpStep;

typedef struct
{
  gint64 op_id;
  OpStep step;
  char *undo;
  char *copyuid;
} StepData;

static void
step_data_free (StepData *data)
{
  g_free (data->undo);
  g_free (data->copyuid);
  g_free (data);
}

static TernStoreOp *
read_op (sqlite3 *db, gint64 op_id, guint32 *out_local, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  TernStoreOp *op = NULL;
  int rc;

  if (!prepare (db, "SELECT type, folder, uids, args, state, attempts, local FROM ops WHERE id = ?",
                &stmt, error))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, op_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      op = tern_store_op_new ((const char *) sqlite3_column_text (stmt, 0),
                              (const char *) sqlite3_column_text (stmt, 1),
                              (const char *) sqlite3_column_text (stmt, 2),
                              (const char *) sqlite3_column_text (stmt, 3));
      op->id = op_id;
      op->state = (TernStoreOpState) sqlite3_column_int (stmt, 4);
      op->attempts = (guint) sqlite3_column_int (stmt, 5);
      *out_local = (guint32) sqlite3_column_int64 (stmt, 6);
    }
  else if (rc == SQLITE_DONE)
    g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                 "Operation %" G_GINT64_FORMAT " is not queued", op_id);
  else
    _tern_store_set_error (error, db, rc, "Reading an operation");
  sqlite3_finalize (stmt);
  return op;
}

/* Puts hidden messages back (a move or expunge that failed or was undone). */
static gboolean
unhide (sqlite3 *db, const TernStoreOp *op, GError **error)
{
  g_autoptr (GArray) ranges = parse_uid_ranges (op->uids);
  g_autoptr (GArray) changed = NULL;
  gint64 folder_id;

  if (ranges == NULL)
    return TRUE;
  folder_id = _tern_store_folder_id_for_path (db, op->folder, error);
  if (folder_id <= 0)
    return folder_id == 0;
  changed = set_pending (db, folder_id, ranges, 1, 0, error);
  return changed != NULL;
}

static gboolean
exec_id (sqlite3 *db, const char *sql, gint64 id, const char *text, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (!prepare (db, sql, &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    bind_text (stmt, 2, text);
  ok = step_done (db, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
step_run (sqlite3 *db, gpointer user_data, GError **error)
{
  StepData *data = user_data;
  g_autoptr (TernStoreOp) op = NULL;
  guint32 local = 0;
  gboolean ok = FALSE;

  if (!begin (db, error))
    return FALSE;
  op = read_op (db, data->op_id, &local, error);
  if (op == NULL)
    goto out;

  switch (data->step)
    {
    case OP_BEGIN:
      ok = exec_id (db, "UPDATE ops SET state = 1, attempts = attempts + 1 WHERE id = ?", op->id,
                    NULL, error);
      break;
    case OP_REQUEUE:
      ok = exec_id (db, "UPDATE ops SET state = 0 WHERE id = ?", op->id, NULL, error);
      break;
    case OP_FAIL:
      ok = exec_id (db, "UPDATE ops SET state = 2, local = 0 WHERE id = ?", op->id, NULL, error) &&
           ((!op_is (op, "move") && !op_is (op, "expunge")) || unhide (db, op, error)) &&
           delete_local_rows (db, op, local, error);
      break;
    case OP_FINISH:
      {
        /* The server has done it: hidden rows go, and the op moves to the
         * history undo reads. */
        g_autoptr (GArray) ranges = parse_uid_ranges (op->uids);
        gint64 folder_id = _tern_store_folder_id_for_path (db, op->folder, error);

        if (folder_id < 0)
          goto out;
        if (local != 0 &&
            !(data->copyuid != NULL ? renumber_local_rows (db, op, local, data->copyuid, error)
                                    : delete_local_rows (db, op, local, error)))
          goto out;
        if (data->undo != NULL &&
            !exec_id (db, "UPDATE ops SET undo = ?2 WHERE id = ?1", op->id, data->undo, error))
          goto out;
        if ((op_is (op, "move") || op_is (op, "expunge")) && folder_id > 0 && ranges != NULL)
          {
            sqlite3_stmt *stmt = NULL;

            if (!prepare (db,
                          "DELETE FROM messages WHERE folder_id = ? AND uid BETWEEN ? AND ? "
                          "AND pending = 1",
                          &stmt, error))
              goto out;
            for (guint i = 0; i + 1 < ranges->len; i += 2)
              {
                sqlite3_bind_int64 (stmt, 1, folder_id);
                sqlite3_bind_int64 (stmt, 2, g_array_index (ranges, guint32, i));
                sqlite3_bind_int64 (stmt, 3, g_array_index (ranges, guint32, i + 1));
                if (!step_done (db, stmt, error))
                  {
                    sqlite3_finalize (stmt);
                    goto out;
                  }
              }
            sqlite3_finalize (stmt);
          }
        ok = exec_id (db,
                      "INSERT INTO done_ops (id, type, folder, uids, args, undo, undone, finished) "
                      "SELECT id, type, folder, uids, args, undo, undone, strftime ('%s') "
                      "FROM ops WHERE id = ?",
                      op->id, NULL, error) &&
             exec_id (db, "DELETE FROM ops WHERE id = ?", op->id, NULL, error) &&
             /* A bounded history is enough for undo. */
             _tern_store_exec (db,
                               "DELETE FROM done_ops WHERE id NOT IN "
                               "(SELECT id FROM done_ops ORDER BY id DESC LIMIT 200)",
                               error);
        break;
      }
    default:
      g_assert_not_reached ();
    }
out:
  return commit_or_rollback (db, ok, error);
}

static void
op_step_async (TernStore *self,
               gint64 op_id,
               OpStep step,
               const char *undo,
               const char *copyuid,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data)
{
  StepData *data = g_new0 (StepData, 1);

  data->op_id = op_id;
  data->step = step;
  data->undo = g_strdup (undo);
  data->copyuid = g_strdup (copyuid);
  call (self, op_step_async, step_run, data, (GDestroyNotify) step_data_free, cancellable, callback,
        user_data);
}

/* Marks the op running (it may reach the server from now on) and counts the
 * attempt. */
void
tern_store_begin_op_async (TernStore *self,
                           gint64 op_id,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  op_step_async (self, op_id, OP_BEGIN, NULL, NULL, cancellable, callback, user_data);
}

/* Back to pending: the server was not reached. */
void
tern_store_requeue_op_async (TernStore *self,
                             gint64 op_id,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  op_step_async (self, op_id, OP_REQUEUE, NULL, NULL, cancellable, callback, user_data);
}

/* The server refused it: kept as failed (shown in the queue), hidden
 * messages come back. */
void
tern_store_fail_op_async (TernStore *self,
                          gint64 op_id,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  op_step_async (self, op_id, OP_FAIL, NULL, NULL, cancellable, callback, user_data);
}

/* Done on the server. @undo: (nullable): the inverse operation learnt at
 * replay ("type\tfolder\tuids\targs"), replacing the one recorded;
 * @copyuid: (nullable): "srcset dstset" from COPYUID, which gives a move's or
 * copy's local rows in the target their server UIDs. */
void
tern_store_finish_op_async (TernStore *self,
                            gint64 op_id,
                            const char *undo,
                            const char *copyuid,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  op_step_async (self, op_id, OP_FINISH, undo, copyuid, cancellable, callback, user_data);
}

gboolean
tern_store_op_step_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  return finish (self, result, op_step_async, error) != NULL;
}

/* Undo ------------------------------------------------------------------------------- */

typedef struct
{
  TernStoreUndoResult result;
  TernStoreOp *queued;
  char *what;
} UndoData;

static void
undo_data_free (UndoData *data)
{
  g_clear_pointer (&data->queued, tern_store_op_free);
  g_free (data->what);
  g_free (data);
}

static TernStoreOp *
op_from_undo (const char *undo)
{
  g_auto (GStrv) fields = g_strsplit (undo, "\t", 4);

  if (g_strv_length (fields) != 4)
    return NULL;
  return tern_store_op_new (fields[0], fields[1], fields[2], *fields[3] != '\0' ? fields[3] : NULL);
}

static gboolean
undo_run (sqlite3 *db, gpointer user_data, GError **error)
{
  UndoData *data = user_data;
  sqlite3_stmt *stmt = NULL;
  g_autoptr (TernStoreOp) last = NULL;
  g_autofree char *undo = NULL;
  gboolean queued_last = FALSE;
  guint32 local = 0;
  gboolean ok = FALSE;
  int rc;

  if (!begin (db, error))
    return FALSE;

  /* The newest undoable operation, queued or done (ids are shared). */
  if (!prepare (db,
                "SELECT id, type, folder, uids, args, undo, state, 1, local FROM ops "
                "WHERE undone = 0 "
                "UNION ALL SELECT id, type, folder, uids, args, undo, 0, 0, 0 FROM done_ops "
                "WHERE undone = 0 ORDER BY id DESC LIMIT 1",
                &stmt, error))
    goto out;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      data->result = TERN_STORE_UNDO_NOTHING;
      ok = TRUE;
      goto out;
    }
  if (rc != SQLITE_ROW)
    {
      _tern_store_set_error (error, db, rc, "Reading the operation history");
      goto out;
    }
  last = tern_store_op_new ((const char *) sqlite3_column_text (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 2),
                            (const char *) sqlite3_column_text (stmt, 3),
                            (const char *) sqlite3_column_text (stmt, 4));
  last->id = sqlite3_column_int64 (stmt, 0);
  undo = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  last->state = (TernStoreOpState) sqlite3_column_int (stmt, 6);
  queued_last = sqlite3_column_int (stmt, 7) != 0;
  local = (guint32) sqlite3_column_int64 (stmt, 8);
  g_clear_pointer (&stmt, sqlite3_finalize);
  data->what =
    g_strdup_printf ("%s %s %s%s%s", last->type, last->folder, last->uids,
                     last->args != NULL ? " " : "", last->args != NULL ? last->args : "");

  if (queued_last && last->state == TERN_STORE_OP_PENDING)
    {
      /* Not sent yet: take it back here; the server never hears of it. */
      if (op_is (last, "flag") && undo != NULL)
        {
          g_autoptr (TernStoreOp) inverse = op_from_undo (undo);
          g_autoptr (GArray) changed = NULL;
          gint64 folder_id = _tern_store_folder_id_for_path (db, last->folder, error);

          if (folder_id < 0)
            goto out;
          if (inverse != NULL && folder_id > 0 &&
              (changed = apply_locally (db, folder_id, inverse, error)) == NULL)
            goto out;
        }
      else if ((op_is (last, "move") || op_is (last, "expunge")) && !unhide (db, last, error))
        goto out;
      if (!delete_local_rows (db, last, local, error))
        goto out;
      if (!exec_id (db, "DELETE FROM ops WHERE id = ?", last->id, NULL, error))
        goto out;
      data->result = TERN_STORE_UNDO_CANCELLED;
      ok = TRUE;
      goto out;
    }

  if (queued_last)
    {
      /* Being replayed right now, or failed: nothing safe to do yet. */
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID,
                   last->state == TERN_STORE_OP_FAILED
                     ? "The last operation failed on the server; there is nothing to undo"
                     : "The last operation is being sent to the server; try again in a moment");
      goto out;
    }

  if (undo == NULL)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID,
                   "The last operation (%s) cannot be undone", data->what);
      goto out;
    }

  data->queued = op_from_undo (undo);
  if (data->queued == NULL)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_CORRUPT, "Bad undo record “%s”", undo);
      goto out;
    }
  {
    gint64 folder_id = _tern_store_folder_id_for_path (db, data->queued->folder, error);
    g_autoptr (GArray) changed = NULL;

    if (folder_id < 0)
      goto out;
    /* The inverse takes effect in the cache where the cache has the
     * messages; a move back reappears in its folder at the next sync. */
    if (folder_id > 0 && (changed = apply_locally (db, folder_id, data->queued, error)) == NULL)
      {
        if (!g_error_matches (*error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID))
          goto out;
        g_clear_error (error);
      }
    if (changed != NULL && g_strcmp0 (data->queued->type, "move") == 0 &&
        !insert_local_rows (db, folder_id, changed, data->queued->args, &local, error))
      goto out;
    data->queued->id = insert_op (db, data->queued, NULL, FALSE, local, error);
    if (data->queued->id == 0)
      goto out;
  }
  ok = exec_id (db, "UPDATE done_ops SET undone = 1 WHERE id = ?", last->id, NULL, error);
  data->result = TERN_STORE_UNDO_QUEUED;

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  return commit_or_rollback (db, ok, error);
}

/**
 * tern_store_undo_async:
 *
 * Undoes the newest operation not undone yet: one still waiting in the queue
 * is taken back (cache restored, never sent); one the server has done gets its
 * inverse queued (and applied to the cache).
 */
void
tern_store_undo_async (TernStore *self,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  call (self, tern_store_undo_async, undo_run, g_new0 (UndoData, 1),
        (GDestroyNotify) undo_data_free, cancellable, callback, user_data);
}

/* @out_what: (optional) (transfer full): the undone operation, for people */
TernStoreUndoResult
tern_store_undo_finish (TernStore *self, GAsyncResult *result, char **out_what, GError **error)
{
  UndoData *data = finish (self, result, tern_store_undo_async, error);

  if (data == NULL)
    return TERN_STORE_UNDO_FAILED;
  if (out_what != NULL)
    *out_what = g_strdup (data->what);
  return data->result;
}

/* Folder ops after a UIDVALIDITY change ------------------------------------------------ */

static gboolean
fail_folder_run (sqlite3 *db, gpointer user_data, GError **error)
{
  const char *path = user_data;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (!prepare (db, "UPDATE ops SET state = 2 WHERE folder = ? AND state != 2", &stmt, error))
    return FALSE;
  bind_text (stmt, 1, path);
  ok = step_done (db, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

/* The UIDs of queued ops on @path mean nothing after its UIDVALIDITY
 * changed: they are marked failed (kept, so the queue shows them). */
void
tern_store_fail_folder_ops_async (TernStore *self,
                                  const char *path,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  call (self, tern_store_fail_folder_ops_async, fail_folder_run, g_strdup (path), g_free,
        cancellable, callback, user_data);
}

gboolean
tern_store_fail_folder_ops_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  return finish (self, result, tern_store_fail_folder_ops_async, error) != NULL;
}
