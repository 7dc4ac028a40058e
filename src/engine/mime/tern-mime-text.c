/* tern-mime-text.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Text helpers of the GMime glue (DESIGN "Layers": mime/).
 *
 * Charset conversion goes through GMime's iconv cache and charset aliases;
 * an unconvertible byte becomes U+FFFD and conversion goes on after it, so
 * a single bad byte never loses the rest of a part. A charset iconv does not
 * know is read as UTF-8 when the bytes are valid UTF-8, else as Latin-1.
 *
 * The HTML converter is a single forward scan with no element stack: its
 * work and memory are linear in the input however deep the nesting, and an
 * attribute value is kept only up to a fixed size however long it is.
 *
 * Threading: any thread.
 */

#define G_LOG_DOMAIN "tern-mime"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>

#include "tern-mime-text-private.h"

#define REPLACEMENT "\xef\xbf\xbd"
#define MAX_ATTR_VALUE 2048
#define MAX_QUOTE_PREFIX 8

void
tern_mime_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_mime_init ();
      g_once_init_leave (&initialized, 1);
    }
}

static char *
latin1_to_utf8 (const char *data, gsize len)
{
  GString *out = g_string_sized_new (len + len / 4 + 1);

  for (gsize i = 0; i < len; i++)
    g_string_append_unichar (out, (guchar) data[i]);
  return g_string_free (out, FALSE);
}

static char *
make_valid (const char *data, gsize len)
{
  if (g_utf8_validate_len (data, len, NULL))
    return g_strndup (data, len);
  return g_utf8_make_valid (data, len);
}

static gboolean
is_utf8_name (const char *charset)
{
  return g_ascii_strcasecmp (charset, "utf-8") == 0 || g_ascii_strcasecmp (charset, "utf8") == 0;
}

static gboolean
is_ascii_name (const char *charset)
{
  return g_ascii_strcasecmp (charset, "us-ascii") == 0 ||
         g_ascii_strcasecmp (charset, "ascii") == 0;
}

/* iconv_open() loads a gconv module and iconv_close() unloads it again:
 * per encoded header that was most of a sync's time. Converters to UTF-8 are
 * kept, one per charset (a bounded number), and used under the lock. */
#define MAX_CONVERTERS 64

static GMutex converters_lock;
static GHashTable *converters; /* iconv name → iconv_t */

static iconv_t
get_converter (const char *iconv_name, gboolean *out_cached)
{
  gpointer found;
  iconv_t cd;

  if (converters == NULL)
    converters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_lookup_extended (converters, iconv_name, NULL, &found))
    {
      cd = (iconv_t) found;
      iconv (cd, NULL, NULL, NULL, NULL); /* back to the initial state */
      *out_cached = TRUE;
      return cd;
    }
  cd = g_mime_iconv_open ("UTF-8", iconv_name);
  *out_cached = FALSE;
  if (cd != (iconv_t) -1 && g_hash_table_size (converters) < MAX_CONVERTERS)
    {
      g_hash_table_insert (converters, g_strdup (iconv_name), (gpointer) cd);
      *out_cached = TRUE;
    }
  return cd;
}

