/* tern-idle-watcher.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/tern-account-config.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_IDLE_WATCHER_STOPPED,
  TERN_IDLE_WATCHER_CONNECTING,
  /* IDLE is running: the server tells of changes as they happen. */
  TERN_IDLE_WATCHER_IDLING,
  /* The server has no IDLE: it is asked with NOOP now and then. */
  TERN_IDLE_WATCHER_POLLING,
  /* The connection failed or ended; a new one is tried after a delay. */
  TERN_IDLE_WATCHER_WAITING,
} TernIdleWatcherState;

#define TERN_TYPE_IDLE_WATCHER_STATE (tern_idle_watcher_state_get_type ())
GType tern_idle_watcher_state_get_type (void) G_GNUC_CONST;

#define TERN_IDLE_WATCHER_DEFAULT_RESTART 1500 /* s: well within RFC 2177's 29 min */
#define TERN_IDLE_WATCHER_DEFAULT_POLL 60      /* s */
#define TERN_IDLE_WATCHER_DEFAULT_STATUS 120   /* s: other folders, without NOTIFY */

#define TERN_TYPE_IDLE_WATCHER (tern_idle_watcher_get_type ())

G_DECLARE_FINAL_TYPE (TernIdleWatcher, tern_idle_watcher, TERN, IDLE_WATCHER, GObject)

TernIdleWatcher *tern_idle_watcher_new (TernAccountConfig *config, const char *folder);

const char *tern_idle_watcher_get_folder (TernIdleWatcher *self);
TernIdleWatcherState tern_idle_watcher_get_state (TernIdleWatcher *self);
const GError *tern_idle_watcher_get_error (TernIdleWatcher *self);

/* How often IDLE is ended and started again, and how often a server without
 * IDLE is polled (seconds; before start). */
void tern_idle_watcher_set_intervals (TernIdleWatcher *self, guint restart, guint poll);

/* The account's other folders, kept current by NOTIFY where the server
 * offers it, else by a STATUS every status interval; "changed" names the
 * folder. Any time. */
void tern_idle_watcher_set_other_folders (TernIdleWatcher *self, const char *const *folders);
void tern_idle_watcher_set_status_interval (TernIdleWatcher *self, guint seconds);
void tern_idle_watcher_set_use_notify (TernIdleWatcher *self, gboolean use_notify);

void tern_idle_watcher_start (TernIdleWatcher *self);
void tern_idle_watcher_stop (TernIdleWatcher *self);

G_END_DECLS
