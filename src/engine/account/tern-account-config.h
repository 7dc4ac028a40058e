/* tern-account-config.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TERN_ACCOUNT_ERROR (tern_account_error_quark ())

typedef enum
{
  TERN_ACCOUNT_ERROR_INVALID,
  TERN_ACCOUNT_ERROR_NOT_FOUND,
  /* An account with that id is already configured. */
  TERN_ACCOUNT_ERROR_EXISTS,
  /* The server could not be reached, or the connection failed. */
  TERN_ACCOUNT_ERROR_CONNECTION,
  /* The server presented a certificate that is not trusted. */
  TERN_ACCOUNT_ERROR_CERTIFICATE,
  /* The server refused the user name or password. */
  TERN_ACCOUNT_ERROR_AUTHENTICATION,
} TernAccountError;

typedef enum
{
  TERN_SECURITY_TLS,
  TERN_SECURITY_STARTTLS,
  TERN_SECURITY_NONE,
} TernSecurity;

#define TERN_TYPE_ACCOUNT_CONFIG (tern_account_config_get_type ())

G_DECLARE_FINAL_TYPE (TernAccountConfig, tern_account_config, TERN, ACCOUNT_CONFIG, GObject)

GQuark tern_account_error_quark (void);

gboolean tern_account_id_is_valid (const char *id);
const char *tern_security_to_string (TernSecurity security);
gboolean tern_security_from_string (const char *str, TernSecurity *out_security);

char *tern_account_config_dup_config_dir (void);
char *tern_account_config_dup_data_dir (const char *id);
gboolean tern_account_config_exists (const char *id);
gboolean tern_account_config_delete (const char *id, GError **error);
char *tern_account_config_dup_unique_id_for_email (const char *email);

TernAccountConfig *tern_account_config_new (const char *id);
TernAccountConfig *tern_account_config_load (const char *id, GError **error);
GPtrArray *tern_account_config_load_all (GError **error);
gboolean tern_account_config_save (TernAccountConfig *self, GError **error);

const char *tern_account_config_get_id (TernAccountConfig *self);
const char *tern_account_config_get_display_name (TernAccountConfig *self);
void tern_account_config_set_display_name (TernAccountConfig *self, const char *display_name);
const char *tern_account_config_get_email (TernAccountConfig *self);
void tern_account_config_set_email (TernAccountConfig *self, const char *email);
const char *tern_account_config_get_imap_host (TernAccountConfig *self);
guint16 tern_account_config_get_imap_port (TernAccountConfig *self);
TernSecurity tern_account_config_get_imap_security (TernAccountConfig *self);
const char *tern_account_config_get_imap_user (TernAccountConfig *self);
void tern_account_config_set_imap (TernAccountConfig *self,
                                   const char *host,
                                   guint16 port,
                                   TernSecurity security,
                                   const char *user);
const char *tern_account_config_get_ca_file (TernAccountConfig *self);
void tern_account_config_set_ca_file (TernAccountConfig *self, const char *ca_file);
GTlsCertificate *tern_account_config_get_pinned_certificate (TernAccountConfig *self);
void tern_account_config_set_pinned_certificate (TernAccountConfig *self,
                                                 GTlsCertificate *certificate);
gboolean tern_account_config_has_smtp (TernAccountConfig *self);
const char *tern_account_config_get_smtp_host (TernAccountConfig *self);
guint16 tern_account_config_get_smtp_port (TernAccountConfig *self);
TernSecurity tern_account_config_get_smtp_security (TernAccountConfig *self);
const char *tern_account_config_get_smtp_user (TernAccountConfig *self);
void tern_account_config_set_smtp (TernAccountConfig *self,
                                   const char *host,
                                   guint16 port,
                                   TernSecurity security,
                                   const char *user);

G_END_DECLS
