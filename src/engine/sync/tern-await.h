/* tern-await.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Waiting for an asynchronous call from sequential code that runs on a worker
 * thread with a thread-default main context of its own (a sync session, see
 * tern-sync-session.c). C has no coroutines: this is how a job reads as a
 * sequence of steps while every call underneath stays asynchronous GIO. Never
 * used on the UI thread.
 *
 *   g_auto (TernAwait) wait = TERN_AWAIT_INIT;
 *   tern_store_open_async (store, cancellable, tern_await_cb, &wait);
 *   ok = tern_store_open_finish (store, tern_await (&wait), &error);
 */
typedef struct
{
  GAsyncResult *result;
} TernAwait;

#define TERN_AWAIT_INIT                                                                            \
  {                                                                                                \
    NULL                                                                                           \
  }

void tern_await_cb (GObject *source, GAsyncResult *result, gpointer user_data);
GAsyncResult *tern_await (TernAwait *wait);
void tern_await_clear (TernAwait *wait);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TernAwait, tern_await_clear)

G_END_DECLS
