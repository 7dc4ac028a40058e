/* tern-cli-mail.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli's cache, sync and operation commands (issue #4): sync, list, show,
 * save-attachment, the message operations, undo and queue. list and queue
 * read the cache only; the others go through the account's synchronizer,
 * whose worker thread does the network and the disk while this thread only
 * waits for results (and measures its own main-loop stalls for --stats). */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <sys/resource.h>

#include "imap/tern-imap-uid-set.h"
#include "mime/tern-mime-text.h"
#include "model/tern-thread-builder.h"
#include "store/tern-store.h"
#include "sync/tern-sync-session.h"
#include "tern-cli-private.h"

/* Opening ------------------------------------------------------------------------------ */

static TernAccount *
open_account (const char *id, int *out_status)
{
  g_autoptr (TernAccount) account = load_account (id, out_status);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (account == NULL)
    return NULL;
  cli_open_cache_async (account, &result);
  if (!tern_account_open_cache_finish (account, wait_for (&result), &error))
    {
      *out_status = fail (error);
      return NULL;
    }
  return g_steal_pointer (&account);
}

static TernStoreFolder *
find_cached_folder (TernStore *store, const char *path, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) folders = NULL;

  tern_store_list_folders_async (store, NULL, store_result, &result);
  folders = tern_store_list_folders_finish (store, wait_for (&result), error);
  if (folders == NULL)
    return NULL;
  for (guint i = 0; i < folders->len; i++)
    if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->path, path) == 0)
      return tern_store_folder_copy (folders->pdata[i]);
  g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_NOT_FOUND,
               _ ("The folder “%s” is not in the cache; run “tern-cli sync” first"), path);
  return NULL;
}

static gboolean
parse_uid (const char *text, guint32 *out_uid)
{
  guint64 uid;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &uid, NULL))
    return FALSE;
  *out_uid = (guint32) uid;
  return TRUE;
}

#define LIST_BATCH 2000

/* Main-loop stalls, for --stats ------------------------------------------------------------ */

typedef struct
{
  gint64 last;
  gint64 max_gap;
} StallMeter;

