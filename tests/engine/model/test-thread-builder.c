/* test-thread-builder.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "model/tern-thread-builder.h"

static void
assert_children (TernThreadBuilder *builder, guint message, const guint *expected, guint n_expected)
{
  guint n;
  const guint *children = tern_thread_builder_get_children (builder, message, &n);

  g_assert_cmpmem (children, n * sizeof (guint), expected, n_expected * sizeof (guint));
}

static void
test_simple (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  guint a, r1, r2, rr, other;
  guint n_roots;
  const guint *roots;

  /* Added out of order: replies before their parents. */
  rr = tern_thread_builder_add (b, "<rr@x>", "<r1@x>", "<a@x> <r1@x>", "Re: hello", 400);
  r2 = tern_thread_builder_add (b, "<r2@x>", "<a@x>", "<a@x>", "Re: hello", 300);
  other = tern_thread_builder_add (b, "<o@x>", NULL, NULL, "other", 50);
  a = tern_thread_builder_add (b, "<a@x>", NULL, NULL, "hello", 100);
  r1 = tern_thread_builder_add (b, "<r1@x>", "<a@x>", NULL, "Re: hello", 200);
  tern_thread_builder_run (b);

  g_assert_cmpuint (tern_thread_builder_get_n_messages (b), ==, 5);
  g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 2);
  /* Threads are numbered by their earliest message. */
  g_assert_cmpuint (tern_thread_builder_get_thread (b, other), ==, 0);
  g_assert_cmpuint (tern_thread_builder_get_thread (b, a), ==, 1);
  g_assert_cmpuint (tern_thread_builder_get_thread (b, rr), ==, 1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, a), ==, -1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, r1), ==, a);
  g_assert_cmpint (tern_thread_builder_get_parent (b, r2), ==, a);
  g_assert_cmpint (tern_thread_builder_get_parent (b, rr), ==, r1);
  assert_children (b, a, (guint[]){ r1, r2 }, 2);
  assert_children (b, r1, (guint[]){ rr }, 1);
  assert_children (b, rr, NULL, 0);

  roots = tern_thread_builder_get_roots (b, &n_roots);
  g_assert_cmpmem (roots, n_roots * sizeof (guint), ((guint[]){ other, a }), 2 * sizeof (guint));
}

static void
test_missing_parent (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  guint x, y, z;
  guint n_roots;

  /* Two replies to a message we do not have, through a missing middle. */
  x = tern_thread_builder_add (b, "x@x", NULL, "<gone@x> <mid@x>", "Re: q", 10);
  y = tern_thread_builder_add (b, "y@x", NULL, "<gone@x>", "Re: q", 5);
  z = tern_thread_builder_add (b, "z@x", "<x@x>", NULL, "Re: q", 20);
  tern_thread_builder_run (b);

  g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, x), ==, -1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, y), ==, -1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, z), ==, x);
  tern_thread_builder_get_roots (b, &n_roots);
  g_assert_cmpuint (n_roots, ==, 2);
  g_assert_cmpuint (tern_thread_builder_get_roots (b, &n_roots)[0], ==, y);
}

static void
test_duplicates_and_self (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  guint a1, a2, self_ref, none1, none2, child;

  a1 = tern_thread_builder_add (b, "<dup@x>", NULL, NULL, "first", 1);
  a2 = tern_thread_builder_add (b, "<dup@x>", NULL, NULL, "second copy", 2);
  child = tern_thread_builder_add (b, "<c@x>", "<dup@x>", NULL, "Re: first", 3);
  self_ref = tern_thread_builder_add (b, "<s@x>", "<s@x>", "<s@x>", "self", 4);
  none1 = tern_thread_builder_add (b, NULL, NULL, NULL, "no id", 5);
  none2 = tern_thread_builder_add (b, "", NULL, NULL, "no id", 6);
  tern_thread_builder_run (b);

  /* The first message with an id owns it; a duplicate stands alone. */
  g_assert_cmpint (tern_thread_builder_get_parent (b, child), ==, a1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, a2), ==, -1);
  g_assert_cmpuint (tern_thread_builder_get_thread (b, a2), !=,
                    tern_thread_builder_get_thread (b, a1));
  g_assert_cmpint (tern_thread_builder_get_parent (b, self_ref), ==, -1);
  g_assert_cmpuint (tern_thread_builder_get_thread (b, none1), !=,
                    tern_thread_builder_get_thread (b, none2));
  g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 5);
}

