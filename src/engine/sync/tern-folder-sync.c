/* tern-folder-sync.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The folder synchronizer (DESIGN decision 6), run as a job on the session's
 * worker thread.
 *
 * Per folder: SELECT (with QRESYNC's parameter when the cache has a
 * HIGHESTMODSEQ); flags and expunges of cached messages from QRESYNC's
 * answer, else CHANGEDSINCE + a UID search, else a full UID/FLAGS listing;
 * then the messages the cache lacks, newest first, in windows that grow from
 * 100 UIDs, two in flight. The folder row records what is still to fetch
 * ("fill:<uid set>") after every window, so a sync that is interrupted
 * resumes there. A server that contradicts itself about MODSEQ is
 * remembered, and the folder is compared in full. */

#define G_LOG_DOMAIN "tern-sync"

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-mailbox-info.h"
#include "imap/tern-imap-search.h"
#include "imap/tern-imap-uid-set.h"
#include "imap/tern-imap-utf7.h"
#include "mime/tern-mime-body.h"
#include "mime/tern-mime-text.h"
#include "tern-sync-session-private.h"

/* The first window is what a person sees first; later ones are large enough
 * to keep the connection busy. */
#define FIRST_WINDOW 100
#define MAX_WINDOW 4096
#define WINDOWS_IN_FLIGHT 3
#define MAX_WRITES_QUEUED 3

#define SUMMARY_ITEMS                                                                              \
  "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS "             \
  "(REFERENCES)]"

/* Folder list ------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *infos;
} ListCollect;

static void
collect_list (TernImapResponse *response, gpointer user_data)
{
  ListCollect *collect = user_data;
  TernImapMailboxInfo *info = tern_imap_mailbox_info_new_from_response (response, NULL);

  if (info != NULL)
    g_ptr_array_add (collect->infos, info);
}

static const char *
role_of (TernImapMailboxInfo *info, const char *path)
{
  static const struct
  {
    TernImapMailboxAttributes attribute;
    const char *role;
  } roles[] = {
    { TERN_IMAP_MAILBOX_TRASH, "trash" },     { TERN_IMAP_MAILBOX_ARCHIVE, "archive" },
    { TERN_IMAP_MAILBOX_SENT, "sent" },       { TERN_IMAP_MAILBOX_DRAFTS, "drafts" },
    { TERN_IMAP_MAILBOX_JUNK, "junk" },       { TERN_IMAP_MAILBOX_ALL, "all" },
    { TERN_IMAP_MAILBOX_FLAGGED, "flagged" },
  };
  TernImapMailboxAttributes attributes = tern_imap_mailbox_info_get_attributes (info);

  if (g_strcmp0 (path, "INBOX") == 0)
    return "inbox";
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (attributes & roles[i].attribute)
      return roles[i].role;
  return NULL;
}

static TernStoreFolder *
find_folder (GPtrArray *folders, const char *path)
{
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->path, path) == 0)
      return folders->pdata[i];
  return NULL;
}

static GPtrArray *
store_list_folders (TernStore *store, GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;

  tern_store_list_folders_async (store, NULL, tern_await_cb, &wait);
  return tern_store_list_folders_finish (store, tern_await (&wait), error);
}

static gint64
store_upsert (TernStore *store, const TernStoreFolder *folder, gboolean *out_reset, GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;

  tern_store_upsert_folder_async (store, folder, NULL, tern_await_cb, &wait);
  return tern_store_upsert_folder_finish (store, tern_await (&wait), out_reset, error);
}

static int
compare_folders (gconstpointer a, gconstpointer b)
{
  const TernStoreFolder *x = *(TernStoreFolder *const *) a;
  const TernStoreFolder *y = *(TernStoreFolder *const *) b;
  gboolean x_inbox = g_strcmp0 (x->path, "INBOX") == 0;
  gboolean y_inbox = g_strcmp0 (y->path, "INBOX") == 0;

  if (x_inbox != y_inbox)
    return x_inbox ? -1 : 1;
  return g_strcmp0 (x->path, y->path);
}

gboolean
_tern_sync_folder_list (TernSyncSession *self,
                        GPtrArray **out_folders,
                        GCancellable *cancellable,
                        GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  TernImapClient *client;
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("LIST");
  g_autoptr (GPtrArray) cached = NULL;
  g_autoptr (GPtrArray) result = NULL;
  g_autoptr (GPtrArray) gone = NULL;
  ListCollect collect = { NULL };
  gboolean utf8;

  client = _tern_sync_session_get_client (self, cancellable, error);
  if (client == NULL)
    return FALSE;
  utf8 = tern_imap_client_is_enabled (client, "UTF8=ACCEPT");

  tern_imap_command_add_string (command, "");
  tern_imap_command_add_string (command, "*");
  if (tern_imap_client_has_capability (client, "LIST-EXTENDED") &&
      tern_imap_client_has_capability (client, "SPECIAL-USE"))
    tern_imap_command_add_raw (command, "RETURN (SPECIAL-USE)");

  collect.infos = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_mailbox_info_unref);
  if (!_tern_sync_session_run (self, command, collect_list, &collect, NULL, cancellable, error))
    {
      g_ptr_array_unref (collect.infos);
      return FALSE;
    }

  cached = store_list_folders (store, error);
  if (cached == NULL)
    {
      g_ptr_array_unref (collect.infos);
      return FALSE;
    }

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_folder_free);
  for (guint i = 0; i < collect.infos->len; i++)
    {
      TernImapMailboxInfo *info = collect.infos->pdata[i];
      TernImapMailboxAttributes attributes = tern_imap_mailbox_info_get_attributes (info);
      const char *raw = tern_imap_mailbox_info_get_name (info);
      g_autofree char *path = NULL;
      g_autoptr (TernStoreFolder) folder = NULL;
      TernStoreFolder *old;
      char delimiter;

      if (attributes & (TERN_IMAP_MAILBOX_NOSELECT | TERN_IMAP_MAILBOX_NONEXISTENT))
        continue;
      path = utf8 ? g_strdup (raw) : tern_imap_utf7_decode (raw, strlen (raw), NULL);
      if (path == NULL || !g_utf8_validate (path, -1, NULL))
        {
          g_warning ("Skipping a folder whose name does not decode");
          continue;
        }
      if (g_ascii_strcasecmp (path, "INBOX") == 0)
        {
          g_free (path);
          path = g_strdup ("INBOX");
        }
      if (find_folder (result, path) != NULL)
        continue;

      old = find_folder (cached, path);
      folder = old != NULL ? tern_store_folder_copy (old) : tern_store_folder_new (path);
      delimiter = tern_imap_mailbox_info_get_delimiter (info);
      g_free (folder->delimiter);
      folder->delimiter = delimiter != '\0' ? g_strndup (&delimiter, 1) : NULL;
      g_free (folder->role);
      folder->role = g_strdup (role_of (info, path));
      g_ptr_array_add (result, g_steal_pointer (&folder));
    }
  g_ptr_array_unref (collect.infos);

  /* Folders the cache has and the server does not: renamed (a new folder with
   * the same UIDVALIDITY keeps the cache) or deleted. */
  gone = g_ptr_array_new ();
  for (guint i = 0; i < cached->len; i++)
    if (find_folder (result, ((TernStoreFolder *) cached->pdata[i])->path) == NULL)
      g_ptr_array_add (gone, cached->pdata[i]);

  for (guint i = 0; i < gone->len; i++)
    {
      TernStoreFolder *old = gone->pdata[i];
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;
      gboolean renamed = FALSE;

      for (guint j = 0; j < result->len && old->uidvalidity != 0; j++)
        {
          TernStoreFolder *folder = result->pdata[j];

          if (find_folder (cached, folder->path) != NULL || folder->uidvalidity != 0)
            continue;
          /* A new name: the same UIDVALIDITY means the same messages. */
          {
            g_autoptr (TernImapSelectInfo) examined = NULL;
            g_auto (TernAwait) select_wait = TERN_AWAIT_INIT;
            TernImapClient *c = _tern_sync_session_get_client (self, cancellable, error);

            if (c == NULL)
              return FALSE;
            tern_imap_client_select_async (c, folder->path, TERN_IMAP_SELECT_READ_ONLY, NULL,
                                           cancellable, tern_await_cb, &select_wait);
            examined = tern_imap_client_select_finish (c, tern_await (&select_wait), NULL);
            if (examined == NULL || examined->uidvalidity != old->uidvalidity)
              continue;
          }
          tern_store_rename_folder_async (store, old->path, folder->path, NULL, tern_await_cb,
                                          &wait);
          if (!tern_store_rename_folder_finish (store, tern_await (&wait), error))
            return FALSE;
          g_message ("Folder “%s” was renamed to “%s”", old->path, folder->path);
          /* Carry the cache state over under the new name. */
          folder->uidvalidity = old->uidvalidity;
          folder->uidnext = old->uidnext;
          folder->highestmodseq = old->highestmodseq;
          g_free (folder->sync_state);
          folder->sync_state = g_strdup (old->sync_state);
          renamed = TRUE;
          break;
        }
      if (renamed)
        continue;

      tern_store_delete_folder_async (store, old->path, NULL, tern_await_cb, &wait);
      if (!tern_store_delete_folder_finish (store, tern_await (&wait), error))
        return FALSE;
      g_message ("Folder “%s” is gone from the server; its cache was dropped", old->path);
    }

  for (guint i = 0; i < result->len; i++)
    {
      TernStoreFolder *folder = result->pdata[i];

      folder->id = store_upsert (store, folder, NULL, error);
      if (folder->id == 0)
        return FALSE;
    }

  g_ptr_array_sort (result, compare_folders);
  *out_folders = g_steal_pointer (&result);
  return TRUE;
}

