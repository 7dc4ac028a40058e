/* test-imap-fetch.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-flags.h"
#include "recorded-fetch.h"

static TernImapFetch *
decode (const char *wire, gssize len)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, len);
  g_autoptr (GError) error = NULL;
  TernImapFetch *fetch = tern_imap_fetch_new_from_response (response, &error);

  g_assert_no_error (error);
  g_assert_nonnull (fetch);
  return fetch;
}

static void
assert_bytes (GBytes *bytes, const char *expected)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected,
                   strlen (expected));
}

/* Recorded: UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ ENVELOPE BODYSTRUCTURE
 * PREVIEW) */
static void
test_header_sync_items (void)
{
  g_autoptr (TernImapFetch) f =
    decode (recorded_fetch_single_part, sizeof recorded_fetch_single_part - 1);
  const char *const *flags = tern_imap_fetch_get_flags (f);
  GDateTime *date = tern_imap_fetch_get_internaldate (f);

  g_assert_cmpint (tern_imap_fetch_get_items (f), ==,
                   TERN_IMAP_FETCH_UID | TERN_IMAP_FETCH_FLAGS | TERN_IMAP_FETCH_INTERNALDATE |
                     TERN_IMAP_FETCH_RFC822_SIZE | TERN_IMAP_FETCH_MODSEQ |
                     TERN_IMAP_FETCH_ENVELOPE | TERN_IMAP_FETCH_BODYSTRUCTURE |
                     TERN_IMAP_FETCH_PREVIEW);
  g_assert_cmpuint (tern_imap_fetch_get_seq (f), ==, 1);
  g_assert_cmpuint (tern_imap_fetch_get_uid (f), ==, 1);
  g_assert_cmpstr (flags[0], ==, "\\Seen");
  g_assert_cmpstr (flags[1], ==, "\\Recent");
  g_assert_null (flags[2]);
  g_assert_cmpint (tern_imap_flags_get_system_flags (flags), ==,
                   TERN_IMAP_FLAG_SEEN | TERN_IMAP_FLAG_RECENT);
  g_assert_cmpint (g_date_time_to_unix (date), ==, 1646394573);
  g_assert_cmpint (g_date_time_get_utc_offset (date), ==, 0);
  g_assert_cmpuint (tern_imap_fetch_get_rfc822_size (f), ==, 1114);
  g_assert_cmpuint (tern_imap_fetch_get_modseq (f), ==, 2);
  g_assert_true (g_str_has_prefix (tern_imap_fetch_get_preview (f), "Hi Alice, I had a look"));
  g_assert_cmpstr (tern_imap_envelope_get_message_id (tern_imap_fetch_get_envelope (f)), ==,
                   "<20220304114933.69daad56.1@example.net>");
  g_assert_cmpstr (tern_mime_part_get_mime_type (tern_imap_fetch_get_bodystructure (f)), ==,
                   "text/plain");
  g_assert_cmpuint (tern_imap_fetch_get_n_sections (f), ==, 0);
  g_assert_nonnull (tern_imap_fetch_get_response (f));
}

static void
test_literals (void)
{
  g_autoptr (TernImapFetch) f =
    decode (recorded_fetch_literals, sizeof recorded_fetch_literals - 1);
  g_autoptr (TernImapFetch) rfc822 =
    decode (recorded_fetch_rfc822, sizeof recorded_fetch_rfc822 - 1);

  g_assert_cmpuint (tern_imap_fetch_get_uid (f), ==, 37);
  g_assert_true (g_str_has_suffix (tern_imap_fetch_get_preview (f), "S\xc3\xb8ren Kierkeg"));
  g_assert_cmpuint (tern_mime_part_get_n_parts (tern_imap_fetch_get_bodystructure (rfc822)), ==, 6);
}

/* Recorded: BODY[HEADER.FIELDS (FROM TO SUBJECT)]<0> BODY[1] BINARY[1] BINARY.SIZE[1] BODY[]<0>
 * RFC822.HEADER BODY. */
