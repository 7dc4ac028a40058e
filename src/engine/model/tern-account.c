/* tern-account.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernAccount: one configured account as the UI and tern-cli see it. It
 * wraps the account's TernAccountConfig, reads its password from the keyring
 * and runs the account's operations (list the folders, fetch a message's raw
 * bytes). Today each operation opens an IMAP connection of its own and logs
 * out when done; these functions are the seam behind which the sync work will
 * put the cache and the connection pool, so they speak of folders and
 * messages, never of connections.
 *
 * Errors are model state: the last operation's error is the "last-error"
 * property (cleared by the next success), and the finish functions return it
 * too. Cancellation is not an error of the account.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "account/tern-account-secret.h"
#include "account/tern-account-setup-private.h"
#include "store/tern-store.h"
#include "sync/tern-sync-session.h"
#include "tern-account.h"
#include "tern-folder-collector-private.h"
#include "tern-folder.h"
#include "tern-model-error.h"

struct _TernAccount
{
  GObject parent_instance;

  /* owned */
  TernAccountConfig *config;
  GError *last_error;
  TernStore *store;          /* created by open_cache */
  TernSyncSession *session;  /* created by open_cache */
  GCancellable *cancellable; /* the account's own background work */
  guint pending_changes;
  guint failed_changes;
  guint replaying : 1;
  guint replay_again : 1;
  guint replay_automatically : 1;
  guint online : 1;
};

G_DEFINE_FINAL_TYPE (TernAccount, tern_account, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONFIG,
  PROP_ID,
  PROP_LAST_ERROR,
  PROP_PENDING_CHANGES,
  PROP_FAILED_CHANGES,
  PROP_ONLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_REPLAYED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tern_account_dispose (GObject *object)
{
  TernAccount *self = (TernAccount *) object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->store);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (tern_account_parent_class)->dispose (object);
}

static void
tern_account_finalize (GObject *object)
{
  TernAccount *self = (TernAccount *) object;

  g_clear_error (&self->last_error);

  G_OBJECT_CLASS (tern_account_parent_class)->finalize (object);
}

static void
tern_account_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernAccount *self = TERN_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    case PROP_ID:
      g_value_set_string (value, tern_account_get_id (self));
      break;

    case PROP_LAST_ERROR:
      g_value_set_boxed (value, self->last_error);
      break;

    case PROP_PENDING_CHANGES:
      g_value_set_uint (value, self->pending_changes);
      break;

    case PROP_FAILED_CHANGES:
      g_value_set_uint (value, self->failed_changes);
      break;

    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_account_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TernAccount *self = TERN_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_account_class_init (TernAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_account_dispose;
  object_class->finalize = tern_account_finalize;
  object_class->get_property = tern_account_get_property;
  object_class->set_property = tern_account_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, TERN_TYPE_ACCOUNT_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /* What went wrong in the last operation, with a message for a person;
   * NULL after a success. */
  properties[PROP_LAST_ERROR] =
    g_param_spec_boxed ("last-error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /* Operations queued and not yet done by the server (failed ones apart). */
  properties[PROP_PENDING_CHANGES] =
    g_param_spec_uint ("pending-changes", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FAILED_CHANGES] =
    g_param_spec_uint ("failed-changes", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the server was reached the last time it was tried. */
  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::replayed (done, failed, error): an automatic replay ended; error is
   * NULL when the server was reached. */
  signals[SIGNAL_REPLAYED] =
    g_signal_new ("replayed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_ERROR);
}

static void
tern_account_init (TernAccount *self)
{
  self->online = TRUE;
  self->cancellable = g_cancellable_new ();
}

TernAccount *
tern_account_new (TernAccountConfig *config)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT_CONFIG (config), NULL);

  return g_object_new (TERN_TYPE_ACCOUNT, "config", config, NULL);
}

TernAccountConfig *
tern_account_get_config (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), NULL);

  return self->config;
}

const char *
tern_account_get_id (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), NULL);

  return tern_account_config_get_id (self->config);
}

const GError *
tern_account_get_last_error (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), NULL);

  return self->last_error;
}

static void
set_last_error (TernAccount *self, const GError *error)
{
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (self->last_error == NULL && error == NULL)
    return;
  if (self->last_error != NULL && error != NULL && self->last_error->domain == error->domain &&
      self->last_error->code == error->code &&
      g_strcmp0 (self->last_error->message, error->message) == 0)
    return;

  g_clear_error (&self->last_error);
  if (error != NULL)
    self->last_error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

/* Every operation ends here, so that last-error follows it. */
static void
return_error (GTask *task, GError *error)
{
  set_last_error (g_task_get_source_object (task), error);
  g_task_return_error (task, error);
}

static void
return_success (GTask *task)
{
  set_last_error (g_task_get_source_object (task), NULL);
}

/* An IMAP command's failure, for a person: @what says what we were doing. */
static GError *
map_command_error (const char *what, GError *error)
{
  GError *mapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  mapped = g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_SERVER, "%s: %s", what, error->message);
  g_error_free (error);
  return mapped;
}

