/* tern-store-list.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The message list's queries (DESIGN decisions 1 and 5): a folder's UIDs in a
 * sort order, the summaries of a page of UIDs, and the threading headers of
 * every message. Each is one prepared statement run on the store thread
 * through _tern_store_run_async(); rows with messages.pending != 0 (taken
 * out of the folder by a queued move or delete) are never returned.
 *
 * The UID order walks the sort's covering index and leaves out the pending
 * UIDs with one NOT IN subquery (computed once), instead of reading every
 * table row to test its pending column: several times faster on 100 000
 * messages.
 *
 * Threading: the public calls are made on a main context like the rest of
 * TernStore; the *_run functions run on the store thread only.
 */

#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include "tern-store-private.h"

/* A page of get_summaries is sent as one JSON array; big requests are cut
 * into batches of this many, each one statement execution. */
#define SUMMARIES_BATCH 1024

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernStoreOrderMemo, _tern_store_order_memo_free)

typedef struct
{
  /* in */
  TernStore *store; /* unowned: the job's task holds it */
  guint opens;      /* _tern_store_get_opens() when queued */
  char *folder_path;
  gint64 folder_id;
  TernStoreSort sort;
  gboolean descending;
  GArray *uids; /* of guint32, for get_summaries */
  GCancellable *cancellable;

  /* out, set on the store thread, read after _tern_store_run_finish() */
  gpointer result;
  GDestroyNotify result_free;
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_clear_pointer (&job->uids, g_array_unref);
  g_free (job->folder_path);
  g_clear_object (&job->cancellable);
  if (job->result != NULL && job->result_free != NULL)
    job->result_free (job->result);
  g_free (job);
}

static gboolean
check_db (sqlite3 *db, ListJob *job, GError **error)
{
  /* _tern_store_run_async() does not check the store is open. */
  if (db == NULL)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_CLOSED, "The cache is not open");
      return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (job->cancellable, error);
}

static void
list_job_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ListJob *job = g_task_get_task_data (task);
  GError *error = NULL;

  if (!_tern_store_run_finish (TERN_STORE (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&job->result), job->result_free);
}

static void
list_job_start (TernStore *self,
                ListJob *job,
                gpointer source_tag,
                TernStoreRunFunc func,
                GCancellable *cancellable,
                GAsyncReadyCallback callback,
                gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  job->store = self;
  job->opens = _tern_store_get_opens (self);
  if (cancellable != NULL)
    job->cancellable = g_object_ref (cancellable);
  g_task_set_task_data (task, job, (GDestroyNotify) list_job_free);
  /* The task (and so the job) lives until list_job_done(). */
  _tern_store_run_async (self, func, job, list_job_done, task);
}

static gboolean
list_job_check_finish (TernStore *self, GAsyncResult *result, gpointer source_tag)
{
  return g_task_is_valid (result, self) && g_task_get_source_tag (G_TASK (result)) == source_tag;
}

/* UIDs */

/* A folder's order read ahead, for the list_uids that asks for it next: at
 * start the window's first folder is read while the window is still being
 * built, instead of after the chain of calls that open it. It is used once,
 * and only if nothing was written since (this connection's change count,
 * and data_version for other connections: tern-cli). */
struct _TernStoreOrderMemo
{
  guint opens;
  gint64 folder_id;
  TernStoreSort sort;
  gboolean descending;
  sqlite3_int64 changes;
  gint64 data_version;
  GArray *uids;
};

void
_tern_store_order_memo_free (TernStoreOrderMemo *memo)
{
  g_clear_pointer (&memo->uids, g_array_unref);
  g_free (memo);
}

