/* tern-paint-marks.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean tern_paint_marks_enabled (void);
void tern_paint_mark_after_paint (GtkWidget *widget, const char *what);
void tern_paint_mark_note (const char *what);
void tern_paint_marks_watch_frames (GtkWidget *widget, guint seconds);

G_END_DECLS
