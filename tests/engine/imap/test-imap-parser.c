/* test-imap-parser.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <malloc.h>
#include <string.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-parser.h"

/* -- helpers ------------------------------------------------------------------- */

typedef enum
{
  FEED_ALL,
  FEED_BYTES,
  FEED_RANDOM,
} FeedMode;

/* Everything observable about a response, for comparing feeds. */
static void
describe (GString *out, TernImapResponse *r)
{
  g_autofree char *wire = tern_imap_response_to_string (r);
  guint32 number = 0;

  g_string_append_printf (out, "kind=%d status=%d type=%d tag=%s keyword=%s number=%d:%u ",
                          tern_imap_response_get_kind (r), tern_imap_response_get_status (r),
                          tern_imap_response_get_data_type (r),
                          tern_imap_response_get_tag (r) ? tern_imap_response_get_tag (r) : "-",
                          tern_imap_response_get_keyword (r) ? tern_imap_response_get_keyword (r)
                                                             : "-",
                          tern_imap_response_get_number (r, &number), number);
  g_string_append_printf (out, "code=%s code_text=[%s] n_code_args=%u text=[%s] size=%zu\n",
                          tern_imap_response_get_code (r) ? tern_imap_response_get_code (r) : "-",
                          tern_imap_response_get_code_text (r),
                          tern_imap_value_get_n_children (tern_imap_response_get_code_args (r)),
                          tern_imap_response_get_text (r),
                          (size_t) tern_imap_response_get_wire_size (r));
  g_string_append_len (out, wire, strlen (wire));
  g_string_append (out, "\n");
}

/* Feeds @data as @mode says and returns a description of what came out,
 * ending in "#ERROR code" when the parser failed. */
static char *
feed (const void *data, gsize len, FeedMode mode, guint32 seed, const TernImapParserLimits *limits)
{
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (limits);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GError) error = NULL;
  GString *result = g_string_new (NULL);
  const guint8 *p = data;
  gsize offset = 0;

  while (offset < len || (len == 0 && offset == 0))
    {
      gsize n;

      switch (mode)
        {
        case FEED_BYTES:
          n = 1;
          break;
        case FEED_RANDOM:
          n = g_rand_int_range (rand, 1, MAX (2, MIN (len / 3 + 2, 97)));
          break;
        case FEED_ALL:
        default:
          n = len;
          break;
        }
      n = MIN (n, len - offset);

      if (!tern_imap_parser_feed (parser, p + offset, n, out, &error))
        break;
      offset += n;
      if (len == 0)
        break;
    }

  for (guint i = 0; i < out->len; i++)
    describe (result, out->pdata[i]);
  if (error != NULL)
    {
      g_assert_true (error->domain == TERN_IMAP_ERROR);
      g_string_append_printf (result, "#ERROR %d\n", error->code);
      g_assert_true (tern_imap_parser_is_failed (parser));
    }
  else if (!tern_imap_parser_is_idle (parser))
    g_string_append (result, "#PARTIAL\n");

  return g_string_free (result, FALSE);
}

/* Parses @data all at once, byte by byte and in random splits, asserts that
 * all give the same result, and returns it. */
static char *
feed_everywhere_limited (const void *data, gssize len, const TernImapParserLimits *limits)
{
  char *all;

  if (len < 0)
    len = strlen (data);

  all = feed (data, len, FEED_ALL, 0, limits);
  {
    g_autofree char *bytes = feed (data, len, FEED_BYTES, 0, limits);

    g_assert_cmpstr (bytes, ==, all);
  }
  for (guint32 seed = 1; seed <= 12; seed++)
    {
      g_autofree char *random = feed (data, len, FEED_RANDOM, seed, limits);

      g_assert_cmpstr (random, ==, all);
    }

  return all;
}

static char *
feed_everywhere (const void *data, gssize len)
{
  return feed_everywhere_limited (data, len, NULL);
}

/* Parses one complete response (checked at every split) and returns it. */
static TernImapResponse *
parse_one (const char *wire)
{
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  g_autofree char *everywhere = feed_everywhere (wire, -1);

  g_assert_null (strstr (everywhere, "#ERROR"));
  g_assert_true (tern_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_true (tern_imap_parser_is_idle (parser));

  return tern_imap_response_ref (out->pdata[0]);
}

/* Asserts that @wire fails with @code, at every split. */
static void
assert_fails_limited (const void *wire, gssize len, int code, const TernImapParserLimits *limits)
{
  g_autofree char *result = feed_everywhere_limited (wire, len, limits);
  g_autofree char *expected = g_strdup_printf ("#ERROR %d\n", code);

  if (!g_str_has_suffix (result, expected))
    g_error ("expected error %d, got:\n%s", code, result);
}

static void
assert_fails (const char *wire, int code)
{
  assert_fails_limited (wire, -1, code, NULL);
}

static void
assert_round_trip (const char *wire)
{
  g_autoptr (TernImapResponse) r = parse_one (wire);
  g_autofree char *str = tern_imap_response_to_string (r);
  g_autofree char *with_crlf = g_strconcat (str, "\r\n", NULL);

  g_assert_cmpstr (with_crlf, ==, wire);
  g_assert_cmpuint (tern_imap_response_get_wire_size (r), ==, strlen (wire));
}

static const TernImapValue *
arg (TernImapResponse *r, guint i)
{
  const TernImapValue *v = tern_imap_value_get_child (tern_imap_response_get_args (r), i);

  g_assert_nonnull (v);
  return v;
}

/* -- status responses --------------------------------------------------------- */

static void
test_status_greeting (void)
{
  g_autoptr (TernImapResponse) r =
    parse_one ("* OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] "
               "Dovecot (Debian) ready.\r\n");
  const TernImapValue *args = tern_imap_response_get_code_args (r);

  g_assert_cmpint (tern_imap_response_get_kind (r), ==, TERN_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (tern_imap_response_get_status (r), ==, TERN_IMAP_STATUS_OK);
  g_assert_cmpint (tern_imap_response_get_data_type (r), ==, TERN_IMAP_DATA_NONE);
  g_assert_null (tern_imap_response_get_tag (r));
  g_assert_cmpstr (tern_imap_response_get_keyword (r), ==, "OK");
  g_assert_cmpstr (tern_imap_response_get_code (r), ==, "CAPABILITY");
  g_assert_true (tern_imap_response_has_code (r, "capability"));
  g_assert_cmpuint (tern_imap_value_get_n_children (args), ==, 8);
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (args, 7)), ==,
                   "AUTH=PLAIN");
  g_assert_cmpstr (tern_imap_response_get_code_text (r), ==,
                   "IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN");
  g_assert_cmpstr (tern_imap_response_get_text (r), ==, "Dovecot (Debian) ready.");
  g_assert_cmpuint (tern_imap_value_get_n_children (tern_imap_response_get_args (r)), ==, 0);
}

