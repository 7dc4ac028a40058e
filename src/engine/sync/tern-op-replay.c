/* tern-op-replay.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Replay of the operation queue (DESIGN decision 7), as a job on the session's
 * worker thread, in queue order.
 *
 * Each op is marked running (and its attempt counted) before its command can
 * reach the server, and moved to the history only after the server said OK.
 * An op found running or already tried when replay starts may have been done
 * by a process that died: flag changes, MOVE and UID EXPUNGE are idempotent
 * (a UID that is gone is ignored), and COPY, the one that is not, first looks
 * in the target for the messages' Message-IDs and copies only what is
 * missing. So nothing is lost or duplicated whenever the process dies. */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-search.h"
#include "imap/tern-imap-uid-set.h"
#include "tern-sync-session-private.h"

void
_tern_sync_crash_point (const char *point)
{
  static GHashTable *counts;
  const char *spec = g_getenv ("TERN_TEST_CRASH_AT");
  g_auto (GStrv) parts = NULL;
  guint want = 1;
  guint count;

  if (spec == NULL || *spec == '\0')
    return;
  parts = g_strsplit (spec, ":", 2);
  if (g_strcmp0 (parts[0], point) != 0)
    return;
  if (parts[1] != NULL)
    want = (guint) g_ascii_strtoull (parts[1], NULL, 10);
  if (counts == NULL)
    counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, point)) + 1;
  g_hash_table_insert (counts, g_strdup (point), GUINT_TO_POINTER (count));
  if (count == want)
    {
      /* What a kill -9 does, at a chosen point: no cleanup of any kind. */
      kill (getpid (), SIGKILL);
      _exit (137);
    }
}

typedef struct
{
  TernSyncSession *session;
  TernStoreOp *op;
  gboolean maybe_done;
  gboolean answered; /* the server has begun answering */
  char *copyuid_dst; /* from [COPYUID v src dst] */
  char *copyuid;     /* "src dst" */
} Replay;

static gboolean
store_step (TernSyncSession *self,
            void (*step) (TernStore *, gint64, GCancellable *, GAsyncReadyCallback, gpointer),
            gint64 op_id,
            GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;

  step (store, op_id, NULL, tern_await_cb, &wait);
  return tern_store_op_step_finish (store, tern_await (&wait), error);
}

static void
note_copyuid (Replay *replay, TernImapResponse *response)
{
  const TernImapValue *args;

  if (response == NULL || !tern_imap_response_has_code (response, "COPYUID"))
    return;
  args = tern_imap_response_get_code_args (response);
  if (args != NULL && tern_imap_value_get_n_children (args) >= 3)
    {
      /* "7" is a number to the parser, "1:3" an atom: their text either way. */
      g_autofree char *src = tern_imap_value_to_string (tern_imap_value_get_child (args, 1));
      g_autofree char *dst = tern_imap_value_to_string (tern_imap_value_get_child (args, 2));
      g_autoptr (TernImapUidSet) src_set = tern_imap_uid_set_parse (src, -1, NULL);
      g_autoptr (TernImapUidSet) dst_set = tern_imap_uid_set_parse (dst, -1, NULL);

      if (src_set == NULL || dst_set == NULL)
        return;
      g_free (replay->copyuid_dst);
      replay->copyuid_dst = g_steal_pointer (&dst);
      g_free (replay->copyuid);
      replay->copyuid = g_strdup_printf ("%s %s", src, replay->copyuid_dst);
    }
}

static void
on_untagged (TernImapResponse *response, gpointer user_data)
{
  Replay *replay = user_data;

  note_copyuid (replay, response);
  if (!replay->answered)
    {
      replay->answered = TRUE;
      /* The server has the command and is answering; the tagged reply is not
       * read yet. */
      _tern_sync_crash_point ("replay-after-send");
    }
}

