/* test-imap-vanished.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "imap-test-util.h"
#include "imap/tern-imap-vanished.h"

static char *
decode (const char *wire, gboolean *earlier)
{
  g_autoptr (TernImapResponse) response = imap_test_parse (wire, -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapUidSet) set = tern_imap_vanished_parse (response, earlier, &error);

  g_assert_no_error (error);
  return tern_imap_uid_set_to_string (set);
}

/* Recorded from Dovecot (UID EXPUNGE, MOVE and SELECT … QRESYNC). */
static void
test_vanished (void)
{
  gboolean earlier = TRUE;
  g_autofree char *a = decode ("* VANISHED 1:3\r\n", &earlier);
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  g_assert_cmpstr (a, ==, "1:3");
  g_assert_false (earlier);

  b = decode ("* VANISHED (EARLIER) 5:7\r\n", &earlier);
  g_assert_cmpstr (b, ==, "5:7");
  g_assert_true (earlier);

  c = decode ("* VANISHED (earlier) 300:310,405,411,1:2\r\n", NULL);
  g_assert_cmpstr (c, ==, "300:310,405,411,1:2");
}

static gpointer
vanished_parse (TernImapResponse *response, GError **error)
{
  return tern_imap_vanished_parse (response, NULL, error);
}

/* Mailspring turns QRESYNC off for iCloud's malformed VANISHED: these fail. */
static void
test_malformed (void)
{
  static const char *const bad[] = {
    "* VANISHED\r\n",
    "* VANISHED (EARLIER)\r\n",
    "* VANISHED (LATER) 1:3\r\n",
    "* VANISHED (EARLIER) 1:3 5\r\n",
    "* VANISHED 1:*\r\n",
    "* VANISHED 0\r\n",
    "* VANISHED \"1:3\"\r\n",
    "* VANISHED (1:3)\r\n",
    "* VANISHED 1,,3\r\n",
    "* 1 EXPUNGE\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    imap_test_assert_malformed (bad[i], vanished_parse, (GDestroyNotify) tern_imap_uid_set_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/vanished/vanished", test_vanished);
  g_test_add_func ("/imap/vanished/malformed", test_malformed);

  return g_test_run ();
}
