/* tern-store.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernStore: one account's SQLite cache (DESIGN decisions 1, 5 and 7). One
 * dedicated thread owns the only sqlite3 connection and takes jobs from a
 * queue, in order; every public call is _async/_finish on a GTask whose
 * callback runs on the caller's thread-default main context.
 *
 * At open, a database that is not SQLite or fails PRAGMA quick_check is moved
 * aside to cache.db.corrupt-<timestamp> and a fresh one is created; the rows
 * of its operations queue that can still be read are carried over first.
 * The "rebuilt" property tells the UI.
 *
 * Threading: the object is used from one main context; the StoreCtx and the
 * sqlite3 handle belong to the store thread only.
 */

#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "tern-store-private.h"

/* Everything the store thread owns. Freed by the thread when it leaves. */
typedef struct
{
  char *path;
  GAsyncQueue *queue;
  GThread *thread;
  sqlite3 *db;
} StoreCtx;

typedef void (*StoreJobFunc) (StoreCtx *ctx, GTask *task, gpointer task_data);

/* How long a statement waits for another process's transaction. */
#define BUSY_TIMEOUT_MS 30000

typedef struct
{
  GTask *task;
  StoreJobFunc func;
} StoreJob;

struct _TernStore
{
  GObject parent_instance;

  /* owned */
  char *path;
  GThread *thread;
  GAsyncQueue *queue;
  guint salvaged_ops;
  guint opens; /* tern_store_open_async() calls: tells the connections apart */

  /* Store thread only: one folder order read ahead (tern-store-list.c). */
  TernStoreOrderMemo *order_memo;

  guint rebuilt : 1;
};

enum
{
  PROP_0,
  PROP_PATH,
  PROP_REBUILT,
  PROP_SALVAGED_OPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TernStore, tern_store, G_TYPE_OBJECT)

/* Spelt out rather than G_DEFINE_QUARK (see tern-imap-error.c). */
GQuark
tern_store_error_quark (void)
{
  return g_quark_from_static_string ("tern-store-error-quark");
}

/* Boxed types */

TernStoreFolder *
tern_store_folder_new (const char *path)
{
  TernStoreFolder *folder = g_new0 (TernStoreFolder, 1);

  folder->path = g_strdup (path);
  return folder;
}

TernStoreFolder *
tern_store_folder_copy (const TernStoreFolder *folder)
{
  TernStoreFolder *copy = g_memdup2 (folder, sizeof *folder);

  copy->path = g_strdup (folder->path);
  copy->delimiter = g_strdup (folder->delimiter);
  copy->role = g_strdup (folder->role);
  copy->sync_state = g_strdup (folder->sync_state);
  return copy;
}

void
tern_store_folder_free (TernStoreFolder *folder)
{
  if (folder == NULL)
    return;
  g_free (folder->path);
  g_free (folder->delimiter);
  g_free (folder->role);
  g_free (folder->sync_state);
  g_free (folder);
}

G_DEFINE_BOXED_TYPE (TernStoreFolder,
                     tern_store_folder,
                     tern_store_folder_copy,
                     tern_store_folder_free)

TernStoreSummary *
tern_store_summary_new (guint32 uid)
{
  TernStoreSummary *summary = g_new0 (TernStoreSummary, 1);

  summary->uid = uid;
  return summary;
}

TernStoreSummary *
tern_store_summary_copy (const TernStoreSummary *summary)
{
  TernStoreSummary *copy = g_memdup2 (summary, sizeof *summary);

  copy->keywords = g_strdup (summary->keywords);
  copy->subject = g_strdup (summary->subject);
  copy->from_name = g_strdup (summary->from_name);
  copy->from_addr = g_strdup (summary->from_addr);
  copy->to = g_strdup (summary->to);
  copy->cc = g_strdup (summary->cc);
  copy->message_id = g_strdup (summary->message_id);
  copy->in_reply_to = g_strdup (summary->in_reply_to);
  copy->references = g_strdup (summary->references);
  copy->bodystructure = summary->bodystructure ? g_bytes_ref (summary->bodystructure) : NULL;
  copy->preview = g_strdup (summary->preview);
  return copy;
}

void
tern_store_summary_free (TernStoreSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->keywords);
  g_free (summary->subject);
  g_free (summary->from_name);
  g_free (summary->from_addr);
  g_free (summary->to);
  g_free (summary->cc);
  g_free (summary->message_id);
  g_free (summary->in_reply_to);
  g_free (summary->references);
  g_clear_pointer (&summary->bodystructure, g_bytes_unref);
  g_free (summary->preview);
  g_free (summary);
}

G_DEFINE_BOXED_TYPE (TernStoreSummary,
                     tern_store_summary,
                     tern_store_summary_copy,
                     tern_store_summary_free)

TernStoreOp *
tern_store_op_new (const char *type, const char *folder, const char *uids, const char *args)
{
  TernStoreOp *op = g_new0 (TernStoreOp, 1);

  op->type = g_strdup (type);
  op->folder = g_strdup (folder);
  op->uids = g_strdup (uids);
  op->args = g_strdup (args);
  return op;
}

TernStoreOp *
tern_store_op_copy (const TernStoreOp *op)
{
  TernStoreOp *copy = g_memdup2 (op, sizeof *op);

  copy->type = g_strdup (op->type);
  copy->folder = g_strdup (op->folder);
  copy->uids = g_strdup (op->uids);
  copy->args = g_strdup (op->args);
  return copy;
}

void
tern_store_op_free (TernStoreOp *op)
{
  if (op == NULL)
    return;
  g_free (op->type);
  g_free (op->folder);
  g_free (op->uids);
  g_free (op->args);
  g_free (op);
}

G_DEFINE_BOXED_TYPE (TernStoreOp, tern_store_op, tern_store_op_copy, tern_store_op_free)

/* SQLite helpers (store thread) */

gboolean
_tern_store_set_error (GError **error, sqlite3 *db, int rc, const char *what)
{
  TernStoreError code;

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      code = TERN_STORE_ERROR_FULL;
      break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      code = TERN_STORE_ERROR_IO;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = TERN_STORE_ERROR_CORRUPT;
      break;
    default:
      code = TERN_STORE_ERROR_FAILED;
      break;
    }

  g_set_error (error, TERN_STORE_ERROR, code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  return FALSE;
}

gboolean
_tern_store_exec (sqlite3 *db, const char *sql, GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Updating the cache");
  return TRUE;
}

static void
ctx_assert_thread (StoreCtx *ctx)
{
  /* The one rule that makes a single connection safe. */
  g_assert (g_thread_self () == ctx->thread);
}

static sqlite3_stmt *
ctx_prepare (StoreCtx *ctx, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  ctx_assert_thread (ctx);
  rc = sqlite3_prepare_v2 (ctx->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _tern_store_set_error (error, ctx->db, rc, "Preparing a cache query");
      return NULL;
    }
  return stmt;
}

static gboolean
ctx_begin (StoreCtx *ctx, GError **error)
{
  ctx_assert_thread (ctx);
  return _tern_store_exec (ctx->db, "BEGIN IMMEDIATE", error);
}

static gboolean
ctx_commit (StoreCtx *ctx, GError **error)
{
  ctx_assert_thread (ctx);
  if (_tern_store_exec (ctx->db, "COMMIT", error))
    return TRUE;
  _tern_store_exec (ctx->db, "ROLLBACK", NULL);
  return FALSE;
}

static void
ctx_rollback (StoreCtx *ctx)
{
  ctx_assert_thread (ctx);
  if (!sqlite3_get_autocommit (ctx->db))
    _tern_store_exec (ctx->db, "ROLLBACK", NULL);
}