/* Summaries from FETCH ------------------------------------------------------------------ */

/* g_ptr_array_sort() hands pointers to the elements. */
static int
compare_words (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static void
split_flags (const char *const *flags, TernStoreFlags *out_flags, char **out_keywords)
{
  g_autoptr (GPtrArray) keywords = g_ptr_array_new ();
  TernStoreFlags bits = 0;

  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      TernStoreFlags bit = tern_store_flag_from_name (flags[i]);

      if (bit != 0)
        bits |= bit;
      else if (flags[i][0] != '\\')
        g_ptr_array_add (keywords, (gpointer) flags[i]);
    }
  *out_flags = bits;
  if (keywords->len == 0)
    {
      *out_keywords = NULL;
      return;
    }
  g_ptr_array_sort (keywords, compare_words);
  g_ptr_array_add (keywords, NULL);
  *out_keywords = g_strjoinv (" ", (char **) keywords->pdata);
}

static char *
join_addresses (TernImapEnvelope *envelope, TernImapAddressField field)
{
  GString *out = g_string_new (NULL);
  guint n = tern_imap_envelope_get_n_addresses (envelope, field);

  for (guint i = 0; i < n; i++)
    {
      const TernImapAddress *address = tern_imap_envelope_get_address (envelope, field, i);
      g_autofree char *spec = tern_imap_address_dup_addr_spec (address);
      g_autofree char *name = NULL;

      if (tern_imap_address_get_name (address) != NULL)
        name = tern_mime_decode_header_phrase (tern_imap_address_get_name (address));
      if (spec == NULL && (name == NULL || *name == '\0'))
        continue;
      if (out->len > 0)
        g_string_append (out, ", ");
      if (name != NULL && *name != '\0')
        g_string_append_printf (out, "%s <%s>", name, spec != NULL ? spec : "");
      else
        g_string_append (out, spec);
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

/* "References: <a>\r\n <b>\r\n\r\n" → "<a> <b>" */
static char *
parse_references (GBytes *bytes)
{
  gsize len;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  const char *colon;
  GString *out;
  gboolean space = FALSE;

  if (data == NULL || len == 0)
    return NULL;
  colon = memchr (data, ':', len);
  if (colon == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = colon + 1; p < data + len; p++)
    {
      if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        space = out->len > 0;
      else if ((guchar) *p >= 0x20)
        {
          if (space)
            g_string_append_c (out, ' ');
          space = FALSE;
          g_string_append_c (out, *p);
        }
    }
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static gint64
parse_date (const char *text)
{
  GDateTime *date;
  gint64 unix_time;

  if (text == NULL)
    return 0;
  date = g_mime_utils_header_decode_date (text);
  if (date == NULL)
    return 0;
  unix_time = g_date_time_to_unix (date);
  g_date_time_unref (date);
  return unix_time;
}

static TernStoreSummary *
summary_from_fetch (TernImapFetch *fetch)
{
  TernStoreSummary *summary = tern_store_summary_new (tern_imap_fetch_get_uid (fetch));
  TernImapEnvelope *envelope = tern_imap_fetch_get_envelope (fetch);
  TernMimePart *structure = tern_imap_fetch_get_bodystructure (fetch);
  GDateTime *internaldate = tern_imap_fetch_get_internaldate (fetch);
  const TernImapValue *raw_structure = tern_imap_fetch_get_item (fetch, "BODYSTRUCTURE");

  summary->modseq = tern_imap_fetch_get_modseq (fetch);
  split_flags (tern_imap_fetch_get_flags (fetch), &summary->flags, &summary->keywords);
  summary->internaldate = internaldate != NULL ? g_date_time_to_unix (internaldate) : 0;
  summary->size = tern_imap_fetch_get_rfc822_size (fetch);

  if (envelope != NULL)
    {
      const TernImapAddress *from = NULL;

      summary->date = parse_date (tern_imap_envelope_get_date (envelope));
      if (tern_imap_envelope_get_subject (envelope) != NULL)
        summary->subject = tern_mime_decode_header_text (tern_imap_envelope_get_subject (envelope));
      if (tern_imap_envelope_get_n_addresses (envelope, TERN_IMAP_ADDRESS_FROM) > 0)
        from = tern_imap_envelope_get_address (envelope, TERN_IMAP_ADDRESS_FROM, 0);
      if (from != NULL)
        {
          if (tern_imap_address_get_name (from) != NULL)
            summary->from_name = tern_mime_decode_header_phrase (tern_imap_address_get_name (from));
          summary->from_addr = tern_imap_address_dup_addr_spec (from);
        }
      summary->to = join_addresses (envelope, TERN_IMAP_ADDRESS_TO);
      summary->cc = join_addresses (envelope, TERN_IMAP_ADDRESS_CC);
      summary->message_id = g_strdup (tern_imap_envelope_get_message_id (envelope));
      summary->in_reply_to = g_strdup (tern_imap_envelope_get_in_reply_to (envelope));
    }
  if (summary->date == 0)
    summary->date = summary->internaldate;

  summary->references =
    parse_references (tern_imap_fetch_get_body (fetch, "HEADER.FIELDS (REFERENCES)", NULL));

  if (raw_structure != NULL)
    {
      char *text = tern_imap_value_to_string (raw_structure);

      summary->bodystructure = g_bytes_new_take (text, strlen (text));
    }
  if (structure != NULL)
    {
      g_autoptr (GPtrArray) attachments = tern_mime_body_list_attachments (structure);

      summary->has_attachments = attachments != NULL && attachments->len > 0;
    }
  if (tern_imap_fetch_get_preview (fetch) != NULL)
    summary->preview = g_strdup (tern_imap_fetch_get_preview (fetch));
  return summary;
}

/* One folder ---------------------------------------------------------------------------- */

typedef struct
{
  TernSyncSession *session;
  TernStore *store;
  TernStoreFolder *folder; /* the row as it will be stored */
  TernImapSelectInfo *info;
  TernSyncFolderResult *result;
  gboolean modseq; /* FETCH answers must carry MODSEQ */
  const char *contradiction;
  GArray *skip;           /* UIDs queued operations have changed locally */
  GArray *absent;         /* listed by the server below cached_uidnext, not cached */
  guint32 cached_uidnext; /* what the cache had seen before this sync */
} FolderSync;

static void
note_contradiction (FolderSync *sync, const char *what)
{
  if (sync->contradiction == NULL)
    sync->contradiction = what;
}

static gboolean
save_folder (FolderSync *sync, GError **error)
{
  gboolean reset = FALSE;
  gint64 id = store_upsert (sync->store, sync->folder, &reset, error);

  if (id == 0)
    return FALSE;
  sync->folder->id = id;
  if (reset)
    {
      sync->result->uidvalidity_reset = TRUE;
      sync->result->first_sync = TRUE;
    }
  return TRUE;
}

/* Flags of known messages ------------------------------------------------------------------ */

typedef struct
{
  FolderSync *sync;
  GArray *rows;
} FlagCollect;

static void
collect_flags (TernImapResponse *response, gpointer user_data)
{
  FlagCollect *collect = user_data;
  g_autoptr (TernImapFetch) fetch = tern_imap_fetch_new_from_response (response, NULL);
  TernStoreFlagRow row = { 0 };

  if (fetch == NULL || !(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_UID) ||
      !(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_FLAGS))
    return;
  if (collect->sync->modseq && !(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_MODSEQ))
    note_contradiction (collect->sync, "a FETCH without MODSEQ after ENABLE");
  row.uid = tern_imap_fetch_get_uid (fetch);
  row.modseq = tern_imap_fetch_get_modseq (fetch);
  split_flags (tern_imap_fetch_get_flags (fetch), &row.flags, &row.keywords);
  g_array_append_val (collect->rows, row);
}

static gboolean
reconcile (FolderSync *sync, GArray *rows, guint32 complete_below, GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GArray) changed = NULL;
  g_autoptr (GArray) vanished = NULL;
  g_autoptr (GArray) absent = NULL;

  tern_store_reconcile_flags_async (sync->store, sync->folder->id, rows, complete_below,
                                    g_array_ref (sync->skip), NULL, tern_await_cb, &wait);
  if (!tern_store_reconcile_flags_finish (sync->store, tern_await (&wait), &changed, &vanished,
                                          &absent, error))
    return FALSE;
  g_array_append_vals (sync->result->changed_uids, changed->data, changed->len);
  g_array_append_vals (sync->result->vanished_uids, vanished->data, vanished->len);
  if (absent->len > 0)
    {
      g_message ("%s: %u messages the server has were missing from the cache; fetching them",
                 sync->folder->path, absent->len);
      g_array_append_vals (sync->absent, absent->data, absent->len);
    }
  return TRUE;
}

static gboolean
remove_vanished (FolderSync *sync, TernImapUidSet *set, GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) removed = NULL;

  for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (set); i++)
    {
      guint32 first, last;

      tern_imap_uid_set_get_range (set, i, &first, &last);
      if (sync->info->uidnext != 0 && last != TERN_IMAP_UID_STAR && last >= sync->info->uidnext)
        {
          /* Nothing of an answer like that is applied. */
          note_contradiction (sync, "VANISHED for UIDs it never had");
          return TRUE;
        }
      g_array_append_val (ranges, first);
      g_array_append_val (ranges, last);
    }
  tern_store_remove_uids_async (sync->store, sync->folder->id, g_steal_pointer (&ranges), NULL,
                                tern_await_cb, &wait);
  removed = tern_store_remove_uids_finish (sync->store, tern_await (&wait), error);
  if (removed == NULL)
    return FALSE;
  g_array_append_vals (sync->result->vanished_uids, removed->data, removed->len);
  return TRUE;
}

