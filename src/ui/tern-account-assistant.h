/* tern-account-assistant.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "account/tern-account-config.h"
#include "tern-window.h"

G_BEGIN_DECLS

#define TERN_TYPE_ACCOUNT_ASSISTANT (tern_account_assistant_get_type ())

G_DECLARE_FINAL_TYPE (TernAccountAssistant,
                      tern_account_assistant,
                      TERN,
                      ACCOUNT_ASSISTANT,
                      AdwWindow)

TernAccountAssistant *
tern_account_assistant_new (GtkWindow *parent, TernWindow *main_window, TernAccountConfig *edit);

G_END_DECLS
