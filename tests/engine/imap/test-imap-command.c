/* test-imap-command.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "imap/tern-imap-command.h"

/* Where the connection must wait for "+" before going on. */
#define WAIT "<+>"

/* The bytes of all chunks, with WAIT where a chunk asks for a continuation.
 * Also checks the invariants every serialisation must keep. */
static char *
serialize (TernImapCommand *command,
           TernImapLiteralMode mode,
           gboolean utf8_accept,
           char **out_trace,
           GError **error)
{
  g_autoptr (GPtrArray) chunks = NULL;
  GString *out;

  chunks = tern_imap_command_serialize (command, "A1", mode, utf8_accept, out_trace, error);
  if (chunks == NULL)
    return NULL;

  g_assert_cmpuint (chunks->len, >, 0);
  out = g_string_new (NULL);
  for (guint i = 0; i < chunks->len; i++)
    {
      TernImapChunk *chunk = g_ptr_array_index (chunks, i);
      gsize size;
      const char *data = g_bytes_get_data (chunk->bytes, &size);

      g_assert_cmpuint (size, >, 0);
      g_string_append_len (out, data, (gssize) size);
      if (chunk->wait_for_continuation)
        {
          /* A wait always follows a literal header, never ends the command. */
          g_assert_cmpuint (i + 1, <, chunks->len);
          g_assert_cmpmem (out->str + out->len - 3, 3, "}\r\n", 3);
          g_string_append (out, WAIT);
        }
    }
  g_assert_cmpmem (out->str + out->len - 2, 2, "\r\n", 2);

  return g_string_free (out, FALSE);
}

static void
assert_serializes_full (TernImapCommand *command,
                        TernImapLiteralMode mode,
                        gboolean utf8_accept,
                        const char *expected,
                        const char *expected_trace)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *bytes = serialize (command, mode, utf8_accept, &trace, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (bytes, ==, expected);
  if (expected_trace != NULL)
    g_assert_cmpstr (trace, ==, expected_trace);
}

static void
assert_serializes (TernImapCommand *command, const char *expected)
{
  assert_serializes_full (command, TERN_IMAP_LITERAL_SYNC, FALSE, expected, NULL);
}

static void
assert_invalid (TernImapCommand *command)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chunks = NULL;

  chunks = tern_imap_command_serialize (command, "A1", TERN_IMAP_LITERAL_PLUS, FALSE, NULL, &error);
  g_assert_null (chunks);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
}

static void
test_simple (void)
{
  g_autoptr (TernImapCommand) noop = tern_imap_command_new ("NOOP");
  g_autoptr (TernImapCommand) fetch = tern_imap_command_new ("UID FETCH");
  g_autoptr (GPtrArray) chunks = NULL;
  g_autoptr (GError) error = NULL;
  TernImapChunk *chunk;

  chunks = tern_imap_command_serialize (noop, "T17", TERN_IMAP_LITERAL_SYNC, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);
  chunk = g_ptr_array_index (chunks, 0);
  g_assert_false (chunk->wait_for_continuation);
  g_assert_cmpmem (g_bytes_get_data (chunk->bytes, NULL), g_bytes_get_size (chunk->bytes),
                   "T17 NOOP\r\n", 10);
  g_assert_cmpstr (tern_imap_command_get_name (noop), ==, "NOOP");
  g_assert_false (tern_imap_command_is_sensitive (noop));
  g_assert_true (tern_imap_command_get_error (noop, NULL));

  tern_imap_command_add_sequence_set (fetch, "1:*");
  tern_imap_command_add_raw (fetch, "(UID FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)])");
  tern_imap_command_begin_list (fetch);
  tern_imap_command_add_atom (fetch, "CHANGEDSINCE");
  tern_imap_command_add_number (fetch, G_GUINT64_CONSTANT (18446744073709551615));
  tern_imap_command_add_atom (fetch, "VANISHED");
  tern_imap_command_end_list (fetch);
  assert_serializes (fetch, "A1 UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)]) "
                            "(CHANGEDSINCE 18446744073709551615 VANISHED)\r\n");
}

