/* test-account-setup.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/account/tern-account-setup.c against the real Dovecot of
 * tests/fixtures (run under with-dovecot): the errors a person sees say what
 * went wrong in plain words, and a pinned certificate is accepted only when
 * it is the server's own. */

#include "config.h"

#include <string.h>

#include "account/tern-account-setup.h"

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static TernAccountConfig *
new_config (guint16 port, TernSecurity security)
{
  TernAccountConfig *config = tern_account_config_new ("setup-test");

  tern_account_config_set_email (config, "alice@example.org");
  tern_account_config_set_imap (config, g_getenv ("TERN_TEST_IMAP_HOST"), port, security,
                                g_getenv ("TERN_TEST_IMAP_USER"));
  return config;
}

static gboolean
verify (TernAccountConfig *config,
        const char *password,
        GTlsCertificate **out_certificate,
        GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tern_account_setup_verify_async (config, password, NULL, store_result, &result);
  return tern_account_setup_verify_finish (wait_for (&result), out_certificate, error);
}

static guint16
env_port (const char *name)
{
  return (guint16) atoi (g_getenv (name));
}

static void
test_refused (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  guint16 port;

  /* A loopback port nobody listens on. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  config = new_config (port, TERN_SECURITY_TLS);
  g_assert_false (verify (config, "x", NULL, &error));
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION);
  g_assert_nonnull (strstr (error->message, "refused the connection"));
}

static void
test_wrong_password (void)
{
  g_autoptr (TernAccountConfig) config =
    new_config (env_port ("TERN_TEST_IMAPS_PORT"), TERN_SECURITY_TLS);
  g_autoptr (GError) error = NULL;

  tern_account_config_set_ca_file (config, g_getenv ("TERN_TEST_CA_FILE"));
  g_assert_false (verify (config, "not-the-password", NULL, &error));
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION);
  g_assert_nonnull (strstr (error->message, "Wrong user name or password"));
}

/* Without the CA the certificate is refused and handed back; pinned, the
 * same certificate is accepted; another certificate pinned is not. */
static void
test_pinned_certificate (void)
{
  g_autoptr (TernAccountConfig) config =
    new_config (env_port ("TERN_TEST_IMAPS_PORT"), TERN_SECURITY_TLS);
  const char *password = g_getenv ("TERN_TEST_IMAP_PASSWORD");
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GTlsCertificate) ca = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *problem = NULL;

  g_assert_false (verify (config, password, &certificate, &error));
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CERTIFICATE);
  g_assert_nonnull (certificate);
  g_clear_error (&error);

  problem =
    tern_account_dup_certificate_problem (certificate, g_getenv ("TERN_TEST_IMAP_HOST"), NULL);
  g_assert_cmpstr (problem, ==, "It is not signed by an authority this computer trusts.");

  /* The CA's certificate is a valid certificate, but not the server's. */
  ca = g_tls_certificate_new_from_file (g_getenv ("TERN_TEST_CA_FILE"), &error);
  g_assert_no_error (error);
  tern_account_config_set_pinned_certificate (config, ca);
  g_assert_false (verify (config, password, NULL, &error));
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CERTIFICATE);
  g_clear_error (&error);

  tern_account_config_set_pinned_certificate (config, certificate);
  g_assert_true (verify (config, password, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/setup/refused", test_refused);
  g_test_add_func ("/account/setup/wrong-password", test_wrong_password);
  g_test_add_func ("/account/setup/pinned-certificate", test_pinned_certificate);

  return g_test_run ();
}
