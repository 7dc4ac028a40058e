/* test-imap-capabilities.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-capabilities.h"

/* Recorded from Dovecot 2.3 (Debian 12). */
#define DOVECOT_CAPABILITY                                                                         \
  "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "               \
  "THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT " \
  "CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT "          \
  "SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "   \
  "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE COMPRESS=DEFLATE\r\n"

#define DOVECOT_GREETING                                                                           \
  "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "           \
  "AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"

static TernImapCapabilities *
decode (const char *wire)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  TernImapCapabilities *caps = tern_imap_capabilities_new_from_response (response, &error);

  g_assert_no_error (error);
  g_assert_nonnull (caps);
  return caps;
}

static void
test_untagged (void)
{
  g_autoptr (TernImapCapabilities) caps = decode (DOVECOT_CAPABILITY);

  g_assert_cmpuint (tern_imap_capabilities_get_n_names (caps), ==, 39);
  g_assert_true (tern_imap_capabilities_has (caps, "IMAP4rev1"));
  g_assert_true (tern_imap_capabilities_has (caps, "imap4REV1"));
  g_assert_true (tern_imap_capabilities_has (caps, "QRESYNC"));
  g_assert_true (tern_imap_capabilities_has (caps, "COMPRESS=DEFLATE"));
  g_assert_false (tern_imap_capabilities_has (caps, "COMPRESS"));
  g_assert_false (tern_imap_capabilities_has (caps, "STARTTLS"));
  g_assert_false (tern_imap_capabilities_has (caps, "IMAP4rev2"));
  g_assert_cmpstr (tern_imap_capabilities_get_value (caps, "COMPRESS"), ==, "DEFLATE");
  g_assert_cmpstr (tern_imap_capabilities_get_value (caps, "SORT"), ==, "");
  g_assert_cmpstr (tern_imap_capabilities_get_value (caps, "THREAD"), ==, "REFERENCES");
  g_assert_cmpstr (tern_imap_capabilities_get_value (caps, "I18NLEVEL"), ==, "1");
  g_assert_null (tern_imap_capabilities_get_value (caps, "APPENDLIMIT"));
  g_assert_null (tern_imap_capabilities_get_value (caps, "COMPRESS=DEFLATE="));
  g_assert_cmpstr (tern_imap_capabilities_get_auth_mechanisms (caps)[0], ==, NULL);
  g_assert_cmpstr (tern_imap_capabilities_get_names (caps)[38], ==, "COMPRESS=DEFLATE");
}

static void
test_code (void)
{
  g_autoptr (TernImapCapabilities) caps = decode (DOVECOT_GREETING);
  g_autoptr (TernImapCapabilities) tagged =
    decode ("a2 OK [CAPABILITY IMAP4rev1 IDLE APPENDLIMIT=35651584] Logged in\r\n");
  const char *const *mechanisms = tern_imap_capabilities_get_auth_mechanisms (caps);

  g_assert_true (tern_imap_capabilities_has (caps, "STARTTLS"));
  g_assert_true (tern_imap_capabilities_has_auth (caps, "PLAIN"));
  g_assert_true (tern_imap_capabilities_has_auth (caps, "login"));
  g_assert_false (tern_imap_capabilities_has_auth (caps, "XOAUTH2"));
  g_assert_cmpstr (mechanisms[0], ==, "PLAIN");
  g_assert_cmpstr (mechanisms[1], ==, "LOGIN");
  g_assert_null (mechanisms[2]);

  g_assert_cmpstr (tern_imap_capabilities_get_value (tagged, "APPENDLIMIT"), ==, "35651584");
}

static void
test_enabled (void)
{
  g_autoptr (TernImapCapabilities) enabled = decode ("* ENABLED QRESYNC CONDSTORE\r\n");
  g_autoptr (TernImapCapabilities) none = decode ("* ENABLED\r\n");

  g_assert_true (tern_imap_capabilities_has (enabled, "CONDSTORE"));
  g_assert_true (tern_imap_capabilities_has (enabled, "qresync"));
  g_assert_cmpuint (tern_imap_capabilities_get_n_names (none), ==, 0);
}

static void
test_new (void)
{
  const char *names[] = { "IMAP4rev1", "AUTH=XOAUTH2", "AUTH=", NULL };
  g_autoptr (TernImapCapabilities) caps = tern_imap_capabilities_new (names);
  g_autoptr (TernImapCapabilities) empty = tern_imap_capabilities_new (NULL);

  g_assert_true (tern_imap_capabilities_has_auth (caps, "XOAUTH2"));
  g_assert_null (tern_imap_capabilities_get_auth_mechanisms (caps)[1]);
  g_assert_cmpuint (tern_imap_capabilities_get_n_names (empty), ==, 0);
}

static void
test_malformed (void)
{
  imap_test_assert_malformed ("* CAPABILITY IMAP4rev1 \"quoted\"\r\n",
                              (ImapTestDecoder) tern_imap_capabilities_new_from_response,
                              (GDestroyNotify) tern_imap_capabilities_unref);
  imap_test_assert_malformed ("* CAPABILITY (IMAP4rev1)\r\n",
                              (ImapTestDecoder) tern_imap_capabilities_new_from_response,
                              (GDestroyNotify) tern_imap_capabilities_unref);
  imap_test_assert_malformed ("* OK [ALERT] no capabilities here\r\n",
                              (ImapTestDecoder) tern_imap_capabilities_new_from_response,
                              (GDestroyNotify) tern_imap_capabilities_unref);
  imap_test_assert_malformed ("* 3 EXISTS\r\n",
                              (ImapTestDecoder) tern_imap_capabilities_new_from_response,
                              (GDestroyNotify) tern_imap_capabilities_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/capabilities/untagged", test_untagged);
  g_test_add_func ("/imap/capabilities/code", test_code);
  g_test_add_func ("/imap/capabilities/enabled", test_enabled);
  g_test_add_func ("/imap/capabilities/new", test_new);
  g_test_add_func ("/imap/capabilities/malformed", test_malformed);

  return g_test_run ();
}
