/* tern-imap-client-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Knobs of TernImapClient for tests and benchmarks; nothing in the
 * application calls them. */

#pragma once

#include "tern-imap-client.h"

G_BEGIN_DECLS

/* Serialise literals in @mode whatever the server offers (e.g.
 * TERN_IMAP_LITERAL_SYNC to exercise the "+" continuation on a server with
 * LITERAL+); @force FALSE returns to choosing from the capabilities. */
void _tern_imap_client_force_literal_mode (TernImapClient *self,
                                           gboolean force,
                                           TernImapLiteralMode mode);

/* The tag the next command will get ("A0001", …). */
char *_tern_imap_client_dup_next_tag (TernImapClient *self);

G_END_DECLS
