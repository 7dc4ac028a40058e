/* test-imap-sasl.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-sasl.h"

/* RFC 7628 §4.1 and Google's XOAUTH2 documentation. */
#define RFC7628_TOKEN "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
#define RFC7628_RESPONSE                                                                           \
  "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZG"   \
  "OWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
#define GOOGLE_TOKEN "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
#define GOOGLE_RESPONSE                                                                            \
  "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJo"   \
  "ZG1semRHRXVZMjl0Q2cBAQ=="
/* {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"} */
#define GOOGLE_ERROR                                                                               \
  "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8i"   \
  "fQ=="
/* {"status":"invalid_token","scope":"example_scope",
 *  "openid-configuration":"https://example.com/.well-known/openid-configuration"} */
#define RFC7628_ERROR                                                                              \
  "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRp"   \
  "b24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0="

static void
assert_method (const char *const *caps, TernImapCredentialKind kind, TernImapAuthMethod expected)
{
  g_autoptr (GError) error = NULL;
  TernImapAuthMethod method = (TernImapAuthMethod) -1;

  g_assert_true (tern_imap_sasl_choose_method (caps, kind, &method, &error));
  g_assert_no_error (error);
  g_assert_cmpint (method, ==, expected);
}

static void
assert_no_method (const char *const *caps, TernImapCredentialKind kind)
{
  g_autoptr (GError) error = NULL;
  TernImapAuthMethod method;

  g_assert_false (tern_imap_sasl_choose_method (caps, kind, &method, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static void
test_choose (void)
{
  const char *const everything[] = { "IMAP4rev1",    "SASL-IR",          "AUTH=PLAIN",
                                     "AUTH=XOAUTH2", "AUTH=OAUTHBEARER", NULL };
  const char *const xoauth2[] = { "IMAP4rev1", "AUTH=PLAIN", "AUTH=XOAUTH2", NULL };
  const char *const plain_lower[] = { "imap4rev1", "auth=plain", NULL };
  const char *const disabled[] = { "IMAP4rev1", "STARTTLS", "LOGINDISABLED", NULL };
  const char *const disabled_plain[] = { "IMAP4rev1", "LOGINDISABLED", "AUTH=PLAIN", NULL };
  const char *const others[] = { "IMAP4rev1", "AUTH=CRAM-MD5", "AUTH=SCRAM-SHA-256", NULL };
  const char *const no_plain_prefix[] = { "IMAP4rev1", "AUTH=PLAIN-CLIENTTOKEN", NULL };

  /* A token goes to a token mechanism, the standard one first. */
  assert_method (everything, TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN, TERN_IMAP_AUTH_OAUTHBEARER);
  assert_method (xoauth2, TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN, TERN_IMAP_AUTH_XOAUTH2);
  /* …and never to a password method. */
  assert_no_method (plain_lower, TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN);
  assert_no_method (others, TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN);
  assert_no_method (NULL, TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN);

  /* A password: PLAIN when offered, LOGIN otherwise, unless LOGINDISABLED. */
  assert_method (everything, TERN_IMAP_CREDENTIAL_PASSWORD, TERN_IMAP_AUTH_PLAIN);
  assert_method (plain_lower, TERN_IMAP_CREDENTIAL_PASSWORD, TERN_IMAP_AUTH_PLAIN);
  assert_method (disabled_plain, TERN_IMAP_CREDENTIAL_PASSWORD, TERN_IMAP_AUTH_PLAIN);
  assert_method (others, TERN_IMAP_CREDENTIAL_PASSWORD, TERN_IMAP_AUTH_LOGIN);
  assert_method (no_plain_prefix, TERN_IMAP_CREDENTIAL_PASSWORD, TERN_IMAP_AUTH_LOGIN);
  assert_method (NULL, TERN_IMAP_CREDENTIAL_PASSWORD, TERN_IMAP_AUTH_LOGIN);
  assert_no_method (disabled, TERN_IMAP_CREDENTIAL_PASSWORD);
}

static char *
serialize (TernImapCommand *command, char **trace)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chunks = NULL;
  GString *out = g_string_new (NULL);

  chunks =
    tern_imap_command_serialize (command, "A1", TERN_IMAP_LITERAL_PLUS, FALSE, trace, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < chunks->len; i++)
    {
      TernImapChunk *chunk = g_ptr_array_index (chunks, i);
      gsize size;
      const char *data = g_bytes_get_data (chunk->bytes, &size);

      g_string_append_len (out, data, (gssize) size);
    }

  return g_string_free (out, FALSE);
}

static TernImapSasl *
new_sasl (TernImapAuthMethod method,
          const char *user,
          const char *secret,
          const char *host,
          guint16 port)
{
  g_autoptr (GError) error = NULL;
  TernImapSasl *sasl = tern_imap_sasl_new (method, user, secret, host, port, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sasl);
  g_assert_cmpint (tern_imap_sasl_get_method (sasl), ==, method);

  return sasl;
}

static void
assert_line (GBytes *line, const char *expected)
{
  g_assert_nonnull (line);
  g_assert_cmpmem (g_bytes_get_data (line, NULL), g_bytes_get_size (line), expected,
                   strlen (expected));
}

static void
assert_step_fails (TernImapSasl *sasl, const char *challenge)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) line = tern_imap_sasl_step (sasl, challenge, &error);

  g_assert_null (line);
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL);
}