char *
tern_mime_convert_to_utf8 (const char *data, gsize len, const char *charset)
{
  const char *iconv_name;
  iconv_t cd;
  GString *out;
  char buffer[4096];
  char *in = (char *) data;
  gsize in_left = len;
  gboolean cached = FALSE;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  tern_mime_init ();

  if (len == 0)
    return g_strdup ("");
  if (charset == NULL || *charset == '\0' || is_ascii_name (charset) || is_utf8_name (charset))
    {
      /* Undeclared or "us-ascii" 8-bit text is usually UTF-8, else Latin-1. */
      if (charset != NULL && is_utf8_name (charset))
        return make_valid (data, len);
      if (g_utf8_validate_len (data, len, NULL))
        return g_strndup (data, len);
      return latin1_to_utf8 (data, len);
    }

  iconv_name = g_mime_charset_iconv_name (charset);
  g_mutex_lock (&converters_lock);
  cd = get_converter (iconv_name, &cached);
  if (cd == (iconv_t) -1)
    {
      g_mutex_unlock (&converters_lock);
      g_debug ("unknown charset \"%s\", reading as UTF-8 or Latin-1", charset);
      if (g_utf8_validate_len (data, len, NULL))
        return g_strndup (data, len);
      return latin1_to_utf8 (data, len);
    }

  out = g_string_sized_new (len + 16);
  while (in_left > 0)
    {
      char *out_p = buffer;
      gsize out_left = sizeof buffer;
      gsize r = iconv (cd, &in, &in_left, &out_p, &out_left);
      int saved_errno = errno;

      g_string_append_len (out, buffer, out_p - buffer);
      if (r != (gsize) -1)
        break;
      if (saved_errno == E2BIG)
        continue;
      /* EILSEQ (invalid byte) or EINVAL (truncated sequence at the end). */
      g_string_append (out, REPLACEMENT);
      if (saved_errno == EINVAL)
        break;
      in++;
      in_left--;
      iconv (cd, NULL, NULL, NULL, NULL);
    }

  {
    char *out_p = buffer;
    gsize out_left = sizeof buffer;

    iconv (cd, NULL, NULL, &out_p, &out_left);
    g_string_append_len (out, buffer, out_p - buffer);
  }
  if (!cached)
    g_mime_iconv_close (cd);
  g_mutex_unlock (&converters_lock);

  if (!g_utf8_validate_len (out->str, out->len, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, out->len);

      g_string_free (out, TRUE);
      return valid;
    }
  return g_string_free (out, FALSE);
}

/* One RFC 2047 encoded word at p: "=?charset[*lang]?B|Q?text?=". On success
 * sets the charset, decoded bytes and the end of the word. */
static gboolean
parse_encoded_word (const char *p,
                    const char *end,
                    char **out_charset,
                    GByteArray *out,
                    const char **out_end)
{
  const char *charset = p + 2;
  const char *q1 = memchr (charset, '?', end - charset);
  const char *text;
  const char *stop;
  char encoding;

  if (q1 == NULL || q1 == charset || q1 + 3 >= end || q1[2] != '?')
    return FALSE;
  encoding = g_ascii_toupper (q1[1]);
  if (encoding != 'B' && encoding != 'Q')
    return FALSE;
  text = q1 + 3;
  for (stop = text; stop + 1 < end; stop++)
    if (stop[0] == '?' && stop[1] == '=')
      break;
    else if (g_ascii_isspace (*stop))
      return FALSE;
  if (stop + 1 >= end)
    return FALSE;

  {
    const char *lang = memchr (charset, '*', q1 - charset);

    *out_charset = g_strndup (charset, (lang ? lang : q1) - charset);
  }
  if (encoding == 'B')
    {
      /* Each word decodes on its own: a padded word ends its own state. */
      gsize start = out->len;
      gint state = 0;
      guint save = 0;
      gsize n;

      g_byte_array_set_size (out, start + (stop - text) * 3 / 4 + 3);
      n = g_base64_decode_step (text, stop - text, out->data + start, &state, &save);
      g_byte_array_set_size (out, start + n);
    }
  else
    for (const char *c = text; c < stop; c++)
      {
        guint8 byte = *c;

        if (*c == '_')
          byte = ' ';
        else if (*c == '=' && c + 2 < stop + 1 && g_ascii_isxdigit (c[1]) &&
                 g_ascii_isxdigit (c[2]))
          {
            byte = g_ascii_xdigit_value (c[1]) * 16 + g_ascii_xdigit_value (c[2]);
            c += 2;
          }
        g_byte_array_append (out, &byte, 1);
      }
  *out_end = stop + 2;
  return TRUE;
}

