/* tern-thread-builder.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernThreadBuilder: JWZ threading (https://www.jwz.org/doc/threading.html)
 * for the message list's conversation grouping.
 *
 * Containers (one per Message-ID seen, real or placeholder) hold only a
 * parent index while messages are added, so linking is O(1) per reference.
 * The loop check JWZ does on every link would cost O(depth) each, quadratic
 * on a long chain; instead the parent graph (at most one parent each) is
 * made acyclic afterwards in one linear pass. Placeholders are never pruned
 * in place: a message's parent is its nearest real ancestor, computed once
 * per container with memoisation, which gives the same forest.
 *
 * Threading: one thread at a time.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include <string.h>

#include "tern-thread-builder.h"

#define MAX_REFERENCES 100
#define MAX_REFERENCES_BYTES (64 * 1024)
#define NONE (-1)

typedef struct
{
  gint64 date;
  const char *base_subject; /* in the string chunk; "" when none */
  guint container;
  guint is_reply : 1;
} Message;

struct _TernThreadBuilder
{
  TernThreadBuilderFlags flags;

  GStringChunk *strings;
  GHashTable *ids;   /* message id (in strings) → container index + 1 */
  GArray *messages;  /* of Message */
  GArray *c_message; /* of gint: container → message index or NONE */
  GArray *c_parent;  /* of gint: container → parent container or NONE */

  /* results of run() */
  guint n_threads;
  guint *thread;        /* per message */
  gint *parent;         /* per message */
  guint *child_offsets; /* n_messages + 1 */
  guint *children;
  guint *roots;
  guint n_roots;
  guint ran : 1;
};

TernThreadBuilder *
tern_thread_builder_new (TernThreadBuilderFlags flags)
{
  TernThreadBuilder *self = g_new0 (TernThreadBuilder, 1);

  self->flags = flags;
  self->strings = g_string_chunk_new (64 * 1024);
  self->ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->messages = g_array_new (FALSE, FALSE, sizeof (Message));
  self->c_message = g_array_new (FALSE, FALSE, sizeof (gint));
  self->c_parent = g_array_new (FALSE, FALSE, sizeof (gint));
  return self;
}

static void
clear_results (TernThreadBuilder *self)
{
  g_clear_pointer (&self->thread, g_free);
  g_clear_pointer (&self->parent, g_free);
  g_clear_pointer (&self->child_offsets, g_free);
  g_clear_pointer (&self->children, g_free);
  g_clear_pointer (&self->roots, g_free);
  self->n_threads = 0;
  self->n_roots = 0;
  self->ran = FALSE;
}

void
tern_thread_builder_free (TernThreadBuilder *self)
{
  if (self == NULL)
    return;
  clear_results (self);
  g_string_chunk_free (self->strings);
  g_hash_table_unref (self->ids);
  g_array_unref (self->messages);
  g_array_unref (self->c_message);
  g_array_unref (self->c_parent);
  g_free (self);
}

#define C_MESSAGE(self, c) g_array_index ((self)->c_message, gint, (c))
#define C_PARENT(self, c) g_array_index ((self)->c_parent, gint, (c))

static guint
new_container (TernThreadBuilder *self)
{
  gint none = NONE;

  g_array_append_val (self->c_message, none);
  g_array_append_val (self->c_parent, none);
  return self->c_message->len - 1;
}

static guint
lookup_container (TernThreadBuilder *self, const char *id, gsize len)
{
  char buffer[256];
  g_autofree char *heap = len < sizeof buffer ? NULL : g_strndup (id, len);
  char *key = heap;
  gpointer value;
  guint c;

  if (key == NULL)
    {
      memcpy (buffer, id, len);
      buffer[len] = '\0';
      key = buffer;
    }
  value = g_hash_table_lookup (self->ids, key);

  if (value != NULL)
    return GPOINTER_TO_UINT (value) - 1;
  c = new_container (self);
  g_hash_table_insert (self->ids, g_string_chunk_insert (self->strings, key),
                       GUINT_TO_POINTER (c + 1));
  return c;
}

/* Finds the message ids in a header: "<…>" tokens, or, when there are no
 * angle brackets at all, whitespace-separated words. Returns the number
 * found, at most max, keeping the last ones. */
