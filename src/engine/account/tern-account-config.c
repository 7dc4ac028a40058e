/* tern-account-config.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernAccountConfig: one account's settings, kept as a key file in
 * $XDG_CONFIG_HOME/tern/accounts/<id>.ini (DESIGN decision 11). It holds no
 * secret: passwords live in libsecret only (decision 10).
 *
 * A certificate the user chose to trust for the IMAP server (DESIGN decision
 * 3) is kept in the same key file as PEM, key PinnedCertificate in [IMAP]: it
 * is public, and one file keeps it from outliving or missing its account.
 *
 * Threading: any thread, but one instance is used from one thread at a time.
 */

#define G_LOG_DOMAIN "tern-account"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "tern-account-config.h"

#define GROUP_ACCOUNT "Account"
#define GROUP_IMAP "IMAP"
#define GROUP_SMTP "SMTP"
#define ACCOUNT_SUFFIX ".ini"

struct _TernAccountConfig
{
  GObject parent_instance;

  char *id;
  char *display_name;
  char *email;

  char *imap_host;
  char *imap_user;
  char *ca_file;
  GTlsCertificate *pinned_certificate;
  guint16 imap_port;
  TernSecurity imap_security;

  /* SMTP is optional: smtp_host is NULL when the account has none. A NULL
   * smtp_user means the IMAP user. */
  char *smtp_host;
  char *smtp_user;
  guint16 smtp_port;
  TernSecurity smtp_security;
};

G_DEFINE_FINAL_TYPE (TernAccountConfig, tern_account_config, G_TYPE_OBJECT)
/* Spelt out rather than G_DEFINE_QUARK, whose name argument clang-format
 * would space into "tern - account - error - quark". */
GQuark
tern_account_error_quark (void)
{
  return g_quark_from_static_string ("tern-account-error-quark");
}

enum
{
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_EMAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str() is GLib 2.76; we support 2.74. */
static gboolean
set_str (char **dest, const char *src)
{
  if (g_strcmp0 (*dest, src) == 0)
    return FALSE;

  g_free (*dest);
  *dest = g_strdup (src);
  return TRUE;
}

/* Account ids become file names, so only a conservative alphabet is allowed:
 * no separators, no leading dot, bounded length. */
gboolean
tern_account_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL || id[0] == '\0' || id[0] == '.' || id[0] == '-')
    return FALSE;

  len = strlen (id);
  if (len > 64)
    return FALSE;

  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;

  return TRUE;
}

const char *
tern_security_to_string (TernSecurity security)
{
  switch (security)
    {
    case TERN_SECURITY_TLS:
      return "tls";
    case TERN_SECURITY_STARTTLS:
      return "starttls";
    case TERN_SECURITY_NONE:
      return "none";
    default:
      g_return_val_if_reached ("tls");
    }
}

gboolean
tern_security_from_string (const char *str, TernSecurity *out_security)
{
  static const TernSecurity all[] = { TERN_SECURITY_TLS, TERN_SECURITY_STARTTLS,
                                      TERN_SECURITY_NONE };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (str, tern_security_to_string (all[i])) == 0)
      {
        *out_security = all[i];
        return TRUE;
      }

  return FALSE;
}

char *
tern_account_config_dup_config_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "tern", "accounts", NULL);
}

/* Where the account's cache lives (DESIGN decision 5). */
char *
tern_account_config_dup_data_dir (const char *id)
{
  g_return_val_if_fail (tern_account_id_is_valid (id), NULL);

  return g_build_filename (g_get_user_data_dir (), "tern", id, NULL);
}

static char *
dup_path_for_id (const char *id)
{
  g_autofree char *dir = tern_account_config_dup_config_dir ();
  g_autofree char *name = g_strconcat (id, ACCOUNT_SUFFIX, NULL);

  return g_build_filename (dir, name, NULL);
}

