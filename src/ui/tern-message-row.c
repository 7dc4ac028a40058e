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
 * GTK 4.8's list view keeps some 200 rows alive, and makes and binds them
 * again when a long list is scrolled fast, so a row is one widget that
 * draws its lines itself: no child labels to lay out, style and expose, a
 * height that comes from the font alone (no text is measured to lay out
 * the list), and text shaped only for rows that are drawn. A summary's
 * burst of notifications is shown once, before the next layout.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-message-row.h"
#include "tern-paint-marks.h"

/* The texts a row draws, each a PangoLayout. */
enum
{
  LINE_SENDER,
  LINE_DATE,
  LINE_SUBJECT,
  LINE_PREVIEW,
  LINE_LOCATION,
  N_LINES
};

#define SPACING 6     /* between the sender, the icons and the date */
#define ROW_SPACING 2 /* between lines */
#define ICON_SIZE 16
#define DIM_ALPHA 0.55f /* libadwaita's .dim-label */

struct _TernMessageRow
{
  GtkWidget parent_instance;

  /* owned */
  TernMessageSummary *summary;
  GSignalGroup *summary_signals;
  guint update_id;
  char *location;    /* search results: where the message is */
  char *placeholder; /* what an unloaded row says; NULL: "Loading…" */

  /* the accessible label: wanted, and waiting in pending_labels */
  char *label;
  GList label_link;
  GtkWidget *item; /* the list item holding the row, while rooted */

  /* what is drawn */
  char *sender;
  char *subject;
  char *preview;
  char *date;
  gboolean unread;
  gboolean flagged;
  gboolean attachments;

  GList shape_link; /* waiting in pending_shapes */

  /* made when drawn, dropped when the text or the font changes */
  PangoLayout *layouts[N_LINES];
  int line_height; /* of the normal and the small font, from their metrics */
  int small_height;
  PangoFontDescription *font; /* the layouts' and the heights' */
  double resolution;
  guint n_lines; /* drawn, as last measured */
};

G_DEFINE_FINAL_TYPE (TernMessageRow, tern_message_row, GTK_TYPE_WIDGET)

/* g_date_time_new_from_unix_local() looks the local time zone up again each
 * time (a readlink and a stat of /etc/localtime): once per row bound while
 * scrolling, that was a tenth of the longest scroll frames. The zone is
 * kept for a minute, so that a change of zone still shows soon. */
static GDateTime *
new_local_date_time (gint64 unix_time)
{
  static GTimeZone *zone;
  static gint64 zone_since;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);

  if (zone == NULL || now - zone_since > 60 * G_USEC_PER_SEC)
    {
      g_clear_pointer (&zone, g_time_zone_unref);
      zone = g_time_zone_new_local ();
      zone_since = now;
    }
  return utc != NULL ? g_date_time_to_timezone (utc, zone) : NULL;
}

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
  then = new_local_date_time (unix_time);
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

/* Accessible labels -------------------------------------------------------------------------- */

/* The label goes on the list item widget holding the row: that is what has
 * the focus and what a screen reader reads; the row itself, inside the item,
 * gets none.
 *
 * Each label set is a D-Bus signal once a screen reader has looked at the
 * item, and a jump to the end of a long list binds some 200 rows at once:
 * their labels were two thirds of that frame (measured with perf, the
 * scrolling in bench/bench-window.py). So a row's new label waits in
 * pending_labels, and goes up after the frame, a slice of rows at a time.
 * The item with the focus, the one a screen reader speaks, gets its label
 * at once: when it is bound, and when it is about to take the focus while
 * its label still waits (tern_message_row_grab_focus), so that the label
 * is there before the focus event reaches the screen reader. */

/* Rows waiting for work done after the frame, oldest first: an idle
 * source of @priority (below GDK_PRIORITY_REDRAW, so after the frame)
 * runs @run on them, ROW_QUEUE_SLICE_US at a time. A row is in a queue
 * through a link of its own (link->data is the row, NULL when out). */
