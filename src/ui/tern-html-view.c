/* tern-html-view.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernHtmlView: an HTML message body in a WebKitWebView (DESIGN decision 9).
 *
 * Nothing in a message may reach the network until the person allows it:
 *  - scripts, plugins, WebGL, media, storage and the page cache are off, and
 *    the network session is ephemeral;
 *  - a default Content-Security-Policy, fixed when the web view is built,
 *    lets the page load only cid: and data: resources (never frames,
 *    objects, scripts or file:). Allowing remote content builds a new web
 *    view with a policy that also allows remote images, styles and fonts;
 *  - as a second layer a compiled content blocker (WebKitUserContentFilter)
 *    blocks every http(s), ws(s), ftp and file URL in a blocked view;
 *  - navigations are never followed: a clicked link opens in the browser,
 *    anything else is cancelled.
 * cid: URLs are answered from the account's part cache.
 *
 * While a message loads the view is marked busy for assistive technologies
 * (GTK_ACCESSIBLE_STATE_BUSY); it is not busy once the page and every image
 * it refers to have loaded.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "mime/tern-mime-body.h"
#include "sync/tern-sync-session.h"
#include "tern-html-view.h"

#define FILTER_ID "tern-block-remote"

/* Only the message and its own parts. */
#define CSP_BLOCKED                                                                                \
  "default-src 'none'; img-src cid: data:; style-src 'unsafe-inline' cid: data:; "                 \
  "font-src cid: data:; form-action 'none'; base-uri 'none'"
/* Remote images, styles and fonts too; still no scripts, frames or plugins. */
#define CSP_REMOTE                                                                                 \
  "default-src 'none'; img-src http: https: cid: data:; "                                          \
  "style-src 'unsafe-inline' http: https: cid: data:; font-src http: https: cid: data:; "          \
  "form-action 'none'; base-uri 'none'"

/* The document every message is loaded as; the only navigation allowed. */
#define BASE_URI "about:blank"

/* WebKit's content rule regular expressions have no disjunctions: a rule
 * per scheme. */
static const char FILTER_JSON[] =
  "[{\"trigger\":{\"url-filter\":\"^https?:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^wss?:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^ftp:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^file:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^blob:\"},\"action\":{\"type\":\"block\"}}]";

struct _TernHtmlView
{
  AdwBin parent_instance;

  /* owned */
  WebKitWebView *web_view;
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

/* Process-wide: one web context (URI schemes can be registered once), one
 * ephemeral network session, and the compiled content blocker. */
static WebKitWebContext *web_context;
static WebKitNetworkSession *network_session;
static WebKitUserContentFilter *block_filter;
static GPtrArray *waiting_for_filter; /* GWeakRef to WebKitUserContentManager */

typedef struct
{
  WebKitURISchemeRequest *request;
  char *mime_type;
  char *encoding;
} CidRequest;

static void
cid_request_free (CidRequest *cid)
{
  g_object_unref (cid->request);
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
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GError) error = NULL;

  raw = tern_sync_session_fetch_section_finish (TERN_SYNC_SESSION (source), result, &error);
  if (raw == NULL)
    {
      g_debug ("cid: part not available: %s", error->message);
      webkit_uri_scheme_request_finish_error (cid->request, error);
      cid_request_free (cid);
      return;
    }
  decoded = tern_mime_decode_transfer (raw, cid->encoding);
  stream = g_memory_input_stream_new_from_bytes (decoded);
  webkit_uri_scheme_request_finish (cid->request, stream, (gint64) g_bytes_get_size (decoded),
                                    cid->mime_type);
  cid_request_free (cid);
}

static void
cid_scheme_cb (WebKitURISchemeRequest *request, gpointer user_data)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  TernHtmlView *self = NULL;
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  g_autofree char *content_id = NULL;
  TernMimeInlinePart *part;
  CidRequest *cid;

  if (web_view != NULL)
    self = g_object_get_data (G_OBJECT (web_view), "tern-html-view");
  if (uri != NULL && g_ascii_strncasecmp (uri, "cid:", 4) == 0)
    content_id = g_uri_unescape_string (uri + 4, NULL);
  part = self != NULL && self->session != NULL && self->web_view == web_view
           ? tern_mime_body_find_inline_part (self->inline_parts, content_id)
           : NULL;
  /* Only images: a cid: part is never run or shown as a document. */
  if (part == NULL || !g_str_has_prefix (part->mime_type, "image/"))
    {
      g_autoptr (GError) error =
        g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No image part %s", uri);

      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }
  cid = g_new0 (CidRequest, 1);
  cid->request = g_object_ref (request);
  cid->mime_type = g_strdup (part->mime_type);
  cid->encoding = g_strdup (part->encoding);
  tern_sync_session_fetch_section_async (self->session, self->folder, self->uid, part->section,
                                         TRUE, self->cancellable, cid_fetched, cid);
}

