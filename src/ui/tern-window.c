/* tern-window.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernWindow: the main window. It shows the empty state when no account is
 * configured, and otherwise three panes in an AdwLeaflet that folds on a
 * narrow window: the sidebar (each account's name, sync state and folder
 * tree), the message list of the selected folder, and the reader. Each
 * account shows its cache at once, then syncs; a finished sync reloads the
 * folder tree and applies the new, changed and vanished UIDs to the open
 * list. F6 moves the focus from pane to pane. The window remembers its size
 * in GSettings.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "mime/tern-mime-text.h"
#include "sync/tern-sync-session.h"
#include "tern-engine.h"
#include "tern-folder-row.h"
#include "tern-message-row.h"
#include "tern-window.h"

/* One account in the sidebar. Reference counted: asynchronous callbacks hold
 * a reference, and find it dead (window NULL) when the account list was
 * reloaded or the window went away in between. */
typedef struct
{
  TernWindow *window; /* borrowed; NULL once dead */
  TernAccount *account;
  TernFolderTree *tree;
  GtkSingleSelection *selection;
  GCancellable *cancellable;
  GtkWidget *header;
  GtkLabel *status_label;
  GtkSpinner *spinner;
  GtkListView *list_view;
  gulong progress_handler;
  guint cache_open : 1;
  guint syncing : 1;
} AccountPane;

struct _TernWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  AdwLeaflet *leaflet;
  GtkWidget *sidebar_page;
  GtkWidget *list_page;
  GtkWidget *reader_page;
  GtkBox *sidebar_box;
  AdwWindowTitle *list_title;
  GtkStack *list_stack;
  GtkListView *message_view;
  GtkStack *reader_stack;
  GtkSpinner *reader_spinner;
  AdwStatusPage *reader_error;
  GtkLabel *subject_label;
  GtkLabel *from_label;
  GtkLabel *to_label;
  GtkLabel *date_label;
  GtkBox *attachments_box;
  GtkTextView *text_view;

  /* owned */
  GSettings *settings;
  GPtrArray *panes;
  GtkMultiSelection *message_selection;
  TernMessageList *messages;
  TernFolder *folder;
  AccountPane *folder_pane; /* the pane of folder */
  GCancellable *message_cancellable;
};

G_DEFINE_FINAL_TYPE (TernWindow, tern_window, ADW_TYPE_APPLICATION_WINDOW)

static void pane_sync (AccountPane *pane);

static AccountPane *
pane_ref (AccountPane *pane)
{
  return g_rc_box_acquire (pane);
}

static void
pane_clear (AccountPane *pane)
{
  if (pane->progress_handler != 0)
    g_signal_handler_disconnect (tern_account_get_sync_session (pane->account),
                                 pane->progress_handler);
  g_clear_object (&pane->selection);
  g_clear_object (&pane->tree);
  g_clear_object (&pane->cancellable);
  g_clear_object (&pane->account);
}