/* Sections ------------------------------------------------------------------ */

static gboolean
match_keyword (const char **p, const char *keyword)
{
  gsize len = strlen (keyword);

  if (g_ascii_strncasecmp (*p, keyword, len) != 0)
    return FALSE;

  *p += len;
  return TRUE;
}

static gboolean
is_header_name_char (char c)
{
  /* RFC 5322 ftext that is also an IMAP atom character. */
  return c > 0x20 && c < 0x7f && c != ':' && !strchr ("(){%*\"\\]", c);
}

/* header-list = "(" header-fld-name *(SP header-fld-name) ")", names as atoms */
static gboolean
match_header_list (const char **p)
{
  const char *s = *p;

  if (*s++ != '(')
    return FALSE;

  for (;;)
    {
      const char *start = s;

      while (is_header_name_char (*s))
        s++;
      if (s == start)
        return FALSE;
      if (*s == ')')
        break;
      if (*s++ != ' ')
        return FALSE;
    }

  *p = s + 1;
  return TRUE;
}

/**
 * tern_account_section_is_valid:
 * @section: (nullable): an IMAP body section ("1.2", "HEADER", "2.MIME",
 *   "HEADER.FIELDS (From To)", …)
 *
 * Returns: whether @section is a section-spec of RFC 3501 §6.4.5; %NULL and
 *   "" (the whole message) are
 */
gboolean
tern_account_section_is_valid (const char *section)
{
  const char *p = section;
  gboolean has_part = FALSE;

  if (section == NULL || section[0] == '\0')
    return TRUE;
  if (strlen (section) > 1000)
    return FALSE;

  /* section-part = nz-number *("." nz-number) */
  while (*p >= '1' && *p <= '9')
    {
      has_part = TRUE;
      while (g_ascii_isdigit (*p))
        p++;
      if (*p == '\0')
        return TRUE;
      if (*p != '.')
        return FALSE;
      p++;
    }

  if (has_part && match_keyword (&p, "MIME"))
    return *p == '\0';
  if (match_keyword (&p, "HEADER.FIELDS.NOT ") || match_keyword (&p, "HEADER.FIELDS "))
    return match_header_list (&p) && *p == '\0';
  if (match_keyword (&p, "HEADER") || match_keyword (&p, "TEXT"))
    return *p == '\0';

  return FALSE;
}

/* The password and the connection ------------------------------------------- */

static void
dup_password_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = g_task_get_source_object (task);
  GError *error = NULL;
  char *password;

  password = tern_account_secret_lookup_finish (result, &error);
  if (password == NULL)
    {
      if (g_error_matches (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          g_set_error (&error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION,
                       _ ("The keyring holds no password for account “%s”. Add the account "
                          "again to store it."),
                       tern_account_get_id (self));
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _ ("Could not read the password from the keyring: "));
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, password, (GDestroyNotify) tern_account_secret_free);
}

/**
 * tern_account_dup_password_async:
 *
 * Reads the account's IMAP password from the keyring.
 */
void
tern_account_dup_password_async (TernAccount *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_dup_password_async);

  tern_account_secret_lookup_async (tern_account_get_id (self), TERN_ACCOUNT_PROTOCOL_IMAP,
                                    tern_account_config_get_imap_host (self->config),
                                    tern_account_config_get_imap_user (self->config), cancellable,
                                    dup_password_cb, g_steal_pointer (&task));
}

/**
 * tern_account_dup_password_finish:
 *
 * Returns: (transfer full): the password; free it with
 *   tern_account_secret_free(), which wipes it
 */
char *
tern_account_dup_password_finish (TernAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_dup_password_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
open_connected_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernImapClient *client;
  GError *error = NULL;

  client = _tern_account_open_imap_finish (result, NULL, &error);
  if (client == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, client, g_object_unref);
}

static void
open_password_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = TERN_ACCOUNT (object);
  GError *error = NULL;
  char *password;

  password = tern_account_dup_password_finish (self, result, &error);
  if (password == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  _tern_account_open_imap_async (self->config, password, TERN_ACCOUNT_OPEN_ENABLE_UTF8,
                                 g_task_get_cancellable (task), open_connected_cb,
                                 g_object_ref (task));
  tern_account_secret_free (password);
}

