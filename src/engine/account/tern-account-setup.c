/* tern-account-setup.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Adding and removing accounts, as the UI's account assistant and
 * `tern-cli account add/remove` do it: the login is verified before anything
 * is saved, the password goes to the keyring only (DESIGN decision 10), and
 * removing an account removes its key file, its secrets and its cache.
 *
 * Also the one place that opens an authenticated IMAP connection for an
 * account and turns what went wrong into an error a person can act on
 * (tern-account-setup-private.h), so that the model reports the same errors.
 *
 * Threading: main context only; callbacks run on the caller's thread-default
 * main context. Removing a cache directory runs in a worker thread.
 */

#define G_LOG_DOMAIN "tern-account"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tern-account-secret.h"
#include "tern-account-setup-private.h"
#include "tern-account-setup.h"

/**
 * tern_account_dup_certificate_fingerprint:
 * @certificate: a certificate
 *
 * Returns: the SHA-256 fingerprint of its DER encoding, as colon-separated
 *   upper-case hex pairs ("AB:CD:…"), the form browsers and openssl show
 */
char *
tern_account_dup_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return g_strdup ("");

  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  out = g_string_sized_new (96);
  for (const char *p = hex; p[0] && p[1]; p += 2)
    {
      if (out->len > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (p[0]));
      g_string_append_c (out, g_ascii_toupper (p[1]));
    }

  return g_string_free (out, FALSE);
}

/* "host:port", with brackets around an IPv6 address. */
static char *
dup_server_name (const char *host, guint16 port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

/* An error a person can act on, from what the IMAP layer reported. The domain
 * becomes TERN_ACCOUNT_ERROR so that the UI need not know the IMAP layer's
 * codes; cancellation stays G_IO_ERROR_CANCELLED. The common failures get
 * plain words (wrong password, unknown host, refused, timed out); the rest
 * keep the lower layer's message. */
static GError *
map_open_error (TernAccountConfig *config, TernImapClient *client, GError *error)
{
  const char *host = tern_account_config_get_imap_host (config);
  g_autofree char *server = dup_server_name (host, tern_account_config_get_imap_port (config));
  GTlsCertificate *certificate = tern_imap_client_get_peer_certificate (client);
  GError *mapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  if (g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CERTIFICATE) && certificate != NULL)
    {
      g_autofree char *fingerprint = tern_account_dup_certificate_fingerprint (certificate);

      /* Translators: the first %s says why a certificate is not trusted, the
       * second is its fingerprint ("AB:CD:…"). */
      mapped = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CERTIFICATE,
                            _ ("%s. Its SHA-256 fingerprint is %s."), error->message, fingerprint);
    }
  else if (g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_AUTHENTICATION))
    {
      /* The server's own words are in the debug log: they rarely add
       * anything but "authentication failed". */
      mapped = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION,
                            _ ("Wrong user name or password: %s did not accept them for “%s”. "
                               "Check both and try again."),
                            server, tern_account_config_get_imap_user (config));
    }
  else if (error->domain == G_RESOLVER_ERROR)
    {
      mapped = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION,
                            _ ("The server “%s” was not found. Check the server name and your "
                               "network connection."),
                            host);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      mapped = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION,
                            _ ("%s refused the connection. Check the port and the security "
                               "setting."),
                            server);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
           g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT))
    {
      mapped = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION,
                            _ ("%s did not answer in time. Check the server name, the port and "
                               "your network connection."),
                            server);
    }
  else if (strstr (error->message, host) != NULL)
    {
      /* The IMAP layer (or GIO below it) already says which server. */
      mapped =
        g_error_new_literal (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION, error->message);
    }
  else
    {
      mapped = g_error_new (TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION,
                            _ ("Could not connect to %s: %s"), server, error->message);
    }

  g_debug ("%s: %s (%s %d)", server, error->message, g_quark_to_string (error->domain),
           error->code);
  g_error_free (error);
  return mapped;
}

/**
 * tern_account_dup_certificate_problem:
 * @certificate: a certificate a server presented
 * @host: the server's host name
 * @ca_file: (nullable): the account's CA file, if it has one
 *
 * Says why @certificate is not trusted for @host, in words for a person, the
 * way the connection judged it (the CA file, else the system's authorities).
 *
 * Returns: a sentence fragment such as "it is not signed by a trusted
 *   authority"
 */