/* Steps a statement that returns no rows, and resets it for reuse. */
static gboolean
step_done (StoreCtx *ctx, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _tern_store_set_error (error, ctx->db, rc, "Updating the cache");
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_dup (sqlite3_stmt *stmt, int index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

/* A summary from a row whose columns are, in order: uid, modseq, flags,
 * keywords, internaldate, size, date, subject, from_name, from_addr,
 * to_addrs, cc_addrs, message_id, in_reply_to, refs, bodystructure,
 * has_attachments, preview. */
TernStoreSummary *
_tern_store_read_summary (sqlite3_stmt *stmt)
{
  TernStoreSummary *s = tern_store_summary_new ((guint32) sqlite3_column_int64 (stmt, 0));

  s->modseq = (guint64) sqlite3_column_int64 (stmt, 1);
  s->flags = (TernStoreFlags) sqlite3_column_int (stmt, 2);
  s->keywords = column_dup (stmt, 3);
  s->internaldate = sqlite3_column_int64 (stmt, 4);
  s->size = (guint64) sqlite3_column_int64 (stmt, 5);
  s->date = sqlite3_column_int64 (stmt, 6);
  s->subject = column_dup (stmt, 7);
  s->from_name = column_dup (stmt, 8);
  s->from_addr = column_dup (stmt, 9);
  s->to = column_dup (stmt, 10);
  s->cc = column_dup (stmt, 11);
  s->message_id = column_dup (stmt, 12);
  s->in_reply_to = column_dup (stmt, 13);
  s->references = column_dup (stmt, 14);
  if (sqlite3_column_type (stmt, 15) == SQLITE_BLOB)
    s->bodystructure =
      g_bytes_new (sqlite3_column_blob (stmt, 15), (gsize) sqlite3_column_bytes (stmt, 15));
  s->has_attachments = sqlite3_column_int (stmt, 16) != 0;
  s->preview = column_dup (stmt, 17);
  return s;
}

/* The store thread */

static void put_clean_mark (const char *path);

static gpointer
store_thread_main (gpointer data)
{
  StoreCtx *ctx = data;

  ctx->thread = g_thread_self ();

  for (;;)
    {
      StoreJob *job = g_async_queue_pop (ctx->queue);

      if (job->func == NULL)
        {
          g_free (job);
          break;
        }

      if (!g_task_return_error_if_cancelled (job->task))
        job->func (ctx, job->task, g_task_get_task_data (job->task));
      /* Never touch the TernStore after this: it may be finalized by it. */
      g_object_unref (job->task);
      g_free (job);
    }

  if (ctx->db != NULL && sqlite3_close (ctx->db) != SQLITE_OK)
    g_critical ("Closing the cache %s: %s", ctx->path, sqlite3_errmsg (ctx->db));
  else if (ctx->db != NULL)
    put_clean_mark (ctx->path);
  g_async_queue_unref (ctx->queue);
  g_free (ctx->path);
  g_free (ctx);
  return NULL;
}

static void
store_push (TernStore *self, GTask *task, StoreJobFunc func)
{
  StoreJob *job = g_new0 (StoreJob, 1);

  job->task = task;
  job->func = func;
  g_async_queue_push (self->queue, job);
}

static gboolean
ctx_check_open (StoreCtx *ctx, GTask *task)
{
  ctx_assert_thread (ctx);
  if (ctx->db != NULL)
    return TRUE;
  g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_CLOSED,
                           "The cache is not open");
  return FALSE;
}

/* Open, integrity check, salvage */

typedef struct
{
  gboolean rebuilt;
  guint salvaged_ops;
} OpenResult;

/* Reads what can be read of a damaged database's operations queue. */
static GPtrArray *
salvage_ops (sqlite3 *db)
{
  GPtrArray *ops = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_op_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT id, type, folder, uids, args, created, attempts, state "
                           "FROM ops ORDER BY id",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      g_message ("No operations could be salvaged: %s", sqlite3_errmsg (db));
      return ops;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TernStoreOp *op;

      if (sqlite3_column_type (stmt, 1) != SQLITE_TEXT ||
          sqlite3_column_type (stmt, 2) != SQLITE_TEXT)
        continue;
      op = tern_store_op_new ((const char *) sqlite3_column_text (stmt, 1),
                              (const char *) sqlite3_column_text (stmt, 2),
                              (const char *) sqlite3_column_text (stmt, 3),
                              (const char *) sqlite3_column_text (stmt, 4));
      op->id = sqlite3_column_int64 (stmt, 0);
      op->created = sqlite3_column_int64 (stmt, 5);
      op->attempts = (guint) sqlite3_column_int (stmt, 6);
      op->state = TERN_STORE_OP_PENDING;
      g_ptr_array_add (ops, op);
    }
  if (rc != SQLITE_DONE)
    g_message ("Operations salvaged up to a damaged row: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return ops;
}

typedef enum
{
  INTEGRITY_OK,
  INTEGRITY_DAMAGED,
  INTEGRITY_ERROR,
} Integrity;

static gboolean
is_damage (int rc)
{
  return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* Only real damage sends a file aside: a database that is busy (another
 * process holds it) or unreadable for an I/O reason is an error instead. */
static Integrity
check_integrity (sqlite3 *db, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  Integrity result = INTEGRITY_DAMAGED;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      if (!is_damage (rc))
        {
          _tern_store_set_error (error, db, rc, "Checking the cache");
          return INTEGRITY_ERROR;
        }
      g_message ("The cache cannot be checked: %s", sqlite3_errmsg (db));
      return INTEGRITY_DAMAGED;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (text, "ok") == 0)
        result = INTEGRITY_OK;
      else
        g_message ("The cache failed its integrity check: %.200s", text);
    }
  else if (is_damage (rc))
    g_message ("The cache failed its integrity check: %s", sqlite3_errmsg (db));
  else
    {
      _tern_store_set_error (error, db, rc, "Checking the cache");
      result = INTEGRITY_ERROR;
    }
  sqlite3_finalize (stmt);
  return result;
}

/* What the file was when it was last closed cleanly: size, modification and
 * change times, inode. A file that still matches has been written by SQLite
 * alone since it was last checked, so the check (a read of the whole file,
 * 0.35 s at 100 000 messages, on the way to the first painted list) is
 * skipped; any other writer, or a crash, leaves no match. */
static char *
file_stamp (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT " %lld.%09ld %lld.%09ld %" G_GUINT64_FORMAT,
                          (guint64) st.st_size, (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                          (long long) st.st_ctim.tv_sec, st.st_ctim.tv_nsec, (guint64) st.st_ino);
}

/* Whether the cache is as it was left by a clean close; the mark is used up. */
static gboolean
take_clean_mark (const char *path)
{
  g_autofree char *mark_path = g_strconcat (path, ".clean", NULL);
  g_autofree char *wal_path = g_strconcat (path, "-wal", NULL);
  g_autofree char *mark = NULL;
  g_autofree char *stamp = NULL;

  if (!g_file_get_contents (mark_path, &mark, NULL, NULL))
    return FALSE;
  g_unlink (mark_path);
  stamp = file_stamp (path);
  return stamp != NULL && g_strcmp0 (mark, stamp) == 0 &&
         !g_file_test (wal_path, G_FILE_TEST_EXISTS);
}

/* After the last connection closed (no write-ahead log left). */
static void
put_clean_mark (const char *path)
{
  g_autofree char *mark_path = g_strconcat (path, ".clean", NULL);
  g_autofree char *wal_path = g_strconcat (path, "-wal", NULL);
  g_autofree char *stamp = NULL;

  if (g_file_test (wal_path, G_FILE_TEST_EXISTS) || (stamp = file_stamp (path)) == NULL)
    return;
  g_file_set_contents (mark_path, stamp, -1, NULL);
}

static gboolean
move_aside (const char *path, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strdup_printf ("%s.corrupt-%s%s", path, stamp, suffixes[i]);

      if (g_rename (from, to) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_IO,
                       "Moving the damaged cache %s aside: %s", from, g_strerror (saved));
          return FALSE;
        }
      if (i == 0)
        g_message ("Damaged cache moved to %s", to);
    }
  return TRUE;
}

