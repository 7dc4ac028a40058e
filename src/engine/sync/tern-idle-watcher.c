/* tern-idle-watcher.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernIdleWatcher: one connection of its own (DESIGN decision 4) that keeps
 * a folder EXAMINEd and in IDLE (RFC 2177), and says "changed" whenever the
 * server tells of new, expunged or re-flagged messages there. It does not
 * fetch anything: its owner answers "changed" with a sync of the folder,
 * which (with QRESYNC) costs one round trip and yields the UIDs.
 *
 * IDLE is ended and started again every restart interval (25 minutes by
 * default), well within the 29 minutes after which servers may drop it. A
 * server without IDLE is sent NOOP every poll interval instead. When the
 * connection fails or ends, a new one is tried after 1, 2, 4 … 60 seconds
 * (5 minutes after a refused login, which retrying will not fix), and at
 * once when GNetworkMonitor says the network came back. After a reconnect
 * "changed" is emitted too: what happened while the connection was down is
 * unknown.
 *
 * The account's other folders (set_other_folders) are watched on the same
 * connection: with NOTIFY (RFC 5465) where the server offers it, which makes
 * it send a STATUS for a folder whenever mail arrives, leaves or changes
 * flags there; else (or when NOTIFY is refused or overflows, and for folders
 * it does not cover) by leaving IDLE every status interval to ask STATUS of
 * each. IDLE itself keeps running. Either way "changed" names a folder only
 * when its counts, UIDNEXT, UIDVALIDITY or HIGHESTMODSEQ differ from what
 * was known: the first answer for a folder is the baseline. What is known
 * survives a reconnect, so changes made while it was down are found then.
 * Without CONDSTORE only changes of \Seen show in STATUS.
 *
 * Threading: the thread-default main context of the thread that made it.
 */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "account/tern-account-secret.h"
#include "account/tern-account-setup-private.h"
#include "imap/tern-imap-client-select.h"
#include "imap/tern-imap-client.h"
#include "imap/tern-imap-error.h"
#include "imap/tern-imap-mailbox-status.h"
#include "imap/tern-imap-utf7.h"
#include "tern-idle-watcher.h"

#define MAX_BACKOFF 60
#define AUTH_BACKOFF 300
/* Changes arrive in bursts (an EXPUNGE per message, FETCH after EXISTS):
 * one "changed" for a burst. */
#define COALESCE_MS 50
/* What a STATUS is compared on. */
#define KNOWN_ITEMS                                                                                \
  (TERN_IMAP_STATUS_ITEM_MESSAGES | TERN_IMAP_STATUS_ITEM_UIDNEXT |                                \
   TERN_IMAP_STATUS_ITEM_UIDVALIDITY | TERN_IMAP_STATUS_ITEM_UNSEEN |                              \
   TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ)

struct _TernIdleWatcher
{
  GObject parent_instance;

  TernAccountConfig *config;
  char *folder;
  TernIdleWatcherState state;
  GError *error;
  guint restart_interval;
  guint poll_interval;
  guint status_interval;
  char **other_folders;
  /* folder → FolderStatus, for each of other_folders; kept across
   * reconnects */
  GHashTable *statuses;
  /* folders whose "changed" is due (the coalescing below) */
  GHashTable *changed;
  guint use_notify : 1;
  guint notify_refused : 1; /* the server said NO or BAD to NOTIFY */

  GCancellable *cancellable; /* the current connection's */
  TernImapClient *client;
  gulong unsolicited_id;
  gulong closed_id;
  guint timer_id;
  guint changed_id;
  guint backoff;
  gboolean connected_before;
  GNetworkMonitor *monitor;
  gulong network_id;

  /* The current connection's; see drop_client(). */
  guint status_timer_id;
  guint pending_statuses;
  guint idling : 1;         /* IDLE accepted and not being ended by us */
  guint busy : 1;           /* IDLE left for a NOTIFY SET or a STATUS round */
  guint notify_due : 1;     /* NOTIFY SET must be (re)sent */
  guint status_due : 1;     /* a STATUS round must run */
  guint notifying : 1;      /* NOTIFY is in effect for other_folders */
  guint notify_pending : 1; /* NOTIFY SET sent, not yet answered */
  guint baseline : 1;       /* STATUS of an unknown folder is a baseline */
};

