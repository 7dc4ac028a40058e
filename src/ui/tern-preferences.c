/* tern-preferences.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernPreferences: the Preferences window. Accounts (edit in the account
 * assistant, remove after a confirmation, add), reading (remote content
 * policy and allowed senders, when an opened message is marked read),
 * notifications (running in the background, the folders besides INBOX whose
 * new mail is announced) and storage (the cache size limit). Every setting
 * is bound to GSettings, so the window that uses it follows at once.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "account/tern-account-config.h"
#include "account/tern-account-setup.h"
#include "store/tern-store.h"
#include "tern-account-assistant.h"
#include "tern-preferences.h"

struct _TernPreferences
{
  AdwPreferencesWindow parent_instance;

  /* template widgets */
  AdwPreferencesGroup *accounts_group;
  GtkLabel *accounts_error;
  AdwComboRow *mark_read_row;
  AdwComboRow *remote_content_row;
  AdwPreferencesGroup *senders_group;
  AdwActionRow *no_senders_row;
  GtkSpinButton *cache_size_spin;
  GtkSwitch *background_switch;
  AdwPreferencesGroup *notify_group;
  AdwActionRow *no_notify_accounts_row;

  /* owned */
  GWeakRef main_window;
  GSettings *settings;
  GPtrArray *account_rows;  /* AdwActionRow, in accounts_group */
  GPtrArray *sender_rows;   /* AdwActionRow, in senders_group */
  GPtrArray *notify_rows;   /* AdwExpanderRow, one per account, in notify_group */
  GPtrArray *notify_checks; /* GtkCheckButton, one per folder */
};

G_DEFINE_FINAL_TYPE (TernPreferences, tern_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* The mark-read-delay choices of the combo row, in seconds; -1 is never. */
static const int mark_read_delays[] = { 0, 1, 2, 5, -1 };

static gboolean
delay_to_selected (GValue *value, GVariant *variant, gpointer user_data)
{
  int delay = g_variant_get_int32 (variant);
  guint best = 0;

  /* A value set elsewhere (gsettings) shows as the nearest choice. */
  for (guint i = 0; i < G_N_ELEMENTS (mark_read_delays); i++)
    {
      if (mark_read_delays[i] == delay)
        {
          best = i;
          break;
        }
      if (delay < 0)
        best = G_N_ELEMENTS (mark_read_delays) - 1;
      else if (mark_read_delays[i] >= 0 && mark_read_delays[i] <= delay)
        best = i;
    }
  g_value_set_uint (value, best);
  return TRUE;
}

static GVariant *
selected_to_delay (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (mark_read_delays))
    return NULL;
  return g_variant_new_int32 (mark_read_delays[selected]);
}

static gboolean
policy_to_selected (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_uint (value, g_strcmp0 (g_variant_get_string (variant, NULL), "always") == 0);
  return TRUE;
}

static GVariant *
selected_to_policy (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 1 ? "always" : "ask");
}

static TernWindow *
ref_main_window (TernPreferences *self)
{
  return g_weak_ref_get (&self->main_window);
}

static void
show_accounts_error (TernPreferences *self, const char *message)
{
  gtk_label_set_text (self->accounts_error, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->accounts_error), message != NULL);
}

/* Accounts -------------------------------------------------------------------- */

static void reload_accounts (TernPreferences *self);
static void reload_notify_folders (TernPreferences *self);

static void
open_assistant (TernPreferences *self, TernAccountConfig *edit)
{
  g_autoptr (TernWindow) main_window = ref_main_window (self);
  TernAccountAssistant *assistant;

  assistant = tern_account_assistant_new (GTK_WINDOW (self), main_window, edit);
  /* The list follows whatever the assistant saved. */
  g_signal_connect_object (assistant, "destroy", G_CALLBACK (reload_accounts), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (assistant));
}

static void
on_edit_clicked (GtkButton *button, TernPreferences *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "tern-account-id");
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  config = tern_account_config_load (id, &error);
  if (config == NULL)
    {
      show_accounts_error (self, error->message);
      return;
    }
  open_assistant (self, config);
}