static void
test_lists (void)
{
  g_autoptr (TernImapCommand) store = tern_imap_command_new ("UID STORE");
  g_autoptr (TernImapCommand) nested = tern_imap_command_new ("X");
  g_autoptr (TernImapCommand) id = tern_imap_command_new ("ID");

  tern_imap_command_add_sequence_set (store, "4,7:9,12");
  tern_imap_command_add_atom (store, "+FLAGS.SILENT");
  tern_imap_command_begin_list (store);
  tern_imap_command_add_flag (store, "\\Seen");
  tern_imap_command_add_flag (store, "\\Deleted");
  tern_imap_command_add_flag (store, "$Forwarded");
  tern_imap_command_end_list (store);
  assert_serializes (store,
                     "A1 UID STORE 4,7:9,12 +FLAGS.SILENT (\\Seen \\Deleted $Forwarded)\r\n");

  tern_imap_command_begin_list (nested);
  tern_imap_command_add_atom (nested, "a");
  tern_imap_command_begin_list (nested);
  tern_imap_command_end_list (nested);
  tern_imap_command_begin_list (nested);
  tern_imap_command_add_atom (nested, "b");
  tern_imap_command_begin_list (nested);
  tern_imap_command_add_atom (nested, "c");
  tern_imap_command_end_list (nested);
  tern_imap_command_end_list (nested);
  tern_imap_command_add_nil (nested);
  tern_imap_command_end_list (nested);
  tern_imap_command_add_atom (nested, "d");
  assert_serializes (nested, "A1 X (a () (b (c)) NIL) d\r\n");

  tern_imap_command_begin_list (id);
  tern_imap_command_add_string (id, "name");
  tern_imap_command_add_string (id, "Tern");
  tern_imap_command_add_string (id, "version");
  tern_imap_command_add_string (id, "0.1.0");
  tern_imap_command_end_list (id);
  assert_serializes (id, "A1 ID (\"name\" \"Tern\" \"version\" \"0.1.0\")\r\n");
}

static void
test_astring_forms (void)
{
  static const struct
  {
    const char *input;
    const char *astring;
    const char *string;
  } cases[] = {
    { "INBOX", "INBOX", "\"INBOX\"" },
    { "a-b.c_d+e/f&g~h#1", "a-b.c_d+e/f&g~h#1", "\"a-b.c_d+e/f&g~h#1\"" },
    { "", "\"\"", "\"\"" },
    { "NIL", "\"NIL\"", "\"NIL\"" },
    { "nil", "\"nil\"", "\"nil\"" },
    { "NILS", "NILS", "\"NILS\"" },
    { "two words", "\"two words\"", "\"two words\"" },
    { "say \"hi\"", "\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\"" },
    { "back\\slash", "\"back\\\\slash\"", "\"back\\\\slash\"" },
    { "[Gmail]", "\"[Gmail]\"", "\"[Gmail]\"" },
    { "(x)", "\"(x)\"", "\"(x)\"" },
    { "{5}", "\"{5}\"", "\"{5}\"" },
    { "50%*", "\"50%*\"", "\"50%*\"" },
    { "café", "{5}\r\n" WAIT "café", "{5}\r\n" WAIT "café" },
    { "a\r\nb", "{4}\r\n" WAIT "a\r\nb", "{4}\r\n" WAIT "a\r\nb" },
    { "tab\there", "{8}\r\n" WAIT "tab\there", "{8}\r\n" WAIT "tab\there" },
    { "\x7f", "{1}\r\n" WAIT "\x7f", "{1}\r\n" WAIT "\x7f" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernImapCommand) a = tern_imap_command_new ("X");
      g_autoptr (TernImapCommand) s = tern_imap_command_new ("X");
      g_autofree char *expected_a = g_strconcat ("A1 X ", cases[i].astring, " y\r\n", NULL);
      g_autofree char *expected_s = g_strconcat ("A1 X ", cases[i].string, " y\r\n", NULL);

      tern_imap_command_add_astring (a, cases[i].input);
      tern_imap_command_add_atom (a, "y");
      tern_imap_command_add_string (s, cases[i].input);
      tern_imap_command_add_atom (s, "y");
      assert_serializes (a, expected_a);
      assert_serializes (s, expected_s);
    }
}

/* Reads back one astring as a server would, from the serialised bytes (waits
 * removed); returns where it ends. */