typedef struct
{
  const char *start;
  gsize len;
} Span;

static guint
scan_ids (const char *header, Span *spans, guint max)
{
  const char *p;
  const char *end;
  guint n = 0;
  guint total = 0;
  gboolean brackets;

  if (header == NULL)
    return 0;
  end = header + strlen (header);
  p = header;
  if ((gsize) (end - p) > MAX_REFERENCES_BYTES)
    p = end - MAX_REFERENCES_BYTES;
  brackets = memchr (p, '<', end - p) != NULL;

  while (p < end)
    {
      const char *start;
      const char *stop;

      if (brackets)
        {
          start = memchr (p, '<', end - p);
          if (start == NULL)
            break;
          start++;
          stop = memchr (start, '>', end - start);
          if (stop == NULL)
            break;
          /* "<a <b>" : the id starts after the last '<'. */
          for (const char *q = start; q < stop; q++)
            if (*q == '<')
              start = q + 1;
          p = stop + 1;
        }
      else
        {
          while (p < end && g_ascii_isspace (*p))
            p++;
          start = p;
          while (p < end && !g_ascii_isspace (*p))
            p++;
          stop = p;
        }
      while (start < stop && g_ascii_isspace (*start))
        start++;
      while (stop > start && g_ascii_isspace (stop[-1]))
        stop--;
      if (stop == start)
        continue;
      /* A ring of the last max ids. */
      spans[total % max] = (Span){ start, stop - start };
      total++;
      n = MIN (total, max);
    }

  if (total > max)
    {
      Span *copy = g_memdup2 (spans, sizeof (Span) * max);

      for (guint i = 0; i < max; i++)
        spans[i] = copy[(total + i) % max];
      g_free (copy);
    }
  return n;
}

static const char *const reply_prefixes[] = {
  "re", "fwd", "fw", "aw", "sv", "vs", "wg", "tr", "rif", "antw", "odp", "ynt", "res", "enc",
};

/* Strips reply and forward prefixes ("Re:", "Fwd[2]:", "AW:", "SV:", …) and
 * mailing-list tags ("[list]") from the front, and surrounding whitespace.
 * out_is_reply says whether any reply or forward prefix was found. */
char *
tern_thread_builder_dup_base_subject (const char *subject, gboolean *out_is_reply)
{
  const char *p = subject ? subject : "";
  const char *end;
  gboolean is_reply = FALSE;
  gboolean again = TRUE;

  while (again)
    {
      again = FALSE;
      while (*p && g_ascii_isspace (*p))
        p++;
      if (*p == '[')
        {
          const char *close = strchr (p, ']');

          /* A tag only when something follows it. */
          if (close != NULL && close[1] != '\0')
            {
              p = close + 1;
              again = TRUE;
              continue;
            }
        }
      for (guint i = 0; i < G_N_ELEMENTS (reply_prefixes); i++)
        {
          gsize n = strlen (reply_prefixes[i]);
          const char *q = p + n;

          if (g_ascii_strncasecmp (p, reply_prefixes[i], n) != 0)
            continue;
          while (*q == ' ')
            q++;
          if (*q == '[' || *q == '(')
            {
              char close = *q == '[' ? ']' : ')';

              q++;
              while (g_ascii_isdigit (*q))
                q++;
              if (*q != close)
                continue;
              q++;
            }
          if (*q == ':')
            q++;
          else if (g_str_has_prefix (q, "\xef\xbc\x9a")) /* fullwidth colon */
            q += 3;
          else
            continue;
          p = q;
          is_reply = TRUE;
          again = TRUE;
          break;
        }
    }

  end = p + strlen (p);
  while (end > p && g_ascii_isspace (end[-1]))
    end--;
  if (out_is_reply)
    *out_is_reply = is_reply;
  {
    g_autofree char *base = g_utf8_make_valid (p, end - p);

    return g_utf8_casefold (base, -1);
  }
}

/* Adds one message; every string may be NULL. references is the raw
 * References header, in_reply_to the raw In-Reply-To header; message_id may
 * carry its angle brackets. date is in seconds since the epoch (or any
 * monotonic scale). Returns the message's index. */