typedef struct
{
  GQueue rows;
  guint source;
  int priority;
  void (*run) (TernMessageRow *self);
} RowQueue;

#define ROW_QUEUE_SLICE_US 2000

static void
row_queue_remove (RowQueue *queue, GList *link)
{
  if (link->data != NULL)
    {
      g_queue_unlink (&queue->rows, link);
      link->data = NULL;
    }
}

static gboolean
row_queue_run (gpointer data)
{
  RowQueue *queue = data;
  gint64 until = g_get_monotonic_time () + ROW_QUEUE_SLICE_US;

  while (queue->rows.head != NULL)
    {
      GList *link = queue->rows.head;
      TernMessageRow *row = link->data;

      row_queue_remove (queue, link);
      queue->run (row);
      if (g_get_monotonic_time () >= until)
        break;
    }
  if (queue->rows.head != NULL)
    return G_SOURCE_CONTINUE;
  queue->source = 0;
  return G_SOURCE_REMOVE;
}

static void
row_queue_add (RowQueue *queue, GList *link, TernMessageRow *row)
{
  if (link->data == NULL)
    {
      link->data = row;
      g_queue_push_tail_link (&queue->rows, link);
    }
  if (queue->source == 0)
    queue->source = g_idle_add_full (queue->priority, row_queue_run, queue, NULL);
}

static void put_label (TernMessageRow *self);

static RowQueue pending_labels = { G_QUEUE_INIT, 0, G_PRIORITY_DEFAULT_IDLE, put_label };

static GtkWidget *
find_item (GtkWidget *widget)
{
  GtkWidget *item = gtk_widget_get_parent (widget);

  while (item != NULL && gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (item)) !=
                           GTK_ACCESSIBLE_ROLE_LIST_ITEM)
    item = gtk_widget_get_parent (item);
  return item;
}

static void
put_label (TernMessageRow *self)
{
  GtkWidget *item = self->item != NULL ? self->item : find_item (GTK_WIDGET (self));

  row_queue_remove (&pending_labels, &self->label_link);
  if (self->label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (item != NULL ? item : GTK_WIDGET (self)),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, self->label, -1);
}

static gboolean
item_has_focus (TernMessageRow *self)
{
  GtkWidget *item = self->item != NULL ? self->item : find_item (GTK_WIDGET (self));

  return item == NULL || gtk_widget_has_focus (item) || gtk_widget_has_focus (GTK_WIDGET (self));
}

/* Takes @label. */
static void
set_item_label (TernMessageRow *self, char *label)
{
  g_free (self->label);
  self->label = label;
  if (item_has_focus (self))
    {
      put_label (self);
      return;
    }
  row_queue_add (&pending_labels, &self->label_link, self);
}

/* GTK 4.8's list item widget offers the focus to its child before it
 * takes it itself (a keyboard jump binds the row, then focuses its item):
 * the label goes up here, before the item is focused (under gdb: the
 * label, then the "focused" StateChanged signal). */
static gboolean
tern_message_row_grab_focus (GtkWidget *widget)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);

  if (self->label_link.data != NULL)
    put_label (self);
  return GTK_WIDGET_CLASS (tern_message_row_parent_class)->grab_focus (widget);
}

static void
tern_message_row_root (GtkWidget *widget)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);

  GTK_WIDGET_CLASS (tern_message_row_parent_class)->root (widget);
  self->item = find_item (widget);
}

static void
tern_message_row_unroot (GtkWidget *widget)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);

  /* A label still waiting goes up now: the item keeps it. */
  if (self->label_link.data != NULL)
    put_label (self);
  self->item = NULL;
  GTK_WIDGET_CLASS (tern_message_row_parent_class)->unroot (widget);
}

static void
clear_layouts (TernMessageRow *self)
{
  for (guint i = 0; i < N_LINES; i++)
    g_clear_object (&self->layouts[i]);
}