static void
test_plain_ir (void)
{
  g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_PLAIN, "alice", "secret", NULL, 0);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
  g_autofree char *trace = NULL;
  g_autofree char *bytes = serialize (command, &trace);

  g_assert_cmpstr (bytes, ==, "A1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  g_assert_cmpstr (trace, ==, "A1 AUTHENTICATE PLAIN ***");
  g_assert_true (tern_imap_command_is_sensitive (command));

  /* The response went with the command: a challenge now is a protocol error. */
  assert_step_fails (sasl, "");
}

static void
test_plain_no_ir (void)
{
  g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_PLAIN, "jörg", "pässwörd", NULL, 0);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, FALSE);
  g_autoptr (GBytes) line = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = serialize (command, NULL);

  g_assert_cmpstr (bytes, ==, "A1 AUTHENTICATE PLAIN\r\n");

  line = tern_imap_sasl_step (sasl, "", &error);
  g_assert_no_error (error);
  assert_line (line, "AGrDtnJnAHDDpHNzd8O2cmQ=\r\n");

  assert_step_fails (sasl, "");
  g_assert_null (tern_imap_sasl_get_server_error (sasl));
}

static void
test_xoauth2 (void)
{
  g_autoptr (TernImapSasl) sasl =
    new_sasl (TERN_IMAP_AUTH_XOAUTH2, "someuser@example.com", GOOGLE_TOKEN, "imap.gmail.com", 993);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
  g_autoptr (GBytes) line = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *bytes = serialize (command, &trace);

  g_assert_cmpstr (bytes, ==, "A1 AUTHENTICATE XOAUTH2 " GOOGLE_RESPONSE "\r\n");
  g_assert_cmpstr (trace, ==, "A1 AUTHENTICATE XOAUTH2 ***");

  /* The server's error report is answered with an empty line. */
  line = tern_imap_sasl_step (sasl, GOOGLE_ERROR, &error);
  g_assert_no_error (error);
  assert_line (line, "\r\n");
  g_assert_cmpstr (tern_imap_sasl_get_server_error (sasl), ==,
                   "{\"status\":\"400\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/"
                   "\"}");
  g_assert_cmpstr (tern_imap_sasl_get_server_status (sasl), ==, "400");

  /* Only once. */
  assert_step_fails (sasl, GOOGLE_ERROR);
}

static void
test_xoauth2_no_ir (void)
{
  g_autoptr (TernImapSasl) sasl =
    new_sasl (TERN_IMAP_AUTH_XOAUTH2, "someuser@example.com", GOOGLE_TOKEN, NULL, 0);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, FALSE);
  g_autoptr (GBytes) line = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = serialize (command, NULL);

  g_assert_cmpstr (bytes, ==, "A1 AUTHENTICATE XOAUTH2\r\n");
  line = tern_imap_sasl_step (sasl, NULL, &error);
  g_assert_no_error (error);
  assert_line (line, GOOGLE_RESPONSE "\r\n");
}

static void
test_oauthbearer (void)
{
  g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_OAUTHBEARER, "user@example.com",
                                            RFC7628_TOKEN, "server.example.com", 143);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
  g_autoptr (GBytes) line = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *bytes = serialize (command, &trace);

  g_assert_cmpstr (bytes, ==, "A1 AUTHENTICATE OAUTHBEARER " RFC7628_RESPONSE "\r\n");
  g_assert_cmpstr (trace, ==, "A1 AUTHENTICATE OAUTHBEARER ***");

  /* RFC 7628 §3.2.3: the error is acknowledged with a single ^A. */
  line = tern_imap_sasl_step (sasl, RFC7628_ERROR, &error);
  g_assert_no_error (error);
  assert_line (line, "AQ==\r\n");
  g_assert_cmpstr (tern_imap_sasl_get_server_status (sasl), ==, "invalid_token");
  g_assert_nonnull (strstr (tern_imap_sasl_get_server_error (sasl), "openid-configuration"));

  assert_step_fails (sasl, "");

  /* Starting again forgets the last report. */
  g_clear_pointer (&command, tern_imap_command_unref);
  command = tern_imap_sasl_create_command (sasl, TRUE);
  g_assert_null (tern_imap_sasl_get_server_error (sasl));
  g_assert_null (tern_imap_sasl_get_server_status (sasl));
}

static void
test_oauthbearer_escaping (void)
{
  g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_OAUTHBEARER, "a=b,c", "t", NULL, 0);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
  g_autofree char *bytes = serialize (command, NULL);

  /* "n,a=a=3Db=2Cc,^Aauth=Bearer t^A^A": no host, no port. */
  g_assert_cmpstr (bytes, ==,
                   "A1 AUTHENTICATE OAUTHBEARER bixhPWE9M0RiPTJDYywBYXV0aD1CZWFyZXIgdAEB\r\n");
}