static gboolean
fetch_flags (FolderSync *sync,
             guint32 below,
             guint64 changed_since,
             GArray **out_rows,
             GCancellable *cancellable,
             GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID FETCH");
  g_autofree char *set = g_strdup_printf ("1:%u", below - 1);
  FlagCollect collect = { sync, tern_store_flag_rows_new (0) };
  tern_imap_command_add_sequence_set (command, set);
  if (changed_since > 0)
    {
      g_autofree char *items =
        g_strdup_printf ("(UID FLAGS) (CHANGEDSINCE %" G_GUINT64_FORMAT ")", changed_since);
      tern_imap_command_add_raw (command, items);
    }
  else
    tern_imap_command_add_raw (command, sync->modseq ? "(UID FLAGS MODSEQ)" : "(UID FLAGS)");
  if (!_tern_sync_session_run (sync->session, command, collect_flags, &collect, NULL, cancellable,
                               error))
    {
      g_array_unref (collect.rows);
      return FALSE;
    }
  *out_rows = collect.rows;
  return TRUE;
}

typedef struct
{
  TernImapUidSet *uids;
} SearchCollect;

static void
collect_search (TernImapResponse *response, gpointer user_data)
{
  SearchCollect *collect = user_data;
  g_autoptr (TernImapSearchResult) result =
    tern_imap_search_result_new_from_response (response, NULL);
  const TernImapUidSet *all;

  if (result == NULL)
    return;
  all = tern_imap_search_result_get_set (result);
  if (all != NULL)
    for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (all); i++)
      {
        guint32 first, last;

        tern_imap_uid_set_get_range (all, i, &first, &last);
        tern_imap_uid_set_add_range (collect->uids, first, last);
      }
}

