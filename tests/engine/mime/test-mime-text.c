/* test-mime-text.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "mime/tern-mime-text.h"

static void
assert_text (char *owned, const char *expected)
{
  g_assert_true (g_utf8_validate (owned, -1, NULL));
  g_assert_cmpstr (owned, ==, expected);
  g_free (owned);
}

static void
test_header_rfc2047 (void)
{
  assert_text (tern_mime_decode_header_text ("=?UTF-8?B?w4lsw6huZQ==?= et =?ISO-8859-1?Q?caf=E9?="),
               "Élène et café");
  assert_text (tern_mime_decode_header_text ("=?KOI8-R?B?8NLJ18XU?="), "Привет");
  assert_text (tern_mime_decode_header_text ("=?windows-1252?Q?=93quoted=94?="), "“quoted”");
  /* Adjacent encoded words join without the space between them. */
  assert_text (tern_mime_decode_header_text ("=?UTF-8?Q?a?= =?UTF-8?Q?b?="), "ab");
  assert_text (tern_mime_decode_header_text (NULL), "");
  /* Folded; the first base64 word padded; a character split across words. */
  assert_text (tern_mime_decode_header_text (
                 "Re:\r\n "
                 "=?UTF-8?B?4KSq4KSw4KS/4KSv4KWL4KSc4KSo4KS+IOCkleClgCDgpLjgpY3gpKXgpL8=?=\r\n"
                 " =?UTF-8?B?4KSk4KS/?="),
               "Re: परियोजना की स्थिति");
  assert_text (tern_mime_decode_header_text ("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?="), "éé");
  assert_text (tern_mime_decode_header_text ("=?UTF-8?B?4g==?= =?UTF-8?B?nJM=?="), "✓");
  assert_text (tern_mime_decode_header_text ("a =?utf-8?q?b?= c =?utf-8?q?d?=e"), "a b c de");
  assert_text (tern_mime_decode_header_phrase ("\"=?UTF-8?Q?J=C3=BCrgen?= M.\""), "Jürgen M.");
}

static void
test_header_broken (void)
{
  const char *const cases[] = {
    "=?x-unknown-charset?Q?caf=E9?=",
    "=?UTF-8?B?####?=",
    "=?UTF-8?Q?unterminated",
    "=?UTF-8?B?wA==?=", /* a lone invalid UTF-8 byte */
    "=??Q?empty?=",
    "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
    "raw 8-bit caf\xe9",
    "\xff\xfe\xfd",
    "=?UTF-8*en?Q?lang?=",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *text = tern_mime_decode_header_text (cases[i]);
      char *phrase = tern_mime_decode_header_phrase (cases[i]);

      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_assert_true (g_utf8_validate (phrase, -1, NULL));
      g_free (text);
      g_free (phrase);
    }
  /* Raw Latin-1 in a header is read as Latin-1, not dropped. */
  assert_text (tern_mime_decode_header_text ("caf\xe9"), "café");
  assert_text (tern_mime_decode_header_text ("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?="), "テスト");
}

