/* tern-account-assistant.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernAccountAssistant: the modal window that adds an account, or edits one.
 *
 * Adding starts on the "welcome" page (name, address, password). Continue
 * looks the servers up (tern-autoconfig.c) and, when found, verifies the
 * login and saves; when nothing is found, or the user asks, the "manual"
 * page takes the server settings. Editing starts on the manual page,
 * prefilled. Saving always goes through tern_account_setup_add/update, which
 * verify the login first and put the password in the keyring only.
 *
 * A certificate that fails validation leads to the "certificate" page, which
 * shows what the certificate is and why it failed; "Trust This Certificate"
 * pins exactly that certificate in the account and tries again, "Cancel"
 * returns to the settings with nothing saved (DESIGN decision 3).
 *
 * Errors are shown on the page, in words (wrong password, host not found,
 * refused, timed out), never as a toast that goes away.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "account/tern-account-secret.h"
#include "account/tern-account-setup.h"
#include "account/tern-autoconfig.h"
#include "tern-account-assistant.h"

/* Long enough for slow DNS and a server far away, short enough that nobody
 * wonders whether anything is happening. */
#define AUTOCONFIG_TIMEOUT_SECONDS 20

struct _TernAccountAssistant
{
  AdwWindow parent_instance;

  /* template widgets */
  GtkButton *cancel_button;
  GtkButton *continue_button;
  GtkSpinner *spinner;
  GtkStack *stack;
  GtkLabel *welcome_error;
  AdwEntryRow *name_row;
  AdwEntryRow *email_row;
  AdwEntryRow *password_row;
  GtkLabel *status_label;
  GtkButton *manual_button;
  GtkLabel *manual_title;
  GtkLabel *manual_info;
  GtkLabel *manual_error;
  AdwEntryRow *imap_host_row;
  AdwEntryRow *imap_port_row;
  AdwComboRow *imap_security_row;
  AdwEntryRow *imap_user_row;
  AdwEntryRow *manual_password_row;
  GtkLabel *insecure_warning;
  AdwEntryRow *smtp_host_row;
  AdwEntryRow *smtp_port_row;
  AdwComboRow *smtp_security_row;
  AdwEntryRow *smtp_user_row;
  GtkLabel *certificate_title;
  GtkLabel *certificate_reason;
  AdwActionRow *subject_row;
  AdwActionRow *issuer_row;
  AdwActionRow *not_before_row;
  AdwActionRow *not_after_row;
  AdwActionRow *fingerprint_row;
  GtkButton *refuse_button;
  GtkButton *trust_button;

  /* owned */
  GWeakRef main_window;
  TernAccountConfig *edit;    /* the account being edited, or NULL */
  TernAccountConfig *pending; /* what is being verified and saved */
  GTlsCertificate *shown;     /* on the certificate page */
  GTlsCertificate *trusted;   /* pinned by the user in this assistant */
  GCancellable *cancellable;
  guint busy : 1;
};

G_DEFINE_FINAL_TYPE (TernAccountAssistant, tern_account_assistant, ADW_TYPE_WINDOW)

/* The combo rows list TLS, STARTTLS, None, in TernSecurity order. */
G_STATIC_ASSERT (TERN_SECURITY_TLS == 0 && TERN_SECURITY_STARTTLS == 1 && TERN_SECURITY_NONE == 2);

static guint16
default_port (TernSecurity security, gboolean smtp)
{
  switch (security)
    {
    case TERN_SECURITY_TLS:
      return smtp ? 465 : 993;
    case TERN_SECURITY_STARTTLS:
    case TERN_SECURITY_NONE:
    default:
      return smtp ? 587 : 143;
    }
}

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
dup_stripped (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (text_of (row)));
}

static void
set_text (AdwEntryRow *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
}

static void
set_port (AdwEntryRow *row, guint16 port)
{
  g_autofree char *text = g_strdup_printf ("%u", port);

  set_text (row, text);
}