/* CONDSTORE without QRESYNC: the UIDs the server has below @below, to find
 * what vanished. */
static TernImapUidSet *
search_uids (FolderSync *sync, guint32 below, GCancellable *cancellable, GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID SEARCH");
  g_autofree char *set = g_strdup_printf ("1:%u", below - 1);
  SearchCollect collect = { tern_imap_uid_set_new () };
  TernImapClient *client = _tern_sync_session_get_client (sync->session, cancellable, error);

  if (client == NULL)
    {
      tern_imap_uid_set_unref (collect.uids);
      return NULL;
    }
  if (tern_imap_client_has_capability (client, "ESEARCH"))
    tern_imap_command_add_raw (command, "RETURN (ALL)");
  tern_imap_command_add_atom (command, "UID");
  tern_imap_command_add_sequence_set (command, set);
  if (!_tern_sync_session_run (sync->session, command, collect_search, &collect, NULL, cancellable,
                               error))
    {
      tern_imap_uid_set_unref (collect.uids);
      return NULL;
    }
  tern_imap_uid_set_normalize (collect.uids);
  return collect.uids;
}

/* Removes the cached UIDs below @below that are not in @present. */
static gboolean
remove_absent (FolderSync *sync, TernImapUidSet *present, guint32 below, GError **error)
{
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GArray) gaps = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) removed = NULL;
  guint32 next = 1;

  for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (present) && next < below; i++)
    {
      guint32 first, last;

      tern_imap_uid_set_get_range (present, i, &first, &last);
      if (first > next)
        {
          guint32 gap_last = MIN (first - 1, below - 1);

          g_array_append_val (gaps, next);
          g_array_append_val (gaps, gap_last);
        }
      if (last == G_MAXUINT32)
        next = G_MAXUINT32;
      else
        next = MAX (next, last + 1);
    }
  if (next < below)
    {
      guint32 gap_last = below - 1;

      g_array_append_val (gaps, next);
      g_array_append_val (gaps, gap_last);
    }
  if (gaps->len == 0)
    return TRUE;
  tern_store_remove_uids_async (sync->store, sync->folder->id, g_steal_pointer (&gaps), NULL,
                                tern_await_cb, &wait);
  removed = tern_store_remove_uids_finish (sync->store, tern_await (&wait), error);
  if (removed == NULL)
    return FALSE;
  g_array_append_vals (sync->result->vanished_uids, removed->data, removed->len);
  return TRUE;
}

