/* tern-imap-threads.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapThreads, from RFC 5256:
 *   thread-list    = "(" (thread-members / thread-nested) ")"
 *   thread-members = nz-number *(SP nz-number) [SP thread-nested]
 *   thread-nested  = 2*thread-list
 * Each number is the child of the one before it; nested lists are children
 * of the last number, or of a dummy node when the list starts with them.
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-response-private.h"
#include "tern-imap-threads.h"

typedef struct
{
  guint32 id;
  gint parent;
  gint first_child;
  gint last_child;
  gint next_sibling;
} Node;

struct _TernImapThreads
{
  gatomicrefcount ref_count;
  GArray *nodes; /* of Node */
  gint first_root;
  gint last_root;
};

G_DEFINE_BOXED_TYPE (TernImapThreads,
                     tern_imap_threads,
                     tern_imap_threads_ref,
                     tern_imap_threads_unref)

TernImapThreads *
tern_imap_threads_ref (TernImapThreads *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_threads_unref (TernImapThreads *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->nodes);
  g_free (self);
}

static gint
add_node (TernImapThreads *self, guint32 id, gint parent)
{
  Node node = { id, parent, -1, -1, -1 };
  gint index = self->nodes->len;
  gint *last;

  g_array_append_val (self->nodes, node);

  if (parent < 0)
    {
      if (self->last_root < 0)
        self->first_root = index;
      last = &self->last_root;
    }
  else
    {
      Node *p = &g_array_index (self->nodes, Node, parent);

      if (p->last_child < 0)
        p->first_child = index;
      last = &p->last_child;
    }

  if (*last >= 0)
    g_array_index (self->nodes, Node, *last).next_sibling = index;
  *last = index;

  return index;
}

typedef struct
{
  const TernImapValue *list;
  gint parent;
} Work;

TernImapThreads *
tern_imap_threads_new_from_response (TernImapResponse *response, GError **error)
{
  g_autoptr (TernImapThreads) self = NULL;
  g_autoptr (GArray) stack = NULL;
  const TernImapValue *args;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_THREAD)
    {
      _tern_imap_set_malformed (error, "THREAD", "not a THREAD response");
      return NULL;
    }

  self = g_new0 (TernImapThreads, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->nodes = g_array_new (FALSE, FALSE, sizeof (Node));
  self->first_root = self->last_root = -1;

  stack = g_array_new (FALSE, FALSE, sizeof (Work));
  args = &response->args;
  for (guint i = args->len; i > 0; i--)
    {
      Work work = { &args->u.children[i - 1], -1 };

      g_array_append_val (stack, work);
    }

  while (stack->len > 0)
    {
      Work work = g_array_index (stack, Work, stack->len - 1);
      const TernImapValue *list = work.list;
      gint current = work.parent;
      guint i = 0;
      guint n_nested;

      g_array_set_size (stack, stack->len - 1);

      if (list->type != TERN_IMAP_VALUE_LIST || list->len == 0)
        {
          _tern_imap_set_malformed (error, "THREAD", "a thread is not a non-empty list");
          return NULL;
        }

      for (; i < list->len && list->u.children[i].type == TERN_IMAP_VALUE_ATOM; i++)
        {
          guint32 id;

          if (!tern_imap_value_get_uint32 (&list->u.children[i], &id) || id == 0)
            {
              _tern_imap_set_malformed (error, "THREAD", "a message is not a non-zero number");
              return NULL;
            }
          current = add_node (self, id, current);
        }

      n_nested = list->len - i;
      if (i == 0 && n_nested > 1)
        current = add_node (self, 0, current);

      for (guint j = list->len; j > i; j--)
        {
          Work nested = { &list->u.children[j - 1], current };

          if (nested.list->type != TERN_IMAP_VALUE_LIST)
            {
              _tern_imap_set_malformed (error, "THREAD", "a number after a nested thread");
              return NULL;
            }
          g_array_append_val (stack, nested);
        }
    }

  return g_steal_pointer (&self);
}

guint
tern_imap_threads_get_n_nodes (TernImapThreads *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->nodes->len;
}

/* The first thread's root; -1 for an empty response. */
gint
tern_imap_threads_get_first_root (TernImapThreads *self)
{
  g_return_val_if_fail (self != NULL, -1);

  return self->first_root;
}

/* The message's number (UID or sequence number, as the command asked); 0 for
 * a dummy node. */
guint32
tern_imap_threads_get_id (TernImapThreads *self, guint node)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (node < self->nodes->len, 0);

  return g_array_index (self->nodes, Node, node).id;
}

gint
tern_imap_threads_get_parent (TernImapThreads *self, guint node)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (node < self->nodes->len, -1);

  return g_array_index (self->nodes, Node, node).parent;
}

gint
tern_imap_threads_get_first_child (TernImapThreads *self, guint node)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (node < self->nodes->len, -1);

  return g_array_index (self->nodes, Node, node).first_child;
}

/* The next child of the same parent, or the next root for a root. */
gint
tern_imap_threads_get_next_sibling (TernImapThreads *self, guint node)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (node < self->nodes->len, -1);

  return g_array_index (self->nodes, Node, node).next_sibling;
}