static gboolean
restore_ops (StoreCtx *ctx, GPtrArray *ops, GError **error)
{
  sqlite3_stmt *stmt;

  if (ops->len == 0)
    return TRUE;
  if (!ctx_begin (ctx, error))
    return FALSE;
  stmt = ctx_prepare (ctx,
                      "INSERT INTO ops (id, type, folder, uids, args, created, attempts, state) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                      error);
  if (stmt == NULL)
    {
      ctx_rollback (ctx);
      return FALSE;
    }
  for (guint i = 0; i < ops->len; i++)
    {
      TernStoreOp *op = g_ptr_array_index (ops, i);

      sqlite3_bind_int64 (stmt, 1, op->id);
      bind_text (stmt, 2, op->type);
      bind_text (stmt, 3, op->folder);
      bind_text (stmt, 4, op->uids != NULL ? op->uids : "");
      bind_text (stmt, 5, op->args);
      sqlite3_bind_int64 (stmt, 6, op->created);
      sqlite3_bind_int (stmt, 7, (int) op->attempts);
      if (!step_done (ctx, stmt, error))
        {
          sqlite3_finalize (stmt);
          ctx_rollback (ctx);
          return FALSE;
        }
    }
  sqlite3_finalize (stmt);
  return ctx_commit (ctx, error);
}

static gboolean
open_db (StoreCtx *ctx, OpenResult *result, GError **error)
{
  g_autoptr (GPtrArray) salvaged = NULL;
  g_autofree char *dir = g_path_get_dirname (ctx->path);
  int rc;

  ctx_assert_thread (ctx);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_IO, "Creating %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }

  if (g_file_test (ctx->path, G_FILE_TEST_EXISTS))
    {
      sqlite3 *old = NULL;
      Integrity integrity;
      gboolean clean = take_clean_mark (ctx->path);

      rc = sqlite3_open_v2 (ctx->path, &old, SQLITE_OPEN_READWRITE, NULL);
      if (rc != SQLITE_OK)
        {
          _tern_store_set_error (error, old, rc, "Opening the cache");
          sqlite3_close (old);
          return FALSE;
        }
      /* tern and tern-cli may have the same cache open: wait for the other's
       * transaction rather than fail with SQLITE_BUSY. */
      sqlite3_busy_timeout (old, BUSY_TIMEOUT_MS);
      integrity = clean ? INTEGRITY_OK : check_integrity (old, error);
      if (integrity == INTEGRITY_ERROR)
        {
          sqlite3_close (old);
          return FALSE;
        }
      if (integrity == INTEGRITY_DAMAGED)
        {
          salvaged = salvage_ops (old);
          sqlite3_close (old);
          if (!move_aside (ctx->path, error))
            return FALSE;
          result->rebuilt = TRUE;
          result->salvaged_ops = salvaged->len;
        }
      else
        ctx->db = old;
    }

  if (ctx->db == NULL)
    {
      rc = sqlite3_open_v2 (ctx->path, &ctx->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
      if (rc != SQLITE_OK)
        {
          _tern_store_set_error (error, ctx->db, rc, "Creating the cache");
          g_clear_pointer (&ctx->db, sqlite3_close);
          return FALSE;
        }
    }

  sqlite3_busy_timeout (ctx->db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (ctx->db, 1);
  /* 16 MiB of page cache: 32 MiB made tern-cli sync of 100 000 messages
   * take 67 MB resident (budget 60 MB) and was no faster. */
  if (!_tern_store_exec (ctx->db,
                         "PRAGMA journal_mode = WAL;"
                         "PRAGMA synchronous = NORMAL;"
                         "PRAGMA foreign_keys = ON;"
                         "PRAGMA cache_size = -16384;",
                         error) ||
      !_tern_store_migrate (ctx->db, _tern_store_n_migrations, error) ||
      (salvaged != NULL && !restore_ops (ctx, salvaged, error)))
    {
      g_clear_pointer (&ctx->db, sqlite3_close);
      return FALSE;
    }

  return TRUE;
}

static void
open_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  g_autofree OpenResult *result = g_new0 (OpenResult, 1);
  GError *error = NULL;

  if (ctx->db != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&result), g_free);
      return;
    }
  if (!open_db (ctx, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&result), g_free);
}

static void
open_done (GObject *object, GAsyncResult *res, gpointer user_data)
{
  TernStore *self = TERN_STORE (object);
  g_autoptr (GTask) task = user_data;
  g_autofree OpenResult *result = NULL;
  GError *error = NULL;

  result = g_task_propagate_pointer (G_TASK (res), &error);
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (result->rebuilt && !self->rebuilt)
    {
      self->rebuilt = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REBUILT]);
    }
  if (result->salvaged_ops != self->salvaged_ops)
    {
      self->salvaged_ops = result->salvaged_ops;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SALVAGED_OPS]);
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * tern_store_open_async:
 *
 * Opens (creating, migrating or rebuilding) the database. Every other call
 * fails with TERN_STORE_ERROR_CLOSED until this has succeeded.
 */
void
tern_store_open_async (TernStore *self,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  GTask *task;
  GTask *inner;

  g_return_if_fail (TERN_IS_STORE (self));

  self->opens++;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_store_open_async);
  inner = g_task_new (self, cancellable, open_done, task);
  g_task_set_source_tag (inner, open_worker);
  store_push (self, inner, open_worker);
}

gboolean
tern_store_open_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
close_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  ctx_assert_thread (ctx);
  if (ctx->db != NULL)
    {
      int rc = sqlite3_close (ctx->db);

      if (rc != SQLITE_OK)
        {
          GError *error = NULL;

          _tern_store_set_error (&error, ctx->db, rc, "Closing the cache");
          g_task_return_error (task, error);
          return;
        }
      ctx->db = NULL;
      put_clean_mark (ctx->path);
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * tern_store_close_async:
 *
 * Closes the database once the calls queued before this one are done; later
 * calls fail with TERN_STORE_ERROR_CLOSED until it is opened again. Dropping
 * the last reference closes it too, but possibly later, on the store thread.
 */
void
tern_store_close_async (TernStore *self,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TERN_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_store_close_async);
  store_push (self, task, close_worker);
}

gboolean
tern_store_close_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* A helper for the common shape: make a task, set its data, push a job. */
static void
store_call (TernStore *self,
            gpointer source_tag,
            gpointer task_data,
            GDestroyNotify task_data_free,
            StoreJobFunc func,
            GCancellable *cancellable,
            GAsyncReadyCallback callback,
            gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (task_data != NULL)
    g_task_set_task_data (task, task_data, task_data_free);
  store_push (self, task, func);
}

static gboolean
check_finish (TernStore *self, GAsyncResult *result, gpointer source_tag)
{
  return g_task_is_valid (result, self) && g_task_get_source_tag (G_TASK (result)) == source_tag;
}

/* Folders */

/* Deletes a folder's FTS rows in one statement (one rowid range), so that the
 * per-row trigger of the message delete that follows finds nothing to do. */
