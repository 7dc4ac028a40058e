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
 * Rows are made by the dozen when a long list is shown or scrolled fast, so
 * they are built in code (a template is parsed anew for every row), and a
 * summary's burst of notifications is shown once, before the next layout.
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

  GtkLabel *sender_label;
  GtkImage *attachment_icon;
  GtkImage *flag_icon;
  GtkLabel *date_label;
  GtkLabel *subject_label;
  GtkLabel *preview_label;
  GtkLabel *location_label;

  /* owned */
  TernMessageSummary *summary;
  GSignalGroup *summary_signals;
  guint update_id;
  char *location;    /* search results: where the message is */
  char *placeholder; /* what an unloaded row says; NULL: "Loading…" */
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
  /* The locale's date format is slow and the same for a whole day of mail:
   * the last few days' texts are kept (main context only). */
  static struct
  {
    gint64 day;
    char *text;
  } days[16];
  static guint next_day;
  g_autoptr (GDateTime) then = NULL;
  gint64 seconds, day;

  if (unix_time <= 0)
    return g_strdup ("");
  seconds =
    (now != NULL ? g_date_time_to_unix (now) : g_get_real_time () / G_USEC_PER_SEC) - unix_time;

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
  then = g_date_time_new_from_unix_local (unix_time);
  if (then == NULL)
    return g_strdup ("");
  day = (gint64) g_date_time_get_year (then) * 400 + g_date_time_get_day_of_year (then);
  for (guint i = 0; i < G_N_ELEMENTS (days); i++)
    if (days[i].text != NULL && days[i].day == day)
      return g_strdup (days[i].text);
  g_free (days[next_day].text);
  days[next_day].day = day;
  days[next_day].text = g_date_time_format (then, "%x");
  if (days[next_day].text == NULL)
    days[next_day].text = g_strdup ("");
  next_day = (next_day + 1) % G_N_ELEMENTS (days);
  return g_strdup (days[(next_day + G_N_ELEMENTS (days) - 1) % G_N_ELEMENTS (days)].text);
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

  g_clear_handle_id (&self->update_id, g_source_remove);
  if (summary == NULL)
    return;

  gtk_label_set_label (self->location_label, self->location);
  gtk_widget_set_visible (GTK_WIDGET (self->location_label), self->location != NULL);

  if (!tern_message_summary_get_loaded (summary))
    {
      const char *text = self->placeholder != NULL ? self->placeholder : _ ("Loading…");

      /* The preview line stays, empty: a row keeps its height when it fills
       * in, so a list scrolled fast does not jump. */
      gtk_label_set_label (self->sender_label, "");
      gtk_label_set_label (self->subject_label, text);
      gtk_label_set_label (self->preview_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->preview_label), TRUE);
      gtk_label_set_label (self->date_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->flag_icon), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->attachment_icon), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->sender_label), "heading");
      gtk_widget_remove_css_class (GTK_WIDGET (self->subject_label), "heading");
      if (self->location != NULL)
        {
          g_autofree char *item_label = g_strdup_printf ("%s, %s", text, self->location);

          set_item_label (GTK_WIDGET (self), item_label);
        }
      else
        set_item_label (GTK_WIDGET (self), text);
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
  /* No blank line where there is nothing to preview. */
  gtk_widget_set_visible (GTK_WIDGET (self->preview_label),
                          *gtk_label_get_label (self->preview_label) != '\0');
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
  if (self->location != NULL)
    g_string_append_printf (label, ", %s", self->location);
  set_item_label (GTK_WIDGET (self), label->str);
}