static void
set_text (char **field, const char *text)
{
  g_free (*field);
  *field = g_strdup (text != NULL ? text : "");
}

static void shape_later (TernMessageRow *self);

/* The texts changed: drawn anew, and measured anew if their lines did.
 * Every row has its preview line, blank for a message with nothing to
 * preview or not loaded yet: rows bound to other messages while scrolling
 * keep their height. When a message without a preview had no blank line,
 * 525 rows changed height in one scroll from end to end of 100 000
 * messages, and each change measured the whole window again, with its
 * round trips to the X server. Only a search result's location line
 * changes the count, and that is the same for a whole list. */
static void
lines_changed (TernMessageRow *self)
{
  guint n_lines = 3 + (self->location != NULL ? 1 : 0);

  clear_layouts (self);
  if (n_lines != self->n_lines)
    {
      self->n_lines = n_lines;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  shape_later (self);
}

static void
update (TernMessageRow *self)
{
  TernMessageSummary *summary = self->summary;
  g_autoptr (GString) label = NULL;
  g_autofree char *date = NULL;
  const char *subject;

  g_clear_handle_id (&self->update_id, g_source_remove);
  if (summary == NULL)
    return;

  if (!tern_message_summary_get_loaded (summary))
    {
      const char *text = self->placeholder != NULL ? self->placeholder : _ ("Loading…");

      set_text (&self->sender, "");
      set_text (&self->subject, text);
      set_text (&self->preview, "");
      set_text (&self->date, "");
      self->unread = self->flagged = self->attachments = FALSE;
      lines_changed (self);
      if (self->location != NULL)
        set_item_label (self, g_strdup_printf ("%s, %s", text, self->location));
      else
        set_item_label (self, g_strdup (text));
      return;
    }

  subject = tern_message_summary_get_subject (summary);
  if (subject == NULL || *subject == '\0')
    subject = _ ("(No Subject)");
  date = tern_format_relative_date (tern_message_summary_get_date (summary), NULL);
  set_text (&self->sender, sender (summary));
  set_text (&self->subject, subject);
  set_text (&self->preview, tern_message_summary_get_preview (summary));
  g_free (self->date);
  self->date = g_steal_pointer (&date);
  self->unread = tern_message_summary_get_unread (summary);
  self->flagged = tern_message_summary_get_flagged (summary);
  self->attachments = tern_message_summary_get_has_attachments (summary);
  lines_changed (self);

  label = g_string_new (NULL);
  if (self->unread)
    g_string_append_printf (label, "%s, ", _ ("Unread"));
  if (self->flagged)
    g_string_append_printf (label, "%s, ", _ ("flagged"));
  g_string_append_printf (label, "%s, %s", self->sender, self->subject);
  if (*self->date != '\0')
    g_string_append_printf (label, ", %s", self->date);
  if (self->attachments)
    g_string_append_printf (label, ", %s", _ ("has attachment"));
  if (self->location != NULL)
    g_string_append_printf (label, ", %s", self->location);
  set_item_label (self, g_string_free (g_steal_pointer (&label), FALSE));
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
 * the next frame so nothing is drawn half done. At G_PRIORITY_HIGH_IDLE + 5
 * this ran after the frame that first showed the rows (measured with
 * TERN_PAINT_LOG's frame lines), which then was drawn again whole. */
static void
summary_notified (TernMessageRow *self)
{
  if (self->update_id == 0)
    self->update_id = g_idle_add_full (G_PRIORITY_DEFAULT, update_now, self, NULL);
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

/* Layout ------------------------------------------------------------------------------------ */

/* pango_context_get_metrics() loads the fonts and shapes a sample text to
 * find an average character width we do not use: done for each of the 200
 * rows a list view makes, that was a quarter of the frames that first
 * showed them. Line heights depend only on the font and the resolution, so
 * they are kept per font description and resolution. */
static int
line_height (PangoContext *context, const PangoFontDescription *desc)
{
  static GHashTable *heights; /* "DESC@DPI" → height + 1 */
  g_autofree char *font = pango_font_description_to_string (desc);
  g_autofree char *key =
    g_strdup_printf ("%s@%g", font, pango_cairo_context_get_resolution (context));
  PangoFontMetrics *metrics;
  int height;

  if (heights == NULL)
    heights = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  height = GPOINTER_TO_INT (g_hash_table_lookup (heights, key));
  if (height > 0)
    return height - 1;

  metrics = pango_context_get_metrics (context, desc, NULL);
  height = PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics));
  if (height <= 0)
    height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) +
                                pango_font_metrics_get_descent (metrics));
  pango_font_metrics_unref (metrics);
  g_hash_table_insert (heights, g_steal_pointer (&key), GINT_TO_POINTER (height + 1));
  return height;
}