/* What is known of one other folder; items as TernImapStatusItems. */
typedef struct
{
  TernImapStatusItems items;
  guint32 messages;
  guint32 uidnext;
  guint32 uidvalidity;
  guint32 unseen;
  guint64 highestmodseq;
  guint covered : 1; /* NOTIFY reports on it (current connection) */
} FolderStatus;

G_DEFINE_FINAL_TYPE (TernIdleWatcher, tern_idle_watcher, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (TernIdleWatcherState,
                    tern_idle_watcher_state,
                    G_DEFINE_ENUM_VALUE (TERN_IDLE_WATCHER_STOPPED, "stopped"),
                    G_DEFINE_ENUM_VALUE (TERN_IDLE_WATCHER_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (TERN_IDLE_WATCHER_IDLING, "idling"),
                    G_DEFINE_ENUM_VALUE (TERN_IDLE_WATCHER_POLLING, "polling"),
                    G_DEFINE_ENUM_VALUE (TERN_IDLE_WATCHER_WAITING, "waiting"))

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void connect_now (TernIdleWatcher *self);
static void begin_idle (TernIdleWatcher *self);
static void maybe_leave_idle (TernIdleWatcher *self);

static void
set_state (TernIdleWatcher *self, TernIdleWatcherState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_debug ("%s: idle watcher %s", self->folder,
           g_enum_get_value (g_type_class_peek (TERN_TYPE_IDLE_WATCHER_STATE), state)->value_nick);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_timer (TernIdleWatcher *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

static void
drop_client (TernIdleWatcher *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->status_timer_id, g_source_remove);
  self->pending_statuses = 0;
  self->idling = FALSE;
  self->busy = FALSE;
  self->notify_due = FALSE;
  self->status_due = FALSE;
  self->notifying = FALSE;
  self->notify_pending = FALSE;
  self->baseline = FALSE;
  if (self->client == NULL)
    return;
  g_clear_signal_handler (&self->unsolicited_id, self->client);
  g_clear_signal_handler (&self->closed_id, self->client);
  tern_imap_client_close (self->client);
  g_clear_object (&self->client);
}

static gboolean
reconnect_tick (gpointer user_data)
{
  TernIdleWatcher *self = user_data;

  self->timer_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* The connection failed or ended: try again after a while. */
static void
fail (TernIdleWatcher *self, const GError *error)
{
  gboolean auth = g_error_matches (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION);

  if (self->state == TERN_IDLE_WATCHER_STOPPED)
    return;
  drop_client (self);
  clear_timer (self);
  g_clear_error (&self->error);
  self->error = error != NULL ? g_error_copy (error)
                              : g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                                     _ ("The server closed the connection."));
  self->backoff = auth                 ? AUTH_BACKOFF
                  : self->backoff == 0 ? 1
                                       : MIN (self->backoff * 2, MAX_BACKOFF);
  g_debug ("%s: idle watcher: %s; again in %u s", self->folder, self->error->message,
           self->backoff);
  self->timer_id = g_timeout_add_seconds (self->backoff, reconnect_tick, self);
  set_state (self, TERN_IDLE_WATCHER_WAITING);
}

static gboolean
emit_changed (gpointer user_data)
{
  TernIdleWatcher *self = user_data;
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  char *folder;

  self->changed_id = 0;
  g_hash_table_iter_init (&iter, self->changed);
  while (g_hash_table_iter_next (&iter, (gpointer *) &folder, NULL))
    {
      g_hash_table_iter_steal (&iter);
      /* The watched folder first: it is the one a person looks at. */
      if (strcmp (folder, self->folder) == 0)
        g_ptr_array_insert (folders, 0, folder);
      else
        g_ptr_array_add (folders, folder);
    }
  g_object_ref (self);
  for (guint i = 0; i < folders->len; i++)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0, g_ptr_array_index (folders, i));
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_changed_folder (TernIdleWatcher *self, const char *folder)
{
  g_hash_table_add (self->changed, g_strdup (folder));
  if (self->changed_id == 0)
    self->changed_id = g_timeout_add (COALESCE_MS, emit_changed, self);
}

static void
schedule_changed (TernIdleWatcher *self)
{
  schedule_changed_folder (self, self->folder);
}

/* Other folders ---------------------------------------------------------------------------- */

/* The watched other folder @wire (a STATUS response's name) stands for, or
 * NULL. Names come in modified UTF-7 unless UTF8=ACCEPT is enabled, but
 * Dovecot 2.3 sends the STATUS of NOTIFY in UTF-8 regardless: a name that
 * does not decode to a watched folder is tried as UTF-8 too. */
static const char *
lookup_folder (TernIdleWatcher *self, const char *wire, FolderStatus **out_status)
{
  g_autofree char *decoded = NULL;
  gpointer key = NULL;

  if (self->client != NULL && !tern_imap_client_is_enabled (self->client, "UTF8=ACCEPT"))
    decoded = tern_imap_utf7_decode (wire, strlen (wire), NULL);
  if (decoded != NULL &&
      g_hash_table_lookup_extended (self->statuses, decoded, &key, (gpointer *) out_status))
    return key;
  if (g_utf8_validate (wire, -1, NULL) &&
      g_hash_table_lookup_extended (self->statuses, wire, &key, (gpointer *) out_status))
    return key;
  return NULL;
}

/* Whether @status says something else than @known about an item both have;
 * @known takes the new values. */
static gboolean
merge_status (FolderStatus *known, TernImapMailboxStatus *status)
{
  TernImapStatusItems items = tern_imap_mailbox_status_get_items (status);
  TernImapStatusItems both = items & known->items;
  gboolean differs = FALSE;

#define MERGE(item, field, getter)                                                                 \
  if (items & (item))                                                                              \
    {                                                                                              \
      differs |= (both & (item)) && known->field != getter (status);                               \
      known->field = getter (status);                                                              \
    }
  MERGE (TERN_IMAP_STATUS_ITEM_MESSAGES, messages, tern_imap_mailbox_status_get_messages)
  MERGE (TERN_IMAP_STATUS_ITEM_UIDNEXT, uidnext, tern_imap_mailbox_status_get_uidnext)
  MERGE (TERN_IMAP_STATUS_ITEM_UIDVALIDITY, uidvalidity, tern_imap_mailbox_status_get_uidvalidity)
  MERGE (TERN_IMAP_STATUS_ITEM_UNSEEN, unseen, tern_imap_mailbox_status_get_unseen)
  MERGE (TERN_IMAP_STATUS_ITEM_HIGHESTMODSEQ, highestmodseq,
         tern_imap_mailbox_status_get_highestmodseq)
#undef MERGE
  known->items |= items & KNOWN_ITEMS;
  return differs;
}

/* A STATUS response, from NOTIFY or from our own STATUS command. */
static void
handle_status (TernIdleWatcher *self, TernImapResponse *response)
{
  g_autoptr (TernImapMailboxStatus) status = NULL;
  g_autoptr (GError) error = NULL;
  FolderStatus *known = NULL;
  const char *folder;
  gboolean first;

  status = tern_imap_mailbox_status_new_from_response (response, &error);
  if (status == NULL)
    {
      g_debug ("%s: ignoring a STATUS: %s", self->folder, error->message);
      return;
    }
  folder = lookup_folder (self, tern_imap_mailbox_status_get_name (status), &known);
  if (folder == NULL)
    return;
  if (self->notify_pending)
    known->covered = TRUE;
  first = (known->items & KNOWN_ITEMS) == 0;
  /* Outside a baseline, NOTIFY tells only of events: news even when
   * nothing was known of the folder. */
  if (merge_status (known, status) || (first && !self->baseline))
    {
      g_debug ("%s: changed (STATUS)", folder);
      schedule_changed_folder (self, folder);
    }
}

static gboolean
has_other_folders (TernIdleWatcher *self)
{
  return g_hash_table_size (self->statuses) > 0;
}

/* Folders to ask STATUS: all, or under NOTIFY those it does not cover. */
static gboolean
needs_status (TernIdleWatcher *self, FolderStatus *known)
{
  return !self->notifying || !known->covered;
}

static guint
count_needing_status (TernIdleWatcher *self)
{
  GHashTableIter iter;
  FolderStatus *known;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->statuses);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &known))
    n += needs_status (self, known);
  return n;
}