static void
filter_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  block_filter =
    webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (source), result,
                                                  &error);
  if (block_filter == NULL)
    {
      /* The content security policy still blocks remote loads. */
      g_warning ("Could not compile the remote content blocker: %s", error->message);
      return;
    }
  for (guint i = 0; i < waiting_for_filter->len; i++)
    {
      g_autoptr (WebKitUserContentManager) manager = g_weak_ref_get (waiting_for_filter->pdata[i]);

      if (manager != NULL)
        webkit_user_content_manager_add_filter (manager, block_filter);
    }
  g_ptr_array_set_size (waiting_for_filter, 0);
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
ensure_web_context (void)
{
  g_autoptr (WebKitUserContentFilterStore) store = NULL;
  g_autoptr (GBytes) json = NULL;
  g_autofree char *path = NULL;

  if (web_context != NULL)
    return;
  web_context = webkit_web_context_new ();
  webkit_web_context_set_cache_model (web_context, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
  webkit_web_context_register_uri_scheme (web_context, "cid", cid_scheme_cb, NULL, NULL);
  network_session = webkit_network_session_new_ephemeral ();
  waiting_for_filter = g_ptr_array_new_with_free_func (weak_ref_free);

  path = g_build_filename (g_get_user_cache_dir (), "tern", "content-filters", NULL);
  store = webkit_user_content_filter_store_new (path);
  json = g_bytes_new_static (FILTER_JSON, sizeof FILTER_JSON - 1);
  webkit_user_content_filter_store_save (store, FILTER_ID, json, NULL, filter_saved, NULL);
}

static void
launch_uri (TernHtmlView *self, const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *scheme = g_uri_parse_scheme (uri);

  /* What a message may ask the desktop to open. */
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0 &&
       g_ascii_strcasecmp (scheme, "mailto") != 0))
    {
      g_debug ("Not opening %s", uri);
      return;
    }
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static gboolean
decide_policy_cb (WebKitWebView *web_view,
                  WebKitPolicyDecision *decision,
                  WebKitPolicyDecisionType type,
                  gpointer user_data)
{
  TernHtmlView *self = user_data;
  WebKitNavigationAction *action;
  WebKitURIRequest *request;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    {
      webkit_policy_decision_use (decision);
      return TRUE;
    }
  action = webkit_navigation_policy_decision_get_navigation_action (
    WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  request = webkit_navigation_action_get_request (action);
  uri = request != NULL ? webkit_uri_request_get_uri (request) : NULL;
  if (uri == NULL)
    {
      webkit_policy_decision_ignore (decision);
      return TRUE;
    }
  if (webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED)
    {
      /* A link to a place in the message itself scrolls there. */
      if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
          g_str_has_prefix (uri, BASE_URI "#"))
        {
          webkit_policy_decision_use (decision);
          return TRUE;
        }
      webkit_policy_decision_ignore (decision);
      launch_uri (self, uri);
      return TRUE;
    }
  /* The message itself, loaded with webkit_web_view_load_html(). */
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION && strcmp (uri, BASE_URI) == 0 &&
      !webkit_navigation_action_is_user_gesture (action))
    {
      webkit_policy_decision_use (decision);
      return TRUE;
    }
  g_debug ("Cancelled navigation to %s", uri);
  webkit_policy_decision_ignore (decision);
  return TRUE;
}

static void
load_changed_cb (WebKitWebView *web_view, WebKitLoadEvent event, gpointer user_data)
{
  TernHtmlView *self = user_data;

  /* A load replaced by the next message finishes too. */
  if (event == WEBKIT_LOAD_FINISHED && !webkit_web_view_is_loading (web_view))
    gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, FALSE, -1);
}

static gboolean
load_failed_cb (WebKitWebView *web_view,
                WebKitLoadEvent event,
                const char *uri,
                GError *error,
                gpointer user_data)
{
  g_debug ("Loading %s: %s", uri, error->message);
  return FALSE;
}

/* Only copying: the rest (reload, open in a new window, inspect) would
 * leave the message or run what it says. */
static gboolean
context_menu_cb (WebKitWebView *web_view,
                 WebKitContextMenu *menu,
                 WebKitHitTestResult *hit,
                 gpointer user_data)
{
  GList *items = g_list_copy (webkit_context_menu_get_items (menu));

  for (GList *l = items; l != NULL; l = l->next)
    {
      WebKitContextMenuItem *item = l->data;

      switch (webkit_context_menu_item_get_stock_action (item))
        {
        case WEBKIT_CONTEXT_MENU_ACTION_COPY:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_URL_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
          break;
        default:
          webkit_context_menu_remove (menu, item);
          break;
        }
    }
  g_list_free (items);
  return webkit_context_menu_get_n_items (menu) == 0;
}

