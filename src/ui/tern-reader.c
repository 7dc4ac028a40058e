/* tern-reader.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernReader: the reading pane. It loads one message through the account's
 * synchronizer (text parts fetched on demand, DESIGN decision 8) and shows
 * its headers, attachments (TernAttachmentRow) and body: HTML in a
 * TernHtmlView with remote content blocked until allowed for the message or
 * its sender (decision 9), plain text in a text view with quoted lines
 * indented and links that open in the browser. While loading it shows a
 * spinner, and a failure in words with what to do. View Source is the
 * action reader.view-source (Ctrl+U inside the reader).
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "mime/tern-mime-text.h"
#include "sync/tern-sync-session.h"
#include "tern-attachment-row.h"
#include "tern-html-view.h"
#include "tern-reader.h"
#include "tern-source-window.h"
#include "tern-webkit-loader.h"

/* Deeper quotes are shown as deep as this. */
#define MAX_QUOTE_DEPTH 4

struct _TernReader
{
  AdwBin parent_instance;

  /* template widgets */
  GtkStack *stack;
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
  GtkLabel *subject_label;
  GtkLabel *from_label;
  GtkLabel *to_label;
  GtkLabel *date_label;
  GtkScrolledWindow *attachments_scroller;
  GtkBox *attachments_box;
  GtkWidget *remote_bar;
  GtkButton *always_button;
  GtkLabel *always_label;
  GtkStack *body_stack;
  GtkTextView *text_view;
  TernHtmlView *html_view;

  /* owned */
  GCancellable *cancellable;
  GSettings *settings;
  TernAccount *account;
  char *folder;
  char *sender;
  char *subject;
  guint32 uid;
};

G_DEFINE_FINAL_TYPE (TernReader, tern_reader, ADW_TYPE_BIN)

enum
{
  SIGNAL_MESSAGE_SHOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
format_address (const char *name, const char *address)
{
  if (name != NULL && *name != '\0' && address != NULL && *address != '\0')
    return g_strdup_printf ("%s <%s>", name, address);
  if (address != NULL && *address != '\0')
    return g_strdup (address);
  return g_strdup (name != NULL ? name : "");
}

/* Quoted lines ("> ", "> > ", ">>") indented and dimmed by depth. */
static guint
quote_depth (const char *line, const char *end)
{
  guint depth = 0;

  for (const char *p = line; p < end; p++)
    {
      if (*p == '>')
        depth++;
      else if (*p != ' ' && *p != '\t')
        break;
    }
  return MIN (depth, MAX_QUOTE_DEPTH);
}

static GRegex *
link_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("\\b(?:https?://|mailto:)[^\\s<>\"]+", G_REGEX_CASELESS, 0, NULL);

      g_once_init_leave (&regex, r);
    }
  return regex;
}

static void
tag_links (GtkTextBuffer *buffer, const char *text)
{
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match (link_regex (), text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start, end;

      if (g_match_info_fetch_pos (match, 0, &start, &end))
        {
          GtkTextIter s, e;

          /* Sentence punctuation after a URL is not part of it. */
          while (end > start && strchr (".,;:!?)]}'", text[end - 1]) != NULL)
            end--;
          gtk_text_buffer_get_iter_at_offset (buffer, &s,
                                              (int) g_utf8_pointer_to_offset (text, text + start));
          gtk_text_buffer_get_iter_at_offset (buffer, &e,
                                              (int) g_utf8_pointer_to_offset (text, text + end));
          gtk_text_buffer_apply_tag_by_name (buffer, "link", &s, &e);
        }
      g_match_info_next (match, NULL);
    }
}

static void
set_plain_text (TernReader *self, const char *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  const char *line = text;
  GtkTextIter iter;

  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_text_buffer_get_start_iter (buffer, &iter);
  while (*line != '\0')
    {
      const char *end = strchr (line, '\n');
      const char *next;
      guint depth;

      if (end == NULL)
        end = line + strlen (line);
      next = *end == '\n' ? end + 1 : end;
      depth = quote_depth (line, end);
      if (depth > 0)
        {
          g_autofree char *name = g_strdup_printf ("quote-%u", depth);

          gtk_text_buffer_insert_with_tags_by_name (buffer, &iter, line, (int) (next - line), name,
                                                    NULL);
        }
      else
        gtk_text_buffer_insert (buffer, &iter, line, (int) (next - line));
      line = next;
    }
  tag_links (buffer, text);
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_place_cursor (buffer, &iter);
}

