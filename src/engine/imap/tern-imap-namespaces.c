/* tern-imap-namespaces.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapNamespaces: Namespace_Response = "* NAMESPACE" SP Namespace SP
 * Namespace SP Namespace; Namespace = nil / "(" 1*( "(" string SP
 * (<"> QUOTED_CHAR <"> / nil) *(Namespace_Response_Extension) ")" ) ")".
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-namespaces.h"
#include "tern-imap-response-private.h"

#define N_KINDS 3

typedef struct
{
  char *prefix;
  char delimiter;
} Namespace;

struct _TernImapNamespaces
{
  gatomicrefcount ref_count;
  GArray *lists[N_KINDS]; /* of Namespace */
};

G_DEFINE_BOXED_TYPE (TernImapNamespaces,
                     tern_imap_namespaces,
                     tern_imap_namespaces_ref,
                     tern_imap_namespaces_unref)

static void
namespace_clear (gpointer data)
{
  g_free (((Namespace *) data)->prefix);
}

TernImapNamespaces *
tern_imap_namespaces_ref (TernImapNamespaces *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_namespaces_unref (TernImapNamespaces *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < N_KINDS; i++)
    g_array_unref (self->lists[i]);
  g_free (self);
}

static gboolean
parse_list (GArray *out, const TernImapValue *list)
{
  if (list->type == TERN_IMAP_VALUE_NIL)
    return TRUE;
  if (list->type != TERN_IMAP_VALUE_LIST)
    return FALSE;

  for (guint i = 0; i < list->len; i++)
    {
      const TernImapValue *ns = &list->u.children[i];
      const TernImapValue *delimiter;
      Namespace entry = { NULL, '\0' };

      if (ns->type != TERN_IMAP_VALUE_LIST || ns->len < 2 ||
          ns->u.children[0].type != TERN_IMAP_VALUE_STRING ||
          memchr (_tern_imap_value_str (&ns->u.children[0]), '\0', ns->u.children[0].len))
        return FALSE;

      delimiter = &ns->u.children[1];
      if (delimiter->type == TERN_IMAP_VALUE_STRING && delimiter->len == 1)
        entry.delimiter = _tern_imap_value_str (delimiter)[0];
      else if (delimiter->type != TERN_IMAP_VALUE_NIL)
        return FALSE;

      entry.prefix = g_strndup (_tern_imap_value_str (&ns->u.children[0]), ns->u.children[0].len);
      g_array_append_val (out, entry);
    }

  return TRUE;
}

/* "* NAMESPACE (("" "/")) NIL (("#shared/" "/"))" */
TernImapNamespaces *
tern_imap_namespaces_new_from_response (TernImapResponse *response, GError **error)
{
  g_autoptr (TernImapNamespaces) self = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_NAMESPACE || response->args.len != N_KINDS)
    {
      _tern_imap_set_malformed (error, "NAMESPACE", "expected three namespace lists");
      return NULL;
    }

  self = g_new0 (TernImapNamespaces, 1);
  g_atomic_ref_count_init (&self->ref_count);
  for (guint i = 0; i < N_KINDS; i++)
    {
      self->lists[i] = g_array_new (FALSE, FALSE, sizeof (Namespace));
      g_array_set_clear_func (self->lists[i], namespace_clear);
    }

  for (guint i = 0; i < N_KINDS; i++)
    if (!parse_list (self->lists[i], &response->args.u.children[i]))
      {
        _tern_imap_set_malformed (error, "NAMESPACE", "a namespace is not (prefix delimiter)");
        return NULL;
      }

  return g_steal_pointer (&self);
}

guint
tern_imap_namespaces_get_n (TernImapNamespaces *self, TernImapNamespaceKind kind)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (kind < N_KINDS, 0);

  return self->lists[kind]->len;
}

const char *
tern_imap_namespaces_get_prefix (TernImapNamespaces *self, TernImapNamespaceKind kind, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (kind < N_KINDS, NULL);
  g_return_val_if_fail (index < self->lists[kind]->len, NULL);

  return g_array_index (self->lists[kind], Namespace, index).prefix;
}

/* '\0' when the namespace has no hierarchy (NIL). */
char
tern_imap_namespaces_get_delimiter (TernImapNamespaces *self,
                                    TernImapNamespaceKind kind,
                                    guint index)
{
  g_return_val_if_fail (self != NULL, '\0');
  g_return_val_if_fail (kind < N_KINDS, '\0');
  g_return_val_if_fail (index < self->lists[kind]->len, '\0');

  return g_array_index (self->lists[kind], Namespace, index).delimiter;
}