static void
test_sections (void)
{
  g_autoptr (TernImapFetch) f =
    decode (recorded_fetch_sections, sizeof recorded_fetch_sections - 1);
  GBytes *header;
  GBytes *binary;
  GBytes *data = NULL;
  gint64 origin = 42;
  guint64 size = 0;
  TernImapSectionKind kind;

  header = tern_imap_fetch_get_body (f, "HEADER.FIELDS (From To Subject)", &origin);
  g_assert_nonnull (header);
  g_assert_cmpint (origin, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (header), ==, 268);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (header, NULL), "From: =?UTF-8?B?"));
  /* case, quotes and spacing do not matter */
  g_assert_true (tern_imap_fetch_get_body (f, "header.fields (\"FROM\"  \"TO\" SUBJECT)", NULL) ==
                 header);
  g_assert_null (tern_imap_fetch_get_body (f, "HEADER.FIELDS (FROM TO)", NULL));

  g_assert_nonnull (tern_imap_fetch_get_body (f, "1", &origin));
  g_assert_cmpint (origin, ==, -1);
  binary = tern_imap_fetch_get_binary (f, "1", NULL);
  g_assert_cmpuint (g_bytes_get_size (binary), ==, 170);
  g_assert_true (tern_imap_fetch_get_binary_size (f, "1", &size));
  g_assert_cmpuint (size, ==, 170);
  g_assert_false (tern_imap_fetch_get_binary_size (f, "2", &size));

  assert_bytes (tern_imap_fetch_get_body (f, "", &origin),
                "Return-Path: <giorgos@example.gr>\r\nDelivered-To: alice@example.org\r\n"
                "Received: from mail18.example.ne");
  g_assert_cmpint (origin, ==, 0);
  /* RFC822.HEADER is BODY[HEADER] */
  g_assert_cmpuint (g_bytes_get_size (tern_imap_fetch_get_body (f, "HEADER", NULL)), ==, 724);
  /* BODY without a section is the short BODYSTRUCTURE */
  g_assert_true (tern_mime_part_is_multipart (tern_imap_fetch_get_bodystructure (f)));
  g_assert_false (tern_mime_part_has_extension_data (tern_imap_fetch_get_bodystructure (f)));

  g_assert_cmpuint (tern_imap_fetch_get_n_sections (f), ==, 6);
  g_assert_cmpstr (tern_imap_fetch_get_section (f, 0, &kind, &origin, &data), ==,
                   "HEADER.FIELDS (FROM TO SUBJECT)");
  g_assert_cmpint (kind, ==, TERN_IMAP_SECTION_BODY);
  g_assert_true (data == header);
  g_assert_cmpstr (tern_imap_fetch_get_section (f, 2, &kind, NULL, NULL), ==, "1");
  g_assert_cmpint (kind, ==, TERN_IMAP_SECTION_BINARY);
  g_assert_cmpstr (tern_imap_fetch_get_section (f, 3, &kind, NULL, &data), ==, "1");
  g_assert_cmpint (kind, ==, TERN_IMAP_SECTION_BINARY_SIZE);
  g_assert_null (data);
}

/* The payload GBytes outlive the fetch and its response. */
static void
test_section_lifetime (void)
{
  TernImapFetch *f = decode (recorded_fetch_binary, sizeof recorded_fetch_binary - 1);
  g_autoptr (GBytes) header = g_bytes_ref (tern_imap_fetch_get_body (f, "2.HEADER", NULL));
  g_autoptr (GBytes) binary = g_bytes_ref (tern_imap_fetch_get_binary (f, "2.2", NULL));

  tern_imap_fetch_unref (f);
  g_assert_true (
    g_str_has_prefix (g_bytes_get_data (header, NULL), "From: Carol <carol@example.net>"));
  g_assert_cmpmem (g_bytes_get_data (binary, NULL), g_bytes_get_size (binary), "\0\1\2\3", 4);
}

static void
test_big_body (void)
{
  g_autoptr (GString) wire = g_string_new ("* 3 FETCH (UID 8 BODY[2]<1000> {100000}\r\n");
  g_autoptr (TernImapFetch) f = NULL;
  GBytes *body;
  gint64 origin;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (wire, 'a' + i % 26);
  g_string_append (wire, ")\r\n");

  f = decode (wire->str, wire->len);
  body = tern_imap_fetch_get_body (f, "2", &origin);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 100000);
  g_assert_cmpint (origin, ==, 1000);
  g_assert_cmpint (((const char *) g_bytes_get_data (body, NULL))[99999], ==, 'a' + 99999 % 26);
}

static void
test_other_items (void)
{
  g_autoptr (TernImapFetch) gmail =
    decode ("* 12 FETCH (X-GM-THRID 1278455344230334865 X-GM-LABELS (\\Inbox \\Sent Important "
            "\"Muy Importante\") UID 9 EMAILID (M6d99ac3275bb4e) THREADID NIL FLAGS () "
            "PREVIEW (FUZZY \"draft preview\") SAVEDATE NIL RFC822 {5}\r\nhello RFC822.TEXT NIL "
            "BODY[1] NIL)\r\n",
            -1);
  g_autoptr (TernImapFetch) snippet =
    decode ("* 1 FETCH (SNIPPET (FUZZY {4}\r\ntext) PREVIEW NIL)\r\n", -1);
  const TernImapValue *labels = tern_imap_fetch_get_item (gmail, "x-gm-labels");
  gint64 origin;

  g_assert_cmpuint (tern_imap_value_get_n_children (labels), ==, 4);
  g_assert_null (tern_imap_fetch_get_item (gmail, "X-GM-MSGID"));
  g_assert_cmpstr (tern_imap_fetch_get_emailid (gmail), ==, "M6d99ac3275bb4e");
  g_assert_null (tern_imap_fetch_get_threadid (gmail));
  g_assert_true (tern_imap_fetch_get_items (gmail) & TERN_IMAP_FETCH_THREADID);
  g_assert_nonnull (tern_imap_fetch_get_flags (gmail));
  g_assert_null (tern_imap_fetch_get_flags (gmail)[0]);
  g_assert_cmpstr (tern_imap_fetch_get_preview (gmail), ==, "draft preview");
  assert_bytes (tern_imap_fetch_get_body (gmail, "", NULL), "hello");
  g_assert_null (tern_imap_fetch_get_body (gmail, "TEXT", &origin));
  g_assert_null (tern_imap_fetch_get_body (gmail, "1", NULL));
  g_assert_cmpuint (tern_imap_fetch_get_n_sections (gmail), ==, 3);

  /* the later of two items wins */
  g_assert_null (tern_imap_fetch_get_preview (snippet));
  g_assert_true (tern_imap_fetch_get_items (snippet) & TERN_IMAP_FETCH_PREVIEW);
  g_assert_cmpuint (tern_imap_fetch_get_uid (snippet), ==, 0);
}