static void
show_message (GtkLabel *label, const char *message)
{
  gtk_label_set_text (label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL && message[0] != '\0');
}

static void
clear_errors (TernAccountAssistant *self)
{
  show_message (self->welcome_error, NULL);
  show_message (self->manual_error, NULL);
}

static void focus_page (TernAccountAssistant *self);

static void
set_busy (TernAccountAssistant *self, const char *status)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  GtkWidget *content = gtk_stack_get_visible_child (self->stack);

  self->busy = status != NULL;
  gtk_spinner_set_spinning (self->spinner, self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->continue_button), !self->busy);
  gtk_widget_set_sensitive (content, !self->busy);
  if (g_strcmp0 (page, "welcome") == 0)
    show_message (self->status_label, status);
  else if (status != NULL)
    show_message (self->manual_info, status);

  /* Making the page insensitive took the focus away; give it back. */
  if (!self->busy)
    focus_page (self);
}

static void
show_page (TernAccountAssistant *self, const char *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
}

static void
on_page_changed (TernAccountAssistant *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean certificate = g_strcmp0 (page, "certificate") == 0;

  /* On the certificate page the choice is in the page, and Enter must not
   * trust a certificate: the default is to refuse. */
  gtk_widget_set_visible (GTK_WIDGET (self->continue_button), !certificate);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), !certificate);
  gtk_window_set_default_widget (GTK_WINDOW (self), certificate
                                                      ? GTK_WIDGET (self->refuse_button)
                                                      : GTK_WIDGET (self->continue_button));

  focus_page (self);
}

static void
focus_page (TernAccountAssistant *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "welcome") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  else if (g_strcmp0 (page, "manual") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->imap_host_row));
  else if (g_strcmp0 (page, "certificate") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->refuse_button));
}

static void
on_security_changed (TernAccountAssistant *self, GParamSpec *pspec, AdwComboRow *row)
{
  gboolean smtp = row == self->smtp_security_row;
  AdwEntryRow *port_row = smtp ? self->smtp_port_row : self->imap_port_row;
  TernSecurity security = adw_combo_row_get_selected (row);
  g_autofree char *port = dup_stripped (port_row);

  /* Follow the security with the port while it is one of the defaults. */
  if (port[0] == '\0' || g_str_equal (port, smtp ? "465" : "993") ||
      g_str_equal (port, smtp ? "587" : "143"))
    set_port (port_row, default_port (security, smtp));

  gtk_widget_set_visible (GTK_WIDGET (self->insecure_warning),
                          adw_combo_row_get_selected (self->imap_security_row) ==
                              TERN_SECURITY_NONE ||
                            adw_combo_row_get_selected (self->smtp_security_row) ==
                              TERN_SECURITY_NONE);
}

static void
fill_manual (TernAccountAssistant *self, TernAccountConfig *config)
{
  set_text (self->imap_host_row, tern_account_config_get_imap_host (config));
  adw_combo_row_set_selected (self->imap_security_row,
                              tern_account_config_get_imap_security (config));
  set_port (self->imap_port_row, tern_account_config_get_imap_port (config));
  set_text (self->imap_user_row, tern_account_config_get_imap_user (config));
  if (tern_account_config_has_smtp (config))
    {
      const char *smtp_user = tern_account_config_get_smtp_user (config);

      set_text (self->smtp_host_row, tern_account_config_get_smtp_host (config));
      adw_combo_row_set_selected (self->smtp_security_row,
                                  tern_account_config_get_smtp_security (config));
      set_port (self->smtp_port_row, tern_account_config_get_smtp_port (config));
      set_text (self->smtp_user_row,
                g_strcmp0 (smtp_user, tern_account_config_get_imap_user (config)) != 0 ? smtp_user
                                                                                       : NULL);
    }
}

