/* tern-html-view.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernHtmlView: an HTML message body (DESIGN decision 9).
 *
 * The web view and everything that keeps a message from reaching the
 * network live in the WebKit module (webkit/tern-webkit-module.c), which is
 * loaded, and the web view built, when the first HTML message is shown:
 * tern does not link WebKitGTK, so a person who never opens an HTML
 * message never pays for it. If the module cannot be loaded the view says
 * so in place of the message.
 *
 * This side answers the module's cid: requests from the account's part
 * cache, and replaces the web view when remote content is allowed (the
 * content security policy can only be set when a view is built).
 *
 * While a message loads the view is marked busy for assistive technologies
 * (GTK_ACCESSIBLE_STATE_BUSY); it is not busy once the page and every image
 * it refers to have loaded.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "mime/tern-mime-body.h"
#include "sync/tern-sync-session.h"
#include "tern-html-view.h"
#include "tern-webkit-loader.h"

struct _TernHtmlView
{
  AdwBin parent_instance;

  /* borrowed: the child, when it is a web view or the error label */
  GtkWidget *web_view;
  GtkWidget *error_label;

  /* owned */
  TernSyncSession *session;
  char *folder;
  char *html;
  GPtrArray *inline_parts;
  GCancellable *cancellable;
  guint32 uid;

  guint remote_allowed : 1;
  guint remote_blocked : 1;
  guint view_allows_remote : 1;
};

G_DEFINE_FINAL_TYPE (TernHtmlView, tern_html_view, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_REMOTE_BLOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const TernWebkitModule *module;
  TernWebkitCidRequest *request;
  char *mime_type;
  char *encoding;
} CidRequest;

static void
cid_request_free (CidRequest *cid)
{
  g_free (cid->mime_type);
  g_free (cid->encoding);
  g_free (cid);
}

static void
cid_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CidRequest *cid = user_data;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GBytes) decoded = NULL;
  g_autoptr (GError) error = NULL;

  raw = tern_sync_session_fetch_section_finish (TERN_SYNC_SESSION (source), result, &error);
  if (raw == NULL)
    {
      g_debug ("cid: part not available: %s", error->message);
      cid->module->cid_fail (cid->request, error);
      cid_request_free (cid);
      return;
    }
  decoded = tern_mime_decode_transfer (raw, cid->encoding);
  cid->module->cid_finish (cid->request, decoded, cid->mime_type);
  cid_request_free (cid);
}

/* TernWebkitViewCallbacks.request_cid */
static void
request_cid_cb (gpointer user_data, const char *content_id, TernWebkitCidRequest *request)
{
  TernHtmlView *self = user_data;
  const TernWebkitModule *module = tern_webkit_loader_get (NULL);
  TernMimeInlinePart *part;
  CidRequest *cid;

  part = self->session != NULL && content_id != NULL
           ? tern_mime_body_find_inline_part (self->inline_parts, content_id)
           : NULL;
  /* Only images: a cid: part is never run or shown as a document (the
   * module refuses anything else too). */
  if (part == NULL || !g_str_has_prefix (part->mime_type, "image/"))
    {
      g_autoptr (GError) error =
        g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No image part cid:%s",
                     content_id != NULL ? content_id : "");

      module->cid_fail (request, error);
      return;
    }
  cid = g_new0 (CidRequest, 1);
  cid->module = module;
  cid->request = request;
  cid->mime_type = g_strdup (part->mime_type);
  cid->encoding = g_strdup (part->encoding);
  tern_sync_session_fetch_section_async (self->session, self->folder, self->uid, part->section,
                                         TRUE, self->cancellable, cid_fetched, cid);
}

/* TernWebkitViewCallbacks.load_finished */
static void
load_finished_cb (gpointer user_data)
{
  TernHtmlView *self = user_data;

  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, FALSE, -1);
}

static const TernWebkitViewCallbacks view_callbacks = {
  .load_finished = load_finished_cb,
  .request_cid = request_cid_cb,
};

static void
drop_child (TernHtmlView *self)
{
  if (self->web_view != NULL)
    {
      const TernWebkitModule *module = tern_webkit_loader_get (NULL);

      module->view_detach (self->web_view);
      self->web_view = NULL;
    }
  self->error_label = NULL;
  adw_bin_set_child (ADW_BIN (self), NULL);
}

/* In place of the message: why it cannot be shown. */
static void
show_error (TernHtmlView *self, const GError *error)
{
  g_autofree char *text = NULL;

  if (self->error_label != NULL)
    return;
  drop_child (self);
  /* Translators: %s says why, e.g. that a file could not be loaded. */
  text = g_strdup_printf (_ ("This message’s HTML cannot be shown: %s\n\n"
                             "View Source (Ctrl+U) shows the whole message."),
                          error->message);
  self->error_label =
    g_object_new (GTK_TYPE_LABEL, "label", text, "wrap", TRUE, "selectable", TRUE, "xalign", 0.0f,
                  "yalign", 0.0f, "margin-top", 18, "margin-bottom", 18, "margin-start", 18,
                  "margin-end", 18, "hexpand", TRUE, "vexpand", TRUE, NULL);
  adw_bin_set_child (ADW_BIN (self), self->error_label);
}

/* A web view for @allow_remote (kept when it already is one): the content
 * security policy can only be set when a view is built. FALSE, with the
 * reason shown in its place, if the WebKit module cannot be loaded. */