static gboolean
sync_known (FolderSync *sync, GCancellable *cancellable, GError **error)
{
  guint32 below = sync->cached_uidnext;
  g_autoptr (GArray) rows = NULL;

  if (below <= 1)
    return TRUE;

  switch (sync->result->mode)
    {
    case TERN_SYNC_MODE_QRESYNC:
      if (sync->info->vanished != NULL && !remove_vanished (sync, sync->info->vanished, error))
        return FALSE;
      if (sync->contradiction != NULL)
        return TRUE;
      rows = tern_store_flag_rows_new (sync->info->fetches != NULL ? sync->info->fetches->len : 0);
      for (guint i = 0; sync->info->fetches != NULL && i < sync->info->fetches->len; i++)
        {
          g_autoptr (TernImapFetch) fetch =
            tern_imap_fetch_new_from_response (sync->info->fetches->pdata[i], NULL);
          TernStoreFlagRow row = { 0 };

          if (fetch == NULL || !(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_FLAGS))
            continue;
          if (!(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_MODSEQ))
            note_contradiction (sync, "a FETCH without MODSEQ after ENABLE QRESYNC");
          row.uid = tern_imap_fetch_get_uid (fetch);
          if (row.uid == 0 || row.uid >= below)
            continue;
          row.modseq = tern_imap_fetch_get_modseq (fetch);
          split_flags (tern_imap_fetch_get_flags (fetch), &row.flags, &row.keywords);
          g_array_append_val (rows, row);
        }
      return reconcile (sync, g_steal_pointer (&rows), 0, error);

    case TERN_SYNC_MODE_CONDSTORE:
      {
        g_autoptr (TernImapUidSet) present = NULL;

        if (sync->info->highestmodseq != sync->folder->highestmodseq)
          {
            if (!fetch_flags (sync, below, sync->folder->highestmodseq, &rows, cancellable, error))
              return FALSE;
            if (!reconcile (sync, g_steal_pointer (&rows), 0, error))
              return FALSE;
          }
        /* Expunges leave no trace without QRESYNC: compare UIDs. */
        present = search_uids (sync, below, cancellable, error);
        return present != NULL && remove_absent (sync, present, below, error);
      }

    case TERN_SYNC_MODE_FULL:
    default:
      if (!fetch_flags (sync, below, 0, &rows, cancellable, error))
        return FALSE;
      return reconcile (sync, g_steal_pointer (&rows), below, error);
    }
}

/* New messages, newest first ------------------------------------------------------------- */

typedef struct
{
  FolderSync *sync;
  TernImapClient *client;
  TernAwait wait;
  GPtrArray *summaries;
  guint32 first;
  guint32 last;
} Window;

static void
window_free (Window *window)
{
  tern_await_clear (&window->wait);
  g_clear_object (&window->client);
  g_clear_pointer (&window->summaries, g_ptr_array_unref);
  g_free (window);
}

/* Pipelined FETCHes may be answered interleaved (a server may run them at
 * once, RFC 3501 §5.5), and the connection hands every FETCH to the oldest
 * one in flight: the UID says which window an answer belongs to. */
static void
collect_summary (TernImapResponse *response, gpointer user_data)
{
  GQueue *windows = user_data;
  g_autoptr (TernImapFetch) fetch = tern_imap_fetch_new_from_response (response, NULL);
  guint32 uid;

  /* A FETCH without UID or envelope is unsolicited flag news for another
   * message, not an answer to a window. */
  if (fetch == NULL || (uid = tern_imap_fetch_get_uid (fetch)) == 0 ||
      !(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_ENVELOPE))
    return;
  for (GList *l = windows->head; l != NULL; l = l->next)
    {
      Window *window = l->data;

      if (uid < window->first || uid > window->last)
        continue;
      if (window->sync->modseq && !(tern_imap_fetch_get_items (fetch) & TERN_IMAP_FETCH_MODSEQ))
        note_contradiction (window->sync, "a FETCH without MODSEQ after ENABLE");
      g_ptr_array_add (window->summaries, summary_from_fetch (fetch));
      return;
    }
}

static Window *
start_window (FolderSync *sync,
              GQueue *windows,
              guint32 first,
              guint32 last,
              gboolean first_window,
              GCancellable *cancellable,
              GError **error)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID FETCH");
  g_autofree char *set = g_strdup_printf ("%u:%u", first, last);
  TernImapClient *client;
  GString *items;
  Window *window;

  client = _tern_sync_session_get_client (sync->session, cancellable, error);
  if (client == NULL)
    return NULL;

  window = g_new0 (Window, 1);
  window->sync = sync;
  window->client = g_object_ref (client);
  window->first = first;
  window->last = last;
  window->summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);

  items = g_string_new ("(" SUMMARY_ITEMS);
  if (sync->modseq)
    g_string_append (items, " MODSEQ");
  /* A short preview for what a person sees first, where the server makes
   * one; older mail gets its preview when opened. */
  if (first_window && tern_imap_client_has_capability (client, "PREVIEW"))
    g_string_append (items, " PREVIEW");
  g_string_append_c (items, ')');
  tern_imap_command_add_sequence_set (command, set);
  tern_imap_command_add_raw (command, items->str);
  g_string_free (items, TRUE);

  tern_imap_client_run_async (client, command, collect_summary, windows, NULL, cancellable,
                              tern_await_cb, &window->wait);
  return window;
}

/* The pending fill set of the folder row ("fill:1:500,800:900"). */
static TernImapUidSet *
fill_set_from_state (const char *state)
{
  if (state == NULL || !g_str_has_prefix (state, "fill:"))
    return NULL;
  return tern_imap_uid_set_parse (state + 5, -1, NULL);
}

static void
set_fill_state (TernStoreFolder *folder, TernImapUidSet *fill)
{
  g_free (folder->sync_state);
  folder->sync_state = NULL;
  if (fill != NULL && !tern_imap_uid_set_is_empty (fill))
    {
      g_autofree char *text = tern_imap_uid_set_to_string (fill);

      folder->sync_state = g_strconcat ("fill:", text, NULL);
    }
}

