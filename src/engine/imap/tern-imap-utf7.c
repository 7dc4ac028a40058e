/* tern-imap-utf7.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Modified UTF-7 (RFC 3501 §5.1.3), the mailbox name encoding of IMAP4rev1
 * servers without UTF8=ACCEPT.
 *
 * Printable US-ASCII (0x20–0x7e) stands for itself, except "&" which is
 * written "&-". Everything else is UTF-16BE in a base64 variant (',' for '/',
 * no '=' padding) between "&" and "-".
 *
 * Decoding is strict, because names come from the server and a name that
 * decodes must encode back to the same bytes (the name we show is the name we
 * send): every form that the RFC forbids or that the encoder would never
 * produce is an error, never a guess. The caller may then show the raw bytes.
 *
 * Threading: pure functions, any thread.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-utf7.h"

static const char base64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static inline gboolean
is_direct (gunichar c)
{
  return c >= 0x20 && c <= 0x7e;
}

static int
base64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == ',')
    return 63;
  return -1;
}

static void
append_units (GString *out, guint32 *bits, guint *nbits, gunichar2 unit)
{
  *bits = (*bits << 16) | unit;
  *nbits += 16;

  while (*nbits >= 6)
    {
      *nbits -= 6;
      g_string_append_c (out, base64_alphabet[(*bits >> *nbits) & 0x3f]);
    }

  *bits &= (1u << *nbits) - 1;
}

/**
 * tern_imap_utf7_encode:
 * @utf8: a valid UTF-8 mailbox name
 *
 * Encodes @utf8 in modified UTF-7, in the one canonical form (one base64 run
 * per stretch of non-printable characters, zero padding bits).
 *
 * Returns: (transfer full): the 7-bit encoded name
 */
char *
tern_imap_utf7_encode (const char *utf8)
{
  GString *out;
  const char *p = utf8;

  g_return_val_if_fail (utf8 != NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (utf8, -1, NULL), NULL);

  out = g_string_sized_new (strlen (utf8) + 1);

  while (*p != '\0')
    {
      guint32 bits = 0;
      guint nbits = 0;

      if (is_direct ((guchar) *p))
        {
          if (*p == '&')
            g_string_append (out, "&-");
          else
            g_string_append_c (out, *p);
          p++;
          continue;
        }

      g_string_append_c (out, '&');
      while (*p != '\0' && !is_direct ((guchar) *p))
        {
          gunichar c = g_utf8_get_char (p);

          p = g_utf8_next_char (p);
          if (c >= 0x10000)
            {
              c -= 0x10000;
              append_units (out, &bits, &nbits, (gunichar2) (0xd800 + (c >> 10)));
              append_units (out, &bits, &nbits, (gunichar2) (0xdc00 + (c & 0x3ff)));
            }
          else
            {
              append_units (out, &bits, &nbits, (gunichar2) c);
            }
        }
      if (nbits > 0)
        g_string_append_c (out, base64_alphabet[(bits << (6 - nbits)) & 0x3f]);
      g_string_append_c (out, '-');
    }

  return g_string_free (out, FALSE);
}

G_GNUC_PRINTF (3, 4)
static gpointer
fail (GString *out, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_string_free (out, TRUE);
  g_set_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE,
               "invalid modified UTF-7 mailbox name: %s", message);
  return NULL;
}

/**
 * tern_imap_utf7_decode:
 * @mutf7: the bytes of a mailbox name as the server sent it
 * @len: the length of @mutf7 (it need not be nul-terminated)
 * @error: return location for a %G_CONVERT_ERROR_ILLEGAL_SEQUENCE error,
 *   as g_utf16_to_utf8() and the other charset converters report
 *
 * Decodes a modified UTF-7 name. Anything that is not in the canonical form
 * that tern_imap_utf7_encode() produces is refused: bytes outside printable
 * ASCII, a bare "&", base64 outside the alphabet, a run that is not
 * terminated by "-", leftover or non-zero padding bits, printable ASCII or NUL
 * encoded in base64, unpaired surrogates, and two adjacent base64 runs.
 *
 * Returns: (transfer full) (nullable): the name in UTF-8, without NUL
 */
char *
tern_imap_utf7_decode (const char *mutf7, gsize len, GError **error)
{
  GString *out;
  gboolean after_run = FALSE;
  gsize i = 0;

  g_return_val_if_fail (mutf7 != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_string_sized_new (len + 1);

  while (i < len)
    {
      guchar c = (guchar) mutf7[i];
      gsize run_start;
      guint32 bits = 0;
      guint nbits = 0;
      gunichar2 high = 0;

      if (c != '&')
        {
          if (!is_direct (c))
            return fail (out, error, "byte 0x%02x at offset %" G_GSIZE_FORMAT, c, i);
          g_string_append_c (out, (char) c);
          after_run = FALSE;
          i++;
          continue;
        }

      if (i + 1 < len && mutf7[i + 1] == '-')
        {
          g_string_append_c (out, '&');
          after_run = FALSE;
          i += 2;
          continue;
        }

      /* "&U,BTFw-&ZeVnLIqe-" is not permitted: one run must hold both. */
      if (after_run)
        return fail (out, error, "superfluous shift at offset %" G_GSIZE_FORMAT, i);

      run_start = i++;
      for (;;)
        {
          int value;

          if (i >= len)
            return fail (out, error, "unterminated “&” at offset %" G_GSIZE_FORMAT, run_start);

          c = (guchar) mutf7[i];
          if (c == '-')
            break;

          value = base64_value (c);
          if (value < 0)
            return fail (out, error, "byte 0x%02x in base64 at offset %" G_GSIZE_FORMAT, c, i);

          bits = (bits << 6) | (guint32) value;
          nbits += 6;
          i++;

          if (nbits >= 16)
            {
              gunichar2 unit;

              nbits -= 16;
              unit = (gunichar2) (bits >> nbits);
              bits &= (1u << nbits) - 1;

              if (high != 0)
                {
                  gunichar cp;

                  if (unit < 0xdc00 || unit > 0xdfff)
                    return fail (out, error, "unpaired surrogate before offset %" G_GSIZE_FORMAT,
                                 i);
                  cp = 0x10000 + (((gunichar) high - 0xd800) << 10) + ((gunichar) unit - 0xdc00);
                  g_string_append_unichar (out, cp);
                  high = 0;
                }
              else if (unit >= 0xd800 && unit <= 0xdbff)
                {
                  high = unit;
                }
              else if (unit >= 0xdc00 && unit <= 0xdfff)
                {
                  return fail (out, error, "unpaired surrogate before offset %" G_GSIZE_FORMAT, i);
                }
              else if (unit == 0)
                {
                  return fail (out, error, "encoded NUL before offset %" G_GSIZE_FORMAT, i);
                }
              else if (is_direct (unit))
                {
                  return fail (out, error, "encoded printable ASCII before offset %" G_GSIZE_FORMAT,
                               i);
                }
              else
                {
                  g_string_append_unichar (out, unit);
                }
            }
        }

      if (high != 0)
        return fail (out, error, "unpaired surrogate at offset %" G_GSIZE_FORMAT, i);
      /* At most 4 bits of padding, all zero: the only form the encoder writes. */
      if (nbits >= 6)
        return fail (out, error, "truncated base64 at offset %" G_GSIZE_FORMAT, i);
      if (bits != 0)
        return fail (out, error, "non-zero padding bits at offset %" G_GSIZE_FORMAT, i);

      i++;
      after_run = TRUE;
    }

  return g_string_free (out, FALSE);
}
