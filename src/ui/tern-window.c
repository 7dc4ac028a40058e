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
 * in GSettings. Ctrl+F opens the search bar over the list; while a query
 * is in it, the list shows its results (TernSearchResults) instead of the
 * folder's messages.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

/* How long work goes on before the sidebar says so (pane_set_status()). */
#define STATUS_DELAY_MS 500

/* How many rows of the first folder are read before the window is shown:
 * more than a tall window shows. */
#define FIRST_ROWS 64

#include "config.h"

#include <glib/gi18n.h>

#include "imap/tern-imap-uid-set.h"
#include "sync/tern-idle-watcher.h"
#include "sync/tern-sync-session.h"
#include "tern-engine.h"
#include "tern-folder-row.h"
#include "tern-message-row.h"
#include "tern-paint-marks.h"
#include "tern-reader.h"
#include "tern-search-bar.h"
#include "tern-search-results.h"
#include "tern-application.h"
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
  GtkLabel *pending_label;
  GtkListView *list_view;
  gulong progress_handler;
  char *sync_error;         /* the last sync's error, for the header */
  TernIdleWatcher *idle;    /* the INBOX, pushed by the server */
  GHashTable *idle_pending; /* folders IDLE told of while a sync ran */
  guint connect_source;     /* the latest a deferred first sync starts */
  guint status_source;      /* shows status_due (see pane_set_status()) */
  char *status_due;
  guint cache_open : 1;
  guint connect_deferred : 1; /* the first sync and IDLE wait for the first list */
  guint syncing : 1;
  guint quiet : 1; /* the running sync is IDLE's: no "Connecting…" */
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
  TernReader *reader;
  GtkActionBar *action_bar;
  GtkMenuButton *sort_button;
  GtkMenuButton *move_button;
  GtkPopover *move_popover;
  GtkSearchEntry *move_search;
  GtkListView *move_list;
  TernSearchBar *search_bar;
  GtkWidget *message_scroller;
  GtkListView *results_view;
  GtkWidget *results_scroller;

  /* owned */
  GSettings *settings;
  GPtrArray *panes;
  GtkMultiSelection *message_selection;
  TernMessageList *messages;
  TernFolder *folder;
  AccountPane *folder_pane; /* the pane of folder */

  /* the view of the open folder: its sort is remembered per folder */
  TernStoreSort sort;
  gboolean descending;
  gboolean threaded;

  /* the last action, for Undo */
  AccountPane *undo_pane; /* a reference */
  char *undo_folder;
  GArray *undo_uids;

  /* after messages left the list, the row to select in their place */
  guint reselect;

  /* tern_window_show_message()'s message, opened once its folder is listed */
  guint32 show_uid;

  /* marking the open message read after mark-read-delay */
  guint mark_read_source;
  guint32 mark_read_uid;

  /* the move popover: folder paths, and what they are shown as */
  GtkStringList *move_names;
  GtkStringFilter *move_filter;
  GtkSingleSelection *move_selection;
  GHashTable *move_paths; /* shown name → path */

  /* the search bar's results, shown instead of the folder while a query is
   * in the bar */
  TernSearchResults *results;
  GtkSingleSelection *results_selection;
  TernSearchQuery *search_query;
  TernSearchResult *reader_result; /* the result opened in the reader */
  /* "account-id\nfolder" → SEARCH_SYNC_*: folders synced for this query
   * because the server found messages the cache has not got yet */
  GHashTable *search_syncs;
  gboolean search_shown;

  /* the first sync and IDLE of each account wait until the list the window
   * opens with is painted (see connect_panes()) */
  gboolean connect_after_paint;
  guint connect_idle;
  guint present_timeout;
  gboolean present_waiting;
  guint click_open_source;
  gboolean connected;
};

enum
{
  SEARCH_SYNC_REQUESTED = 1,
  SEARCH_SYNC_DONE,
};

enum
{
  PROP_0,
  PROP_SORT_BY,
  PROP_SORT_ORDER,
  PROP_THREADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  FOLDER_SYNCED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TernWindow, tern_window, ADW_TYPE_APPLICATION_WINDOW)

static void pane_sync (AccountPane *pane);
static gboolean idle_resync (gpointer user_data);
static void pane_update_pending (AccountPane *pane);
static void connect_panes (TernWindow *self);
static void connect_after_next_frame (TernWindow *self);
static void pane_replayed (TernAccount *account,
                           guint done,
                           guint failed,
                           const GError *error,
                           AccountPane *pane);

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
  if (pane->account != NULL)
    g_signal_handlers_disconnect_by_data (pane->account, pane);
  g_clear_pointer (&pane->sync_error, g_free);
  g_clear_pointer (&pane->status_due, g_free);
  g_clear_pointer (&pane->idle_pending, g_hash_table_unref);
  if (pane->idle != NULL)
    {
      g_signal_handlers_disconnect_by_data (pane->idle, pane);
      tern_idle_watcher_stop (pane->idle);
      g_clear_object (&pane->idle);
    }
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
  g_clear_handle_id (&pane->connect_source, g_source_remove);
  g_clear_handle_id (&pane->status_source, g_source_remove);
  g_cancellable_cancel (pane->cancellable);
  if (pane->idle != NULL)
    tern_idle_watcher_stop (pane->idle);
  /* Before the removal below drops the list view's last reference. */
  if (pane->list_view != NULL)
    gtk_list_view_set_model (pane->list_view, NULL);
  if (pane->window != NULL && pane->header != NULL)
    {
      gtk_box_remove (pane->window->sidebar_box, pane->header);
      gtk_box_remove (pane->window->sidebar_box, GTK_WIDGET (pane->list_view));
    }
  pane->window = NULL;
  pane->header = NULL;
  pane->list_view = NULL;
  pane->status_label = NULL;
  pane->pending_label = NULL;
  pane->spinner = NULL;
  pane_unref (pane);
}

static void
pane_show_status (AccountPane *pane, const char *status, gboolean busy, gboolean error)
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

static gboolean
pane_status_due (gpointer user_data)
{
  AccountPane *pane = user_data;
  g_autofree char *status = g_steal_pointer (&pane->status_due);

  pane->status_source = 0;
  pane_show_status (pane, status, TRUE, FALSE);
  return G_SOURCE_REMOVE;
}

/* Work in progress is shown once it has taken STATUS_DELAY_MS: most syncs
 * (a resync at start, one after IDLE) are over before, and then nothing on
 * screen changes. Each change measures the window again and repaints the
 * sidebar, a stall of 20-30 ms without a GPU; and a label that flashes for
 * a quarter of a second tells nobody anything. Errors and the end of the
 * work show at once. */
static void
pane_set_status (AccountPane *pane, const char *status, gboolean busy, gboolean error)
{
  if (pane->window == NULL)
    return;
  if (busy && !error && !gtk_widget_get_visible (GTK_WIDGET (pane->spinner)))
    {
      g_free (pane->status_due);
      pane->status_due = g_strdup (status);
      if (pane->status_source == 0)
        pane->status_source =
          g_timeout_add_full (G_PRIORITY_DEFAULT, STATUS_DELAY_MS, pane_status_due, pane_ref (pane),
                              (GDestroyNotify) pane_unref);
      return;
    }
  g_clear_handle_id (&pane->status_source, g_source_remove);
  g_clear_pointer (&pane->status_due, g_free);
  pane_show_status (pane, status, busy, error);
}

/* Message list and reader ------------------------------------------------------------- */

static void
clear_reader (TernWindow *self)
{
  tern_reader_clear (self->reader);
}

static const char *
folder_display_name (TernFolder *folder)
{
  return tern_folder_row_display_name (folder);
}

static void restore_view (TernWindow *self);
static void update_actions (TernWindow *self);
static void cancel_mark_read (TernWindow *self);
static void run_search (TernWindow *self, gboolean quiet);

/* A toast of plain text: a toast's title is markup, and error messages and
 * folder names may have "&" or "<" in them. */
static AdwToast *
toast_new_text (const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  return adw_toast_new (escaped);
}

static void open_message (TernWindow *self, guint position, gboolean show_reader);

/* Opens show_uid, if it is listed. */
static void
show_pending_message (TernWindow *self)
{
  guint position;

  if (self->show_uid == 0 || self->messages == NULL ||
      tern_message_list_get_loading (self->messages))
    return;
  position = tern_message_list_find (self->messages, self->show_uid);
  self->show_uid = 0;
  if (position == TERN_MESSAGE_LIST_INVALID_POSITION)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u",
                              position);
  open_message (self, position, TRUE);
}

static void present_now (TernWindow *self);

/* The window waited for these rows (tern_window_present_when_ready()). */
static void
first_rows_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernWindow) self = user_data;

  tern_message_list_preload_finish (TERN_MESSAGE_LIST (source), result, NULL);
  present_now (self);
}

