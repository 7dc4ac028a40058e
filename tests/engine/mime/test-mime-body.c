/* test-mime-body.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "../imap/imap-test-util.h"
#include "mime/tern-mime-body.h"

static TernMimePart *
parse_bodystructure (const char *text)
{
  g_autofree char *wire = g_strdup_printf ("* 1 FETCH (BODYSTRUCTURE %s)\r\n", text);
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  const TernImapValue *items =
    tern_imap_value_get_child (tern_imap_response_get_args (response), 0);
  g_autoptr (GError) error = NULL;
  TernMimePart *part =
    tern_mime_part_new_from_bodystructure (tern_imap_value_get_child (items, 1), &error);

  g_assert_no_error (error);
  return part;
}

/* The structure Dovecot gives the message of test-mime-message.c. */
static const char mixed[] =
  "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 40 5 NIL NIL "
  "NIL NIL)(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 16 1 NIL NIL NIL NIL) "
  "\"ALTERNATIVE\" (\"BOUNDARY\" \"alt\") NIL NIL NIL)"
  "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"ignored.bin\") NIL NIL \"BASE64\" 1000 NIL "
  "(\"ATTACHMENT\" (\"FILENAME*0*\" \"UTF-8''r%C3%A9sum\" \"FILENAME*1*\" \"%C3%A9.bin\")) NIL "
  "NIL)"
  "(\"IMAGE\" \"PNG\" (\"NAME\" \"=?UTF-8?Q?gr=C3=BCn.png?=\") NIL NIL \"BASE64\" 14 NIL NIL NIL "
  "NIL)"
  "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 300 (NIL \"inner\" ((NIL NIL \"inner\" "
  "\"example.org\")) NIL NIL NIL NIL NIL NIL NIL) ((\"TEXT\" \"PLAIN\" (\"CHARSET\" "
  "\"us-ascii\") NIL NIL \"7BIT\" 12 1 NIL NIL NIL NIL)(\"TEXT\" \"PLAIN\" (\"NAME\" "
  "\"inner.txt\") NIL NIL \"7BIT\" 18 1 NIL (\"ATTACHMENT\" NIL) NIL NIL) \"MIXED\" "
  "(\"BOUNDARY\" \"in\") NIL NIL NIL) 12 NIL NIL NIL NIL) "
  "\"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)";

static void
test_pick_and_list (void)
{
  g_autoptr (TernMimePart) root = parse_bodystructure (mixed);
  g_autoptr (GPtrArray) attachments = NULL;
  gboolean is_html = TRUE;
  TernMimePart *text = tern_mime_body_pick_text_part (root, &is_html);
  TernMimeAttachment *a;

  g_assert_nonnull (text);
  g_assert_cmpstr (tern_mime_part_get_section (text), ==, "1.1");
  g_assert_false (is_html);

  attachments = tern_mime_body_list_attachments (root);
  g_assert_cmpuint (attachments->len, ==, 3);
  a = attachments->pdata[0];
  g_assert_cmpstr (a->section, ==, "2");
  g_assert_cmpstr (a->filename, ==, "résumé.bin");
  g_assert_cmpstr (a->mime_type, ==, "application/octet-stream");
  g_assert_cmpuint (a->size, ==, 1000);
  a = attachments->pdata[1];
  g_assert_cmpstr (a->section, ==, "3");
  g_assert_cmpstr (a->filename, ==, "grün.png");
  g_assert_cmpstr (a->mime_type, ==, "image/png");
  a = attachments->pdata[2];
  g_assert_cmpstr (a->section, ==, "4");
  g_assert_null (a->filename);
  g_assert_cmpstr (a->mime_type, ==, "message/rfc822");
  g_assert_cmpuint (a->size, ==, 300);
}

static void
test_html_only (void)
{
  g_autoptr (TernMimePart) root = parse_bodystructure (
    "((\"TEXT\" \"HTML\" (\"CHARSET\" \"windows-1252\") NIL NIL \"QUOTED-PRINTABLE\" 40 1 NIL "
    "NIL NIL NIL)(\"TEXT\" \"PLAIN\" (\"NAME\" \"notes.txt\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL "
    "NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL)");
  gboolean is_html = FALSE;
  TernMimePart *text = tern_mime_body_pick_text_part (root, &is_html);
  g_autoptr (GBytes) raw = g_bytes_new_static ("<p>=93Hi=94</p><script>x</script>", 33);
  g_autofree char *decoded = NULL;

  g_assert_cmpstr (tern_mime_part_get_section (text), ==, "1");
  g_assert_true (is_html);
  decoded = tern_mime_body_decode_text (text, raw);
  g_assert_cmpstr (decoded, ==, "“Hi”");
}

static void
test_decode_text (void)
{
  g_autoptr (TernMimePart) root = parse_bodystructure (mixed);
  TernMimePart *plain = tern_mime_part_lookup (root, "1.1");
  g_autoptr (GBytes) raw = g_bytes_new_static ("Bonjour, r=E9sum=E9=\r\n.\r\n", 25);
  g_autofree char *text = tern_mime_body_decode_text (plain, raw);

  g_assert_cmpstr (text, ==, "Bonjour, résumé.\r\n");
}

