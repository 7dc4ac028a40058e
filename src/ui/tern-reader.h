/* tern-reader.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tern-engine.h"

G_BEGIN_DECLS

#define TERN_TYPE_READER (tern_reader_get_type ())

G_DECLARE_FINAL_TYPE (TernReader, tern_reader, TERN, READER, AdwBin)

GtkWidget *tern_reader_new (void);

/* Loads and shows one message; a later call or tern_reader_clear() cancels
 * a load still under way. Emits ::message-shown once the body is shown. */
void
tern_reader_load (TernReader *self, TernAccount *account, const char *folder_path, guint32 uid);
void tern_reader_clear (TernReader *self);

/* Whether a message is shown (not loading, not failed). */
gboolean tern_reader_get_has_message (TernReader *self);
/* The widget F6 gives the focus to, or NULL when nothing is shown. */
GtkWidget *tern_reader_get_focus_target (TernReader *self);
/* The UID of the message shown or being loaded, 0 if none. */
guint32 tern_reader_get_uid (TernReader *self);
/* Opens a window with the raw source of the message shown (the action
 * reader.view-source, Ctrl+U while the focus is in the reader). */
void tern_reader_view_source (TernReader *self);

G_END_DECLS