guint
tern_thread_builder_add (TernThreadBuilder *self,
                         const char *message_id,
                         const char *in_reply_to,
                         const char *references,
                         const char *subject,
                         gint64 date)
{
  Span refs[MAX_REFERENCES + 1];
  Span own;
  Message message = { 0 };
  g_autofree char *base = NULL;
  gboolean is_reply = FALSE;
  guint n_refs;
  guint c = 0;
  gboolean have_container = FALSE;
  gint prev = NONE;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (!self->ran, 0);

  /* The message's own container; a duplicate id gets a container of its
   * own that nothing can refer to. */
  if (scan_ids (message_id, &own, 1) == 1)
    {
      c = lookup_container (self, own.start, own.len);
      have_container = C_MESSAGE (self, c) == NONE;
    }
  if (!have_container)
    c = new_container (self);
  C_MESSAGE (self, c) = self->messages->len;

  n_refs = scan_ids (references, refs, MAX_REFERENCES);
  {
    Span irt;

    /* In-Reply-To adds a parent References lacks (or replaces the last when
     * References is missing). */
    if (scan_ids (in_reply_to, &irt, 1) == 1 &&
        (n_refs == 0 || refs[n_refs - 1].len != irt.len ||
         memcmp (refs[n_refs - 1].start, irt.start, irt.len) != 0))
      refs[n_refs++] = irt;
  }

  for (guint i = 0; i < n_refs; i++)
    {
      guint r = lookup_container (self, refs[i].start, refs[i].len);

      if (prev != NONE && (guint) prev != r && C_PARENT (self, r) == NONE)
        C_PARENT (self, r) = prev;
      prev = r;
    }
  /* The message's own references are definitive: they replace a parent
   * guessed from other messages' References. */
  C_PARENT (self, c) = (prev != NONE && (guint) prev != c) ? prev : NONE;

  base = tern_thread_builder_dup_base_subject (subject, &is_reply);
  message.date = date;
  message.base_subject = g_string_chunk_insert_const (self->strings, base);
  message.container = c;
  message.is_reply = is_reply;
  g_array_append_val (self->messages, message);
  return self->messages->len - 1;
}

/* Makes the parent graph acyclic: every container has at most one parent,
 * so each walk up either ends or enters a cycle, which is cut there. */
static void
break_cycles (TernThreadBuilder *self)
{
  guint n = self->c_parent->len;
  guint8 *state = g_new0 (guint8, n); /* 0 new, 1 on the current path, 2 done */
  GArray *path = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint start = 0; start < n; start++)
    {
      gint c = start;
      gint prev = NONE;

      g_array_set_size (path, 0);
      while (c != NONE && state[c] == 0)
        {
          state[c] = 1;
          g_array_append_val (path, c);
          prev = c;
          c = C_PARENT (self, c);
        }
      if (c != NONE && state[c] == 1)
        {
          g_debug ("reference loop through container %d cut", c);
          C_PARENT (self, prev) = NONE;
        }
      for (guint i = 0; i < path->len; i++)
        state[g_array_index (path, guint, i)] = 2;
    }
  g_array_unref (path);
  g_free (state);
}

/* For every container, the root of its tree (parents are acyclic). */
static gint *
compute_roots (TernThreadBuilder *self)
{
  guint n = self->c_parent->len;
  gint *root = g_new (gint, n);
  GArray *path = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n; i++)
    root[i] = NONE;
  for (guint start = 0; start < n; start++)
    {
      gint c = start;
      gint top;

      g_array_set_size (path, 0);
      while (root[c] == NONE && C_PARENT (self, c) != NONE)
        {
          g_array_append_val (path, c);
          c = C_PARENT (self, c);
        }
      top = root[c] != NONE ? root[c] : c;
      root[c] = top;
      for (guint i = 0; i < path->len; i++)
        root[g_array_index (path, guint, i)] = top;
    }
  g_array_unref (path);
  return root;
}

