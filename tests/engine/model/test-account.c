/* test-account.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Tests src/engine/model/tern-account.c without a server: argument checks,
 * the keyring lookup, connection failures and the last-error property. The
 * operations against a real server are in tests/cli/test-cli-imap.py. */

#include "config.h"

#include <gio/gio.h>
#include <unistd.h>

#include "account/tern-account-secret.h"
#include "model/tern-account.h"
#include "model/tern-model-error.h"

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* A loopback port nothing listens on, for as long as the returned socket
 * lives (bound, never listening: connections are refused). */
static GSocket *
bind_closed_port (guint16 *out_port)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  return socket;
}

static TernAccount *
new_account (const char *id, guint16 port)
{
  g_autoptr (TernAccountConfig) config = tern_account_config_new (id);

  tern_account_config_set_email (config, "alice@example.org");
  tern_account_config_set_imap (config, "127.0.0.1", port, TERN_SECURITY_NONE, "alice");

  return tern_account_new (config);
}

static void
test_section_valid (void)
{
  const char *valid[] = {
    NULL,
    "",
    "1",
    "2",
    "1.2.3",
    "10",
    "HEADER",
    "header",
    "TEXT",
    "1.MIME",
    "2.1.MIME",
    "1.HEADER",
    "3.TEXT",
    "HEADER.FIELDS (From)",
    "header.fields (From To X-Spam-Score)",
    "1.HEADER.FIELDS.NOT (Received DKIM-Signature)",
  };
  const char *invalid[] = {
    "0",
    "01",
    "1.",
    ".1",
    "1..2",
    "MIME",
    "BODY",
    "1.BODY",
    "HEADER.FIELDS",
    "HEADER.FIELDS ()",
    "HEADER.FIELDS (From",
    "HEADER.FIELDS (From:)",
    "HEADER.FIELDS (From  To)",
    "HEADER.FIELDS (From) ",
    "HEADER ",
    "TEXT]",
    "1]<0.10>",
    "1\r\nA1 LOGOUT",
    "1 2",
    "-1",
    "HEADER.FIELDS (\"From\")",
    "HEADER.FIELDS (Fr{5}om)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    if (!tern_account_section_is_valid (valid[i]))
      g_error ("“%s” should be a valid section", valid[i]);
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    if (tern_account_section_is_valid (invalid[i]))
      g_error ("“%s” should not be a valid section", invalid[i]);
}

static void
test_properties (void)
{
  g_autoptr (TernAccount) account = new_account ("model-props", 143);
  g_autoptr (TernAccountConfig) config = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GError) last_error = NULL;

  g_object_get (account, "config", &config, "id", &id, "last-error", &last_error, NULL);
  g_assert_true (config == tern_account_get_config (account));
  g_assert_cmpstr (id, ==, "model-props");
  g_assert_null (last_error);
  g_assert_null (tern_account_get_last_error (account));
}

/* A bad argument fails at once, without the keyring or the network, and is
 * the account's last error. */
static void
test_fetch_invalid (void)
{
  g_autoptr (TernAccount) account = new_account ("model-invalid", 1);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GError) error = NULL;
  guint notified = 0;

  g_signal_connect (account, "notify::last-error", G_CALLBACK (count_notify), &notified);

  tern_account_fetch_raw_async (account, "INBOX", 1, "1..2", out, NULL, store_result, &result);
  g_assert_false (tern_account_fetch_raw_finish (account, wait_for (&result), &error));
  g_assert_error (error, TERN_MODEL_ERROR, TERN_MODEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "1..2"));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_error (tern_account_get_last_error (account), TERN_MODEL_ERROR,
                  TERN_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  /* The same error again is no change. */
  tern_account_fetch_raw_async (account, "INBOX", 1, "1..2", out, NULL, store_result, &result2);
  g_assert_false (tern_account_fetch_raw_finish (account, wait_for (&result2), &error));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), ==, 0);
}

/* No password in the keyring: an authentication problem that says where the
 * password should have been; then, with one stored, a connection error that
 * names the server. Cancelling is not an error of the account. */
static void
test_keyring_and_connection (void)
{
  g_autofree char *id = g_strdup_printf ("model-conn-%d", (int) getpid ());
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GAsyncResult) result3 = NULL;
  g_autoptr (GListModel) folders = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *port_str = NULL;
  guint notified = 0;
  guint16 port;

  socket = bind_closed_port (&port);
  port_str = g_strdup_printf ("%u", port);
  account = new_account (id, port);
  g_signal_connect (account, "notify::last-error", G_CALLBACK (count_notify), &notified);

  tern_account_list_folders_async (account, NULL, store_result, &result);
  folders = tern_account_list_folders_finish (account, wait_for (&result), &error);
  g_assert_null (folders);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_AUTHENTICATION);
  g_assert_nonnull (strstr (error->message, id));
  g_assert_cmpuint (notified, ==, 1);
  g_clear_error (&error);

  tern_account_secret_store_sync (id, TERN_ACCOUNT_PROTOCOL_IMAP, "127.0.0.1", "alice",
                                  "model-test-password", NULL, &error);
  g_assert_no_error (error);

  tern_account_list_folders_async (account, NULL, store_result, &result2);
  folders = tern_account_list_folders_finish (account, wait_for (&result2), &error);
  g_assert_null (folders);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CONNECTION);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_nonnull (strstr (error->message, port_str));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_error (tern_account_get_last_error (account), TERN_ACCOUNT_ERROR,
                  TERN_ACCOUNT_ERROR_CONNECTION);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  tern_account_list_folders_async (account, cancellable, store_result, &result3);
  folders = tern_account_list_folders_finish (account, wait_for (&result3), &error);
  g_assert_null (folders);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (notified, ==, 2);
  g_clear_error (&error);

  tern_account_secret_clear_all_for_account_sync (id, NULL, &error);
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/account/section-valid", test_section_valid);
  g_test_add_func ("/model/account/properties", test_properties);
  g_test_add_func ("/model/account/fetch-invalid", test_fetch_invalid);
  g_test_add_func ("/model/account/keyring-and-connection", test_keyring_and_connection);

  return g_test_run ();
}
