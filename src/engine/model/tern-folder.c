/* tern-folder.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernFolder: one mailbox of an account as the UI shows it: its path (UTF-8,
 * with the server's hierarchy delimiter), its last component, what it is for,
 * whether it is subscribed and can hold messages, and how many it holds.
 * The model fills it in; for the UI every property is read-only. A folder
 * read from the cache also knows its id there (store-id), which is what a
 * TernMessageList of it needs, and how its synchronization stands
 * (sync-state, with progress and the last error).
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-model"

#include "config.h"

#include "tern-folder-private.h"

struct _TernFolder
{
  GObject parent_instance;

  /* owned */
  char *path;
  char *name;
  char *delimiter;
  char *wire_name;
  GError *sync_error;

  gint64 store_id;
  guint64 sync_done;
  guint64 sync_total;
  TernFolderRole role;
  TernFolderSyncState sync_state;
  guint total;
  guint unread;
  guint subscribed : 1;
  guint selectable : 1;
};

G_DEFINE_FINAL_TYPE (TernFolder, tern_folder, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (TernFolderRole,
                    tern_folder_role,
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_INBOX, "inbox"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_DRAFTS, "drafts"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_SENT, "sent"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_TRASH, "trash"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_JUNK, "junk"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_ARCHIVE, "archive"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_ALL, "all"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_ROLE_FLAGGED, "flagged"))

G_DEFINE_ENUM_TYPE (TernFolderSyncState,
                    tern_folder_sync_state,
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_SYNC_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_SYNC_STATE_SYNCING, "syncing"),
                    G_DEFINE_ENUM_VALUE (TERN_FOLDER_SYNC_STATE_ERROR, "error"))

enum
{
  PROP_0,
  PROP_PATH,
  PROP_NAME,
  PROP_DELIMITER,
  PROP_ROLE,
  PROP_SUBSCRIBED,
  PROP_SELECTABLE,
  PROP_TOTAL,
  PROP_UNREAD,
  PROP_STORE_ID,
  PROP_SYNC_STATE,
  PROP_SYNC_DONE,
  PROP_SYNC_TOTAL,
  PROP_SYNC_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * tern_folder_role_to_string:
 *
 * Returns: the role's stable name ("inbox", "sent", …), or %NULL for
 *   %TERN_FOLDER_ROLE_NONE
 */
const char *
tern_folder_role_to_string (TernFolderRole role)
{
  GEnumClass *klass;
  GEnumValue *value;

  if (role == TERN_FOLDER_ROLE_NONE)
    return NULL;

  klass = g_type_class_ref (TERN_TYPE_FOLDER_ROLE);
  value = g_enum_get_value (klass, role);
  g_type_class_unref (klass);

  /* Enum classes are never unloaded, so the nick stays valid. */
  g_return_val_if_fail (value != NULL, NULL);
  return value->value_nick;
}

static void
tern_folder_finalize (GObject *object)
{
  TernFolder *self = (TernFolder *) object;

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->delimiter, g_free);
  g_clear_pointer (&self->wire_name, g_free);
  g_clear_error (&self->sync_error);

  G_OBJECT_CLASS (tern_folder_parent_class)->finalize (object);
}