static gboolean
drop_folder_fts (StoreCtx *ctx, gint64 folder_id, GError **error)
{
  sqlite3_stmt *stmt =
    ctx_prepare (ctx, "DELETE FROM message_fts WHERE rowid BETWEEN ? AND ?", error);
  gboolean ok;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id << 32);
  sqlite3_bind_int64 (stmt, 2, (folder_id << 32) | G_GINT64_CONSTANT (0xffffffff));
  ok = step_done (ctx, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

typedef struct
{
  gint64 id;
  gboolean reset;
} UpsertResult;

static void
upsert_folder_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  TernStoreFolder *folder = task_data;
  UpsertResult *result;
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;
  gboolean reset = FALSE;
  gint64 id = 0;
  int rc;

  if (!ctx_check_open (ctx, task) || !ctx_begin (ctx, &error))
    goto out;

  stmt = ctx_prepare (ctx, "SELECT id, uidvalidity FROM folders WHERE path = ?", &error);
  if (stmt == NULL)
    goto out;
  bind_text (stmt, 1, folder->path);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      guint32 old = (guint32) sqlite3_column_int64 (stmt, 1);

      id = sqlite3_column_int64 (stmt, 0);
      reset = old != 0 && folder->uidvalidity != 0 && old != folder->uidvalidity;
    }
  else if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Reading a folder");
      goto out;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* A new UIDVALIDITY makes every cached UID of this folder meaningless. */
  if (reset)
    {
      if (!drop_folder_fts (ctx, id, &error))
        goto out;
      stmt = ctx_prepare (ctx, "DELETE FROM messages WHERE folder_id = ?", &error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!step_done (ctx, stmt, &error))
        goto out;
      g_clear_pointer (&stmt, sqlite3_finalize);
      g_message ("UIDVALIDITY of %s changed: its cache was dropped", folder->path);
    }

  stmt = ctx_prepare (ctx,
                      "INSERT INTO folders (path, delimiter, role, uidvalidity, uidnext, "
                      "highestmodseq, sync_state) VALUES (?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (path) DO UPDATE SET delimiter = excluded.delimiter, "
                      "role = excluded.role, uidvalidity = excluded.uidvalidity, "
                      "uidnext = excluded.uidnext, highestmodseq = excluded.highestmodseq, "
                      "sync_state = excluded.sync_state RETURNING id",
                      &error);
  if (stmt == NULL)
    goto out;
  bind_text (stmt, 1, folder->path);
  bind_text (stmt, 2, folder->delimiter);
  bind_text (stmt, 3, folder->role);
  sqlite3_bind_int64 (stmt, 4, folder->uidvalidity);
  sqlite3_bind_int64 (stmt, 5, folder->uidnext);
  sqlite3_bind_int64 (stmt, 6, (sqlite3_int64) folder->highestmodseq);
  bind_text (stmt, 7, folder->sync_state);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Storing a folder");
      goto out;
    }
  id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!ctx_commit (ctx, &error))
    goto out;

  result = g_new0 (UpsertResult, 1);
  result->id = id;
  result->reset = reset;
  g_task_return_pointer (task, result, g_free);
  return;

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (error != NULL)
    {
      ctx_rollback (ctx);
      g_task_return_error (task, error);
    }
}

/**
 * tern_store_upsert_folder_async:
 *
 * Inserts or updates the folder with folder->path (folder->id is ignored). When
 * the cached UIDVALIDITY differs from folder->uidvalidity (both non-zero), that
 * folder's messages are dropped in the same transaction, and nothing else.
 */
void
tern_store_upsert_folder_async (TernStore *self,
                                const TernStoreFolder *folder,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (folder != NULL && folder->path != NULL);

  store_call (self, tern_store_upsert_folder_async, tern_store_folder_copy (folder),
              (GDestroyNotify) tern_store_folder_free, upsert_folder_worker, cancellable, callback,
              user_data);
}

/* Returns the folder id, or 0 with error set. */
gint64
tern_store_upsert_folder_finish (TernStore *self,
                                 GAsyncResult *result,
                                 gboolean *out_uidvalidity_reset,
                                 GError **error)
{
  g_autofree UpsertResult *upsert = NULL;

  g_return_val_if_fail (check_finish (self, result, tern_store_upsert_folder_async), 0);

  upsert = g_task_propagate_pointer (G_TASK (result), error);
  if (upsert == NULL)
    return 0;
  if (out_uidvalidity_reset != NULL)
    *out_uidvalidity_reset = upsert->reset;
  return upsert->id;
}

static void
list_folders_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  g_autoptr (GPtrArray) folders = NULL;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;
  stmt = ctx_prepare (ctx,
                      "SELECT id, path, delimiter, role, uidvalidity, uidnext, highestmodseq, "
                      "sync_state FROM folders ORDER BY path",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  folders = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_folder_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TernStoreFolder *folder =
        tern_store_folder_new ((const char *) sqlite3_column_text (stmt, 1));

      folder->id = sqlite3_column_int64 (stmt, 0);
      folder->delimiter = column_dup (stmt, 2);
      folder->role = column_dup (stmt, 3);
      folder->uidvalidity = (guint32) sqlite3_column_int64 (stmt, 4);
      folder->uidnext = (guint32) sqlite3_column_int64 (stmt, 5);
      folder->highestmodseq = (guint64) sqlite3_column_int64 (stmt, 6);
      folder->sync_state = column_dup (stmt, 7);
      g_ptr_array_add (folders, folder);
    }
  if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Listing folders");
      sqlite3_finalize (stmt);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_finalize (stmt);
  g_task_return_pointer (task, g_steal_pointer (&folders), (GDestroyNotify) g_ptr_array_unref);
}

void
tern_store_list_folders_async (TernStore *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));

  store_call (self, tern_store_list_folders_async, NULL, NULL, list_folders_worker, cancellable,
              callback, user_data);
}

/* Returns (transfer full) a GPtrArray of TernStoreFolder, ordered by path. */
GPtrArray *
tern_store_list_folders_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_list_folders_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Runs one statement with up to one text or integer argument in its own
 * transaction; the shape of several small writes. */
static gboolean
exec_one (StoreCtx *ctx, const char *sql, const char *text, gint64 number, GError **error)
{
  sqlite3_stmt *stmt = ctx_prepare (ctx, sql, error);
  gboolean ok;

  if (stmt == NULL)
    return FALSE;
  if (text != NULL)
    bind_text (stmt, 1, text);
  else
    sqlite3_bind_int64 (stmt, 1, number);
  ok = step_done (ctx, stmt, error);
  sqlite3_finalize (stmt);
  return ok;
}

static void
delete_folder_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  const char *path = task_data;
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;
  gint64 id = 0;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;
  if (!ctx_begin (ctx, &error))
    goto fail;
  stmt = ctx_prepare (ctx, "SELECT id FROM folders WHERE path = ?", &error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, path);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Reading a folder");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (id == 0)
    {
      g_set_error (&error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND, "No cached folder %s",
                   path);
      goto fail;
    }

  /* Messages and parts follow through ON DELETE CASCADE; the ops queue keeps
   * paths and is left alone. */
  if (!drop_folder_fts (ctx, id, &error) ||
      !exec_one (ctx, "DELETE FROM folders WHERE id = ?", NULL, id, &error) ||
      !ctx_commit (ctx, &error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  ctx_rollback (ctx);
  g_task_return_error (task, error);
}

void
tern_store_delete_folder_async (TernStore *self,
                                const char *path,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (path != NULL);

  store_call (self, tern_store_delete_folder_async, g_strdup (path), g_free, delete_folder_worker,
              cancellable, callback, user_data);
}

gboolean
tern_store_delete_folder_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_delete_folder_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Summaries */

typedef struct
{
  gint64 folder_id;
  GPtrArray *summaries;
} SummariesData;

static void
summaries_data_free (SummariesData *data)
{
  g_ptr_array_unref (data->summaries);
  g_free (data);
}

/* Binds ?1…?19 of the insert and update statements of a summary. */
static void
bind_summary (sqlite3_stmt *stmt, gint64 folder_id, const TernStoreSummary *s)
{
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, s->uid);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) s->modseq);
  sqlite3_bind_int (stmt, 4, (int) s->flags);
  bind_text (stmt, 5, s->keywords);
  sqlite3_bind_int64 (stmt, 6, s->internaldate);
  sqlite3_bind_int64 (stmt, 7, (sqlite3_int64) s->size);
  sqlite3_bind_int64 (stmt, 8, s->date);
  bind_text (stmt, 9, s->subject);
  bind_text (stmt, 10, s->from_name);
  bind_text (stmt, 11, s->from_addr);
  bind_text (stmt, 12, s->to);
  bind_text (stmt, 13, s->cc);
  bind_text (stmt, 14, s->message_id);
  bind_text (stmt, 15, s->in_reply_to);
  bind_text (stmt, 16, s->references);
  if (s->bodystructure != NULL)
    {
      gsize size;
      gconstpointer bytes = g_bytes_get_data (s->bodystructure, &size);

      sqlite3_bind_blob64 (stmt, 17, bytes, size, SQLITE_STATIC);
    }
  else
    sqlite3_bind_null (stmt, 17);
  sqlite3_bind_int (stmt, 18, s->has_attachments ? 1 : 0);
  bind_text (stmt, 19, s->preview);
}

