/* tern-imap-capabilities.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

/* TernImapCapabilities: an immutable set of capability names, from
 * "* CAPABILITY", a [CAPABILITY …] response code or "* ENABLED". Names
 * compare ASCII case-insensitively.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapCapabilities TernImapCapabilities;

#define TERN_TYPE_IMAP_CAPABILITIES (tern_imap_capabilities_get_type ())

GType tern_imap_capabilities_get_type (void) G_GNUC_CONST;
TernImapCapabilities *tern_imap_capabilities_new (const char *const *names);
TernImapCapabilities *tern_imap_capabilities_new_from_response (TernImapResponse *response,
                                                                GError **error);
TernImapCapabilities *tern_imap_capabilities_ref (TernImapCapabilities *self);
void tern_imap_capabilities_unref (TernImapCapabilities *self);

gboolean tern_imap_capabilities_has (TernImapCapabilities *self, const char *name);
gboolean tern_imap_capabilities_has_auth (TernImapCapabilities *self, const char *mechanism);
const char *const *tern_imap_capabilities_get_auth_mechanisms (TernImapCapabilities *self);
const char *tern_imap_capabilities_get_value (TernImapCapabilities *self, const char *name);
const char *const *tern_imap_capabilities_get_names (TernImapCapabilities *self);
guint tern_imap_capabilities_get_n_names (TernImapCapabilities *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapCapabilities, tern_imap_capabilities_unref)

G_END_DECLS
