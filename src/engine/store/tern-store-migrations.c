/* tern-store-migrations.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The cache's schema as numbered migrations (DESIGN decision 5). Step i takes
 * PRAGMA user_version from i to i + 1. A released step is never edited: a
 * change is a new step at the end, and tests/engine/store/test-store.c opens
 * a database left at every earlier version.
 *
 * Threading: store thread only (called with its sqlite3 handle).
 */

#define G_LOG_DOMAIN "tern-store"

#include "config.h"

#include "tern-store-private.h"

/* v1. Messages are keyed by (folder_id, uid); every list sort order has an
 * index ending in uid so that ties are stable. The FTS5 table keeps its own
 * copy of the text (deletes need no original values) and uses
 * (folder_id << 32) | uid as rowid, so a folder's rows are one rowid range.
 * New rows are indexed by the store's batch insert, not by a trigger: FTS5
 * flushes its pending data at every statement savepoint, and a trigger per
 * row made a 100 000-row batch four times slower. */
static const char migration_1[] =
  "CREATE TABLE folders ("
  "  id INTEGER PRIMARY KEY,"
  "  path TEXT NOT NULL UNIQUE,"
  "  delimiter TEXT,"
  "  role TEXT,"
  "  uidvalidity INTEGER NOT NULL DEFAULT 0,"
  "  uidnext INTEGER NOT NULL DEFAULT 0,"
  "  highestmodseq INTEGER NOT NULL DEFAULT 0,"
  "  sync_state TEXT);"
  "CREATE TABLE messages ("
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  uid INTEGER NOT NULL,"
  "  modseq INTEGER NOT NULL DEFAULT 0,"
  "  flags INTEGER NOT NULL DEFAULT 0,"
  "  keywords TEXT,"
  "  internaldate INTEGER NOT NULL DEFAULT 0,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  date INTEGER NOT NULL DEFAULT 0,"
  "  subject TEXT,"
  "  from_name TEXT,"
  "  from_addr TEXT,"
  "  to_addrs TEXT,"
  "  cc_addrs TEXT,"
  "  message_id TEXT,"
  "  in_reply_to TEXT,"
  "  refs TEXT,"
  "  bodystructure BLOB,"
  "  has_attachments INTEGER NOT NULL DEFAULT 0,"
  "  preview TEXT,"
  "  PRIMARY KEY (folder_id, uid));"
  "CREATE INDEX messages_date ON messages (folder_id, date, uid);"
  "CREATE INDEX messages_from ON messages (folder_id, from_name COLLATE NOCASE, uid);"
  "CREATE INDEX messages_subject ON messages (folder_id, subject COLLATE NOCASE, uid);"
  "CREATE INDEX messages_size ON messages (folder_id, size, uid);"
  "CREATE INDEX messages_unread ON messages (folder_id, (flags & 1), uid);"
  "CREATE INDEX messages_flagged ON messages (folder_id, (flags & 4), uid);"
  "CREATE INDEX messages_message_id ON messages (message_id);"
  "CREATE TABLE parts ("
  "  folder_id INTEGER NOT NULL,"
  "  uid INTEGER NOT NULL,"
  "  section TEXT NOT NULL,"
  "  bytes BLOB NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  last_used INTEGER NOT NULL,"
  "  PRIMARY KEY (folder_id, uid, section),"
  "  FOREIGN KEY (folder_id, uid) REFERENCES messages (folder_id, uid) ON DELETE CASCADE);"
  "CREATE INDEX parts_lru ON parts (last_used);"
  "CREATE VIRTUAL TABLE message_fts USING fts5 ("
  "  subject, sender, recipients, body, tokenize = 'unicode61 remove_diacritics 2');"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, from_name, from_addr,"
  "  to_addrs, cc_addrs ON messages"
  "  WHEN old.subject IS NOT new.subject OR old.from_name IS NOT new.from_name"
  "    OR old.from_addr IS NOT new.from_addr OR old.to_addrs IS NOT new.to_addrs"
  "    OR old.cc_addrs IS NOT new.cc_addrs BEGIN"
  "  UPDATE message_fts SET subject = new.subject,"
  "    sender = coalesce (new.from_name, '') || ' ' || coalesce (new.from_addr, ''),"
  "    recipients = coalesce (new.to_addrs, '') || ' ' || coalesce (new.cc_addrs, '')"
  "  WHERE rowid = (new.folder_id << 32) | new.uid;"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  DELETE FROM message_fts WHERE rowid = (old.folder_id << 32) | old.uid;"
  "END;"
  "CREATE TABLE ops ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  type TEXT NOT NULL,"
  "  folder TEXT NOT NULL,"
  "  uids TEXT NOT NULL DEFAULT '',"
  "  args TEXT,"
  "  created INTEGER NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  state INTEGER NOT NULL DEFAULT 0);";