static void
ensure_metrics (TernMessageRow *self)
{
  PangoContext *context;
  const PangoFontDescription *normal;
  PangoFontDescription *small;

  if (self->line_height > 0)
    return;
  context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  normal = pango_context_get_font_description (context);
  self->line_height = line_height (context, normal);

  small = pango_font_description_copy (normal);
  pango_font_description_set_size (small, (int) (pango_font_description_get_size (small) *
                                                 PANGO_SCALE_SMALL));
  self->small_height = line_height (context, small);
  pango_font_description_free (small);
}

static void
tern_message_row_measure (GtkWidget *widget,
                          GtkOrientation orientation,
                          int for_size,
                          int *minimum,
                          int *natural,
                          int *minimum_baseline,
                          int *natural_baseline)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);

  ensure_metrics (self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Everything ellipsizes: the list gives the width. */
      *minimum = 8 * self->line_height;
      *natural = 24 * self->line_height;
    }
  else
    {
      int height = 2 * self->line_height + 2 * ROW_SPACING + self->small_height;

      if (self->location != NULL)
        height += ROW_SPACING + self->small_height;
      *minimum = *natural = height;
    }
}

static PangoLayout *
line_layout (TernMessageRow *self, guint line)
{
  static const char *const empty = "";
  PangoLayout *layout = self->layouts[line];
  PangoAttrList *attrs;
  const char *text = empty;
  gboolean bold = FALSE, small = FALSE;

  if (layout != NULL)
    return layout;
  switch (line)
    {
    case LINE_SENDER:
      text = self->sender;
      bold = self->unread;
      break;
    case LINE_DATE:
      text = self->date;
      break;
    case LINE_SUBJECT:
      text = self->subject;
      bold = self->unread;
      break;
    case LINE_PREVIEW:
      text = self->preview;
      small = TRUE;
      break;
    case LINE_LOCATION:
      text = self->location;
      small = TRUE;
      break;
    default:
      g_assert_not_reached ();
    }
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text != NULL ? text : empty);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_layout_set_ellipsize (layout,
                              line == LINE_LOCATION ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_END);
  attrs = pango_attr_list_new ();
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (small)
    pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  if (line == LINE_DATE)
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  self->layouts[line] = layout;
  return layout;
}

static void
draw_line (GtkSnapshot *snapshot,
           PangoLayout *layout,
           int x,
           int y,
           int width,
           gboolean rtl,
           int row_width,
           const GdkRGBA *color)
{
  int text_width;

  pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
  pango_layout_get_pixel_size (layout, &text_width, NULL);
  if (rtl)
    x = row_width - x - MIN (text_width, width);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_icon (TernMessageRow *self,
           GtkSnapshot *snapshot,
           const char *name,
           int x,
           int y,
           gboolean rtl,
           int row_width,
           const GdkRGBA *color)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  g_autoptr (GtkIconPaintable) icon = NULL;

  icon = gtk_icon_theme_lookup_icon (theme, name, NULL, ICON_SIZE,
                                     gtk_widget_get_scale_factor (GTK_WIDGET (self)),
                                     gtk_widget_get_direction (GTK_WIDGET (self)), 0);
  if (rtl)
    x = row_width - x - ICON_SIZE;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot, ICON_SIZE,
                                            ICON_SIZE, color, 1);
  gtk_snapshot_restore (snapshot);
}