char *
tern_account_dup_certificate_problem (GTlsCertificate *certificate,
                                      const char *host,
                                      const char *ca_file)
{
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GSocketConnectable) identity = NULL;
  GTlsCertificateFlags flags;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  if (ca_file != NULL)
    database = g_tls_file_database_new (ca_file, NULL);
  if (database == NULL)
    database = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  identity = g_network_address_new (host, 0);

  flags = database != NULL
            ? g_tls_database_verify_chain (database, certificate,
                                           G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity,
                                           NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL)
            : G_TLS_CERTIFICATE_UNKNOWN_CA;

  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_strdup (_ ("It is not signed by an authority this computer trusts."));
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_strdup_printf (_ ("It was issued for another server than “%s”."), host);
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_strdup (_ ("It has expired."));
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_strdup (_ ("It is not valid yet."));
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_strdup (_ ("It has been revoked."));
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_strdup (_ ("It uses an insecure algorithm."));
  return g_strdup (_ ("It could not be validated."));
}

/* Opening a connection ---------------------------------------------------- */

typedef struct
{
  TernAccountConfig *config;
  TernImapClient *client;
  char *password;
  TernAccountOpenFlags flags;
  GTlsCertificate *certificate; /* the peer's, after a certificate error */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_object (&data->config);
  g_clear_object (&data->client);
  g_clear_object (&data->certificate);
  if (data->password != NULL)
    {
      memset (data->password, 0, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

static void
open_fail (GTask *task, GError *error)
{
  OpenData *data = g_task_get_task_data (task);
  GTlsCertificate *certificate = tern_imap_client_get_peer_certificate (data->client);

  if (g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CERTIFICATE))
    g_set_object (&data->certificate, certificate);

  error = map_open_error (data->config, data->client, error);
  tern_imap_client_close (data->client);
  g_task_return_error (task, error);
}

static void
open_enable_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  /* A refusal is harmless: names then travel in modified UTF-7. */
  if (!tern_imap_client_run_finish (data->client, result, NULL, &error))
    g_debug ("ENABLE UTF8=ACCEPT: %s", error->message);

  g_task_return_pointer (task, g_object_ref (data->client), g_object_unref);
}

static void
open_authenticate_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr (TernImapCommand) command = NULL;
  GError *error = NULL;

  if (!tern_imap_client_authenticate_finish (data->client, result, &error))
    {
      open_fail (task, error);
      return;
    }

  if ((data->flags & TERN_ACCOUNT_OPEN_ENABLE_UTF8) == 0 ||
      !tern_imap_client_has_capability (data->client, "UTF8=ACCEPT") ||
      tern_imap_client_is_enabled (data->client, "UTF8=ACCEPT"))
    {
      g_task_return_pointer (task, g_object_ref (data->client), g_object_unref);
      return;
    }

  command = tern_imap_command_new ("ENABLE");
  tern_imap_command_add_atom (command, "UTF8=ACCEPT");
  tern_imap_client_run_async (data->client, command, NULL, NULL, NULL,
                              g_task_get_cancellable (task), open_enable_cb, g_object_ref (task));
}

static void
open_connect_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tern_imap_client_connect_finish (data->client, result, &error))
    {
      open_fail (task, error);
      return;
    }

  tern_imap_client_authenticate_async (data->client,
                                       tern_account_config_get_imap_user (data->config),
                                       data->password, TERN_IMAP_CREDENTIAL_PASSWORD,
                                       g_task_get_cancellable (task), open_authenticate_cb,
                                       g_object_ref (task));
}

/**
 * _tern_account_open_imap_async:
 * @config: the account
 * @password: its IMAP password; copied
 *
 * Connects to the account's IMAP server with its security setting and CA
 * file, and logs in. Errors are %TERN_ACCOUNT_ERROR_CONNECTION,
 * _CERTIFICATE (the certificate is available from the finish function) or
 * _AUTHENTICATION, with a message for a person.
 */
void
_tern_account_open_imap_async (TernAccountConfig *config,
                               const char *password,
                               TernAccountOpenFlags flags,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  OpenData *data;

  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (config));
  g_return_if_fail (password != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, _tern_account_open_imap_async);

  data = g_new0 (OpenData, 1);
  data->config = g_object_ref (config);
  data->password = g_strdup (password);
  data->flags = flags;
  data->client = tern_imap_client_new (tern_account_config_get_imap_host (config),
                                       tern_account_config_get_imap_port (config),
                                       tern_account_config_get_imap_security (config));
  if (tern_account_config_get_ca_file (config) != NULL)
    tern_imap_client_set_ca_file (data->client, tern_account_config_get_ca_file (config));
  /* Every connection of the account goes through here (setup, model, sync),
   * so this is where a certificate the user trusted takes effect. */
  tern_imap_client_set_pinned_certificate (data->client,
                                           tern_account_config_get_pinned_certificate (config));
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  tern_imap_client_connect_async (data->client, cancellable, open_connect_cb,
                                  g_steal_pointer (&task));
}

