/* tern-application.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TERN_TYPE_APPLICATION (tern_application_get_type ())

G_DECLARE_FINAL_TYPE (TernApplication, tern_application, TERN, APPLICATION, AdwApplication)

TernApplication *tern_application_new (void);
struct _TernAccount;
struct _TernAccount *tern_application_take_account (TernApplication *self, const char *id);

G_END_DECLS