/* The date is drawn at its own width, the sender up to the icons before
 * it, the other lines across the row. */
static int
date_line_width (TernMessageRow *self)
{
  PangoLayout *date = line_layout (self, LINE_DATE);
  int date_width = 0;

  pango_layout_set_width (date, -1);
  if (self->date != NULL && *self->date != '\0')
    pango_layout_get_pixel_size (date, &date_width, NULL);
  return date_width;
}

static int
sender_width (TernMessageRow *self, int width)
{
  int right = width - date_line_width (self);

  if (self->flagged)
    right -= SPACING + ICON_SIZE;
  if (self->attachments)
    right -= SPACING + ICON_SIZE;
  return right - SPACING;
}

/* Shaping ahead --------------------------------------------------------------------------- */

/* Of the 200 rows a list view keeps bound, a dozen are on screen. Their
 * text was shaped when first drawn, so each Page Up shaped a screenful of
 * rows in one frame, which with the rows drawn took 12-14 ms of 17 ms
 * frames (bench-window's TERN_PAINT_LOG frame lines). A row bound to a
 * message now shapes its lines after the frame, a slice of rows at a time,
 * at the width the next snapshot draws them at: Pango keeps the result
 * while the width stays, and the frame that scrolls the row into view only
 * draws it. */

static void
shape_line (PangoLayout *layout, int width)
{
  pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
  pango_layout_get_pixel_size (layout, NULL, NULL);
}

static void
shape_lines (TernMessageRow *self, int width)
{
  ensure_metrics (self);
  shape_line (line_layout (self, LINE_SENDER), sender_width (self, width));
  shape_line (line_layout (self, LINE_SUBJECT), width);
  if (self->preview != NULL && *self->preview != '\0')
    shape_line (line_layout (self, LINE_PREVIEW), width);
  if (self->location != NULL)
    shape_line (line_layout (self, LINE_LOCATION), width);
}

static void
shape_row (TernMessageRow *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  /* Not laid out yet, or out of the window (its Pango context then has
   * no style's font): its first frame shapes it. */
  if (width > 0 && self->summary != NULL && gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
    shape_lines (self, width);
}

/* Below the labels: a screen reader's text first. */
static RowQueue pending_shapes = { G_QUEUE_INIT, 0, G_PRIORITY_DEFAULT_IDLE + 10, shape_row };

static void
shape_later (TernMessageRow *self)
{
  row_queue_add (&pending_shapes, &self->shape_link, self);
}

static void
tern_message_row_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);
  int width = gtk_widget_get_width (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  GdkRGBA color, dim;
  PangoLayout *date;
  int date_width = 0, right, y;

  if (G_UNLIKELY (tern_paint_marks_enabled ()) && self->summary != NULL &&
      tern_message_summary_get_loaded (self->summary))
    tern_paint_mark_after_paint (widget, "rows");
  ensure_metrics (self);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  dim = color;
  dim.alpha *= DIM_ALPHA;

  /* sender … [attachment] [flag] date */
  date = line_layout (self, LINE_DATE);
  date_width = date_line_width (self);
  right = width - date_width;
  if (date_width > 0)
    draw_line (snapshot, date, right, 0, date_width, rtl, width, &dim);
  y = (self->line_height - ICON_SIZE) / 2;
  if (self->flagged)
    {
      right -= SPACING + ICON_SIZE;
      draw_icon (self, snapshot, "starred-symbolic", right, y, rtl, width, &color);
    }
  if (self->attachments)
    {
      right -= SPACING + ICON_SIZE;
      draw_icon (self, snapshot, "mail-attachment-symbolic", right, y, rtl, width, &color);
    }
  draw_line (snapshot, line_layout (self, LINE_SENDER), 0, 0, sender_width (self, width), rtl,
             width, &color);

  y = self->line_height + ROW_SPACING;
  draw_line (snapshot, line_layout (self, LINE_SUBJECT), 0, y, width, rtl, width, &color);
  y += self->line_height + ROW_SPACING;
  if (self->preview != NULL && *self->preview != '\0')
    draw_line (snapshot, line_layout (self, LINE_PREVIEW), 0, y, width, rtl, width, &dim);
  y += self->small_height + ROW_SPACING;
  if (self->location != NULL)
    draw_line (snapshot, line_layout (self, LINE_LOCATION), 0, y, width, rtl, width, &dim);
}