/**
 * _tern_account_open_imap_finish:
 * @out_certificate: (out) (optional) (nullable): after a certificate error,
 *   the certificate the server presented
 *
 * Returns: (transfer full): the authenticated connection
 */
TernImapClient *
_tern_account_open_imap_finish (GAsyncResult *result,
                                GTlsCertificate **out_certificate,
                                GError **error)
{
  OpenData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _tern_account_open_imap_async,
                        NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (out_certificate != NULL)
    *out_certificate = data->certificate ? g_object_ref (data->certificate) : NULL;

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Verifying a login ---------------------------------------------------------- */

static void
verify_logout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  /* The login worked; a failing LOGOUT does not change that. */
  if (!tern_imap_client_logout_finish (TERN_IMAP_CLIENT (object), result, &error))
    g_debug ("LOGOUT after verifying: %s", error->message);

  g_task_return_boolean (task, TRUE);
}

static void
verify_open_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (TernImapClient) client = NULL;
  GTlsCertificate *certificate = NULL;
  GError *error = NULL;

  client = _tern_account_open_imap_finish (result, &certificate, &error);
  if (client == NULL)
    {
      g_task_set_task_data (task, certificate, certificate ? g_object_unref : NULL);
      g_task_return_error (task, error);
      return;
    }

  tern_imap_client_logout_async (client, NULL, verify_logout_cb, g_steal_pointer (&task));
}

static gboolean
check_config (TernAccountConfig *config, GError **error)
{
  if (tern_account_config_get_email (config) == NULL ||
      tern_account_config_get_imap_host (config) == NULL ||
      tern_account_config_get_imap_user (config) == NULL)
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   _ ("The account needs an e-mail address, an IMAP server and a user name."));
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_password (const char *password, GError **error)
{
  if (password == NULL || password[0] == '\0' || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   _ ("The password is empty or is not text."));
      return FALSE;
    }

  return TRUE;
}

/**
 * tern_account_setup_verify_async:
 * @config: the account's settings (need not be saved)
 * @password: the IMAP password to try; copied
 *
 * Connects to the IMAP server, logs in and logs out again, without saving
 * anything.
 */