/* For every container, the nearest real message at or above it. */
static gint *
compute_nearest (TernThreadBuilder *self)
{
  guint n = self->c_parent->len;
  gint *nearest = g_new (gint, n);
  guint8 *done = g_new0 (guint8, n);
  GArray *path = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint start = 0; start < n; start++)
    {
      gint c = start;
      gint found = NONE;

      g_array_set_size (path, 0);
      while (c != NONE && !done[c] && C_MESSAGE (self, c) == NONE)
        {
          g_array_append_val (path, c);
          c = C_PARENT (self, c);
        }
      if (c != NONE)
        found = done[c] ? nearest[c] : C_MESSAGE (self, c);
      if (c != NONE && !done[c])
        {
          nearest[c] = found;
          done[c] = 1;
        }
      for (guint i = 0; i < path->len; i++)
        {
          guint p = g_array_index (path, guint, i);

          nearest[p] = found;
          done[p] = 1;
        }
    }
  g_array_unref (path);
  g_free (done);
  return nearest;
}

static int
compare_by_date (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Message *messages = user_data;
  guint ia = *(const guint *) a;
  guint ib = *(const guint *) b;

  if (messages[ia].date != messages[ib].date)
    return messages[ia].date < messages[ib].date ? -1 : 1;
  return ia < ib ? -1 : (ia > ib ? 1 : 0);
}

/* JWZ step 5, restricted: a thread whose root is a reply or a placeholder
 * joins the earliest thread of the same base subject whose root is an
 * original message (else the earliest such thread). */
static void
group_by_subject (TernThreadBuilder *self, const guint *order, const gint *root)
{
  guint n = self->messages->len;
  const Message *messages = (const Message *) self->messages->data;
  GHashTable *anchors = g_hash_table_new (g_str_hash, g_str_equal);   /* subject → root + 1 */
  GHashTable *fallbacks = g_hash_table_new (g_str_hash, g_str_equal); /* subject → root + 1 */
  GArray *thread_roots = g_array_new (FALSE, FALSE, sizeof (guint));
  guint8 *seen = g_new0 (guint8, self->c_parent->len);
  gint *first = g_new (gint, self->c_parent->len);

  /* Roots in the order of their earliest message. */
  for (guint i = 0; i < n; i++)
    {
      guint r = root[messages[order[i]].container];

      if (!seen[r])
        {
          seen[r] = 1;
          first[r] = order[i];
          g_array_append_val (thread_roots, r);
        }
    }

  for (guint i = 0; i < thread_roots->len; i++)
    {
      guint r = g_array_index (thread_roots, guint, i);
      gint m = C_MESSAGE (self, r);
      const Message *subject_of = &messages[m != NONE ? m : first[r]];
      gboolean mergeable = m == NONE || subject_of->is_reply;

      if (*subject_of->base_subject == '\0')
        continue;
      if (!mergeable && !g_hash_table_contains (anchors, subject_of->base_subject))
        g_hash_table_insert (anchors, (gpointer) subject_of->base_subject,
                             GUINT_TO_POINTER (r + 1));
      if (mergeable && !g_hash_table_contains (fallbacks, subject_of->base_subject))
        g_hash_table_insert (fallbacks, (gpointer) subject_of->base_subject,
                             GUINT_TO_POINTER (r + 1));
    }

  for (guint i = 0; i < thread_roots->len; i++)
    {
      guint r = g_array_index (thread_roots, guint, i);
      gint m = C_MESSAGE (self, r);
      const Message *subject_of = &messages[m != NONE ? m : first[r]];
      gpointer target;

      if (*subject_of->base_subject == '\0' || !(m == NONE || subject_of->is_reply))
        continue;
      target = g_hash_table_lookup (anchors, subject_of->base_subject);
      if (target == NULL)
        target = g_hash_table_lookup (fallbacks, subject_of->base_subject);
      if (target != NULL && GPOINTER_TO_UINT (target) - 1 != r)
        C_PARENT (self, r) = GPOINTER_TO_UINT (target) - 1;
    }

  g_free (first);
  g_free (seen);
  g_array_unref (thread_roots);
  g_hash_table_unref (fallbacks);
  g_hash_table_unref (anchors);
}

