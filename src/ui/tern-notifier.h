/* tern-notifier.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "model/tern-account.h"

G_BEGIN_DECLS

#define TERN_TYPE_NOTIFIER (tern_notifier_get_type ())

G_DECLARE_FINAL_TYPE (TernNotifier, tern_notifier, TERN, NOTIFIER, GObject)

TernNotifier *tern_notifier_new (GtkApplication *application);

/* Applies @action (mark read, delete) to @uids (au) of @folder, as a
 * notification's button asked, and withdraws that folder's notification. */
void tern_notifier_apply (TernNotifier *self,
                          TernAccountAction action,
                          const char *account_id,
                          const char *folder,
                          GVariant *uids);
/* Withdraws the notification of @folder of @account_id and forgets its
 * messages. */
void tern_notifier_withdraw (TernNotifier *self, const char *account_id, const char *folder);

G_END_DECLS
