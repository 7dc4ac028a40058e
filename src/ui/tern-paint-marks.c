/* tern-paint-marks.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Paint marks for bench/bench-window.py: with TERN_PAINT_LOG set, the end
 * of the first frame that showed a given thing (the window, the first
 * message rows) is appended to that file as a "MONOTONIC-µs WHAT" line, so
 * that a start is timed to what was really painted rather than to when an
 * AT-SPI client got round to seeing it. Each WHAT is marked once per
 * process. Off, and costing one branch, otherwise.
 *
 * tern_paint_marks_watch_frames() adds a "MONOTONIC-µs frame L P" line for
 * each frame of the first seconds: L and P are the µs its layout and its
 * paint took, so that a long frame is told apart from other work.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "tern-paint-marks.h"

static int log_fd = -2;    /* -2: not looked at yet; -1: off */
static GHashTable *marked; /* WHAT (static strings) already marked or pending */

gboolean
tern_paint_marks_enabled (void)
{
  if (log_fd == -2)
    {
      const char *path = g_getenv ("TERN_PAINT_LOG");

      log_fd = -1;
      if (path != NULL && *path != '\0')
        {
          log_fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
          if (log_fd < 0)
            g_warning ("TERN_PAINT_LOG: cannot open %s: %s", path, g_strerror (errno));
          marked = g_hash_table_new (g_str_hash, g_str_equal);
        }
    }
  return log_fd >= 0;
}

typedef struct
{
  gulong handler;
  const char *what;
} Pending;

static void
write_mark (const char *what)
{
  g_autofree char *line =
    g_strdup_printf ("%" G_GINT64_FORMAT " %s\n", g_get_monotonic_time (), what);
  gssize n = (gssize) strlen (line);

  if (write (log_fd, line, n) != n)
    g_warning ("TERN_PAINT_LOG: %s", g_strerror (errno));
}

static void
after_paint (GdkFrameClock *clock, Pending *pending)
{
  write_mark (pending->what);
  g_signal_handler_disconnect (clock, pending->handler);
}

/**
 * tern_paint_mark_note:
 * @what: one word, such as "renderer=GskCairoRenderer"
 *
 * Writes @what to the log now: a fact about the start, not a paint.
 */
void
tern_paint_mark_note (const char *what)
{
  if (tern_paint_marks_enabled ())
    write_mark (what);
}

/**
 * tern_paint_mark_after_paint:
 * @what: (not nullable): a static string
 *
 * Marks @what once the frame that @widget is being drawn in has been
 * painted; only the first call for each @what counts.
 */
void
tern_paint_mark_after_paint (GtkWidget *widget, const char *what)
{
  GdkFrameClock *clock;
  Pending *pending;

  if (!tern_paint_marks_enabled () || g_hash_table_contains (marked, what) ||
      (clock = gtk_widget_get_frame_clock (widget)) == NULL)
    return;
  g_hash_table_add (marked, (gpointer) what);
  pending = g_new0 (Pending, 1);
  pending->what = what;
  pending->handler = g_signal_connect_data (clock, "after-paint", G_CALLBACK (after_paint), pending,
                                            (GClosureNotify) (void (*) (void)) g_free, 0);
}

typedef struct
{
  gint64 begin;
  gint64 layout_end;
  gint64 until;
} FrameWatch;

static void
frame_begin (GdkFrameClock *clock, FrameWatch *watch)
{
  watch->begin = g_get_monotonic_time ();
  watch->layout_end = watch->begin;
}

static void
frame_layout_done (GdkFrameClock *clock, FrameWatch *watch)
{
  watch->layout_end = g_get_monotonic_time ();
}

static void
frame_end (GdkFrameClock *clock, FrameWatch *watch)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *line = NULL;
  gssize n;

  if (watch->begin == 0)
    return;
  line = g_strdup_printf ("%" G_GINT64_FORMAT " frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                          now, watch->layout_end - watch->begin, now - watch->layout_end);
  n = (gssize) strlen (line);
  if (write (log_fd, line, n) != n)
    g_warning ("TERN_PAINT_LOG: %s", g_strerror (errno));
  watch->begin = 0;
  if (now > watch->until)
    g_signal_handlers_disconnect_by_data (clock, watch);
}

/**
 * tern_paint_marks_watch_frames:
 * @widget: a realized widget
 * @seconds: for how long
 *
 * Logs the layout and paint time of every frame of @widget's frame clock
 * for @seconds. Handlers connected after GTK's own run after them, so
 * "layout" ends after GTK's layout and "after-paint" after its paint.
 */
void
tern_paint_marks_watch_frames (GtkWidget *widget, guint seconds)
{
  GdkFrameClock *clock;
  FrameWatch *watch;

  if (!tern_paint_marks_enabled () || (clock = gtk_widget_get_frame_clock (widget)) == NULL)
    return;
  watch = g_new0 (FrameWatch, 1); /* lives as long as the process */
  watch->until = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  g_signal_connect (clock, "before-paint", G_CALLBACK (frame_begin), watch);
  g_signal_connect (clock, "layout", G_CALLBACK (frame_layout_done), watch);
  g_signal_connect (clock, "after-paint", G_CALLBACK (frame_end), watch);
}