static gboolean
can_notify (TernIdleWatcher *self)
{
  return self->use_notify && !self->notify_refused && self->client != NULL &&
         tern_imap_client_has_capability (self->client, "NOTIFY");
}

static void busy_work (TernIdleWatcher *self);

static gboolean
status_tick (gpointer user_data)
{
  TernIdleWatcher *self = user_data;

  self->status_timer_id = 0;
  self->status_due = TRUE;
  maybe_leave_idle (self);
  return G_SOURCE_REMOVE;
}

/* The NOTIFY SET or STATUS round is over: back to IDLE (or to polling). */
static void
busy_done (TernIdleWatcher *self)
{
  self->busy = FALSE;
  self->baseline = FALSE;
  if (count_needing_status (self) > 0 && self->status_timer_id == 0)
    self->status_timer_id = g_timeout_add_seconds (self->status_interval, status_tick, self);
  if (tern_imap_client_has_capability (self->client, "IDLE"))
    begin_idle (self);
  else
    maybe_leave_idle (self);
}

static void
status_data (TernImapResponse *response, gpointer user_data)
{
  handle_status (TERN_IDLE_WATCHER (user_data), response);
}

static void
status_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_run_finish (TERN_IMAP_CLIENT (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* A folder deleted meanwhile: the others still count. */
      if (!g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) &&
          !g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD))
        {
          fail (self, error);
          return;
        }
      g_debug ("%s: STATUS: %s", self->folder, error->message);
    }
  if (self->client != TERN_IMAP_CLIENT (source) || self->pending_statuses == 0)
    return;
  if (--self->pending_statuses == 0)
    busy_done (self);
}