static gboolean
run (Replay *replay, TernImapCommand *command, GCancellable *cancellable, GError **error)
{
  g_autoptr (TernImapResponse) tagged = NULL;
  gboolean ok;

  ok = _tern_sync_session_run (replay->session, command, on_untagged, replay, &tagged, cancellable,
                               error);
  /* A command with no untagged answer (COPY): the server has it and its
   * reply is not acted on yet. */
  if (tagged != NULL && !replay->answered)
    {
      replay->answered = TRUE;
      _tern_sync_crash_point ("replay-after-send");
    }
  note_copyuid (replay, tagged);
  return ok;
}

static gboolean
select_rw (Replay *replay, const char *path, GCancellable *cancellable, GError **error)
{
  TernImapClient *client = _tern_sync_session_get_client (replay->session, cancellable, error);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (TernImapSelectInfo) info = NULL;

  if (client == NULL)
    return FALSE;
  if (tern_imap_client_get_state (client) == TERN_IMAP_CLIENT_SELECTED &&
      g_strcmp0 (tern_imap_client_get_selected_mailbox (client), path) == 0 &&
      !tern_imap_client_is_selected_read_only (client))
    return TRUE;
  tern_imap_client_select_async (client, path, TERN_IMAP_SELECT_NONE, NULL, cancellable,
                                 tern_await_cb, &wait);
  info = tern_imap_client_select_finish (client, tern_await (&wait), error);
  return info != NULL;
}

static gboolean
uid_store (Replay *replay,
           const char *uids,
           const char *change,
           GCancellable *cancellable,
           GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID STORE");
  g_autofree char *flag = NULL;
  tern_imap_command_add_sequence_set (command, uids);
  /* Not .SILENT: the FETCH answers show the server has it (crash point). */
  tern_imap_command_add_atom (command, change[0] == '+' ? "+FLAGS" : "-FLAGS");
  tern_imap_command_begin_list (command);
  tern_imap_command_add_flag (command, change + 1);
  tern_imap_command_end_list (command);
  return run (replay, command, cancellable, error);
}

static gboolean
uid_expunge (Replay *replay, const char *uids, GCancellable *cancellable, GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID EXPUNGE");
  TernImapClient *client = _tern_sync_session_get_client (replay->session, cancellable, error);

  if (client == NULL)
    return FALSE;
  if (!tern_imap_client_has_capability (client, "UIDPLUS"))
    {
      /* A bare EXPUNGE would also remove what other devices marked
       * \Deleted: never (decision 7). The messages stay marked. */
      g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED,
                   _ ("The server cannot expunge single messages (no UIDPLUS); they are marked "
                      "deleted instead"));
      return FALSE;
    }
  tern_imap_command_add_sequence_set (command, uids);
  return run (replay, command, cancellable, error);
}

typedef struct
{
  GHashTable *ids; /* uid → Message-ID */
} IdCollect;

static void
collect_ids (TernImapResponse *response, gpointer user_data)
{
  IdCollect *collect = user_data;
  g_autoptr (TernImapFetch) fetch = tern_imap_fetch_new_from_response (response, NULL);
  TernImapEnvelope *envelope;

  if (fetch == NULL || tern_imap_fetch_get_uid (fetch) == 0)
    return;
  envelope = tern_imap_fetch_get_envelope (fetch);
  if (envelope != NULL && tern_imap_envelope_get_message_id (envelope) != NULL)
    g_hash_table_insert (collect->ids, GUINT_TO_POINTER (tern_imap_fetch_get_uid (fetch)),
                         g_strdup (tern_imap_envelope_get_message_id (envelope)));
}

/* Message-IDs of @uids in the selected folder. */
static GHashTable *
fetch_message_ids (Replay *replay, const char *uids, GCancellable *cancellable, GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID FETCH");
  IdCollect collect = { g_hash_table_new_full (NULL, NULL, NULL, g_free) };
  tern_imap_command_add_sequence_set (command, uids);
  tern_imap_command_add_raw (command, "(UID ENVELOPE)");
  if (!_tern_sync_session_run (replay->session, command, collect_ids, &collect, NULL, cancellable,
                               error))
    {
      g_hash_table_unref (collect.ids);
      return NULL;
    }
  return collect.ids;
}

typedef struct
{
  gboolean found;
} FoundCollect;

