/* tern-notifier.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernNotifier: desktop notifications of new mail (issue #6). It follows
 * every TernWindow's ::folder-synced and, for new unread messages in an
 * INBOX or a folder chosen in Preferences (notify-folders), sends one
 * GNotification per account and folder that sums up everything still
 * unread since it was last seen: the sender and subject of one message, or
 * the count and the first few of several. A first sync of a folder is never
 * news. Nothing is sent while the window is in front of the user, and every
 * notification is withdrawn when it comes to the front. Its buttons act on
 * the messages without the window (the window lives on, hidden, in the
 * background).
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "store/tern-store.h"
#include "sync/tern-sync-session.h"
#include "tern-notifier.h"
#include "tern-window.h"

/* How many messages a summary names before "and N more". */
#define MAX_LISTED 3

/* The unread new mail of one folder that the user has not seen yet. */
typedef struct
{
  char *account_id;
  char *folder;
  GArray *uids;     /* guint32, ascending, no duplicates */
  guint generation; /* of the last refresh started; older answers are dropped */
} Pending;

struct _TernNotifier
{
  GObject parent_instance;

  /* borrowed: the application owns the notifier */
  GtkApplication *application;

  /* owned */
  GSettings *settings;
  GHashTable *pending; /* notification id → Pending */
  guint generation;
};

G_DEFINE_FINAL_TYPE (TernNotifier, tern_notifier, G_TYPE_OBJECT)

static void
pending_free (Pending *pending)
{
  g_free (pending->account_id);
  g_free (pending->folder);
  g_array_unref (pending->uids);
  g_free (pending);
}

static char *
notification_id (const char *account_id, const char *folder)
{
  return g_strdup_printf ("new-mail/%s/%s", account_id, folder);
}

static gboolean
folder_watched (TernNotifier *self, const char *account_id, const char *folder)
{
  g_auto (GStrv) extra = NULL;
  g_autofree char *key = NULL;

  if (g_ascii_strcasecmp (folder, "INBOX") == 0)
    return TRUE;
  extra = g_settings_get_strv (self->settings, "notify-folders");
  key = g_strconcat (account_id, "/", folder, NULL);
  return g_strv_contains ((const char *const *) extra, key);
}

/* The user is looking at the window: new mail shows there. */
static gboolean
window_attended (TernWindow *window)
{
  return gtk_widget_get_visible (GTK_WIDGET (window)) && gtk_window_is_active (GTK_WINDOW (window));
}

static void
withdraw_id (TernNotifier *self, const char *id)
{
  if (g_hash_table_remove (self->pending, id))
    g_application_withdraw_notification (G_APPLICATION (self->application), id);
}

static void
withdraw_all (TernNotifier *self)
{
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_application_withdraw_notification (G_APPLICATION (self->application), id);
      g_hash_table_iter_remove (&iter);
    }
}

/* Sending ------------------------------------------------------------------------ */

static const char *
summary_sender (const TernStoreSummary *summary)
{
  if (summary->from_name != NULL && *summary->from_name != '\0')
    return summary->from_name;
  if (summary->from_addr != NULL && *summary->from_addr != '\0')
    return summary->from_addr;
  return _ ("Unknown Sender");
}

static const char *
summary_subject (const TernStoreSummary *summary)
{
  if (summary->subject != NULL && *summary->subject != '\0')
    return summary->subject;
  return _ ("(No Subject)");
}

static GVariant *
uids_target (Pending *pending)
{
  return g_variant_new ("(ss@au)", pending->account_id, pending->folder,
                        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, pending->uids->data,
                                                   pending->uids->len, sizeof (guint32)));
}

static int
compare_newest_first (gconstpointer a, gconstpointer b)
{
  const TernStoreSummary *x = *(TernStoreSummary *const *) a;
  const TernStoreSummary *y = *(TernStoreSummary *const *) b;

  return x->uid < y->uid ? 1 : x->uid > y->uid ? -1 : 0;
}

/* @unread: the folder's unseen new messages, at least one. */
static void
send_notification (TernNotifier *self, const char *id, Pending *pending, GPtrArray *unread)
{
  g_autoptr (GNotification) notification = NULL;
  const TernStoreSummary *newest;
  g_autofree char *title = NULL;
  g_autoptr (GString) body = g_string_new (NULL);
  guint n = unread->len;

  g_ptr_array_sort (unread, compare_newest_first);
  newest = g_ptr_array_index (unread, 0);
  if (n == 1)
    {
      title = g_strdup (summary_sender (newest));
      g_string_append (body, summary_subject (newest));
    }
  else
    {
      title = g_strdup_printf (ngettext ("%u new message", "%u new messages", n), n);
      for (guint i = 0; i < MIN (n, MAX_LISTED); i++)
        {
          const TernStoreSummary *summary = g_ptr_array_index (unread, i);

          if (i > 0)
            g_string_append_c (body, '\n');
          /* Translators: one line of a new mail notification: sender, subject. */
          g_string_append_printf (body, _ ("%s: %s"), summary_sender (summary),
                                  summary_subject (summary));
        }
      if (n > MAX_LISTED)
        {
          g_string_append_c (body, '\n');
          g_string_append_printf (body, ngettext ("and %u more", "and %u more", n - MAX_LISTED),
                                  n - MAX_LISTED);
        }
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body->str);
  g_notification_set_category (notification, "email.arrived");
  g_notification_set_default_action_and_target_value (notification, "app.show-message",
                                                      g_variant_new ("(ssu)", pending->account_id,
                                                                     pending->folder, newest->uid));
  g_notification_add_button_with_target_value (notification, _ ("Mark as Read"), "app.mark-read",
                                               uids_target (pending));
  g_notification_add_button_with_target_value (notification, _ ("Delete"), "app.delete-messages",
                                               uids_target (pending));
  g_application_send_notification (G_APPLICATION (self->application), id, notification);
}

