/* tern-application.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernApplication: the single-instance, D-Bus activatable application object.
 * It owns the application-wide actions (quit, about, add-account, preferences)
 * and their accelerators, and makes sure one main window exists when
 * activated.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tern-account-assistant.h"
#include "tern-application.h"
#include "tern-preferences.h"
#include "tern-resources.h"
#include "tern-window.h"

struct _TernApplication
{
  AdwApplication parent_instance;
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
  gtk_window_present (GTK_WINDOW (ensure_window (TERN_APPLICATION (app))));
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
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Close windows rather than g_application_quit() so each saves its state. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
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

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "add-account", add_account_action },
  { "preferences", preferences_action },
};

static void
tern_application_startup (GApplication *app)
{
  TernApplication *self = TERN_APPLICATION (app);
  static const char *quit_accels[] = { "<Primary>q", NULL };
  static const char *close_accels[] = { "<Primary>w", NULL };
  static const char *refresh_accels[] = { "<Primary>r", "F5", NULL };
  static const char *preferences_accels[] = { "<Primary>comma", NULL };

  G_APPLICATION_CLASS (tern_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.refresh", refresh_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
}

static void
tern_application_class_init (TernApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = tern_application_activate;
  app_class->open = tern_application_open;
  app_class->startup = tern_application_startup;
}

static void
tern_application_init (TernApplication *self)
{
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