static char *
join_pair (const char *a, const char *b)
{
  return g_strconcat (a != NULL ? a : "", " ", b != NULL ? b : "", NULL);
}

static void
store_summaries_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  SummariesData *data = task_data;
  sqlite3_stmt *insert = NULL;
  sqlite3_stmt *update = NULL;
  sqlite3_stmt *fts = NULL;
  GError *error = NULL;

  if (!ctx_check_open (ctx, task))
    return;
  if (!ctx_begin (ctx, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Prepared once, one transaction for the whole batch: all rows or none. */
  insert = ctx_prepare (ctx,
                        "INSERT INTO messages (folder_id, uid, modseq, flags, keywords, "
                        "internaldate, size, date, subject, from_name, from_addr, to_addrs, "
                        "cc_addrs, message_id, in_reply_to, refs, bodystructure, has_attachments, "
                        "preview) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                        "?14, ?15, ?16, ?17, ?18, ?19) ON CONFLICT (folder_id, uid) DO NOTHING",
                        &error);
  if (insert == NULL)
    goto fail;
  update = ctx_prepare (ctx,
                        "UPDATE messages SET modseq = ?3, flags = ?4, keywords = ?5, "
                        "internaldate = ?6, size = ?7, date = ?8, subject = ?9, from_name = ?10, "
                        "from_addr = ?11, to_addrs = ?12, cc_addrs = ?13, message_id = ?14, "
                        "in_reply_to = ?15, refs = ?16, bodystructure = ?17, "
                        "has_attachments = ?18, preview = ?19 WHERE folder_id = ?1 AND uid = ?2 "
                        /* A row that did not change costs no index or FTS work. */
                        "AND (modseq IS NOT ?3 OR flags IS NOT ?4 OR keywords IS NOT ?5 "
                        "OR internaldate IS NOT ?6 OR size IS NOT ?7 OR date IS NOT ?8 "
                        "OR subject IS NOT ?9 OR from_name IS NOT ?10 OR from_addr IS NOT ?11 "
                        "OR to_addrs IS NOT ?12 OR cc_addrs IS NOT ?13 OR message_id IS NOT ?14 "
                        "OR in_reply_to IS NOT ?15 OR refs IS NOT ?16 OR bodystructure IS NOT ?17 "
                        "OR has_attachments IS NOT ?18 OR preview IS NOT ?19)",
                        &error);
  if (update == NULL)
    goto fail;
  fts = ctx_prepare (ctx,
                     "INSERT INTO message_fts (rowid, subject, sender, recipients, body) "
                     "VALUES (?, ?, ?, ?, '')",
                     &error);
  if (fts == NULL)
    goto fail;

  for (guint i = 0; i < data->summaries->len; i++)
    {
      const TernStoreSummary *s = g_ptr_array_index (data->summaries, i);

      bind_summary (insert, data->folder_id, s);
      if (!step_done (ctx, insert, &error))
        goto fail;
      if (sqlite3_changes (ctx->db) == 0)
        {
          /* Already cached: the update trigger refreshes its FTS row if needed. */
          bind_summary (update, data->folder_id, s);
          if (!step_done (ctx, update, &error))
            goto fail;
        }
      else
        {
          g_autofree char *sender = join_pair (s->from_name, s->from_addr);
          g_autofree char *recipients = join_pair (s->to, s->cc);

          sqlite3_bind_int64 (fts, 1, (data->folder_id << 32) | s->uid);
          bind_text (fts, 2, s->subject);
          bind_text (fts, 3, sender);
          bind_text (fts, 4, recipients);
          if (!step_done (ctx, fts, &error))
            goto fail;
        }
    }
  g_clear_pointer (&insert, sqlite3_finalize);
  g_clear_pointer (&update, sqlite3_finalize);
  g_clear_pointer (&fts, sqlite3_finalize);

  if (!ctx_commit (ctx, &error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_clear_pointer (&insert, sqlite3_finalize);
  g_clear_pointer (&update, sqlite3_finalize);
  g_clear_pointer (&fts, sqlite3_finalize);
  ctx_rollback (ctx);
  g_task_return_error (task, error);
}

/**
 * tern_store_store_summaries_async:
 * @summaries: (element-type TernStoreSummary): inserted, or replacing the
 *   cached summary with the same UID
 *
 * Stores a batch in one transaction: all rows or none.
 */
void
tern_store_store_summaries_async (TernStore *self,
                                  gint64 folder_id,
                                  GPtrArray *summaries,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  SummariesData *data;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (summaries != NULL);

  data = g_new0 (SummariesData, 1);
  data->folder_id = folder_id;
  data->summaries = g_ptr_array_ref (summaries);
  store_call (self, tern_store_store_summaries_async, data, (GDestroyNotify) summaries_data_free,
              store_summaries_worker, cancellable, callback, user_data);
}

gboolean
tern_store_store_summaries_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_store_summaries_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  gint64 folder_id;
  TernStoreSort sort;
  gboolean descending;
  guint offset;
  guint limit;
} ListData;

/* The ORDER BY key of a sort; each matches an index exactly. */
const char *
_tern_store_sort_key (TernStoreSort sort)
{
  /* Each matches an index of migration 1 exactly, so SQLite walks it. */
  switch (sort)
    {
    case TERN_STORE_SORT_DATE:
      return "date";
    case TERN_STORE_SORT_FROM:
      return "from_name COLLATE NOCASE";
    case TERN_STORE_SORT_SUBJECT:
      return "subject COLLATE NOCASE";
    case TERN_STORE_SORT_SIZE:
      return "size";
    case TERN_STORE_SORT_UNREAD:
      return "(flags & 1)";
    case TERN_STORE_SORT_FLAGGED:
      return "(flags & 4)";
    case TERN_STORE_SORT_UID:
    default:
      return NULL;
    }
}

static void
list_summaries_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  ListData *data = task_data;
  g_autoptr (GPtrArray) summaries = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *order = NULL;
  const char *key = _tern_store_sort_key (data->sort);
  const char *dir = data->descending ? "DESC" : "ASC";
  sqlite3_stmt *stmt;
  GError *error = NULL;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;

  if (key != NULL)
    order = g_strdup_printf ("%s %s, uid %s", key, dir, dir);
  else
    order = g_strdup_printf ("uid %s", dir);
  sql = g_strdup_printf ("SELECT uid, modseq, flags, keywords, internaldate, size, date, subject, "
                         "from_name, from_addr, to_addrs, cc_addrs, message_id, in_reply_to, "
                         "refs, bodystructure, has_attachments, preview FROM messages "
                         "WHERE folder_id = ? AND +pending = 0 ORDER BY %s LIMIT ? OFFSET ?",
                         order);
  stmt = ctx_prepare (ctx, sql, &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, data->folder_id);
  sqlite3_bind_int64 (stmt, 2, data->limit > 0 ? (sqlite3_int64) data->limit : -1);
  sqlite3_bind_int64 (stmt, 3, data->offset);

  summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (summaries, _tern_store_read_summary (stmt));
    }
  if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Listing messages");
      sqlite3_finalize (stmt);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_finalize (stmt);
  g_task_return_pointer (task, g_steal_pointer (&summaries), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * tern_store_list_summaries_async:
 * @limit: at most this many, 0 for all
 *
 * Lists a folder's summaries in the given order, UID breaking ties.
 */
void
tern_store_list_summaries_async (TernStore *self,
                                 gint64 folder_id,
                                 TernStoreSort sort,
                                 gboolean descending,
                                 guint offset,
                                 guint limit,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  ListData *data;

  g_return_if_fail (TERN_IS_STORE (self));

  data = g_new0 (ListData, 1);
  data->folder_id = folder_id;
  data->sort = sort;
  data->descending = descending;
  data->offset = offset;
  data->limit = limit;
  store_call (self, tern_store_list_summaries_async, data, g_free, list_summaries_worker,
              cancellable, callback, user_data);
}

/* Returns (transfer full) a GPtrArray of TernStoreSummary. */
GPtrArray *
tern_store_list_summaries_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_list_summaries_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Flags, expunge, counts */

typedef struct
{
  gint64 folder_id;
  GArray *uids;
  TernStoreFlags add;
  TernStoreFlags remove;
  TernStoreOp *op;
} UidsData;

static void
uids_data_free (UidsData *data)
{
  g_array_unref (data->uids);
  g_clear_pointer (&data->op, tern_store_op_free);
  g_free (data);
}

static UidsData *
uids_data_new (gint64 folder_id, const guint32 *uids, guint n_uids)
{
  UidsData *data = g_new0 (UidsData, 1);

  data->folder_id = folder_id;
  data->uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_uids);
  g_array_append_vals (data->uids, uids, n_uids);
  return data;
}