static void
tern_message_row_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (widget);
  PangoContext *context;
  const PangoFontDescription *font;
  double resolution;

  GTK_WIDGET_CLASS (tern_message_row_parent_class)->css_changed (widget, change);
  /* Colours are read when drawing, and GTK redraws for them. Only another
   * font makes the lines and their heights again: a state change (the window
   * focused, a row selected) would otherwise shape every row anew, which
   * was most of the frame just after a start's first one. */
  context = gtk_widget_get_pango_context (widget);
  font = pango_context_get_font_description (context);
  resolution = pango_cairo_context_get_resolution (context);
  if (self->font != NULL && pango_font_description_equal (self->font, font) &&
      self->resolution == resolution)
    return;
  g_clear_pointer (&self->font, pango_font_description_free);
  self->font = pango_font_description_copy (font);
  self->resolution = resolution;
  clear_layouts (self);
  self->line_height = self->small_height = 0;
  gtk_widget_queue_resize (widget);
}

static void
tern_message_row_direction_changed (GtkWidget *widget, GtkTextDirection previous)
{
  clear_layouts (TERN_MESSAGE_ROW (widget));
  gtk_widget_queue_draw (widget);
}

static void
tern_message_row_dispose (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  row_queue_remove (&pending_shapes, &self->shape_link);
  row_queue_remove (&pending_labels, &self->label_link);
  g_signal_group_set_target (self->summary_signals, NULL);
  g_clear_object (&self->summary);
  clear_layouts (self);

  G_OBJECT_CLASS (tern_message_row_parent_class)->dispose (object);
}

static void
tern_message_row_finalize (GObject *object)
{
  TernMessageRow *self = TERN_MESSAGE_ROW (object);

  g_clear_object (&self->summary_signals);
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->placeholder, g_free);
  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->preview, g_free);
  g_clear_pointer (&self->date, g_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->font, pango_font_description_free);

  G_OBJECT_CLASS (tern_message_row_parent_class)->finalize (object);
}

static void
tern_message_row_class_init (TernMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_message_row_dispose;
  object_class->finalize = tern_message_row_finalize;
  widget_class->measure = tern_message_row_measure;
  widget_class->snapshot = tern_message_row_snapshot;
  widget_class->css_changed = tern_message_row_css_changed;
  widget_class->direction_changed = tern_message_row_direction_changed;
  widget_class->grab_focus = tern_message_row_grab_focus;
  widget_class->root = tern_message_row_root;
  widget_class->unroot = tern_message_row_unroot;
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
tern_message_row_init (TernMessageRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_set_margin_top (widget, 6);
  gtk_widget_set_margin_bottom (widget, 6);
  gtk_widget_set_margin_start (widget, 6);
  gtk_widget_set_margin_end (widget, 6);

  self->summary_signals = g_signal_group_new (TERN_TYPE_MESSAGE_SUMMARY);
  g_signal_group_connect_swapped (self->summary_signals, "notify", G_CALLBACK (summary_notified),
                                  self);
}

GtkWidget *
tern_message_row_new (void)
{
  return g_object_new (TERN_TYPE_MESSAGE_ROW, NULL);
}