/* @fill minus [@first, ∞): what is left after the windows down to @first. */
static TernImapUidSet *
fill_below (TernImapUidSet *fill, guint32 first)
{
  TernImapUidSet *left = tern_imap_uid_set_new ();

  for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (fill); i++)
    {
      guint32 a, b;

      tern_imap_uid_set_get_range (fill, i, &a, &b);
      if (a < first)
        tern_imap_uid_set_add_range (left, a, MIN (b, first - 1));
    }
  tern_imap_uid_set_normalize (left);
  return left;
}

typedef struct
{
  TernAwait wait;
  gboolean folder; /* the folder row, else a window's summaries */
  guint64 done;
  guint64 total;
} StoreWrite;

static void
finish_write (FolderSync *sync, StoreWrite *write, GError **error)
{
  GAsyncResult *result = tern_await (&write->wait);

  if (write->folder)
    {
      if (tern_store_upsert_folder_finish (sync->store, result, NULL, error) != 0)
        {
          _tern_sync_session_progress (sync->session, sync->folder->path, write->done,
                                       write->total);
          /* Tests: a sync killed here resumes below this window. */
          _tern_sync_crash_point ("sync-after-window");
        }
    }
  else
    tern_store_store_summaries_finish (sync->store, result, error);
  tern_await_clear (&write->wait);
  g_free (write);
}

static gboolean
fetch_new (FolderSync *sync, TernImapUidSet *fill, GCancellable *cancellable, GError **error)
{
  g_autoptr (GQueue) in_flight = g_queue_new ();
  g_autoptr (GQueue) writes = g_queue_new ();
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint64 total = tern_imap_uid_set_get_count (fill);
  guint64 done = 0;
  guint32 span = FIRST_WINDOW;
  gint range;
  guint32 top;
  GError *first_error = NULL;
  /* Tests: TERN_TEST_SYNC_LIMIT=n fetches the newest n UIDs only, leaving
   * the rest owed (an incomplete cache, as a first sync has on the way). */
  guint64 limit = g_ascii_strtoull (g_getenv ("TERN_TEST_SYNC_LIMIT") ?: "0", NULL, 10);
  guint64 started = 0;
  /* Tests: a sync killed after its nth window (the sync-after-window crash
   * point) must have stored n windows, not the next ones as well: the store
   * thread ran ahead of the awaited writes, and a 667-message INBOX was
   * whole in the cache at the kill. So each window's writes are waited for
   * before the next window is stored. */
  guint max_writes = g_str_has_prefix (g_getenv ("TERN_TEST_CRASH_AT") ?: "", "sync-after-window")
                       ? 0
                       : MAX_WRITES_QUEUED;

  /* Ranges from the top down. */
  for (guint i = 0; i < tern_imap_uid_set_get_n_ranges (fill); i++)
    {
      guint32 a, b;

      tern_imap_uid_set_get_range (fill, i, &a, &b);
      g_array_append_val (ranges, a);
      g_array_append_val (ranges, b);
    }
  range = (gint) ranges->len / 2 - 1;
  top = range >= 0 ? g_array_index (ranges, guint32, range * 2 + 1) : 0;

  _tern_sync_session_progress (sync->session, sync->folder->path, 0, total);

  while (range >= 0 || !g_queue_is_empty (in_flight))
    {
      Window *window;

      while (first_error == NULL && range >= 0 &&
             g_queue_get_length (in_flight) < WINDOWS_IN_FLIGHT && (limit == 0 || started < limit))
        {
          guint32 bottom = g_array_index (ranges, guint32, range * 2);
          guint32 want = limit > 0 ? (guint32) MIN (span, limit - started) : span;
          guint32 first = top - bottom + 1 > want ? top - want + 1 : bottom;

          window = start_window (sync, in_flight, first, top, done == 0 && span == FIRST_WINDOW,
                                 cancellable, &first_error);
          if (window == NULL)
            break;
          g_queue_push_tail (in_flight, window);
          started += top - first + 1;
          span = MIN (span * 4, MAX_WINDOW);
          if (first == bottom)
            {
              range--;
              top = range >= 0 ? g_array_index (ranges, guint32, range * 2 + 1) : 0;
            }
          else
            top = first - 1;
        }

      /* Still in the queue while it is answered: collect_summary looks there. */
      window = g_queue_peek_head (in_flight);
      if (window == NULL)
        break;
      tern_await (&window->wait);
      g_queue_pop_head (in_flight);
      if (!tern_imap_client_run_finish (window->client, window->wait.result, NULL,
                                        first_error == NULL ? &first_error : NULL) ||
          first_error != NULL)
        {
          /* Drain the other windows; the first error is the one told. */
          window_free (window);
          continue;
        }

      /* Stored, then the resume point moves below this window: two writes
       * the store thread runs in this order, not waited for here (a crash
       * between them only fetches the window again). */
      {
        StoreWrite *write = g_new0 (StoreWrite, 1);
        g_autoptr (TernImapUidSet) left = fill_below (fill, window->first);
        guint n = window->summaries->len;

        for (guint i = 0; i < n; i++)
          g_array_append_val (sync->result->new_uids,
                              ((TernStoreSummary *) window->summaries->pdata[i])->uid);
        tern_store_store_summaries_async (sync->store, sync->folder->id, window->summaries, NULL,
                                          tern_await_cb, &write->wait);
        g_queue_push_tail (writes, write);

        done += window->last - window->first + 1;
        set_fill_state (sync->folder, left);
        write = g_new0 (StoreWrite, 1);
        write->folder = TRUE;
        write->done = MIN (done, total);
        write->total = total;
        tern_store_upsert_folder_async (sync->store, sync->folder, NULL, tern_await_cb,
                                        &write->wait);
        g_queue_push_tail (writes, write);
        g_debug ("%s: UIDs %u:%u, %u messages", sync->folder->path, window->first, window->last, n);
      }
      window_free (window);

      /* A bounded number of windows waits for the disk. */
      while (g_queue_get_length (writes) > max_writes)
        finish_write (sync, g_queue_pop_head (writes), first_error == NULL ? &first_error : NULL);
    }

  while (!g_queue_is_empty (writes))
    finish_write (sync, g_queue_pop_head (writes), first_error == NULL ? &first_error : NULL);

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  return TRUE;
}

