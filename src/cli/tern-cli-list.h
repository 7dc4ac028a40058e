/* tern-cli-list.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* tern-cli-list.c: rows ID FOLDER [--sort KEY] [--reverse] [--json]. */
int tern_cli_rows (int argc, char **argv);
extern const char tern_cli_rows_help[];

G_END_DECLS
