/* test-imap-utf7.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap/tern-imap-utf7.h"

static void
assert_decodes (const char *mutf7, const char *utf8)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *decoded = tern_imap_utf7_decode (mutf7, strlen (mutf7), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, utf8);
}

static void
assert_both_ways (const char *utf8, const char *mutf7)
{
  g_autofree char *encoded = tern_imap_utf7_encode (utf8);

  g_assert_cmpstr (encoded, ==, mutf7);
  assert_decodes (mutf7, utf8);
}

static void
assert_rejected_len (const char *mutf7, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *decoded = tern_imap_utf7_decode (mutf7, len, &error);

  if (decoded != NULL)
    g_error ("“%s” decoded to “%s” but is malformed", mutf7, decoded);
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
  {
    g_autofree char *escaped = g_strescape (mutf7, NULL);

    g_test_message ("%s → %s", escaped, error->message);
  }
}

static void
assert_rejected (const char *mutf7)
{
  assert_rejected_len (mutf7, strlen (mutf7));
}

/* A base64 run of arbitrary UTF-16 units, padded with zero bits: the way to
 * write runs that the encoder would never produce. */
static char *
make_run (const guint16 *units, gsize n_units)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  GString *out = g_string_new ("&");
  guint32 bits = 0;
  guint nbits = 0;

  for (gsize i = 0; i < n_units; i++)
    {
      bits = (bits << 16) | units[i];
      nbits += 16;
      while (nbits >= 6)
        {
          nbits -= 6;
          g_string_append_c (out, alphabet[(bits >> nbits) & 0x3f]);
        }
      bits &= (1u << nbits) - 1;
    }
  if (nbits > 0)
    g_string_append_c (out, alphabet[(bits << (6 - nbits)) & 0x3f]);
  g_string_append_c (out, '-');

  return g_string_free (out, FALSE);
}

static void
test_rfc_examples (void)
{
  /* RFC 3501 §5.1.3 */
  assert_both_ways ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  assert_both_ways ("☺!", "&Jjo-!");
  assert_both_ways ("台北日本語", "&U,BTF2XlZyyKng-");
  assert_both_ways ("&", "&-");
}

static void
test_basic (void)
{
  assert_both_ways ("", "");
  assert_both_ways ("INBOX", "INBOX");
  assert_both_ways ("Entwürfe", "Entw&APw-rfe");
  assert_both_ways ("é", "&AOk-");
  assert_both_ways ("éé", "&AOkA6Q-");
  assert_both_ways ("Tom & Jerry", "Tom &- Jerry");
  assert_both_ways ("&&", "&-&-");
  assert_both_ways ("&-", "&--");
  assert_both_ways ("é&", "&AOk-&-");
  assert_both_ways ("&é", "&-&AOk-");
  assert_both_ways ("é-", "&AOk--");
  assert_both_ways ("a\"b\\c %*", "a\"b\\c %*");
  /* Non-printable ASCII is encoded; printable never is. */
  assert_both_ways ("a\tb", "a&AAk-b");
  assert_both_ways ("\x7f", "&AH8-");
  assert_both_ways ("line\r\nbreak", "line&AA0ACg-break");
  /* Beyond the BMP: a surrogate pair in one run. */
  assert_both_ways ("😀", "&2D3eAA-");
  assert_both_ways ("\xf4\x8f\xbf\xbf", "&2,,f,w-");
  assert_both_ways ("a😀é😀b", "a&2D3eAADp2D3eAA-b");
}

static void
test_decode_length (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *decoded = NULL;

  /* The length bounds the input; it need not be nul-terminated. */
  decoded = tern_imap_utf7_decode ("abc&AOk-xyz", 3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, "abc");
  g_clear_pointer (&decoded, g_free);

  decoded = tern_imap_utf7_decode ("&AOk-xyz", 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, "é");
  g_clear_pointer (&decoded, g_free);

  decoded = tern_imap_utf7_decode (NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, "");

  /* Cut inside a run: unterminated. */
  assert_rejected_len ("&AOk-", 4);
  /* Cut between "&" and "-": a bare "&". */
  assert_rejected_len ("&-", 1);
}