static const char *
read_astring (const char *p, const char *end, GString *out)
{
  if (*p == '"')
    {
      for (p++; p < end && *p != '"'; p++)
        {
          if (*p == '\\')
            p++;
          g_assert_true (*p != '\r' && *p != '\n');
          g_string_append_c (out, *p);
        }
      g_assert_true (p < end);
      return p + 1;
    }

  if (*p == '{')
    {
      char *after;
      guint64 n = g_ascii_strtoull (p + 1, &after, 10);

      if (*after == '+')
        after++;
      g_assert_cmpmem (after, 3, "}\r\n", 3);
      after += 3;
      g_assert_true (after + n <= end);
      g_string_append_len (out, after, (gssize) n);
      return after + n;
    }

  for (; p < end && *p != ' ' && *p != '\r'; p++)
    {
      g_assert_true ((guchar) *p > 0x20 && (guchar) *p < 0x7f);
      g_assert_null (strchr ("(){%*\"\\]", *p));
      g_string_append_c (out, *p);
    }
  return p;
}

/* Whatever the text, it comes back intact and cannot end the line early. */
static void
test_astring_random (void)
{
  static const char alphabet[] = "aZ09 \"\\(){}%*]&-+~\r\n\t\x01\x7f\xc3\xa9\xff";
  g_autoptr (GRand) rand = g_rand_new_with_seed (3501);

  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("X");
      g_autoptr (GPtrArray) chunks = NULL;
      g_autoptr (GString) wire = g_string_new (NULL);
      g_autoptr (GString) read = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      char text[12];
      gsize len = (gsize) g_rand_int_range (rand, 0, sizeof text);
      const char *p;
      TernImapLiteralMode mode = (TernImapLiteralMode) g_rand_int_range (rand, 0, 3);

      for (gsize j = 0; j < len; j++)
        text[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      text[len] = '\0';

      if (g_rand_boolean (rand))
        tern_imap_command_add_astring (command, text);
      else
        tern_imap_command_add_string (command, text);
      tern_imap_command_add_atom (command, "END");

      chunks = tern_imap_command_serialize (command, "A1", mode, FALSE, NULL, &error);
      g_assert_no_error (error);
      for (guint j = 0; j < chunks->len; j++)
        {
          TernImapChunk *chunk = g_ptr_array_index (chunks, j);
          gsize size;
          const char *data = g_bytes_get_data (chunk->bytes, &size);

          g_string_append_len (wire, data, (gssize) size);
        }

      g_assert_true (g_str_has_prefix (wire->str, "A1 X "));
      p = read_astring (wire->str + 5, wire->str + wire->len, read);
      g_assert_cmpmem (read->str, read->len, text, len);
      g_assert_cmpmem (p, wire->str + wire->len - p, " END\r\n", 6);
    }
}

static void
test_long_string (void)
{
  g_autoptr (TernImapCommand) short_cmd = tern_imap_command_new ("SEARCH");
  g_autoptr (TernImapCommand) long_cmd = tern_imap_command_new ("SEARCH");
  g_autofree char *text_1024 = g_strnfill (1024, 'x');
  g_autofree char *text_1025 = g_strnfill (1025, 'x');
  g_autofree char *expected_short = NULL;
  g_autofree char *expected_long = NULL;

  /* Long 7-bit strings become literals, to keep command lines short. */
  tern_imap_command_add_atom (short_cmd, "TEXT");
  tern_imap_command_add_string (short_cmd, text_1024);
  expected_short = g_strdup_printf ("A1 SEARCH TEXT \"%s\"\r\n", text_1024);
  assert_serializes (short_cmd, expected_short);

  tern_imap_command_add_atom (long_cmd, "TEXT");
  tern_imap_command_add_string (long_cmd, text_1025);
  expected_long = g_strdup_printf ("A1 SEARCH TEXT {1025+}\r\n%s\r\n", text_1025);
  assert_serializes_full (long_cmd, TERN_IMAP_LITERAL_PLUS, FALSE, expected_long,
                          "A1 SEARCH TEXT {1025+}<1025 octets>");
}

