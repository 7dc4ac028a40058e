/* tern-imap-id.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The server's "* ID" response (RFC 2971): id-params-list = "(" *(string SP
 * nstring) ")" / nil.
 *
 * Threading: pure function.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-id.h"
#include "tern-imap-response-private.h"

/* A new table of field → value: field names lower-cased (they are
 * case-insensitive), values as sent or NULL for NIL; empty for "* ID NIL". */
GHashTable *
tern_imap_id_parse (TernImapResponse *response, GError **error)
{
  g_autoptr (GHashTable) table = NULL;
  const TernImapValue *list;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_ID || response->args.len != 1)
    {
      _tern_imap_set_malformed (error, "ID", "expected \"* ID (...)\" or \"* ID NIL\"");
      return NULL;
    }

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  list = &response->args.u.children[0];
  if (list->type == TERN_IMAP_VALUE_NIL)
    return g_steal_pointer (&table);

  if (list->type != TERN_IMAP_VALUE_LIST || list->len % 2 != 0)
    {
      _tern_imap_set_malformed (error, "ID", "not a list of field-value pairs");
      return NULL;
    }

  for (guint i = 0; i < list->len; i += 2)
    {
      const char *key;
      const char *value;
      gsize key_len;
      gsize value_len;

      if (list->u.children[i].type != TERN_IMAP_VALUE_STRING ||
          !_tern_imap_value_nstring (&list->u.children[i], &key, &key_len) ||
          !_tern_imap_value_nstring (&list->u.children[i + 1], &value, &value_len))
        {
          _tern_imap_set_malformed (error, "ID", "a field or value is not a string");
          return NULL;
        }

      g_hash_table_insert (table, g_ascii_strdown (key, key_len),
                           value ? g_strndup (value, value_len) : NULL);
    }

  return g_steal_pointer (&table);
}