static void
pane_unref (AccountPane *pane)
{
  g_rc_box_release_full (pane, (GDestroyNotify) pane_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AccountPane, pane_unref)

/* Detaches @pane from the window: its work is cancelled and its callbacks
 * find it dead. */
static void
pane_kill (AccountPane *pane)
{
  g_cancellable_cancel (pane->cancellable);
  if (pane->window != NULL && pane->header != NULL)
    {
      gtk_box_remove (pane->window->sidebar_box, pane->header);
      gtk_box_remove (pane->window->sidebar_box, GTK_WIDGET (pane->list_view));
    }
  if (pane->list_view != NULL)
    gtk_list_view_set_model (pane->list_view, NULL);
  pane->window = NULL;
  pane->header = NULL;
  pane->list_view = NULL;
  pane->status_label = NULL;
  pane->spinner = NULL;
  pane_unref (pane);
}

static void
pane_set_status (AccountPane *pane, const char *status, gboolean busy, gboolean error)
{
  if (pane->window == NULL)
    return;
  gtk_label_set_label (pane->status_label, status);
  gtk_widget_set_visible (GTK_WIDGET (pane->status_label), status != NULL && *status != '\0');
  gtk_spinner_set_spinning (pane->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (pane->spinner), busy);
  /* An error is read in full contrast, progress dimmed. */
  if (error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (pane->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (pane->status_label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (pane->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (pane->status_label), "dim-label");
    }
}

/* Message list and reader ------------------------------------------------------------- */

static void
clear_reader (TernWindow *self)
{
  g_cancellable_cancel (self->message_cancellable);
  g_clear_object (&self->message_cancellable);
  gtk_spinner_set_spinning (self->reader_spinner, FALSE);
  gtk_stack_set_visible_child_name (self->reader_stack, "none");
}

static const char *
folder_display_name (TernFolder *folder)
{
  if (tern_folder_get_role (folder) == TERN_FOLDER_ROLE_INBOX)
    return _ ("Inbox");
  return tern_folder_get_name (folder);
}

static void
messages_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!tern_message_list_load_finish (TERN_MESSAGE_LIST (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = NULL;

      g_warning ("cannot list messages: %s", error->message);
      message = g_strdup_printf (_ ("Could not list the messages: %s"), error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
    }
}

static void
open_folder (TernWindow *self, AccountPane *pane, TernFolder *folder)
{
  TernStore *store = pane != NULL ? tern_account_get_store (pane->account) : NULL;

  if (self->folder == folder && self->folder_pane == pane)
    return;

  clear_reader (self);
  g_set_object (&self->folder, folder);
  self->folder_pane = pane;
  g_clear_object (&self->messages);

  if (folder == NULL || tern_folder_get_store_id (folder) <= 0 || store == NULL)
    {
      gtk_multi_selection_set_model (self->message_selection, NULL);
      adw_window_title_set_title (self->list_title, folder ? folder_display_name (folder) : "");
      adw_window_title_set_subtitle (self->list_title, "");
      gtk_stack_set_visible_child_name (self->list_stack, "none");
      return;
    }

  self->messages = tern_message_list_new (store, tern_folder_get_store_id (folder));
  gtk_multi_selection_set_model (self->message_selection, G_LIST_MODEL (self->messages));
  tern_message_list_load_async (self->messages, pane->cancellable, messages_loaded,
                                g_object_ref (self));
  adw_window_title_set_title (self->list_title, folder_display_name (folder));
  adw_window_title_set_subtitle (self->list_title, tern_account_config_get_display_name (
                                                     tern_account_get_config (pane->account)));
  gtk_stack_set_visible_child_name (self->list_stack, "list");
}

static char *
format_address (const char *name, const char *address)
{
  if (name != NULL && *name != '\0' && address != NULL && *address != '\0')
    return g_strdup_printf ("%s <%s>", name, address);
  if (address != NULL && *address != '\0')
    return g_strdup (address);
  return g_strdup (name != NULL ? name : "");
}

static void
show_message (TernWindow *self, TernSyncMessage *message)
{
  TernStoreSummary *summary = message->summary;
  g_autofree char *from = NULL;
  g_autofree char *date = NULL;
  GtkWidget *child;

  from = format_address (summary->from_name, summary->from_addr);
  if (summary->date > 0)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (summary->date);

      date = dt != NULL ? g_date_time_format (dt, "%c") : NULL;
    }
  gtk_label_set_label (self->subject_label, summary->subject != NULL && *summary->subject != '\0'
                                              ? summary->subject
                                              : _ ("(No Subject)"));
  gtk_label_set_label (self->from_label, from);
  gtk_label_set_label (self->to_label, summary->to != NULL ? summary->to : "");
  gtk_label_set_label (self->date_label, date != NULL ? date : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view),
                            message->text != NULL ? message->text : "", -1);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_box))) != NULL)
    gtk_box_remove (self->attachments_box, child);
  for (guint i = 0; message->attachments != NULL && i < message->attachments->len; i++)
    {
      TernMimeAttachment *attachment = g_ptr_array_index (message->attachments, i);
      g_autofree char *size = g_format_size (attachment->size);
      g_autofree char *text = NULL;
      GtkWidget *box, *label;

      text = g_strdup_printf ("%s (%s)",
                              attachment->filename != NULL ? attachment->filename
                                                           : _ ("Unnamed attachment"),
                              size);
      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("mail-attachment-symbolic"));
      label = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (self->attachments_box, box);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_box),
                          message->attachments != NULL && message->attachments->len > 0);
  gtk_stack_set_visible_child_name (self->reader_stack, "message");
}

