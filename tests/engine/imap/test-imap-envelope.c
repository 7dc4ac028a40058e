/* test-imap-envelope.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-envelope.h"
#include "recorded-fetch.h"

/* The ENVELOPE value of a recorded FETCH response. */
static TernImapEnvelope *
decode_fetch (const char *wire, gsize len)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, len);
  const TernImapValue *items =
    tern_imap_value_get_child (tern_imap_response_get_args (response), 0);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i + 1 < tern_imap_value_get_n_children (items); i += 2)
    if (tern_imap_value_atom_equal (tern_imap_value_get_child (items, i), "ENVELOPE"))
      {
        TernImapEnvelope *envelope =
          tern_imap_envelope_new_from_value (tern_imap_value_get_child (items, i + 1), &error);

        g_assert_no_error (error);
        return envelope;
      }

  g_assert_not_reached ();
}

static TernImapEnvelope *
decode_value (const char *envelope_text, GError **error)
{
  g_autofree char *wire = g_strdup_printf ("* 1 FETCH (ENVELOPE %s)\r\n", envelope_text);
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  const TernImapValue *items =
    tern_imap_value_get_child (tern_imap_response_get_args (response), 0);

  return tern_imap_envelope_new_from_value (tern_imap_value_get_child (items, 1), error);
}

static void
assert_address (const TernImapAddress *a,
                const char *name,
                const char *mailbox,
                const char *host,
                const char *addr_spec)
{
  g_autofree char *spec = tern_imap_address_dup_addr_spec (a);

  g_assert_false (tern_imap_address_is_group (a));
  g_assert_cmpstr (tern_imap_address_get_name (a), ==, name);
  g_assert_null (tern_imap_address_get_route (a));
  g_assert_cmpstr (tern_imap_address_get_mailbox (a), ==, mailbox);
  g_assert_cmpstr (tern_imap_address_get_host (a), ==, host);
  g_assert_cmpstr (spec, ==, addr_spec);
}

static void
test_plain (void)
{
  g_autoptr (TernImapEnvelope) e =
    decode_fetch (recorded_fetch_rfc822, sizeof recorded_fetch_rfc822 - 1);

  g_assert_cmpstr (tern_imap_envelope_get_date (e), ==, "Wed, 24 Aug 2022 01:36:39 +0200");
  /* raw, not RFC 2047-decoded */
  g_assert_cmpstr (tern_imap_envelope_get_subject (e), ==,
                   "=?UTF-8?B?RndkOiDOms6xzrvPjCDOoM6sz4PPh86xIQ==?=");
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (e, TERN_IMAP_ADDRESS_FROM), ==, 1);
  assert_address (tern_imap_envelope_get_address (e, TERN_IMAP_ADDRESS_FROM, 0),
                  "=?UTF-8?B?15PXldeTINeb15TXnw==?=", "david", "example.co.il",
                  "david@example.co.il");
  assert_address (tern_imap_envelope_get_address (e, TERN_IMAP_ADDRESS_TO, 0), "Alice Liddell",
                  "alice", "example.org", "alice@example.org");
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (e, TERN_IMAP_ADDRESS_CC), ==, 0);
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (e, TERN_IMAP_ADDRESS_BCC), ==, 0);
  g_assert_cmpstr (tern_imap_envelope_get_in_reply_to (e), ==,
                   "<20220418135031.e4d3f170.5@example.net>");
  g_assert_cmpstr (tern_imap_envelope_get_message_id (e), ==,
                   "<20220823233639.9f4e4334.9@example.net>");
}

/* 8-bit subjects arrive as literals. */
static void
test_literals (void)
{
  g_autoptr (TernImapEnvelope) e =
    decode_fetch (recorded_fetch_literals, sizeof recorded_fetch_literals - 1);

  g_assert_cmpstr (tern_imap_envelope_get_subject (e), ==,
                   "Draft proposal for the new storage layer, please review before Thursday's "
                   "meeting");
  g_assert_null (tern_imap_envelope_get_in_reply_to (e));
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (e, TERN_IMAP_ADDRESS_REPLY_TO), ==, 1);
}

/* Recorded: "To: undisclosed-recipients:;" and
 * "Cc: Friends: a@b.example, "Bob Q. Smith" <bob@x.example>;, carol@z.example". */