/* An authenticated connection for one operation. */
static void
open_async (TernAccount *self,
            GCancellable *cancellable,
            GAsyncReadyCallback callback,
            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, open_async);
  tern_account_dup_password_async (self, cancellable, open_password_cb, g_steal_pointer (&task));
}

static TernImapClient *
open_finish (TernAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Listing folders --------------------------------------------------------------- */

typedef struct
{
  TernImapClient *client;
  TernFolderCollector *collector;
  GListStore *store;
  GError *error; /* the first failure that ends the operation */
  guint pending; /* commands in flight */
  guint status_round : 1;
} ListData;

static void
list_data_free (ListData *data)
{
  if (data->client != NULL)
    tern_imap_client_close (data->client);
  g_clear_object (&data->client);
  g_clear_pointer (&data->collector, _tern_folder_collector_free);
  g_clear_object (&data->store);
  g_clear_error (&data->error);
  g_free (data);
}

static void
collect_untagged (TernImapResponse *response, gpointer user_data)
{
  _tern_folder_collector_add (user_data, response);
}

static void
run_collecting (GTask *task, TernImapCommand *command, GAsyncReadyCallback callback)
{
  ListData *data = g_task_get_task_data (task);

  data->pending++;
  tern_imap_client_run_async (data->client, command, collect_untagged, data->collector, NULL,
                              g_task_get_cancellable (task), callback, g_object_ref (task));
}

static void
list_logout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ListData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_logout_finish (data->client, result, &error))
    g_debug ("LOGOUT after listing folders: %s", error->message);
  g_clear_object (&data->client);

  return_success (task);
  g_task_return_pointer (task, g_steal_pointer (&data->store), g_object_unref);
}

static void status_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* Called as each command completes; moves on once none is in flight. */
static void
list_step (GTask *task)
{
  ListData *data = g_task_get_task_data (task);
  g_autoptr (GPtrArray) missing = NULL;

  if (data->pending > 0)
    return;

  if (data->error != NULL)
    {
      return_error (task, g_steal_pointer (&data->error));
      return;
    }

  /* Folders LIST-STATUS did not report on (or all of them, without it):
   * one STATUS each, all pipelined. */
  if (!data->status_round)
    {
      data->status_round = TRUE;
      missing = _tern_folder_collector_dup_without_status (data->collector);
      for (guint i = 0; i < missing->len; i++)
        {
          const char *wire = g_ptr_array_index (missing, i);
          g_autoptr (TernImapCommand) command = tern_imap_command_new ("STATUS");

          tern_imap_command_add_mailbox_raw (command, wire, strlen (wire));
          tern_imap_command_begin_list (command);
          tern_imap_command_add_atom (command, "MESSAGES");
          tern_imap_command_add_atom (command, "UNSEEN");
          tern_imap_command_end_list (command);
          run_collecting (task, command, status_cb);
        }
      if (data->pending > 0)
        return;
    }

  data->store = _tern_folder_collector_finish (data->collector);
  tern_imap_client_logout_async (data->client, NULL, list_logout_cb, g_object_ref (task));
}

static void
list_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ListData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->pending--;
  if (!tern_imap_client_run_finish (data->client, result, NULL, &error))
    {
      if (data->error == NULL)
        data->error = map_command_error (_ ("Could not list the folders"), error);
      else
        g_error_free (error);
    }

  list_step (task);
}

/* LSUB and STATUS failing costs a folder its subscription or its counts, not
 * the whole list; a connection that broke ends everything. */
static void
optional_cb (GObject *object, GAsyncResult *result, gpointer user_data, const char *what)
{
  g_autoptr (GTask) task = user_data;
  ListData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->pending--;
  if (!tern_imap_client_run_finish (data->client, result, NULL, &error))
    {
      if (data->error == NULL && !g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) &&
          !g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD))
        data->error = map_command_error (_ ("Could not list the folders"), error);
      else
        {
          g_debug ("%s: %s", what, error->message);
          g_error_free (error);
        }
    }

  list_step (task);
}

static void
lsub_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  optional_cb (object, result, user_data, "LSUB");
}

static void
status_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  optional_cb (object, result, user_data, "STATUS");
}

