/* tern-imap-client-select.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* SELECT/EXAMINE as a typed call on TernImapClient: builds the command with
 * its CONDSTORE or QRESYNC parameter and gathers FLAGS, EXISTS, RECENT, the
 * response codes and (QRESYNC) VANISHED and FETCH into a TernImapSelectInfo.
 * Only uses the client's public API.
 *
 * Threading: main context of the client. */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tern-imap-client-select.h"
#include "tern-imap-error.h"
#include "tern-imap-flags.h"
#include "tern-imap-vanished.h"

void
tern_imap_select_info_free (TernImapSelectInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->mailbox);
  g_strfreev (info->flags);
  g_strfreev (info->permanent_flags);
  g_clear_pointer (&info->vanished, tern_imap_uid_set_unref);
  g_clear_pointer (&info->fetches, g_ptr_array_unref);
  g_free (info);
}

static void
collect (TernImapResponse *response, gpointer user_data)
{
  TernImapSelectInfo *info = user_data;
  guint32 number;
  guint64 modseq;

  switch (tern_imap_response_get_data_type (response))
    {
    case TERN_IMAP_DATA_FLAGS:
      {
        g_autoptr (GError) error = NULL;
        char **flags = tern_imap_flags_parse (response, &error);

        if (flags == NULL)
          g_debug ("SELECT: %s", error->message);
        else
          {
            g_strfreev (info->flags);
            info->flags = flags;
          }
      }
      break;

    case TERN_IMAP_DATA_EXISTS:
      if (tern_imap_response_get_number (response, &number))
        info->exists = number;
      break;

    case TERN_IMAP_DATA_RECENT:
      if (tern_imap_response_get_number (response, &number))
        info->recent = number;
      break;

    case TERN_IMAP_DATA_VANISHED:
      {
        g_autoptr (GError) error = NULL;
        TernImapUidSet *uids = tern_imap_vanished_parse (response, NULL, &error);

        if (uids == NULL)
          {
            g_debug ("SELECT: %s", error->message);
            break;
          }
        if (info->vanished == NULL)
          info->vanished = uids;
        else
          {
            for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (uids); i++)
              {
                guint32 first, last;

                tern_imap_uid_set_get_range (uids, i, &first, &last);
                tern_imap_uid_set_add_range (info->vanished, first, last);
              }
            tern_imap_uid_set_unref (uids);
          }
      }
      break;

    case TERN_IMAP_DATA_FETCH:
      g_ptr_array_add (info->fetches, tern_imap_response_ref (response));
      break;

    case TERN_IMAP_DATA_NONE:
      if (tern_imap_response_get_uidvalidity (response, &number))
        info->uidvalidity = number;
      if (tern_imap_response_get_uidnext (response, &number))
        info->uidnext = number;
      if (tern_imap_response_get_highestmodseq (response, &modseq))
        info->highestmodseq = modseq;
      if (tern_imap_response_has_code (response, "NOMODSEQ"))
        info->nomodseq = TRUE;
      if (tern_imap_response_has_code (response, "PERMANENTFLAGS"))
        {
          g_autoptr (GError) error = NULL;
          char **flags = tern_imap_response_dup_permanent_flags (response, &error);

          if (flags == NULL)
            g_debug ("SELECT: %s", error->message);
          else
            {
              g_strfreev (info->permanent_flags);
              info->permanent_flags = flags;
            }
        }
      break;

    default:
      break;
    }
}

static void
free_slot (TernImapSelectInfo **slot)
{
  tern_imap_select_info_free (*slot);
  g_free (slot);
}

static void
select_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *client = TERN_IMAP_CLIENT (object);
  g_autoptr (GTask) task = user_data;
  g_autoptr (TernImapResponse) tagged = NULL;
  TernImapSelectInfo *info;
  GError *error = NULL;

  if (!tern_imap_client_run_finish (client, result, &tagged, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Collected into the task data; the task returns it. */
  info = g_steal_pointer ((TernImapSelectInfo **) g_task_get_task_data (task));
  if (tern_imap_response_has_code (tagged, "READ-ONLY"))
    info->read_only = TRUE;
  if (info->nomodseq)
    info->highestmodseq = 0;
  if (info->flags == NULL)
    info->flags = g_new0 (char *, 1);

  g_task_return_pointer (task, info, (GDestroyNotify) tern_imap_select_info_free);
}

void
tern_imap_client_select_async (TernImapClient *self,
                               const char *mailbox,
                               TernImapSelectFlags flags,
                               const TernImapQresync *qresync,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (TernImapCommand) command = NULL;
  TernImapSelectInfo **slot;
  TernImapSelectInfo *info;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));
  g_return_if_fail (mailbox != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_select_async);

  if (qresync != NULL && !tern_imap_client_is_enabled (self, "QRESYNC"))
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED,
                               _ ("QRESYNC is not enabled on this connection"));
      return;
    }

  command = tern_imap_command_new ((flags & TERN_IMAP_SELECT_READ_ONLY) ? "EXAMINE" : "SELECT");
  tern_imap_command_add_mailbox (command, mailbox);

  if (qresync != NULL)
    {
      tern_imap_command_begin_list (command);
      tern_imap_command_add_atom (command, "QRESYNC");
      tern_imap_command_begin_list (command);
      tern_imap_command_add_number (command, qresync->uidvalidity);
      tern_imap_command_add_number (command, qresync->modseq);
      if (qresync->known_uids != NULL)
        tern_imap_command_add_sequence_set (command, qresync->known_uids);
      tern_imap_command_end_list (command);
      tern_imap_command_end_list (command);
    }
  else if (flags & TERN_IMAP_SELECT_CONDSTORE)
    {
      tern_imap_command_begin_list (command);
      tern_imap_command_add_atom (command, "CONDSTORE");
      tern_imap_command_end_list (command);
    }

  slot = g_new0 (TernImapSelectInfo *, 1);
  info = *slot = g_new0 (TernImapSelectInfo, 1);
  info->mailbox =
    g_ascii_strcasecmp (mailbox, "INBOX") == 0 ? g_strdup ("INBOX") : g_strdup (mailbox);
  info->read_only = (flags & TERN_IMAP_SELECT_READ_ONLY) != 0;
  info->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_task_set_task_data (task, slot, (GDestroyNotify) free_slot);

  tern_imap_client_run_async (self, command, collect, info, NULL, cancellable, select_cb,
                              g_steal_pointer (&task));
}

TernImapSelectInfo *
tern_imap_client_select_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_imap_client_select_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