static void
test_status_tagged (void)
{
  static const struct
  {
    const char *wire;
    const char *tag;
    TernImapStatus status;
    const char *code;
    const char *text;
  } cases[] = {
    { "a1 OK Logged in\r\n", "a1", TERN_IMAP_STATUS_OK, NULL, "Logged in" },
    { "a2 NO [TRYCREATE] Mailbox doesn't exist: Foo\r\n", "a2", TERN_IMAP_STATUS_NO, "TRYCREATE",
      "Mailbox doesn't exist: Foo" },
    { "A0003 BAD Error in IMAP command FOO: Unknown command\r\n", "A0003", TERN_IMAP_STATUS_BAD,
      NULL, "Error in IMAP command FOO: Unknown command" },
    { "a10 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n", "a10", TERN_IMAP_STATUS_OK,
      "READ-WRITE", "Select completed (0.001 + 0.000 secs)." },
    { "a4 ok [READ-ONLY]\r\n", "a4", TERN_IMAP_STATUS_OK, "READ-ONLY", "" },
    { "x.y_z OK\r\n", "x.y_z", TERN_IMAP_STATUS_OK, NULL, "" },
    { "* BYE Logging out\r\n", NULL, TERN_IMAP_STATUS_BYE, NULL, "Logging out" },
    { "* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n", NULL, TERN_IMAP_STATUS_PREAUTH,
      "CAPABILITY", "Logged in as alice" },
    { "* OK\r\n", NULL, TERN_IMAP_STATUS_OK, NULL, "" },
    { "* NO [ALERT] Quota exceeded\r\n", NULL, TERN_IMAP_STATUS_NO, "ALERT", "Quota exceeded" },
    { "* OK [CLOSED] Previous mailbox closed.\r\n", NULL, TERN_IMAP_STATUS_OK, "CLOSED",
      "Previous mailbox closed." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernImapResponse) r = parse_one (cases[i].wire);

      g_assert_cmpint (tern_imap_response_get_kind (r), ==,
                       cases[i].tag ? TERN_IMAP_RESPONSE_TAGGED : TERN_IMAP_RESPONSE_UNTAGGED);
      g_assert_cmpstr (tern_imap_response_get_tag (r), ==, cases[i].tag);
      g_assert_cmpint (tern_imap_response_get_status (r), ==, cases[i].status);
      g_assert_cmpstr (tern_imap_response_get_code (r), ==, cases[i].code);
      g_assert_cmpstr (tern_imap_response_get_text (r), ==, cases[i].text);
    }
}

/* The text after a code is free: quotes, brackets, braces mean nothing. */
static void
test_status_free_text (void)
{
  g_autoptr (TernImapResponse) a =
    parse_one ("* OK [ALERT] System shutdown in \"10 minutes ] (really {5}\r\n");
  g_autoptr (TernImapResponse) b = parse_one ("a1 NO [X-WEIRD some \"free text] here\r\n");
  g_autoptr (TernImapResponse) c = parse_one ("* OK [unterminated code\r\n");
  g_autoptr (TernImapResponse) d = parse_one ("* BAD {5}\r\n");
  g_autoptr (TernImapResponse) e = parse_one ("* OK [REFERRAL imap://[::1]/INBOX] go there\r\n");
  g_autoptr (TernImapResponse) f = parse_one ("* OK [] empty\r\n");

  g_assert_cmpstr (tern_imap_response_get_code (a), ==, "ALERT");
  g_assert_cmpstr (tern_imap_response_get_text (a), ==,
                   "System shutdown in \"10 minutes ] (really {5}");

  /* arguments that do not tokenize are kept as text only */
  g_assert_cmpstr (tern_imap_response_get_code (b), ==, "X-WEIRD");
  g_assert_cmpstr (tern_imap_response_get_code_text (b), ==, "some \"free text");
  g_assert_cmpuint (tern_imap_value_get_n_children (tern_imap_response_get_code_args (b)), ==, 0);
  g_assert_cmpstr (tern_imap_response_get_text (b), ==, "here");

  g_assert_null (tern_imap_response_get_code (c));
  g_assert_cmpstr (tern_imap_response_get_text (c), ==, "[unterminated code");

  g_assert_cmpstr (tern_imap_response_get_text (d), ==, "{5}");

  g_assert_cmpstr (tern_imap_response_get_code (e), ==, "REFERRAL");
  g_assert_cmpstr (tern_imap_response_get_code_text (e), ==, "imap://[::1]/INBOX");
  g_assert_cmpstr (tern_imap_response_get_text (e), ==, "go there");

  g_assert_null (tern_imap_response_get_code (f));
  g_assert_cmpstr (tern_imap_response_get_text (f), ==, "[] empty");
}

static void
test_status_codes (void)
{
  g_autoptr (TernImapResponse) uidvalidity =
    parse_one ("* OK [UIDVALIDITY 1795686138] UIDs valid\r\n");
  g_autoptr (TernImapResponse) uidnext = parse_one ("* OK [UIDNEXT 22] Predicted next UID\r\n");
  g_autoptr (TernImapResponse) modseq =
    parse_one ("* OK [HIGHESTMODSEQ 9223372036854775807] x\r\n");
  g_autoptr (TernImapResponse) unseen = parse_one ("* OK [UNSEEN 9] First unseen.\r\n");
  g_autoptr (TernImapResponse) bad = parse_one ("* OK [UIDVALIDITY 0] zero\r\n");
  g_autoptr (TernImapResponse) big = parse_one ("* OK [UIDNEXT 4294967296] too big\r\n");
  g_autoptr (TernImapResponse) flags = parse_one (
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] "
    "Flags permitted.\r\n");
  g_autoptr (TernImapResponse) no_flags =
    parse_one ("* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) strv = NULL;
  guint32 u32;
  guint64 u64;

  g_assert_true (tern_imap_response_get_uidvalidity (uidvalidity, &u32));
  g_assert_cmpuint (u32, ==, 1795686138);
  g_assert_false (tern_imap_response_get_uidnext (uidvalidity, &u32));
  g_assert_true (tern_imap_response_get_uidnext (uidnext, &u32));
  g_assert_cmpuint (u32, ==, 22);
  g_assert_true (tern_imap_response_get_highestmodseq (modseq, &u64));
  g_assert_cmpuint (u64, ==, G_MAXINT64);
  g_assert_true (tern_imap_response_get_code_number (unseen, "UNSEEN", &u64));
  g_assert_cmpuint (u64, ==, 9);
  g_assert_false (tern_imap_response_get_uidvalidity (bad, &u32));
  g_assert_false (tern_imap_response_get_uidnext (big, &u32));

  strv = tern_imap_response_dup_permanent_flags (flags, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (strv), ==, 7);
  g_assert_cmpstr (strv[5], ==, "$Forwarded");
  g_assert_cmpstr (strv[6], ==, "\\*");
  g_clear_pointer (&strv, g_strfreev);
  strv = tern_imap_response_dup_permanent_flags (no_flags, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (strv), ==, 0);
  g_clear_pointer (&strv, g_strfreev);

  strv = tern_imap_response_dup_permanent_flags (uidnext, &error);
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
  g_assert_null (strv);
}

