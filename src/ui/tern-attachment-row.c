/* tern-attachment-row.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernAttachmentRow: one attachment of the message in the reader, with Open
 * (saved to a private cache file, then given to the default application)
 * and Save… (to a file the person picks). The attachment is fetched only
 * then (DESIGN decision 8), with a progress bar and Cancel; a failure is
 * shown in the row.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tern-attachment-row.h"

struct _TernAttachmentRow
{
  GtkBox parent_instance;

  /* template widgets */
  GtkImage *icon;
  GtkLabel *name_label;
  GtkLabel *detail_label;
  GtkProgressBar *progress_bar;
  GtkLabel *error_label;
  GtkButton *open_button;
  GtkButton *save_button;
  GtkButton *cancel_button;

  /* owned */
  TernSyncSession *session;
  char *folder;
  char *section;
  char *filename;
  char *mime_type;
  char *progress_name;
  GCancellable *cancellable;
  GtkFileChooserNative *chooser;
  guint64 encoded_size;
  guint32 uid;
};

G_DEFINE_FINAL_TYPE (TernAttachmentRow, tern_attachment_row, GTK_TYPE_BOX)

/* A name that is safe as one path component of a private file. */
static char *
safe_filename (const char *name)
{
  g_autofree char *base = NULL;

  if (name == NULL || *name == '\0')
    return g_strdup (_ ("attachment"));
  base = g_path_get_basename (name);
  g_strdelimit (base, "/\\:", '_');
  while (base[0] == '.')
    base[0] = '_';
  if (*base == '\0' || g_str_equal (base, "_") || g_str_equal (base, "__"))
    return g_strdup (_ ("attachment"));
  return g_steal_pointer (&base);
}

static void
set_busy (TernAttachmentRow *self, gboolean busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->open_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), !busy);
  if (busy)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
    }
  else
    {
      /* Keep the focus in the row when the Cancel button goes away. */
      if (gtk_widget_has_focus (GTK_WIDGET (self->cancel_button)))
        gtk_widget_grab_focus (GTK_WIDGET (self->save_button));
      g_clear_object (&self->cancellable);
    }
}

/* Takes @text. */
static void
show_error (TernAttachmentRow *self, char *text)
{
  gtk_label_set_label (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  g_free (text);
}

static void
progress_cb (TernSyncSession *session,
             const char *what,
             guint64 done,
             guint64 total,
             TernAttachmentRow *self)
{
  if (self->cancellable == NULL || g_strcmp0 (what, self->progress_name) != 0)
    return;
  if (total == 0)
    total = self->encoded_size;
  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, MIN (1.0, (double) done / (double) total));
  else
    gtk_progress_bar_pulse (self->progress_bar);
}

typedef struct
{
  TernAttachmentRow *self;
  GFile *file;
  gboolean open;
} Save;

static void
launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernAttachmentRow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    show_error (self, g_strdup_printf (_ ("Could not open “%s”: %s. Save it and open it with "
                                          "another application."),
                                       self->filename, error->message));
}

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Save *save = user_data;
  g_autoptr (TernAttachmentRow) self = save->self;
  g_autoptr (GFile) file = save->file;
  gboolean open = save->open;
  g_autoptr (GError) error = NULL;

  g_free (save);
  if (!tern_sync_session_save_attachment_finish (TERN_SYNC_SESSION (source), result, &error))
    {
      set_busy (self, FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, open ? g_strdup_printf (_ ("Could not open “%s”: %s. Check the "
                                                     "connection and try again."),
                                                  self->filename, error->message)
                               : g_strdup_printf (_ ("Could not save “%s”: %s. Check the "
                                                     "connection and the folder, and try again."),
                                                  self->filename, error->message));
      return;
    }
  set_busy (self, FALSE);
  if (open)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autoptr (GdkAppLaunchContext) context =
        gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));

      g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL, launched,
                                               g_object_ref (self));
    }
  else
    {
      g_autofree char *name = g_file_get_parse_name (file);
      g_autofree char *text = NULL;

      text = g_strdup_printf (_ ("Saved as %s"), name);
      gtk_label_set_label (self->detail_label, text);
    }
}

static void
start_save (TernAttachmentRow *self, GFile *file, gboolean open)
{
  Save *save;

  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();
  save = g_new0 (Save, 1);
  save->self = g_object_ref (self);
  save->file = g_object_ref (file);
  save->open = open;
  tern_sync_session_save_attachment_async (self->session, self->folder, self->uid, self->section,
                                           file, self->cancellable, saved, save);
}