static void
messages_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (TERN_MESSAGE_LIST (source) == self->messages)
    show_pending_message (self);
  if (self->present_waiting && TERN_MESSAGE_LIST (source) == self->messages)
    tern_message_list_preload_async (self->messages, FIRST_ROWS, first_rows_read,
                                     g_object_ref (self));
  connect_after_next_frame (self);

  if (!tern_message_list_load_finish (TERN_MESSAGE_LIST (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = NULL;

      g_warning ("cannot list messages: %s", error->message);
      message = g_strdup_printf (_ ("Could not list the messages: %s"), error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, toast_new_text (message));
    }
}

static void
open_folder (TernWindow *self, AccountPane *pane, TernFolder *folder)
{
  TernStore *store = pane != NULL ? tern_account_get_store (pane->account) : NULL;

  if (self->folder == folder && self->folder_pane == pane)
    return;

  clear_reader (self);
  cancel_mark_read (self);
  /* Another account's folder: the one left is no longer looked at. */
  if (self->folder_pane != NULL && self->folder_pane != pane &&
      tern_account_get_sync_session (self->folder_pane->account) != NULL)
    tern_sync_session_set_open_folder (tern_account_get_sync_session (self->folder_pane->account),
                                       NULL);
  g_set_object (&self->folder, folder);
  self->folder_pane = pane;
  g_clear_object (&self->messages);

  if (folder == NULL || tern_folder_get_store_id (folder) <= 0 || store == NULL)
    {
      gtk_multi_selection_set_model (self->message_selection, NULL);
      adw_window_title_set_title (self->list_title, folder ? folder_display_name (folder) : "");
      adw_window_title_set_subtitle (self->list_title, "");
      if (!self->search_shown)
        gtk_stack_set_visible_child_name (self->list_stack, "none");
      update_actions (self);
      return;
    }

  self->messages = tern_message_list_new (store, tern_folder_get_store_id (folder));
  /* While the folder's headers are still arriving, the server sorts it all. */
  tern_message_list_set_sync_session (self->messages,
                                      tern_account_get_sync_session (pane->account));
  /* Its messages are what is opened next: the syncs leave it selected. */
  tern_sync_session_set_open_folder (tern_account_get_sync_session (pane->account),
                                     tern_folder_get_path (folder));
  restore_view (self);
  gtk_multi_selection_set_model (self->message_selection, G_LIST_MODEL (self->messages));
  tern_message_list_load_async (self->messages, pane->cancellable, messages_loaded,
                                g_object_ref (self));
  adw_window_title_set_title (self->list_title, folder_display_name (folder));
  adw_window_title_set_subtitle (self->list_title, tern_account_config_get_display_name (
                                                     tern_account_get_config (pane->account)));
  if (self->search_shown)
    {
      /* The search follows to the folder (or account) now open. */
      g_clear_object (&self->reader_result);
      if (tern_search_bar_get_scope (self->search_bar) != TERN_SEARCH_SCOPE_ALL_ACCOUNTS)
        run_search (self, FALSE);
    }
  else
    gtk_stack_set_visible_child_name (self->list_stack, "list");
  update_actions (self);
}

static void
open_message (TernWindow *self, guint position, gboolean show_reader)
{
  g_autoptr (TernMessageSummary) summary = NULL;

  if (self->messages == NULL || self->folder_pane == NULL || self->folder == NULL)
    return;
  summary = g_list_model_get_item (G_LIST_MODEL (self->messages), position);
  if (summary == NULL)
    return;

  cancel_mark_read (self);
  g_clear_object (&self->reader_result);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection), position, TRUE);
  /* Side by side, the focus stays in the list (AdwLeaflet would move it into
   * the reader's loading page, which goes away, and the focus with it);
   * folded, the reader comes forward and takes the focus once shown. */
  if (show_reader && adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->reader_page);
  tern_reader_load (self->reader, self->folder_pane->account, tern_folder_get_path (self->folder),
                    tern_message_summary_get_uid (summary));
}

static void
message_activated (TernWindow *self, guint position, GtkListView *view)
{
  open_message (self, position, TRUE);
}

static gboolean
open_clicked (gpointer user_data)
{
  TernWindow *self = user_data;
  g_autoptr (GtkBitset) set = NULL;
  g_autoptr (TernMessageSummary) summary = NULL;
  guint position;

  self->click_open_source = 0;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  if (gtk_bitset_get_size (set) != 1)
    return G_SOURCE_REMOVE;
  position = gtk_bitset_get_minimum (set);
  summary = g_list_model_get_item (G_LIST_MODEL (self->message_selection), position);
  if (summary != NULL &&
      tern_message_summary_get_uid (summary) != tern_reader_get_uid (self->reader))
    open_message (self, position, TRUE);
  return G_SOURCE_REMOVE;
}

/* A click on a message reads it, as in every three-pane mail client; Enter
 * and a double click (activation) do too. Ctrl and Shift clicks only
 * change the selection. The list selects on the press: the message is
 * opened once that is done. */
static void
message_clicked (GtkGestureClick *gesture, int n_press, double x, double y, TernWindow *self)
{
  GdkModifierType state =
    gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  if (n_press != 1 || (state & (GDK_CONTROL_MASK | GDK_SHIFT_MASK)) != 0)
    return;
  if (self->click_open_source == 0)
    self->click_open_source = g_idle_add (open_clicked, self);
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
  /* The list item takes the focus; a focusable expander inside it would be
   * a second Tab stop on the same row. Expanding is on the list's keys
   * (folder_list_key). */
  gtk_widget_set_focusable (expander, FALSE);
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

static gboolean
folder_list_key (GtkEventControllerKey *controller,
                 guint keyval,
                 guint keycode,
                 GdkModifierType state,
                 AccountPane *pane)
{
  GtkTreeListRow *row;

  if (pane->selection == NULL ||
      (row = gtk_single_selection_get_selected_item (pane->selection)) == NULL ||
      !gtk_tree_list_row_is_expandable (row))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_KP_Add:
    case GDK_KEY_asterisk:
    case GDK_KEY_KP_Multiply:
      gtk_tree_list_row_set_expanded (row, TRUE);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      gtk_tree_list_row_set_expanded (row, FALSE);
      return TRUE;
    default:
      return FALSE;
    }
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
collect_other_folders (GListModel *model, TernFolderTree *tree, GPtrArray *paths)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (TernFolder) folder = g_list_model_get_item (model, i);
      g_autoptr (GListModel) children = NULL;

      if (tern_folder_get_selectable (folder) &&
          tern_folder_get_role (folder) != TERN_FOLDER_ROLE_INBOX)
        g_ptr_array_add (paths, (gpointer) tern_folder_get_path (folder));
      children = tern_folder_tree_create_child_model (folder, tree);
      if (children != NULL)
        collect_other_folders (children, tree, paths);
    }
}

/* The IDLE connection watches the INBOX; it keeps the other folders
 * current as well (NOTIFY, else STATUS now and then). */
static void
pane_watch_other_folders (AccountPane *pane)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  if (pane->idle == NULL || pane->tree == NULL)
    return;
  collect_other_folders (G_LIST_MODEL (pane->tree), pane->tree, paths);
  g_ptr_array_add (paths, NULL);
  tern_idle_watcher_set_other_folders (pane->idle, (const char *const *) paths->pdata);
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
      if (pane->window != NULL)
        present_now (pane->window);
      return;
    }
  if ((self = pane->window) == NULL)
    return;
  pane_watch_other_folders (pane);
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
      /* No INBOX in the cache (a first sync is still to come): nothing to
       * paint first, or wait for. */
      if (self->folder == NULL)
        {
          present_now (self);
          connect_panes (self);
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
  pane->quiet = FALSE;
  if ((self = pane->window) == NULL)
    return;
  if (g_hash_table_size (pane->idle_pending) > 0)
    {
      /* What IDLE told of during this sync may have come after its fetch. */
      g_idle_add_full (G_PRIORITY_DEFAULT, idle_resync, pane_ref (pane),
                       (GDestroyNotify) pane_unref);
    }
  if (results == NULL)
    {
      g_autofree char *status = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("sync failed: %s", error->message);
      tern_account_set_online (pane->account, FALSE);
      tern_account_refresh_pending_changes (pane->account);
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
      g_signal_emit (self, signals[FOLDER_SYNCED], 0, pane->account, folder);
      if (pane->window == NULL)
        return;
    }
  tern_account_set_online (pane->account, TRUE);
  tern_account_refresh_pending_changes (pane->account);
  pane_set_status (pane, "", FALSE, FALSE);
  tern_folder_tree_reload_async (pane->tree, pane->cancellable, tree_reloaded, pane_ref (pane));
}

static void
pane_sync_folders (AccountPane *pane, const char *const *folders)
{
  TernSyncSession *session;

  if (pane->window == NULL || !pane->cache_open || pane->syncing)
    return;
  pane->syncing = TRUE;
  if (!pane->quiet)
    pane_set_status (pane, _ ("Connecting…"), TRUE, FALSE);
  session = tern_account_get_sync_session (pane->account);
  tern_sync_session_sync_async (session, folders, pane->cancellable, synced, pane_ref (pane));
}

/* Preferences' cache size limit, per account, in MiB. */
static void
apply_cache_limit (TernWindow *self, AccountPane *pane)
{
  guint64 mib = (guint64) MAX (g_settings_get_int (self->settings, "cache-size-limit"), 16);

  if (pane->cache_open)
    tern_sync_session_set_part_cache_limit (tern_account_get_sync_session (pane->account),
                                            mib * 1024 * 1024);
}

static void
cache_limit_changed (GSettings *settings, const char *key, TernWindow *self)
{
  for (guint i = 0; self->panes != NULL && i < self->panes->len; i++)
    apply_cache_limit (self, g_ptr_array_index (self->panes, i));
}

static void
pane_sync (AccountPane *pane)
{
  pane_sync_folders (pane, NULL);
}

/* The server told of a change in the INBOX (IDLE): sync it, quietly. */
static void
idle_changed (TernIdleWatcher *watcher, const char *folder, AccountPane *pane)
{
  const char *folders[] = { folder, NULL };

  if (pane->window == NULL || !pane->cache_open)
    return;
  if (pane->syncing)
    {
      g_hash_table_add (pane->idle_pending, g_strdup (folder));
      return;
    }
  pane->quiet = TRUE;
  pane_sync_folders (pane, folders);
}

/* Syncs at once every folder IDLE told of while the last sync ran. */
static gboolean
idle_resync (gpointer user_data)
{
  AccountPane *pane = user_data;
  g_autofree const char **folders = NULL;

  if (pane->window == NULL || pane->syncing || g_hash_table_size (pane->idle_pending) == 0)
    return G_SOURCE_REMOVE;
  folders = (const char **) g_hash_table_get_keys_as_array (pane->idle_pending, NULL);
  pane->quiet = TRUE;
  pane_sync_folders (pane, folders);
  g_hash_table_remove_all (pane->idle_pending);
  return G_SOURCE_REMOVE;
}

/* Goes to the server: the first sync, then IDLE. */
static void
pane_connect (AccountPane *pane)
{
  if (pane->window == NULL || !pane->connect_deferred)
    return;
  pane->connect_deferred = FALSE;
  g_clear_handle_id (&pane->connect_source, g_source_remove);
  pane_sync (pane);
  tern_idle_watcher_start (pane->idle);
}