static void
test_status_uidplus (void)
{
  g_autoptr (TernImapResponse) append =
    parse_one ("a4 OK [APPENDUID 1795687585 1] Append completed (0.007 + 0.000 + 0.006 secs).\r\n");
  g_autoptr (TernImapResponse) multi = parse_one ("a5 OK [APPENDUID 38505 3955:3957] done\r\n");
  g_autoptr (TernImapResponse) copy = parse_one (
    "a20 OK [COPYUID 1795686138 1:3,5 22:25] Copy completed (0.004 + 0.000 + 0.003 secs).\r\n");
  g_autoptr (TernImapResponse) uneven = parse_one ("a1 OK [COPYUID 5 1:3 7] x\r\n");
  g_autoptr (TernImapResponse) star = parse_one ("a1 OK [COPYUID 5 1:* 7:9] x\r\n");
  g_autoptr (TernImapResponse) modified =
    parse_one ("a7 OK [MODIFIED 7,9:12] Conditional STORE failed\r\n");
  g_autoptr (TernImapUidSet) uids = NULL;
  g_autoptr (TernImapUidSet) source = NULL;
  g_autoptr (TernImapUidSet) dest = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *str = NULL;
  guint32 uidvalidity;

  g_assert_true (tern_imap_response_get_appenduid (append, &uidvalidity, &uids, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uidvalidity, ==, 1795687585);
  g_assert_cmpuint (tern_imap_uid_set_get_count (uids), ==, 1);
  g_assert_true (tern_imap_uid_set_contains (uids, 1));
  g_clear_pointer (&uids, tern_imap_uid_set_unref);

  g_assert_true (tern_imap_response_get_appenduid (multi, NULL, &uids, &error));
  g_assert_cmpuint (tern_imap_uid_set_get_count (uids), ==, 3);

  g_assert_true (tern_imap_response_get_copyuid (copy, &uidvalidity, &source, &dest, &error));
  g_assert_no_error (error);
  str = tern_imap_uid_set_to_string (source);
  g_assert_cmpstr (str, ==, "1:3,5");
  g_clear_pointer (&str, g_free);
  str = tern_imap_uid_set_to_string (dest);
  g_assert_cmpstr (str, ==, "22:25");
  g_clear_pointer (&str, g_free);

  g_assert_false (tern_imap_response_get_copyuid (uneven, NULL, NULL, NULL, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (tern_imap_response_get_copyuid (star, NULL, NULL, NULL, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (tern_imap_response_get_appenduid (copy, NULL, NULL, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_clear_pointer (&uids, tern_imap_uid_set_unref);
  uids = tern_imap_response_dup_modified (modified, &error);
  g_assert_no_error (error);
  str = tern_imap_uid_set_to_string (uids);
  g_assert_cmpstr (str, ==, "7,9:12");
}

static void
test_continuation (void)
{
  g_autoptr (TernImapResponse) ready = parse_one ("+ Ready for additional command text\r\n");
  g_autoptr (TernImapResponse) base64 = parse_one ("+ dGVzdA==\r\n");
  g_autoptr (TernImapResponse) empty = parse_one ("+\r\n");
  g_autoptr (TernImapResponse) space = parse_one ("+ \r\n");
  g_autoptr (TernImapResponse) code = parse_one ("+ [ALERT] go on {5}\r\n");

  g_assert_cmpint (tern_imap_response_get_kind (ready), ==, TERN_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpint (tern_imap_response_get_status (ready), ==, TERN_IMAP_STATUS_NONE);
  g_assert_null (tern_imap_response_get_keyword (ready));
  g_assert_cmpstr (tern_imap_response_get_text (ready), ==, "Ready for additional command text");
  g_assert_cmpstr (tern_imap_response_get_text (base64), ==, "dGVzdA==");
  g_assert_cmpstr (tern_imap_response_get_text (empty), ==, "");
  g_assert_cmpstr (tern_imap_response_get_text (space), ==, "");
  g_assert_cmpstr (tern_imap_response_get_code (code), ==, "ALERT");
  g_assert_cmpstr (tern_imap_response_get_text (code), ==, "go on {5}");
}

/* -- data responses ------------------------------------------------------------- */

static void
test_data_numbers (void)
{
  static const struct
  {
    const char *wire;
    TernImapDataType type;
    guint32 number;
  } cases[] = {
    { "* 21 EXISTS\r\n", TERN_IMAP_DATA_EXISTS, 21 },
    { "* 0 RECENT\r\n", TERN_IMAP_DATA_RECENT, 0 },
    { "* 3 EXPUNGE\r\n", TERN_IMAP_DATA_EXPUNGE, 3 },
    { "* 4294967295 exists\r\n", TERN_IMAP_DATA_EXISTS, G_MAXUINT32 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernImapResponse) r = parse_one (cases[i].wire);
      guint32 number;

      g_assert_cmpint (tern_imap_response_get_data_type (r), ==, cases[i].type);
      g_assert_true (tern_imap_response_get_number (r, &number));
      g_assert_cmpuint (number, ==, cases[i].number);
      g_assert_cmpint (tern_imap_response_get_status (r), ==, TERN_IMAP_STATUS_NONE);
    }

  assert_fails ("* 4294967296 EXISTS\r\n", TERN_IMAP_ERROR_PROTOCOL);
  assert_fails ("* 99999999999999999999 EXISTS\r\n", TERN_IMAP_ERROR_PROTOCOL);
}

static void
test_data_keywords (void)
{
  static const struct
  {
    const char *wire;
    TernImapDataType type;
  } cases[] = {
    { "* CAPABILITY IMAP4rev1 IDLE\r\n", TERN_IMAP_DATA_CAPABILITY },
    { "* ENABLED QRESYNC\r\n", TERN_IMAP_DATA_ENABLED },
    { "* ID (\"name\" \"Dovecot\")\r\n", TERN_IMAP_DATA_ID },
    { "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n", TERN_IMAP_DATA_NAMESPACE },
    { "* LIST (\\HasNoChildren) \"/\" INBOX\r\n", TERN_IMAP_DATA_LIST },
    { "* LSUB () \"/\" INBOX\r\n", TERN_IMAP_DATA_LSUB },
    { "* STATUS INBOX (MESSAGES 21)\r\n", TERN_IMAP_DATA_STATUS },
    { "* FLAGS (\\Seen)\r\n", TERN_IMAP_DATA_FLAGS },
    { "* VANISHED 1:3\r\n", TERN_IMAP_DATA_VANISHED },
    { "* SEARCH\r\n", TERN_IMAP_DATA_SEARCH },
    { "* ESEARCH (TAG \"a1\") UID\r\n", TERN_IMAP_DATA_ESEARCH },
    { "* SORT 2 1\r\n", TERN_IMAP_DATA_SORT },
    { "* THREAD (1)(2 3)\r\n", TERN_IMAP_DATA_THREAD },
    { "* 1 FETCH (UID 1)\r\n", TERN_IMAP_DATA_FETCH },
    { "* QUOTA \"\" (STORAGE 10 512)\r\n", TERN_IMAP_DATA_OTHER },
    { "* 5 OK\r\n", TERN_IMAP_DATA_OTHER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernImapResponse) r = parse_one (cases[i].wire);

      g_assert_cmpint (tern_imap_response_get_data_type (r), ==, cases[i].type);
      g_assert_cmpint (tern_imap_response_get_status (r), ==, TERN_IMAP_STATUS_NONE);
      g_assert_cmpint (tern_imap_response_get_kind (r), ==, TERN_IMAP_RESPONSE_UNTAGGED);
    }
}

static void
test_values_atoms (void)
{
  g_autoptr (TernImapResponse) r =
    parse_one ("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\* NIL nil NILS "
               "] x%y*)\r\n");
  const TernImapValue *list = arg (r, 0);
  guint64 n;

  g_assert_true (tern_imap_value_is_list (list));
  g_assert_cmpuint (tern_imap_value_get_n_children (list), ==, 12);
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 0)), ==,
                   "\\Answered");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 6)), ==, "\\*");
  g_assert_true (tern_imap_value_is_nil (tern_imap_value_get_child (list, 7)));
  g_assert_true (tern_imap_value_is_nil (tern_imap_value_get_child (list, 8)));
  g_assert_cmpstr (tern_imap_value_get_astring (tern_imap_value_get_child (list, 8), NULL), ==,
                   "NIL");
  g_assert_null (tern_imap_value_get_atom (tern_imap_value_get_child (list, 8)));
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 9)), ==, "NILS");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 10)), ==, "]");
  g_assert_true (tern_imap_value_atom_equal (tern_imap_value_get_child (list, 11), "X%Y*"));
  g_assert_false (tern_imap_value_get_number (tern_imap_value_get_child (list, 0), &n));
  g_assert_null (tern_imap_value_get_child (list, 12));
  g_assert_null (tern_imap_value_get_string (list, NULL));
}