typedef struct
{
  TernWindow *window;
  GCancellable *cancellable;
} MessageLoad;

static void
message_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MessageLoad *load = user_data;
  g_autoptr (TernWindow) self = load->window;
  g_autoptr (GCancellable) cancellable = load->cancellable;
  g_autoptr (TernSyncMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  g_free (load);
  message = tern_sync_session_load_message_finish (TERN_SYNC_SESSION (source), result, &error);
  /* A newer load (or none) replaced this one. */
  if (g_cancellable_is_cancelled (cancellable) || cancellable != self->message_cancellable)
    return;
  gtk_spinner_set_spinning (self->reader_spinner, FALSE);
  if (message == NULL)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_ ("%s. Check the connection and try again."), error->message);
      adw_status_page_set_description (self->reader_error, text);
      gtk_stack_set_visible_child_name (self->reader_stack, "error");
      return;
    }
  show_message (self, message);
}

static void
message_activated (TernWindow *self, guint position, GtkListView *view)
{
  g_autoptr (TernMessageSummary) summary = NULL;
  TernSyncSession *session;
  MessageLoad *load;

  if (self->messages == NULL || self->folder_pane == NULL || self->folder == NULL)
    return;
  summary = g_list_model_get_item (G_LIST_MODEL (self->messages), position);
  if (summary == NULL)
    return;

  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), position, TRUE);
  clear_reader (self);
  self->message_cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->reader_stack, "loading");
  gtk_spinner_set_spinning (self->reader_spinner, TRUE);
  adw_leaflet_set_visible_child (self->leaflet, self->reader_page);

  session = tern_account_get_sync_session (self->folder_pane->account);
  load = g_new0 (MessageLoad, 1);
  load->window = g_object_ref (self);
  load->cancellable = g_object_ref (self->message_cancellable);
  tern_sync_session_load_message_async (session, tern_folder_get_path (self->folder),
                                        tern_message_summary_get_uid (summary),
                                        self->message_cancellable, message_loaded, load);
}

static void
message_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tern_message_row_new ());
}

static void
message_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tern_message_row_set_summary (TERN_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item));
}

static void
message_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tern_message_row_set_summary (TERN_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Sidebar ------------------------------------------------------------------------------ */

static void
folder_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();

  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), tern_folder_row_new ());
  gtk_list_item_set_child (item, expander);
}

static void
folder_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  g_autoptr (TernFolder) folder = gtk_tree_list_row_get_item (row);

  gtk_tree_expander_set_list_row (expander, row);
  tern_folder_row_set_folder (TERN_FOLDER_ROW (gtk_tree_expander_get_child (expander)), folder);
}

static void
folder_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));

  gtk_tree_expander_set_list_row (expander, NULL);
  tern_folder_row_set_folder (TERN_FOLDER_ROW (gtk_tree_expander_get_child (expander)), NULL);
}

static void
folder_selected (GtkSingleSelection *selection, GParamSpec *pspec, AccountPane *pane)
{
  TernWindow *self = pane->window;
  GtkTreeListRow *row;
  g_autoptr (TernFolder) folder = NULL;

  if (self == NULL)
    return;
  row = gtk_single_selection_get_selected_item (selection);
  if (row == NULL)
    return;
  folder = gtk_tree_list_row_get_item (row);
  /* One folder is selected in the whole sidebar. */
  for (guint i = 0; i < self->panes->len; i++)
    {
      AccountPane *other = g_ptr_array_index (self->panes, i);

      if (other != pane && other->selection != NULL)
        gtk_single_selection_set_selected (other->selection, GTK_INVALID_LIST_POSITION);
    }
  open_folder (self, pane, folder);
}

static void
folder_activated (GtkListView *view, guint position, AccountPane *pane)
{
  if (pane->window != NULL)
    adw_leaflet_set_visible_child (pane->window->leaflet, pane->window->list_page);
}