static void
remove_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernPreferences) self = user_data;
  g_autoptr (TernWindow) main_window = ref_main_window (self);
  g_autoptr (GError) error = NULL;

  if (!tern_account_setup_remove_finish (result, &error))
    show_accounts_error (self, error->message);

  if (main_window != NULL)
    tern_window_reload_accounts (main_window);
  reload_accounts (self);
}

static void
on_remove_response (AdwMessageDialog *dialog, const char *response, TernPreferences *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "tern-account-id");

  if (g_strcmp0 (response, "remove") != 0)
    return;

  show_accounts_error (self, NULL);
  tern_account_setup_remove_async (id, NULL, remove_cb, g_object_ref (self));
}

static void
on_remove_clicked (GtkButton *button, TernPreferences *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "tern-account-id");
  const char *name = g_object_get_data (G_OBJECT (button), "tern-account-name");
  AdwMessageDialog *dialog;

  dialog =
    ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _ ("Remove Account?"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _ ("“%s” will be removed from Tern, with its password and the "
                                     "mail cached on this computer. The mail on the server is "
                                     "not touched."),
                                  name);
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "remove", _ ("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "tern-account-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
new_row_button (const char *icon, const char *tooltip, const char *id, const char *name)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "tern-account-id", g_strdup (id), g_free);
  g_object_set_data_full (G_OBJECT (button), "tern-account-name", g_strdup (name), g_free);
  return button;
}

static void
reload_accounts (TernPreferences *self)
{
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < self->account_rows->len; i++)
    adw_preferences_group_remove (self->accounts_group, g_ptr_array_index (self->account_rows, i));
  g_ptr_array_set_size (self->account_rows, 0);

  configs = tern_account_config_load_all (&error);
  if (configs == NULL)
    {
      show_accounts_error (self, error->message);
      return;
    }

  for (guint i = 0; i < configs->len; i++)
    {
      TernAccountConfig *config = g_ptr_array_index (configs, i);
      const char *id = tern_account_config_get_id (config);
      const char *name = tern_account_config_get_display_name (config);
      g_autofree char *edit_label = g_strdup_printf (_ ("Edit %s"), name);
      g_autofree char *remove_label = g_strdup_printf (_ ("Remove %s"), name);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *edit = new_row_button ("document-edit-symbolic", edit_label, id, name);
      GtkWidget *remove = new_row_button ("user-trash-symbolic", remove_label, id, name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), tern_account_config_get_email (config));
      g_signal_connect_object (edit, "clicked", G_CALLBACK (on_edit_clicked), self, 0);
      g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->account_rows, row);
    }
  reload_notify_folders (self);
}

static void
add_account_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  open_assistant (TERN_PREFERENCES (widget), NULL);
}

/* Allowed senders ---------------------------------------------------------------- */

static void
on_sender_remove_clicked (GtkButton *button, TernPreferences *self)
{
  const char *sender = g_object_get_data (G_OBJECT (button), "tern-sender");
  g_auto (GStrv) senders = g_settings_get_strv (self->settings, "remote-content-senders");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) kept = NULL;

  for (guint i = 0; senders[i] != NULL; i++)
    if (g_strcmp0 (senders[i], sender) != 0)
      g_strv_builder_add (builder, senders[i]);
  kept = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "remote-content-senders", (const char *const *) kept);
}

static void
reload_senders (TernPreferences *self)
{
  g_auto (GStrv) senders = g_settings_get_strv (self->settings, "remote-content-senders");

  for (guint i = 0; i < self->sender_rows->len; i++)
    adw_preferences_group_remove (self->senders_group, g_ptr_array_index (self->sender_rows, i));
  g_ptr_array_set_size (self->sender_rows, 0);

  for (guint i = 0; senders[i] != NULL; i++)
    {
      g_autofree char *label = g_strdup_printf (_ ("Remove %s"), senders[i]);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), senders[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                      -1);
      g_object_set_data_full (G_OBJECT (button), "tern-sender", g_strdup (senders[i]), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (on_sender_remove_clicked), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (self->senders_group, row);
      g_ptr_array_add (self->sender_rows, row);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->no_senders_row), senders[0] == NULL);
}