static void
test_address_list (void)
{
  g_autoptr (GPtrArray) list = tern_mime_parse_address_list (
    "=?UTF-8?Q?Ren=C3=A9e?= <renee@example.org>, bob@example.com, "
    "team: a@x.example, \"B, C\" <b@x.example>;, \"\xc3\xa9t\xc3\xa9\" <e@example.net>");
  TernMimeAddress *a;

  g_assert_cmpuint (list->len, ==, 5);
  a = list->pdata[0];
  g_assert_cmpstr (a->name, ==, "Renée");
  g_assert_cmpstr (a->address, ==, "renee@example.org");
  a = list->pdata[1];
  g_assert_cmpstr (a->name, ==, "");
  g_assert_cmpstr (a->address, ==, "bob@example.com");
  a = list->pdata[3];
  g_assert_cmpstr (a->name, ==, "B, C");
  g_assert_cmpstr (a->address, ==, "b@x.example");
  a = list->pdata[4];
  g_assert_cmpstr (a->name, ==, "été");

  /* Adjacent words, the first padded, a character split between two. */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = tern_mime_parse_address_list ("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?= <a@x.example>, "
                                       "=?UTF-8?B?4g==?=\r\n =?UTF-8?B?nJM=?= x <b@x.example>");
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((TernMimeAddress *) list->pdata[0])->name, ==, "éé");
  g_assert_cmpstr (((TernMimeAddress *) list->pdata[1])->name, ==, "✓ x");

  g_clear_pointer (&list, g_ptr_array_unref);
  list = tern_mime_parse_address_list (NULL);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = tern_mime_parse_address_list ("<<<@@@>>>, \xff\xfe \"unterminated");
  for (guint i = 0; i < list->len; i++)
    g_assert_true (g_utf8_validate (((TernMimeAddress *) list->pdata[i])->name, -1, NULL));
}