/* A decoded run of encoded words, as text or as one UTF-8 encoded word. */
static void
append_decoded (GString *out, const char *utf8, gboolean reencode)
{
  if (reencode)
    {
      g_autofree char *b64 = g_base64_encode ((const guchar *) utf8, strlen (utf8));

      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
    }
  else
    g_string_append (out, utf8);
}

/* RFC 2047 decoding done here rather than by GMime 3.2, which joins
 * adjacent base64 words into one decoder and loses the words after one
 * that ends in padding. Adjacent words of one charset are converted
 * together, so a character split between two words survives. Text outside
 * encoded words is UTF-8 when valid, else Latin-1. Folding is undone.
 * With reencode, each run of adjacent encoded words becomes one UTF-8 word
 * and the rest is left as it is, so that GMime's address parser, which
 * decodes names itself, gets words it decodes right. */
static char *
decode_rfc2047 (const char *raw, gboolean reencode)
{
  g_autofree char *unfolded = NULL;
  GString *out;
  GByteArray *pending = g_byte_array_new ();
  g_autofree char *pending_charset = NULL;
  const char *p;
  const char *end;
  const char *text_start;

  unfolded = g_mime_utils_header_unfold (raw);
  p = unfolded;
  end = p + strlen (p);
  out = g_string_sized_new (end - p);
  text_start = p;

#define FLUSH_PENDING()                                                                            \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (pending_charset != NULL)                                                                   \
      {                                                                                            \
        char *converted =                                                                          \
          tern_mime_convert_to_utf8 ((const char *) pending->data, pending->len, pending_charset); \
        append_decoded (out, converted, reencode);                                                 \
        g_free (converted);                                                                        \
        g_clear_pointer (&pending_charset, g_free);                                                \
        g_byte_array_set_size (pending, 0);                                                        \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

  while (p < end)
    {
      const char *word = strstr (p, "=?");
      const char *word_end = NULL;
      char *charset = NULL;
      GByteArray *bytes;
      gboolean only_space = TRUE;

      if (word == NULL)
        break;
      bytes = g_byte_array_new ();
      if (!parse_encoded_word (word, end, &charset, bytes, &word_end))
        {
          g_byte_array_unref (bytes);
          p = word + 2;
          continue;
        }
      for (const char *c = text_start; c < word; c++)
        if (!g_ascii_isspace (*c))
          only_space = FALSE;
      /* Whitespace between two encoded words is dropped. */
      if (!(only_space && pending_charset != NULL))
        {
          FLUSH_PENDING ();
          if (word > text_start && reencode)
            g_string_append_len (out, text_start, word - text_start);
          else if (word > text_start)
            {
              char *text = tern_mime_convert_to_utf8 (text_start, word - text_start, NULL);

              g_string_append (out, text);
              g_free (text);
            }
        }
      if (pending_charset != NULL && g_ascii_strcasecmp (pending_charset, charset) != 0)
        FLUSH_PENDING ();
      if (pending_charset == NULL)
        pending_charset = g_strdup (charset);
      g_byte_array_append (pending, bytes->data, bytes->len);
      g_byte_array_unref (bytes);
      g_free (charset);
      p = text_start = word_end;
    }
  FLUSH_PENDING ();
#undef FLUSH_PENDING
  if (end > text_start && reencode)
    g_string_append (out, text_start);
  else if (end > text_start)
    {
      char *text = tern_mime_convert_to_utf8 (text_start, end - text_start, NULL);

      g_string_append (out, text);
      g_free (text);
    }
  g_byte_array_unref (pending);
  return g_string_free (out, FALSE);
}

char *
tern_mime_decode_header_text (const char *raw)
{
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return g_strdup ("");

  tern_mime_init ();
  decoded = decode_rfc2047 (raw, FALSE);
  g_strstrip (decoded);
  return make_valid (decoded, strlen (decoded));
}

char *
tern_mime_decode_header_phrase (const char *raw)
{
  g_autofree char *decoded = NULL;

  if (raw == NULL)
    return g_strdup ("");

  tern_mime_init ();
  decoded = decode_rfc2047 (raw, FALSE);
  /* A display name is shown without its quoting. */
  g_mime_utils_unquote_string (decoded);
  g_strstrip (decoded);
  return make_valid (decoded, strlen (decoded));
}

void
tern_mime_address_free (TernMimeAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->name);
  g_free (address->address);
  g_free (address);
}