static void
tern_folder_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernFolder *self = TERN_FOLDER (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_DELIMITER:
      g_value_set_string (value, self->delimiter);
      break;

    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;

    case PROP_SUBSCRIBED:
      g_value_set_boolean (value, self->subscribed);
      break;

    case PROP_SELECTABLE:
      g_value_set_boolean (value, self->selectable);
      break;

    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;

    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;

    case PROP_STORE_ID:
      g_value_set_int64 (value, self->store_id);
      break;

    case PROP_SYNC_STATE:
      g_value_set_enum (value, self->sync_state);
      break;

    case PROP_SYNC_DONE:
      g_value_set_uint64 (value, self->sync_done);
      break;

    case PROP_SYNC_TOTAL:
      g_value_set_uint64 (value, self->sync_total);
      break;

    case PROP_SYNC_ERROR:
      g_value_set_boxed (value, self->sync_error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_folder_class_init (TernFolderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = tern_folder_finalize;
  object_class->get_property = tern_folder_get_property;

  /* The full name in UTF-8, hierarchy levels separated by the delimiter. A
   * name the server sent that does not decode is kept as sent. */
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  /* The last level of the path. */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /* The server's hierarchy delimiter; NULL when it has no hierarchy. */
  properties[PROP_DELIMITER] = g_param_spec_string ("delimiter", NULL, NULL, NULL, flags);
  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL, TERN_TYPE_FOLDER_ROLE, TERN_FOLDER_ROLE_NONE, flags);
  properties[PROP_SUBSCRIBED] = g_param_spec_boolean ("subscribed", NULL, NULL, FALSE, flags);
  /* FALSE for a folder that only holds other folders (\Noselect). */
  properties[PROP_SELECTABLE] = g_param_spec_boolean ("selectable", NULL, NULL, TRUE, flags);
  properties[PROP_TOTAL] = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* The folder's id in the account's cache; 0 when it has none (a folder
   * that only holds other folders). */
  properties[PROP_STORE_ID] = g_param_spec_int64 ("store-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SYNC_STATE] =
    g_param_spec_enum ("sync-state", NULL, NULL, TERN_TYPE_FOLDER_SYNC_STATE,
                       TERN_FOLDER_SYNC_STATE_IDLE, flags);
  /* Progress of the running sync, in the synchronizer's units (messages);
   * sync-total is 0 while it is not known. */
  properties[PROP_SYNC_DONE] =
    g_param_spec_uint64 ("sync-done", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SYNC_TOTAL] =
    g_param_spec_uint64 ("sync-total", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /* Why the last sync failed, while sync-state is ERROR; else NULL. */
  properties[PROP_SYNC_ERROR] = g_param_spec_boxed ("sync-error", NULL, NULL, G_TYPE_ERROR, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tern_folder_init (TernFolder *self)
{
  self->selectable = TRUE;
}

/* @path: UTF-8; @delimiter: NULL or empty for a flat namespace; @wire_name:
 * the name exactly as the server sent it, used in commands. */
TernFolder *
_tern_folder_new (const char *path, const char *delimiter, const char *wire_name)
{
  TernFolder *self;
  const char *last = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (wire_name != NULL, NULL);

  self = g_object_new (TERN_TYPE_FOLDER, NULL);
  self->path = g_strdup (path);
  self->delimiter = delimiter != NULL && delimiter[0] != '\0' ? g_strdup (delimiter) : NULL;
  self->wire_name = g_strdup (wire_name);

  if (self->delimiter != NULL)
    last = g_strrstr (path, self->delimiter);
  self->name = g_strdup (last != NULL ? last + strlen (self->delimiter) : path);

  return self;
}

/**
 * _tern_folder_role_from_string:
 * @role: (nullable): a role's stable name, as the cache keeps it
 *
 * The inverse of tern_folder_role_to_string(); an unknown name is
 * %TERN_FOLDER_ROLE_NONE.
 */
TernFolderRole
_tern_folder_role_from_string (const char *role)
{
  GEnumClass *klass;
  GEnumValue *value;
  TernFolderRole result;

  if (role == NULL || role[0] == '\0')
    return TERN_FOLDER_ROLE_NONE;

  klass = g_type_class_ref (TERN_TYPE_FOLDER_ROLE);
  value = g_enum_get_value_by_nick (klass, role);
  result = value != NULL ? (TernFolderRole) value->value : TERN_FOLDER_ROLE_NONE;
  g_type_class_unref (klass);

  return result;
}

/* The cache keeps decoded paths only and the client encodes names itself,
 * so the path stands in for the wire name. */
TernFolder *
_tern_folder_new_from_store (const TernStoreFolder *row)
{
  TernFolder *self;

  g_return_val_if_fail (row != NULL, NULL);
  g_return_val_if_fail (row->path != NULL, NULL);

  self = _tern_folder_new (row->path, row->delimiter, row->path);
  _tern_folder_update_from_store (self, row);

  return self;
}

/* Takes over what the cache says of the folder at the same path: its id and
 * role. A cached folder is always selectable. */
void
_tern_folder_update_from_store (TernFolder *self, const TernStoreFolder *row)
{
  TernFolderRole role;

  g_return_if_fail (TERN_IS_FOLDER (self));
  g_return_if_fail (row != NULL);

  role = _tern_folder_role_from_string (row->role);
  if (role == TERN_FOLDER_ROLE_NONE && g_ascii_strcasecmp (row->path, "INBOX") == 0)
    role = TERN_FOLDER_ROLE_INBOX;

  g_object_freeze_notify (G_OBJECT (self));
  _tern_folder_set_store_id (self, row->id);
  _tern_folder_set_role (self, role);
  _tern_folder_set_selectable (self, TRUE);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
_tern_folder_get_wire_name (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), NULL);

  return self->wire_name;
}

void
_tern_folder_set_role (TernFolder *self, TernFolderRole role)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  if (self->role == role)
    return;

  self->role = role;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
}

void
_tern_folder_set_subscribed (TernFolder *self, gboolean subscribed)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  subscribed = !!subscribed;
  if (self->subscribed == (guint) subscribed)
    return;

  self->subscribed = subscribed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBSCRIBED]);
}

