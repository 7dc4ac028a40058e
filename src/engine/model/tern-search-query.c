/* tern-search-query.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The query language of the search bar (see the header). User text reaches
 * SQLite only as bound parameters, and FTS5 only inside double-quoted
 * strings with their quotes doubled; it reaches the server only as IMAP
 * string arguments, which the command builder quotes or sends as literals. */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tern-model-error.h"
#include "tern-search-query.h"

typedef struct
{
  TernSearchField field;
  gboolean negated;
  char *text;
  gint64 day; /* before:/after:, Unix seconds at 00:00 UTC */
  int year, month, mday;
} Term;

struct _TernSearchQuery
{
  gatomicrefcount ref_count;
  GPtrArray *terms; /* Term */
};

G_DEFINE_BOXED_TYPE (TernSearchQuery,
                     tern_search_query,
                     tern_search_query_ref,
                     tern_search_query_unref)

static void
term_free (Term *term)
{
  g_free (term->text);
  g_free (term);
}

TernSearchQuery *
tern_search_query_ref (TernSearchQuery *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_search_query_unref (TernSearchQuery *self)
{
  g_return_if_fail (self != NULL);
  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_ptr_array_unref (self->terms);
      g_free (self);
    }
}

/* The keys; "has:" and "is:" name a family whose value picks the field. */
static const struct
{
  const char *key;
  TernSearchField field;
} text_keys[] = {
  { "from", TERN_SEARCH_FIELD_FROM },   { "to", TERN_SEARCH_FIELD_TO },
  { "cc", TERN_SEARCH_FIELD_CC },       { "subject", TERN_SEARCH_FIELD_SUBJECT },
  { "body", TERN_SEARCH_FIELD_BODY },   { "before", TERN_SEARCH_FIELD_BEFORE },
  { "after", TERN_SEARCH_FIELD_AFTER }, { "has", TERN_SEARCH_FIELD_ATTACHMENT },
  { "is", TERN_SEARCH_FIELD_UNREAD },
};

static gboolean
has_word (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* Reads one value at *p: a quoted phrase (to the closing quote, or the end)
 * or a run of non-blank characters. */
static char *
read_value (const char **p)
{
  const char *start = *p;

  if (*start == '"')
    {
      const char *end = strchr (start + 1, '"');

      if (end == NULL)
        {
          *p = start + strlen (start);
          return g_strdup (start + 1);
        }
      *p = end + 1;
      return g_strndup (start + 1, (gsize) (end - start - 1));
    }
  while (**p != '\0' && !g_ascii_isspace (**p))
    (*p)++;
  return g_strndup (start, (gsize) (*p - start));
}

static gboolean
parse_day (Term *term, const char *value, const char *key, GError **error)
{
  guint64 y, m, d;
  g_auto (GStrv) parts = g_strsplit (value, "-", 4);
  g_autoptr (GDateTime) dt = NULL;

  if (g_strv_length (parts) != 3 || strlen (parts[0]) != 4 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, 9999, &y, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &m, NULL) ||
      !g_ascii_string_to_unsigned (parts[2], 10, 1, 31, &d, NULL) ||
      !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    {
      g_set_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                   _ ("“%s:%s” is not a date; write it as YYYY-MM-DD"), key, value);
      return FALSE;
    }
  dt = g_date_time_new_utc ((int) y, (int) m, (int) d, 0, 0, 0);
  term->year = (int) y;
  term->month = (int) m;
  term->mday = (int) d;
  term->day = g_date_time_to_unix (dt);
  term->text = g_strdup_printf ("%04d-%02d-%02d", term->year, term->month, term->mday);
  return TRUE;
}

/* Parses one term starting at *p (not blank); NULL with *error unset when
 * the term has nothing to search for (a lone "-" or punctuation). */