static void
tern_account_config_finalize (GObject *object)
{
  TernAccountConfig *self = (TernAccountConfig *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->email, g_free);
  g_clear_pointer (&self->imap_host, g_free);
  g_clear_pointer (&self->imap_user, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_object (&self->pinned_certificate);
  g_clear_pointer (&self->smtp_host, g_free);
  g_clear_pointer (&self->smtp_user, g_free);

  G_OBJECT_CLASS (tern_account_config_parent_class)->finalize (object);
}

static void
tern_account_config_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernAccountConfig *self = TERN_ACCOUNT_CONFIG (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_DISPLAY_NAME:
      g_value_set_string (value, tern_account_config_get_display_name (self));
      break;

    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_account_config_set_property (GObject *object,
                                  guint prop_id,
                                  const GValue *value,
                                  GParamSpec *pspec)
{
  TernAccountConfig *self = TERN_ACCOUNT_CONFIG (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;

    case PROP_DISPLAY_NAME:
      tern_account_config_set_display_name (self, g_value_get_string (value));
      break;

    case PROP_EMAIL:
      tern_account_config_set_email (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_account_config_class_init (TernAccountConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tern_account_config_finalize;
  object_class->get_property = tern_account_config_get_property;
  object_class->set_property = tern_account_config_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /* Falls back to the e-mail address, then the id, so it is never empty. */
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_account_config_init (TernAccountConfig *self)
{
  self->imap_port = 993;
  self->imap_security = TERN_SECURITY_TLS;
  self->smtp_port = 465;
  self->smtp_security = TERN_SECURITY_TLS;
}

TernAccountConfig *
tern_account_config_new (const char *id)
{
  g_return_val_if_fail (tern_account_id_is_valid (id), NULL);

  return g_object_new (TERN_TYPE_ACCOUNT_CONFIG, "id", id, NULL);
}

static char *
dup_required_string (GKeyFile *key_file,
                     const char *group,
                     const char *key,
                     const char *path,
                     GError **error)
{
  g_autofree char *value = g_key_file_get_string (key_file, group, key, NULL);

  if (value == NULL || value[0] == '\0')
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID, "%s: missing %s in [%s]",
                   path, key, group);
      return NULL;
    }

  return g_steal_pointer (&value);
}

static gboolean
get_port (GKeyFile *key_file,
          const char *group,
          const char *path,
          guint16 *out_port,
          GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 port;

  port = g_key_file_get_int64 (key_file, group, "Port", &local_error);
  if (local_error != NULL || port <= 0 || port > G_MAXUINT16)
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   "%s: Port in [%s] must be a number from 1 to 65535", path, group);
      return FALSE;
    }

  *out_port = (guint16) port;
  return TRUE;
}

static gboolean
get_security (GKeyFile *key_file,
              const char *group,
              const char *path,
              TernSecurity *out_security,
              GError **error)
{
  g_autofree char *security = g_key_file_get_string (key_file, group, "Security", NULL);

  if (!tern_security_from_string (security, out_security))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   "%s: Security in [%s] must be tls, starttls or none", path, group);
      return FALSE;
    }

  return TRUE;
}

TernAccountConfig *
tern_account_config_load (const char *id, GError **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (TernAccountConfig) self = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *pem = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tern_account_id_is_valid (id))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID, "invalid account id “%s”",
                   id ? id : "");
      return NULL;
    }

  path = dup_path_for_id (id);
  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND, "no account “%s”",
                     id);
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      return NULL;
    }

  self = tern_account_config_new (id);
  self->display_name = g_key_file_get_string (key_file, GROUP_ACCOUNT, "DisplayName", NULL);
  if (!(self->email = dup_required_string (key_file, GROUP_ACCOUNT, "Email", path, error)) ||
      !(self->imap_host = dup_required_string (key_file, GROUP_IMAP, "Host", path, error)) ||
      !(self->imap_user = dup_required_string (key_file, GROUP_IMAP, "User", path, error)))
    return NULL;

  if (!get_port (key_file, GROUP_IMAP, path, &self->imap_port, error) ||
      !get_security (key_file, GROUP_IMAP, path, &self->imap_security, error))
    return NULL;

  self->ca_file = g_key_file_get_string (key_file, GROUP_IMAP, "CAFile", NULL);

  pem = g_key_file_get_string (key_file, GROUP_IMAP, "PinnedCertificate", NULL);
  if (pem != NULL && pem[0] != '\0')
    {
      self->pinned_certificate = g_tls_certificate_new_from_pem (pem, -1, &local_error);
      if (self->pinned_certificate == NULL)
        {
          g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                       "%s: PinnedCertificate in [IMAP] is not a PEM certificate: %s", path,
                       local_error->message);
          return NULL;
        }
    }

  if (g_key_file_has_group (key_file, GROUP_SMTP))
    {
      if (!(self->smtp_host = dup_required_string (key_file, GROUP_SMTP, "Host", path, error)) ||
          !get_port (key_file, GROUP_SMTP, path, &self->smtp_port, error) ||
          !get_security (key_file, GROUP_SMTP, path, &self->smtp_security, error))
        return NULL;
      self->smtp_user = g_key_file_get_string (key_file, GROUP_SMTP, "User", NULL);
    }

  return g_steal_pointer (&self);
}

