/* tern-imap-vanished.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"
#include "tern-imap-uid-set.h"

G_BEGIN_DECLS

TernImapUidSet *
tern_imap_vanished_parse (TernImapResponse *response, gboolean *out_earlier, GError **error);

G_END_DECLS