static Term *
parse_term (const char **p, GError **error)
{
  g_autoptr (GString) key = NULL;
  g_autofree char *value = NULL;
  const char *start;
  const char *colon;
  Term *term = g_new0 (Term, 1);

  if (**p == '-' && (*p)[1] != '\0' && !g_ascii_isspace ((*p)[1]))
    {
      term->negated = TRUE;
      (*p)++;
    }
  start = *p;
  term->field = TERN_SEARCH_FIELD_TEXT;

  /* "key:" only for a known key; anything else ("http://…") is text. */
  colon = NULL;
  for (const char *q = start; *q && *q != '"' && !g_ascii_isspace (*q); q++)
    if (*q == ':')
      {
        colon = q;
        break;
      }
  if (colon != NULL)
    {
      key = g_string_new_len (start, colon - start);
      for (guint i = 0; i < G_N_ELEMENTS (text_keys); i++)
        if (g_ascii_strcasecmp (key->str, text_keys[i].key) == 0)
          {
            term->field = text_keys[i].field;
            *p = colon + 1;
            break;
          }
    }

  value = read_value (p);
  switch (term->field)
    {
    case TERN_SEARCH_FIELD_ATTACHMENT:
      if (g_ascii_strcasecmp (value, "attachment") != 0)
        {
          g_set_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                       _ ("“has:%s” is not known; try “has:attachment”"), value);
          term_free (term);
          return NULL;
        }
      return term;
    case TERN_SEARCH_FIELD_UNREAD:
      if (g_ascii_strcasecmp (value, "unread") == 0)
        term->field = TERN_SEARCH_FIELD_UNREAD;
      else if (g_ascii_strcasecmp (value, "read") == 0)
        term->field = TERN_SEARCH_FIELD_READ;
      else if (g_ascii_strcasecmp (value, "flagged") == 0 ||
               g_ascii_strcasecmp (value, "starred") == 0)
        term->field = TERN_SEARCH_FIELD_FLAGGED;
      else
        {
          g_set_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                       _ ("“is:%s” is not known; try “is:unread”, “is:read” or “is:flagged”"),
                       value);
          term_free (term);
          return NULL;
        }
      return term;
    case TERN_SEARCH_FIELD_BEFORE:
    case TERN_SEARCH_FIELD_AFTER:
      if (!parse_day (term, value, term->field == TERN_SEARCH_FIELD_BEFORE ? "before" : "after",
                      error))
        {
          term_free (term);
          return NULL;
        }
      return term;
    case TERN_SEARCH_FIELD_TEXT:
    case TERN_SEARCH_FIELD_FROM:
    case TERN_SEARCH_FIELD_TO:
    case TERN_SEARCH_FIELD_CC:
    case TERN_SEARCH_FIELD_SUBJECT:
    case TERN_SEARCH_FIELD_BODY:
    case TERN_SEARCH_FIELD_READ:
    case TERN_SEARCH_FIELD_FLAGGED:
    default:
      break;
    }

  if (!has_word (value))
    {
      term_free (term);
      return NULL;
    }
  /* Blanks inside a phrase become single spaces: words in order. */
  {
    g_auto (GStrv) words = g_strsplit_set (value, " \t\r\n", -1);
    g_autoptr (GString) joined = g_string_new (NULL);

    for (guint i = 0; words[i] != NULL; i++)
      if (words[i][0] != '\0')
        {
          if (joined->len > 0)
            g_string_append_c (joined, ' ');
          g_string_append (joined, words[i]);
        }
    term->text = g_string_free (g_steal_pointer (&joined), FALSE);
  }
  return term;
}

/**
 * tern_search_query_parse:
 * @text: what the person typed, UTF-8
 *
 * Returns: (transfer full): the query, or NULL with @error set.
 */
TernSearchQuery *
tern_search_query_parse (const char *text, GError **error)
{
  g_autoptr (TernSearchQuery) self = NULL;
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  if (strlen (text) > TERN_SEARCH_QUERY_MAX_LENGTH)
    {
      g_set_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                   _ ("The search is too long; use at most %d characters"),
                   TERN_SEARCH_QUERY_MAX_LENGTH);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                           _ ("The search is not valid UTF-8 text"));
      return NULL;
    }

  self = g_new0 (TernSearchQuery, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->terms = g_ptr_array_new_with_free_func ((GDestroyNotify) term_free);

  p = text;
  for (;;)
    {
      GError *term_error = NULL;
      Term *term;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      term = parse_term (&p, &term_error);
      if (term_error != NULL)
        {
          g_propagate_error (error, term_error);
          return NULL;
        }
      if (term == NULL)
        continue;
      if (self->terms->len == TERN_SEARCH_QUERY_MAX_TERMS)
        {
          term_free (term);
          g_set_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                       _ ("The search has too many terms; use at most %d"),
                       TERN_SEARCH_QUERY_MAX_TERMS);
          return NULL;
        }
      g_ptr_array_add (self->terms, term);
    }

  if (self->terms->len == 0)
    {
      g_set_error_literal (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                           _ ("There is nothing to search for; type a word"));
      return NULL;
    }
  return g_steal_pointer (&self);
}