static void
collect_found (TernImapResponse *response, gpointer user_data)
{
  FoundCollect *collect = user_data;
  g_autoptr (TernImapSearchResult) result =
    tern_imap_search_result_new_from_response (response, NULL);

  if (result != NULL && tern_imap_search_result_get_set (result) != NULL &&
      !tern_imap_uid_set_is_empty (tern_imap_search_result_get_set (result)))
    collect->found = TRUE;
}

/* For a COPY that may have happened already: the UIDs of @uids whose
 * Message-ID the target does not have yet. Ends with the source selected. */
static char *
uids_missing_in_target (Replay *replay,
                        const char *uids,
                        const char *target,
                        GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (GHashTable) ids = NULL;
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_parse (uids, -1, NULL);
  g_autoptr (TernImapUidSet) missing = tern_imap_uid_set_new ();
  TernImapUidSetIter iter;
  guint32 uid;

  if (set == NULL)
    return g_strdup (uids);
  ids = fetch_message_ids (replay, uids, cancellable, error);
  if (ids == NULL || !select_rw (replay, target, cancellable, error))
    return NULL;

  tern_imap_uid_set_iter_init (&iter, set);
  while (tern_imap_uid_set_iter_next (&iter, &uid))
    {
      const char *id = g_hash_table_lookup (ids, GUINT_TO_POINTER (uid));
      g_autoptr (TernImapCommand) search = NULL;
      FoundCollect found = { FALSE };

      if (id == NULL)
        {
          /* No Message-ID to look for: copied again rather than lost. */
          tern_imap_uid_set_add (missing, uid);
          continue;
        }
      search = tern_imap_command_new ("UID SEARCH");
      tern_imap_command_add_atom (search, "HEADER");
      tern_imap_command_add_atom (search, "MESSAGE-ID");
      tern_imap_command_add_string (search, id);
      if (!_tern_sync_session_run (replay->session, search, collect_found, &found, NULL,
                                   cancellable, error))
        return NULL;
      if (!found.found)
        tern_imap_uid_set_add (missing, uid);
      else
        g_message ("Message %u is in “%s” already (an earlier attempt copied it)", uid, target);
    }
  if (!select_rw (replay, replay->op->folder, cancellable, error))
    return NULL;
  tern_imap_uid_set_normalize (missing);
  return tern_imap_uid_set_is_empty (missing) ? g_strdup ("")
                                              : tern_imap_uid_set_to_string (missing);
}

static gboolean
uid_copy_or_move (Replay *replay,
                  const char *verb,
                  const char *uids,
                  const char *target,
                  GCancellable *cancellable,
                  GError **error)
{
  g_autofree char *name = g_strconcat ("UID ", verb, NULL);
  g_autoptr (TernImapCommand) command = tern_imap_command_new (name);

  tern_imap_command_add_sequence_set (command, uids);
  tern_imap_command_add_mailbox (command, target);
  return run (replay, command, cancellable, error);
}

/* Sends @op; returns its undo (or NULL) in @out_undo. */
static gboolean
execute (Replay *replay, char **out_undo, GCancellable *cancellable, GError **error)
{
  TernStoreOp *op = replay->op;
  TernImapClient *client;

  if (!select_rw (replay, op->folder, cancellable, error))
    return FALSE;
  client = _tern_sync_session_get_client (replay->session, cancellable, error);
  if (client == NULL)
    return FALSE;

  if (g_strcmp0 (op->type, "flag") == 0)
    return uid_store (replay, op->uids, op->args, cancellable, error);

  if (g_strcmp0 (op->type, "expunge") == 0)
    return uid_store (replay, op->uids, "+\\Deleted", cancellable, error) &&
           uid_expunge (replay, op->uids, cancellable, error);

  if (g_strcmp0 (op->type, "move") == 0 || g_strcmp0 (op->type, "copy") == 0)
    {
      gboolean move = g_strcmp0 (op->type, "move") == 0;
      gboolean native_move = move && tern_imap_client_has_capability (client, "MOVE");
      g_autofree char *uids = g_strdup (op->uids);

      if (op->args == NULL)
        {
          g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO, "No target folder");
          return FALSE;
        }
      /* MOVE of a UID that is gone does nothing; COPY would copy twice. */
      if (replay->maybe_done && !native_move)
        {
          g_free (uids);
          uids = uids_missing_in_target (replay, op->uids, op->args, cancellable, error);
          if (uids == NULL)
            return FALSE;
        }
      if (*uids != '\0' && !uid_copy_or_move (replay, native_move ? "MOVE" : "COPY", uids, op->args,
                                              cancellable, error))
        return FALSE;
      if (move && !native_move &&
          (!uid_store (replay, op->uids, "+\\Deleted", cancellable, error) ||
           !uid_expunge (replay, op->uids, cancellable, error)))
        return FALSE;

      if (replay->copyuid_dst != NULL)
        *out_undo =
          move ? g_strdup_printf ("move\t%s\t%s\t%s", op->args, replay->copyuid_dst, op->folder)
               : g_strdup_printf ("expunge\t%s\t%s\t", op->args, replay->copyuid_dst);
      return TRUE;
    }

  g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO, "Unknown operation “%s”", op->type);
  return FALSE;
}