static void
test_charsets (void)
{
  static const struct
  {
    const char *charset;
    const char *bytes;
    const char *utf8;
  } cases[] = {
    { "ISO-8859-1", "caf\xe9", "café" },
    { "iso-8859-2", "\xb3\xf3\xbf\xea", "łóżę" },
    { "ISO-8859-15", "\xa4", "€" },
    { "windows-1252", "\x80 \x93x\x94", "€ “x”" },
    { "Windows-1251", "\xcf\xf0\xe8", "При" },
    { "cp1250", "\x9a", "š" },
    { "KOI8-R", "\xf0\xd2\xc9", "При" },
    { "Shift_JIS", "\x83\x65\x83\x58\x83\x67", "テスト" },
    { "GB18030", "\xc4\xe3\xba\xc3", "你好" },
    { "gb2312", "\xc4\xe3\xba\xc3", "你好" },
    { "utf-8", "ok \xe2\x9c\x93", "ok ✓" },
    { NULL, "plain", "plain" },
    { "us-ascii", "caf\xe9", "café" },
    { "x-no-such-charset", "caf\xc3\xa9", "café" },
    { "x-no-such-charset", "caf\xe9", "café" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_text (tern_mime_convert_to_utf8 (cases[i].bytes, strlen (cases[i].bytes),
                                            cases[i].charset),
                 cases[i].utf8);
}

static void
test_charset_invalid (void)
{
  /* Invalid bytes become U+FFFD and the text after them survives. */
  assert_text (tern_mime_convert_to_utf8 ("a\xff"
                                          "b",
                                          3, "utf-8"),
               "a\xef\xbf\xbd"
               "b");
  assert_text (tern_mime_convert_to_utf8 ("\x83\x65\xff\x83\x67", 5, "Shift_JIS"),
               "テ\xef\xbf\xbdト");
  /* A truncated multi-byte sequence at the end. */
  assert_text (tern_mime_convert_to_utf8 ("\x83\x65\x83", 3, "Shift_JIS"), "テ\xef\xbf\xbd");
  assert_text (tern_mime_convert_to_utf8 ("", 0, "KOI8-R"), "");

  /* Large input crosses the conversion buffer many times. */
  {
    GString *in = g_string_new (NULL);
    char *out;

    for (guint i = 0; i < 10000; i++)
      g_string_append (in, "\xcf\xf0\xe8 ");
    out = tern_mime_convert_to_utf8 (in->str, in->len, "windows-1251");
    g_assert_cmpuint (g_utf8_strlen (out, -1), ==, 40000);
    g_free (out);
    g_string_free (in, TRUE);
  }
}

static void
test_transfer (void)
{
  static const struct
  {
    const char *encoding;
    const char *raw;
    const char *decoded;
  } cases[] = {
    { "base64", "aGVsbG8g\r\nd29ybGQ=\r\n", "hello world" },
    { "BASE64", "aGVsbG8=", "hello" },
    { "quoted-printable", "caf=C3=A9 =\r\nsoft=3D\r\n", "café soft=\r\n" },
    { "7bit", "as is=C3", "as is=C3" },
    { "8bit", "caf\xc3\xa9", "caf\xc3\xa9" },
    { "binary", "x", "x" },
    { NULL, "none", "none" },
    { "x-unknown", "=41", "=41" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) raw = g_bytes_new_static (cases[i].raw, strlen (cases[i].raw));
      g_autoptr (GBytes) out = tern_mime_decode_transfer (raw, cases[i].encoding);
      gsize len;
      const char *data = g_bytes_get_data (out, &len);

      g_assert_cmpmem (data, len, cases[i].decoded, strlen (cases[i].decoded));
    }

  {
    g_autoptr (GBytes) raw = g_bytes_new_static ("9tXL", 4);

    assert_text (tern_mime_decode_text_part (raw, "base64", "koi8-r"), "Жук");
  }
  {
    g_autoptr (GBytes) raw = g_bytes_new_static ("=E9t=E9", 7);

    assert_text (tern_mime_decode_text_part (raw, "quoted-printable", "iso-8859-1"), "été");
  }
}

static void
test_html_basic (void)
{
  assert_text (
    tern_mime_html_to_text (
      "<html><head><title>T</title><style>p{color:red}</style></head>"
      "<body><p>Hello&nbsp;<b>world</b> &amp; &lt;friends&gt; &#233;&#x263A;</p>"
      "<script>alert('x')</script><p>Second\n   paragraph</p></body></html>",
      -1 + sizeof "<html><head><title>T</title><style>p{color:red}</style></head>"
                  "<body><p>Hello&nbsp;<b>world</b> &amp; &lt;friends&gt; &#233;&#x263A;</p>"
                  "<script>alert('x')</script><p>Second\n   paragraph</p></body></html>"),
    "Hello world & <friends> é☺\n\nSecond paragraph");
}

static char *
html (const char *text)
{
  return tern_mime_html_to_text (text, strlen (text));
}

static void
test_html_links (void)
{
  assert_text (html ("see <a href=\"https://example.org/a?x=1&amp;y=2\">the page</a>."),
               "see the page <https://example.org/a?x=1&y=2>.");
  assert_text (html ("<a href='https://example.org'>https://example.org</a>"),
               "https://example.org");
  assert_text (html ("<a href=mailto:a@example.org>a@example.org</a>"), "a@example.org");
  assert_text (html ("<a href=\"#top\">top</a> <a href=\"javascript:x()\">js</a>"), "top js");
  assert_text (html ("<ul><li>one</li><li>two</li></ul>line<br>break"),
               "• one\n• two\nline\nbreak");
  assert_text (html ("<blockquote>quoted<br>more</blockquote>after"), "> quoted\n> more\nafter");
  assert_text (html ("<pre>  a\n  b</pre>c"), "  a\n  b\nc");
  assert_text (html ("<img src=x alt=\"logo\"> 3 < 4 & 5 > 2 &bogus; &#0;"),
               "[logo] 3 < 4 & 5 > 2 &bogus; \xef\xbf\xbd");
  assert_text (html ("a<!-- hidden <p> -->b<!DOCTYPE html><?xml x?>c"), "abc");
  assert_text (html ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"), "a b\nc");
  assert_text (html ("<script>never closed <p>hidden"), "");
  assert_text (html ("unterminated <a href=\"x"), "unterminated <x>");
  assert_text (html (""), "");
}

static void
test_html_hostile (void)
{
  GString *in = g_string_new (NULL);
  char *out;
  gint64 start;

  /* Deep nesting: 200 000 unclosed elements. */
  for (guint i = 0; i < 100000; i++)
    g_string_append (in, "<div><blockquote>");
  g_string_append (in, "deep");
  start = g_get_monotonic_time ();
  out = tern_mime_html_to_text (in->str, in->len);
  g_assert_nonnull (strstr (out, "deep"));
  /* The quote prefix is bounded however deep the quoting. */
  g_assert_cmpuint (strlen (out), <, 100);
  g_free (out);

  /* A 4 MB attribute value; only a bounded part of it is kept. */
  g_string_assign (in, "<a href=\"https://x.example/");
  for (guint i = 0; i < 4 * 1024 * 1024; i++)
    g_string_append_c (in, 'a');
  g_string_append (in, "\">link</a> tail");
  out = tern_mime_html_to_text (in->str, in->len);
  g_assert_true (g_str_has_prefix (out, "link <https://x.example/"));
  g_assert_true (g_str_has_suffix (out, "> tail"));
  g_assert_cmpuint (strlen (out), <, 4096);
  g_free (out);

  /* Many unterminated comments and tags. */
  g_string_truncate (in, 0);
  for (guint i = 0; i < 100000; i++)
    g_string_append (in, "<a href=\"x\" <!- &#xFFFFFFFFFF; &#99999999999;");
  out = tern_mime_html_to_text (in->str, in->len);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  g_free (out);

  /* Many unclosed elements whose content would be skipped up to their end tag. */
  g_string_truncate (in, 0);
  for (guint i = 0; i < 200000; i++)
    g_string_append (in, "<head>x");
  out = tern_mime_html_to_text (in->str, in->len);
  g_assert_cmpuint (strlen (out), ==, 200000);
  g_free (out);
  g_test_message ("hostile HTML: %.1f ms", (g_get_monotonic_time () - start) / 1000.0);

  /* Invalid UTF-8 in the input stays valid UTF-8 in the output. */
  out = html ("<p>\xff\xfe</p>");
  g_assert_true (g_utf8_validate (out, -1, NULL));
  g_free (out);
  g_string_free (in, TRUE);
}

static void
test_preview (void)
{
  assert_text (tern_mime_make_preview ("Hi Anna,\n\n  the   report\tis ready.\n\n"
                                       "On Mon, 1 Jan 2024, Bob wrote:\n> old text\n> more\n\n"
                                       "Thanks\n-- \nBob\nsignature",
                                       200),
               "Hi Anna, the report is ready. Thanks");
  assert_text (tern_mime_make_preview ("abcdef", 3), "abc");
  assert_text (tern_mime_make_preview ("é è ê ë", 5), "é è ê");
  assert_text (tern_mime_make_preview ("> only quoted\n>> text", 200), "");
  assert_text (tern_mime_make_preview ("Note: important\nnot a quote", 200),
               "Note: important not a quote");
  assert_text (tern_mime_make_preview ("a\r\nb\r\n--\r\nsig", 200), "a b");
  {
    GString *in = g_string_new (NULL);
    char *out;

    for (guint i = 0; i < 1000; i++)
      g_string_append (in, "word ");
    out = tern_mime_make_preview (in->str, 200);
    g_assert_cmpuint (g_utf8_strlen (out, -1), ==, 200);
    g_free (out);
    g_string_free (in, TRUE);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/text/header-rfc2047", test_header_rfc2047);
  g_test_add_func ("/mime/text/header-broken", test_header_broken);
  g_test_add_func ("/mime/text/address-list", test_address_list);
  g_test_add_func ("/mime/text/charsets", test_charsets);
  g_test_add_func ("/mime/text/charset-invalid", test_charset_invalid);
  g_test_add_func ("/mime/text/transfer", test_transfer);
  g_test_add_func ("/mime/text/html-basic", test_html_basic);
  g_test_add_func ("/mime/text/html-links", test_html_links);
  g_test_add_func ("/mime/text/html-hostile", test_html_hostile);
  g_test_add_func ("/mime/text/preview", test_preview);

  return g_test_run ();
}