static gboolean
stall_tick (gpointer user_data)
{
  StallMeter *meter = user_data;
  gint64 now = g_get_monotonic_time ();

  if (meter->last != 0)
    meter->max_gap = MAX (meter->max_gap, now - meter->last);
  meter->last = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
write_stats (const char *path, gint64 started, StallMeter *meter, GError **error)
{
  struct rusage usage;
  g_autofree char *json = NULL;
  double elapsed = (double) (g_get_monotonic_time () - started) / 1000.0;
  /* The tick is due every millisecond; a longer gap is time the loop was
   * not dispatching. */
  double stall = meter->max_gap > 1000 ? (double) (meter->max_gap - 1000) / 1000.0 : 0.0;
  char elapsed_text[G_ASCII_DTOSTR_BUF_SIZE];
  char stall_text[G_ASCII_DTOSTR_BUF_SIZE];

  getrusage (RUSAGE_SELF, &usage);
  json = g_strdup_printf ("{\"elapsed_ms\": %s, \"max_stall_ms\": %s, \"peak_rss_kb\": %ld}\n",
                          g_ascii_formatd (elapsed_text, sizeof elapsed_text, "%.3f", elapsed),
                          g_ascii_formatd (stall_text, sizeof stall_text, "%.3f", stall),
                          usage.ru_maxrss);
  return g_file_set_contents (path, json, -1, error);
}

/* sync ---------------------------------------------------------------------------------------- */

static void
on_progress (TernSyncSession *session, const char *what, guint64 done, guint64 total, gpointer data)
{
  g_debug ("%s: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, what, done, total);
}

static int
cmd_sync (const char *name, int argc, char **argv)
{
  Option options[] = { { "--json", FALSE }, { "--stats", TRUE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) open_result = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) wanted = g_ptr_array_new ();
  TernSyncSession *session;
  StallMeter meter = { 0 };
  gint64 started = g_get_monotonic_time ();
  guint tick;
  int status;

  if (!parse_options (name, argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len < 1)
    return usage_error ("sync: give an account ID");
  if (!(account = load_account (g_ptr_array_index (positional, 0), &status)))
    return status;
  for (guint i = 1; i < positional->len; i++)
    g_ptr_array_add (wanted, g_ptr_array_index (positional, i));
  g_ptr_array_add (wanted, NULL);

  tick = g_timeout_add (1, stall_tick, &meter);
  /* The sync logs in while the cache is opened and checked. */
  cli_open_cache_async (account, &open_result);
  session = tern_account_get_sync_session (account);
  g_signal_connect (session, "progress", G_CALLBACK (on_progress), NULL);
  tern_sync_session_sync_async (session, (const char *const *) wanted->pdata, NULL, store_result,
                                &result);
  if (!tern_account_open_cache_finish (account, wait_for (&open_result), &error))
    {
      /* The sync fails too; its error says less. */
      tern_sync_session_sync_finish (session, wait_for (&result), NULL);
      g_source_remove (tick);
      return fail (error);
    }
  results = tern_sync_session_sync_finish (session, wait_for (&result), &error);
  g_source_remove (tick);
  if (results == NULL)
    return fail (error);

  if (options[1].value != NULL && !write_stats (options[1].value, started, &meter, &error))
    return fail (error);

  if (options[0].value != NULL)
    {
      g_autoptr (GString) out = g_string_new ("[");

      for (guint i = 0; i < results->len; i++)
        {
          TernSyncFolderResult *folder = results->pdata[i];

          g_string_append (out, i > 0 ? ",\n {\"path\": " : "{\"path\": ");
          json_append_string (out, folder->path);
          g_string_append_printf (out,
                                  ", \"total\": %u, \"unread\": %u, \"new\": %u, \"changed\": %u, "
                                  "\"vanished\": %u, \"mode\": \"%s\"}",
                                  folder->total, folder->unread, folder->new_count, folder->changed,
                                  folder->vanished, tern_sync_mode_to_string (folder->mode));
        }
      g_string_append (out, "]\n");
      fputs (out->str, stdout);
    }
  else
    for (guint i = 0; i < results->len; i++)
      {
        TernSyncFolderResult *folder = results->pdata[i];

        g_print (_ ("%s: %u messages, %u unread (%u new, %u changed, %u gone)\n"), folder->path,
                 folder->total, folder->unread, folder->new_count, folder->changed,
                 folder->vanished);
      }
  return 0;
}

/* list ---------------------------------------------------------------------------------------- */

static void
json_append_flags (GString *out, const TernStoreSummary *summary)
{
  static const TernStoreFlags order[] = {
    TERN_STORE_FLAG_SEEN,    TERN_STORE_FLAG_ANSWERED, TERN_STORE_FLAG_FLAGGED,
    TERN_STORE_FLAG_DELETED, TERN_STORE_FLAG_DRAFT,
  };
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (summary->flags & order[i])
      {
        if (!first)
          g_string_append (out, ", ");
        json_append_string (out, tern_store_flag_to_name (order[i]));
        first = FALSE;
      }
  if (summary->keywords != NULL)
    {
      g_auto (GStrv) words = g_strsplit (summary->keywords, " ", -1);

      for (guint i = 0; words[i] != NULL; i++)
        if (*words[i] != '\0')
          {
            if (!first)
              g_string_append (out, ", ");
            json_append_string (out, words[i]);
            first = FALSE;
          }
    }
  g_string_append_c (out, ']');
}

static void
json_append_date (GString *out, gint64 unix_time)
{
  g_autoptr (GDateTime) date = g_date_time_new_from_unix_utc (unix_time);
  g_autofree char *text = date != NULL ? g_date_time_format_iso8601 (date) : NULL;

  json_append_nullable_string (out, text);
}

/* One message of `list`, as a line or as a JSON object (after a separator
 * unless @first). */
static void
append_summary (GString *out,
                const TernStoreSummary *s,
                gboolean json,
                gboolean first,
                const guint *thread)
{
  if (!json)
    {
      g_autoptr (GDateTime) date = g_date_time_new_from_unix_local (s->date);
      g_autofree char *when = date != NULL ? g_date_time_format (date, "%Y-%m-%d %H:%M") : NULL;

      g_string_append_printf (out, "%c%c %7u  %s  %-24.24s  %s\n",
                              (s->flags & TERN_STORE_FLAG_SEEN) ? ' ' : 'N',
                              (s->flags & TERN_STORE_FLAG_FLAGGED) ? '!' : ' ', s->uid,
                              when != NULL ? when : "",
                              s->from_name != NULL && *s->from_name
                                ? s->from_name
                                : (s->from_addr ? s->from_addr : ""),
                              s->subject != NULL ? s->subject : "");
      return;
    }
  if (!first)
    g_string_append (out, ",\n ");
  g_string_append_printf (out, "{\"uid\": %u, \"date\": ", s->uid);
  json_append_date (out, s->date);
  g_string_append (out, ", \"from\": {\"name\": ");
  json_append_string (out, s->from_name);
  g_string_append (out, ", \"address\": ");
  json_append_string (out, s->from_addr);
  g_string_append (out, "}, \"subject\": ");
  json_append_string (out, s->subject);
  g_string_append (out, ", \"flags\": ");
  json_append_flags (out, s);
  g_string_append_printf (out, ", \"size\": %" G_GUINT64_FORMAT ", \"has_attachments\": %s",
                          s->size, s->has_attachments ? "true" : "false");
  if (thread != NULL)
    g_string_append_printf (out, ", \"thread\": %u", *thread);
  g_string_append_c (out, '}');
}

/* Without threads: the order from the index, then the summaries in batches,
 * written as they come (100 000 messages in bounded memory). */
static int
list_flat (TernStore *store,
           gint64 folder_id,
           TernStoreSort sort,
           gboolean descending,
           guint64 limit,
           gboolean json)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GArray) uids = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (json ? "[" : "");
  guint n;

  tern_store_list_uids_async (store, folder_id, sort, descending, NULL, store_result, &result);
  uids = tern_store_list_uids_finish (store, wait_for (&result), &error);
  if (uids == NULL)
    return fail (error);
  n = limit > 0 && limit < uids->len ? (guint) limit : uids->len;

  for (guint offset = 0; offset < n; offset += LIST_BATCH)
    {
      g_autoptr (GAsyncResult) batch_result = NULL;
      g_autoptr (GPtrArray) summaries = NULL;

      tern_store_get_summaries_async (store, folder_id, &g_array_index (uids, guint32, offset),
                                      MIN (LIST_BATCH, n - offset), NULL, store_result,
                                      &batch_result);
      summaries = tern_store_get_summaries_finish (store, wait_for (&batch_result), &error);
      if (summaries == NULL)
        return fail (error);
      for (guint i = 0; i < summaries->len; i++)
        append_summary (out, summaries->pdata[i], json, offset == 0 && i == 0, NULL);
      fwrite (out->str, 1, out->len, stdout);
      g_string_truncate (out, 0);
    }
  if (json)
    g_string_append (out, "]\n");
  fwrite (out->str, 1, out->len, stdout);
  return 0;
}

static int
cmd_list (const char *name, int argc, char **argv)
{
  Option options[] = { { "--json", FALSE },
                       { "--sort", TRUE },
                       { "--reverse", FALSE },
                       { "--threads", FALSE },
                       { "--limit", TRUE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) summaries = NULL;
  g_autoptr (TernStoreFolder) folder = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = NULL;
  g_autofree guint *thread_of = NULL;
  g_autoptr (GPtrArray) ordered = NULL;
  TernStoreSort sort = TERN_STORE_SORT_DATE;
  gboolean descending;
  guint64 limit = 0;
  TernStore *store;
  int status;

  if (!parse_options (name, argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 2)
    return usage_error ("list: give an account ID and a folder");
  if (options[1].value != NULL && !cli_parse_sort (options[1].value, FALSE, &sort))
    return usage_errorf ("list: --sort takes date, from, subject, size, unread or flagged, "
                         "not “%s”",
                         options[1].value);
  if (options[4].value != NULL &&
      !g_ascii_string_to_unsigned (options[4].value, 10, 1, G_MAXUINT32, &limit, NULL))
    return usage_errorf ("list: --limit takes a number, not “%s”", options[4].value);
  descending = cli_sort_descending (sort);
  if (options[2].value != NULL)
    descending = !descending;

  if (!(account = open_account (g_ptr_array_index (positional, 0), &status)))
    return status;
  store = tern_account_get_store (account);
  folder = find_cached_folder (store, g_ptr_array_index (positional, 1), &error);
  if (folder == NULL)
    return fail (error);

  if (options[3].value == NULL)
    return list_flat (store, folder->id, sort, descending, limit, options[0].value != NULL);

  /* The threads need every message; the limit applies afterwards. */
  tern_store_list_summaries_async (store, folder->id, sort, descending, 0,
                                   options[3].value != NULL ? 0 : (guint) limit, NULL, store_result,
                                   &result);
  summaries = tern_store_list_summaries_finish (store, wait_for (&result), &error);
  if (summaries == NULL)
    return fail (error);

  ordered = g_ptr_array_new ();
  if (options[3].value != NULL)
    {
      /* Conversations, in the order of their first message in this sort;
       * messages of one conversation together, in sort order. */
      g_autoptr (TernThreadBuilder) builder =
        tern_thread_builder_new (TERN_THREAD_BUILDER_GROUP_BY_SUBJECT);
      g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
      g_autoptr (GPtrArray) threads =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

      for (guint i = 0; i < summaries->len; i++)
        {
          TernStoreSummary *s = summaries->pdata[i];
          tern_thread_builder_add (builder, s->message_id, s->in_reply_to, s->references,
                                   s->subject, s->date);
        }
      tern_thread_builder_run (builder);
      thread_of = g_new0 (guint, summaries->len);
      for (guint i = 0; i < summaries->len; i++)
        {
          guint thread = tern_thread_builder_get_thread (builder, i);
          gpointer key = GUINT_TO_POINTER (thread + 1);

          if (!g_hash_table_contains (seen, key))
            {
              g_hash_table_insert (seen, key, GUINT_TO_POINTER (threads->len));
              g_ptr_array_add (threads, g_ptr_array_new ());
            }
          g_ptr_array_add (threads->pdata[GPOINTER_TO_UINT (g_hash_table_lookup (seen, key))],
                           GUINT_TO_POINTER (i));
          thread_of[i] = thread;
        }
      for (guint t = 0; t < threads->len; t++)
        {
          GPtrArray *members = threads->pdata[t];

          for (guint j = 0; j < members->len; j++)
            g_ptr_array_add (ordered, members->pdata[j]);
        }
    }
  else
    for (guint i = 0; i < summaries->len; i++)
      g_ptr_array_add (ordered, GUINT_TO_POINTER (i));

  out = g_string_new (options[0].value != NULL ? "[" : "");
  for (guint k = 0; k < ordered->len && (limit == 0 || k < limit); k++)
    {
      guint i = GPOINTER_TO_UINT (ordered->pdata[k]);
      TernStoreSummary *s = summaries->pdata[i];

      append_summary (out, s, options[0].value != NULL, k == 0,
                      thread_of != NULL ? &thread_of[i] : NULL);
    }
  if (options[0].value != NULL)
    g_string_append (out, "]\n");
  fwrite (out->str, 1, out->len, stdout);
  return 0;
}

/* show, save-attachment -------------------------------------------------------------------------
 */

static void
json_append_address_list (GString *out, const char *raw)
{
  g_autoptr (GPtrArray) addresses = raw != NULL ? tern_mime_parse_address_list (raw) : NULL;

  g_string_append_c (out, '[');
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      TernMimeAddress *address = addresses->pdata[i];

      g_string_append (out, i > 0 ? ", {\"name\": " : "{\"name\": ");
      json_append_string (out, address->name);
      g_string_append (out, ", \"address\": ");
      json_append_string (out, address->address);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

static int
cmd_show (const char *name, int argc, char **argv)
{
  Option options[] = { { "--json", FALSE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (TernSyncMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  TernSyncSession *session;
  TernStoreSummary *s;
  guint32 uid;
  int status;

  if (!parse_options (name, argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 3)
    return usage_error ("show: give an account ID, a folder and a UID");
  if (!parse_uid (g_ptr_array_index (positional, 2), &uid))
    return usage_errorf ("show: “%s” is not a UID",
                         (const char *) g_ptr_array_index (positional, 2));
  if (!(account = open_account (g_ptr_array_index (positional, 0), &status)))
    return status;

  session = tern_account_get_sync_session (account);
  tern_sync_session_load_message_async (session, g_ptr_array_index (positional, 1), uid, NULL,
                                        store_result, &result);
  message = tern_sync_session_load_message_finish (session, wait_for (&result), &error);
  if (message == NULL)
    return fail (error);
  s = message->summary;

  if (options[0].value != NULL)
    {
      g_autoptr (GString) out = g_string_new (NULL);

      g_string_append_printf (out, "{\"uid\": %u, \"subject\": ", s->uid);
      json_append_string (out, s->subject);
      g_string_append (out, ", \"from\": {\"name\": ");
      json_append_string (out, s->from_name);
      g_string_append (out, ", \"address\": ");
      json_append_string (out, s->from_addr);
      g_string_append (out, "}, \"to\": ");
      json_append_address_list (out, s->to);
      g_string_append (out, ", \"cc\": ");
      json_append_address_list (out, s->cc);
      g_string_append (out, ", \"date\": ");
      json_append_date (out, s->date);
      g_string_append (out, ", \"text\": ");
      json_append_string (out, message->text);
      g_string_append (out, ", \"attachments\": [");
      for (guint i = 0; i < message->attachments->len; i++)
        {
          TernMimeAttachment *attachment = message->attachments->pdata[i];

          g_string_append (out, i > 0 ? ", {\"section\": " : "{\"section\": ");
          json_append_string (out, attachment->section);
          g_string_append (out, ", \"filename\": ");
          json_append_nullable_string (out, attachment->filename);
          g_string_append (out, ", \"mime_type\": ");
          json_append_string (out, attachment->mime_type);
          g_string_append_printf (out, ", \"size\": %" G_GUINT64_FORMAT "}", attachment->size);
        }
      g_string_append (out, "]}\n");
      fwrite (out->str, 1, out->len, stdout);
      return 0;
    }

  {
    g_autoptr (GDateTime) date = g_date_time_new_from_unix_local (s->date);
    g_autofree char *when = date != NULL ? g_date_time_format (date, "%c") : NULL;

    g_print (_ ("From: %s <%s>\n"), s->from_name != NULL ? s->from_name : "",
             s->from_addr != NULL ? s->from_addr : "");
    if (s->to != NULL)
      g_print (_ ("To: %s\n"), s->to);
    if (s->cc != NULL)
      g_print (_ ("Cc: %s\n"), s->cc);
    g_print (_ ("Date: %s\n"), when != NULL ? when : "");
    g_print (_ ("Subject: %s\n\n"), s->subject != NULL ? s->subject : "");
    fputs (message->text, stdout);
    if (message->attachments->len > 0)
      g_print ("\n");
    for (guint i = 0; i < message->attachments->len; i++)
      {
        TernMimeAttachment *attachment = message->attachments->pdata[i];
        g_autofree char *size = g_format_size (attachment->size);

        g_print (_ ("Attachment %s: %s (%s, %s)\n"), attachment->section,
                 attachment->filename != NULL ? attachment->filename : _ ("unnamed"),
                 attachment->mime_type, size);
      }
  }
  return 0;
}

static int
cmd_save_attachment (const char *name, int argc, char **argv)
{
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = NULL;
  TernSyncSession *session;
  guint32 uid;
  int status;

  if (!parse_options (name, argc, argv, NULL, 0, positional, &status))
    return status;
  if (positional->len != 5)
    return usage_error ("save-attachment: give an account ID, a folder, a UID, a section and a "
                        "file name");
  if (!parse_uid (g_ptr_array_index (positional, 2), &uid))
    return usage_errorf ("save-attachment: “%s” is not a UID",
                         (const char *) g_ptr_array_index (positional, 2));
  if (!tern_account_section_is_valid (g_ptr_array_index (positional, 3)))
    return usage_errorf ("save-attachment: “%s” is not a body section",
                         (const char *) g_ptr_array_index (positional, 3));
  if (!(account = open_account (g_ptr_array_index (positional, 0), &status)))
    return status;

  file = g_file_new_for_commandline_arg (g_ptr_array_index (positional, 4));
  session = tern_account_get_sync_session (account);
  tern_sync_session_save_attachment_async (session, g_ptr_array_index (positional, 1), uid,
                                           g_ptr_array_index (positional, 3), file, NULL,
                                           store_result, &result);
  if (!tern_sync_session_save_attachment_finish (session, wait_for (&result), &error))
    return fail (error);
  return 0;
}

/* Operations -------------------------------------------------------------------------------- */

/* Replays the queue until it is empty, unless --no-wait. Offline is not a
 * failure: the operations stay queued. */
static int
drain_queue (TernAccount *account)
{
  TernSyncSession *session = tern_account_get_sync_session (account);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  guint done = 0, failed = 0;

  tern_sync_session_replay_async (session, NULL, store_result, &result);
  if (!tern_sync_session_replay_finish (session, wait_for (&result), &done, &failed, &error))
    {
      g_printerr (_ ("tern-cli: warning: the server was not reached (%s); the operation stays "
                     "queued and is sent at the next sync\n"),
                  error->message);
      return 0;
    }
  if (failed > 0)
    {
      g_printerr (_ ("tern-cli: the server refused %u queued operations; see “tern-cli queue”\n"),
                  failed);
      return 1;
    }
  return 0;
}

static int
cmd_op (const char *name, int argc, char **argv)
{
  Option options[] = { { "--no-wait", FALSE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_new ();
  g_autofree char *uids = NULL;
  gboolean with_target = g_str_equal (name, "move") || g_str_equal (name, "copy");
  TernAccountAction action;
  guint n_uids;
  gint64 id;
  int status;

  if (!parse_options (name, argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len < (with_target ? 4u : 3u))
    return usage_errorf (with_target ? "%s: give an account ID, a folder, UIDs and a target folder"
                                     : "%s: give an account ID, a folder and UIDs",
                         name);
  n_uids = positional->len - 2 - (with_target ? 1 : 0);
  for (guint i = 0; i < n_uids; i++)
    {
      const char *text = g_ptr_array_index (positional, 2 + i);
      g_autoptr (TernImapUidSet) one = tern_imap_uid_set_parse (text, -1, NULL);

      if (one == NULL || tern_imap_uid_set_has_star (one))
        return usage_errorf ("%s: “%s” is not a UID or UID range", name, text);
      for (guint r = 0; r < tern_imap_uid_set_get_n_ranges (one); r++)
        {
          guint32 a, b;

          tern_imap_uid_set_get_range (one, r, &a, &b);
          tern_imap_uid_set_add_range (set, a, b);
        }
    }
  tern_imap_uid_set_normalize (set);
  uids = tern_imap_uid_set_to_string (set);

  if (g_str_equal (name, "read"))
    action = TERN_ACCOUNT_ACTION_MARK_READ;
  else if (g_str_equal (name, "unread"))
    action = TERN_ACCOUNT_ACTION_MARK_UNREAD;
  else if (g_str_equal (name, "flag"))
    action = TERN_ACCOUNT_ACTION_FLAG;
  else if (g_str_equal (name, "unflag"))
    action = TERN_ACCOUNT_ACTION_UNFLAG;
  else if (g_str_equal (name, "delete"))
    action = TERN_ACCOUNT_ACTION_DELETE;
  else if (g_str_equal (name, "archive"))
    action = TERN_ACCOUNT_ACTION_ARCHIVE;
  else if (g_str_equal (name, "copy"))
    action = TERN_ACCOUNT_ACTION_COPY;
  else
    action = TERN_ACCOUNT_ACTION_MOVE;

  if (!(account = open_account (g_ptr_array_index (positional, 0), &status)))
    return status;
  /* The same model call as the window's actions, so that both agree on
   * what delete and archive mean. */
  tern_account_apply_action_async (account, action, g_ptr_array_index (positional, 1), uids,
                                   with_target ? g_ptr_array_index (positional, positional->len - 1)
                                               : NULL,
                                   NULL, store_result, &result);
  id = tern_account_apply_action_finish (account, wait_for (&result), NULL, NULL, &error);
  if (id < 0)
    return fail (error);
  if (id == 0)
    g_printerr (_ ("tern-cli: nothing to do: no cached message of those changes\n"));

  if (options[0].value != NULL)
    return 0;
  return drain_queue (account);
}

static int
cmd_undo (const char *name, int argc, char **argv)
{
  Option options[] = { { "--no-wait", FALSE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *what = NULL;
  TernStoreUndoResult undo;
  int status;

  if (!parse_options (name, argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 1)
    return usage_error ("undo: give an account ID");
  if (!(account = open_account (g_ptr_array_index (positional, 0), &status)))
    return status;

  tern_account_undo_async (account, NULL, store_result, &result);
  undo = tern_account_undo_finish (account, wait_for (&result), &what, &error);
  switch (undo)
    {
    case TERN_STORE_UNDO_FAILED:
      return fail (error);
    case TERN_STORE_UNDO_NOTHING:
      return fail_message (_ ("There is nothing to undo"));
    case TERN_STORE_UNDO_CANCELLED:
      g_printerr (_ ("Undone before it reached the server: %s\n"), what);
      return 0;
    case TERN_STORE_UNDO_QUEUED:
    default:
      g_printerr (_ ("Undoing: %s\n"), what);
      break;
    }
  if (options[0].value != NULL)
    return 0;
  return drain_queue (account);
}

static int
cmd_queue (const char *name, int argc, char **argv)
{
  static const char *const states[] = { "pending", "running", "failed" };
  Option options[] = { { "--json", FALSE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) ops = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  TernStore *store;
  int status;

  if (!parse_options (name, argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 1)
    return usage_error ("queue: give an account ID");
  if (!(account = open_account (g_ptr_array_index (positional, 0), &status)))
    return status;
  store = tern_account_get_store (account);
  tern_store_peek_ops_async (store, 0, NULL, store_result, &result);
  ops = tern_store_peek_ops_finish (store, wait_for (&result), &error);
  if (ops == NULL)
    return fail (error);

  if (options[0].value != NULL)
    g_string_append_c (out, '[');
  for (guint i = 0; i < ops->len; i++)
    {
      TernStoreOp *op = ops->pdata[i];
      const char *state = op->state <= TERN_STORE_OP_FAILED ? states[op->state] : "unknown";

      if (options[0].value == NULL)
        {
          g_string_append_printf (out, "%" G_GINT64_FORMAT "  %-8s %-7s %s %s%s%s\n", op->id, state,
                                  op->type, op->folder, op->uids, op->args != NULL ? " " : "",
                                  op->args != NULL ? op->args : "");
          continue;
        }
      g_string_append_printf (out,
                              "%s{\"id\": %" G_GINT64_FORMAT ", \"type\": ", i > 0 ? ",\n " : "",
                              op->id);
      json_append_string (out, op->type);
      g_string_append (out, ", \"folder\": ");
      json_append_string (out, op->folder);
      g_string_append (out, ", \"uids\": ");
      json_append_string (out, op->uids);
      g_string_append (out, ", \"args\": ");
      json_append_nullable_string (out, op->args);
      g_string_append (out, ", \"state\": ");
      json_append_string (out, state);
      g_string_append_printf (out, ", \"attempts\": %u}", op->attempts);
    }
  if (options[0].value != NULL)
    g_string_append (out, "]\n");
  fwrite (out->str, 1, out->len, stdout);
  return 0;
}

const TernCliCommand tern_cli_mail_commands[] = {
  { "sync", cmd_sync }, { "list", cmd_list },
  { "show", cmd_show }, { "save-attachment", cmd_save_attachment },
  { "read", cmd_op },   { "unread", cmd_op },
  { "flag", cmd_op },   { "unflag", cmd_op },
  { "delete", cmd_op }, { "archive", cmd_op },
  { "move", cmd_op },   { "copy", cmd_op },
  { "undo", cmd_undo }, { "queue", cmd_queue },
  { NULL, NULL },
};

const char tern_cli_mail_help[] =
  "  tern-cli sync ID [FOLDER…] [--json] [--stats FILE]\n"
  "      bring the cache up to date with the server (all folders when none given)\n"
  "  tern-cli list ID FOLDER [--sort date|from|subject|size|unread|flagged] [--reverse]\n"
  "                [--threads] [--limit N] [--json]\n"
  "      list a folder from the cache, without the network\n"
  "  tern-cli show ID FOLDER UID [--json]       headers and text of a message\n"
  "  tern-cli save-attachment ID FOLDER UID SECTION PATH\n"
  "  tern-cli read|unread|flag|unflag|delete|archive ID FOLDER UID… [--no-wait]\n"
  "  tern-cli move|copy ID FOLDER UID… TARGET [--no-wait]\n"
  "  tern-cli undo ID [--no-wait]               undo the last operation\n"
  "  tern-cli queue ID [--json]                 operations not yet done on the server\n";