/* One STATUS per folder that needs it, pipelined. */
static void
send_statuses (TernIdleWatcher *self)
{
  gboolean modseq = tern_imap_client_has_capability (self->client, "CONDSTORE");
  GHashTableIter iter;
  const char *folder;
  FolderStatus *known;

  self->pending_statuses = count_needing_status (self);
  if (self->notifying)
    g_debug ("%s: %u folders NOTIFY does not cover by STATUS every %u s", self->folder,
             self->pending_statuses, self->status_interval);
  else
    g_debug ("%s: other folders by STATUS every %u s", self->folder, self->status_interval);
  if (self->pending_statuses == 0)
    {
      busy_done (self);
      return;
    }
  self->baseline = TRUE;
  g_hash_table_iter_init (&iter, self->statuses);
  while (g_hash_table_iter_next (&iter, (gpointer *) &folder, (gpointer *) &known))
    {
      g_autoptr (TernImapCommand) command = NULL;

      if (!needs_status (self, known))
        continue;
      command = tern_imap_command_new ("STATUS");
      tern_imap_command_add_mailbox (command, folder);
      tern_imap_command_begin_list (command);
      tern_imap_command_add_atom (command, "MESSAGES");
      tern_imap_command_add_atom (command, "UIDNEXT");
      tern_imap_command_add_atom (command, "UIDVALIDITY");
      tern_imap_command_add_atom (command, "UNSEEN");
      /* Without it only \Seen changes would show. */
      if (modseq)
        tern_imap_command_add_atom (command, "HIGHESTMODSEQ");
      tern_imap_command_end_list (command);
      tern_imap_client_run_async (self->client, command, status_data, g_object_ref (self),
                                  g_object_unref, self->cancellable, status_done,
                                  g_object_ref (self));
    }
}

static void
notify_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;
  guint uncovered;

  if (!tern_imap_client_run_finish (TERN_IMAP_CLIENT (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (!g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) &&
          !g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD))
        {
          fail (self, error);
          return;
        }
      if (self->client != TERN_IMAP_CLIENT (source))
        return;
      /* Refused (an event it cannot report, too much to watch): poll instead. */
      g_debug ("%s: NOTIFY refused (%s)", self->folder, error->message);
      self->notify_pending = FALSE;
      self->notify_refused = TRUE;
      self->notifying = FALSE;
      self->status_due = TRUE;
      busy_work (self);
      return;
    }
  if (self->client != TERN_IMAP_CLIENT (source))
    return;
  self->notify_pending = FALSE;
  self->notifying = has_other_folders (self);
  if (self->notifying)
    {
      g_debug ("%s: other folders by NOTIFY", self->folder);
      /* A folder outside the personal namespace (shared, another user's)
       * had no STATUS: those are polled. */
      uncovered = count_needing_status (self);
      self->status_due = uncovered > 0;
      if (uncovered == 0)
        g_clear_handle_id (&self->status_timer_id, g_source_remove);
    }
  busy_work (self);
}

