/* test-store-search.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/store/tern-store-search.c with the SQL that
 * model/tern-search-query.c builds: fields, phrases, negation, flags, dates,
 * To and Cc kept apart, non-ASCII case folding without folding accents
 * (as the server does), one folder or all, newest first. */

#include "config.h"

#include <glib/gstdio.h>

#include "model/tern-search-query.h"
#include "store/tern-store-private.h"

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

typedef struct
{
  guint32 uid;
  const char *subject;
  const char *from_name;
  const char *from_addr;
  const char *to;
  const char *cc;
  const char *body;
  TernStoreFlags flags;
  gboolean attachments;
  const char *date; /* ISO 8601 */
} Message;

static const Message inbox[] = {
  { 1, "Überprüfung der Daten", "José Núñez", "jose@example.net", "Bob <bob@example.org>", NULL,
    "Die Überprüfung ist fertig.", 0, FALSE, "2024-01-04T12:00:00Z" },
  { 2, "uberprufung plain", "Jose Nunez", "jn@example.net", "carol@example.org", "bob@example.org",
    "nothing to see", TERN_STORE_FLAG_SEEN, TRUE, "2024-01-05T12:00:00Z" },
  { 3, "Quarterly report", "Alice", "alice@example.org", "bob@example.org", NULL,
    "the quarterly numbers are attached", TERN_STORE_FLAG_FLAGGED, TRUE, "2024-02-01T08:00:00Z" },
  { 4, "Re: Quarterly report", "Bob", "bob@example.org", "alice@example.org", "carol@example.org",
    "report looks fine", TERN_STORE_FLAG_SEEN | TERN_STORE_FLAG_FLAGGED, FALSE,
    "2024-02-02T08:00:00Z" },
  { 5, "ÜBERPRÜFUNG LAUT", "Dörte", "doerte@example.de", "bob@example.org", NULL, NULL, 0, FALSE,
    "2023-12-31T23:00:00Z" },
};

static const Message archive[] = {
  { 7, "Old quarterly report", "Alice", "alice@example.org", "bob@example.org", NULL,
    "numbers again", TERN_STORE_FLAG_SEEN, FALSE, "2023-06-01T00:00:00Z" },
};

static gint64
add_folder (TernStore *store, const char *path, const Message *messages, guint n)
{
  g_autoptr (TernStoreFolder) folder = tern_store_folder_new (path);
  g_autoptr (GPtrArray) summaries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_store_summary_free);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  folder->uidvalidity = 1;
  tern_store_upsert_folder_async (store, folder, NULL, store_result, &slot);
  result = wait_for (&slot);
  id = tern_store_upsert_folder_finish (store, result, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  for (guint i = 0; i < n; i++)
    {
      TernStoreSummary *s = tern_store_summary_new (messages[i].uid);
      g_autoptr (GDateTime) date = g_date_time_new_from_iso8601 (messages[i].date, NULL);

      s->subject = g_strdup (messages[i].subject);
      s->from_name = g_strdup (messages[i].from_name);
      s->from_addr = g_strdup (messages[i].from_addr);
      s->to = g_strdup (messages[i].to);
      s->cc = g_strdup (messages[i].cc);
      s->flags = messages[i].flags;
      s->has_attachments = messages[i].attachments;
      s->date = g_date_time_to_unix (date);
      g_ptr_array_add (summaries, s);
    }
  tern_store_store_summaries_async (store, id, summaries, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_store_summaries_finish (store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  for (guint i = 0; i < n; i++)
    if (messages[i].body != NULL)
      {
        tern_store_index_body_async (store, id, messages[i].uid, messages[i].body, NULL,
                                     store_result, &slot);
        result = wait_for (&slot);
        g_assert_true (tern_store_index_body_finish (store, result, &error));
        g_assert_no_error (error);
        g_clear_object (&result);
      }
  return id;
}

/* The hits as "uid uid …" in their order, "folder:uid" in all folders. */
static char *
search (TernStore *store, gint64 folder_id, const char *text, guint limit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TernSearchQuery) query = tern_search_query_parse (text, &error);
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) hits = NULL;
  g_autofree char *where = NULL;
  g_autofree char *fts = NULL;
  GAsyncResult *slot = NULL;
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  fts = tern_search_query_to_fts (query);
  where = tern_search_query_to_sql (query, params);
  tern_store_search_messages_async (store, folder_id, fts, where, params, limit, NULL, store_result,
                                    &slot);
  result = wait_for (&slot);
  hits = tern_store_search_messages_finish (store, result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < hits->len; i++)
    {
      TernStoreSearchHit *hit = hits->pdata[i];

      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (folder_id == 0)
        g_string_append_printf (out, "%s:", hit->folder);
      g_string_append_printf (out, "%u", hit->summary->uid);
    }
  return g_string_free (out, FALSE);
}