static int
compare_ids (gconstpointer a, gconstpointer b)
{
  TernAccountConfig *ca = *(TernAccountConfig **) a;
  TernAccountConfig *cb = *(TernAccountConfig **) b;

  return g_strcmp0 (ca->id, cb->id);
}

/* Every account in the config directory, sorted by id. A file that does not
 * parse is an error rather than silently skipped, so that a typo in a config
 * file does not make an account vanish without a word. */
GPtrArray *
tern_account_config_load_all (GError **error)
{
  g_autoptr (GPtrArray) configs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autofree char *path = tern_account_config_dup_config_dir ();
  const char *name;

  dir = g_dir_open (path, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&configs);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *id = NULL;
      TernAccountConfig *config;

      if (!g_str_has_suffix (name, ACCOUNT_SUFFIX))
        continue;

      id = g_strndup (name, strlen (name) - strlen (ACCOUNT_SUFFIX));
      if (!tern_account_id_is_valid (id))
        continue;

      if (!(config = tern_account_config_load (id, error)))
        return NULL;
      g_ptr_array_add (configs, config);
    }

  g_ptr_array_sort (configs, compare_ids);

  return g_steal_pointer (&configs);
}

gboolean
tern_account_config_save (TernAccountConfig *self, GError **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autofree char *dir = tern_account_config_dup_config_dir ();
  g_autofree char *path = dup_path_for_id (self->id);

  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), FALSE);

  if (self->email == NULL || self->imap_host == NULL || self->imap_user == NULL)
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   "account “%s” needs an e-mail address, an IMAP host and a user", self->id);
      return FALSE;
    }

  if (self->display_name != NULL)
    g_key_file_set_string (key_file, GROUP_ACCOUNT, "DisplayName", self->display_name);
  g_key_file_set_string (key_file, GROUP_ACCOUNT, "Email", self->email);
  g_key_file_set_string (key_file, GROUP_IMAP, "Host", self->imap_host);
  g_key_file_set_integer (key_file, GROUP_IMAP, "Port", self->imap_port);
  g_key_file_set_string (key_file, GROUP_IMAP, "Security",
                         tern_security_to_string (self->imap_security));
  g_key_file_set_string (key_file, GROUP_IMAP, "User", self->imap_user);
  if (self->ca_file != NULL)
    g_key_file_set_string (key_file, GROUP_IMAP, "CAFile", self->ca_file);
  if (self->pinned_certificate != NULL)
    {
      g_autofree char *pem = NULL;

      g_object_get (self->pinned_certificate, "certificate-pem", &pem, NULL);
      if (pem != NULL)
        g_key_file_set_string (key_file, GROUP_IMAP, "PinnedCertificate", pem);
    }
  if (self->smtp_host != NULL)
    {
      g_key_file_set_string (key_file, GROUP_SMTP, "Host", self->smtp_host);
      g_key_file_set_integer (key_file, GROUP_SMTP, "Port", self->smtp_port);
      g_key_file_set_string (key_file, GROUP_SMTP, "Security",
                             tern_security_to_string (self->smtp_security));
      if (self->smtp_user != NULL)
        g_key_file_set_string (key_file, GROUP_SMTP, "User", self->smtp_user);
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot create %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* g_key_file_save_to_file() writes atomically (temporary file + rename). */
  return g_key_file_save_to_file (key_file, path, error);
}

const char *
tern_account_config_get_id (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->id;
}

const char *
tern_account_config_get_display_name (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  if (self->display_name != NULL && self->display_name[0] != '\0')
    return self->display_name;
  if (self->email != NULL)
    return self->email;
  return self->id;
}

void
tern_account_config_set_display_name (TernAccountConfig *self, const char *display_name)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (self));

  if (set_str (&self->display_name, display_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

const char *
tern_account_config_get_email (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->email;
}

void
tern_account_config_set_email (TernAccountConfig *self, const char *email)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (self));

  if (set_str (&self->email, email))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
    }
}

const char *
tern_account_config_get_imap_host (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->imap_host;
}

guint16
tern_account_config_get_imap_port (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), 0);

  return self->imap_port;
}

TernSecurity
tern_account_config_get_imap_security (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), TERN_SECURITY_TLS);

  return self->imap_security;
}