/* NOTIFY SET STATUS (selected (...)) (personal (...)): the STATUS option
 * answers at once for each folder (the baseline, and which watched folders
 * NOTIFY covers); after that a STATUS comes whenever something happens in
 * one. The selected folder keeps its EXISTS, EXPUNGE and FETCH. "personal"
 * rather than naming the folders: Dovecot 2.3 takes the names of
 * "mailboxes" as UTF-8, not modified UTF-7, and misses non-ASCII ones.
 * With no other folders: NOTIFY NONE. */
static void
send_notify (TernIdleWatcher *self)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("NOTIFY");
  GHashTableIter iter;
  FolderStatus *known;

  if (!has_other_folders (self))
    tern_imap_command_add_atom (command, "NONE");
  else
    {
      tern_imap_command_add_atom (command, "SET");
      tern_imap_command_add_atom (command, "STATUS");
      tern_imap_command_add_raw (command, "(selected (MessageNew (UID) MessageExpunge FlagChange)) "
                                          "(personal (MessageNew MessageExpunge FlagChange))");
      g_hash_table_iter_init (&iter, self->statuses);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &known))
        known->covered = FALSE;
      self->notify_pending = TRUE;
      self->baseline = TRUE;
    }
  /* Its STATUS responses come as ::unsolicited. */
  tern_imap_client_run_async (self->client, command, NULL, NULL, NULL, self->cancellable,
                              notify_done, g_object_ref (self));
}

/* What IDLE was left for, one step after another. */
static void
busy_work (TernIdleWatcher *self)
{
  g_assert (self->busy);

  if (self->notify_due)
    {
      self->notify_due = FALSE;
      send_notify (self);
    }
  else if (self->status_due && count_needing_status (self) > 0)
    {
      self->status_due = FALSE;
      send_statuses (self);
    }
  else
    {
      self->status_due = FALSE;
      busy_done (self);
    }
}

