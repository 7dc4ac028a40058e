/* tern-imap-mailbox-info.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapMailboxInfo: mailbox-list = "(" [mbx-list-flags] ")" SP
 * (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended].
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-mailbox-info.h"
#include "tern-imap-response-private.h"

struct _TernImapMailboxInfo
{
  gatomicrefcount ref_count;
  char *name;
  char **raw_attributes;
  char **childinfo;
  char *old_name;
  TernImapMailboxAttributes attributes;
  char delimiter;
  guint is_lsub : 1;
};

G_DEFINE_BOXED_TYPE (TernImapMailboxInfo,
                     tern_imap_mailbox_info,
                     tern_imap_mailbox_info_ref,
                     tern_imap_mailbox_info_unref)

static const struct
{
  const char *name;
  TernImapMailboxAttributes attribute;
} known_attributes[] = {
  { "\\Noselect", TERN_IMAP_MAILBOX_NOSELECT },
  { "\\Noinferiors", TERN_IMAP_MAILBOX_NOINFERIORS },
  { "\\NonExistent", TERN_IMAP_MAILBOX_NONEXISTENT },
  { "\\HasChildren", TERN_IMAP_MAILBOX_HAS_CHILDREN },
  { "\\HasNoChildren", TERN_IMAP_MAILBOX_HAS_NO_CHILDREN },
  { "\\Marked", TERN_IMAP_MAILBOX_MARKED },
  { "\\Unmarked", TERN_IMAP_MAILBOX_UNMARKED },
  { "\\Subscribed", TERN_IMAP_MAILBOX_SUBSCRIBED },
  { "\\Remote", TERN_IMAP_MAILBOX_REMOTE },
  { "\\All", TERN_IMAP_MAILBOX_ALL },
  { "\\Archive", TERN_IMAP_MAILBOX_ARCHIVE },
  { "\\Drafts", TERN_IMAP_MAILBOX_DRAFTS },
  { "\\Flagged", TERN_IMAP_MAILBOX_FLAGGED },
  { "\\Junk", TERN_IMAP_MAILBOX_JUNK },
  { "\\Sent", TERN_IMAP_MAILBOX_SENT },
  { "\\Trash", TERN_IMAP_MAILBOX_TRASH },
  { "\\Important", TERN_IMAP_MAILBOX_IMPORTANT },
};

TernImapMailboxInfo *
tern_imap_mailbox_info_ref (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_mailbox_info_unref (TernImapMailboxInfo *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->name);
  g_strfreev (self->raw_attributes);
  g_strfreev (self->childinfo);
  g_free (self->old_name);
  g_free (self);
}

static char **
dup_strings (const TernImapValue *list)
{
  char **strv = g_new0 (char *, list->len + 1);

  for (guint i = 0; i < list->len; i++)
    {
      const char *str;
      gsize len;

      if (!_tern_imap_value_astring (&list->u.children[i], &str, &len))
        {
          g_strfreev (strv);
          return NULL;
        }
      strv[i] = g_strndup (str, len);
    }

  return strv;
}

/* mbox-list-extended = "(" [item *(SP item)] ")", item = tag SP value */
static gboolean
parse_extended (TernImapMailboxInfo *self, const TernImapValue *list, GError **error)
{
  if (list->type != TERN_IMAP_VALUE_LIST || list->len % 2 != 0)
    {
      _tern_imap_set_malformed (error, "LIST", "bad extended data");
      return FALSE;
    }

  for (guint i = 0; i < list->len; i += 2)
    {
      const TernImapValue *tag = &list->u.children[i];
      const TernImapValue *value = &list->u.children[i + 1];
      const char *tag_name;

      if (!_tern_imap_value_astring (tag, &tag_name, NULL))
        {
          _tern_imap_set_malformed (error, "LIST", "bad extended data tag");
          return FALSE;
        }

      if (g_ascii_strcasecmp (tag_name, "CHILDINFO") == 0 && value->type == TERN_IMAP_VALUE_LIST)
        {
          g_strfreev (self->childinfo);
          self->childinfo = dup_strings (value);
          if (self->childinfo == NULL)
            {
              _tern_imap_set_malformed (error, "LIST", "bad CHILDINFO");
              return FALSE;
            }
        }
      else if (g_ascii_strcasecmp (tag_name, "OLDNAME") == 0 &&
               value->type == TERN_IMAP_VALUE_LIST && value->len == 1)
        {
          const char *old;
          gsize len;

          if (!_tern_imap_value_astring (&value->u.children[0], &old, &len))
            {
              _tern_imap_set_malformed (error, "LIST", "bad OLDNAME");
              return FALSE;
            }
          g_free (self->old_name);
          self->old_name = g_strndup (old, len);
        }
    }

  return TRUE;
}

