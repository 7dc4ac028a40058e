/* tern-imap-sort.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "* SORT n ..." (RFC 5256), with CONDSTORE's trailing (MODSEQ n). Unlike
 * SEARCH the order matters, so the numbers stay a list.
 *
 * Threading: pure function.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-response-private.h"
#include "tern-imap-sort.h"

/* A new GArray of guint32 in the server's order. @out_modseq (optional) gets
 * the MODSEQ, or 0 when there is none. */
GArray *
tern_imap_sort_parse (TernImapResponse *response, guint64 *out_modseq, GError **error)
{
  g_autoptr (GArray) numbers = NULL;
  const TernImapValue *args;
  guint64 modseq = 0;
  guint n;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_SORT)
    {
      _tern_imap_set_malformed (error, "SORT", "not a SORT response");
      return NULL;
    }

  args = &response->args;
  n = args->len;
  if (n > 0 && args->u.children[n - 1].type == TERN_IMAP_VALUE_LIST)
    {
      const TernImapValue *list = &args->u.children[n - 1];

      if (list->len != 2 || !tern_imap_value_atom_equal (&list->u.children[0], "MODSEQ") ||
          !tern_imap_value_get_number (&list->u.children[1], &modseq))
        {
          _tern_imap_set_malformed (error, "SORT", "bad (MODSEQ n)");
          return NULL;
        }
      n--;
    }

  numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
  for (guint i = 0; i < n; i++)
    {
      guint32 number;

      if (!tern_imap_value_get_uint32 (&args->u.children[i], &number) || number == 0)
        {
          _tern_imap_set_malformed (error, "SORT", "a result is not a non-zero number");
          return NULL;
        }
      g_array_append_val (numbers, number);
    }

  if (out_modseq)
    *out_modseq = modseq;
  return g_steal_pointer (&numbers);
}
