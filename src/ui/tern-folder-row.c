/* tern-folder-row.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernFolderRow: one folder in the sidebar: its icon by role, its name and
 * its unread count, kept up to date through the folder's notifications, and
 * an accessible label a screen reader speaks ("Inbox, 12 unread"). The
 * label is also put on the list item that holds the row, since that is
 * what has the keyboard focus.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-folder-row.h"

struct _TernFolderRow
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkImage *icon;
  GtkLabel *name_label;
  GtkLabel *unread_label;

  /* owned */
  TernFolder *folder;
  char *label; /* the accessible label last set */
  GSignalGroup *folder_signals;
};

G_DEFINE_FINAL_TYPE (TernFolderRow, tern_folder_row, GTK_TYPE_WIDGET)

const char *
tern_folder_role_icon_name (TernFolderRole role)
{
  switch (role)
    {
    case TERN_FOLDER_ROLE_INBOX:
      return "mail-unread-symbolic";
    case TERN_FOLDER_ROLE_DRAFTS:
      return "document-edit-symbolic";
    case TERN_FOLDER_ROLE_SENT:
      return "mail-send-symbolic";
    case TERN_FOLDER_ROLE_TRASH:
      return "user-trash-symbolic";
    case TERN_FOLDER_ROLE_JUNK:
      return "mail-mark-junk-symbolic";
    case TERN_FOLDER_ROLE_ARCHIVE:
      return "package-x-generic-symbolic";
    case TERN_FOLDER_ROLE_FLAGGED:
      return "starred-symbolic";
    case TERN_FOLDER_ROLE_ALL:
    case TERN_FOLDER_ROLE_NONE:
    default:
      return "folder-symbolic";
    }
}

/* The name a person knows a special folder by, whatever the server calls it;
 * other folders keep their own name. */
const char *
tern_folder_row_display_name (TernFolder *folder)
{
  /* Only a top-level special folder is renamed: "Projects/Sent" is the
   * user's own folder even when a server marks it. */
  if (tern_folder_get_role (folder) != TERN_FOLDER_ROLE_INBOX &&
      g_strcmp0 (tern_folder_get_name (folder), tern_folder_get_path (folder)) != 0)
    return tern_folder_get_name (folder);
  switch (tern_folder_get_role (folder))
    {
    case TERN_FOLDER_ROLE_INBOX:
      return _ ("Inbox");
    case TERN_FOLDER_ROLE_DRAFTS:
      return C_ ("folder name", "Drafts");
    case TERN_FOLDER_ROLE_SENT:
      return C_ ("folder name", "Sent");
    case TERN_FOLDER_ROLE_ARCHIVE:
      return C_ ("folder name", "Archive");
    case TERN_FOLDER_ROLE_JUNK:
      return C_ ("folder name", "Junk");
    case TERN_FOLDER_ROLE_TRASH:
      return C_ ("folder name", "Trash");
    default:
      return tern_folder_get_name (folder);
    }
}

#define display_name tern_folder_row_display_name

static void
update (TernFolderRow *self)
{
  g_autofree char *count = NULL;
  g_autofree char *label = NULL;
  const char *icon;
  GtkWidget *item;
  guint unread;

  if (self->folder == NULL)
    return;

  unread = tern_folder_get_unread (self->folder);
  icon = tern_folder_role_icon_name (tern_folder_get_role (self->folder));
  /* The folder notifies on every sync; setting the same icon again would
   * measure and draw the whole sidebar again. */
  if (g_strcmp0 (gtk_image_get_icon_name (self->icon), icon) != 0)
    gtk_image_set_from_icon_name (self->icon, icon);
  gtk_label_set_label (self->name_label, display_name (self->folder));
  count = g_strdup_printf ("%u", unread);
  gtk_label_set_label (self->unread_label, count);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);

  if (unread > 0)
    /* Translators: a folder in the sidebar as a screen reader says it,
     * e.g. "Inbox, 12 unread". */
    label = g_strdup_printf (ngettext ("%s, %u unread", "%s, %u unread", unread),
                             display_name (self->folder), unread);
  else
    label = g_strdup (display_name (self->folder));
  if (g_strcmp0 (label, self->label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  /* The list item widget (the expander's parent) is what has the focus. */
  for (item = gtk_widget_get_parent (GTK_WIDGET (self)); item != NULL;
       item = gtk_widget_get_parent (item))
    if (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (item)) ==
          GTK_ACCESSIBLE_ROLE_LIST_ITEM ||
        gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (item)) == GTK_ACCESSIBLE_ROLE_ROW)
      {
        gtk_accessible_update_property (GTK_ACCESSIBLE (item), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                        -1);
        break;
      }
}

TernFolder *
tern_folder_row_get_folder (TernFolderRow *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER_ROW (self), NULL);

  return self->folder;
}

void
tern_folder_row_set_folder (TernFolderRow *self, TernFolder *folder)
{
  g_return_if_fail (TERN_IS_FOLDER_ROW (self));
  g_return_if_fail (folder == NULL || TERN_IS_FOLDER (folder));

  if (!g_set_object (&self->folder, folder))
    return;
  g_signal_group_set_target (self->folder_signals, folder);
  g_clear_pointer (&self->label, g_free);
  update (self);
}

static void
tern_folder_row_dispose (GObject *object)
{
  TernFolderRow *self = TERN_FOLDER_ROW (object);

  g_signal_group_set_target (self->folder_signals, NULL);
  g_clear_object (&self->folder);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_FOLDER_ROW);

  G_OBJECT_CLASS (tern_folder_row_parent_class)->dispose (object);
}

static void
tern_folder_row_finalize (GObject *object)
{
  TernFolderRow *self = TERN_FOLDER_ROW (object);

  g_clear_object (&self->folder_signals);
  g_free (self->label);

  G_OBJECT_CLASS (tern_folder_row_parent_class)->finalize (object);
}

static void
tern_folder_row_class_init (TernFolderRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_folder_row_dispose;
  object_class->finalize = tern_folder_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-folder-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TernFolderRow, icon);
  gtk_widget_class_bind_template_child (widget_class, TernFolderRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, TernFolderRow, unread_label);
}

static void
tern_folder_row_init (TernFolderRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->folder_signals = g_signal_group_new (TERN_TYPE_FOLDER);
  g_signal_group_connect_swapped (self->folder_signals, "notify", G_CALLBACK (update), self);
}

GtkWidget *
tern_folder_row_new (void)
{
  return g_object_new (TERN_TYPE_FOLDER_ROW, NULL);
}