static gboolean
connect_timeout (gpointer user_data)
{
  AccountPane *pane = user_data;

  pane->connect_source = 0;
  pane_connect (pane);
  return G_SOURCE_REMOVE;
}

/* A start reads the list it opens with from the cache first: a sync and an
 * IDLE connection begun at the same time queue their work in the same cache
 * thread, take the processor for TLS and parsing, and make the window
 * repaint its progress, which put the first rows a quarter of a second
 * later on the test machines. So every account connects once those rows
 * are painted, when the window opens nothing from the cache, or after
 * CONNECT_DELAY_MS at the latest. */
#define CONNECT_DELAY_MS 1000

static void
connect_panes (TernWindow *self)
{
  self->connected = TRUE;
  for (guint i = 0; i < self->panes->len; i++)
    pane_connect (g_ptr_array_index (self->panes, i));
}

static gboolean
connect_when_idle (gpointer user_data)
{
  TernWindow *self = user_data;

  self->connect_idle = 0;
  connect_panes (self);
  return G_SOURCE_REMOVE;
}

/* GTK registers the window with the accessibility bus from an idle source
 * of G_PRIORITY_DEFAULT_IDLE queued when the window is realized. Begun at
 * once, the first sync keeps the main loop busy at G_PRIORITY_DEFAULT for a
 * second, and a screen reader saw no Tern until it was over. So the
 * accounts connect from a source below GTK's.
 *
 * Nor do they connect in the frames just after the first: GTK lays the
 * window out again in them (the first allocation sets style classes that
 * start transitions), and two TLS handshakes and the sync's parsing beside
 * them made one of those frames 17-19 ms in 2 to 6 starts of 12 (2 cores,
 * bench/bench-window.py's 100 000 messages). Begun CONNECT_SETTLE_MS after
 * the first paint: none in 36. */
#define CONNECT_SETTLE_MS 150

static void
first_list_painted (GdkFrameClock *clock, TernWindow *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_list_painted, self);
  if (self->connect_idle == 0)
    self->connect_idle = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE + 10, CONNECT_SETTLE_MS,
                                             connect_when_idle, self, NULL);
}

/* The list the window opened with is loaded: its rows are bound, and their
 * summaries asked of the cache, in the next frame; connect after it. */
static void
connect_after_next_frame (TernWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (self->connected || self->connect_after_paint)
    return;
  if (self->present_waiting)
    return;
  if (clock == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      connect_panes (self);
      return;
    }
  self->connect_after_paint = TRUE;
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (first_list_painted), self, 0);
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
  apply_cache_limit (pane->window, pane);

  tern_account_refresh_pending_changes (pane->account);
  /* The cache first, then the server; then the server tells of changes. */
  tern_folder_tree_reload_async (pane->tree, pane->cancellable, tree_reloaded, pane_ref (pane));
  pane->idle = tern_idle_watcher_new (tern_account_get_config (pane->account), "INBOX");
  g_signal_connect (pane->idle, "changed", G_CALLBACK (idle_changed), pane);
  pane_watch_other_folders (pane);
  pane->connect_deferred = TRUE;
  /* Hidden (run in the background), nothing is painted: connect at once.
   * A window about to be shown (tern_window_present_when_ready()) connects
   * after its first frame, as a shown one does. */
  if (pane->window->connected ||
      (!gtk_widget_get_mapped (GTK_WIDGET (pane->window)) && !pane->window->present_waiting))
    pane_connect (pane);
  else
    pane->connect_source =
      g_timeout_add_full (G_PRIORITY_DEFAULT, CONNECT_DELAY_MS, connect_timeout, pane_ref (pane),
                          (GDestroyNotify) pane_unref);
}

static AccountPane *
pane_new (TernWindow *self, TernAccountConfig *config)
{
  AccountPane *pane = g_rc_box_new0 (AccountPane);
  const char *name = tern_account_config_get_display_name (config);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autofree char *list_label = NULL;
  GApplication *app = g_application_get_default ();
  GtkWidget *title, *box;

  pane->window = self;
  /* At start the application has opened the account's cache already. */
  if (TERN_IS_APPLICATION (app))
    pane->account =
      tern_application_take_account (TERN_APPLICATION (app), tern_account_config_get_id (config));
  if (pane->account == NULL)
    pane->account = tern_account_new (config);
  pane->cancellable = g_cancellable_new ();
  pane->idle_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

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
  pane->pending_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (pane->pending_label, 0);
  gtk_label_set_wrap (pane->pending_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (pane->pending_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (pane->pending_label), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (pane->pending_label), FALSE);
  gtk_box_append (GTK_BOX (pane->header), GTK_WIDGET (pane->pending_label));
  tern_account_set_replay_automatically (pane->account, TRUE);
  g_signal_connect_swapped (pane->account, "notify::pending-changes",
                            G_CALLBACK (pane_update_pending), pane);
  g_signal_connect_swapped (pane->account, "notify::failed-changes",
                            G_CALLBACK (pane_update_pending), pane);
  g_signal_connect (pane->account, "replayed", G_CALLBACK (pane_replayed), pane);

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
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    g_signal_connect (keys, "key-pressed", G_CALLBACK (folder_list_key), pane);
    gtk_widget_add_controller (GTK_WIDGET (pane->list_view), keys);
  }

  gtk_box_append (self->sidebar_box, pane->header);
  gtk_box_append (self->sidebar_box, GTK_WIDGET (pane->list_view));

  tern_account_open_cache_async (pane->account, pane->cancellable, cache_opened, pane_ref (pane));
  return pane;
}

static void
clear_panes (TernWindow *self)
{
  /* Results hold the accounts going away. */
  if (self->results != NULL)
    tern_search_results_stop (self->results);
  g_clear_object (&self->reader_result);
  open_folder (self, NULL, NULL);
  self->folder_pane = NULL;
  g_ptr_array_set_size (self->panes, 0);
}

static AccountPane *
find_pane (TernWindow *self, const char *account_id)
{
  for (guint i = 0; self->panes != NULL && i < self->panes->len; i++)
    {
      AccountPane *pane = g_ptr_array_index (self->panes, i);

      if (g_strcmp0 (tern_account_get_id (pane->account), account_id) == 0)
        return pane;
    }
  return NULL;
}

/**
 * tern_window_lookup_account:
 * Returns: (transfer none) (nullable): the window's account @account_id
 */
TernAccount *
tern_window_lookup_account (TernWindow *self, const char *account_id)
{
  AccountPane *pane;

  g_return_val_if_fail (TERN_IS_WINDOW (self), NULL);

  pane = find_pane (self, account_id);
  return pane != NULL ? pane->account : NULL;
}

/* Opens @folder of @account_id and in it message @uid, once listed (a
 * notification was clicked). */
void
tern_window_show_message (TernWindow *self, const char *account_id, const char *folder, guint32 uid)
{
  AccountPane *pane;
  GListModel *rows;

  g_return_if_fail (TERN_IS_WINDOW (self));

  pane = find_pane (self, account_id);
  if (pane == NULL || pane->selection == NULL)
    return;
  /* The message is shown in its folder's list. */
  if (tern_search_bar_get_open (self->search_bar))
    tern_search_bar_close (self->search_bar);
  self->show_uid = uid;
  if (self->folder_pane == pane && g_strcmp0 (tern_folder_get_path (self->folder), folder) == 0)
    {
      show_pending_message (self);
      return;
    }
  rows = G_LIST_MODEL (pane->selection);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr (TernFolder) item = gtk_tree_list_row_get_item (row);

      if (g_strcmp0 (tern_folder_get_path (item), folder) == 0)
        {
          /* open_folder() loads the list; messages_loaded() opens the message. */
          gtk_single_selection_set_selected (pane->selection, i);
          return;
        }
    }
  self->show_uid = 0;
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
      adw_toast_overlay_add_toast (self->toast_overlay, toast_new_text (message));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  for (guint i = 0; i < configs->len; i++)
    g_ptr_array_add (self->panes, pane_new (self, g_ptr_array_index (configs, i)));

  gtk_stack_set_visible_child_name (self->stack, configs->len > 0 ? "accounts" : "empty");
}

/* Message actions and Undo ------------------------------------------------------------ */

static gboolean
can_act (TernWindow *self)
{
  /* The actions work on the folder's list, which search results hide. */
  return self->messages != NULL && self->folder_pane != NULL && self->folder != NULL &&
         self->folder_pane->cache_open && !self->search_shown;
}

/* The UIDs the actions work on: the selection (every message of a
 * conversation row when threaded), else the message in the reader. */
static GArray *
selected_uids (TernWindow *self)
{
  GArray *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint position;

  if (!can_act (self))
    return uids;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, set, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      if (self->threaded)
        {
          guint n = 0;
          g_autofree guint32 *thread =
            tern_message_list_dup_thread_uids (self->messages, position, &n);

          if (thread != NULL)
            g_array_append_vals (uids, thread, n);
          continue;
        }
      {
        guint32 uid = tern_message_list_get_uid (self->messages, position);

        if (uid != 0)
          g_array_append_val (uids, uid);
      }
    }
  if (uids->len == 0 && tern_reader_get_uid (self->reader) != 0)
    {
      guint32 uid = tern_reader_get_uid (self->reader);

      g_array_append_val (uids, uid);
    }
  return uids;
}

static char *
uids_to_set (const GArray *uids)
{
  g_autoptr (TernImapUidSet) set = tern_imap_uid_set_new ();

  for (guint i = 0; i < uids->len; i++)
    tern_imap_uid_set_add (set, g_array_index (uids, guint32, i));
  tern_imap_uid_set_normalize (set);
  return tern_imap_uid_set_to_string (set);
}

/* Whether every selected message is read (flagged): the toggles set the
 * opposite. */
