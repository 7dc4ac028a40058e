/* test-autoconfig.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/account/tern-autoconfig.c: the pure parts always (SRV
 * ordering, guessed host names, the domain of an address, account ids), and
 * probing against the real Dovecot of tests/fixtures when run under
 * with-dovecot (TERN_TEST_IMAP_HOST set), since no DNS name leads to it. */

#include "config.h"

#include "account/tern-autoconfig-private.h"

static void
test_domain (void)
{
  g_autofree char *a = tern_autoconfig_dup_domain ("Alice@Example.ORG");
  g_autofree char *b = tern_autoconfig_dup_domain ("a@b@mail.example.net");

  g_assert_cmpstr (a, ==, "example.org");
  g_assert_cmpstr (b, ==, "mail.example.net");
  g_assert_null (tern_autoconfig_dup_domain (NULL));
  g_assert_null (tern_autoconfig_dup_domain ("alice"));
  g_assert_null (tern_autoconfig_dup_domain ("@example.org"));
  g_assert_null (tern_autoconfig_dup_domain ("alice@"));
  g_assert_null (tern_autoconfig_dup_domain ("alice@example.org."));
  g_assert_null (tern_autoconfig_dup_domain ("alice@exa mple.org"));
  g_assert_null (tern_autoconfig_dup_domain ("alice@exa/mple.org"));
}

static void
test_srv_order (void)
{
  GList *targets = NULL;
  g_autoptr (GPtrArray) servers = NULL;
  TernAutoconfigServer *s;

  targets = g_list_append (targets, g_srv_target_new ("backup.example.org", 993, 20, 100));
  targets = g_list_append (targets, g_srv_target_new ("light.example.org.", 993, 10, 5));
  targets = g_list_append (targets, g_srv_target_new ("heavy.example.org.", 1993, 10, 60));

  servers = _tern_autoconfig_servers_from_srv (targets, TERN_SECURITY_TLS);
  g_assert_cmpuint (servers->len, ==, 3);
  s = g_ptr_array_index (servers, 0);
  g_assert_cmpstr (s->host, ==, "heavy.example.org");
  g_assert_cmpuint (s->port, ==, 1993);
  g_assert_cmpint (s->security, ==, TERN_SECURITY_TLS);
  s = g_ptr_array_index (servers, 1);
  g_assert_cmpstr (s->host, ==, "light.example.org");
  s = g_ptr_array_index (servers, 2);
  g_assert_cmpstr (s->host, ==, "backup.example.org");

  g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);
}

static void
test_srv_not_offered (void)
{
  GList *targets = g_list_append (NULL, g_srv_target_new (".", 0, 0, 0));
  g_autoptr (GPtrArray) servers =
    _tern_autoconfig_servers_from_srv (targets, TERN_SECURITY_STARTTLS);
  g_autoptr (GPtrArray) none = _tern_autoconfig_servers_from_srv (NULL, TERN_SECURITY_TLS);

  g_assert_cmpuint (servers->len, ==, 0);
  g_assert_cmpuint (none->len, ==, 0);
  g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);
}

static void
test_guesses (void)
{
  g_autoptr (GPtrArray) imap = _tern_autoconfig_guess_servers ("example.org", TERN_AUTOCONFIG_IMAP);
  g_autoptr (GPtrArray) smtp = _tern_autoconfig_guess_servers ("example.org", TERN_AUTOCONFIG_SMTP);
  static const struct
  {
    const char *host;
    guint16 port;
    TernSecurity security;
  } want_imap[] = {
    { "imap.example.org", 993, TERN_SECURITY_TLS },
    { "mail.example.org", 993, TERN_SECURITY_TLS },
    { "example.org", 993, TERN_SECURITY_TLS },
    { "imap.example.org", 143, TERN_SECURITY_STARTTLS },
    { "mail.example.org", 143, TERN_SECURITY_STARTTLS },
    { "example.org", 143, TERN_SECURITY_STARTTLS },
  };
  TernAutoconfigServer *s;

  g_assert_cmpuint (imap->len, ==, G_N_ELEMENTS (want_imap));
  for (guint i = 0; i < imap->len; i++)
    {
      s = g_ptr_array_index (imap, i);
      g_assert_cmpstr (s->host, ==, want_imap[i].host);
      g_assert_cmpuint (s->port, ==, want_imap[i].port);
      g_assert_cmpint (s->security, ==, want_imap[i].security);
    }

  g_assert_cmpuint (smtp->len, ==, 6);
  s = g_ptr_array_index (smtp, 0);
  g_assert_cmpstr (s->host, ==, "smtp.example.org");
  g_assert_cmpuint (s->port, ==, 465);
  s = g_ptr_array_index (smtp, 3);
  g_assert_cmpstr (s->host, ==, "smtp.example.org");
  g_assert_cmpuint (s->port, ==, 587);
  g_assert_cmpint (s->security, ==, TERN_SECURITY_STARTTLS);
}

