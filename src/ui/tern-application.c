/* tern-application.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernApplication: the single-instance, D-Bus activatable application object.
 * It owns the application-wide actions (quit, about, add-account, preferences,
 * and those of new mail notifications) and their accelerators, the notifier,
 * and makes sure one main window exists when activated. With
 * run-in-background the window hides when closed and the application holds
 * itself, so that accounts keep syncing and notifications keep coming; it is
 * then started at login (an autostart entry, or the Background portal inside
 * Flatpak) with --background, which creates the window without showing it.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "tern-account-assistant.h"
#include "tern-application.h"
#include "tern-notifier.h"
#include "tern-preferences.h"
#include "account/tern-account-config.h"
#include "model/tern-account.h"
#include "tern-resources.h"
#include "tern-window.h"

struct _TernApplication
{
  AdwApplication parent_instance;

  /* owned */
  GSettings *settings;
  TernNotifier *notifier;

  guint signal_sources[3];    /* SIGTERM, SIGINT, SIGHUP */
  GHashTable *early_accounts; /* id → TernAccount whose cache opens at startup */

  guint start_hidden : 1; /* --background: the first activation shows nothing */
  guint held : 1;         /* g_application_hold() for run-in-background */
  guint quitting : 1;
};

G_DEFINE_FINAL_TYPE (TernApplication, tern_application, ADW_TYPE_APPLICATION)

static TernWindow *
ensure_window (TernApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (tern_window_new (GTK_APPLICATION (self)));

  return TERN_WINDOW (window);
}

static void
tern_application_activate (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);

  if (self->start_hidden)
    {
      /* The window exists, hidden, so that its accounts sync and IDLE. */
      self->start_hidden = FALSE;
      ensure_window (self);
      return;
    }
  tern_window_present_when_ready (ensure_window (self), 300);
}

static int
tern_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  TernApplication *self = TERN_APPLICATION (app);
  g_autoptr (GError) error = NULL;

  if (g_variant_dict_contains (options, "background"))
    {
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      /* Already running: there is nothing to start, and nothing to show. */
      if (g_application_get_is_remote (app))
        return 0;
      self->start_hidden = TRUE;
    }
  return G_APPLICATION_CLASS (tern_application_parent_class)->handle_local_options (app, options);
}

/* Background mode ------------------------------------------------------------------ */

static void
update_background (TernApplication *self)
{
  gboolean background =
    !self->quitting && g_settings_get_boolean (self->settings, "run-in-background");

  if (background && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!background && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = background;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (TERN_IS_WINDOW (l->data))
      gtk_window_set_hide_on_close (l->data, background);
}

static void
window_added (GtkApplication *app, GtkWindow *window, TernApplication *self)
{
  if (TERN_IS_WINDOW (window))
    gtk_window_set_hide_on_close (window, self->held);
}

static void
portal_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_warning ("cannot ask to run in the background: %s", error->message);
}

/* Inside Flatpak the sandbox cannot write autostart entries; the Background
 * portal does it, and asks the user once. */
static void
request_background_portal (TernApplication *self, gboolean enabled)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  const char *commandline[] = { "tern", "--background", NULL };
  GVariantBuilder options;

  if (bus == NULL)
    return;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_ ("Check for new mail and show notifications")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (enabled));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, portal_cb, NULL);
}

/* Starts Tern in the background at login while run-in-background is on. */
static void
update_autostart (TernApplication *self, gboolean changed)
{
  gboolean enabled = g_settings_get_boolean (self->settings, "run-in-background");
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_build_filename (dir, APP_ID ".desktop", NULL);
  g_autoptr (GError) error = NULL;
  static const char contents[] = "[Desktop Entry]\n"
                                 "Type=Application\n"
                                 "Name=Tern\n"
                                 "Icon=" APP_ID "\n"
                                 "Exec=tern --background\n"
                                 "NoDisplay=true\n"
                                 "X-GNOME-Autostart-enabled=true\n";

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      if (changed || enabled)
        request_background_portal (self, enabled);
      return;
    }
  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("cannot remove %s: %s", path, g_strerror (errno));
      return;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("cannot create %s: %s", dir, g_strerror (errno));
  else if (!g_file_set_contents (path, contents, -1, &error))
    g_warning ("cannot write the autostart entry: %s", error->message);
}