static void
test_loops (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  guint a, c, d, e;

  /* a → b → a through References, and c ↔ d through In-Reply-To. */
  a = tern_thread_builder_add (b, "<a@x>", NULL, "<b@x>", "x", 1);
  tern_thread_builder_add (b, "<b@x>", NULL, "<a@x>", "x", 2);
  c = tern_thread_builder_add (b, "<c@x>", "<d@x>", NULL, "y", 3);
  d = tern_thread_builder_add (b, "<d@x>", "<c@x>", NULL, "y", 4);
  /* A References header that loops within itself. */
  e = tern_thread_builder_add (b, "<e@x>", NULL, "<p@x> <q@x> <p@x> <e@x> <q@x>", "z", 5);
  tern_thread_builder_run (b);

  g_assert_cmpuint (tern_thread_builder_get_thread (b, a), ==,
                    tern_thread_builder_get_thread (b, 1));
  g_assert_cmpuint (tern_thread_builder_get_thread (b, c), ==,
                    tern_thread_builder_get_thread (b, d));
  g_assert_true (tern_thread_builder_get_parent (b, a) == -1 ||
                 tern_thread_builder_get_parent (b, 1) == -1);
  g_assert_true (tern_thread_builder_get_parent (b, c) == -1 ||
                 tern_thread_builder_get_parent (b, d) == -1);
  g_assert_cmpint (tern_thread_builder_get_parent (b, e), ==, -1);
  g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 3);

  /* Every message reaches a root. */
  for (guint m = 0; m < tern_thread_builder_get_n_messages (b); m++)
    {
      gint p = m;
      guint steps = 0;

      while (p != -1 && steps++ < 10)
        p = tern_thread_builder_get_parent (b, p);
      g_assert_cmpint (p, ==, -1);
    }
}

static void
test_long_references (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  GString *refs = g_string_new (NULL);
  guint parent, child;

  parent = tern_thread_builder_add (b, "<p@x>", NULL, NULL, "long", 1);
  for (guint i = 0; i < 200000; i++)
    g_string_append_printf (refs, "<junk%u@x> ", i);
  g_string_append (refs, "<p@x>");
  child = tern_thread_builder_add (b, "<c@x>", NULL, refs->str, "Re: long", 2);
  /* Unbracketed ids and garbage. */
  tern_thread_builder_add (b, "<d@x>", "c@x", NULL, "Re: long", 3);
  tern_thread_builder_add (b, "<e@x>", "<<<>>> <", "> < >", "", 4);
  tern_thread_builder_run (b);

  g_assert_cmpint (tern_thread_builder_get_parent (b, child), ==, parent);
  g_assert_cmpint (tern_thread_builder_get_parent (b, 2), ==, child);
  g_string_free (refs, TRUE);
}

static void
test_base_subject (void)
{
  static const struct
  {
    const char *subject;
    const char *base;
    gboolean reply;
  } cases[] = {
    { "Hello", "hello", FALSE },
    { "Re: Hello", "hello", TRUE },
    { "RE: re: Fwd: Hello ", "hello", TRUE },
    { "AW: SV: Hello", "hello", TRUE },
    { "Re[2]: Hello", "hello", TRUE },
    { "Re (3): Hello", "hello", TRUE },
    { "[dev] Re: Hello", "hello", TRUE },
    { "[dev]", "[dev]", FALSE },
    { "Regarding things", "regarding things", FALSE },
    { "Re：全角", "全角", TRUE },
    { "", "", FALSE },
    { NULL, "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean reply = !cases[i].reply;
      g_autofree char *base = tern_thread_builder_dup_base_subject (cases[i].subject, &reply);

      g_assert_cmpstr (base, ==, cases[i].base);
      g_assert_cmpint (reply, ==, cases[i].reply);
    }
}

static void
test_subject_grouping (void)
{
  TernThreadBuilder *b;
  guint orig, orphan_reply, orphan_placeholder, unrelated, fwd;

  for (guint pass = 0; pass < 2; pass++)
    {
      b = tern_thread_builder_new (pass ? TERN_THREAD_BUILDER_GROUP_BY_SUBJECT
                                        : TERN_THREAD_BUILDER_NONE);
      orig = tern_thread_builder_add (b, "<o@x>", NULL, NULL, "Budget 2026", 10);
      orphan_reply = tern_thread_builder_add (b, "<r@x>", NULL, NULL, "Re: Budget 2026", 20);
      orphan_placeholder =
        tern_thread_builder_add (b, "<p@x>", "<missing@x>", NULL, "AW: budget 2026", 30);
      unrelated = tern_thread_builder_add (b, "<u@x>", NULL, NULL, "Budget 2026", 40);
      fwd = tern_thread_builder_add (b, "<f@x>", NULL, NULL, "Fwd: Other", 50);
      tern_thread_builder_run (b);

      if (pass == 0)
        g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 5);
      else
        {
          /* Replies and orphans join the original; a second original with
           * the same subject and a lone forward stay apart. */
          g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 3);
          g_assert_cmpint (tern_thread_builder_get_parent (b, orphan_reply), ==, orig);
          g_assert_cmpint (tern_thread_builder_get_parent (b, orphan_placeholder), ==, orig);
          g_assert_cmpuint (tern_thread_builder_get_thread (b, unrelated), !=,
                            tern_thread_builder_get_thread (b, orig));
          g_assert_cmpint (tern_thread_builder_get_parent (b, fwd), ==, -1);
        }
      tern_thread_builder_free (b);
    }
}

