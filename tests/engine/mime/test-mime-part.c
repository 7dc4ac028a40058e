/* test-mime-part.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "../imap/imap-test-util.h"
#include "../imap/recorded-fetch.h"
#include "mime/tern-mime-part.h"

/* The part tree of the BODYSTRUCTURE (or BODY) item of a FETCH response. */
static TernMimePart *
decode_fetch (const char *wire, gsize len, const char *item)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, len);
  const TernImapValue *items =
    tern_imap_value_get_child (tern_imap_response_get_args (response), 0);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i + 1 < tern_imap_value_get_n_children (items); i += 2)
    if (tern_imap_value_atom_equal (tern_imap_value_get_child (items, i), item))
      {
        TernMimePart *part =
          tern_mime_part_new_from_bodystructure (tern_imap_value_get_child (items, i + 1), &error);

        g_assert_no_error (error);
        return part;
      }

  g_assert_not_reached ();
}

static TernMimePart *
decode_text (const char *text, GError **error)
{
  g_autofree char *wire = g_strdup_printf ("* 1 FETCH (BODYSTRUCTURE %s)\r\n", text);
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  const TernImapValue *items =
    tern_imap_value_get_child (tern_imap_response_get_args (response), 0);

  return tern_mime_part_new_from_bodystructure (tern_imap_value_get_child (items, 1), error);
}

static gboolean
outline_cb (TernMimePart *part, guint depth, gpointer user_data)
{
  GString *out = user_data;

  g_string_append_printf (out, "%*s%s %s\n", depth * 2, "", tern_mime_part_get_section (part),
                          tern_mime_part_get_mime_type (part));
  return TRUE;
}

static char *
outline (TernMimePart *root)
{
  GString *out = g_string_new (NULL);

  g_assert_true (tern_mime_part_walk (root, outline_cb, out));
  return g_string_free (out, FALSE);
}

/* A message without MIME: one part, numbered 1; its header is HEADER. */
static void
test_single_part (void)
{
  g_autoptr (TernMimePart) root =
    decode_fetch (recorded_fetch_no_mime, sizeof recorded_fetch_no_mime - 1, "BODYSTRUCTURE");
  g_autofree char *header = tern_mime_part_dup_header_section (root);
  guint64 lines = 0;

  g_assert_cmpstr (tern_mime_part_get_section (root), ==, "1");
  g_assert_cmpstr (header, ==, "HEADER");
  g_assert_cmpstr (tern_mime_part_get_mime_type (root), ==, "text/plain");
  g_assert_cmpstr (tern_mime_part_get_media_type (root), ==, "text");
  g_assert_cmpstr (tern_mime_part_get_media_subtype (root), ==, "plain");
  g_assert_cmpstr (tern_mime_part_get_param (root, "CHARSET"), ==, "us-ascii");
  g_assert_cmpstr (tern_mime_part_get_encoding (root), ==, "7bit");
  g_assert_cmpuint (tern_mime_part_get_size (root), ==, 19);
  g_assert_true (tern_mime_part_get_lines (root, &lines));
  g_assert_cmpuint (lines, ==, 1);
  g_assert_false (tern_mime_part_is_multipart (root));
  g_assert_false (tern_mime_part_is_message (root));
  g_assert_true (tern_mime_part_has_extension_data (root));
  g_assert_null (tern_mime_part_get_md5 (root));
  g_assert_null (tern_mime_part_get_disposition (root));
  g_assert_null (tern_mime_part_get_languages (root));
  g_assert_null (tern_mime_part_get_location (root));
  g_assert_null (tern_mime_part_get_parent (root));
  g_assert_true (tern_mime_part_get_root (root) == root);
  g_assert_cmpuint (tern_mime_part_get_n_children (root), ==, 0);
  g_assert_true (tern_mime_part_lookup (root, "1") == root);
  g_assert_null (tern_mime_part_lookup (root, "2"));
}

/* multipart/alternative with multipart/related inside, from the corpus. */
static void
test_alternative_related (void)
{
  g_autoptr (TernMimePart) root =
    decode_fetch (recorded_fetch_alternative_related, sizeof recorded_fetch_alternative_related - 1,
                  "BODYSTRUCTURE");
  g_autofree char *tree = outline (root);
  TernMimePart *image;
  g_autofree char *mime = NULL;

  g_assert_cmpstr (tree, ==,
                   " multipart/alternative\n"
                   "  1 text/plain\n"
                   "  2 multipart/related\n"
                   "    2.1 text/html\n"
                   "    2.2 image/png\n");
  g_assert_cmpstr (tern_mime_part_get_param (root, "boundary"), ==, "=_tern_5_1_2e906842");
  g_assert_cmpuint (tern_mime_part_get_n_children (root), ==, 2);

  image = tern_mime_part_lookup (root, "2.2");
  g_assert_nonnull (image);
  g_assert_cmpstr (tern_mime_part_get_id (image), ==, "<img5.e8ff6813@example.net>");
  g_assert_cmpstr (tern_mime_part_get_disposition (image), ==, "inline");
  g_assert_cmpstr (tern_mime_part_get_filename (image), ==, "logo.png");
  g_assert_cmpuint (tern_mime_part_get_size (image), ==, 15932);
  g_assert_false (tern_mime_part_get_lines (image, NULL));
  g_assert_true (tern_mime_part_get_parent (image) == tern_mime_part_get_child (root, 1));
  mime = tern_mime_part_dup_header_section (image);
  g_assert_cmpstr (mime, ==, "2.2.MIME");
}

