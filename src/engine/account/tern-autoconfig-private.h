/* tern-autoconfig-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The parts of tern-autoconfig.c that the tests drive directly: turning SRV
 * records and a domain into candidate servers, and probing a given list of
 * candidates (against the loopback Dovecot, which no DNS name leads to). */

#pragma once

#include "tern-autoconfig.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_AUTOCONFIG_IMAP,
  TERN_AUTOCONFIG_SMTP,
} TernAutoconfigProtocol;

typedef struct
{
  char *host;
  guint16 port;
  TernSecurity security;
} TernAutoconfigServer;

TernAutoconfigServer *
_tern_autoconfig_server_new (const char *host, guint16 port, TernSecurity security);
void _tern_autoconfig_server_free (TernAutoconfigServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernAutoconfigServer, _tern_autoconfig_server_free)

GPtrArray *_tern_autoconfig_servers_from_srv (GList *targets, TernSecurity security);
GPtrArray *_tern_autoconfig_guess_servers (const char *domain, TernAutoconfigProtocol protocol);

void _tern_autoconfig_probe_async (GPtrArray *candidates,
                                   TernAutoconfigProtocol protocol,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
TernAutoconfigServer *_tern_autoconfig_probe_finish (GAsyncResult *result, GError **error);

G_END_DECLS