/* Notified folders ---------------------------------------------------------------- */

static void
on_notify_toggled (GtkCheckButton *check, TernPreferences *self)
{
  const char *key = g_object_get_data (G_OBJECT (check), "tern-notify-folder");
  g_auto (GStrv) folders = g_settings_get_strv (self->settings, "notify-folders");
  gboolean active = gtk_check_button_get_active (check);
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) changed = NULL;

  /* Following the setting (notify_folders_changed) writes nothing back. */
  if (g_strv_contains ((const char *const *) folders, key) == active)
    return;
  builder = g_strv_builder_new ();
  for (guint i = 0; folders[i] != NULL; i++)
    if (g_strcmp0 (folders[i], key) != 0)
      g_strv_builder_add (builder, folders[i]);
  if (active)
    g_strv_builder_add (builder, key);
  changed = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "notify-folders", (const char *const *) changed);
}

static void
notify_folders_changed (TernPreferences *self)
{
  g_auto (GStrv) folders = g_settings_get_strv (self->settings, "notify-folders");

  for (guint i = 0; i < self->notify_checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->notify_checks, i);
      const char *key = g_object_get_data (G_OBJECT (check), "tern-notify-folder");

      gtk_check_button_set_active (check, g_strv_contains ((const char *const *) folders, key));
    }
}

static int
compare_folder_paths (gconstpointer a, gconstpointer b)
{
  const TernStoreFolder *x = *(TernStoreFolder *const *) a;
  const TernStoreFolder *y = *(TernStoreFolder *const *) b;

  return g_utf8_collate (x->path, y->path);
}

typedef struct
{
  TernPreferences *self;
  AdwExpanderRow *expander;
  char *account_id;
} NotifyFolders;

static void
notify_folders_free (NotifyFolders *data)
{
  g_object_unref (data->self);
  g_object_unref (data->expander);
  g_free (data->account_id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NotifyFolders, notify_folders_free)

static void
notify_folders_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (NotifyFolders) data = user_data;
  TernPreferences *self = data->self;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) chosen = NULL;
  guint shown = 0;

  folders = tern_store_list_folders_finish (TERN_STORE (source), result, &error);
  /* The accounts were listed again meanwhile. */
  if (self->notify_rows == NULL || !g_ptr_array_find (self->notify_rows, data->expander, NULL))
    return;
  if (folders == NULL)
    {
      adw_expander_row_set_subtitle (data->expander, error->message);
      return;
    }
  chosen = g_settings_get_strv (self->settings, "notify-folders");
  g_ptr_array_sort (folders, compare_folder_paths);
  for (guint i = 0; i < folders->len; i++)
    {
      TernStoreFolder *folder = g_ptr_array_index (folders, i);
      g_autofree char *key = NULL;
      GtkWidget *row, *check;

      if (g_ascii_strcasecmp (folder->path, "INBOX") == 0)
        continue;
      key = g_strconcat (data->account_id, "/", folder->path, NULL);
      row = adw_action_row_new ();
      check = gtk_check_button_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), folder->path);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   g_strv_contains ((const char *const *) chosen, key));
      g_object_set_data_full (G_OBJECT (check), "tern-notify-folder", g_steal_pointer (&key),
                              g_free);
      g_signal_connect_object (check, "toggled", G_CALLBACK (on_notify_toggled), self, 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      /* Which also names the check box after the row (the folder). */
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_expander_row_add_row (data->expander, row);
      g_ptr_array_add (self->notify_checks, check);
      shown++;
    }
  if (shown == 0)
    adw_expander_row_set_subtitle (data->expander, _ ("Only the Inbox"));
}