static gboolean
replace_web_view (TernHtmlView *self, gboolean allow_remote)
{
  g_autoptr (GError) error = NULL;
  const TernWebkitModule *module = tern_webkit_loader_get (&error);

  if (module == NULL)
    {
      show_error (self, error);
      return FALSE;
    }
  if (self->web_view != NULL && self->view_allows_remote == allow_remote)
    return TRUE;
  drop_child (self);
  self->view_allows_remote = allow_remote;
  self->web_view = module->view_new (allow_remote, &view_callbacks, self);
  adw_bin_set_child (ADW_BIN (self), self->web_view);
  return TRUE;
}

static void
set_remote_blocked (TernHtmlView *self, gboolean blocked)
{
  if (blocked == self->remote_blocked)
    return;
  self->remote_blocked = blocked;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_BLOCKED]);
}

static void
show (TernHtmlView *self)
{
  gboolean has_remote = tern_html_has_remote_content (self->html);

  if (!replace_web_view (self, self->remote_allowed))
    {
      /* Nothing loads, so nothing is blocked that could be allowed. */
      set_remote_blocked (self, FALSE);
      return;
    }
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, TRUE, -1);
  tern_webkit_loader_get (NULL)->view_load_html (self->web_view, self->html);
  set_remote_blocked (self, has_remote && !self->remote_allowed);
}

void
tern_html_view_load (TernHtmlView *self,
                     TernSyncSession *session,
                     const char *folder,
                     guint32 uid,
                     const char *html,
                     GPtrArray *inline_parts,
                     gboolean allow_remote)
{
  g_return_if_fail (TERN_IS_HTML_VIEW (self));
  g_return_if_fail (TERN_IS_SYNC_SESSION (session));
  g_return_if_fail (folder != NULL && html != NULL);

  tern_html_view_clear (self);
  self->session = g_object_ref (session);
  self->folder = g_strdup (folder);
  self->uid = uid;
  self->html = g_strdup (html);
  self->inline_parts = inline_parts != NULL ? g_ptr_array_ref (inline_parts) : NULL;
  self->cancellable = g_cancellable_new ();
  self->remote_allowed = allow_remote;
  show (self);
}

void
tern_html_view_allow_remote (TernHtmlView *self)
{
  g_return_if_fail (TERN_IS_HTML_VIEW (self));

  if (self->html == NULL || self->remote_allowed)
    return;
  self->remote_allowed = TRUE;
  show (self);
}

void
tern_html_view_clear (TernHtmlView *self)
{
  g_return_if_fail (TERN_IS_HTML_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->inline_parts, g_ptr_array_unref);
  self->uid = 0;
  self->remote_allowed = FALSE;
  /* A web view exists only once the module is loaded. */
  if (self->web_view != NULL)
    tern_webkit_loader_get (NULL)->view_stop (self->web_view);
  set_remote_blocked (self, FALSE);
}

gboolean
tern_html_view_get_remote_blocked (TernHtmlView *self)
{
  g_return_val_if_fail (TERN_IS_HTML_VIEW (self), FALSE);

  return self->remote_blocked;
}

GtkWidget *
tern_html_view_get_focus_target (TernHtmlView *self)
{
  g_return_val_if_fail (TERN_IS_HTML_VIEW (self), NULL);

  if (self->web_view != NULL)
    return self->web_view;
  if (self->error_label != NULL)
    return self->error_label;
  return GTK_WIDGET (self);
}

gboolean
tern_html_has_remote_content (const char *html)
{
  static GRegex *regex;

  if (html == NULL)
    return FALSE;
  if (g_once_init_enter (&regex))
    {
      /* Attributes that load something, url() and @import in CSS, and
       * <link href> (style sheets, icons); a plain <a href> is a link. */
      GRegex *r = g_regex_new ("(?:\\b(?:src|srcset|lowsrc|dynsrc|background|poster|data|profile|"
                               "cite)\\s*=\\s*"
                               "[\"']?\\s*|url\\s*\\(\\s*[\"']?\\s*|@import\\s+[\"']?\\s*|"
                               "<link\\b[^>]*\\bhref\\s*=\\s*[\"']?\\s*)(?:https?:|ftp:|wss?:|//)",
                               G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);

      g_once_init_leave (&regex, r);
    }
  return g_regex_match (regex, html, 0, NULL);
}

GtkWidget *
tern_html_view_new (void)
{
  return g_object_new (TERN_TYPE_HTML_VIEW, NULL);
}

static void
tern_html_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernHtmlView *self = TERN_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_BLOCKED:
      g_value_set_boolean (value, self->remote_blocked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_html_view_dispose (GObject *object)
{
  TernHtmlView *self = TERN_HTML_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* The web view may outlive its parent for a moment: it calls us back no
   * more. */
  if (self->web_view != NULL)
    {
      tern_webkit_loader_get (NULL)->view_detach (self->web_view);
      self->web_view = NULL;
    }
  self->error_label = NULL;
  g_clear_object (&self->session);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->inline_parts, g_ptr_array_unref);

  G_OBJECT_CLASS (tern_html_view_parent_class)->dispose (object);
}

static void
tern_html_view_class_init (TernHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tern_html_view_get_property;
  object_class->dispose = tern_html_view_dispose;

  /**
   * TernHtmlView:remote-blocked:
   *
   * The message refers to remote content that is not loaded.
   */
  properties[PROP_REMOTE_BLOCKED] =
    g_param_spec_boolean ("remote-blocked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_html_view_init (TernHtmlView *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  /* The web view (and WebKit) comes with the first HTML message. */
}