static void
test_values_numbers (void)
{
  g_autoptr (TernImapResponse) r =
    parse_one ("* X 0 4294967295 4294967296 18446744073709551615 18446744073709551616 007 12a "
               "\"5\"\r\n");
  guint64 n;
  guint32 u;

  g_assert_true (tern_imap_value_get_number (arg (r, 0), &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (tern_imap_value_get_uint32 (arg (r, 1), &u));
  g_assert_cmpuint (u, ==, G_MAXUINT32);
  g_assert_false (tern_imap_value_get_uint32 (arg (r, 2), &u));
  g_assert_true (tern_imap_value_get_number (arg (r, 2), &n));
  g_assert_cmpuint (n, ==, 4294967296);
  g_assert_true (tern_imap_value_get_number (arg (r, 3), &n));
  g_assert_cmpuint (n, ==, G_MAXUINT64);
  g_assert_false (tern_imap_value_get_number (arg (r, 4), &n));
  g_assert_true (tern_imap_value_get_number (arg (r, 5), &n));
  g_assert_cmpuint (n, ==, 7);
  g_assert_false (tern_imap_value_get_number (arg (r, 6), &n));
  /* a quoted "5" is a string, not a number */
  g_assert_false (tern_imap_value_get_number (arg (r, 7), &n));
}

static void
test_values_quoted (void)
{
  g_autoptr (TernImapResponse) r =
    parse_one ("* X \"\" \"plain\" \"a \\\"quoted\\\" \\\\ word\" \"odd \\x escape\" "
               "\"\xce\x93\xce\xb5\xce\xb9\xce\xb1 UTF-8\" \"( ) { } [ ] NIL\"\r\n");
  gsize len;

  g_assert_cmpstr (tern_imap_value_get_string (arg (r, 0), &len), ==, "");
  g_assert_cmpuint (len, ==, 0);
  g_assert_cmpstr (tern_imap_value_get_string (arg (r, 1), NULL), ==, "plain");
  g_assert_false (tern_imap_value_is_literal (arg (r, 1)));
  g_assert_cmpstr (tern_imap_value_get_string (arg (r, 2), &len), ==, "a \"quoted\" \\ word");
  g_assert_cmpuint (len, ==, 17);
  g_assert_cmpstr (tern_imap_value_get_string (arg (r, 3), NULL), ==, "odd \\x escape");
  g_assert_cmpstr (tern_imap_value_get_string (arg (r, 4), NULL), ==,
                   "\xce\x93\xce\xb5\xce\xb9\xce\xb1 UTF-8");
  g_assert_cmpstr (tern_imap_value_get_string (arg (r, 5), NULL), ==, "( ) { } [ ] NIL");
  g_assert_null (tern_imap_value_get_atom (arg (r, 5)));
  g_assert_cmpstr (tern_imap_value_get_astring (arg (r, 5), NULL), ==, "( ) { } [ ] NIL");

  assert_round_trip ("* X \"a \\\"quoted\\\" \\\\ word\" (\"\" NIL)\r\n");
}

static void
test_values_literals (void)
{
  static const char wire[] =
    "* 1 FETCH (BODY[] {12}\r\nhi)\r\n{5}\r\nxy BINARY[1] ~{4}\r\n\0\1\r\n "
    "X {0}\r\n Y ({3}\r\n(\") {3}\r\n)() ()))\r\n";
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  g_autofree char *everywhere = feed_everywhere (wire, sizeof wire - 1);
  const TernImapValue *list;
  const TernImapValue *v;
  g_autoptr (GBytes) bytes = NULL;
  gsize len;

  g_assert_null (strstr (everywhere, "#ERROR"));
  g_assert_true (
    tern_imap_parser_feed (parser, (const guint8 *) wire, sizeof wire - 1, out, &error));
  g_assert_cmpuint (out->len, ==, 1);
  list = arg (out->pdata[0], 0);
  g_assert_cmpuint (tern_imap_value_get_n_children (list), ==, 8);

  v = tern_imap_value_get_child (list, 1);
  g_assert_true (tern_imap_value_is_literal (v));
  g_assert_false (tern_imap_value_is_literal8 (v));
  g_assert_cmpstr (tern_imap_value_get_string (v, &len), ==, "hi)\r\n{5}\r\nxy");
  g_assert_cmpuint (len, ==, 12);

  v = tern_imap_value_get_child (list, 3);
  g_assert_true (tern_imap_value_is_literal8 (v));
  g_assert_true (tern_imap_value_is_literal (v));
  g_assert_nonnull (tern_imap_value_get_string (v, &len));
  g_assert_cmpuint (len, ==, 4);
  bytes = tern_imap_value_dup_bytes (v);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "\0\1\r\n", 4);

  v = tern_imap_value_get_child (list, 5);
  g_assert_cmpstr (tern_imap_value_get_string (v, &len), ==, "");
  g_assert_true (tern_imap_value_is_literal (v));

  v = tern_imap_value_get_child (list, 7);
  g_assert_cmpuint (tern_imap_value_get_n_children (v), ==, 3);
  g_assert_cmpstr (tern_imap_value_get_string (tern_imap_value_get_child (v, 0), NULL), ==, "(\")");
  g_assert_cmpstr (tern_imap_value_get_string (tern_imap_value_get_child (v, 1), NULL), ==, ")()");
  g_assert_true (tern_imap_value_is_list (tern_imap_value_get_child (v, 2)));
  g_assert_cmpuint (tern_imap_response_get_wire_size (out->pdata[0]), ==, sizeof wire - 1);
}

/* Literals above 16 KiB get a buffer of their own; GBytes share it. */
static void
test_values_big_literal (void)
{
  g_autoptr (GString) wire = g_string_new ("* 7 FETCH (UID 9 BODY[] {300000}\r\n");
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) a = NULL;
  g_autoptr (GBytes) b = NULL;
  const TernImapValue *v;
  gsize received = 0;
  gsize size = 0;
  gsize header_len;

  header_len = wire->len;
  for (guint i = 0; i < 300000; i++)
    g_string_append_c (wire, (char) (i % 251));
  g_string_append (wire, ")\r\n");

  /* in pieces, watching the progress */
  g_assert_true (
    tern_imap_parser_feed (parser, (const guint8 *) wire->str, header_len + 1000, out, &error));
  g_assert_true (tern_imap_parser_get_literal_progress (parser, &received, &size));
  g_assert_cmpuint (received, ==, 1000);
  g_assert_cmpuint (size, ==, 300000);
  g_assert_false (tern_imap_parser_is_idle (parser));
  g_assert_true (tern_imap_parser_feed (parser, (const guint8 *) wire->str + header_len + 1000,
                                        wire->len - header_len - 1000, out, &error));
  g_assert_no_error (error);
  g_assert_false (tern_imap_parser_get_literal_progress (parser, NULL, NULL));
  g_assert_cmpuint (out->len, ==, 1);

  v = tern_imap_value_get_child (arg (out->pdata[0], 0), 3);
  a = tern_imap_value_dup_bytes (v);
  b = tern_imap_value_dup_bytes (v);
  g_assert_true (g_bytes_get_data (a, NULL) == g_bytes_get_data (b, NULL));
  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a), wire->str + header_len,
                   300000);

  {
    g_autofree char *everywhere = feed_everywhere (wire->str, wire->len);

    g_assert_null (strstr (everywhere, "#ERROR"));
  }
}