static gboolean
selection_all (TernWindow *self, gboolean (*test) (TernMessageSummary *))
{
  g_autoptr (GtkBitset) set = NULL;
  GtkBitsetIter iter;
  guint position;
  gboolean any = FALSE;

  if (!can_act (self))
    return FALSE;
  set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));
  for (gboolean more = gtk_bitset_iter_init_first (&iter, set, &position); more;
       more = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr (TernMessageSummary) summary =
        g_list_model_get_item (G_LIST_MODEL (self->messages), position);

      if (summary == NULL)
        continue;
      any = TRUE;
      if (!test (summary))
        return FALSE;
    }
  return any;
}

static gboolean
summary_read (TernMessageSummary *summary)
{
  return !tern_message_summary_get_unread (summary);
}

typedef struct
{
  TernWindow *window;
  AccountPane *pane;
  TernAccountAction action;
  char *folder;
  GArray *uids;
  gboolean quiet; /* no toast: marking read on open */
} ActionRequest;

static void
action_request_free (ActionRequest *request)
{
  g_object_unref (request->window);
  pane_unref (request->pane);
  g_free (request->folder);
  g_array_unref (request->uids);
  g_free (request);
}

static char *
action_toast_text (TernAccountAction action, guint n, const char *target)
{
  switch (action)
    {
    case TERN_ACCOUNT_ACTION_MARK_READ:
      return g_strdup_printf (ngettext ("%u message marked as read", "%u messages marked as read",
                                        n),
                              n);
    case TERN_ACCOUNT_ACTION_MARK_UNREAD:
      return g_strdup_printf (ngettext ("%u message marked as unread",
                                        "%u messages marked as unread", n),
                              n);
    case TERN_ACCOUNT_ACTION_FLAG:
      return g_strdup_printf (ngettext ("%u message flagged", "%u messages flagged", n), n);
    case TERN_ACCOUNT_ACTION_UNFLAG:
      return g_strdup_printf (ngettext ("%u message unflagged", "%u messages unflagged", n), n);
    case TERN_ACCOUNT_ACTION_DELETE:
      return g_strdup_printf (ngettext ("%u message deleted", "%u messages deleted", n), n);
    case TERN_ACCOUNT_ACTION_ARCHIVE:
      return g_strdup_printf (ngettext ("%u message archived", "%u messages archived", n), n);
    case TERN_ACCOUNT_ACTION_MOVE:
    case TERN_ACCOUNT_ACTION_COPY:
    default:
      /* Translators: "3 messages moved to Receipts". */
      return g_strdup_printf (ngettext ("%u message moved to %s", "%u messages moved to %s", n), n,
                              target != NULL ? target : "");
    }
}

static void
refresh_counts (AccountPane *pane)
{
  if (pane->window != NULL && pane->tree != NULL)
    tern_folder_tree_reload_async (pane->tree, pane->cancellable, NULL, NULL);
}

static void
action_applied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionRequest *request = user_data;
  TernWindow *self = request->window;
  g_autoptr (GArray) changed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *target = NULL;
  gboolean removes;
  gint64 id;

  id = tern_account_apply_action_finish (TERN_ACCOUNT (source), result, &changed, &target, &error);
  if (id < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !request->quiet &&
          request->pane->window != NULL)
        adw_toast_overlay_add_toast (self->toast_overlay, toast_new_text (error->message));
      action_request_free (request);
      return;
    }
  if (request->pane->window == NULL)
    {
      action_request_free (request);
      return;
    }

  removes = request->action == TERN_ACCOUNT_ACTION_DELETE ||
            request->action == TERN_ACCOUNT_ACTION_ARCHIVE ||
            request->action == TERN_ACCOUNT_ACTION_MOVE;
  if (id > 0 && self->folder_pane == request->pane && self->messages != NULL &&
      g_strcmp0 (tern_folder_get_path (self->folder), request->folder) == 0)
    {
      /* The reader does not keep showing a message that left the folder. */
      if (removes)
        for (guint i = 0; i < changed->len; i++)
          if (g_array_index (changed, guint32, i) == tern_reader_get_uid (self->reader))
            clear_reader (self);
      if (removes)
        {
          g_autoptr (GtkBitset) set =
            gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));

          /* The next message takes the place of those that left, as in
           * other mail programs, so that Delete can be pressed again. */
          self->reselect =
            gtk_bitset_is_empty (set) ? GTK_INVALID_LIST_POSITION : gtk_bitset_get_minimum (set);
        }
      tern_message_list_apply_changes (self->messages, NULL, 0,
                                       removes ? (const guint32 *) (gpointer) changed->data : NULL,
                                       removes ? changed->len : 0,
                                       removes ? NULL : (const guint32 *) (gpointer) changed->data,
                                       removes ? 0 : changed->len);
    }
  refresh_counts (request->pane);
  /* A result read or moved shows so. */
  if (id > 0 && self->search_shown)
    run_search (self, TRUE);

  if (id > 0 && !request->quiet)
    {
      g_autofree char *text = NULL;
      g_autofree char *target_name = NULL;
      AdwToast *toast;

      if (target != NULL && request->pane->tree != NULL)
        {
          TernFolder *folder = tern_folder_tree_lookup (request->pane->tree, target);

          target_name = g_strdup (folder != NULL ? folder_display_name (folder) : target);
        }
      text = action_toast_text (request->action, changed->len, target_name);
      toast = toast_new_text (text);
      adw_toast_set_button_label (toast, _ ("Undo"));
      /* Longer than the default: time to read it and reach Undo. */
      adw_toast_set_timeout (toast, 10);
      adw_toast_set_action_name (toast, "win.undo");
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);

      if (self->undo_pane != NULL)
        pane_unref (self->undo_pane);
      self->undo_pane = pane_ref (request->pane);
      g_free (self->undo_folder);
      self->undo_folder = g_strdup (request->folder);
      g_clear_pointer (&self->undo_uids, g_array_unref);
      self->undo_uids = g_array_ref (changed);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", TRUE);
    }
  action_request_free (request);
}

static void
run_action_in (TernWindow *self,
               AccountPane *pane,
               const char *folder,
               TernAccountAction action,
               GArray *uids,
               const char *target,
               gboolean quiet)
{
  ActionRequest *request;
  g_autofree char *set = NULL;

  if (pane == NULL || pane->window == NULL || !pane->cache_open || uids->len == 0)
    return;
  request = g_new0 (ActionRequest, 1);
  request->window = g_object_ref (self);
  request->pane = pane_ref (pane);
  request->action = action;
  request->folder = g_strdup (folder);
  request->uids = g_array_ref (uids);
  request->quiet = quiet;
  set = uids_to_set (uids);
  tern_account_apply_action_async (pane->account, action, request->folder, set, target,
                                   pane->cancellable, action_applied, request);
}

/**
 * tern_window_apply_action:
 *
 * Applies @action to @uids of @folder of @account_id as if chosen in the
 * window, quietly (no toast), so that an open list and the folder counts
 * follow: a notification's buttons, with the window hidden or not.
 */
void
tern_window_apply_action (TernWindow *self,
                          const char *account_id,
                          const char *folder,
                          const guint32 *uids,
                          guint n_uids,
                          TernAccountAction action)
{
  g_autoptr (GArray) array = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_uids);

  g_return_if_fail (TERN_IS_WINDOW (self));

  g_array_append_vals (array, uids, n_uids);
  run_action_in (self, find_pane (self, account_id), folder, action, array, NULL, TRUE);
}

static void
run_action (TernWindow *self,
            TernAccountAction action,
            GArray *uids,
            const char *target,
            gboolean quiet)
{
  if (!can_act (self))
    return;
  run_action_in (self, self->folder_pane, tern_folder_get_path (self->folder), action, uids, target,
                 quiet);
}

static void
selection_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);
  g_autoptr (GArray) uids = selected_uids (self);
  TernAccountAction action;

  if (g_str_equal (action_name, "win.mark-read"))
    action = TERN_ACCOUNT_ACTION_MARK_READ;
  else if (g_str_equal (action_name, "win.mark-unread"))
    action = TERN_ACCOUNT_ACTION_MARK_UNREAD;
  else if (g_str_equal (action_name, "win.toggle-read"))
    action = selection_all (self, summary_read) ? TERN_ACCOUNT_ACTION_MARK_UNREAD
                                                : TERN_ACCOUNT_ACTION_MARK_READ;
  else if (g_str_equal (action_name, "win.toggle-flag"))
    action = selection_all (self, tern_message_summary_get_flagged) ? TERN_ACCOUNT_ACTION_UNFLAG
                                                                    : TERN_ACCOUNT_ACTION_FLAG;
  else if (g_str_equal (action_name, "win.delete"))
    action = TERN_ACCOUNT_ACTION_DELETE;
  else
    action = TERN_ACCOUNT_ACTION_ARCHIVE;
  if (action == TERN_ACCOUNT_ACTION_MARK_READ || action == TERN_ACCOUNT_ACTION_MARK_UNREAD)
    cancel_mark_read (self);
  run_action (self, action, uids, NULL, FALSE);
}

static void
undone (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *what = NULL;
  int undo;

  undo = tern_account_undo_finish (TERN_ACCOUNT (source), result, &what, &error);
  if (undo == TERN_STORE_UNDO_FAILED || undo == TERN_STORE_UNDO_NOTHING)
    {
      if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   toast_new_text (error != NULL ? error->message
                                                                 : _ ("There is nothing to undo")));
      return;
    }
  /* The messages come back into the open list (their order is read again
   * from the cache); a move the server had done comes back at the sync after
   * the replay. */
  if (self->undo_pane != NULL && self->undo_pane == self->folder_pane && self->messages != NULL &&
      self->undo_uids != NULL &&
      g_strcmp0 (self->undo_folder, tern_folder_get_path (self->folder)) == 0)
    tern_message_list_apply_changes (self->messages,
                                     (const guint32 *) (gpointer) self->undo_uids->data,
                                     self->undo_uids->len, NULL, 0,
                                     (const guint32 *) (gpointer) self->undo_uids->data,
                                     self->undo_uids->len);
  if (self->undo_pane != NULL)
    refresh_counts (self->undo_pane);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_ ("Undone")));
}