/* multipart/mixed with a forwarded message (itself multipart), from the corpus. */
static void
test_rfc822 (void)
{
  g_autoptr (TernMimePart) root =
    decode_fetch (recorded_fetch_rfc822, sizeof recorded_fetch_rfc822 - 1, "BODYSTRUCTURE");
  g_autofree char *tree = outline (root);
  TernMimePart *message;
  TernImapEnvelope *envelope;
  g_autofree char *header = NULL;
  g_autofree char *body_header = NULL;
  guint64 lines;

  g_assert_cmpstr (tree, ==,
                   " multipart/mixed\n"
                   "  1 text/plain\n"
                   "  2 message/rfc822\n"
                   "    2 multipart/mixed\n"
                   "      2.1 text/plain\n"
                   "      2.2 application/octet-stream\n");

  message = tern_mime_part_lookup (root, "2");
  g_assert_true (tern_mime_part_is_message (message));
  g_assert_true (tern_mime_part_get_lines (message, &lines));
  g_assert_cmpuint (lines, ==, 65);
  g_assert_cmpuint (tern_mime_part_get_size (message), ==, 3643);
  g_assert_cmpstr (tern_mime_part_get_disposition (message), ==, "inline");
  g_assert_cmpuint (tern_mime_part_get_n_disposition_params (message), ==, 0);
  envelope = tern_mime_part_get_envelope (message);
  g_assert_cmpstr (tern_imap_envelope_get_message_id (envelope), ==,
                   "<20220410085538.182050a6.4@example.net>");
  header = tern_mime_part_dup_header_section (message);
  g_assert_cmpstr (header, ==, "2.HEADER");
  body_header = tern_mime_part_dup_header_section (tern_mime_part_get_message_body (message));
  g_assert_cmpstr (body_header, ==, "2.HEADER");
  g_assert_cmpstr (tern_mime_part_get_filename (tern_mime_part_lookup (root, "2.2")), ==,
                   "backup.tar.gz");
  g_assert_null (tern_mime_part_get_message_body (root));
  g_assert_cmpuint (tern_mime_part_get_n_parts (message), ==, 6);
}

/* Every extension field, and both kinds of message/rfc822 body, recorded
 * from a message appended for the purpose; BODY (no extensions) alongside. */
