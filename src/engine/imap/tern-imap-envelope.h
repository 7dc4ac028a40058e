/* tern-imap-envelope.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tern-imap-response.h"

G_BEGIN_DECLS

typedef enum
{
  TERN_IMAP_ADDRESS_FROM,
  TERN_IMAP_ADDRESS_SENDER,
  TERN_IMAP_ADDRESS_REPLY_TO,
  TERN_IMAP_ADDRESS_TO,
  TERN_IMAP_ADDRESS_CC,
  TERN_IMAP_ADDRESS_BCC,
} TernImapAddressField;

/* TernImapEnvelope: a FETCH ENVELOPE (or the envelope of a message/rfc822
 * part), decoded but not interpreted: every string is the raw header bytes,
 * RFC 2047 words and all (decoding them is GMime's job, later). NIL is NULL.
 *
 * Threading: immutable; references may be shared between threads. */
typedef struct _TernImapEnvelope TernImapEnvelope;

/* One address of an envelope, owned by it. A group ("undisclosed-recipients:;")
 * is an address whose name is the group's name and whose members are the
 * addresses inside it. */
typedef struct _TernImapAddress TernImapAddress;

#define TERN_TYPE_IMAP_ENVELOPE (tern_imap_envelope_get_type ())

GType tern_imap_envelope_get_type (void) G_GNUC_CONST;
TernImapEnvelope *tern_imap_envelope_new_from_value (const TernImapValue *value, GError **error);
TernImapEnvelope *tern_imap_envelope_ref (TernImapEnvelope *self);
void tern_imap_envelope_unref (TernImapEnvelope *self);

const char *tern_imap_envelope_get_date (TernImapEnvelope *self);
const char *tern_imap_envelope_get_subject (TernImapEnvelope *self);
const char *tern_imap_envelope_get_in_reply_to (TernImapEnvelope *self);
const char *tern_imap_envelope_get_message_id (TernImapEnvelope *self);
guint tern_imap_envelope_get_n_addresses (TernImapEnvelope *self, TernImapAddressField field);
const TernImapAddress *
tern_imap_envelope_get_address (TernImapEnvelope *self, TernImapAddressField field, guint index);

const char *tern_imap_address_get_name (const TernImapAddress *address);
const char *tern_imap_address_get_route (const TernImapAddress *address);
const char *tern_imap_address_get_mailbox (const TernImapAddress *address);
const char *tern_imap_address_get_host (const TernImapAddress *address);
gboolean tern_imap_address_is_group (const TernImapAddress *address);
guint tern_imap_address_get_n_members (const TernImapAddress *address);
const TernImapAddress *tern_imap_address_get_member (const TernImapAddress *address, guint index);
char *tern_imap_address_dup_addr_spec (const TernImapAddress *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernImapEnvelope, tern_imap_envelope_unref)

G_END_DECLS