guint
tern_search_query_get_n_terms (TernSearchQuery *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->terms->len;
}

static Term *
get_term (TernSearchQuery *self, guint i)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (i < self->terms->len, NULL);
  return self->terms->pdata[i];
}

TernSearchField
tern_search_query_get_field (TernSearchQuery *self, guint i)
{
  Term *term = get_term (self, i);

  return term != NULL ? term->field : TERN_SEARCH_FIELD_TEXT;
}

gboolean
tern_search_query_get_negated (TernSearchQuery *self, guint i)
{
  Term *term = get_term (self, i);

  return term != NULL && term->negated;
}

const char *
tern_search_query_get_text (TernSearchQuery *self, guint i)
{
  Term *term = get_term (self, i);

  return term != NULL ? term->text : NULL;
}

gboolean
tern_search_query_needs_body (TernSearchQuery *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  for (guint i = 0; i < self->terms->len; i++)
    {
      Term *term = self->terms->pdata[i];

      if (term->field == TERN_SEARCH_FIELD_TEXT || term->field == TERN_SEARCH_FIELD_BODY)
        return TRUE;
    }
  return FALSE;
}

/* SQL ------------------------------------------------------------------------------------ */

char *
tern_search_query_fts_phrase (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);
  if (!has_word (text))
    return NULL;

  /* One FTS5 string: its tokenizer splits it into the phrase's words, and a
   * doubled quote is the only escape FTS5 strings know. */
  out = g_string_new ("\"");
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append (out, "\" *");
  return g_string_free (out, FALSE);
}

/* The FTS5 expression of one text term (a column filter and its phrase). */
static char *
term_fts (Term *term)
{
  g_autofree char *phrase = tern_search_query_fts_phrase (term->text);
  const char *column = NULL;

  switch (term->field)
    {
    case TERN_SEARCH_FIELD_FROM:
      column = "sender";
      break;
    case TERN_SEARCH_FIELD_TO:
    case TERN_SEARCH_FIELD_CC:
      column = "recipients";
      break;
    case TERN_SEARCH_FIELD_SUBJECT:
      column = "subject";
      break;
    case TERN_SEARCH_FIELD_BODY:
      column = "body";
      break;
    case TERN_SEARCH_FIELD_TEXT:
    case TERN_SEARCH_FIELD_ATTACHMENT:
    case TERN_SEARCH_FIELD_UNREAD:
    case TERN_SEARCH_FIELD_READ:
    case TERN_SEARCH_FIELD_FLAGGED:
    case TERN_SEARCH_FIELD_BEFORE:
    case TERN_SEARCH_FIELD_AFTER:
    default:
      break;
    }
  if (column == NULL)
    return g_steal_pointer (&phrase);
  return g_strdup_printf ("%s : %s", column, phrase);
}

static gboolean
is_text_field (TernSearchField field)
{
  return field <= TERN_SEARCH_FIELD_BODY;
}

#define FTS_ROWID "((m.folder_id << 32) | m.uid)"

/* One term's condition; the FTS part of positive text terms is done once for
 * all of them by the caller. */