static void
left_idle (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_idle_done_finish (TERN_IMAP_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  if (self->client == TERN_IMAP_CLIENT (source))
    busy_work (self);
}

/* NOTIFY SET and STATUS are commands: they wait for IDLE to be accepted
 * (idle_started calls this again) and end it; without IDLE they run
 * beside the NOOP polling. */
static void
maybe_leave_idle (TernIdleWatcher *self)
{
  if (!(self->notify_due || self->status_due) || self->busy || self->client == NULL)
    return;
  if (self->idling)
    {
      self->idling = FALSE;
      self->busy = TRUE;
      clear_timer (self);
      tern_imap_client_idle_done_async (self->client, self->cancellable, left_idle,
                                        g_object_ref (self));
    }
  else if (self->state == TERN_IDLE_WATCHER_POLLING)
    {
      self->busy = TRUE;
      busy_work (self);
    }
}

static void
on_unsolicited (TernImapClient *client, TernImapResponse *response, gpointer user_data)
{
  TernIdleWatcher *self = user_data;

  switch (tern_imap_response_get_data_type (response))
    {
    case TERN_IMAP_DATA_EXISTS:
    case TERN_IMAP_DATA_EXPUNGE:
    case TERN_IMAP_DATA_VANISHED:
    case TERN_IMAP_DATA_FETCH:
      schedule_changed (self);
      break;
    case TERN_IMAP_DATA_STATUS:
      handle_status (self, response);
      break;
    case TERN_IMAP_DATA_NONE:
      /* RFC 5465 §5.8: the server gave up on NOTIFY, as after NOTIFY NONE;
       * events may have been lost. */
      if (self->notifying && tern_imap_response_has_code (response, "NOTIFICATIONOVERFLOW"))
        {
          g_debug ("%s: NOTIFY overflowed; other folders by STATUS", self->folder);
          self->notifying = FALSE;
          self->status_due = TRUE;
          schedule_changed (self);
          maybe_leave_idle (self);
        }
      break;
    default:
      break;
    }
}

static void
on_closed (TernImapClient *client, const GError *error, gpointer user_data)
{
  fail (TERN_IDLE_WATCHER (user_data), error);
}

/* Polling, for servers without IDLE ------------------------------------------------------- */

static gboolean poll_tick (gpointer user_data);

static void
noop_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_run_finish (TERN_IMAP_CLIENT (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  if (self->client == TERN_IMAP_CLIENT (source))
    self->timer_id = g_timeout_add_seconds (self->poll_interval, poll_tick, self);
}

static gboolean
poll_tick (gpointer user_data)
{
  TernIdleWatcher *self = user_data;
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("NOOP");

  self->timer_id = 0;
  /* EXISTS, EXPUNGE and FETCH come as ::unsolicited, with no function here. */
  tern_imap_client_run_async (self->client, command, NULL, NULL, NULL, self->cancellable, noop_done,
                              g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* IDLE ------------------------------------------------------------------------------------- */

static void
idle_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_idle_done_finish (TERN_IMAP_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  if (self->client == TERN_IMAP_CLIENT (source))
    begin_idle (self);
}

static gboolean
restart_tick (gpointer user_data)
{
  TernIdleWatcher *self = user_data;

  self->timer_id = 0;
  if (!self->idling)
    return G_SOURCE_REMOVE;
  self->idling = FALSE;
  g_debug ("%s: restarting IDLE", self->folder);
  tern_imap_client_idle_done_async (self->client, self->cancellable, idle_done,
                                    g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
idle_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_idle_start_finish (TERN_IMAP_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  if (self->client != TERN_IMAP_CLIENT (source))
    return;
  self->idling = TRUE;
  set_state (self, TERN_IDLE_WATCHER_IDLING);
  clear_timer (self);
  self->timer_id = g_timeout_add_seconds (self->restart_interval, restart_tick, self);
  maybe_leave_idle (self);
}

static void
begin_idle (TernIdleWatcher *self)
{
  tern_imap_client_idle_start_async (self->client, self->cancellable, idle_started,
                                     g_object_ref (self));
}

/* Connecting ------------------------------------------------------------------------------- */

static void
selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;
  TernImapSelectInfo *info;

  info = tern_imap_client_select_finish (TERN_IMAP_CLIENT (source), result, &error);
  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  tern_imap_select_info_free (info);
  if (self->client != TERN_IMAP_CLIENT (source))
    return;

  self->backoff = 0;
  g_clear_error (&self->error);
  if (self->connected_before)
    schedule_changed (self);
  self->connected_before = TRUE;
  if (has_other_folders (self))
    {
      if (can_notify (self))
        self->notify_due = TRUE;
      else
        self->status_due = TRUE;
    }
  if (tern_imap_client_has_capability (self->client, "IDLE"))
    {
      /* The other folders' first, so that IDLE starts only once. */
      self->busy = TRUE;
      busy_work (self);
    }
  else
    {
      set_state (self, TERN_IDLE_WATCHER_POLLING);
      self->timer_id = g_timeout_add_seconds (self->poll_interval, poll_tick, self);
      maybe_leave_idle (self);
    }
}

static void
opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;
  TernImapClient *client;
  TernImapSelectFlags flags = TERN_IMAP_SELECT_READ_ONLY;

  client = _tern_account_open_imap_finish (result, NULL, &error);
  if (client == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, error);
      return;
    }
  if (self->state != TERN_IDLE_WATCHER_CONNECTING)
    {
      tern_imap_client_close (client);
      g_object_unref (client);
      return;
    }
  self->client = client;
  /* No command timeout while idling, so a dead peer shows only here. */
  tern_imap_client_set_keepalive (self->client, 0);
  self->unsolicited_id =
    g_signal_connect (self->client, "unsolicited", G_CALLBACK (on_unsolicited), self);
  self->closed_id = g_signal_connect (self->client, "closed", G_CALLBACK (on_closed), self);
  if (tern_imap_client_has_capability (self->client, "CONDSTORE"))
    flags |= TERN_IMAP_SELECT_CONDSTORE;
  tern_imap_client_select_async (self->client, self->folder, flags, NULL, self->cancellable,
                                 selected, g_object_ref (self));
}

static void
password_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernIdleWatcher) self = user_data;
  g_autoptr (GError) error = NULL;
  char *password;

  password = tern_account_secret_lookup_finish (result, &error);
  if (self->state != TERN_IDLE_WATCHER_CONNECTING || self->cancellable == NULL ||
      g_cancellable_is_cancelled (self->cancellable))
    {
      tern_account_secret_free (password);
      return;
    }
  if (password == NULL)
    {
      if (error == NULL)
        error = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION,
                             _ ("The keyring holds no password for account “%s”."),
                             tern_account_config_get_id (self->config));
      fail (self, error);
      return;
    }
  _tern_account_open_imap_async (self->config, password, TERN_ACCOUNT_OPEN_ENABLE_UTF8,
                                 self->cancellable, opened, g_object_ref (self));
  tern_account_secret_free (password);
}

