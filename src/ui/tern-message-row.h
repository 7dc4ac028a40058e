/* tern-message-row.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "tern-engine.h"

G_BEGIN_DECLS

#define TERN_TYPE_MESSAGE_ROW (tern_message_row_get_type ())

G_DECLARE_FINAL_TYPE (TernMessageRow, tern_message_row, TERN, MESSAGE_ROW, GtkWidget)

GtkWidget *tern_message_row_new (void);
void tern_message_row_set_summary (TernMessageRow *self, TernMessageSummary *summary);
void
tern_message_row_set_location (TernMessageRow *self, const char *location, const char *placeholder);

char *tern_format_relative_date (gint64 unix_time, GDateTime *now);

G_END_DECLS