static void
run_in_background_changed (GSettings *settings, const char *key, TernApplication *self)
{
  update_background (self);
  update_autostart (self, TRUE);

  /* Turned off while the window is hidden: nothing is left to show, so
   * leave. */
  if (!self->held)
    {
      g_autoptr (GList) windows =
        g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

      for (GList *l = windows; l != NULL; l = l->next)
        if (TERN_IS_WINDOW (l->data) && !gtk_widget_get_visible (l->data))
          gtk_window_destroy (l->data);
    }
}

/* mailto: links arrive here (the desktop file registers us as the handler).
 * Until the composer exists the best we can do is bring the window up. */
static void
tern_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      g_debug ("asked to open %s", uri);
    }

  tern_application_activate (app);
}

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TernApplication *self = user_data;
  GList *windows;

  /* Quit for real, even in the background. */
  self->quitting = TRUE;
  update_background (self);

  /* Close windows rather than g_application_quit() so each saves its state;
   * one never shown (--background) has no state and cannot be closed. */
  windows = gtk_application_get_windows (GTK_APPLICATION (self));
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      if (gtk_widget_get_realized (GTK_WIDGET (window)))
        gtk_window_close (window);
      else
        gtk_window_destroy (window);
    }
}

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TernApplication *self = user_data;
  static const char *developers[] = { "The Tern authors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  AdwAboutWindow *about;

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  adw_about_window_set_application_name (about, _ ("Tern"));
  adw_about_window_set_application_icon (about, APP_ID);
  adw_about_window_set_developer_name (about, _ ("The Tern authors"));
  adw_about_window_set_version (about, PACKAGE_VERSION);
  adw_about_window_set_website (about, PACKAGE_WEBSITE);
  adw_about_window_set_issue_url (about, PACKAGE_WEBSITE "/issues");
  adw_about_window_set_developers (about, developers);
  adw_about_window_set_copyright (about, "© 2026 The Tern authors");
  adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  /* Translators: replace with your names, one per line. */
  adw_about_window_set_translator_credits (about, _ ("translator-credits"));
  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);
  gtk_window_present (GTK_WINDOW (about));
}

/* Opens the account assistant over the main window; it tells the window to
 * reload its accounts once one is saved. */
static void
add_account_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TernApplication *self = user_data;
  TernWindow *window = ensure_window (self);
  TernAccountAssistant *assistant;

  gtk_window_present (GTK_WINDOW (window));
  assistant = tern_account_assistant_new (GTK_WINDOW (window), window, NULL);
  gtk_window_present (GTK_WINDOW (assistant));
}

static void
preferences_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TernApplication *self = user_data;
  TernWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (tern_preferences_new (window)));
}

/* A notification was clicked: (account id, folder, UID). */
static void
show_message_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TernApplication *self = user_data;
  TernWindow *window = ensure_window (self);
  const char *account_id, *folder;
  guint32 uid;

  g_variant_get (parameter, "(&s&su)", &account_id, &folder, &uid);
  self->start_hidden = FALSE;
  gtk_window_present (GTK_WINDOW (window));
  tern_window_show_message (window, account_id, folder, uid);
  tern_notifier_withdraw (self->notifier, account_id, folder);
}

/* A notification's buttons: (account id, folder, UIDs). */
static void
notified_messages_action (TernApplication *self, TernAccountAction action, GVariant *parameter)
{
  g_autoptr (GVariant) uids = NULL;
  const char *account_id, *folder;

  g_variant_get (parameter, "(&s&s@au)", &account_id, &folder, &uids);
  tern_notifier_apply (self->notifier, action, account_id, folder, uids);
}

static void
mark_read_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  notified_messages_action (user_data, TERN_ACCOUNT_ACTION_MARK_READ, parameter);
}

static void
delete_messages_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  notified_messages_action (user_data, TERN_ACCOUNT_ACTION_DELETE, parameter);
}

/* SIGTERM at logout, Ctrl+C in a terminal: quit as app.quit does, so that
 * drafts are saved and every cache is closed cleanly (a clean cache skips
 * its integrity check at the next start). */