/* Refreshing from the cache -------------------------------------------------------- */

typedef struct
{
  TernNotifier *self;
  TernStore *store;
  char *id;
  guint generation;
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_object_unref (refresh->self);
  g_object_unref (refresh->store);
  g_free (refresh->id);
  g_free (refresh);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Refresh, refresh_free)

/* The pending entry this refresh was for, unless it was withdrawn or a
 * newer refresh replaced it. */
static Pending *
refresh_pending (Refresh *refresh)
{
  Pending *pending = g_hash_table_lookup (refresh->self->pending, refresh->id);

  return pending != NULL && pending->generation == refresh->generation ? pending : NULL;
}

static void
summaries_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = user_data;
  g_autoptr (GPtrArray) summaries = NULL;
  g_autoptr (GPtrArray) unread = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Pending *pending;

  summaries = tern_store_get_summaries_finish (TERN_STORE (source), result, &error);
  if ((pending = refresh_pending (refresh)) == NULL)
    return;
  if (summaries == NULL)
    {
      g_warning ("cannot read new messages for a notification: %s", error->message);
      return;
    }
  g_array_set_size (pending->uids, 0);
  for (guint i = 0; i < summaries->len; i++)
    {
      TernStoreSummary *summary = g_ptr_array_index (summaries, i);

      if (summary == NULL || (summary->flags & (TERN_STORE_FLAG_SEEN | TERN_STORE_FLAG_DELETED)))
        continue;
      g_ptr_array_add (unread, summary);
      g_array_append_val (pending->uids, summary->uid);
    }
  g_array_sort (pending->uids, (GCompareFunc) tern_store_compare_uids);
  if (unread->len == 0)
    withdraw_id (refresh->self, refresh->id);
  else
    send_notification (refresh->self, refresh->id, pending, unread);
}

static void
folders_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Refresh) refresh = user_data;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GError) error = NULL;
  Pending *pending;

  folders = tern_store_list_folders_finish (TERN_STORE (source), result, &error);
  if ((pending = refresh_pending (refresh)) == NULL)
    return;
  if (folders == NULL)
    {
      g_warning ("cannot read new messages for a notification: %s", error->message);
      return;
    }
  for (guint i = 0; i < folders->len; i++)
    {
      TernStoreFolder *folder = g_ptr_array_index (folders, i);

      if (g_strcmp0 (folder->path, pending->folder) == 0)
        {
          /* The store is read before the refresh is handed on: the order
           * in which arguments are evaluated is unspecified. */
          TernStore *store = refresh->store;

          tern_store_get_summaries_async (store, folder->id,
                                          (const guint32 *) (gpointer) pending->uids->data,
                                          pending->uids->len, NULL, summaries_cb,
                                          g_steal_pointer (&refresh));
          return;
        }
    }
  /* The folder is gone. */
  withdraw_id (refresh->self, refresh->id);
}

/* Reads the pending messages' flags and headers from the cache, then sends,
 * replaces or withdraws the notification. */
static void
refresh (TernNotifier *self, TernAccount *account, const char *id, Pending *pending)
{
  TernStore *store = tern_account_get_store (account);
  Refresh *data;

  if (store == NULL)
    return;
  pending->generation = ++self->generation;
  data = g_new0 (Refresh, 1);
  data->self = g_object_ref (self);
  data->store = g_object_ref (store);
  data->id = g_strdup (id);
  data->generation = pending->generation;
  tern_store_list_folders_async (store, NULL, folders_cb, data);
}

static gboolean
uids_overlap (GArray *pending, GArray *uids)
{
  for (guint i = 0; uids != NULL && i < uids->len; i++)
    {
      guint32 uid = g_array_index (uids, guint32, i);

      if (bsearch (&uid, pending->data, pending->len, sizeof (guint32), tern_store_compare_uids))
        return TRUE;
    }
  return FALSE;
}

static void
add_uids (GArray *pending, GArray *uids)
{
  guint kept = 0;

  g_array_append_vals (pending, uids->data, uids->len);
  g_array_sort (pending, (GCompareFunc) tern_store_compare_uids);
  for (guint i = 0; i < pending->len; i++)
    if (kept == 0 ||
        g_array_index (pending, guint32, i) != g_array_index (pending, guint32, kept - 1))
      g_array_index (pending, guint32, kept++) = g_array_index (pending, guint32, i);
  g_array_set_size (pending, kept);
}