static void
test_mailbox (void)
{
  static const struct
  {
    const char *name;
    const char *mutf7;
    const char *utf8_accept;
  } cases[] = {
    { "INBOX", "INBOX", "INBOX" },
    { "Entwürfe", "Entw&APw-rfe", "\"Entwürfe\"" },
    { "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "\"~peter/mail/台北/日本語\"" },
    { "Sent Items", "\"Sent Items\"", "\"Sent Items\"" },
    { "Tom & Jerry", "\"Tom &- Jerry\"", "\"Tom & Jerry\"" },
    { "R&D", "R&-D", "R&D" },
    { "Quote\"d", "\"Quote\\\"d\"", "\"Quote\\\"d\"" },
    { "back\\slash", "\"back\\\\slash\"", "\"back\\\\slash\"" },
    { "Ärger \"&\" \\ 😀", "\"&AMQ-rger \\\"&-\\\" \\\\ &2D3eAA-\"", "\"Ärger \\\"&\\\" \\\\ 😀\"" },
    { "[Gmail]/Sent Mail", "\"[Gmail]/Sent Mail\"", "\"[Gmail]/Sent Mail\"" },
    { "", "\"\"", "\"\"" },
    { "*", "\"*\"", "\"*\"" },
    { "Work/%", "\"Work/%\"", "\"Work/%\"" },
    { "NIL", "\"NIL\"", "\"NIL\"" },
    /* Only a UTF-8 name can need a literal: mUTF-7 encodes control chars. */
    { "new\nline", "new&AAo-line", "{8}\r\n" WAIT "new\nline" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("SELECT");
      g_autofree char *expected_mutf7 = g_strconcat ("A1 SELECT ", cases[i].mutf7, "\r\n", NULL);
      g_autofree char *expected_utf8 =
        g_strconcat ("A1 SELECT ", cases[i].utf8_accept, "\r\n", NULL);

      tern_imap_command_add_mailbox (command, cases[i].name);
      assert_serializes_full (command, TERN_IMAP_LITERAL_SYNC, FALSE, expected_mutf7, NULL);
      assert_serializes_full (command, TERN_IMAP_LITERAL_SYNC, TRUE, expected_utf8, NULL);
    }
}

static void
test_list_command (void)
{
  g_autoptr (TernImapCommand) list = tern_imap_command_new ("LIST");

  tern_imap_command_add_mailbox (list, "");
  tern_imap_command_add_mailbox (list, "Archiv/Prüfung/*");
  tern_imap_command_add_atom (list, "RETURN");
  tern_imap_command_begin_list (list);
  tern_imap_command_add_atom (list, "SPECIAL-USE");
  tern_imap_command_end_list (list);
  assert_serializes (list, "A1 LIST \"\" \"Archiv/Pr&APw-fung/*\" RETURN (SPECIAL-USE)\r\n");
}

static void
test_mailbox_raw (void)
{
  g_autoptr (TernImapCommand) latin1 = tern_imap_command_new ("SELECT");
  g_autoptr (TernImapCommand) ascii = tern_imap_command_new ("SELECT");
  g_autoptr (TernImapCommand) bad_utf7 = tern_imap_command_new ("SELECT");
  g_autoptr (TernImapCommand) nul = tern_imap_command_new ("SELECT");
  g_autoptr (TernImapCommand) invalid_utf8 = tern_imap_command_new ("SELECT");

  /* A name as a broken server sent it goes back byte for byte. */
  tern_imap_command_add_mailbox_raw (latin1, "Entw\xfcrfe", 8);
  assert_serializes (latin1, "A1 SELECT {8}\r\n" WAIT "Entw\xfcrfe\r\n");

  tern_imap_command_add_mailbox_raw (ascii, "Sent Items", 10);
  assert_serializes (ascii, "A1 SELECT \"Sent Items\"\r\n");

  /* Not valid mUTF-7, but sent as is, not encoded again. */
  tern_imap_command_add_mailbox_raw (bad_utf7, "&AOk-&AOk-", 10);
  assert_serializes (bad_utf7, "A1 SELECT &AOk-&AOk-\r\n");

  tern_imap_command_add_mailbox_raw (nul, "a\0b", 3);
  assert_invalid (nul);

  tern_imap_command_add_mailbox (invalid_utf8, "Entw\xfcrfe");
  assert_invalid (invalid_utf8);
}

static void
test_literal_modes (void)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("RENAME");
  g_autofree char *at_limit = g_strnfill (4096, 'a');
  g_autofree char *over_limit = g_strnfill (4097, 'b');
  g_autoptr (TernImapCommand) minus = tern_imap_command_new ("X");
  g_autoptr (GBytes) bytes_at = g_bytes_new (at_limit, 4096);
  g_autoptr (GBytes) bytes_over = g_bytes_new (over_limit, 4097);
  g_autofree char *expected = NULL;

  tern_imap_command_add_mailbox_raw (command, "caf\xe9", 4);
  tern_imap_command_add_mailbox_raw (command, "th\xe9", 3);
  assert_serializes_full (command, TERN_IMAP_LITERAL_SYNC, FALSE,
                          "A1 RENAME {4}\r\n" WAIT "caf\xe9 {3}\r\n" WAIT "th\xe9\r\n",
                          "A1 RENAME {4}<caf\\xe9> {3}<th\\xe9>");
  assert_serializes_full (command, TERN_IMAP_LITERAL_PLUS, FALSE,
                          "A1 RENAME {4+}\r\ncaf\xe9 {3+}\r\nth\xe9\r\n",
                          "A1 RENAME {4+}<caf\\xe9> {3+}<th\\xe9>");
  assert_serializes_full (command, TERN_IMAP_LITERAL_MINUS, FALSE,
                          "A1 RENAME {4+}\r\ncaf\xe9 {3+}\r\nth\xe9\r\n", NULL);

  /* LITERAL-: non-synchronising up to 4096 octets only (RFC 7888). */
  tern_imap_command_add_literal (minus, bytes_at);
  tern_imap_command_add_literal (minus, bytes_over);
  expected = g_strdup_printf ("A1 X {4096+}\r\n%s {4097}\r\n" WAIT "%s\r\n", at_limit, over_limit);
  assert_serializes_full (minus, TERN_IMAP_LITERAL_MINUS, FALSE, expected,
                          "A1 X {4096+}<4096 octets> {4097}<4097 octets>");
}