/* The link under @iter, or NULL. */
static char *
link_at (TernReader *self, const GtkTextIter *iter)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "link");
  GtkTextIter start = *iter, end = *iter;

  if (!gtk_text_iter_has_tag (iter, tag))
    return NULL;
  if (!gtk_text_iter_starts_tag (&start, tag))
    gtk_text_iter_backward_to_tag_toggle (&start, tag);
  gtk_text_iter_forward_to_tag_toggle (&end, tag);
  return gtk_text_iter_get_text (&start, &end);
}

static void
open_uri (TernReader *self, const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static void
text_released (GtkGestureClick *gesture, int n_press, double x, double y, TernReader *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autofree char *uri = NULL;
  GtkTextIter iter;
  int bx, by;

  if (gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture)) != GDK_BUTTON_PRIMARY ||
      gtk_text_buffer_get_has_selection (buffer))
    return;
  gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y,
                                         &bx, &by);
  if (!gtk_text_view_get_iter_at_location (self->text_view, &iter, bx, by))
    return;
  uri = link_at (self, &iter);
  if (uri != NULL)
    open_uri (self, uri);
}

static gboolean
text_key_pressed (GtkEventControllerKey *controller,
                  guint keyval,
                  guint keycode,
                  GdkModifierType state,
                  TernReader *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autofree char *uri = NULL;
  GtkTextIter iter;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_insert (buffer));
  uri = link_at (self, &iter);
  if (uri == NULL)
    return FALSE;
  open_uri (self, uri);
  return TRUE;
}

static void
text_motion (GtkEventControllerMotion *controller, double x, double y, TernReader *self)
{
  GtkTextIter iter;
  gboolean over_link = FALSE;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (self->text_view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y,
                                         &bx, &by);
  if (gtk_text_view_get_iter_at_location (self->text_view, &iter, bx, by))
    {
      g_autofree char *uri = link_at (self, &iter);

      over_link = uri != NULL;
    }
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->text_view), over_link ? "pointer" : "text");
}

static gboolean
remote_allowed_for (TernReader *self, const char *sender)
{
  g_auto (GStrv) senders = NULL;
  g_autofree char *policy = g_settings_get_string (self->settings, "remote-content");

  if (g_strcmp0 (policy, "always") == 0)
    return TRUE;
  if (sender == NULL || *sender == '\0')
    return FALSE;
  senders = g_settings_get_strv (self->settings, "remote-content-senders");
  return g_strv_contains ((const char *const *) senders, sender);
}

static void
update_remote_bar (TernReader *self)
{
  gboolean blocked = tern_reader_get_has_message (self) &&
                     g_strcmp0 (gtk_stack_get_visible_child_name (self->body_stack), "html") == 0 &&
                     tern_html_view_get_remote_blocked (self->html_view);

  gtk_widget_set_visible (self->remote_bar, blocked);
}

static void
show_once_clicked (TernReader *self)
{
  tern_html_view_allow_remote (self->html_view);
  gtk_widget_grab_focus (tern_html_view_get_focus_target (self->html_view));
}

static void
always_clicked (TernReader *self)
{
  g_auto (GStrv) senders = NULL;

  if (self->sender == NULL)
    return;
  senders = g_settings_get_strv (self->settings, "remote-content-senders");
  if (!g_strv_contains ((const char *const *) senders, self->sender))
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_auto (GStrv) updated = NULL;

      g_strv_builder_addv (builder, (const char **) senders);
      g_strv_builder_add (builder, self->sender);
      updated = g_strv_builder_end (builder);
      g_settings_set_strv (self->settings, "remote-content-senders", (const char *const *) updated);
    }
  show_once_clicked (self);
}