static void
undo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);
  AccountPane *pane = self->undo_pane != NULL ? self->undo_pane : self->folder_pane;

  if (pane == NULL || pane->window == NULL)
    return;
  /* One Undo per action: the toast's button and Ctrl+Z do not both undo. */
  gtk_widget_action_set_enabled (widget, "win.undo", FALSE);
  tern_account_undo_async (pane->account, pane->cancellable, undone, g_object_ref (self));
}

static void
update_actions (TernWindow *self)
{
  static const char *const actions[] = {
    "win.mark-read", "win.mark-unread", "win.toggle-read",  "win.toggle-flag",      "win.delete",
    "win.archive",   "win.move",        "win.next-message", "win.previous-message",
  };
  gboolean enabled = can_act (self);
  gboolean selected = FALSE;

  if (enabled)
    {
      g_autoptr (GtkBitset) set =
        gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));

      selected = !gtk_bitset_is_empty (set) || tern_reader_get_uid (self->reader) != 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), actions[i],
                                   i >= 7 ? enabled : enabled && selected);
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), enabled && selected);
  gtk_action_bar_set_revealed (self->action_bar, enabled);
}

static void
selection_changed (TernWindow *self)
{
  update_actions (self);
}

static void
messages_changed (TernWindow *self, guint position, guint removed, guint added)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->message_selection));
  g_autoptr (GtkBitset) set =
    gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));

  if (self->reselect != GTK_INVALID_LIST_POSITION && removed > 0 && n > 0 &&
      gtk_bitset_is_empty (set))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->message_selection),
                                     MIN (self->reselect, n - 1), TRUE);
  if (removed > 0)
    self->reselect = GTK_INVALID_LIST_POSITION;
  update_actions (self);
}

/* Mark read after mark-read-delay --------------------------------------------------------- */

static void
cancel_mark_read (TernWindow *self)
{
  g_clear_handle_id (&self->mark_read_source, g_source_remove);
  self->mark_read_uid = 0;
}

static void
mark_open_read (TernWindow *self)
{
  g_autoptr (GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 uid = self->mark_read_uid;
  guint position;

  self->mark_read_uid = 0;
  /* Only while that message is still the one shown. */
  if (uid == 0 || tern_reader_get_uid (self->reader) != uid)
    return;
  if (self->reader_result != NULL && tern_search_result_get_uid (self->reader_result) == uid)
    {
      TernSearchResult *result = self->reader_result;

      if (!tern_message_summary_get_unread (tern_search_result_get_summary (result)))
        return;
      g_array_append_val (uids, uid);
      run_action_in (self,
                     find_pane (self,
                                tern_account_get_id (tern_search_result_get_account (result))),
                     tern_search_result_get_folder (result), TERN_ACCOUNT_ACTION_MARK_READ, uids,
                     NULL, TRUE);
      return;
    }
  if (self->messages == NULL)
    return;
  position = tern_message_list_find (self->messages, uid);
  if (position != TERN_MESSAGE_LIST_INVALID_POSITION)
    {
      g_autoptr (TernMessageSummary) summary =
        g_list_model_get_item (G_LIST_MODEL (self->messages), position);

      if (summary != NULL && !tern_message_summary_get_unread (summary))
        return;
    }
  g_array_append_val (uids, uid);
  run_action (self, TERN_ACCOUNT_ACTION_MARK_READ, uids, NULL, TRUE);
}

static gboolean
mark_read_timeout (gpointer user_data)
{
  TernWindow *self = user_data;

  self->mark_read_source = 0;
  mark_open_read (self);
  return G_SOURCE_REMOVE;
}

static void
message_shown (TernWindow *self, TernReader *reader)
{
  int delay = g_settings_get_int (self->settings, "mark-read-delay");
  guint32 uid = tern_reader_get_uid (reader);
  guint position;

  cancel_mark_read (self);
  update_actions (self);
  if (adw_leaflet_get_folded (self->leaflet) &&
      adw_leaflet_get_visible_child (self->leaflet) == self->reader_page)
    {
      GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
      GtkWidget *target = tern_reader_get_focus_target (reader);

      if (target != NULL && (focus == NULL || !gtk_widget_is_ancestor (focus, self->reader_page)))
        gtk_widget_grab_focus (target);
    }
  if (delay < 0 || uid == 0)
    return;
  if (self->reader_result != NULL && tern_search_result_get_uid (self->reader_result) == uid)
    {
      if (!tern_message_summary_get_unread (tern_search_result_get_summary (self->reader_result)))
        return;
    }
  else if (self->messages == NULL)
    return;
  else if ((position = tern_message_list_find (self->messages, uid)) !=
           TERN_MESSAGE_LIST_INVALID_POSITION)
    {
      g_autoptr (TernMessageSummary) summary =
        g_list_model_get_item (G_LIST_MODEL (self->messages), position);

      if (summary != NULL && tern_message_summary_get_loaded (summary) &&
          !tern_message_summary_get_unread (summary))
        return;
    }
  self->mark_read_uid = uid;
  if (delay == 0)
    mark_open_read (self);
  else
    self->mark_read_source = g_timeout_add_seconds (delay, mark_read_timeout, self);
}

/* Moving to a folder ------------------------------------------------------------------ */

static void
add_move_folders (TernWindow *self, GListModel *model)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (TernFolder) folder = g_list_model_get_item (model, i);
      g_autoptr (GListModel) children = NULL;
      const char *path = tern_folder_get_path (folder);
      g_autofree char *shown = NULL;

      if (tern_folder_get_selectable (folder) &&
          g_strcmp0 (path, tern_folder_get_path (self->folder)) != 0)
        {
          /* A nested folder shows its path, so that two "Sent" differ. */
          shown = g_strcmp0 (tern_folder_get_name (folder), path) == 0
                    ? g_strdup (folder_display_name (folder))
                    : g_strdup (path);
          g_hash_table_insert (self->move_paths, g_strdup (shown), g_strdup (path));
          gtk_string_list_append (self->move_names, shown);
        }
      children = tern_folder_tree_create_child_model (folder, self->folder_pane->tree);
      if (children != NULL)
        add_move_folders (self, children);
    }
}

static void
move_popover_shown (TernWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->move_names));

  gtk_string_list_splice (self->move_names, 0, n, NULL);
  g_hash_table_remove_all (self->move_paths);
  if (can_act (self) && self->folder_pane->tree != NULL)
    add_move_folders (self, G_LIST_MODEL (self->folder_pane->tree));
  gtk_editable_set_text (GTK_EDITABLE (self->move_search), "");
  gtk_single_selection_set_selected (self->move_selection, 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->move_search));
}

static void
move_to (TernWindow *self, guint position)
{
  g_autoptr (GtkStringObject) item = NULL;
  g_autoptr (GArray) uids = NULL;
  const char *path;

  item = g_list_model_get_item (G_LIST_MODEL (self->move_selection), position);
  if (item == NULL)
    return;
  path = g_hash_table_lookup (self->move_paths, gtk_string_object_get_string (item));
  gtk_popover_popdown (self->move_popover);
  if (path == NULL)
    return;
  uids = selected_uids (self);
  run_action (self, TERN_ACCOUNT_ACTION_MOVE, uids, path, FALSE);
}

static void
move_search_changed (TernWindow *self)
{
  gtk_string_filter_set_search (self->move_filter,
                                gtk_editable_get_text (GTK_EDITABLE (self->move_search)));
  gtk_single_selection_set_selected (self->move_selection, 0);
}

static void
move_search_activated (TernWindow *self)
{
  move_to (self, gtk_single_selection_get_selected (self->move_selection));
}

static void
move_search_stopped (TernWindow *self)
{
  gtk_popover_popdown (self->move_popover);
}

static void
move_list_activated (TernWindow *self, guint position)
{
  move_to (self, position);
}

/* Up and Down in the search entry choose among the folders it finds. */
static gboolean
move_search_key (GtkEventControllerKey *controller,
                 guint keyval,
                 guint keycode,
                 GdkModifierType state,
                 TernWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->move_selection));
  guint selected = gtk_single_selection_get_selected (self->move_selection);

  if (n == 0 || (keyval != GDK_KEY_Down && keyval != GDK_KEY_Up))
    return FALSE;
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = 0;
  else if (keyval == GDK_KEY_Down && selected + 1 < n)
    selected++;
  else if (keyval == GDK_KEY_Up && selected > 0)
    selected--;
  gtk_single_selection_set_selected (self->move_selection, selected);
  gtk_widget_activate_action (GTK_WIDGET (self->move_list), "list.scroll-to-item", "u", selected);
  return TRUE;
}

static void
move_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_list_item_set_child (item, label);
}

static void
move_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkStringObject *string = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)),
                       gtk_string_object_get_string (string));
  /* GTK 4.8 does not name a list item after its label. */
  if (gtk_widget_get_parent (gtk_list_item_get_child (item)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (
                                      gtk_widget_get_parent (gtk_list_item_get_child (item))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_string_object_get_string (string), -1);
}

static void
move_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);

  if (!can_act (self))
    return;
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_page);
  gtk_menu_button_popup (self->move_button);
}

/* Next and previous message ---------------------------------------------------------------- */

static void
step_message (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);
  int step = g_str_equal (action_name, "win.next-message") ? 1 : -1;
  guint n, position = GTK_INVALID_LIST_POSITION;
  guint32 uid;

  if (!can_act (self) || (n = g_list_model_get_n_items (G_LIST_MODEL (self->messages))) == 0)
    return;
  if ((uid = tern_reader_get_uid (self->reader)) != 0)
    position = tern_message_list_find (self->messages, uid);
  if (position == GTK_INVALID_LIST_POSITION || position == TERN_MESSAGE_LIST_INVALID_POSITION)
    {
      g_autoptr (GtkBitset) set =
        gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->message_selection));

      position =
        gtk_bitset_is_empty (set) ? GTK_INVALID_LIST_POSITION : gtk_bitset_get_minimum (set);
    }
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  else if (step > 0 && position + 1 < n)
    position++;
  else if (step < 0 && position > 0)
    position--;
  else
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->message_view), "list.scroll-to-item", "u",
                              position);
  open_message (self, position, FALSE);
}

