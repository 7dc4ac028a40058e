/* tern-search-bar.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernSearchBar: the search bar over the message list: a search entry for
 * the query language (TernSearchQuery), the scope (this folder, all folders
 * of the account, all accounts) and a status line under them. It only
 * tells what was asked ("changed", "closed") and where the focus should go
 * ("focus-results": Down or Enter in the entry); the window runs the search.
 * Escape in the entry clears and closes it.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-search-bar.h"

struct _TernSearchBar
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkSearchBar *search_bar;
  GtkSearchEntry *entry;
  GtkDropDown *scope;
  GtkLabel *status_label;
};

enum
{
  CHANGED,
  CLOSED,
  FOCUS_RESULTS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TernSearchBar, tern_search_bar, GTK_TYPE_WIDGET)

static void
entry_changed (TernSearchBar *self)
{
  if (gtk_search_bar_get_search_mode (self->search_bar))
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
entry_activated (TernSearchBar *self)
{
  g_signal_emit (self, signals[FOCUS_RESULTS], 0);
}

/* GTK 4.8 names the drop-down's button after its class: name it after
 * what it chooses, and what is chosen. */
static void
update_scope_label (TernSearchBar *self)
{
  GtkWidget *button = gtk_widget_get_first_child (GTK_WIDGET (self->scope));
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->scope);
  g_autofree char *label = NULL;

  if (button == NULL || item == NULL)
    return;
  /* Translators: the search scope button's name: "Search In: This folder". */
  label = g_strdup_printf (_ ("Search In: %s"), gtk_string_object_get_string (item));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static void
scope_changed (TernSearchBar *self)
{
  update_scope_label (self);
  if (gtk_search_bar_get_search_mode (self->search_bar))
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
search_mode_changed (TernSearchBar *self)
{
  /* Hidden, not only folded away: out of the accessible tree too. */
  gtk_widget_set_visible (GTK_WIDGET (self), gtk_search_bar_get_search_mode (self->search_bar));
  if (gtk_search_bar_get_search_mode (self->search_bar))
    return;
  /* Escape (GtkSearchBar closes itself) or tern_search_bar_close(). */
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  tern_search_bar_set_status (self, NULL, FALSE);
  g_signal_emit (self, signals[CLOSED], 0);
}

static gboolean
entry_key (GtkEventControllerKey *controller,
           guint keyval,
           guint keycode,
           GdkModifierType state,
           TernSearchBar *self)
{
  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;
  g_signal_emit (self, signals[FOCUS_RESULTS], 0);
  return TRUE;
}

void
tern_search_bar_open (TernSearchBar *self)
{
  g_return_if_fail (TERN_IS_SEARCH_BAR (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  tern_search_bar_focus_entry (self);
}

void
tern_search_bar_focus_entry (TernSearchBar *self)
{
  g_return_if_fail (TERN_IS_SEARCH_BAR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

void
tern_search_bar_close (TernSearchBar *self)
{
  g_return_if_fail (TERN_IS_SEARCH_BAR (self));

  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

gboolean
tern_search_bar_get_open (TernSearchBar *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_BAR (self), FALSE);

  return gtk_search_bar_get_search_mode (self->search_bar);
}

const char *
tern_search_bar_get_text (TernSearchBar *self)
{
  g_return_val_if_fail (TERN_IS_SEARCH_BAR (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

TernSearchScope
tern_search_bar_get_scope (TernSearchBar *self)
{
  guint selected;

  g_return_val_if_fail (TERN_IS_SEARCH_BAR (self), TERN_SEARCH_SCOPE_FOLDER);

  selected = gtk_drop_down_get_selected (self->scope);
  return selected <= TERN_SEARCH_SCOPE_ALL_ACCOUNTS ? (TernSearchScope) selected
                                                    : TERN_SEARCH_SCOPE_FOLDER;
}

void
tern_search_bar_set_status (TernSearchBar *self, const char *status, gboolean error)
{
  GtkWidget *label;

  g_return_if_fail (TERN_IS_SEARCH_BAR (self));

  label = GTK_WIDGET (self->status_label);
  gtk_label_set_label (self->status_label, status);
  gtk_widget_set_visible (label, status != NULL && *status != '\0');
  /* An error is read in full contrast, progress dimmed. */
  if (error)
    {
      gtk_widget_add_css_class (label, "error");
      gtk_widget_remove_css_class (label, "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (label, "error");
      gtk_widget_add_css_class (label, "dim-label");
    }
}

static void
tern_search_bar_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TERN_TYPE_SEARCH_BAR);

  G_OBJECT_CLASS (tern_search_bar_parent_class)->dispose (object);
}

static void
tern_search_bar_class_init (TernSearchBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_search_bar_dispose;

  /**
   * TernSearchBar::changed:
   *
   * The query or the scope changed while the bar is open (the entry's
   * own short delay included).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
  /**
   * TernSearchBar::closed:
   *
   * The bar was closed and its query cleared.
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 0);
  /**
   * TernSearchBar::focus-results:
   *
   * Down or Enter in the entry: the focus should move to the results.
   */
  signals[FOCUS_RESULTS] = g_signal_new ("focus-results", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-search-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, TernSearchBar, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TernSearchBar, entry);
  gtk_widget_class_bind_template_child (widget_class, TernSearchBar, scope);
  gtk_widget_class_bind_template_child (widget_class, TernSearchBar, status_label);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, scope_changed);
  gtk_widget_class_bind_template_callback (widget_class, search_mode_changed);
}

static void
tern_search_bar_init (TernSearchBar *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* Escape in the entry closes the bar. */
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->entry));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (entry_key), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);
  update_scope_label (self);
}

GtkWidget *
tern_search_bar_new (void)
{
  return g_object_new (TERN_TYPE_SEARCH_BAR, NULL);
}