static void
list_open_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = TERN_ACCOUNT (object);
  ListData *data = g_task_get_task_data (task);
  g_autoptr (TernImapCommand) list = tern_imap_command_new ("LIST");
  GError *error = NULL;
  gboolean extended;

  data->client = open_finish (self, result, &error);
  if (data->client == NULL)
    {
      return_error (task, error);
      return;
    }

  data->collector =
    _tern_folder_collector_new (tern_imap_client_is_enabled (data->client, "UTF8=ACCEPT"),
                                tern_imap_client_has_capability (data->client, "SPECIAL-USE"));
  extended = tern_imap_client_has_capability (data->client, "LIST-EXTENDED");

  tern_imap_command_add_string (list, "");
  tern_imap_command_add_string (list, "*");
  if (extended)
    {
      /* RFC 5258 return options; SPECIAL-USE (RFC 6154) and STATUS (RFC 5819)
       * only where offered. */
      tern_imap_command_add_atom (list, "RETURN");
      tern_imap_command_begin_list (list);
      tern_imap_command_add_atom (list, "SUBSCRIBED");
      tern_imap_command_add_atom (list, "CHILDREN");
      if (tern_imap_client_has_capability (data->client, "SPECIAL-USE"))
        tern_imap_command_add_atom (list, "SPECIAL-USE");
      if (tern_imap_client_has_capability (data->client, "LIST-STATUS"))
        {
          tern_imap_command_add_atom (list, "STATUS");
          tern_imap_command_begin_list (list);
          tern_imap_command_add_atom (list, "MESSAGES");
          tern_imap_command_add_atom (list, "UNSEEN");
          tern_imap_command_end_list (list);
        }
      tern_imap_command_end_list (list);
    }
  run_collecting (task, list, list_cb);

  if (!extended)
    {
      g_autoptr (TernImapCommand) lsub = tern_imap_command_new ("LSUB");

      tern_imap_command_add_string (lsub, "");
      tern_imap_command_add_string (lsub, "*");
      run_collecting (task, lsub, lsub_cb);
    }
}

/**
 * tern_account_list_folders_async:
 *
 * Lists every folder of the account with its role, subscription and counts,
 * in as few round trips as the server's extensions allow.
 */
void
tern_account_list_folders_async (TernAccount *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_list_folders_async);
  g_task_set_task_data (task, g_new0 (ListData, 1), (GDestroyNotify) list_data_free);

  open_async (self, cancellable, list_open_cb, g_steal_pointer (&task));
}

/**
 * tern_account_list_folders_finish:
 *
 * Returns: (transfer full): a list model of TernFolder, INBOX first
 */
GListModel *
tern_account_list_folders_finish (TernAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_list_folders_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Fetching raw bytes -------------------------------------------------------------- */

typedef struct
{
  char *folder_path;
  char *section;
  GOutputStream *out;
  TernImapClient *client;
  GBytes *body;
  guint32 uid;
  guint found : 1;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  if (data->client != NULL)
    tern_imap_client_close (data->client);
  g_clear_object (&data->client);
  g_clear_object (&data->out);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_free (data->folder_path);
  g_free (data->section);
  g_free (data);
}

static void
fetch_logout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_logout_finish (data->client, result, &error))
    g_debug ("LOGOUT after fetching: %s", error->message);
  g_clear_object (&data->client);

  return_success (task);
  g_task_return_boolean (task, TRUE);
}

static void
fetch_write_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _ ("Could not write the message: "));
      return_error (task, error);
      return;
    }

  tern_imap_client_logout_async (data->client, NULL, fetch_logout_cb, g_steal_pointer (&task));
}

/* msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP …) ")": keep the
 * BODY[…] of our UID. Unsolicited FETCHes (flag changes) carry no body. */
static void
fetch_untagged (TernImapResponse *response, gpointer user_data)
{
  FetchData *data = user_data;
  const TernImapValue *items;
  const TernImapValue *body = NULL;
  guint32 uid = 0;

  if (tern_imap_response_get_data_type (response) != TERN_IMAP_DATA_FETCH)
    return;

  items = tern_imap_value_get_child (tern_imap_response_get_args (response), 0);
  for (guint i = 0; i + 1 < tern_imap_value_get_n_children (items); i += 2)
    {
      const TernImapValue *key = tern_imap_value_get_child (items, i);
      const char *atom = tern_imap_value_get_atom (key);

      if (atom == NULL)
        continue;
      if (g_ascii_strcasecmp (atom, "UID") == 0)
        tern_imap_value_get_uint32 (tern_imap_value_get_child (items, i + 1), &uid);
      else if (g_ascii_strncasecmp (atom, "BODY[", 5) == 0)
        body = tern_imap_value_get_child (items, i + 1);
    }

  if (uid != data->uid || body == NULL)
    return;

  data->found = TRUE;
  g_clear_pointer (&data->body, g_bytes_unref);
  /* NIL: the message has no such part. */
  if (tern_imap_value_is_string (body))
    data->body = tern_imap_value_dup_bytes (body);
}

