/* tern-window.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "model/tern-account.h"

G_BEGIN_DECLS

#define TERN_TYPE_WINDOW (tern_window_get_type ())

G_DECLARE_FINAL_TYPE (TernWindow, tern_window, TERN, WINDOW, AdwApplicationWindow)

TernWindow *tern_window_new (GtkApplication *application);
void tern_window_present_when_ready (TernWindow *self, guint max_wait_ms);
void tern_window_reload_accounts (TernWindow *self);
void tern_window_read_ahead (TernAccount *account);
TernAccount *tern_window_lookup_account (TernWindow *self, const char *account_id);
void tern_window_show_message (TernWindow *self,
                               const char *account_id,
                               const char *folder,
                               guint32 uid);
void tern_window_apply_action (TernWindow *self,
                               const char *account_id,
                               const char *folder,
                               const guint32 *uids,
                               guint n_uids,
                               TernAccountAction action);

G_END_DECLS