/* Single-key shortcuts only act outside text fields, where the key types. */
static gboolean
single_key (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  TernWindow *self = TERN_WINDOW (widget);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  const char *action = g_variant_get_string (args, NULL);

  if (focus != NULL &&
      (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT (focus) ||
       gtk_widget_get_ancestor (focus, GTK_TYPE_POPOVER) != NULL ||
       (GTK_IS_TEXT_VIEW (focus) && gtk_text_view_get_editable (GTK_TEXT_VIEW (focus)))))
    return FALSE;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "accounts") != 0)
    return FALSE;
  return gtk_widget_activate_action (widget, action, NULL);
}

/* Sort and conversations, remembered per folder ------------------------------------------- */

static const struct
{
  const char *name;
  TernStoreSort sort;
} sorts[] = {
  { "date", TERN_STORE_SORT_DATE },
  { "from", TERN_STORE_SORT_FROM },
  { "subject", TERN_STORE_SORT_SUBJECT },
  { "size", TERN_STORE_SORT_SIZE },
};

static const char *
sort_name (TernStoreSort sort)
{
  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    if (sorts[i].sort == sort)
      return sorts[i].name;
  return "date";
}

static TernStoreSort
sort_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    if (g_strcmp0 (sorts[i].name, name) == 0)
      return sorts[i].sort;
  return TERN_STORE_SORT_DATE;
}

static char *
view_key (TernWindow *self)
{
  return g_strdup_printf ("%s/%s", tern_account_get_id (self->folder_pane->account),
                          tern_folder_get_path (self->folder));
}

/* A folder's view as folder-views remembers it (date, newest first, flat
 * when it has none); key is "ACCOUNT-ID/PATH". */
static void
lookup_view (GSettings *settings,
             const char *key,
             TernStoreSort *sort,
             gboolean *descending,
             gboolean *threaded)
{
  g_autoptr (GVariant) views = g_settings_get_value (settings, "folder-views");
  const char *name = "date";

  *descending = TRUE;
  *threaded = FALSE;
  g_variant_lookup (views, key, "(&sbb)", &name, descending, threaded);
  *sort = sort_from_name (name);
}

/* At start, before any window: has the store read the order of the INBOX,
 * the folder a window opens first, in the view it was left in. */
void
tern_window_read_ahead (TernAccount *account)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *key = g_strdup_printf ("%s/INBOX", tern_account_get_id (account));
  TernStoreSort sort;
  gboolean descending, threaded;

  lookup_view (settings, key, &sort, &descending, &threaded);
  /* A threaded view is read differently (tern_store_get_threading_async). */
  if (!threaded && tern_account_get_store (account) != NULL)
    tern_store_prefetch_uids (tern_account_get_store (account), "INBOX", sort, descending);
}

/* Reads the folder's view from folder-views into the window and the list. */
static void
restore_view (TernWindow *self)
{
  g_autofree char *key = view_key (self);

  lookup_view (self->settings, key, &self->sort, &self->descending, &self->threaded);
  tern_message_list_set_sort (self->messages, self->sort, self->descending);
  tern_message_list_set_threaded (self->messages, self->threaded);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_BY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT_ORDER]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREADED]);
}

static void
save_view (TernWindow *self)
{
  g_autoptr (GVariant) views = NULL;
  g_autofree char *key = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *k;
  GVariant *value;

  if (self->folder == NULL || self->folder_pane == NULL)
    return;
  key = view_key (self);
  views = g_settings_get_value (self->settings, "folder-views");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{s(sbb)}"));
  g_variant_iter_init (&iter, views);
  while (g_variant_iter_next (&iter, "{&s@(sbb)}", &k, &value))
    {
      if (!g_str_equal (k, key))
        g_variant_builder_add (&builder, "{s@(sbb)}", k, value);
      g_variant_unref (value);
    }
  g_variant_builder_add (&builder, "{s(sbb)}", key, sort_name (self->sort), self->descending,
                         self->threaded);
  g_settings_set_value (self->settings, "folder-views", g_variant_builder_end (&builder));
}

static void
apply_view (TernWindow *self)
{
  if (self->messages != NULL)
    {
      tern_message_list_set_sort (self->messages, self->sort, self->descending);
      tern_message_list_set_threaded (self->messages, self->threaded);
    }
  gtk_menu_button_set_icon_name (self->sort_button, self->descending
                                                      ? "view-sort-descending-symbolic"
                                                      : "view-sort-ascending-symbolic");
  save_view (self);
}

/* The sidebar's per-account state --------------------------------------------------------- */

static void
pane_update_pending (AccountPane *pane)
{
  guint pending, failed;
  g_autofree char *text = NULL;

  if (pane->window == NULL)
    return;
  pending = tern_account_get_pending_changes (pane->account);
  failed = tern_account_get_failed_changes (pane->account);
  if (failed > 0)
    /* Translators: under an account's name; "tern-cli queue ID" lists them. */
    text = g_strdup_printf (ngettext ("%u change refused by the server",
                                      "%u changes refused by the server", failed),
                            failed);
  if (pending > 0)
    {
      /* Translators: under an account's name: operations not yet sent. */
      g_autofree char *waiting =
        g_strdup_printf (ngettext ("%u change waiting", "%u changes waiting", pending), pending);
      char *both = text != NULL ? g_strconcat (waiting, " · ", text, NULL) : g_strdup (waiting);

      g_free (text);
      text = both;
    }
  gtk_label_set_label (pane->pending_label, text);
  gtk_widget_set_visible (GTK_WIDGET (pane->pending_label), text != NULL);
}

static void
pane_replayed (TernAccount *account,
               guint done,
               guint failed,
               const GError *error,
               AccountPane *pane)
{
  if (pane->window == NULL)
    return;
  if (error != NULL)
    {
      g_autofree char *status =
        g_strdup_printf (_ ("Offline: your changes are kept and sent when the server can be "
                            "reached (%s)"),
                         error->message);

      pane_set_status (pane, status, FALSE, TRUE);
      return;
    }
  /* The server has the changes now: a sync of the open folder brings
   * messages moved back into it with their new UIDs, and clears an old
   * error; the other folders' counts come from the cache. */
  if (done > 0 && pane->window->folder_pane == pane && pane->window->folder != NULL)
    {
      const char *folders[] = { tern_folder_get_path (pane->window->folder), NULL };

      pane_sync_folders (pane, folders);
    }
  else
    {
      refresh_counts (pane);
      if (!pane->syncing)
        pane_set_status (pane, "", FALSE, FALSE);
    }
  if (failed > 0)
    pane_update_pending (pane);
}

/* Search ------------------------------------------------------------------------------- */

static char *
search_sync_key (TernAccount *account, const char *folder)
{
  return g_strconcat (tern_account_get_id (account), "\n", folder, NULL);
}

/* The status line under the search bar, from the results' state. */
static void
update_search_status (TernWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));
  const char *error = tern_search_results_get_error (self->results);
  guint offline = tern_search_results_get_offline (self->results);
  g_autofree char *status = NULL;

  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("Could not search: %s"), error);

      tern_search_bar_set_status (self->search_bar, text, TRUE);
      return;
    }
  if (tern_search_results_get_searching (self->results))
    {
      tern_search_bar_set_status (self->search_bar, _ ("Searching the server…"), FALSE);
      return;
    }
  if (n == 0)
    status = g_strdup (_ ("No messages found"));
  else
    status = g_strdup_printf (ngettext ("%u result", "%u results", n), n);
  if (offline > 0)
    {
      char *both = g_strconcat (status, " · ",
                                _ ("The server could not be searched; results from this "
                                   "device only"),
                                NULL);

      g_free (status);
      status = both;
    }
  tern_search_bar_set_status (self->search_bar, status, FALSE);
}

/* Messages the server found that the cache has not got yet: a sync of
 * their folders brings them in (once per folder and query);
 * search_folder_synced() then searches again. */
static void
sync_missing_results (TernWindow *self)
{
  for (guint i = 0; i < self->panes->len; i++)
    {
      AccountPane *pane = g_ptr_array_index (self->panes, i);
      g_auto (GStrv) folders = NULL;
      g_autoptr (GPtrArray) wanted = g_ptr_array_new ();

      if (!pane->cache_open ||
          (folders = tern_search_results_dup_missing_folders (self->results, pane->account)) ==
            NULL)
        continue;
      for (guint j = 0; folders[j] != NULL; j++)
        {
          char *key = search_sync_key (pane->account, folders[j]);

          if (g_hash_table_contains (self->search_syncs, key))
            {
              g_free (key);
              continue;
            }
          g_hash_table_insert (self->search_syncs, key, GUINT_TO_POINTER (SEARCH_SYNC_REQUESTED));
          g_ptr_array_add (wanted, folders[j]);
        }
      if (wanted->len == 0)
        continue;
      if (pane->syncing)
        {
          /* After the running sync, as for what IDLE tells of. */
          for (guint j = 0; j < wanted->len; j++)
            g_hash_table_add (pane->idle_pending, g_strdup (wanted->pdata[j]));
          continue;
        }
      g_ptr_array_add (wanted, NULL);
      pane->quiet = TRUE;
      pane_sync_folders (pane, (const char *const *) wanted->pdata);
    }
}

static void
results_status_changed (TernWindow *self)
{
  if (!self->search_shown)
    return;
  update_search_status (self);
  if (!tern_search_results_get_searching (self->results))
    sync_missing_results (self);
}

