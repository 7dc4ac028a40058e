/* tern-imap-envelope.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapEnvelope: decoded in two passes over the value tree, the first to
 * validate and measure, the second to copy into a single allocation (struct,
 * addresses, strings), since a header sync decodes one per message.
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-envelope.h"
#include "tern-imap-response-private.h"

#define N_FIELDS 6

struct _TernImapAddress
{
  const char *name;
  const char *route;
  const char *mailbox;
  const char *host;
  const TernImapAddress *members;
  guint n_members;
  guint is_group : 1;
};

struct _TernImapEnvelope
{
  gatomicrefcount ref_count;
  const char *date;
  const char *subject;
  const char *in_reply_to;
  const char *message_id;
  const TernImapAddress *addresses[N_FIELDS];
  guint n_addresses[N_FIELDS];
};

G_DEFINE_BOXED_TYPE (TernImapEnvelope,
                     tern_imap_envelope,
                     tern_imap_envelope_ref,
                     tern_imap_envelope_unref)

/* ENVELOPE positions: date subject from sender reply-to to cc bcc in-reply-to message-id */
#define FIRST_ADDRESS_FIELD 2

static gboolean
measure_nstring (const TernImapValue *value, gsize *bytes)
{
  const char *str;
  gsize len;

  if (!_tern_imap_value_nstring (value, &str, &len))
    return FALSE;
  if (str != NULL)
    *bytes += len + 1;
  return TRUE;
}

/* Pass one: is it an envelope, and how much room does it need? */
static gboolean
measure (const TernImapValue *value, gsize *n_addresses, gsize *bytes, GError **error)
{
  if (!_tern_imap_value_is (value, TERN_IMAP_VALUE_LIST) || value->len != 10)
    {
      _tern_imap_set_malformed (error, "ENVELOPE", "not a list of ten fields");
      return FALSE;
    }

  for (guint i = 0; i < 10; i++)
    {
      const TernImapValue *field = &value->u.children[i];

      if (i < FIRST_ADDRESS_FIELD || i >= FIRST_ADDRESS_FIELD + N_FIELDS)
        {
          if (!measure_nstring (field, bytes))
            {
              _tern_imap_set_malformed (error, "ENVELOPE", "a field is neither string nor NIL");
              return FALSE;
            }
          continue;
        }

      if (field->type == TERN_IMAP_VALUE_NIL)
        continue;
      if (field->type != TERN_IMAP_VALUE_LIST)
        {
          _tern_imap_set_malformed (error, "ENVELOPE", "an address field is not a list");
          return FALSE;
        }

      for (guint j = 0; j < field->len; j++)
        {
          const TernImapValue *address = &field->u.children[j];

          if (address->type != TERN_IMAP_VALUE_LIST || address->len != 4)
            {
              _tern_imap_set_malformed (error, "ENVELOPE", "an address is not a list of four");
              return FALSE;
            }
          for (guint k = 0; k < 4; k++)
            if (!measure_nstring (&address->u.children[k], bytes))
              {
                _tern_imap_set_malformed (error, "ENVELOPE", "an address part is not a string");
                return FALSE;
              }
          (*n_addresses)++;
        }
    }

  return TRUE;
}

static const char *
copy_nstring (const TernImapValue *value, char **strings)
{
  const char *str;
  gsize len;
  char *copy;

  (void) _tern_imap_value_nstring (value, &str, &len);
  if (str == NULL)
    return NULL;

  copy = *strings;
  memcpy (copy, str, len);
  copy[len] = '\0';
  *strings += len + 1;
  return copy;
}

/* RFC 3501: a NIL host marks a group: with a mailbox (the group's name) it
 * starts one, without it ends one. */
static gboolean
is_group_start (const TernImapValue *address)
{
  return address->u.children[3].type == TERN_IMAP_VALUE_NIL &&
         address->u.children[2].type != TERN_IMAP_VALUE_NIL;
}

static gboolean
is_group_end (const TernImapValue *address)
{
  return address->u.children[3].type == TERN_IMAP_VALUE_NIL &&
         address->u.children[2].type == TERN_IMAP_VALUE_NIL;
}

/* Pass two, for one address field: top-level entries first, then the members
 * of its groups, each group's together. */