static void
test_values_sections (void)
{
  g_autoptr (TernImapResponse) r =
    parse_one ("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM TO SUBJECT)]<0> {3}\r\nabc BODY[] NIL "
               "BINARY[1.2] ~{0}\r\n BODY[1.MIME] \"\" BINARY.SIZE[1] 170 "
               "BODY[HEADER.FIELDS (\"X-A\" \"X]B\")] NIL BODY[]<0> NIL)\r\n");
  const TernImapValue *list = arg (r, 0);

  g_assert_cmpuint (tern_imap_value_get_n_children (list), ==, 16);
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 2)), ==,
                   "BODY[HEADER.FIELDS (FROM TO SUBJECT)]<0>");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 4)), ==, "BODY[]");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 6)), ==,
                   "BINARY[1.2]");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 8)), ==,
                   "BODY[1.MIME]");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 10)), ==,
                   "BINARY.SIZE[1]");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 12)), ==,
                   "BODY[HEADER.FIELDS (\"X-A\" \"X]B\")]");
  g_assert_cmpstr (tern_imap_value_get_atom (tern_imap_value_get_child (list, 14)), ==,
                   "BODY[]<0>");

  assert_fails ("* 1 FETCH (BODY[HEADER.FIELDS (FROM)\r\n", TERN_IMAP_ERROR_PROTOCOL);
}

static void
test_values_nesting (void)
{
  g_autoptr (TernImapResponse) r = parse_one ("* THREAD (1)((2)(16))(3 (4 5)(6))\r\n");
  const TernImapValue *second = arg (r, 1);

  g_assert_cmpuint (tern_imap_value_get_n_children (tern_imap_response_get_args (r)), ==, 3);
  g_assert_cmpuint (tern_imap_value_get_n_children (second), ==, 2);
  g_assert_cmpstr (tern_imap_value_get_atom (
                     tern_imap_value_get_child (tern_imap_value_get_child (second, 1), 0)),
                   ==, "16");

  assert_round_trip ("* THREAD (1)((2)(16))(3 (4 5)(6))\r\n");
  assert_round_trip ("* X (()(())((())) NIL (NIL))\r\n");
}

