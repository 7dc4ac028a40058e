/* test-search-query.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/model/tern-search-query.c: the query language, its SQL
 * (user text only in parameters, FTS5 text only inside quoted strings) and
 * its IMAP criteria (user text only as quoted strings or literals). */

#include "config.h"

#include <string.h>

#include "model/tern-model-error.h"
#include "model/tern-search-query.h"

static TernSearchQuery *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  TernSearchQuery *query = tern_search_query_parse (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (query);
  return query;
}

static void
assert_imap (const char *text, const char *expected)
{
  g_autoptr (TernSearchQuery) query = parse_ok (text);
  g_autofree char *imap = tern_search_query_to_imap_string (query);

  g_assert_cmpstr (imap, ==, expected);
}

static void
assert_invalid (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TernSearchQuery) query = tern_search_query_parse (text, &error);

  g_assert_null (query);
  g_assert_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID);
}

static void
test_terms (void)
{
  g_autoptr (TernSearchQuery) query =
    parse_ok ("  hello FROM:alice subject:\"quarterly   report\" -is:read has:attachment "
              "is:unread is:flagged -to:bob cc:carol body:x before:2024-02-29 after:2024-01-05 "
              "http://example.com/a:b");
  static const struct
  {
    TernSearchField field;
    gboolean negated;
    const char *text;
  } expected[] = {
    { TERN_SEARCH_FIELD_TEXT, FALSE, "hello" },
    { TERN_SEARCH_FIELD_FROM, FALSE, "alice" },
    { TERN_SEARCH_FIELD_SUBJECT, FALSE, "quarterly report" },
    { TERN_SEARCH_FIELD_READ, TRUE, NULL },
    { TERN_SEARCH_FIELD_ATTACHMENT, FALSE, NULL },
    { TERN_SEARCH_FIELD_UNREAD, FALSE, NULL },
    { TERN_SEARCH_FIELD_FLAGGED, FALSE, NULL },
    { TERN_SEARCH_FIELD_TO, TRUE, "bob" },
    { TERN_SEARCH_FIELD_CC, FALSE, "carol" },
    { TERN_SEARCH_FIELD_BODY, FALSE, "x" },
    { TERN_SEARCH_FIELD_BEFORE, FALSE, "2024-02-29" },
    { TERN_SEARCH_FIELD_AFTER, FALSE, "2024-01-05" },
    { TERN_SEARCH_FIELD_TEXT, FALSE, "http://example.com/a:b" },
  };

  g_assert_cmpuint (tern_search_query_get_n_terms (query), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpint (tern_search_query_get_field (query, i), ==, expected[i].field);
      g_assert_cmpint (tern_search_query_get_negated (query, i), ==, expected[i].negated);
      g_assert_cmpstr (tern_search_query_get_text (query, i), ==, expected[i].text);
    }
  g_assert_true (tern_search_query_needs_body (query));
}

static void
test_phrases (void)
{
  g_autoptr (TernSearchQuery) open = parse_ok ("\"open phrase");
  g_autoptr (TernSearchQuery) lines = parse_ok ("subject:\"two\r\nlines\"");
  g_autoptr (TernSearchQuery) lone = parse_ok ("- word -- ...");
  g_autoptr (TernSearchQuery) headers = parse_ok ("from:a subject:b is:unread");

  g_assert_cmpstr (tern_search_query_get_text (open, 0), ==, "open phrase");
  /* Line breaks cannot go into a quoted IMAP string: they are blanks. */
  g_assert_cmpstr (tern_search_query_get_text (lines, 0), ==, "two lines");
  /* A lone "-" and punctuation have nothing to search for. */
  g_assert_cmpuint (tern_search_query_get_n_terms (lone), ==, 1);
  g_assert_cmpstr (tern_search_query_get_text (lone, 0), ==, "word");
  g_assert_false (tern_search_query_needs_body (headers));
}

