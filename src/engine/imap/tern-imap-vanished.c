/* tern-imap-vanished.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "* VANISHED [(EARLIER)] uid-set" (RFC 7162 QRESYNC). Some servers send
 * malformed ones (FIELD-NOTES: iCloud); they come back as errors, and the
 * caller decides to resynchronise without QRESYNC.
 *
 * Threading: pure function.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-response-private.h"
#include "tern-imap-vanished.h"

/* The UIDs, in the server's order (normalize() to sort them); @out_earlier
 * (optional) says whether this answers a QRESYNC/CHANGEDSINCE rather than
 * reporting a new expunge. */
TernImapUidSet *
tern_imap_vanished_parse (TernImapResponse *response, gboolean *out_earlier, GError **error)
{
  const TernImapValue *args;
  const TernImapValue *set_value;
  gboolean earlier = FALSE;
  g_autoptr (TernImapUidSet) set = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  args = &response->args;
  if (response->data_type != TERN_IMAP_DATA_VANISHED || args->len < 1 || args->len > 2)
    {
      _tern_imap_set_malformed (error, "VANISHED", "expected \"* VANISHED [(EARLIER)] set\"");
      return NULL;
    }

  if (args->len == 2)
    {
      const TernImapValue *tag = &args->u.children[0];

      if (tag->type != TERN_IMAP_VALUE_LIST || tag->len != 1 ||
          !tern_imap_value_atom_equal (&tag->u.children[0], "EARLIER"))
        {
          _tern_imap_set_malformed (error, "VANISHED", "expected (EARLIER)");
          return NULL;
        }
      earlier = TRUE;
    }

  set_value = &args->u.children[args->len - 1];
  if (set_value->type != TERN_IMAP_VALUE_ATOM)
    {
      _tern_imap_set_malformed (error, "VANISHED", "the UID set is not an atom");
      return NULL;
    }

  set = tern_imap_uid_set_parse (set_value->u.str, set_value->len, &local_error);
  if (set == NULL)
    {
      _tern_imap_set_malformed (error, "VANISHED", local_error->message);
      return NULL;
    }
  if (tern_imap_uid_set_has_star (set))
    {
      _tern_imap_set_malformed (error, "VANISHED", "\"*\" in the UID set");
      return NULL;
    }

  if (out_earlier)
    *out_earlier = earlier;
  return g_steal_pointer (&set);
}
