/* bench-imap-parser.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Parses ~100 000 synthetic FETCH responses (UID FLAGS INTERNALDATE
 * RFC822.SIZE MODSEQ ENVELOPE BODYSTRUCTURE, shaped like Dovecot's) fed in
 * 64 KiB reads, and reports MB/s and responses/s next to a baseline measured
 * in the same run over the same bytes: a memchr() scan for line ends. It
 * also reports parse + TernImapFetch decoding. No timing is asserted.
 *
 * Usage: bench-imap-parser [N_RESPONSES]
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-parser.h"

#define READ_SIZE ((gsize) 64 * 1024)
#define ROUNDS 3

static const char *const names[] = {
  "Alice Liddell", "Bob Smith",      "=?UTF-8?B?0JzQsNGA0LjRjyDQodC80LjRgNC90L7QstCw?=",
  "Carol Jones",   "Dr. Eve Newton", "=?UTF-8?Q?Zo=C3=AB_M=C3=BCller?=",
};
static const char *const users[] = { "alice", "bob", "maria", "carol", "eve", "zoe" };
static const char *const hosts[] = { "example.org", "example.com",     "example.ru",
                                     "example.net", "lab.example.edu", "example.de" };
static const char *const subjects[] = {
  "Draft proposal for the new storage layer, please review before Thursday's meeting",
  "Re: [tern-dev] [PATCH v3] imap: fix QRESYNC after EXPUNGE",
  "=?UTF-8?B?0JLRgdGC0YDQtdGH0LAg0LIg0L/Rj9GC0L3QuNGG0YM=?=",
  "Quarterly numbers",
};
static const char *const flag_sets[] = { "\\Seen", "\\Seen \\Answered", "", "\\Seen $Forwarded",
                                         "\\Flagged \\Seen" };

static void
append_address (GString *out, GRand *rand)
{
  guint i = g_rand_int_range (rand, 0, G_N_ELEMENTS (names));

  g_string_append_printf (out, "(\"%s\" NIL \"%s\" \"%s\")", names[i], users[i], hosts[i]);
}

static void
append_text_part (GString *out, GRand *rand, const char *subtype)
{
  g_string_append_printf (out,
                          "(\"text\" \"%s\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" "
                          "%d %d NIL NIL NIL NIL)",
                          subtype, g_rand_int_range (rand, 200, 40000),
                          g_rand_int_range (rand, 5, 800));
}

static void
append_response (GString *out, guint seq, GRand *rand)
{
  guint kind = g_rand_int_range (rand, 0, 4);
  guint n_to = g_rand_int_range (rand, 1, 4);

  g_string_append_printf (
    out,
    "* %u FETCH (UID %u FLAGS (%s) INTERNALDATE \"%02d-Mar-2024 %02d:%02d:%02d "
    "+0000\" RFC822.SIZE %d MODSEQ (%u) ENVELOPE (\"Tue, %d Mar 2024 "
    "%02d:%02d:%02d +0100\" ",
    seq, seq + 1000, flag_sets[seq % G_N_ELEMENTS (flag_sets)], g_rand_int_range (rand, 1, 29),
    g_rand_int_range (rand, 0, 24), g_rand_int_range (rand, 0, 60), g_rand_int_range (rand, 0, 60),
    g_rand_int_range (rand, 900, 3000000), seq * 3, g_rand_int_range (rand, 1, 29),
    g_rand_int_range (rand, 0, 24), g_rand_int_range (rand, 0, 60), g_rand_int_range (rand, 0, 60));

  if (kind == 3)
    {
      /* 8-bit subjects arrive as literals */
      const char *subject = "Встреча в пятницу — agenda";

      g_string_append_printf (out, "{%zu}\r\n%s", strlen (subject), subject);
    }
  else
    g_string_append_printf (out, "\"%s\"", subjects[kind]);

  g_string_append (out, " (");
  append_address (out, rand);
  g_string_append (out, ") (");
  append_address (out, rand);
  g_string_append (out, ") (");
  append_address (out, rand);
  g_string_append (out, ") (");
  for (guint i = 0; i < n_to; i++)
    append_address (out, rand);
  g_string_append (out, ") ");
  if (kind == 1)
    {
      g_string_append (out, "(");
      append_address (out, rand);
      g_string_append (out, ")");
    }
  else
    g_string_append (out, "NIL");
  g_string_append_printf (out, " NIL %s \"<20240312%06u.%08x@example.net>\") BODYSTRUCTURE ",
                          kind == 1 ? "\"<20240101.1234@example.net>\"" : "NIL", seq,
                          g_rand_int (rand));

  switch (kind)
    {
    case 0:
      g_string_append (out, "(\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") "
                            "NIL NIL \"8bit\" 1430 38 NIL NIL NIL NIL)");
      break;
    case 1:
      g_string_append (out, "(");
      append_text_part (out, rand, "plain");
      append_text_part (out, rand, "html");
      g_string_append (out, " \"alternative\" (\"boundary\" \"=_tern_1_2_8af2b854\") NIL NIL NIL)");
      break;
    default:
      g_string_append (out, "((");
      append_text_part (out, rand, "plain");
      append_text_part (out, rand, "html");
      g_string_append_printf (
        out,
        " \"alternative\" (\"boundary\" \"=_b2\") NIL NIL NIL)(\"application\" "
        "\"pdf\" (\"name\" \"contract v%d (final).pdf\") NIL NIL \"base64\" %d "
        "NIL (\"attachment\" (\"filename\" \"contract v%d (final).pdf\")) NIL "
        "NIL) \"mixed\" (\"boundary\" \"=_b1\") NIL NIL NIL)",
        kind, g_rand_int_range (rand, 1000, 3000000), kind);
      break;
    }

  g_string_append (out, ")\r\n");
}

