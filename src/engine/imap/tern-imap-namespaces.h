/* tern-imap-namespaces.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_IMAP_NAMESPACE_PERSONAL,
  TERN_IMAP_NAMESPACE_OTHER_USERS,
  TERN_IMAP_NAMESPACE_SHARED,
} TernImapNamespaceKind;

/* TernImapNamespaces: the three namespace lists of "* NAMESPACE" (RFC 2342),
 * each a list of (prefix, delimiter). Prefixes are raw names, like mailbox
 * names. Namespace extensions are ignored.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapNamespaces TernImapNamespaces;

#define TERN_TYPE_IMAP_NAMESPACES (tern_imap_namespaces_get_type ())

GType tern_imap_namespaces_get_type (void) G_GNUC_CONST;
TernImapNamespaces *tern_imap_namespaces_new_from_response (TernImapResponse *response,
                                                            GError **error);
TernImapNamespaces *tern_imap_namespaces_ref (TernImapNamespaces *self);
void tern_imap_namespaces_unref (TernImapNamespaces *self);

guint tern_imap_namespaces_get_n (TernImapNamespaces *self, TernImapNamespaceKind kind);
const char *
tern_imap_namespaces_get_prefix (TernImapNamespaces *self, TernImapNamespaceKind kind, guint index);
char tern_imap_namespaces_get_delimiter (TernImapNamespaces *self,
                                         TernImapNamespaceKind kind,
                                         guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapNamespaces, tern_imap_namespaces_unref)

G_END_DECLS