static void
test_unique_id (void)
{
  g_autofree char *a = tern_account_config_dup_unique_id_for_email ("Alice+Work@Example.org");
  g_autofree char *b = tern_account_config_dup_unique_id_for_email ("ünï@-");
  g_autofree char *c = tern_account_config_dup_unique_id_for_email (".@.");

  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), g_getenv ("TERN_TEST_HOME")));
  g_assert_cmpstr (a, ==, "alice-work-example.org");
  g_assert_true (tern_account_id_is_valid (b));
  g_assert_true (tern_account_id_is_valid (c));

  {
    g_autoptr (TernAccountConfig) config = tern_account_config_new (a);
    g_autoptr (GError) error = NULL;
    g_autofree char *second = NULL;

    tern_account_config_set_email (config, "alice+work@example.org");
    tern_account_config_set_imap (config, "imap.example.org", 993, TERN_SECURITY_TLS, "alice");
    g_assert_true (tern_account_config_save (config, &error));
    g_assert_no_error (error);

    second = tern_account_config_dup_unique_id_for_email ("Alice+Work@Example.org");
    g_assert_cmpstr (second, ==, "alice-work-example.org-2");
    g_assert_true (tern_account_config_delete (a, &error));
  }
}

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

static void
test_lookup_invalid (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TernAccountConfig *config;

  /* Fails without waiting for DNS: the domain can never resolve. */
  tern_autoconfig_lookup_async ("alice@example.invalid", 600, NULL, store_result, &result);
  config = tern_autoconfig_lookup_finish (wait_for (&result), &error);
  g_assert_error (error, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_null (config);
  g_clear_object (&result);
  g_clear_error (&error);

  tern_autoconfig_lookup_async ("not an address", 600, NULL, store_result, &result);
  config = tern_autoconfig_lookup_finish (wait_for (&result), &error);
  g_assert_error (error, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_INVALID_ADDRESS);
  g_assert_null (config);
}

/* Probing the real Dovecot ----------------------------------------------- */

/* A loopback port nobody listens on: bound once, then released. */
static guint16
closed_port (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static TernAutoconfigServer *
probe (GPtrArray *candidates, TernAutoconfigProtocol protocol, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  _tern_autoconfig_probe_async (candidates, protocol, NULL, store_result, &result);
  return _tern_autoconfig_probe_finish (wait_for (&result), error);
}

static GPtrArray *
servers (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) _tern_autoconfig_server_free);
}

static void
test_probe_dovecot (void)
{
  const char *host = g_getenv ("TERN_TEST_IMAP_HOST");
  guint16 port = (guint16) atoi (g_getenv ("TERN_TEST_IMAP_PORT"));
  guint16 tls_port = (guint16) atoi (g_getenv ("TERN_TEST_IMAPS_PORT"));
  g_autoptr (GPtrArray) candidates = servers ();
  g_autoptr (TernAutoconfigServer) found = NULL;
  g_autoptr (GError) error = NULL;

  /* Refused, then TLS on the plain port (no handshake), then the real ones:
   * the first that greets like IMAP, in list order, wins. */
  g_ptr_array_add (candidates,
                   _tern_autoconfig_server_new (host, closed_port (), TERN_SECURITY_TLS));
  g_ptr_array_add (candidates, _tern_autoconfig_server_new (host, port, TERN_SECURITY_TLS));
  g_ptr_array_add (candidates, _tern_autoconfig_server_new (host, tls_port, TERN_SECURITY_TLS));
  g_ptr_array_add (candidates, _tern_autoconfig_server_new (host, port, TERN_SECURITY_STARTTLS));

  found = probe (candidates, TERN_AUTOCONFIG_IMAP, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->host, ==, host);
  g_assert_cmpuint (found->port, ==, tls_port);
  g_assert_cmpint (found->security, ==, TERN_SECURITY_TLS);
  g_clear_pointer (&found, _tern_autoconfig_server_free);

  /* Without the TLS port, STARTTLS on the plain port is what is left. */
  g_ptr_array_remove_index (candidates, 2);
  found = probe (candidates, TERN_AUTOCONFIG_IMAP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->port, ==, port);
  g_assert_cmpint (found->security, ==, TERN_SECURITY_STARTTLS);
  g_clear_pointer (&found, _tern_autoconfig_server_free);

  /* An IMAP greeting is not an SMTP one. */
  found = probe (candidates, TERN_AUTOCONFIG_SMTP, &error);
  g_assert_error (error, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_null (found);
}

static void
test_probe_cancelled (void)
{
  const char *host = g_getenv ("TERN_TEST_IMAP_HOST");
  g_autoptr (GPtrArray) candidates = servers ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TernAutoconfigServer *found;

  g_ptr_array_add (candidates,
                   _tern_autoconfig_server_new (host, closed_port (), TERN_SECURITY_STARTTLS));
  _tern_autoconfig_probe_async (candidates, TERN_AUTOCONFIG_IMAP, cancellable, store_result,
                                &result);
  g_cancellable_cancel (cancellable);
  found = _tern_autoconfig_probe_finish (wait_for (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (found);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/autoconfig/domain", test_domain);
  g_test_add_func ("/account/autoconfig/srv-order", test_srv_order);
  g_test_add_func ("/account/autoconfig/srv-not-offered", test_srv_not_offered);
  g_test_add_func ("/account/autoconfig/guesses", test_guesses);
  g_test_add_func ("/account/autoconfig/unique-id", test_unique_id);
  g_test_add_func ("/account/autoconfig/lookup-invalid", test_lookup_invalid);
  if (g_getenv ("TERN_TEST_IMAP_HOST") != NULL)
    {
      g_test_add_func ("/account/autoconfig/probe-dovecot", test_probe_dovecot);
      g_test_add_func ("/account/autoconfig/probe-cancelled", test_probe_cancelled);
    }

  return g_test_run ();
}