static void
fill_field (TernImapEnvelope *self,
            guint field_index,
            const TernImapValue *field,
            TernImapAddress **slots,
            char **strings)
{
  TernImapAddress *top;
  TernImapAddress *members;
  TernImapAddress *group = NULL;
  guint n_top = 0;
  gboolean in_group = FALSE;

  if (field->type != TERN_IMAP_VALUE_LIST)
    return;

  for (guint j = 0; j < field->len; j++)
    {
      const TernImapValue *address = &field->u.children[j];

      if (is_group_start (address))
        {
          n_top++;
          in_group = TRUE;
        }
      else if (is_group_end (address))
        in_group = FALSE;
      else if (!in_group)
        n_top++;
    }

  top = *slots;
  members = top + n_top;
  n_top = 0;

  for (guint j = 0; j < field->len; j++)
    {
      const TernImapValue *address = &field->u.children[j];
      TernImapAddress *a;

      if (is_group_start (address))
        {
          group = &top[n_top++];
          memset (group, 0, sizeof *group);
          group->is_group = TRUE;
          group->name = copy_nstring (&address->u.children[2], strings);
          group->members = members;
          continue;
        }

      if (is_group_end (address))
        {
          group = NULL;
          continue;
        }

      if (group != NULL)
        {
          a = members++;
          group->n_members++;
        }
      else
        a = &top[n_top++];

      memset (a, 0, sizeof *a);
      a->name = copy_nstring (&address->u.children[0], strings);
      a->route = copy_nstring (&address->u.children[1], strings);
      a->mailbox = copy_nstring (&address->u.children[2], strings);
      a->host = copy_nstring (&address->u.children[3], strings);
    }

  self->addresses[field_index] = top;
  self->n_addresses[field_index] = n_top;
  *slots = members;
}

TernImapEnvelope *
tern_imap_envelope_new_from_value (const TernImapValue *value, GError **error)
{
  TernImapEnvelope *self;
  TernImapAddress *slots;
  char *strings;
  gsize n_addresses = 0;
  gsize bytes = 0;
  gsize header;

  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!measure (value, &n_addresses, &bytes, error))
    return NULL;

  header = (sizeof (TernImapEnvelope) + 7) & ~(gsize) 7;
  self = g_malloc0 (header + n_addresses * sizeof (TernImapAddress) + bytes);
  g_atomic_ref_count_init (&self->ref_count);
  slots = (TernImapAddress *) (gpointer) ((guint8 *) self + header);
  strings = (char *) (slots + n_addresses);

  self->date = copy_nstring (&value->u.children[0], &strings);
  self->subject = copy_nstring (&value->u.children[1], &strings);
  for (guint i = 0; i < N_FIELDS; i++)
    fill_field (self, i, &value->u.children[FIRST_ADDRESS_FIELD + i], &slots, &strings);
  self->in_reply_to = copy_nstring (&value->u.children[8], &strings);
  self->message_id = copy_nstring (&value->u.children[9], &strings);

  return self;
}

TernImapEnvelope *
tern_imap_envelope_ref (TernImapEnvelope *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_envelope_unref (TernImapEnvelope *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    g_free (self);
}

const char *
tern_imap_envelope_get_date (TernImapEnvelope *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->date;
}

const char *
tern_imap_envelope_get_subject (TernImapEnvelope *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->subject;
}

const char *
tern_imap_envelope_get_in_reply_to (TernImapEnvelope *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->in_reply_to;
}

const char *
tern_imap_envelope_get_message_id (TernImapEnvelope *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->message_id;
}

/* Top-level entries of the field: mailboxes and groups. */
guint
tern_imap_envelope_get_n_addresses (TernImapEnvelope *self, TernImapAddressField field)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (field < N_FIELDS, 0);

  return self->n_addresses[field];
}

const TernImapAddress *
tern_imap_envelope_get_address (TernImapEnvelope *self, TernImapAddressField field, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (field < N_FIELDS, NULL);
  g_return_val_if_fail (index < self->n_addresses[field], NULL);

  return &self->addresses[field][index];
}

/* The display name (a phrase, raw); for a group, the group's name. */
const char *
tern_imap_address_get_name (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  return address->name;
}

/* The obsolete source route (at-domain-list), almost always NULL. */
const char *
tern_imap_address_get_route (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  return address->route;
}

/* The local part; NULL for a group. */
const char *
tern_imap_address_get_mailbox (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  return address->mailbox;
}

const char *
tern_imap_address_get_host (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  return address->host;
}

gboolean
tern_imap_address_is_group (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, FALSE);

  return address->is_group;
}

guint
tern_imap_address_get_n_members (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, 0);

  return address->n_members;
}

const TernImapAddress *
tern_imap_address_get_member (const TernImapAddress *address, guint index)
{
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (index < address->n_members, NULL);

  return &address->members[index];
}

/* "mailbox@host", or "mailbox" alone when the host is empty; NULL for a group
 * or an address without a mailbox. */
char *
tern_imap_address_dup_addr_spec (const TernImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (address->is_group || address->mailbox == NULL)
    return NULL;

  if (address->host == NULL || address->host[0] == '\0')
    return g_strdup (address->mailbox);

  return g_strconcat (address->mailbox, "@", address->host, NULL);
}