static void
show_message (TernReader *self, TernSyncMessage *message)
{
  TernStoreSummary *summary = message->summary;
  TernSyncSession *session = tern_account_get_sync_session (self->account);
  g_autofree char *from = NULL;
  g_autofree char *date = NULL;
  GtkWidget *child;

  from = format_address (summary->from_name, summary->from_addr);
  if (summary->date > 0)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_local (summary->date);

      date = dt != NULL ? g_date_time_format (dt, "%c") : NULL;
    }
  g_free (self->subject);
  self->subject = g_strdup (summary->subject);
  g_free (self->sender);
  self->sender = summary->from_addr != NULL && *summary->from_addr != '\0'
                   ? g_utf8_strdown (summary->from_addr, -1)
                   : NULL;
  gtk_label_set_label (self->subject_label, summary->subject != NULL && *summary->subject != '\0'
                                              ? summary->subject
                                              : _ ("(No Subject)"));
  gtk_label_set_label (self->from_label, from);
  gtk_label_set_label (self->to_label, summary->to != NULL ? summary->to : "");
  gtk_label_set_label (self->date_label, date != NULL ? date : "");

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attachments_box))) != NULL)
    gtk_box_remove (self->attachments_box, child);
  for (guint i = 0;
       session != NULL && message->attachments != NULL && i < message->attachments->len; i++)
    gtk_box_append (self->attachments_box,
                    tern_attachment_row_new (session, self->folder, self->uid,
                                             g_ptr_array_index (message->attachments, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->attachments_scroller),
                          message->attachments != NULL && message->attachments->len > 0);

  if (self->sender != NULL)
    {
      g_autofree char *text = g_strdup_printf (_ ("Always Show From %s"), self->sender);

      gtk_label_set_label (self->always_label, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->always_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->always_button), self->sender != NULL);

  if (message->html != NULL && session != NULL)
    {
      set_plain_text (self, "");
      tern_html_view_load (self->html_view, session, self->folder, self->uid, message->html,
                           message->inline_parts, remote_allowed_for (self, self->sender));
      gtk_stack_set_visible_child_name (self->body_stack, "html");
    }
  else
    {
      tern_html_view_clear (self->html_view);
      set_plain_text (self, message->text != NULL ? message->text : "");
      gtk_stack_set_visible_child_name (self->body_stack, "text");
    }
  gtk_stack_set_visible_child_name (self->stack, "message");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.view-source", TRUE);
  update_remote_bar (self);
  g_signal_emit (self, signals[SIGNAL_MESSAGE_SHOWN], 0);
}

/**
 * tern_reader_view_source:
 *
 * Opens a window with the source of the message shown; nothing when no
 * message is shown.
 */
void
tern_reader_view_source (TernReader *self)
{
  GtkRoot *root;
  GtkWidget *window;

  g_return_if_fail (TERN_IS_READER (self));

  if (!tern_reader_get_has_message (self) || self->account == NULL)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  window = tern_source_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->account,
                                   self->folder, self->uid, self->subject);
  gtk_window_present (GTK_WINDOW (window));
}

static void
view_source_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  tern_reader_view_source (TERN_READER (widget));
}

typedef struct
{
  TernReader *reader;
  GCancellable *cancellable;
} MessageLoad;

static void
message_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MessageLoad *load = user_data;
  g_autoptr (TernReader) self = load->reader;
  g_autoptr (GCancellable) cancellable = load->cancellable;
  g_autoptr (TernSyncMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  g_free (load);
  message = tern_sync_session_load_message_finish (TERN_SYNC_SESSION (source), result, &error);
  /* A newer load (or none) replaced this one. */
  if (g_cancellable_is_cancelled (cancellable) || cancellable != self->cancellable)
    return;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (message == NULL)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_ ("%s. Check the connection and try again."), error->message);
      adw_status_page_set_description (self->error_page, text);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  show_message (self, message);
}

void
tern_reader_clear (TernReader *self)
{
  g_return_if_fail (TERN_IS_READER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->uid = 0;
  g_clear_object (&self->account);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->subject, g_free);
  tern_html_view_clear (self->html_view);
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "none");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.view-source", FALSE);
  update_remote_bar (self);
}

void
tern_reader_load (TernReader *self, TernAccount *account, const char *folder_path, guint32 uid)
{
  TernSyncSession *session;
  MessageLoad *load;

  g_return_if_fail (TERN_IS_READER (self));
  g_return_if_fail (TERN_IS_ACCOUNT (account));
  g_return_if_fail (folder_path != NULL);

  tern_reader_clear (self);
  session = tern_account_get_sync_session (account);
  if (session == NULL)
    return;
  self->uid = uid;
  self->account = g_object_ref (account);
  self->folder = g_strdup (folder_path);
  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_set_spinning (self->spinner, TRUE);

  load = g_new0 (MessageLoad, 1);
  load->reader = g_object_ref (self);
  load->cancellable = g_object_ref (self->cancellable);
  tern_sync_session_load_message_async (session, folder_path, uid, self->cancellable,
                                        message_loaded, load);
  /* Most mail has HTML: WebKit loads while the message is fetched. */
  tern_webkit_loader_preload ();
}

gboolean
tern_reader_get_has_message (TernReader *self)
{
  g_return_val_if_fail (TERN_IS_READER (self), FALSE);

  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "message") == 0;
}