static void
folder_synced (TernWindow *window, TernAccount *account, gpointer data, TernNotifier *self)
{
  const TernSyncFolderResult *result = data;
  const char *account_id = tern_account_get_id (account);
  g_autofree char *id = notification_id (account_id, result->path);
  Pending *pending = g_hash_table_lookup (self->pending, id);
  gboolean added = FALSE;

  if (result->first_sync)
    {
      /* Not news; and after a UIDVALIDITY change the UIDs held mean other
       * messages. */
      withdraw_id (self, id);
      return;
    }
  if (result->new_uids != NULL && result->new_uids->len > 0 && !window_attended (window) &&
      folder_watched (self, account_id, result->path))
    {
      if (pending == NULL)
        {
          pending = g_new0 (Pending, 1);
          pending->account_id = g_strdup (account_id);
          pending->folder = g_strdup (result->path);
          pending->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_hash_table_insert (self->pending, g_strdup (id), pending);
        }
      add_uids (pending->uids, result->new_uids);
      added = TRUE;
    }
  /* Messages read or deleted elsewhere leave the notification. */
  if (pending != NULL && (added || uids_overlap (pending->uids, result->changed_uids) ||
                          uids_overlap (pending->uids, result->vanished_uids)))
    refresh (self, account, id, pending);
}

static void
window_active_changed (TernWindow *window, GParamSpec *pspec, TernNotifier *self)
{
  if (window_attended (window))
    withdraw_all (self);
}

static void
window_added (GtkApplication *application, GtkWindow *window, TernNotifier *self)
{
  if (!TERN_IS_WINDOW (window))
    return;
  g_signal_connect_object (window, "folder-synced", G_CALLBACK (folder_synced), self, 0);
  g_signal_connect_object (window, "notify::is-active", G_CALLBACK (window_active_changed), self,
                           0);
}

/* Acting on notified messages ----------------------------------------------------- */

/**
 * tern_notifier_apply:
 * @uids: (type au): the messages
 *
 * Applies @action as if chosen in the window that shows the account, hidden
 * or not, so that its list and folder counts follow; the operation goes
 * through the cache and its queue, which the account replays to the server
 * at once.
 */
void
tern_notifier_apply (TernNotifier *self,
                     TernAccountAction action,
                     const char *account_id,
                     const char *folder,
                     GVariant *uids)
{
  g_autoptr (GArray) kept = g_array_new (FALSE, FALSE, sizeof (guint32));
  const guint32 *values;
  gsize n = 0;

  g_return_if_fail (TERN_IS_NOTIFIER (self));
  g_return_if_fail (account_id != NULL && folder != NULL);
  g_return_if_fail (g_variant_is_of_type (uids, G_VARIANT_TYPE ("au")));

  tern_notifier_withdraw (self, account_id, folder);

  /* The target comes over D-Bus: 0 is no UID. */
  values = g_variant_get_fixed_array (uids, &n, sizeof (guint32));
  for (gsize i = 0; i < n; i++)
    if (values[i] != 0)
      g_array_append_val (kept, values[i]);
  if (kept->len == 0)
    return;
  for (GList *l = gtk_application_get_windows (self->application); l != NULL; l = l->next)
    if (TERN_IS_WINDOW (l->data) &&
        tern_window_lookup_account (TERN_WINDOW (l->data), account_id) != NULL)
      {
        tern_window_apply_action (TERN_WINDOW (l->data), account_id, folder,
                                  (const guint32 *) (gpointer) kept->data, kept->len, action);
        return;
      }
  g_warning ("a notification's action names an unknown account %s", account_id);
}

void
tern_notifier_withdraw (TernNotifier *self, const char *account_id, const char *folder)
{
  g_autofree char *id = NULL;

  g_return_if_fail (TERN_IS_NOTIFIER (self));
  g_return_if_fail (account_id != NULL && folder != NULL);

  id = notification_id (account_id, folder);
  /* Withdrawn even when not pending here: it may be left from an earlier run. */
  g_hash_table_remove (self->pending, id);
  g_application_withdraw_notification (G_APPLICATION (self->application), id);
}

/* GObject ------------------------------------------------------------------------ */

static void
tern_notifier_finalize (GObject *object)
{
  TernNotifier *self = TERN_NOTIFIER (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending, g_hash_table_unref);

  G_OBJECT_CLASS (tern_notifier_parent_class)->finalize (object);
}

static void
tern_notifier_class_init (TernNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tern_notifier_finalize;
}

static void
tern_notifier_init (TernNotifier *self)
{
  self->settings = g_settings_new (APP_ID);
  self->pending =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pending_free);
}

TernNotifier *
tern_notifier_new (GtkApplication *application)
{
  TernNotifier *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  self = g_object_new (TERN_TYPE_NOTIFIER, NULL);
  self->application = application;
  for (GList *l = gtk_application_get_windows (application); l != NULL; l = l->next)
    window_added (application, l->data, self);
  g_signal_connect_object (application, "window-added", G_CALLBACK (window_added), self, 0);
  return self;
}