static GBytes *
make_message (gsize size)
{
  char *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (i % 78 == 76) ? '\r' : (i % 78 == 77) ? '\n' : (char) ('A' + i % 26);

  return g_bytes_new_take (data, size);
}

static void
test_append_large (void)
{
  const gsize size = 5 * 1024 * 1024;
  g_autoptr (GBytes) message = make_message (size);
  g_autoptr (GDateTime) date = NULL;
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (3600);
  const char *line = "A1 APPEND Sent (\\Seen) \" 3-Feb-2026 14:05:09 +0100\" {5242880}\r\n";
  const char *line_plus = "A1 APPEND Sent (\\Seen) \" 3-Feb-2026 14:05:09 +0100\" {5242880+}\r\n";

  date = g_date_time_new (tz, 2026, 2, 3, 14, 5, 9);

  for (int mode = TERN_IMAP_LITERAL_SYNC; mode <= TERN_IMAP_LITERAL_MINUS; mode++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("APPEND");
      g_autoptr (GPtrArray) chunks = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *trace = NULL;
      TernImapChunk *header, *payload, *end;
      gboolean sync = mode != TERN_IMAP_LITERAL_PLUS;
      const char *expected;

      tern_imap_command_add_mailbox (command, "Sent");
      tern_imap_command_begin_list (command);
      tern_imap_command_add_flag (command, "\\Seen");
      tern_imap_command_end_list (command);
      tern_imap_command_add_date_time (command, date);
      tern_imap_command_add_literal (command, message);

      chunks = tern_imap_command_serialize (command, "A1", mode, FALSE, &trace, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (chunks->len, ==, 3);
      header = g_ptr_array_index (chunks, 0);
      payload = g_ptr_array_index (chunks, 1);
      end = g_ptr_array_index (chunks, 2);

      expected = sync ? line : line_plus;
      g_assert_cmpmem (g_bytes_get_data (header->bytes, NULL), g_bytes_get_size (header->bytes),
                       expected, strlen (expected));
      g_assert_cmpint (header->wait_for_continuation, ==, sync);

      /* The payload is the caller's buffer, not a copy. */
      g_assert_true (g_bytes_get_data (payload->bytes, NULL) == g_bytes_get_data (message, NULL));
      g_assert_cmpuint (g_bytes_get_size (payload->bytes), ==, size);
      g_assert_false (payload->wait_for_continuation);

      g_assert_cmpmem (g_bytes_get_data (end->bytes, NULL), g_bytes_get_size (end->bytes), "\r\n",
                       2);
      g_assert_false (end->wait_for_continuation);

      g_assert_true (g_str_has_suffix (trace, "<5242880 octets>"));
      g_assert_cmpuint (strlen (trace), <, 200);
    }
}

static void
test_literal_nul (void)
{
  g_autoptr (TernImapCommand) literal = tern_imap_command_new ("APPEND");
  g_autoptr (TernImapCommand) literal8 = tern_imap_command_new ("APPEND");
  g_autoptr (GBytes) bytes = g_bytes_new ("a\0b", 3);
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr (TernImapCommand) empty_literal = tern_imap_command_new ("APPEND");

  tern_imap_command_add_mailbox (literal, "INBOX");
  tern_imap_command_add_literal (literal, bytes);
  assert_invalid (literal);

  /* BINARY (RFC 3516): literal8 carries any octet. */
  tern_imap_command_add_mailbox (literal8, "INBOX");
  tern_imap_command_add_literal8 (literal8, bytes);
  for (int mode = TERN_IMAP_LITERAL_SYNC; mode <= TERN_IMAP_LITERAL_PLUS; mode++)
    {
      static const char expected_sync[] = "A1 APPEND INBOX ~{3}\r\na\0b\r\n";
      static const char expected_plus[] = "A1 APPEND INBOX ~{3+}\r\na\0b\r\n";
      g_autoptr (GPtrArray) chunks = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GString) all = g_string_new (NULL);

      chunks = tern_imap_command_serialize (literal8, "A1", mode, FALSE, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (chunks->len, ==, mode == TERN_IMAP_LITERAL_SYNC ? 2 : 1);
      for (guint i = 0; i < chunks->len; i++)
        {
          TernImapChunk *chunk = g_ptr_array_index (chunks, i);
          gsize size;
          const char *data = g_bytes_get_data (chunk->bytes, &size);

          g_string_append_len (all, data, (gssize) size);
        }
      if (mode == TERN_IMAP_LITERAL_SYNC)
        g_assert_cmpmem (all->str, all->len, expected_sync, sizeof expected_sync - 1);
      else
        g_assert_cmpmem (all->str, all->len, expected_plus, sizeof expected_plus - 1);
    }

  tern_imap_command_add_mailbox (empty_literal, "INBOX");
  tern_imap_command_add_literal (empty_literal, empty);
  assert_serializes (empty_literal, "A1 APPEND INBOX {0}\r\n" WAIT "\r\n");
}

static void
test_dates (void)
{
  g_autoptr (TernImapCommand) search = tern_imap_command_new ("UID SEARCH");
  g_autoptr (TernImapCommand) append = tern_imap_command_new ("APPEND");
  g_autoptr (TernImapCommand) ancient = tern_imap_command_new ("SEARCH");
  g_autoptr (GTimeZone) newfoundland = g_time_zone_new_offset (-(3 * 3600 + 30 * 60));
  g_autoptr (GDateTime) d1 = g_date_time_new_utc (2026, 2, 3, 0, 0, 0);
  g_autoptr (GDateTime) d2 = g_date_time_new_utc (1999, 12, 31, 23, 59, 59);
  g_autoptr (GDateTime) d3 = g_date_time_new (newfoundland, 2026, 11, 30, 8, 0, 1);
  g_autoptr (GDateTime) old = g_date_time_new_utc (999, 1, 1, 0, 0, 0);

  tern_imap_command_add_atom (search, "SINCE");
  tern_imap_command_add_date (search, d1);
  tern_imap_command_add_atom (search, "BEFORE");
  tern_imap_command_add_date (search, d2);
  assert_serializes (search, "A1 UID SEARCH SINCE 3-Feb-2026 BEFORE 31-Dec-1999\r\n");

  tern_imap_command_add_mailbox (append, "INBOX");
  tern_imap_command_add_date_time (append, d3);
  tern_imap_command_add_date_time (append, d2);
  assert_serializes (append, "A1 APPEND INBOX \"30-Nov-2026 08:00:01 -0330\" "
                             "\"31-Dec-1999 23:59:59 +0000\"\r\n");

  tern_imap_command_add_date (ancient, old);
  assert_invalid (ancient);
}

static void
test_sequence_sets (void)
{
  static const char *const valid[] = {
    "1", "*", "1:*", "*:1", "1,3:5,7:*", "4294967295", "$", "2:4,6,8:10",
  };
  static const char *const invalid[] = {
    "",  "0",   "01",         "1:",  ":1",  "1,",    ",1", "1,,2",
    "a", "1 2", "4294967296", "1:0", "$,1", "1:2:3", "-1", "1\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("FETCH");
      g_autofree char *expected = g_strdup_printf ("A1 FETCH %s FLAGS\r\n", valid[i]);

      tern_imap_command_add_sequence_set (command, valid[i]);
      tern_imap_command_add_atom (command, "FLAGS");
      assert_serializes (command, expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("FETCH");

      tern_imap_command_add_sequence_set (command, invalid[i]);
      assert_invalid (command);
    }
}

static void
test_invalid (void)
{
  static const char *const bad_atoms[] = {
    "",    "a b", "a(", "a)",          "{1}", "50%", "a*",
    "a\"", "a\\", "a]", "caf\xc3\xa9", "a\r", "a\n", "\x7f",
  };
  static const char *const bad_flags[] = { "\\", "\\Se en", "\\\\Seen", "", "\\*", "a]" };
  static const char *const bad_raw[] = { "", "(FLAGS)\r\nA2 LOGOUT", "a\nb", "caf\xc3\xa9" };
  static const char *const bad_names[] = { "", " NOOP", "NOOP ", "UID  FETCH", "NO\r\nOP" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_atoms); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("X");

      tern_imap_command_add_atom (command, bad_atoms[i]);
      assert_invalid (command);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_flags); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("STORE");

      tern_imap_command_add_flag (command, bad_flags[i]);
      assert_invalid (command);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_raw); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("FETCH");

      tern_imap_command_add_raw (command, bad_raw[i]);
      assert_invalid (command);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new (bad_names[i]);

      assert_invalid (command);
    }
}

