/* tern-message-row.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernMessageRow: one message in the message list: sender, subject,
 * relative date, preview, bold while unread, and flag and attachment
 * indicators. It follows its TernMessageSummary's notifications, so a
 * placeholder row fills in when the summary arrives from the cache. Its
 * accessible label (also put on the list item that has the focus) says
 * the same in words: "Unread, flagged, Alice Example, Quarterly report,
 * 3 hours ago, has attachment".
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-row.h"

struct _TernMessageRow
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkLabel *sender_label;
  GtkImage *attachment_icon;
  GtkImage *flag_icon;
  GtkLabel *date_label;
  GtkLabel *subject_label;
  GtkLabel *preview_label;

  /* owned */
  TernMessageSummary *summary;
  GSignalGroup *summary_signals;
};

G_DEFINE_FINAL_TYPE (TernMessageRow, tern_message_row, GTK_TYPE_WIDGET)

/**
 * tern_format_relative_date:
 * @unix_time: seconds since the epoch, or 0 for unknown
 * @now: (nullable): the time to count from; the current time when %NULL
 *
 * Returns: (transfer full): "just now", "3 hours ago", … within a week, the
 *   date in the locale's format before that, "" when unknown.
 */
char *
tern_format_relative_date (gint64 unix_time, GDateTime *now)
{
  g_autoptr (GDateTime) local_now = NULL;
  g_autoptr (GDateTime) then = NULL;
  gint64 seconds;

  if (unix_time <= 0)
    return g_strdup ("");
  if (now == NULL)
    now = local_now = g_date_time_new_now_local ();
  then = g_date_time_new_from_unix_local (unix_time);
  if (then == NULL)
    return g_strdup ("");
  seconds = g_date_time_to_unix (now) - unix_time;

  if (seconds < 60)
    return g_strdup (_ ("just now"));
  if (seconds < 3600)
    return g_strdup_printf (ngettext ("%d minute ago", "%d minutes ago", (gulong) (seconds / 60)),
                            (int) (seconds / 60));
  if (seconds < 86400)
    return g_strdup_printf (ngettext ("%d hour ago", "%d hours ago", (gulong) (seconds / 3600)),
                            (int) (seconds / 3600));
  if (seconds < 7 * 86400)
    return g_strdup_printf (ngettext ("%d day ago", "%d days ago", (gulong) (seconds / 86400)),
                            (int) (seconds / 86400));
  return g_date_time_format (then, "%x");
}

static const char *
sender (TernMessageSummary *summary)
{
  const char *name = tern_message_summary_get_from_name (summary);

  if (name != NULL && *name != '\0')
    return name;
  name = tern_message_summary_get_from_address (summary);
  return name != NULL ? name : "";
}

static void
set_item_label (GtkWidget *widget, const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  /* The list item widget holding the row is what has the focus. */
  for (GtkWidget *item = gtk_widget_get_parent (widget); item != NULL;
       item = gtk_widget_get_parent (item))
    if (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (item)) == GTK_ACCESSIBLE_ROLE_LIST_ITEM)
      {
        gtk_accessible_update_property (GTK_ACCESSIBLE (item), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                        -1);
        break;
      }
}

static void
update (TernMessageRow *self)
{
  TernMessageSummary *summary = self->summary;
  g_autoptr (GString) label = NULL;
  g_autofree char *date = NULL;
  const char *subject;
  gboolean unread, flagged, attachments;

  if (summary == NULL)
    return;

  if (!tern_message_summary_get_loaded (summary))
    {
      gtk_label_set_label (self->sender_label, "");
      gtk_label_set_label (self->subject_label, _ ("Loading…"));
      gtk_label_set_label (self->preview_label, "");
      gtk_label_set_label (self->date_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->flag_icon), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->attachment_icon), FALSE);
      set_item_label (GTK_WIDGET (self), _ ("Loading…"));
      return;
    }

  subject = tern_message_summary_get_subject (summary);
  if (subject == NULL || *subject == '\0')
    subject = _ ("(No Subject)");
  unread = tern_message_summary_get_unread (summary);
  flagged = tern_message_summary_get_flagged (summary);
  attachments = tern_message_summary_get_has_attachments (summary);
  date = tern_format_relative_date (tern_message_summary_get_date (summary), NULL);

  gtk_label_set_label (self->sender_label, sender (summary));
  gtk_label_set_label (self->subject_label, subject);
  gtk_label_set_label (self->date_label, date);
  gtk_label_set_label (self->preview_label, tern_message_summary_get_preview (summary));
  gtk_widget_set_visible (GTK_WIDGET (self->flag_icon), flagged);
  gtk_widget_set_visible (GTK_WIDGET (self->attachment_icon), attachments);
  if (unread)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->sender_label), "heading");
      gtk_widget_add_css_class (GTK_WIDGET (self->subject_label), "heading");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->sender_label), "heading");
      gtk_widget_remove_css_class (GTK_WIDGET (self->subject_label), "heading");
    }

  label = g_string_new (NULL);
  if (unread)
    g_string_append_printf (label, "%s, ", _ ("Unread"));
  if (flagged)
    g_string_append_printf (label, "%s, ", _ ("flagged"));
  g_string_append_printf (label, "%s, %s", sender (summary), subject);
  if (*date != '\0')
    g_string_append_printf (label, ", %s", date);
  if (attachments)
    g_string_append_printf (label, ", %s", _ ("has attachment"));
  set_item_label (GTK_WIDGET (self), label->str);
}

void
tern_message_row_set_summary (TernMessageRow *self, TernMessageSummary *summary)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));
  g_return_if_fail (summary == NULL || TERN_IS_MESSAGE_SUMMARY (summary));

  if (!g_set_object (&self->summary, summary))
    return;
  g_signal_group_set_target (self->summary_signals, summary);
  update (self);
}

static void
tern_message_row_dispose (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  g_signal_group_set_target (self->summary_signals, NULL);
  g_clear_object (&self->summary);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (tern_message_row_parent_class)->dispose (object);
}

static void
tern_message_row_finalize (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  g_clear_object (&self->summary_signals);

  G_OBJECT_CLASS (tern_message_row_parent_class)->finalize (object);
}

static void
tern_message_row_class_init (TernMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_message_row_dispose;
  object_class->finalize = tern_message_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TernMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, TernMessageRow, attachment_icon);
  gtk_widget_class_bind_template_child (widget_class, TernMessageRow, flag_icon);
  gtk_widget_class_bind_template_child (widget_class, TernMessageRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, TernMessageRow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, TernMessageRow, preview_label);
}

static void
tern_message_row_init (TernMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->summary_signals = g_signal_group_new (TERN_TYPE_MESSAGE_SUMMARY);
  g_signal_group_connect_swapped (self->summary_signals, "notify", G_CALLBACK (update), self);
}

GtkWidget *
tern_message_row_new (void)
{
  return g_object_new (TERN_TYPE_MESSAGE_ROW, NULL);
}
