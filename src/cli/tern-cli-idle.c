/* tern-cli-idle.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli idle: the account's INBOX watched through IDLE (TernIdleWatcher),
 * each change the server tells of answered with a sync of the folder, and
 * what that sync found printed as events, one per line, until SIGINT or
 * SIGTERM. The first sync (which brings the cache up to date) prints
 * nothing: events are what happened while watching.
 *
 * TERN_IDLE_RESTART=SECONDS shortens the IDLE restart interval, for tests.
 */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>

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
  gboolean again; /* a change came while a sync was running */
  int status;
} Idle;

static void sync_folder (Idle *idle);

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
    /* The watcher reconnects and says "changed" again; keep going. */
    g_printerr ("tern-cli: idle: %s\n", error->message);
  for (guint i = 0; results != NULL && i < results->len; i++)
    {
      TernSyncFolderResult *folder = g_ptr_array_index (results, i);

      print_events (idle, "new", folder->path, folder->new_uids);
      print_events (idle, "flags", folder->path, folder->changed_uids);
      print_events (idle, "expunge", folder->path, folder->vanished_uids);
    }
  if (idle->again)
    {
      idle->again = FALSE;
      sync_folder (idle);
    }
}

static void
sync_folder (Idle *idle)
{
  const char *folders[] = { tern_idle_watcher_get_folder (idle->watcher), NULL };

  if (idle->syncing)
    {
      idle->again = TRUE;
      return;
    }
  idle->syncing = TRUE;
  tern_sync_session_sync_async (tern_account_get_sync_session (idle->account), folders, NULL,
                                synced, idle);
}

static void
on_changed (TernIdleWatcher *watcher, const char *folder, gpointer user_data)
{
  sync_folder (user_data);
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
  const char *first[] = { "INBOX", NULL };
  Idle idle = { 0 };
  guint sigint, sigterm;
  const char *restart;
  guint64 seconds;
  int status = 0;

  if (!parse_options ("idle", argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 1)
    return usage_error ("idle: give exactly one account ID");
  account = load_account (g_ptr_array_index (positional, 0), &status);
  if (account == NULL)
    return status;
  tern_account_open_cache_async (account, NULL, store_result, &result);
  if (!tern_account_open_cache_finish (account, wait_for (&result), &error))
    return fail (error);

  /* The baseline: the cache brought up to date, nothing printed. */
  g_clear_object (&result);
  tern_sync_session_sync_async (tern_account_get_sync_session (account), first, NULL, store_result,
                                &result);
  baseline = tern_sync_session_sync_finish (tern_account_get_sync_session (account),
                                            wait_for (&result), &error);
  if (baseline == NULL)
    return fail (error);

  loop = g_main_loop_new (NULL, FALSE);
  watcher = tern_idle_watcher_new (tern_account_get_config (account), "INBOX");
  idle.account = account;
  idle.watcher = watcher;
  idle.loop = loop;
  idle.json = options[0].value != NULL;
  restart = g_getenv ("TERN_IDLE_RESTART");
  if (restart != NULL && g_ascii_string_to_unsigned (restart, 10, 1, 3600, &seconds, NULL))
    tern_idle_watcher_set_intervals (watcher, seconds, TERN_IDLE_WATCHER_DEFAULT_POLL);
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
  return idle.status;
}

const TernCliCommand tern_cli_idle_commands[] = {
  { "idle", cmd_idle },
  { NULL, NULL },
};

const char tern_cli_idle_help[] =
  "  tern-cli idle ID [--json]\n"
  "      watch the INBOX (IDLE) and print each change as it happens: new, flags\n"
  "      or expunge, with the folder and UID, one per line (with --json, one JSON\n"
  "      object per line), until interrupted\n";