static void
connect_now (TernIdleWatcher *self)
{
  drop_client (self);
  clear_timer (self);
  self->cancellable = g_cancellable_new ();
  set_state (self, TERN_IDLE_WATCHER_CONNECTING);
  tern_account_secret_lookup_async (tern_account_config_get_id (self->config),
                                    TERN_ACCOUNT_PROTOCOL_IMAP,
                                    tern_account_config_get_imap_host (self->config),
                                    tern_account_config_get_imap_user (self->config),
                                    self->cancellable, password_found, g_object_ref (self));
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  TernIdleWatcher *self = user_data;

  /* Back online: no reason to wait out the backoff. */
  if (available && self->state == TERN_IDLE_WATCHER_WAITING)
    {
      self->backoff = 0;
      connect_now (self);
    }
}

/* Public ------------------------------------------------------------------------------------ */

/**
 * tern_idle_watcher_start:
 * @self: a watcher
 *
 * Connects and watches until tern_idle_watcher_stop(). Nothing happens when
 * it is watching already.
 */
void
tern_idle_watcher_start (TernIdleWatcher *self)
{
  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));

  if (self->state != TERN_IDLE_WATCHER_STOPPED)
    return;
  self->backoff = 0;
  self->connected_before = FALSE;
  if (self->monitor == NULL)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_id =
        g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
    }
  connect_now (self);
}

void
tern_idle_watcher_stop (TernIdleWatcher *self)
{
  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));

  drop_client (self);
  clear_timer (self);
  g_clear_handle_id (&self->changed_id, g_source_remove);
  g_hash_table_remove_all (self->changed);
  if (self->monitor != NULL)
    g_clear_signal_handler (&self->network_id, self->monitor);
  g_clear_object (&self->monitor);
  set_state (self, TERN_IDLE_WATCHER_STOPPED);
}

TernIdleWatcher *
tern_idle_watcher_new (TernAccountConfig *config, const char *folder)
{
  TernIdleWatcher *self;

  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (config), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (TERN_TYPE_IDLE_WATCHER, NULL);
  self->config = g_object_ref (config);
  self->folder = g_strdup (folder);
  return self;
}

const char *
tern_idle_watcher_get_folder (TernIdleWatcher *self)
{
  g_return_val_if_fail (TERN_IS_IDLE_WATCHER (self), NULL);

  return self->folder;
}

TernIdleWatcherState
tern_idle_watcher_get_state (TernIdleWatcher *self)
{
  g_return_val_if_fail (TERN_IS_IDLE_WATCHER (self), TERN_IDLE_WATCHER_STOPPED);

  return self->state;
}

/* Why the last connection failed, while WAITING; NULL otherwise. */
const GError *
tern_idle_watcher_get_error (TernIdleWatcher *self)
{
  g_return_val_if_fail (TERN_IS_IDLE_WATCHER (self), NULL);

  return self->error;
}

void
tern_idle_watcher_set_intervals (TernIdleWatcher *self, guint restart, guint poll)
{
  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));
  g_return_if_fail (restart > 0 && poll > 0);

  self->restart_interval = restart;
  self->poll_interval = poll;
}

/**
 * tern_idle_watcher_set_status_interval:
 * @seconds: how often the other folders are asked STATUS where NOTIFY is
 *   not available
 */
void
tern_idle_watcher_set_status_interval (TernIdleWatcher *self, guint seconds)
{
  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));
  g_return_if_fail (seconds > 0);

  self->status_interval = seconds;
}

