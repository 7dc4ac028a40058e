/* tern-sync-session.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "account/tern-account-secret.h"
#include "account/tern-account-setup-private.h"
#include "imap/tern-imap-error.h"
#include "tern-sync-session-private.h"

typedef TernSyncJobFunc JobFunc;

#define WORKER_NICE 5

typedef struct
{
  GTask *task; /* NULL: the thread is to end */
  JobFunc func;
} Job;

struct _TernSyncSession
{
  GObject parent_instance;

  TernAccountConfig *config;
  TernStore *store;
  GMainContext *owner_context;

  GThread *thread;
  GAsyncQueue *queue;
  GMainContext *context; /* the worker's */

  GMutex open_lock;
  char *open_folder; /* (nullable): the folder a person is looking at */

  /* worker thread only */
  TernImapClient *client;
  gint fallback; /* -1 unknown, 0 no, 1 yes */
  guint64 part_cache_limit;
  gboolean closed;
};

enum
{
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TernSyncSession, tern_sync_session, G_TYPE_OBJECT)

const char *
tern_sync_mode_to_string (TernSyncMode mode)
{
  switch (mode)
    {
    case TERN_SYNC_MODE_QRESYNC:
      return "qresync";
    case TERN_SYNC_MODE_CONDSTORE:
      return "condstore";
    case TERN_SYNC_MODE_FULL:
    default:
      return "full";
    }
}

void
tern_sync_folder_result_free (TernSyncFolderResult *result)
{
  if (result == NULL)
    return;
  g_free (result->path);
  g_clear_pointer (&result->new_uids, g_array_unref);
  g_clear_pointer (&result->changed_uids, g_array_unref);
  g_clear_pointer (&result->vanished_uids, g_array_unref);
  g_free (result);
}

/* The worker ------------------------------------------------------------------------ */

static gboolean
release_self (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static gpointer
worker_main (gpointer user_data)
{
  TernSyncSession *self = user_data; /* borrowed: dispose joins this thread */
  GAsyncQueue *queue = g_async_queue_ref (self->queue);

  /* Background work yields to the thread a person is waiting on: with a
   * server and the cache busy on two cores, the UI's main loop stalled for
   * 50 ms at a time. Linux nice values are per thread. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WORKER_NICE) != 0)
    g_debug ("Could not lower the sync thread's priority: %s", g_strerror (errno));
  g_main_context_push_thread_default (self->context);
  for (;;)
    {
      Job *job = g_async_queue_try_pop (queue);

      if (job == NULL)
        {
          /* Nothing queued: serve the connection's timers and reads until a
           * job arrives (tern_sync_session_push wakes the context). */
          g_main_context_iteration (self->context, TRUE);
          continue;
        }
      if (job->task == NULL)
        {
          g_free (job);
          break;
        }
      /* Held for the job and let go on the owner's context, so that the last
       * reference (and dispose, which joins this thread) never drops here. */
      g_object_ref (self);
      if (self->closed)
        g_task_return_new_error (job->task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                 _ ("The account’s connection is closed"));
      else if (!g_task_return_error_if_cancelled (job->task))
        job->func (self, job->task, g_task_get_task_data (job->task),
                   g_task_get_cancellable (job->task));
      g_object_unref (job->task);
      g_free (job);
      g_main_context_invoke_full (self->owner_context, G_PRIORITY_DEFAULT_IDLE, release_self, self,
                                  g_object_unref);
    }

  if (self->client != NULL)
    tern_imap_client_close (self->client);
  g_clear_object (&self->client);
  /* Let the close finish its sources before the context goes. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  g_async_queue_unref (queue);
  return NULL;
}

static void
push_job (TernSyncSession *self, GTask *task, JobFunc func)
{
  Job *job = g_new0 (Job, 1);

  job->task = task;
  job->func = func;
  g_async_queue_push (self->queue, job);
  g_main_context_wakeup (self->context);
}

static GTask *
new_task (TernSyncSession *self,
          gpointer source_tag,
          gpointer data,
          GDestroyNotify data_free,
          GCancellable *cancellable,
          GAsyncReadyCallback callback,
          gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, data_free);
  return task;
}

/* Connection --------------------------------------------------------------------------- */

char *
_tern_sync_session_dup_fallback_key (TernSyncSession *self)
{
  return g_strdup_printf ("no-modseq:%s:%u", tern_account_config_get_imap_host (self->config),
                          tern_account_config_get_imap_port (self->config));
}

