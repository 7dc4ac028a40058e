/* tern-model-error.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include "tern-model-error.h"

/* Spelt out rather than G_DEFINE_QUARK, whose name argument clang-format
 * would space into "tern - model - error - quark". */
GQuark
tern_model_error_quark (void)
{
  return g_quark_from_static_string ("tern-model-error-quark");
}
