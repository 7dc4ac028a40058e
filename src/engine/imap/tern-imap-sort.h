/* tern-imap-sort.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

GArray *tern_imap_sort_parse (TernImapResponse *response, guint64 *out_modseq, GError **error);

G_END_DECLS