static void
fetch_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gconstpointer bytes;
  gsize len;

  if (!tern_imap_client_run_finish (data->client, result, NULL, &error))
    {
      return_error (task, map_command_error (_ ("Could not fetch the message"), error));
      return;
    }

  if (!data->found)
    {
      return_error (task, g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_MESSAGE_NOT_FOUND,
                                       _ ("There is no message with UID %u in “%s”."), data->uid,
                                       data->folder_path));
      return;
    }

  if (data->body == NULL)
    {
      return_error (task, g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_MESSAGE_NOT_FOUND,
                                       _ ("Message %u in “%s” has no part “%s”."), data->uid,
                                       data->folder_path, data->section));
      return;
    }

  bytes = g_bytes_get_data (data->body, &len);
  g_output_stream_write_all_async (data->out, bytes, len, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), fetch_write_cb,
                                   g_object_ref (task));
}

static void
examine_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr (TernImapResponse) tagged = NULL;
  g_autoptr (TernImapCommand) command = NULL;
  g_autofree char *item = NULL;
  GError *error = NULL;

  if (!tern_imap_client_run_finish (data->client, result, &tagged, &error))
    {
      if (g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) &&
          (tagged == NULL || tern_imap_response_get_code (tagged) == NULL ||
           tern_imap_response_has_code (tagged, "NONEXISTENT")))
        {
          g_clear_error (&error);
          error = g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_FOLDER_NOT_FOUND,
                               _ ("There is no folder “%s”."), data->folder_path);
        }
      else
        {
          g_autofree char *what =
            g_strdup_printf (_ ("Could not open the folder “%s”"), data->folder_path);

          error = map_command_error (what, error);
        }
      return_error (task, error);
      return;
    }

  /* BODY.PEEK, not BINARY.PEEK: the bytes exactly as stored, and \Seen left
   * alone (EXAMINE would not set it anyway). */
  item = g_strdup_printf ("BODY.PEEK[%s]", data->section ? data->section : "");
  command = tern_imap_command_new ("UID FETCH");
  tern_imap_command_add_number (command, data->uid);
  tern_imap_command_begin_list (command);
  tern_imap_command_add_atom (command, "UID");
  tern_imap_command_add_raw (command, item);
  tern_imap_command_end_list (command);

  tern_imap_client_run_async (data->client, command, fetch_untagged, data, NULL,
                              g_task_get_cancellable (task), fetch_cb, g_object_ref (task));
}

static void
fetch_open_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = TERN_ACCOUNT (object);
  FetchData *data = g_task_get_task_data (task);
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("EXAMINE");
  GError *error = NULL;

  data->client = open_finish (self, result, &error);
  if (data->client == NULL)
    {
      return_error (task, error);
      return;
    }

  tern_imap_command_add_mailbox (command, data->folder_path);
  tern_imap_client_run_async (data->client, command, NULL, NULL, NULL,
                              g_task_get_cancellable (task), examine_cb, g_object_ref (task));
}

/**
 * tern_account_fetch_raw_async:
 * @folder_path: the folder, as TernFolder:path gives it
 * @uid: the message's UID there
 * @section: (nullable): a body section ("2", "1.MIME", "HEADER", …; see
 *   tern_account_section_is_valid()), or %NULL for the whole message
 * @out: where the bytes go; not closed
 *
 * Writes the message (or the section) to @out exactly as the server stores
 * it, straight from the server, without marking the message as read.
 */
void
tern_account_fetch_raw_async (TernAccount *self,
                              const char *folder_path,
                              guint32 uid,
                              const char *section,
                              GOutputStream *out,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  FetchData *data;

  g_return_if_fail (TERN_IS_ACCOUNT (self));
  g_return_if_fail (folder_path != NULL);
  g_return_if_fail (G_IS_OUTPUT_STREAM (out));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_fetch_raw_async);

  if (uid == 0)
    {
      return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                               _ ("0 is not a valid UID.")));
      return;
    }
  if (!tern_account_section_is_valid (section))
    {
      g_autofree char *shown = g_utf8_make_valid (section, -1);

      return_error (task, g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                       _ ("“%s” is not a valid body section."), shown));
      return;
    }
  if (!g_utf8_validate (folder_path, -1, NULL))
    {
      return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                               _ ("The folder name is not valid UTF-8.")));
      return;
    }

  data = g_new0 (FetchData, 1);
  data->folder_path = g_strdup (folder_path);
  data->section = section && section[0] ? g_strdup (section) : NULL;
  data->out = g_object_ref (out);
  data->uid = uid;
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);

  open_async (self, cancellable, fetch_open_cb, g_steal_pointer (&task));
}