/* The folder -------------------------------------------------------------------------------- */

static GArray *
pending_op_uids (TernSyncSession *self, const char *path, GError **error)
{
  TernStore *store = tern_sync_session_get_store (self);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  g_autoptr (GPtrArray) ops = NULL;
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));

  tern_store_peek_ops_async (store, 0, NULL, tern_await_cb, &wait);
  ops = tern_store_peek_ops_finish (store, tern_await (&wait), error);
  if (ops == NULL)
    {
      g_array_unref (uids);
      return NULL;
    }
  for (guint i = 0; i < ops->len; i++)
    {
      TernStoreOp *op = ops->pdata[i];
      g_autoptr (TernImapUidSet) set = NULL;
      TernImapUidSetIter iter;
      guint32 uid;

      if (g_strcmp0 (op->folder, path) != 0 || op->state == TERN_STORE_OP_FAILED)
        continue;
      set = tern_imap_uid_set_parse (op->uids, -1, NULL);
      if (set == NULL)
        continue;
      tern_imap_uid_set_iter_init (&iter, set);
      while (tern_imap_uid_set_iter_next (&iter, &uid))
        g_array_append_val (uids, uid);
    }
  return uids;
}

static TernImapSelectInfo *
select_folder (FolderSync *sync, gboolean use_qresync, GCancellable *cancellable, GError **error)
{
  TernImapClient *client = _tern_sync_session_get_client (sync->session, cancellable, error);
  g_auto (TernAwait) wait = TERN_AWAIT_INIT;
  TernImapQresync qresync = { 0 };
  TernImapSelectFlags flags = TERN_IMAP_SELECT_NONE;
  TernImapSelectInfo *info;

  if (client == NULL)
    return NULL;
  if (tern_imap_client_is_enabled (client, "QRESYNC") && use_qresync &&
      sync->folder->uidvalidity != 0 && sync->folder->highestmodseq != 0)
    {
      qresync.uidvalidity = sync->folder->uidvalidity;
      qresync.modseq = sync->folder->highestmodseq;
    }
  else if (tern_imap_client_is_enabled (client, "CONDSTORE") ||
           tern_imap_client_is_enabled (client, "QRESYNC"))
    flags |= TERN_IMAP_SELECT_CONDSTORE;

  tern_imap_client_select_async (client, sync->folder->path, flags,
                                 qresync.uidvalidity != 0 ? &qresync : NULL, cancellable,
                                 tern_await_cb, &wait);
  info = tern_imap_client_select_finish (client, tern_await (&wait), error);
  if (info == NULL && error != NULL && *error != NULL && (*error)->domain == TERN_IMAP_ERROR &&
      (*error)->code != TERN_IMAP_ERROR_NO)
    _tern_sync_session_drop_client (sync->session);
  if (info != NULL && info->uidvalidity == 0)
    {
      /* Without it no cached UID can be trusted, and 0 is not a new epoch. */
      g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                   _ ("The server did not tell the UIDVALIDITY of “%s”"), sync->folder->path);
      tern_imap_select_info_free (info);
      _tern_sync_session_drop_client (sync->session);
      return NULL;
    }
  return info;
}

/* One pass over a folder; @result collects across passes (a pass that meets
 * a contradiction is followed by a full one). */