static void
test_groups (void)
{
  g_autoptr (TernImapEnvelope) e =
    decode_fetch (recorded_fetch_group, sizeof recorded_fetch_group - 1);
  const TernImapAddress *undisclosed;
  const TernImapAddress *friends;

  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (e, TERN_IMAP_ADDRESS_TO), ==, 1);
  undisclosed = tern_imap_envelope_get_address (e, TERN_IMAP_ADDRESS_TO, 0);
  g_assert_true (tern_imap_address_is_group (undisclosed));
  g_assert_cmpstr (tern_imap_address_get_name (undisclosed), ==, "undisclosed-recipients");
  g_assert_null (tern_imap_address_get_mailbox (undisclosed));
  g_assert_null (tern_imap_address_dup_addr_spec (undisclosed));
  g_assert_cmpuint (tern_imap_address_get_n_members (undisclosed), ==, 0);

  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (e, TERN_IMAP_ADDRESS_CC), ==, 2);
  friends = tern_imap_envelope_get_address (e, TERN_IMAP_ADDRESS_CC, 0);
  g_assert_true (tern_imap_address_is_group (friends));
  g_assert_cmpstr (tern_imap_address_get_name (friends), ==, "Friends");
  g_assert_cmpuint (tern_imap_address_get_n_members (friends), ==, 2);
  assert_address (tern_imap_address_get_member (friends, 0), NULL, "a", "b.example", "a@b.example");
  assert_address (tern_imap_address_get_member (friends, 1), "Bob Q. Smith", "bob", "x.example",
                  "bob@x.example");
  assert_address (tern_imap_envelope_get_address (e, TERN_IMAP_ADDRESS_CC, 1), NULL, "carol",
                  "z.example", "carol@z.example");
  g_assert_cmpstr (tern_imap_envelope_get_message_id (e), ==, "<group@example.org>");
}

static void
test_edge_cases (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapEnvelope) nil =
    decode_value ("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)", &error);
  g_autoptr (TernImapEnvelope) odd = NULL;

  g_assert_no_error (error);
  g_assert_null (tern_imap_envelope_get_date (nil));
  g_assert_null (tern_imap_envelope_get_subject (nil));
  for (guint f = TERN_IMAP_ADDRESS_FROM; f <= TERN_IMAP_ADDRESS_BCC; f++)
    g_assert_cmpuint (tern_imap_envelope_get_n_addresses (nil, f), ==, 0);

  /* a route, an empty host, an empty list, an unterminated group, a stray end */
  odd = decode_value (
    "(\"\" \"s\\\"q\\\"\" ((NIL \"@relay.example\" \"x\" \"h\")) ((NIL NIL \"local\" \"\")) "
    "() ((NIL NIL \"G\" NIL)(NIL NIL \"m\" \"h\")) ((NIL NIL NIL NIL)(\"n\" NIL \"y\" \"h\")) "
    "NIL NIL NIL)",
    &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tern_imap_envelope_get_date (odd), ==, "");
  g_assert_cmpstr (tern_imap_envelope_get_subject (odd), ==, "s\"q\"");
  g_assert_cmpstr (tern_imap_address_get_route (
                     tern_imap_envelope_get_address (odd, TERN_IMAP_ADDRESS_FROM, 0)),
                   ==, "@relay.example");
  {
    g_autofree char *spec = tern_imap_address_dup_addr_spec (
      tern_imap_envelope_get_address (odd, TERN_IMAP_ADDRESS_SENDER, 0));

    g_assert_cmpstr (spec, ==, "local");
  }
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (odd, TERN_IMAP_ADDRESS_REPLY_TO), ==, 0);
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (odd, TERN_IMAP_ADDRESS_TO), ==, 1);
  g_assert_cmpuint (tern_imap_address_get_n_members (
                      tern_imap_envelope_get_address (odd, TERN_IMAP_ADDRESS_TO, 0)),
                    ==, 1);
  g_assert_cmpuint (tern_imap_envelope_get_n_addresses (odd, TERN_IMAP_ADDRESS_CC), ==, 1);
  g_assert_cmpstr (tern_imap_address_get_name (
                     tern_imap_envelope_get_address (odd, TERN_IMAP_ADDRESS_CC, 0)),
                   ==, "n");
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
    "(date NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL (\"s\") NIL NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL NIL \"from\" NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL NIL ((NIL NIL \"x\")) NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL NIL ((NIL NIL \"x\" \"y\" \"z\")) NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL NIL (\"x\") NIL NIL NIL NIL NIL NIL NIL)",
    "(NIL NIL ((NIL NIL x \"y\")) NIL NIL NIL NIL NIL NIL NIL)",
    "NIL",
    "\"envelope\"",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TernImapEnvelope) e = decode_value (bad[i], &error);

      g_assert_null (e);
      g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/envelope/plain", test_plain);
  g_test_add_func ("/imap/envelope/literals", test_literals);
  g_test_add_func ("/imap/envelope/groups", test_groups);
  g_test_add_func ("/imap/envelope/edge-cases", test_edge_cases);
  g_test_add_func ("/imap/envelope/malformed", test_malformed);

  return g_test_run ();
}