static void
on_progress (TernSyncSession *session,
             const char *what,
             guint64 done,
             guint64 total,
             AccountPane *pane)
{
  g_autofree char *status = NULL;

  if (!pane->syncing)
    return;
  if (total > 0 && what != NULL)
    /* Translators: sync progress under an account's name, e.g.
     * "Syncing INBOX (20 of 60)". */
    status = g_strdup_printf (_ ("Syncing %s (%llu of %llu)"), what, (unsigned long long) done,
                              (unsigned long long) total);
  else if (what != NULL)
    status = g_strdup_printf (_ ("Syncing %s…"), what);
  else
    status = g_strdup (_ ("Syncing…"));
  pane_set_status (pane, status, TRUE, FALSE);
}

static void
tree_reloaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (AccountPane) pane = user_data;
  g_autoptr (GError) error = NULL;
  TernWindow *self;

  if (!tern_folder_tree_reload_finish (TERN_FOLDER_TREE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot list folders: %s", error->message);
      return;
    }
  if ((self = pane->window) == NULL)
    return;
  /* Open the first account's INBOX when nothing is open yet. */
  if (self->folder == NULL && pane == g_ptr_array_index (self->panes, 0))
    {
      GListModel *rows = G_LIST_MODEL (pane->selection);

      for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
        {
          g_autoptr (GtkTreeListRow) row = g_list_model_get_item (rows, i);
          g_autoptr (TernFolder) folder = gtk_tree_list_row_get_item (row);

          if (tern_folder_get_role (folder) == TERN_FOLDER_ROLE_INBOX)
            {
              gtk_single_selection_set_selected (pane->selection, i);
              break;
            }
        }
    }
}

static void
synced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (AccountPane) pane = user_data;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) error = NULL;
  TernWindow *self;

  results = tern_sync_session_sync_finish (TERN_SYNC_SESSION (source), result, &error);
  pane->syncing = FALSE;
  if ((self = pane->window) == NULL)
    return;
  if (results == NULL)
    {
      g_autofree char *status = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("sync failed: %s", error->message);
      status = g_strdup_printf (_ ("Could not get new mail: %s"), error->message);
      pane_set_status (pane, status, FALSE, TRUE);
      return;
    }

  for (guint i = 0; i < results->len; i++)
    {
      TernSyncFolderResult *folder = g_ptr_array_index (results, i);

      tern_folder_tree_update_counts (pane->tree, folder->path, folder->total, folder->unread);
      if (self->folder_pane == pane && self->messages != NULL &&
          g_strcmp0 (tern_folder_get_path (self->folder), folder->path) == 0)
        tern_message_list_apply_changes (self->messages, (const guint32 *) folder->new_uids->data,
                                         folder->new_uids->len,
                                         (const guint32 *) folder->vanished_uids->data,
                                         folder->vanished_uids->len,
                                         (const guint32 *) folder->changed_uids->data,
                                         folder->changed_uids->len);
    }
  pane_set_status (pane, "", FALSE, FALSE);
  tern_folder_tree_reload_async (pane->tree, pane->cancellable, tree_reloaded, pane_ref (pane));
}

static void
pane_sync (AccountPane *pane)
{
  TernSyncSession *session;

  if (pane->window == NULL || !pane->cache_open || pane->syncing)
    return;
  pane->syncing = TRUE;
  pane_set_status (pane, _ ("Connecting…"), TRUE, FALSE);
  session = tern_account_get_sync_session (pane->account);
  tern_sync_session_sync_async (session, NULL, pane->cancellable, synced, pane_ref (pane));
}