gboolean
tern_account_fetch_raw_finish (TernAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_account_fetch_raw_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The cache and the synchronizer ------------------------------------------------------ */

static void
open_cache_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!tern_store_open_finish (TERN_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (tern_store_get_rebuilt (self->store))
    g_warning (_ ("The cache of account “%s” was damaged and is rebuilt from the server (%u "
                  "queued operations kept)"),
               tern_account_get_id (self), tern_store_get_salvaged_ops (self->store));
  g_task_return_boolean (task, TRUE);
}

/**
 * tern_account_open_cache_async:
 *
 * Opens the account's cache (moving a damaged one aside and starting afresh)
 * and starts its synchronizer. tern_account_get_store() and
 * tern_account_get_sync_session() return them as soon as this is called;
 * their calls wait for the open (and fail if it fails).
 */
void
tern_account_open_cache_async (TernAccount *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_open_cache_async);
  if (self->session != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->store == NULL)
    self->store = tern_store_new (tern_account_get_id (self));
  /* The synchronizer exists at once: its jobs queue behind the open on the
   * store thread, so a sync can log in while the cache is checked. */
  self->session = tern_sync_session_new (self->config, self->store);
  tern_store_open_async (self->store, cancellable, open_cache_cb, g_steal_pointer (&task));
}

gboolean
tern_account_open_cache_finish (TernAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

TernStore *
tern_account_get_store (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), NULL);
  return self->store;
}

TernSyncSession *
tern_account_get_sync_session (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), NULL);
  return self->session;
}

/* Actions, undo and the queue ---------------------------------------------------------- */

typedef struct
{
  TernAccountAction action;
  char *folder;
  char *uids;
  char *target;
  GArray *changed;
} ActionData;

static void
action_data_free (ActionData *data)
{
  g_free (data->folder);
  g_free (data->uids);
  g_free (data->target);
  g_clear_pointer (&data->changed, g_array_unref);
  g_free (data);
}

/* The folder with @role, else one named @name (any case). */
static const char *
find_role_folder (GPtrArray *folders, const char *role, const char *name)
{
  for (guint i = 0; i < folders->len; i++)
    if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->role, role) == 0)
      return ((TernStoreFolder *) folders->pdata[i])->path;
  for (guint i = 0; i < folders->len; i++)
    if (g_ascii_strcasecmp (((TernStoreFolder *) folders->pdata[i])->path, name) == 0)
      return ((TernStoreFolder *) folders->pdata[i])->path;
  return NULL;
}

static gboolean
folder_is_cached (GPtrArray *folders, const char *path)
{
  for (guint i = 0; i < folders->len; i++)
    if (g_strcmp0 (((TernStoreFolder *) folders->pdata[i])->path, path) == 0)
      return TRUE;
  return FALSE;
}

static void
applied_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = g_task_get_source_object (task);
  ActionData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 id;

  id = tern_store_apply_op_finish (TERN_STORE (object), result, &data->changed, &error);
  if (id < 0)
    {
      return_error (task, error);
      return;
    }
  return_success (task);
  g_task_return_int (task, id);
  tern_account_refresh_pending_changes (self);
  if (id > 0 && self->replay_automatically)
    tern_account_replay_async (self, NULL, NULL, NULL);
}