/* v2. Sync and the operation queue: `pending` hides a message that a queued
 * move or delete has taken out of its folder (the row stays until the server
 * has done it, so undo before replay loses nothing); ops remember what undo
 * needs (`undo`, the inverse, filled at replay for moves: the UIDs COPYUID
 * gave) and whether they were undone; a move or copy shows its messages in
 * the target at once as local rows (UIDs from 0xF0000000 up, `local` the
 * first), renumbered with COPYUID or dropped for the server's at replay;
 * `meta` keeps per-server facts such as a QRESYNC/CONDSTORE fallback. */
static const char migration_2[] =
  "ALTER TABLE messages ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE ops ADD COLUMN undo TEXT;"
  "ALTER TABLE ops ADD COLUMN local INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE ops ADD COLUMN undone INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE done_ops ("
  "  id INTEGER PRIMARY KEY,"
  "  type TEXT NOT NULL,"
  "  folder TEXT NOT NULL,"
  "  uids TEXT NOT NULL DEFAULT '',"
  "  args TEXT,"
  "  undo TEXT,"
  "  undone INTEGER NOT NULL DEFAULT 0,"
  "  finished INTEGER NOT NULL);"
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
  /* Hidden rows are few: the list queries skip them through this. */
  "CREATE INDEX messages_pending ON messages (folder_id, uid) WHERE pending != 0;";

/* v3. Folder counts (total, unread) from an index instead of the rows: a
 * resync of 100 000 messages read the whole table for them. Queries that
 * look rows up by UID or walk a sort index write "+pending" so that the
 * planner does not take this index for them. */
static const char migration_3[] =
  "CREATE INDEX messages_counts ON messages (folder_id, pending, flags);";

/* v4. Search: the index keeps diacritics (case is still folded), so that
 * "Uberprufung" finds what the server finds for it (Dovecot's
 * i;unicode-casemap folds case, not accents) and not "Überprüfung". The
 * rows move over unchanged; the triggers on messages name the table and
 * need no change. */
static const char migration_4[] =
  "CREATE TEMP TABLE fts_copy AS"
  "  SELECT rowid AS id, subject, sender, recipients, body FROM message_fts;"
  "DROP TABLE message_fts;"
  "CREATE VIRTUAL TABLE message_fts USING fts5 ("
  "  subject, sender, recipients, body, tokenize = 'unicode61 remove_diacritics 0');"
  "INSERT INTO message_fts (rowid, subject, sender, recipients, body)"
  "  SELECT id, subject, sender, recipients, body FROM fts_copy;"
  "DROP TABLE temp.fts_copy;";

const char *const _tern_store_migrations[] = {
  migration_1,
  migration_2,
  migration_3,
  migration_4,
};

const guint _tern_store_n_migrations = G_N_ELEMENTS (_tern_store_migrations);

gboolean
_tern_store_get_user_version (sqlite3 *db, guint *out_version, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _tern_store_set_error (error, db, rc, "Reading the schema version");
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _tern_store_set_error (error, db, rc, "Reading the schema version");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out_version = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

gboolean
_tern_store_migrate (sqlite3 *db, guint target, GError **error)
{
  guint version;

  g_return_val_if_fail (target <= _tern_store_n_migrations, FALSE);

  if (!_tern_store_get_user_version (db, &version, error))
    return FALSE;

  if (version > _tern_store_n_migrations)
    {
      g_set_error (error, TERN_STORE_ERROR, TERN_STORE_ERROR_VERSION,
                   "The cache has schema version %u; this Tern knows up to %u", version,
                   _tern_store_n_migrations);
      return FALSE;
    }

  for (; version < target; version++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %u", version + 1);

      if (!_tern_store_exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!_tern_store_exec (db, _tern_store_migrations[version], error) ||
          !_tern_store_exec (db, bump, error) || !_tern_store_exec (db, "COMMIT", error))
        {
          _tern_store_exec (db, "ROLLBACK", NULL);
          g_prefix_error (error, "Migrating the cache to version %u: ", version + 1);
          return FALSE;
        }
      g_debug ("Migrated cache to schema version %u", version + 1);
    }

  return TRUE;
}
