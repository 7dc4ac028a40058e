/* tern-imap-flags.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

/* The system flags, as a mask; keywords ($Forwarded, $Junk, …) stay strings. */
typedef enum
{
  TERN_IMAP_FLAG_NONE = 0,
  TERN_IMAP_FLAG_SEEN = 1 << 0,
  TERN_IMAP_FLAG_ANSWERED = 1 << 1,
  TERN_IMAP_FLAG_FLAGGED = 1 << 2,
  TERN_IMAP_FLAG_DELETED = 1 << 3,
  TERN_IMAP_FLAG_DRAFT = 1 << 4,
  TERN_IMAP_FLAG_RECENT = 1 << 5,
  /* "\*" in PERMANENTFLAGS: new keywords may be created */
  TERN_IMAP_FLAG_ANY_KEYWORD = 1 << 6,
} TernImapFlags;

char **tern_imap_flags_parse (TernImapResponse *response, GError **error);
char **tern_imap_flags_from_value (const TernImapValue *list, GError **error);
TernImapFlags tern_imap_flags_get_system_flags (const char *const *flags);
TernImapFlags tern_imap_flag_from_string (const char *flag);
gboolean tern_imap_flag_is_keyword (const char *flag);

G_END_DECLS