static void
test_extension_fields (void)
{
  g_autoptr (TernMimePart) root =
    decode_fetch (recorded_fetch_extension, sizeof recorded_fetch_extension - 1, "BODYSTRUCTURE");
  g_autoptr (TernMimePart) body =
    decode_fetch (recorded_fetch_extension, sizeof recorded_fetch_extension - 1, "BODY");
  g_autofree char *tree = outline (root);
  g_autofree char *body_tree = outline (body);
  const char *const *languages;
  TernMimePart *plain;
  TernMimePart *html;
  TernMimePart *image;
  TernMimePart *fwd;
  TernMimePart *single;
  TernMimePart *data;
  g_autofree char *single_header = NULL;

  g_assert_cmpstr (tree, ==,
                   " multipart/mixed\n"
                   "  1 multipart/related\n"
                   "    1.1 multipart/alternative\n"
                   "      1.1.1 text/plain\n"
                   "      1.1.2 text/html\n"
                   "    1.2 image/png\n"
                   "  2 message/rfc822\n"
                   "    2 multipart/mixed\n"
                   "      2.1 text/plain\n"
                   "      2.2 application/octet-stream\n"
                   "  3 message/rfc822\n"
                   "    3.1 text/plain\n");
  g_assert_cmpstr (body_tree, ==, tree);

  languages = tern_mime_part_get_languages (root);
  g_assert_cmpstr (languages[0], ==, "en");
  g_assert_cmpstr (languages[1], ==, "de");
  g_assert_null (languages[2]);
  g_assert_cmpstr (tern_mime_part_get_location (root), ==, "http://example.com/outer");
  g_assert_cmpstr (tern_mime_part_get_param (tern_mime_part_lookup (root, "1"), "type"), ==,
                   "multipart/alternative");

  plain = tern_mime_part_lookup (root, "1.1.1");
  g_assert_cmpstr (tern_mime_part_get_md5 (plain), ==, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  g_assert_cmpstr (tern_mime_part_get_languages (plain)[0], ==, "fr");
  g_assert_cmpstr (tern_mime_part_get_encoding (plain), ==, "8bit");
  html = tern_mime_part_lookup (root, "1.1.2");
  g_assert_cmpstr (tern_mime_part_get_location (html), ==, "body.html");

  image = tern_mime_part_lookup (root, "1.2");
  g_assert_cmpstr (tern_mime_part_get_description (image), ==, "The logo");
  g_assert_cmpuint (tern_mime_part_get_n_disposition_params (image), ==, 2);
  g_assert_cmpstr (tern_mime_part_get_disposition_param_name (image, 1), ==, "size");
  g_assert_cmpstr (tern_mime_part_get_disposition_param_value (image, 1), ==, "6");
  g_assert_cmpstr (tern_mime_part_get_disposition_param (image, "SIZE"), ==, "6");
  g_assert_cmpstr (tern_mime_part_get_param_name (image, 0), ==, "name");
  g_assert_cmpstr (tern_mime_part_get_param_value (image, 0), ==, "logo.png");

  fwd = tern_mime_part_lookup (root, "2");
  g_assert_cmpstr (tern_mime_part_get_disposition (fwd), ==, "attachment");
  g_assert_cmpstr (tern_mime_part_get_filename (fwd), ==, "fwd.eml");
  data = tern_mime_part_lookup (root, "2.2");
  g_assert_cmpstr (tern_mime_part_get_filename (data), ==, "UTF-8''%C3%BC.bin");

  /* a single-part message inside: its body is 3.1, its header 3.HEADER */
  single = tern_mime_part_lookup (root, "3.1");
  g_assert_true (tern_mime_part_get_message_body (tern_mime_part_lookup (root, "3")) == single);
  single_header = tern_mime_part_dup_header_section (single);
  g_assert_cmpstr (single_header, ==, "3.HEADER");
  g_assert_cmpstr (tern_imap_envelope_get_subject (
                     tern_mime_part_get_envelope (tern_mime_part_lookup (root, "3"))),
                   ==, "single-part inner");

  g_assert_false (tern_mime_part_has_extension_data (tern_mime_part_lookup (body, "1.1.1")));
  g_assert_null (tern_mime_part_get_md5 (tern_mime_part_lookup (body, "1.1.1")));
  g_assert_true (tern_mime_part_is_message (tern_mime_part_lookup (body, "2")));
}

/* A part reference keeps the whole tree alive. */
static void
test_lifetime (void)
{
  TernMimePart *root =
    decode_fetch (recorded_fetch_rfc822, sizeof recorded_fetch_rfc822 - 1, "BODYSTRUCTURE");
  g_autoptr (TernMimePart) leaf = tern_mime_part_ref (tern_mime_part_lookup (root, "2.2"));

  tern_mime_part_unref (root);
  g_assert_cmpstr (tern_mime_part_get_mime_type (tern_mime_part_get_root (leaf)), ==,
                   "multipart/mixed");
  g_assert_cmpstr (tern_mime_part_get_section (tern_mime_part_get_parent (leaf)), ==, "2");
}

static gboolean
stop_at_second (TernMimePart *part, guint depth, gpointer user_data)
{
  guint *count = user_data;

  return ++(*count) < 2;
}

static void
test_walk_stop (void)
{
  g_autoptr (TernMimePart) root =
    decode_fetch (recorded_fetch_rfc822, sizeof recorded_fetch_rfc822 - 1, "BODYSTRUCTURE");
  guint count = 0;

  g_assert_false (tern_mime_part_walk (root, stop_at_second, &count));
  g_assert_cmpuint (count, ==, 2);

  /* a subtree walk stays in the subtree */
  count = 0;
  g_assert_true (tern_mime_part_walk (tern_mime_part_lookup (root, "1"), stop_at_second, &count));
  g_assert_cmpuint (count, ==, 1);
}

/* Quirks of servers other than Dovecot. */
static void
test_quirks (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TernMimePart) no_lines = decode_text ("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") "
                                                   "NIL NIL \"7BIT\" 3028 NIL NIL NIL NIL)",
                                                   &error);
  g_autoptr (TernMimePart) disposition_string =
    decode_text ("(\"application\" \"pdf\" (\"name\" NIL) NIL NIL \"base64\" 10 NIL \"attachment\" "
                 "\"en\" "
                 "NIL X-EXT (1 2))",
                 &error);
  g_autoptr (TernMimePart) no_encoding =
    decode_text ("(\"image\" \"gif\" NIL NIL NIL NIL 0)", &error);
  g_autoptr (TernMimePart) rfc822_basic =
    decode_text ("(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 10 NIL NIL NIL)", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (tern_mime_part_get_mime_type (no_lines), ==, "text/plain");
  g_assert_cmpstr (tern_mime_part_get_encoding (no_lines), ==, "7bit");
  g_assert_false (tern_mime_part_get_lines (no_lines, NULL));
  g_assert_true (tern_mime_part_has_extension_data (no_lines));

  g_assert_cmpstr (tern_mime_part_get_disposition (disposition_string), ==, "attachment");
  g_assert_cmpstr (tern_mime_part_get_languages (disposition_string)[0], ==, "en");
  g_assert_null (tern_mime_part_get_param (disposition_string, "name"));
  g_assert_null (tern_mime_part_get_filename (disposition_string));

  g_assert_null (tern_mime_part_get_encoding (no_encoding));

  /* message/rfc822 without envelope and body is a plain part */
  g_assert_false (tern_mime_part_is_message (rfc822_basic));
  g_assert_cmpuint (tern_mime_part_get_n_children (rfc822_basic), ==, 0);
}