static void
test_search (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tern-store-search-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr (TernStore) store = tern_store_new_for_path (path);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;
  static const struct
  {
    const char *query;
    const char *uids;
  } cases[] = {
    /* Case folded for every script; accents kept, as Dovecot does. */
    { "Überprüfung", "1 5" },
    { "subject:überprüfung", "1 5" },
    { "subject:ÜBERPRÜFUNG", "1 5" },
    { "subject:uberprufung", "2" },
    { "from:josé", "1" },
    { "from:jose", "2 1" },
    { "quarterly", "4 3" },
    { "\"quarterly report\"", "4 3" },
    { "subject:\"report quarterly\"", "" },
    { "-subject:quarterly", "2 1 5" },
    { "quarterly -from:bob", "3" },
    { "body:numbers", "3" },
    { "body:numb", "3" },
    { "to:bob", "3 1 5" },
    { "cc:bob", "2" },
    { "to:carol", "2" },
    { "-to:bob", "4 2" },
    { "has:attachment", "3 2" },
    { "-has:attachment", "4 1 5" },
    { "is:unread", "3 1 5" },
    { "is:read", "4 2" },
    { "is:flagged", "4 3" },
    { "is:flagged -is:read", "3" },
    { "before:2024-01-05", "1 5" },
    { "after:2024-01-05", "4 3 2" },
    { "after:2024-01-01 before:2024-02-01", "2 1" },
    { "-before:2024-02-02", "4" },
    { "no-such-word", "" },
    /* FTS5 syntax typed by a person is only text. */
    { "NEAR(a b) OR * ^subject", "" },
    { "\"zz\" OR \"yy\" AND", "" },
  };

  tern_store_open_async (store, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_open_finish (store, result, &error));
  g_assert_no_error (error);

  id = add_folder (store, "INBOX", inbox, G_N_ELEMENTS (inbox));
  add_folder (store, "Archive", archive, G_N_ELEMENTS (archive));

  /* Read from FTS5 and sorted; then walked newest first with FTS5 asked
   * about each message, as common words are (DENSE_MATCHES). */
  for (guint pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        g_setenv ("TERN_TEST_SEARCH_DENSE", "1", TRUE);
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          g_autofree char *found = search (store, id, cases[i].query, pass == 0 ? 0 : 10);

          if (g_strcmp0 (found, cases[i].uids) != 0)
            g_error ("search “%s” (%s): found “%s”, expected “%s”", cases[i].query,
                     pass == 0 ? "FTS5 first" : "newest first", found, cases[i].uids);
        }
      /* The limit cuts the newest first in both plans. */
      {
        g_autofree char *two = search (store, id, "to:bob", 2);
        g_assert_cmpstr (two, ==, "3 1");
      }
    }
  g_unsetenv ("TERN_TEST_SEARCH_DENSE");

  {
    g_autofree char *all = search (store, 0, "quarterly", 0);
    g_assert_cmpstr (all, ==, "INBOX:4 INBOX:3 Archive:7");
  }
  {
    g_autofree char *all = search (store, 0, "numbers is:read", 0);
    g_assert_cmpstr (all, ==, "Archive:7");
  }

  g_clear_object (&result);
  tern_store_close_async (store, NULL, store_result, &slot);
  result = wait_for (&slot);
  g_assert_true (tern_store_close_finish (store, result, &error));
  g_unlink (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_autofree char *clean = g_strconcat (path, ".clean", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (clean);
  }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/search/queries", test_search);

  return g_test_run ();
}
