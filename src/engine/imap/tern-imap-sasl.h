/* tern-imap-sasl.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "tern-imap-command.h"

G_BEGIN_DECLS

/* What the account holds for this server. */
typedef enum
{
  TERN_IMAP_CREDENTIAL_PASSWORD,
  TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN,
} TernImapCredentialKind;

/* How to log in: the LOGIN command or an AUTHENTICATE mechanism. */
typedef enum
{
  TERN_IMAP_AUTH_LOGIN,
  TERN_IMAP_AUTH_PLAIN,
  TERN_IMAP_AUTH_XOAUTH2,
  TERN_IMAP_AUTH_OAUTHBEARER,
} TernImapAuthMethod;

/* What the client sends to abandon an AUTHENTICATE exchange (RFC 3501 §6.2.2). */
#define TERN_IMAP_SASL_CANCEL_LINE "*\r\n"

typedef struct _TernImapSasl TernImapSasl;

const char *tern_imap_auth_method_to_string (TernImapAuthMethod method);
gboolean tern_imap_sasl_choose_method (const char *const *capabilities,
                                       TernImapCredentialKind kind,
                                       TernImapAuthMethod *out_method,
                                       GError **error);

TernImapSasl *tern_imap_sasl_new (TernImapAuthMethod method,
                                  const char *user,
                                  const char *secret,
                                  const char *host,
                                  guint16 port,
                                  GError **error);
void tern_imap_sasl_free (TernImapSasl *self);

TernImapAuthMethod tern_imap_sasl_get_method (TernImapSasl *self);
TernImapCommand *tern_imap_sasl_create_command (TernImapSasl *self, gboolean sasl_ir);
GBytes *tern_imap_sasl_step (TernImapSasl *self, const char *challenge, GError **error);
const char *tern_imap_sasl_get_server_error (TernImapSasl *self);
const char *tern_imap_sasl_get_server_status (TernImapSasl *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapSasl, tern_imap_sasl_free)

G_END_DECLS
