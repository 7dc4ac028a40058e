/* tern-webkit-module.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The interface between tern and its WebKit module (tern-webkit.so).
 *
 * WebKitGTK is large (with JavaScriptCore and its speech voices, some 36 MB
 * mapped and relocated at start), so tern does not link it: TernHtmlView
 * loads this module with GModule when the first HTML message is shown.
 * The module exports a single symbol, TERN_WEBKIT_MODULE_ENTRY, returning a
 * table of functions. Only this header is shared; the module links GTK and
 * WebKit but none of Tern's static libraries, and everything of Tern's it
 * needs (the cid: parts) it asks for through TernWebkitViewCallbacks. That
 * way no GType of Tern's is registered twice and the executable need not
 * export its symbols.
 *
 * Change TERN_WEBKIT_MODULE_ABI whenever anything below changes.
 *
 * Threading: main context only.
 */

#pragma once

#include <gmodule.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TERN_WEBKIT_MODULE_ABI 1
#define TERN_WEBKIT_MODULE_NAME "tern-webkit"
#define TERN_WEBKIT_MODULE_ENTRY "tern_webkit_module_get"

/* One cid: request the module waits on; answered exactly once with
 * cid_finish or cid_fail, which free it. */
typedef struct _TernWebkitCidRequest TernWebkitCidRequest;

/* What a web view asks of its owner; called with the user data given to
 * view_new, never after view_detach. */
typedef struct
{
  /* The message and everything it refers to has loaded (or failed to). */
  void (*load_finished) (gpointer user_data);
  /* The page asks for cid:@content_id (unescaped; NULL when the URL has
   * none): answer @request with the part's bytes, or fail it. */
  void (*request_cid) (gpointer user_data, const char *content_id, TernWebkitCidRequest *request);
} TernWebkitViewCallbacks;

typedef struct
{
  /* TERN_WEBKIT_MODULE_ABI of the module's build; the rest of the table is
   * read only when it matches the caller's. */
  guint abi;

  /* A new WebKitWebView (floating) for one message. Remote images, styles
   * and fonts load only if @allow_remote: that is fixed for the view's
   * lifetime. @callbacks must outlive the view. */
  GtkWidget *(*view_new) (gboolean allow_remote,
                          const TernWebkitViewCallbacks *callbacks,
                          gpointer user_data);
  /* Shows @html (UTF-8) in @view. */
  void (*view_load_html) (GtkWidget *view, const char *html);
  /* Stops whatever @view is loading. */
  void (*view_stop) (GtkWidget *view);
  /* Stops @view and forgets its callbacks: from now on its cid: requests
   * fail and nothing is called back. */
  void (*view_detach) (GtkWidget *view);

  /* Answers a cid: request with @data of @mime_type (an image type; others
   * are refused). */
  void (*cid_finish) (TernWebkitCidRequest *request, GBytes *data, const char *mime_type);
  void (*cid_fail) (TernWebkitCidRequest *request, const GError *error);
} TernWebkitModule;

typedef const TernWebkitModule *(*TernWebkitModuleGetFunc) (void);

/* The module's one exported symbol (TERN_WEBKIT_MODULE_ENTRY). */
G_MODULE_EXPORT const TernWebkitModule *tern_webkit_module_get (void);

G_END_DECLS
