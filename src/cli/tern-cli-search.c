/* tern-cli-search.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli search ID QUERY [--folder F] [--local] [--json]: the search bar's
 * query language over one folder or the whole account; the cache's answer,
 * merged with the server's (UID SEARCH) unless --local. */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "model/tern-search-query.h"
#include "store/tern-store.h"
#include "sync/tern-sync-session.h"
#include "tern-cli-private.h"

const char tern_cli_search_help[] =
  "  tern-cli search ID QUERY [--folder FOLDER] [--local] [--json]\n"
  "      find messages, newest first: words, \"phrases\", from: to: cc: subject:\n"
  "      body: has:attachment is:unread is:read is:flagged before:YYYY-MM-DD\n"
  "      after:YYYY-MM-DD, -term to exclude; the cache and then the server\n"
  "      (--local: the cache alone)\n";

static void
append_hit_json (GString *out, const TernSyncSearchHit *hit)
{
  const TernStoreSummary *s = hit->summary;

  g_string_append (out, "{\"folder\": ");
  json_append_string (out, hit->folder);
  g_string_append_printf (out, ", \"uid\": %u, \"subject\": ", hit->uid);
  json_append_nullable_string (out, s != NULL ? s->subject : NULL);
  g_string_append (out, ", \"from\": ");
  if (s == NULL)
    g_string_append (out, "null");
  else
    {
      g_string_append (out, "{\"name\": ");
      json_append_nullable_string (out, s->from_name);
      g_string_append (out, ", \"address\": ");
      json_append_nullable_string (out, s->from_addr);
      g_string_append_c (out, '}');
    }
  g_string_append (out, ", \"date\": ");
  if (s == NULL)
    g_string_append (out, "null");
  else
    {
      g_autoptr (GDateTime) date = g_date_time_new_from_unix_utc (s->date);
      g_autofree char *text = date != NULL ? g_date_time_format_iso8601 (date) : NULL;

      json_append_nullable_string (out, text);
    }
  g_string_append_c (out, '}');
}

int
tern_cli_search (int argc, char **argv)
{
  Option options[] = { { "--json", FALSE }, { "--folder", TRUE }, { "--local", FALSE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_autoptr (TernSearchQuery) query = NULL;
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) hits = NULL;
  g_autoptr (GVariant) criteria = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *where = NULL;
  g_autofree char *fts = NULL;
  gboolean utf8 = FALSE;
  guint offline = 0;
  int status;

  if (!parse_options ("search", argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 2)
    return usage_error ("search: give an account ID and a query");
  query = tern_search_query_parse (g_ptr_array_index (positional, 1), &error);
  if (query == NULL)
    return fail (error);
  fts = tern_search_query_to_fts (query);
  where = tern_search_query_to_sql (query, params);
  if (options[2].value == NULL)
    criteria = tern_search_query_to_imap (query, &utf8);

  account = load_account (g_ptr_array_index (positional, 0), &status);
  if (account == NULL)
    return status;
  cli_open_cache_async (account, &result);
  if (!tern_account_open_cache_finish (account, wait_for (&result), &error))
    return fail (error);
  g_clear_object (&result);

  tern_sync_session_search_async (tern_account_get_sync_session (account), options[1].value, fts,
                                  where, params, criteria, utf8, NULL, store_result, &result);
  hits = tern_sync_session_search_finish (tern_account_get_sync_session (account),
                                          wait_for (&result), &offline, &error);
  if (hits == NULL)
    return fail (error);
  if (offline > 0)
    g_printerr (ngettext ("The server could not be searched in %u folder; these results come "
                          "from the cache alone\n",
                          "The server could not be searched in %u folders; these results come "
                          "from the cache alone\n",
                          offline),
                offline);

  if (options[0].value != NULL)
    {
      g_autoptr (GString) out = g_string_new ("[");

      for (guint i = 0; i < hits->len; i++)
        {
          g_string_append (out, i > 0 ? ",\n " : "");
          append_hit_json (out, hits->pdata[i]);
        }
      g_string_append (out, "]\n");
      fwrite (out->str, 1, out->len, stdout);
      return 0;
    }

  for (guint i = 0; i < hits->len; i++)
    {
      TernSyncSearchHit *hit = hits->pdata[i];
      TernStoreSummary *s = hit->summary;
      g_autoptr (GDateTime) date = s != NULL ? g_date_time_new_from_unix_local (s->date) : NULL;
      g_autofree char *when = date != NULL ? g_date_time_format (date, "%Y-%m-%d %H:%M") : NULL;

      g_print ("%s\t%u\t%s\t%s\t%s\n", hit->folder, hit->uid, when != NULL ? when : "",
               s != NULL && s->from_name != NULL   ? s->from_name
               : s != NULL && s->from_addr != NULL ? s->from_addr
                                                   : "",
               s != NULL && s->subject != NULL ? s->subject : _ ("(not synchronised yet)"));
    }
  return 0;
}