static void
test_malformed (void)
{
  static const guint16 high_then_bmp[] = { 0xd83d, 0x00e9 };
  static const guint16 high_then_high[] = { 0xd83d, 0xd83d, 0xde00 };
  static const guint16 high_alone[] = { 0xd83d };
  static const guint16 low_alone[] = { 0xde00 };
  static const guint16 low_then_high[] = { 0xde00, 0xd83d };
  static const guint16 bmp_then_high[] = { 0x00e9, 0xd83d };
  static const guint16 printable[] = { 'a' };
  static const guint16 ampersand[] = { '&' };
  static const guint16 dash[] = { '-' };
  static const guint16 space[] = { ' ' };
  static const guint16 tilde[] = { '~' };
  static const guint16 nul[] = { 0 };
  static const guint16 e_then_nul[] = { 0x00e9, 0 };
  static const guint16 e_then_printable[] = { 0x00e9, 'x', 0x00e9 };
  static const struct
  {
    const guint16 *units;
    gsize n_units;
  } runs[] = {
    { high_then_bmp, G_N_ELEMENTS (high_then_bmp) },
    { high_then_high, G_N_ELEMENTS (high_then_high) },
    { high_alone, G_N_ELEMENTS (high_alone) },
    { low_alone, G_N_ELEMENTS (low_alone) },
    { low_then_high, G_N_ELEMENTS (low_then_high) },
    { bmp_then_high, G_N_ELEMENTS (bmp_then_high) },
    { printable, G_N_ELEMENTS (printable) },
    { ampersand, G_N_ELEMENTS (ampersand) },
    { dash, G_N_ELEMENTS (dash) },
    { space, G_N_ELEMENTS (space) },
    { tilde, G_N_ELEMENTS (tilde) },
    { nul, G_N_ELEMENTS (nul) },
    { e_then_nul, G_N_ELEMENTS (e_then_nul) },
    { e_then_printable, G_N_ELEMENTS (e_then_printable) },
  };
  static const char *const cases[] = {
    /* unterminated */
    "&",
    "a&",
    "&AOk",
    "Entw&APw",
    "&Jjo!",
    /* superfluous shift: two adjacent runs */
    "&U,BTFw-&ZeVnLIqe-",
    "&AOk-&AOk-",
    "a&AOk-&AOk-b",
    /* a surrogate pair split over two runs */
    "&2D0-&3gA-",
    /* base64 outside the modified alphabet */
    "&AO/-",
    "&AOk=-",
    "&AO k-",
    "&AO\x80k-",
    "&AOk\n-",
    /* padding: non-zero bits, or a whole needless character */
    "&AOl-",
    "&AOn-",
    "&AOkB-",
    "&AOkA-",
    "&AOkA6R-",
    "&AOkA6QA-",
    "&AOkA6QAA-",
    /* truncated units */
    "&A-",
    "&AO-",
    "&AOkA6-",
    /* bytes that may not stand for themselves */
    "caf\xc3\xa9",
    "a\tb",
    "a\nb",
    "a\rb",
    "\x7f",
    "\x01",
    "\xff",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i]);

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *run = make_run (runs[i].units, runs[i].n_units);
      g_autofree char *embedded = g_strconcat ("x", run, "y", NULL);

      assert_rejected (run);
      assert_rejected (embedded);
    }

  /* NUL in the raw bytes. */
  assert_rejected_len ("ab\0cd", 5);
  assert_rejected_len ("\0", 1);
  assert_rejected_len ("&AOk-\0", 6);
}

static void
test_make_run_agrees (void)
{
  static const guint16 units[] = { 0x53f0, 0x5317 };
  g_autofree char *run = make_run (units, G_N_ELEMENTS (units));

  /* The helper writes what the encoder writes, so the malformed cases above
   * fail for the reason they are meant to. */
  g_assert_cmpstr (run, ==, "&U,BTFw-");
}

static gunichar
random_char (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:
    case 1:
      return (gunichar) g_rand_int_range (rand, 0x20, 0x7f);
    case 2:
      return g_rand_boolean (rand) ? '&' : (gunichar) g_rand_int_range (rand, 0x01, 0x20);
    case 3:
      return (gunichar) g_rand_int_range (rand, 0x7f, 0x800);
    case 4:
      {
        gunichar c;

        do
          c = (gunichar) g_rand_int_range (rand, 0x800, 0x10000);
        while (c >= 0xd800 && c <= 0xdfff);
        return c;
      }
    case 5:
    default:
      return (gunichar) g_rand_int_range (rand, 0x10000, 0x110000);
    }
}

static void
test_round_trip_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20260226);

  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr (GString) name = g_string_new (NULL);
      g_autoptr (GError) error = NULL;
      g_autofree char *encoded = NULL;
      g_autofree char *decoded = NULL;
      int len = g_rand_int_range (rand, 0, 24);

      for (int j = 0; j < len; j++)
        g_string_append_unichar (name, random_char (rand));

      encoded = tern_imap_utf7_encode (name->str);
      for (const char *p = encoded; *p != '\0'; p++)
        g_assert_true (*p >= 0x20 && *p <= 0x7e);

      decoded = tern_imap_utf7_decode (encoded, strlen (encoded), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (decoded, ==, name->str);
    }
}

/* Random junk over the characters that matter: whatever decodes must be in
 * canonical form, i.e. encode back to the very same bytes. */
static void
test_canonical_random (void)
{
  static const char alphabet[] = "&&&--AAOOkk2D3e+,/=aZ09 !\t\xc3\xa9";
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  guint accepted = 0;

  for (guint i = 0; i < 200000; i++)
    {
      char input[16];
      gsize len = (gsize) g_rand_int_range (rand, 0, sizeof input);
      g_autoptr (GError) error = NULL;
      g_autofree char *decoded = NULL;

      for (gsize j = 0; j < len; j++)
        input[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];

      decoded = tern_imap_utf7_decode (input, len, &error);
      if (decoded != NULL)
        {
          g_autofree char *encoded = tern_imap_utf7_encode (decoded);

          g_assert_true (g_utf8_validate (decoded, -1, NULL));
          g_assert_cmpmem (encoded, strlen (encoded), input, len);
          accepted++;
        }
      else
        {
          g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
        }
    }

  g_test_message ("%u of 200000 accepted", accepted);
  g_assert_cmpuint (accepted, >, 1000);
}

static void
test_encode_invalid_utf8 (void)
{
  char *encoded;

  g_test_expect_message ("tern-imap", G_LOG_LEVEL_CRITICAL, "*g_utf8_validate*");
  encoded = tern_imap_utf7_encode ("caf\xe9");
  g_test_assert_expected_messages ();
  g_assert_null (encoded);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/utf7/rfc-examples", test_rfc_examples);
  g_test_add_func ("/imap/utf7/basic", test_basic);
  g_test_add_func ("/imap/utf7/decode-length", test_decode_length);
  g_test_add_func ("/imap/utf7/malformed", test_malformed);
  g_test_add_func ("/imap/utf7/make-run-agrees", test_make_run_agrees);
  g_test_add_func ("/imap/utf7/round-trip-random", test_round_trip_random);
  g_test_add_func ("/imap/utf7/canonical-random", test_canonical_random);
  g_test_add_func ("/imap/utf7/encode-invalid-utf8", test_encode_invalid_utf8);

  return g_test_run ();
}