void
tern_account_setup_verify_async (TernAccountConfig *config,
                                 const char *password,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (config));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_setup_verify_async);

  if (!check_config (config, &error) || !check_password (password, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  _tern_account_open_imap_async (config, password, TERN_ACCOUNT_OPEN_NONE, cancellable,
                                 verify_open_cb, g_steal_pointer (&task));
}

/**
 * tern_account_setup_verify_finish:
 * @out_certificate: (out) (optional) (nullable): after a
 *   %TERN_ACCOUNT_ERROR_CERTIFICATE error, the certificate the server
 *   presented, for the UI to show (and pin)
 */
gboolean
tern_account_setup_verify_finish (GAsyncResult *result,
                                  GTlsCertificate **out_certificate,
                                  GError **error)
{
  GTlsCertificate *certificate;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_setup_verify_async,
                        FALSE);

  certificate = g_task_get_task_data (G_TASK (result));
  if (out_certificate != NULL)
    *out_certificate = certificate ? g_object_ref (certificate) : NULL;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Adding an account ----------------------------------------------------------- */

typedef struct
{
  TernAccountConfig *config;
  char *password;
  GTlsCertificate *certificate;
  GError *error;     /* kept while secrets stored so far are removed again */
  guint replace : 1; /* updating an existing account */
} AddData;

static void
add_data_free (AddData *data)
{
  g_clear_object (&data->config);
  g_clear_object (&data->certificate);
  g_clear_error (&data->error);
  if (data->password != NULL)
    {
      memset (data->password, 0, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

static void
add_rollback_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!tern_account_secret_clear_all_for_account_finish (result, &error))
    g_warning ("Could not remove the password of account “%s” again: %s",
               tern_account_config_get_id (data->config), error->message);

  g_task_return_error (task, g_steal_pointer (&data->error));
}

static void
add_fail (GTask *task, GError *error)
{
  AddData *data = g_task_get_task_data (task);

  /* An account being updated keeps whatever was stored: removing it would
   * lose the old password as well. */
  if (data->replace)
    {
      g_task_return_error (task, error);
      return;
    }

  data->error = error;
  tern_account_secret_clear_all_for_account_async (tern_account_config_get_id (data->config), NULL,
                                                   add_rollback_cb, g_object_ref (task));
}

static void
add_store_smtp_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (result != NULL && !tern_account_secret_store_finish (result, &error))
    {
      g_prefix_error (&error, _ ("Could not store the password in the keyring: "));
      add_fail (task, error);
      return;
    }

  if (!tern_account_config_save (data->config, &error))
    {
      add_fail (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
add_store_imap_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  TernAccountConfig *config = data->config;
  GError *error = NULL;

  if (!tern_account_secret_store_finish (result, &error))
    {
      g_prefix_error (&error, _ ("Could not store the password in the keyring: "));
      add_fail (task, error);
      return;
    }

  /* The submission server takes the same password unless told otherwise;
   * storing it under its own key lets the SMTP code look it up like IMAP's. */
  if (!tern_account_config_has_smtp (config))
    {
      add_store_smtp_cb (NULL, NULL, g_steal_pointer (&task));
      return;
    }

  tern_account_secret_store_async (tern_account_config_get_id (config), TERN_ACCOUNT_PROTOCOL_SMTP,
                                   tern_account_config_get_smtp_host (config),
                                   tern_account_config_get_smtp_user (config), data->password,
                                   g_task_get_cancellable (task), add_store_smtp_cb,
                                   g_object_ref (task));
}

static void
add_store_imap (GTask *task)
{
  AddData *data = g_task_get_task_data (task);
  TernAccountConfig *config = data->config;

  tern_account_secret_store_async (tern_account_config_get_id (config), TERN_ACCOUNT_PROTOCOL_IMAP,
                                   tern_account_config_get_imap_host (config),
                                   tern_account_config_get_imap_user (config), data->password,
                                   g_task_get_cancellable (task), add_store_imap_cb,
                                   g_object_ref (task));
}

static void
update_clear_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!tern_account_secret_clear_all_for_account_finish (result, &error))
    {
      g_prefix_error (&error, _ ("Could not replace the password in the keyring: "));
      g_task_return_error (task, error);
      return;
    }

  add_store_imap (task);
}

static void
add_verify_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddData *data = g_task_get_task_data (task);
  TernAccountConfig *config = data->config;
  GError *error = NULL;

  if (!tern_account_setup_verify_finish (result, &data->certificate, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (data->replace)
    {
      /* The host or user may have changed, and secrets are keyed by them:
       * drop the old ones rather than leave them behind. */
      tern_account_secret_clear_all_for_account_async (tern_account_config_get_id (config),
                                                       g_task_get_cancellable (task),
                                                       update_clear_cb, g_object_ref (task));
      return;
    }

  /* Checked again: another process may have added it while we verified. */
  if (tern_account_config_exists (tern_account_config_get_id (config)))
    {
      g_task_return_new_error (task, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_EXISTS,
                               _ ("There already is an account “%s”."),
                               tern_account_config_get_id (config));
      return;
    }

  add_store_imap (task);
}

static void
add_or_update (TernAccountConfig *config,
               const char *password,
               gboolean replace,
               gpointer source_tag,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;
  AddData *data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (!check_config (config, &error) || !check_password (password, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (!replace && tern_account_config_exists (tern_account_config_get_id (config)))
    {
      g_task_return_new_error (task, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_EXISTS,
                               _ ("There already is an account “%s”."),
                               tern_account_config_get_id (config));
      return;
    }

  if (replace && !tern_account_config_exists (tern_account_config_get_id (config)))
    {
      g_task_return_new_error (task, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND,
                               _ ("There is no account “%s”."),
                               tern_account_config_get_id (config));
      return;
    }

  data = g_new0 (AddData, 1);
  data->config = g_object_ref (config);
  data->password = g_strdup (password);
  data->replace = replace;
  g_task_set_task_data (task, data, (GDestroyNotify) add_data_free);

  tern_account_setup_verify_async (config, password, cancellable, add_verify_cb,
                                   g_steal_pointer (&task));
}

static gboolean
add_or_update_finish (GAsyncResult *result, GTlsCertificate **out_certificate, GError **error)
{
  AddData *data = g_task_get_task_data (G_TASK (result));

  if (out_certificate != NULL)
    *out_certificate = data && data->certificate ? g_object_ref (data->certificate) : NULL;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tern_account_setup_add_async:
 * @config: the new account's settings
 * @password: its password; copied, and wiped when done
 *
 * Verifies the login, then stores the password in the keyring (for IMAP,
 * and for SMTP when the account has a submission server) and saves the key
 * file. Nothing is saved unless the login worked; if saving fails, the
 * stored passwords are removed again.
 */
void
tern_account_setup_add_async (TernAccountConfig *config,
                              const char *password,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (config));

  add_or_update (config, password, FALSE, tern_account_setup_add_async, cancellable, callback,
                 user_data);
}

/**
 * tern_account_setup_add_finish:
 * @out_certificate: (out) (optional) (nullable): after a
 *   %TERN_ACCOUNT_ERROR_CERTIFICATE error, the certificate the server presented
 */
gboolean
tern_account_setup_add_finish (GAsyncResult *result,
                               GTlsCertificate **out_certificate,
                               GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_setup_add_async,
                        FALSE);

  return add_or_update_finish (result, out_certificate, error);
}

/**
 * tern_account_setup_update_async:
 * @config: the changed settings of an existing account (same id)
 * @password: its password, possibly a new one; copied, and wiped when done
 *
 * Like tern_account_setup_add_async() for an account that exists: verifies
 * the login with the new settings, then replaces the account's secrets and
 * saves the key file. Nothing changes unless the login worked.
 */
void
tern_account_setup_update_async (TernAccountConfig *config,
                                 const char *password,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_return_if_fail (TERN_IS_ACCOUNT_CONFIG (config));

  add_or_update (config, password, TRUE, tern_account_setup_update_async, cancellable, callback,
                 user_data);
}

gboolean
tern_account_setup_update_finish (GAsyncResult *result,
                                  GTlsCertificate **out_certificate,
                                  GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_setup_update_async,
                        FALSE);

  return add_or_update_finish (result, out_certificate, error);
}

/* Removing an account ----------------------------------------------------------- */

/* Deletes @file and, for a directory, everything below it; symbolic links
 * are removed, never followed. */
static gboolean
delete_tree (GFile *file, GCancellable *cancellable, GError **error)
{
  g_autoptr (GFileEnumerator) children = NULL;
  g_autoptr (GError) local_error = NULL;

  children =
    g_file_enumerate_children (file,
                               G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, &local_error);
  if (children != NULL)
    {
      for (;;)
        {
          GFileInfo *info;
          GFile *child;

          if (!g_file_enumerator_iterate (children, &info, &child, cancellable, error))
            return FALSE;
          if (info == NULL)
            break;

          if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
            {
              if (!delete_tree (child, cancellable, error))
                return FALSE;
            }
          else if (!g_file_delete (child, cancellable, error))
            return FALSE;
        }
    }
  else if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return g_file_delete (file, cancellable, error);
}

static void
remove_files_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *id = task_data;
  g_autofree char *data_dir = tern_account_config_dup_data_dir (id);
  g_autoptr (GFile) dir = g_file_new_for_path (data_dir);
  g_autoptr (GError) error = NULL;
  gboolean found = FALSE;

  if (delete_tree (dir, cancellable, &error))
    found = TRUE;
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_task_return_new_error (task, error->domain, error->code,
                               _ ("Could not remove the cache of account “%s”: %s"), id,
                               error->message);
      return;
    }
  g_clear_error (&error);

  if (tern_account_config_delete (id, &error))
    found = TRUE;
  else if (!g_error_matches (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!found)
    g_task_return_new_error (task, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND,
                             _ ("There is no account “%s”."), id);
  else
    g_task_return_boolean (task, TRUE);
}

static void
remove_secrets_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!tern_account_secret_clear_all_for_account_finish (result, &error))
    {
      g_prefix_error (&error, _ ("Could not remove the password from the keyring: "));
      g_task_return_error (task, error);
      return;
    }

  g_task_run_in_thread (task, remove_files_thread);
}

/**
 * tern_account_setup_remove_async:
 * @id: an account id
 *
 * Removes the account's secrets from the keyring, its cache directory and
 * its key file, in that order, so that a failure leaves the account listed
 * and the removal can be tried again. %TERN_ACCOUNT_ERROR_NOT_FOUND when
 * there was neither a key file nor a cache.
 */
void
tern_account_setup_remove_async (const char *id,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_setup_remove_async);

  if (!tern_account_id_is_valid (id))
    {
      g_task_return_new_error (task, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                               _ ("“%s” is not a valid account id."), id ? id : "");
      return;
    }
  g_task_set_task_data (task, g_strdup (id), g_free);

  tern_account_secret_clear_all_for_account_async (id, cancellable, remove_secrets_cb,
                                                   g_steal_pointer (&task));
}

gboolean
tern_account_setup_remove_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_setup_remove_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