static gboolean
update_now (gpointer data)
{
  TernMessageRow *self = data;

  self->update_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

/* A summary filled in notifies each property in turn: show them once, before
 * the frame's layout (GDK_PRIORITY_REDRAW) so nothing is drawn half done. */
static void
summary_notified (TernMessageRow *self)
{
  if (self->update_id == 0)
    self->update_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 5, update_now, self, NULL);
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

/* A search result's row also says where the message is (@location), and
 * what a message not cached yet is (@placeholder, else "Loading…"). */
void
tern_message_row_set_location (TernMessageRow *self, const char *location, const char *placeholder)
{
  g_return_if_fail (TERN_IS_MESSAGE_ROW (self));

  if (g_strcmp0 (self->location, location) == 0 && g_strcmp0 (self->placeholder, placeholder) == 0)
    return;
  g_free (self->location);
  self->location = g_strdup (location);
  g_free (self->placeholder);
  self->placeholder = g_strdup (placeholder);
  update (self);
}

static void
tern_message_row_dispose (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  g_signal_group_set_target (self->summary_signals, NULL);
  g_clear_object (&self->summary);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tern_message_row_parent_class)->dispose (object);
}

static void
tern_message_row_finalize (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  g_clear_object (&self->summary_signals);
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->placeholder, g_free);

  G_OBJECT_CLASS (tern_message_row_parent_class)->finalize (object);
}

static void
tern_message_row_class_init (TernMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_message_row_dispose;
  object_class->finalize = tern_message_row_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_GRID_LAYOUT);
}

static GtkWidget *
attach (TernMessageRow *self, GtkWidget *child, int column, int row, int column_span)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkGridLayoutChild *cell;

  gtk_widget_set_parent (child, GTK_WIDGET (self));
  cell = GTK_GRID_LAYOUT_CHILD (gtk_layout_manager_get_layout_child (layout, child));
  gtk_grid_layout_child_set_column (cell, column);
  gtk_grid_layout_child_set_row (cell, row);
  gtk_grid_layout_child_set_column_span (cell, column_span);
  return child;
}

static GtkLabel *
label_new (float xalign, PangoEllipsizeMode ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_ellipsize (GTK_LABEL (label), ellipsize);
  return GTK_LABEL (label);
}

static GtkImage *
icon_new (const char *name)
{
  /* The row's label says it in words. */
  return g_object_new (GTK_TYPE_IMAGE, "icon-name", name, "visible", FALSE, "accessible-role",
                       GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);
}

static void
tern_message_row_init (TernMessageRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkGridLayout *layout = GTK_GRID_LAYOUT (gtk_widget_get_layout_manager (widget));

  gtk_grid_layout_set_column_spacing (layout, 6);
  gtk_grid_layout_set_row_spacing (layout, 2);
  gtk_widget_set_margin_top (widget, 6);
  gtk_widget_set_margin_bottom (widget, 6);
  gtk_widget_set_margin_start (widget, 6);
  gtk_widget_set_margin_end (widget, 6);

  self->sender_label = label_new (0, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->sender_label), TRUE);
  attach (self, GTK_WIDGET (self->sender_label), 0, 0, 1);
  self->attachment_icon = icon_new ("mail-attachment-symbolic");
  attach (self, GTK_WIDGET (self->attachment_icon), 1, 0, 1);
  self->flag_icon = icon_new ("starred-symbolic");
  attach (self, GTK_WIDGET (self->flag_icon), 2, 0, 1);
  self->date_label = label_new (1, PANGO_ELLIPSIZE_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->date_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->date_label), "numeric");
  attach (self, GTK_WIDGET (self->date_label), 3, 0, 1);
  self->subject_label = label_new (0, PANGO_ELLIPSIZE_END);
  attach (self, GTK_WIDGET (self->subject_label), 0, 1, 4);
  self->preview_label = label_new (0, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (self->preview_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->preview_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->preview_label), "caption");
  attach (self, GTK_WIDGET (self->preview_label), 0, 2, 4);
  self->location_label = label_new (0, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_visible (GTK_WIDGET (self->location_label), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->location_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->location_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->location_label), "message-location");
  attach (self, GTK_WIDGET (self->location_label), 0, 3, 4);

  self->summary_signals = g_signal_group_new (TERN_TYPE_MESSAGE_SUMMARY);
  g_signal_group_connect_swapped (self->summary_signals, "notify", G_CALLBACK (summary_notified),
                                  self);
}

GtkWidget *
tern_message_row_new (void)
{
  return g_object_new (TERN_TYPE_MESSAGE_ROW, NULL);
}