void
tern_mime_attachment_free (TernMimeAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->section);
  g_free (attachment->filename);
  g_free (attachment->mime_type);
  g_free (attachment);
}

static void
collect_addresses (InternetAddressList *list, GPtrArray *out, guint depth)
{
  int n = list ? internet_address_list_length (list) : 0;

  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (ia))
        {
          /* RFC 5322 groups do not nest; GMime's do, so bound it. */
          if (depth < 4)
            collect_addresses (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)),
                               out, depth + 1);
        }
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          TernMimeAddress *address = g_new0 (TernMimeAddress, 1);
          const char *name = internet_address_get_name (ia);
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));

          address->name = make_valid (name ? name : "", name ? strlen (name) : 0);
          address->address = make_valid (addr ? addr : "", addr ? strlen (addr) : 0);
          g_ptr_array_add (out, address);
        }
    }
}

GPtrArray *
_tern_mime_addresses_from_list (InternetAddressList *list)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_mime_address_free);

  collect_addresses (list, out, 0);
  return out;
}

char *
_tern_mime_make_valid (const char *data, gssize len)
{
  if (data == NULL)
    return g_strdup ("");
  return make_valid (data, len < 0 ? strlen (data) : (gsize) len);
}

/* Returns an array of TernMimeAddress, groups flattened; empty, never NULL. */
GPtrArray *
tern_mime_parse_address_list (const char *raw)
{
  g_autofree char *normalized = NULL;
  InternetAddressList *list;
  GPtrArray *out;

  if (raw == NULL)
    return _tern_mime_addresses_from_list (NULL);

  tern_mime_init ();
  normalized = decode_rfc2047 (raw, TRUE);
  list = internet_address_list_parse (NULL, normalized);
  out = _tern_mime_addresses_from_list (list);
  g_clear_object (&list);
  return out;
}

/* Decodes base64, quoted-printable and uuencode; anything else (7bit, 8bit,
 * binary, unknown) is returned as it is. */
GBytes *
tern_mime_decode_transfer (GBytes *raw, const char *encoding)
{
  GMimeContentEncoding kind;
  GMimeEncoding state;
  const char *data;
  gsize len;
  char *out;
  gsize n;

  g_return_val_if_fail (raw != NULL, NULL);

  tern_mime_init ();
  kind = encoding ? g_mime_content_encoding_from_string (encoding) : GMIME_CONTENT_ENCODING_DEFAULT;
  if (kind != GMIME_CONTENT_ENCODING_BASE64 && kind != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
      kind != GMIME_CONTENT_ENCODING_UUENCODE)
    return g_bytes_ref (raw);

  data = g_bytes_get_data (raw, &len);
  g_mime_encoding_init_decode (&state, kind);
  out = g_malloc (g_mime_encoding_outlen (&state, len) + 1);
  n = g_mime_encoding_flush (&state, data ? data : "", len, out);
  return g_bytes_new_take (g_realloc (out, n + 1), n);
}

char *
tern_mime_decode_text_part (GBytes *raw, const char *encoding, const char *charset)
{
  g_autoptr (GBytes) decoded = NULL;
  const char *data;
  gsize len;

  g_return_val_if_fail (raw != NULL, NULL);

  decoded = tern_mime_decode_transfer (raw, encoding);
  data = g_bytes_get_data (decoded, &len);
  return tern_mime_convert_to_utf8 (data ? data : "", len, charset);
}