static gboolean
read_data_version (sqlite3 *db, gint64 *out, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "PRAGMA data_version", -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      *out = sqlite3_column_int64 (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Reading the data version");
  return TRUE;
}

static gboolean
read_uids (sqlite3 *db, ListJob *job, GArray **out, GError **error)
{
  g_autofree char *sql = NULL;
  g_autofree char *order = NULL;
  g_autoptr (GArray) uids = NULL;
  const char *key = _tern_store_sort_key (job->sort);
  const char *dir = job->descending ? "DESC" : "ASC";
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (key != NULL)
    order = g_strdup_printf ("%s %s, uid %s", key, dir, dir);
  else
    order = g_strdup_printf ("uid %s", dir);
  sql = g_strdup_printf ("SELECT uid FROM messages WHERE folder_id = ?1 AND uid NOT IN "
                         "(SELECT uid FROM messages WHERE folder_id = ?1 AND pending != 0) "
                         "ORDER BY %s",
                         order);
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Listing messages");
  sqlite3_bind_int64 (stmt, 1, job->folder_id);

  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (uids, uid);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _tern_store_set_error (error, db, rc, "Listing messages");
  *out = g_steal_pointer (&uids);
  return TRUE;
}

/* The memo, taken out of the store: whether it answers job. */
static gboolean
memo_answers (sqlite3 *db, TernStoreOrderMemo *memo, ListJob *job)
{
  gint64 data_version;

  return memo->opens == job->opens && memo->folder_id == job->folder_id &&
         memo->sort == job->sort && memo->descending == job->descending &&
         memo->changes == sqlite3_total_changes64 (db) &&
         read_data_version (db, &data_version, NULL) && data_version == memo->data_version;
}

static gboolean
list_uids_run (sqlite3 *db, gpointer data, GError **error)
{
  ListJob *job = data;
  TernStoreOrderMemo *memo = NULL;
  GArray *uids = NULL;

  if (!check_db (db, job, error))
    return FALSE;

  memo = g_steal_pointer (_tern_store_order_memo (job->store));
  if (memo != NULL && memo_answers (db, memo, job))
    uids = g_steal_pointer (&memo->uids);
  g_clear_pointer (&memo, _tern_store_order_memo_free);
  if (uids == NULL && !read_uids (db, job, &uids, error))
    return FALSE;

  job->result = uids;
  job->result_free = (GDestroyNotify) g_array_unref;
  return TRUE;
}

static gboolean
prefetch_uids_run (sqlite3 *db, gpointer data, GError **error)
{
  ListJob *job = data;
  g_autoptr (TernStoreOrderMemo) memo = NULL;

  if (!check_db (db, job, error))
    return FALSE;
  job->folder_id = _tern_store_folder_id_for_path (db, job->folder_path, error);
  if (job->folder_id < 0)
    return FALSE;
  if (job->folder_id == 0)
    return TRUE; /* not cached: nothing to read ahead */

  memo = g_new0 (TernStoreOrderMemo, 1);
  memo->opens = job->opens;
  memo->folder_id = job->folder_id;
  memo->sort = job->sort;
  memo->descending = job->descending;
  memo->changes = sqlite3_total_changes64 (db);
  if (!read_data_version (db, &memo->data_version, error) ||
      !read_uids (db, job, &memo->uids, error))
    return FALSE;
  g_clear_pointer (_tern_store_order_memo (job->store), _tern_store_order_memo_free);
  *_tern_store_order_memo (job->store) = g_steal_pointer (&memo);
  return TRUE;
}

/**
 * tern_store_prefetch_uids:
 * @folder_path: the folder's path on the server
 *
 * Reads the folder's order ahead, on the store thread, for the next
 * tern_store_list_uids_async() to answer at once if it asks for the same
 * folder and order and nothing was written in between. For a start, where
 * the first folder is known before the calls that open it are made.
 */
void
tern_store_prefetch_uids (TernStore *self,
                          const char *folder_path,
                          TernStoreSort sort,
                          gboolean descending)
{
  ListJob *job;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (folder_path != NULL);

  job = g_new0 (ListJob, 1);
  job->folder_path = g_strdup (folder_path);
  job->sort = sort;
  job->descending = descending;
  list_job_start (self, job, tern_store_prefetch_uids, prefetch_uids_run, NULL, NULL, NULL);
}

/**
 * tern_store_list_uids_async:
 *
 * Lists the UIDs of a folder's messages (those not pending removal) in the
 * given order, UID breaking ties in the same direction. One query over the
 * sort's index: 4 bytes per message.
 */
void
tern_store_list_uids_async (TernStore *self,
                            gint64 folder_id,
                            TernStoreSort sort,
                            gboolean descending,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  ListJob *job;

  g_return_if_fail (TERN_IS_STORE (self));

  job = g_new0 (ListJob, 1);
  job->folder_id = folder_id;
  job->sort = sort;
  job->descending = descending;
  list_job_start (self, job, tern_store_list_uids_async, list_uids_run, cancellable, callback,
                  user_data);
}

/* Returns (transfer full) a GArray of guint32 UIDs. */
GArray *
tern_store_list_uids_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (list_job_check_finish (self, result, tern_store_list_uids_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Summaries by UID */

static gboolean
get_summaries_run (sqlite3 *db, gpointer data, GError **error)
{
  ListJob *job = data;
  const guint32 *uids = (const guint32 *) (gpointer) job->uids->data;
  g_autoptr (GHashTable) found = NULL;
  g_autoptr (GPtrArray) summaries = NULL;
  g_autoptr (GString) json = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!check_db (db, job, error))
    return FALSE;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT uid, modseq, flags, keywords, internaldate, size, date, "
                           "subject, from_name, from_addr, to_addrs, cc_addrs, message_id, "
                           "in_reply_to, refs, bodystructure, has_attachments, preview "
                           "FROM messages WHERE folder_id = ? AND +pending = 0 "
                           "AND uid IN (SELECT value FROM json_each (?))",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Reading message summaries");

  found = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) tern_store_summary_free);
  json = g_string_sized_new (MIN (job->uids->len, SUMMARIES_BATCH) * 11 + 2);
  for (guint start = 0; start < job->uids->len; start += SUMMARIES_BATCH)
    {
      guint end = MIN (job->uids->len, start + SUMMARIES_BATCH);

      g_string_assign (json, "[");
      for (guint i = start; i < end; i++)
        g_string_append_printf (json, i > start ? ",%u" : "%u", uids[i]);
      g_string_append_c (json, ']');

      sqlite3_bind_int64 (stmt, 1, job->folder_id);
      sqlite3_bind_text (stmt, 2, json->str, (int) json->len, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          TernStoreSummary *s = _tern_store_read_summary (stmt);

          g_hash_table_replace (found, GUINT_TO_POINTER (s->uid), s);
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      if (rc != SQLITE_DONE)
        {
          sqlite3_finalize (stmt);
          return _tern_store_set_error (error, db, rc, "Reading message summaries");
        }
    }
  sqlite3_finalize (stmt);

  /* In the order asked; a UID asked twice is returned once. */
  summaries =
    g_ptr_array_new_full (g_hash_table_size (found), (GDestroyNotify) tern_store_summary_free);
  for (guint i = 0; i < job->uids->len; i++)
    {
      gpointer s = NULL;

      if (g_hash_table_steal_extended (found, GUINT_TO_POINTER (uids[i]), NULL, &s))
        g_ptr_array_add (summaries, s);
    }

  job->result = g_steal_pointer (&summaries);
  job->result_free = (GDestroyNotify) g_ptr_array_unref;
  return TRUE;
}

/**
 * tern_store_get_summaries_async:
 * @uids: (array length=n_uids): copied
 *
 * Reads the summaries of the given messages of a folder, in the order asked.
 * UIDs that are not cached, or pending removal, are left out.
 */
void
tern_store_get_summaries_async (TernStore *self,
                                gint64 folder_id,
                                const guint32 *uids,
                                guint n_uids,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  ListJob *job;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (uids != NULL || n_uids == 0);

  job = g_new0 (ListJob, 1);
  job->folder_id = folder_id;
  job->uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_uids);
  g_array_append_vals (job->uids, uids, n_uids);
  list_job_start (self, job, tern_store_get_summaries_async, get_summaries_run, cancellable,
                  callback, user_data);
}