static void
action_folders_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = g_task_get_source_object (task);
  ActionData *data = g_task_get_task_data (task);
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (TernStoreOp) op = NULL;
  GError *error = NULL;
  const char *target = NULL;

  folders = tern_store_list_folders_finish (TERN_STORE (object), result, &error);
  if (folders == NULL)
    {
      return_error (task, error);
      return;
    }
  if (!folder_is_cached (folders, data->folder))
    {
      return_error (task, g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_FOLDER_NOT_FOUND,
                                       _ ("The folder “%s” is not in the cache; get new mail "
                                          "first"),
                                       data->folder));
      return;
    }

  switch (data->action)
    {
    case TERN_ACCOUNT_ACTION_MARK_READ:
    case TERN_ACCOUNT_ACTION_MARK_UNREAD:
      op =
        tern_store_op_new ("flag", data->folder, data->uids,
                           data->action == TERN_ACCOUNT_ACTION_MARK_READ ? "+\\Seen" : "-\\Seen");
      break;
    case TERN_ACCOUNT_ACTION_FLAG:
    case TERN_ACCOUNT_ACTION_UNFLAG:
      op =
        tern_store_op_new ("flag", data->folder, data->uids,
                           data->action == TERN_ACCOUNT_ACTION_FLAG ? "+\\Flagged" : "-\\Flagged");
      break;
    case TERN_ACCOUNT_ACTION_DELETE:
      if ((target = find_role_folder (folders, "trash", "Trash")) == NULL)
        {
          return_error (task,
                        g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_FOLDER_NOT_FOUND,
                                             _ ("The account has no Trash folder")));
          return;
        }
      /* Deleting in the Trash is for good. */
      if (g_str_equal (target, data->folder))
        op = tern_store_op_new ("expunge", data->folder, data->uids, NULL);
      else
        op = tern_store_op_new ("move", data->folder, data->uids, target);
      break;
    case TERN_ACCOUNT_ACTION_ARCHIVE:
      if ((target = find_role_folder (folders, "archive", "Archive")) == NULL)
        {
          return_error (task,
                        g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_FOLDER_NOT_FOUND,
                                             _ ("The account has no Archive folder")));
          return;
        }
      if (g_str_equal (target, data->folder))
        {
          return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                                   _ ("These messages are in the Archive "
                                                      "already")));
          return;
        }
      op = tern_store_op_new ("move", data->folder, data->uids, target);
      break;
    case TERN_ACCOUNT_ACTION_MOVE:
    case TERN_ACCOUNT_ACTION_COPY:
    default:
      if (data->target == NULL || !folder_is_cached (folders, data->target))
        {
          return_error (task, g_error_new (TERN_MODEL_ERROR, TERN_MODEL_ERROR_FOLDER_NOT_FOUND,
                                           _ ("The folder “%s” is not in the cache; get new "
                                              "mail first"),
                                           data->target != NULL ? data->target : ""));
          return;
        }
      if (g_str_equal (data->target, data->folder))
        {
          return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                                   _ ("The target is the folder itself")));
          return;
        }
      target = data->target;
      op = tern_store_op_new (data->action == TERN_ACCOUNT_ACTION_COPY ? "copy" : "move",
                              data->folder, data->uids, target);
      break;
    }

  if (target != data->target)
    {
      char *copy = g_strdup (target);

      g_free (data->target);
      data->target = copy;
    }
  tern_store_apply_op_async (self->store, op, TRUE, g_task_get_cancellable (task), applied_cb,
                             g_object_ref (task));
}

/**
 * tern_account_apply_action_async:
 *
 * Applies @action to the cache and queues it, in one transaction: delete
 * moves to the folder with the Trash role (else one called Trash) and
 * expunges in the Trash; archive moves to the Archive folder.
 */
void
tern_account_apply_action_async (TernAccount *self,
                                 TernAccountAction action,
                                 const char *folder_path,
                                 const char *uids,
                                 const char *target,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  ActionData *data;

  g_return_if_fail (TERN_IS_ACCOUNT (self));
  g_return_if_fail (folder_path != NULL && uids != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_apply_action_async);
  data = g_new0 (ActionData, 1);
  data->action = action;
  data->folder = g_strdup (folder_path);
  data->uids = g_strdup (uids);
  data->target = g_strdup (target);
  g_task_set_task_data (task, data, (GDestroyNotify) action_data_free);
  if (self->store == NULL)
    {
      return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                               "The cache is not open"));
      return;
    }
  tern_store_list_folders_async (self->store, cancellable, action_folders_cb,
                                 g_steal_pointer (&task));
}

gint64
tern_account_apply_action_finish (TernAccount *self,
                                  GAsyncResult *result,
                                  GArray **out_changed,
                                  char **out_target,
                                  GError **error)
{
  ActionData *data;
  gint64 id;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  id = g_task_propagate_int (G_TASK (result), error);
  if (id < 0 || (error != NULL && *error != NULL))
    return -1;
  data = g_task_get_task_data (G_TASK (result));
  if (out_changed != NULL)
    *out_changed = data->changed != NULL ? g_array_ref (data->changed)
                                         : g_array_new (FALSE, FALSE, sizeof (guint32));
  if (out_target != NULL)
    *out_target = g_strdup (data->target);
  return id;
}

typedef struct
{
  int result;
  char *what;
} UndoData;

static void
undo_data_free (UndoData *data)
{
  g_free (data->what);
  g_free (data);
}

static void
undone_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = g_task_get_source_object (task);
  UndoData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->result = tern_store_undo_finish (TERN_STORE (object), result, &data->what, &error);
  if (data->result == TERN_STORE_UNDO_FAILED)
    {
      return_error (task, error);
      return;
    }
  return_success (task);
  g_task_return_boolean (task, TRUE);
  tern_account_refresh_pending_changes (self);
  if (data->result == TERN_STORE_UNDO_QUEUED && self->replay_automatically)
    tern_account_replay_async (self, NULL, NULL, NULL);
}

