/* tern-source-window.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tern-engine.h"

G_BEGIN_DECLS

#define TERN_TYPE_SOURCE_WINDOW (tern_source_window_get_type ())

G_DECLARE_FINAL_TYPE (TernSourceWindow, tern_source_window, TERN, SOURCE_WINDOW, AdwWindow)

/* A window that fetches message @uid of @folder as the server stores it and
 * shows it as text. */
GtkWidget *tern_source_window_new (GtkWindow *parent,
                                   TernAccount *account,
                                   const char *folder,
                                   guint32 uid,
                                   const char *subject);

G_END_DECLS