static gint64
insert_op (StoreCtx *ctx, const TernStoreOp *op, GError **error)
{
  sqlite3_stmt *stmt;
  gint64 id = 0;
  int rc;

  stmt = ctx_prepare (ctx,
                      "INSERT INTO ops (type, folder, uids, args, created, attempts, state) "
                      "VALUES (?, ?, ?, ?, ?, 0, 0) RETURNING id",
                      error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, op->type);
  bind_text (stmt, 2, op->folder);
  bind_text (stmt, 3, op->uids != NULL ? op->uids : "");
  bind_text (stmt, 4, op->args);
  sqlite3_bind_int64 (stmt, 5,
                      op->created != 0 ? op->created : g_get_real_time () / G_USEC_PER_SEC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else
    _tern_store_set_error (error, ctx->db, rc, "Queueing an operation");
  sqlite3_finalize (stmt);
  return id;
}

static void
update_flags_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  UidsData *data = task_data;
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;
  gint64 op_id = 0;

  if (!ctx_check_open (ctx, task))
    return;
  if (!ctx_begin (ctx, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  stmt = ctx_prepare (ctx,
                      "UPDATE messages SET flags = (flags | ?1) & ~?2 "
                      "WHERE folder_id = ?3 AND uid = ?4",
                      &error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int (stmt, 1, (int) data->add);
  sqlite3_bind_int (stmt, 2, (int) data->remove);
  sqlite3_bind_int64 (stmt, 3, data->folder_id);
  for (guint i = 0; i < data->uids->len; i++)
    {
      sqlite3_bind_int64 (stmt, 4, g_array_index (data->uids, guint32, i));
      if (!step_done (ctx, stmt, &error))
        goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* The op rides in the same transaction as the cache change (decision 7):
   * either both are on disk or neither. */
  if (data->op != NULL && (op_id = insert_op (ctx, data->op, &error)) == 0)
    goto fail;

  if (!ctx_commit (ctx, &error))
    goto fail;
  g_task_return_int (task, data->op != NULL ? op_id : 1);
  return;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  ctx_rollback (ctx);
  g_task_return_error (task, error);
}

/**
 * tern_store_update_flags_async:
 * @op: (nullable): an operation to queue in the same transaction
 *
 * Sets @add and clears @remove on the given UIDs. With @op, the change and the
 * queued operation are committed together or not at all.
 */
void
tern_store_update_flags_async (TernStore *self,
                               gint64 folder_id,
                               const guint32 *uids,
                               guint n_uids,
                               TernStoreFlags add,
                               TernStoreFlags remove,
                               const TernStoreOp *op,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  UidsData *data;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (uids != NULL || n_uids == 0);
  g_return_if_fail (op == NULL || (op->type != NULL && op->folder != NULL));

  data = uids_data_new (folder_id, uids, n_uids);
  data->add = add;
  data->remove = remove;
  data->op = op != NULL ? tern_store_op_copy (op) : NULL;
  store_call (self, tern_store_update_flags_async, data, (GDestroyNotify) uids_data_free,
              update_flags_worker, cancellable, callback, user_data);
}

/* Returns the queued op's id (or 1 when no op was given), 0 on error. */
gint64
tern_store_update_flags_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  gssize id;

  g_return_val_if_fail (check_finish (self, result, tern_store_update_flags_async), 0);

  id = g_task_propagate_int (G_TASK (result), error);
  return id > 0 ? (gint64) id : 0;
}

static void
expunge_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  UidsData *data = task_data;
  sqlite3_stmt *stmt = NULL;
  GError *error = NULL;

  if (!ctx_check_open (ctx, task))
    return;
  if (!ctx_begin (ctx, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  stmt = ctx_prepare (ctx, "DELETE FROM messages WHERE folder_id = ? AND uid = ?", &error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, data->folder_id);
  for (guint i = 0; i < data->uids->len; i++)
    {
      sqlite3_bind_int64 (stmt, 2, g_array_index (data->uids, guint32, i));
      if (!step_done (ctx, stmt, &error))
        goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!ctx_commit (ctx, &error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  ctx_rollback (ctx);
  g_task_return_error (task, error);
}

void
tern_store_expunge_async (TernStore *self,
                          gint64 folder_id,
                          const guint32 *uids,
                          guint n_uids,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (uids != NULL || n_uids == 0);

  store_call (self, tern_store_expunge_async, uids_data_new (folder_id, uids, n_uids),
              (GDestroyNotify) uids_data_free, expunge_worker, cancellable, callback, user_data);
}

gboolean
tern_store_expunge_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_expunge_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
count_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  gint64 *folder_id = task_data;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  guint *counts;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;
  stmt = ctx_prepare (ctx,
                      "SELECT count(*), count(*) - total((flags & 1) != 0) FROM messages "
                      "WHERE folder_id = ? AND pending = 0",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, *folder_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Counting messages");
      sqlite3_finalize (stmt);
      g_task_return_error (task, error);
      return;
    }
  counts = g_new (guint, 2);
  counts[0] = (guint) sqlite3_column_int64 (stmt, 0);
  counts[1] = (guint) sqlite3_column_int64 (stmt, 1);
  sqlite3_finalize (stmt);
  g_task_return_pointer (task, counts, g_free);
}

/* Counts are recomputed from the messages table on every call. */
void
tern_store_count_async (TernStore *self,
                        gint64 folder_id,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));

  store_call (self, tern_store_count_async, g_memdup2 (&folder_id, sizeof folder_id), g_free,
              count_worker, cancellable, callback, user_data);
}

gboolean
tern_store_count_finish (TernStore *self,
                         GAsyncResult *result,
                         guint *out_total,
                         guint *out_unread,
                         GError **error)
{
  g_autofree guint *counts = NULL;

  g_return_val_if_fail (check_finish (self, result, tern_store_count_async), FALSE);

  counts = g_task_propagate_pointer (G_TASK (result), error);
  if (counts == NULL)
    return FALSE;
  if (out_total != NULL)
    *out_total = counts[0];
  if (out_unread != NULL)
    *out_unread = counts[1];
  return TRUE;
}

/* Full-text search */

typedef struct
{
  gint64 folder_id;
  guint32 uid;
  guint limit;
  char *text;
} TextData;

static void
text_data_free (TextData *data)
{
  g_free (data->text);
  g_free (data);
}

static void
index_body_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  TextData *data = task_data;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  gboolean ok;

  if (!ctx_check_open (ctx, task))
    return;
  stmt = ctx_prepare (ctx, "UPDATE message_fts SET body = ? WHERE rowid = ?", &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bind_text (stmt, 1, data->text);
  sqlite3_bind_int64 (stmt, 2, (data->folder_id << 32) | data->uid);
  ok = step_done (ctx, stmt, &error);
  sqlite3_finalize (stmt);
  if (!ok)
    g_task_return_error (task, error);
  else if (sqlite3_changes (ctx->db) == 0)
    g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                             "Message %u is not cached", data->uid);
  else
    g_task_return_boolean (task, TRUE);
}

/* Adds a cached message's body text to the full-text index (subject, sender
 * and recipients are indexed when the summary is stored). */
void
tern_store_index_body_async (TernStore *self,
                             gint64 folder_id,
                             guint32 uid,
                             const char *body_text,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  TextData *data;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (body_text != NULL);

  data = g_new0 (TextData, 1);
  data->folder_id = folder_id;
  data->uid = uid;
  data->text = g_strdup (body_text);
  store_call (self, tern_store_index_body_async, data, (GDestroyNotify) text_data_free,
              index_body_worker, cancellable, callback, user_data);
}

gboolean
tern_store_index_body_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_index_body_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
search_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  TextData *data = task_data;
  g_autoptr (GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  sqlite3_stmt *stmt;
  GError *error = NULL;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;
  /* A folder's rows are one rowid range, so the filter costs nothing. */
  stmt = ctx_prepare (ctx,
                      "SELECT rowid & 4294967295 FROM message_fts WHERE message_fts MATCH ? "
                      "AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bind_text (stmt, 1, data->text);
  sqlite3_bind_int64 (stmt, 2, data->folder_id << 32);
  sqlite3_bind_int64 (stmt, 3, (data->folder_id << 32) | G_GINT64_CONSTANT (0xffffffff));
  sqlite3_bind_int64 (stmt, 4, data->limit > 0 ? (sqlite3_int64) data->limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint32 uid = (guint32) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (uids, uid);
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (&error, TERN_STORE_ERROR, TERN_STORE_ERROR_INVALID, "Searching for “%s”: %s",
                   data->text, sqlite3_errmsg (ctx->db));
      sqlite3_finalize (stmt);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_finalize (stmt);
  g_task_return_pointer (task, g_steal_pointer (&uids), (GDestroyNotify) g_array_unref);
}

/**
 * tern_store_search_async:
 * @fts5_query: an FTS5 MATCH expression (the model builds it from user input)
 * @limit: at most this many, 0 for all
 *
 * Finds a folder's messages, best match first.
 */
void
tern_store_search_async (TernStore *self,
                         gint64 folder_id,
                         const char *fts5_query,
                         guint limit,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  TextData *data;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (fts5_query != NULL);

  data = g_new0 (TextData, 1);
  data->folder_id = folder_id;
  data->limit = limit;
  data->text = g_strdup (fts5_query);
  store_call (self, tern_store_search_async, data, (GDestroyNotify) text_data_free, search_worker,
              cancellable, callback, user_data);
}

/* Returns (transfer full) a GArray of guint32 UIDs. */
GArray *
tern_store_search_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_search_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Part cache */

typedef struct
{
  gint64 folder_id;
  guint32 uid;
  char *section;
  GBytes *bytes;
  guint64 max_bytes;
} PartData;

static void
part_data_free (PartData *data)
{
  g_free (data->section);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

static gint64
now_usec (void)
{
  return g_get_real_time ();
}

static void
put_part_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  PartData *data = task_data;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  gconstpointer bytes;
  gsize size;
  gboolean ok;

  if (!ctx_check_open (ctx, task))
    return;
  stmt = ctx_prepare (ctx,
                      "INSERT OR REPLACE INTO parts (folder_id, uid, section, bytes, size, "
                      "last_used) VALUES (?, ?, ?, ?, ?, ?)",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bytes = g_bytes_get_data (data->bytes, &size);
  sqlite3_bind_int64 (stmt, 1, data->folder_id);
  sqlite3_bind_int64 (stmt, 2, data->uid);
  bind_text (stmt, 3, data->section);
  /* A zero-length blob must still be a blob, not NULL. */
  sqlite3_bind_blob64 (stmt, 4, size > 0 ? bytes : "", size, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, (sqlite3_int64) size);
  sqlite3_bind_int64 (stmt, 6, now_usec ());
  ok = step_done (ctx, stmt, &error);
  sqlite3_finalize (stmt);
  if (!ok)
    {
      /* A part of a message that is not cached breaks the foreign key. */
      if (error->code == TERN_STORE_ERROR_FAILED)
        error->code = TERN_STORE_ERROR_NOT_FOUND;
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

/* Caches the decoded or raw bytes of one part (IMAP section) of a cached message. */
void
tern_store_put_part_async (TernStore *self,
                           gint64 folder_id,
                           guint32 uid,
                           const char *section,
                           GBytes *bytes,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  PartData *data;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (section != NULL);
  g_return_if_fail (bytes != NULL);

  data = g_new0 (PartData, 1);
  data->folder_id = folder_id;
  data->uid = uid;
  data->section = g_strdup (section);
  data->bytes = g_bytes_ref (bytes);
  store_call (self, tern_store_put_part_async, data, (GDestroyNotify) part_data_free,
              put_part_worker, cancellable, callback, user_data);
}

gboolean
tern_store_put_part_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_put_part_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
get_part_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  PartData *data = task_data;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  GBytes *bytes = NULL;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;
  /* Reading a part is what makes it recently used. */
  stmt = ctx_prepare (ctx,
                      "UPDATE parts SET last_used = ? WHERE folder_id = ? AND uid = ? "
                      "AND section = ? RETURNING bytes",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, now_usec ());
  sqlite3_bind_int64 (stmt, 2, data->folder_id);
  sqlite3_bind_int64 (stmt, 3, data->uid);
  bind_text (stmt, 4, data->section);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    bytes = g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
  else if (rc != SQLITE_DONE)
    _tern_store_set_error (&error, ctx->db, rc, "Reading a cached part");
  sqlite3_finalize (stmt);

  if (error != NULL)
    g_task_return_error (task, error);
  else if (bytes == NULL)
    g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                             "Part %s of message %u is not cached", data->section, data->uid);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
tern_store_get_part_async (TernStore *self,
                           gint64 folder_id,
                           guint32 uid,
                           const char *section,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  PartData *data;

  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (section != NULL);

  data = g_new0 (PartData, 1);
  data->folder_id = folder_id;
  data->uid = uid;
  data->section = g_strdup (section);
  store_call (self, tern_store_get_part_async, data, (GDestroyNotify) part_data_free,
              get_part_worker, cancellable, callback, user_data);
}

/* Returns (transfer full) the cached bytes, or NULL with TERN_STORE_ERROR_NOT_FOUND. */
GBytes *
tern_store_get_part_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_get_part_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
trim_parts_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  PartData *data = task_data;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  gboolean ok;

  if (!ctx_check_open (ctx, task))
    return;
  /* Keep the most recently used parts whose running total fits. */
  stmt = ctx_prepare (ctx,
                      "DELETE FROM parts WHERE rowid IN (SELECT rowid FROM (SELECT rowid, "
                      "sum (size) OVER (ORDER BY last_used DESC, rowid DESC) AS running "
                      "FROM parts) WHERE running > ?)",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) MIN (data->max_bytes, (guint64) G_MAXINT64));
  ok = step_done (ctx, stmt, &error);
  sqlite3_finalize (stmt);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, sqlite3_changes (ctx->db));
}

/* Evicts least recently used parts until the cached parts total at most @max_bytes. */
void
tern_store_trim_parts_async (TernStore *self,
                             guint64 max_bytes,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  PartData *data;

  g_return_if_fail (TERN_IS_STORE (self));

  data = g_new0 (PartData, 1);
  data->max_bytes = max_bytes;
  store_call (self, tern_store_trim_parts_async, data, (GDestroyNotify) part_data_free,
              trim_parts_worker, cancellable, callback, user_data);
}

/* Returns how many parts were evicted, or -1 with error set. */
gssize
tern_store_trim_parts_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_trim_parts_async), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

/* Operations queue */

static void
enqueue_op_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  GError *error = NULL;
  gint64 id;

  if (!ctx_check_open (ctx, task))
    return;
  id = insert_op (ctx, task_data, &error);
  if (id == 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, id);
}

void
tern_store_enqueue_op_async (TernStore *self,
                             const TernStoreOp *op,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));
  g_return_if_fail (op != NULL && op->type != NULL && op->folder != NULL);

  store_call (self, tern_store_enqueue_op_async, tern_store_op_copy (op),
              (GDestroyNotify) tern_store_op_free, enqueue_op_worker, cancellable, callback,
              user_data);
}