void
tern_account_undo_async (TernAccount *self,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_undo_async);
  g_task_set_task_data (task, g_new0 (UndoData, 1), (GDestroyNotify) undo_data_free);
  if (self->store == NULL)
    {
      return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                               "The cache is not open"));
      return;
    }
  tern_store_undo_async (self->store, cancellable, undone_cb, g_steal_pointer (&task));
}

int
tern_account_undo_finish (TernAccount *self, GAsyncResult *result, char **out_what, GError **error)
{
  UndoData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), TERN_STORE_UNDO_FAILED);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return TERN_STORE_UNDO_FAILED;
  data = g_task_get_task_data (G_TASK (result));
  if (out_what != NULL)
    *out_what = g_strdup (data->what);
  return data->result;
}

typedef struct
{
  guint done;
  guint failed;
} ReplayData;

static void
replayed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  TernAccount *self = g_task_get_source_object (task);
  ReplayData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean again = self->replay_again;

  self->replaying = FALSE;
  self->replay_again = FALSE;
  if (!tern_sync_session_replay_finish (TERN_SYNC_SESSION (object), result, &data->done,
                                        &data->failed, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          tern_account_set_online (self, FALSE);
          tern_account_refresh_pending_changes (self);
          g_signal_emit (self, signals[SIGNAL_REPLAYED], 0, 0u, 0u, error);
        }
      return_error (task, error);
      return;
    }
  tern_account_set_online (self, TRUE);
  tern_account_refresh_pending_changes (self);
  g_signal_emit (self, signals[SIGNAL_REPLAYED], 0, data->done, data->failed, NULL);
  return_success (task);
  g_task_return_boolean (task, TRUE);
  /* What was queued while the queue was being sent goes now. */
  if (again)
    tern_account_replay_async (self, NULL, NULL, NULL);
}

/**
 * tern_account_replay_async:
 *
 * Sends the queue to the server. While a replay runs, another call makes
 * one more follow and completes at once.
 */
void
tern_account_replay_async (TernAccount *self,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (TERN_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_account_replay_async);
  g_task_set_task_data (task, g_new0 (ReplayData, 1), g_free);
  if (self->session == NULL)
    {
      return_error (task, g_error_new_literal (TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID,
                                               "The cache is not open"));
      return;
    }
  if (self->replaying)
    {
      self->replay_again = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->replaying = TRUE;
  tern_sync_session_replay_async (self->session,
                                  cancellable != NULL ? cancellable : self->cancellable,
                                  replayed_cb, g_steal_pointer (&task));
}

gboolean
tern_account_replay_finish (TernAccount *self,
                            GAsyncResult *result,
                            guint *out_done,
                            guint *out_failed,
                            GError **error)
{
  ReplayData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  if (out_done != NULL)
    *out_done = data->done;
  if (out_failed != NULL)
    *out_failed = data->failed;
  return TRUE;
}

void
tern_account_set_replay_automatically (TernAccount *self, gboolean replay)
{
  g_return_if_fail (TERN_IS_ACCOUNT (self));
  self->replay_automatically = !!replay;
}

guint
tern_account_get_pending_changes (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), 0);
  return self->pending_changes;
}

guint
tern_account_get_failed_changes (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), 0);
  return self->failed_changes;
}

static void
peeked_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (TernAccount) self = user_data;
  g_autoptr (GPtrArray) ops = NULL;
  g_autoptr (GError) error = NULL;
  guint pending = 0, failed = 0;

  ops = tern_store_peek_ops_finish (TERN_STORE (object), result, &error);
  if (ops == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot count the queued operations: %s", error->message);
      return;
    }
  for (guint i = 0; i < ops->len; i++)
    {
      if (((TernStoreOp *) ops->pdata[i])->state == TERN_STORE_OP_FAILED)
        failed++;
      else
        pending++;
    }
  if (pending != self->pending_changes)
    {
      self->pending_changes = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_CHANGES]);
    }
  if (failed != self->failed_changes)
    {
      self->failed_changes = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED_CHANGES]);
    }
}

void
tern_account_refresh_pending_changes (TernAccount *self)
{
  g_return_if_fail (TERN_IS_ACCOUNT (self));

  if (self->store == NULL)
    return;
  tern_store_peek_ops_async (self->store, 0, self->cancellable, peeked_cb, g_object_ref (self));
}

gboolean
tern_account_get_online (TernAccount *self)
{
  g_return_val_if_fail (TERN_IS_ACCOUNT (self), FALSE);
  return self->online;
}

void
tern_account_set_online (TernAccount *self, gboolean online)
{
  g_return_if_fail (TERN_IS_ACCOUNT (self));

  if (self->online == !!online)
    return;
  self->online = !!online;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}
