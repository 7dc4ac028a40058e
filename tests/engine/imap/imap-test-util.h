/* imap-test-util.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Helpers shared by the tests of the typed IMAP decoders. */

#pragma once

#include <string.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-parser.h"

/* Parses @wire, which must be exactly one response. */
static inline TernImapResponse *
imap_test_parse (const char *wire, gssize len)
{
  g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GError) error = NULL;

  if (len < 0)
    len = strlen (wire);

  if (!tern_imap_parser_feed (parser, (const guint8 *) wire, len, out, &error))
    g_error ("cannot parse %s: %s", wire, error->message);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_true (tern_imap_parser_is_idle (parser));

  return tern_imap_response_ref (out->pdata[0]);
}

typedef gpointer (*ImapTestDecoder) (TernImapResponse *response, GError **error);

/* Asserts that @decode refuses @wire with TERN_IMAP_ERROR_PROTOCOL. */
static inline void
imap_test_assert_malformed (const char *wire, ImapTestDecoder decode, GDestroyNotify free_func)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  gpointer result = decode (response, &error);

  if (result != NULL)
    {
      free_func (result);
      g_error ("decoded a malformed response: %s", wire);
    }
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
}