static gboolean
sync_folder_once (TernSyncSession *self,
                  const TernStoreFolder *cached,
                  gboolean trust_modseq,
                  TernSyncFolderResult *result,
                  GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (TernStoreFolder) folder = tern_store_folder_copy (cached);
  g_autoptr (TernImapSelectInfo) info = NULL;
  g_autoptr (TernImapUidSet) fill = NULL;
  g_autoptr (GArray) skip = NULL;
  g_autoptr (GArray) absent = NULL;
  TernImapClient *client;
  FolderSync sync = { 0 };
  gboolean same_validity;
  guint cached_before = 0;

  sync.session = self;
  sync.store = tern_sync_session_get_store (self);
  sync.folder = folder;
  sync.result = result;

  skip = pending_op_uids (self, folder->path, error);
  if (skip == NULL)
    return FALSE;
  sync.skip = skip;
  sync.absent = absent = g_array_new (FALSE, FALSE, sizeof (guint32));

  sync.info = info = select_folder (&sync, trust_modseq, cancellable, error);
  if (info == NULL)
    return FALSE;
  client = _tern_sync_session_get_client (self, cancellable, error);
  if (client == NULL)
    return FALSE;

  same_validity = folder->uidvalidity != 0 && folder->uidvalidity == info->uidvalidity;
  if (trust_modseq && info->vanished != NULL && tern_imap_client_is_enabled (client, "QRESYNC") &&
      same_validity && folder->highestmodseq != 0)
    result->mode = TERN_SYNC_MODE_QRESYNC;
  else if (trust_modseq && !info->nomodseq && info->highestmodseq != 0 && same_validity &&
           folder->highestmodseq != 0 &&
           (tern_imap_client_is_enabled (client, "QRESYNC") ||
            tern_imap_client_is_enabled (client, "CONDSTORE")))
    result->mode = tern_imap_client_is_enabled (client, "QRESYNC") ? TERN_SYNC_MODE_QRESYNC
                                                                   : TERN_SYNC_MODE_CONDSTORE;
  else
    result->mode = TERN_SYNC_MODE_FULL;
  sync.modseq = trust_modseq && !info->nomodseq && info->highestmodseq != 0 &&
                (tern_imap_client_is_enabled (client, "QRESYNC") ||
                 tern_imap_client_is_enabled (client, "CONDSTORE"));

  if (same_validity && trust_modseq && folder->highestmodseq != 0 && sync.modseq &&
      info->highestmodseq < folder->highestmodseq)
    note_contradiction (&sync, "HIGHESTMODSEQ went backwards");

  if (!same_validity && folder->uidvalidity != 0)
    {
      /* Every cached UID of this folder means nothing now. */
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;

      g_message ("UIDVALIDITY of “%s” changed: its cache is fetched again", folder->path);
      tern_store_fail_folder_ops_async (sync.store, folder->path, NULL, tern_await_cb, &wait);
      if (!tern_store_fail_folder_ops_finish (sync.store, tern_await (&wait), error))
        return FALSE;
      folder->uidnext = 0;
      folder->highestmodseq = 0;
      g_clear_pointer (&folder->sync_state, g_free);
    }
  sync.cached_uidnext = same_validity ? folder->uidnext : 0;

  if (sync.contradiction == NULL && !sync_known (&sync, cancellable, error))
    return FALSE;
  if (sync.contradiction != NULL)
    goto contradiction;

  /* What to fetch: the UIDs above what the cache had seen, and whatever an
   * interrupted sync left. */
  fill = same_validity ? fill_set_from_state (folder->sync_state) : NULL;
  if (fill == NULL)
    fill = tern_imap_uid_set_new ();
  for (guint i = 0; i < absent->len; i++)
    tern_imap_uid_set_add (fill, g_array_index (absent, guint32, i));
  {
    guint32 uidnext = info->uidnext;

    if (uidnext == 0)
      uidnext = MAX (sync.cached_uidnext, 1) + info->exists; /* a bound, not exact */
    if (uidnext > MAX (sync.cached_uidnext, 1))
      tern_imap_uid_set_add_range (fill, MAX (sync.cached_uidnext, 1), uidnext - 1);
    tern_imap_uid_set_normalize (fill);

    /* The new state goes down first (decision 6): UIDNEXT and HIGHESTMODSEQ
     * as of the SELECT, with the fill set still owed, so a crash from here on
     * resumes with the windows and never misses a change. */
    folder->uidvalidity = info->uidvalidity;
    folder->uidnext = MAX (uidnext, folder->uidnext);
    folder->highestmodseq = sync.modseq ? info->highestmodseq : 0;
    set_fill_state (folder, fill);
    if (!save_folder (&sync, error))
      return FALSE;
  }

  /* Counted around the windows: a resumed sync may fetch a window again
   * (its rows are replaced), and "new" is what the cache did not have. */
  if (!tern_imap_uid_set_is_empty (fill))
    {
      g_auto (TernAwait) wait = TERN_AWAIT_INIT;
      guint unread;

      tern_store_count_async (sync.store, folder->id, NULL, tern_await_cb, &wait);
      if (!tern_store_count_finish (sync.store, tern_await (&wait), &cached_before, &unread, error))
        return FALSE;
    }
  if (!tern_imap_uid_set_is_empty (fill) && !fetch_new (&sync, fill, cancellable, error))
    return FALSE;

  {
    g_auto (TernAwait) wait = TERN_AWAIT_INIT;

    tern_store_count_async (sync.store, folder->id, NULL, tern_await_cb, &wait);
    if (!tern_store_count_finish (sync.store, tern_await (&wait), &result->total, &result->unread,
                                  error))
      return FALSE;
  }
  if (!tern_imap_uid_set_is_empty (fill) && result->total > cached_before)
    result->new_count += result->total - cached_before;
  if (sync.contradiction != NULL)
    goto contradiction;
  return TRUE;

contradiction:
  {
    /* Keep the cache, forget the modseq: the full comparison redoes it. */
    g_autoptr (GError) local = NULL;

    _tern_sync_session_set_fallback (self, sync.contradiction);
    folder->highestmodseq = 0;
    if (!save_folder (&sync, &local))
      g_warning ("Saving “%s”: %s", folder->path, local->message);
    g_set_error_literal (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL, sync.contradiction);
    return FALSE;
  }
}

static guint
count_unique (GArray *uids)
{
  guint n = 0;

  g_array_sort (uids, tern_store_compare_uids);
  for (guint i = 0; i < uids->len; i++)
    if (i == 0 || g_array_index (uids, guint32, i) != g_array_index (uids, guint32, i - 1))
      n++;
  return n;
}

TernSyncFolderResult *
_tern_sync_folder (TernSyncSession *self,
                   const TernStoreFolder *folder,
                   GCancellable *cancellable,
                   GError **error)
{
  g_autoptr (TernSyncFolderResult) result = g_new0 (TernSyncFolderResult, 1);
  GError *local = NULL;
  gboolean ok;
  gboolean trust = !_tern_sync_session_get_fallback (self);

  result->path = g_strdup (folder->path);
  result->new_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  result->changed_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  result->vanished_uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  result->first_sync = folder->uidvalidity == 0;

  ok = sync_folder_once (self, folder, trust, result, cancellable, &local);
  if (!ok && trust && _tern_sync_session_get_fallback (self))
    {
      /* The server contradicted itself: compare this folder in full. */
      g_autoptr (GPtrArray) folders = store_list_folders (tern_sync_session_get_store (self), NULL);
      TernStoreFolder *fresh = folders != NULL ? find_folder (folders, folder->path) : NULL;

      g_clear_error (&local);
      /* A new connection, without QRESYNC (the fallback is remembered now):
       * nothing of the old session's state carries over. */
      _tern_sync_session_drop_client (self);
      ok =
        sync_folder_once (self, fresh != NULL ? fresh : folder, FALSE, result, cancellable, &local);
    }
  if (!ok)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  result->changed = count_unique (result->changed_uids);
  result->vanished = count_unique (result->vanished_uids);
  return g_steal_pointer (&result);
}