static void
append_term_sql (GString *sql, GPtrArray *params, Term *term, gboolean fts_done)
{
  if (term->negated)
    g_string_append (sql, "NOT ");
  g_string_append_c (sql, '(');
  switch (term->field)
    {
    case TERN_SEARCH_FIELD_TEXT:
    case TERN_SEARCH_FIELD_FROM:
    case TERN_SEARCH_FIELD_SUBJECT:
    case TERN_SEARCH_FIELD_BODY:
    case TERN_SEARCH_FIELD_TO:
    case TERN_SEARCH_FIELD_CC:
      if (!fts_done)
        {
          g_string_append (sql, FTS_ROWID " IN (SELECT rowid FROM message_fts WHERE message_fts "
                                          "MATCH ?)");
          g_ptr_array_add (params,
                           g_variant_ref_sink (g_variant_new_take_string (term_fts (term))));
        }
      else
        g_string_append (sql, "1");
      /* The index has To and Cc in one column: look at the right one. */
      if (term->field == TERN_SEARCH_FIELD_TO || term->field == TERN_SEARCH_FIELD_CC)
        {
          g_string_append_printf (sql, " AND tern_fold_contains (m.%s, ?)",
                                  term->field == TERN_SEARCH_FIELD_TO ? "to_addrs" : "cc_addrs");
          g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_string (term->text)));
        }
      break;
    case TERN_SEARCH_FIELD_ATTACHMENT:
      g_string_append (sql, "m.has_attachments != 0");
      break;
    case TERN_SEARCH_FIELD_UNREAD:
      g_string_append (sql, "(m.flags & 1) = 0");
      break;
    case TERN_SEARCH_FIELD_READ:
      g_string_append (sql, "(m.flags & 1) != 0");
      break;
    case TERN_SEARCH_FIELD_FLAGGED:
      g_string_append (sql, "(m.flags & 4) != 0");
      break;
    case TERN_SEARCH_FIELD_BEFORE:
      g_string_append (sql, "m.date < ?");
      g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (term->day)));
      break;
    case TERN_SEARCH_FIELD_AFTER:
      g_string_append (sql, "m.date >= ?");
      g_ptr_array_add (params, g_variant_ref_sink (g_variant_new_int64 (term->day)));
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append_c (sql, ')');
}

/**
 * tern_search_query_to_fts:
 *
 * Returns: (transfer full) (nullable): one FTS5 MATCH expression for all the
 * positive text terms, or NULL when there are none
 */
char *
tern_search_query_to_fts (TernSearchQuery *self)
{
  GString *fts = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->terms->len; i++)
    {
      Term *term = self->terms->pdata[i];
      g_autofree char *expr = NULL;

      if (!is_text_field (term->field) || term->negated)
        continue;
      expr = term_fts (term);
      if (fts->len > 0)
        g_string_append (fts, " AND ");
      g_string_append_printf (fts, "(%s)", expr);
    }
  if (fts->len == 0)
    {
      g_string_free (fts, TRUE);
      return NULL;
    }
  return g_string_free (fts, FALSE);
}

/**
 * tern_search_query_to_sql:
 * @params: (element-type GVariant): receives the placeholders' values
 *
 * Returns: (transfer full): the condition (see the header)
 */
char *
tern_search_query_to_sql (TernSearchQuery *self, GPtrArray *params)
{
  GString *sql = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  for (guint i = 0; i < self->terms->len; i++)
    {
      Term *term = self->terms->pdata[i];

      if (sql->len > 0)
        g_string_append (sql, " AND ");
      append_term_sql (sql, params, term, is_text_field (term->field) && !term->negated);
    }
  return g_string_free (sql, FALSE);
}

/* IMAP ----------------------------------------------------------------------------------- */

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void
add_atom (GVariantBuilder *b, const char *atom)
{
  g_variant_builder_add (b, "(bs)", FALSE, atom);
}

static void
add_string (GVariantBuilder *b, const char *str, gboolean *utf8)
{
  for (const char *p = str; *p; p++)
    if ((guchar) *p >= 0x80)
      *utf8 = TRUE;
  g_variant_builder_add (b, "(bs)", TRUE, str);
}

