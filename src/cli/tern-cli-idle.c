/* tern-cli-idle.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli idle: the account's INBOX watched through IDLE and its other
 * folders through NOTIFY or STATUS (TernIdleWatcher), each change the
 * server tells of answered with a sync of that folder, and what that sync
 * found printed as events, one per line, until SIGINT or SIGTERM. The first
 * sync (which brings the cache of every folder up to date) prints nothing:
 * events are what happened while watching.
 *
 * For tests: TERN_IDLE_RESTART=SECONDS shortens the IDLE restart interval,
 * TERN_IDLE_STATUS_INTERVAL=SECONDS the STATUS polling of the other folders,
 * and TERN_IDLE_NO_NOTIFY=1 makes it poll even where NOTIFY is offered.
 */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "sync/tern-idle-watcher.h"
#include "sync/tern-sync-session.h"
#include "tern-cli-private.h"

typedef struct
{
  TernAccount *account;
  TernIdleWatcher *watcher;
  GMainLoop *loop;
  gboolean json;
  gboolean syncing;
  /* folders that changed while a sync was running: the next one's */
  GHashTable *pending;
  char **syncing_folders;
  int status;
} Idle;

static void sync_pending (Idle *idle);

static void
print_events (Idle *idle, const char *event, const char *folder, GArray *uids)
{
  for (guint i = 0; uids != NULL && i < uids->len; i++)
    {
      guint32 uid = g_array_index (uids, guint32, i);

      if (idle->json)
        {
          g_autoptr (GString) out = g_string_new ("{\"event\":");

          json_append_string (out, event);
          g_string_append (out, ",\"folder\":");
          json_append_string (out, folder);
          g_string_append_printf (out, ",\"uid\":%u}\n", uid);
          fputs (out->str, stdout);
        }
      else
        printf ("%s\t%s\t%u\n", event, folder, uid);
    }
  fflush (stdout);
}

static void
synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Idle *idle = user_data;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;

  idle->syncing = FALSE;
  results = tern_sync_session_sync_finish (TERN_SYNC_SESSION (source), result, &error);
  if (results == NULL)
    {
      /* Synced with the next change (the watcher says "changed" after a
       * reconnect too); keep going. */
      g_printerr ("tern-cli: idle: %s\n", error->message);
      for (guint i = 0; idle->syncing_folders[i] != NULL; i++)
        g_hash_table_add (idle->pending, g_strdup (idle->syncing_folders[i]));
      g_clear_pointer (&idle->syncing_folders, g_strfreev);
      return;
    }
  g_clear_pointer (&idle->syncing_folders, g_strfreev);
  for (guint i = 0; results != NULL && i < results->len; i++)
    {
      TernSyncFolderResult *folder = g_ptr_array_index (results, i);

      print_events (idle, "new", folder->path, folder->new_uids);
      print_events (idle, "flags", folder->path, folder->changed_uids);
      print_events (idle, "expunge", folder->path, folder->vanished_uids);
    }
  sync_pending (idle);
}

/* One sync at a time, of every folder that changed since the last began. */
static void
sync_pending (Idle *idle)
{
  g_autoptr (GStrvBuilder) builder = NULL;
  GHashTableIter iter;
  const char *folder;

  /* Not once interrupted: the loop has ended. */
  if (idle->syncing || g_hash_table_size (idle->pending) == 0 ||
      !g_main_loop_is_running (idle->loop))
    return;
  builder = g_strv_builder_new ();
  g_hash_table_iter_init (&iter, idle->pending);
  while (g_hash_table_iter_next (&iter, (gpointer *) &folder, NULL))
    g_strv_builder_add (builder, folder);
  g_hash_table_remove_all (idle->pending);
  idle->syncing_folders = g_strv_builder_end (builder);
  idle->syncing = TRUE;
  tern_sync_session_sync_async (tern_account_get_sync_session (idle->account),
                                (const char *const *) idle->syncing_folders, NULL, synced, idle);
}

static void
on_changed (TernIdleWatcher *watcher, const char *folder, gpointer user_data)
{
  Idle *idle = user_data;

  g_hash_table_add (idle->pending, g_strdup (folder));
  sync_pending (idle);
}