/* Runs the query in the bar (again, when @quiet) in the bar's scope. */
static void
run_search (TernWindow *self, gboolean quiet)
{
  g_autoptr (GPtrArray) accounts = g_ptr_array_new ();
  TernSearchScope scope = tern_search_bar_get_scope (self->search_bar);
  AccountPane *pane = self->folder_pane;
  const char *folder = NULL;

  if (self->search_query == NULL)
    return;
  if (pane == NULL || !pane->cache_open)
    for (guint i = 0; i < self->panes->len && (pane == NULL || !pane->cache_open); i++)
      pane = g_ptr_array_index (self->panes, i);
  if (scope == TERN_SEARCH_SCOPE_ALL_ACCOUNTS)
    {
      for (guint i = 0; i < self->panes->len; i++)
        {
          AccountPane *other = g_ptr_array_index (self->panes, i);

          if (other->cache_open)
            g_ptr_array_add (accounts, other->account);
        }
    }
  else if (pane != NULL && pane->cache_open)
    {
      g_ptr_array_add (accounts, pane->account);
      if (scope == TERN_SEARCH_SCOPE_FOLDER && pane == self->folder_pane && self->folder != NULL)
        folder = tern_folder_get_path (self->folder);
    }
  if (!quiet)
    tern_search_bar_set_status (self->search_bar, _ ("Searching…"), FALSE);
  tern_search_results_run (self->results, self->search_query, accounts, folder, folder == NULL,
                           scope == TERN_SEARCH_SCOPE_ALL_ACCOUNTS, quiet);
}

static void
show_results (TernWindow *self, gboolean shown)
{
  if (self->search_shown == shown)
    return;
  self->search_shown = shown;
  /* The page not shown is hidden, not only covered, so that a screen
   * reader's review of the window does not find it. */
  gtk_widget_set_visible (shown ? self->results_scroller : self->message_scroller, TRUE);
  if (shown)
    gtk_stack_set_visible_child_name (self->list_stack, "results");
  else
    gtk_stack_set_visible_child_name (self->list_stack, self->messages != NULL ? "list" : "none");
  gtk_widget_set_visible (shown ? self->message_scroller : self->results_scroller, FALSE);
  update_actions (self);
}

static void
search_changed (TernWindow *self)
{
  const char *text = tern_search_bar_get_text (self->search_bar);
  g_autoptr (TernSearchQuery) query = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search_query, tern_search_query_unref);
  g_hash_table_remove_all (self->search_syncs);
  if (*stripped == '\0')
    {
      /* An empty bar shows the folder again. */
      tern_search_results_stop (self->results);
      tern_search_bar_set_status (self->search_bar, NULL, FALSE);
      show_results (self, FALSE);
      return;
    }
  query = tern_search_query_parse (text, &error);
  if (query == NULL)
    {
      tern_search_results_stop (self->results);
      tern_search_bar_set_status (self->search_bar, error->message, TRUE);
      show_results (self, TRUE);
      return;
    }
  self->search_query = g_steal_pointer (&query);
  show_results (self, TRUE);
  run_search (self, FALSE);
}

static void
search_closed (TernWindow *self)
{
  g_clear_pointer (&self->search_query, tern_search_query_unref);
  g_hash_table_remove_all (self->search_syncs);
  tern_search_results_stop (self->results);
  /* The actions work on the open folder: the reader must not keep a result
   * from elsewhere. */
  if (self->reader_result != NULL)
    {
      cancel_mark_read (self);
      clear_reader (self);
      g_clear_object (&self->reader_result);
    }
  show_results (self, FALSE);
  if (self->messages != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->message_view));
}

static void
search_focus_results (TernWindow *self)
{
  if (!self->search_shown || g_list_model_get_n_items (G_LIST_MODEL (self->results)) == 0)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->results_view), "list.scroll-to-item", "u", 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->results_view));
}

static void
search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "accounts") != 0)
    return;
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_page);
  tern_search_bar_open (self->search_bar);
}

/* A sync brought in a folder with results the cache lacked: search again,
 * quietly, so that their rows fill in. */
static void
search_folder_synced (TernWindow *self, TernAccount *account, const TernSyncFolderResult *result)
{
  g_autofree char *key = NULL;

  if (!self->search_shown || self->search_query == NULL)
    return;
  key = search_sync_key (account, result->path);
  if (GPOINTER_TO_UINT (g_hash_table_lookup (self->search_syncs, key)) != SEARCH_SYNC_REQUESTED)
    return;
  g_hash_table_insert (self->search_syncs, g_steal_pointer (&key),
                       GUINT_TO_POINTER (SEARCH_SYNC_DONE));
  run_search (self, TRUE);
}

static void
result_activated (TernWindow *self, guint position)
{
  g_autoptr (TernSearchResult) result = NULL;

  result = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  if (result == NULL)
    return;
  gtk_single_selection_set_selected (self->results_selection, position);
  if (!tern_message_summary_get_loaded (tern_search_result_get_summary (result)))
    {
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_ ("This message is not downloaded yet; it "
                                                     "opens once its folder is synchronised")));
      return;
    }
  cancel_mark_read (self);
  g_set_object (&self->reader_result, result);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->reader_page);
  tern_reader_load (self->reader, tern_search_result_get_account (result),
                    tern_search_result_get_folder (result), tern_search_result_get_uid (result));
}

/* Escape in the results goes back to the query (a second one closes it). */
static gboolean
results_key (GtkEventControllerKey *controller,
             guint keyval,
             guint keycode,
             GdkModifierType state,
             TernWindow *self)
{
  if (keyval != GDK_KEY_Escape || !tern_search_bar_get_open (self->search_bar))
    return FALSE;
  tern_search_bar_focus_entry (self->search_bar);
  return TRUE;
}

static void
result_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tern_message_row_new ());
}

static void
result_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  TernMessageRow *row = TERN_MESSAGE_ROW (gtk_list_item_get_child (item));
  TernSearchResult *result = gtk_list_item_get_item (item);

  tern_message_row_set_location (row, tern_search_result_get_location (result),
                                 _ ("Not downloaded yet"));
  tern_message_row_set_summary (row, tern_search_result_get_summary (result));
}

static void
result_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tern_message_row_set_summary (TERN_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Actions and focus -------------------------------------------------------------------- */

static void
view_source_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TernWindow *self = TERN_WINDOW (widget);

  if (tern_reader_get_uid (self->reader) != 0)
    tern_reader_view_source (self->reader);
}

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
      else if (next == 1 && self->search_shown)
        target = g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0
                   ? GTK_WIDGET (self->results_view)
                   : NULL;
      else if (next == 1 && self->messages != NULL)
        target = GTK_WIDGET (self->message_view);
      else if (next == 2)
        target = tern_reader_get_focus_target (self->reader);
      if (target == NULL && next == 1 && self->search_shown)
        {
          adw_leaflet_set_visible_child (self->leaflet, pages[next]);
          tern_search_bar_focus_entry (self->search_bar);
          return TRUE;
        }
      if (target == NULL)
        continue;
      adw_leaflet_set_visible_child (self->leaflet, pages[next]);
      gtk_widget_grab_focus (target);

      return TRUE;
    }
  return FALSE;
}

static void
tern_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernWindow *self = TERN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SORT_BY:
      g_value_set_string (value, sort_name (self->sort));
      break;
    case PROP_SORT_ORDER:
      g_value_set_string (value, self->descending ? "descending" : "ascending");
      break;
    case PROP_THREADED:
      g_value_set_boolean (value, self->threaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TernWindow *self = TERN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SORT_BY:
      if (self->sort == sort_from_name (g_value_get_string (value)))
        return;
      self->sort = sort_from_name (g_value_get_string (value));
      break;
    case PROP_SORT_ORDER:
      if (self->descending == (g_strcmp0 (g_value_get_string (value), "descending") == 0))
        return;
      self->descending = g_strcmp0 (g_value_get_string (value), "descending") == 0;
      break;
    case PROP_THREADED:
      if (self->threaded == g_value_get_boolean (value))
        return;
      self->threaded = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  apply_view (self);
  g_object_notify_by_pspec (object, pspec);
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

  cancel_mark_read (self);
  g_clear_handle_id (&self->connect_idle, g_source_remove);
  g_clear_handle_id (&self->present_timeout, g_source_remove);
  g_clear_handle_id (&self->click_open_source, g_source_remove);
  if (self->panes != NULL)
    clear_panes (self);
  if (self->results != NULL)
    g_signal_handlers_disconnect_by_data (self->results, self);
  g_clear_pointer (&self->undo_pane, pane_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_WINDOW);

  G_OBJECT_CLASS (tern_window_parent_class)->dispose (object);
}

static void
tern_window_finalize (GObject *object)
{
  TernWindow *self = TERN_WINDOW (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->message_selection);
  g_clear_object (&self->messages);
  g_clear_object (&self->folder);
  g_clear_pointer (&self->panes, g_ptr_array_unref);
  g_clear_pointer (&self->undo_folder, g_free);
  g_clear_pointer (&self->undo_uids, g_array_unref);
  g_clear_object (&self->move_names);
  g_clear_object (&self->move_filter);
  g_clear_object (&self->move_selection);
  g_clear_pointer (&self->move_paths, g_hash_table_unref);
  g_clear_object (&self->results_selection);
  g_clear_object (&self->results);
  g_clear_object (&self->reader_result);
  g_clear_pointer (&self->search_query, tern_search_query_unref);
  g_clear_pointer (&self->search_syncs, g_hash_table_unref);

  G_OBJECT_CLASS (tern_window_parent_class)->finalize (object);
}

