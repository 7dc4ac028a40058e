/* tern-webkit-loader.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "webkit/tern-webkit-module.h"

G_BEGIN_DECLS

/* The WebKit module, loaded on the first call and kept for the life of the
 * process; NULL with @error set (the same error every time) if it cannot
 * be loaded. */
const TernWebkitModule *tern_webkit_loader_get (GError **error);
void tern_webkit_loader_preload (void);

/* Where the module is looked for. */
char *tern_webkit_loader_dup_module_dir (void);

G_END_DECLS