gboolean
_tern_sync_session_get_fallback (TernSyncSession *self)
{
  if (self->fallback < 0)
    {
      g_autofree char *key = _tern_sync_session_dup_fallback_key (self);
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;
      g_autofree char *value = NULL;

      tern_store_get_meta_async (self->store, key, NULL, tern_await_cb, &wait);
      value = tern_store_get_meta_finish (self->store, tern_await (&wait), NULL);
      self->fallback = value != NULL;
      if (value != NULL)
        g_debug ("Not using QRESYNC/CONDSTORE with %s: %s", key, value);
    }
  return self->fallback > 0;
}

void
_tern_sync_session_set_fallback (TernSyncSession *self, const char *reason)
{
  g_autofree char *key = _tern_sync_session_dup_fallback_key (self);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GError) error = NULL;

  g_warning ("The server %s contradicted itself (%s); Tern compares flags in full with it from "
             "now on",
             tern_account_config_get_imap_host (self->config), reason);
  self->fallback = 1;
  tern_store_set_meta_async (self->store, key, reason, NULL, tern_await_cb, &wait);
  if (!tern_store_set_meta_finish (self->store, tern_await (&wait), &error))
    g_warning ("Could not remember the fallback: %s", error->message);
}

static gboolean
enable (TernSyncSession *self, const char *extension, GCancellable *cancellable)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("ENABLE");
  g_autoptr (GError) error = NULL;

  tern_imap_command_add_atom (command, extension);
  if (!_tern_sync_session_run (self, command, NULL, NULL, NULL, cancellable, &error))
    {
      g_debug ("ENABLE %s: %s", extension, error->message);
      return FALSE;
    }
  return tern_imap_client_is_enabled (self->client, extension);
}

/* A new authenticated connection for @config, with the keyring's password;
 * on the calling thread's context (a worker's). */
TernImapClient *
_tern_sync_open_client (TernAccountConfig *config,
                        TernAccountOpenFlags flags,
                        GCancellable *cancellable,
                        GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  char *password;

  password = tern_account_secret_lookup_sync (tern_account_config_get_id (config),
                                              TERN_ACCOUNT_PROTOCOL_IMAP,
                                              tern_account_config_get_imap_host (config),
                                              tern_account_config_get_imap_user (config),
                                              cancellable, error);
  if (password == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_AUTHENTICATION,
                     _ ("The keyring holds no password for account “%s”. Add the account again "
                        "to store it."),
                     tern_account_config_get_id (config));
      return NULL;
    }
  _tern_account_open_imap_async (config, password, flags, cancellable, tern_await_cb, &wait);
  tern_account_secret_free (password);
  return _tern_account_open_imap_finish (tern_await (&wait), NULL, error);
}

TernImapClient *
_tern_sync_session_get_client (TernSyncSession *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (TernImapClient) client = NULL;

  if (self->client != NULL)
    {
      TernImapClientState state = tern_imap_client_get_state (self->client);

      if (state == TERN_IMAP_CLIENT_AUTHENTICATED || state == TERN_IMAP_CLIENT_SELECTED)
        return self->client;
      g_clear_object (&self->client);
    }

  client = _tern_sync_open_client (self->config, TERN_ACCOUNT_OPEN_ENABLE_UTF8, cancellable, error);
  if (client == NULL)
    return NULL;
  self->client = g_steal_pointer (&client);

  /* QRESYNC and CONDSTORE are on by default; a server that contradicted
   * itself once is not trusted with them again. */
  if (!_tern_sync_session_get_fallback (self))
    {
      if (!(tern_imap_client_has_capability (self->client, "QRESYNC") &&
            enable (self, "QRESYNC", cancellable)) &&
          tern_imap_client_has_capability (self->client, "CONDSTORE"))
        enable (self, "CONDSTORE", cancellable);
    }
  return self->client;
}

/* The connection with @folder selected (EXAMINE, read-only) for reading
 * parts or searching; a folder selected already, read-only or not, stays. */