static gboolean
is_refusal (const GError *error)
{
  return error->domain == TERN_IMAP_ERROR &&
         (error->code == TERN_IMAP_ERROR_NO || error->code == TERN_IMAP_ERROR_BAD ||
          error->code == TERN_IMAP_ERROR_UNSUPPORTED);
}

gboolean
_tern_sync_replay (TernSyncSession *self,
                   guint *out_done,
                   guint *out_failed,
                   GCancellable *cancellable,
                   GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  guint done = 0, failed = 0;

  for (;;)
    {
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;
      g_autoptr (GPtrArray) ops = NULL;
      g_autofree char *undo = NULL;
      Replay replay = { self, NULL, FALSE, FALSE, NULL, NULL };
      GError *local = NULL;
      TernStoreOp *op = NULL;

      tern_store_peek_ops_async (store, 0, NULL, tern_await_cb, &wait);
      ops = tern_store_peek_ops_finish (store, tern_await (&wait), error);
      if (ops == NULL)
        return FALSE;
      for (guint i = 0; i < ops->len && op == NULL; i++)
        if (((TernStoreOp *) ops->pdata[i])->state != TERN_STORE_OP_FAILED)
          op = ops->pdata[i];
      if (op == NULL)
        break;

      /* Connect before the op is marked: an unreachable server leaves it
       * pending and untouched. */
      if (_tern_sync_session_get_client (self, cancellable, error) == NULL)
        return FALSE;

      replay.op = op;
      replay.maybe_done = op->state == TERN_STORE_OP_RUNNING || op->attempts > 0;
      _tern_sync_crash_point ("replay-before-send");
      if (!store_step (self, tern_store_begin_op_async, op->id, error))
        return FALSE;

      if (!execute (&replay, &undo, cancellable, &local))
        {
          g_free (replay.copyuid_dst);
          g_free (replay.copyuid);
          if (is_refusal (local))
            {
              g_warning ("The server refused “%s %s %s”: %s", op->type, op->folder, op->uids,
                         local->message);
              g_clear_error (&local);
              if (!store_step (self, tern_store_fail_op_async, op->id, error))
                return FALSE;
              failed++;
              continue;
            }
          /* Offline or cancelled: the op stays queued (it may have reached
           * the server; the next attempt knows that). */
          store_step (self, tern_store_requeue_op_async, op->id, NULL);
          g_propagate_error (error, local);
          return FALSE;
        }
      g_free (replay.copyuid_dst);
      _tern_sync_crash_point ("replay-after-server");

      {
        g_auto (TernAwait) finish_wait = TERN_AWAIT_INIT;

        tern_store_finish_op_async (store, op->id, undo, replay.copyuid, NULL, tern_await_cb,
                                    &finish_wait);
        g_free (replay.copyuid);
        if (!tern_store_op_step_finish (store, tern_await (&finish_wait), error))
          return FALSE;
      }
      _tern_sync_crash_point ("replay-after-complete");
      done++;
    }

  if (out_done != NULL)
    *out_done = done;
  if (out_failed != NULL)
    *out_failed = failed;
  return TRUE;
}