const char *
tern_account_config_get_imap_user (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->imap_user;
}

void
tern_account_config_set_imap (TernAccountConfig *self,
                              const char *host,
                              guint16 port,
                              TernSecurity security,
                              const char *user)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (self));
  g_return_if_fail (host != NULL && user != NULL && port != 0);

  set_str (&self->imap_host, host);
  set_str (&self->imap_user, user);
  self->imap_port = port;
  self->imap_security = security;
}

const char *
tern_account_config_get_ca_file (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->ca_file;
}

void
tern_account_config_set_ca_file (TernAccountConfig *self, const char *ca_file)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (self));

  set_str (&self->ca_file, ca_file);
}

/* The certificate the user trusted for the IMAP server although it failed
 * validation; accepted only when the server presents exactly this one. */
GTlsCertificate *
tern_account_config_get_pinned_certificate (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->pinned_certificate;
}

void
tern_account_config_set_pinned_certificate (TernAccountConfig *self, GTlsCertificate *certificate)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&self->pinned_certificate, certificate);
}

gboolean
tern_account_config_has_smtp (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), FALSE);

  return self->smtp_host != NULL;
}

const char *
tern_account_config_get_smtp_host (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  return self->smtp_host;
}

guint16
tern_account_config_get_smtp_port (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), 0);

  return self->smtp_port;
}

TernSecurity
tern_account_config_get_smtp_security (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), TERN_SECURITY_TLS);

  return self->smtp_security;
}

/* The SMTP user; the IMAP user unless the account names another. NULL when
 * the account has no SMTP server. */
const char *
tern_account_config_get_smtp_user (TernAccountConfig *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (self), NULL);

  if (self->smtp_host == NULL)
    return NULL;
  return self->smtp_user != NULL ? self->smtp_user : self->imap_user;
}

/**
 * tern_account_config_set_smtp:
 * @host: (nullable): the submission server, or %NULL for none
 * @user: (nullable): the user there, or %NULL for the IMAP user
 */
void
tern_account_config_set_smtp (TernAccountConfig *self,
                              const char *host,
                              guint16 port,
                              TernSecurity security,
                              const char *user)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (self));
  g_return_if_fail (host == NULL || port != 0);

  set_str (&self->smtp_host, host);
  set_str (&self->smtp_user, host != NULL ? user : NULL);
  if (host != NULL)
    {
      self->smtp_port = port;
      self->smtp_security = security;
    }
}

gboolean
tern_account_config_exists (const char *id)
{
  g_autofree char *path = NULL;

  if (!tern_account_id_is_valid (id))
    return FALSE;

  path = dup_path_for_id (id);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Removes the account's key file. Its secrets and cache are the caller's
 * business (see tern-account-setup.c). */
gboolean
tern_account_config_delete (const char *id, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!tern_account_id_is_valid (id))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID, "invalid account id “%s”",
                   id ? id : "");
      return FALSE;
    }

  path = dup_path_for_id (id);
  if (g_remove (path) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND, "no account “%s”",
                     id);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                     "cannot remove %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * tern_account_config_dup_unique_id_for_email:
 * @email: an e-mail address
 *
 * Returns: an id for a new account, made from @email ("alice@example.org"
 *   gives "alice-example.org"), valid for tern_account_id_is_valid() and not
 *   used by an existing account
 */
char *
tern_account_config_dup_unique_id_for_email (const char *email)
{
  g_autoptr (GString) base = g_string_new (NULL);

  for (const char *p = email ? email : ""; *p && base->len < 56; p++)
    {
      char c = g_ascii_tolower (*p);

      if (g_ascii_isalnum (c) || c == '.' || c == '_')
        g_string_append_c (base, c);
      else if (base->len > 0 && base->str[base->len - 1] != '-')
        g_string_append_c (base, '-');
    }
  /* No leading dot or dash, no trailing dash. */
  while (base->len > 0 && (base->str[0] == '.' || base->str[0] == '-'))
    g_string_erase (base, 0, 1);
  while (base->len > 0 && base->str[base->len - 1] == '-')
    g_string_truncate (base, base->len - 1);
  if (base->len == 0)
    g_string_assign (base, "account");

  if (!tern_account_config_exists (base->str))
    return g_strdup (base->str);

  for (guint n = 2;; n++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", base->str, n);

      if (!tern_account_config_exists (id))
        return g_steal_pointer (&id);
    }
}