static void
on_state (TernIdleWatcher *watcher, GParamSpec *pspec, gpointer user_data)
{
  const GError *error = tern_idle_watcher_get_error (watcher);
  TernIdleWatcherState state = tern_idle_watcher_get_state (watcher);
  GEnumClass *states = g_type_class_ref (TERN_TYPE_IDLE_WATCHER_STATE);

  /* On standard error: standard output is the events only. */
  if (state == TERN_IDLE_WATCHER_WAITING && error != NULL)
    g_printerr ("tern-cli: idle: %s; trying again\n", error->message);
  else
    g_printerr ("tern-cli: idle: %s\n", g_enum_get_value (states, state)->value_nick);
  g_type_class_unref (states);
}

static gboolean
on_signal (gpointer user_data)
{
  Idle *idle = user_data;

  g_main_loop_quit (idle->loop);
  return G_SOURCE_CONTINUE;
}

static int
cmd_idle (const char *name, int argc, char **argv)
{
  Option options[] = { { "--json", FALSE, NULL } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (TernIdleWatcher) watcher = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GPtrArray) baseline = NULL;
  g_autoptr (GHashTable) pending = NULL;
  g_autoptr (GStrvBuilder) others = g_strv_builder_new ();
  g_auto (GStrv) other_folders = NULL;
  Idle idle = { 0 };
  guint sigint, sigterm;
  const char *value;
  guint64 seconds;
  int status = 0;

  if (!parse_options ("idle", argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 1)
    return usage_error ("idle: give exactly one account ID");
  account = load_account (g_ptr_array_index (positional, 0), &status);
  if (account == NULL)
    return status;
  cli_open_cache_async (account, &result);
  if (!tern_account_open_cache_finish (account, wait_for (&result), &error))
    return fail (error);

  /* The baseline: the cache of every folder brought up to date, nothing
   * printed; the folders it synced are the ones watched. */
  g_clear_object (&result);
  tern_sync_session_sync_async (tern_account_get_sync_session (account), NULL, NULL, store_result,
                                &result);
  baseline = tern_sync_session_sync_finish (tern_account_get_sync_session (account),
                                            wait_for (&result), &error);
  if (baseline == NULL)
    return fail (error);
  for (guint i = 0; i < baseline->len; i++)
    {
      TernSyncFolderResult *folder = g_ptr_array_index (baseline, i);

      if (strcmp (folder->path, "INBOX") != 0)
        g_strv_builder_add (others, folder->path);
    }
  other_folders = g_strv_builder_end (others);

  loop = g_main_loop_new (NULL, FALSE);
  watcher = tern_idle_watcher_new (tern_account_get_config (account), "INBOX");
  idle.account = account;
  idle.watcher = watcher;
  idle.loop = loop;
  idle.json = options[0].value != NULL;
  pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  idle.pending = pending;
  value = g_getenv ("TERN_IDLE_RESTART");
  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, 3600, &seconds, NULL))
    tern_idle_watcher_set_intervals (watcher, seconds, TERN_IDLE_WATCHER_DEFAULT_POLL);
  value = g_getenv ("TERN_IDLE_STATUS_INTERVAL");
  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, 3600, &seconds, NULL))
    tern_idle_watcher_set_status_interval (watcher, seconds);
  if (g_strcmp0 (g_getenv ("TERN_IDLE_NO_NOTIFY"), "1") == 0)
    tern_idle_watcher_set_use_notify (watcher, FALSE);
  tern_idle_watcher_set_other_folders (watcher, (const char *const *) other_folders);
  g_signal_connect (watcher, "changed", G_CALLBACK (on_changed), &idle);
  g_signal_connect (watcher, "notify::state", G_CALLBACK (on_state), &idle);
  sigint = g_unix_signal_add (SIGINT, on_signal, &idle);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &idle);
  tern_idle_watcher_start (watcher);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (watcher, &idle);
  tern_idle_watcher_stop (watcher);
  /* A sync still under way holds &idle: let it end first. */
  while (idle.syncing)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&idle.syncing_folders, g_strfreev);
  return idle.status;
}

const TernCliCommand tern_cli_idle_commands[] = {
  { "idle", cmd_idle },
  { NULL, NULL },
};

const char tern_cli_idle_help[] =
  "  tern-cli idle ID [--json]\n"
  "      watch the INBOX (IDLE) and the other folders (NOTIFY, else STATUS) and\n"
  "      print each change as it happens: new, flags or expunge, with the folder\n"
  "      and UID, one per line (with --json, one JSON object per line), until\n"
  "      interrupted\n";