static void
test_invalid (void)
{
  g_autofree char *long_text = g_strnfill (TERN_SEARCH_QUERY_MAX_LENGTH + 1, 'a');
  g_autoptr (GString) many = g_string_new (NULL);

  for (guint i = 0; i <= TERN_SEARCH_QUERY_MAX_TERMS; i++)
    g_string_append_printf (many, "w%u ", i);

  assert_invalid ("");
  assert_invalid ("   ");
  assert_invalid ("- ...");
  assert_invalid (long_text);
  assert_invalid (many->str);
  assert_invalid ("caf\xc3");
  assert_invalid ("is:bogus");
  assert_invalid ("has:pdf");
  assert_invalid ("before:yesterday");
  assert_invalid ("before:2023-02-29");
  assert_invalid ("after:2024-13-01");
  assert_invalid ("after:24-01-01");
  assert_invalid ("after:2024-01-01-01");
}

static void
test_imap (void)
{
  assert_imap ("hello", "OR SUBJECT \"hello\" OR FROM \"hello\" OR TO \"hello\" OR CC \"hello\" "
                        "BODY \"hello\"");
  assert_imap ("from:alice subject:\"quarterly report\" -is:read",
               "FROM \"alice\" SUBJECT \"quarterly report\" NOT SEEN");
  assert_imap ("is:unread is:flagged has:attachment",
               "UNSEEN FLAGGED HEADER \"Content-Type\" \"multipart/mixed\"");
  assert_imap ("before:2024-02-29 after:2024-01-05 -after:2025-12-31",
               "SENTBEFORE 29-Feb-2024 SENTSINCE 5-Jan-2024 NOT SENTSINCE 31-Dec-2025");
  assert_imap ("-to:bob cc:carol body:x", "NOT TO \"bob\" CC \"carol\" BODY \"x\"");
  /* Non-ASCII: a literal, and the command needs CHARSET UTF-8. */
  assert_imap ("subject:Überprüfung -from:José",
               "CHARSET UTF-8 SUBJECT {13}\r\nÜberprüfung NOT FROM {5}\r\nJosé");
  /* Quotes and backslashes stay inside the string. */
  assert_imap ("subject:say\"hi\\", "SUBJECT \"say\\\"hi\\\\\"");
}

static void
test_imap_variant (void)
{
  g_autoptr (TernSearchQuery) query = parse_ok ("from:José is:unread");
  gboolean utf8 = FALSE;
  g_autoptr (GVariant) criteria = tern_search_query_to_imap (query, &utf8);
  g_autofree char *printed = g_variant_print (criteria, FALSE);

  g_assert_true (utf8);
  g_assert_true (g_variant_is_of_type (criteria, G_VARIANT_TYPE ("a(bs)")));
  g_assert_cmpstr (printed, ==, "[(false, 'FROM'), (true, 'José'), (false, 'UNSEEN')]");
}

static char *
sql_of (const char *text, GPtrArray **out_params, char **out_fts)
{
  g_autoptr (TernSearchQuery) query = parse_ok (text);

  *out_params = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  *out_fts = tern_search_query_to_fts (query);
  return tern_search_query_to_sql (query, *out_params);
}

static void
test_sql (void)
{
  g_autoptr (GPtrArray) params = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *fts = NULL;

  sql = sql_of ("hello from:alice -subject:spam to:bob is:unread before:2024-02-29", &params, &fts);
  g_assert_cmpstr (fts, ==,
                   "(\"hello\" *) AND (sender : \"alice\" *) AND (recipients : \"bob\" *)");
  g_assert_cmpstr (sql, ==,
                   "(1) AND (1) AND NOT (((m.folder_id << 32) | m.uid) IN (SELECT rowid FROM "
                   "message_fts WHERE message_fts MATCH ?)) AND (1 AND "
                   "tern_fold_contains (m.to_addrs, ?)) AND ((m.flags & 1) = 0) AND (m.date < ?)");
  g_assert_cmpuint (params->len, ==, 3);
  g_assert_cmpstr (g_variant_get_string (params->pdata[0], NULL), ==, "subject : \"spam\" *");
  g_assert_cmpstr (g_variant_get_string (params->pdata[1], NULL), ==, "bob");
  g_assert_cmpint (g_variant_get_int64 (params->pdata[2]), ==, 1709164800);
  g_clear_pointer (&params, g_ptr_array_unref);
  g_clear_pointer (&sql, g_free);
  g_clear_pointer (&fts, g_free);

  /* Flags alone: no FTS5 at all. */
  sql = sql_of ("is:flagged -has:attachment", &params, &fts);
  g_assert_null (fts);
  g_assert_cmpstr (sql, ==, "((m.flags & 4) != 0) AND NOT (m.has_attachments != 0)");
  g_assert_cmpuint (params->len, ==, 0);
}