static void
test_stable_order (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  guint root, c1, c2, c3;

  root = tern_thread_builder_add (b, "<r@x>", NULL, NULL, "s", 100);
  c1 = tern_thread_builder_add (b, "<c1@x>", "<r@x>", NULL, "s", 300);
  c2 = tern_thread_builder_add (b, "<c2@x>", "<r@x>", NULL, "s", 200);
  c3 = tern_thread_builder_add (b, "<c3@x>", "<r@x>", NULL, "s", 200);
  tern_thread_builder_run (b);

  /* By date, equal dates by the order added. */
  assert_children (b, root, (guint[]){ c2, c3, c1 }, 3);
}

static void
test_empty (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_GROUP_BY_SUBJECT);
  guint n_roots = 1;

  tern_thread_builder_run (b);
  g_assert_cmpuint (tern_thread_builder_get_n_threads (b), ==, 0);
  tern_thread_builder_get_roots (b, &n_roots);
  g_assert_cmpuint (n_roots, ==, 0);
}

/* 100 000 messages: threads of varied shape, a long chain, missing parents,
 * duplicates. Reports the time; asserts only the structure. */
static void
test_large (void)
{
  g_autoptr (TernThreadBuilder) b = tern_thread_builder_new (TERN_THREAD_BUILDER_GROUP_BY_SUBJECT);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  const guint n = 100000;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *refs = g_ptr_array_new_with_free_func (g_free);
  gint64 start;
  gint64 added;
  guint max_depth = 0;

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (ids, g_strdup_printf ("<m%u@example.org>", i));
      if (i >= 90000 && i < 95000 && i > 90000)
        /* A 5 000-message chain, each replying to the previous. */
        g_ptr_array_add (refs, g_strdup_printf ("<m%u@example.org>", i - 1));
      else if (i % 5 != 0 && i > 0)
        {
          guint parent = g_rand_int_range (rand, MAX ((gint) i - 50, 0), i);
          GString *r = g_string_new (NULL);

          for (guint k = 0; k < (guint) g_rand_int_range (rand, 0, 20); k++)
            g_string_append_printf (r, "<m%u@example.org> ", g_rand_int_range (rand, 0, i));
          g_string_append_printf (r, "<m%u@example.org>", parent);
          g_ptr_array_add (refs, g_string_free (r, FALSE));
        }
      else
        g_ptr_array_add (refs, NULL);
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      /* Shuffled arrival: stride through the set. */
      guint m = (i * 7919) % n;
      g_autofree char *subject =
        g_strdup_printf ("%sTopic %u", refs->pdata[m] ? "Re: " : "", m / 5);

      tern_thread_builder_add (b, m % 1000 == 999 ? "<dup@example.org>" : ids->pdata[m], NULL,
                               refs->pdata[m], subject, 1700000000 + m);
    }
  added = g_get_monotonic_time ();
  tern_thread_builder_run (b);
  g_test_message ("100000 messages: add %.1f ms, run %.1f ms, %u threads", (added - start) / 1000.0,
                  (g_get_monotonic_time () - added) / 1000.0,
                  tern_thread_builder_get_n_threads (b));

  for (guint m = 0; m < n; m++)
    {
      gint p = tern_thread_builder_get_parent (b, m);
      guint depth = 0;

      if (p != -1)
        g_assert_cmpuint (tern_thread_builder_get_thread (b, p), ==,
                          tern_thread_builder_get_thread (b, m));
      /* Depths are only walked from leaves to keep the check linear-ish. */
      if (m % 997 == 0)
        {
          while (p != -1)
            {
              depth++;
              g_assert_cmpuint (depth, <=, n);
              p = tern_thread_builder_get_parent (b, p);
            }
          max_depth = MAX (max_depth, depth);
        }
    }
  g_test_message ("max sampled depth %u", max_depth);

  g_ptr_array_unref (refs);
  g_ptr_array_unref (ids);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/thread-builder/simple", test_simple);
  g_test_add_func ("/model/thread-builder/missing-parent", test_missing_parent);
  g_test_add_func ("/model/thread-builder/duplicates-and-self", test_duplicates_and_self);
  g_test_add_func ("/model/thread-builder/loops", test_loops);
  g_test_add_func ("/model/thread-builder/long-references", test_long_references);
  g_test_add_func ("/model/thread-builder/base-subject", test_base_subject);
  g_test_add_func ("/model/thread-builder/subject-grouping", test_subject_grouping);
  g_test_add_func ("/model/thread-builder/stable-order", test_stable_order);
  g_test_add_func ("/model/thread-builder/empty", test_empty);
  g_test_add_func ("/model/thread-builder/large", test_large);

  return g_test_run ();
}
