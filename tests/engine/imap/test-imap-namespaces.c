/* test-imap-namespaces.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-namespaces.h"

static TernImapNamespaces *
decode (const char *wire)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  TernImapNamespaces *ns = tern_imap_namespaces_new_from_response (response, &error);

  g_assert_no_error (error);
  return ns;
}

/* Recorded from Dovecot. */
static void
test_dovecot (void)
{
  g_autoptr (TernImapNamespaces) ns = decode ("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");

  g_assert_cmpuint (tern_imap_namespaces_get_n (ns, TERN_IMAP_NAMESPACE_PERSONAL), ==, 1);
  g_assert_cmpstr (tern_imap_namespaces_get_prefix (ns, TERN_IMAP_NAMESPACE_PERSONAL, 0), ==, "");
  g_assert_cmpint (tern_imap_namespaces_get_delimiter (ns, TERN_IMAP_NAMESPACE_PERSONAL, 0), ==,
                   '/');
  g_assert_cmpuint (tern_imap_namespaces_get_n (ns, TERN_IMAP_NAMESPACE_OTHER_USERS), ==, 0);
  g_assert_cmpuint (tern_imap_namespaces_get_n (ns, TERN_IMAP_NAMESPACE_SHARED), ==, 0);
}

/* RFC 2342's examples, with an extension. */
static void
test_full (void)
{
  g_autoptr (TernImapNamespaces) ns =
    decode ("* NAMESPACE ((\"INBOX.\" \".\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) "
            "((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" NIL))\r\n");

  g_assert_cmpuint (tern_imap_namespaces_get_n (ns, TERN_IMAP_NAMESPACE_PERSONAL), ==, 2);
  g_assert_cmpstr (tern_imap_namespaces_get_prefix (ns, TERN_IMAP_NAMESPACE_PERSONAL, 0), ==,
                   "INBOX.");
  g_assert_cmpint (tern_imap_namespaces_get_delimiter (ns, TERN_IMAP_NAMESPACE_PERSONAL, 0), ==,
                   '.');
  g_assert_cmpstr (tern_imap_namespaces_get_prefix (ns, TERN_IMAP_NAMESPACE_PERSONAL, 1), ==,
                   "#mh/");
  g_assert_cmpstr (tern_imap_namespaces_get_prefix (ns, TERN_IMAP_NAMESPACE_OTHER_USERS, 0), ==,
                   "~");
  g_assert_cmpuint (tern_imap_namespaces_get_n (ns, TERN_IMAP_NAMESPACE_SHARED), ==, 3);
  g_assert_cmpint (tern_imap_namespaces_get_delimiter (ns, TERN_IMAP_NAMESPACE_SHARED, 2), ==,
                   '\0');
}

static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* NAMESPACE ((\"\" \"/\")) NIL\r\n",      "* NAMESPACE ((\"\" \"//\")) NIL NIL\r\n",
    "* NAMESPACE ((\"\")) NIL NIL\r\n",        "* NAMESPACE (\"\" \"/\") NIL NIL\r\n",
    "* NAMESPACE ((INBOX \"/\")) NIL NIL\r\n", "* NAMESPACE \"x\" NIL NIL\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], (ImapTestDecoder) tern_imap_namespaces_new_from_response,
                                (GDestroyNotify) tern_imap_namespaces_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/namespaces/dovecot", test_dovecot);
  g_test_add_func ("/imap/namespaces/full", test_full);
  g_test_add_func ("/imap/namespaces/malformed", test_malformed);

  return g_test_run ();
}
