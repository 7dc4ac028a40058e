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
 * Threading: the thread-default main context of the thread that made it.
 */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "account/tern-account-secret.h"
#include "account/tern-account-setup-private.h"
#include "imap/tern-imap-client-select.h"
#include "imap/tern-imap-client.h"
#include "imap/tern-imap-error.h"
#include "tern-idle-watcher.h"

#define MAX_BACKOFF 60
#define AUTH_BACKOFF 300
/* Changes arrive in bursts (an EXPUNGE per message, FETCH after EXISTS):
 * one "changed" for a burst. */
#define COALESCE_MS 50

struct _TernIdleWatcher
{
  GObject parent_instance;

  TernAccountConfig *config;
  char *folder;
  TernIdleWatcherState state;
  GError *error;
  guint restart_interval;
  guint poll_interval;
  char **other_folders;

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
};

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

  self->changed_id = 0;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, self->folder);
  return G_SOURCE_REMOVE;
}

static void
schedule_changed (TernIdleWatcher *self)
{
  if (self->changed_id == 0)
    self->changed_id = g_timeout_add (COALESCE_MS, emit_changed, self);
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
  set_state (self, TERN_IDLE_WATCHER_IDLING);
  self->timer_id = g_timeout_add_seconds (self->restart_interval, restart_tick, self);
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
  if (tern_imap_client_has_capability (self->client, "IDLE"))
    begin_idle (self);
  else
    {
      set_state (self, TERN_IDLE_WATCHER_POLLING);
      self->timer_id = g_timeout_add_seconds (self->poll_interval, poll_tick, self);
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

void
tern_idle_watcher_set_other_folders (TernIdleWatcher *self, const char *const *folders)
{
  g_return_if_fail (TERN_IS_IDLE_WATCHER (self));

  g_strfreev (self->other_folders);
  self->other_folders = g_strdupv ((char **) folders);
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
}
