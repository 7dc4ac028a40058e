/* tern-mime-text-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gmime/gmime.h>

#include "tern-mime-text.h"

G_BEGIN_DECLS

GPtrArray *_tern_mime_addresses_from_list (InternetAddressList *list);
char *_tern_mime_make_valid (const char *data, gssize len);
char *_tern_mime_sniff_html_charset (const char *data, gsize len);

G_END_DECLS