static void
test_login (void)
{
  g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_LOGIN, "alice", "pa ss", NULL, 0);
  g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
  g_autofree char *trace = NULL;
  g_autofree char *bytes = serialize (command, &trace);

  g_assert_cmpstr (bytes, ==, "A1 LOGIN alice \"pa ss\"\r\n");
  g_assert_cmpstr (trace, ==, "A1 LOGIN alice ***");
  assert_step_fails (sasl, "");
}

static void
test_bad_challenges (void)
{
  static const char *const bad[] = {
    "not base64!", "abc", "ab=c", "a===", "====", "YQ=\r", "YW Jj",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_XOAUTH2, "u", "tok", NULL, 0);
      g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);

      assert_step_fails (sasl, bad[i]);
    }

  {
    g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_XOAUTH2, "u", "tok", NULL, 0);
    g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
    g_autofree char *huge = g_strnfill (16388, 'A');

    assert_step_fails (sasl, huge);
  }

  {
    /* Binary junk in a valid report is kept printable. */
    g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_XOAUTH2, "u", "tok", NULL, 0);
    g_autoptr (TernImapCommand) command = tern_imap_sasl_create_command (sasl, TRUE);
    g_autofree char *challenge = g_base64_encode ((const guchar *) "a\r\n\0\x1b[31mb", 10);
    g_autoptr (GBytes) line = NULL;
    g_autoptr (GError) error = NULL;

    line = tern_imap_sasl_step (sasl, challenge, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (tern_imap_sasl_get_server_error (sasl), ==, "a????[31mb");
    g_assert_null (tern_imap_sasl_get_server_status (sasl));
  }

  {
    /* No command yet: nothing to answer. */
    g_autoptr (TernImapSasl) sasl = new_sasl (TERN_IMAP_AUTH_PLAIN, "u", "p", NULL, 0);

    assert_step_fails (sasl, "");
  }
}

static void
test_invalid_credentials (void)
{
  static const struct
  {
    TernImapAuthMethod method;
    const char *user;
    const char *secret;
    const char *host;
  } cases[] = {
    { TERN_IMAP_AUTH_PLAIN, "", "p", NULL },
    { TERN_IMAP_AUTH_LOGIN, "a\r\nb", "p", NULL },
    { TERN_IMAP_AUTH_XOAUTH2, "a\001auth=Bearer x", "tok", NULL },
    { TERN_IMAP_AUTH_XOAUTH2, "user", "tok\001", NULL },
    { TERN_IMAP_AUTH_XOAUTH2, "user", "two words", NULL },
    { TERN_IMAP_AUTH_XOAUTH2, "user", "", NULL },
    { TERN_IMAP_AUTH_OAUTHBEARER, "user", "=abc", NULL },
    { TERN_IMAP_AUTH_OAUTHBEARER, "user", "abc=d", NULL },
    { TERN_IMAP_AUTH_OAUTHBEARER, "user", "tok", "host\001port=1" },
    { TERN_IMAP_AUTH_OAUTHBEARER, "user", "tok", "" },
    { TERN_IMAP_AUTH_PLAIN, "caf\xe9", "p", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TernImapSasl) sasl = NULL;

      sasl = tern_imap_sasl_new (cases[i].method, cases[i].user, cases[i].secret, cases[i].host, 0,
                                 &error);
      g_assert_null (sasl);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      /* Never the secret in an error message. */
      if (strlen (cases[i].secret) >= 5)
        g_assert_null (strstr (error->message, cases[i].secret));
    }
}

static void
test_method_names (void)
{
  g_assert_cmpstr (tern_imap_auth_method_to_string (TERN_IMAP_AUTH_LOGIN), ==, "LOGIN");
  g_assert_cmpstr (tern_imap_auth_method_to_string (TERN_IMAP_AUTH_PLAIN), ==, "PLAIN");
  g_assert_cmpstr (tern_imap_auth_method_to_string (TERN_IMAP_AUTH_XOAUTH2), ==, "XOAUTH2");
  g_assert_cmpstr (tern_imap_auth_method_to_string (TERN_IMAP_AUTH_OAUTHBEARER), ==, "OAUTHBEARER");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/sasl/choose", test_choose);
  g_test_add_func ("/imap/sasl/plain-ir", test_plain_ir);
  g_test_add_func ("/imap/sasl/plain-no-ir", test_plain_no_ir);
  g_test_add_func ("/imap/sasl/xoauth2", test_xoauth2);
  g_test_add_func ("/imap/sasl/xoauth2-no-ir", test_xoauth2_no_ir);
  g_test_add_func ("/imap/sasl/oauthbearer", test_oauthbearer);
  g_test_add_func ("/imap/sasl/oauthbearer-escaping", test_oauthbearer_escaping);
  g_test_add_func ("/imap/sasl/login", test_login);
  g_test_add_func ("/imap/sasl/bad-challenges", test_bad_challenges);
  g_test_add_func ("/imap/sasl/invalid-credentials", test_invalid_credentials);
  g_test_add_func ("/imap/sasl/method-names", test_method_names);

  return g_test_run ();
}