/* Nested as deep as a raised parser limit allows, without recursion. */
static void
test_deep (void)
{
  g_autoptr (GString) wire = g_string_new ("* 1 FETCH (BODYSTRUCTURE ");
  g_autoptr (TernImapParser) parser = NULL;
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;
  g_autoptr (TernMimePart) root = NULL;
  TernImapParserLimits limits;
  TernMimePart *leaf;
  GString *section = g_string_new ("1");
  g_autofree char *expected = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append_c (wire, '(');
  g_string_append (wire, "\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1");
  for (guint i = 0; i < 4999; i++)
    g_string_append (wire, ") \"mixed\"");
  g_string_append (wire, "))\r\n");

  tern_imap_parser_limits_init (&limits);
  limits.max_depth = 6000;
  parser = tern_imap_parser_new (&limits);
  g_assert_true (
    tern_imap_parser_feed (parser, (const guint8 *) wire->str, wire->len, out, &error));
  g_assert_no_error (error);

  root = tern_mime_part_new_from_bodystructure (
    tern_imap_value_get_child (tern_imap_value_get_child (tern_imap_response_get_args (
                                                            out->pdata[0]),
                                                          0),
                               1),
    &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tern_mime_part_get_n_parts (root), ==, 5000);
  for (guint i = 1; i < 4999; i++)
    g_string_append (section, ".1");
  expected = g_string_free (section, FALSE);
  leaf = tern_mime_part_lookup (root, expected);
  g_assert_nonnull (leaf);
  g_assert_cmpstr (tern_mime_part_get_mime_type (leaf), ==, "text/plain");
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "NIL",
    "()",
    "(\"text\")",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\")",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" x)",
    "(text \"plain\" NIL NIL NIL \"7bit\" 1 1)",
    "(\"text\" \"plain\" (\"charset\") NIL NIL \"7bit\" 1 1)",
    "(\"text\" \"plain\" (charset \"x\") NIL NIL \"7bit\" 1 1)",
    "(\"text\" \"plain\" NIL (\"id\") NIL \"7bit\" 1 1)",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 x)",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 (\"md5\"))",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL (\"inline\"))",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL (\"inline\" NIL) (en))",
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL NIL NIL (\"loc\"))",
    "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1))",
    "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) mixed)",
    "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) \"mixed\" (\"boundary\"))",
    "(() \"mixed\")",
    "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)(\"x\") \"mixed\")",
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 10 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) x)",
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 10 (NIL NIL x NIL NIL NIL NIL NIL NIL NIL) "
    "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1) 1)",
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 10 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
    "(\"text\") 1)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TernMimePart) part = decode_text (bad[i], &error);

      if (part != NULL)
        g_error ("decoded a malformed BODYSTRUCTURE: %s", bad[i]);
      g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/part/single-part", test_single_part);
  g_test_add_func ("/mime/part/alternative-related", test_alternative_related);
  g_test_add_func ("/mime/part/rfc822", test_rfc822);
  g_test_add_func ("/mime/part/extension-fields", test_extension_fields);
  g_test_add_func ("/mime/part/lifetime", test_lifetime);
  g_test_add_func ("/mime/part/walk-stop", test_walk_stop);
  g_test_add_func ("/mime/part/quirks", test_quirks);
  g_test_add_func ("/mime/part/deep", test_deep);
  g_test_add_func ("/mime/part/malformed", test_malformed);

  return g_test_run ();
}