/* Returns the new op's id, or 0 with error set. */
gint64
tern_store_enqueue_op_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  gssize id;

  g_return_val_if_fail (check_finish (self, result, tern_store_enqueue_op_async), 0);

  id = g_task_propagate_int (G_TASK (result), error);
  return id > 0 ? (gint64) id : 0;
}

static void
peek_ops_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  guint limit = GPOINTER_TO_UINT (task_data);
  g_autoptr (GPtrArray) ops = NULL;
  sqlite3_stmt *stmt;
  GError *error = NULL;
  int rc;

  if (!ctx_check_open (ctx, task))
    return;
  stmt = ctx_prepare (ctx,
                      "SELECT id, type, folder, uids, args, created, attempts, state FROM ops "
                      "ORDER BY id LIMIT ?",
                      &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (sqlite3_int64) limit : -1);
  ops = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_op_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TernStoreOp *op = tern_store_op_new ((const char *) sqlite3_column_text (stmt, 1),
                                           (const char *) sqlite3_column_text (stmt, 2),
                                           (const char *) sqlite3_column_text (stmt, 3),
                                           (const char *) sqlite3_column_text (stmt, 4));

      op->id = sqlite3_column_int64 (stmt, 0);
      op->created = sqlite3_column_int64 (stmt, 5);
      op->attempts = (guint) sqlite3_column_int (stmt, 6);
      op->state = (TernStoreOpState) sqlite3_column_int (stmt, 7);
      g_ptr_array_add (ops, op);
    }
  if (rc != SQLITE_DONE)
    {
      _tern_store_set_error (&error, ctx->db, rc, "Reading the operations queue");
      sqlite3_finalize (stmt);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_finalize (stmt);
  g_task_return_pointer (task, g_steal_pointer (&ops), (GDestroyNotify) g_ptr_array_unref);
}

