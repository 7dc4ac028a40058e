/* tern-autoconfig.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tern-account-config.h"

G_BEGIN_DECLS

/* Finding the mail servers of an e-mail address; see tern-autoconfig.c.
 * Main context only. */

#define TERN_AUTOCONFIG_ERROR (tern_autoconfig_error_quark ())

typedef enum
{
  /* No IMAP server was found for the address's domain. */
  TERN_AUTOCONFIG_ERROR_NOT_FOUND,
  /* The address is not of the form local@domain. */
  TERN_AUTOCONFIG_ERROR_INVALID_ADDRESS,
} TernAutoconfigError;

GQuark tern_autoconfig_error_quark (void);

char *tern_autoconfig_dup_domain (const char *email);

void tern_autoconfig_lookup_async (const char *email,
                                   guint timeout_seconds,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
TernAccountConfig *tern_autoconfig_lookup_finish (GAsyncResult *result, GError **error);

G_END_DECLS