static void
cache_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (AccountPane) pane = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GtkTreeListModel) tree_model = NULL;
  TernSyncSession *session;

  if (!tern_account_open_cache_finish (TERN_ACCOUNT (source), result, &error))
    {
      g_autofree char *status = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || pane->window == NULL)
        return;
      g_warning ("cannot open the cache: %s", error->message);
      status =
        g_strdup_printf (_ ("Could not open the local copy of this account: %s"), error->message);
      pane_set_status (pane, status, FALSE, TRUE);
      return;
    }
  if (pane->window == NULL)
    return;

  pane->cache_open = TRUE;
  pane->tree = tern_folder_tree_new (tern_account_get_store (pane->account));
  tree_model = gtk_tree_list_model_new (G_LIST_MODEL (g_object_ref (pane->tree)), FALSE, TRUE,
                                        tern_folder_tree_create_child_model, pane->tree, NULL);
  pane->selection = gtk_single_selection_new (G_LIST_MODEL (g_steal_pointer (&tree_model)));
  gtk_single_selection_set_autoselect (pane->selection, FALSE);
  gtk_single_selection_set_can_unselect (pane->selection, TRUE);
  gtk_single_selection_set_selected (pane->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect (pane->selection, "notify::selected-item", G_CALLBACK (folder_selected), pane);
  gtk_list_view_set_model (pane->list_view, GTK_SELECTION_MODEL (pane->selection));

  session = tern_account_get_sync_session (pane->account);
  pane->progress_handler = g_signal_connect (session, "progress", G_CALLBACK (on_progress), pane);

  /* The cache first, then the server. */
  tern_folder_tree_reload_async (pane->tree, pane->cancellable, tree_reloaded, pane_ref (pane));
  pane_sync (pane);
}

static AccountPane *
pane_new (TernWindow *self, TernAccountConfig *config)
{
  AccountPane *pane = g_rc_box_new0 (AccountPane);
  const char *name = tern_account_config_get_display_name (config);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autofree char *list_label = NULL;
  GtkWidget *title, *box;

  pane->window = self;
  pane->account = tern_account_new (config);
  pane->cancellable = g_cancellable_new ();

  pane->header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_top (pane->header, 12);
  gtk_widget_set_margin_start (pane->header, 12);
  gtk_widget_set_margin_end (pane->header, 12);
  gtk_widget_set_margin_bottom (pane->header, 3);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  title = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);
  pane->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (pane->spinner), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (pane->spinner));
  gtk_box_append (GTK_BOX (pane->header), box);
  pane->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (pane->status_label, 0);
  gtk_label_set_wrap (pane->status_label, TRUE);
  gtk_label_set_wrap_mode (pane->status_label, PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (GTK_WIDGET (pane->status_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (pane->status_label), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (pane->status_label), FALSE);
  gtk_box_append (GTK_BOX (pane->header), GTK_WIDGET (pane->status_label));

  g_signal_connect (factory, "setup", G_CALLBACK (folder_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (folder_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (folder_unbind), NULL);
  pane->list_view = GTK_LIST_VIEW (gtk_list_view_new (NULL, g_object_ref (factory)));
  gtk_widget_add_css_class (GTK_WIDGET (pane->list_view), "navigation-sidebar");
  /* Translators: the accessible name of an account's folder list. */
  list_label = g_strdup_printf (_ ("Folders of %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (pane->list_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  list_label, -1);
  g_signal_connect (pane->list_view, "activate", G_CALLBACK (folder_activated), pane);

  gtk_box_append (self->sidebar_box, pane->header);
  gtk_box_append (self->sidebar_box, GTK_WIDGET (pane->list_view));

  tern_account_open_cache_async (pane->account, pane->cancellable, cache_opened, pane_ref (pane));
  return pane;
}

static void
clear_panes (TernWindow *self)
{
  open_folder (self, NULL, NULL);
  self->folder_pane = NULL;
  g_ptr_array_set_size (self->panes, 0);
}

void
tern_window_reload_accounts (TernWindow *self)
{
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (TERN_IS_WINDOW (self));

  clear_panes (self);

  if (!(configs = tern_account_config_load_all (&error)))
    {
      g_autofree char *message = NULL;

      g_warning ("cannot read accounts: %s", error->message);
      message = g_strdup_printf (_ ("Could not read the account settings: %s"), error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < configs->len; i++)
    g_ptr_array_add (self->panes, pane_new (self, g_ptr_array_index (configs, i)));

  gtk_stack_set_visible_child_name (self->stack, configs->len > 0 ? "accounts" : "empty");
}

/* Actions and focus -------------------------------------------------------------------- */

static void
refresh_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);

  for (guint i = 0; i < self->panes->len; i++)
    pane_sync (g_ptr_array_index (self->panes, i));
}

static void
go_back (TernWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static GtkWidget *
sidebar_focus_target (TernWindow *self)
{
  for (guint i = 0; i < self->panes->len; i++)
    {
      AccountPane *pane = g_ptr_array_index (self->panes, i);

      if (pane->selection != NULL &&
          gtk_single_selection_get_selected (pane->selection) != GTK_INVALID_LIST_POSITION)
        return GTK_WIDGET (pane->list_view);
    }
  if (self->panes->len > 0)
    return GTK_WIDGET (((AccountPane *) g_ptr_array_index (self->panes, 0))->list_view);
  return NULL;
}

/* F6 and Shift+F6: sidebar → list → reader, round. */
static gboolean
cycle_panes (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  TernWindow *self = TERN_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *pages[3] = { self->sidebar_page, self->list_page, self->reader_page };
  int current = -1, step = g_variant_get_int32 (args);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "accounts") != 0)
    return FALSE;
  /* From the header bars' buttons, F6 goes to the panes' content. */
  for (int i = 1; i < 3 && focus != NULL; i++)
    if (focus == pages[i] || gtk_widget_is_ancestor (focus, pages[i]))
      current = i;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->sidebar_box)))
    current = 0;

  for (int n = 1; n <= 3; n++)
    {
      int next = ((current < 0 ? (step > 0 ? -1 : 0) : current) + step * n + 6) % 3;
      GtkWidget *target = NULL;

      if (next == 0)
        target = sidebar_focus_target (self);
      else if (next == 1 && self->messages != NULL)
        target = GTK_WIDGET (self->message_view);
      else if (next == 2 &&
               g_strcmp0 (gtk_stack_get_visible_child_name (self->reader_stack), "message") == 0)
        target = GTK_WIDGET (self->text_view);
      if (target == NULL)
        continue;
      adw_leaflet_set_visible_child (self->leaflet, pages[next]);
      gtk_widget_grab_focus (target);
      return TRUE;
    }
  return FALSE;
}