static gboolean
parse_port (AdwEntryRow *row, guint16 *out_port)
{
  g_autofree char *text = dup_stripped (row);
  guint64 port;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &port, NULL))
    return FALSE;
  *out_port = (guint16) port;
  return TRUE;
}

/* The account as the manual page describes it; a message for the person
 * when something is missing. */
static TernAccountConfig *
config_from_manual (TernAccountAssistant *self, char **out_message)
{
  g_autofree char *host = dup_stripped (self->imap_host_row);
  g_autofree char *user = dup_stripped (self->imap_user_row);
  g_autofree char *smtp_host = dup_stripped (self->smtp_host_row);
  g_autofree char *smtp_user = dup_stripped (self->smtp_user_row);
  g_autofree char *email = dup_stripped (self->email_row);
  g_autofree char *name = dup_stripped (self->name_row);
  g_autoptr (TernAccountConfig) config = NULL;
  guint16 port = 0;
  guint16 smtp_port = 0;

  if (host[0] == '\0')
    {
      *out_message = g_strdup (_ ("Enter the name of the IMAP server, such as imap.example.org."));
      return NULL;
    }
  if (!parse_port (self->imap_port_row, &port))
    {
      *out_message = g_strdup (_ ("The IMAP port must be a number from 1 to 65535."));
      return NULL;
    }
  if (user[0] == '\0')
    {
      *out_message = g_strdup (_ ("Enter your user name on the IMAP server."));
      return NULL;
    }
  if (smtp_host[0] != '\0' && !parse_port (self->smtp_port_row, &smtp_port))
    {
      *out_message = g_strdup (_ ("The SMTP port must be a number from 1 to 65535."));
      return NULL;
    }

  if (self->edit != NULL)
    {
      config = tern_account_config_new (tern_account_config_get_id (self->edit));
      tern_account_config_set_email (config, tern_account_config_get_email (self->edit));
      tern_account_config_set_display_name (config, name[0] ? name
                                                            : tern_account_config_get_display_name (
                                                                self->edit));
      tern_account_config_set_ca_file (config, tern_account_config_get_ca_file (self->edit));
      tern_account_config_set_pinned_certificate (config,
                                                  tern_account_config_get_pinned_certificate (
                                                    self->edit));
    }
  else
    {
      g_autofree char *id = tern_account_config_dup_unique_id_for_email (email);

      config = tern_account_config_new (id);
      tern_account_config_set_email (config, email);
      if (name[0] != '\0')
        tern_account_config_set_display_name (config, name);
    }

  tern_account_config_set_imap (config, host, port,
                                adw_combo_row_get_selected (self->imap_security_row), user);
  if (smtp_host[0] != '\0')
    tern_account_config_set_smtp (config, smtp_host, smtp_port,
                                  adw_combo_row_get_selected (self->smtp_security_row),
                                  smtp_user[0] ? smtp_user : NULL);
  if (self->trusted != NULL)
    tern_account_config_set_pinned_certificate (config, self->trusted);

  return g_steal_pointer (&config);
}

/* The certificate page ------------------------------------------------------ */

static char *
format_date (GDateTime *date)
{
  g_autoptr (GDateTime) local = NULL;

  if (date == NULL)
    return g_strdup (_ ("Unknown"));
  local = g_date_time_to_local (date);
  /* Translators: a date and time as strftime() takes it. */
  return g_date_time_format (local, _ ("%e %B %Y, %H:%M"));
}