TernImapClient *
_tern_sync_session_examine (TernSyncSession *self,
                            const char *folder,
                            GCancellable *cancellable,
                            GError **error)
{
  TernImapClient *client = _tern_sync_session_get_client (self, cancellable, error);

  if (client == NULL)
    return NULL;
  if (tern_imap_client_get_state (client) != TERN_IMAP_CLIENT_SELECTED ||
      g_strcmp0 (tern_imap_client_get_selected_mailbox (client), folder) != 0)
    {
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;
      g_autoptr (TernImapSelectInfo) info = NULL;

      tern_imap_client_select_async (client, folder, TERN_IMAP_SELECT_READ_ONLY, NULL, cancellable,
                                     tern_await_cb, &wait);
      info = tern_imap_client_select_finish (client, tern_await (&wait), error);
      if (info == NULL)
        return NULL;
    }
  return client;
}

void
_tern_sync_session_drop_client (TernSyncSession *self)
{
  if (self->client != NULL)
    tern_imap_client_close (self->client);
  g_clear_object (&self->client);
}

gboolean
_tern_sync_session_run (TernSyncSession *self,
                        TernImapCommand *command,
                        TernImapUntaggedFunc untagged_func,
                        gpointer untagged_data,
                        TernImapResponse **out_tagged,
                        GCancellable *cancellable,
                        GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  gboolean ok;

  if (self->client == NULL && _tern_sync_session_get_client (self, cancellable, error) == NULL)
    return FALSE;
  tern_imap_client_run_async (self->client, command, untagged_func, untagged_data, NULL,
                              cancellable, tern_await_cb, &wait);
  ok = tern_imap_client_run_finish (self->client, tern_await (&wait), out_tagged, error);
  if (!ok && error != NULL && *error != NULL && (*error)->domain == TERN_IMAP_ERROR &&
      (*error)->code != TERN_IMAP_ERROR_NO && (*error)->code != TERN_IMAP_ERROR_BAD)
    _tern_sync_session_drop_client (self);
  return ok;
}

/* Progress ------------------------------------------------------------------------------ */

typedef struct
{
  TernSyncSession *self;
  char *what;
  guint64 done;
  guint64 total;
} Progress;

static gboolean
emit_progress (gpointer user_data)
{
  Progress *progress = user_data;

  g_signal_emit (progress->self, signals[SIGNAL_PROGRESS], 0, progress->what, progress->done,
                 progress->total);
  return G_SOURCE_REMOVE;
}

static void
progress_free (gpointer user_data)
{
  Progress *progress = user_data;

  g_object_unref (progress->self);
  g_free (progress->what);
  g_free (progress);
}

void
_tern_sync_session_progress (TernSyncSession *self, const char *what, guint64 done, guint64 total)
{
  Progress *progress = g_new0 (Progress, 1);

  progress->self = g_object_ref (self);
  progress->what = g_strdup (what);
  progress->done = done;
  progress->total = total;
  g_main_context_invoke_full (self->owner_context, G_PRIORITY_DEFAULT, emit_progress, progress,
                              progress_free);
}

/* Jobs ------------------------------------------------------------------------------------ */

static gboolean
is_network_error (const GError *error)
{
  return error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
         error->domain == G_TLS_ERROR ||
         (error->domain == TERN_IMAP_ERROR &&
          (error->code == TERN_IMAP_ERROR_CLOSED || error->code == TERN_IMAP_ERROR_TIMEOUT));
}

/* After a sync the connection is left on the last folder synchronised. The
 * one a person is looking at is selected again (read-write, as marking a
 * message read wants it), after the sync has been answered: opening one of
 * its messages then starts with the fetch, where it started with an EXAMINE
 * (0.15 s for Dovecot at 100 000 messages). */