static void
tern_window_class_init (TernWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  g_type_ensure (TERN_TYPE_READER);
  g_type_ensure (TERN_TYPE_SEARCH_BAR);

  /**
   * TernWindow::folder-synced:
   * @account: the TernAccount
   * @result: the `const TernSyncFolderResult *` of one folder
   *
   * A sync of one of the window's accounts finished with this folder
   * (IDLE's syncs included); the notifier tells of new mail from it.
   */
  signals[FOLDER_SYNCED] =
    g_signal_new ("folder-synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, TERN_TYPE_ACCOUNT, G_TYPE_POINTER);

  object_class->dispose = tern_window_dispose;
  object_class->finalize = tern_window_finalize;
  object_class->get_property = tern_window_get_property;
  object_class->set_property = tern_window_set_property;
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
  gtk_widget_class_bind_template_child (widget_class, TernWindow, reader);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, action_bar);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, sort_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, move_button);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, move_popover);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, move_search);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, move_list);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, results_view);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, message_scroller);
  gtk_widget_class_bind_template_child (widget_class, TernWindow, results_scroller);
  gtk_widget_class_bind_template_callback (widget_class, go_back);
  gtk_widget_class_bind_template_callback (widget_class, move_popover_shown);
  gtk_widget_class_bind_template_callback (widget_class, move_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, move_search_activated);
  gtk_widget_class_bind_template_callback (widget_class, move_search_stopped);
  gtk_widget_class_bind_template_callback (widget_class, move_list_activated);
  gtk_widget_class_bind_template_callback (widget_class, search_changed);
  gtk_widget_class_bind_template_callback (widget_class, search_closed);
  gtk_widget_class_bind_template_callback (widget_class, search_focus_results);
  gtk_widget_class_bind_template_callback (widget_class, result_activated);

  /* The open folder's view, as stateful actions for the sort menu. */
  properties[PROP_SORT_BY] =
    g_param_spec_string ("sort-by", NULL, NULL, "date",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SORT_ORDER] =
    g_param_spec_string ("sort-order", NULL, NULL, "descending",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_THREADED] =
    g_param_spec_boolean ("threaded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_install_property_action (widget_class, "win.sort-by", "sort-by");
  gtk_widget_class_install_property_action (widget_class, "win.sort-order", "sort-order");
  gtk_widget_class_install_property_action (widget_class, "win.threaded", "threaded");

  gtk_widget_class_install_action (widget_class, "win.mark-read", NULL, selection_action);
  gtk_widget_class_install_action (widget_class, "win.mark-unread", NULL, selection_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-read", NULL, selection_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-flag", NULL, selection_action);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, selection_action);
  gtk_widget_class_install_action (widget_class, "win.archive", NULL, selection_action);
  gtk_widget_class_install_action (widget_class, "win.move", NULL, move_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.next-message", NULL, step_message);
  gtk_widget_class_install_action (widget_class, "win.previous-message", NULL, step_message);

  /* With a modifier, anywhere in the window; single keys outside text
   * fields only (single_key). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.toggle-read",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_M, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.move", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK, "win.delete",
                                       NULL);
  {
    static const struct
    {
      guint key;
      const char *action;
    } keys[] = {
      { GDK_KEY_Delete, "win.delete" },  { GDK_KEY_KP_Delete, "win.delete" },
      { GDK_KEY_a, "win.archive" },      { GDK_KEY_e, "win.archive" },
      { GDK_KEY_s, "win.toggle-flag" },  { GDK_KEY_exclam, "win.toggle-flag" },
      { GDK_KEY_m, "win.toggle-read" },  { GDK_KEY_v, "win.move" },
      { GDK_KEY_j, "win.next-message" }, { GDK_KEY_k, "win.previous-message" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      gtk_widget_class_add_binding (widget_class, keys[i].key, 0, single_key, "s", keys[i].action);
    gtk_widget_class_add_binding (widget_class, GDK_KEY_exclam, GDK_SHIFT_MASK, single_key, "s",
                                  "win.toggle-flag");
  }

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  /* The reader has Ctrl+U while it has the focus; this is the same from the
   * list. */
  gtk_widget_class_install_action (widget_class, "win.view-source", NULL, view_source_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "win.view-source",
                                       NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F6, 0, cycle_panes, "i", 1);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F6, GDK_SHIFT_MASK, cycle_panes, "i", -1);
}

static void
window_mapped (GtkWidget *widget)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  g_autofree char *note =
    g_strconcat ("renderer=", renderer != NULL ? G_OBJECT_TYPE_NAME (renderer) : "none", NULL);

  tern_paint_mark_note (note);
  tern_paint_mark_after_paint (widget, "window");
  tern_paint_marks_watch_frames (widget, 10);
}

static void
tern_window_init (TernWindow *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->panes = g_ptr_array_new_with_free_func ((GDestroyNotify) pane_kill);
  self->settings = g_settings_new (APP_ID);
  g_signal_connect (self->settings, "changed::cache-size-limit", G_CALLBACK (cache_limit_changed),
                    self);
  if (tern_paint_marks_enabled ())
    g_signal_connect (self, "map", G_CALLBACK (window_mapped), NULL);

  self->message_selection = gtk_multi_selection_new (NULL);
  g_signal_connect (factory, "setup", G_CALLBACK (message_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (message_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (message_unbind), NULL);
  gtk_list_view_set_factory (self->message_view, factory);
  gtk_list_view_set_model (self->message_view, GTK_SELECTION_MODEL (self->message_selection));
  g_signal_connect_swapped (self->message_view, "activate", G_CALLBACK (message_activated), self);
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (message_clicked), self);
  gtk_widget_add_controller (GTK_WIDGET (self->message_view), GTK_EVENT_CONTROLLER (click));
  g_signal_connect_swapped (self->message_selection, "selection-changed",
                            G_CALLBACK (selection_changed), self);
  g_signal_connect_swapped (self->message_selection, "items-changed", G_CALLBACK (messages_changed),
                            self);
  self->reselect = GTK_INVALID_LIST_POSITION;
  g_signal_connect_swapped (self->reader, "message-shown", G_CALLBACK (message_shown), self);

  self->sort = TERN_STORE_SORT_DATE;
  self->descending = TRUE;
  self->move_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->move_names = gtk_string_list_new (NULL);
  self->move_filter =
    gtk_string_filter_new (gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_string_filter_set_match_mode (self->move_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->move_filter, TRUE);
  self->move_selection = gtk_single_selection_new (
    G_LIST_MODEL (gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->move_names)),
                                             GTK_FILTER (g_object_ref (self->move_filter)))));
  gtk_single_selection_set_autoselect (self->move_selection, TRUE);
  {
    g_autoptr (GtkListItemFactory) move_factory = gtk_signal_list_item_factory_new ();
    GtkEventController *keys = gtk_event_controller_key_new ();

    g_signal_connect (move_factory, "setup", G_CALLBACK (move_setup), NULL);
    g_signal_connect (move_factory, "bind", G_CALLBACK (move_bind), NULL);
    gtk_list_view_set_factory (self->move_list, move_factory);
    gtk_list_view_set_model (self->move_list, GTK_SELECTION_MODEL (self->move_selection));
    g_signal_connect (keys, "key-pressed", G_CALLBACK (move_search_key), self);
    gtk_widget_add_controller (GTK_WIDGET (self->move_search), keys);
  }
  self->results = tern_search_results_new ();
  self->results_selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->results)));
  gtk_single_selection_set_autoselect (self->results_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->results_selection, TRUE);
  self->search_syncs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect_swapped (self->results, "status-changed", G_CALLBACK (results_status_changed),
                            self);
  g_signal_connect (self, "folder-synced", G_CALLBACK (search_folder_synced), NULL);
  {
    g_autoptr (GtkListItemFactory) results_factory = gtk_signal_list_item_factory_new ();

    g_signal_connect (results_factory, "setup", G_CALLBACK (result_setup), NULL);
    g_signal_connect (results_factory, "bind", G_CALLBACK (result_bind), NULL);
    g_signal_connect (results_factory, "unbind", G_CALLBACK (result_unbind), NULL);
    gtk_list_view_set_factory (self->results_view, results_factory);
    gtk_list_view_set_model (self->results_view, GTK_SELECTION_MODEL (self->results_selection));
  }
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    g_signal_connect (keys, "key-pressed", G_CALLBACK (results_key), self);
    gtk_widget_add_controller (GTK_WIDGET (self->results_view), keys);
  }
  update_actions (self);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  tern_window_reload_accounts (self);
}

static void
present_now (TernWindow *self)
{
  if (!self->present_waiting)
    return;
  self->present_waiting = FALSE;
  g_clear_handle_id (&self->present_timeout, g_source_remove);
  gtk_window_present (GTK_WINDOW (self));
  if (self->messages != NULL && !tern_message_list_get_loading (self->messages))
    connect_after_next_frame (self);
}

static gboolean
present_timed_out (gpointer user_data)
{
  TernWindow *self = user_data;

  self->present_timeout = 0;
  present_now (self);
  return G_SOURCE_REMOVE;
}

/* While the caches are read, the main thread is free: the window measures
 * itself (styles, text) and the icon theme loads the folder icons now
 * rather than in the first frame. */
static gboolean
prepare_idle (gpointer user_data)
{
  TernWindow *self = user_data;
  GtkIconTheme *theme;
  int width, height, min, nat;

  if (!self->present_waiting)
    return G_SOURCE_REMOVE;
  gtk_widget_measure (GTK_WIDGET (self), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  gtk_widget_measure (GTK_WIDGET (self), GTK_ORIENTATION_VERTICAL, MAX (width, min), &min, &nat,
                      NULL, NULL);
  theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  for (TernFolderRole role = TERN_FOLDER_ROLE_NONE; role <= TERN_FOLDER_ROLE_FLAGGED; role++)
    g_object_unref (gtk_icon_theme_lookup_icon (theme, tern_folder_role_icon_name (role), NULL, 16,
                                                gtk_widget_get_scale_factor (GTK_WIDGET (self)),
                                                GTK_TEXT_DIR_NONE, 0));
  return G_SOURCE_REMOVE;
}

/**
 * tern_window_present_when_ready:
 * @max_wait_ms: how long the window may wait
 *
 * Presents the window once the folder it opens with has its first rows
 * read, so that its first frame shows them: painting the list for the first
 * time is the most expensive frame there is (40 to 80 ms without a GPU),
 * and done after the window's first frame it is a stall. Waits at most
 * @max_wait_ms, and not at all without accounts.
 */
void
tern_window_present_when_ready (TernWindow *self, guint max_wait_ms)
{
  if (self->present_waiting)
    return;
  if (self->panes->len == 0 || gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      gtk_window_present (GTK_WINDOW (self));
      return;
    }
  self->present_waiting = TRUE;
  self->present_timeout = g_timeout_add (max_wait_ms, present_timed_out, self);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, prepare_idle, g_object_ref (self), g_object_unref);
}

TernWindow *
tern_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (TERN_TYPE_WINDOW, "application", application, NULL);
}