/* Returns the oldest queued operations first, at most @limit (0 for all). */
void
tern_store_peek_ops_async (TernStore *self,
                           guint limit,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));

  store_call (self, tern_store_peek_ops_async, GUINT_TO_POINTER (limit), NULL, peek_ops_worker,
              cancellable, callback, user_data);
}

/* Returns (transfer full) a GPtrArray of TernStoreOp in queue order. */
GPtrArray *
tern_store_peek_ops_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_peek_ops_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
complete_op_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  gint64 *id = task_data;
  GError *error = NULL;

  if (!ctx_check_open (ctx, task))
    return;
  if (!exec_one (ctx, "DELETE FROM ops WHERE id = ?", NULL, *id, &error))
    g_task_return_error (task, error);
  else if (sqlite3_changes (ctx->db) == 0)
    g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                             "No queued operation %" G_GINT64_FORMAT, *id);
  else
    g_task_return_boolean (task, TRUE);
}

/* Removes an operation the server has confirmed. */
void
tern_store_complete_op_async (TernStore *self,
                              gint64 op_id,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (TERN_IS_STORE (self));

  store_call (self, tern_store_complete_op_async, g_memdup2 (&op_id, sizeof op_id), g_free,
              complete_op_worker, cancellable, callback, user_data);
}

gboolean
tern_store_complete_op_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, tern_store_complete_op_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Tests */

typedef struct
{
  TernStoreRunFunc func;
  gpointer data;
} RunData;

static void
run_worker (StoreCtx *ctx, GTask *task, gpointer task_data)
{
  RunData *run = task_data;
  GError *error = NULL;

  ctx_assert_thread (ctx);
  if (!ctx_check_open (ctx, task))
    return;
  if (!run->func (ctx->db, run->data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
_tern_store_run_async (TernStore *self,
                       TernStoreRunFunc func,
                       gpointer data,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  RunData *run = g_new0 (RunData, 1);

  run->func = func;
  run->data = data;
  store_call (self, _tern_store_run_async, run, g_free, run_worker, NULL, callback, user_data);
}

gboolean
_tern_store_run_finish (TernStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (check_finish (self, result, _tern_store_run_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
_tern_store_get_opens (TernStore *self)
{
  return self->opens;
}

TernStoreOrderMemo **
_tern_store_order_memo (TernStore *self)
{
  g_assert (g_thread_self () == self->thread);
  return &self->order_memo;
}

GThread *
_tern_store_get_thread (TernStore *self)
{
  return self->thread;
}

/* GObject */

TernStore *
tern_store_new_for_path (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (TERN_TYPE_STORE, "path", path, NULL);
}

/* The cache of account @account_id: $XDG_DATA_HOME/tern/<id>/cache.db. */
TernStore *
tern_store_new (const char *account_id)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (account_id != NULL && *account_id != '\0', NULL);
  g_return_val_if_fail (strchr (account_id, G_DIR_SEPARATOR) == NULL, NULL);

  path = g_build_filename (g_get_user_data_dir (), "tern", account_id, "cache.db", NULL);
  return tern_store_new_for_path (path);
}

const char *
tern_store_get_path (TernStore *self)
{
  g_return_val_if_fail (TERN_IS_STORE (self), NULL);
  return self->path;
}

/* TRUE when open found the cache damaged and started a fresh one. */
gboolean
tern_store_get_rebuilt (TernStore *self)
{
  g_return_val_if_fail (TERN_IS_STORE (self), FALSE);
  return self->rebuilt;
}

/* How many queued operations were carried over from a damaged cache. */
guint
tern_store_get_salvaged_ops (TernStore *self)
{
  g_return_val_if_fail (TERN_IS_STORE (self), 0);
  return self->salvaged_ops;
}

static void
tern_store_constructed (GObject *object)
{
  TernStore *self = TERN_STORE (object);
  StoreCtx *ctx = g_new0 (StoreCtx, 1);

  G_OBJECT_CLASS (tern_store_parent_class)->constructed (object);

  g_assert (self->path != NULL);
  self->queue = g_async_queue_new ();
  ctx->path = g_strdup (self->path);
  ctx->queue = g_async_queue_ref (self->queue);
  self->thread = g_thread_new ("tern-store", store_thread_main, ctx);
}

static void
tern_store_finalize (GObject *object)
{
  TernStore *self = TERN_STORE (object);

  /* Jobs hold a reference, so the queue is empty but for the one running. */
  g_async_queue_push (self->queue, g_new0 (StoreJob, 1));
  if (g_thread_self () != self->thread)
    g_thread_join (self->thread);
  else
    g_thread_unref (self->thread);
  g_async_queue_unref (self->queue);
  g_clear_pointer (&self->order_memo, _tern_store_order_memo_free);
  g_free (self->path);

  G_OBJECT_CLASS (tern_store_parent_class)->finalize (object);
}

static void
tern_store_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernStore *self = TERN_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_REBUILT:
      g_value_set_boolean (value, self->rebuilt);
      break;
    case PROP_SALVAGED_OPS:
      g_value_set_uint (value, self->salvaged_ops);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_store_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TernStore *self = TERN_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_store_class_init (TernStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tern_store_constructed;
  object_class->finalize = tern_store_finalize;
  object_class->get_property = tern_store_get_property;
  object_class->set_property = tern_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REBUILT] =
    g_param_spec_boolean ("rebuilt", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SALVAGED_OPS] =
    g_param_spec_uint ("salvaged-ops", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_store_init (TernStore *self)
{
}