static void
test_no_text (void)
{
  g_autoptr (TernMimePart) root =
    parse_bodystructure ("(\"IMAGE\" \"JPEG\" NIL NIL NIL \"BASE64\" 100 NIL NIL NIL NIL)");
  g_autoptr (GPtrArray) attachments = tern_mime_body_list_attachments (root);
  gboolean is_html = TRUE;

  g_assert_null (tern_mime_body_pick_text_part (root, &is_html));
  g_assert_false (is_html);
  g_assert_cmpuint (attachments->len, ==, 1);
  g_assert_cmpstr (((TernMimeAttachment *) attachments->pdata[0])->section, ==, "1");
  g_assert_null (((TernMimeAttachment *) attachments->pdata[0])->filename);
}

static void
test_filename_broken (void)
{
  g_autoptr (TernMimePart) root = parse_bodystructure (
    "((\"APPLICATION\" \"PDF\" (\"NAME\" \"caf\\\"e.pdf\") NIL NIL \"BASE64\" 10 NIL "
    "(\"ATTACHMENT\" (\"FILENAME*\" \"x-unknown''%FF%FE.pdf\")) NIL NIL)"
    "(\"APPLICATION\" \"PDF\" (\"NAME\" \"=?UTF-8?B?!!!?=\") NIL NIL \"BASE64\" 10 NIL NIL NIL "
    "NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL)");
  g_autoptr (GPtrArray) attachments = tern_mime_body_list_attachments (root);

  g_assert_cmpuint (attachments->len, ==, 2);
  for (guint i = 0; i < attachments->len; i++)
    {
      TernMimeAttachment *a = attachments->pdata[i];

      g_assert_nonnull (a->filename);
      g_assert_true (g_utf8_validate (a->filename, -1, NULL));
    }
}

/* An HTML body with its cid: parts (DESIGN decision 9): the parts with a
 * Content-ID outside an attached message, brackets removed; odd IDs are
 * left out rather than trusted. */
static void
test_inline_parts (void)
{
  g_autoptr (TernMimePart) root = parse_bodystructure (
    "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)"
    "(\"TEXT\" \"HTML\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 30 1 NIL "
    "NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"alt\") NIL NIL NIL)"
    "(\"IMAGE\" \"PNG\" NIL \"<Logo@Example>\" NIL \"BASE64\" 14 NIL (\"INLINE\" NIL) NIL "
    "NIL)"
    "(\"IMAGE\" \"GIF\" NIL \" bare@id \" NIL \"BASE64\" 14 NIL NIL NIL NIL)"
    "(\"IMAGE\" \"GIF\" NIL \"<>\" NIL \"BASE64\" 14 NIL NIL NIL NIL)"
    "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 300 (NIL \"inner\" ((NIL NIL \"inner\" "
    "\"example.org\")) ((NIL NIL \"inner\" \"example.org\")) ((NIL NIL \"inner\" "
    "\"example.org\")) NIL NIL NIL NIL NIL) (\"IMAGE\" \"PNG\" NIL \"<inner@x>\" NIL "
    "\"BASE64\" 14 NIL NIL NIL NIL) 5 NIL NIL NIL NIL) "
    "\"RELATED\" (\"BOUNDARY\" \"rel\") NIL NIL NIL)");
  g_autoptr (GPtrArray) parts = tern_mime_body_list_inline_parts (root);
  g_autoptr (GBytes) raw = g_bytes_new_static ("<p>caf=E9 <img src=3D\"cid:x\"></p>", 33);
  g_autofree char *html = NULL;
  TernMimePart *html_part = tern_mime_body_pick_html_part (root);
  TernMimeInlinePart *part;

  g_assert_cmpuint (parts->len, ==, 2);
  part = parts->pdata[0];
  g_assert_cmpstr (part->content_id, ==, "Logo@Example");
  g_assert_cmpstr (part->section, ==, "2");
  g_assert_cmpstr (part->mime_type, ==, "image/png");
  g_assert_cmpstr (part->encoding, ==, "base64");
  part = parts->pdata[1];
  g_assert_cmpstr (part->content_id, ==, "bare@id");
  g_assert_cmpstr (part->section, ==, "3");

  g_assert_true (tern_mime_body_find_inline_part (parts, "Logo@Example") == parts->pdata[0]);
  g_assert_true (tern_mime_body_find_inline_part (parts, "logo@example") == parts->pdata[0]);
  g_assert_null (tern_mime_body_find_inline_part (parts, "inner@x"));
  g_assert_null (tern_mime_body_find_inline_part (parts, ""));
  g_assert_null (tern_mime_body_find_inline_part (NULL, "bare@id"));

  g_assert_nonnull (html_part);
  g_assert_cmpstr (tern_mime_part_get_section (html_part), ==, "1.2");
  html = tern_mime_body_decode_html (html_part, raw);
  g_assert_cmpstr (html, ==, "<p>caf\xc3\xa9 <img src=\"cid:x\"></p>");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/body/pick-and-list", test_pick_and_list);
  g_test_add_func ("/mime/body/html-only", test_html_only);
  g_test_add_func ("/mime/body/decode-text", test_decode_text);
  g_test_add_func ("/mime/body/no-text", test_no_text);
  g_test_add_func ("/mime/body/inline-parts", test_inline_parts);
  g_test_add_func ("/mime/body/filename-broken", test_filename_broken);

  return g_test_run ();
}
