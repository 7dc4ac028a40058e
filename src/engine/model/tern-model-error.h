/* tern-model-error.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TERN_MODEL_ERROR (tern_model_error_quark ())

/* Errors of the model's operations. Failing to reach or log in to the server
 * is reported in TERN_ACCOUNT_ERROR (CONNECTION, CERTIFICATE,
 * AUTHENTICATION), as when the account was set up. New codes are added at
 * the end, so the numbers stay stable. */
typedef enum
{
  /* An argument cannot be used (a malformed body section, UID 0, …). */
  TERN_MODEL_ERROR_INVALID,
  /* The server has no folder of that name. */
  TERN_MODEL_ERROR_FOLDER_NOT_FOUND,
  /* The folder has no message with that UID, or the message no such part. */
  TERN_MODEL_ERROR_MESSAGE_NOT_FOUND,
  /* The server refused a command or broke the connection. */
  TERN_MODEL_ERROR_SERVER,
} TernModelError;

GQuark tern_model_error_quark (void);

G_END_DECLS
