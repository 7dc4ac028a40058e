/* tern-imap-error.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TERN_IMAP_ERROR (tern_imap_error_quark ())

/* Errors of the IMAP layer. PROTOCOL and LIMIT from the parser mean that the
 * connection can no longer be trusted and must be closed. New codes are added
 * at the end, so the numbers stay stable. */
typedef enum
{
  /* The server broke the protocol's syntax or sent data that cannot be decoded. */
  TERN_IMAP_ERROR_PROTOCOL,
  /* The server exceeded a configured bound (line length, literal size, nesting, …). */
  TERN_IMAP_ERROR_LIMIT,
  /* A command was answered with a tagged NO. */
  TERN_IMAP_ERROR_NO,
  /* A command was answered with a tagged BAD. */
  TERN_IMAP_ERROR_BAD,
  /* The server said BYE, or the connection closed. */
  TERN_IMAP_ERROR_CLOSED,
  /* The server's TLS certificate failed validation. */
  TERN_IMAP_ERROR_CERTIFICATE,
  /* The connection cannot be made as secure as the account demands (no
   * STARTTLS offered, PREAUTH on a STARTTLS account, a secret in clear text). */
  TERN_IMAP_ERROR_INSECURE,
  /* The server refused the user name, password or token. */
  TERN_IMAP_ERROR_AUTHENTICATION,
  /* Connecting, logging in or a command took longer than allowed. */
  TERN_IMAP_ERROR_TIMEOUT,
  /* The server lacks what the operation needs (a capability, a mechanism). */
  TERN_IMAP_ERROR_UNSUPPORTED,
} TernImapError;

GQuark tern_imap_error_quark (void);

G_END_DECLS