static gboolean
terminate_cb (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "add-account", add_account_action },
  { "preferences", preferences_action },
  { "show-message", show_message_action, "(ssu)" },
  { "mark-read", mark_read_action, "(ssau)" },
  { "delete-messages", delete_messages_action, "(ssau)" },
};

static void
early_open_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  tern_account_open_cache_finish (TERN_ACCOUNT (source), result, NULL);
}

/* The caches open, and the first folder's order is read, while the window
 * is built (its template, styles and icons take the main thread 0.15 s);
 * the window takes the accounts over (tern_application_take_account()). */
static void
open_caches_early (TernApplication *self)
{
  g_autoptr (GPtrArray) configs = tern_account_config_load_all (NULL);

  self->early_accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  for (guint i = 0; configs != NULL && i < configs->len; i++)
    {
      TernAccount *account = tern_account_new (g_ptr_array_index (configs, i));

      tern_account_open_cache_async (account, NULL, early_open_done, NULL);
      if (i == 0)
        tern_window_read_ahead (account);
      g_hash_table_insert (self->early_accounts, g_strdup (tern_account_get_id (account)), account);
    }
}

/* (transfer full) (nullable): the account opened at startup for @id. */
TernAccount *
tern_application_take_account (TernApplication *self, const char *id)
{
  gpointer key = NULL, value = NULL;

  if (self->early_accounts == NULL ||
      !g_hash_table_steal_extended (self->early_accounts, id, &key, &value))
    return NULL;
  g_free (key);
  return value;
}

static void
tern_application_startup (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);
  static const char *quit_accels[] = { "<Primary>q", NULL };
  static const char *close_accels[] = { "<Primary>w", NULL };
  static const char *refresh_accels[] = { "<Primary>r", "F5", NULL };
  static const char *preferences_accels[] = { "<Primary>comma", NULL };

  open_caches_early (self);

  G_APPLICATION_CLASS (tern_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.refresh", refresh_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);

  self->settings = g_settings_new (APP_ID);
  self->notifier = tern_notifier_new (GTK_APPLICATION (self));
  g_signal_connect (self, "window-added", G_CALLBACK (window_added), self);
  g_signal_connect (self->settings, "changed::run-in-background",
                    G_CALLBACK (run_in_background_changed), self);
  update_background (self);
  update_autostart (self, FALSE);

  self->signal_sources[0] = g_unix_signal_add (SIGTERM, terminate_cb, self);
  self->signal_sources[1] = g_unix_signal_add (SIGINT, terminate_cb, self);
  self->signal_sources[2] = g_unix_signal_add (SIGHUP, terminate_cb, self);
}

static void
tern_application_shutdown (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);

  for (guint i = 0; i < G_N_ELEMENTS (self->signal_sources); i++)
    g_clear_handle_id (&self->signal_sources[i], g_source_remove);
  g_clear_object (&self->notifier);
  g_clear_pointer (&self->early_accounts, g_hash_table_unref);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  G_APPLICATION_CLASS (tern_application_parent_class)->shutdown (app);
}

static void
tern_application_finalize (GObject *object)
{
  TernApplication *self = TERN_APPLICATION (object);

  g_clear_object (&self->notifier);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tern_application_parent_class)->finalize (object);
}

static void
tern_application_class_init (TernApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tern_application_finalize;
  app_class->activate = tern_application_activate;
  app_class->handle_local_options = tern_application_handle_local_options;
  app_class->open = tern_application_open;
  app_class->startup = tern_application_startup;
  app_class->shutdown = tern_application_shutdown;
}

static void
tern_application_init (TernApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "background", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _ ("Start without a window, to check for new mail in the "
                                    "background"),
                                 NULL);
}

TernApplication *
tern_application_new (void)
{
  static gsize resources_registered;

  if (g_once_init_enter (&resources_registered))
    {
      tern_register_resource ();
      g_once_init_leave (&resources_registered, 1);
    }

  return g_object_new (TERN_TYPE_APPLICATION, "application-id", APP_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path", "/io/github/ternmail/Tern",
                       NULL);
}
