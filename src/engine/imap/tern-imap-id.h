/* tern-imap-id.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

GHashTable *tern_imap_id_parse (TernImapResponse *response, GError **error);

G_END_DECLS