static void
reload_notify_folders (TernPreferences *self)
{
  g_autoptr (TernWindow) main_window = ref_main_window (self);
  g_autoptr (GPtrArray) configs = NULL;

  for (guint i = 0; i < self->notify_rows->len; i++)
    adw_preferences_group_remove (self->notify_group, g_ptr_array_index (self->notify_rows, i));
  g_ptr_array_set_size (self->notify_rows, 0);
  g_ptr_array_set_size (self->notify_checks, 0);

  configs = tern_account_config_load_all (NULL);
  for (guint i = 0; main_window != NULL && configs != NULL && i < configs->len; i++)
    {
      TernAccountConfig *config = g_ptr_array_index (configs, i);
      const char *id = tern_account_config_get_id (config);
      TernAccount *account = tern_window_lookup_account (main_window, id);
      TernStore *store = account != NULL ? tern_account_get_store (account) : NULL;
      GtkWidget *row;
      NotifyFolders *data;

      if (store == NULL)
        continue;
      row = adw_expander_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     tern_account_config_get_display_name (config));
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      tern_account_config_get_display_name (config), -1);
      adw_preferences_group_add (self->notify_group, row);
      g_ptr_array_add (self->notify_rows, row);

      data = g_new0 (NotifyFolders, 1);
      data->self = g_object_ref (self);
      data->expander = g_object_ref (ADW_EXPANDER_ROW (row));
      data->account_id = g_strdup (id);
      tern_store_list_folders_async (store, NULL, notify_folders_listed, data);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->no_notify_accounts_row), self->notify_rows->len == 0);
}

static void
tern_preferences_dispose (GObject *object)
{
  TernPreferences *self = TERN_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_PREFERENCES);

  G_OBJECT_CLASS (tern_preferences_parent_class)->dispose (object);
}

static void
tern_preferences_finalize (GObject *object)
{
  TernPreferences *self = TERN_PREFERENCES (object);

  g_weak_ref_clear (&self->main_window);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->account_rows, g_ptr_array_unref);
  g_clear_pointer (&self->sender_rows, g_ptr_array_unref);
  g_clear_pointer (&self->notify_rows, g_ptr_array_unref);
  g_clear_pointer (&self->notify_checks, g_ptr_array_unref);

  G_OBJECT_CLASS (tern_preferences_parent_class)->finalize (object);
}

static void
tern_preferences_class_init (TernPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tern_preferences_dispose;
  object_class->finalize = tern_preferences_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/ternmail/Tern/tern-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, accounts_group);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, accounts_error);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, mark_read_row);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, remote_content_row);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, senders_group);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, no_senders_row);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, cache_size_spin);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, background_switch);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, notify_group);
  gtk_widget_class_bind_template_child (widget_class, TernPreferences, no_notify_accounts_row);

  gtk_widget_class_install_action (widget_class, "prefs.add-account", NULL, add_account_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tern_preferences_init (TernPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_weak_ref_init (&self->main_window, NULL);
  self->account_rows = g_ptr_array_new ();
  self->sender_rows = g_ptr_array_new ();
  self->notify_rows = g_ptr_array_new ();
  self->notify_checks = g_ptr_array_new ();
  self->settings = g_settings_new (APP_ID);

  g_settings_bind_with_mapping (self->settings, "mark-read-delay", self->mark_read_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, delay_to_selected, selected_to_delay, NULL,
                                NULL);
  g_settings_bind_with_mapping (self->settings, "remote-content", self->remote_content_row,
                                "selected", G_SETTINGS_BIND_DEFAULT, policy_to_selected,
                                selected_to_policy, NULL, NULL);
  g_settings_bind (self->settings, "cache-size-limit", self->cache_size_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::remote-content-senders",
                           G_CALLBACK (reload_senders), self, G_CONNECT_SWAPPED);
  g_settings_bind (self->settings, "run-in-background", self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::notify-folders",
                           G_CALLBACK (notify_folders_changed), self, G_CONNECT_SWAPPED);

  reload_accounts (self);
  reload_senders (self);
}

TernPreferences *
tern_preferences_new (TernWindow *main_window)
{
  TernPreferences *self;

  self = g_object_new (TERN_TYPE_PREFERENCES, "transient-for", main_window, NULL);
  g_weak_ref_set (&self->main_window, main_window);
  /* The folders come from the window's accounts. */
  reload_notify_folders (self);
  return self;
}
