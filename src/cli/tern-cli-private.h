/* tern-cli-private.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "model/tern-account.h"
#include "store/tern-store.h"

G_BEGIN_DECLS

#define EXIT_USAGE 2

/* Shared by tern-cli's command files. */
int fail (const GError *error);
int fail_message (const char *message);
int usage_error (const char *message);
G_GNUC_PRINTF (1, 2) int usage_errorf (const char *format, ...);

void json_append_string (GString *out, const char *str);
void json_append_nullable_string (GString *out, const char *str);

void store_result (GObject *object, GAsyncResult *result, gpointer user_data);
GAsyncResult *wait_for (GAsyncResult **slot);
/* tern_account_open_cache_async() with store_result and @slot; tern-cli's
 * main() waits for the cache to be closed before it exits. */
void cli_open_cache_async (TernAccount *account, GAsyncResult **slot);

typedef struct
{
  const char *name;     /* "--email" */
  gboolean takes_value; /* "--email ADDR" or "--email=ADDR" */
  const char *value;    /* set when seen; "" for a flag */
} Option;

gboolean parse_options (const char *command,
                        int argc,
                        char **argv,
                        Option *options,
                        guint n_options,
                        GPtrArray *positional,
                        int *out_status);
TernAccount *load_account (const char *id, int *out_status);

/* tern-cli-mail.c: the cache, sync and operation commands. */
typedef struct
{
  const char *name;
  int (*run) (const char *name, int argc, char **argv);
} TernCliCommand;

extern const TernCliCommand tern_cli_mail_commands[];
extern const char tern_cli_mail_help[];
extern const TernCliCommand tern_cli_idle_commands[];
extern const char tern_cli_idle_help[];

/* tern-cli-search.c: search ID QUERY [--folder F] [--local] [--json]. */
/* A --sort key: date, from, subject, size, unread, flagged (and uid when
 * @with_uid); its natural direction: newest, largest, unread and flagged
 * first, names A to Z. */
gboolean cli_parse_sort (const char *name, gboolean with_uid, TernStoreSort *out_sort);
gboolean cli_sort_descending (TernStoreSort sort);

int tern_cli_search (int argc, char **argv);
extern const char tern_cli_search_help[];

G_END_DECLS