/* UTF8=ACCEPT: 8-bit bytes in atoms and quoted strings are carried through. */
static void
test_values_utf8 (void)
{
  g_autoptr (TernImapResponse) r = parse_one ("* LIST (\\HasNoChildren) \"/\" Projekte/\xc3\x9c"
                                              "bersicht\r\n");

  g_assert_cmpstr (tern_imap_value_get_atom (arg (r, 2)), ==,
                   "Projekte/\xc3\x9c"
                   "bersicht");
}

static void
test_to_string (void)
{
  assert_round_trip ("* OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\r\n");
  assert_round_trip ("a1 NO [BADCHARSET (UTF-8 \"x y\")] Unknown charset\r\n");
  assert_round_trip ("+ dGVzdA==\r\n");
  assert_round_trip (
    "* 12 FETCH (UID 5 FLAGS (\\Seen) BODY[1] {5}\r\nhello BINARY[2] ~{1}\r\nx)\r\n");
  assert_round_trip ("* BYE\r\n");
  assert_round_trip ("* SEARCH\r\n");
}

/* -- protocol errors -------------------------------------------------------------- */

static void
test_errors_protocol (void)
{
  static const char *const bad[] = {
    "\r\n",                                 /* empty line */
    "a1 OK done\n",                         /* bare LF */
    "* OK a\rb\r\n",                        /* CR inside a line */
    "* 1 FETCH (BODY[] {5+}\r\nhello)\r\n", /* non-synchronizing literal */
    "* X \"unterminated\r\n",               /* quoted string across lines */
    "* X (a b))\r\n",                       /* unbalanced ) */
    "* X ((a b)\r\n",                       /* missing ) */
    "* X \"a\"\"b\"\r\n",                   /* missing space */
    "* X (a)b\r\n",                         /* missing space after ) */
    "* X a{3}\r\nabc\r\n",                  /* literal glued to an atom */
    "* X {3} y\r\n",                        /* literal announcement mid-line */
    "* X {}\r\n",                           /* no size */
    "a1 FETCH (UID 1)\r\n",                 /* tagged data */
    "a1 BYE\r\n",                           /* tagged BYE */
    "* \r\n",                               /* no keyword */
    "*\r\n",                                /* no space */
    "(a) OK\r\n",                           /* not a tag */
    "* 5\r\n",                              /* number without keyword */
    "* X \x01\r\n",                         /* control character */
    "* X \"a\" \x7f\r\n",                   /* DEL */
    "* FETCH{5}\r\nhello\r\n",              /* keyword glued to a literal */
    "+ ok\r\n* 1 FETCH (UID 1 BODY[1]\r\n", /* unterminated list after a good one */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_fails (bad[i], TERN_IMAP_ERROR_PROTOCOL);

  /* NUL is allowed in literals only */
  assert_fails_limited ("* X \"a\0b\"\r\n", 12, TERN_IMAP_ERROR_PROTOCOL, NULL);
  assert_fails_limited ("a1 OK a\0b\r\n", 11, TERN_IMAP_ERROR_PROTOCOL, NULL);
  {
    g_autofree char *ok = feed_everywhere ("* X {3}\r\na\0b\r\n", 14);

    g_assert_null (strstr (ok, "#ERROR"));
  }
}

/* Responses completed before the fault are delivered; the parser is then dead. */
static void
test_errors_dead (void)
{
  static const char wire[] = "* 1 EXISTS\r\na1 OK done\r\n* X (\r\n* 2 EXISTS\r\n";
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  g_autofree char *result = feed_everywhere (wire, -1);

  g_assert_true (g_str_has_suffix (result, "#ERROR 0\n"));

  g_assert_false (
    tern_imap_parser_feed (parser, (const guint8 *) wire, strlen (wire), out, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_true (tern_imap_parser_is_failed (parser));
  g_clear_error (&error);

  g_assert_false (
    tern_imap_parser_feed (parser, (const guint8 *) "* 3 EXISTS\r\n", 12, out, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
  g_assert_cmpuint (out->len, ==, 2);
  g_clear_error (&error);

  /* reset() revives it, for a fresh stream (after STARTTLS) */
  tern_imap_parser_reset (parser);
  g_assert_false (tern_imap_parser_is_failed (parser));
  g_assert_true (
    tern_imap_parser_feed (parser, (const guint8 *) "* 3 EXISTS\r\n", 12, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 3);
}

/* -- limits ------------------------------------------------------------------------ */

static void
test_limits_defaults (void)
{
  TernImapParserLimits limits;
  TernImapParserLimits got;
  g_autoptr (TernImapParser) parser = NULL;

  tern_imap_parser_limits_init (&limits);
  g_assert_cmpuint (limits.max_line_length, ==, 8 * 1024 * 1024);
  g_assert_cmpuint (limits.max_literal_size, ==, 256 * 1024 * 1024);
  g_assert_cmpuint (limits.max_response_size, ==, 512 * 1024 * 1024);
  g_assert_cmpuint (limits.max_depth, ==, 64);
  g_assert_cmpuint (limits.max_list_items, ==, 1024 * 1024);

  parser = tern_imap_parser_new (NULL);
  tern_imap_parser_get_limits (parser, &got);
  g_assert_cmpmem (&got, sizeof got, &limits, sizeof limits);

  tern_imap_parser_set_max_literal_size (parser, 1000);
  tern_imap_parser_set_max_depth (parser, 0);
  tern_imap_parser_set_max_line_length (parser, G_MAXSIZE);
  tern_imap_parser_get_limits (parser, &got);
  g_assert_cmpuint (got.max_literal_size, ==, 1000);
  g_assert_cmpuint (got.max_depth, ==, 1);
  g_assert_cmpuint (got.max_line_length, ==, G_MAXUINT32 - 1);
}

static void
test_limits_line (void)
{
  TernImapParserLimits limits;
  g_autoptr (GString) wire = g_string_new ("* SEARCH");

  tern_imap_parser_limits_init (&limits);
  limits.max_line_length = 1024;

  while (wire->len < 2000)
    g_string_append (wire, " 12345");
  g_string_append (wire, "\r\n");
  assert_fails_limited (wire->str, wire->len, TERN_IMAP_ERROR_LIMIT, &limits);

  /* without any LF at all */
  g_string_truncate (wire, wire->len - 2);
  assert_fails_limited (wire->str, wire->len, TERN_IMAP_ERROR_LIMIT, &limits);

  /* the limit counts all the lines of a response, not the literals */
  {
    g_autoptr (GString) lines = g_string_new ("* 1 FETCH (");

    for (guint i = 0; i < 200; i++)
      g_string_append (lines, "X {1}\r\na ");
    g_string_append (lines, ")\r\n");
    assert_fails_limited (lines->str, lines->len, TERN_IMAP_ERROR_LIMIT, &limits);
  }
  {
    g_autoptr (GString) literal = g_string_new ("* 1 FETCH (BODY[] {5000}\r\n");

    for (guint i = 0; i < 5000; i++)
      g_string_append_c (literal, 'x');
    g_string_append (literal, ")\r\n");
    g_free (feed_everywhere_limited (literal->str, literal->len, &limits));
    {
      g_autofree char *ok = feed (literal->str, literal->len, FEED_ALL, 0, &limits);

      g_assert_null (strstr (ok, "#ERROR"));
    }
  }
}

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

/* DESIGN decision 2: a {4000000000} must be refused, not allocated, and an
 * allowed but huge announcement must not be allocated before the bytes come. */
static void
test_limits_literal (void)
{
  static const char huge[] = "* 1 FETCH (BODY[] {4000000000}\r\nabc";
  static const char announced[] = "* 1 FETCH (BODY[] {200000000}\r\n0123456789";
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  TernImapParserLimits limits;
  gsize before;
  gsize after;

  assert_fails (huge, TERN_IMAP_ERROR_LIMIT);
  assert_fails ("* 1 FETCH (BODY[] {99999999999999999999}\r\n", TERN_IMAP_ERROR_LIMIT);
  assert_fails ("* 1 FETCH (BODY[] ~{4294967296}\r\n", TERN_IMAP_ERROR_LIMIT);

  tern_imap_parser_limits_init (&limits);
  limits.max_literal_size = 100;
  assert_fails_limited ("* 1 FETCH (BODY[] {101}\r\n", -1, TERN_IMAP_ERROR_LIMIT, &limits);
  {
    g_autofree char *ok = feed_everywhere_limited ("* 1 FETCH (BODY[] {100}\r\n", -1, &limits);

    g_assert_cmpstr (ok, ==, "#PARTIAL\n");
  }

  before = heap_in_use ();
  g_assert_true (
    tern_imap_parser_feed (parser, (const guint8 *) announced, strlen (announced), out, &error));
  after = heap_in_use ();
  g_assert_no_error (error);
  if (before != 0) /* mallinfo2 says nothing under some sanitizers */
    g_assert_cmpuint (after - MIN (after, before), <, 1024 * 1024);
}

static void
test_limits_response (void)
{
  TernImapParserLimits limits;
  g_autoptr (GString) wire = g_string_new ("* 1 FETCH (");

  tern_imap_parser_limits_init (&limits);
  limits.max_response_size = 10000;
  for (guint i = 0; i < 5; i++)
    {
      g_string_append_printf (wire, "BODY[%u] {3000}\r\n", i);
      for (guint j = 0; j < 3000; j++)
        g_string_append_c (wire, 'y');
      g_string_append_c (wire, ' ');
    }
  g_string_append (wire, ")\r\n");

  assert_fails_limited (wire->str, wire->len, TERN_IMAP_ERROR_LIMIT, &limits);
  /* refused at the announcement, before the bytes come */
  assert_fails_limited ("* 1 FETCH (BODY[] {20000}\r\n", -1, TERN_IMAP_ERROR_LIMIT, &limits);
}

/* A BODYSTRUCTURE nested 10 000 deep fails cleanly: no recursion anywhere. */
static void
test_limits_depth (void)
{
  g_autoptr (GString) deep = g_string_new ("* 1 FETCH (BODYSTRUCTURE ");
  g_autoptr (GString) ok = g_string_new ("* 1 FETCH (BODYSTRUCTURE ");
  TernImapParserLimits limits;

  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, '(');
  g_string_append (deep, "\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1");
  for (guint i = 0; i < 10000; i++)
    g_string_append (deep, ") \"mixed\"");
  g_string_append (deep, ")\r\n");
  assert_fails_limited (deep->str, deep->len, TERN_IMAP_ERROR_LIMIT, NULL);

  /* 64 levels are allowed by default: the FETCH list and 63 more */
  for (guint i = 0; i < 63; i++)
    g_string_append_c (ok, '(');
  for (guint i = 0; i < 63; i++)
    g_string_append_c (ok, ')');
  g_string_append (ok, ")\r\n");
  {
    g_autofree char *result = feed_everywhere (ok->str, ok->len);

    g_assert_null (strstr (result, "#ERROR"));
  }
  g_string_insert_c (ok, 26, '(');
  g_string_insert_c (ok, ok->len - 3, ')');
  assert_fails_limited (ok->str, ok->len, TERN_IMAP_ERROR_LIMIT, NULL);

  /* a raised limit copes with the deep one too, without recursion */
  tern_imap_parser_limits_init (&limits);
  limits.max_depth = 20000;
  {
    g_autofree char *result = feed (deep->str, deep->len, FEED_ALL, 0, &limits);

    g_assert_null (strstr (result, "#ERROR"));
  }
}

static void
test_limits_list_items (void)
{
  TernImapParserLimits limits;
  g_autoptr (GString) list = g_string_new ("* FLAGS (");
  g_autoptr (GString) top = g_string_new ("* SEARCH");

  tern_imap_parser_limits_init (&limits);
  limits.max_list_items = 100;
  for (guint i = 0; i < 101; i++)
    {
      g_string_append (list, " a");
      g_string_append (top, " 1");
    }
  g_string_append (list, ")\r\n");
  g_string_append (top, "\r\n");

  assert_fails_limited (list->str, list->len, TERN_IMAP_ERROR_LIMIT, &limits);
  assert_fails_limited (top->str, top->len, TERN_IMAP_ERROR_LIMIT, &limits);

  /* 100 is fine */
  g_string_erase (list, 9, 2);
  {
    g_autofree char *result = feed_everywhere_limited (list->str, list->len, &limits);

    g_assert_null (strstr (result, "#ERROR"));
  }
}

/* -- streams ------------------------------------------------------------------------ */

static void
test_feed_until_tagged (void)
{
  static const char wire[] = "* 1 EXISTS\r\na1 OK Begin TLS negotiation now\r\n\x16\x03\x01garbage";
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  gsize consumed = 0;

  g_assert_true (tern_imap_parser_feed_until_tagged (parser, (const guint8 *) wire, sizeof wire - 1,
                                                     &consumed, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_cmpuint (consumed, ==, strlen ("* 1 EXISTS\r\na1 OK Begin TLS negotiation now\r\n"));
  g_assert_true (tern_imap_parser_is_idle (parser));

  /* no tagged response: everything is consumed */
  g_assert_true (tern_imap_parser_feed_until_tagged (parser, (const guint8 *) "* 2 EXISTS\r\n* 3",
                                                     15, &consumed, out, &error));
  g_assert_cmpuint (consumed, ==, 15);
  g_assert_cmpuint (out->len, ==, 3);
  g_assert_false (tern_imap_parser_is_idle (parser));
}

static void
test_session_splits (void)
{
  /* A recorded Dovecot exchange, one response of each common kind. */
  static const char session[] =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
    "AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"
    "a2 OK Logged in\r\n"
    "* ENABLED QRESYNC\r\n"
    "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"Receipts &- Invoices\"\r\n"
    "* STATUS \"Receipts &- Invoices\" (MESSAGES 1 RECENT 1 UIDNEXT 2 UIDVALIDITY 1795686135 "
    "UNSEEN 0 HIGHESTMODSEQ 2 SIZE 1595)\r\n"
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
    "* 21 EXISTS\r\n"
    "* VANISHED (EARLIER) 5:7\r\n"
    "* ESEARCH (TAG \"a14\") UID MIN 1 MAX 21 ALL 1:21 COUNT 21\r\n"
    "* 2 FETCH (UID 9 BINARY[2] {0}\r\n BINARY.SIZE[2] 0)\r\n"
    "* 3 FETCH (BODY[1] {19}\r\nplain old message\r\n BODY[TEXT] {19}\r\nplain old message\r\n "
    "BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 19 1 NIL NIL "
    "NIL "
    "NIL))\r\n"
    "* 38 FETCH (UID 38 FLAGS (\\Recent) INTERNALDATE \"24-May-2025 04:28:54 +0000\" RFC822.SIZE "
    "2185 MODSEQ (2) ENVELOPE (\"Wed, 12 Mar 2025 07:51:21 +0300\" {32}\r\n"
    "\xd0\x92\xd1\x81\xd1\x82\xd1\x80\xd0\xb5\xd1\x87\xd0\xb0 \xd0\xb2 \xd0\xbf\xd1\x8f\xd1\x82\xd0"
    "\xbd\xd0\xb8\xd1\x86\xd1\x83 ((\"Alice Liddell\" NIL \"alice\" \"example.org\")) NIL NIL NIL "
    "NIL NIL NIL \"<x@example.net>\"))\r\n"
    "+ Ready\r\n"
    "* BYE Logging out\r\n"
    "a11 OK Logout completed (0.001 + 0.000 secs).\r\n";
  g_autofree char *result = feed_everywhere (session, -1);
  guint n = 0;

  for (const char *p = result; (p = strstr (p, "kind=")) != NULL; p++)
    n++;
  g_assert_cmpuint (n, ==, 16);
  g_assert_null (strstr (result, "#ERROR"));
  g_assert_null (strstr (result, "#PARTIAL"));
}

/* Every seed of the fuzzing corpus parses the same at any split. */
static void
test_corpus_splits (void)
{
  const char *root = g_getenv ("TERN_SOURCE_ROOT");
  g_autofree char *dir_path = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;
  guint n = 0;

  if (root == NULL)
    {
      g_test_skip ("TERN_SOURCE_ROOT is not set");
      return;
    }

  dir_path = g_build_filename (root, "tests", "fuzz", "corpus", "imap-parser", NULL);
  dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    {
      g_test_skip ("no corpus");
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *result = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      result = feed_everywhere (contents, len);
      if (strstr (result, "#ERROR") != NULL || strstr (result, "#PARTIAL") != NULL)
        g_error ("%s: %s", name, result);
      n++;
    }

  g_assert_cmpuint (n, >, 20);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/parser/status/greeting", test_status_greeting);
  g_test_add_func ("/imap/parser/status/tagged", test_status_tagged);
  g_test_add_func ("/imap/parser/status/free-text", test_status_free_text);
  g_test_add_func ("/imap/parser/status/codes", test_status_codes);
  g_test_add_func ("/imap/parser/status/uidplus", test_status_uidplus);
  g_test_add_func ("/imap/parser/continuation", test_continuation);
  g_test_add_func ("/imap/parser/data/numbers", test_data_numbers);
  g_test_add_func ("/imap/parser/data/keywords", test_data_keywords);
  g_test_add_func ("/imap/parser/values/atoms", test_values_atoms);
  g_test_add_func ("/imap/parser/values/numbers", test_values_numbers);
  g_test_add_func ("/imap/parser/values/quoted", test_values_quoted);
  g_test_add_func ("/imap/parser/values/literals", test_values_literals);
  g_test_add_func ("/imap/parser/values/big-literal", test_values_big_literal);
  g_test_add_func ("/imap/parser/values/sections", test_values_sections);
  g_test_add_func ("/imap/parser/values/nesting", test_values_nesting);
  g_test_add_func ("/imap/parser/values/utf8", test_values_utf8);
  g_test_add_func ("/imap/parser/to-string", test_to_string);
  g_test_add_func ("/imap/parser/errors/protocol", test_errors_protocol);
  g_test_add_func ("/imap/parser/errors/dead", test_errors_dead);
  g_test_add_func ("/imap/parser/limits/defaults", test_limits_defaults);
  g_test_add_func ("/imap/parser/limits/line", test_limits_line);
  g_test_add_func ("/imap/parser/limits/literal", test_limits_literal);
  g_test_add_func ("/imap/parser/limits/response", test_limits_response);
  g_test_add_func ("/imap/parser/limits/depth", test_limits_depth);
  g_test_add_func ("/imap/parser/limits/list-items", test_limits_list_items);
  g_test_add_func ("/imap/parser/feed-until-tagged", test_feed_until_tagged);
  g_test_add_func ("/imap/parser/splits/session", test_session_splits);
  g_test_add_func ("/imap/parser/splits/corpus", test_corpus_splits);

  return g_test_run ();
}