static void
test_first_error_sticks (void)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("STORE");
  g_autoptr (GError) error = NULL;

  tern_imap_command_add_sequence_set (command, "1");
  tern_imap_command_add_atom (command, "bad atom");
  tern_imap_command_add_atom (command, "also bad");
  tern_imap_command_add_atom (command, "FLAGS");

  g_assert_false (tern_imap_command_get_error (command, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "bad atom"));
  g_assert_nonnull (strstr (error->message, "STORE"));
  g_assert_null (strstr (error->message, "also bad"));
}

static void
test_lists_unbalanced (void)
{
  g_autoptr (TernImapCommand) open = tern_imap_command_new ("X");
  g_autoptr (TernImapCommand) close = tern_imap_command_new ("X");

  tern_imap_command_begin_list (open);
  tern_imap_command_begin_list (open);
  tern_imap_command_end_list (open);
  assert_invalid (open);

  tern_imap_command_begin_list (close);
  tern_imap_command_end_list (close);
  tern_imap_command_end_list (close);
  assert_invalid (close);
}

static void
test_tags (void)
{
  static const char *const bad_tags[] = {
    "", "A 1", "+", "A+1", "A(", "*", "A\r\n", "caf\xc3\xa9"
  };
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("NOOP");

  for (guint i = 0; i < G_N_ELEMENTS (bad_tags); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) chunks = NULL;

      chunks = tern_imap_command_serialize (command, bad_tags[i], TERN_IMAP_LITERAL_SYNC, FALSE,
                                            NULL, &error);
      g_assert_null (chunks);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_redaction (void)
{
  g_autoptr (TernImapCommand) login = tern_imap_command_new ("LOGIN");
  g_autoptr (TernImapCommand) login8 = tern_imap_command_new ("LOGIN");
  g_autoptr (TernImapCommand) auth = tern_imap_command_new ("AUTHENTICATE");
  g_autoptr (TernImapCommand) select = tern_imap_command_new ("SELECT");
  g_autoptr (TernImapCommand) bad_secret = tern_imap_command_new ("AUTHENTICATE");
  g_autoptr (GError) error = NULL;

  tern_imap_command_add_astring (login, "alice");
  tern_imap_command_add_secret_astring (login, "s3cret pass\"word");
  g_assert_true (tern_imap_command_is_sensitive (login));
  assert_serializes_full (login, TERN_IMAP_LITERAL_SYNC, FALSE,
                          "A1 LOGIN alice \"s3cret pass\\\"word\"\r\n", "A1 LOGIN alice ***");

  /* A literal secret: neither its length nor its bytes in the trace. */
  tern_imap_command_add_astring (login8, "bob@example.org");
  tern_imap_command_add_secret_astring (login8, "pässwörd");
  assert_serializes_full (login8, TERN_IMAP_LITERAL_SYNC, FALSE,
                          "A1 LOGIN bob@example.org {10}\r\n" WAIT "pässwörd\r\n",
                          "A1 LOGIN bob@example.org ***");
  assert_serializes_full (login8, TERN_IMAP_LITERAL_PLUS, FALSE,
                          "A1 LOGIN bob@example.org {10+}\r\npässwörd\r\n",
                          "A1 LOGIN bob@example.org ***");

  tern_imap_command_add_atom (auth, "PLAIN");
  tern_imap_command_add_secret_atom (auth, "AGFsaWNlAHNlY3JldA==");
  g_assert_true (tern_imap_command_is_sensitive (auth));
  assert_serializes_full (auth, TERN_IMAP_LITERAL_SYNC, FALSE,
                          "A1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
                          "A1 AUTHENTICATE PLAIN ***");

  /* An ordinary command's trace is its line, literals shown escaped. */
  tern_imap_command_add_mailbox_raw (select, "a\r\n>\\b", 6);
  g_assert_false (tern_imap_command_is_sensitive (select));
  assert_serializes_full (select, TERN_IMAP_LITERAL_PLUS, FALSE, "A1 SELECT {6+}\r\na\r\n>\\b\r\n",
                          "A1 SELECT {6+}<a\\r\\n\\>\\\\b>");

  /* The error for a bad secret does not repeat it. */
  tern_imap_command_add_secret_atom (bad_secret, "hunter2 hunter2");
  g_assert_false (tern_imap_command_get_error (bad_secret, &error));
  g_assert_null (strstr (error->message, "hunter2"));
}

static void
test_sensitive_by_name (void)
{
  g_autoptr (TernImapCommand) login = tern_imap_command_new ("login");
  g_autoptr (TernImapCommand) auth = tern_imap_command_new ("AUTHENTICATE");

  g_assert_true (tern_imap_command_is_sensitive (login));
  g_assert_true (tern_imap_command_is_sensitive (auth));
}

static void
test_chunks_outlive_command (void)
{
  TernImapCommand *command = tern_imap_command_new ("LOGIN");
  g_autoptr (GPtrArray) chunks = NULL;
  g_autoptr (GError) error = NULL;
  TernImapChunk *chunk;

  tern_imap_command_add_astring (command, "u");
  tern_imap_command_add_secret_astring (command, "p");
  chunks = tern_imap_command_serialize (command, "A9", TERN_IMAP_LITERAL_SYNC, FALSE, NULL, &error);
  g_assert_no_error (error);
  tern_imap_command_unref (command);

  chunk = g_ptr_array_index (chunks, 0);
  g_assert_cmpmem (g_bytes_get_data (chunk->bytes, NULL), g_bytes_get_size (chunk->bytes),
                   "A9 LOGIN u p\r\n", 14);
}

static void
test_boxed (void)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("NOOP");
  TernImapCommand *copy;

  g_assert_true (G_TYPE_IS_BOXED (TERN_TYPE_IMAP_COMMAND));
  copy = g_boxed_copy (TERN_TYPE_IMAP_COMMAND, command);
  g_assert_true (copy == command);
  g_boxed_free (TERN_TYPE_IMAP_COMMAND, copy);
  g_assert_cmpstr (tern_imap_command_get_name (command), ==, "NOOP");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/command/simple", test_simple);
  g_test_add_func ("/imap/command/lists", test_lists);
  g_test_add_func ("/imap/command/astring-forms", test_astring_forms);
  g_test_add_func ("/imap/command/astring-random", test_astring_random);
  g_test_add_func ("/imap/command/long-string", test_long_string);
  g_test_add_func ("/imap/command/mailbox", test_mailbox);
  g_test_add_func ("/imap/command/list-command", test_list_command);
  g_test_add_func ("/imap/command/mailbox-raw", test_mailbox_raw);
  g_test_add_func ("/imap/command/literal-modes", test_literal_modes);
  g_test_add_func ("/imap/command/append-large", test_append_large);
  g_test_add_func ("/imap/command/literal-nul", test_literal_nul);
  g_test_add_func ("/imap/command/dates", test_dates);
  g_test_add_func ("/imap/command/sequence-sets", test_sequence_sets);
  g_test_add_func ("/imap/command/invalid", test_invalid);
  g_test_add_func ("/imap/command/first-error-sticks", test_first_error_sticks);
  g_test_add_func ("/imap/command/lists-unbalanced", test_lists_unbalanced);
  g_test_add_func ("/imap/command/tags", test_tags);
  g_test_add_func ("/imap/command/redaction", test_redaction);
  g_test_add_func ("/imap/command/sensitive-by-name", test_sensitive_by_name);
  g_test_add_func ("/imap/command/chunks-outlive-command", test_chunks_outlive_command);
  g_test_add_func ("/imap/command/boxed", test_boxed);

  return g_test_run ();
}
