/* fuzz-imap-parser.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for TernImapParser and every typed decoder. The input is
 * what a hostile server sends. It is parsed twice: all at once, and in
 * pieces whose sizes come from the input itself; both must give the same
 * responses and the same outcome (DESIGN decision 1: a response may be split
 * at any byte). The last byte picks a set of limits, small ones included, so
 * that every limit is hit. Every response then goes through every decoder
 * that could apply, and through accessors of what they return. Any GLib
 * critical or warning is fatal: decoders must never meet a g_return_if_fail
 * on server input. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/tern-imap-capabilities.h"
#include "imap/tern-imap-envelope.h"
#include "imap/tern-imap-error.h"
#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-flags.h"
#include "imap/tern-imap-id.h"
#include "imap/tern-imap-mailbox-info.h"
#include "imap/tern-imap-mailbox-status.h"
#include "imap/tern-imap-namespaces.h"
#include "imap/tern-imap-parser.h"
#include "imap/tern-imap-search.h"
#include "imap/tern-imap-sort.h"
#include "imap/tern-imap-threads.h"
#include "imap/tern-imap-vanished.h"
#include "mime/tern-mime-part.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static void
limits_for (guint8 choice, TernImapParserLimits *limits)
{
  tern_imap_parser_limits_init (limits);

  switch (choice % 4)
    {
    case 1:
      limits->max_line_length = 64 + choice;
      limits->max_literal_size = choice;
      limits->max_response_size = 256 + 4 * choice;
      limits->max_depth = 1 + choice % 8;
      limits->max_list_items = 1 + choice % 16;
      break;
    case 2:
      limits->max_depth = 1000 + choice;
      break;
    default:
      break;
    }
}

static char *
run (const uint8_t *data, size_t size, gboolean split, GPtrArray *out)
{
  TernImapParserLimits limits;
  g_autoptr (TernImapParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  GString *result = g_string_new (NULL);
  guint32 state = 2166136261u;
  size_t offset = 0;

  limits_for (size > 0 ? data[size - 1] : 0, &limits);
  parser = tern_imap_parser_new (&limits);

  for (size_t i = 0; i < size; i++)
    state = (state ^ data[i]) * 16777619u;

  while (offset < size)
    {
      size_t n = size - offset;

      if (split)
        {
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          n = MIN (n, 1 + (state % 64 == 0 ? state % 4096 : state % 17));
        }

      if (!tern_imap_parser_feed (parser, data + offset, n, out, &error))
        break;
      offset += n;
    }

  for (guint i = 0; i < out->len; i++)
    {
      g_autofree char *wire = tern_imap_response_to_string (out->pdata[i]);

      g_string_append_printf (result,
                              "%zu:", (size_t) tern_imap_response_get_wire_size (out->pdata[i]));
      g_string_append (result, wire);
      g_string_append_c (result, '\n');
    }
  if (error != NULL)
    {
      if (error->domain != TERN_IMAP_ERROR || !tern_imap_parser_is_failed (parser))
        abort ();
      g_string_append_printf (result, "error %d", error->code);
    }
  else if (tern_imap_parser_is_failed (parser))
    abort ();

  return g_string_free (result, FALSE);
}

static gboolean
walk_cb (TernMimePart *part, guint depth, gpointer user_data)
{
  TernMimePart *root = user_data;
  TernMimePart *found = tern_mime_part_lookup (root, tern_mime_part_get_section (part));
  g_autofree char *header = tern_mime_part_dup_header_section (part);

  if (header == NULL || found == NULL ||
      strcmp (tern_mime_part_get_section (found), tern_mime_part_get_section (part)) != 0)
    abort ();
  (void) tern_mime_part_get_filename (part);
  (void) tern_mime_part_get_mime_type (part);
  (void) tern_mime_part_get_message_body (part);
  for (guint i = 0; i < tern_mime_part_get_n_children (part); i++)
    if (tern_mime_part_get_parent (tern_mime_part_get_child (part, i)) != part)
      abort ();
  return TRUE;
}

static void
check_envelope (TernImapEnvelope *envelope)
{
  if (envelope == NULL)
    return;

  for (guint f = TERN_IMAP_ADDRESS_FROM; f <= TERN_IMAP_ADDRESS_BCC; f++)
    for (guint i = 0; i < tern_imap_envelope_get_n_addresses (envelope, f); i++)
      {
        const TernImapAddress *a = tern_imap_envelope_get_address (envelope, f, i);

        g_free (tern_imap_address_dup_addr_spec (a));
        for (guint j = 0; j < tern_imap_address_get_n_members (a); j++)
          g_free (tern_imap_address_dup_addr_spec (tern_imap_address_get_member (a, j)));
      }
}

static void
decode_fetch (TernImapResponse *response)
{
  g_autoptr (TernImapFetch) fetch = tern_imap_fetch_new_from_response (response, NULL);
  TernMimePart *body;

  if (fetch == NULL)
    return;

  check_envelope (tern_imap_fetch_get_envelope (fetch));
  body = tern_imap_fetch_get_bodystructure (fetch);
  if (body != NULL)
    tern_mime_part_walk (body, walk_cb, body);
  for (guint i = 0; i < tern_imap_fetch_get_n_sections (fetch); i++)
    {
      TernImapSectionKind kind;
      gint64 origin;
      GBytes *bytes;
      const char *section = tern_imap_fetch_get_section (fetch, i, &kind, &origin, &bytes);

      if (kind == TERN_IMAP_SECTION_BODY &&
          tern_imap_fetch_get_body (fetch, section, NULL) != bytes)
        abort ();
      if (bytes != NULL)
        (void) g_bytes_get_size (bytes);
    }
}

static void
drop (gpointer decoded, GDestroyNotify free_func)
{
  if (decoded != NULL)
    free_func (decoded);
}

static void
decode_all (TernImapResponse *response)
{
  g_autoptr (TernImapUidSet) a = NULL;
  g_autoptr (TernImapUidSet) b = NULL;
  g_auto (GStrv) flags = NULL;
  g_autoptr (TernImapCapabilities) caps = tern_imap_capabilities_new_from_response (response, NULL);
  guint32 u32;
  guint64 u64;

  (void) tern_imap_response_get_uidvalidity (response, &u32);
  (void) tern_imap_response_get_uidnext (response, &u32);
  (void) tern_imap_response_get_highestmodseq (response, &u64);
  flags = tern_imap_response_dup_permanent_flags (response, NULL);
  (void) tern_imap_response_get_appenduid (response, &u32, &a, NULL);
  g_clear_pointer (&a, tern_imap_uid_set_unref);
  if (tern_imap_response_get_copyuid (response, &u32, &a, &b, NULL) &&
      tern_imap_uid_set_get_count (a) != tern_imap_uid_set_get_count (b))
    abort ();
  g_clear_pointer (&a, tern_imap_uid_set_unref);
  a = tern_imap_response_dup_modified (response, NULL);

  if (caps != NULL)
    (void) tern_imap_capabilities_has_auth (caps, "PLAIN");

  switch (tern_imap_response_get_data_type (response))
    {
    case TERN_IMAP_DATA_FETCH:
      decode_fetch (response);
      break;
    case TERN_IMAP_DATA_FLAGS:
      g_strfreev (tern_imap_flags_parse (response, NULL));
      break;
    case TERN_IMAP_DATA_LIST:
    case TERN_IMAP_DATA_LSUB:
      drop (tern_imap_mailbox_info_new_from_response (response, NULL),
            (GDestroyNotify) tern_imap_mailbox_info_unref);
      break;
    case TERN_IMAP_DATA_STATUS:
      drop (tern_imap_mailbox_status_new_from_response (response, NULL),
            (GDestroyNotify) tern_imap_mailbox_status_unref);
      break;
    case TERN_IMAP_DATA_NAMESPACE:
      drop (tern_imap_namespaces_new_from_response (response, NULL),
            (GDestroyNotify) tern_imap_namespaces_unref);
      break;
    case TERN_IMAP_DATA_ID:
      drop (tern_imap_id_parse (response, NULL), (GDestroyNotify) g_hash_table_unref);
      break;
    case TERN_IMAP_DATA_SEARCH:
    case TERN_IMAP_DATA_ESEARCH:
      drop (tern_imap_search_result_new_from_response (response, NULL),
            (GDestroyNotify) tern_imap_search_result_unref);
      break;
    case TERN_IMAP_DATA_SORT:
      drop (tern_imap_sort_parse (response, NULL, NULL), (GDestroyNotify) g_array_unref);
      break;
    case TERN_IMAP_DATA_THREAD:
      drop (tern_imap_threads_new_from_response (response, NULL),
            (GDestroyNotify) tern_imap_threads_unref);
      break;
    case TERN_IMAP_DATA_VANISHED:
      g_clear_pointer (&b, tern_imap_uid_set_unref);
      b = tern_imap_vanished_parse (response, NULL, NULL);
      break;
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) whole =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GPtrArray) pieces =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autofree char *a = run (data, size, FALSE, whole);
  g_autofree char *b = run (data, size, TRUE, pieces);

  if (strcmp (a, b) != 0)
    abort ();

  for (guint i = 0; i < whole->len; i++)
    decode_all (whole->pdata[i]);

  return 0;
}