/* "* LIST (attributes) delimiter name [extended]" or "* LSUB ..." */
TernImapMailboxInfo *
tern_imap_mailbox_info_new_from_response (TernImapResponse *response, GError **error)
{
  g_autoptr (TernImapMailboxInfo) self = NULL;
  const TernImapValue *args;
  const TernImapValue *attributes;
  const TernImapValue *delimiter;
  const char *name;
  gsize name_len;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  args = &response->args;
  if ((response->data_type != TERN_IMAP_DATA_LIST && response->data_type != TERN_IMAP_DATA_LSUB) ||
      args->len < 3 || args->len > 4)
    {
      _tern_imap_set_malformed (error, "LIST", "expected \"* LIST (...) delimiter name\"");
      return NULL;
    }

  self = g_new0 (TernImapMailboxInfo, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->is_lsub = response->data_type == TERN_IMAP_DATA_LSUB;

  attributes = &args->u.children[0];
  if (attributes->type != TERN_IMAP_VALUE_LIST)
    {
      _tern_imap_set_malformed (error, "LIST", "attributes are not a list");
      return NULL;
    }
  self->raw_attributes = g_new0 (char *, attributes->len + 1);
  for (guint i = 0; i < attributes->len; i++)
    {
      const TernImapValue *attribute = &attributes->u.children[i];

      if (attribute->type != TERN_IMAP_VALUE_ATOM)
        {
          _tern_imap_set_malformed (error, "LIST", "an attribute is not an atom");
          return NULL;
        }
      self->raw_attributes[i] = g_strndup (attribute->u.str, attribute->len);
      for (guint j = 0; j < G_N_ELEMENTS (known_attributes); j++)
        if (g_ascii_strcasecmp (attribute->u.str, known_attributes[j].name) == 0)
          self->attributes |= known_attributes[j].attribute;
    }

  delimiter = &args->u.children[1];
  if (delimiter->type == TERN_IMAP_VALUE_STRING && delimiter->len == 1)
    self->delimiter = _tern_imap_value_str (delimiter)[0];
  else if (delimiter->type != TERN_IMAP_VALUE_NIL)
    {
      _tern_imap_set_malformed (error, "LIST", "the delimiter is not one character or NIL");
      return NULL;
    }

  if (!_tern_imap_value_astring (&args->u.children[2], &name, &name_len) ||
      memchr (name, '\0', name_len) != NULL)
    {
      _tern_imap_set_malformed (error, "LIST", "bad mailbox name");
      return NULL;
    }

  /* INBOX is case-insensitive (RFC 3501 5.1). */
  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    self->name = g_strdup ("INBOX");
  else
    self->name = g_strndup (name, name_len);

  if (args->len == 4 && !parse_extended (self, &args->u.children[3], error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
tern_imap_mailbox_info_is_lsub (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->is_lsub;
}

/* The raw name ("INBOX" whatever case the server used). */
const char *
tern_imap_mailbox_info_get_name (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

/* The hierarchy delimiter, '\0' when the server said NIL (flat namespace). */
char
tern_imap_mailbox_info_get_delimiter (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, '\0');

  return self->delimiter;
}

TernImapMailboxAttributes
tern_imap_mailbox_info_get_attributes (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->attributes;
}

TernImapMailboxAttributes
tern_imap_mailbox_info_get_special_use (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->attributes & TERN_IMAP_MAILBOX_SPECIAL_USE_MASK;
}

/* Every attribute as sent, known or not. */
const char *const *
tern_imap_mailbox_info_get_raw_attributes (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->raw_attributes;
}

gboolean
tern_imap_mailbox_info_has_attribute (TernImapMailboxInfo *self, const char *attribute)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (attribute != NULL, FALSE);

  for (guint i = 0; self->raw_attributes[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->raw_attributes[i], attribute) == 0)
      return TRUE;

  return FALSE;
}

/* CHILDINFO extended data ("SUBSCRIBED" with RECURSIVEMATCH), or NULL. */
const char *const *
tern_imap_mailbox_info_get_childinfo (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->childinfo;
}

/* OLDNAME extended data (after a RENAME), or NULL. */
const char *
tern_imap_mailbox_info_get_old_name (TernImapMailboxInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->old_name;
}