/* Returns (transfer full) a GPtrArray of TernStoreSummary. */
GPtrArray *
tern_store_get_summaries_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (list_job_check_finish (self, result, tern_store_get_summaries_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Threading headers */

struct _TernStoreThreading
{
  GArray *entries; /* of TernStoreThreadEntry */
  GStringChunk *strings;
};

void
tern_store_threading_free (TernStoreThreading *threading)
{
  if (threading == NULL)
    return;
  g_array_unref (threading->entries);
  g_string_chunk_free (threading->strings);
  g_free (threading);
}

/* Returns: (array length=n_entries): the messages by ascending UID */
const TernStoreThreadEntry *
tern_store_threading_get_entries (TernStoreThreading *threading, guint *n_entries)
{
  g_return_val_if_fail (threading != NULL, NULL);
  g_return_val_if_fail (n_entries != NULL, NULL);

  *n_entries = threading->entries->len;
  return (const TernStoreThreadEntry *) (gpointer) threading->entries->data;
}

static const char *
column_chunk (GStringChunk *strings, sqlite3_stmt *stmt, int index)
{
  const char *text = (const char *) sqlite3_column_text (stmt, index);

  return text != NULL && *text != '\0' ? g_string_chunk_insert (strings, text) : NULL;
}

static gboolean
get_threading_run (sqlite3 *db, gpointer data, GError **error)
{
  ListJob *job = data;
  TernStoreThreading *threading;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!check_db (db, job, error))
    return FALSE;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT uid, date, message_id, in_reply_to, refs, subject "
                           "FROM messages WHERE folder_id = ? AND +pending = 0 ORDER BY uid",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Reading threading headers");
  sqlite3_bind_int64 (stmt, 1, job->folder_id);

  threading = g_new0 (TernStoreThreading, 1);
  threading->entries = g_array_new (FALSE, FALSE, sizeof (TernStoreThreadEntry));
  threading->strings = g_string_chunk_new (64 * 1024);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TernStoreThreadEntry entry;

      entry.uid = (guint32) sqlite3_column_int64 (stmt, 0);
      entry.date = sqlite3_column_int64 (stmt, 1);
      entry.message_id = column_chunk (threading->strings, stmt, 2);
      entry.in_reply_to = column_chunk (threading->strings, stmt, 3);
      entry.references = column_chunk (threading->strings, stmt, 4);
      entry.subject = column_chunk (threading->strings, stmt, 5);
      g_array_append_val (threading->entries, entry);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      tern_store_threading_free (threading);
      return _tern_store_set_error (error, db, rc, "Reading threading headers");
    }

  job->result = threading;
  job->result_free = (GDestroyNotify) tern_store_threading_free;
  return TRUE;
}

/**
 * tern_store_get_threading_async:
 *
 * Reads what conversation threading needs (UID, Date, Message-ID,
 * In-Reply-To, References, Subject) of every message of a folder that is not
 * pending removal, by ascending UID, with the strings in one chunk.
 */
void
tern_store_get_threading_async (TernStore *self,
                                gint64 folder_id,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  ListJob *job;

  g_return_if_fail (TERN_IS_STORE (self));

  job = g_new0 (ListJob, 1);
  job->folder_id = folder_id;
  list_job_start (self, job, tern_store_get_threading_async, get_threading_run, cancellable,
                  callback, user_data);
}

/* Returns (transfer full) the threading headers, free with
 * tern_store_threading_free(). */
TernStoreThreading *
tern_store_get_threading_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (list_job_check_finish (self, result, tern_store_get_threading_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
