/* tern-account-secret.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Passwords and OAuth2 tokens of accounts, in the keyring through libsecret
 * and nowhere else (DESIGN decision 10). One item per (account, protocol,
 * host, user), under the schema io.github.ternmail.Tern.Password.
 *
 * Only the simple secret_password_* API is used: inside Flatpak, libsecret
 * serves it from its file back end unlocked through the Secret portal, with
 * no access to the session's keyring needed.
 *
 * Threading: the async functions run on the caller's thread-default main
 * context and call back there. The _sync variants block; tern-cli only.
 */

#define G_LOG_DOMAIN "tern-account"

#include "config.h"

#include <libsecret/secret.h>

#include "tern-account-config.h"
#include "tern-account-secret.h"

#define SCHEMA_NAME "io.github.ternmail.Tern.Password"

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    SCHEMA_NAME,
    SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

const char *
tern_account_protocol_to_string (TernAccountProtocol protocol)
{
  switch (protocol)
    {
    case TERN_ACCOUNT_PROTOCOL_IMAP:
      return "imap";
    case TERN_ACCOUNT_PROTOCOL_SMTP:
      return "smtp";
    default:
      g_return_val_if_reached ("imap");
    }
}

/* Everything a request needs after the call returns. */
typedef struct
{
  char *account_id;
  char *host;
  char *user;
  TernAccountProtocol protocol;
  gboolean account_only;
  GHashTable *attributes; /* borrows the strings above */
} Key;

static void
key_free (Key *key)
{
  g_clear_pointer (&key->attributes, g_hash_table_unref);
  g_free (key->account_id);
  g_free (key->host);
  g_free (key->user);
  g_free (key);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Key, key_free)

static Key *
key_new (const char *account_id,
         TernAccountProtocol protocol,
         const char *host,
         const char *user,
         gboolean account_only,
         GError **error)
{
  Key *key;

  if (!tern_account_id_is_valid (account_id))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID, "invalid account id “%s”",
                   account_id ? account_id : "");
      return NULL;
    }

  if (!account_only &&
      (host == NULL || host[0] == '\0' || user == NULL || user[0] == '\0' ||
       (protocol != TERN_ACCOUNT_PROTOCOL_IMAP && protocol != TERN_ACCOUNT_PROTOCOL_SMTP)))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   "account “%s”: a secret needs a protocol, a host and a user", account_id);
      return NULL;
    }

  key = g_new0 (Key, 1);
  key->account_id = g_strdup (account_id);
  key->account_only = account_only;
  key->attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (key->attributes, (gpointer) "account", key->account_id);

  if (!account_only)
    {
      key->protocol = protocol;
      key->host = g_strdup (host);
      key->user = g_strdup (user);
      g_hash_table_insert (key->attributes, (gpointer) "protocol",
                           (gpointer) tern_account_protocol_to_string (protocol));
      g_hash_table_insert (key->attributes, (gpointer) "host", key->host);
      g_hash_table_insert (key->attributes, (gpointer) "user", key->user);
    }

  return key;
}

static char *
dup_label (Key *key)
{
  /* What a keyring manager such as Seahorse shows. */
  return g_strdup_printf ("Tern: %s password for %s on %s (account %s)",
                          key->protocol == TERN_ACCOUNT_PROTOCOL_SMTP ? "SMTP" : "IMAP", key->user,
                          key->host, key->account_id);
}

static gboolean
check_secret (Key *key, const char *secret, GError **error)
{
  if (secret == NULL || secret[0] == '\0' || !g_utf8_validate (secret, -1, NULL))
    {
      g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID,
                   "account “%s”: the password is empty or not text", key->account_id);
      return FALSE;
    }

  return TRUE;
}

static void
set_not_found (Key *key, GError **error)
{
  g_set_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND,
               "no %s password stored for %s on %s (account %s)",
               tern_account_protocol_to_string (key->protocol), key->user, key->host,
               key->account_id);
}

/* Store ------------------------------------------------------------------ */

static void
store_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * tern_account_secret_store_async:
 * @account_id: the account's id
 * @protocol: which of its servers
 * @host: that server's host name
 * @user: the user name on that server
 * @secret: the password or token; copied during the call, so the caller may
 *   wipe it as soon as this returns
 *
 * Stores the secret, replacing the one stored for the same key, if any.
 */