/* Outside its quoted strings ("…", inner quotes doubled), an FTS5
 * expression has only the syntax the query builds. */
static void
assert_fts_syntax (const char *fts)
{
  g_autoptr (GString) rest = g_string_new (NULL);
  g_auto (GStrv) words = NULL;

  for (const char *p = fts; *p; p++)
    {
      if (*p != '"')
        {
          g_string_append_c (rest, *p);
          continue;
        }
      for (p++; *p && !(*p == '"' && p[1] != '"'); p += (*p == '"') ? 2 : 1)
        ;
      g_assert_cmpint (*p, ==, '"');
      g_string_append (rest, " S ");
    }
  g_strdelimit (rest->str, "()", ' ');
  words = g_strsplit (rest->str, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0' &&
        !g_strv_contains ((const char *const[]){ "S", "*", ":", "AND", "subject", "sender",
                                                 "recipients", "body", NULL },
                          words[i]))
      g_error ("unexpected FTS5 syntax “%s” in %s", words[i], fts);
}

/* Nothing the person typed reaches the SQL text, and FTS5 sees it only as
 * one quoted string. */
static void
test_sql_injection (void)
{
  static const char *const attempts[] = {
    "subject:x');DROP TABLE messages;--",
    "body:\"a\" OR \"b\"",
    "from:NEAR(a b) ",
    "say\"hi*^",
    "{subject}:x",
    "cc:o'neil; --",
  };

  for (guint i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      g_autoptr (GPtrArray) params = NULL;
      g_autofree char *fts = NULL;
      g_autofree char *sql = sql_of (attempts[i], &params, &fts);

      g_assert_null (strstr (sql, "DROP"));
      g_assert_null (strstr (sql, "NEAR"));
      g_assert_null (strstr (sql, "say"));
      g_assert_null (strchr (sql, '\''));
      g_assert_null (strchr (sql, '"'));
      if (fts != NULL)
        assert_fts_syntax (fts);
      for (guint j = 0; j < params->len; j++)
        if (g_variant_is_of_type (params->pdata[j], G_VARIANT_TYPE_STRING) &&
            strchr (g_variant_get_string (params->pdata[j], NULL), '"') != NULL)
          assert_fts_syntax (g_variant_get_string (params->pdata[j], NULL));
    }
}

static void
test_fts_phrase (void)
{
  g_autofree char *plain = tern_search_query_fts_phrase ("José Núñez");
  g_autofree char *quoted = tern_search_query_fts_phrase ("a\"b");
  g_autofree char *none = tern_search_query_fts_phrase ("...");

  g_assert_cmpstr (plain, ==, "\"José Núñez\" *");
  g_assert_cmpstr (quoted, ==, "\"a\"\"b\" *");
  g_assert_null (none);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/search-query/terms", test_terms);
  g_test_add_func ("/model/search-query/phrases", test_phrases);
  g_test_add_func ("/model/search-query/invalid", test_invalid);
  g_test_add_func ("/model/search-query/imap", test_imap);
  g_test_add_func ("/model/search-query/imap-variant", test_imap_variant);
  g_test_add_func ("/model/search-query/sql", test_sql);
  g_test_add_func ("/model/search-query/sql-injection", test_sql_injection);
  g_test_add_func ("/model/search-query/fts-phrase", test_fts_phrase);

  return g_test_run ();
}