static gboolean
tern_window_close_request (GtkWindow *window)
{
  TernWindow *self = TERN_WINDOW (window);
  int width, height;

  /* The default size is the unmaximized size, which is what to restore. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (tern_window_parent_class)->close_request (window);
}

static void
tern_window_dispose (GObject *object)
{
  TernWindow *self = TERN_WINDOW (object);

  if (self->panes != NULL)
    clear_panes (self);
  g_cancellable_cancel (self->message_cancellable);
  g_clear_object (&self->message_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_WINDOW);

  G_OBJECT_CLASS (tern_window_parent_class)->dispose (object);
}

static void
tern_window_finalize (GObject *object)
{
  TernWindow *self = TERN_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->message_selection);
  g_clear_object (&self->messages);
  g_clear_object (&self->folder);
  g_clear_pointer (&self->panes, g_ptr_array_unref);

  G_OBJECT_CLASS (tern_window_parent_class)->finalize (object);
}

static void
tern_window_class_init (TernWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tern_window_dispose;
  object_class->finalize = tern_window_finalize;
  window_class->close_request = tern_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TernWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, sidebar_page);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_page);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, reader_page);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, message_view);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, reader_stack);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, reader_spinner);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, reader_error);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, from_label);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, to_label);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, date_label);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, attachments_box);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, text_view);
  gtk_widget_class_bind_template_callback (widget_class, go_back);

  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F6, 0, cycle_panes, "i", 1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F6, GDK_SHIFT_MASK, cycle_panes, "i", -1);
}

static void
tern_window_init (TernWindow *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->panes = g_ptr_array_new_with_free_func ((GDestroyNotify) pane_kill);
  self->settings = g_settings_new (APP_ID);

  self->message_selection = gtk_multi_selection_new (NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (message_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (message_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (message_unbind), NULL);
  gtk_list_view_set_factory (self->message_view, factory);
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (self->message_selection));
  g_signal_connect_swapped (self->message_view, "activate", G_CALLBACK (message_activated), self);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  tern_window_reload_accounts (self);
}

TernWindow *
tern_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (TERN_TYPE_WINDOW, "application", application, NULL);
}
