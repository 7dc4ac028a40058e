/* tern-html-view.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "mime/tern-mime-text.h"
#include "sync/tern-sync-session.h"

G_BEGIN_DECLS

#define TERN_TYPE_HTML_VIEW (tern_html_view_get_type ())

G_DECLARE_FINAL_TYPE (TernHtmlView, tern_html_view, TERN, HTML_VIEW, AdwBin)

GtkWidget *tern_html_view_new (void);

/* Shows @html (UTF-8) of message @uid in @folder. cid: URLs are served from
 * @inline_parts (TernMimeInlinePart) through @session's part cache. Remote
 * loads are blocked unless @allow_remote. */
void tern_html_view_load (TernHtmlView *self,
                          TernSyncSession *session,
                          const char *folder,
                          guint32 uid,
                          const char *html,
                          GPtrArray *inline_parts,
                          gboolean allow_remote);
/* Shows the same message again with remote content allowed. */
void tern_html_view_allow_remote (TernHtmlView *self);
void tern_html_view_clear (TernHtmlView *self);

/* Whether the message refers to remote content that is being blocked. */
gboolean tern_html_view_get_remote_blocked (TernHtmlView *self);
/* The widget that takes the keyboard focus. */
GtkWidget *tern_html_view_get_focus_target (TernHtmlView *self);

/* Whether @html refers to content on the network (images, style sheets,
 * fonts; links do not count). */
gboolean tern_html_has_remote_content (const char *html);

G_END_DECLS