static void
show_certificate (TernAccountAssistant *self, GTlsCertificate *certificate)
{
  const char *host = tern_account_config_get_imap_host (self->pending);
  g_autofree char *title = g_strdup_printf (_ ("The Certificate of %s Is Not Trusted"), host);
  g_autofree char *problem =
    tern_account_dup_certificate_problem (certificate, host,
                                          tern_account_config_get_ca_file (self->pending));
  g_autofree char *fingerprint = tern_account_dup_certificate_fingerprint (certificate);
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  g_autofree char *issuer = g_tls_certificate_get_issuer_name (certificate);
  g_autoptr (GDateTime) not_before = g_tls_certificate_get_not_valid_before (certificate);
  g_autoptr (GDateTime) not_after = g_tls_certificate_get_not_valid_after (certificate);
  g_autofree char *before = format_date (not_before);
  g_autofree char *after = format_date (not_after);

  g_set_object (&self->shown, certificate);
  gtk_label_set_text (self->certificate_title, title);
  gtk_label_set_text (self->certificate_reason, problem);
  adw_action_row_set_subtitle (self->subject_row, subject ? subject : _ ("Unknown"));
  adw_action_row_set_subtitle (self->issuer_row, issuer ? issuer : _ ("Unknown"));
  adw_action_row_set_subtitle (self->not_before_row, before);
  adw_action_row_set_subtitle (self->not_after_row, after);
  adw_action_row_set_subtitle (self->fingerprint_row, fingerprint);
  show_page (self, "certificate");
}

/* Saving --------------------------------------------------------------------- */

static gboolean
reload_main_window (gpointer user_data)
{
  TernWindow *main_window = user_data;

  tern_window_reload_accounts (main_window);
  return G_SOURCE_REMOVE;
}

static void
save_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernAccountAssistant) self = user_data;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TernWindow) main_window = NULL;
  gboolean ok;

  if (self->edit != NULL)
    ok = tern_account_setup_update_finish (result, &certificate, &error);
  else
    ok = tern_account_setup_add_finish (result, &certificate, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (ok)
    {
      /* The main window rebuilds its sidebar once this window is gone:
       * GTK 4.8's AT-SPI bridge can crash when widgets are added while a
       * window that had the focus is torn down in the same main-loop turn. */
      main_window = g_weak_ref_get (&self->main_window);
      gtk_window_destroy (GTK_WINDOW (self));
      if (main_window != NULL)
        g_idle_add_full (G_PRIORITY_LOW, reload_main_window, g_steal_pointer (&main_window),
                         g_object_unref);
      return;
    }

  set_busy (self, NULL);
  show_message (self->manual_info, NULL);

  if (g_error_matches (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CERTIFICATE) &&
      certificate != NULL)
    {
      show_certificate (self, certificate);
      return;
    }

  show_page (self, "manual");
  show_message (self->manual_error, error->message);
  if (g_error_matches (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION))
    gtk_widget_grab_focus (GTK_WIDGET (self->manual_password_row));
}

static void
save (TernAccountAssistant *self, TernAccountConfig *config)
{
  g_autofree char *status = NULL;

  g_set_object (&self->pending, config);
  clear_errors (self);
  status = g_strdup_printf (_ ("Logging in to %s…"), tern_account_config_get_imap_host (config));
  set_busy (self, status);

  if (self->edit != NULL)
    tern_account_setup_update_async (config, text_of (self->manual_password_row), self->cancellable,
                                     save_cb, g_object_ref (self));
  else
    tern_account_setup_add_async (config, text_of (self->manual_password_row), self->cancellable,
                                  save_cb, g_object_ref (self));
}

/* Looking the servers up -------------------------------------------------------- */

/* The manual page as a starting point for @email's domain. */
static void
prefill_manual (TernAccountAssistant *self)
{
  g_autofree char *email = dup_stripped (self->email_row);

  set_text (self->manual_password_row, text_of (self->password_row));
  if (text_of (self->imap_user_row)[0] == '\0')
    set_text (self->imap_user_row, email);
}

static void
autoconfig_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernAccountAssistant) self = user_data;
  g_autoptr (TernAccountConfig) suggestion = NULL;
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;

  suggestion = tern_autoconfig_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, NULL);
  show_message (self->status_label, NULL);
  prefill_manual (self);

  if (suggestion == NULL)
    {
      g_autofree char *info = g_strdup_printf (_ ("%s Enter the server settings your provider "
                                                  "gives, then choose Continue."),
                                               error->message);

      show_page (self, "manual");
      show_message (self->manual_info, info);
      return;
    }

  fill_manual (self, suggestion);
  show_page (self, "manual");
  config = config_from_manual (self, &message);
  if (config == NULL)
    {
      show_message (self->manual_error, message);
      return;
    }
  save (self, config);
}