static void
test_date_time (void)
{
  static const struct
  {
    const char *in;
    gint64 unix_time;
    gint64 offset_minutes;
  } good[] = {
    { "17-Jul-1996 02:44:25 -0700", 837596665, -420 },
    { " 7-Jul-1996 02:44:25 +0000", 836707465, 0 },
    { "07-jul-1996 02:44:25 +0530", 836687665, 330 },
    { "29-Feb-2024 23:59:59 +1400", 1709200799, 840 },
  };
  static const char *const bad[] = {
    "17-Jul-1996 02:44:25",       "17-Jxl-1996 02:44:25 -0700", "32-Jul-1996 02:44:25 -0700",
    "17-Jul-1996 24:44:25 -0700", "17-Jul-1996 02:44:25 -0760", "17/Jul/1996 02:44:25 -0700",
    "30-Feb-2023 02:44:25 +0000", "17-Jul-1996 02:44:25 *0700", "1-Jul-1996 02:44:25 +0000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GDateTime) dt = tern_imap_parse_date_time (good[i].in, strlen (good[i].in));

      g_assert_nonnull (dt);
      g_assert_cmpint (g_date_time_to_unix (dt), ==, good[i].unix_time);
      g_assert_cmpint (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_MINUTE, ==,
                       good[i].offset_minutes);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_null (tern_imap_parse_date_time (bad[i], strlen (bad[i])));
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* 0 FETCH (UID 1)\r\n",
    "* FETCH (UID 1)\r\n",
    "* 1 FETCH UID 1\r\n",
    "* 1 FETCH (UID)\r\n",
    "* 1 FETCH (UID 0)\r\n",
    "* 1 FETCH (UID x)\r\n",
    "* 1 FETCH (\"UID\" 1)\r\n",
    "* 1 FETCH (FLAGS \\Seen)\r\n",
    "* 1 FETCH (INTERNALDATE \"yesterday\")\r\n",
    "* 1 FETCH (INTERNALDATE 17-Jul-1996)\r\n",
    "* 1 FETCH (RFC822.SIZE -1)\r\n",
    "* 1 FETCH (MODSEQ 5)\r\n",
    "* 1 FETCH (MODSEQ (9223372036854775808))\r\n",
    "* 1 FETCH (ENVELOPE (NIL))\r\n",
    "* 1 FETCH (BODYSTRUCTURE (\"text\"))\r\n",
    "* 1 FETCH (BODY[1] (x))\r\n",
    "* 1 FETCH (BODY[1]<x> NIL)\r\n",
    "* 1 FETCH (BODY[1]<> NIL)\r\n",
    "* 1 FETCH (BODY[1]x NIL)\r\n",
    "* 1 FETCH (BINARY.SIZE[1] NIL)\r\n",
    "* 1 FETCH (EMAILID M1)\r\n",
    "* 1 FETCH (PREVIEW (x))\r\n",
    "* 1 FETCH (RFC822 (x))\r\n",
    "* 1 FETCH (UID 1) (UID 2)\r\n",
    "* 1 EXPUNGE\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], (ImapTestDecoder) tern_imap_fetch_new_from_response,
                                (GDestroyNotify) tern_imap_fetch_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/fetch/header-sync-items", test_header_sync_items);
  g_test_add_func ("/imap/fetch/literals", test_literals);
  g_test_add_func ("/imap/fetch/sections", test_sections);
  g_test_add_func ("/imap/fetch/section-lifetime", test_section_lifetime);
  g_test_add_func ("/imap/fetch/big-body", test_big_body);
  g_test_add_func ("/imap/fetch/other-items", test_other_items);
  g_test_add_func ("/imap/fetch/date-time", test_date_time);
  g_test_add_func ("/imap/fetch/malformed", test_malformed);

  return g_test_run ();
}