static void
open_clicked (TernAttachmentRow *self)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = safe_filename (self->filename);
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;

  /* A directory of its own per file: names never clash, and nothing else
   * on the machine can read it. */
  dir = g_build_filename (g_get_user_cache_dir (), "tern", "attachments", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      error = g_error_new (G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
      show_error (self, g_strdup_printf (_ ("Could not open “%s”: %s. Check that the cache "
                                            "folder is writable."),
                                         self->filename, error->message));
      return;
    }
  g_free (dir);
  dir = g_build_filename (g_get_user_cache_dir (), "tern", "attachments", "XXXXXX", NULL);
  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      error = g_error_new (G_IO_ERROR, g_io_error_from_errno (errno), "%s", g_strerror (errno));
      show_error (self, g_strdup_printf (_ ("Could not open “%s”: %s. Check that the cache "
                                            "folder is writable."),
                                         self->filename, error->message));
      return;
    }
  file = g_file_new_build_filename (dir, name, NULL);
  start_save (self, file, TRUE);
}

static void
chooser_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  TernAttachmentRow *self = user_data;
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
  if (file != NULL)
    start_save (self, file, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->save_button));
}

static void
save_clicked (TernAttachmentRow *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = safe_filename (self->filename);
  g_autofree char *title = NULL;

  if (self->chooser != NULL)
    return;
  title = g_strdup_printf (_ ("Save “%s”"), self->filename);
  self->chooser =
    gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
cancel_clicked (TernAttachmentRow *self)
{
  g_cancellable_cancel (self->cancellable);
}

GtkWidget *
tern_attachment_row_new (TernSyncSession *session,
                         const char *folder,
                         guint32 uid,
                         const TernMimeAttachment *attachment)
{
  TernAttachmentRow *self;
  g_autoptr (GIcon) icon = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *size = NULL;
  g_autofree char *description = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (TERN_IS_SYNC_SESSION (session), NULL);
  g_return_val_if_fail (folder != NULL && attachment != NULL, NULL);

  self = g_object_new (TERN_TYPE_ATTACHMENT_ROW, NULL);
  self->session = g_object_ref (session);
  self->folder = g_strdup (folder);
  self->uid = uid;
  self->section = g_strdup (attachment->section);
  self->filename = attachment->filename != NULL && *attachment->filename != '\0'
                     ? g_strdup (attachment->filename)
                     : g_strdup (_ ("Unnamed attachment"));
  self->mime_type =
    g_strdup (attachment->mime_type != NULL ? attachment->mime_type : "application/octet-stream");
  self->encoded_size = attachment->encoded_size;
  self->progress_name = g_strdup_printf ("%s/%u/%s", folder, uid, attachment->section);
  g_signal_connect_object (session, "progress", G_CALLBACK (progress_cb), self, 0);

  content_type = g_content_type_from_mime_type (self->mime_type);
  icon = g_content_type_get_symbolic_icon (content_type != NULL ? content_type : self->mime_type);
  gtk_image_set_from_gicon (self->icon, icon);
  gtk_label_set_label (self->name_label, self->filename);
  size = g_format_size (attachment->size);
  description =
    g_content_type_get_description (content_type != NULL ? content_type : self->mime_type);
  /* TRANSLATORS: an attachment's size and type, e.g. "68.6 kB, PDF document" */
  detail = content_type != NULL && !g_content_type_is_unknown (content_type)
             ? g_strdup_printf (_ ("%s, %s"), size, description)
             : g_strdup (size);
  gtk_label_set_label (self->detail_label, detail);

  text = g_strdup_printf (_ ("Open %s"), self->filename);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->open_button), text);
  g_free (text);
  text = g_strdup_printf (_ ("Save %s"), self->filename);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->save_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button), text);
  g_free (text);
  text = g_strdup_printf (_ ("Stop fetching %s"), self->filename);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->cancel_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  g_free (text);
  text = g_strdup_printf (_ ("Fetching %s"), self->filename);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  return GTK_WIDGET (self);
}

static void
tern_attachment_row_dispose (GObject *object)
{
  TernAttachmentRow *self = TERN_ATTACHMENT_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_ATTACHMENT_ROW);

  G_OBJECT_CLASS (tern_attachment_row_parent_class)->dispose (object);
}

static void
tern_attachment_row_finalize (GObject *object)
{
  TernAttachmentRow *self = TERN_ATTACHMENT_ROW (object);

  g_free (self->folder);
  g_free (self->section);
  g_free (self->filename);
  g_free (self->mime_type);
  g_free (self->progress_name);

  G_OBJECT_CLASS (tern_attachment_row_parent_class)->finalize (object);
}

static void
tern_attachment_row_class_init (TernAttachmentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_attachment_row_dispose;
  object_class->finalize = tern_attachment_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-attachment-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, icon);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, open_button);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, save_button);
  gtk_widget_class_bind_template_child (widget_class, TernAttachmentRow, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked);
}

static void
tern_attachment_row_init (TernAttachmentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