/* Computes threads and the forest; call once, after every add(). */
void
tern_thread_builder_run (TernThreadBuilder *self)
{
  guint n;
  const Message *messages;
  g_autofree guint *order = NULL;
  g_autofree gint *root = NULL;
  g_autofree gint *nearest = NULL;
  g_autofree gint *thread_of_root = NULL;
  g_autofree guint *fill = NULL;
  g_autofree guint *thread_counts = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->ran);

  n = self->messages->len;
  messages = (const Message *) self->messages->data;
  self->ran = TRUE;

  break_cycles (self);

  order = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, n, sizeof (guint), compare_by_date, (gpointer) messages);

  root = compute_roots (self);
  if (self->flags & TERN_THREAD_BUILDER_GROUP_BY_SUBJECT)
    {
      group_by_subject (self, order, root);
      g_free (root);
      root = compute_roots (self);
    }
  nearest = compute_nearest (self);

  /* Thread ids in the order of each thread's earliest message. */
  thread_of_root = g_new (gint, self->c_parent->len);
  for (guint i = 0; i < self->c_parent->len; i++)
    thread_of_root[i] = NONE;
  self->thread = g_new (guint, MAX (n, 1));
  self->parent = g_new (gint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      guint m = order[i];
      guint c = messages[m].container;
      gint p = C_PARENT (self, c);

      if (thread_of_root[root[c]] == NONE)
        thread_of_root[root[c]] = self->n_threads++;
      self->thread[m] = thread_of_root[root[c]];
      self->parent[m] = p == NONE ? NONE : nearest[p];
    }

  /* Children lists in date order (counting sort over the sorted order). */
  self->child_offsets = g_new0 (guint, n + 1);
  for (guint m = 0; m < n; m++)
    if (self->parent[m] != NONE)
      self->child_offsets[self->parent[m] + 1]++;
  for (guint m = 0; m < n; m++)
    self->child_offsets[m + 1] += self->child_offsets[m];
  self->children = g_new (guint, MAX (self->child_offsets[n], 1));
  fill = g_memdup2 (self->child_offsets, sizeof (guint) * (n + 1));
  for (guint i = 0; i < n; i++)
    {
      guint m = order[i];

      if (self->parent[m] != NONE)
        self->children[fill[self->parent[m]]++] = m;
    }

  /* Top-level messages by thread, then date. */
  thread_counts = g_new0 (guint, self->n_threads + 1);
  for (guint m = 0; m < n; m++)
    if (self->parent[m] == NONE)
      {
        thread_counts[self->thread[m] + 1]++;
        self->n_roots++;
      }
  for (guint t = 0; t < self->n_threads; t++)
    thread_counts[t + 1] += thread_counts[t];
  self->roots = g_new (guint, MAX (self->n_roots, 1));
  for (guint i = 0; i < n; i++)
    {
      guint m = order[i];

      if (self->parent[m] == NONE)
        self->roots[thread_counts[self->thread[m]]++] = m;
    }
}

guint
tern_thread_builder_get_n_messages (TernThreadBuilder *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->messages->len;
}

guint
tern_thread_builder_get_n_threads (TernThreadBuilder *self)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (self->ran, 0);
  return self->n_threads;
}

guint
tern_thread_builder_get_thread (TernThreadBuilder *self, guint message)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (self->ran, 0);
  g_return_val_if_fail (message < self->messages->len, 0);
  return self->thread[message];
}

/* The parent message, or -1 for a thread's top-level message. */
gint
tern_thread_builder_get_parent (TernThreadBuilder *self, guint message)
{
  g_return_val_if_fail (self != NULL, NONE);
  g_return_val_if_fail (self->ran, NONE);
  g_return_val_if_fail (message < self->messages->len, NONE);
  return self->parent[message];
}

const guint *
tern_thread_builder_get_children (TernThreadBuilder *self, guint message, guint *n_children)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->ran, NULL);
  g_return_val_if_fail (message < self->messages->len, NULL);
  g_return_val_if_fail (n_children != NULL, NULL);

  *n_children = self->child_offsets[message + 1] - self->child_offsets[message];
  return self->children + self->child_offsets[message];
}

/* Messages without a parent, by thread id, then date. A thread whose root
 * message is missing has several. */
const guint *
tern_thread_builder_get_roots (TernThreadBuilder *self, guint *n_roots)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->ran, NULL);
  g_return_val_if_fail (n_roots != NULL, NULL);

  *n_roots = self->n_roots;
  return self->roots;
}
