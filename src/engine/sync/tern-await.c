/* tern-await.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tern-await.h"

void
tern_await_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TernAwait *wait = user_data;

  g_assert (wait->result == NULL);
  wait->result = g_object_ref (result);
}

/* Iterates the thread-default main context until the call has completed.
 * Returns: (transfer none): the result, owned by @wait */
GAsyncResult *
tern_await (TernAwait *wait)
{
  GMainContext *context = g_main_context_ref_thread_default ();

  while (wait->result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_unref (context);
  return wait->result;
}

void
tern_await_clear (TernAwait *wait)
{
  g_clear_object (&wait->result);
}