void
tern_account_secret_store_async (const char *account_id,
                                 TernAccountProtocol protocol,
                                 const char *host,
                                 const char *user,
                                 const char *secret,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *label = NULL;
  GError *error = NULL;
  Key *key;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_secret_store_async);

  key = key_new (account_id, protocol, host, user, FALSE, &error);
  if (key == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, key, (GDestroyNotify) key_free);

  if (!check_secret (key, secret, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  label = dup_label (key);
  secret_password_storev (get_schema (), key->attributes, SECRET_COLLECTION_DEFAULT, label, secret,
                          cancellable, store_cb, g_steal_pointer (&task));
}

gboolean
tern_account_secret_store_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_secret_store_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
tern_account_secret_store_sync (const char *account_id,
                                TernAccountProtocol protocol,
                                const char *host,
                                const char *user,
                                const char *secret,
                                GCancellable *cancellable,
                                GError **error)
{
  g_autoptr (Key) key = NULL;
  g_autofree char *label = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = key_new (account_id, protocol, host, user, FALSE, error);
  if (key == NULL || !check_secret (key, secret, error))
    return FALSE;

  label = dup_label (key);
  return secret_password_storev_sync (get_schema (), key->attributes, SECRET_COLLECTION_DEFAULT,
                                      label, secret, cancellable, error);
}

/* Lookup ----------------------------------------------------------------- */

static void
lookup_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  char *secret;

  secret = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
    }
  else if (secret == NULL)
    {
      set_not_found (g_task_get_task_data (task), &error);
      g_task_return_error (task, error);
    }
  else
    {
      g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
    }
}

/**
 * tern_account_secret_lookup_async:
 *
 * Looks up the secret stored for that key. A missing one is a
 * %TERN_ACCOUNT_ERROR_NOT_FOUND error, so that the caller can ask for it.
 */
void
tern_account_secret_lookup_async (const char *account_id,
                                  TernAccountProtocol protocol,
                                  const char *host,
                                  const char *user,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;
  Key *key;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_secret_lookup_async);

  key = key_new (account_id, protocol, host, user, FALSE, &error);
  if (key == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, key, (GDestroyNotify) key_free);

  secret_password_lookupv (get_schema (), key->attributes, cancellable, lookup_cb,
                           g_steal_pointer (&task));
}

/**
 * tern_account_secret_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the secret; free it with
 *   tern_account_secret_free(), which wipes it
 */
char *
tern_account_secret_lookup_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_secret_lookup_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
tern_account_secret_lookup_sync (const char *account_id,
                                 TernAccountProtocol protocol,
                                 const char *host,
                                 const char *user,
                                 GCancellable *cancellable,
                                 GError **error)
{
  g_autoptr (Key) key = NULL;
  GError *local_error = NULL;
  char *secret;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  key = key_new (account_id, protocol, host, user, FALSE, error);
  if (key == NULL)
    return NULL;

  secret = secret_password_lookupv_sync (get_schema (), key->attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (secret == NULL)
    set_not_found (key, error);

  return secret;
}

/* Clear ------------------------------------------------------------------ */

static void
clear_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error: there was nothing to remove, which is fine. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
clear_async (Key *key,
             GError *error,
             gpointer source_tag,
             GCancellable *cancellable,
             GAsyncReadyCallback callback,
             gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);

  if (key == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, key, (GDestroyNotify) key_free);

  secret_password_clearv (get_schema (), key->attributes, cancellable, clear_cb,
                          g_steal_pointer (&task));
}

/**
 * tern_account_secret_clear_async:
 *
 * Removes the secret stored for that key; succeeds when there is none.
 */
void
tern_account_secret_clear_async (const char *account_id,
                                 TernAccountProtocol protocol,
                                 const char *host,
                                 const char *user,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GError *error = NULL;
  Key *key;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  key = key_new (account_id, protocol, host, user, FALSE, &error);
  clear_async (key, error, tern_account_secret_clear_async, cancellable, callback, user_data);
}

gboolean
tern_account_secret_clear_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_secret_clear_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tern_account_secret_clear_all_for_account_async:
 *
 * Removes every secret of the account (all protocols, hosts and users), as
 * when the account is deleted. Other accounts' secrets are untouched.
 */
void
tern_account_secret_clear_all_for_account_async (const char *account_id,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data)
{
  GError *error = NULL;
  Key *key;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  key = key_new (account_id, TERN_ACCOUNT_PROTOCOL_IMAP, NULL, NULL, TRUE, &error);
  clear_async (key, error, tern_account_secret_clear_all_for_account_async, cancellable, callback,
               user_data);
}

gboolean
tern_account_secret_clear_all_for_account_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          tern_account_secret_clear_all_for_account_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
clear_sync (Key *key, GCancellable *cancellable, GError **error)
{
  GError *local_error = NULL;

  secret_password_clearv_sync (get_schema (), key->attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

gboolean
tern_account_secret_clear_sync (const char *account_id,
                                TernAccountProtocol protocol,
                                const char *host,
                                const char *user,
                                GCancellable *cancellable,
                                GError **error)
{
  g_autoptr (Key) key = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = key_new (account_id, protocol, host, user, FALSE, error);
  return key != NULL && clear_sync (key, cancellable, error);
}

gboolean
tern_account_secret_clear_all_for_account_sync (const char *account_id,
                                                GCancellable *cancellable,
                                                GError **error)
{
  g_autoptr (Key) key = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key = key_new (account_id, TERN_ACCOUNT_PROTOCOL_IMAP, NULL, NULL, TRUE, error);
  return key != NULL && clear_sync (key, cancellable, error);
}

/**
 * tern_account_secret_free:
 * @secret: (nullable): a secret from a lookup
 *
 * Wipes and frees it.
 */
void
tern_account_secret_free (char *secret)
{
  secret_password_free (secret);
}