/* The charset an HTML part declares in a <meta> near its start, or NULL. */
char *
_tern_mime_sniff_html_charset (const char *data, gsize len)
{
  const char *end = data + MIN (len, 2048);

  for (const char *p = data; p + 8 < end; p++)
    if (g_ascii_strncasecmp (p, "charset=", 8) == 0)
      {
        const char *start = p + 8;
        const char *stop;

        while (start < end && (*start == '"' || *start == '\'' || *start == ' '))
          start++;
        stop = start;
        while (stop < end && (g_ascii_isalnum (*stop) || strchr ("-_:.", *stop) != NULL))
          stop++;
        return stop > start ? g_strndup (start, stop - start) : NULL;
      }
  return NULL;
}

/* HTML to text */

typedef struct
{
  GString *out;
  guint pending_newlines;
  guint quote_depth;
  guint pre_depth;
  gboolean pending_space;
  GString *href;
  gsize link_start;
  gboolean in_link;
  gboolean head_unclosed; /* no "</head" after here: do not search again */
} HtmlState;

static void
html_line_break (HtmlState *st, guint n)
{
  st->pending_newlines = MAX (st->pending_newlines, n);
  st->pending_space = FALSE;
}

static void
html_flush (HtmlState *st)
{
  if (st->out->len > 0 && st->pending_newlines > 0)
    {
      for (guint i = 0; i < MIN (st->pending_newlines, 2); i++)
        g_string_append_c (st->out, '\n');
      for (guint i = 0; i < MIN (st->quote_depth, MAX_QUOTE_PREFIX); i++)
        g_string_append (st->out, "> ");
    }
  else if (st->out->len == 0 && st->quote_depth > 0)
    {
      for (guint i = 0; i < MIN (st->quote_depth, MAX_QUOTE_PREFIX); i++)
        g_string_append (st->out, "> ");
    }
  else if (st->pending_space && st->out->len > 0)
    g_string_append_c (st->out, ' ');
  st->pending_newlines = 0;
  st->pending_space = FALSE;
}

static void
html_text (HtmlState *st, const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (st->pre_depth > 0)
        {
          if (c == '\n')
            {
              html_flush (st);
              st->pending_newlines = 1;
              continue;
            }
          if (c == '\r')
            continue;
          html_flush (st);
          g_string_append_c (st->out, c);
        }
      else if (g_ascii_isspace (c))
        st->pending_space = TRUE;
      else
        {
          html_flush (st);
          g_string_append_c (st->out, c);
        }
    }
}

