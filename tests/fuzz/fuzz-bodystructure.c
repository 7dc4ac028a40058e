/* fuzz-bodystructure.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the BODYSTRUCTURE part tree. The input is the
 * BODYSTRUCTURE value a hostile server sends; it is wrapped in a FETCH
 * response, parsed (with a raised depth limit, so that deep trees reach the
 * builder) and turned into a TernMimePart tree, whose every part must then be
 * found again by its section number. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-parser.h"
#include "mime/tern-mime-part.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

typedef struct
{
  TernMimePart *root;
  guint n_parts;
} Walk;

static gboolean
walk_cb (TernMimePart *part, guint depth, gpointer user_data)
{
  Walk *walk = user_data;
  const char *section = tern_mime_part_get_section (part);
  TernMimePart *found = tern_mime_part_lookup (walk->root, section);
  g_autofree char *header = tern_mime_part_dup_header_section (part);
  guint64 lines;

  walk->n_parts++;
  if (header == NULL || found == NULL || strcmp (tern_mime_part_get_section (found), section) != 0)
    abort ();
  if (tern_mime_part_get_root (part) != walk->root)
    abort ();
  if (tern_mime_part_is_message (part) && (tern_mime_part_get_envelope (part) == NULL ||
                                           tern_mime_part_get_message_body (part) == NULL))
    abort ();
  if (tern_mime_part_is_multipart (part) && tern_mime_part_get_n_children (part) == 0)
    abort ();

  (void) tern_mime_part_get_filename (part);
  (void) tern_mime_part_get_lines (part, &lines);
  (void) tern_mime_part_get_param (part, "charset");
  for (guint i = 0; i < tern_mime_part_get_n_params (part); i++)
    (void) tern_mime_part_get_param_value (part, i);
  for (guint i = 0; i < tern_mime_part_get_n_disposition_params (part); i++)
    (void) tern_mime_part_get_disposition_param_name (part, i);
  if (tern_mime_part_get_languages (part) != NULL)
    for (guint i = 0; tern_mime_part_get_languages (part)[i] != NULL; i++)
      ;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char prefix[] = "* 1 FETCH (BODYSTRUCTURE ";
  static const char suffix[] = ")\r\n";
  g_autoptr (TernImapParser) parser = NULL;
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GByteArray) wire = g_byte_array_sized_new (size + sizeof prefix + sizeof suffix);
  g_autoptr (TernMimePart) root = NULL;
  TernImapParserLimits limits;
  const TernImapValue *items;
  Walk walk = { NULL, 0 };

  g_byte_array_append (wire, (const guint8 *) prefix, sizeof prefix - 1);
  g_byte_array_append (wire, data, size);
  g_byte_array_append (wire, (const guint8 *) suffix, sizeof suffix - 1);

  tern_imap_parser_limits_init (&limits);
  limits.max_depth = 4096;
  parser = tern_imap_parser_new (&limits);
  if (!tern_imap_parser_feed (parser, wire->data, wire->len, out, NULL) || out->len == 0)
    return 0;

  items = tern_imap_value_get_child (tern_imap_response_get_args (out->pdata[0]), 0);
  if (tern_imap_value_get_n_children (items) < 2 ||
      !tern_imap_value_atom_equal (tern_imap_value_get_child (items, 0), "BODYSTRUCTURE"))
    return 0;

  root = tern_mime_part_new_from_bodystructure (tern_imap_value_get_child (items, 1), NULL);
  if (root != NULL)
    {
      walk.root = root;
      if (!tern_mime_part_walk (root, walk_cb, &walk) ||
          walk.n_parts != tern_mime_part_get_n_parts (root))
        abort ();
    }

  /* the same bytes through the FETCH decoder, which adds the item checks */
  {
    g_autoptr (TernImapFetch) fetch = tern_imap_fetch_new_from_response (out->pdata[0], NULL);

    if ((fetch != NULL) != (root != NULL) && tern_imap_value_get_n_children (items) == 2 &&
        tern_imap_value_get_n_children (tern_imap_response_get_args (out->pdata[0])) == 1)
      abort ();
  }

  return 0;
}