static gboolean
check_welcome (TernAccountAssistant *self)
{
  g_autofree char *email = dup_stripped (self->email_row);
  g_autofree char *domain = tern_autoconfig_dup_domain (email);

  if (domain == NULL)
    {
      show_message (self->welcome_error,
                    _ ("Enter your e-mail address in full, such as alice@example.org."));
      gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
      return FALSE;
    }

  return TRUE;
}

static void
welcome_continue (TernAccountAssistant *self)
{
  g_autofree char *email = dup_stripped (self->email_row);
  g_autofree char *domain = NULL;
  g_autofree char *status = NULL;

  clear_errors (self);
  if (!check_welcome (self))
    return;

  if (text_of (self->password_row)[0] == '\0')
    {
      show_message (self->welcome_error, _ ("Enter the password of your e-mail account."));
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  domain = tern_autoconfig_dup_domain (email);
  status = g_strdup_printf (_ ("Looking for the mail servers of %s…"), domain);
  set_busy (self, status);
  tern_autoconfig_lookup_async (email, AUTOCONFIG_TIMEOUT_SECONDS, self->cancellable, autoconfig_cb,
                                g_object_ref (self));
}

static void
manual_continue (TernAccountAssistant *self)
{
  g_autoptr (TernAccountConfig) config = NULL;
  g_autofree char *message = NULL;

  clear_errors (self);
  config = config_from_manual (self, &message);
  if (config == NULL)
    {
      show_message (self->manual_error, message);
      return;
    }
  if (text_of (self->manual_password_row)[0] == '\0')
    {
      show_message (self->manual_error, _ ("Enter the password of your e-mail account."));
      gtk_widget_grab_focus (GTK_WIDGET (self->manual_password_row));
      return;
    }

  save (self, config);
}

static void
on_continue_clicked (TernAccountAssistant *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (self->busy)
    return;

  if (g_strcmp0 (page, "welcome") == 0)
    welcome_continue (self);
  else if (g_strcmp0 (page, "manual") == 0)
    manual_continue (self);
}

static void
on_manual_clicked (TernAccountAssistant *self)
{
  clear_errors (self);
  if (!check_welcome (self))
    return;
  prefill_manual (self);
  show_message (self->manual_info, NULL);
  show_page (self, "manual");
}

static void
on_refuse_clicked (TernAccountAssistant *self)
{
  g_clear_object (&self->shown);
  show_page (self, "manual");
  show_message (self->manual_error,
                _ ("The server’s certificate was not trusted, so Tern did not log in and nothing "
                   "was saved. Check the server name, or ask your provider about the "
                   "certificate."));
}

static void
on_trust_clicked (TernAccountAssistant *self)
{
  if (self->shown == NULL || self->pending == NULL)
    return;

  g_set_object (&self->trusted, self->shown);
  tern_account_config_set_pinned_certificate (self->pending, self->trusted);
  show_page (self, "manual");
  save (self, self->pending);
}

/* Editing: the stored password, so that changing a port needs no retyping. */
static void
lookup_password_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernAccountAssistant) self = user_data;
  g_autoptr (GError) error = NULL;
  char *password;

  password = tern_account_secret_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, NULL);
  show_message (self->manual_info, NULL);
  if (password == NULL)
    {
      g_debug ("no stored password: %s", error ? error->message : "not found");
      return;
    }

  if (text_of (self->manual_password_row)[0] == '\0')
    set_text (self->manual_password_row, password);
  tern_account_secret_free (password);
}