static void
add_term_imap (GVariantBuilder *b, Term *term, gboolean *utf8)
{
  g_autofree char *date = NULL;

  if (term->negated)
    add_atom (b, "NOT");
  switch (term->field)
    {
    case TERN_SEARCH_FIELD_TEXT:
      /* The same fields as the cache's index, not TEXT (every header). */
      add_atom (b, "OR");
      add_atom (b, "SUBJECT");
      add_string (b, term->text, utf8);
      add_atom (b, "OR");
      add_atom (b, "FROM");
      add_string (b, term->text, utf8);
      add_atom (b, "OR");
      add_atom (b, "TO");
      add_string (b, term->text, utf8);
      add_atom (b, "OR");
      add_atom (b, "CC");
      add_string (b, term->text, utf8);
      add_atom (b, "BODY");
      add_string (b, term->text, utf8);
      break;
    case TERN_SEARCH_FIELD_FROM:
      add_atom (b, "FROM");
      add_string (b, term->text, utf8);
      break;
    case TERN_SEARCH_FIELD_TO:
      add_atom (b, "TO");
      add_string (b, term->text, utf8);
      break;
    case TERN_SEARCH_FIELD_CC:
      add_atom (b, "CC");
      add_string (b, term->text, utf8);
      break;
    case TERN_SEARCH_FIELD_SUBJECT:
      add_atom (b, "SUBJECT");
      add_string (b, term->text, utf8);
      break;
    case TERN_SEARCH_FIELD_BODY:
      add_atom (b, "BODY");
      add_string (b, term->text, utf8);
      break;
    case TERN_SEARCH_FIELD_ATTACHMENT:
      /* IMAP has no attachment criterion; the cache's has_attachments comes
       * from a multipart/mixed structure, so ask for that. */
      add_atom (b, "HEADER");
      add_string (b, "Content-Type", utf8);
      add_string (b, "multipart/mixed", utf8);
      break;
    case TERN_SEARCH_FIELD_UNREAD:
      add_atom (b, "UNSEEN");
      break;
    case TERN_SEARCH_FIELD_READ:
      add_atom (b, "SEEN");
      break;
    case TERN_SEARCH_FIELD_FLAGGED:
      add_atom (b, "FLAGGED");
      break;
    case TERN_SEARCH_FIELD_BEFORE:
    case TERN_SEARCH_FIELD_AFTER:
      add_atom (b, term->field == TERN_SEARCH_FIELD_BEFORE ? "SENTBEFORE" : "SENTSINCE");
      date = g_strdup_printf ("%d-%s-%04d", term->mday, months[term->month - 1], term->year);
      add_atom (b, date);
      break;
    default:
      g_assert_not_reached ();
    }
}

/**
 * tern_search_query_to_imap:
 *
 * Returns: (transfer full): the criteria, a floating-free GVariant a(bs)
 */
GVariant *
tern_search_query_to_imap (TernSearchQuery *self, gboolean *out_utf8)
{
  GVariantBuilder b;
  gboolean utf8 = FALSE;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(bs)"));
  for (guint i = 0; i < self->terms->len; i++)
    add_term_imap (&b, self->terms->pdata[i], &utf8);
  if (out_utf8 != NULL)
    *out_utf8 = utf8;
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

char *
tern_search_query_to_imap_string (TernSearchQuery *self)
{
  g_autoptr (GVariant) criteria = NULL;
  GString *out = g_string_new (NULL);
  GVariantIter iter;
  gboolean is_string;
  const char *text;
  gboolean utf8;

  g_return_val_if_fail (self != NULL, NULL);

  criteria = tern_search_query_to_imap (self, &utf8);
  if (utf8)
    g_string_append (out, "CHARSET UTF-8");
  g_variant_iter_init (&iter, criteria);
  while (g_variant_iter_next (&iter, "(b&s)", &is_string, &text))
    {
      gboolean ascii = TRUE;

      if (out->len > 0)
        g_string_append_c (out, ' ');
      if (!is_string)
        {
          g_string_append (out, text);
          continue;
        }
      for (const char *p = text; *p; p++)
        if ((guchar) *p >= 0x80 || *p == '\r' || *p == '\n')
          ascii = FALSE;
      if (!ascii)
        {
          g_string_append_printf (out, "{%zu}\r\n%s", strlen (text), text);
          continue;
        }
      g_string_append_c (out, '"');
      for (const char *p = text; *p; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  return g_string_free (out, FALSE);
}