void
_tern_folder_set_selectable (TernFolder *self, gboolean selectable)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  selectable = !!selectable;
  if (self->selectable == (guint) selectable)
    return;

  self->selectable = selectable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTABLE]);
}

void
_tern_folder_set_counts (TernFolder *self, guint total, guint unread)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  g_object_freeze_notify (G_OBJECT (self));
  _tern_folder_set_total (self, total);
  _tern_folder_set_unread (self, unread);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_tern_folder_set_store_id (TernFolder *self, gint64 store_id)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  if (self->store_id == store_id)
    return;

  self->store_id = store_id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE_ID]);
}

void
_tern_folder_set_total (TernFolder *self, guint total)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  if (self->total == total)
    return;

  self->total = total;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
}

void
_tern_folder_set_unread (TernFolder *self, guint unread)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  if (self->unread == unread)
    return;

  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

void
_tern_folder_set_sync_state (TernFolder *self, TernFolderSyncState state)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (state != TERN_FOLDER_SYNC_STATE_ERROR && self->sync_error != NULL)
    {
      g_clear_error (&self->sync_error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_ERROR]);
    }
  if (self->sync_state != state)
    {
      self->sync_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
_tern_folder_set_sync_error (TernFolder *self, const GError *error)
{
  g_return_if_fail (TERN_IS_FOLDER (self));
  g_return_if_fail (error != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->sync_error == NULL || self->sync_error->domain != error->domain ||
      self->sync_error->code != error->code ||
      g_strcmp0 (self->sync_error->message, error->message) != 0)
    {
      g_clear_error (&self->sync_error);
      self->sync_error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_ERROR]);
    }
  _tern_folder_set_sync_state (self, TERN_FOLDER_SYNC_STATE_ERROR);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_tern_folder_set_sync_progress (TernFolder *self, guint64 done, guint64 total)
{
  g_return_if_fail (TERN_IS_FOLDER (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->sync_done != done)
    {
      self->sync_done = done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_DONE]);
    }
  if (self->sync_total != total)
    {
      self->sync_total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_TOTAL]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
tern_folder_get_path (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), NULL);

  return self->path;
}

const char *
tern_folder_get_name (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), NULL);

  return self->name;
}

const char *
tern_folder_get_delimiter (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), NULL);

  return self->delimiter;
}

TernFolderRole
tern_folder_get_role (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), TERN_FOLDER_ROLE_NONE);

  return self->role;
}

gboolean
tern_folder_get_subscribed (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), FALSE);

  return self->subscribed;
}

gboolean
tern_folder_get_selectable (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), FALSE);

  return self->selectable;
}

guint
tern_folder_get_total (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), 0);

  return self->total;
}

guint
tern_folder_get_unread (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), 0);

  return self->unread;
}

gint64
tern_folder_get_store_id (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), 0);

  return self->store_id;
}

TernFolderSyncState
tern_folder_get_sync_state (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), TERN_FOLDER_SYNC_STATE_IDLE);

  return self->sync_state;
}

guint64
tern_folder_get_sync_done (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), 0);

  return self->sync_done;
}

guint64
tern_folder_get_sync_total (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), 0);

  return self->sync_total;
}

/**
 * tern_folder_get_sync_error:
 *
 * Returns: (transfer none) (nullable): why the last sync failed, while
 *   sync-state is %TERN_FOLDER_SYNC_STATE_ERROR
 */
const GError *
tern_folder_get_sync_error (TernFolder *self)
{
  g_return_val_if_fail (TERN_IS_FOLDER (self), NULL);

  return self->sync_error;
}
