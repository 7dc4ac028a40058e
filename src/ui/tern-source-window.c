/* tern-source-window.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernSourceWindow: a message exactly as the server stores it (View
 * Source), read-only and selectable in a monospace text view. Bytes that
 * are not UTF-8 are shown as replacement characters; a very large message
 * is shown up to SHOW_AT_MOST bytes.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-source-window.h"

/* A text view stays responsive up to about this much text. */
#define SHOW_AT_MOST (8 * 1024 * 1024)

struct _TernSourceWindow
{
  AdwWindow parent_instance;

  /* template widgets */
  AdwWindowTitle *window_title;
  GtkStack *stack;
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
  GtkTextView *text_view;

  /* owned */
  GCancellable *cancellable;
  GOutputStream *stream;
};

G_DEFINE_FINAL_TYPE (TernSourceWindow, tern_source_window, ADW_TYPE_WINDOW)

static void
fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernSourceWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *text = NULL;
  const char *data;
  gsize len;

  if (!tern_account_fetch_raw_finish (TERN_ACCOUNT (source), result, &error))
    {
      g_autofree char *description = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_spinner_set_spinning (self->spinner, FALSE);
      description = g_strdup_printf (_ ("%s. Check the connection and try again."), error->message);
      adw_status_page_set_description (self->error_page, description);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  g_output_stream_close (self->stream, NULL, NULL);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (self->stream));
  data = g_bytes_get_data (bytes, &len);
  text = g_utf8_make_valid (data != NULL ? data : "", MIN (len, SHOW_AT_MOST));
  if (len > SHOW_AT_MOST)
    {
      g_autofree char *size = g_format_size (len);
      g_autofree char *more = NULL;

      more = g_strdup_printf (_ ("\n\n[The message is %s; only the beginning is shown.]\n"), size);
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
      {
        GtkTextIter end;

        gtk_text_buffer_get_end_iter (gtk_text_view_get_buffer (self->text_view), &end);
        gtk_text_buffer_insert (gtk_text_view_get_buffer (self->text_view), &end, more, -1);
      }
    }
  else
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  {
    GtkTextIter start;

    gtk_text_buffer_get_start_iter (gtk_text_view_get_buffer (self->text_view), &start);
    gtk_text_buffer_place_cursor (gtk_text_view_get_buffer (self->text_view), &start);
  }
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "source");
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

GtkWidget *
tern_source_window_new (GtkWindow *parent,
                        TernAccount *account,
                        const char *folder,
                        guint32 uid,
                        const char *subject)
{
  TernSourceWindow *self;

  g_return_val_if_fail (TERN_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (TERN_TYPE_SOURCE_WINDOW, "transient-for", parent, NULL);
  if (subject != NULL && *subject != '\0')
    {
      adw_window_title_set_subtitle (self->window_title, subject);
    }
  self->cancellable = g_cancellable_new ();
  self->stream = g_memory_output_stream_new_resizable ();
  tern_account_fetch_raw_async (account, folder, uid, NULL, self->stream, self->cancellable,
                                fetched, g_object_ref (self));
  return GTK_WIDGET (self);
}

static void
tern_source_window_dispose (GObject *object)
{
  TernSourceWindow *self = TERN_SOURCE_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_SOURCE_WINDOW);

  G_OBJECT_CLASS (tern_source_window_parent_class)->dispose (object);
}

static void
tern_source_window_finalize (GObject *object)
{
  TernSourceWindow *self = TERN_SOURCE_WINDOW (object);

  g_clear_object (&self->stream);

  G_OBJECT_CLASS (tern_source_window_parent_class)->finalize (object);
}

static void
tern_source_window_class_init (TernSourceWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_source_window_dispose;
  object_class->finalize = tern_source_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-source-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TernSourceWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TernSourceWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TernSourceWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TernSourceWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, TernSourceWindow, text_view);
}

static void
tern_source_window_init (TernSourceWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
