/* tern-imap-utf7.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *tern_imap_utf7_encode (const char *utf8);
char *tern_imap_utf7_decode (const char *mutf7, gsize len, GError **error);

G_END_DECLS