static void
select_open_folder (TernSyncSession *self, GCancellable *cancellable)
{
  g_autofree char *path = NULL;
  g_autoptr (TernImapSelectInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  TernImapClient *client = self->client;

  g_mutex_lock (&self->open_lock);
  path = g_strdup (self->open_folder);
  g_mutex_unlock (&self->open_lock);
  if (path == NULL || client == NULL ||
      tern_imap_client_get_state (client) == TERN_IMAP_CLIENT_DISCONNECTED ||
      (tern_imap_client_get_state (client) == TERN_IMAP_CLIENT_SELECTED &&
       g_strcmp0 (tern_imap_client_get_selected_mailbox (client), path) == 0))
    return;
  tern_imap_client_select_async (client, path, TERN_IMAP_SELECT_NONE, NULL, cancellable,
                                 tern_await_cb, &wait);
  info = tern_imap_client_select_finish (client, tern_await (&wait), &error);
  if (info == NULL)
    g_debug ("Selecting the open folder “%s” after the sync: %s", path, error->message);
}

static void
sync_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  const char *const *wanted = data;
  g_autoptr (GPtrArray) results =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_sync_folder_result_free);
  g_autoptr (GPtrArray) folders = NULL;
  GError *error = NULL;
  guint done = 0, failed = 0;

  /* Logged in first: that takes the keyring and the network, while the
   * store thread may still be opening (and checking) the cache. */
  if (_tern_sync_session_get_client (self, cancellable, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Queued operations first: a sync must not put back a flag the user has
   * just changed. A failure here does not stop the sync (the ops stay). */
  if (!_tern_sync_replay (self, &done, &failed, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || is_network_error (error) ||
          error->domain == TERN_IMAP_ERROR)
        {
          g_task_return_error (task, error);
          return;
        }
      g_warning ("Replaying queued operations: %s", error->message);
      g_clear_error (&error);
    }

  if (!_tern_sync_folder_list (self, &folders, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < folders->len; i++)
    {
      TernStoreFolder *folder = folders->pdata[i];
      TernSyncFolderResult *result;

      if (wanted != NULL && wanted[0] != NULL && !g_strv_contains (wanted, folder->path))
        continue;
      result = _tern_sync_folder (self, folder, cancellable, &error);
      if (result == NULL && g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) &&
          (wanted == NULL || wanted[0] == NULL))
        {
          /* Refused by the server (deleted since the LIST, or not for us):
           * the other folders are still synchronised; the next folder list
           * sync drops it. */
          g_warning ("Skipping “%s”: %s", folder->path, error->message);
          g_clear_error (&error);
          continue;
        }
      if (result == NULL)
        {
          g_prefix_error (&error, _ ("Synchronising “%s”: "), folder->path);
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (results, result);
    }

  /* A folder asked for by name that the server does not have. */
  for (guint i = 0; wanted != NULL && wanted[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < results->len && !found; j++)
        found = g_strcmp0 (((TernSyncFolderResult *) results->pdata[j])->path, wanted[i]) == 0;
      if (!found)
        {
          g_task_return_new_error (task, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
                                   _ ("The server has no folder “%s”"), wanted[i]);
          return;
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
  select_open_folder (self, cancellable);
}

void
tern_sync_session_sync_async (TernSyncSession *self,
                              const char *const *folders,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (TERN_IS_SYNC_SESSION (self));

  push_job (self,
            new_task (self, tern_sync_session_sync_async, g_strdupv ((char **) folders),
                      (GDestroyNotify) g_strfreev, cancellable, callback, user_data),
            sync_job);
}

GPtrArray *
tern_sync_session_sync_finish (TernSyncSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  guint done;
  guint failed;
} ReplayResult;

static void
replay_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  ReplayResult *result = data;
  GError *error = NULL;

  if (!_tern_sync_replay (self, &result->done, &result->failed, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
tern_sync_session_replay_async (TernSyncSession *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (TERN_IS_SYNC_SESSION (self));

  push_job (self,
            new_task (self, tern_sync_session_replay_async, g_new0 (ReplayResult, 1), g_free,
                      cancellable, callback, user_data),
            replay_job);
}

gboolean
tern_sync_session_replay_finish (TernSyncSession *self,
                                 GAsyncResult *result,
                                 guint *out_done,
                                 guint *out_failed,
                                 GError **error)
{
  ReplayResult *replay;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  replay = g_task_get_task_data (G_TASK (result));
  if (out_done != NULL)
    *out_done = replay->done;
  if (out_failed != NULL)
    *out_failed = replay->failed;
  return TRUE;
}

static void
close_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  if (self->client != NULL &&
      tern_imap_client_get_state (self->client) != TERN_IMAP_CLIENT_DISCONNECTED)
    {
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;

      tern_imap_client_logout_async (self->client, cancellable, tern_await_cb, &wait);
      tern_imap_client_logout_finish (self->client, tern_await (&wait), NULL);
    }
  g_clear_object (&self->client);
  self->closed = TRUE;
  g_task_return_boolean (task, TRUE);
}

void
tern_sync_session_close_async (TernSyncSession *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (TERN_IS_SYNC_SESSION (self));

  push_job (self,
            new_task (self, tern_sync_session_close_async, NULL, NULL, cancellable, callback,
                      user_data),
            close_job);
}

gboolean
tern_sync_session_close_finish (TernSyncSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
_tern_sync_session_push (TernSyncSession *self, GTask *task, TernSyncJobFunc func)
{
  push_job (self, task, func);
}

/* GObject ---------------------------------------------------------------------------------- */

static void
tern_sync_session_dispose (GObject *object)
{
  TernSyncSession *self = TERN_SYNC_SESSION (object);

  if (self->thread != NULL)
    {
      /* The last reference drops on the owner's side (the worker lets go
       * of its own there): the worker is idle, so this join is short. */
      g_async_queue_push (self->queue, g_new0 (Job, 1));
      g_main_context_wakeup (self->context);
      g_thread_join (self->thread);
      self->thread = NULL;
    }

  G_OBJECT_CLASS (tern_sync_session_parent_class)->dispose (object);
}

static void
tern_sync_session_finalize (GObject *object)
{
  TernSyncSession *self = TERN_SYNC_SESSION (object);

  g_clear_object (&self->client);
  g_clear_object (&self->config);
  g_clear_object (&self->store);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_free (self->open_folder);
  g_mutex_clear (&self->open_lock);

  G_OBJECT_CLASS (tern_sync_session_parent_class)->finalize (object);
}

static void
tern_sync_session_class_init (TernSyncSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_sync_session_dispose;
  object_class->finalize = tern_sync_session_finalize;

  /**
   * TernSyncSession::progress:
   * @what: a folder path, or a body section
   * @done: messages (or bytes) done
   * @total: messages (or bytes) in all, 0 when unknown
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
tern_sync_session_init (TernSyncSession *self)
{
  self->fallback = -1;
  self->part_cache_limit = TERN_SYNC_SESSION_DEFAULT_PART_CACHE;
  g_mutex_init (&self->open_lock);
}

TernSyncSession *
tern_sync_session_new (TernAccountConfig *config, TernStore *store)
{
  TernSyncSession *self;

  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (config), NULL);
  g_return_val_if_fail (TERN_IS_STORE (store), NULL);

  self = g_object_new (TERN_TYPE_SYNC_SESSION, NULL);
  self->config = g_object_ref (config);
  self->store = g_object_ref (store);
  self->owner_context = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->queue = g_async_queue_new ();
  /* The worker borrows self: dispose joins it before anything is freed. */
  self->thread = g_thread_new ("tern-sync", worker_main, self);
  return self;
}

TernStore *
tern_sync_session_get_store (TernSyncSession *self)
{
  g_return_val_if_fail (TERN_IS_SYNC_SESSION (self), NULL);
  return self->store;
}

TernAccountConfig *
tern_sync_session_get_config (TernSyncSession *self)
{
  g_return_val_if_fail (TERN_IS_SYNC_SESSION (self), NULL);
  return self->config;
}

static void
open_folder_job (TernSyncSession *self, GTask *task, gpointer data, GCancellable *cancellable)
{
  select_open_folder (self, cancellable);
  g_task_return_boolean (task, TRUE);
}

/**
 * tern_sync_session_set_open_folder:
 * @path: (nullable): the folder shown, or %NULL
 *
 * Names the folder a person is looking at. It is selected once the jobs
 * queued before are done, if the session is logged in (it does not log in
 * for this), and again at the end of each sync: opening its messages then
 * needs no SELECT first.
 */
void
tern_sync_session_set_open_folder (TernSyncSession *self, const char *path)
{
  gboolean changed;

  g_return_if_fail (TERN_IS_SYNC_SESSION (self));

  g_mutex_lock (&self->open_lock);
  changed = g_strcmp0 (self->open_folder, path) != 0;
  g_free (self->open_folder);
  self->open_folder = g_strdup (path);
  g_mutex_unlock (&self->open_lock);
  if (changed && path != NULL)
    push_job (self,
              new_task (self, tern_sync_session_set_open_folder, NULL, NULL, NULL, NULL, NULL),
              open_folder_job);
}

/* The bound of the part cache (decision 5): after a part is cached, the least
 * recently used ones go until the cache fits. */
void
tern_sync_session_set_part_cache_limit (TernSyncSession *self, guint64 bytes)
{
  g_return_if_fail (TERN_IS_SYNC_SESSION (self));
  self->part_cache_limit = bytes;
}

guint64
_tern_sync_session_get_part_cache_limit (TernSyncSession *self)
{
  return self->part_cache_limit;
}