static const struct
{
  const char *name;
  gunichar c;
} html_entities[] = {
  { "amp", '&' },       { "lt", '<' },       { "gt", '>' },       { "quot", '"' },
  { "apos", '\'' },     { "nbsp", ' ' },     { "copy", 0xa9 },    { "reg", 0xae },
  { "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 }, { "lsquo", 0x2018 },
  { "rsquo", 0x2019 },  { "ldquo", 0x201c }, { "rdquo", 0x201d }, { "laquo", 0xab },
  { "raquo", 0xbb },    { "euro", 0x20ac },  { "trade", 0x2122 }, { "bull", 0x2022 },
  { "middot", 0xb7 },   { "shy", 0 },        { "zwnj", 0 },       { "zwj", 0 },
};

/* Decodes the entity at p (which points at '&'); returns the bytes consumed,
 * 0 when it is not an entity, and the character in *out_c (0: nothing). */
static gsize
html_entity (const char *p, const char *end, gunichar *out_c)
{
  const char *q = p + 1;

  if (q < end && *q == '#')
    {
      gboolean hex = FALSE;
      guint64 value = 0;
      guint digits = 0;

      q++;
      if (q < end && (*q == 'x' || *q == 'X'))
        {
          hex = TRUE;
          q++;
        }
      while (q < end && digits < 10 && (hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q)))
        {
          value = value * (hex ? 16 : 10) + (hex ? g_ascii_xdigit_value (*q) : *q - '0');
          digits++;
          q++;
        }
      if (digits == 0)
        return 0;
      if (q < end && *q == ';')
        q++;
      if (value == 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        *out_c = 0xfffd;
      else
        *out_c = (gunichar) value;
      return q - p;
    }

  for (guint i = 0; i < G_N_ELEMENTS (html_entities); i++)
    {
      gsize n = strlen (html_entities[i].name);

      if ((gsize) (end - q) > n && strncmp (q, html_entities[i].name, n) == 0 && q[n] == ';')
        {
          *out_c = html_entities[i].c;
          return n + 2;
        }
    }
  return 0;
}

static void
html_decoded_text (HtmlState *st, const char *p, const char *end)
{
  while (p < end)
    {
      const char *amp = memchr (p, '&', end - p);
      gunichar c = 0;
      gsize n;

      if (amp == NULL)
        {
          html_text (st, p, end - p);
          return;
        }
      html_text (st, p, amp - p);
      n = html_entity (amp, end, &c);
      if (n == 0)
        {
          html_text (st, "&", 1);
          p = amp + 1;
          continue;
        }
      if (c != 0)
        {
          char utf8[8];
          int len = g_unichar_to_utf8 (c, utf8);

          html_text (st, utf8, len);
        }
      p = amp + n;
    }
}

static const char *
find_ci (const char *p, const char *end, const char *needle)
{
  gsize n = strlen (needle);

  for (; (gsize) (end - p) >= n; p++)
    if (g_ascii_strncasecmp (p, needle, n) == 0)
      return p;
  return NULL;
}

static gboolean
tag_in (const char *name, const char *const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (strcmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
html_link_end (HtmlState *st)
{
  const char *href = st->href->str;
  const char *text = st->out->str + st->link_start;

  if (!st->in_link)
    return;
  st->in_link = FALSE;
  if (*href == '\0' || *href == '#' || g_ascii_strncasecmp (href, "javascript:", 11) == 0)
    return;
  if (g_ascii_strncasecmp (href, "mailto:", 7) == 0 && strcmp (text, href + 7) == 0)
    return;
  if (strcmp (text, href) == 0)
    return;
  html_flush (st);
  if (st->out->len > st->link_start)
    g_string_append_c (st->out, ' ');
  g_string_append_c (st->out, '<');
  g_string_append (st->out, href);
  g_string_append_c (st->out, '>');
}

/* Parses the tag whose '<' is at p; returns where the text resumes. */
static const char *
html_tag (HtmlState *st, const char *p, const char *end)
{
  static const char *const blocks[] = {
    "div",     "ul",      "ol",     "table",  "tr",  "dl",      "dt",   "dd",
    "section", "article", "header", "footer", "nav", "address", "form", "fieldset",
    "figure",  "center",  "h1",     "h2",     "h3",  "h4",      "h5",   "h6",
    "hr",      "caption", "main",   "aside",  NULL,
  };
  static const char *const skipped[] = { "script", "style",  "title", "template", "noscript",
                                         "head",   "object", "svg",   NULL };
  char name[16];
  gsize name_len = 0;
  gboolean closing = FALSE;
  GString *href = NULL;
  GString *alt = NULL;
  const char *q = p + 1;

  if (q < end && *q == '/')
    {
      closing = TRUE;
      q++;
    }
  while (q < end && (g_ascii_isalnum (*q) || *q == '-' || *q == ':'))
    {
      if (name_len + 1 < sizeof name)
        name[name_len++] = g_ascii_tolower (*q);
      q++;
    }
  name[name_len] = '\0';

  /* Attributes: scanned to the closing '>', values kept only when wanted. */
  while (q < end && *q != '>')
    {
      const char *attr = q;
      gsize attr_len;
      GString *keep = NULL;

      if (g_ascii_isspace (*q) || *q == '/')
        {
          q++;
          continue;
        }
      while (q < end && !g_ascii_isspace (*q) && *q != '=' && *q != '>' && *q != '/')
        q++;
      attr_len = q - attr;
      if (!closing && attr_len == 4 && g_ascii_strncasecmp (attr, "href", 4) == 0 &&
          strcmp (name, "a") == 0)
        keep = href = href ? href : g_string_new (NULL);
      else if (!closing && attr_len == 3 && g_ascii_strncasecmp (attr, "alt", 3) == 0 &&
               strcmp (name, "img") == 0)
        keep = alt = alt ? alt : g_string_new (NULL);
      if (attr_len == 0)
        q++;
      while (q < end && g_ascii_isspace (*q))
        q++;
      if (q < end && *q == '=')
        {
          const char *value;
          const char *value_end;

          q++;
          while (q < end && g_ascii_isspace (*q))
            q++;
          if (q < end && (*q == '"' || *q == '\''))
            {
              char quote = *q++;

              value = q;
              value_end = memchr (q, quote, end - q);
              if (value_end == NULL)
                value_end = end;
              q = value_end < end ? value_end + 1 : end;
            }
          else
            {
              value = q;
              while (q < end && !g_ascii_isspace (*q) && *q != '>')
                q++;
              value_end = q;
            }
          if (keep != NULL)
            {
              g_string_truncate (keep, 0);
              g_string_append_len (keep, value, MIN ((gsize) (value_end - value), MAX_ATTR_VALUE));
            }
        }
    }
  if (q < end)
    q++;

  if (!closing && tag_in (name, skipped) && !(st->head_unclosed && strcmp (name, "head") == 0))
    {
      g_autofree char *close = g_strdup_printf ("</%s", name);
      const char *stop = find_ci (q, end, close);

      if (stop != NULL)
        q = stop;
      else if (strcmp (name, "head") != 0)
        q = end; /* an unclosed script or style hides the rest */
      else
        st->head_unclosed = TRUE; /* keeps many unclosed <head> linear */
    }
  else if (strcmp (name, "br") == 0)
    {
      html_flush (st);
      st->pending_newlines = 1;
      if (st->out->len == 0)
        g_string_append_c (st->out, '\n');
    }
  else if (strcmp (name, "p") == 0)
    html_line_break (st, 2);
  else if (strcmp (name, "blockquote") == 0)
    {
      html_line_break (st, 1);
      if (closing && st->quote_depth > 0)
        st->quote_depth--;
      else if (!closing)
        st->quote_depth++;
    }
  else if (strcmp (name, "pre") == 0)
    {
      html_line_break (st, 1);
      if (closing && st->pre_depth > 0)
        st->pre_depth--;
      else if (!closing)
        st->pre_depth++;
    }
  else if (strcmp (name, "li") == 0)
    {
      html_line_break (st, 1);
      if (!closing)
        {
          html_flush (st);
          g_string_append (st->out, "• ");
        }
    }
  else if (tag_in (name, blocks))
    html_line_break (st, 1);
  else if (strcmp (name, "td") == 0 || strcmp (name, "th") == 0)
    st->pending_space = TRUE;
  else if (strcmp (name, "a") == 0)
    {
      html_link_end (st);
      if (!closing && href != NULL)
        {
          g_autofree char *decoded = NULL;
          HtmlState sub = { 0 };

          /* href values carry entities (&amp;) like text does. */
          sub.out = g_string_new (NULL);
          html_decoded_text (&sub, href->str, href->str + href->len);
          decoded = g_string_free (sub.out, FALSE);
          g_string_assign (st->href, decoded);
          html_flush (st);
          st->link_start = st->out->len;
          st->in_link = TRUE;
        }
    }
  else if (strcmp (name, "img") == 0 && alt != NULL && alt->len > 0)
    {
      html_text (st, "[", 1);
      html_decoded_text (st, alt->str, alt->str + alt->len);
      html_text (st, "]", 1);
    }

  if (href)
    g_string_free (href, TRUE);
  if (alt)
    g_string_free (alt, TRUE);
  return q;
}

char *
tern_mime_html_to_text (const char *html, gsize len)
{
  HtmlState st = { 0 };
  const char *p = html;
  const char *end = html + len;
  char *result;

  g_return_val_if_fail (html != NULL || len == 0, NULL);

  st.out = g_string_sized_new (len / 2 + 1);
  st.href = g_string_new (NULL);

  while (p < end)
    {
      const char *lt = memchr (p, '<', end - p);

      if (lt == NULL)
        {
          html_decoded_text (&st, p, end);
          break;
        }
      html_decoded_text (&st, p, lt);
      p = lt;

      if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
        {
          const char *stop = find_ci (p + 4, end, "-->");

          p = stop ? stop + 3 : end;
        }
      else if (end - p >= 2 && (p[1] == '!' || p[1] == '?'))
        {
          const char *stop = memchr (p, '>', end - p);

          p = stop ? stop + 1 : end;
        }
      else if (end - p >= 2 && (g_ascii_isalpha (p[1]) || p[1] == '/'))
        p = html_tag (&st, p, end);
      else
        {
          html_text (&st, "<", 1);
          p++;
        }
    }
  html_link_end (&st);

  while (st.out->len > 0 && g_ascii_isspace (st.out->str[st.out->len - 1]))
    g_string_truncate (st.out, st.out->len - 1);
  g_string_free (st.href, TRUE);

  result = make_valid (st.out->str, st.out->len);
  g_string_free (st.out, TRUE);
  return result;
}

/* Preview */

static gboolean
is_signature_line (const char *line, gsize len)
{
  return (len == 3 && memcmp (line, "-- ", 3) == 0) || (len == 2 && memcmp (line, "--", 2) == 0);
}

static const char *
skip_blanks (const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
    p++;
  return p;
}

/* The first max_chars characters of the visible text: quoted lines, the
 * attribution line before them and the signature skipped, whitespace
 * collapsed to single spaces. */
char *
tern_mime_make_preview (const char *text, guint max_chars)
{
  GString *out;
  const char *p = text;
  const char *end;
  guint n_chars = 0;
  gboolean space = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  end = text + strlen (text);
  out = g_string_sized_new (MIN (max_chars * 2, 1024) + 1);
  while (p < end && n_chars < max_chars)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl ? nl : end;
      const char *next = nl ? nl + 1 : end;
      const char *start = skip_blanks (p, line_end);
      const char *trimmed;
      gsize raw_len = line_end - p;

      if (raw_len > 0 && p[raw_len - 1] == '\r')
        raw_len--;
      if (is_signature_line (p, raw_len))
        break;
      if (start < line_end && *start == '>')
        {
          p = next;
          continue;
        }
      /* "On …, X wrote:" directly before a quote. */
      trimmed = line_end;
      while (trimmed > start && g_ascii_isspace (trimmed[-1]))
        trimmed--;
      if (trimmed > start && trimmed[-1] == ':')
        {
          const char *after = skip_blanks (next, end);

          if (after < end && *after == '>')
            {
              p = next;
              continue;
            }
        }

      for (const char *c = start; c < line_end && n_chars < max_chars;)
        {
          const char *c_next = g_utf8_find_next_char (c, line_end);

          if (c_next == NULL)
            c_next = line_end;
          if (g_ascii_isspace (*c) ||
              (c_next - c == 2 && (guchar) c[0] == 0xc2 && (guchar) c[1] == 0xa0))
            space = out->len > 0;
          else
            {
              if (space)
                {
                  g_string_append_c (out, ' ');
                  n_chars++;
                  space = FALSE;
                  if (n_chars >= max_chars)
                    break;
                }
              g_string_append_len (out, c, c_next - c);
              n_chars++;
            }
          c = c_next;
        }
      space = out->len > 0;
      p = next;
    }

  {
    char *result = make_valid (out->str, out->len);

    g_string_free (out, TRUE);
    return result;
  }
}