/* Whether NOTIFY is used where offered (default TRUE); tests turn it off to
 * see the STATUS polling on a server that has it. Before start. */
void
tern_idle_watcher_set_use_notify (TernIdleWatcher *self, gboolean use_notify)
{
  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));

  self->use_notify = !!use_notify;
}

/**
 * tern_idle_watcher_set_other_folders:
 * @folders: (nullable) (array zero-terminated=1): folder paths (UTF-8)
 *
 * The account's other folders to watch besides the one given at
 * construction (which is skipped if listed). May be called at any time;
 * what is known of folders that stay in the list is kept.
 */
void
tern_idle_watcher_set_other_folders (TernIdleWatcher *self, const char *const *folders)
{
  g_autoptr (GHashTable) old = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) fresh = NULL;

  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));

  for (guint i = 0; folders != NULL && folders[i] != NULL; i++)
    if (strcmp (folders[i], self->folder) != 0 && g_utf8_validate (folders[i], -1, NULL))
      g_strv_builder_add (builder, folders[i]);
  fresh = g_strv_builder_end (builder);
  /* Owners pass the list again whenever their folder tree reloads. */
  if (self->other_folders != NULL &&
      g_strv_equal ((const char *const *) fresh, (const char *const *) self->other_folders))
    return;
  g_strfreev (self->other_folders);
  self->other_folders = g_steal_pointer (&fresh);

  old = g_steal_pointer (&self->statuses);
  self->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; self->other_folders[i] != NULL; i++)
    {
      FolderStatus *known = NULL;
      char *key = NULL;

      if (g_hash_table_contains (self->statuses, self->other_folders[i]))
        continue;
      if (!g_hash_table_steal_extended (old, self->other_folders[i], (gpointer *) &key,
                                        (gpointer *) &known))
        {
          key = g_strdup (self->other_folders[i]);
          known = g_new0 (FolderStatus, 1);
        }
      g_hash_table_insert (self->statuses, key, known);
    }

  /* Connected: tell the server (NOTIFY) or take a baseline (STATUS). */
  if (self->client == NULL ||
      (self->state != TERN_IDLE_WATCHER_IDLING && self->state != TERN_IDLE_WATCHER_POLLING))
    return;
  if (self->notifying || can_notify (self))
    self->notify_due = TRUE;
  else
    self->status_due = TRUE;
  if (!has_other_folders (self))
    g_clear_handle_id (&self->status_timer_id, g_source_remove);
  maybe_leave_idle (self);
}

static void
tern_idle_watcher_dispose (GObject *object)
{
  TernIdleWatcher *self = TERN_IDLE_WATCHER (object);

  tern_idle_watcher_stop (self);

  G_OBJECT_CLASS (tern_idle_watcher_parent_class)->dispose (object);
}

static void
tern_idle_watcher_finalize (GObject *object)
{
  TernIdleWatcher *self = TERN_IDLE_WATCHER (object);

  g_clear_object (&self->config);
  g_free (self->folder);
  g_strfreev (self->other_folders);
  g_clear_pointer (&self->statuses, g_hash_table_unref);
  g_clear_pointer (&self->changed, g_hash_table_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (tern_idle_watcher_parent_class)->finalize (object);
}

static void
tern_idle_watcher_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernIdleWatcher *self = TERN_IDLE_WATCHER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_idle_watcher_class_init (TernIdleWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_idle_watcher_dispose;
  object_class->finalize = tern_idle_watcher_finalize;
  object_class->get_property = tern_idle_watcher_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TERN_TYPE_IDLE_WATCHER_STATE, TERN_IDLE_WATCHER_STOPPED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TernIdleWatcher::changed:
   * @folder: the watched folder's path
   *
   * The server told of new, expunged or re-flagged messages in the folder,
   * or the connection was made again after a break.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tern_idle_watcher_init (TernIdleWatcher *self)
{
  self->restart_interval = TERN_IDLE_WATCHER_DEFAULT_RESTART;
  self->poll_interval = TERN_IDLE_WATCHER_DEFAULT_POLL;
  self->status_interval = TERN_IDLE_WATCHER_DEFAULT_STATUS;
  self->use_notify = TRUE;
  self->statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
