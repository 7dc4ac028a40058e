/* tern-preferences.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tern-window.h"

G_BEGIN_DECLS

#define TERN_TYPE_PREFERENCES (tern_preferences_get_type ())

G_DECLARE_FINAL_TYPE (TernPreferences, tern_preferences, TERN, PREFERENCES, AdwPreferencesWindow)

TernPreferences *tern_preferences_new (TernWindow *main_window);

G_END_DECLS