GtkWidget *
tern_reader_get_focus_target (TernReader *self)
{
  g_return_val_if_fail (TERN_IS_READER (self), NULL);

  if (!tern_reader_get_has_message (self))
    return NULL;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->body_stack), "html") == 0)
    return tern_html_view_get_focus_target (self->html_view);
  return GTK_WIDGET (self->text_view);
}

guint32
tern_reader_get_uid (TernReader *self)
{
  g_return_val_if_fail (TERN_IS_READER (self), 0);

  return self->uid;
}

GtkWidget *
tern_reader_new (void)
{
  return g_object_new (TERN_TYPE_READER, NULL);
}

static void
tern_reader_dispose (GObject *object)
{
  TernReader *self = TERN_READER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->account);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->subject, g_free);
  /* The bin's child is a template child: unparented once, here, rather
   * than again by AdwBin after the template let it go. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_READER);

  G_OBJECT_CLASS (tern_reader_parent_class)->dispose (object);
}

static void
tern_reader_class_init (TernReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_reader_dispose;

  /**
   * TernReader::message-shown:
   *
   * The message being loaded is now shown.
   */
  signals[SIGNAL_MESSAGE_SHOWN] =
    g_signal_new ("message-shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-reader.ui");
  gtk_widget_class_bind_template_child (widget_class, TernReader, stack);
  gtk_widget_class_bind_template_child (widget_class, TernReader, spinner);
  gtk_widget_class_bind_template_child (widget_class, TernReader, error_page);
  gtk_widget_class_bind_template_child (widget_class, TernReader, subject_label);
  gtk_widget_class_bind_template_child (widget_class, TernReader, from_label);
  gtk_widget_class_bind_template_child (widget_class, TernReader, to_label);
  gtk_widget_class_bind_template_child (widget_class, TernReader, date_label);
  gtk_widget_class_bind_template_child (widget_class, TernReader, attachments_scroller);
  gtk_widget_class_bind_template_child (widget_class, TernReader, attachments_box);
  gtk_widget_class_bind_template_child (widget_class, TernReader, remote_bar);
  gtk_widget_class_bind_template_child (widget_class, TernReader, always_button);
  gtk_widget_class_bind_template_child (widget_class, TernReader, always_label);
  gtk_widget_class_bind_template_child (widget_class, TernReader, body_stack);
  gtk_widget_class_bind_template_child (widget_class, TernReader, text_view);
  gtk_widget_class_bind_template_child (widget_class, TernReader, html_view);
  gtk_widget_class_bind_template_callback (widget_class, show_once_clicked);
  gtk_widget_class_bind_template_callback (widget_class, always_clicked);

  gtk_widget_class_install_action (widget_class, "reader.view-source", NULL, view_source_action);
}

static void
remote_blocked_changed (TernReader *self)
{
  update_remote_bar (self);
}

static void
tern_reader_init (TernReader *self)
{
  GtkTextBuffer *buffer;
  GtkEventController *controller;
  GtkGesture *gesture;

  g_type_ensure (TERN_TYPE_HTML_VIEW);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (APP_ID);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "reader.view-source", FALSE);
  g_signal_connect_object (self->html_view, "notify::remote-blocked",
                           G_CALLBACK (remote_blocked_changed), self, G_CONNECT_SWAPPED);

  buffer = gtk_text_view_get_buffer (self->text_view);
  for (guint depth = 1; depth <= MAX_QUOTE_DEPTH; depth++)
    {
      g_autofree char *name = g_strdup_printf ("quote-%u", depth);

      /* Dimmed by alpha so that it works on light and dark backgrounds. */
      gtk_text_buffer_create_tag (buffer, name, "left-margin", 12 + 16 * (int) depth,
                                  "foreground-rgba",
                                  &(GdkRGBA){ 0.47, 0.47, 0.5, 1.0 - 0.08 * depth }, NULL);
    }
  /* Created last, so that its colour wins over a quote's. */
  gtk_text_buffer_create_tag (buffer, "link", "underline", PANGO_UNDERLINE_SINGLE, "foreground",
                              "#3584e4", NULL);

  /* Ctrl+U in the capture phase: the web view would take it otherwise. */
  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_u,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_named_action_new (
                                                            "reader.view-source")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "released", G_CALLBACK (text_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), GTK_EVENT_CONTROLLER (gesture));
  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (text_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), controller);
  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (text_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), controller);
}