static double
run_baseline (const guint8 *data, gsize len, guint *out_lines)
{
  gint64 start = g_get_monotonic_time ();
  guint lines = 0;

  for (gsize offset = 0; offset < len; offset += READ_SIZE)
    {
      const guint8 *p = data + offset;
      const guint8 *end = data + MIN (len, offset + READ_SIZE);

      while ((p = memchr (p, '\n', end - p)) != NULL)
        {
          lines++;
          p++;
        }
    }

  *out_lines = lines;
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
run_parser (const guint8 *data, gsize len, gboolean decode, guint *out_responses)
{
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  gint64 start = g_get_monotonic_time ();
  guint responses = 0;

  for (gsize offset = 0; offset < len; offset += READ_SIZE)
    {
      g_autoptr (GError) error = NULL;

      if (!tern_imap_parser_feed (parser, data + offset, MIN (READ_SIZE, len - offset), out,
                                  &error))
        g_error ("parse failed: %s", error->message);

      if (decode)
        for (guint i = 0; i < out->len; i++)
          {
            g_autoptr (TernImapFetch) fetch = NULL;

            if (tern_imap_response_get_data_type (out->pdata[i]) != TERN_IMAP_DATA_FETCH)
              continue;
            fetch = tern_imap_fetch_new_from_response (out->pdata[i], &error);
            if (fetch == NULL)
              g_error ("decode failed: %s", error->message);
          }

      responses += out->len;
      g_ptr_array_set_size (out, 0);
    }

  *out_responses = responses;
  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autoptr (GString) corpus = g_string_new (NULL);
  double baseline = G_MAXDOUBLE;
  double parse = G_MAXDOUBLE;
  double decode = G_MAXDOUBLE;
  guint lines = 0;
  guint responses = 0;
  double mb;

  for (guint i = 1; i <= n; i++)
    append_response (corpus, i, rand);
  g_string_append (corpus, "a1 OK Fetch completed.\r\n");
  mb = corpus->len / 1e6;

  for (guint round = 0; round < ROUNDS; round++)
    {
      guint decoded;

      baseline = MIN (baseline, run_baseline ((const guint8 *) corpus->str, corpus->len, &lines));
      parse =
        MIN (parse, run_parser ((const guint8 *) corpus->str, corpus->len, FALSE, &responses));
      decode = MIN (decode, run_parser ((const guint8 *) corpus->str, corpus->len, TRUE, &decoded));
      g_assert_cmpuint (decoded, ==, responses);
    }

  g_assert_cmpuint (responses, ==, n + 1);

  printf ("imap-parser: %u responses, %.1f MB, fed in %zu-byte reads (best of %d)\n", responses, mb,
          (size_t) READ_SIZE, ROUNDS);
  printf ("  baseline (memchr for LF): %8.1f MB/s  %10.0f lines/s\n", mb / baseline,
          lines / baseline);
  printf ("  parse:                    %8.1f MB/s  %10.0f responses/s  %.1f x baseline time\n",
          mb / parse, responses / parse, parse / baseline);
  printf ("  parse + TernImapFetch:    %8.1f MB/s  %10.0f responses/s  %.1f x baseline time\n",
          mb / decode, responses / decode, decode / baseline);

  return 0;
}