static gboolean
tern_account_assistant_close_request (GtkWindow *window)
{
  TernAccountAssistant *self = TERN_ACCOUNT_ASSISTANT (window);

  /* Closing while a login is checked stops it; add/update save nothing
   * unless they get to the end. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (tern_account_assistant_parent_class)->close_request (window);
}

static void
tern_account_assistant_dispose (GObject *object)
{
  TernAccountAssistant *self = TERN_ACCOUNT_ASSISTANT (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TERN_TYPE_ACCOUNT_ASSISTANT);

  G_OBJECT_CLASS (tern_account_assistant_parent_class)->dispose (object);
}

static void
tern_account_assistant_finalize (GObject *object)
{
  TernAccountAssistant *self = TERN_ACCOUNT_ASSISTANT (object);

  g_weak_ref_clear (&self->main_window);
  g_clear_object (&self->edit);
  g_clear_object (&self->pending);
  g_clear_object (&self->shown);
  g_clear_object (&self->trusted);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tern_account_assistant_parent_class)->finalize (object);
}

static void
tern_account_assistant_class_init (TernAccountAssistantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tern_account_assistant_dispose;
  object_class->finalize = tern_account_assistant_finalize;
  window_class->close_request = tern_account_assistant_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/ternmail/Tern/"
                                                             "tern-account-assistant.ui");
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, continue_button);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, spinner);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, stack);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, welcome_error);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, name_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, email_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, password_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, status_label);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, manual_button);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, manual_title);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, manual_info);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, manual_error);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, imap_host_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, imap_port_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, imap_security_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, imap_user_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, manual_password_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, insecure_warning);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, smtp_host_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, smtp_port_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, smtp_security_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, smtp_user_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, certificate_title);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, certificate_reason);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, subject_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, not_before_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, not_after_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, refuse_button);
  gtk_widget_class_bind_template_child (widget_class, TernAccountAssistant, trust_button);
  gtk_widget_class_bind_template_callback (widget_class, on_continue_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_refuse_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_trust_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_security_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  /* AdwWindow is a plain "filler" to screen readers in GTK 4.8. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
}

static void
tern_account_assistant_init (TernAccountAssistant *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_weak_ref_init (&self->main_window, NULL);
  self->cancellable = g_cancellable_new ();
  set_port (self->imap_port_row, 993);
  set_port (self->smtp_port_row, 465);
}

/**
 * tern_account_assistant_new:
 * @parent: the window it is modal for
 * @main_window: (nullable): the main window, told to reload its accounts
 *   once one is saved
 * @edit: (nullable): an account to edit, or %NULL to add one
 */
TernAccountAssistant *
tern_account_assistant_new (GtkWindow *parent, TernWindow *main_window, TernAccountConfig *edit)
{
  TernAccountAssistant *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (edit == NULL || TERN_IS_ACCOUNT_CONFIG (edit), NULL);

  self = g_object_new (TERN_TYPE_ACCOUNT_ASSISTANT, "transient-for", parent, NULL);
  g_weak_ref_set (&self->main_window, main_window);

  if (edit == NULL)
    {
      show_page (self, "welcome");
      on_page_changed (self);
      return self;
    }

  self->edit = g_object_ref (edit);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Edit Account"));
  gtk_label_set_text (self->manual_title, tern_account_config_get_display_name (edit));
  set_text (self->email_row, tern_account_config_get_email (edit));
  fill_manual (self, edit);
  show_page (self, "manual");
  on_page_changed (self);

  /* Busy until the keyring answered, so that Continue does not run with an
   * empty password a moment before the stored one arrives. */
  set_busy (self, _ ("Reading the password from the keyring…"));
  tern_account_secret_lookup_async (tern_account_config_get_id (edit), TERN_ACCOUNT_PROTOCOL_IMAP,
                                    tern_account_config_get_imap_host (edit),
                                    tern_account_config_get_imap_user (edit), self->cancellable,
                                    lookup_password_cb, g_object_ref (self));
  return self;
}
