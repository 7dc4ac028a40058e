/* tern-webkit-module.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The WebKit module: an HTML message body in a WebKitWebView (DESIGN
 * decision 9), loaded by TernHtmlView when the first HTML message is shown
 * (tern-webkit-module.h says why).
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
 * cid: URLs are answered by the view's owner (TernHtmlView) from the
 * account's part cache.
 *
 * The owner marks itself busy for assistive technologies while a message
 * loads; load_finished tells it when the page and every image it refers to
 * have loaded.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "tern-webkit-module.h"

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

/* The web view's owner (ViewBinding), as object data. */
#define BINDING_KEY "tern-webkit-binding"

/* WebKit's content rule regular expressions have no disjunctions: a rule
 * per scheme. */
static const char FILTER_JSON[] =
  "[{\"trigger\":{\"url-filter\":\"^https?:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^wss?:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^ftp:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^file:\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^blob:\"},\"action\":{\"type\":\"block\"}}]";

/* Process-wide: one web context (URI schemes can be registered once), one
 * ephemeral network session, and the compiled content blocker. */
static WebKitWebContext *web_context;
static WebKitNetworkSession *network_session;
static WebKitUserContentFilter *block_filter;
static GPtrArray *waiting_for_filter; /* GWeakRef to WebKitUserContentManager */

typedef struct
{
  const TernWebkitViewCallbacks *callbacks;
  gpointer user_data;
} ViewBinding;

struct _TernWebkitCidRequest
{
  WebKitURISchemeRequest *request;
};

static void
cid_request_free (TernWebkitCidRequest *cid)
{
  g_object_unref (cid->request);
  g_free (cid);
}

static void
cid_finish (TernWebkitCidRequest *cid, GBytes *data, const char *mime_type)
{
  g_autoptr (GInputStream) stream = NULL;

  g_return_if_fail (cid != NULL && data != NULL);

  /* Only images: a cid: part is never run or shown as a document. */
  if (mime_type == NULL || !g_str_has_prefix (mime_type, "image/"))
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No image part %s",
                                              webkit_uri_scheme_request_get_uri (cid->request));

      webkit_uri_scheme_request_finish_error (cid->request, error);
      cid_request_free (cid);
      return;
    }
  stream = g_memory_input_stream_new_from_bytes (data);
  webkit_uri_scheme_request_finish (cid->request, stream, (gint64) g_bytes_get_size (data),
                                    mime_type);
  cid_request_free (cid);
}

static void
cid_fail (TernWebkitCidRequest *cid, const GError *error)
{
  g_return_if_fail (cid != NULL && error != NULL);

  webkit_uri_scheme_request_finish_error (cid->request, (GError *) error);
  cid_request_free (cid);
}

static void
cid_scheme_cb (WebKitURISchemeRequest *request, gpointer user_data)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  g_autofree char *content_id = NULL;
  ViewBinding *binding = NULL;
  TernWebkitCidRequest *cid;

  if (web_view != NULL)
    binding = g_object_get_data (G_OBJECT (web_view), BINDING_KEY);
  /* A view that was replaced or detached serves nothing. */
  if (binding == NULL)
    {
      g_autoptr (GError) error =
        g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No image part %s", uri);

      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }
  if (uri != NULL && g_ascii_strncasecmp (uri, "cid:", 4) == 0)
    content_id = g_uri_unescape_string (uri + 4, NULL);
  cid = g_new0 (TernWebkitCidRequest, 1);
  cid->request = g_object_ref (request);
  binding->callbacks->request_cid (binding->user_data, content_id, cid);
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
launch_uri (WebKitWebView *web_view, const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (web_view));
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
      launch_uri (web_view, uri);
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
  ViewBinding *binding = g_object_get_data (G_OBJECT (web_view), BINDING_KEY);

  /* A load replaced by the next message finishes too. */
  if (event == WEBKIT_LOAD_FINISHED && !webkit_web_view_is_loading (web_view) && binding != NULL)
    binding->callbacks->load_finished (binding->user_data);
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

/* A web view for @allow_remote: the content security policy can only be set
 * when a view is built. */
static GtkWidget *
view_new (gboolean allow_remote, const TernWebkitViewCallbacks *callbacks, gpointer user_data)
{
  g_autoptr (WebKitSettings) settings = new_settings ();
  g_autoptr (WebKitUserContentManager) manager = webkit_user_content_manager_new ();
  GdkRGBA white = { 1, 1, 1, 1 };
  WebKitWebView *web_view;
  ViewBinding *binding;

  g_return_val_if_fail (callbacks != NULL, NULL);

  ensure_web_context ();
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
  web_view =
    g_object_new (WEBKIT_TYPE_WEB_VIEW, "web-context", web_context, "network-session",
                  network_session, "settings", settings, "user-content-manager", manager,
                  "default-content-security-policy", allow_remote ? CSP_REMOTE : CSP_BLOCKED,
                  "hexpand", TRUE, "vexpand", TRUE, NULL);
  binding = g_new0 (ViewBinding, 1);
  binding->callbacks = callbacks;
  binding->user_data = user_data;
  g_object_set_data_full (G_OBJECT (web_view), BINDING_KEY, binding, g_free);
  /* The message's own colours, on the white it was written for. */
  webkit_web_view_set_background_color (web_view, &white);
  gtk_accessible_update_property (GTK_ACCESSIBLE (web_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Message text"), -1);
  g_signal_connect (web_view, "decide-policy", G_CALLBACK (decide_policy_cb), NULL);
  g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), NULL);
  g_signal_connect (web_view, "load-failed", G_CALLBACK (load_failed_cb), NULL);
  g_signal_connect (web_view, "context-menu", G_CALLBACK (context_menu_cb), NULL);
  return GTK_WIDGET (web_view);
}

static void
view_load_html (GtkWidget *view, const char *html)
{
  g_return_if_fail (WEBKIT_IS_WEB_VIEW (view));
  g_return_if_fail (html != NULL);

  webkit_web_view_load_html (WEBKIT_WEB_VIEW (view), html, BASE_URI);
}

static void
view_stop (GtkWidget *view)
{
  g_return_if_fail (WEBKIT_IS_WEB_VIEW (view));

  webkit_web_view_stop_loading (WEBKIT_WEB_VIEW (view));
}

static void
view_detach (GtkWidget *view)
{
  g_return_if_fail (WEBKIT_IS_WEB_VIEW (view));

  g_object_set_data (G_OBJECT (view), BINDING_KEY, NULL);
  webkit_web_view_stop_loading (WEBKIT_WEB_VIEW (view));
}

static const TernWebkitModule module = {
  .abi = TERN_WEBKIT_MODULE_ABI,
  .view_new = view_new,
  .view_load_html = view_load_html,
  .view_stop = view_stop,
  .view_detach = view_detach,
  .cid_finish = cid_finish,
  .cid_fail = cid_fail,
};

const TernWebkitModule *
tern_webkit_module_get (void)
{
  return &module;
}