static WebKitSettings *
new_settings (void)
{
  WebKitSettings *settings = webkit_settings_new ();
  GParamSpec *pspec;

  webkit_settings_set_enable_javascript (settings, FALSE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_javascript_can_access_clipboard (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_media (settings, FALSE);
  webkit_settings_set_enable_mediasource (settings, FALSE);
  webkit_settings_set_enable_media_stream (settings, FALSE);
  webkit_settings_set_enable_encrypted_media (settings, FALSE);
  webkit_settings_set_enable_webrtc (settings, FALSE);
  webkit_settings_set_media_playback_requires_user_gesture (settings, TRUE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_enable_fullscreen (settings, FALSE);
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);
  webkit_settings_set_allow_file_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_universal_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_top_navigation_to_data_urls (settings, FALSE);
  webkit_settings_set_allow_modal_dialogs (settings, FALSE);
  webkit_settings_set_enable_site_specific_quirks (settings, FALSE);
  webkit_settings_set_auto_load_images (settings, TRUE);
  webkit_settings_set_enable_tabs_to_links (settings, TRUE);
  /* Deprecated (and off) since WebKitGTK 2.48; honoured before. */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (settings), "enable-dns-prefetching");
  if (pspec != NULL && (pspec->flags & G_PARAM_DEPRECATED) == 0)
    g_object_set (settings, "enable-dns-prefetching", FALSE, NULL);
  return settings;
}

static WebKitUserStyleSheet *
default_style_sheet (void)
{
  static WebKitUserStyleSheet *sheet;

  if (sheet == NULL)
    sheet = webkit_user_style_sheet_new (":root { color-scheme: light; background-color: #ffffff; "
                                         "color: #000000; }",
                                         WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES,
                                         WEBKIT_USER_STYLE_LEVEL_USER, NULL, NULL);
  return sheet;
}

/* A web view for @allow_remote (kept when it already is one): the content
 * security policy can only be set when a view is built. */
static void
replace_web_view (TernHtmlView *self, gboolean allow_remote)
{
  g_autoptr (WebKitSettings) settings = new_settings ();
  g_autoptr (WebKitUserContentManager) manager = webkit_user_content_manager_new ();
  GdkRGBA white = { 1, 1, 1, 1 };

  ensure_web_context ();
  if (self->web_view != NULL && self->view_allows_remote == allow_remote)
    return;
  if (self->web_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->web_view, self);
      webkit_web_view_stop_loading (self->web_view);
      g_object_set_data (G_OBJECT (self->web_view), "tern-html-view", NULL);
      adw_bin_set_child (ADW_BIN (self), NULL);
      self->web_view = NULL;
    }
  if (!allow_remote)
    {
      if (block_filter != NULL)
        webkit_user_content_manager_add_filter (manager, block_filter);
      else
        {
          GWeakRef *ref = g_new0 (GWeakRef, 1);

          g_weak_ref_init (ref, manager);
          g_ptr_array_add (waiting_for_filter, ref);
        }
    }
  /* Defaults for a message that sets no colours of its own, whatever the
   * desktop's style: a user style sheet, so the message's CSS wins. */
  webkit_user_content_manager_add_style_sheet (manager, default_style_sheet ());
  self->view_allows_remote = allow_remote;
  self->web_view =
    g_object_new (WEBKIT_TYPE_WEB_VIEW, "web-context", web_context, "network-session",
                  network_session, "settings", settings, "user-content-manager", manager,
                  "default-content-security-policy", allow_remote ? CSP_REMOTE : CSP_BLOCKED,
                  "hexpand", TRUE, "vexpand", TRUE, NULL);
  g_object_set_data (G_OBJECT (self->web_view), "tern-html-view", self);
  /* The message's own colours, on the white it was written for. */
  webkit_web_view_set_background_color (self->web_view, &white);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->web_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Message text"), -1);
  g_signal_connect (self->web_view, "decide-policy", G_CALLBACK (decide_policy_cb), self);
  g_signal_connect (self->web_view, "load-changed", G_CALLBACK (load_changed_cb), self);
  g_signal_connect (self->web_view, "load-failed", G_CALLBACK (load_failed_cb), self);
  g_signal_connect (self->web_view, "context-menu", G_CALLBACK (context_menu_cb), self);
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->web_view));
}

static void
show (TernHtmlView *self)
{
  gboolean has_remote = tern_html_has_remote_content (self->html);
  gboolean blocked = has_remote && !self->remote_allowed;

  replace_web_view (self, self->remote_allowed);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, TRUE, -1);
  webkit_web_view_load_html (self->web_view, self->html, BASE_URI);
  if (blocked != self->remote_blocked)
    {
      self->remote_blocked = blocked;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_BLOCKED]);
    }
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
  if (self->web_view != NULL)
    webkit_web_view_stop_loading (self->web_view);
  if (self->remote_blocked)
    {
      self->remote_blocked = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_BLOCKED]);
    }
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

  return self->web_view != NULL ? GTK_WIDGET (self->web_view) : GTK_WIDGET (self);
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
  if (self->web_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->web_view, self);
      g_object_set_data (G_OBJECT (self->web_view), "tern-html-view", NULL);
      self->web_view = NULL;
    }
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
  /* Created at once so that the web process starts before the first
   * message is opened. */
  replace_web_view (self, FALSE);
}
