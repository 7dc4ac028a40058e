/* tern-model-error.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include "tern-model-error.h"

G_DEFINE_QUARK (tern - model - error - quark, tern_model_error)
